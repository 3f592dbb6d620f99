"""Redaction of credentials in recorded header blocks: same length, offsets intact, checked against the
codec's handshake parsers, and the same whatever the chunking."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.http import MAX_HEADER_BYTES, find_header_end, split_lines
from wsexplorer.errors import WSExplorerError
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.redact import (
    SENSITIVE_HEADERS,
    HeaderRedactor,
    Redaction,
    redact_session,
    redact_stream,
)
from wsexplorer.record.session import C2S, S2C, Session

REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: example.test\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"Authorization: Bearer s3cr3t-token\r\n"
    b"cookie: session=abc; theme=dark\r\n"
    b"PROXY-AUTHORIZATION:Basic dXNlcjpwYXNz\r\n"
    b"\r\n"
)
RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"Set-Cookie: id=a3fWa; Max-Age=2592000\r\n"
    b"\r\n"
)
SECRETS = [
    b"Bearer s3cr3t-token",
    b"session=abc; theme=dark",
    b"Basic dXNlcjpwYXNz",
    b"id=a3fWa; Max-Age=2592000",
]


def test_default_list() -> None:
    assert {n.lower() for n in SENSITIVE_HEADERS} == {
        "authorization",
        "cookie",
        "set-cookie",
        "proxy-authorization",
    }
    assert "sec-websocket-key" not in {n.lower() for n in SENSITIVE_HEADERS}


def test_each_sensitive_value_becomes_stars_of_the_same_length() -> None:
    out, found = redact_stream(REQUEST)
    assert len(out) == len(REQUEST)
    for secret in SECRETS[:3]:
        at = REQUEST.index(secret)
        assert out[at : at + len(secret)] == b"*" * len(secret)
        assert secret not in out
    # Names are matched case-insensitively and kept as sent; everything else is untouched.
    assert [(r.name, REQUEST[r.start : r.end]) for r in found] == [
        ("Authorization", SECRETS[0]),
        ("cookie", SECRETS[1]),
        ("PROXY-AUTHORIZATION", SECRETS[2]),
    ]
    assert all(r.direction == C2S for r in found)
    assert b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" in out
    changed = {i for i in range(len(out)) if out[i] != REQUEST[i]}
    assert changed == {i for r in found for i in range(r.start, r.end)}


def test_the_redacted_request_still_parses_with_the_same_lines() -> None:
    out, found = redact_stream(REQUEST)
    before, after = HandshakeRequest.parse(REQUEST), HandshakeRequest.parse(out)
    assert [(h.name, h.start, h.end) for h in after.headers] == [
        (h.name, h.start, h.end) for h in before.headers
    ]
    assert after.get("Authorization") == "*" * len(SECRETS[0])
    assert after.key == before.key
    assert [r.span.byte_start for r in found] == [h.value_span.byte_start for h in before.headers[5:8]]
    assert isinstance(found[0], Redaction) and found[0].as_json() == {
        "direction": 0,
        "name": "Authorization",
        "start": found[0].start,
        "end": found[0].end,
    }


def test_response_set_cookie() -> None:
    out, found = redact_stream(RESPONSE, direction=S2C)
    assert SECRETS[3] not in out and len(out) == len(RESPONSE)
    assert [(r.direction, r.name) for r in found] == [(S2C, "Set-Cookie")]
    assert HandshakeResponse.parse(out).get("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_nothing_after_the_header_block_changes() -> None:
    tail = b"\x81\x15Authorization: hello!"  # a frame whose payload looks like a header line
    out, found = redact_stream(REQUEST + tail)
    assert out.endswith(tail) and len(found) == 3


def test_a_value_split_at_every_byte_is_redacted_the_same() -> None:
    whole, found = redact_stream(REQUEST)
    for cut in range(len(REQUEST) + 1):
        r = HeaderRedactor(C2S)
        out = r.feed(REQUEST[:cut]) + r.feed(REQUEST[cut:])
        assert out == whole, cut
        assert r.take_completed() + r.finish() == found


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, len(REQUEST + RESPONSE)), max_size=12))
def test_any_chunking_gives_the_same_bytes(cuts: list[int]) -> None:
    data = REQUEST + b"\x81\x00" * 3
    whole, found = redact_stream(data)
    r = HeaderRedactor()
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    out = b"".join(r.feed(data[a:b]) for a, b in itertools.pairwise(bounds))
    assert out == whole and r.finish() == found


def test_folded_continuation_of_a_secret_is_redacted() -> None:
    data = b"GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1;\r\n \t b=2\r\nX-Other: keep\r\n  folded-keep\r\n\r\n"
    out, found = redact_stream(data)
    assert (
        out
        == b"GET / HTTP/1.1\r\nHost: h\r\nCookie: ****\r\n \t ***\r\nX-Other: keep\r\n  folded-keep\r\n\r\n"
    )
    assert [(r.name, data[r.start : r.end]) for r in found] == [("Cookie", b"a=1;"), ("Cookie", b"b=2")]


def test_odd_lines() -> None:
    # bare LF line ends, whitespace before ':', trailing whitespace, an empty value, a stray CR
    data = b"GET / HTTP/1.1\nCookie :  x y \t\nAuthorization:\nAuthorization: a\rb\r\r\nCookie\n\n"
    out, found = redact_stream(data)
    assert out == b"GET / HTTP/1.1\nCookie :  *****\nAuthorization:\nAuthorization: *\r*\r\r\nCookie\n\n"
    assert find_header_end(out) == find_header_end(data) == len(data)
    assert [(r.name, r.start, r.end) for r in found] == [
        ("Cookie", 25, 30),
        ("Authorization", 61, 64),
    ]


def test_the_start_line_is_never_a_header() -> None:
    data = b"Cookie: not-a-header\r\nCookie: yes\r\n\r\n"
    out, _ = redact_stream(data)
    assert out == b"Cookie: not-a-header\r\nCookie: ***\r\n\r\n"


def test_a_stream_cut_mid_value_is_redacted_to_the_cut() -> None:
    r = HeaderRedactor(C2S)
    out = r.feed(b"GET / HTTP/1.1\r\nAuthorization: Bear")
    assert out.endswith(b"Authorization: ****") and r.take_completed() == []
    assert r.finish() == [Redaction(C2S, "Authorization", 31, 35)]
    assert r.done and r.feed(b"er x\r\n") == b"er x\r\n"


def test_no_blank_line_within_the_bound() -> None:
    filler = b"X-Pad: " + b"p" * 100 + b"\r\n"
    head = b"GET / HTTP/1.1\r\n" + filler * (MAX_HEADER_BYTES // len(filler) + 1)
    data = head + b"Cookie: late\r\n\r\n"
    with pytest.raises(WSExplorerError):
        find_header_end(data)  # the codec sees no header block either
    out, found = redact_stream(data)
    assert out == data and found == []
    # A sensitive line that is open at the bound is redacted to its end, however long.
    start = MAX_HEADER_BYTES - 20
    data = (
        b"GET / HTTP/1.1\r\n"
        + b"X: "
        + b"a" * (start - 21)
        + b"\r\nCookie: "
        + b"c" * 5000
        + b"\r\nX: after\r\n"
    )
    out, found = redact_stream(data)
    assert [(r.name, r.end - r.start) for r in found] == [("Cookie", 5000)]
    assert out.endswith(b"*" * 5000 + b"\r\nX: after\r\n")


def test_custom_names_and_bad_names() -> None:
    out, found = redact_stream(REQUEST, ["Sec-WebSocket-Key"])
    assert b"dGhlIHNhbXBsZSBub25jZQ==" not in out and SECRETS[0] in out and len(found) == 1
    out, found = redact_stream(REQUEST, "cookie")  # one name, not its letters
    assert [r.name for r in found] == ["cookie"]
    assert redact_stream(REQUEST, []) == (REQUEST, [])
    with pytest.raises(ValueError, match="not a header name"):
        redact_stream(REQUEST, ["Bad Name"])


def test_redact_session_leaves_the_session_alone() -> None:
    lb = Loopback(
        Connection("client", url="ws://h/", headers=[("Authorization", "Bearer secret"), ("Cookie", "a=b")]),
        Connection("server"),
    )
    lb.pump()
    lb.client.send_text("Authorization: Bearer secret")
    lb.pump()
    s = lb.session
    before = (s.stream(C2S), s.stream(S2C))
    (c2s, s2c), found = redact_session(s)
    assert (s.stream(C2S), s.stream(S2C)) == before and b"Bearer secret" in before[0]
    assert b"Bearer secret" not in c2s[: s.frames_start(C2S)] and s2c == before[1]
    assert [r.name for r in found] == ["Authorization", "Cookie"]
    # the frames after the handshake are untouched (the text frame's masked payload included)
    start = s.frames_start(C2S)
    assert start is not None and c2s[start:] == before[0][start:]
    plain = Session("client", handshake=False)
    plain.record(C2S, b"Cookie: x\r\n\r\n", 1)
    assert redact_session(plain) == ((b"Cookie: x\r\n\r\n", b""), [])


_NAMES = st.sampled_from(
    [
        "Host",
        "Cookie",
        "COOKIE",
        "authorization",
        "Set-Cookie",
        "X-Token",
        "Sec-WebSocket-Key",
        "Proxy-Authorization",
    ]
)
_VALUE = st.text(  # Latin-1 text, with the odd stray CR or tab a peer may send
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    | st.sampled_from("\r\t"),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(_NAMES, st.sampled_from(["", " ", "\t "]), _VALUE, st.sampled_from(["", " "])), max_size=8
    ),
    st.sampled_from(["\r\n", "\n"]),
    st.lists(st.integers(0, 400), max_size=6),
)
def test_agrees_with_the_codec_parser(
    lines: list[tuple[str, str, str, str]], eol: str, cuts: list[int]
) -> None:
    """Every non-CR byte of a sensitive header's parsed value is redacted, and nothing outside the
    values of sensitive lines changes; the header block and its lines stay where they were; fed in
    pieces, the same comes out."""
    text = "GET / HTTP/1.1" + eol + "".join(f"{n}:{lead}{v}{trail}{eol}" for n, lead, v, trail in lines) + eol
    data = text.encode("latin-1")
    out, found = redact_stream(data)
    assert len(out) == len(data) and find_header_end(out) == find_header_end(data)
    request = HandshakeRequest.parse(data)
    sensitive = {n.lower() for n in SENSITIVE_HEADERS}
    allowed: set[int] = set()
    for line in request.headers:
        if line.name.lower() in sensitive:
            span = line.value_span
            assert all(out[i] == 0x2A for i in range(span.byte_start, span.byte_end) if data[i] != 0x0D)
            content_end = next(c for s, c, _ in split_lines(data, len(data)) if s == line.start)
            allowed.update(range(span.byte_start, content_end))
    assert {i for i in range(len(data)) if out[i] != data[i]} <= allowed
    assert [h.name for h in HandshakeRequest.parse(out).headers] == [h.name for h in request.headers]
    assert all(data[r.start : r.end].strip(b" \t") for r in found)
    r = HeaderRedactor()
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    assert b"".join(r.feed(data[a:b]) for a, b in itertools.pairwise(bounds)) == out and r.finish() == found


def test_a_huge_sensitive_value_is_redacted_in_bulk() -> None:
    """A value that never ends (a hostile peer) costs a scan, not a Python step per byte."""
    head = b"GET / HTTP/1.1\r\nCookie: "
    data = head + b"c\r" * 10_000_000
    started = time.perf_counter()
    r = HeaderRedactor()
    out = r.feed(data[:7_000_000]) + r.feed(data[7_000_000:])
    assert time.perf_counter() - started < 2
    assert out[len(head) :] == b"*\r" * 10_000_000
    assert r.finish() == [Redaction(C2S, "Cookie", len(head), len(data) - 1)]
