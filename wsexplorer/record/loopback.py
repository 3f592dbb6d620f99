"""Two sans-I/O connections wired to each other in memory, recorded as the client saw them.

For notebooks, tests and benchmarks that want a whole conversation (handshake, frames, close) without
sockets: every byte one side writes is fed to the other and recorded in a :class:`Session`. No clock is
read: timestamps come from ``clock`` (by default a counter that advances 1 µs per chunk).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ..protocol.connection import Connection
from ..protocol.events import Event
from .session import Session

__all__ = ["Loopback"]


class Loopback:
    """``client`` and ``server`` talking in memory; ``session`` records the client's view of the wire."""

    def __init__(
        self,
        client: Connection,
        server: Connection,
        *,
        session: Session | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        if client.role != "client" or server.role != "server":
            raise ValueError("Loopback(client, server): the first connection is the client's")
        self.client = client
        self.server = server
        self.session = session if session is not None else Session("client")
        counter = itertools.count(1_000, 1_000)
        self.clock = clock if clock is not None else counter.__next__

    def pump(self, max_rounds: int = 1_000) -> tuple[list[Event], list[Event]]:
        """Move bytes both ways until neither side has anything to send; return (client, server) events."""
        client_events: list[Event] = []
        server_events: list[Event] = []
        for _ in range(max_rounds):
            out = self.client.data_to_send()
            if out:
                self.session.sent(out, self.clock())
                self.server.receive_data(out)
            back = self.server.data_to_send()
            if back:
                self.session.received(back, self.clock())
                self.client.receive_data(back)
            client_events += self.client.events()
            server_events += self.server.events()
            if not out and not back:
                break
        return client_events, server_events
