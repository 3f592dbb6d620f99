"""The checks of one frame (RFC 6455 §5.1, §5.2, §5.5, §5.5.1, §8.1; RFC 7692 §6.1).

Each check applies a :class:`~wsexplorer.codec.rules.Rule` to the bytes of one frame and returns the
:class:`~wsexplorer.anatomy.Violation` objects found, with byte ranges inside the frame. What a frame
breaks depends on its context, so the context is passed in: who sent it (the masking rule), whether an
extension defines RSV1, the receiver's size limit, and whether a continuation frame belongs to an
uncompressed text message. :class:`~wsexplorer.codec.frames.Frame` exposes these as methods; the
connection runs :func:`header_violations` on every frame it receives, so its common case is one test.
"""

from __future__ import annotations

from ..anatomy import Violation
from . import rules
from .close import close_code_problem
from .frame_header import (
    CONTROL_BIT,
    DEFINED_OPCODES,
    EXTENDED_LENGTH_BYTES,
    FIN_BIT,
    MASK_BIT,
    OPCODE_BITS,
    RSV1_BIT,
    RSV2_BIT,
    RSV3_BIT,
    LengthForm,
    Opcode,
    minimal_form,
)
from .role import Role
from .utf8 import first_invalid_utf8

__all__ = ["close_violations", "frame_violations", "header_violations"]


def header_violations(
    wire: bytes,
    header_length: int,
    form: int,
    payload_length: int,
    *,
    sender: Role | None = None,
    rsv1_allowed: bool = False,
) -> list[Violation]:
    """The rules broken by a frame's header alone: opcode, RSV bits, length encoding, control frame
    limits and, when ``sender`` is known, the masking direction."""
    b0 = wire[0]
    op = b0 & OPCODE_BITS
    masked = bool(wire[1] & MASK_BIT)
    control = bool(b0 & CONTROL_BIT)
    if (
        not b0 & (RSV2_BIT | RSV3_BIT)
        and (not b0 & RSV1_BIT or (rsv1_allowed and not control))
        and op in DEFINED_OPCODES
        and (not control or (b0 & FIN_BIT and payload_length <= 125))
        and (sender is None or masked == (sender == "client"))
        and minimal_form(payload_length) == form
        and not (form == LengthForm.BITS_64 and wire[2] & 0x80)
    ):
        return []  # the common case: nothing to report
    out: list[Violation] = []
    if op not in DEFINED_OPCODES:
        out.append(rules.RESERVED_OPCODE.violation(0, 1, opcode=op))
    if b0 & RSV1_BIT:
        if not rsv1_allowed:
            out.append(rules.RSV_WITHOUT_EXTENSION.violation(0, 1, field="RSV1", bit="RSV1"))
        elif control:
            out.append(rules.RSV1_ON_CONTROL.violation(0, 1))
    for bit, name in ((RSV2_BIT, "RSV2"), (RSV3_BIT, "RSV3")):
        if b0 & bit:
            out.append(rules.RSV_WITHOUT_EXTENSION.violation(0, 1, field=name, bit=name))
    if form == LengthForm.BITS_64 and wire[2] & 0x80:
        out.append(rules.LENGTH_TOP_BIT.violation(2, 10))
    if minimal_form(payload_length) != form:
        end = 2 + EXTENDED_LENGTH_BYTES[form]
        out.append(
            rules.LENGTH_NOT_MINIMAL.violation(1, end, length=payload_length, form=LengthForm(form).label)
        )
    if control:
        if not b0 & FIN_BIT:
            out.append(rules.CONTROL_FRAGMENTED.violation(0, 1))
        if payload_length > 125:
            out.append(rules.CONTROL_TOO_LONG.violation(1, header_length, length=payload_length))
    if sender == "client" and not masked:
        out.append(rules.CLIENT_UNMASKED.violation(1, 2))
    elif sender == "server" and masked:
        out.append(rules.SERVER_MASKED.violation(1, 2))
    return out


def close_violations(wire: bytes, header_length: int, payload: bytes) -> list[Violation]:
    """The rules a close frame's payload breaks: its length, code and reason (RFC 6455 §5.5.1, §7.4).

    Any other frame has no close payload, so it breaks none of these.
    """
    if wire[0] & OPCODE_BITS != Opcode.CLOSE:
        return []
    h, n = header_length, len(payload)
    if n == 1:
        return [rules.CLOSE_ONE_BYTE.violation(h, h + 1)]
    if n < 2:
        return []
    out: list[Violation] = []
    problem = close_code_problem(int.from_bytes(payload[:2], "big"))
    if problem is not None:
        out.append(rules.CLOSE_CODE_INVALID.violation(h, h + 2, problem=problem))
    bad = first_invalid_utf8(payload[2:])
    if bad is not None:
        out.append(rules.CLOSE_REASON_NOT_UTF8.violation(h + 2 + bad, h + 3 + bad, at=bad))
    return out


def frame_violations(
    wire: bytes,
    header_length: int,
    form: int,
    payload: bytes,
    *,
    sender: Role | None = None,
    rsv1_allowed: bool = False,
    max_size: int | None = None,
    fragment_of_text: bool = False,
) -> list[Violation]:
    """Every rule a frame breaks in the given context: header, size limit, close payload, UTF-8.

    Text is checked only where the frame's own bytes are the text: a text frame without RSV1, or a
    continuation of an uncompressed text message (``fragment_of_text``); a compressed message is
    checked once inflated, by whoever inflates it.
    """
    n = len(payload)
    out = header_violations(wire, header_length, form, n, sender=sender, rsv1_allowed=rsv1_allowed)
    b0 = wire[0]
    op = b0 & OPCODE_BITS
    if max_size is not None and n > max_size:
        out.append(rules.FRAME_OVER_LIMIT.violation(1, header_length, length=n, limit=max_size))
    if op == Opcode.CLOSE:
        out.extend(close_violations(wire, header_length, payload))
    elif not b0 & RSV1_BIT and (op == Opcode.TEXT or (op == Opcode.CONTINUATION and fragment_of_text)):
        bad = first_invalid_utf8(payload, final=bool(b0 & FIN_BIT))
        if bad is not None:
            at = header_length + bad
            out.append(rules.TEXT_NOT_UTF8.violation(at, at + 1, at=bad))
    return out
