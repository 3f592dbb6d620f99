"""Tests for the handshake's HTTP messages (RFC 6455 §4, RFC 7230 §3): framing, parsing, building."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.anatomy import Span
from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.headers import TCHARS
from wsexplorer.codec.http import MAX_HEADER_BYTES, MAX_HEADER_LINES
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.errors import HandshakeParseError, TrailingBytes, WSExplorerError
from wsexplorer.render.describe import describe, html

from .handshake_samples import (
    RFC_1_3_REQUEST,
    SEED_ACCEPT,
    SEED_KEY,
    SEED_REQUEST,
    SEED_RESPONSE,
    FakeExtension,
    fixed_rng,
)

# -- parsing the seed --------------------------------------------------------------------------------


def test_parse_seed_request() -> None:
    req = HandshakeRequest.parse(SEED_REQUEST)
    assert bytes(req) == SEED_REQUEST
    assert req.violations == []
    assert (req.method, req.target, req.path, req.http_version) == (
        "GET",
        "/chat",
        "/chat",
        "HTTP/1.1",
    )
    assert req.host == "server.example.com"
    assert req.key == SEED_KEY
    assert req.version == "13"
    assert req.origin == "http://example.com"
    assert req.subprotocols == ["chat", "superchat"]
    assert req.extensions == []
    assert req.upgrade == ["websocket"] and req.connection == ["Upgrade"]
    assert [h.name for h in req.headers] == [
        "Host",
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Origin",
        "Sec-WebSocket-Protocol",
    ]
    assert req.get("sec-websocket-key") == req.get("SEC-WEBSOCKET-KEY") == SEED_KEY
    assert req.get("X-Missing") is None and req.get_all("X-Missing") == []
    assert "GET /chat HTTP/1.1" in repr(req) and "7 headers" in repr(req)


def test_header_line_spans() -> None:
    req = HandshakeRequest.parse(SEED_REQUEST)
    host = req.headers[0]
    assert (host.start, host.end) == (20, 46)
    assert host.name_span.raw(SEED_REQUEST) == b"Host"
    assert host.value_span.raw(SEED_REQUEST) == b"server.example.com"
    assert host.span == Span.of_bytes(20, 46)
    assert host.line_ending == "\r\n"
    line = req.start_line
    assert line.parts[1][2].raw(SEED_REQUEST) == b"/chat"
    assert line.part("version") == "HTTP/1.1"


def test_seed_request_fields() -> None:
    req = HandshakeRequest.parse(SEED_REQUEST)
    fields = req.fields
    assert len(fields) == 1 + 7 + 1
    assert fields[0].name == "Request line" and fields[0].value == "GET /chat HTTP/1.1"
    assert fields[-1].name == "End of headers" and fields[-1].raw == b"\r\n"
    # The fields tile the message: no gaps, no overlaps.
    pos = 0
    for f in fields:
        assert f.span.byte_start == pos
        assert f.raw == SEED_REQUEST[f.span.byte_start : f.span.byte_end]
        pos = f.span.byte_end
    assert pos == len(SEED_REQUEST)
    groups = {f.name: f.group for f in fields}
    for name in ("Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"):
        assert groups[name] == "required"
    for name in ("Origin", "Sec-WebSocket-Protocol"):
        assert groups[name] == "optional"
    by_name = {f.name: f for f in fields}
    assert "Request protocol upgrade" in by_name["Upgrade"].meaning
    assert "Indicates upgrade requested" in by_name["Connection"].meaning
    assert "Random base64 value" in by_name["Sec-WebSocket-Key"].meaning
    assert "refuse pages from other sites" in by_name["Origin"].meaning
    assert by_name["Sec-WebSocket-Key"].rfc_ref == "RFC 6455 §4.1 item 7"
    assert all(f.rfc_ref for f in fields)


def test_parse_rfc_1_3_request() -> None:
    req = HandshakeRequest.parse(RFC_1_3_REQUEST)
    assert bytes(req) == RFC_1_3_REQUEST and not req.violations
    assert req.version == "13" and req.subprotocols == ["chat", "superchat"]


def test_parse_seed_response() -> None:
    resp = HandshakeResponse.parse(SEED_RESPONSE)
    assert bytes(resp) == SEED_RESPONSE
    assert (resp.http_version, resp.status, resp.reason) == ("HTTP/1.1", 101, "Switching Protocols")
    assert resp.accept == SEED_ACCEPT
    assert resp.subprotocol == "chat"
    assert resp.extensions == []
    assert resp.body == b""
    assert not resp.violations
    groups = {f.name: f.group for f in resp.fields}
    assert groups["Sec-WebSocket-Accept"] == "required"
    assert groups["Sec-WebSocket-Protocol"] == "optional"
    assert groups["Status line"] == "required"
    assert "101" in describe(resp)


def test_response_body_is_kept() -> None:
    data = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope\n"
    resp = HandshakeResponse.parse(data)
    assert bytes(resp) == data
    assert resp.body == b"nope\n"
    assert resp.header_block == data[:-5]
    assert resp.fields[-1].name == "Body"
    assert "(5 bytes)" in describe(resp)


def test_equality_is_by_bytes() -> None:
    a = HandshakeRequest.parse(SEED_REQUEST)
    b = HandshakeRequest(bytearray(SEED_REQUEST))
    assert a == b and hash(a) == hash(b)
    assert a != HandshakeRequest.parse(RFC_1_3_REQUEST)
    assert a != SEED_REQUEST
    assert len(a) == len(SEED_REQUEST)


# -- odd but parseable input: kept byte for byte, problems recorded ----------------------------------

ODD_REQUESTS = [
    # bare LF line ends (tolerated, RFC 7230 §3.5)
    SEED_REQUEST.replace(b"\r\n", b"\n"),
    # mixed line ends, lowercase names, odd whitespace around values, empty value
    b"GET /chat?x=1 HTTP/1.1\r\nhost:server.example.com\nUPGRADE: \t websocket \t\r\n"
    b"connection:   keep-alive, Upgrade\r\nX-Empty:\r\n\n",
    # duplicate headers, in a strange order
    b"GET / HTTP/1.1\r\nSec-WebSocket-Key: a\r\nHost: a\r\nHost: b\r\n\r\n",
]


@pytest.mark.parametrize("data", ODD_REQUESTS)
def test_odd_requests_round_trip(data: bytes) -> None:
    req = HandshakeRequest.parse(data)
    assert bytes(req) == data
    assert not req.violations
    assert b"".join(f.raw for f in req.fields) == data


def test_odd_request_values() -> None:
    req = HandshakeRequest.parse(ODD_REQUESTS[1])
    assert req.target == "/chat?x=1" and req.path == "/chat"
    assert req.host == "server.example.com"
    assert req.get("Upgrade") == "websocket"
    assert req.connection == ["keep-alive", "Upgrade"]
    assert req.get("X-Empty") == ""
    assert req.headers[0].line_ending == "\n"
    assert "bare LF" in req.fields[1].meaning
    assert req.get_all("host") == ["server.example.com"]
    dup = HandshakeRequest.parse(ODD_REQUESTS[2])
    assert dup.get_all("Host") == ["a", "b"] and dup.host == "a"


@pytest.mark.parametrize(
    ("data", "words", "start", "section"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n", "obsolete line folding", 25, "§3.2.4"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", "no ':'", 16, "RFC 7230 §3.2"),
        (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", "whitespace between header name", 20, "§3.2.4"),
        (b"GET / HTTP/1.1\r\nH@st: a\r\n\r\n", "not a token", 17, "RFC 7230 §3.2"),
        (b"GET / HTTP/1.1\r\n: a\r\n\r\n", "header name is empty", 16, "RFC 7230 §3.2"),
        (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", "control character 0x00", 20, "RFC 7230 §3.2"),
        (b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", "control character 0x0d", 20, "RFC 7230 §3.2"),
        (b"GET  / HTTP/1.1\r\n\r\n", "exactly one space", 0, "RFC 7230 §3.1.1"),
        (b"G(T / HTTP/1.1\r\n\r\n", "method 'G(T' is not a token", 0, "RFC 7230 §3.1.1"),
        (b"GET /\x7f HTTP/1.1\r\n\r\n", "request-target", 5, "RFC 7230 §5.3"),
        (
            b"GET / HTTP/1.1\r\nConnection: Upgrade\r\nConnection: a b\r\n\r\n",
            "Connection: expected ',' or the end",
            51,
            "RFC 7230 §7",
        ),
        (
            b"GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat,\xe9\r\n\r\n",
            "Sec-WebSocket-Protocol: expected a token",
            45,
            "RFC 7230 §3.2.6",
        ),
        (
            b'GET / HTTP/1.1\r\nSec-WebSocket-Extensions: x; y="a b"\r\n\r\n',
            "not a token once unquoted",
            47,
            "RFC 6455 §9.1",
        ),
        (b"GET / HTTP/1.1\r\nUpgrade: HTTP/\r\n\r\n", "Upgrade: expected a protocol", 30, "§3.2.6"),
    ],
)
def test_violations_are_recorded_not_raised(data: bytes, words: str, start: int, section: str) -> None:
    req = HandshakeRequest.parse(data)
    assert bytes(req) == data
    assert len(req.violations) >= 1
    v = req.violations[0]
    assert words in v.rule, v.rule
    assert v.start == start
    assert section in v.section
    assert v.http_status == 400
    assert v.fault == "peer"
    assert str(v) in describe(req)
    # The server refuses with the first violation, citing the same place and section.
    decision = decide(req)
    assert decision.status == 400 and not decision.accepted
    assert decision.error is not None and decision.error.offset == start
    assert decision.steps[-1].check == "message syntax"


def test_violation_names_the_header() -> None:
    req = HandshakeRequest.parse(
        b"GET / HTTP/1.1\r\nsec-websocket-extensions: a;;\r\n\r\n",
    )
    assert req.violations[0].field == "sec-websocket-extensions"
    assert req.extensions == []


def test_malformed_line_becomes_a_field() -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nbroken\r\n\r\n"
    req = HandshakeRequest.parse(data)
    assert [f.name for f in req.fields] == ["Request line", "Host", "(malformed line)", "End of headers"]
    assert [h.name for h in req.headers] == ["Host"]


def test_response_violations_have_no_http_status() -> None:
    data = b"HTTP/1.1 101\r\nUpgrade: websocket\r\n\r\n"
    resp = HandshakeResponse.parse(data)
    assert bytes(resp) == data and resp.reason == ""
    assert resp.violations[0].http_status is None
    assert "followed by a space" in resp.violations[0].rule
    assert resp.violations[0].field == "Status line"
    req = HandshakeRequest.parse(b"GET  / HTTP/1.1\r\n\r\n")
    assert req.violations[0].field == "Request line"


# -- input that cannot be parsed at all ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words", "offset"),
    [
        (b"", "no blank line", 0),
        (b"GET / HTTP/1.1\r\nHost: a\r\n", "no blank line", 25),
        (b"\r\nGET / HTTP/1.1\r\n\r\n", "no request line", 0),
        (b"hello there\r\n\r\n", "no request line", 0),
        (b"GET /\r\n\r\n", "no request line", 0),
        (b"GET / HTTP/2\r\n\r\n", "no request line", 0),
        (b"GET / FTP/1.1\r\n\r\n", "no request line", 0),
    ],
)
def test_unparseable_requests_raise(data: bytes, words: str, offset: int) -> None:
    with pytest.raises(HandshakeParseError) as info:
        HandshakeRequest.parse(data)
    assert words in info.value.rule
    assert info.value.offset == offset
    assert info.value.http_status == 400
    assert info.value.section.startswith("RFC 7230")


def test_too_many_header_lines() -> None:
    lines = b"".join(b"X-%d: y\r\n" % i for i in range(MAX_HEADER_LINES))
    ok = HandshakeRequest.parse(b"GET / HTTP/1.1\r\n" + lines + b"\r\n")
    assert len(ok.headers) == MAX_HEADER_LINES
    data = b"GET / HTTP/1.1\r\n" + lines + b"X-last: y\r\n\r\n"
    with pytest.raises(HandshakeParseError) as info:
        HandshakeRequest.parse(data)
    assert str(MAX_HEADER_LINES) in info.value.rule
    assert info.value.offset == data.index(b"X-last")


def test_header_block_too_long() -> None:
    with pytest.raises(HandshakeParseError) as info:
        HandshakeRequest.parse(b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n")
    assert info.value.offset == MAX_HEADER_BYTES


def test_request_with_trailing_bytes() -> None:
    with pytest.raises(TrailingBytes) as info:
        HandshakeRequest.parse(SEED_REQUEST + b"\x81\x00")
    assert info.value.extra == 2
    assert info.value.offset == len(SEED_REQUEST)


@pytest.mark.parametrize(
    "data",
    [b"HTTP/1.1 1010 X\r\n\r\n", b"HTTP/1.1 abc X\r\n\r\n", b"HTTP/1.1\r\n\r\n", b"101 OK\r\n\r\n",
     b"HTTP/1.1 \xb9\xb2\xb3 X\r\n\r\n"],
)  # fmt: skip
def test_unparseable_responses_raise(data: bytes) -> None:
    with pytest.raises(HandshakeParseError, match="no status line"):
        HandshakeResponse.parse(data)


# -- building ------------------------------------------------------------------------------------------


def test_build_reproduces_the_seed_request() -> None:
    req = HandshakeRequest.build(
        "ws://server.example.com/chat",
        subprotocols=["chat", "superchat"],
        origin="http://example.com",
        key=SEED_KEY,
    )
    assert bytes(req) == SEED_REQUEST


def test_build_uses_injected_rng() -> None:
    req = HandshakeRequest.build("localhost/", rng=fixed_rng)
    assert req.key == "AQIDBAUGBwgJCgsMDQ4PEA=="
    assert HandshakeRequest.build("localhost/", rng=fixed_rng) == req


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        ("ws://example.com", "example.com", "/"),
        ("ws://example.com:80/chat", "example.com", "/chat"),
        ("ws://example.com:8080/chat?room=1", "example.com:8080", "/chat?room=1"),
        ("wss://example.com:443/", "example.com", "/"),
        ("wss://example.com:80/", "example.com:80", "/"),
        ("WS://Example.COM/Path", "example.com", "/Path"),
        ("example.com/chat", "example.com", "/chat"),
        ("localhost:8765", "localhost:8765", "/"),
        ("ws://[::1]:9000/x", "[::1]:9000", "/x"),
        ("ws://user@example.com/", "example.com", "/"),
        ("ws://example.com?q", "example.com", "/?q"),
    ],
)
def test_build_urls(url: str, host: str, target: str) -> None:
    req = HandshakeRequest.build(url, rng=fixed_rng)
    assert req.host == host
    assert req.target == target
    assert not req.violations
    assert decide(req).accepted


@pytest.mark.parametrize(
    "url",
    ["http://example.com/", "ws://example.com/#frag", "ws:///path", "ws://example.com/a b",
     "ws://example.com:99999/"],
)  # fmt: skip
def test_build_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        HandshakeRequest.build(url)


def test_build_extensions_and_headers() -> None:
    req = HandshakeRequest.build(
        "ws://h/",
        extensions=[
            FakeExtension(),
            ExtensionOffer("x-offer", (("a", "1"),)),
            "permessage-deflate; client_max_window_bits, x-two",
        ],
        headers={"User-Agent": "wsexplorer", "Cookie": "a=b"},
        rng=fixed_rng,
    )
    assert req.get("Sec-WebSocket-Extensions") == (
        "x-fake; level=1; fast, x-offer; a=1, permessage-deflate; client_max_window_bits, x-two"
    )
    assert [o.name for o in req.extensions] == [
        "x-fake",
        "x-offer",
        "permessage-deflate",
        "x-two",
    ]
    assert [h.name for h in req.headers][-2:] == ["User-Agent", "Cookie"]
    assert req.subprotocols == [] and req.get("Sec-WebSocket-Protocol") is None
    assert req.origin is None


def test_build_can_make_faulty_requests_on_purpose() -> None:
    req = HandshakeRequest.build("h/", key="short", version="8", headers=[("Host", "other")])
    assert req.get_all("Host") == ["h", "other"]
    assert req.key == "short" and req.version == "8"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"headers": [("X-Bad", "a\r\nInjected: yes")]},
        {"headers": [("Bad Name", "a")]},
        {"subprotocols": ["two words"]},
        {"extensions": ['x; y="a b"']},
    ],
)
def test_build_refuses_values_that_break_the_message(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        HandshakeRequest.build("h/", **kwargs)  # type: ignore[arg-type]


def test_build_response() -> None:
    resp = HandshakeResponse.build(403)
    assert bytes(resp) == b"HTTP/1.1 403 Forbidden\r\n\r\n"
    assert HandshakeResponse.build(599).reason == ""
    custom = HandshakeResponse.build(101, "Go ahead", [("Upgrade", "websocket")])
    assert bytes(custom) == b"HTTP/1.1 101 Go ahead\r\nUpgrade: websocket\r\n\r\n"
    with pytest.raises(ValueError):
        HandshakeResponse.build(42)


def test_switching_protocols_reproduces_the_seed_response() -> None:
    resp = HandshakeResponse.switching_protocols(SEED_KEY, subprotocol="chat")
    assert bytes(resp) == SEED_RESPONSE


def test_refusal_response() -> None:
    resp = HandshakeResponse.refusal(403, "go away", section="RFC 6455 §10.2")
    assert resp.status == 403
    assert resp.body == "go away (RFC 6455 §10.2)\n".encode()
    assert resp.get("Content-Length") == str(len(resp.body))
    assert resp.get("Connection") == "close"
    assert resp.get("Content-Type") == "text/plain; charset=utf-8"


# -- properties --------------------------------------------------------------------------------------


def exercise(msg: HandshakeRequest | HandshakeResponse) -> None:
    """Everything a notebook might call on a parsed message; none of it may raise."""
    fields = msg.fields
    assert b"".join(f.raw for f in fields) == bytes(msg)
    describe(msg)
    html(msg)
    repr(msg)
    for violation in msg.violations:
        str(violation)
    _ = (msg.extensions, msg.subprotocols, msg.connection, msg.upgrade, msg.http_version)


def parse_anything(data: bytes) -> None:
    """Parse ``data`` both ways; only wsexplorer errors may escape, and what parses must work."""
    for cls in (HandshakeRequest, HandshakeResponse):
        try:
            msg = cls.parse(data)
        except WSExplorerError:
            continue
        assert bytes(msg) == data
        exercise(msg)
        if isinstance(msg, HandshakeRequest):
            decision = decide(msg, ServerPolicy(origins=["http://a"], subprotocols=["chat"]))
            describe(decision)
        else:
            describe(check_response(HandshakeRequest.parse(SEED_REQUEST), msg))


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_wsexplorer_errors(data: bytes) -> None:
    parse_anything(data)


header_names = st.sampled_from(
    ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Origin",
     "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept", "X-Other",
     "host", "", "Bad Name"]
)  # fmt: skip
header_values = st.text(alphabet=st.sampled_from(list(' \t,;="\\abc13@/\x00\x7f\xe9')), max_size=12)
line_ends = st.sampled_from([b"\r\n", b"\n"])
start_lines = st.sampled_from(
    [b"GET /chat HTTP/1.1", b"POST / HTTP/1.0", b"GET  /x HTTP/1.1 ", b"HTTP/1.1 101 OK",
     b"HTTP/1.1 400 ", b"HTTP/1.1 101", b"GET /\xff HTTP/1.1"]
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(
    start_lines,
    st.lists(
        st.tuples(header_names, st.sampled_from([":", ": ", " :", ""]), header_values, line_ends),
        max_size=8,
    ),
    line_ends,
)
def test_structured_random_messages(
    start: bytes, lines: list[tuple[str, str, str, bytes]], end: bytes
) -> None:
    data = start + b"\r\n"
    for name, colon, value, ending in lines:
        data += (name + colon + value).encode("latin-1") + ending
    data += end
    parse_anything(data)


subprotocol_tokens = st.text(alphabet=sorted(TCHARS), min_size=1, max_size=8)
extension_offers = st.builds(
    ExtensionOffer,
    subprotocol_tokens,
    st.lists(st.tuples(subprotocol_tokens, st.none() | subprotocol_tokens), max_size=3).map(tuple),
)


@settings(deadline=None)
@given(
    host=st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5})?", fullmatch=True),
    port=st.none() | st.integers(1, 65535),
    secure=st.booleans(),
    path=st.from_regex(r"(/[A-Za-z0-9._~%-]{0,6}){0,3}(\?[a-z=&]{0,8})?", fullmatch=True),
    subprotocols=st.lists(subprotocol_tokens, max_size=3),
    offers=st.lists(extension_offers, max_size=3),
    origin=st.none() | st.just("https://example.com"),
    nonce=st.binary(min_size=16, max_size=16),
)
def test_build_then_parse_is_consistent(
    host: str,
    port: int | None,
    secure: bool,
    path: str,
    subprotocols: list[str],
    offers: list[ExtensionOffer],
    origin: str | None,
    nonce: bytes,
) -> None:
    scheme = "wss" if secure else "ws"
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"
    req = HandshakeRequest.build(
        url, subprotocols=subprotocols, extensions=offers, origin=origin, rng=lambda n: nonce
    )
    again = HandshakeRequest.parse(bytes(req))
    assert again == req and not req.violations
    assert req.subprotocols == subprotocols
    assert req.extensions == offers
    assert req.origin == origin
    assert req.key == base64.b64encode(nonce).decode()
    default = 443 if secure else 80
    assert req.host == (host if port in (None, default) else f"{host}:{port}")
    expected_target = path if path.startswith("/") else "/" + path
    assert req.target == expected_target
    decision = decide(req, ServerPolicy(subprotocols=subprotocols[-1:]))
    assert decision.accepted, decision.reason
    check = check_response(req, decision.response)
    assert check.ok, check.error
    assert check.subprotocol == (subprotocols[-1] if subprotocols else None)
