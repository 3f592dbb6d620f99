"""One client relayed to the upstream server: its two legs, their linked recordings, and what changed.

A :class:`RelayedConnection` records the client leg (client↔relay; the relay is the server) and the
upstream leg (relay↔upstream; the relay is the client) in two :class:`~wsexplorer.record.session.Session`
objects linked by ``meta["relay"]``. On both, direction 0 (client→server) is the way towards the
upstream server, so the same direction of the two sessions is the same flow before and after the relay.
``changes`` lists everything the relay did to that flow (rules applied, re-compression, closes it
made up), and :meth:`~RelayedConnection.diff` compares the two legs message by message.

The closing handshake is passed on end to end (RFC 6455 §7.1.2): each leg's close frame goes to the
other, and each leg answers when the other one's peer answered. A watchdog bounds it: a leg still
waiting ``close_timeout`` after the first close gets its answer from the relay, and a leg whose peer
never closes TCP is aborted after another ``close_timeout``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import CloseCode
from ..protocol.events import Event
from ..protocol.states import State
from ..record.diff import SessionDiff, compare
from ..record.session import Session
from .relay_leg import RelayLeg
from .relay_pipe import Pipe
from .relay_rules import Rule, RuleBook, Way

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["MAX_CHANGES", "RelayChange", "RelayedConnection"]

MAX_CHANGES = 10_000
"""Changes kept per connection; later ones are only counted (``changes_omitted``)."""

_clock = time.monotonic_ns
Notify = Callable[["RelayedConnection", str], None]


@dataclass(frozen=True, slots=True)
class RelayChange:
    """Something the relay did to the conversation: when (monotonic ns, as the sessions record time),
    in which direction (``None``: the connection as a whole), what, by which rule, in words."""

    t_ns: int
    way: Way | None
    action: str
    rule: str
    detail: str

    def __str__(self) -> str:
        by = f" [{self.rule}]" if self.rule else ""
        return f"{self.way or 'both'}: {self.action}{by}: {self.detail}"


class RelayedConnection:
    """One client's connection through the relay (see the module's docstring).

    ``state`` is ``"connecting"`` (waiting for the request or the upstream), ``"open"``, ``"closing"``,
    ``"closed"``, or ``"refused"`` (the handshake did not succeed; ``error`` says why).
    """

    def __init__(
        self,
        number: int,
        *,
        relay_url: str,
        upstream: str,
        rules: Sequence[Rule],
        close_timeout: float | None,
        notify: Notify,
    ) -> None:
        self.number = number
        self.upstream_url = upstream
        link = {"connection": number, "relay": relay_url, "upstream": upstream}
        self.client_session = Session(
            "server", meta={"server": relay_url, "relay": {**link, "leg": "client"}}
        )
        self.upstream_session = Session(
            "client", meta={"url": upstream, "relay": {**link, "leg": "upstream"}}
        )
        self.client_leg: RelayLeg | None = None
        self.upstream_leg: RelayLeg | None = None
        self.rules = RuleBook(rules)
        self.close_timeout = close_timeout
        self.changes: list[RelayChange] = []
        self.changes_omitted = 0
        self.error: BaseException | None = None
        self.refused = False
        self.pipes: dict[Way, Pipe] = {}
        self._notify = notify
        self._loop = asyncio.get_running_loop()
        self._watchdog: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self.closed: asyncio.Future[None] = self._loop.create_future()

    def __repr__(self) -> str:
        changes = len(self.changes)
        return f"<RelayedConnection #{self.number} {self.state} → {self.upstream_url}, {changes} changes>"

    # -- state ---------------------------------------------------------------------------------------

    @property
    def state(self) -> Literal["connecting", "open", "closing", "closed", "refused"]:
        if self.refused:
            return "refused"
        if self.closed.done():
            return "closed"
        legs = (self.client_leg, self.upstream_leg)
        if any(leg is None for leg in legs):
            return "connecting"
        if all(leg.connection.state is State.OPEN for leg in legs if leg is not None):
            return "open"
        return "closing"

    @property
    def sessions(self) -> tuple[Session, Session]:
        """(client leg, upstream leg)."""
        return self.client_session, self.upstream_session

    def log(self, way: Way | None, action: str, rule: str, detail: str) -> None:
        """Record a change (and tell whoever watches)."""
        if len(self.changes) >= MAX_CHANGES:
            self.changes_omitted += 1
        else:
            self.changes.append(RelayChange(_clock(), way, action, rule, detail))
        self._notify(self, "change")

    def diff(self, *, timing_tolerance: float = 0.25) -> SessionDiff:
        """The client leg against the upstream leg: what the relay changed, message by message (timing:
        how long the relay held a message, past ``timing_tolerance`` seconds; both legs share a clock)."""
        return compare(
            self.client_session,
            self.upstream_session,
            labels=("client leg", "upstream leg"),
            timing="clock",
            timing_tolerance=timing_tolerance,
        )

    # -- running ----------------------------------------------------------------------------------------

    def start(self, client: RelayLeg, upstream: RelayLeg) -> None:
        """Both legs are open: wire the two directions and start passing frames on."""
        self.client_leg, self.upstream_leg = client, upstream
        up = Pipe("c2s", client, upstream, self.rules, lambda a, r, d: self.log("c2s", a, r, d))
        down = Pipe("s2c", upstream, client, self.rules, lambda a, r, d: self.log("s2c", a, r, d))
        up.back, down.back = down, up
        self.pipes = {"c2s": up, "s2c": down}
        client.on_writable = lambda _leg, writable: upstream.hold("drain", not writable)
        upstream.on_writable = lambda _leg, writable: client.hold("drain", not writable)
        if not up.in_sync or not down.in_sync:
            ways = [p.way for p in (up, down) if not p.in_sync]
            self.log(
                None, "re-compress", "", f"the legs' permessage-deflate agreements differ ({', '.join(ways)})"
            )
        self._runner = asyncio.get_running_loop().create_task(self._run())
        client.deliver_to(self._batch)
        upstream.deliver_to(self._batch)
        self._notify(self, "open")

    def _batch(self, leg: RelayLeg, events: list[Event]) -> None:
        pipe = self.pipes["c2s" if leg.name == "client" else "s2c"]
        pipe.take(events)
        if pipe.closed or leg.connection.state is not State.OPEN:
            self._closing()
        self._notify(self, "frames")

    def _closing(self) -> None:
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def _run(self) -> None:
        legs = [leg for leg in (self.client_leg, self.upstream_leg) if leg is not None]
        try:
            await asyncio.gather(*(leg.wait_closed() for leg in legs))
        finally:
            for pipe in self.pipes.values():
                pipe.cancel()
            if self._watchdog is not None:
                self._watchdog.cancel()
            if not self.closed.done():
                self.closed.set_result(None)
            self._notify(self, "closed")

    async def _watch(self) -> None:
        """Bound the closing handshake: answer for a silent peer, then abort a peer that never closes."""
        legs = [leg for leg in (self.client_leg, self.upstream_leg) if leg is not None]
        while any(pipe.pending for pipe in self.pipes.values()):
            await asyncio.sleep(0.05)  # delayed frames go first, then the close behind them
        if await self._all_closed(legs):
            return
        for leg in legs:
            conn = leg.connection
            if conn.state is not State.CLOSED and conn.close_received is not None and conn.close_sent is None:
                code = conn.close_received[0]
                self.log(
                    None, "close", "", f"no answer through the relay: the relay answers the {leg.name} itself"
                )
                conn.send_close(None if code == CloseCode.NO_STATUS_RCVD else code, "")
                leg.flush()
        if await self._all_closed(legs):
            return
        for leg in legs:
            if not leg.closed.done():
                self.log(None, "abort", "", f"the {leg.name} leg did not close in time: TCP aborted")
                leg.abort()

    async def _all_closed(self, legs: list[RelayLeg]) -> bool:
        pending = [leg.closed for leg in legs if not leg.closed.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.close_timeout)
        return all(leg.closed.done() for leg in legs)

    # -- acting -------------------------------------------------------------------------------------------

    def inject(self, message: str | bytes, *, to: Literal["upstream", "client"] = "upstream") -> None:
        """Send ``message`` on one leg as if it came from the other side (after anything held back).

        Safe from any thread: the message is handed to the relay's event loop.
        """
        if to not in ("upstream", "client"):
            raise ValueError(f"inject to {to!r}: use 'upstream' or 'client'")
        if not self.pipes:
            raise RuntimeError(f"connection #{self.number} is not open ({self.state})")
        pipe = self.pipes["c2s" if to == "upstream" else "s2c"]
        try:
            here = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            here = False
        if here:
            pipe.inject((message,), "inject()")
        else:
            self._loop.call_soon_threadsafe(pipe.inject, (message,), "inject()")

    async def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "relay closing") -> None:
        """Close both legs with ``code`` and wait until both are closed (bounded by ``close_timeout``)."""
        for leg in (self.client_leg, self.upstream_leg):
            if leg is not None and leg.connection.state is State.OPEN and leg.connection.close_sent is None:
                leg.connection.send_close(code, reason)
                leg.flush()
            elif leg is not None and leg.connection.state is State.CONNECTING:
                leg.abort()
        if self.client_leg is not None and self.upstream_leg is not None:
            self._closing()
            await self.wait_closed()

    async def wait_closed(self) -> None:
        await asyncio.shield(self.closed)
