"""A frame's fields, built from the header's declarations (RFC 6455 §5.2, §5.3, §5.5.1).

:func:`frame_fields` walks :data:`~wsexplorer.codec.frame_header.FIXED_FIELDS` and the placed fields
(extended length, masking key, payload) of :mod:`.frame_header`, reading each at the place the
declaration gives, so the field list, the bit diagram and the dumps drawn from it all say the same.
A close frame's payload is split into its code and reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..anatomy import Field, FieldList, Span
from .close import describe_close_code
from .frame_header import (
    EXTENDED_LENGTH,
    FIXED_FIELDS,
    MASKING_KEY,
    OPCODE,
    PAYLOAD_DATA,
    Opcode,
    minimal_form,
)

if TYPE_CHECKING:
    from .frames import Frame

__all__ = ["frame_fields"]


def frame_fields(frame: Frame) -> list[Field]:
    """Every field of ``frame`` with its bit span, raw bits, value and meaning."""
    w, h = bytes(frame), frame.header_length
    form, plen, masked = int(frame.length_form), frame.payload_length, frame.masked
    out = FieldList()
    for decl in FIXED_FIELDS:
        v = decl.read(w)
        value: object = f"0x{v:X}" if decl is OPCODE else bool(v) if decl.bit_width == 1 else v
        out.add(w, decl.name, decl.span, value, decl.meaning(v), decl.section, "header")
    span = EXTENDED_LENGTH.span(h, form, masked, len(w))
    if span is not None:
        meaning = f"extended payload length: {plen} bytes"
        if minimal_form(plen) != form:
            meaning += " (not minimal: a shorter encoding was possible)"
        name = f"{EXTENDED_LENGTH.name} ({span.bit_length}-bit)"
        out.add(w, name, span, plen, meaning, EXTENDED_LENGTH.section, "header")
    span = MASKING_KEY.span(h, form, masked, len(w))
    if span is not None:
        key = w[h - 4 : h]
        meaning = f"XOR key {key.hex(' ')}: payload byte i is XORed with key byte i mod 4"
        out.add(w, MASKING_KEY.name, span, key, meaning, MASKING_KEY.section, "header")
    _payload_fields(frame, w, h, out)
    return out.items


def _payload_fields(frame: Frame, w: bytes, h: int, out: FieldList) -> None:
    span = PAYLOAD_DATA.span(h, int(frame.length_form), frame.masked, len(w))
    if span is None:
        return
    p, plen = frame.payload, frame.payload_length
    shown = " (shown unmasked)" if frame.masked else ""
    code = frame.close_code
    if code is not None:
        meaning = f"{code}: {describe_close_code(code)}{shown}"
        out.add(w, "close code", Span.of_bytes(h, h + 2), code, meaning, "RFC 6455 §7.4", "payload")
        if plen > 2:
            meaning = f"reason text: {frame.close_reason!r}{shown}"
            reason = Span.of_bytes(h + 2, len(w))
            out.add(w, "close reason", reason, p[2:], meaning, "RFC 6455 §5.5.1", "payload")
        return
    if frame.opcode == Opcode.TEXT and not frame.rsv1:
        preview = p[:60].decode("utf-8", "replace")
        meaning = f"text: {preview!r}{'…' if plen > 60 else ''}{shown}"
    elif frame.rsv1:
        meaning = f"{plen} bytes of compressed data (RSV1 set){shown}"
    else:
        meaning = f"{plen} bytes of application data{shown}"
    if frame.missing:
        meaning += f"; truncated: {frame.missing} announced bytes not present"
    out.add(w, PAYLOAD_DATA.name, span, p, meaning, PAYLOAD_DATA.section, "payload")
