"""Replaying a session's client side: same messages, order and shape; the answers compared with the
original ones (no differences against the same server, the right ones against another)."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path

import pytest
import trustme

from wsexplorer import connect, serve, serve_echo
from wsexplorer.codec.frame_header import Opcode
from wsexplorer.live.replay import replay
from wsexplorer.live.server import ServerConnection
from wsexplorer.record.har import message_log
from wsexplorer.record.session import C2S, Session

TIMEOUT = 10.0


async def record(url: str, **kwargs: object) -> Session:
    """A conversation with every kind of entry: text, binary, fragmented, compressed, a ping, a close."""
    async with connect(url, **kwargs) as ws:  # type: ignore[arg-type]
        for message in ["one", "two", b"\x00\x01\x02", "four " * 50]:
            await ws.send(message)
            await ws.recv()
        await ws.send("fragmented " * 40, fragment_size=100)
        await ws.recv()
        await ws.ping(b"are you there")
        await ws.close(1000, "done")
    return ws.session


async def test_replay_against_the_same_server_shows_no_differences() -> None:
    async with serve_echo() as server:
        original = await record(server.url)
        result = await replay(original)
    assert result.diff.same, result.summary()
    assert not result.notes
    assert result.url == server.url
    sent = [r.frame for r in result.session.frames(C2S)]
    shapes = [(int(f.opcode), f.fin, f.rsv1) for f in sent]
    assert shapes == [(int(f.frame.opcode), f.frame.fin, f.frame.rsv1) for f in original.frames(C2S)]
    assert all(f.masked for f in sent)
    assert result.answers.count("same") == len(result.answers.rows) == 7


async def test_replay_against_a_server_that_answers_differently() -> None:
    async def other(ws: ServerConnection) -> None:
        async for message in ws:
            if message == "two":
                await ws.send(b"two")  # binary instead of text
                await ws.send("unexpected")  # an extra answer
            elif isinstance(message, str) and message.startswith("four"):
                await asyncio.sleep(0.4)  # slower
                await ws.send(message)
            elif isinstance(message, str) and message.startswith("fragmented"):
                await ws.send(message.upper(), fragment_size=64)  # other payload, three frames
            else:
                await ws.send(message)

    async with serve_echo() as server:
        original = await record(server.url)
    async with serve(other, extensions=None) as server:  # and no compression
        result = await replay(original, server.url)
    rows = result.answers.rows
    status = [(row.status, row.aspects) for row in rows]
    assert status[0] == ("changed", ("compression",))  # "one": not compressed any more
    assert status[1] == ("changed", ("opcode", "compression"))  # "two" as binary
    assert status[2] == ("only_b", ())  # "unexpected"
    assert status[4][1] == ("compression", "timing")  # "four …": the same, later and uncompressed
    # Upper case, in three frames (and late: sent as soon as four answers had come, "unexpected" one
    # of them, it waited behind the slow "four").
    assert {"payload", "fragmentation", "compression"} <= set(status[5][1])
    assert status[6] == ("same", ())  # the pong
    assert rows[5].frames and rows[5].frames[0].differs  # frame by frame
    assert [d.aspect for d in result.diff.handshake] == ["extensions"]
    assert not result.diff.same


async def test_close_codes_are_compared() -> None:
    async def closes(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.close(4002, "go away")

    async with serve_echo() as server:
        async with connect(server.url) as ws:
            await ws.send("hi")
            await ws.recv()
        original = ws.session
    async with serve(closes) as server:
        result = await replay(original, server.url, answer_timeout=1.0)
    answers = result.answers.rows
    assert ("only_a", "hi") in [(r.status, r.a.preview() if r.a else "") for r in answers]
    close = [r for r in answers if "close code" in r.aspects]
    assert close and close[0].differences[0].b == "4002 go away"


async def test_timing_keeps_the_pauses() -> None:
    async with serve_echo() as server:
        async with connect(server.url) as ws:
            await ws.send("a")
            await ws.recv()
            await asyncio.sleep(0.4)
            await ws.send("b")
            await ws.recv()
        original = ws.session
        started = time.monotonic()
        fast = await replay(original)
        fast_time = time.monotonic() - started
        started = time.monotonic()
        slow = await replay(original, timing=True)
        slow_time = time.monotonic() - started
        half = await replay(original, timing=True, speed=4)
    assert fast.diff.same and slow.diff.same
    assert half.diff.same  # at another speed the client's pauses differ by design: not compared
    assert slow_time >= 0.38 and fast_time < slow_time


async def test_server_greeting_is_waited_for() -> None:
    async def greets(ws: ServerConnection) -> None:
        await asyncio.sleep(0.2)
        await ws.send("welcome")
        async for message in ws:
            await ws.send(message)

    async with serve(greets) as server:
        async with connect(server.url) as ws:
            assert await ws.recv() == "welcome"
            await ws.send("x")
            await ws.recv()
        result = await replay(ws.session)
    assert result.diff.same, result.summary()
    first = result.answers.rows[0]
    assert first.b is not None and first.b.preview() == "welcome"
    assert first.b.t_ns < next(result.session.frames(C2S)).t_ns  # the replay waited for it


async def test_missing_answers_are_noted() -> None:
    async with serve_echo() as server:
        original = await record(server.url)

    async def mute(ws: ServerConnection) -> None:
        async for _ in ws:
            pass

    async with serve(mute) as server:
        result = await replay(original, server.url, answer_timeout=0.1)
    assert result.notes and "went on" in result.notes[0]
    assert result.answers.count("only_a") == 5


async def test_replay_of_a_har_message_log() -> None:
    async with serve_echo() as server:
        original = await record(server.url)
        log = message_log(original)
        result = await replay(log, server.url)
    assert not result.diff.frames_compared
    data = [r for r in result.answers.rows if r.b is not None and r.b.kind in ("text", "binary")]
    assert [r.status for r in data] == ["same"] * 5


async def test_wss_replay(tmp_path: Path) -> None:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    keylog = tmp_path / "keys.log"
    async with serve_echo(ssl=ctx) as server:
        original = await record(server.url, ssl=ca_file)
        result = await replay(original, ssl=ca_file, keylog=keylog)
    assert result.diff.same and result.session.meta["tls"]
    assert "CLIENT_TRAFFIC_SECRET_0" in keylog.read_text()


async def test_arguments() -> None:
    session = Session("client")
    with pytest.raises(ValueError, match="url="):
        await replay(session)
    with pytest.raises(ValueError, match="speed"):
        await replay(session, "ws://127.0.0.1:1/", speed=0)
    with pytest.raises(TypeError):
        await replay(object(), "ws://127.0.0.1:1/")  # type: ignore[arg-type]


def test_opcode_constants() -> None:
    assert int(Opcode.TEXT) == 1  # the replay sends the original opcode
