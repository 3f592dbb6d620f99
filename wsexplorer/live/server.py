"""The live server: ``server = await serve(handler)`` binds before returning (RFC 6455 §4.2).

It starts in the running event loop (a Jupyter kernel's too) and records a :class:`Session` per
connection. For teaching it can misbehave, but only when asked with ``misbehave=``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl as ssl_module
import time
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ..codec.extensions import Extension, PerMessageDeflate, as_extension
from ..codec.server_decision import ServerPolicy
from ..errors import CloseCode, ConnectionClosed, ConnectionClosedOK
from ..protocol.connection import DEFAULT_MAX_MESSAGE_SIZE, Connection
from ..protocol.misbehaviour import check_misbehaviours
from ..protocol.states import State
from ..record.journal import SessionJournal
from ..record.session import C2S, Session
from .recording import Level, Recorder, check_level
from .tls import apply_keylog
from .websocket import WebSocket

__all__ = ["KEEP_SESSIONS", "Server", "ServerConnection", "echo", "serve", "serve_echo"]

KEEP_SESSIONS = 100
"""Finished sessions a server keeps by default (``keep_sessions``): the newest, in ``server.sessions``."""

log = logging.getLogger("wsexplorer.live.server")

Handler = Callable[["ServerConnection"], Awaitable[None]]


class ServerConnection(WebSocket):
    """The server side of a live connection; ``path`` is the request target the client asked for."""

    __slots__ = ("server",)

    server: Server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.server._connected(self)

    @property
    def path(self) -> str | None:
        request = self.connection.request
        return request.target if request is not None else None


async def echo(ws: ServerConnection) -> None:
    """Send every message back as it came (text as text, binary as binary).

    A plain loop rather than ``async for``: an idle connection then holds no async generator and its
    frame (a few hundred bytes each, times every connection a server keeps open).
    """
    try:
        while True:
            await ws.send(await ws.recv())
    except ConnectionClosedOK:
        return


class Server:
    """A listening WebSocket server: ``url``, ``sessions`` (the newest connections' recordings, at most
    ``keep_sessions``) and ``close()``."""

    def __init__(
        self,
        handler: Handler,
        host: str,
        port: int,
        *,
        policy: ServerPolicy,
        ssl: ssl_module.SSLContext | None,
        max_message_size: int | None,
        open_timeout: float | None,
        close_timeout: float | None,
        misbehave: frozenset[str],
        keep_sessions: int | None,
        record: Level = "all",
        record_limit: int | None = None,
        journal_dir: str | Path | None = None,
        on_session: Callable[[Session], None] | None = None,
        idle_timeout: float | None = None,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        max_queue_bytes: int | None = None,
        redact: bool = True,
    ) -> None:
        self.handler = handler
        self.redact = redact
        self.host = host
        self.port = port
        self.policy = policy
        self.ssl = ssl
        self.max_message_size = max_message_size
        self.open_timeout = open_timeout
        self.close_timeout = close_timeout
        self.misbehave = misbehave
        self.keep_sessions = keep_sessions
        self.record = record
        self.record_limit = record_limit
        self.journal_dir = Path(journal_dir) if journal_dir is not None else None
        self.on_session = on_session
        self.idle_timeout = idle_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_queue_bytes = max_queue_bytes
        self._numbers = itertools.count(1)
        # The newest sessions (open connections' included); the oldest finished ones are let go.
        self.sessions: deque[Session] = deque(maxlen=keep_sessions)
        self.connections: set[ServerConnection] = set()
        self.errors: list[BaseException] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/"

    async def start(self) -> Server:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._make_protocol,
            self.host,
            self.port,
            ssl=self.ssl,
            # a client that never finishes TLS is dropped as one that never finishes its handshake
            ssl_handshake_timeout=self.open_timeout if self.ssl is not None else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def _make_protocol(self) -> ServerConnection:
        number = next(self._numbers)
        session = Session("server", meta={"server": self.url, "connection": number})
        journal = None
        if self.journal_dir is not None and self.record != "off":
            self.journal_dir.mkdir(parents=True, exist_ok=True)
            path = self.journal_dir / f"connection-{number:06d}.wsj"
            journal = SessionJournal(path, role="server", handshake=True, meta=dict(session.meta))
        recorder = Recorder(
            session,
            self.record,
            max_bytes=self.record_limit,
            journal=journal,
            redact=C2S if self.redact else None,  # the clients' credentials are not ours to keep
        )
        conn = Connection(
            "server", policy=self.policy, max_message_size=self.max_message_size, misbehave=self.misbehave
        )
        ws = ServerConnection(
            conn,
            session,
            close_timeout=self.close_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            recorder=recorder,
            max_queue_bytes=self.max_queue_bytes,
        )
        ws.server = self
        return ws

    def _connected(self, ws: ServerConnection) -> None:
        """Called once TCP (and TLS) is up: keep the session and run the handler's task."""
        if self.keep_sessions != 0 and self.record != "off":
            self.sessions.append(ws.session)
        self.connections.add(ws)
        self._tasks.add(asyncio.get_running_loop().create_task(self._run(ws)))  # _run discards it

    async def _run(self, ws: ServerConnection) -> None:
        try:
            try:
                await asyncio.wait_for(asyncio.shield(ws.opened), self.open_timeout)
            except asyncio.TimeoutError:
                ws.session.meta["timeout"] = f"no complete handshake within {self.open_timeout} s"
                if ws.transport is not None:
                    ws.transport.abort()
                return
            except Exception:  # the handshake failed: the refusal was sent, the session has it
                return
            idle = None
            if self.idle_timeout is not None:
                idle = asyncio.get_running_loop().create_task(self._watch_idle(ws, self.idle_timeout))
            try:
                await self.handler(ws)
            except ConnectionClosed:
                pass
            except Exception as exc:  # a handler's bug: answer 1011 and keep it for the notebook
                self.errors.append(exc)
                log.exception("handler failed")
                if ws.connection.state is State.OPEN:
                    await ws.close(CloseCode.INTERNAL_ERROR, "internal error")
            finally:
                if idle is not None:
                    idle.cancel()
            if ws.connection.state is State.OPEN:
                await ws.close(CloseCode.NORMAL_CLOSURE)
            await ws.wait_closed()
        finally:
            self.connections.discard(ws)
            self._tasks.discard(asyncio.current_task())
            if self.on_session is not None and self.record != "off":
                try:
                    self.on_session(ws.session)
                except Exception as exc:  # the callback's bug: kept for the notebook, never fatal
                    self.errors.append(exc)
                    log.exception("on_session failed")

    async def _watch_idle(self, ws: ServerConnection, timeout: float) -> None:
        """Close a connection on which nothing arrived for ``timeout`` seconds (1001, going away)."""
        while ws.connection.state is State.OPEN:
            quiet = (time.monotonic_ns() - ws.last_received_ns) / 1e9
            if quiet >= timeout:
                ws.session.meta["idle_timeout"] = f"nothing received for {timeout} s"
                await ws.close(CloseCode.GOING_AWAY, "idle timeout")
                return
            await asyncio.sleep(timeout - quiet)

    async def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "server shutting down") -> None:
        """Stop listening, close every connection with ``code`` (1001: going away), and wait."""
        if self._server is not None:
            self._server.close()
        for ws in list(self.connections):
            if ws.connection.state is State.OPEN:
                ws._loop.create_task(ws.close(code, reason))
            elif ws.transport is not None and ws.connection.state is State.CONNECTING:
                ws.transport.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<Server {self.url} {len(self.connections)} open, {len(self.sessions)} sessions>"


_DEFAULT: Any = object()


class serve:
    """Start a server in the running loop; ``await`` it (it is bound when it returns) or ``async with``.

    ``handler(ws)`` runs for each connection after its handshake. ``origins`` is an allow-list (others
    get 403), ``subprotocols`` the server's preference order. ``extensions`` defaults to permessage-
    deflate when left out; ``None`` or ``[]`` accepts no extension. ``ssl`` is a server
    :class:`ssl.SSLContext` for wss (``keylog`` writes its TLS keys for Wireshark; ``$SSLKEYLOGFILE``
    is honoured). ``open_timeout`` drops a client that does not finish its TLS and WebSocket
    handshakes in time (slowloris). ``misbehave`` names entries of
    :data:`~wsexplorer.protocol.misbehaviour.MISBEHAVIOURS` to break rules on purpose.

    Keeping recordings: ``record`` (``"all"``, ``"control"``, ``"handshake"``, ``"meta"``, ``"off"``)
    and ``record_limit`` (bytes per session) say what each connection keeps
    (:mod:`wsexplorer.live.recording`); ``server.sessions`` holds the newest ``keep_sessions`` (default
    :data:`KEEP_SESSIONS`; ``None``: all, ``0``: none); ``on_session(session)`` is called as each
    connection ends (to save it, say); ``journal_dir`` writes every connection's bytes to disk as they
    come. ``redact`` (default on) replaces the values of the clients' credential headers (Authorization,
    Cookie...) in what is recorded: they are the clients' secrets, not the server user's.
    Timeouts: ``idle_timeout`` closes a connection on which nothing arrived for that long (1001);
    ``ping_interval`` / ``ping_timeout`` send keepalive pings and fail a connection whose pong is late.
    All off by default.
    """

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        subprotocols: Sequence[str] = (),
        origins: Sequence[str] | None = None,
        extensions: Sequence[Extension | str] | Extension | str | None = _DEFAULT,
        ssl: ssl_module.SSLContext | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        open_timeout: float | None = 10.0,
        close_timeout: float | None = 10.0,
        misbehave: Sequence[str] = (),
        keep_sessions: int | None = KEEP_SESSIONS,
        record: str = "all",
        record_limit: int | None = None,
        journal_dir: str | Path | None = None,
        on_session: Callable[[Session], None] | None = None,
        idle_timeout: float | None = None,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        max_queue_bytes: int | None = None,
        keylog: str | Path | None = None,
        redact: bool = True,
    ) -> None:
        chosen = check_misbehaviours(misbehave)
        if extensions is _DEFAULT:
            exts: list[Extension] = [PerMessageDeflate()]
        elif isinstance(extensions, (str, Extension)):
            exts = [as_extension(extensions)]
        else:
            exts = [as_extension(e) for e in (extensions or ())]
        self._server = Server(
            handler,
            host,
            port,
            policy=ServerPolicy(origins=origins, subprotocols=tuple(subprotocols), extensions=tuple(exts)),
            ssl=apply_keylog(ssl, keylog) if ssl is not None else None,
            max_message_size=max_message_size,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            misbehave=chosen,
            keep_sessions=_keep(keep_sessions),
            record=check_level(record),
            record_limit=record_limit,
            journal_dir=journal_dir,
            on_session=on_session,
            idle_timeout=idle_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            max_queue_bytes=max_queue_bytes,
            redact=redact,
        )

    def __await__(self) -> Generator[Any, None, Server]:
        return self._server.start().__await__()

    async def __aenter__(self) -> Server:
        return await self._server.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._server.close()


def _keep(value: int | bool | None) -> int | None:
    """``keep_sessions`` as a bound: ``True`` (the old spelling) means the default, ``False`` none."""
    if value is True:
        return KEEP_SESSIONS
    if value is False:
        return 0
    if value is not None and value < 0:
        raise ValueError(f"keep_sessions={value}: a number of sessions (0 or more), or None for all")
    return value


def serve_echo(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> serve:
    """A server that echoes every message: the local peer of the notebooks and tests."""
    return serve(echo, host, port, **kwargs)
