"""Loopback: two sans-I/O connections in memory, recorded as the client saw them."""

from __future__ import annotations

import pytest

from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import CloseReceived, HandshakeAccepted, TextMessage
from wsexplorer.protocol.states import State
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C


def test_a_whole_conversation_is_recorded() -> None:
    wire = Loopback(
        Connection("client", url="ws://h/chat", subprotocols=["chat"]),
        Connection("server", policy=ServerPolicy(subprotocols=["chat"])),
    )
    client_events, server_events = wire.pump()
    assert any(isinstance(e, HandshakeAccepted) for e in client_events)
    assert any(isinstance(e, HandshakeAccepted) for e in server_events)
    wire.client.send_text("hi")
    _, server_events = wire.pump()
    assert [e.data for e in server_events if isinstance(e, TextMessage)] == ["hi"]
    wire.client.send_close(1000, "bye")
    client_events, server_events = wire.pump()
    assert [e.code for e in server_events if isinstance(e, CloseReceived)] == [1000]
    assert [e.code for e in client_events if isinstance(e, CloseReceived)] == [1000]
    assert wire.client.state is State.CLOSING and wire.server.close_expected
    s = wire.session
    assert s.request is not None and s.request.target == "/chat"
    assert s.frame_count(C2S) == 2 and s.frame_count(S2C) == 1
    times = [t for _, _, _, t in s.chunks()]
    assert times == sorted(times) and len(set(times)) == len(times)  # the counter clock


def test_roles_are_checked() -> None:
    with pytest.raises(ValueError, match="client"):
        Loopback(Connection("server"), Connection("server"))
