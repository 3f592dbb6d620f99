"""Rules broken on purpose, for teaching: one implementation, used by the live server and the widgets."""

from __future__ import annotations

import pytest

from wsexplorer.codec.accept import accept_key
from wsexplorer.errors import InvalidAccept
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import ConnectionFailed, HandshakeFailed, RequestReceived
from wsexplorer.protocol.misbehaviour import MISBEHAVIOURS, OTHER_CLIENT_KEY, PLAIN_PAGE, check_misbehaviours
from wsexplorer.protocol.states import State
from wsexplorer.record.loopback import Loopback


def pair(*misbehave: str) -> Loopback:
    return Loopback(
        Connection("client", url="ws://h/", rng=lambda n: bytes(range(n))),
        Connection("server", misbehave=misbehave),
    )


def test_names_are_checked() -> None:
    assert check_misbehaviours("no-pong") == {"no-pong"}
    with pytest.raises(ValueError, match="unknown misbehaviour"):
        check_misbehaviours(["be-rude"])
    assert set(MISBEHAVIOURS) >= {"wrong-accept", "mask-frames", "no-close-reply", "no-pong"}


def test_wrong_accept_on_the_wire_and_in_the_servers_own_steps() -> None:
    wire = pair("wrong-accept")
    client_events, server_events = wire.pump()
    (received,) = [e for e in server_events if isinstance(e, RequestReceived)]
    wrong, right = accept_key(OTHER_CLIENT_KEY), accept_key(wire.client.request.key or "")  # type: ignore[union-attr]
    assert received.decision.response.accept == wrong
    step = received.decision.steps[-1]
    assert step.outcome == "note" and wrong in step.detail and right in step.detail
    assert wrong.encode() in wire.session.stream(1) and right.encode() not in wire.session.stream(1)
    (failed,) = [e for e in client_events if isinstance(e, HandshakeFailed)]
    assert isinstance(failed.error, InvalidAccept) and failed.error.received == wrong
    assert wire.client.state is State.CLOSED


def test_mask_frames_fails_the_client_with_1002() -> None:
    wire = pair("mask-frames")
    wire.pump()
    wire.server.send_text("hi")
    client_events, _ = wire.pump()
    (failed,) = [e for e in client_events if isinstance(e, ConnectionFailed)]
    assert failed.error.close_code == 1002 and "must not mask" in failed.error.rule


def test_no_pong_and_no_close_reply() -> None:
    wire = pair("no-pong", "no-close-reply")
    wire.pump()
    wire.client.send_ping(b"?")
    wire.client.send_close(1000)
    wire.pump()
    assert wire.session.frame_count(1) == 0  # the server answered neither
    assert wire.server.close_received is not None and wire.server.close_sent is None


def test_silent_handshake_never_answers() -> None:
    wire = pair("silent-handshake")
    client_events, server_events = wire.pump()
    assert client_events == [] and server_events == []
    assert wire.server.state is State.CONNECTING and wire.session.byte_count(1) == 0


def test_plain_http_serves_a_page_and_no_upgrade() -> None:
    wire = pair("plain-http")
    client_events, server_events = wire.pump()
    (received,) = [e for e in server_events if isinstance(e, RequestReceived)]
    assert received.decision.status == 200 and not received.decision.accepted
    assert wire.session.stream(1).endswith(PLAIN_PAGE)
    (failed,) = [e for e in client_events if isinstance(e, HandshakeFailed)]
    assert "200" in failed.error.rule and wire.client.state is State.CLOSED
