"""ProbeBrowser headless: filtering by verdict, a case's detail, and its wire log in the session browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsexplorer.live import echo, serve
from wsexplorer.live.probe import ProbeReport, probe
from wsexplorer.widgets.probe import ProbeBrowser
from wsexplorer.widgets.session import SessionBrowser


@pytest.fixture
async def report() -> ProbeReport:
    async with serve(echo, misbehave=["no-pong"]) as server:
        return await probe(server.url, cases=["2.1", "3.1", "11.2", "11.11"], timeout=0.3)


async def test_lists_filters_and_opens_cases(report: ProbeReport, tmp_path: Path) -> None:
    browser = ProbeBrowser(report)
    assert browser.shown == ["2.1", "3.1", "11.2", "11.11"]
    assert "wsx-probe-browser" in browser._dom_classes
    for part, cls in [(browser.filter, "wsx-probe-filter"), (browser.cases, "wsx-probe-cases")]:
        assert cls in part._dom_classes
    labels = [label for label, _ in browser.filter.options]
    assert labels[0] == "all (4)" and "deviates (1)" in labels and "informational (1)" in labels
    # The first case is open: its detail and its wire log, in the existing session browser.
    assert browser.case == "2.1" and "deviates" in browser.detail.value
    assert isinstance(browser.session_browser, SessionBrowser)
    assert browser.session_browser.session is report["2.1"].session
    rows = browser.session_browser.table_rows()
    assert [r.opcode_name for r in rows][:2] == ["PING", "PING"]  # the case's ping, then the closing ping
    browser.filter.value = "conforms"
    assert browser.shown == ["3.1", "11.2"] and browser.case == "3.1"
    assert "RSV1 is set" in browser.detail.value
    browser.show_case("11.11")  # hidden by the filter: the filter goes back to all
    assert browser.filter.value == "all" and browser.case == "11.11"
    assert "foreign Origin" in browser.detail.value
    path = browser.save_html(tmp_path / "probe.html")
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")
