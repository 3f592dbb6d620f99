"""The frame browser (filters, grid, inspector, timeline, export) as LiveConnection and SessionBrowser
show it, driven from the page: what both widgets' tests click and read.

The grid is virtualised (``static/frame_grid.js``): the page holds only the rows of the window Python
sent, each with ``data-position`` (0-based row of the filtered table) and ``aria-rowindex``
(1-based). The count label reads "N of M frames shown".
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .checks import expect_text
from .driver import NotebookPage

__all__ = ["FrameBrowserUI"]

OPCODE_GROUPS = ("text", "binary", "continuation", "close", "ping", "pong", "reserved")


class FrameBrowserUI:
    """Locators and actions on the frame browser inside ``root``."""

    def __init__(self, nb: NotebookPage, root: Locator) -> None:
        self.nb = nb
        self.root = root
        self.label = root.locator(".wsx-page-label")
        self.grid = root.locator(".wsx-frame-grid")
        self.viewport = self.grid.locator(".wsx-grid-viewport")
        self.focusable = self.grid.locator("[role=grid]")  # the grid takes the keyboard focus
        self.rows = self.grid.locator(".wsx-grid-row")
        self.selection = root.locator(".wsx-selection")
        self.inspector = root.locator(".wsx-frame-inspector").first
        self.violations = self.inspector.locator(".wsx-frame-violations")

    # -- counts ------------------------------------------------------------------------------------------

    def shown(self, count: int, total: int) -> None:
        """Wait until the label says exactly ``count`` of ``total`` frames are shown (search done)."""
        expect(self.label).to_have_text(re.compile(rf"^\s*{count:,} of {total:,} frames shown\s*$"))

    def numbers(self) -> tuple[int, int]:
        match = re.match(r"\s*([\d,]+) of ([\d,]+) frames shown", self.label.inner_text())
        assert match, self.label.inner_text()
        return int(match[1].replace(",", "")), int(match[2].replace(",", ""))

    def group_count(self, name: str) -> int:
        text = self.root.locator(f"button.wsx-filter-op-{name}").inner_text()
        return int(text.split()[-1].replace(",", ""))

    def cells(self, column: int) -> list[str]:
        """The texts of one column in the rows the page holds (0: #, 1: time, 5: length...)."""
        return [
            t.strip() for t in self.grid.locator(f".wsx-grid-row .wsx-grid-col{column}").all_inner_texts()
        ]

    # -- filters -----------------------------------------------------------------------------------------

    def direction(self, text: str) -> None:
        self.nb.click(self.root.locator(".wsx-filter-direction button", has_text=text).first)

    def opcode_toggle(self, name: str) -> Locator:
        return self.root.locator(f"button.wsx-filter-op-{name}")

    def check_filters(self, total: int, c2s: int) -> None:
        """Direction, every opcode toggle, length bounds: the table shows what each one asks for."""
        self.direction("C→S")
        self.shown(c2s, total)
        expect(self.grid.locator(".wsx-grid-row.wsx-s2c")).to_have_count(0)
        self.direction("S→C")
        self.shown(total - c2s, total)
        expect(self.grid.locator(".wsx-grid-row.wsx-c2s")).to_have_count(0)
        self.direction("both")
        self.shown(total, total)
        for name in OPCODE_GROUPS:
            toggle = self.opcode_toggle(name)
            n = self.group_count(name)
            expect(toggle).to_have_class(re.compile(r"\bmod-active\b"))
            self.nb.click(toggle)
            expect(toggle).not_to_have_class(re.compile(r"\bmod-active\b"))
            self.shown(total - n, total)
            expect(self.grid.locator(f".wsx-grid-row.wsx-op-{name}")).to_have_count(0)
            self.nb.click(toggle)
            expect(toggle).to_have_class(re.compile(r"\bmod-active\b"))
            self.shown(total, total)
        low = self.root.locator(".wsx-filter-min input")
        high = self.root.locator(".wsx-filter-max input")
        # Bounds from the lengths on the wire (compressed payloads are short): the second-smallest one.
        lengths = sorted({int(n.replace(",", "")) for n in self.cells(5)})
        assert len(lengths) >= 2, lengths
        self.nb.fill(low, str(lengths[1]))
        self.lengths_within(lengths[1], None, total)
        self.nb.fill(high, str(lengths[1]))
        self.lengths_within(lengths[1], lengths[1], total)
        self.nb.fill(low, "")
        self.nb.fill(high, "")
        self.shown(total, total)

    def lengths_within(self, low: int, high: int | None, total: int) -> None:
        """Wait until fewer than ``total`` rows are shown, some are, and every length is in bounds."""
        try:
            self._lengths_within(low, high, total)
        except PlaywrightTimeout:
            raise AssertionError(
                f"lengths not within [{low}, {high}]: {self.label.inner_text()!r}, lengths {self.cells(5)}"
            ) from None

    def _lengths_within(self, low: int, high: int | None, total: int) -> None:
        self.nb.page.wait_for_function(
            """([grid, label, low, high, total]) => {
              const found = label.textContent.match(/([\\d,]+) of/);
              const shown = found ? Number(found[1].replace(/,/g, '')) : -1;
              const cells = [...grid.querySelectorAll('.wsx-grid-row .wsx-grid-col5')];
              return shown > 0 && shown < total && cells.length > 0
                && cells.every(c => { const n = Number(c.textContent.replace(/,/g, ''));
                                      return n >= low && (high === null || n <= high); });
            }""",
            arg=[self.grid.element_handle(), self.label.element_handle(), low, high, total],
        )

    def search(self, text: str, *, regex: bool = False) -> None:
        box = self.root.locator(".wsx-search-regex input[type=checkbox]")
        if box.is_checked() != regex:
            self.nb.click(box)
        self.nb.fill(self.root.locator(".wsx-search input"), text)

    def check_clock(self) -> None:
        """The time column: clock time, then seconds since the first byte again."""
        self.nb.click(self.root.locator(".wsx-clock button", has_text="clock time"))
        expect(self.rows.first.locator(".wsx-grid-col1")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{6}$"))
        self.nb.click(self.root.locator(".wsx-clock button", has_text="since first byte"))
        expect(self.rows.first.locator(".wsx-grid-col1")).to_have_text(re.compile(r"^\d+\.\d{6}$"))

    # -- selection ---------------------------------------------------------------------------------------

    def row(self, position: int) -> Locator:
        return self.grid.locator(f".wsx-grid-row[data-position='{position}']")

    def selected(self, position: int) -> None:
        """Row ``position`` is selected, in view, and its frame is open in the inspector."""
        row = self.row(position)
        expect(row).to_have_attribute("aria-selected", "true")
        expect(row).to_have_class(re.compile(r"\bwsx-grid-selected\b"))
        number = row.locator(".wsx-grid-col0").inner_text().strip()
        expect_text(self.selection, f"Frame {number}")
        expect(self.inspector).to_be_visible()
        expect_text(self.inspector.locator(".wsx-frame-status"), f"frame {number}")
        box = row.bounding_box()
        view = self.viewport.bounding_box()
        assert box is not None and view is not None
        assert view["y"] - 1 <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"] + 1

    def check_navigation(self, total: int) -> None:
        """First/last buttons, a scroll to the end and back, and the keyboard in the grid."""
        self.nb.click(self.root.locator("button.wsx-page-last"))
        self.selected(total - 1)
        self.nb.click(self.root.locator("button.wsx-page-first"))
        self.selected(0)
        self.viewport.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        expect(self.grid.locator(f".wsx-grid-row[aria-rowindex='{total + 1}']")).to_have_count(1)
        self.viewport.evaluate("el => { el.scrollTop = 0; }")
        expect(self.grid.locator(".wsx-grid-row[aria-rowindex='2']")).to_have_count(1)  # row 1: header
        self.focusable.focus()
        for key, position in (("ArrowDown", 1), ("ArrowDown", 2), ("ArrowUp", 1), ("End", total - 1)):
            self.focusable.press(key)
            self.selected(position)
        self.focusable.press("Home")
        self.selected(0)
        page = int(self.viewport.evaluate("el => Math.round(el.clientHeight / 22)")) - 2  # minus the header
        self.focusable.press("PageDown")
        self.selected(min(page, total - 1))

    def open_row(self, text: str, direction: str) -> None:
        """Click the first row holding ``text`` sent in ``direction`` ("c2s"/"s2c")."""
        self.nb.click(self.root.locator("button.wsx-page-first"))
        row = self.grid.locator(f".wsx-grid-row.wsx-{direction}", has_text=text).first
        row.evaluate("el => el.scrollIntoView({block: 'nearest'})")
        row.click()
        expect(row).to_have_attribute("aria-selected", "true")
        expect(self.inspector).to_be_visible()

    # -- timeline ----------------------------------------------------------------------------------------

    def tab(self, title: str) -> Locator:
        return self.root.locator(".wsx-switch button", has_text=title).first

    def check_timeline(self, total: int) -> None:
        self.nb.click(self.tab("Timeline"))
        image = self.root.locator(".wsx-timeline img")
        expect(image).to_be_visible()
        alt = image.get_attribute("alt") or ""
        assert len(alt) > 20, alt  # a text alternative that says what the figure shows
        expect_text(self.root.locator(".wsx-timeline-count"), f"{total:,} frames")
        self.nb.click(self.root.locator("button.wsx-timeline-redraw"))
        expect(image).to_be_visible()

    # -- export and copy ---------------------------------------------------------------------------------

    def export(self, work: Path) -> None:
        """Save the session, the messages as CSV and as JSON: each file is written and linked."""
        result = self.root.locator(".wsx-export-result")
        for button, suffix in (
            ("wsx-export-save", ".wsx"),
            ("wsx-export-csv", ".csv"),
            ("wsx-export-json", ".json"),
        ):
            self.nb.click(self.root.locator(f"button.{button}"))
            link = result.locator(f"a[download$='{suffix}']")
            expect(link).to_be_visible()
            expect_text(result, "wrote")
            written = work / (link.get_attribute("download") or "")
            assert written.is_file() and written.stat().st_size > 0, written
            if suffix == ".json":
                assert isinstance(json.loads(written.read_text(encoding="utf-8")), list)
            if suffix == ".csv":
                assert written.read_text(encoding="utf-8").count("\n") >= 2  # a header and rows

    def check_copy(self) -> None:
        """Copy the selected frame as hex, then base64: the page's clipboard holds exactly its bytes."""
        for css in ("wsx-copy-hex", "wsx-copy-base64"):  # rendered at all (fail fast, with the reason)
            expect(self.root.locator(f".{css} button"), f"no {css} button in the page").to_be_visible(
                timeout=2000
            )
        shown = self.root.locator(".wsx-copy-text textarea")
        expect(shown).not_to_have_value("")
        note = self.root.locator(".wsx-copy-note")
        self.nb.click(self.root.locator(".wsx-copy-hex button"))
        expect_text(note, "copied as hex")
        hex_text = shown.input_value()  # read after the copy: the frame the buttons held when clicked
        copied = self.clipboard(lambda text: text == hex_text)
        assert copied == hex_text, (copied, hex_text)
        self.nb.click(self.root.locator(".wsx-copy-base64 button"))
        expect_text(note, "copied as base64")
        copied = self.clipboard(lambda text: text != hex_text)
        assert base64.b64decode(copied) == bytes.fromhex(hex_text), (copied, hex_text)

    def clipboard(self, ready: Callable[[str], bool], seconds: float = 5.0) -> str:
        """The page's clipboard text, read until ``ready`` says it is the expected one (the write is
        asynchronous in the page) or ``seconds`` have passed."""
        deadline = time.monotonic() + seconds
        while True:
            text = str(self.nb.page.evaluate("() => navigator.clipboard.readText()"))
            if ready(text) or time.monotonic() > deadline:
                return text
            self.nb.page.wait_for_timeout(100)
