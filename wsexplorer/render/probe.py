"""Views of a probe report: a text table, an HTML table for notebooks, one case in detail, a static page.

The report is the data of :mod:`wsexplorer.live.probe` (``render`` and ``live`` are sibling layers, so
the views take it by its shape, :class:`ReportLike`). The HTML is self-contained (inline CSS), escapes
everything the server sent, colours verdicts with the theme-aware variables of :data:`.palette.THEME_CSS`
(JupyterLab's light and dark themes), and wraps to the output's width. :func:`probe_page` is a whole
HTML document for a file or a CI artifact: the table, then each case with its wire log (the handshake
text and every frame, in order).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from ..codec.http import find_header_end
from ..errors import WSExplorerError
from ..record.session import C2S, DIRECTION_NAMES, S2C, Session
from .palette import MONO, SANS, THEME_CSS, block, clip, escape

__all__ = [
    "PROBE_CSS",
    "ReportLike",
    "ResultLike",
    "case_html",
    "case_text",
    "probe_html",
    "probe_page",
    "probe_text",
    "wire_log_text",
]

VERDICT_COLORS = {
    "conforms": "var(--wsx-good)",
    "deviates": "var(--wsx-bad)",
    "informational": "var(--wsx-busy)",
    "not run": "var(--wsx-warn)",
}
_MAX_HEAD = 2048  # characters of a handshake shown in a wire log
_MAX_FRAMES = 200  # frames listed per wire log
_MAX_HEX = 32  # bytes of each frame shown


class ObservationLike(Protocol):
    @property
    def seconds(self) -> float: ...

    def summary(self) -> str: ...


class CaseLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def sends(self) -> str: ...
    @property
    def requires(self) -> str: ...
    @property
    def section(self) -> str: ...


class VerdictLike(Protocol):
    @property
    def value(self) -> str: ...


class ResultLike(Protocol):
    """One case's result (:class:`wsexplorer.live.probe.ProbeResult`)."""

    @property
    def case(self) -> CaseLike: ...
    @property
    def observed(self) -> ObservationLike: ...
    @property
    def verdict(self) -> VerdictLike: ...
    @property
    def explanation(self) -> str: ...
    @property
    def session(self) -> Session | None: ...


class ReportLike(Protocol):
    """A probe report (:class:`wsexplorer.live.probe.ProbeReport`)."""

    @property
    def url(self) -> str: ...
    @property
    def seconds(self) -> float: ...
    @property
    def server(self) -> str: ...
    @property
    def results(self) -> Sequence[Any]: ...

    def counts(self) -> dict[str, int]: ...


PROBE_CSS = (
    THEME_CSS
    + f"""
.wsx-probe {{ font-family: {SANS}; font-size: 13px; line-height: 1.4; max-width: 100%; }}
.wsx-probe .wsx-probe-title {{ font-weight: 600; font-size: 14px; }}
.wsx-probe .wsx-probe-sub {{ color: var(--wsx-dim); font-size: 12px; margin: 2px 0 6px; }}
.wsx-probe table {{ border-collapse: collapse; width: 100%; table-layout: auto; }}
.wsx-probe th {{ text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--wsx-dim); border-bottom: 2px solid var(--jp-border-color1, #9aa0a6); padding: 3px 6px; }}
.wsx-probe td {{ padding: 3px 6px; border-bottom: 1px solid var(--jp-border-color2, #e0e0e0);
  vertical-align: top; overflow-wrap: anywhere; }}
.wsx-probe td.wsx-probe-id {{ font-family: {MONO}; white-space: nowrap; }}
.wsx-probe tr.wsx-probe-cat td {{ font-weight: 600; padding-top: 10px; border-bottom: none; }}
.wsx-probe .wsx-probe-ref {{ color: var(--wsx-dim); font-size: 11.5px; }}
.wsx-probe .wsx-probe-why {{ font-size: 12px; color: var(--wsx-dim); }}
.wsx-probe .wsx-verdict {{ font-weight: 600; white-space: nowrap; }}
.wsx-probe .wsx-verdict-conforms {{ color: var(--wsx-good); }}
.wsx-probe .wsx-verdict-deviates {{ color: var(--wsx-bad); }}
.wsx-probe .wsx-verdict-informational {{ color: var(--wsx-busy); }}
.wsx-probe .wsx-verdict-not-run {{ color: var(--wsx-warn); }}
.wsx-probe pre {{ font-family: {MONO}; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere;
  margin: 4px 0; }}
.wsx-probe details {{ margin: 4px 0 10px; }}
"""
)


def _slug(verdict: str) -> str:
    return verdict.replace(" ", "-")


def _counts_line(report: ReportLike) -> str:
    c = report.counts()
    parts = [f"{c.get(v, 0)} {v}" for v in VERDICT_COLORS if c.get(v, 0) or v != "not run"]
    server = f" · server: {report.server}" if report.server else ""
    return f"{len(report.results)} cases in {report.seconds:.1f} s: " + ", ".join(parts) + server


# -- text ------------------------------------------------------------------------------------------


def probe_text(report: ReportLike, *, width: int = 110) -> str:
    """The report as aligned text: one line per case (id, title, verdict, what the server did), the
    reason under each case that deviates."""
    lines = [f"Probe of {report.url}", _counts_line(report), ""]
    rows: list[ResultLike] = list(report.results)
    for r in rows:
        c = r.case
        did = clip(r.observed.summary(), max(width - 60, 20))
        lines.append(f"{c.id:<6} {clip(c.title, 30):<30} {r.verdict.value:<13} {did}")
        if r.verdict.value == "deviates":
            lines.append(f"       ! {r.explanation}")
    return "\n".join(lines)


def case_text(result: ResultLike) -> str:
    """One case in full: what was sent, what the RFC requires, what the server did, the verdict."""
    c = result.case
    return "\n".join(
        [
            f"{c.id} {c.title} ({c.category})",
            f"sent:      {c.sends}",
            f"required:  {c.requires} ({c.section})",
            f"server:    {result.observed.summary()} [{result.observed.seconds * 1000:.0f} ms]",
            f"verdict:   {result.verdict.value}: {result.explanation}",
        ]
    )


def _head_text(session: Session, direction: int) -> str:
    data = session.stream_slice(C2S if direction == 0 else S2C, 0, _MAX_HEAD + 1024)
    try:
        end = find_header_end(data)
    except WSExplorerError:
        end = None
    head = data[: end if end is not None else len(data)].decode("latin-1")
    return head if len(head) <= _MAX_HEAD else head[:_MAX_HEAD] + "…"


def wire_log_text(session: Session) -> str:
    """A case's wire log as text: both handshake messages, then every frame in order (hex of its start)."""
    out = []
    for d in (C2S, S2C):
        head = _head_text(session, d).rstrip()
        if head:
            out.append(f"{DIRECTION_NAMES[d]} handshake:\n{head}")
    order = session.frame_order()
    for d, i in order[:_MAX_FRAMES]:
        frame = session.frame(d, i).frame
        raw = bytes(frame)
        more = f" … (+{len(raw) - _MAX_HEX:,} bytes)" if len(raw) > _MAX_HEX else ""
        out.append(f"{DIRECTION_NAMES[d]}: {frame.summary()}\n    {raw[:_MAX_HEX].hex(' ')}{more}")
    if len(order) > _MAX_FRAMES:
        out.append(f"… {len(order) - _MAX_FRAMES:,} more frames")
    return "\n".join(out) if out else "(nothing was exchanged)"


# -- HTML ------------------------------------------------------------------------------------------


def _verdict_html(result: ResultLike) -> str:
    v = result.verdict.value
    return (
        f'<span class="wsx-verdict wsx-verdict-{_slug(v)}">{escape(v)}</span>'
        f'<div class="wsx-probe-why">{escape(result.explanation)}</div>'
    )


def _rows(results: Iterable[ResultLike]) -> str:
    rows = []
    category = None
    for r in results:
        c = r.case
        if c.category != category:
            category = c.category
            rows.append(f'<tr class="wsx-probe-cat"><td colspan="5">{escape(category)}</td></tr>')
        rows.append(
            f'<tr class="wsx-probe-row wsx-probe-{_slug(r.verdict.value)}" data-case="{escape(c.id)}">'
            f'<td class="wsx-probe-id">{escape(c.id)}</td>'
            f"<td><b>{escape(c.title)}</b><div class='wsx-probe-ref'>{escape(c.sends)}</div></td>"
            f"<td>{escape(c.requires)}<div class='wsx-probe-ref'>{escape(c.section)}</div></td>"
            f"<td>{escape(r.observed.summary())}</td>"
            f"<td>{_verdict_html(r)}</td></tr>"
        )
    return "".join(rows)


_HEADER = "<tr><th>case</th><th>sent</th><th>required</th><th>server did</th><th>verdict</th></tr>"


def probe_html(report: ReportLike, *, verdicts: Sequence[str] | None = None) -> str:
    """The report as an HTML table, grouped by category; ``verdicts`` keeps only those verdicts."""
    results = [r for r in report.results if verdicts is None or r.verdict.value in verdicts]
    body = (
        f'<div class="wsx-probe-title">Probe of {escape(report.url)}</div>'
        f'<div class="wsx-probe-sub">{escape(_counts_line(report))}</div>'
        f"<table><thead>{_HEADER}</thead><tbody>{_rows(results)}</tbody></table>"
    )
    return block("wsx-probe", PROBE_CSS, body)


def case_html(result: ResultLike) -> str:
    """One case in full, for the widget's detail pane: the case, the verdict and why."""
    c = result.case
    o = result.observed
    body = (
        f'<div class="wsx-probe-title">{escape(c.id)} {escape(c.title)}</div>'
        f'<div class="wsx-probe-sub">{escape(c.category)} · {o.seconds * 1000:.0f} ms</div>'
        "<table><tbody>"
        f"<tr><th>sent</th><td>{escape(c.sends)}</td></tr>"
        f"<tr><th>required</th><td>{escape(c.requires)}"
        f" <span class='wsx-probe-ref'>({escape(c.section)})</span></td></tr>"
        f"<tr><th>server did</th><td>{escape(o.summary())}</td></tr>"
        f"<tr><th>verdict</th><td>{_verdict_html(result)}</td></tr>"
        "</tbody></table>"
    )
    return block("wsx-probe wsx-probe-case", PROBE_CSS, body)


def probe_page(report: ReportLike, *, title: str | None = None) -> str:
    """A static, self-contained HTML document: the table, then every case with its wire log."""
    heading = title or f"WebSocket probe of {report.url}"
    details = []
    for r in report.results:
        log = wire_log_text(r.session) if r.session is not None else "(no wire log)"
        details.append(
            f'<details id="case-{escape(r.case.id)}"><summary><b>{escape(r.case.id)}</b> '
            f"{escape(r.case.title)} · {_verdict_html(r)}</summary>"
            f"<pre>{escape(case_text(r))}</pre><pre>{escape(log)}</pre></details>"
        )
    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        probe_html(report)
        + '<div class="wsx-probe"><div class="wsx-probe-title">Wire logs</div>'
        + f'<div class="wsx-probe-sub">made by wsexplorer on {escape(made)}</div>'
        + "".join(details)
        + "</div>"
    )
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(heading)}</title></head><body style='margin: 16px;'>{body}</body></html>\n"
    )
