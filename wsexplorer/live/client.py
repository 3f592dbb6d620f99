"""The live client: ``await connect(url)`` or ``async with connect(url) as ws`` (RFC 6455 §4.1).

Runs in any running event loop, a Jupyter kernel's included: nothing here starts or stops a loop.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from ..codec.extensions import Extension, PerMessageDeflate
from ..codec.handshake import HandshakeResponse
from ..errors import HandshakeError, OpeningTimeout, WSExplorerError
from ..protocol.connection import DEFAULT_MAX_MESSAGE_SIZE, Connection
from ..record.journal import SessionJournal
from ..record.session import S2C, Session
from .recording import Recorder, check_level
from .tls import apply_keylog, client_context, tls_error
from .websocket import WebSocket

__all__ = ["ClientConnection", "connect"]

_DEFAULT = object()


class ClientConnection(WebSocket):
    """The client side of a live connection (see :class:`~wsexplorer.live.websocket.WebSocket`)."""

    __slots__ = ("url",)

    url: str


def _extensions(value: Any) -> list[Extension | str]:
    if value is _DEFAULT:
        return [PerMessageDeflate()]
    if value is None:
        return []
    if isinstance(value, (str, Extension)):
        return [value]
    return list(value)


class connect:
    """Open a client connection to ``url`` (``ws://`` or ``wss://``); await it or use ``async with``.

    ``extensions`` defaults to ``[PerMessageDeflate()]``; ``None`` or ``[]`` offers none, and the string
    ``"permessage-deflate"`` is short for the default. ``ssl`` is ``None`` (system CA store for wss),
    an :class:`ssl.SSLContext`, or the path of a CA file; ``keylog`` writes the TLS keys to a file
    Wireshark reads (``$SSLKEYLOGFILE`` is honoured too). ``open_timeout`` bounds TCP, TLS and the
    handshake; ``close_timeout`` bounds the closing handshake. ``ping_interval`` sends keepalive pings.
    A refused or invalid handshake raises an error whose ``response`` holds the whole answer.

    Recording (:mod:`wsexplorer.live.recording`): ``record`` is ``"all"`` (default), ``"control"``,
    ``"handshake"``, ``"meta"`` or ``"off"``; ``record_limit`` caps the bytes kept; ``journal`` (a path)
    also writes them to disk as they come, in the journal format of docs/session-format.md. Received
    messages waiting for :meth:`recv` are bounded by ``max_queue_bytes`` (default: four times
    ``max_message_size``): past it, reading pauses until the application reads.
    """

    def __init__(
        self,
        url: str,
        *,
        subprotocols: Sequence[str] | None = None,
        extensions: Sequence[Extension | str] | Extension | str | None = _DEFAULT,  # type: ignore[assignment]
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        origin: str | None = None,
        ssl: ssl_module.SSLContext | str | Path | None = None,
        open_timeout: float | None = 10.0,
        close_timeout: float | None = 10.0,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        session: Session | None = None,
        record: str = "all",
        record_limit: int | None = None,
        journal: str | Path | None = None,
        max_queue_bytes: int | None = None,
        keylog: str | Path | None = None,
    ) -> None:
        self.url = url
        self._kwargs = dict(
            subprotocols=subprotocols or (),
            extensions=_extensions(extensions),
            headers=headers or (),
            origin=origin,
        )
        self._ssl = ssl
        self.open_timeout = open_timeout
        self.close_timeout = close_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_message_size = max_message_size
        self.session = session
        self.record = check_level(record)
        self.record_limit = record_limit
        self.journal = journal
        self.max_queue_bytes = max_queue_bytes
        self.keylog = keylog
        self.ws: ClientConnection | None = None

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        return self._open().__await__()

    async def __aenter__(self) -> ClientConnection:
        self.ws = await self._open()
        return self.ws

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.ws is not None
        await self.ws.close()

    async def _open(self) -> ClientConnection:
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        if scheme not in ("ws", "wss"):
            raise ValueError(
                f"{self.url!r} is not a WebSocket URI: the scheme must be ws or wss (RFC 6455 §3)"
            )
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "wss" else 80)
        context = None
        if scheme == "wss":
            context = apply_keylog(client_context(self._ssl), self.keylog)
        elif self._ssl is not None:
            raise ValueError("ssl= was given for a ws:// URL: use wss:// for TLS")
        session = self.session or Session("client", meta={"url": self.url})
        journal = (
            SessionJournal(self.journal, role="client", handshake=True, meta={"url": self.url})
            if self.journal is not None
            else None
        )
        recorder = Recorder(session, self.record, max_bytes=self.record_limit, journal=journal)
        conn = Connection(
            "client",
            url=self.url,
            max_message_size=self.max_message_size,
            **self._kwargs,  # type: ignore[arg-type]
        )
        loop = asyncio.get_running_loop()

        def factory() -> ClientConnection:
            ws = ClientConnection(
                conn,
                session,
                close_timeout=self.close_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                recorder=recorder,
                max_queue_bytes=self.max_queue_bytes,
            )
            ws.url = self.url
            return ws

        made: list[ClientConnection] = []

        async def establish() -> ClientConnection:
            try:
                _, protocol = await loop.create_connection(
                    factory, host, port, ssl=context, server_hostname=host if context else None
                )
            except ssl_module.SSLError as exc:
                raise tls_error(exc, host) from exc
            made.append(protocol)
            await asyncio.shield(protocol.opened)
            return protocol

        try:
            ws = await asyncio.wait_for(establish(), self.open_timeout)
        except asyncio.TimeoutError:
            for protocol in made:  # TCP (and TLS) worked but the handshake did not finish
                if protocol.transport is not None:
                    protocol.transport.abort()
                await protocol.wait_closed()
            raise OpeningTimeout(
                f"the opening handshake with {host}:{port} did not complete within {self.open_timeout} s",
                fault="peer",
            ) from None
        except WSExplorerError as exc:
            if isinstance(exc, HandshakeError) or exc.http_status is not None:
                await _attach_response(exc, session)
            raise
        return ws


async def _attach_response(error: WSExplorerError, session: Session) -> None:
    """Keep the server's whole answer (status line, headers, body) and the session on the error.

    By the time the error is raised the transport is closed (the server closed it after its refusal,
    or we did after a short grace period), so the session holds everything the server sent.
    """
    if session.response is None:
        return
    try:
        error.response = HandshakeResponse.parse(session.stream(S2C))
    except WSExplorerError:
        error.response = session.response
    error.session = session
