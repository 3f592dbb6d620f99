"""Browse a probe report: the cases by verdict, one case in detail, and its wire log in the session browser.

:class:`ProbeBrowser` shows a :class:`~wsexplorer.live.probe.ProbeReport` (from ``await probe(url)``).
Choosing a case in the list shows what was sent, what the RFC requires, what the server did and the
verdict, and opens that case's recorded connection in a :class:`~.session.SessionBrowser` (frame table
and inspector, each frame judged in its connection's context). Every view is rendered by
:mod:`wsexplorer.render.probe`; this module lays them out. Stable CSS classes: ``wsx-probe-browser``,
``wsx-probe-summary``, ``wsx-probe-filter``, ``wsx-probe-cases``, ``wsx-probe-detail``,
``wsx-probe-wire``, ``wsx-probe-table``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W

from ..live.probe import ProbeReport, ProbeResult, Verdict
from ..render.notes import styled
from ..render.probe import case_html, probe_html, probe_page
from ._common import ExplorerBox, e
from .grid import FrameGrid
from .panels import Disclosure
from .session import SessionBrowser

__all__ = ["ProbeBrowser"]

ALL = "all"
_MARK = {"conforms": "✓", "deviates": "✗", "informational": "i", "not run": "–"}


class ProbeBrowser(ExplorerBox):
    """A probe report in a widget: filter by verdict, choose a case, see its detail and its wire log."""

    css_class = "wsx-probe-browser"

    def __init__(self, report: ProbeReport, *, visible_rows: int = 14) -> None:
        self.report = report
        self.summary = W.HTML(styled(f"<b>Probe of {e(report.url)}</b><br>{e(report.summary())}"))
        self.summary.add_class("wsx-probe-summary")
        counts = report.counts()
        self.filter = W.ToggleButtons(
            options=[(f"{ALL} ({len(report)})", ALL)]
            + [(f"{v.value} ({counts[v.value]})", v.value) for v in Verdict if counts[v.value]],
            value=ALL,
            style={"button_width": "auto"},
        )
        self.filter.add_class("wsx-probe-filter")
        # The case list is the frame table's grid: one row per case, themed, and its arrow keys move the
        # selection (a plain Select hands them to the notebook, which moves to another cell).
        self.cases = FrameGrid(
            columns=["", "case", "what is sent"],
            widths=["0 0 2.2em", "0 0 4.6em", "1 1 0"],
            visible_rows=visible_rows,
            label="probe cases",
            empty_text="no case has this verdict",
            layout=W.Layout(width="42%", min_width="260px"),
        )
        self.cases.add_class("wsx-probe-cases")
        self._ids: list[str] = []
        self.detail = W.HTML("")
        self.detail.add_class("wsx-probe-detail")
        self.wire = W.VBox([])
        self.wire.add_class("wsx-probe-wire")
        self.table = W.HTML(probe_html(report))
        self.table.add_class("wsx-probe-table")
        self.all_cases = Disclosure(self.table, "All cases as one table", css_class="wsx-probe-all")
        self.session_browser: SessionBrowser | None = None
        super().__init__(
            children=[
                self.summary,
                self.filter,
                W.HBox([self.cases, W.Box([self.detail], layout=W.Layout(flex="1 1 auto"))]),
                self.wire,
                self.all_cases,
            ]
        )
        self.filter.observe(self._on_filter, names="value")
        self.cases.observe(self._on_row, names="selected")
        self._fill()

    # -- public -------------------------------------------------------------------------------------

    def show_case(self, case_id: str) -> ProbeResult:
        """Show case ``case_id`` (its detail and wire log); the filter is reset if it hides the case."""
        result = self.report[case_id]
        if case_id not in self._ids:
            self.filter.value = ALL
        self.cases.selected = self._ids.index(case_id)
        self.cases.reveal(self.cases.selected)
        return result

    @property
    def shown(self) -> list[str]:
        """The ids of the cases the list shows now (after the filter)."""
        return list(self._ids)

    @property
    def case(self) -> str | None:
        """The id of the case shown in detail (None: the list is empty)."""
        position = self.cases.selected
        return self._ids[position] if 0 <= position < len(self._ids) else None

    def save_html(self, path: str | Path) -> Path:
        """Write the static, self-contained HTML report (with every wire log) to ``path``."""
        path = Path(path)
        path.write_text(probe_page(self.report), encoding="utf-8")
        return path

    # -- internals ---------------------------------------------------------------------------------

    def _fill(self) -> None:
        chosen = self.filter.value
        results = [r for r in self.report.results if chosen == ALL or r.verdict.value == chosen]
        current = self.case
        self._ids = [r.case.id for r in results]
        rows = [
            {
                "c": [_MARK[r.verdict.value], r.case.id, r.case.title],
                "k": f"wsx-verdict-{r.verdict.value.replace(' ', '-')}",
                "t": f"{r.case.id}: {r.verdict.value}",
            }
            for r in results
        ]
        position = self._ids.index(current) if current in self._ids else (0 if self._ids else -1)
        with self.cases.hold_sync():
            self.cases.selected = -1
            self.cases.total = len(rows)
            self.cases.show_rows(0, rows)
        self.cases.selected = position  # shows the case (or clears the detail when there is none)
        if position == -1:
            self._on_case({"new": None})

    def _on_filter(self, change: dict[str, Any]) -> None:
        self._fill()

    def _on_row(self, change: dict[str, Any]) -> None:
        position = change["new"]
        if 0 <= position < len(self._ids):
            self._on_case({"new": self._ids[position]})

    def _on_case(self, change: dict[str, Any]) -> None:
        case_id = change["new"]
        if case_id is None:
            self.detail.value = ""
            self.wire.children = ()
            return
        result = self.report[case_id]
        self.detail.value = case_html(result)
        if result.session is None:
            self.session_browser = None
            self.wire.children = (W.HTML(styled("<i>This case has no wire log (it did not run).</i>")),)
            return
        self.session_browser = SessionBrowser(result.session, visible_rows=10)
        self.wire.children = (self.session_browser.widget,)
