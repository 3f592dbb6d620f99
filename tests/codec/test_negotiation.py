"""Tests for the server's decision and the client's check of the opening handshake (RFC 6455 §4.1, §4.2)."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions import Extension, ExtensionOffer
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.negotiation import ServerPolicy, check_response, decide
from wsexplorer.errors import HandshakeRejected, InvalidAccept, InvalidResponse

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
    assert "accepted" in decision.text() and SEED_ACCEPT in decision.text()
    assert "<table>" in decision._repr_html_()


def test_decide_default_policy_accepts_rfc_1_3_request_without_subprotocol() -> None:
    decision = decide(HandshakeRequest.parse(RFC_1_3_REQUEST))
    assert decision.accepted and decision.subprotocol is None
    assert decision.response.get("Sec-WebSocket-Protocol") is None
    assert decision.response.accept == SEED_ACCEPT
    note = next(s for s in decision.steps if s.check == "subprotocol")
    assert note.outcome == "note" and "none of the client's" in note.detail


REFUSALS = [
    # (request bytes, status, words in reason, section)
    (request_with(start=b"POST /chat HTTP/1.1"), 400, "method is POST, not GET", "§4.2.1 item 1"),
    (request_with(start=b"GET /chat HTTP/1.0"), 400, "older than HTTP/1.1", "§4.2.1 item 1"),
    (request_with(("Host", None)), 400, "no Host header", "§4.2.1 item 2"),
    (request_with(("Host", "b"), ("X", "1")) .replace(b"X: 1", b"Host: c"), 400,
     "Host header appears 2 times", "RFC 7230 §5.4"),
    (request_with(("Upgrade", None)), 400, "no Upgrade header", "§4.2.1 item 3"),
    (request_with(("Upgrade", "h2c")), 400, "does not include 'websocket' (h2c)", "§4.2.1 item 3"),
    (request_with(("Connection", None)), 400, "no Connection header", "§4.2.1 item 4"),
    (request_with(("Connection", "keep-alive")), 400, "token 'Upgrade' (keep-alive)",
     "§4.2.1 item 4"),
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
    assert "'25' is not supported" in decision.reason
    assert "§4.4" in decision.section
    assert "HTTP 426" in str(decision.error)


def test_version_is_checked_before_the_key() -> None:
    data = request_with(("Sec-WebSocket-Version", "8"), ("Sec-WebSocket-Key", "old"))
    assert decide(HandshakeRequest.parse(data)).status == 426


def test_decide_403_for_origin_not_allowed() -> None:
    policy = ServerPolicy(origins=["https://good.example"])
    decision = decide(HandshakeRequest.parse(SEED_REQUEST), policy)
    assert decision.status == 403 and decision.response.reason == "Forbidden"
    assert "'http://example.com' is not in this server's allow-list" in decision.reason
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
    ("mode", "words"), [("decline", "declined all 1 offer"), ("raise", "declined: level must be 1 or 2")]
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


# -- the client's check --------------------------------------------------------------------------------


def seed_pair() -> tuple[HandshakeRequest, bytes]:
    return HandshakeRequest.parse(SEED_REQUEST), SEED_RESPONSE


def test_check_seed_response() -> None:
    req, resp = seed_pair()
    check = check_response(req, HandshakeResponse.parse(resp))
    assert check.ok and check.error is None
    assert check.subprotocol == "chat"
    assert check.extensions == []
    check.raise_for_failure()
    assert "connection established" in check.text()
    assert "<table>" in check._repr_html_()
    assert all(s.outcome == "pass" for s in check.steps)


def failing(resp: bytes, extensions: Sequence[Extension] = (), req: bytes = SEED_REQUEST) -> InvalidResponse:
    check = check_response(HandshakeRequest.parse(req), HandshakeResponse.parse(resp), extensions)
    assert not check.ok
    assert check.error is not None
    assert check.steps[-1].outcome == "fail"
    assert check.subprotocol is None and check.extensions == []
    with pytest.raises(InvalidResponse):
        check.raise_for_failure()
    assert "FAILED" in check.text()
    return check.error


def test_check_status_not_101() -> None:
    err = failing(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    assert err.http_status == 404
    assert "404 'Not Found' instead of 101 Switching Protocols" in err.rule
    assert "must fail the WebSocket connection" in err.rule
    assert "§4.1" in err.section


def test_check_rejected_by_decide() -> None:
    req = HandshakeRequest.parse(SEED_REQUEST)
    decision = decide(req, ServerPolicy(origins=["https://other"]))
    check = check_response(req, decision.response)
    assert check.error is not None and check.error.http_status == 403


@pytest.mark.parametrize(
    ("old", "new", "words", "section"),
    [
        (b"Upgrade: websocket\r\n", b"", "Upgrade does not say websocket (no Upgrade header)",
         "check 2"),
        (b"Upgrade: websocket", b"Upgrade: h2c", "(h2c)", "check 2"),
        (b"Connection: Upgrade\r\n", b"", "no Connection header", "check 3"),
        (b"Connection: Upgrade", b"Connection: close", "token 'Upgrade' (close)", "check 3"),
        (b"Sec-WebSocket-Protocol: chat", b"Sec-WebSocket-Protocol: mqtt",
         "chose subprotocol 'mqtt', which the client did not offer", "check 6"),
        (b"Sec-WebSocket-Protocol: chat", b"Sec-WebSocket-Protocol: chat, superchat",
         "names 2 subprotocols", "§11.3.4"),
        (b"Sec-WebSocket-Protocol: chat", b"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat",
         "names 2 subprotocols", "§11.3.4"),
        (b"Sec-WebSocket-Protocol: chat", b"Sec-WebSocket-Extensions: x-fake",
         "uses extension 'x-fake', which the client did not offer", "check 5"),
        (b"Upgrade: websocket", b"Upgrade : websocket", "whitespace between header name",
         "RFC 7230 §3.2.4"),
        (b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
         "Sec-WebSocket-Accept appears 2 times", "§11.3.3"),
    ],
)  # fmt: skip
def test_check_failures(old: bytes, new: bytes, words: str, section: str) -> None:
    err = failing(SEED_RESPONSE.replace(old, new))
    assert words in err.rule, err.rule
    assert section in err.section
    assert "the client must fail the WebSocket connection" in err.rule
    assert not isinstance(err, InvalidAccept)


def test_check_wrong_accept_says_abort_with_both_values() -> None:
    wrong = base64.b64encode(b"\x00" * 20).decode()
    resp = SEED_RESPONSE.replace(SEED_ACCEPT.encode(), wrong.encode())
    err = failing(resp)
    assert isinstance(err, InvalidAccept)
    assert err.expected == SEED_ACCEPT and err.received == wrong
    text = str(err)
    assert SEED_ACCEPT in text and wrong in text and "abort" in text
    assert err.offset == resp.index(b"Sec-WebSocket-Accept")
    assert "§4.1" in err.section


def test_check_missing_accept() -> None:
    err = failing(SEED_RESPONSE.replace(b"Sec-WebSocket-Accept: " + SEED_ACCEPT.encode() + b"\r\n", b""))
    assert isinstance(err, InvalidAccept)
    assert err.received is None
    assert "received nothing" in str(err) and "abort" in str(err)


def test_check_request_without_key() -> None:
    req = request_with(("Sec-WebSocket-Key", None))
    err = failing(SEED_RESPONSE, req=req)
    assert err.fault == "local" and "no Sec-WebSocket-Key" in err.rule


def with_extensions(value: str) -> tuple[bytes, bytes]:
    req = HandshakeRequest.build("server.example.com/chat", extensions=["x-fake", "x-other"], key=SEED_KEY)
    resp = HandshakeResponse.switching_protocols(SEED_KEY, headers=[("Sec-WebSocket-Extensions", value)])
    return bytes(req), bytes(resp)


def test_check_extension_accepted() -> None:
    req, resp = with_extensions("x-fake; level=2")
    check = check_response(HandshakeRequest.parse(req), HandshakeResponse.parse(resp), [FakeExtension()])
    assert check.ok
    assert [e.agreed for e in check.extensions] == [ExtensionOffer("x-fake", (("level", "2"),))]


@pytest.mark.parametrize(
    ("value", "words", "fault"),
    [
        ("x-fake; bad", "extension x-fake: parameter 'bad' is not defined", "peer"),
        ("x-fake, x-fake", "lists extension 'x-fake' twice", "peer"),
        ("x-other", "no Extension object was given", "local"),
        ("x-nope", "which the client did not offer", "peer"),
        ("x-fake;", "Sec-WebSocket-Extensions: expected a parameter name", "peer"),
    ],
)
def test_check_extension_failures(value: str, words: str, fault: str) -> None:
    req, resp = with_extensions(value)
    err = failing(resp, [FakeExtension()], req=req)
    assert words in err.rule, err.rule
    assert err.fault == fault


def test_check_extension_header_twice() -> None:
    req, resp = with_extensions("x-fake")
    resp = resp.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: x-other\r\n\r\n")
    err = failing(resp, [FakeExtension(), FakeExtension("x-other")], req=req)
    assert "more than once" in err.rule and "§11.3.2" in err.section


def test_negotiation_error_keeps_its_section() -> None:
    req, resp = with_extensions("x-fake; bad")
    err = failing(resp, [FakeExtension()], req=req)
    assert err.section == "RFC 9999 §2"


# -- with the real permessage-deflate, when it is there ------------------------------------------------


def test_with_permessage_deflate() -> None:
    deflate = pytest.importorskip("wsexplorer.codec.deflate")
    pmd = deflate.PerMessageDeflate()
    req = HandshakeRequest.build("ws://h/", extensions=[pmd], rng=fixed_rng)
    assert req.extensions[0].name == "permessage-deflate"
    decision = decide(req, ServerPolicy(extensions=[deflate.PerMessageDeflate()]))
    assert decision.accepted, decision.reason
    assert len(decision.extensions) == 1 and decision.extensions[0].rsv1
    header = decision.response.get("Sec-WebSocket-Extensions")
    assert header is not None and header.startswith("permessage-deflate")
    check = check_response(req, decision.response, [pmd])
    assert check.ok, check.error
    assert check.extensions[0].rsv1


def test_permessage_deflate_bad_response_fails_the_client() -> None:
    deflate = pytest.importorskip("wsexplorer.codec.deflate")
    pmd = deflate.PerMessageDeflate()
    req = HandshakeRequest.build("ws://h/", extensions=[pmd], key=SEED_KEY)
    resp = HandshakeResponse.switching_protocols(
        SEED_KEY, extensions=[ExtensionOffer("permessage-deflate", (("server_max_window_bits", "7"),))]
    )
    check = check_response(req, resp, [pmd])
    assert not check.ok and check.error is not None
    assert "permessage-deflate" in check.error.rule


# -- properties --------------------------------------------------------------------------------------


seed_lines = SEED_REQUEST.split(b"\r\n")[1:-2]
variant_lines = [
    b"Host: other",
    b"Upgrade: h2c",
    b"Connection: keep-alive",
    b"Sec-WebSocket-Key: c2hvcnQ=",
    b"Sec-WebSocket-Version: 8",
    b"Origin: http://evil.example",
    b"Sec-WebSocket-Protocol: superchat",
    b"Sec-WebSocket-Extensions: x-fake; level=2",
    b"Sec-WebSocket-Extensions: x-other",
]


@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.sampled_from(seed_lines + variant_lines), max_size=12),
    st.sampled_from([None, ["http://example.com"]]),
    st.lists(st.sampled_from(["chat", "superchat", "mqtt"]), unique=True, max_size=3),
)
def test_whatever_the_server_accepts_the_client_accepts(
    lines: list[bytes], origins: list[str] | None, subprotocols: list[str]
) -> None:
    data = b"GET /chat HTTP/1.1\r\n" + b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    req = HandshakeRequest.parse(data)
    policy = ServerPolicy(origins, subprotocols, [FakeExtension()])
    decision = decide(req, policy)
    check = check_response(req, decision.response, [FakeExtension()])
    if decision.accepted:
        assert check.ok, check.error
        assert check.subprotocol == decision.subprotocol
        assert [e.agreed for e in check.extensions] == [e.agreed for e in decision.extensions]
    else:
        assert decision.status in (400, 403, 426)
        assert check.error is not None and check.error.http_status == decision.status
