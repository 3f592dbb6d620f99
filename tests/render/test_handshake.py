"""The handshake's views: a message line by line, and each side's verdict check by check (RFC 6455 §4)."""

from __future__ import annotations

import re
from html import unescape

from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.protocol.misbehaviour import wrong_accept
from wsexplorer.render.describe import describe, html
from wsexplorer.render.handshake import (
    checks_html,
    checks_text,
    message_html,
    message_text,
    section_text,
    sentence,
    step_line,
)
from wsexplorer.render.handshake_verdicts import (
    client_verdict_html,
    outcome_html,
    server_answer_html,
    status_badge,
)

from ..codec.handshake_samples import SEED_ACCEPT, SEED_REQUEST, SEED_RESPONSE, request_with
from .html_checker import Checker, parse_html


def plain(markup: str) -> str:
    """The visible text (tags and inline CSS removed)."""
    markup = re.sub(r"<style>.*?</style>", "", markup, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def cells_left_aligned(checker: Checker) -> bool:
    """Every table cell says text-align:left inline (JupyterLab right-aligns cells otherwise)."""
    cells = [attrs for tag, attrs in checker.tags if tag in ("td", "th")]
    return bool(cells) and all("text-align:left" in attrs.get("style", "") for attrs in cells)


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


def test_prose_tables_are_left_aligned_and_wrap() -> None:
    request = HandshakeRequest.parse(SEED_REQUEST)
    decision = decide(request, ServerPolicy(subprotocols=["chat"]))
    for shown in (message_html(request), message_html(decision.response), checks_html(decision)):
        checker = parse_html(shown)
        assert cells_left_aligned(checker)
        # The RFC column wraps (small print), so a long citation does not widen the table.
        sections = [a for t, a in checker.tags if t == "td" and "wsx-wt-small" in a.get("class", "")]
        assert sections and not any("nowrap" in a["style"] for a in sections)
    meaning_cells = re.findall(r'<td style="text-align:left;overflow-wrap:anywhere">', message_html(request))
    assert len(meaning_cells) == len(request.fields)
    details = re.findall(r'<td style="text-align:left;overflow-wrap:anywhere">', checks_html(decision))
    assert len(details) == len(decision.steps)


def test_legend_uses_colour_boxes_not_coloured_characters() -> None:
    shown = message_html(HandshakeRequest.parse(SEED_REQUEST))
    assert "■" not in shown and shown.count("display:inline-block;width:.8em") == 3


def test_no_rfc_variable_notation_and_sentences() -> None:
    assert section_text("RFC 6455 §4.2.2 step 4 (/key/)") == "RFC 6455 §4.2.2 step 4"
    assert section_text("RFC 6455 §4.2.2 (/origin/), §10.2") == "RFC 6455 §4.2.2, §10.2"
    assert sentence("the request is valid") == "The request is valid."
    assert sentence("Done.") == "Done." and sentence("") == ""
    request = HandshakeRequest.parse(SEED_REQUEST)
    for policy in (ServerPolicy(subprotocols=["chat"]), ServerPolicy(origins=["https://x"]), ServerPolicy()):
        decision = decide(request, policy)
        for shown in (
            checks_text(decision),
            checks_html(decision),
            server_answer_html(decision, decision.response, request),
        ):
            assert "(/" not in shown and "§4.2.2 (/" not in shown


def verdicts(data: bytes, policy: ServerPolicy) -> tuple[str, str]:
    request = HandshakeRequest.parse(data)
    decision = decide(request, policy)
    check = check_response(request, decision.response)
    return (
        plain(server_answer_html(decision, decision.response, request)),
        plain(client_verdict_html(check, answered=True)),
    )


def test_each_refusal_shows_only_the_notes_for_its_status() -> None:
    server, client = verdicts(SEED_REQUEST, ServerPolicy(origins=["https://good.example"]))
    server = server.split("The server's checks")[0]  # the words above the table of checks
    assert "Refused. Origin 'http://example.com' (from the Origin header) is not in this server's" in server
    assert "403 Forbidden and closes" in server and "§10.2" in server
    assert "426" not in server and "try again" not in server and "version" not in server
    assert "the page never sees the HTTP status" in client
    server, client = verdicts(request_with(("Sec-WebSocket-Version", "8")), ServerPolicy())
    assert "426 Upgrade Required" in server and "try again" in server and "§4.4" in server
    assert "Origin" not in server.split("The server's checks")[0]
    assert "✗ The client fails the connection. The server answered 426 Upgrade Required instead of" in client
    server, _ = verdicts(request_with(("Sec-WebSocket-Key", None)), ServerPolicy())
    server = server.split("The server's checks")[0]
    assert "Refused. The request has no Sec-WebSocket-Key header." in server
    assert "426" not in server and "try again" not in server


def test_accepted_answer_is_a_capitalised_sentence() -> None:
    server, client = verdicts(SEED_REQUEST, ServerPolicy(subprotocols=["chat"]))
    assert "Accepted. The request is a valid WebSocket handshake, so the server switches protocols." in server
    assert "Accepted. the" not in server
    assert "✓ Connection open." in client and "Subprotocol: chat ." in client


def test_wrong_accept_shows_the_wire_value_next_to_the_expected_one_everywhere() -> None:
    request = HandshakeRequest.parse(SEED_REQUEST)
    decision = wrong_accept(decide(request, ServerPolicy(subprotocols=["chat"])))
    response = decision.response
    sent = response.accept
    assert sent is not None and sent != SEED_ACCEPT
    check = check_response(request, response)
    for markup in (
        server_answer_html(decision, response, request, faulty="wrong-accept"),
        client_verdict_html(check, answered=True),
        outcome_html(decision, response, check, faulty="wrong-accept"),
    ):
        parse_html(markup)
    server = plain(server_answer_html(decision, response, request, faulty="wrong-accept"))
    client = plain(client_verdict_html(check, answered=True))
    wire = plain(message_html(response))
    assert f"Sec-WebSocket-Accept: {sent}" in wire and SEED_ACCEPT not in wire
    assert f"it sends Sec-WebSocket-Accept {sent}" in server and f"instead of {SEED_ACCEPT}" in server
    assert "✓ pass" not in server.split("Sec-WebSocket-Accept")[-1]
    assert f"The server sent '{sent}', but the client expected '{SEED_ACCEPT}'" in client
    assert f"the server sent '{sent}', but the client expected '{SEED_ACCEPT}'" in client  # the step, too
    assert "never sees the HTTP status" not in client  # the status was 101
    outcome = plain(outcome_html(decision, response, check, faulty="wrong-accept"))
    assert (
        "but sends a wrong Sec-WebSocket-Accept" in outcome and "The client fails the connection" in outcome
    )


def test_outcome_line_sums_up_both_verdicts() -> None:
    request = HandshakeRequest.parse(SEED_REQUEST)
    ok = decide(request, ServerPolicy(subprotocols=["chat"]))
    shown = plain(outcome_html(ok, ok.response, check_response(request, ok.response)))
    assert shown.startswith("101 Switching Protocols Result: The server accepts.")
    assert "the WebSocket connection is open" in shown
    refused = decide(request, ServerPolicy(origins=["https://x"]))
    shown = plain(outcome_html(refused, refused.response, check_response(request, refused.response)))
    assert "The server refuses: origin 'http://example.com'" in shown and "fails the connection" in shown
    assert "still waiting" in plain(outcome_html(None, None, None))


def test_status_badge_text_colour_reads_on_both_themes() -> None:
    for status, var in ((101, "--wsx-good"), (426, "--wsx-warn"), (403, "--wsx-bad")):
        badge = status_badge(status, "x")
        assert f"color:var({var}" in badge and "background:transparent" in badge
