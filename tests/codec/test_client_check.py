"""The client's check of the server's answer (RFC 6455 §4.1), and both verdicts together."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.extensions import Extension, ExtensionOffer, PerMessageDeflate
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.errors import InvalidAccept, InvalidResponse
from wsexplorer.render.describe import describe, html

from .handshake_samples import (
    SEED_ACCEPT,
    SEED_KEY,
    SEED_REQUEST,
    SEED_RESPONSE,
    FakeExtension,
    fixed_rng,
    request_with,
)

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
    assert "connection established" in describe(check)
    assert "<table>" in html(check)
    assert all(s.outcome == "pass" for s in check.steps)


def failing(resp: bytes, extensions: Sequence[Extension] = (), req: bytes = SEED_REQUEST) -> InvalidResponse:
    check = check_response(HandshakeRequest.parse(req), HandshakeResponse.parse(resp), extensions)
    assert not check.ok
    assert check.error is not None
    assert check.steps[-1].outcome == "fail"
    assert check.subprotocol is None and check.extensions == []
    with pytest.raises(InvalidResponse):
        check.raise_for_failure()
    assert "FAILED" in describe(check)
    return check.error


def test_check_status_not_101() -> None:
    err = failing(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    assert err.http_status == 404
    assert "the server answered 404 Not Found instead of 101 Switching Protocols" in err.rule
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
        (b"Upgrade: websocket\r\n", b"", "the answer has no Upgrade header", "check 2"),
        (b"Upgrade: websocket", b"Upgrade: h2c", "the Upgrade header says 'h2c', not 'websocket'", "check 2"),
        (b"Connection: Upgrade\r\n", b"", "no Connection header", "check 3"),
        (b"Connection: Upgrade", b"Connection: close",
         "the Connection header says 'close', which does not include the token 'Upgrade'", "check 3"),
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


def test_check_wrong_accept_says_fail_with_both_values() -> None:
    wrong = base64.b64encode(b"\x00" * 20).decode()
    resp = SEED_RESPONSE.replace(SEED_ACCEPT.encode(), wrong.encode())
    err = failing(resp)
    assert isinstance(err, InvalidAccept)
    assert err.expected == SEED_ACCEPT and err.received == wrong
    text = str(err)
    assert SEED_ACCEPT in text and wrong in text and "fail the WebSocket connection" in text
    assert err.offset == resp.index(b"Sec-WebSocket-Accept")
    assert "§4.1" in err.section


def test_accept_step_shows_the_value_on_the_wire_next_to_the_expected_one() -> None:
    wrong = base64.b64encode(b"\x00" * 20).decode()
    req = HandshakeRequest.parse(SEED_REQUEST)
    check = check_response(
        req, HandshakeResponse.parse(SEED_RESPONSE.replace(SEED_ACCEPT.encode(), wrong.encode()))
    )
    step = check.steps[-1]
    assert step.check == "Sec-WebSocket-Accept matches" and step.outcome == "fail"
    assert step.detail == (
        f"the server sent {wrong!r}, but the client expected {SEED_ACCEPT!r} = "
        f"base64(SHA-1({SEED_KEY!r} + GUID))"
    )
    good = check_response(req, HandshakeResponse.parse(SEED_RESPONSE))
    passed = next(s for s in good.steps if s.check == "Sec-WebSocket-Accept matches")
    assert passed.detail.startswith(f"the server sent {SEED_ACCEPT!r} = base64(SHA-1(")
    missing = check_response(
        req, HandshakeResponse.parse(SEED_RESPONSE.replace(b"Sec-WebSocket-Accept", b"X-Accept"))
    )
    assert missing.steps[-1].detail.startswith("the server sent no value, but the client expected")


def test_failed_step_says_the_rule_without_repeating_the_verdict() -> None:
    err_check = check_response(
        HandshakeRequest.parse(SEED_REQUEST), HandshakeResponse.parse(b"HTTP/1.1 403 Forbidden\r\n\r\n")
    )
    step = err_check.steps[-1]
    assert step.detail == "the server answered 403 Forbidden instead of 101 Switching Protocols"
    assert err_check.error is not None and err_check.error.rule.startswith(step.detail)


def test_check_missing_accept() -> None:
    err = failing(SEED_RESPONSE.replace(b"Sec-WebSocket-Accept: " + SEED_ACCEPT.encode() + b"\r\n", b""))
    assert isinstance(err, InvalidAccept)
    assert err.received is None
    assert "received nothing" in str(err) and "fail the WebSocket connection" in str(err)


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
    pmd = PerMessageDeflate()
    req = HandshakeRequest.build("ws://h/", extensions=[pmd], rng=fixed_rng)
    assert req.extensions[0].name == "permessage-deflate"
    decision = decide(req, ServerPolicy(extensions=[PerMessageDeflate()]))
    assert decision.accepted, decision.reason
    assert len(decision.extensions) == 1 and decision.extensions[0].rsv1
    header = decision.response.get("Sec-WebSocket-Extensions")
    assert header is not None and header.startswith("permessage-deflate")
    check = check_response(req, decision.response, [pmd])
    assert check.ok, check.error
    assert check.extensions[0].rsv1


def test_permessage_deflate_bad_response_fails_the_client() -> None:
    pmd = PerMessageDeflate()
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
