"""The relay on loopback: the handshake end to end, frames passed on unchanged, both legs recorded,
nothing lost or reordered (10,000 messages), negotiation per leg, refusals, closing, TLS and key logs."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.server import serve as ws_serve

from wsexplorer import connect, serve_echo
from wsexplorer.errors import HandshakeError
from wsexplorer.live.relay import relay
from wsexplorer.record.session import C2S, S2C

from .relay_helpers import TIMEOUT, opened, wire


async def ws_echo(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


@pytest.fixture
async def websockets_server() -> AsyncIterator[str]:
    async with ws_serve(ws_echo, "127.0.0.1", 0, subprotocols=["chat.v2", "chat"]) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/socket"


async def test_handshake_end_to_end_and_frames_unchanged(websockets_server: str) -> None:
    async with relay(websockets_server) as r:
        async with connect(
            r.url + "room?x=1", subprotocols=["chat"], origin="http://page.test", headers=[("Cookie", "id=7")]
        ) as ws:
            assert ws.subprotocol == "chat"  # the upstream's choice, passed back
            upstream_agreed = "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
            assert ws.session.meta["extensions"] == [upstream_agreed]  # websockets' answer, mirrored
            for k in range(5):
                await ws.send(f"message {k} " * 20)
                assert await ws.recv() == f"message {k} " * 20
            await ws.send(bytes(range(256)) * 8, fragment_size=500)
            assert await ws.recv() == bytes(range(256)) * 8
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    request = c.upstream_session.request
    assert request is not None
    assert request.target == "/room?x=1" and request.origin == "http://page.test"
    assert request.get("Cookie") == "id=7"
    assert request.get("Sec-WebSocket-Extensions") == "permessage-deflate; client_max_window_bits"
    assert request.subprotocols == ["chat"]
    assert c.upstream_session.meta["extensions"] == [upstream_agreed]
    assert all(p.in_sync for p in c.pipes.values()) and not c.changes
    for d in (C2S, S2C):  # the same frames, compressed payloads included, on both legs
        assert wire(c.client_session, d) == wire(c.upstream_session, d)
    assert any(rsv1 for _, _, rsv1, _ in wire(c.upstream_session, C2S))
    keys = [{f.frame.masking_key for f in s.frames(C2S)} for s in c.sessions]
    assert None not in keys[0] | keys[1] and not keys[0] & keys[1]  # masked on both legs, own keys
    assert c.client_session.meta["relay"]["connection"] == c.upstream_session.meta["relay"]["connection"] == 1
    assert c.diff().same and c.state == "closed"


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
async def test_ten_thousand_messages_nothing_lost_or_reordered(deflate: bool) -> None:
    n = 10_000
    ext = "permessage-deflate" if deflate else None
    sent = [f"m{k}".encode() if k % 3 == 0 else f"text {k}" * (1 + k % 7) for k in range(n)]
    async with serve_echo(extensions=ext) as server, relay(server.url) as r:
        async with connect(r.url, extensions=ext) as ws:

            async def read() -> list[str | bytes]:
                return [await ws.recv() for _ in range(n)]

            reader = asyncio.create_task(read())
            for k, message in enumerate(sent):
                await ws.send(message, fragment_size=8 if k % 101 == 0 else None)
            received = await asyncio.wait_for(reader, 60)
        assert received == sent
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert not c.changes
    diff = c.diff(timing_tolerance=3600)  # a flood queues on one loop; order and content are what counts
    assert diff.same, diff.summary()
    for d in (C2S, S2C):
        assert len(diff.directions[d].rows) == n + 1  # every message, and the close
        assert wire(c.client_session, d) == wire(c.upstream_session, d)


async def test_per_leg_negotiation_recompresses(websockets_server: str) -> None:
    async with relay(websockets_server, negotiate="per-leg") as r:
        async with connect(r.url, subprotocols=["chat"]) as ws:
            assert ws.session.meta["extensions"] == ["permessage-deflate"]  # the relay's own answer
            for k in range(20):
                await ws.send(f"again and again {k}" * 10)
                assert await ws.recv() == f"again and again {k}" * 10
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert not c.pipes["c2s"].in_sync  # a 32 KiB client window cannot pass to a 4 KiB upstream window
    assert c.pipes["s2c"].in_sync  # the upstream's 4 KiB window fits the client's 32 KiB
    assert any(ch.action == "re-compress" for ch in c.changes)
    diff = c.diff()
    assert [d.aspect for d in diff.handshake] == ["extensions"]
    aspects = {a for d in diff.directions for row in d.rows for a in row.aspects}
    assert "payload" not in aspects and aspects <= {"compression"}


@pytest.mark.parametrize("negotiate", ["end-to-end", "per-leg"])
async def test_deflate_refused_upstream(negotiate: str) -> None:
    async with serve_echo(extensions=None) as server, relay(server.url, negotiate=negotiate) as r:  # type: ignore[arg-type]
        async with connect(r.url) as ws:
            expected = [] if negotiate == "end-to-end" else ["permessage-deflate"]
            assert ws.session.meta["extensions"] == expected
            await ws.send("x" * 1000)
            assert await ws.recv() == "x" * 1000
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert c.upstream_session.meta["extensions"] == []
    assert not any(rsv1 for _, _, rsv1, _ in wire(c.upstream_session, C2S))


async def test_refused_upstream_handshake_keeps_its_status() -> None:
    async with serve_echo(origins=["http://good.test"]) as server, relay(server.url) as r:
        with pytest.raises(HandshakeError) as err:
            await connect(r.url, origin="http://evil.test")
        assert err.value.response is not None and err.value.response.status == 403
        assert b"refused the handshake: 403" in err.value.response.body
        c = r.connections[0]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert c.state == "refused" and isinstance(c.error, HandshakeError)
    assert c.upstream_session.response is not None and c.upstream_session.response.status == 403
    assert c.client_session.response is not None and c.client_session.response.status == 403


async def test_closing_the_relay_closes_every_leg() -> None:
    async with serve_echo() as server:
        r = await relay(server.url)
        ws = await connect(r.url)
        await ws.send("x")
        await ws.recv()
        await asyncio.wait_for(r.close(), TIMEOUT)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        assert ws.close_code == 1001
        assert all(c.state == "closed" for c in r.connections)


async def test_closing_the_relay_while_an_upstream_opens() -> None:
    async with serve_echo(misbehave=["silent-handshake"]) as server:
        r = await relay(server.url, open_timeout=30)
        client = asyncio.ensure_future(connect(r.url, open_timeout=30))
        for _ in range(200):
            if r.connections and r.connections[0].upstream_session.byte_count():
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(r.close(), 2)
        with pytest.raises(HandshakeError):
            await asyncio.wait_for(client, TIMEOUT)
        assert r.connections[0].state == "refused"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def connections_in(keylog: Path) -> set[str]:
    """The TLS connections a key log has secrets of (by client random, NSS key log format)."""
    lines = keylog.read_text().splitlines()
    return {line.split()[1] for line in lines if line.startswith("CLIENT_TRAFFIC_SECRET_0 ")}


def ca_file(ca: trustme.CA, where: Path) -> Path:
    path = where / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    return ctx


async def test_wss_on_both_legs_with_a_key_log(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust, client_trust = ssl.create_default_context(), ssl.create_default_context()
    ca.configure_trust(trust)
    ca.configure_trust(client_trust)
    keylog = tmp_path / "keys.log"
    async with serve_echo(ssl=server_context(ca)) as server:
        async with relay(server.url, ssl=server_context(ca), upstream_ssl=trust, keylog=keylog) as r:
            assert r.url.startswith("wss://")
            async with connect(r.url, ssl=client_trust) as ws:
                await ws.send("secret")
                assert await ws.recv() == "secret"
            c = await opened(r)
            await asyncio.wait_for(c.wait_closed(), TIMEOUT)
        assert c.client_session.meta["tls"]["version"].startswith("TLS")
        assert c.upstream_session.meta["tls"]["peer_certificate"]["subject_alt_names"] == ["127.0.0.1"]
        assert len(connections_in(keylog)) == 2  # both legs' TLS sessions
        env_log = tmp_path / "env.log"
        monkeypatch.setenv("SSLKEYLOGFILE", str(env_log))
        again = relay(server.url, ssl=server_context(ca), upstream_ssl=ca_file(ca, tmp_path))
        async with again as r2, connect(r2.url, ssl=client_trust) as ws:
            await ws.send("again")
            await ws.recv()
        assert len(connections_in(env_log)) == 2


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="ws or wss"):
        relay("http://example.test/")
    with pytest.raises(ValueError, match="negotiate"):
        relay("ws://example.test/", negotiate="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wss://"):
        relay("ws://example.test/", upstream_ssl=ssl.create_default_context())
    with pytest.raises(TypeError):
        relay("ws://example.test/", rules=["drop"])  # type: ignore[list-item]
