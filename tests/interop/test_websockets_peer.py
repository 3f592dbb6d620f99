"""Interop with the `websockets` package (the seed's Python example), both roles, with and without deflate.

The seed's server is adapted as current versions need: `websockets` >= 14 calls a one-argument handler,
it binds 127.0.0.1 on port 0, and it echoes without the seed's "Echo: " prefix.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest
import websockets
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import ServerConnection as WSServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed as WSClosed

from wsexplorer import ConnectionClosed, Frame, connect, serve_echo
from wsexplorer.errors import ConnectionClosedError
from wsexplorer.record.session import C2S, S2C

MIB = 1 << 20
LIMIT = MIB + 1024


async def seed_handler(websocket: WSServerConnection) -> None:
    """The seed's echo handler, adapted: one argument, no prefix; `close:N` closes with code N."""
    async for message in websocket:
        if message == "close:none":
            # websockets' API always puts a code in its close frames: write an empty close frame
            # (no code, §5.5.1) by hand, then hang up once our client has answered.
            websocket.transport.write(b"\x88\x00")
            await asyncio.sleep(0.2)
            websocket.transport.close()
            return
        if message == "vanish":
            websocket.transport.abort()  # no close frame at all: the client must report 1006
            return
        if isinstance(message, str) and message.startswith("close:"):
            code = int(message.split(":")[1])
            await websocket.close(code, f"closing with {code}")
            return
        await websocket.send(message)


@pytest.fixture(params=[True, False], ids=["deflate", "plain"])
def deflate(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
async def their_server(deflate: bool) -> AsyncIterator[str]:
    compression = "deflate" if deflate else None
    async with ws_serve(seed_handler, "127.0.0.1", 0, compression=compression, max_size=LIMIT) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


async def test_our_client_their_server_messages(their_server: str, deflate: bool) -> None:
    exts = ["permessage-deflate"] if deflate else None
    async with connect(their_server, extensions=exts, max_message_size=LIMIT) as ws:
        assert bool(ws.extensions) == deflate
        await ws.send("Hello Server!")
        assert await ws.recv() == "Hello Server!"
        await ws.send(b"\x00\x01\x02")
        assert await ws.recv() == b"\x00\x01\x02"
        await ws.send("fragment me " * 200, fragment_size=100)
        assert await ws.recv() == "fragment me " * 200
        big = hashlib.sha256(b"seed").digest() * (MIB // 32)
        await ws.send(big)
        assert await ws.recv() == big
        assert 0 < await ws.ping(b"rtt") < 5
    assert ws.close_code == 1000
    frames = list(ws.session.frames(S2C))
    assert any(r.frame.rsv1 for r in frames) == deflate
    assert ws.session.frame_count(C2S) >= 4 + 1 + 1  # messages (+fragments), ping, close


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1008, 1011])
async def test_our_client_sees_their_close_codes(their_server: str, code: int) -> None:
    async with connect(their_server) as ws:
        await ws.send(f"close:{code}")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert (ws.close_code, ws.close_reason) == (code, f"closing with {code}")


async def test_our_client_sees_1005_and_1006_locally(their_server: str) -> None:
    async with connect(their_server) as ws:
        await ws.send("close:none")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1005  # the close frame had no code: 1005 stands for that, locally
        frames = [r.frame for r in ws.session.frames(S2C) if r.frame.opcode == 0x8]
        assert frames and frames[0].payload == b""
    async with connect(their_server, close_timeout=1) as ws:
        await ws.send("vanish")
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == 1006 and ws.close_code == 1006
        assert not any(r.frame.opcode == 0x8 for r in ws.session.frames(S2C))


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (Frame.build(0x3, b"", mask=True), 1002),  # reserved opcode
        (Frame.build(0x1, b"\xff\xfe", mask=True), 1007),  # invalid UTF-8
    ],
)
async def test_their_server_fails_our_bad_frames(their_server: str, frame: Frame, code: int) -> None:
    async with connect(their_server, extensions=None) as ws:
        await ws.send_frame(frame)
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == code


async def test_their_server_refuses_too_big_1009(their_server: str) -> None:
    async with connect(their_server, max_message_size=4 * MIB) as ws:
        await ws.send(b"x" * (LIMIT + 1))
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == 1009


async def test_their_client_our_server(deflate: bool) -> None:
    compression = "deflate" if deflate else None
    async with serve_echo(max_message_size=LIMIT) as server:
        async with ws_connect(server.url, compression=compression, max_size=LIMIT) as theirs:
            await theirs.send("Hello Server!")
            assert await theirs.recv() == "Hello Server!"
            await theirs.send(b"\x00\xff")
            assert await theirs.recv() == b"\x00\xff"
            await theirs.send(["frag", "mented", " message"])  # websockets sends an iterable as fragments
            assert await theirs.recv() == "fragmented message"
            big = bytes(range(256)) * 4096
            await theirs.send(big)
            assert await theirs.recv() == big
            pong = await theirs.ping(b"p")
            await pong
            await theirs.close(1001, "bye")
        session = server.sessions[0]
        assert bool(session.meta["extensions"]) == deflate
        request = session.request
        assert request is not None
        if deflate:
            assert "permessage-deflate" in (request.get("Sec-WebSocket-Extensions") or "")
        assert session.summary().close_codes == {"client→server": 1001, "server→client": 1001}
        # websockets sends each piece as a frame, then an empty final continuation frame.
        assert len([r for r in session.frames(C2S) if r.frame.opcode == 0]) >= 2


async def test_their_client_sees_our_failures() -> None:
    async with serve_echo(max_message_size=100) as server, ws_connect(server.url) as theirs:
        await theirs.send("x" * 101)
        with pytest.raises(WSClosed) as err:
            await theirs.recv()
        assert err.value.rcvd is not None and err.value.rcvd.code == 1009


async def test_their_client_refused_by_origin() -> None:
    async with serve_echo(origins=["http://good.example"]) as server:
        with pytest.raises(websockets.exceptions.InvalidStatus) as err:
            async with ws_connect(server.url, origin="http://evil.example"):  # type: ignore[arg-type]
                pass
        assert err.value.response.status_code == 403
        assert server.sessions[0].response.status == 403
