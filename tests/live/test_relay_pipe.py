"""Each rule kind through a live relay, re-compression once a rule breaks the shared context, order kept."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from wsexplorer import connect, serve, serve_echo
from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frames import Frame
from wsexplorer.live import relay_pipe
from wsexplorer.live.relay import Relay, RelayedConnection, relay
from wsexplorer.live.relay_pipe import deflate_fit
from wsexplorer.live.relay_rules import Rule
from wsexplorer.live.server import ServerConnection
from wsexplorer.record.session import C2S, S2C

TIMEOUT = 10.0


async def opened(r: Relay) -> RelayedConnection:
    for _ in range(500):
        if r.connections and r.connections[0].pipes:
            return r.connections[0]
        await asyncio.sleep(0.01)
    raise AssertionError("the relayed connection did not open")


async def test_drop_and_pass() -> None:
    rules = [Rule("pass", text="keep"), Rule("drop", direction="c2s", text="secret")]
    async with serve_echo() as server, relay(server.url, rules=rules) as r:
        async with connect(r.url) as ws:
            for m in ("a secret", "keep this secret", "plain"):
                await ws.send(m)
            assert [await ws.recv() for _ in range(2)] == ["keep this secret", "plain"]
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    diff = c.diff()
    rows = diff.directions[C2S].rows
    assert rows[0].status == "only_a" and rows[-1].status == "same"  # the dropped message; the close
    # Compressed again by the relay after the drop (§7.1.1): same messages, other compressed sizes.
    assert all(set(row.aspects) <= {"compression"} for row in rows[1:])
    assert [ch.action for ch in c.changes if ch.action != "re-compress"] == ["drop"]
    assert c.changes[0].rule == "drop(direction='c2s', text='secret')"
    assert c.changes[1].action == "re-compress"  # the upstream's window lacks the dropped message


async def test_delay_holds_the_message_and_what_follows() -> None:
    arrivals: list[tuple[str, float]] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            arrivals.append((str(message), time.monotonic()))
            await ws.send(message)

    async with (
        serve(handler) as server,
        relay(server.url, rules=[Rule("delay", seconds=0.3, text="slow")]) as r,
    ):
        async with connect(r.url) as ws:
            sent = time.monotonic()
            await ws.send("slow one")
            await ws.send("fast one")
            assert [await ws.recv() for _ in range(2)] == ["slow one", "fast one"]
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert [m for m, _ in arrivals] == ["slow one", "fast one"]
    assert arrivals[0][1] - sent >= 0.29
    diff = c.diff()  # both messages were held: the timing difference shows on both
    assert [row.aspects for row in diff.directions[C2S].rows[:2]] == [("timing",), ("timing",)]


async def test_modify_json_and_text_both_ways() -> None:
    rules = [
        Rule("modify", direction="c2s", json_path="$.user.name", replacement="mallory"),
        Rule("modify", direction="s2c", regex=r"\d+", replacement="#"),
    ]
    async with serve_echo() as server, relay(server.url, rules=rules) as r:
        async with connect(r.url) as ws:
            await ws.send(json.dumps({"user": {"name": "alice"}, "n": 42}))
            assert await ws.recv() == '{"user":{"name":"mallory"},"n":#}'
            await ws.send("room 101")
            assert await ws.recv() == "room #"
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    changed = [row for d in c.diff().directions for row in d.rows if "payload" in row.aspects]
    assert len(changed) == 3  # the JSON going up, and both answers coming down


async def test_inject_onward_and_back() -> None:
    rules = [
        Rule("inject", direction="c2s", text="hello", message="welcome", to="back"),
        Rule("inject", direction="c2s", text="ask", message=["extra 1", b"extra 2"]),
    ]
    async with serve_echo() as server, relay(server.url, rules=rules) as r:
        async with connect(r.url) as ws:
            await ws.send("hello")
            assert {await ws.recv(), await ws.recv()} == {"hello", "welcome"}
            await ws.send("ask")
            assert [await ws.recv() for _ in range(3)] == ["ask", "extra 1", b"extra 2"]
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    up = c.diff().directions[C2S]
    assert [row.status for row in up.rows] == ["same", "same", "only_b", "only_b", "same"]
    down = c.diff().directions[S2C]
    assert sum(row.status == "only_a" for row in down.rows) == 1  # "welcome", seen by the client only


async def test_rules_on_pings_and_pongs() -> None:
    rules = [Rule("drop", kind="ping", text="lost"), Rule("delay", kind="pong", seconds=0.2)]
    async with serve_echo() as server, relay(server.url, rules=rules) as r:
        async with connect(r.url) as ws:
            with pytest.raises(asyncio.TimeoutError):
                await ws.ping(b"lost", timeout=0.3)
            assert await ws.ping(b"found", timeout=TIMEOUT) >= 0.19
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    pings = [f.frame.payload for f in server.sessions[0].frames(C2S) if f.frame.opcode == Opcode.PING]
    assert pings == [b"found"]


async def test_a_change_in_a_shared_context_recompresses_the_rest() -> None:
    """RFC 7692 §7.1.1: with context takeover, later messages refer to earlier ones; once the relay
    drops one, the upstream's window lacks it, so the relay must compress the rest itself."""
    common = "the same words again and again, " * 8
    messages = [f"{common}{k}" for k in range(10)]
    async with serve_echo() as server, relay(server.url, rules=[Rule("drop", text=f"{common}3")]) as r:
        async with connect(r.url) as ws:
            for m in messages:
                await ws.send(m)
            got = [await ws.recv() for _ in range(9)]
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert got == [m for m in messages if not m.endswith("3")]
    assert not c.pipes["c2s"].in_sync and c.pipes["s2c"].in_sync
    client_frames = [f.frame for f in c.client_session.frames(C2S)][:10]
    upstream_frames = [f.frame for f in c.upstream_session.frames(C2S)][:9]
    assert [f.payload for f in client_frames[:3]] == [f.payload for f in upstream_frames[:3]]  # unchanged
    assert all(f.rsv1 for f in upstream_frames)  # still compressed, by the relay's own context now
    assert server.sessions[0].summary().close_codes["client→server"] == 1000  # no 1007: nothing broke


async def test_an_injection_waits_for_a_fragmented_message_in_flight() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send_frame(Frame.build(Opcode.TEXT, "part one, ", fin=False))
        await asyncio.sleep(0.3)
        await ws.send_frame(Frame.build(Opcode.CONTINUATION, "part two", fin=True))
        async for message in ws:
            await ws.send(message)

    rules = [Rule("inject", direction="c2s", text="hello", message="welcome", to="back")]
    async with serve(handler, extensions=None) as server, relay(server.url, rules=rules) as r:
        async with connect(r.url) as ws:
            await asyncio.sleep(0.1)  # part one is on its way to us
            await ws.send("hello")
            got = [await ws.recv() for _ in range(3)]
        c = await opened(r)
        await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    assert got == ["part one, part two", "welcome", "hello"]
    assert ws.close_code == 1000


async def test_held_bytes_stop_reading_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay_pipe, "MAX_QUEUED_BYTES", 1000)
    async with (
        serve_echo() as server,
        relay(server.url, rules=[Rule("delay", seconds=0.3, text="first")]) as r,
        connect(r.url) as ws,
    ):
        await ws.send("first")
        for _ in range(3):
            await ws.send("x" * 600)
        await asyncio.sleep(0.05)
        c = await opened(r)
        leg = c.client_leg
        assert leg is not None and leg.transport is not None
        assert not leg.transport.is_reading()  # the client leg is not read while the queue is full
        assert [await ws.recv() for _ in range(4)] == ["first"] + ["x" * 600] * 3
        assert leg.transport.is_reading()


async def test_deflate_fit() -> None:
    async with serve_echo() as server, relay(server.url) as r, connect(r.url):
        c = await opened(r)
        assert c.client_leg is not None and c.upstream_leg is not None
        assert deflate_fit(c.client_leg, c.upstream_leg, "client") == (True, True)
        assert deflate_fit(c.upstream_leg, c.client_leg, "server") == (True, True)
