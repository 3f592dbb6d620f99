"""Faults: each ends in bounded time with the right close code, nothing left behind, every byte kept.

ResourceWarning is an error in this suite (pyproject), and each test checks that no task is left pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from wsexplorer import Frame, connect, serve_echo
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.errors import ConnectionClosedError
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.session import C2S, S2C

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Connection], Awaitable[None]]


@pytest.fixture(autouse=True)
async def no_task_left_behind() -> AsyncIterator[None]:
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert pending == [], pending


async def raw_server(behaviour: RawHandler) -> tuple[asyncio.AbstractServer, str]:
    """A TCP server that completes the handshake correctly, then does whatever ``behaviour`` says."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection("server", policy=ServerPolicy())
        while conn.request is None:
            data = await reader.read(4096)
            if not data:
                writer.close()
                return
            conn.receive_data(data)
        writer.write(conn.data_to_send())
        await writer.drain()
        try:
            await behaviour(reader, writer, conn)
        finally:
            if not writer.is_closing():
                writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/"


async def close_raw(server: asyncio.AbstractServer) -> None:
    server.close()
    await server.wait_closed()


async def test_peer_vanishes_mid_frame() -> None:
    half = bytes(Frame.text("this frame never ends"))[:9]

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection) -> None:
        writer.write(half)
        await writer.drain()
        writer.close()

    server, url = await raw_server(behaviour)
    start = time.monotonic()
    ws = await connect(url, extensions=None, close_timeout=1)
    with pytest.raises(ConnectionClosedError) as err:
        await ws.recv()
    assert err.value.code == 1006
    assert time.monotonic() - start < 2
    assert ws.session.after_handshake(S2C) == half  # every byte received before the fault is kept
    assert ws.session.frame_count(S2C) == 0
    assert ws.connection.failure is not None and "inside a frame" in str(ws.connection.failure)
    await ws.close()
    await close_raw(server)


async def test_tcp_reset() -> None:
    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection) -> None:
        writer.write(bytes(Frame.text("before the reset")))
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # RST instead of FIN

    server, url = await raw_server(behaviour)
    ws = await connect(url, extensions=None, close_timeout=1)
    assert await ws.recv() == "before the reset"
    with pytest.raises(ConnectionClosedError) as err:
        await ws.recv()
    assert err.value.code == 1006
    assert ws.session.frame_count(S2C) == 1
    await ws.close()
    await close_raw(server)


async def test_half_close_without_close_frame() -> None:
    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection) -> None:
        writer.write(bytes(Frame.binary(b"last words")))
        writer.write_eof()  # FIN: the server will send nothing more, but still reads
        await asyncio.wait_for(reader.read(), 2)

    server, url = await raw_server(behaviour)
    ws = await connect(url, extensions=None, close_timeout=1)
    assert await ws.recv() == b"last words"
    with pytest.raises(ConnectionClosedError) as err:
        await ws.recv()
    assert err.value.code == 1006
    await asyncio.wait_for(ws.wait_closed(), 2)
    await close_raw(server)


async def test_slowloris_handshake_is_dropped() -> None:
    async with serve_echo(open_timeout=0.3) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        await writer.drain()
        start = time.monotonic()
        assert await asyncio.wait_for(reader.read(), 3) == b""  # the server hung up
        assert time.monotonic() - start < 2
        writer.close()
        await writer.wait_closed()
        session = server.sessions[0]
        assert session.stream(C2S) == b"GET / HTTP/1.1\r\nHost: x\r\n"
        assert "no complete handshake" in session.meta["timeout"]


async def test_peer_never_answers_close() -> None:
    async with serve_echo(misbehave=["no-close-reply"], close_timeout=0.5) as server:
        ws = await connect(server.url, close_timeout=0.3)
        start = time.monotonic()
        await ws.close(1000)
        assert time.monotonic() - start < 2
        assert ws.close_code == 1006  # no close frame came back
        assert ws.session.summary().close_codes["server→client"] is None


async def test_peer_never_answers_ping() -> None:
    async with serve_echo(misbehave=["no-pong"], close_timeout=0.5) as server:
        ws = await connect(server.url, close_timeout=0.5)
        with pytest.raises(asyncio.TimeoutError):
            await ws.ping(b"hello?", timeout=0.2)
        await ws.close()


async def test_keepalive_fails_1011_when_pongs_stop() -> None:
    async with serve_echo(misbehave=["no-pong"], close_timeout=0.5) as server:
        ws = await connect(server.url, ping_interval=0.1, ping_timeout=0.2, close_timeout=0.5)
        start = time.monotonic()
        with pytest.raises(ConnectionClosedError) as err:
            await asyncio.wait_for(ws.recv(), 3)
        assert time.monotonic() - start < 3
        assert err.value.sent_code == 1011
        assert "keepalive" in str(err.value)
        await ws.close()


async def test_connection_refused_is_prompt() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(OSError):
        await connect(f"ws://127.0.0.1:{port}/", open_timeout=2)
