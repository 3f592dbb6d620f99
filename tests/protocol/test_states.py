"""The state machine is a table: every move comes from it, an unknown pair raises and queues nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.errors import InvalidState, ProtocolError
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import ConnectionFailed
from wsexplorer.protocol.states import TRANSITIONS, State, Trigger, mermaid, transition

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machine.md"


def test_every_state_has_a_row_and_every_move_stays_in_the_table() -> None:
    assert set(TRANSITIONS) == set(State)
    for moves in TRANSITIONS.values():
        assert set(moves) <= set(Trigger)
        assert set(moves.values()) <= set(State)
    assert TRANSITIONS[State.CONNECTING][Trigger.HANDSHAKE_ACCEPTED] is State.OPEN
    assert TRANSITIONS[State.OPEN][Trigger.SEND_CLOSE] is State.CLOSING
    assert TRANSITIONS[State.CLOSING][Trigger.TRANSPORT_CLOSED] is State.CLOSED


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("trigger", list(Trigger))
def test_transition_is_the_table_or_invalid_state(state: State, trigger: Trigger) -> None:
    if trigger in TRANSITIONS[state]:
        assert transition(state, trigger) is TRANSITIONS[state][trigger]
    else:
        with pytest.raises(InvalidState) as info:
            transition(state, trigger)
        assert trigger.value in info.value.rule and state.value in info.value.rule
        assert info.value.fault == "local" and info.value.section.startswith("RFC 6455 §")


def closed_client() -> Connection:
    conn = Connection("client", opened=True)
    conn.receive_data(b"")
    assert conn.state is State.CLOSED
    conn.events()
    return conn


def connecting_client() -> Connection:
    conn = Connection("client", url="ws://h/")
    conn.data_to_send()  # the request
    return conn


@pytest.mark.parametrize(
    ("make", "call"),
    [
        (closed_client, lambda c: c.send_frame(Frame.text("too late"))),
        (connecting_client, lambda c: c.send_frame(Frame.close(1000))),
        (connecting_client, lambda c: c.fail(ProtocolError("no"))),
        (closed_client, lambda c: c.fail(ProtocolError("no"))),
        (closed_client, lambda c: c.send_raw(b"\x00")),
        (closed_client, lambda c: c.send_text("x")),
        (closed_client, lambda c: c.send_ping(b"")),
        (connecting_client, lambda c: c.send_close(1000)),
        (connecting_client, lambda c: c.send_binary(b"x")),
    ],
)
def test_calls_without_a_transition_raise_and_queue_nothing(make: object, call: object) -> None:
    conn = make()  # type: ignore[operator]
    state = conn.state
    with pytest.raises(InvalidState):
        call(conn)  # type: ignore[operator]
    assert conn.data_to_send() == b""
    assert not any(isinstance(e, ConnectionFailed) for e in conn.events())
    assert conn.state is state


def test_bytes_after_the_end_are_allowed_and_ignored() -> None:
    conn = closed_client()
    conn.receive_data(b"\x81\x02hi")
    assert conn.events() == [] and conn.state is State.CLOSED


def test_raw_bytes_may_go_out_before_the_handshake() -> None:
    conn = connecting_client()
    conn.send_raw(b"garbage")
    assert conn.data_to_send() == b"garbage" and conn.state is State.CONNECTING


def test_a_hand_made_close_frame_starts_the_closing_handshake() -> None:
    conn = Connection("client", opened=True, rng=lambda n: b"\x00" * n)
    conn.send_frame(Frame.close(1000, mask=b"\x00\x00\x00\x00"))
    assert conn.state is State.CLOSING and conn.close_sent == (1000, "")
    conn.send_frame(Frame.close(1000, mask=b"\x00\x00\x00\x00"))  # a second one, by hand: sent as is
    assert conn.state is State.CLOSING


def test_the_documented_diagram_is_drawn_from_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert mermaid() in text, "regenerate docs/state-machine.md: python scripts/state_diagram.py"
    for state, moves in TRANSITIONS.items():
        for trigger in moves:
            assert f"| {state.name} | {trigger.value} | {moves[trigger].name} |" in text
