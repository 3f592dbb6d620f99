"""Views of a probe report: the text table, the HTML table (escaped, balanced, theme colours), one case,
the wire log, and the static page."""

from __future__ import annotations

import pytest

from wsexplorer.live import ServerConnection, serve, serve_echo
from wsexplorer.live.probe import ProbeReport, probe
from wsexplorer.render.probe import case_html, case_text, probe_html, probe_page, probe_text, wire_log_text

from .html_checker import parse_html

CASES = ["1.1", "2.3", "6.2", "11.7", "12.1"]


@pytest.fixture
async def report() -> ProbeReport:
    async with serve_echo() as server:
        return await probe(server.url, cases=CASES)


@pytest.fixture
async def rude() -> ProbeReport:
    """A server that closes every connection at once with a reason full of markup."""

    async def hang_up(ws: ServerConnection) -> None:
        await ws.close(1000, "<b>bye</b> & <script>")

    async with serve(hang_up) as server:
        return await probe(server.url, cases=["1.1"])


def test_text_table(report: ProbeReport) -> None:
    text = probe_text(report)
    lines = text.splitlines()
    assert lines[0].startswith("Probe of ws://127.0.0.1:")
    assert "5 cases in" in lines[1] and "5 conforms" in lines[1]
    row = next(line for line in lines if line.startswith("2.3"))
    assert "ping, 126 bytes" in row and "conforms" in row and "close 1002" in row
    full = case_text(report["11.7"])
    assert "required:  refuse with an HTTP error" in full and "HTTP 426" in full


def test_deviations_are_explained(rude: ProbeReport) -> None:
    text = probe_text(rude)
    assert "deviates" in text and "! a text message is valid (RFC 6455 §5.6)" in text


def test_html_table_is_escaped_balanced_and_themed(report: ProbeReport, rude: ProbeReport) -> None:
    shown = probe_html(report)
    checker = parse_html(shown)
    rows = [a for tag, a in checker.tags if tag == "tr" and "data-case" in a]
    assert [a["data-case"] for a in rows] == CASES
    assert all("wsx-probe-conforms" in a["class"] for a in rows)
    assert "var(--wsx-good)" in shown and "--jp-border-color2" in shown
    assert "width: 100%" in shown  # fits the output area
    hostile = probe_html(rude)
    assert "<script>" not in hostile.replace("<style>", "") and "&lt;b&gt;bye&lt;/b&gt;" in hostile
    assert not any(tag == "script" for tag, _ in parse_html(hostile).tags)
    only = probe_html(report, verdicts=["deviates"])
    assert "data-case" not in only


def test_one_case_and_its_wire_log(report: ProbeReport) -> None:
    result = report["2.3"]
    shown = case_html(result)
    parse_html(shown)
    assert "control frame payload of 126 bytes exceeds 125" in shown and "RFC 6455 §5.5" in shown
    assert result.session is not None
    log = wire_log_text(result.session)
    assert "client→server handshake:\nGET / HTTP/1.1" in log and "HTTP/1.1 101 Switching Protocols" in log
    assert "client→server: PING" in log and "server→client: CLOSE" in log and "code=1002" in log


def test_static_page(report: ProbeReport) -> None:
    page = probe_page(report)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    checker = parse_html(page.split("\n", 1)[1])
    details = [a.get("id") for tag, a in checker.tags if tag == "details"]
    assert details == [f"case-{c}" for c in CASES]
    assert "Sec-WebSocket-Version: 25" in page and "<link" not in page and "src=" not in page
