"""Field tables and violation lists, as text for a terminal and as HTML (RFC sections beside each).

One table per inspectable object: every field with its span, bits, value, meaning and section, the
fields that break a rule flagged; then the rules broken, each with where, which field, which section,
how a compliant peer answers, and whose fault it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..anatomy import Violation
from ..codec.close import describe_close_code
from .palette import DUMP_CSS, block, clip, escape
from .view import View, answer, where

__all__ = [
    "consequence_of",
    "fields_html",
    "fields_text",
    "table_lines",
    "violations_html",
    "violations_text",
    "violations_view",
]


def fields_text(view: View) -> list[str]:
    """The field table as aligned text lines (the bits column only when some field is a bit field)."""
    if not view.fields:
        return ["fields: (none)"]
    bad_names = view.bad_fields()
    rows = [["", "key", "field", "span", "bits", "value", "meaning"]]
    for i, f in enumerate(view.fields):
        meaning = clip(f.meaning, 100) + (f"  [{f.rfc_ref}]" if f.rfc_ref else "")
        flag = "!" if f.name in bad_names else ""
        value = clip(f.display_value(), 28)
        rows.append([flag, view.keys[i], clip(f.name, 36), str(f.span), f.bits or "-", value, meaning])
    if not view.has_bitfields:
        rows = [r[:4] + r[5:] for r in rows]
    return ["fields:", *table_lines(rows)]


def violations_text(view: View) -> list[str]:
    """The rules broken, one block each: the rule, then where, field, section, answer and fault."""
    if not view.violations:
        return ["violations: none"]
    out = [f"violations ({len(view.violations)}):"]
    for v in view.violations:
        out.append(f"  ! {v.rule}")
        meta = [where(v)]
        if v.field:
            meta.append(f"field {v.field}")
        meta.append(v.section or "no section")
        if answer(v):
            meta.append(f"answer: {answer(v)}")
        meta.append(_fault_words(v))
        out.append("      " + "; ".join(meta))
    return out


def _fault_words(v: Violation) -> str:
    return "the sender broke this rule" if v.fault == "peer" else "our side broke this rule"


def table_lines(rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns (the last column is left ragged)."""
    ncols = len(rows[0])
    widths = [max(max(len(r[c]) for r in rows), 1) for c in range(ncols - 1)]
    lines = []
    for r in rows:
        cells = [r[c].ljust(widths[c]) for c in range(ncols - 1)] + [r[-1]]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def fields_html(view: View) -> str:
    if not view.fields:
        return '<div class="wsx-h">Fields</div><div class="wsx-sub">(none)</div>'
    bad_names = view.bad_fields()
    with_bits = view.has_bitfields
    bits_head = "<th>bits</th>" if with_bits else ""
    rows = [
        '<div class="wsx-h">Fields</div><table class="wsx-ft"><thead><tr>'
        f"<th>field</th><th>span</th>{bits_head}<th>value</th><th>meaning</th><th>RFC</th>"
        "</tr></thead><tbody>"
    ]
    for i, f in enumerate(view.fields):
        flag = '<span class="wsx-flag" title="breaks a rule">!</span>' if f.name in bad_names else ""
        row_class = ' class="wsx-badrow"' if f.name in bad_names else ""
        bits_cell = f'<td class="wsx-m">{escape(f.bits or "—")}</td>' if with_bits else ""
        rows.append(
            f"<tr{row_class}>"
            f'<td><span class="wsx-pill" style="background:{view.colors[i]}">{escape(f.name)}</span>'
            f"{flag}</td>"
            f'<td class="wsx-m">{escape(f.span)}</td>{bits_cell}'
            f'<td class="wsx-m">{escape(clip(f.display_value(), 30))}</td>'
            f"<td>{escape(clip(f.meaning, 160))}</td>"
            f'<td class="wsx-ref">{escape(f.rfc_ref)}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def violations_html(violations: Sequence[Violation], *, context: str = "", explain: bool = False) -> str:
    """The one list of rules broken, for every view (needs :data:`~.palette.DUMP_CSS`).

    ``context`` says what the violations were judged against (who sent the frame, what was
    negotiated); ``explain`` adds, for each rule, what a compliant receiver does about it.
    """
    note = f' <span class="wsx-meta">({escape(context)})</span>' if context else ""
    if not violations:
        return f'<div class="wsx-ok"><span class="wsx-okmark">✓</span> No rule broken{note}</div>'
    n = len(violations)
    items = []
    for v in violations:
        meta = [where(v)]
        if v.field:
            meta.append(f"field {v.field}")
        meta.append(v.section or "no section")
        meta.append(_fault_words(v))
        badge = f'<span class="wsx-badge">{escape(answer(v))}</span>' if answer(v) else ""
        meta_html = f'<div class="wsx-meta">{escape(" · ".join(meta))}</div>'
        consequence = f'<div class="wsx-then">{escape(consequence_of(v))}</div>' if explain else ""
        items.append(f"<li><b>{escape(v.rule)}</b>{badge}{meta_html}{consequence}</li>")
    head = f"✗ {n} rule{'s' if n != 1 else ''} broken"
    return f'<div class="wsx-viol"><div class="wsx-viol-h">{head}{note}</div><ul>{"".join(items)}</ul></div>'


def violations_view(violations: Sequence[Violation], *, context: str = "", explain: bool = True) -> str:
    """:func:`violations_html` as self-contained HTML (its CSS inline), explained by default."""
    return block("wsx-dump", DUMP_CSS, violations_html(violations, context=context, explain=explain))


def consequence_of(v: Violation) -> str:
    """What a compliant peer does about a broken rule, in one sentence."""
    if v.close_code is not None:
        code = int(v.close_code)
        return (
            f"→ The receiver must fail the connection: send a close frame with code {code} "
            f"({describe_close_code(code)}) and close (RFC 6455 §7.1.7)."
        )
    if v.http_status is not None:
        return f"→ The server refuses the handshake with HTTP {int(v.http_status)} (RFC 6455 §4.2.1)."
    return "→ Nothing is required of the receiver; the rule is shown for information."
