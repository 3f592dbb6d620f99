"""One relayed connection: the closing handshake end to end, a peer that vanishes or breaks a rule, a
silent peer bounded by the watchdog, pings and pongs passed on, messages injected by hand."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wsexplorer import connect, serve, serve_echo
from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import ConnectionClosedError
from wsexplorer.live.relay import relay
from wsexplorer.live.server import ServerConnection
from wsexplorer.record.session import C2S, S2C

from .relay_helpers import TIMEOUT, opened, wire


async def test_client_starts_the_close() -> None:
    codes: list[tuple[int | None, str]] = []

    async def handler(ws: ServerConnection) -> None:
        try:
            async for message in ws:
                await ws.send(message)
        finally:
            codes.append((ws.close_code, ws.close_reason))

    async with serve(handler) as server, relay(server.url) as r:
        async with connect(r.url) as ws:
            await ws.send("hi")
            await ws.recv()
            await ws.close(4000, "bye")
        assert (ws.close_code, ws.close_reason) == (4000, "")  # the upstream's own reply, passed back
        await asyncio.wait_for(r.connections[0].wait_closed(), TIMEOUT)
    assert codes == [(4000, "bye")]
    frames = [wire(s, d)[-1] for s in r.connections[0].sessions for d in (C2S, S2C)]
    assert {op for op, *_ in frames} == {Opcode.CLOSE}


async def test_server_starts_the_close() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(4001, "server done")

    async with serve(handler) as server, relay(server.url) as r:
        ws = await connect(r.url)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        assert (ws.close_code, ws.close_reason) == (4001, "server done")
        c = r.connections[0]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert server.sessions[0].summary().close_codes == {"client→server": 4001, "server→client": 4001}
    assert not c.changes


async def test_upstream_vanishing_closes_the_client_with_1014() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        assert ws.transport is not None
        ws.transport.abort()

    async with serve(handler) as server, relay(server.url) as r:
        ws = await connect(r.url)
        await ws.send("x")
        with pytest.raises(ConnectionClosedError) as err:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert err.value.code == 1014
        await ws.close()
        c = r.connections[0]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert [ch.action for ch in c.changes] == ["close"]


async def test_client_vanishing_closes_the_upstream_with_1001() -> None:
    seen: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        seen.append(ws.close_code)

    async with serve(handler) as server, relay(server.url) as r:
        ws = await connect(r.url)
        assert ws.transport is not None
        ws.transport.abort()
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert seen == [1001]


async def test_a_protocol_error_is_not_passed_on() -> None:
    async with serve_echo() as server, relay(server.url) as r:
        ws = await connect(r.url)
        await ws.send_frame(Frame.build(0x3, b"bad", mask=True))  # a reserved opcode (RFC 6455 §5.2)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        assert ws.close_code == 1002
        c = r.connections[0]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    upstream = server.sessions[0]
    assert [int(f.frame.opcode) for f in upstream.frames(C2S)] == [Opcode.CLOSE]
    close = upstream.frame(C2S, 0).frame
    assert (close.close_code, close.close_reason) == (1001, "relay: the client broke a rule (1002)")
    assert any("the client's connection failed" in ch.detail for ch in c.changes)


async def test_a_silent_upstream_is_answered_for_and_aborted() -> None:
    async with (
        serve_echo(misbehave=["no-close-reply"], close_timeout=30) as server,
        relay(server.url, close_timeout=0.3) as r,
    ):
        ws = await connect(r.url, close_timeout=5)
        await ws.close(1000)
        assert ws.close_code == 1000  # answered by the relay, not by the silent upstream
        c = r.connections[0]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    actions = [ch.action for ch in c.changes]
    assert actions == ["close", "abort"]


async def test_pings_and_pongs_pass_end_to_end() -> None:
    pongs: list[bytes] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.ping(b"from server")
        pongs.append(b"from server")
        await ws.recv()

    async with serve(handler) as server, relay(server.url) as r:
        async with connect(r.url) as ws:
            rtt = await ws.ping(b"from client", timeout=TIMEOUT)
            assert rtt > 0
            for _ in range(100):
                if pongs:
                    break
                await asyncio.sleep(0.02)
            await ws.send("done")
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert pongs == [b"from server"]  # the client's pong reached the server through the relay
    ops = [
        [op for op, *_ in wire(s, d) if op in (Opcode.PING, Opcode.PONG)]
        for s in c.sessions
        for d in (C2S, S2C)
    ]
    assert ops[0] == ops[2] and ops[1] == ops[3]


async def test_inject_by_hand_from_any_thread() -> None:
    async with serve_echo() as server, relay(server.url) as r:
        async with connect(r.url) as ws:
            c = await opened(r)
            thread = threading.Thread(target=c.inject, args=("from the notebook",), kwargs={"to": "upstream"})
            thread.start()
            thread.join(TIMEOUT)
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "from the notebook"  # echoed upstream
            c.inject(b"to the client", to="client")
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"to the client"
            with pytest.raises(ValueError):
                c.inject("x", to="sideways")  # type: ignore[arg-type]
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert [ch.action for ch in c.changes if ch.action != "re-compress"] == ["inject", "inject"]
    assert [row.status for row in c.diff().directions[C2S].rows] == ["only_b", "same"]
