"""ProbeBrowser in a real browser, on a probe the notebook ran against its own echo server made to break one
rule (it never answers a ping, RFC 6455 §5.5.2): ten cases, every verdict filter, cases chosen with the
mouse and the keyboard (their detail and wire log), a frame of a wire log opened, and the table of all
cases, in each front end. The verdicts come from the report itself (read from the notebook), so the
page is compared with what the probe found.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .frames_ui import FrameBrowserUI
from .widget_run import finish, start

MARKS = {"conforms": "✓", "deviates": "✗", "informational": "i", "not run": "–"}


class Probe:
    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-probe-browser")
        self.cases = self.root.locator(".wsx-probe-cases [role=grid]")  # a grid: rows, arrow keys
        self.options = self.cases.locator(".wsx-grid-row")
        self.detail = self.root.locator(".wsx-probe-detail")
        self.wire = self.root.locator(".wsx-probe-wire")
        self.frames = FrameBrowserUI(nb, self.wire)
        facts = json.loads(nb.widget("wsx-test-verdicts").text_content() or "{}")
        self.verdicts: dict[str, str] = {case: v for case, (v, _, _) in facts.items()}
        self.frame_counts: dict[str, int] = {case: n for case, (_, n, _) in facts.items()}
        self.client_frames: dict[str, int] = {case: n for case, (_, _, n) in facts.items()}
        self.ids = list(self.verdicts)

    def filter(self, label: str) -> Locator:
        return self.root.locator(".wsx-probe-filter button", has_text=re.compile(rf"^{re.escape(label)}\s\("))

    def listed(self, ids: list[str]) -> None:
        """The list holds exactly ``ids``, in order, each with its verdict's mark."""
        expect(self.options).to_have_count(len(ids))
        expect(self.options.locator(".wsx-grid-col0")).to_have_text([MARKS[self.verdicts[i]] for i in ids])
        expect(self.options.locator(".wsx-grid-col1")).to_have_text(ids)

    def shows(self, case: str) -> None:
        """Case ``case`` is chosen: its detail with its verdict, and its wire log with all its frames."""
        chosen = self.cases.locator(".wsx-grid-row[aria-selected=true] .wsx-grid-col1")
        expect(chosen).to_have_text(case)
        expect_text(self.detail.locator(".wsx-probe-title"), re.compile(rf"^{re.escape(case)} "))
        verdict = self.verdicts[case]
        expect(self.detail.locator(".wsx-verdict")).to_have_text(verdict)
        expect(self.detail.locator(".wsx-verdict")).to_have_class(
            re.compile(rf"\bwsx-verdict-{verdict.replace(' ', '-')}\b")
        )
        n = self.frame_counts[case]
        self.frames.shown(n, n)

    def choose(self, case: str) -> None:
        row = self.cases.locator(f".wsx-grid-row[data-position='{self.ids.index(case)}']")
        row.evaluate("el => el.scrollIntoView({block: 'center'})")
        self.nb.click(row)
        self.shows(case)


def test_probe_browser(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "probe_browser")
    p = Probe(nb)
    counts = {v: list(p.verdicts.values()).count(v) for v in MARKS if v in p.verdicts.values()}
    with nb.part("the report: summary, filters, every case listed, the first one open"):
        assert len(p.ids) == 10 and p.verdicts["2.1"] == "deviates", p.verdicts  # the pong never came
        assert p.verdicts["3.1"] == "conforms" and p.verdicts["11.11"] == "informational", p.verdicts
        summary = p.root.locator(".wsx-probe-summary")
        expect_text(summary, "Probe of ws://127.0.0.1:")
        expect_text(summary, f"{len(p.ids)} cases in ")
        expect(p.root.locator(".wsx-probe-filter button")).to_have_count(1 + len(counts))
        expect(p.filter("all")).to_have_text(re.compile(rf"^all\s\({len(p.ids)}\)$"))
        for verdict, n in counts.items():
            expect(p.filter(verdict)).to_have_text(re.compile(rf"^{verdict}\s\({n}\)$"))
        p.listed(p.ids)
        p.shows(p.ids[0])
    with nb.part("cases chosen in the list: detail and wire log"):
        p.choose("3.1")
        expect_text(p.detail, "RSV1")
        expect_text(p.detail, "close 1002")  # RFC 6455 §5.2: no extension defines RSV1
        p.choose("2.1")
        expect(p.detail.locator(".wsx-probe-why")).not_to_have_text("")
        p.choose("11.11")
        expect_text(p.detail, "Origin")
        p.choose("11.2")  # refused with 400: no frame at all
        expect_text(p.detail, "HTTP 400")
        expect_text(p.wire.locator(".wsx-session-info"), "HTTP 400")
    with nb.part("the keyboard in the list (arrow keys choose the next case, not the next notebook cell)"):
        k = p.ids.index("11.2")
        p.cases.focus()
        p.cases.press("ArrowDown")
        p.shows(p.ids[k + 1])
        p.cases.press("ArrowUp")
        p.shows(p.ids[k])
    with nb.part("every verdict filter, then all"):
        shown = p.ids[k]
        for verdict in counts:
            nb.click(p.filter(verdict))
            expect(p.filter(verdict)).to_have_class(re.compile(r"\bmod-active\b"))
            chosen = [i for i in p.ids if p.verdicts[i] == verdict]
            p.listed(chosen)
            shown = shown if shown in chosen else chosen[0]  # the case shown stays if it is listed
            p.shows(shown)
        nb.click(p.filter("all"))
        p.listed(p.ids)
        p.shows(shown)
    with nb.part("a frame of a wire log opened in the inspector"):
        p.choose("1.1")
        f = p.frames
        f.direction("C→S")
        f.shown(p.client_frames["1.1"], p.frame_counts["1.1"])
        expect(f.grid.locator(".wsx-grid-row.wsx-s2c")).to_have_count(0)
        nb.click(p.wire.locator("button.wsx-page-first"))
        f.selected(0)
        expect_text(f.selection, "client → server")
        f.direction("both")
        f.shown(p.frame_counts["1.1"], p.frame_counts["1.1"])
    with nb.part("all cases as one table, shown then hidden"):
        toggle = p.root.locator("button.wsx-probe-all")
        table = p.root.locator(".wsx-probe-table")
        expect(table).to_be_hidden()
        nb.click(toggle)
        expect(table).to_be_visible()
        rows = table.locator("tr.wsx-probe-row")
        expect(rows).to_have_count(len(p.ids))
        for case, verdict in p.verdicts.items():
            row = table.locator(f"tr.wsx-probe-row[data-case='{case}']")
            expect(row).to_have_class(re.compile(rf"\bwsx-probe-{verdict.replace(' ', '-')}\b"))
            expect(row.locator(".wsx-verdict")).to_have_text(verdict)
        nb.click(toggle)
        expect(table).to_be_hidden()
        nb.click(toggle)  # open for the screenshots

    finish(nb, p.root, frontend, "probe_browser")
