"""Views of a :class:`~wsexplorer.record.diff.SessionDiff`: two conversations side by side, marked.

:func:`diff_html` draws one table per direction: each row an entry of each side (or of one side only),
its kind, a preview, its size, frames and compression, and the differences as marked chips; a changed
message whose frames differ opens a frame-by-frame table (RFC 6455 §5.2 header fields). Colours come
from JupyterLab's theme variables (with fallbacks), so the view reads in light and dark themes; the
table takes the output's width and wraps long previews. :func:`diff_text` says the same for a terminal.
:func:`change_log_html` lists what a relay changed (its ``RelayChange`` records).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..record.diff import DiffRow, Entry, FramePair, FrameShape, SessionDiff
from .palette import MONO, SANS, THEME_CSS, block, escape

__all__ = ["DIFF_CSS", "change_log_html", "diff_html", "diff_text"]

DIFF_CSS = (
    THEME_CSS
    + f"""
.wsx-diff {{ font-family: {SANS}; font-size: 13px; line-height: 1.4; max-width: 100%; overflow-x: auto;
  color: var(--jp-content-font-color1, inherit); }}
.wsx-diff .wsx-diff-sum {{ margin: 2px 0 6px; }}
.wsx-diff .wsx-diff-h {{ font-weight: 700; margin: 10px 0 3px; font-size: 13.5px; }}
.wsx-diff table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 12.5px; }}
.wsx-diff th, .wsx-diff td {{ text-align: left; vertical-align: top; padding: 3px 6px; border: none;
  border-bottom: 1px solid var(--jp-border-color2, rgba(127, 127, 127, .3)); overflow-wrap: anywhere; }}
.wsx-diff th {{ font-size: 11px; font-weight: 600; color: var(--wsx-dim); }}
.wsx-diff tbody tr {{ background: transparent; }}
.wsx-diff col.wsx-diff-n {{ width: 3.2em; }}
.wsx-diff col.wsx-diff-d {{ width: 30%; }}
.wsx-diff td.wsx-diff-n {{ color: var(--wsx-dim); font-family: {MONO}; }}
.wsx-diff tr.wsx-diff-same td {{ color: var(--wsx-dim); }}
.wsx-diff > table > tbody > tr.wsx-diff-changed > td:first-child {{
  box-shadow: inset 4px 0 0 var(--jp-warn-color1, #f9ab00); }}
.wsx-diff > table > tbody > tr.wsx-diff-only_a > td:first-child {{
  box-shadow: inset 4px 0 0 var(--jp-error-color1, #d93025); }}
.wsx-diff > table > tbody > tr.wsx-diff-only_b > td:first-child {{
  box-shadow: inset 4px 0 0 var(--jp-success-color1, #188038); }}
.wsx-diff tr.wsx-diff-only_a td.wsx-diff-miss, .wsx-diff tr.wsx-diff-only_b td.wsx-diff-miss {{
  font-style: italic; color: var(--wsx-dim); }}
.wsx-diff .wsx-diff-p {{ font-family: {MONO}; font-size: 12px; white-space: pre-wrap; }}
.wsx-diff .wsx-diff-k {{ display: inline-block; padding: 0 5px; margin-right: 4px; border-radius: 3px;
  font-size: 11px; font-weight: 600; background: var(--jp-layout-color2, rgba(127, 127, 127, .18)); }}
.wsx-diff .wsx-diff-m {{ color: var(--wsx-dim); font-size: 11.5px; }}
.wsx-diff .wsx-diff-chip {{ display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border-radius: 8px;
  font-size: 11.5px; border: 1px solid var(--jp-warn-color1, #f9ab00);
  background: rgba(249, 171, 0, .14); }}
.wsx-diff .wsx-diff-chip b {{ font-weight: 700; }}
.wsx-diff .wsx-diff-ok {{ color: var(--wsx-good); font-weight: 600; }}
.wsx-diff .wsx-diff-bad {{ color: var(--wsx-bad); font-weight: 600; }}
.wsx-diff details > summary {{ cursor: pointer; font-size: 11.5px; color: var(--wsx-dim); }}
.wsx-diff table.wsx-diff-frames {{ width: auto; table-layout: auto; margin: 2px 0 4px; font-family: {MONO};
  font-size: 11.5px; }}
.wsx-diff table.wsx-diff-frames th, .wsx-diff table.wsx-diff-frames td {{ white-space: nowrap;
  overflow-wrap: normal; }}
.wsx-diff details {{ max-width: 100%; overflow-x: auto; }}
.wsx-diff table.wsx-diff-frames td.wsx-diff-x {{ background: rgba(249, 171, 0, .22); font-weight: 700; }}
.wsx-diff .wsx-diff-more {{ font-style: italic; color: var(--wsx-dim); margin: 3px 0; }}
.wsx-diff ul {{ margin: 2px 0; padding-left: 18px; }}
"""
)
"""The diff view's CSS (theme-aware: JupyterLab variables with fallbacks)."""


def _entry_html(e: Entry | None, label: str) -> str:
    if e is None:
        return f'<td class="wsx-diff-miss">not in {escape(label)}</td>'
    facts = [f"{e.size:,} B"]
    if e.frames:
        facts.append(f"{len(e.frames)} frame{'s' if len(e.frames) != 1 else ''}")
    if e.compressed:
        facts.append(f"compressed to {e.wire_size:,} B")
    facts.append(f"+{e.after_s * 1e3:,.1f} ms")
    kind = f'<span class="wsx-diff-k">{escape(e.kind)}</span>'
    preview = f'<span class="wsx-diff-p">{escape(e.preview(80))}</span>'
    return f'<td>{kind}{preview}<div class="wsx-diff-m">{escape(" · ".join(facts))}</div></td>'


def _shape(f: FrameShape | None) -> list[str]:
    if f is None:
        return ["–"] * 5
    return [
        f"0x{f.opcode:X}",
        "1" if f.fin else "0",
        "1" if f.rsv1 else "0",
        "1" if f.masked else "0",
        str(f.payload_length),
    ]


def _frames_html(pairs: Sequence[FramePair], labels: tuple[str, str]) -> str:
    names = ("opcode", "fin", "rsv1", "masked", "payload_length")
    head = "".join(f"<th>{n}</th>" for n in ("#", "side", "opcode", "FIN", "RSV1", "MASK", "payload length"))
    rows = []
    for p in pairs:
        for side, shape in ((labels[0], p.a), (labels[1], p.b)):
            one_side = p.a is None or p.b is None
            cells = "".join(
                f'<td class="{"wsx-diff-x" if one_side or n in p.differs else ""}">{v}</td>'
                for n, v in zip(names, _shape(shape), strict=True)
            )
            rows.append(f"<tr><td>{p.index + 1}</td><td>{escape(side)}</td>{cells}</tr>")
    return (
        "<details><summary>frame by frame (RFC 6455 §5.2)</summary>"
        f'<table class="wsx-diff-frames"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        "</details>"
    )


def _row_html(number: int, row: DiffRow, labels: tuple[str, str]) -> str:
    chips = "".join(
        f'<span class="wsx-diff-chip"><b>{escape(d.aspect)}</b>: {escape(d.a)} → {escape(d.b)}'
        + (f" <span class='wsx-diff-m'>({escape(d.detail)})</span>" if d.detail else "")
        + "</span>"
        for d in row.differences
    )
    if row.status == "same":
        chips = '<span class="wsx-diff-ok">same</span>'
    elif row.status == "only_a":
        chips = f'<span class="wsx-diff-bad">only in {escape(labels[0])}</span>'
    elif row.status == "only_b":
        chips = f'<span class="wsx-diff-bad">only in {escape(labels[1])}</span>'
    if row.frames:
        chips += _frames_html(row.frames, labels)
    return (
        f'<tr class="wsx-diff-{row.status}"><td class="wsx-diff-n">{number}</td>'
        f"{_entry_html(row.a, labels[0])}{_entry_html(row.b, labels[1])}<td>{chips}</td></tr>"
    )


def diff_html(
    diff: SessionDiff,
    *,
    only_differences: bool = False,
    limit: int = 500,
    directions: tuple[int, ...] | None = None,
) -> str:
    """The diff as self-contained HTML: the summary, the handshake, then a table per direction.

    ``only_differences`` leaves out rows that are the same; at most ``limit`` rows are drawn per
    direction (the rest are counted); ``directions`` (0: client→server, 1: server→client) draws only
    those tables, while the summary still counts the whole diff and says what is left out.
    """
    a, b = diff.labels
    summary = "no differences" if diff.same else "differences marked"
    counts = {k: v for k, v in diff.counts().items() if v}
    words = {"only_a": f"only in {a}", "only_b": f"only in {b}"}
    if counts:
        summary += ": " + ", ".join(f"{words.get(k, k)} {v}" for k, v in counts.items())
    parts = [
        f'<div class="wsx-diff-sum"><b>{escape(a)}</b> vs <b>{escape(b)}</b> — '
        f'<span class="{"wsx-diff-ok" if diff.same else "wsx-diff-bad"}">{escape(summary)}</span>'
        + _hidden_note(diff, directions)
        + "</div>"
    ]
    if diff.handshake:
        items = "".join(f"<li>{escape(str(d))}</li>" for d in diff.handshake)
        parts.append(f'<div class="wsx-diff-h">Opening handshake</div><ul>{items}</ul>')
    for direction in diff.directions:
        if not direction.rows or (directions is not None and direction.direction not in directions):
            continue
        shown = [
            (k + 1, r) for k, r in enumerate(direction.rows) if not only_differences or r.status != "same"
        ]
        more = max(0, len(shown) - limit)
        body = "".join(_row_html(k, r, diff.labels) for k, r in shown[:limit])
        if not shown:
            body = '<tr><td colspan="4" class="wsx-diff-ok">every entry is the same</td></tr>'
        head = f"<tr><th>#</th><th>{escape(a)}</th><th>{escape(b)}</th><th>differences</th></tr>"
        cols = '<colgroup><col class="wsx-diff-n"><col><col><col class="wsx-diff-d"></colgroup>'
        parts.append(
            f'<div class="wsx-diff-h">{escape(direction.name)} ({len(direction.rows):,} entries)</div>'
            f"<table>{cols}<thead>{head}</thead><tbody>{body}</tbody></table>"
        )
        if more:
            parts.append(f'<div class="wsx-diff-more">{more:,} more rows not shown</div>')
    return block("wsx-diff", DIFF_CSS, "".join(parts))


def _hidden_note(diff: SessionDiff, directions: tuple[int, ...] | None) -> str:
    """Words for the directions the caller chose not to draw (when they hold differences)."""
    if directions is None:
        return ""
    hidden = [
        d.name
        for d in diff.directions
        if d.direction not in directions and any(r.status != "same" for r in d.rows)
    ]
    if not hidden:
        return ""
    where = escape(" and ".join(hidden))
    return f' <span class="wsx-diff-m">(not shown here: the differences {where})</span>'


def _entry_text(e: Entry | None) -> str:
    if e is None:
        return "–"
    return f"{e.kind} {e.preview(40)!r} ({e.size:,} B)"


def diff_text(diff: SessionDiff, *, only_differences: bool = False, limit: int = 500) -> str:
    """The diff for a terminal: the summary, then one line per row (and one per difference)."""
    a, b = diff.labels
    lines = [diff.summary()]
    for direction in diff.directions:
        if not direction.rows:
            continue
        lines.append(f"{direction.name}:")
        shown = [
            (k + 1, r) for k, r in enumerate(direction.rows) if not only_differences or r.status != "same"
        ]
        for k, row in shown[:limit]:
            status = {"only_a": f"only in {a}", "only_b": f"only in {b}"}.get(row.status, row.status)
            lines.append(f"  {k:>4} {status:<10} {_entry_text(row.a)} | {_entry_text(row.b)}")
            lines += [f"         {d}" for d in row.differences]
            for p in row.frames:
                if p.differs or p.a is None or p.b is None:
                    sides = " | ".join(" ".join(_shape(s)) for s in (p.a, p.b))
                    lines.append(f"         frame {p.index + 1}: {sides} (opcode fin rsv1 mask length)")
        if len(shown) > limit:
            lines.append(f"  … {len(shown) - limit:,} more rows")
    return "\n".join(lines)


def change_log_html(changes: Sequence[Any], *, start_ns: int | None = None, limit: int = 200) -> str:
    """What a relay changed: one line per change (objects with ``t_ns``, ``way``, ``action``, ``rule``
    and ``detail``, such as ``RelayChange``), newest last; times in ms since ``start_ns``."""
    if not changes:
        return block(
            "wsx-diff", DIFF_CSS, '<div class="wsx-diff-ok">nothing changed by the relay so far</div>'
        )
    t0 = start_ns if start_ns is not None else changes[0].t_ns
    rows = []
    for c in list(changes)[-limit:]:
        way = {"c2s": "client → upstream", "s2c": "upstream → client"}.get(c.way or "", "both legs")
        rule = f" <span class='wsx-diff-m'>[{escape(c.rule)}]</span>" if c.rule else ""
        action = f"<span class='wsx-diff-k'>{escape(c.action)}</span>{rule}"
        rows.append(
            f"<tr><td class='wsx-diff-n'>{(c.t_ns - t0) / 1e6:,.1f}</td><td>{escape(way)}</td>"
            f"<td>{action}</td><td>{escape(c.detail)}</td></tr>"
        )
    more = len(changes) - limit
    note = f'<div class="wsx-diff-more">{more:,} earlier changes not shown</div>' if more > 0 else ""
    head = "<tr><th>ms</th><th>direction</th><th>action</th><th>what</th></tr>"
    cols = (
        '<colgroup><col style="width:5.5em"><col style="width:10em"><col style="width:14em"><col></colgroup>'
    )
    return block(
        "wsx-diff",
        DIFF_CSS,
        f"{note}<table>{cols}<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>",
    )
