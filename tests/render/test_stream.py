"""The byte-stream view: HTTP lines, the marker at the exact byte where frames start, then frames."""

from __future__ import annotations

import re

from tests.render.html_checker import parse_html
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.stream import MARKER, MAX_LINES, stream_html, stream_rows, stream_text, visible

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3


def recorded(
    *,
    response: bytes | None = None,
    frames: int = 2,
    request_headers: list[tuple[str, str]] | None = None,
) -> tuple[Session, bytes, bytes]:
    """A client session: the request, the response, then ``frames`` echo pairs (deterministic)."""
    request = bytes(
        HandshakeRequest.build(
            "ws://server.example.com/chat", key=KEY, subprotocols=["chat"], headers=request_headers or []
        )
    )
    answer = response if response is not None else bytes(HandshakeResponse.switching_protocols(KEY))
    session = Session("client")
    session.record(C2S, request, 1)
    session.record(S2C, answer, 2)
    t = 3
    for i in range(frames):
        session.record(C2S, bytes(Frame.text(f"Hello {i}", mask=b"abcd")), t)
        session.record(S2C, bytes(Frame.text(f"Hello {i}")), t + 1)
        t += 2
    return session, request, answer


def test_the_marker_sits_after_the_blank_line_that_ends_the_response() -> None:
    session, request, response = recorded()
    rows = stream_rows(session)
    (marker,) = [r for r in rows if r.kind == "marker"]
    assert marker.direction == S2C and marker.offset == len(response)
    assert response.endswith(b"\r\n\r\n")
    assert f"server→client byte {len(response)} " in marker.meaning
    assert f"client→server byte {len(request)} " in marker.meaning
    # Before the marker: every line of both messages; after it: frames only.
    before = rows[: rows.index(marker)]
    after = rows[rows.index(marker) + 1 :]
    assert {r.kind for r in before} == {"heading", "http"}
    assert {r.kind for r in after} == {"heading", "field"}
    blank = [r for r in before if r.name == "End of headers"]
    assert [(r.direction, r.offset) for r in blank] == [(C2S, len(request) - 2), (S2C, len(response) - 2)]
    text = stream_text(session)
    assert MARKER in text and text.index("HTTP/1.1 101 Switching Protocols") < text.index(MARKER)
    html = stream_html(session)
    assert f'data-direction="1" data-offset="{len(response)}"' in html


def test_frames_come_in_completion_order_with_their_stream_offsets() -> None:
    session, request, response = recorded(frames=2)
    headings = [r for r in stream_rows(session) if r.kind == "heading"][2:]
    assert [(r.direction, r.offset) for r in headings] == [
        (C2S, len(request)),
        (S2C, len(response)),
        (C2S, len(request) + 13),  # 2 + 4 (key) + 7 ("Hello 0")
        (S2C, len(response) + 9),
    ]
    assert headings[0].meaning == "frame 1: text frame, 7-byte payload, masked"
    assert headings[1].meaning == "frame 2: text frame, 7-byte payload, not masked"
    fields = [r for r in stream_rows(session) if r.kind == "field" and r.direction == C2S][:3]
    assert [r.offset for r in fields] == [len(request), len(request) + 2, len(request) + 6]
    assert fields[0].shown == "81 87" and fields[0].meaning.startswith("FIN=1 RSV1=0")
    assert fields[1].shown == "61 62 63 64" and fields[1].name == "masking key"
    assert "'Hello 0'" in fields[2].meaning


def test_a_refusal_has_no_marker_and_shows_its_body() -> None:
    refusal = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nno <b>way"
    session, _, _ = recorded(response=refusal, frames=0)
    rows = stream_rows(session)
    assert not [r for r in rows if r.kind == "marker"]
    assert any("answered 403, not 101" in r.meaning for r in rows if r.kind == "note")
    body = [r for r in rows if r.name == "Body"]
    assert body and body[-1].offset == refusal.index(b"no <b>") and body[-1].shown == "no <b>way"
    html = stream_html(session)
    assert MARKER not in html and "no &lt;b&gt;way" in html


def test_everything_recorded_is_escaped() -> None:
    evil = [("X-Evil", "<script>alert(1)</script>"), ("X-Quote", '"><img src=x onerror=alert(1)>')]
    session, _, _ = recorded(request_headers=evil)
    checker = parse_html(stream_html(session))
    tags = {tag for tag, _ in checker.tags}
    assert "script" not in tags and "img" not in tags
    assert "<script>alert(1)</script>" in "".join(checker.text)


def test_line_ends_and_controls_are_visible() -> None:
    assert visible(b"GET / HTTP/1.1\r\n") == "GET / HTTP/1.1\\r\\n"
    assert visible(b"a\x00b\x1bc\xffd\xe2\x80\xaee") == "a\\x00b\\x1bc\\xffd\\u202ee"
    assert visible("§ é".encode()) == "§ é"
    session, _, _ = recorded(frames=0)
    html = stream_html(session)
    assert html.count('title="carriage return"') == html.count('title="line feed"') > 10


def test_bounded_frames_payload_and_lines() -> None:
    session, _, _ = recorded(frames=5)
    session.record(S2C, bytes(Frame.binary(bytes(300))), 100)
    rows = stream_rows(session, max_frames=3, max_payload=4)
    assert len([r for r in rows if r.kind == "heading"]) == 2 + 3
    assert (
        rows[-1].kind == "note" and rows[-1].meaning == f"{session.frame_count() - 3} more frames not shown"
    )
    big = stream_rows(session, max_frames=20, max_payload=4)
    payload = [r for r in big if r.name == "payload data"][-1]
    assert payload.shown == "00 00 00 00 … (+296 bytes)"
    many = [(f"X-{i}", "v") for i in range(MAX_LINES + 10)]
    crowded, _, _ = recorded(request_headers=many, frames=0)
    request_lines = [r for r in stream_rows(crowded) if r.kind == "http" and r.direction == C2S]
    assert len(request_lines) == MAX_LINES
    assert any(r.meaning.endswith("more lines not shown") for r in stream_rows(crowded))


def test_sessions_without_a_whole_handshake() -> None:
    partial = Session("client")
    partial.record(C2S, b"GET / HTTP/1.1\r\nHost: a\r\n", 1)  # no blank line yet
    rows = stream_rows(partial)
    assert [r.kind for r in rows] == ["note", "note"]
    assert "no complete HTTP header block" in rows[0].meaning and MARKER not in stream_text(partial)
    bare = Session("client", handshake=False)
    bare.record(C2S, bytes(Frame.text("hi", mask=b"abcd")), 1)
    rows = stream_rows(bare)
    assert rows[0].meaning == "recorded without a handshake: frames from byte 0"
    assert rows[1].kind == "heading" and rows[1].offset == 0


def test_html_is_self_contained_fits_the_width_and_follows_the_theme() -> None:
    session, _, _ = recorded()
    html = stream_html(session)
    parse_html(html)
    assert html.startswith('<div class="wsx-stream"><style>')
    assert "max-width: 100%" in html and "width: 100%" in html and "overflow-wrap: anywhere" in html
    for variable in (
        "--jp-layout-color2",
        "--jp-border-color2",
        "--jp-brand-color1",
        "--wsx-c2s",
        "--wsx-s2c",
    ):
        assert f"var({variable}" in html
    assert re.search(r"<caption>[^<]+</caption>", html) and '<th scope="col">' in html
    assert "<a " not in html and "http://" not in html.replace("http://example.com", "")
