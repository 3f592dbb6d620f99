"""The relay's legs: a client's request held until the upstream leg is open (or refused with 502, 504 or the
upstream's status), requests that never come or are not WebSocket requests, recordings with a byte cap."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from wsexplorer import connect, serve_echo
from wsexplorer.errors import HandshakeError, TLSError
from wsexplorer.live.relay import relay
from wsexplorer.record.session import C2S

from .relay_helpers import TIMEOUT


@pytest.mark.parametrize(("misbehave", "status"), [("wrong-accept", 502), ("silent-handshake", 504)])
async def test_bad_upstream_handshakes(misbehave: str, status: int) -> None:
    async with serve_echo(misbehave=[misbehave]) as server, relay(server.url, open_timeout=0.5) as r:
        with pytest.raises(HandshakeError) as err:
            await connect(r.url)
        assert err.value.response is not None and err.value.response.status == status


async def test_unreachable_upstream_is_502() -> None:
    async with relay("ws://127.0.0.1:1/") as r:
        with pytest.raises(HandshakeError) as err:
            await connect(r.url)
        assert err.value.response is not None and err.value.response.status == 502
        assert b"could not be reached" in err.value.response.body


async def test_a_bad_request_is_refused_without_going_upstream() -> None:
    async with serve_echo() as server, relay(server.url) as r:
        reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # no Upgrade: not a WebSocket request
        answer = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
        await writer.wait_closed()
        assert answer.startswith(b"HTTP/1.1 426") or answer.startswith(b"HTTP/1.1 400")
        assert not server.sessions


async def test_slow_request_is_dropped() -> None:
    async with serve_echo() as server, relay(server.url, open_timeout=0.3) as r:
        reader, writer = await asyncio.open_connection("127.0.0.1", r.port)
        writer.write(b"GET / HTTP/1.1\r\n")
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        writer.close()
        await writer.wait_closed()
        assert r.connections[0].state == "refused" and "timeout" in r.connections[0].client_session.meta


async def test_recording_limit_and_connections_kept() -> None:
    async with (
        serve_echo(extensions=None) as server,
        relay(server.url, record_limit=2000, keep_connections=2) as r,
    ):
        for _ in range(4):
            async with connect(r.url) as ws:
                for _ in range(10):
                    await ws.send("x" * 500)
                    assert await ws.recv() == "x" * 500  # everything passes, whatever is recorded
            await asyncio.wait_for(r.connections[-1].wait_closed(), TIMEOUT)
        assert [c.number for c in r.connections] == [3, 4]
        for session in r.connections[-1].sessions:
            assert "recording_stopped" in session.meta
            assert session.byte_count() <= 2000 + len(
                session.stream(C2S)[: session.stream(C2S).find(b"\r\n\r\n") + 4]
            )


async def test_a_client_whose_tls_handshake_fails_is_not_a_connection() -> None:
    ca = trustme.CA()
    listen = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(listen)
    async with serve_echo() as server, relay(server.url, ssl=listen) as r:
        with pytest.raises(TLSError):
            await connect(r.url)  # the system store does not know the test CA
        await asyncio.sleep(0.05)
        assert r.connections == [] and not server.sessions
