"""Capture import: real tcpdump captures of websockets peers on loopback, checked frame by frame against
tshark; reordered, duplicated, conflicting, cut and mid-connection captures; link types; TLS with SNI;
other protocols on any port; bounded memory on a 100 MB capture.
"""

from __future__ import annotations

import random
import struct
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import dpkt  # type: ignore[import-untyped]
import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.errors import CaptureFormatError
from wsexplorer.record.capture import OtherConnection, TLSConnection, WebSocketCapture
from wsexplorer.record.capture_file import CapturedPacket
from wsexplorer.record.pcap import import_capture
from wsexplorer.record.session import C2S, S2C

from .capture_samples import (
    DEFLATE,
    MESSAGES,
    PLAIN,
    TLS,
    Flow,
    cut_to,
    make_captures,
    messages,
    our_frames,
    read_packets,
    rewrite,
    tshark_frames,
    write_pcap,
)


def single(path: Path, **kwargs: object) -> WebSocketCapture:
    result = import_capture(path, **kwargs)  # type: ignore[arg-type]
    (ws,) = result.websockets
    return ws


# -- the committed samples (no tools needed) -----------------------------------------------------------------


def test_plain_sample_is_the_conversation_with_capture_times() -> None:
    result = import_capture(PLAIN)
    assert result.format == "pcap" and result.packet_count == 28
    assert result.tls == [] and result.other == [] and result.findings == []
    (ws,) = result.websockets
    session = ws.session
    assert session.handshake and not ws.midstream
    assert session.request is not None and session.request.path == "/echo"
    assert session.response is not None and session.response.status == 101
    assert messages(session, C2S) == MESSAGES and messages(session, S2C) == MESSAGES
    meta = session.meta
    assert meta["client_address"] == ws.client and meta["server_address"] == ws.server
    assert meta["capture_file"] == str(PLAIN) and meta["packets"] == {"first": 1, "last": 28, "count": 28}
    assert meta["url"].startswith("ws://127.0.0.1:") and meta["url"].endswith("/echo")
    packets = {p.number: p for p in read_packets(PLAIN)}
    _, _, times = session.chunk_columns()
    assert [packets[n].t_ns for n in ws.chunk_packets] == list(times)  # each chunk at its packet's time
    assert ws.packet_at(C2S, 0) == 4  # the GET
    assert session.summary() is not None


def test_deflate_sample_is_inflated_by_the_replay_path() -> None:
    ws = single(DEFLATE)
    session = ws.session
    assert session.response is not None and "permessage-deflate" in str(
        session.response.get("Sec-WebSocket-Extensions")
    )
    assert any(bytes(f.frame)[0] & 0x40 for f in session.frames(C2S))  # compressed frames (RSV1)
    assert messages(session, C2S) == MESSAGES and messages(session, S2C) == MESSAGES
    for d in (C2S, S2C):
        replay = session.replay(d)
        assert all(replay.frame(i).violations == () for i in range(session.frame_count(d)))


def test_tls_sample_is_listed_as_tls_with_its_server_name() -> None:
    result = import_capture(TLS)
    assert result.websockets == [] and result.other == []
    (tls,) = result.tls
    assert tls.server_name == "localhost"
    assert tls.hello is not None and tls.hello.complete and tls.hello.violations == []
    assert 0x0304 in tls.hello.versions


@pytest.mark.parametrize("path", [PLAIN, DEFLATE], ids=["plain", "deflate"])
def test_samples_agree_with_tshark_frame_by_frame(path: Path) -> None:
    assert our_frames(single(path)) == tshark_frames(path)


# -- fresh captures: tcpdump on loopback, now ----------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("captures")
    make_captures(out, "plain", "deflate", "tls", large=100_000)
    return out


@pytest.mark.parametrize("name", ["ws_plain.pcap", "ws_deflate.pcapng"])
def test_fresh_captures_agree_with_tshark(fresh: Path, name: str) -> None:
    ws = single(fresh / name)
    assert messages(ws.session, S2C) == [*MESSAGES, "x" * 100_000]
    assert ws.session.frame(C2S, 0).frame.opcode == 1
    assert our_frames(ws) == tshark_frames(fresh / name)


def test_fresh_wss_capture_is_tls_with_sni(fresh: Path) -> None:
    result = import_capture(fresh / "wss_tls.pcap")
    assert result.websockets == [] and [t.server_name for t in result.tls] == ["localhost"]


def test_reordered_and_duplicated_segments_give_the_same_streams(fresh: Path, tmp_path: Path) -> None:
    source = fresh / "ws_plain.pcap"
    original = single(source).session

    def shuffle(packets: list[CapturedPacket]) -> list[CapturedPacket]:
        rng = random.Random(7)
        head, rest = packets[:3], packets[3:]
        out = []
        for k in range(0, len(rest), 3):  # reorder within windows of three, duplicate every fourth packet
            window = rest[k : k + 3]
            rng.shuffle(window)
            out += window
        for k in range(len(out) - 1, 0, -4):
            out.insert(k, out[k])
        return head + out

    target = tmp_path / "shuffled.pcap"
    rewrite(source, target, shuffle)
    ws = single(target)
    assert ws.session.stream(C2S) == original.stream(C2S) and ws.session.stream(S2C) == original.stream(S2C)
    assert messages(ws.session, S2C) == messages(original, S2C)
    assert any(f.kind == "retransmission" for f in ws.findings)
    assert not any(f.kind in ("gap", "conflict") for f in ws.findings)
    times = list(ws.session.chunk_columns()[2])
    assert times == sorted(times)


# -- hand-made and rewritten captures ------------------------------------------------------------------------


def _drop(numbers: set[int]) -> Callable[[list[CapturedPacket]], list[CapturedPacket]]:
    return lambda packets: [p for p in packets if p.number not in numbers]


def test_mid_connection_start_at_a_frame_boundary(tmp_path: Path) -> None:
    target = tmp_path / "late.pcap"
    rewrite(PLAIN, target, _drop(set(range(1, 8))))  # no SYN, no handshake: the capture starts with frames
    full = single(PLAIN).session
    ws = single(target)
    session = ws.session
    assert ws.midstream and not session.handshake and session.request is None
    for d in (C2S, S2C):
        assert [bytes(f.frame) for f in session.frames(d)] == [bytes(f.frame) for f in full.frames(d)]
    assert messages(session, S2C) == MESSAGES
    assert "first frame boundary" in session.meta["assumption"]
    assert any(f.kind == "mid-connection" for f in ws.findings)


def test_mid_connection_start_inside_a_frame(tmp_path: Path) -> None:
    key = b"\x01\x02\x03\x04"
    client = [
        Frame.text("a" * 300, mask=key),
        Frame.text("next", mask=key),
        Frame.ping(b"p", mask=key),
        Frame.close(1000, mask=key),
    ]
    server = [Frame.text("b" * 300), Frame.text("next"), Frame.pong(b"p"), Frame.close(1000)]
    c_bytes = b"".join(bytes(f) for f in client)
    s_bytes = b"".join(bytes(f) for f in server)
    packets = Flow().connection([c_bytes[120:]], [s_bytes[200:]], syn=False)  # both cut mid-payload
    write_pcap(tmp_path / "mid.pcap", packets)
    ws = single(tmp_path / "mid.pcap")
    session = ws.session
    assert [bytes(f.frame) for f in session.frames(C2S)] == [bytes(f) for f in client[1:]]
    assert [bytes(f.frame) for f in session.frames(S2C)] == [bytes(f) for f in server[1:]]
    assert ws.client.endswith(":50123") and ws.midstream
    rest = len(bytes(client[0])) - 120  # what was left of the first frame when the capture began
    assert f"client→server byte {rest}" in session.meta["assumption"]
    assert "server→client not seen yet" in session.meta["assumption"]
    assert any(f.rule.endswith(f"byte {len(bytes(server[0])) - 200}") for f in ws.findings)


def test_mid_connection_with_the_server_speaking_first_finds_the_client_by_masking(tmp_path: Path) -> None:
    key = b"\x09\x08\x07\x06"
    server = b"".join(bytes(f) for f in [Frame.text("hi"), Frame.text("there"), Frame.ping(b"")])
    client = b"".join(
        bytes(f) for f in [Frame.text("ok", mask=key), Frame.pong(b"", mask=key), Frame.close(mask=key)]
    )
    flow = Flow()
    packets = [flow.packet(1, 700, server, flags=0x18), flow.packet(0, 300, client, flags=0x18)]
    write_pcap(tmp_path / "s.pcap", packets)
    ws = single(tmp_path / "s.pcap")
    assert ws.client.endswith(":50123")  # the masked side, though it spoke second
    assert messages(ws.session, C2S) == ["ok"] and messages(ws.session, S2C) == ["hi", "there"]


def test_a_lost_segment_cuts_the_stream_there(tmp_path: Path) -> None:
    target = tmp_path / "lost.pcap"
    rewrite(PLAIN, target, _drop({12}))  # the client's long text frame never reached the capture
    full = single(PLAIN).session
    ws = single(target)
    (gap,) = [f for f in ws.findings if f.kind == "gap"]
    first_lost = full.frame(C2S, 2)
    assert (gap.direction, gap.start, gap.end) == (
        C2S,
        first_lost.offset,
        first_lost.offset + len(first_lost.frame),
    )
    assert ws.session.stream(C2S) == full.stream(C2S)[: first_lost.offset]  # never glued over the hole
    assert ws.session.stream(S2C) == full.stream(S2C)
    assert any(f.kind == "cut" and f.direction == C2S for f in ws.findings)


def test_conflicting_retransmission_keeps_the_first_copy(tmp_path: Path) -> None:
    target = tmp_path / "conflict.pcap"

    def conflict(packets: list[CapturedPacket]) -> list[CapturedPacket]:
        original = packets[7]  # packet 8: the client's first text frame
        forged = replace(original, number=0, data=original.data[:-1] + bytes([original.data[-1] ^ 0xFF]))
        return [*packets[:8], forged, *packets[8:]]

    rewrite(PLAIN, target, conflict)
    ws = single(target)
    assert messages(ws.session, C2S) == MESSAGES
    (found,) = [f for f in ws.findings if f.kind == "conflict"]
    assert found.direction == C2S and found.packets == (8, 9) and "first copy is kept" in found.rule
    assert found.end is not None and found.start == found.end - 1


def test_snapshot_length_cuts_become_gaps_or_errors(tmp_path: Path) -> None:
    target = tmp_path / "snap.pcap"
    rewrite(
        PLAIN, target, lambda ps: [cut_to(p, 400) if p.number == 14 else p for p in ps]
    )  # the binary frame
    ws = single(target)
    assert [m for m in messages(ws.session, C2S)] == MESSAGES[:3]
    assert any(f.kind == "snapshot length" and f.packets == (14,) for f in ws.findings)
    assert any(f.kind == "gap" and "snapshot length" in f.rule for f in ws.findings)
    with pytest.raises(CaptureFormatError) as err:
        import_capture(target, strict=True)
    assert err.value.member == "packet 14" and err.value.field == "captured packet length"


def test_headers_cut_by_the_snapshot_length_are_reported(tmp_path: Path) -> None:
    target = tmp_path / "tiny.pcap"
    rewrite(PLAIN, target, lambda ps: [cut_to(p, 40) for p in ps])
    result = import_capture(target)
    assert result.websockets == []
    assert result.skipped.get("headers cut by the snapshot length") == 28
    assert result.findings_count == 28 and result.findings[0].kind == "snapshot length"


@pytest.mark.parametrize(
    ("linktype", "header"),
    [
        (0, struct.pack("=I", 2)),  # BSD loopback, host byte order
        (108, struct.pack(">I", 2)),  # OpenBSD loopback, network byte order
        (113, struct.pack(">HHH8sH", 0, 772, 6, b"\0" * 8, 0x0800)),  # Linux cooked capture
        (276, struct.pack(">HHIHBB8s", 0x0800, 0, 1, 772, 0, 6, b"\0" * 8)),  # Linux cooked capture v2
        (101, b""),  # raw IP
        (228, b""),  # raw IPv4
    ],
    ids=["null", "loop", "sll", "sll2", "raw", "ipv4"],
)
def test_link_types(tmp_path: Path, linktype: int, header: bytes) -> None:
    packets = [
        replace(p, data=header + p.data[14:], orig_len=p.orig_len - 14 + len(header))
        for p in read_packets(PLAIN)
    ]
    write_pcap(tmp_path / "linked.pcap", packets, linktype=linktype)
    session = single(tmp_path / "linked.pcap").session
    assert session.stream(C2S) == single(PLAIN).session.stream(C2S)
    assert messages(session, S2C) == MESSAGES


def test_unsupported_link_type_is_refused(tmp_path: Path) -> None:
    write_pcap(tmp_path / "wifi.pcap", read_packets(PLAIN), linktype=105)
    with pytest.raises(CaptureFormatError) as err:
        import_capture(tmp_path / "wifi.pcap")
    assert err.value.member == "packet 1" and err.value.field == "link type" and "105" in str(err.value)


def _handshake(path: str = "/chat") -> tuple[bytes, bytes]:
    request = HandshakeRequest.build(f"ws://example.test{path}", key="dGhlIHNhbXBsZSBub25jZQ==")
    response = HandshakeResponse.switching_protocols("dGhlIHNhbXBsZSBub25jZQ==")
    return bytes(request), bytes(response)


def test_any_port_and_other_protocols(tmp_path: Path) -> None:
    request, response = _handshake()
    ws_flow = Flow(client=(b"\x0a\x00\x00\x01", 40000), server=(b"\x0a\x00\x00\x02", 443))
    http_flow = Flow(
        client=(b"\x0a\x00\x00\x01", 40001), server=(b"\x0a\x00\x00\x02", 8765), t_ns=ws_flow.t_ns + 5
    )
    other_flow = Flow(
        client=(b"\x0a\x00\x00\x01", 40002), server=(b"\x0a\x00\x00\x02", 22), t_ns=ws_flow.t_ns + 9
    )
    packets = (
        ws_flow.connection(
            [request, bytes(Frame.text("hi", mask=b"abcd"))], [response, bytes(Frame.text("hi"))]
        )
        + http_flow.connection([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], [b"HTTP/1.1 200 OK\r\n\r\n"])
        + other_flow.connection([], [b"SSH-2.0-OpenSSH_9.2\r\n"])
    )
    write_pcap(tmp_path / "mixed.pcap", [replace(p, number=k + 1) for k, p in enumerate(packets)])
    result = import_capture(tmp_path / "mixed.pcap")
    (ws,) = result.websockets
    assert ws.server == "10.0.0.2:443" and messages(ws.session, S2C) == ["hi"]
    assert ws.session.meta["url"] == "ws://example.test/chat"
    reasons = sorted(o.reason for o in result.other)
    assert len(reasons) == 2 and result.other_count == 2
    assert any("HTTP without Upgrade" in r for r in reasons) and any(
        "client sent nothing" in r for r in reasons
    )


def test_a_new_connection_on_the_same_four_tuple(tmp_path: Path) -> None:
    request, response = _handshake()
    flow = Flow()
    first = flow.connection([request, bytes(Frame.text("one", mask=b"abcd"))], [response], isn=(10, 20))
    second = flow.connection([request, bytes(Frame.text("two", mask=b"abcd"))], [response], isn=(9000, 9900))
    write_pcap(tmp_path / "twice.pcap", first + second)
    result = import_capture(tmp_path / "twice.pcap")
    assert [messages(w.session, C2S) for w in result.websockets] == [["one"], ["two"]]


# -- bounds --------------------------------------------------------------------------------------------------


def _bulk_capture(path: Path, size: int, first: bytes) -> int:
    """A capture of one connection carrying ``size`` bytes in 64,000-byte segments, written fast."""
    flow = Flow()
    chunk = first + bytes(64_000 - len(first))
    with open(path, "wb") as file:
        file.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        syn = flow.frame(0, 99, flags=dpkt.tcp.TH_SYN)
        file.write(struct.pack("<IIII", 1, 0, len(syn), len(syn)) + syn)
        seq = 100
        for k in range(size // len(chunk)):
            data = flow.frame(0, seq, chunk if k == 0 else bytes(len(chunk)))
            file.write(struct.pack("<IIII", 1, k + 1, len(data), len(data)) + data)
            seq += len(chunk)
    return path.stat().st_size


def test_a_100_mb_capture_imports_in_bounded_memory_with_progress(tmp_path: Path) -> None:
    path = tmp_path / "bulk.pcap"
    size = _bulk_capture(path, 100 << 20, b"\x00")
    assert size > 100 << 20
    seen: list[tuple[int, int]] = []
    tracemalloc.start()
    try:
        result = import_capture(path, progress=lambda done, total: seen.append((done, total)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (
        result.websockets == []
        and result.other_count == 1
        and "neither HTTP nor TLS" in result.other[0].reason
    )
    assert peak < 8 << 20, f"peak {peak} bytes"
    assert seen[-1] == (size, size) and len(seen) > 50
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_max_bytes_bounds_the_websocket_streams_kept(tmp_path: Path) -> None:
    request, _ = _handshake()
    path = tmp_path / "big.pcap"
    size = 4 << 20
    body = size // 64_000 * 64_000 - len(request) - 14  # one binary frame fills the rest of the stream
    header = bytes([0x82, 0xFF]) + body.to_bytes(8, "big") + b"mask"
    _bulk_capture(path, size, request + header)
    with pytest.raises(CaptureFormatError) as err:
        import_capture(path, max_bytes=1 << 20)
    assert err.value.field == "max_bytes" and err.value.member.startswith("packet ")
    session = import_capture(path, max_bytes=None).websockets[0].session
    assert session.byte_count(C2S) == size // 64_000 * 64_000 and session.frame_count(C2S) == 1


def test_missing_file_is_a_capture_format_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureFormatError, match="cannot open"):
        import_capture(tmp_path / "nope.pcap")


def test_past_the_connection_limit_the_least_recent_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wsexplorer.record.pcap as pcap_module

    monkeypatch.setattr(pcap_module, "MAX_CONNECTIONS", 2)
    request, response = _handshake()
    packets: list[CapturedPacket] = []
    for k in range(4):
        flow = Flow(client=(b"\x0a\x00\x00\x01", 40000 + k), t_ns=1_700_000_000_000_000_000 + k)
        packets += flow.connection([request, bytes(Frame.text(f"m{k}", mask=b"abcd"))], [response])
    packets.sort(key=lambda p: p.t_ns)  # four connections at once, interleaved
    write_pcap(tmp_path / "many.pcap", [replace(p, number=n + 1) for n, p in enumerate(packets)])
    result = import_capture(tmp_path / "many.pcap")
    assert sum(f.kind == "limit" for f in result.findings) >= 4
    outcomes: list[WebSocketCapture | TLSConnection | OtherConnection] = [
        *result.websockets,
        *result.tls,
        *result.other,
    ]
    stray = result.skipped.get("no data on a connection not seen before", 0)  # FINs of closed connections
    assert sum(o.packets.count for o in outcomes) + stray == len(packets)  # every packet counted once
    assert result.other_count == len(result.other)


def test_capture_starting_with_the_servers_answer(tmp_path: Path) -> None:
    target = tmp_path / "answer.pcap"
    rewrite(PLAIN, target, _drop(set(range(1, 6))))  # the request is gone, the 101 is the first byte seen
    full = single(PLAIN).session
    ws = single(target)
    assert ws.midstream and "the server's answer to it was captured" in ws.session.meta["assumption"]
    for d in (C2S, S2C):
        assert [bytes(f.frame) for f in ws.session.frames(d)] == [bytes(f.frame) for f in full.frames(d)]


def test_missing_capture_tools_fail_under_ci_and_skip_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from .capture_samples import require_tools

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="tshark"):
        require_tools("tshark")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="setup-capture-tools"):
        require_tools("tshark")
