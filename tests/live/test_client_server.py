"""Our live client against our live server on loopback: messages, handshake failures, errors, recording."""

from __future__ import annotations

import asyncio

import pytest

from wsexplorer import Frame, HandshakeError, connect, serve, serve_echo
from wsexplorer.errors import ConnectionClosedError, ConnectionClosedOK, InvalidAccept, OpeningTimeout
from wsexplorer.live.server import ServerConnection
from wsexplorer.record.session import C2S, S2C


async def test_echo_text_binary_fragmented_big_and_ping() -> None:
    async with (
        serve_echo(max_message_size=2 << 20) as server,
        connect(server.url, max_message_size=2 << 20) as ws,
    ):
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"
        await ws.send("fragmented " * 100, fragment_size=50)
        assert await ws.recv() == "fragmented " * 100
        big = bytes(range(256)) * 4096  # 1 MiB
        await ws.send(big)
        assert await ws.recv() == big
        rtt = await ws.ping(b"abc")
        assert 0 < rtt < 5
        assert ws.extensions and "permessage-deflate" in ws.session.meta["extensions"][0]
    assert ws.close_code == 1000
    session = server.sessions[0]
    assert session.frame_count(C2S) == session.frame_count(S2C)
    frames = list(session.frames(C2S))
    assert frames[0].frame.rsv1 and frames[0].frame.masked
    assert session.summary().close_codes == {"client→server": 1000, "server→client": 1000}


async def test_async_for_ends_on_normal_close() -> None:
    async def handler(ws: ServerConnection) -> None:
        for i in range(3):
            await ws.send(str(i))
        await ws.close(1001, "going away")

    async with serve(handler) as server:
        ws = await connect(server.url)
        got = [m async for m in ws]
        assert got == ["0", "1", "2"]
        assert (ws.close_code, ws.close_reason) == (1001, "going away")
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
        await ws.close()


async def test_subprotocol_and_path() -> None:
    paths: list[str | None] = []

    async def handler(ws: ServerConnection) -> None:
        paths.append(ws.path)
        await ws.send(ws.subprotocol or "")

    async with (
        serve(handler, subprotocols=["superchat", "chat"]) as server,
        connect(server.url + "chat?x=1", subprotocols=["chat", "superchat"]) as ws,
    ):
        assert ws.subprotocol == "superchat"
        assert await ws.recv() == "superchat"
    assert paths == ["/chat?x=1"]


async def test_origin_refused_403_keeps_whole_response() -> None:
    async with serve_echo(origins=["http://good.example"]) as server:
        with pytest.raises(HandshakeError) as err:
            await connect(server.url, origin="http://evil.example")
        assert err.value.http_status == 403
        response = err.value.response
        assert response.status == 403
        assert b"allow-list" in response.body
        assert "403" in str(err.value)
        assert server.sessions[0].response.status == 403


async def test_wrong_accept_misbehaviour() -> None:
    async with serve_echo(misbehave=["wrong-accept"]) as server:
        with pytest.raises(InvalidAccept) as err:
            await connect(server.url)
        assert "fail the WebSocket connection" in str(err.value)
        assert err.value.response.status == 101


async def test_no_compression_when_declined() -> None:
    async with serve_echo(extensions=None) as server, connect(server.url) as ws:
        await ws.send("x" * 100)
        assert await ws.recv() == "x" * 100
        assert ws.extensions == ()
        assert not any(r.frame.rsv1 for r in ws.session.frames())


async def test_invalid_frame_from_client_fails_1002() -> None:
    async with serve_echo() as server, connect(server.url, extensions=None) as ws:
        await ws.send_frame(Frame.build(0x3, b"", mask=True))
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == 1002
        failure = server.sessions[0].summary().close_codes["server→client"]
        assert failure == 1002


async def test_invalid_utf8_fails_1007() -> None:
    async with serve_echo() as server, connect(server.url, extensions=None) as ws:
        await ws.send_frame(Frame.build(0x1, b"ok\xff", mask=True))
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == 1007


async def test_too_big_fails_1009_both_ways() -> None:
    async with serve_echo(max_message_size=1000) as server:
        async with connect(server.url) as ws:
            await ws.send(b"x" * 1001)
            with pytest.raises(ConnectionClosedError) as err:
                await ws.recv()
            assert err.value.code == 1009
        async with connect(server.url, max_message_size=10) as ws:
            await ws.send("y" * 11)
            with pytest.raises(ConnectionClosedError) as err:
                await ws.recv()
            assert err.value.sent_code == 1009


async def test_handler_exception_closes_1011() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        raise RuntimeError("boom")

    async with serve(handler) as server, connect(server.url) as ws:
        await ws.send("go")
        with pytest.raises(ConnectionClosedError) as err:
            await ws.recv()
        assert err.value.code == 1011
    assert [str(e) for e in server.errors] == ["boom"]


async def test_application_close_codes_seen_by_client() -> None:
    async def handler(ws: ServerConnection) -> None:
        code = int(await ws.recv())
        await ws.close(code, f"code {code}")

    async with serve(handler) as server:
        for code in (1000, 1001, 1003, 1008, 1011, 4000):
            async with connect(server.url) as ws:
                await ws.send(str(code))
                with pytest.raises((ConnectionClosedOK, ConnectionClosedError)):
                    await ws.recv()
                assert (ws.close_code, ws.close_reason) == (code, f"code {code}")


async def test_open_timeout_on_silent_server() -> None:
    async with serve_echo(misbehave=["silent-handshake"], close_timeout=0.2) as server:
        with pytest.raises(OpeningTimeout, match="did not complete"):
            await connect(server.url, open_timeout=0.3)


async def test_server_close_sends_1001_to_clients() -> None:
    server = await serve_echo()
    ws = await connect(server.url)
    await server.close()
    with pytest.raises(ConnectionClosedOK):
        await ws.recv()
    assert ws.close_code == 1001
    await ws.close()


async def test_works_inside_a_running_loop_like_a_kernel() -> None:
    loop = asyncio.get_running_loop()
    server = await serve_echo()  # bound before returning: the URL has the real port
    assert server.url.startswith("ws://127.0.0.1:") and not server.url.endswith(":0/")
    ws = await connect(server.url)
    await ws.send("kernel")
    assert await ws.recv() == "kernel"
    await ws.close()
    await server.close()
    assert asyncio.get_running_loop() is loop


async def test_extension_given_as_one_string() -> None:
    async with (
        serve_echo(extensions="permessage-deflate") as server,
        connect(server.url, extensions="permessage-deflate") as ws,
    ):
        await ws.send("z" * 200)
        assert await ws.recv() == "z" * 200
        assert ws.extensions
