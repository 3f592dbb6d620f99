"""Bounds under a hostile peer (issue findings 1-4, 6-8): a failed connection stops reading, pongs and
unread messages stop the peer instead of growing memory, recordings have a budget, replays have the
live limits, credentials are redacted, timeouts hold.

Where memory is measured, the wsexplorer side runs in its own process (tests/live/bounded_peer.py) and
reports the kernel's peak resident set; the hostile side is here, on loopback. Volumes are modest in
the default suite; ``make stress`` runs the long versions (benchmarks/stress.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import wsexplorer as wsx
from wsexplorer.codec.frames import Frame
from wsexplorer.live.websocket import AFTER_FAILURE_BYTES
from wsexplorer.record.session import C2S, S2C, Session

PEER = Path(__file__).with_name("bounded_peer.py")
ROOT = Path(__file__).resolve().parents[2]
LIMIT_KB = 64 * 1024  # every fault case stays under +64 MiB resident
KEY = b"\x11\x22\x33\x44"
UPGRADE = (
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class Peer:
    """A bounded_peer.py process: its JSON lines, one at a time."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, str(PEER), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

    def ask(self) -> dict[str, Any]:
        """Ask a server peer for its report now (its connection may never end on its own)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"report\n")
        self.proc.stdin.flush()
        return self.line()

    def line(self, timeout: float = 30.0) -> dict[str, Any]:
        import select

        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if ready:
            raw = self.proc.stdout.readline()
            if raw:
                return dict(json.loads(raw))
        self.proc.kill()
        self.proc.wait(10)
        err = self.proc.stderr.read().decode() if self.proc.stderr else ""
        raise AssertionError(f"the peer said nothing: {err[-2000:]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    started: list[Peer] = []
    yield started
    for p in started:
        p.close()


def server(peers: list[Peer], handler: str, *options: str) -> tuple[Peer, int]:
    p = Peer("server", handler, *options)
    peers.append(p)
    url = p.line()["url"]
    return p, int(url.rsplit(":", 1)[1].strip("/"))


def opened(port: int, *, receive_buffer: int | None = None) -> socket.socket:
    """A raw TCP client that has completed the opening handshake."""
    s = socket.socket()
    if receive_buffer is not None:  # before connecting, so the window is small from the start
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(UPGRADE)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101")
    return s


def grew(summary: dict[str, Any]) -> int:
    return int(summary["rss_peak_kb"]) - int(summary["rss_start_kb"])


def send_until_blocked(s: socket.socket, data: bytes, *, seconds: float = 3.0) -> int:
    """Send ``data``; return how many bytes went before the peer stopped taking them (or closed)."""
    s.settimeout(seconds)
    sent = 0
    view = memoryview(data)
    try:
        while sent < len(data):
            sent += s.send(view[sent : sent + 65536])
    except (TimeoutError, ConnectionResetError, BrokenPipeError):
        pass
    return sent


# -- 1. a failed connection stops reading ---------------------------------------------------------------


def test_the_server_stops_reading_after_failing_a_connection(peers: list[Peer]) -> None:
    """One message past max_message_size: 1009, then at most AFTER_FAILURE_BYTES more are read."""
    peer, port = server(peers, "echo")
    s = opened(port)
    header = bytes([0x82, 0xFF]) + (512 << 20).to_bytes(8, "big") + KEY  # a 512 MiB binary message
    sent = len(header) + send_until_blocked(s, header + bytes(64 << 20)) - len(header)
    s.close()
    summary = peer.line()
    assert sent < 64 << 20, "the server kept reading"
    assert "stopped reading" in summary["meta"]["recording_stopped"]["reason"]
    assert summary["bytes"] <= (1 << 20) + AFTER_FAILURE_BYTES + (1 << 20)  # limit + budget + a read
    assert grew(summary) < LIMIT_KB


def test_a_client_stops_reading_after_a_refused_handshake(peers: list[Peer]) -> None:
    """A server that sends an endless header block: HandshakeParseError at 16 KiB, then 64 KiB more."""
    sent = [0]

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\n")
        try:
            while sent[0] < 256 << 20:
                writer.write(b"X-Filler: " + b"y" * 1000 + b"\r\n")
                sent[0] += 1012
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    async def run() -> dict[str, Any]:
        srv = await asyncio.start_server(endless, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        p = Peer("client", f"ws://127.0.0.1:{port}/", "refused")
        peers.append(p)
        summary = await asyncio.get_running_loop().run_in_executor(None, p.line)
        srv.close()
        await srv.wait_closed()
        return summary

    summary = asyncio.run(run())
    assert "HandshakeParseError" in summary["error"] and "16384" in summary["error"]
    assert summary["bytes"] < 16384 + AFTER_FAILURE_BYTES + (1 << 20)
    assert sent[0] < 64 << 20, "the client kept reading"
    assert grew(summary) < LIMIT_KB


# -- 2, 3. back-pressure: pongs and unread messages stop the peer -----------------------------------------


def test_pings_from_a_peer_that_never_reads_stop_it(peers: list[Peer]) -> None:
    peer, port = server(peers, "echo", "--record", "meta")
    s = opened(port, receive_buffer=4096)
    pings = bytes(Frame.ping(b"abcd", mask=KEY)) * 3_000_000  # 30 MB of pings, 18 MB of pongs
    sent = send_until_blocked(s, pings)
    summary = peer.ask()  # the server stopped reading: it may not notice the close until it reads
    s.close()
    assert sent < len(pings), "the server kept reading while its pongs piled up"
    assert grew(summary) < LIMIT_KB


def test_unread_messages_pause_reading_at_a_byte_bound(peers: list[Peer]) -> None:
    peer, port = server(peers, "sink", "--record", "meta")
    s = opened(port)
    message = bytes(Frame.binary(bytes((1 << 20) - 64), mask=KEY))
    sent = send_until_blocked(s, message * 200)  # 200 MB offered
    summary = peer.ask()
    s.close()
    assert sent < 32 << 20, "the server's queue did not stop it"  # 4 MiB queue + socket buffers
    assert grew(summary) < LIMIT_KB


def test_a_client_that_never_reads_pauses_too(peers: list[Peer]) -> None:
    sizes: dict[str, int] = {}

    async def flood(ws: Any) -> None:
        await asyncio.sleep(1.0)  # the client is up and idle: its memory before the flood
        pid = peers[-1].proc.pid
        sizes["before"] = _rss(pid)
        payload = os.urandom(512 << 10)  # incompressible: permessage-deflate cannot shrink it
        try:
            for _ in range(400):  # 200 MiB offered to a client that never reads
                await asyncio.wait_for(ws.send(payload), 3)
        except asyncio.TimeoutError:
            sizes["blocked"] = 1
        sizes["after"] = _rss(pid)

    async def run() -> None:
        async with wsx.serve(flood, record="meta", close_timeout=1) as srv:
            peers.append(Peer("client", srv.url, "no-read"))
            deadline = time.monotonic() + 30
            while "after" not in sizes and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            peers[-1].proc.kill()

    asyncio.run(run())
    assert sizes.get("blocked") == 1, "the client kept reading"
    assert sizes["after"] - sizes["before"] < LIMIT_KB


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


# -- 4. recordings with a budget -------------------------------------------------------------------------


async def test_a_server_keeps_a_bounded_number_of_sessions() -> None:
    finished: list[Session] = []
    async with wsx.serve_echo(on_session=finished.append) as srv:
        for _ in range(120):
            async with wsx.connect(srv.url) as ws:
                await ws.send("x")
                await ws.recv()
        for _ in range(50):  # bare TCP connects and resets
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        await asyncio.sleep(0.3)
    assert len(srv.sessions) == wsx.live.server.KEEP_SESSIONS == 100
    assert len(finished) >= 120  # every finished connection reached the callback
    async with wsx.serve_echo(record="off") as srv, wsx.connect(srv.url) as ws:
        await ws.send("x")
        await ws.recv()
    assert len(srv.sessions) == 0


async def test_a_recording_stops_at_its_byte_limit_and_says_where() -> None:
    async with wsx.serve_echo() as srv, wsx.connect(srv.url, record_limit=20_000, extensions=None) as ws:
        for _ in range(5):
            await ws.send("y" * 10_000)
            await ws.recv()
    stopped = ws.session.meta["recording_stopped"]
    assert ws.session.byte_count() == 20_000 and "20,000 bytes" in stopped["reason"]
    assert ws.session.meta["unrecorded_bytes"]["c2s"] + ws.session.meta["unrecorded_bytes"]["s2c"] > 0


async def test_control_only_and_handshake_only_recordings() -> None:
    async with wsx.serve_echo() as srv:
        async with wsx.connect(srv.url, record="control", extensions=None) as ws:
            await ws.send("a long data message " * 50)
            await ws.recv()
            await ws.ping(b"p")
        async with wsx.connect(srv.url, record="handshake") as hs:
            await hs.send("data")
            await hs.recv()
    kinds = [r.frame.opcode.name for r in ws.session.frames()]
    assert kinds == ["PING", "PONG", "CLOSE", "CLOSE"]  # exact control frames, no data frame
    assert ws.session.request is not None and ws.session.response is not None
    assert hs.session.frame_count() == 0 and hs.session.response is not None


async def test_sessions_stream_to_disk_as_journals(tmp_path: Path) -> None:
    async with wsx.serve_echo(journal_dir=tmp_path / "j") as srv:
        async with wsx.connect(srv.url, journal=tmp_path / "client.wsj") as ws:
            await ws.send("to disk")
            await ws.recv()
        await asyncio.sleep(0.1)
    loaded = Session.load(tmp_path / "client.wsj")
    assert loaded.stream(C2S) == ws.session.stream(C2S) and loaded.stream(S2C) == ws.session.stream(S2C)
    (server_file,) = sorted((tmp_path / "j").iterdir())
    assert Session.load(server_file).frame_count() == ws.session.frame_count()


# -- 6. a saved deflate bomb closes with 1009 in the replay ----------------------------------------------


def test_a_saved_deflate_bomb_fails_with_1009_when_replayed(tmp_path: Path) -> None:
    import tracemalloc

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = compressor.compress(bytes(256 << 20)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    frame = Frame.build(0x2, bomb[:-4], rsv1=True)  # RFC 7692 §7.2.1: the 4 trailing bytes removed
    s = Session("server", meta={"url": "ws://bomb.invalid/"})
    s.record(
        C2S, UPGRADE.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"), 1
    )
    accept = base64.b64encode(bytes.fromhex("b37a4f2cc0624f1690f64606cf385945b2bec4ea")).decode()
    s.record(
        S2C,
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        ).encode(),
        2,
    )
    s.record(C2S, bytes(Frame.parse(bytes(frame))) if False else _masked(bytes(frame)), 3)
    path = tmp_path / "bomb.wsx"
    s.save(path)
    assert path.stat().st_size < 1 << 20  # a small file holding a 256 MiB message
    tracemalloc.start()
    started = time.perf_counter()
    loaded = Session.load(path)
    replayed = loaded.replay(C2S).frame(0)
    summary = loaded.summary()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert replayed.failure is not None and replayed.failure.close_code == 1009
    assert any(v.close_code == 1009 for v in replayed.violations)
    assert summary is not None and time.perf_counter() - started < 5
    assert peak < 64 << 20


def _masked(frame: bytes) -> bytes:
    """The same frame sent by a client (masked with KEY)."""
    parsed = Frame.parse(frame)
    return bytes(Frame.build(int(parsed.opcode), parsed.payload, rsv1=parsed.rsv1, mask=KEY))


# -- 7. credentials are redacted in what a server keeps ---------------------------------------------------


async def test_a_server_redacts_its_clients_credentials() -> None:
    async with wsx.serve_echo() as srv:
        headers = [("Authorization", "Bearer s3cret-token"), ("Cookie", "id=42")]
        async with wsx.connect(srv.url, headers=headers) as ws:
            await ws.send("hi")
            await ws.recv()
    kept = srv.sessions[0].stream(C2S)
    assert b"s3cret" not in kept and b"id=42" not in kept
    assert b"Authorization: " + b"*" * len("Bearer s3cret-token") in kept
    assert {r["name"].lower() for r in srv.sessions[0].meta["redacted"]} == {"authorization", "cookie"}
    assert b"s3cret-token" in ws.session.stream(C2S)  # the client's own recording keeps its bytes
    assert len(kept) == len(ws.session.stream(C2S))


# -- 8. timeouts, 431, foreign exceptions -----------------------------------------------------------------


async def test_an_idle_connection_is_closed_with_1001() -> None:
    async with wsx.serve_echo(idle_timeout=0.3) as srv:
        ws = await wsx.connect(srv.url)
        started = time.monotonic()
        await ws.wait_closed()
    assert time.monotonic() - started < 3
    assert ws.close_code == 1001 and ws.close_reason == "idle timeout"


async def test_a_tls_client_that_never_says_hello_is_dropped_within_open_timeout(tmp_path: Path) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    async with wsx.serve_echo(ssl=context, open_timeout=0.5) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        started = time.monotonic()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert data == b"" and time.monotonic() - started < 3


@pytest.mark.parametrize(
    "head",
    [
        UPGRADE.replace(b"\r\n\r\n", b"\r\nX-Big: " + b"z" * 20_000 + b"\r\n\r\n"),  # over 16 KiB
        UPGRADE.replace(b"\r\n\r\n", b"\r\n" + b"X-Line: 1\r\n" * 200 + b"\r\n"),  # over 128 lines
    ],
    ids=["bytes", "lines"],
)
async def test_an_oversized_header_block_gets_431(head: bytes) -> None:
    async with wsx.serve_echo() as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(head)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")


def test_close_violations_of_a_frame_that_is_not_a_close_frame() -> None:
    assert Frame.text("hello").close_violations() == []
