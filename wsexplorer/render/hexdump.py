"""Hex dumps labelled by field, as text and as colour-coded HTML.

Text: under each row of hex a second row labels every byte with its field's key letter (``A----`` runs
over a multi-byte field, ``**`` for a byte shared by several bit fields, broken down bit by bit after
the dump), and a third row marks bytes that break a rule with ``!!``. HTML: each byte cell takes its
field's colour; a byte shared by bit fields (byte 0 of a frame: FIN, RSV1-3, opcode) is striped, one
eighth of the cell per bit; every cell has a tooltip naming its field(s) and bits; bytes that break a
rule are outlined in red. Only the first ``max_bytes`` bytes are drawn.
"""

from __future__ import annotations

from ..anatomy import Violation
from .palette import SPLIT_TOP, UNLABELLED, clip, escape
from .view import View, answer, ascii_char, byte_owners, truncation_note

__all__ = ["hex_html", "hex_text"]


def hex_text(view: View, *, width: int = 16, max_bytes: int = 512) -> list[str]:
    """The labelled hex dump as text lines, then the bit-by-bit breakdown of shared bytes."""
    data = view.data
    shown = min(len(data), max_bytes)
    owners = view.owners(0, shown)
    bad = view.bad_bytes(shown)
    hex_width = width * 3 - 1
    out = [f"{'offset':>6}  {'hex':<{hex_width}}  ascii"]
    shared: list[int] = []
    for row in range(0, shown, width):
        chunk = data[row : min(row + width, shown)]
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        out.append(f"{row:>6}  {hex_part:<{hex_width}}  |{''.join(map(ascii_char, chunk))}|")
        labels: list[str] = []
        for i in range(row, row + len(chunk)):
            owned = byte_owners(owners, i)
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
        out.append(truncation_note(len(data), shown))
    if shared:
        out.append("")
        out.append("** bytes shared by bit fields, bit by bit:")
        for i in shared[:32]:
            head = f"  byte {i} = 0x{data[i]:02x} = "
            out.append(head + " ".join(f"{data[i]:08b}"))
            keys = [view.keys[o] if o >= 0 else "." for o in owners[i * 8 : i * 8 + 8]]
            names = [f"{view.keys[o]}={view.fields[o].name}" for o in byte_owners(owners, i) if o >= 0]
            out.append(" " * len(head) + " ".join(keys) + "   " + " ".join(names))
    return out


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


def hex_html(view: View, *, max_bytes: int = 512, width: int = 16) -> str:
    """The colour-coded hex view (``wsx-hex`` rows of ``wsx-b`` cells), needing :data:`DUMP_CSS`."""
    data = view.data
    shown = min(len(data), max_bytes)
    owners = view.owners(0, shown)
    bad = view.bad_bytes(shown)
    parts = ['<div class="wsx-h">Bytes (hover a byte for its field)</div><div class="wsx-hex">']
    for row in range(0, shown, width):
        stop = min(row + width, shown)
        cells: list[str] = []
        ascii_cells: list[str] = []
        for i in range(row, stop):
            owned = byte_owners(owners, i)
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
                f'<span class="{" ".join(classes)}" data-offset="{i}" title="{escape(tip)}" '
                f'style="background:{background}">{data[i]:02x}</span>'
            )
            ascii_cells.append(f'<span style="background:{ascii_bg}">{escape(ascii_char(data[i]))}</span>')
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
        parts.append(f'<div class="wsx-note">{escape(truncation_note(len(data), shown))}</div>')
    return "".join(parts)


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


def _byte_tooltip(view: View, i: int, owned: list[int], owners: list[int], bad: list[Violation]) -> str:
    b = view.data[i]
    lines = [f"byte {i} = 0x{b:02x} = {b:08b}"]
    if len(owned) == 1:
        o = owned[0]
        if o < 0:
            lines.append("not described by any field")
        else:
            f = view.fields[o]
            lines.append(f"{f.name} ({f.span})")
            lines.append(clip(f.meaning, 90))
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
        reply = f" → {answer(v)}" if answer(v) else ""
        lines.append(f"⚠ {v.rule} ({v.section}){reply}")
    return "\n".join(lines)
