"""Where a connection is in its life, and what may happen there: the state machine as a table.

RFC 6455 names four states (§4.1 *CONNECTING*, *OPEN*, §7.1.3 *CLOSING*, §7.1.4 *CLOSED*).
:data:`TRANSITIONS` says, for each state, which :class:`Trigger` is allowed and which state follows;
:func:`transition` raises :class:`~wsexplorer.errors.InvalidState` for any pair not in the table, so a
call the state has no transition for (a close frame before the handshake, data after the connection
closed) is refused before anything is queued. The connection follows the table and never overrides
it; the diagram in ``docs/state-machine.md`` is drawn from it (:func:`mermaid`) and checked in CI.

Self-loops matter as much as moves: ``(OPEN, SEND_MESSAGE) -> OPEN`` is what *allows* sending data.
Rules that depend on more than the state (a second close frame, data after our own close frame) are
checked by the connection with their own RFC sections, after the table has allowed the trigger.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from ..errors import InvalidState

__all__ = ["TRANSITIONS", "State", "Trigger", "mermaid", "transition"]


class State(enum.Enum):
    """The four states of RFC 6455 (§4.1, §7.1.3, §7.1.4)."""

    CONNECTING = "connecting"  #: the opening handshake is under way
    OPEN = "open"  #: frames flow both ways
    CLOSING = "closing"  #: a close frame was sent or received (or the connection failed)
    CLOSED = "closed"  #: the TCP connection is closed, or the handshake failed

    # Members are singletons compared by identity: hash them by identity too, in C (Enum's own
    # __hash__ is Python code, and the connection looks its state up in the table on every call).
    __hash__ = object.__hash__


class Trigger(enum.Enum):
    """What can happen to a connection: a call of the local program, or something the peer did."""

    HANDSHAKE_ACCEPTED = "handshake accepted"  #: §4.1 / §4.2.2: the opening handshake succeeded
    HANDSHAKE_FAILED = "handshake failed"  #: a refusal sent (server) or a bad answer received (client)
    RECEIVE_BYTES = "receive bytes"  #: bytes from the peer (processed, or ignored once closed)
    RECEIVE_CLOSE = "receive close"  #: the peer's close frame (§5.5.1)
    SEND_MESSAGE = "send message"  #: a text or binary message (§5.6)
    SEND_CONTROL = "send ping or pong"  #: §5.5.2, §5.5.3
    SEND_CLOSE = "send close"  #: our close frame, first or in reply (§5.5.1, §7.1.2)
    SEND_FRAME = "send hand-made frame"  #: a frame built by hand, valid or not, sent as it is
    SEND_RAW = "send raw bytes"  #: any bytes at all (to show how a peer reacts to garbage)
    FAIL = "fail"  #: a protocol error: send its close code, process nothing more (§7.1.7)
    TRANSPORT_CLOSED = "transport closed"  #: the TCP connection ended (§7.1.4)

    __hash__ = object.__hash__  # as State's


_S, _T = State, Trigger

TRANSITIONS: Mapping[State, Mapping[Trigger, State]] = {
    _S.CONNECTING: {
        _T.HANDSHAKE_ACCEPTED: _S.OPEN,
        _T.HANDSHAKE_FAILED: _S.CLOSED,
        _T.RECEIVE_BYTES: _S.CONNECTING,
        _T.SEND_RAW: _S.CONNECTING,
        _T.TRANSPORT_CLOSED: _S.CLOSED,
    },
    _S.OPEN: {
        _T.RECEIVE_BYTES: _S.OPEN,
        _T.RECEIVE_CLOSE: _S.CLOSING,
        _T.SEND_MESSAGE: _S.OPEN,
        _T.SEND_CONTROL: _S.OPEN,
        _T.SEND_CLOSE: _S.CLOSING,
        _T.SEND_FRAME: _S.OPEN,
        _T.SEND_RAW: _S.OPEN,
        _T.FAIL: _S.CLOSING,
        _T.TRANSPORT_CLOSED: _S.CLOSED,
    },
    _S.CLOSING: {
        _T.RECEIVE_BYTES: _S.CLOSING,
        _T.RECEIVE_CLOSE: _S.CLOSING,
        _T.SEND_CONTROL: _S.CLOSING,
        _T.SEND_CLOSE: _S.CLOSING,
        _T.SEND_FRAME: _S.CLOSING,
        _T.SEND_RAW: _S.CLOSING,
        _T.FAIL: _S.CLOSING,
        _T.TRANSPORT_CLOSED: _S.CLOSED,
    },
    _S.CLOSED: {
        _T.RECEIVE_BYTES: _S.CLOSED,
        _T.TRANSPORT_CLOSED: _S.CLOSED,
    },
}
"""``TRANSITIONS[state][trigger]`` is the next state; a missing pair is not allowed."""


def transition(state: State, trigger: Trigger) -> State:
    """The state after ``trigger`` in ``state``; InvalidState when the table has no such transition."""
    try:
        return TRANSITIONS[state][trigger]
    except KeyError:
        allowed = ", ".join(t.value for t in TRANSITIONS[state]) or "nothing"
        raise InvalidState(
            f"cannot {trigger.value} while the connection is {state.value} (allowed: {allowed})",
            section=_SECTIONS[state],
        ) from None


_SECTIONS = {
    State.CONNECTING: "RFC 6455 §4.1",
    State.OPEN: "RFC 6455 §4.1, §5",
    State.CLOSING: "RFC 6455 §7.1.3",
    State.CLOSED: "RFC 6455 §7.1.4",
}


def mermaid() -> str:
    """The table as a Mermaid state diagram (moves as arrows; self-loops listed in a note per state)."""
    lines = ["stateDiagram-v2", "    [*] --> CONNECTING"]
    for state, moves in TRANSITIONS.items():
        loops = [t.value for t, after in moves.items() if after is state]
        for trigger, after in moves.items():
            if after is not state:
                lines.append(f"    {state.name} --> {after.name}: {trigger.value}")
        if loops:
            lines.append(f"    note right of {state.name}: stays on {', '.join(loops)}")
    lines.append("    CLOSED --> [*]")
    return "\n".join(lines)
