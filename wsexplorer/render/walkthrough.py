"""Unmasking, byte by byte (RFC 6455 §5.3): masked byte, key byte ``i % 4``, XOR, unmasked byte.

Shows why a masked payload looks like noise on the wire and how the receiver gets it back: the same
XOR with the same 4-byte key, repeated. The unmasked bytes come from
:attr:`Frame.payload <wsexplorer.codec.frames.Frame.payload>` (the codec's XOR), never recomputed here.
"""

from __future__ import annotations

from ..codec.frame_header import Opcode
from ..codec.frames import Frame
from .handshake import LEFT
from .palette import INK, KEY_TINTS, WALKTHROUGH_CSS, block, escape

__all__ = ["unmasking_html", "unmasking_text"]


def _printable(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else ""


def _chip(byte: int, tint: str, extra_class: str = "") -> str:
    """A byte in hex on a light tint, with dark text whatever the theme."""
    return f'<span class="wsx-wt-chip{extra_class}" style="background:{tint};color:{INK}">{byte:02x}</span>'


def _block(body: str, extra_class: str = "") -> str:
    return block("wsx-wt " + extra_class, WALKTHROUGH_CSS, body)


def _is_text(frame: Frame) -> bool:
    return frame.opcode in (Opcode.TEXT, Opcode.CONTINUATION, Opcode.CLOSE) and not frame.rsv1


def unmasking_html(frame: Frame, *, max_rows: int = 32) -> str:
    """RFC 6455 §5.3 for ``frame``, byte by byte: masked byte, key byte ``i % 4``, XOR, unmasked byte.

    Shows why a masked payload looks like noise on the wire and how the receiver gets it back: the
    same XOR with the same 4-byte key, repeated. Only the first ``max_rows`` bytes get a row.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    key = frame.masking_key
    if key is None:
        return _block(
            '<div class="wsx-wt-lead">This frame is <b>not masked</b> (MASK bit = 0): the payload bytes '
            "on the wire are the data itself. Only frames from a client to a server are masked; a server "
            "never masks (RFC 6455 §5.1).</div>"
        )
    masked = frame.masked_payload
    plain = frame.payload  # unmasked by the codec (apply_mask), never recomputed here
    key_chips = " ".join(_chip(k, KEY_TINTS[j]) for j, k in enumerate(key))
    parts = [
        '<div class="wsx-wt-lead">Masking key (4 bytes): '
        f"{key_chips}. Payload byte <i>i</i> is XORed (⊕, bit by bit: 1 where the bits differ) with key byte "
        "<i>i</i> mod 4. Doing the same XOR again gives the bytes back, so masking and unmasking are one "
        "operation <span class='wsx-wt-dim'>(RFC 6455 §5.3)</span>.</div>"
    ]
    if not masked:
        parts.append('<div class="wsx-wt-dim">The payload is empty: nothing to unmask.</div>')
        return _block("".join(parts))
    heads = ("i", "masked byte (wire)", "", "key byte i mod 4", "", "unmasked byte", "char")
    rows = [
        "<table><thead><tr>" + "".join(f'<th style="{LEFT}">{h}</th>' for h in heads) + "</tr></thead><tbody>"
    ]
    text = _is_text(frame)
    for i in range(min(len(masked), max_rows)):
        m, k, p = masked[i], key[i % 4], plain[i]
        char = _printable(p)
        if char:
            shown = f"'{escape(char)}'"
        elif text and p >= 0x80:
            shown = '<span class="wsx-wt-dim">part of a UTF-8 character</span>'
        else:
            shown = '<span class="wsx-wt-dim">—</span>'
        rows.append(
            f'<tr><td class="wsx-wt-num" style="text-align:right">{i}</td>'
            f'<td style="{LEFT}">{_chip(m, "#e6d8bd")} <span class="wsx-wt-bits">{m:08b}</span></td>'
            f'<td style="{LEFT}">⊕</td>'
            f'<td style="{LEFT}">{_chip(k, KEY_TINTS[i % 4])} <span class="wsx-wt-bits">{k:08b}</span> '
            f'<span class="wsx-wt-dim wsx-wt-small">(key[{i % 4}])</span></td><td style="{LEFT}">=</td>'
            f'<td style="{LEFT}">{_chip(p, "#d7f0dd", " wsx-wt-res")} '
            f'<span class="wsx-wt-bits">{p:08b}</span></td>'
            f'<td class="wsx-wt-m" style="{LEFT}">{shown}</td></tr>'
        )
    rows.append("</tbody></table>")
    parts.extend(rows)
    hidden = len(masked) - min(len(masked), max_rows)
    if hidden:
        parts.append(
            f'<div class="wsx-wt-dim wsx-wt-small">… {hidden:,} more bytes, unmasked the same way '
            f"(first {max_rows} of {len(masked):,} shown).</div>"
        )
    if frame.missing:
        parts.append(
            f'<div class="wsx-wt-note">The frame is incomplete: {frame.missing:,} announced payload bytes '
            "never arrived, so only the bytes present are unmasked.</div>"
        )
    if text:
        preview = plain[:200].decode("utf-8", "replace")
        more = "…" if len(plain) > 200 else ""
        parts.append(
            f'<div class="wsx-wt-lead">Unmasked payload as text: <b>{escape(repr(preview))}</b>{more}</div>'
        )
    return _block("".join(parts))


def unmasking_text(frame: Frame, *, max_rows: int = 32) -> str:
    """The same walkthrough as :func:`unmasking_html`, as plain text for a terminal."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    key = frame.masking_key
    if key is None:
        return "not masked (MASK = 0): the payload on the wire is the data itself (RFC 6455 §5.1)"
    masked, plain = frame.masked_payload, frame.payload
    out = [f"masking key {key.hex(' ')}; payload byte i XOR key byte i mod 4 (RFC 6455 §5.3)"]
    out.append(f"{'i':>5}  masked      key (i%4)       unmasked    char")
    for i in range(min(len(masked), max_rows)):
        m, k, p = masked[i], key[i % 4], plain[i]
        out.append(
            f"{i:>5}  {m:02x} {m:08b} ^ {k:02x} {k:08b} [{i % 4}] = {p:02x} {p:08b}  {_printable(p)!r}"
        )
    if len(masked) > max_rows:
        out.append(f"… {len(masked) - max_rows:,} more bytes, unmasked the same way")
    return "\n".join(out)
