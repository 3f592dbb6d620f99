"""The frame header drawn like RFC 6455 §5.2's box diagram, filled with the frame's actual bits.

Rows hold 32 bits under a ruler of bit numbers; each field is a box over its bits showing the bits
themselves, the field's name and value (``(0x1 text)`` for an opcode, hex and ``= 300`` for an
extended length). Payload fields become one summary box, truncated after one row; a diagram stops
after 16 rows (64 bytes). The same layout (:class:`Box` objects) feeds the text and the HTML diagram.
Objects with whole-byte fields only (a handshake message) get a table of byte ranges instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..anatomy import Field, Inspectable, Span, Violation
from .fields import fields_html
from .palette import DUMP_CSS, UNLABELLED, clip, escape
from .view import View, make_view

__all__ = ["Box", "bit_diagram_html", "bit_diagram_text", "diagram_table"]

_DIAGRAM_MAX_ROWS = 16  # bit diagrams stop after 16 rows of 32 bits (64 bytes)


@dataclass(frozen=True, slots=True)
class Box:
    """One box of the bit diagram, already cut to a single 32-bit row.

    ``index`` is the field drawn (-1: bits no field describes, -2: the payload summary).
    """

    start: int
    end: int
    index: int
    title: str
    value: str
    note: str
    show_bits: bool
    dashed: bool = False
    color: str = UNLABELLED
    reach: int = 0  # for a truncated box: the bit where what it stands for really ends


def _short_meaning(f: Field, width: int, shown: str) -> str:
    """``(value name)`` for a coded bit field (``(0x1 text)``), ``(value)`` for a number, else empty."""
    v = f.value
    if v is None or isinstance(v, bool) or shown == f.bits:
        return ""
    if isinstance(v, int):
        return f"({shown})"
    head = f.meaning.split(":")[0].strip()
    if ":" in f.meaning:
        head = head.removesuffix(" frame")
        candidates = [head, head.split()[-1]] if head else []
    else:
        candidates = f.meaning.split()[:1]
    for c in candidates:
        text = f"({shown} {c})"
        if all(len(w) <= width for w in text.split()):
            return text
    return f"({shown})"


def _diagram_boxes(view: View, header_only: bool) -> list[Box]:
    """Lay the fields out as boxes in bit order, split at 32-bit row boundaries and capped in length."""
    data = view.data
    limit = min(len(data) * 8, _DIAGRAM_MAX_ROWS * 32)
    order = sorted(range(len(view.fields)), key=lambda i: view.fields[i].span.bit_offset)
    placed: list[tuple[int, int, int]] = []  # (start, end, field index)
    payload: list[int] = []
    cursor = 0
    for i in order:
        f = view.fields[i]
        if f.span.bit_length <= 0:
            continue
        if header_only and f.group == "payload":
            payload.append(i)
            continue
        if f.span.bit_offset < cursor:
            continue  # overlaps a field already drawn (nested description): skip
        if f.span.bit_offset > cursor:
            placed.append((cursor, f.span.bit_offset, -1))
        placed.append((f.span.bit_offset, f.span.bit_end, i))
        cursor = f.span.bit_end

    boxes: list[Box] = []
    hidden_from = -1
    for start, end, i in placed:
        if start >= limit:
            hidden_from = start if hidden_from < 0 else hidden_from
            break
        if end > limit:
            hidden_from = limit
        boxes.extend(_field_boxes(view, start, min(end, limit), i, last=end <= limit))
    if hidden_from < 0 and payload:
        p_start = min(view.fields[i].span.bit_offset for i in payload)
        p_end = max(view.fields[i].span.bit_end for i in payload)
        if p_start >= cursor and p_start < limit:
            boxes.extend(_payload_boxes(view, payload, p_start, p_end))
    if hidden_from >= 0:
        boxes.extend(_hidden_box(view, hidden_from))
    return boxes


def _hidden_box(view: View, start: int) -> list[Box]:
    row_end = (start // 32 + 1) * 32
    end = start + 32 if start % 32 == 0 else row_end
    rest = len(view.data) - start // 8
    if rest <= 0:  # a field past the object's own bytes (e.g. a tail the receiver adds): nothing hidden
        return []
    total = len(view.data) * 8
    return [Box(start, end, -2, "…", f"{rest:,} more bytes not shown", "", False, True, reach=total)]


def _field_boxes(view: View, start: int, end: int, index: int, *, last: bool) -> list[Box]:
    """The boxes of one field (or of unlabelled bits), one per 32-bit row it touches."""
    out: list[Box] = []
    pos = start
    while pos < end:
        stop = min(end, (pos // 32 + 1) * 32)
        first, final = pos == start, stop == end and last
        if index < 0:
            out.append(Box(pos, stop, -1, "?", "", "unlabelled", True))
            pos = stop
            continue
        f = view.fields[index]
        color = view.colors[index]
        if not f.span.whole_bytes:
            note = _short_meaning(f, 2 * (stop - pos) - 1, f.display_value())
            out.append(Box(pos, stop, index, f.name, f.bits, note, True, color=color))
        else:
            chunk = view.data[pos // 8 : (stop + 7) // 8]
            title = f.name if first else f"{f.name} (cont.)"
            v = f.value
            note = f"= {v}" if final and isinstance(v, int) and not isinstance(v, bool) else ""
            out.append(Box(pos, stop, index, title, chunk.hex(" "), note, True, color=color))
        pos = stop
    return out


def _payload_boxes(view: View, payload: list[int], start: int, end: int) -> list[Box]:
    """The payload as one summary box: the rest of its first row, then one truncated box if it goes on."""
    names = " + ".join(view.fields[i].name for i in payload)
    first = view.fields[payload[0]]
    color = view.colors[payload[0]]
    nbytes = (end - start + 7) // 8
    meaning = clip(first.meaning, 60)
    stop = min(end, (start // 32 + 1) * 32)
    more = end > stop
    out = [Box(start, stop, -2, names, f"{nbytes:,} bytes", "" if more else meaning, True, color=color)]
    if more:
        rest = (end - stop + 7) // 8
        cont_end = min(end, stop + 32)
        out.append(Box(stop, cont_end, -2, f"… {rest:,} more bytes", meaning, "", False, True, color, end))
    return out


def _rows(boxes: list[Box]) -> list[list[Box]]:
    rows: dict[int, list[Box]] = {}
    for b in boxes:
        rows.setdefault(b.start // 32, []).append(b)
    return [rows[r] for r in sorted(rows)]


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to ``width`` columns; words longer than ``width`` are split."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        while len(word) > width:
            if cur:
                lines.append(cur)
                cur = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if not cur:
            cur = word
        elif len(cur) + 1 + len(word) <= width:
            cur += " " + word
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


_RULER = (
    "".join(str(i // 10) + " " if i % 10 == 0 else "  " for i in range(32)).rstrip(),
    " ".join(str(i % 10) for i in range(32)),
)


def bit_diagram_text(
    obj: Inspectable, *, header_only: bool = True, violations: Sequence[Violation] | None = None
) -> str:
    """The header as an RFC 6455 §5.2-style box diagram, filled with the object's actual bits.

    Rows hold 32 bits under the RFC's ruler (bit numbers 0..31); each field is a box over its bits whose
    first line is the bits themselves, one under each ruler column, then the field's name and value
    (``(0x1 text)`` for an opcode, hex and ``= 300`` for an extended length). With ``header_only`` the
    payload fields (``group == "payload"``) become one summary box, truncated after one row. An object
    with only whole-byte fields (a handshake) gets a simple table of byte ranges instead.
    """
    view = make_view(obj, violations=violations)
    if not view.fields:
        return f"{view.title}\n(no fields)"
    if not view.has_bitfields:
        return _byte_table_text(view)
    rows = _rows(_diagram_boxes(view, header_only))
    out = [" " + _RULER[0], " " + _RULER[1]]
    prev: list[Box] = []
    for r, row in enumerate(rows):
        out.append(_border(prev, row))
        lines = _row_lines(view, row)
        last_byte = _last_byte(row)
        label = f"  bytes {4 * r}..{last_byte}" if last_byte > 4 * r else f"  byte {4 * r}"
        for k, line in enumerate(lines):
            out.append((line + label) if k == 0 else line.rstrip())
        prev = row
    out.append(_border(prev, []))
    return "\n".join(line.rstrip() for line in out)


def _last_byte(row: list[Box]) -> int:
    """The last byte a row of boxes stands for (a truncated box reaches past its row)."""
    return (max(max(b.end, b.reach) for b in row) - 1) // 8


def _covers(row: list[Box], bit: int) -> Box | None:
    for b in row:
        if b.start % 32 <= bit < (b.start % 32) + (b.end - b.start):
            return b
    return None


def _border(above: list[Box], below: list[Box]) -> str:
    """A ``+-+---+`` line between two rows of boxes; a truncated box above gets ``+ - - +``."""
    edges: set[int] = set()
    for b in (*above, *below):
        s = b.start % 32
        edges.update((s, s + b.end - b.start))
    chars: list[str] = []
    for col in range(65):
        bit = col // 2
        up = _covers(above, bit) if bit < 32 else None
        down = _covers(below, bit) if bit < 32 else None
        dashed = down is None and up is not None and up.dashed
        if col % 2 == 0 and bit in edges:
            chars.append("+")
        elif up is None and down is None:
            chars.append(" ")
        elif dashed:
            chars.append("-" if col % 2 == 0 else " ")
        else:
            chars.append("-")
    return "".join(chars)


def _row_lines(view: View, row: list[Box]) -> list[str]:
    """The content lines of one row: each box's bits, name, value and note, centred between ``|``."""
    contents: list[tuple[int, int, list[str]]] = []
    for b in row:
        s, n = b.start % 32, b.end - b.start
        inner = 2 * n - 1
        lines: list[str] = []
        if b.show_bits:
            lines.append(" ".join(Span(b.start, n).bits(view.data)))
        lines += _wrap(b.title, inner)
        if b.value and not (b.show_bits and b.value == Span(b.start, n).bits(view.data)):
            lines += _wrap(b.value, inner)
        lines += _wrap(b.note, inner)
        contents.append((s, n, lines))
    height = max(len(c[2]) for c in contents)
    out: list[str] = []
    for k in range(height):
        chars = [" "] * 65
        for s, n, lines in contents:
            chars[2 * s] = "|"
            chars[2 * (s + n)] = "|"
            text = lines[k] if k < len(lines) else ""
            inner = 2 * n - 1
            chars[2 * s + 1 : 2 * (s + n)] = list(text.center(inner)[:inner])
        out.append("".join(chars))
    return out


def _byte_table_text(view: View) -> str:
    rows = [("bytes", "field", "hex", "value")]
    for f in view.fields:
        rows.append(
            (
                str(f.span).removeprefix("bytes "),
                clip(f.name, 36),
                clip(f.raw[:8].hex(" ") + (" …" if len(f.raw) > 8 else ""), 26),
                clip(f.display_value(), 40),
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    lines = [view.title]
    for r in rows:
        lines.append(("  ".join(r[c].ljust(widths[c]) for c in range(3)) + "  " + r[3]).rstrip())
    return "\n".join(lines)


def bit_diagram_html(obj: Inspectable, *, violations: Sequence[Violation] | None = None) -> str:
    """The header as an HTML box diagram in the style of RFC 6455 §5.2, coloured by field.

    Each 32-bit row is two table rows: the actual bits, one per ruler column, then a label box per field
    (name, value) spanning its bits. The payload is one summary box. Whole-byte-only objects (a
    handshake) get a table of byte ranges. Self-contained: inline ``<style>``, no scripts.
    """
    view = make_view(obj, violations=violations)
    body = diagram_table(view, header_only=True) if view.has_bitfields else fields_html(view)
    return f'<div class="wsx-dump"><style>{DUMP_CSS}</style>{body}</div>'


def diagram_table(view: View, *, header_only: bool) -> str:
    rows = _rows(_diagram_boxes(view, header_only))
    bad_names = view.bad_fields()
    out = ['<table class="wsx-bd"><thead><tr><th class="wsx-rowl"><span class="wsx-sr">bytes</span></th>']
    for bit in range(32):
        cls = "wsx-rl wsx-b0" if bit % 8 == 0 else "wsx-rl"
        out.append(f'<th class="{cls}">{bit}</th>')
    out.append("</tr></thead><tbody>")
    for r, row in enumerate(rows):
        bits_row: list[str] = []
        labels_row: list[str] = []
        pos = 0
        for b in sorted(row, key=lambda b: b.start):
            s, n = b.start % 32, b.end - b.start
            if s > pos:
                bits_row.append(f'<td colspan="{s - pos}"></td>')
                labels_row.append(f'<td colspan="{s - pos}"></td>')
            bg = f"background-color:{b.color}"
            bad = b.index >= 0 and view.fields[b.index].name in bad_names
            flag = " wsx-bdbad" if bad else ""
            if b.show_bits:
                bits = Span(b.start, n).bits(view.data)
                for k, digit in enumerate(bits):
                    classes = ["wsx-bit", "wsx-in" if k else "wsx-l"]
                    if k == n - 1:
                        classes.append("wsx-r")
                    bits_row.append(f'<td class="{" ".join(classes)}{flag}" style="{bg}">{digit}</td>')
            else:
                bits_row.append(f'<td class="wsx-more wsx-l wsx-r" colspan="{n}" style="{bg}">⋯</td>')
            tip = _box_tooltip(view, b)
            lab_cls = "wsx-lab wsx-l wsx-r" + (" wsx-dash" if b.dashed else "") + flag
            lines = [f'<div class="wsx-bd-n">{escape(b.title)}</div>']
            value = b.value
            if b.show_bits and value == Span(b.start, n).bits(view.data):
                value = ""  # the bits are already in the row above
            for text in (value, b.note):
                if text:
                    lines.append(f'<div class="wsx-bd-v">{escape(text)}</div>')
            cell = f'<td class="{lab_cls}" colspan="{n}" style="{bg}" title="{escape(tip)}">'
            labels_row.append(cell + "".join(lines) + "</td>")
            pos = s + n
        last_byte = _last_byte(row)
        label = f"bytes {4 * r}–{last_byte}" if last_byte > 4 * r else f"byte {4 * r}"
        out.append(f'<tr><th class="wsx-rowl">{escape(label)}</th>{"".join(bits_row)}</tr>')
        fields = '<th class="wsx-rowl"><span class="wsx-sr">fields</span></th>'
        out.append(f"<tr>{fields}{''.join(labels_row)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _box_tooltip(view: View, b: Box) -> str:
    if b.index >= 0:
        f = view.fields[b.index]
        return f"{f.name} ({f.span}): {clip(f.meaning, 120)}" + (f" [{f.rfc_ref}]" if f.rfc_ref else "")
    if b.index == -1:
        return "bits not described by any field"
    return f"{b.title}: {b.value}"
