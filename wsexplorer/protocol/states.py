"""Connection states and the transitions between them, as a table (RFC 6455 §4, §7).

The table is data so that documentation and widgets can draw the state diagram from it.
"""

from __future__ import annotations

import enum

__all__ = ["TRANSITIONS", "State"]


class State(enum.Enum):
    """Where a connection is in its life (RFC 6455 §4.1 "_CONNECTING_", "_OPEN_", "_CLOSING_", "_CLOSED_")."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


#: (state, what happened) -> next state. Anything not listed leaves the state unchanged.
TRANSITIONS: dict[tuple[State, str], State] = {
    (State.CONNECTING, "handshake accepted"): State.OPEN,
    (State.CONNECTING, "handshake failed"): State.CLOSED,
    (State.CONNECTING, "transport closed"): State.CLOSED,
    (State.OPEN, "close sent"): State.CLOSING,
    (State.OPEN, "close received"): State.CLOSING,
    (State.OPEN, "connection failed"): State.CLOSING,
    (State.OPEN, "transport closed"): State.CLOSED,
    (State.CLOSING, "transport closed"): State.CLOSED,
}


def next_state(state: State, what: str) -> State:
    """The state after ``what`` happens in ``state``."""
    return TRANSITIONS.get((state, what), state)
