"""The server's decision on an opening handshake, step by step (RFC 6455 §4.2.1, §4.2.2, §4.4)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.handshake import HandshakeRequest
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.errors import HandshakeRejected
from wsexplorer.render.describe import describe, html

from .handshake_samples import (
    RFC_1_3_REQUEST,
    SEED_ACCEPT,
    SEED_KEY,
    SEED_REQUEST,
    SEED_RESPONSE,
    FakeExtension,
    fixed_rng,
    request_with,
)

# -- the server's decision -----------------------------------------------------------------------------


def test_decide_accepts_the_seed_request_with_the_seed_response() -> None:
    decision = decide(HandshakeRequest.parse(SEED_REQUEST), ServerPolicy(subprotocols=["chat"]))
    assert decision.accepted and decision.status == 101 and decision.error is None
    assert bytes(decision.response) == SEED_RESPONSE
    assert decision.subprotocol == "chat"
    assert decision.extensions == []
    assert decision.section == "RFC 6455 §4.2.2"
    assert all(s.outcome != "fail" for s in decision.steps)
    assert [s.check for s in decision.steps][:8] == [
        "message syntax",
        "method is GET",
        "HTTP/1.1 or higher",
        "Host header",
        "Upgrade includes websocket",
        "Connection includes Upgrade",
        "Sec-WebSocket-Version is 13",
        "Sec-WebSocket-Key is 16 bytes of base64",
    ]
    decision.raise_for_status()
    assert "accepted" in describe(decision) and SEED_ACCEPT in describe(decision)
    assert "<table>" in html(decision)


def test_decide_default_policy_accepts_rfc_1_3_request_without_subprotocol() -> None:
    decision = decide(HandshakeRequest.parse(RFC_1_3_REQUEST))
    assert decision.accepted and decision.subprotocol is None
    assert decision.response.get("Sec-WebSocket-Protocol") is None
    assert decision.response.accept == SEED_ACCEPT
    note = next(s for s in decision.steps if s.check == "subprotocol")
    assert note.outcome == "note" and "none of the subprotocols the client offered" in note.detail


REFUSALS = [
    # (request bytes, status, words in reason, section)
    (request_with(start=b"POST /chat HTTP/1.1"), 400, "method is POST, not GET", "§4.2.1 item 1"),
    (request_with(start=b"GET /chat HTTP/1.0"), 400, "older than HTTP/1.1", "§4.2.1 item 1"),
    (request_with(("Host", None)), 400, "no Host header", "§4.2.1 item 2"),
    (request_with(("Host", "b"), ("X", "1")) .replace(b"X: 1", b"Host: c"), 400,
     "Host header appears 2 times", "RFC 7230 §5.4"),
    (request_with(("Upgrade", None)), 400, "no Upgrade header", "§4.2.1 item 3"),
    (request_with(("Upgrade", "h2c")), 400, "the Upgrade header says 'h2c', not 'websocket'",
     "§4.2.1 item 3"),
    (request_with(("Connection", None)), 400, "no Connection header", "§4.2.1 item 4"),
    (request_with(("Connection", "keep-alive")), 400,
     "the Connection header says 'keep-alive', which does not include the token 'Upgrade'", "§4.2.1 item 4"),
    (request_with(("Sec-WebSocket-Version", None)), 400, "no Sec-WebSocket-Version header",
     "§4.2.1 item 6"),
    (request_with(("X", "1")).replace(b"X: 1", b"Sec-WebSocket-Version: 13"), 400,
     "Sec-WebSocket-Version header appears 2 times", "§4.2.1 item 6"),
    (request_with(("Sec-WebSocket-Key", None)), 400, "no Sec-WebSocket-Key header", "§4.2.1 item 5"),
    (request_with(("X", "1")).replace(b"X: 1", b"Sec-WebSocket-Key: " + SEED_KEY.encode()), 400,
     "Sec-WebSocket-Key header appears 2 times", "§11.3.1"),
    (request_with(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j")), 400, "decodes to 15 bytes",
     "§4.2.1 item 5"),
    (request_with(("Sec-WebSocket-Key", "not base64 at all!!!")), 400, "character ' ' at offset 3",
     "§4.2.1 item 5"),
    (request_with(("X", "1")).replace(b"X: 1", b"Origin: http://evil.example"), 400,
     "Origin header appears 2 times", "RFC 6454 §7.3"),
    (request_with(("Sec-WebSocket-Protocol", "chat,,@")), 400, "Sec-WebSocket-Protocol: expected",
     "RFC 7230 §3.2.6"),
    (request_with(("Sec-WebSocket-Extensions", "x; =1")), 400, "Sec-WebSocket-Extensions: expected",
     "RFC 6455 §9.1"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "status", "words", "section"), REFUSALS)
def test_decide_refusals(data: bytes, status: int, words: str, section: str) -> None:
    decision = decide(HandshakeRequest.parse(data))
    assert not decision.accepted
    assert decision.status == status == decision.response.status
    assert words in decision.reason, decision.reason
    assert section in decision.section
    err = decision.error
    assert isinstance(err, HandshakeRejected)
    assert err.http_status == status and err.rule == decision.reason
    assert err.section == decision.section and err.fault == "peer"
    with pytest.raises(HandshakeRejected):
        decision.raise_for_status()
    last = decision.steps[-1]
    assert last.outcome == "fail" and last.http_status == status and last.detail == decision.reason
    body = decision.response.body.decode()
    assert decision.reason in body and decision.section in body
    assert decision.response.get("Content-Length") == str(len(decision.response.body))
    assert decision.response.get("Sec-WebSocket-Accept") is None
    assert decision.subprotocol is None and decision.extensions == []


def test_refusal_offsets_point_at_the_header_line() -> None:
    data = request_with(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j"))
    decision = decide(HandshakeRequest.parse(data))
    assert decision.error is not None
    assert decision.error.offset == data.index(b"Sec-WebSocket-Key")
    step = decision.steps[-1]
    assert step.start == data.index(b"Sec-WebSocket-Key")
    assert step.end is not None and data[step.end - 2 : step.end] == b"\r\n"


def test_decide_426_for_another_version() -> None:
    data = request_with(("Sec-WebSocket-Version", "25"))
    decision = decide(HandshakeRequest.parse(data))
    assert decision.status == 426 and decision.response.reason == "Upgrade Required"
    assert decision.response.get("Sec-WebSocket-Version") == "13"
    assert decision.response.get("Upgrade") == "websocket"
    assert "upgrade" in [t.lower() for t in decision.response.connection]
    assert "asks for WebSocket version '25'; this server speaks only version 13" in decision.reason
    assert "§4.4" in decision.section and "/version/" not in decision.section
    assert "HTTP 426" in str(decision.error)


def test_version_is_checked_before_the_key() -> None:
    data = request_with(("Sec-WebSocket-Version", "8"), ("Sec-WebSocket-Key", "old"))
    assert decide(HandshakeRequest.parse(data)).status == 426


def test_decide_403_for_origin_not_allowed() -> None:
    policy = ServerPolicy(origins=["https://good.example"])
    decision = decide(HandshakeRequest.parse(SEED_REQUEST), policy)
    assert decision.status == 403 and decision.response.reason == "Forbidden"
    assert "origin 'http://example.com' (from the Origin header) is not in this server's allow-list" in (
        decision.reason
    )
    assert "§10.2" in decision.section and "§4.2.2" in decision.section
    assert decision.error is not None
    assert decision.error.offset == SEED_REQUEST.index(b"Origin")


def test_origin_allow_list_is_case_insensitive() -> None:
    policy = ServerPolicy(origins=["HTTP://EXAMPLE.com"])
    assert decide(HandshakeRequest.parse(SEED_REQUEST), policy).accepted


def test_request_without_origin_is_allowed_by_an_allow_list() -> None:
    policy = ServerPolicy(origins=["https://good.example"])
    decision = decide(HandshakeRequest.parse(request_with(("Origin", None))), policy)
    assert decision.accepted
    step = next(s for s in decision.steps if s.check == "Origin allowed")
    assert "browsers always send one" in step.detail


def test_subprotocol_uses_the_servers_preference() -> None:
    req = HandshakeRequest.parse(SEED_REQUEST)  # client: chat, superchat
    decision = decide(req, ServerPolicy(subprotocols=["superchat", "chat"]))
    assert decision.subprotocol == "superchat"
    assert decision.response.get("Sec-WebSocket-Protocol") == "superchat"
    assert decide(req, ServerPolicy(subprotocols=["mqtt"])).subprotocol is None


def test_decide_negotiates_extensions_in_policy_order() -> None:
    req = HandshakeRequest.build(
        "h/",
        extensions=["x-b; n=1", "x-a", "x-b; n=2", "x-unknown"],
        rng=fixed_rng,
    )
    a, b = FakeExtension("x-a"), FakeExtension("x-b", mode="last")
    decision = decide(req, ServerPolicy(extensions=[a, b]))
    assert decision.accepted
    assert [e.agreed for e in decision.extensions] == [
        ExtensionOffer("x-a"),
        ExtensionOffer("x-b", (("n", "2"),)),
    ]
    assert b.seen == [ExtensionOffer("x-b", (("n", "1"),)), ExtensionOffer("x-b", (("n", "2"),))]
    assert decision.response.get("Sec-WebSocket-Extensions") == "x-a, x-b; n=2"
    details = {s.check: s for s in decision.steps}
    assert "took the offer as it was" in details["extension x-a"].detail
    assert details["extension x-unknown"].outcome == "note"
    assert "not supported" in details["extension x-unknown"].detail
    # The client accepts this answer.
    check = check_response(req, decision.response, [a, b])
    assert check.ok, check.error
    assert [e.agreed.name for e in check.extensions] == ["x-a", "x-b"]


@pytest.mark.parametrize(
    ("mode", "words"),
    [("decline", "declined the client's offer"), ("raise", "declined: level must be 1 or 2")],
)
def test_decide_records_declined_extensions(mode: str, words: str) -> None:
    req = HandshakeRequest.build("h/", extensions=["x-fake"], rng=fixed_rng)
    decision = decide(req, ServerPolicy(extensions=[FakeExtension(mode=mode)]))
    assert decision.accepted and decision.extensions == []
    assert decision.response.get("Sec-WebSocket-Extensions") is None
    step = next(s for s in decision.steps if s.check == "extension x-fake")
    assert step.outcome == "note" and words in step.detail


def test_decide_notes_extension_not_offered() -> None:
    decision = decide(HandshakeRequest.parse(SEED_REQUEST), ServerPolicy(extensions=[FakeExtension()]))
    step = next(s for s in decision.steps if s.check == "extension x-fake")
    assert step.detail == "not offered by the client"


def test_sections_and_details_are_plain_words() -> None:
    """No RFC variable notation (/origin/, /version/) in any section; lists read as words, not reprs."""
    request = HandshakeRequest.parse(SEED_REQUEST)
    cases = [
        decide(request, ServerPolicy(subprotocols=["chat"])),
        decide(request, ServerPolicy(origins=["https://good.example"])),
        decide(request, ServerPolicy(subprotocols=["mqtt"])),
        decide(request),
        decide(HandshakeRequest.parse(request_with(("Sec-WebSocket-Version", "8")))),
    ]
    for decision in cases:
        for step in decision.steps:
            assert "(/" not in step.section and "/)" not in step.section, step
            assert "[" not in step.detail, step.detail
        assert "(/" not in decision.section
    chose = next(s for s in cases[0].steps if s.check == "subprotocol")
    assert chose.detail == (
        "chose 'chat': the first subprotocol in the server's list (chat) that the client also offered "
        "(chat, superchat)"
    )
    assert next(s for s in cases[3].steps if s.check == "subprotocol").section == "RFC 6455 §4.2.2 step 4"
    assert cases[0].reason == "the request is a valid WebSocket handshake, so the server switches protocols"
