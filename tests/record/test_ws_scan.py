"""Judging a connection by its first bytes: the opening handshake, TLS, or a run of frames found from
the middle of a stream, with masking telling the client from the server."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest
from wsexplorer.record.ws_scan import (
    SCAN_WINDOW,
    find_frame_start,
    frame_run,
    http_request_start,
    judge_start,
    websocket_upgrade,
)

KEY = b"\x11\x22\x33\x44"
REQUEST = bytes(HandshakeRequest.build("ws://h.example/x", key="dGhlIHNhbXBsZSBub25jZQ=="))


def frames(*items: Frame) -> bytes:
    return b"".join(bytes(f) for f in items)


def test_frame_run_checks_each_header() -> None:
    good = frames(Frame.text("a", mask=KEY), Frame.ping(b"", mask=KEY), Frame.close(1000, mask=KEY))
    assert frame_run(good, 0, masked=True) == frame_run(good, 0, masked=True, limit=3)
    assert frame_run(good, 0, masked=True).frames == 3 and frame_run(good, 0, masked=True).end == len(good)
    assert not frame_run(good, 0, masked=False).plausible  # masking is the client's (RFC 6455 §5.1)
    bad = {
        "reserved opcode": bytes([0x83, 0x00]),
        "RSV2": bytes([0xA1, 0x00]),
        "RSV1 on a ping": bytes([0xC9, 0x00]),
        "long control": bytes([0x89, 0x7E, 0x00, 0x7E]) + bytes(126),
        "fragmented control": bytes([0x09, 0x00]),
        "non-minimal length": bytes([0x81, 0x7E, 0x00, 0x05]) + b"hello",
        "continuation after a final frame": frames(Frame.text("a"), Frame.continuation("b")),
        "text inside a fragmented message": frames(Frame.text("a", fin=False), Frame.text("b")),
    }
    for name, data in bad.items():
        assert not frame_run(data, 0, masked=False).plausible, name
    assert frame_run(
        frames(Frame.continuation("end"), Frame.text("x")), 0, masked=False
    ).plausible  # joined midway
    assert frame_run(frames(Frame.text("x", rsv1=True)), 0, masked=False).compressed


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text("abcdefghijklmnopqrstuvwxyz ", min_size=0, max_size=300), min_size=4, max_size=10),
    cut=st.integers(0, 10_000),
)
def test_the_next_frame_boundary_is_found_from_anywhere(texts: list[str], cut: int) -> None:
    items = [Frame.text(t.encode()) if t.strip() else Frame.ping(b"") for t in texts]
    data = frames(*items)
    bounds = [0]
    for f in items:
        bounds.append(bounds[-1] + len(bytes(f)))
    cut %= bounds[-4] + 1  # leave at least three whole frames after the cut
    expected = next(b for b in bounds if b >= cut)
    run = find_frame_start(data[cut:], masked=False)
    assert run is not None and cut + run.start == expected


def test_masked_frames_from_the_middle() -> None:
    items = [
        Frame.binary(bytes(range(200)), mask=KEY),
        Frame.text("b", mask=KEY),
        Frame.text("c", mask=KEY),
        Frame.close(mask=KEY),
    ]
    data = frames(*items)
    run = find_frame_start(data[50:], masked=True)
    assert run is not None and run.start == len(bytes(items[0])) - 50
    assert find_frame_start(data[50:], masked=False) is None
    two = frames(Frame.text("a"), Frame.text("b"))
    assert find_frame_start(two, masked=False) is None  # two frames could be chance...
    assert find_frame_start(two, masked=False, final=True) is not None  # ...unless they end the stream


def test_http_request_start() -> None:
    assert http_request_start(REQUEST) is True
    assert http_request_start(b"GE") is None and http_request_start(b"GET /x HT") is None
    assert (
        http_request_start(b"\x81\x05hello") is False and http_request_start(b"get / HTTP/1.1\r\n") is False
    )
    assert http_request_start(b"SSH-2.0-OpenSSH\r\n") is False


def test_websocket_upgrade() -> None:
    request = websocket_upgrade(REQUEST + b"\x81\x80")
    assert not isinstance(request, str) and request is not None and request.path == "/x"
    assert websocket_upgrade(REQUEST[:-2]) is None
    plain = websocket_upgrade(b"GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n")
    assert isinstance(plain, str) and "HTTP without Upgrade" in plain
    too_long = websocket_upgrade(b"GET / HTTP/1.1\r\nX: " + b"a" * 20000)
    assert isinstance(too_long, str) and "16384" in too_long


def test_judge_start_verdicts() -> None:
    server = frames(Frame.text("hi"), Frame.text("you"), Frame.close(1000))
    client = frames(Frame.text("yo", mask=KEY), Frame.ping(b"", mask=KEY), Frame.close(1000, mask=KEY))
    assert judge_start((REQUEST, b""), 0, (False, False)) is not None
    assert judge_start((REQUEST[:20], b""), 0, (False, False)) is None  # wait for the header block
    assert judge_start((REQUEST[:20], b""), 0, (True, True)).kind == "other"  # type: ignore[union-attr]
    verdict = judge_start((server, client), None, (False, False))  # joined midway, server seen first
    assert (
        verdict is not None and verdict.kind == "websocket" and verdict.client == 1 and not verdict.handshake
    )
    late = judge_start((b"", REQUEST), None, (False, False))
    assert late is not None and late.client == 1 and late.notes[0][0] == "mid-connection"
    waiting = judge_start((client, b""), None, (False, False))
    assert waiting is not None and waiting.unknown == (1,)
    assert judge_start((b"\x17\x03\x03\x00\x10" + bytes(16), b""), None, (False, False)).kind == "tls"  # type: ignore[union-attr]
    noise = bytes(range(256)) * (SCAN_WINDOW // 256 + 1)
    assert judge_start((noise, b""), None, (False, False)).kind == "other"  # type: ignore[union-attr]
    assert judge_start((b"\x00" * 10, b""), 0, (False, False)).reason == "neither HTTP nor TLS"  # type: ignore[union-attr]
