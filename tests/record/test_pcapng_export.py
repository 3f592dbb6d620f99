"""Session -> pcapng: tshark dissects it as WebSocket, and importing it gives back the same streams,
chunks and timestamps (with sequence numbers that wrap, IPv6 addresses, clocks before 1970)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.pcap import import_capture
from wsexplorer.record.pcapng_export import MAX_SEGMENT, export_pcapng
from wsexplorer.record.session import C2S, S2C, Session

from .capture_samples import messages, our_frames, tshark_fields, tshark_frames

BIG = bytes(range(256)) * 600  # 153,600 bytes: split into segments of at most 65,000


def loopback_session(*, headers: tuple[tuple[str, str], ...] = ()) -> Session:
    """A client's recording: deflate, a fragmented text, a ping, a big binary message, a close."""
    wire = Loopback(
        Connection(
            "client", url="ws://chat.example:8765/room", extensions=[PerMessageDeflate()], headers=headers
        ),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
        clock=iter(range(1_700_000_000_000_000_000, 1_800_000_000_000_000_000, 1_234_567)).__next__,
    )
    wire.pump()
    wire.client.send_text("hello " * 30, fragment_size=50)
    wire.client.send_ping(b"p")
    wire.client.send_binary(BIG)
    wire.pump()
    wire.server.send("hello back")
    wire.pump()
    wire.client.send_close(1000, "done")
    wire.pump()
    return wire.session


def columns(session: Session) -> list[list[int]]:
    return [list(c) for c in session.chunk_columns()]


def test_round_trip_gives_the_same_streams_chunks_and_times(tmp_path: Path) -> None:
    session = loopback_session()
    export_pcapng(session, tmp_path / "s.pcapng")
    result = import_capture(tmp_path / "s.pcapng")
    assert result.findings == [] and result.format == "pcapng"
    (ws,) = result.websockets
    back = ws.session
    assert back.stream(C2S) == session.stream(C2S) and back.stream(S2C) == session.stream(S2C)
    directions, lengths, times = session.chunk_columns()
    expected: list[tuple[int, int, int]] = []
    for d, n, t in zip(
        directions, lengths, times, strict=True
    ):  # a chunk above 65,000 bytes comes back split
        expected += [(d, min(MAX_SEGMENT, n - k), t) for k in range(0, n, MAX_SEGMENT)]
    assert list(zip(*back.chunk_columns(), strict=True)) == expected
    assert messages(back, C2S) == messages(session, C2S) and messages(back, S2C) == ["hello back"]
    assert (ws.client, ws.server) == ("127.0.0.1:50000", "127.0.0.1:80")


def test_tshark_dissects_the_export_as_websocket(tmp_path: Path) -> None:
    path = tmp_path / "s.pcapng"
    export_pcapng(loopback_session(), path, isn=(2**32 - 300, 2**32 - 7))  # sequence numbers wrap
    ws = import_capture(path).websockets[0]
    assert our_frames(ws) == tshark_frames(path)
    texts = tshark_fields(path, "websocket.payload.text", display="websocket.opcode == 1")
    assert ["hello back"] in texts  # the server's compressed message, inflated by tshark
    assert tshark_fields(path, "tcp.analysis.flags", display="tcp.analysis.flags") == []  # no TCP complaints


def test_addresses_from_meta_ipv6_and_live_roles(tmp_path: Path) -> None:
    session = loopback_session()
    session.meta.update(client_address="[::1]:40000", server_address="[::1]:9001")
    export_pcapng(session, tmp_path / "v6.pcapng")
    ws = import_capture(tmp_path / "v6.pcapng").websockets[0]
    assert (ws.client, ws.server) == ("[::1]:40000", "[::1]:9001")
    assert ws.session.stream(S2C) == session.stream(S2C)
    live = Session("server", meta={"local_address": "127.0.0.2:7000", "remote_address": "127.0.0.3:5555"})
    for d, _, data, t in session.chunks():
        live.record(d, data, t)
    export_pcapng(live, tmp_path / "live.pcapng")
    ws = import_capture(tmp_path / "live.pcapng").websockets[0]
    assert (ws.client, ws.server) == ("127.0.0.3:5555", "127.0.0.2:7000")  # a server's remote is the client


def test_credentials_are_redacted_unless_asked(tmp_path: Path) -> None:
    session = loopback_session(headers=(("Authorization", "Bearer s3cret"),))
    export_pcapng(session, tmp_path / "r.pcapng")
    redacted = import_capture(tmp_path / "r.pcapng").websockets[0].session
    assert b"s3cret" not in redacted.stream(C2S) and b"Authorization: " + b"*" * 13 in redacted.stream(C2S)
    assert len(redacted.stream(C2S)) == len(session.stream(C2S))
    export_pcapng(session, tmp_path / "k.pcapng", redact=False)
    assert import_capture(tmp_path / "k.pcapng").websockets[0].session.stream(C2S) == session.stream(C2S)


def _session_from(stream_c: bytes, stream_s: bytes, cuts: list[int], start: int, step: int) -> Session:
    session = Session("client")
    positions = [0, 0]
    t = start
    for k, cut in enumerate(cuts):
        d = k % 2
        data = (stream_c, stream_s)[d]
        n = max(1, cut % 200)
        piece = data[positions[d] : positions[d] + n]
        if piece:
            session.record(C2S if d == 0 else S2C, piece, t)
            positions[d] += len(piece)
            t += step
    for d, data in enumerate((stream_c, stream_s)):
        if positions[d] < len(data):
            session.record(C2S if d == 0 else S2C, data[positions[d] :], t)
    return session


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(cuts=[219, 13], start=0, step=0, isn=(0, 0))  # a request line cut right after its CR
@given(
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
    start=st.integers(-(2**62), 2**62),
    step=st.integers(0, 10**9),
    isn=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
)
def test_any_chunking_clock_and_isn_round_trips(
    cuts: list[int], start: int, step: int, isn: tuple[int, int], tmp_path: Path
) -> None:
    reference = loopback_session()
    session = _session_from(reference.stream(C2S), reference.stream(S2C), cuts, start, step)
    path = tmp_path / "h.pcapng"
    export_pcapng(session, path, isn=isn)
    back = import_capture(path).websockets[0].session
    assert back.stream(C2S) == session.stream(C2S) and back.stream(S2C) == session.stream(S2C)
    original = [
        (d, t) for d, n, t in zip(*session.chunk_columns(), strict=True) for _ in range(0, n, MAX_SEGMENT)
    ]
    assert list(zip(back.chunk_columns()[0], back.chunk_columns()[2], strict=True)) == original


def test_an_empty_session_still_writes_a_connection(tmp_path: Path) -> None:
    export_pcapng(Session("client"), tmp_path / "e.pcapng")
    result = import_capture(tmp_path / "e.pcapng")
    assert result.packet_count == 6 and result.websockets == [] and result.other_count == 1


@pytest.mark.parametrize("bad", ["nonsense", "1.2.3.4", "[::1]:99999", "example.org:80"])
def test_unreadable_addresses_fall_back_to_loopback(bad: str, tmp_path: Path) -> None:
    session = loopback_session()
    session.meta.update(client_address=bad, server_address="127.0.0.1:81")
    export_pcapng(session, tmp_path / "f.pcapng")
    ws = import_capture(tmp_path / "f.pcapng").websockets[0]
    assert ws.client == "127.0.0.1:50000"
