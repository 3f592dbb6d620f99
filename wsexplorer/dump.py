"""Annotated dumps and bit diagrams of anything that describes itself with fields.

The renderers here work on any :class:`~wsexplorer.anatomy.Inspectable` (``bytes(obj)``, ``obj.fields``,
``obj.violations``, and optionally ``obj.summary()``): a WebSocket frame, a handshake, a compressed
message. Every byte range, bit string and colour comes from the object's own fields, so the dump, the
bit diagram and the field table can never disagree.

* :func:`text_dump` — a plain-text hex dump for a terminal: each byte labelled by field, a bit-by-bit
  breakdown of bytes shared by several bit fields, a field table and the rules broken.
* :func:`html_dump` — the same as self-contained HTML for Jupyter's ``_repr_html_``: colour-coded hex
  cells (bytes shared by bit fields drawn as stripes, one per bit), tooltips, a field legend, and
  violations outlined in red. No scripts, no external assets.
* :func:`bit_diagram_text` / :func:`bit_diagram_html` — the header drawn like the box diagram of
  RFC 6455 §5.2: rows of 32 bits, each field a box over its bits, filled with the actual bits.
* :func:`field_color` — a stable colour per field name, shared by every renderer.

Large objects are never rendered whole: hex views stop after ``max_bytes`` and say how much is hidden.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from .anatomy import Field, Inspectable, Span, Violation

__all__ = [
    "bit_diagram_html",
    "bit_diagram_text",
    "field_color",
    "html_dump",
    "text_dump",
]

# -- colours ---------------------------------------------------------------------------------------

INK = "#1b1b1b"
"""Text colour on coloured cells: always dark, because every field colour is a light-to-mid tone."""
BAD = "#d93025"
"""The colour of violations."""
UNLABELLED = "#cfd4da"
"""Background of bits no field describes."""
SPLIT_TOP = "#eceef1"
"""Background behind the hex digits of a byte shared by bit fields (their colours form a band below)."""

_KNOWN_COLORS = {
    "fin": "#f28b82",
    "rsv1": "#e6c3f0",
    "rsv2": "#d4b0ec",
    "rsv3": "#c29ee6",
    "opcode": "#fdd663",
    "mask": "#81c995",
    "payload length": "#8ab4f8",
    "payload len": "#8ab4f8",
    "extended payload length": "#7fd3e6",
    "masking key": "#f9a66c",
    "payload data": "#e6d8bd",
    "close code": "#f48fb1",
    "close reason": "#c5e1a5",
}

_PALETTE = (
    "#ffab91",
    "#ffe082",
    "#c5e1a5",
    "#80cbc4",
    "#81d4fa",
    "#9fa8da",
    "#ce93d8",
    "#f48fb1",
    "#bcaaa4",
    "#a5d6a7",
    "#e6ee9c",
    "#b0bec5",
)


def field_color(name: str) -> str:
    """A stable background colour (``#rrggbb``) for a field called ``name``.

    The WebSocket header fields have fixed colours so every dump and diagram agrees; any other name is
    hashed (CRC-32, stable across runs, unlike ``hash()``) into a palette of light, mid-saturation tones
    that stay readable with dark text on both light and dark notebook themes.
    """
    key = " ".join(name.lower().split())
    if key in _KNOWN_COLORS:
        return _KNOWN_COLORS[key]
    if key.startswith("extended payload length"):
        return _KNOWN_COLORS["extended payload length"]
    return _PALETTE[zlib.crc32(key.encode("utf-8")) % len(_PALETTE)]


def _assign_colors(fields: Sequence[Field]) -> list[str]:
    """Colours for ``fields`` in order, by :func:`field_color`.

    Fixed colours never move; a hashed colour already taken by another name in the same object moves to
    the next free palette colour (while any is left), so no two fields of one dump look alike.
    """
    by_name: dict[str, str] = {}
    used: set[str] = set()
    hashed: list[Field] = []
    for f in fields:
        color = field_color(f.name)
        if color not in _PALETTE or " ".join(f.name.lower().split()) in _KNOWN_COLORS:
            by_name.setdefault(f.name, color)
            used.add(color)
        else:
            hashed.append(f)
    for f in hashed:
        if f.name in by_name:
            continue
        color = field_color(f.name)
        start = _PALETTE.index(color)
        for k in range(len(_PALETTE)):
            candidate = _PALETTE[(start + k) % len(_PALETTE)]
            if candidate not in used:
                color = candidate
                break
        by_name[f.name] = color
        used.add(color)
    return [by_name[f.name] for f in fields]


# -- the common view of an inspectable object ------------------------------------------------------

_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DIAGRAM_MAX_ROWS = 16  # bit diagrams stop after 16 rows of 32 bits (64 bytes)


@dataclass(frozen=True, slots=True)
class _View:
    """What every renderer needs, gathered once: bytes, fields, their colours and keys, violations."""

    data: bytes
    fields: list[Field]
    violations: list[Violation]
    colors: list[str]
    keys: list[str]
    title: str

    def owners(self, start: int, end: int) -> list[int]:
        """For each bit of bytes ``start..end-1``, the index of the narrowest field holding it (-1: none).

        Only the requested bytes are examined, so a megabyte payload costs nothing beyond them.
        """
        lo, hi = start * 8, end * 8
        out = [-1] * (hi - lo)
        for i, f in enumerate(self.fields):
            a, b = max(f.span.bit_offset, lo), min(f.span.bit_end, hi)
            n = f.span.bit_length
            for bit in range(a, b):
                cur = out[bit - lo]
                if cur < 0 or n < self.fields[cur].span.bit_length:
                    out[bit - lo] = i
        return out

    def bad_bytes(self, end: int) -> dict[int, list[Violation]]:
        """The violations touching each byte below ``end`` (an empty range marks its start byte)."""
        marks: dict[int, list[Violation]] = {}
        for v in self.violations:
            stop = max(v.end, v.start + 1)
            for b in range(max(v.start, 0), min(stop, end)):
                marks.setdefault(b, []).append(v)
        return marks

    def bad_fields(self) -> set[str]:
        return {v.field for v in self.violations if v.field}


def _view(obj: Inspectable) -> _View:
    data = bytes(obj)
    fields = list(obj.fields)
    violations = list(obj.violations)
    keys = [_KEYS[i] if i < len(_KEYS) else "?" for i in range(len(fields))]
    kind = type(obj).__name__
    summary = getattr(obj, "summary", None)
    title = kind
    text = str(summary()) if callable(summary) else summary if isinstance(summary, str) else ""
    if text:
        title = f"{kind} · {text}"
    return _View(data, fields, violations, _assign_colors(fields), keys, title)


def _byte_fields(owners: list[int], byte_index: int) -> list[int]:
    """The distinct owners of one byte's 8 bits, in bit order (``owners`` starts at byte 0)."""
    base = byte_index * 8
    seen: list[int] = []
    for o in owners[base : base + 8]:
        if o not in seen:
            seen.append(o)
    return seen


def _where(v: Violation) -> str:
    if v.end - v.start <= 1:
        return f"byte {v.start}"
    return f"bytes {v.start}..{v.end - 1}"


def _answer(v: Violation) -> str:
    parts = []
    if v.close_code is not None:
        parts.append(f"close {v.close_code}")
    if v.http_status is not None:
        parts.append(f"HTTP {v.http_status}")
    return ", ".join(parts)


def _clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _check_limits(max_bytes: int, width: int = 16) -> None:
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    if max_bytes < 0:
        raise ValueError(f"max_bytes must not be negative, got {max_bytes}")


def _truncation_note(total: int, shown: int) -> str:
    hidden = total - shown
    return f"… {hidden:,} more bytes not shown (first {shown:,} of {total:,} bytes)"


def _ascii(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else "."


# -- text dump --------------------------------------------------------------------------------------


def text_dump(obj: Inspectable, *, width: int = 16, max_bytes: int = 512) -> str:
    """A plain-text annotated dump: title, hex dump with field keys, shared-bit breakdown, fields, violations.

    Under each hex row a second row labels every byte with its field's key letter (``A----`` runs over a
    multi-byte field, ``**`` for a byte shared by several bit fields, broken down bit by bit below), and a
    third row marks bytes that break a rule with ``!!``. Only the first ``max_bytes`` bytes are dumped.
    """
    _check_limits(max_bytes, width)
    view = _view(obj)
    data = view.data
    shown = min(len(data), max_bytes)
    owners = view.owners(0, shown)
    bad = view.bad_bytes(shown)
    nviol = len(view.violations)
    out = [
        view.title,
        f"{len(data):,} bytes · {len(view.fields)} fields · "
        + (f"{nviol} violation{'s' if nviol != 1 else ''}" if nviol else "no violations"),
        "",
    ]

    # hex dump
    hex_width = width * 3 - 1
    out.append(f"{'offset':>6}  {'hex':<{hex_width}}  ascii")
    shared: list[int] = []
    for row in range(0, shown, width):
        chunk = data[row : min(row + width, shown)]
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        out.append(f"{row:>6}  {hex_part:<{hex_width}}  |{''.join(map(_ascii, chunk))}|")
        labels: list[str] = []
        for i in range(row, row + len(chunk)):
            owned = _byte_fields(owners, i)
            if len(owned) > 1:
                labels.append("*")
                shared.append(i)
            else:
                labels.append(view.keys[owned[0]] if owned[0] >= 0 else ".")
        out.append(" " * 8 + _key_runs(labels).rstrip())
        marks = ["!!" if i in bad else "  " for i in range(row, row + len(chunk))]
        if any(m != "  " for m in marks):
            out.append((" " * 8 + " ".join(marks)).rstrip() + "   <- breaks a rule")
    if shown < len(data):
        out.append(_truncation_note(len(data), shown))
    if shared:
        out.append("")
        out.append("** bytes shared by bit fields, bit by bit:")
        for i in shared[:32]:
            bits = f"{data[i]:08b}"
            head = f"  byte {i} = 0x{data[i]:02x} = "
            out.append(head + " ".join(bits))
            keys = [view.keys[o] if o >= 0 else "." for o in owners[i * 8 : i * 8 + 8]]
            names = []
            for o in _byte_fields(owners, i):
                if o >= 0:
                    names.append(f"{view.keys[o]}={view.fields[o].name}")
            out.append(" " * len(head) + " ".join(keys) + "   " + " ".join(names))

    # fields
    out.append("")
    out.append("fields:" if view.fields else "fields: (none)")
    bad_names = view.bad_fields()
    with_bits = _has_bitfields(view)
    rows = [["", "key", "field", "span", "bits", "value", "meaning"]]
    for i, f in enumerate(view.fields):
        meaning = _clip(f.meaning, 100) + (f"  [{f.rfc_ref}]" if f.rfc_ref else "")
        flag = "!" if f.name in bad_names else ""
        name = _clip(f.name, 36)
        value = _clip(f.display_value(), 28)
        rows.append([flag, view.keys[i], name, str(f.span), f.bits or "-", value, meaning])
    if not with_bits:
        rows = [r[:4] + r[5:] for r in rows]
    if view.fields:
        out.extend(_table_lines(rows))

    # violations
    out.append("")
    if view.violations:
        out.append(f"violations ({nviol}):")
        for v in view.violations:
            out.append(f"  ! {v.rule}")
            meta = [_where(v)]
            if v.field:
                meta.append(f"field {v.field}")
            meta.append(v.section or "no section")
            if _answer(v):
                meta.append(f"answer: {_answer(v)}")
            meta.append(f"fault: {v.fault}")
            out.append("      " + "; ".join(meta))
    else:
        out.append("violations: none")
    return "\n".join(out)


def _table_lines(rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns (the last column is left ragged)."""
    ncols = len(rows[0])
    widths = [max(max(len(r[c]) for r in rows), 1) for c in range(ncols - 1)]
    lines = []
    for r in rows:
        cells = [r[c].ljust(widths[c]) for c in range(ncols - 1)] + [r[-1]]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def _key_runs(labels: list[str]) -> str:
    """Byte labels as runs: ``A`` then dashes under every byte of the same field, ``**`` per shared byte."""
    out: list[str] = []
    i = 0
    while i < len(labels):
        key = labels[i]
        j = i + 1
        if key not in "*.":
            while j < len(labels) and labels[j] == key:
                j += 1
        n = j - i
        if key == "*":
            out.append("**")
        elif n == 1:
            out.append(key + " ")
        else:
            out.append(key + "-" * (3 * n - 2))
        i = j
    return " ".join(out)


# -- bit diagram layout (shared by the text and HTML diagrams) ---------------------------------------


@dataclass(frozen=True, slots=True)
class _Box:
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


def _diagram_boxes(view: _View, header_only: bool) -> list[_Box]:
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

    boxes: list[_Box] = []
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


def _hidden_box(view: _View, start: int) -> list[_Box]:
    row_end = (start // 32 + 1) * 32
    end = start + 32 if start % 32 == 0 else row_end
    rest = len(view.data) - start // 8
    if rest <= 0:  # a field past the object's own bytes (e.g. a tail the receiver adds): nothing hidden
        return []
    total = len(view.data) * 8
    return [_Box(start, end, -2, "…", f"{rest:,} more bytes not shown", "", False, True, reach=total)]


def _field_boxes(view: _View, start: int, end: int, index: int, *, last: bool) -> list[_Box]:
    """The boxes of one field (or of unlabelled bits), one per 32-bit row it touches."""
    out: list[_Box] = []
    pos = start
    while pos < end:
        stop = min(end, (pos // 32 + 1) * 32)
        first, final = pos == start, stop == end and last
        if index < 0:
            out.append(_Box(pos, stop, -1, "?", "", "unlabelled", True))
            pos = stop
            continue
        f = view.fields[index]
        color = view.colors[index]
        if not f.span.whole_bytes:
            note = _short_meaning(f, 2 * (stop - pos) - 1, f.display_value())
            out.append(_Box(pos, stop, index, f.name, f.bits, note, True, color=color))
        else:
            chunk = view.data[pos // 8 : (stop + 7) // 8]
            title = f.name if first else f"{f.name} (cont.)"
            v = f.value
            note = f"= {v}" if final and isinstance(v, int) and not isinstance(v, bool) else ""
            out.append(_Box(pos, stop, index, title, chunk.hex(" "), note, True, color=color))
        pos = stop
    return out


def _payload_boxes(view: _View, payload: list[int], start: int, end: int) -> list[_Box]:
    """The payload as one summary box: the rest of its first row, then one truncated box if it goes on."""
    names = " + ".join(view.fields[i].name for i in payload)
    first = view.fields[payload[0]]
    color = view.colors[payload[0]]
    nbytes = (end - start + 7) // 8
    meaning = _clip(first.meaning, 60)
    stop = min(end, (start // 32 + 1) * 32)
    more = end > stop
    out = [_Box(start, stop, -2, names, f"{nbytes:,} bytes", "" if more else meaning, True, color=color)]
    if more:
        rest = (end - stop + 7) // 8
        cont_end = min(end, stop + 32)
        out.append(_Box(stop, cont_end, -2, f"… {rest:,} more bytes", meaning, "", False, True, color, end))
    return out


def _rows(boxes: list[_Box]) -> list[list[_Box]]:
    rows: dict[int, list[_Box]] = {}
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


def _has_bitfields(view: _View) -> bool:
    return any(not f.span.whole_bytes for f in view.fields)


# -- text bit diagram ---------------------------------------------------------------------------------

_RULER = (
    "".join(str(i // 10) + " " if i % 10 == 0 else "  " for i in range(32)).rstrip(),
    " ".join(str(i % 10) for i in range(32)),
)


def bit_diagram_text(obj: Inspectable, *, header_only: bool = True) -> str:
    """The header as an RFC 6455 §5.2-style box diagram, filled with the object's actual bits.

    Rows hold 32 bits under the RFC's ruler (bit numbers 0..31); each field is a box over its bits whose
    first line is the bits themselves, one under each ruler column, then the field's name and value
    (``(0x1 text)`` for an opcode, hex and ``= 300`` for an extended length). With ``header_only`` the
    payload fields (``group == "payload"``) become one summary box, truncated after one row. An object
    with only whole-byte fields (a handshake) gets a simple table of byte ranges instead.
    """
    view = _view(obj)
    if not view.fields:
        return f"{view.title}\n(no fields)"
    if not _has_bitfields(view):
        return _byte_table_text(view)
    rows = _rows(_diagram_boxes(view, header_only))
    out = [" " + _RULER[0], " " + _RULER[1]]
    prev: list[_Box] = []
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


def _last_byte(row: list[_Box]) -> int:
    """The last byte a row of boxes stands for (a truncated box reaches past its row)."""
    return (max(max(b.end, b.reach) for b in row) - 1) // 8


def _covers(row: list[_Box], bit: int) -> _Box | None:
    for b in row:
        if b.start % 32 <= bit < (b.start % 32) + (b.end - b.start):
            return b
    return None


def _border(above: list[_Box], below: list[_Box]) -> str:
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


def _row_lines(view: _View, row: list[_Box]) -> list[str]:
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


def _byte_table_text(view: _View) -> str:
    rows = [("bytes", "field", "hex", "value")]
    for f in view.fields:
        rows.append(
            (
                str(f.span).removeprefix("bytes "),
                _clip(f.name, 36),
                _clip(f.raw[:8].hex(" ") + (" …" if len(f.raw) > 8 else ""), 26),
                _clip(f.display_value(), 40),
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    lines = [view.title]
    for r in rows:
        lines.append(("  ".join(r[c].ljust(widths[c]) for c in range(3)) + "  " + r[3]).rstrip())
    return "\n".join(lines)


# -- HTML -----------------------------------------------------------------------------------------------

_MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace'

_STYLE = f"""
.wsx-dump {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  font-size: 13px; line-height: 1.4; margin: 6px 0 10px; max-width: 100%; overflow-x: auto; }}
.wsx-dump .wsx-title {{ font-weight: 600; font-size: 14px; font-family: {_MONO}; }}
.wsx-dump .wsx-sub {{ opacity: .75; font-size: 12px; margin-bottom: 4px; }}
.wsx-dump .wsx-h {{ font-weight: 600; font-size: 11px; text-transform: uppercase;
  letter-spacing: .06em; opacity: .65; margin: 12px 0 4px; }}
.wsx-dump .wsx-hex {{ font-family: {_MONO}; font-size: 12.5px; }}
.wsx-dump .wsx-row {{ display: flex; align-items: center; gap: 14px; margin: 2px 0; }}
.wsx-dump .wsx-off {{ width: 4.5em; text-align: right; opacity: .6; flex: none; }}
.wsx-dump .wsx-cells {{ display: flex; gap: 2px; flex: none; }}
.wsx-dump .wsx-b {{ display: inline-block; box-sizing: border-box; width: 28px; height: 26px;
  line-height: 26px; text-align: center; color: {INK}; border-radius: 3px; }}
.wsx-dump .wsx-b.wsx-split {{ font-weight: 700; line-height: 18px;
  box-shadow: inset 0 0 0 1px rgba(0, 0, 0, .3); }}
.wsx-dump .wsx-b.wsx-g8 {{ margin-left: 6px; }}
.wsx-dump .wsx-b.wsx-pad {{ visibility: hidden; }}
.wsx-dump .wsx-b.wsx-bad {{ outline: 2px solid {BAD}; outline-offset: -1px;
  box-shadow: inset 0 -4px 0 {BAD}; }}
.wsx-dump .wsx-ascii {{ white-space: pre; flex: none; }}
.wsx-dump .wsx-ascii span {{ color: {INK}; padding: 1px 0; }}
.wsx-dump .wsx-note {{ font-size: 12px; font-style: italic; opacity: .8; margin: 4px 0 0 5.2em; }}
.wsx-dump table.wsx-ft {{ border-collapse: collapse; margin: 2px 0; font-size: 12.5px; }}
.wsx-dump table.wsx-ft th, .wsx-dump table.wsx-ft td {{ text-align: left; vertical-align: top;
  padding: 3px 10px 3px 0; border: none; border-bottom: 1px solid rgba(127, 127, 127, .25);
  max-width: 34em; }}
.wsx-dump table.wsx-ft th {{ font-size: 11px; font-weight: 600; opacity: .7; }}
.wsx-dump table.wsx-ft tbody tr, .wsx-dump table.wsx-bd tbody tr {{ background: transparent; }}
.wsx-dump .wsx-m {{ font-family: {_MONO}; white-space: nowrap; }}
.wsx-dump .wsx-ref {{ opacity: .7; white-space: nowrap; }}
.wsx-dump .wsx-pill {{ display: inline-block; padding: 0 7px; border-radius: 9px; color: {INK};
  font-weight: 600; white-space: nowrap; }}
.wsx-dump .wsx-flag {{ display: inline-block; margin-left: 4px; padding: 0 5px; border-radius: 8px;
  background: {BAD}; color: #fff; font-size: 10.5px; font-weight: 700; }}
.wsx-dump tr.wsx-badrow td {{ border-bottom: 1px solid rgba(217, 48, 37, .55); }}
.wsx-dump .wsx-viol {{ margin-top: 10px; padding: 6px 12px; border: 1px solid {BAD};
  border-left: 5px solid {BAD}; border-radius: 4px; background: rgba(217, 48, 37, .09); }}
.wsx-dump .wsx-viol-h {{ font-weight: 700; margin-bottom: 2px; }}
.wsx-dump .wsx-viol ul {{ margin: 2px 0; padding-left: 18px; }}
.wsx-dump .wsx-viol li {{ margin: 3px 0; }}
.wsx-dump .wsx-meta {{ opacity: .8; font-size: 12px; }}
.wsx-dump .wsx-badge {{ display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px;
  background: {BAD}; color: #fff; font-size: 11px; font-weight: 700; white-space: nowrap; }}
.wsx-dump .wsx-ok {{ margin-top: 10px; font-size: 12px; }}
.wsx-dump .wsx-ok span {{ display: inline-block; padding: 0 7px; border-radius: 8px;
  background: #81c995; color: {INK}; font-weight: 700; }}
.wsx-dump details.wsx-det > summary {{ cursor: pointer; font-weight: 600; font-size: 11px;
  text-transform: uppercase; letter-spacing: .06em; opacity: .65; margin: 12px 0 4px; }}
.wsx-dump table.wsx-bd {{ border-collapse: collapse; table-layout: fixed; margin: 2px 0;
  font-family: {_MONO}; }}
.wsx-dump table.wsx-bd th, .wsx-dump table.wsx-bd td {{ padding: 0; text-align: center;
  vertical-align: middle; border: none; }}
.wsx-dump table.wsx-bd th.wsx-rl {{ width: 26px; min-width: 26px; font-size: 10px; font-weight: 400;
  opacity: .6; padding-bottom: 2px; }}
.wsx-dump table.wsx-bd th.wsx-rl.wsx-b0 {{ opacity: 1; font-weight: 700; }}
.wsx-dump table.wsx-bd th.wsx-rowl {{ font-size: 10.5px; font-weight: 400; opacity: .65;
  text-align: right; padding-right: 8px; white-space: nowrap; }}
.wsx-dump table.wsx-bd td.wsx-bit {{ color: {INK}; font-size: 12.5px; font-weight: 700; height: 20px;
  border-top: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-bit.wsx-in {{ box-shadow: inset 1px 0 0 rgba(0, 0, 0, .12); }}
.wsx-dump table.wsx-bd td.wsx-lab {{ color: {INK}; font-size: 10.5px; line-height: 1.25;
  padding: 2px 1px 4px; border-bottom: 1px solid rgba(0, 0, 0, .45); overflow: hidden;
  word-wrap: break-word; }}
.wsx-dump table.wsx-bd td.wsx-l {{ border-left: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-r {{ border-right: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-dash {{ border-bottom: none; background-repeat: no-repeat;
  background-position: bottom; background-size: 100% 3px;
  background-image: repeating-linear-gradient(to right, rgba(0, 0, 0, .6) 0 7px,
  transparent 7px 12px); }}
.wsx-dump table.wsx-bd td.wsx-more {{ color: {INK}; font-size: 12px; height: 20px;
  border-top: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd tr.wsx-gaprow td {{ height: 6px; }}
.wsx-dump table.wsx-bd td.wsx-bdbad {{ box-shadow: inset 0 0 0 2px {BAD}; }}
.wsx-dump .wsx-bd-n {{ font-weight: 700; }}
.wsx-dump .wsx-bd-v {{ opacity: .85; }}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _stripes(colors: list[str]) -> str:
    """A hard-stop gradient giving each of a byte's 8 bits its field's colour, left to right.

    A thin dark line marks each boundary between fields, so neighbouring shades (RSV1-3) stay apart.
    """
    stops: list[str] = []
    for k, c in enumerate(colors):
        lo, hi = f"{k * 12.5:g}%", f"{(k + 1) * 12.5:g}%"
        if k and c != colors[k - 1]:
            stops.append(f"rgba(0,0,0,.45) {lo} calc({lo} + 1px)")
            lo = f"calc({lo} + 1px)"
        stops.append(f"{c} {lo} {hi}")
    return f"linear-gradient(to right, {', '.join(stops)})"


def _byte_tooltip(view: _View, i: int, owned: list[int], owners: list[int], bad: list[Violation]) -> str:
    b = view.data[i]
    lines = [f"byte {i} = 0x{b:02x} = {b:08b}"]
    if len(owned) == 1:
        o = owned[0]
        if o < 0:
            lines.append("not described by any field")
        else:
            f = view.fields[o]
            lines.append(f"{f.name} ({f.span})")
            lines.append(_clip(f.meaning, 90))
    else:
        for o in owned:
            if o < 0:
                lines.append("(bits not described by any field)")
                continue
            f = view.fields[o]
            value = f"{f.bits}" if f.bits else f.display_value()
            extra = f" ({f.display_value()})" if f.bits and f.display_value() != f.bits else ""
            if isinstance(f.value, bool):
                extra = ""
            lines.append(f"{f.span}: {f.name} = {value}{extra}")
    for v in bad:
        answer = f" → {_answer(v)}" if _answer(v) else ""
        lines.append(f"⚠ {v.rule} ({v.section}){answer}")
    return "\n".join(lines)


def html_dump(obj: Inspectable, *, max_bytes: int = 512) -> str:
    """Self-contained HTML for Jupyter: colour-coded hex view, bit layout, field legend, violations.

    Each byte cell takes its field's colour; a byte shared by several bit fields (byte 0 of a frame:
    FIN, RSV1-3, opcode) is striped, one eighth of the cell per bit. Every cell has a tooltip naming its
    field(s) and bits; bytes that break a rule are outlined in red. Only the first ``max_bytes`` bytes
    are drawn. Inline ``<style>`` with ``wsx-`` classes, no scripts, no external assets.
    """
    _check_limits(max_bytes)
    view = _view(obj)
    data = view.data
    shown = min(len(data), max_bytes)
    owners = view.owners(0, shown)
    bad = view.bad_bytes(shown)
    nviol = len(view.violations)
    width = 16
    parts = [f'<div class="wsx-dump"><style>{_STYLE}</style>']
    parts.append(f'<div class="wsx-title">{_e(view.title)}</div>')
    counts = f"{len(data):,} bytes · {len(view.fields)} fields · " + (
        f"{nviol} violation{'s' if nviol != 1 else ''}" if nviol else "no violations"
    )
    parts.append(f'<div class="wsx-sub">{_e(counts)}</div>')

    # hex view
    parts.append('<div class="wsx-h">Bytes (hover a byte for its field)</div><div class="wsx-hex">')
    for row in range(0, shown, width):
        stop = min(row + width, shown)
        cells: list[str] = []
        ascii_cells: list[str] = []
        for i in range(row, stop):
            owned = _byte_fields(owners, i)
            classes = ["wsx-b"]
            if i - row == 8:
                classes.append("wsx-g8")
            if len(owned) > 1:
                classes.append("wsx-split")
                bit_colors = [view.colors[o] if o >= 0 else UNLABELLED for o in owners[i * 8 : i * 8 + 8]]
                background = f"{_stripes(bit_colors)} bottom / 100% 9px no-repeat, {SPLIT_TOP}"
                ascii_bg = UNLABELLED
            else:
                background = view.colors[owned[0]] if owned[0] >= 0 else UNLABELLED
                ascii_bg = background
            if i in bad:
                classes.append("wsx-bad")
            tip = _byte_tooltip(view, i, owned, owners, bad.get(i, []))
            cells.append(
                f'<span class="{" ".join(classes)}" data-offset="{i}" title="{_e(tip)}" '
                f'style="background:{background}">{data[i]:02x}</span>'
            )
            ascii_cells.append(f'<span style="background:{ascii_bg}">{_e(_ascii(data[i]))}</span>')
        for k in range(stop - row, width if shown > width else 0):
            pad = "wsx-b wsx-pad wsx-g8" if k == 8 else "wsx-b wsx-pad"
            cells.append(f'<span class="{pad}">00</span>')
        parts.append(
            f'<div class="wsx-row"><span class="wsx-off">{row}</span>'
            f'<span class="wsx-cells">{"".join(cells)}</span>'
            f'<span class="wsx-ascii">{"".join(ascii_cells)}</span></div>'
        )
    parts.append("</div>")
    if shown < len(data):
        parts.append(f'<div class="wsx-note">{_e(_truncation_note(len(data), shown))}</div>')

    # bit layout
    if _has_bitfields(view):
        parts.append('<details class="wsx-det" open><summary>Bit layout</summary>')
        parts.append(_diagram_table(view, header_only=True))
        parts.append("</details>")

    # fields
    parts.append(_fields_table(view))

    # violations
    parts.append(_violations_html(view))
    parts.append("</div>")
    return "".join(parts)


def _fields_table(view: _View) -> str:
    if not view.fields:
        return '<div class="wsx-h">Fields</div><div class="wsx-sub">(none)</div>'
    bad_names = view.bad_fields()
    with_bits = _has_bitfields(view)
    bits_head = "<th>bits</th>" if with_bits else ""
    rows = [
        '<div class="wsx-h">Fields</div><table class="wsx-ft"><thead><tr>'
        f"<th>field</th><th>span</th>{bits_head}<th>value</th><th>meaning</th><th>RFC</th>"
        "</tr></thead><tbody>"
    ]
    for i, f in enumerate(view.fields):
        flag = '<span class="wsx-flag" title="breaks a rule">!</span>' if f.name in bad_names else ""
        row_class = ' class="wsx-badrow"' if f.name in bad_names else ""
        bits_cell = f'<td class="wsx-m">{_e(f.bits or "—")}</td>' if with_bits else ""
        rows.append(
            f"<tr{row_class}>"
            f'<td><span class="wsx-pill" style="background:{view.colors[i]}">{_e(f.name)}</span>'
            f"{flag}</td>"
            f'<td class="wsx-m">{_e(f.span)}</td>{bits_cell}'
            f'<td class="wsx-m">{_e(_clip(f.display_value(), 30))}</td>'
            f"<td>{_e(_clip(f.meaning, 160))}</td>"
            f'<td class="wsx-ref">{_e(f.rfc_ref)}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _violations_html(view: _View) -> str:
    if not view.violations:
        return '<div class="wsx-ok"><span>✓</span> no violations found</div>'
    n = len(view.violations)
    items = []
    for v in view.violations:
        meta = [_where(v)]
        if v.field:
            meta.append(f"field {v.field}")
        meta.append(v.section or "no section")
        meta.append(f"fault: {v.fault}")
        badge = f'<span class="wsx-badge">{_e(_answer(v))}</span>' if _answer(v) else ""
        items.append(
            f'<li><span>{_e(v.rule)}</span>{badge}<div class="wsx-meta">{_e(" · ".join(meta))}</div></li>'
        )
    return (
        f'<div class="wsx-viol"><div class="wsx-viol-h">⚠ {n} violation{"s" if n != 1 else ""}'
        f"</div><ul>{''.join(items)}</ul></div>"
    )


def bit_diagram_html(obj: Inspectable) -> str:
    """The header as an HTML box diagram in the style of RFC 6455 §5.2, coloured by field.

    Each 32-bit row is two table rows: the actual bits, one per ruler column, then a label box per field
    (name, value) spanning its bits. The payload is one summary box. Whole-byte-only objects (a
    handshake) get a table of byte ranges. Self-contained: inline ``<style>``, no scripts.
    """
    view = _view(obj)
    body = _diagram_table(view, header_only=True) if _has_bitfields(view) else _fields_table(view)
    return f'<div class="wsx-dump"><style>{_STYLE}</style>{body}</div>'


def _diagram_table(view: _View, *, header_only: bool) -> str:
    rows = _rows(_diagram_boxes(view, header_only))
    bad_names = view.bad_fields()
    out = ['<table class="wsx-bd"><thead><tr><th class="wsx-rowl"></th>']
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
            lines = [f'<div class="wsx-bd-n">{_e(b.title)}</div>']
            value = b.value
            if b.show_bits and value == Span(b.start, n).bits(view.data):
                value = ""  # the bits are already in the row above
            for text in (value, b.note):
                if text:
                    lines.append(f'<div class="wsx-bd-v">{_e(text)}</div>')
            labels_row.append(
                f'<td class="{lab_cls}" colspan="{n}" style="{bg}" title="{_e(tip)}">{"".join(lines)}</td>'
            )
            pos = s + n
        last_byte = _last_byte(row)
        label = f"bytes {4 * r}–{last_byte}" if last_byte > 4 * r else f"byte {4 * r}"
        out.append(f'<tr><th class="wsx-rowl">{_e(label)}</th>{"".join(bits_row)}</tr>')
        out.append(f'<tr><th class="wsx-rowl"></th>{"".join(labels_row)}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _box_tooltip(view: _View, b: _Box) -> str:
    if b.index >= 0:
        f = view.fields[b.index]
        return f"{f.name} ({f.span}): {_clip(f.meaning, 120)}" + (f" [{f.rfc_ref}]" if f.rfc_ref else "")
    if b.index == -1:
        return "bits not described by any field"
    return f"{b.title}: {b.value}"
