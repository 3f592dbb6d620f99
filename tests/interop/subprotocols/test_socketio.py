"""Socket.IO (v5 over Engine.IO v4), decoded from real peers relayed and recorded by wsexplorer: a Node
socket.io server with a Node socket.io-client, and with a Python python-socketio client. Namespaces,
acknowledgements both ways and binary events decode with zero violations; hand-made bad packets added to
the same conversation break the rules of the Socket.IO protocol document."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from wsexplorer.codec.subprotocols import DecodedMessage, conversation

from .peers import Relay, decode, node_peer, require, violations

NPM = ["socket.io", "socket.io-client"]


def _events(decoded: list[DecodedMessage]) -> list[tuple[str | None, str, str]]:
    """(sender, kind, namespace) of every Socket.IO packet."""
    return [(m.sender, m.kind, str(m.attributes.get("namespace", "/"))) for m in decoded]


def _check_chat(decoded: list[DecodedMessage], *, disconnects: bool = True) -> None:
    assert not violations(decoded), violations(decoded)
    seen = _events(decoded)
    assert ("server", "open", "/") in seen  # the Engine.IO handshake
    connects = {ns for sender, kind, ns in seen if kind == "CONNECT" and sender == "client"}
    assert connects == {"/", "/chat"}  # two namespaces on one connection
    kinds = {kind for _, kind, _ in seen}
    assert {"EVENT", "ACK", "BINARY_EVENT"} <= kinds
    # socket.io-client says DISCONNECT per namespace; python-socketio closes the connection instead
    assert ("DISCONNECT" in kinds) is disconnects
    attachments = [m for m in decoded if m.kind.startswith("attachment")]
    assert len(attachments) >= 2 and all(not m.is_text for m in attachments)  # upload and download
    acks = [m for m in decoded if m.kind == "ACK"]
    assert {m.sender for m in acks} == {"client", "server"}  # acks both ways


async def test_node_client_and_server() -> None:
    require(npm=NPM)
    async with node_peer("socketio.js", "server") as server:
        port = (await server.line())["port"]
        async with Relay(f"ws://127.0.0.1:{port}") as relay:
            http_url = relay.url.replace("ws://", "http://")
            async with node_peer("socketio.js", "client", http_url) as client:
                events = await client.until("done")
            assert (await server.line())["answer"] == 43
    assert [e["event"] for e in events] == ["hello", "chat", "download", "asked", "done"]
    [session] = relay.sessions
    decoded = decode(session, choice="socket.io")
    _check_chat(decoded)
    # Hand-made bad packets continue the same conversation.
    conv = conversation(None, choice="socket.io")
    assert conv is not None
    for m in decoded:
        conv.receive(m.text if m.is_text else m.data, m.sender or "client")
    [unknown] = conv.receive("47", "client")
    assert "packet type '7' is not one of 0-6" in unknown.violations[0].rule
    [stray] = conv.receive('43/chat,999["x"]', "client")
    assert any("no event asked for it" in v.rule or "not connected" in v.rule for v in stray.violations)


async def test_python_client() -> None:
    require(npm=["socket.io"], python=["socketio", "aiohttp"])
    socketio: Any = importlib.import_module("socketio")

    async with node_peer("socketio.js", "server") as server:
        port = (await server.line())["port"]
        async with Relay(f"ws://127.0.0.1:{port}") as relay:
            sio = socketio.AsyncClient(reconnection=False)
            got: asyncio.Queue[object] = asyncio.Queue()
            sio.on("chat", got.put_nowait, namespace="/chat")
            sio.on("download", lambda name, data: got.put_nowait((name, data)), namespace="/chat")
            sio.on("ping?", lambda n: n + 1, namespace="/chat")
            http_url = relay.url.replace("ws://", "http://")
            await sio.connect(http_url, transports=["websocket"], namespaces=["/", "/chat"], wait_timeout=10)
            assert await sio.call("hello", "python", timeout=10) == {"greeting": "hello, python"}
            assert (
                await sio.call("chat", {"text": "from python"}, namespace="/chat", timeout=10) == "delivered"
            )
            assert await asyncio.wait_for(got.get(), 10) == {
                "from": sio.get_sid("/chat")[:4],
                "text": "from python",
            }
            await sio.emit("upload", ("data.bin", b"\x00\x01\xff"), namespace="/chat")
            assert await asyncio.wait_for(got.get(), 10) == ("data.bin", b"\xff\x01\x00")
            await sio.emit("ready", namespace="/chat")
            assert (await server.until("client-acked"))[-1]["answer"] == 43
            await sio.disconnect()
    [session] = relay.sessions
    _check_chat(decode(session, choice="socket.io"), disconnects=False)
