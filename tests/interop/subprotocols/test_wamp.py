"""WAMP v2 messages made by the ``autobahn`` library's own serializers (JSON, MessagePack, CBOR), carried
over a wsexplorer connection that negotiates ``wamp.2.json`` / ``wamp.2.msgpack`` / ``wamp.2.cbor``, then
decoded from the recorded session: a session opening, publish/subscribe, a remote call with its
invocation, a call that fails (ERROR), unsubscribe and goodbye, all with zero violations. Hand-made bad
messages break the rules of the WAMP specification."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from wsexplorer.codec.subprotocols import conversation
from wsexplorer.live import ServerConnection, connect, serve

from .peers import decode, kinds, require, violations

SERIALIZERS = {
    "wamp.2.json": "JsonSerializer",
    "wamp.2.msgpack": "MsgPackSerializer",
    "wamp.2.cbor": "CBORSerializer",
}


def script() -> list[tuple[str, Any]]:
    """A realistic WAMP session as autobahn message objects: (sender, message)."""
    m: Any = importlib.import_module("autobahn.wamp.message")
    role: Any = importlib.import_module("autobahn.wamp.role")

    client_roles = {
        "subscriber": role.RoleSubscriberFeatures(),
        "publisher": role.RolePublisherFeatures(),
        "caller": role.RoleCallerFeatures(),
        "callee": role.RoleCalleeFeatures(),
    }
    router_roles = {"broker": role.RoleBrokerFeatures(), "dealer": role.RoleDealerFeatures()}
    return [
        ("client", m.Hello("realm1", client_roles)),
        ("server", m.Welcome(9129137332, router_roles)),
        ("client", m.Subscribe(1, "com.example.chat")),
        ("server", m.Subscribed(1, 5512315355)),
        ("client", m.Publish(2, "com.example.chat", args=["hello"], kwargs={"from": "py"}, acknowledge=True)),
        ("server", m.Published(2, 4429313566)),
        ("server", m.Event(5512315355, 4429313566, args=["hello"], kwargs={"from": "py"})),
        ("client", m.Register(3, "com.example.add")),
        ("server", m.Registered(3, 2103333224)),
        ("client", m.Call(4, "com.example.add", args=[2, 3])),
        ("server", m.Invocation(6131533, 2103333224, args=[2, 3])),
        ("client", m.Yield(6131533, args=[5])),
        ("server", m.Result(4, args=[5])),
        ("client", m.Call(5, "com.example.nosuch")),
        ("server", m.Error(m.Call.MESSAGE_TYPE, 5, "wamp.error.no_such_procedure")),
        ("client", m.Unsubscribe(6, 5512315355)),
        ("server", m.Unsubscribed(6)),
        ("client", m.Goodbye()),
        ("server", m.Goodbye("wamp.close.goodbye_and_out")),
    ]


def wire(protocol: str) -> list[tuple[str, str | bytes]]:
    txaio: Any = importlib.import_module("txaio")
    txaio.use_asyncio()
    serializer: Any = importlib.import_module("autobahn.wamp.serializer")

    ser = getattr(serializer, SERIALIZERS[protocol])()
    out: list[tuple[str, str | bytes]] = []
    for sender, message in script():
        data, binary = ser.serialize(message)
        out.append((sender, data if binary else data.decode("utf-8")))
    return out


@pytest.mark.parametrize("protocol", list(SERIALIZERS))
async def test_autobahn_serialized_session(protocol: str) -> None:
    require(python=["autobahn", "txaio"])
    messages = wire(protocol)
    from_client = [d for s, d in messages if s == "client"]

    async def router(ws: ServerConnection) -> None:
        """Plays the router's part: after each client message, the router's messages that follow it."""
        queue = list(messages)
        while queue and queue[0][0] == "server":
            await ws.send(queue.pop(0)[1])
        async for _ in ws:
            queue.pop(0)
            while queue and queue[0][0] == "server":
                await ws.send(queue.pop(0)[1])

    async with (
        serve(router, subprotocols=[protocol], extensions=None) as server,
        connect(server.url, subprotocols=[protocol], extensions=None) as ws,
    ):
        for i, data in enumerate(from_client):
            await ws.send(data)
            expected = [d for s, d in _after(messages, i) if s == "server"]
            for want in expected:
                assert await ws.recv() == want
    decoded = decode(ws.session)
    assert not violations(decoded), violations(decoded)
    assert kinds(decoded) == [type(msg).__name__.upper() for _, msg in script()]
    error = next(m for m in decoded if m.kind == "ERROR")
    assert "wamp.error.no_such_procedure" in str(error.value)


def _after(messages: list[tuple[str, str | bytes]], i: int) -> list[tuple[str, str | bytes]]:
    """The messages after the client's message number ``i`` up to its next one."""
    seen = -1
    out: list[tuple[str, str | bytes]] = []
    for sender, data in messages:
        if sender == "client":
            seen += 1
            if seen > i:
                break
        elif seen == i:
            out.append((sender, data))
    return out


def test_hand_made_bad_messages() -> None:
    conv = conversation("wamp.2.json")
    assert conv is not None
    conv.receive('[1, "realm1", {"roles": {"caller": {}}}]', "client")
    [welcome_from_client] = conv.receive('[2, 1, {"roles": {"broker": {}}}]', "client")
    assert welcome_from_client.violations
    [unknown] = conv.receive("[999, 1]", "client")
    assert unknown.violations
    [bad_id] = conv.receive('[48, "one", {}, "com.example.add"]', "client")
    assert bad_id.violations
