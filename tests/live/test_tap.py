"""The TCP tap: bytes forwarded unchanged, a bounded copy of each direction, TLS unreadable, ws in clear."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from wsexplorer import ConnectionClosed, connect, serve_echo
from wsexplorer.live.tap import DEFAULT_MAX_BYTES, Tap, open_tap
from wsexplorer.record.session import C2S, S2C


async def _wait_closed(tap: Tap, count: int = 1) -> None:
    """The relay ends shortly after both sides closed TCP; wait for it (bounded)."""
    for _ in range(200):
        if len(tap.connections) >= count and all(c.closed for c in tap.connections):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the tap's connections did not end: {tap.connections}")


async def test_ws_through_the_tap_is_readable_and_unchanged() -> None:
    async with serve_echo() as server, open_tap(server.url) as tap:
        assert tap.url is not None and tap.url == f"ws://127.0.0.1:{tap.port}/"
        async with connect(tap.url, extensions=None) as ws:
            await ws.send("Hello Server!")
            assert await ws.recv() == "Hello Server!"
        await _wait_closed(tap)
        (seen,) = tap.connections
        # What the tap forwarded is exactly what each endpoint recorded, both ways.
        assert seen.data(C2S) == ws.session.stream(C2S)
        assert seen.data(S2C) == ws.session.stream(S2C)
        assert seen.data(C2S).startswith(b"GET / HTTP/1.1\r\n") and b"Upgrade: websocket" in seen.data(C2S)
        assert b"\x81\x0dHello Server!" in seen.data(S2C)  # the server's frame is not masked
        assert b"Hello Server!" not in seen.data(C2S)  # the client's is (RFC 6455 §5.3)
        assert not seen.truncated and seen.error is None
    assert "0 open" in repr(tap)


async def test_wss_through_the_tap_is_ciphertext() -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    async with serve_echo(ssl=server_ctx) as server, open_tap(server.url) as tap:
        assert tap.url == f"wss://127.0.0.1:{tap.port}/"
        async with connect(tap.url, ssl=client_ctx, extensions=None) as ws:
            await ws.send("Hello Server!")
            assert await ws.recv() == "Hello Server!"
        await _wait_closed(tap)
        (seen,) = tap.connections
        wire = seen.data(C2S) + seen.data(S2C)
        assert seen.data(C2S)[:1] == b"\x16"  # a TLS handshake record: the ClientHello (RFC 8446 §5.1)
        for plain in (b"GET", b"Upgrade", b"websocket", b"Sec-WebSocket", b"Hello Server!", b"HTTP/1.1"):
            assert plain not in wire
        # ...while the client, above TLS, recorded the plaintext.
        assert ws.session.stream(C2S).startswith(b"GET / HTTP/1.1\r\n")
        assert len(wire) > ws.session.byte_count()  # certificates, keys and record overhead


async def test_the_byte_cap_bounds_each_direction() -> None:
    async with serve_echo() as server, open_tap(server.url, max_bytes=100) as tap:
        assert tap.url is not None
        async with connect(tap.url, extensions=None) as ws:
            await ws.send("x" * 1000)
            assert await ws.recv() == "x" * 1000  # forwarded whole
        await _wait_closed(tap)
        (seen,) = tap.connections
        for d in (C2S, S2C):
            assert len(seen.data(d)) == 100
            assert seen.byte_count(d) == ws.session.byte_count(d)
            assert seen.dropped[d] == ws.session.byte_count(d) - 100
            assert seen.data(d) == ws.session.stream(d)[:100]
        assert seen.truncated and "(truncated)" in repr(seen)
    assert DEFAULT_MAX_BYTES == 1 << 20


async def test_connections_past_the_limit_pass_but_are_not_recorded() -> None:
    async with serve_echo() as server, open_tap(server.url, max_connections=1) as tap:
        assert tap.url is not None
        for _ in range(3):
            async with connect(tap.url) as ws:
                await ws.send("hi")
                assert await ws.recv() == "hi"
        await _wait_closed(tap)
        assert len(tap.connections) == 1 and tap.unrecorded == 2


async def test_unreachable_server_closes_the_client_and_says_why() -> None:
    async with serve_echo() as server:
        url = server.url
    async with open_tap(url, connect_timeout=2) as tap:  # nobody listens there any more
        assert tap.url is not None
        reader, writer = await asyncio.open_connection(tap.host, tap.port)
        assert await asyncio.wait_for(reader.read(), 5) == b""  # the tap hung up
        writer.close()
        await writer.wait_closed()
        await _wait_closed(tap)
        assert "could not reach" in (tap.connections[0].error or "")


async def test_close_cuts_open_connections() -> None:
    async with serve_echo() as server:
        tap = await open_tap(server.url)
        assert tap.url is not None
        ws = await connect(tap.url)
        await tap.close()  # the client's TCP connection is cut under it
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1006
        assert all(c.closed for c in tap.connections)


async def test_a_tap_used_directly_starts_in_async_with() -> None:
    async with serve_echo() as server, Tap(server.host, server.port) as tap:
        assert tap.port != 0 and tap.url is None  # no URL given: connect to host and port
        async with connect(f"ws://127.0.0.1:{tap.port}/") as ws:
            await ws.send("hi")
            assert await ws.recv() == "hi"
        await _wait_closed(tap)
        assert tap.connections[0].byte_count(C2S) == ws.session.byte_count(C2S)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="not a ws:// or wss:// URL"):
        open_tap("http://127.0.0.1:1/")
    with pytest.raises(ValueError):
        Tap("127.0.0.1", 1, max_bytes=-1)
