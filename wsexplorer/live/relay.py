"""A recording relay: a man in the middle on purpose, between a WebSocket client and its server.

``relay = await wsexplorer.relay("wss://example.org/socket")`` listens on ``relay.url`` (127.0.0.1, a
free port). Each client that connects there is passed on to the upstream server: the relay opens its
own connection upstream with what the client asked for (subprotocols, permessage-deflate offers,
Origin, cookies...), answers the client with what the upstream agreed to, then passes every frame on
both ways, recording both legs (:mod:`.relay_connection`). Rules (:mod:`.relay_rules`) can pass,
drop, delay, modify or inject messages; ``relay.connections[i].changes`` lists what the relay changed
and ``.diff()`` shows it message by message.

What is end to end and what is per leg is said in :mod:`.relay_handshake` (handshake) and
:mod:`.relay_pipe` (frames). ``negotiate="per-leg"`` makes each leg negotiate permessage-deflate on its
own (with the relay's defaults), to see compression differ between the legs.

TLS: ``ssl=`` (a server context) makes the relay listen for ``wss://``; ``upstream_ssl`` is the CA file
or context for a ``wss://`` upstream (the system store by default). ``keylog=PATH`` (or the
``SSLKEYLOGFILE`` environment variable) writes both legs' TLS secrets for Wireshark.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from ..codec.extensions import Extension, PerMessageDeflate
from ..codec.handshake import HandshakeRequest
from ..codec.http import find_header_end
from ..codec.server_decision import ServerPolicy, decide
from ..errors import CloseCode, HandshakeError, WSExplorerError
from ..protocol.connection import DEFAULT_MAX_MESSAGE_SIZE, Connection
from ..protocol.states import State
from ..record.session import Session
from .relay_connection import RelayedConnection
from .relay_handshake import (
    MirroredAnswer,
    forwarded_headers,
    forwarded_offers,
    refusal_for,
    request_headers,
    upstream_target,
)
from .relay_leg import Greeter, RelayLeg, open_upstream
from .relay_rules import Rule
from .tls import apply_keylog, client_context

__all__ = ["Relay", "RelayOptions", "RelayedConnection", "relay"]

log = logging.getLogger("wsexplorer.live.relay")

Listener = Callable[[RelayedConnection, str], None]


@dataclass(frozen=True)
class RelayOptions:
    """What every relayed connection is opened with (the arguments of :class:`relay`)."""

    rules: tuple[Rule, ...]
    ssl: ssl_module.SSLContext | None
    upstream_context: ssl_module.SSLContext | None
    negotiate: Literal["end-to-end", "per-leg"]
    forward_path: bool
    forward_headers: bool
    origin: str | None
    max_message_size: int | None
    open_timeout: float | None
    close_timeout: float | None
    record_limit: int | None
    keep_connections: int | None


class Relay:
    """A listening relay: ``url``, ``upstream``, ``connections`` (one per client) and ``close()``.

    ``subscribe(callback)`` calls ``callback(connection, what)`` on the relay's loop whenever something
    happens: ``"connecting"``, ``"open"``, ``"frames"``, ``"change"``, ``"refused"``, ``"closed"``.
    """

    def __init__(self, upstream: str, host: str, port: int, options: RelayOptions) -> None:
        self.upstream = upstream
        self.host = host
        self.port = port
        self.options = options
        self.connections: list[RelayedConnection] = []
        self.errors: list[BaseException] = []
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._greeters: dict[Greeter, RelayedConnection] = {}
        self._server: asyncio.AbstractServer | None = None
        self._count = 0

    @property
    def url(self) -> str:
        scheme = "wss" if self.options.ssl is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/"

    def __repr__(self) -> str:
        return f"<Relay {self.url} → {self.upstream}, {len(self.connections)} connection(s)>"

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(connection, what)`` on every event; returns the function that stops it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, connection: RelayedConnection, what: str) -> None:
        for callback in list(self._listeners):
            try:
                callback(connection, what)
            except Exception as exc:  # a watcher's bug must not break the relay
                self.errors.append(exc)
                log.exception("relay listener failed")

    # -- listening -----------------------------------------------------------------------------------

    async def start(self) -> Relay:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._greeter, self.host, self.port, ssl=self.options.ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def _greeter(self) -> Greeter:
        return Greeter(self._made, self._spawn)

    def _made(self, greeter: Greeter) -> Session:
        """A client is connected (TCP, and TLS for wss): start its relayed connection."""
        self._count += 1
        number = self._count
        self._forget_old()
        connection = RelayedConnection(
            number,
            relay_url=self.url,
            upstream=self.upstream,
            rules=self.options.rules,
            close_timeout=self.options.close_timeout,
            notify=self._notify,
        )
        self.connections.append(connection)
        self._greeters[greeter] = connection
        self._spawn_task(self._timeout(connection, greeter))
        self._notify(connection, "connecting")
        return connection.client_session

    def _forget_old(self) -> None:
        """Keep at most ``keep_connections`` connections: the oldest closed ones go first."""
        keep = self.options.keep_connections
        if keep is None or len(self.connections) < keep:
            return
        closed = [c for c in self.connections if c.closed.done()]
        for c in closed[: len(self.connections) - keep + 1]:
            self.connections.remove(c)

    def _spawn(self, greeter: Greeter, head: bytes) -> None:
        self._spawn_task(self._open(self._greeters[greeter], greeter, head))

    def _spawn_task(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(task.exception())  # type: ignore[arg-type]
            log.error("relay task failed", exc_info=task.exception())

    async def _timeout(self, connection: RelayedConnection, greeter: Greeter) -> None:
        """Drop a client whose request does not come within ``open_timeout`` (slowloris)."""
        try:
            await asyncio.wait_for(asyncio.shield(greeter.settled), self.options.open_timeout)
        except asyncio.TimeoutError:
            if not greeter.done and greeter.transport is not None:
                connection.client_session.meta["timeout"] = (
                    f"no complete request within {self.options.open_timeout} s"
                )
                greeter.transport.abort()
                self._finish_refused(connection, None)
        finally:
            self._greeters.pop(greeter, None)
        if not greeter.done:
            self._finish_refused(connection, None)

    def _finish_refused(self, connection: RelayedConnection, error: BaseException | None) -> None:
        if connection.closed.done():
            return
        connection.refused = True
        connection.error = error
        connection.closed.set_result(None)
        self._notify(connection, "refused")

    # -- one client ----------------------------------------------------------------------------------------

    def _client_leg(self, connection: RelayedConnection, policy: ServerPolicy) -> RelayLeg:
        conn = Connection(
            "server",
            policy=policy,
            max_message_size=self.options.max_message_size,
            auto_pong=False,
            auto_close_reply=False,
        )
        return RelayLeg(
            conn,
            connection.client_session,
            name="client",
            close_timeout=self.options.close_timeout,
            record_limit=self.options.record_limit,
        )

    async def _open(self, connection: RelayedConnection, greeter: Greeter, head: bytes) -> None:
        request = _request(head)
        if request is None or not decide(request, ServerPolicy()).accepted:
            leg = self._client_leg(connection, ServerPolicy())  # it refuses, saying why (400, 426...)
            greeter.hand_over(leg)
            await leg.wait_closed()
            self._finish_refused(connection, leg.connection.failure)
            return
        url = upstream_target(self.upstream, request.target, forward_path=self.options.forward_path)
        connection.upstream_url = url
        connection.upstream_session.meta["url"] = url
        connection.upstream_session.meta["relay"]["upstream"] = url
        offers: list[Extension] = forwarded_offers(request.extensions)
        if self.options.negotiate == "per-leg":
            offers = [PerMessageDeflate()] if offers else []
        upstream_conn = Connection(
            "client",
            url=url,
            subprotocols=request.subprotocols,
            extensions=offers,
            origin=self.options.origin if self.options.origin is not None else request.origin,
            headers=forwarded_headers(request_headers(request)) if self.options.forward_headers else (),
            max_message_size=self.options.max_message_size,
            auto_pong=False,
            auto_close_reply=False,
        )
        opening = asyncio.get_running_loop().create_task(
            open_upstream(
                url,
                upstream_conn,
                connection.upstream_session,
                context=self.options.upstream_context if url.lower().startswith("wss:") else None,
                open_timeout=self.options.open_timeout,
                close_timeout=self.options.close_timeout,
                record_limit=self.options.record_limit,
            )
        )
        waiters: set[asyncio.Future[Any]] = {opening, greeter.lost}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the relay is closing
            opening.cancel()
            if greeter.transport is not None:
                greeter.transport.abort()
            self._finish_refused(connection, None)
            raise
        if not opening.done():  # the client left while the upstream was being opened
            opening.cancel()
            await asyncio.gather(opening, return_exceptions=True)
            self._finish_refused(connection, None)
            return
        try:
            upstream = opening.result()
        except (WSExplorerError, OSError) as exc:
            if isinstance(exc, HandshakeError) and exc.response is None:
                exc.response = connection.upstream_session.response
            connection.log(None, "refuse", "", f"the upstream leg could not be opened: {exc}")
            greeter.refuse(bytes(refusal_for(exc, url)))
            self._finish_refused(connection, exc)
            return
        if greeter.lost.done():
            await upstream.close(CloseCode.GOING_AWAY, "relay: the client left")
            self._finish_refused(connection, None)
            return
        agreed = [e.agreed for e in upstream.connection.negotiated if e.rsv1]
        exts: tuple[Extension, ...] = tuple(MirroredAnswer(a) for a in agreed)
        if self.options.negotiate == "per-leg":
            exts = (PerMessageDeflate(),)
        chosen = upstream.connection.subprotocol
        policy = ServerPolicy(subprotocols=(chosen,) if chosen else (), extensions=exts)
        leg = self._client_leg(connection, policy)
        greeter.hand_over(leg)
        if leg.connection.state is not State.OPEN:
            await upstream.close(CloseCode.GOING_AWAY, "relay: the client's handshake failed")
            await leg.wait_closed()
            self._finish_refused(connection, leg.connection.failure)
            return
        connection.start(leg, upstream)

    # -- closing ---------------------------------------------------------------------------------------------

    async def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "relay shutting down") -> None:
        """Stop listening, close every relayed connection's two legs with ``code``, and wait."""
        if self._server is not None:
            self._server.close()
        for greeter in list(self._greeters):
            if greeter.transport is not None:
                greeter.transport.abort()
        await asyncio.gather(*(c.close(code, reason) for c in self.connections if not c.closed.done()))
        for task in list(self._tasks):  # requests still waiting, upstream legs still opening
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Relay:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _request(head: bytes) -> HandshakeRequest | None:
    try:
        end = find_header_end(head)
        return HandshakeRequest.parse(head[:end] if end is not None else head)
    except WSExplorerError:
        return None


class relay:
    """Start a relay to ``upstream_url`` in the running loop; ``await`` it (it is bound when it returns)
    or ``async with`` it.

    ``rules``: :class:`~wsexplorer.live.relay_rules.Rule` objects, first match decides. ``ssl``: a
    server context to listen for ``wss://``. ``upstream_ssl``: CA file or client context for a
    ``wss://`` upstream. ``keylog``: write TLS secrets of both legs to this file (default:
    ``$SSLKEYLOGFILE``). ``negotiate``: ``"end-to-end"`` (default) or ``"per-leg"``.
    ``forward_path``: a client's request path replaces the upstream URL's (unless it is ``/``).
    ``origin``: send this Origin upstream instead of the client's. ``record_limit``: bytes each leg's
    recording keeps at most (the relay passes everything on regardless). ``keep_connections``: how
    many connections ``connections`` keeps (the oldest closed ones are forgotten first).
    """

    def __init__(
        self,
        upstream_url: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rules: Sequence[Rule] = (),
        ssl: ssl_module.SSLContext | None = None,
        upstream_ssl: ssl_module.SSLContext | str | Path | None = None,
        keylog: str | Path | None = None,
        negotiate: Literal["end-to-end", "per-leg"] = "end-to-end",
        forward_path: bool = True,
        forward_headers: bool = True,
        origin: str | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        open_timeout: float | None = 10.0,
        close_timeout: float | None = 10.0,
        record_limit: int | None = None,
        keep_connections: int | None = 1000,
    ) -> None:
        scheme = upstream_url.split(":", 1)[0].lower()
        if scheme not in ("ws", "wss"):
            raise ValueError(
                f"{upstream_url!r} is not a WebSocket URI: the scheme must be ws or wss (RFC 6455 §3)"
            )
        if negotiate not in ("end-to-end", "per-leg"):
            raise ValueError(f"negotiate={negotiate!r}: use 'end-to-end' or 'per-leg'")
        if scheme == "ws" and upstream_ssl is not None:
            raise ValueError("upstream_ssl= was given for a ws:// upstream: use wss:// for TLS")
        for rule in rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"a relay rule must be a Rule, not {type(rule).__name__}")
        upstream_context = apply_keylog(client_context(upstream_ssl), keylog) if scheme == "wss" else None
        options = RelayOptions(
            rules=tuple(rules),
            ssl=apply_keylog(ssl, keylog) if ssl is not None else None,
            upstream_context=upstream_context,
            negotiate=negotiate,
            forward_path=forward_path,
            forward_headers=forward_headers,
            origin=origin,
            max_message_size=max_message_size,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            record_limit=record_limit,
            keep_connections=keep_connections,
        )
        self._relay = Relay(upstream_url, host, port, options)

    def __await__(self) -> Generator[Any, None, Relay]:
        return self._relay.start().__await__()

    async def __aenter__(self) -> Relay:
        return await self._relay.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._relay.close()
