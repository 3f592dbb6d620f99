"""The handshake's views: a message line by line, and each side's verdict check by check (RFC 6455 §4)."""

from __future__ import annotations

from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.render.describe import describe, html
from wsexplorer.render.handshake import checks_html, checks_text, message_html, message_text, step_line

from ..codec.handshake_samples import SEED_REQUEST, SEED_RESPONSE, request_with
from .html_checker import parse_html


def test_request_text_and_html() -> None:
    req = HandshakeRequest.parse(request_with(("X-Html", "<script>")))
    text = message_text(req)
    assert text == describe(req)
    assert "0..19" in text and "required" in text and "optional" in text
    assert "Random base64 value" in text
    shown = message_html(req)
    assert shown == html(req)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    parse_html(shown)


def test_highlight_marks_the_line_a_check_stopped_at() -> None:
    req = HandshakeRequest.parse(request_with(("Sec-WebSocket-Version", "8")))
    decision = decide(req)
    failed = decision.steps[-1]
    assert failed.outcome == "fail" and failed.start is not None
    shown = message_html(req, highlight=(failed.start, failed.end), highlight_note="the server stops here")
    assert "◀ the server stops here" in shown and "wsx-wt-hit" in shown


def test_verdicts_step_by_step() -> None:
    request = HandshakeRequest.parse(SEED_REQUEST)
    decision = decide(request, ServerPolicy(subprotocols=["chat"]))
    text = checks_text(decision)
    assert text == describe(decision)
    assert text.startswith("Server decision: accepted, 101")
    assert step_line(decision.steps[0]) in text
    shown = checks_html(decision)
    assert shown == html(decision) and "✓ pass" in shown
    parse_html(shown)
    check = check_response(request, HandshakeResponse.parse(SEED_RESPONSE.replace(b"chat", b"mqtt")))
    assert checks_text(check).startswith("Client check: FAILED")
    assert "✗ fail" in checks_html(check)
