"""Replay the client side of a recorded (or imported) session against a server, and compare the answers.

``result = await replay(session)`` opens a new connection (to the original URL, or ``url=``) with the
original handshake's subprotocols, permessage-deflate offers, Origin and end-to-end headers, then sends
what the client sent, in the same order: every message with its opcode and payload, cut into as many
frames as it had (RFC 6455 §5.4), compressed when it was and the new connection agreed to compress
(RFC 7692 §6), pings, and the client's close. Before each, it waits (at most ``answer_timeout``) for
as many server messages as the original client had seen by then, so questions and answers interleave
as they did; with ``timing=True`` it also keeps the original pauses (scaled by ``speed``).

What the client sent in answer is left to the new connection: its pongs (§5.5.2) and its reply to the
server's close (§5.5.1). ``result.diff`` (a :class:`~wsexplorer.record.diff.SessionDiff`) sets the
server's answers next to the original ones, message by message and frame by frame, with the
differences marked; the client's side is compared too, to show that the same was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_module
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codec.extensions import Extension
from ..codec.frame_header import Opcode
from ..codec.headers import parse_extension_list
from ..errors import ConnectionClosed, WSExplorerError
from ..protocol.connection import DEFAULT_MAX_MESSAGE_SIZE
from ..protocol.events import BinaryMessage, CloseReceived, Event, Ping, Pong, TextMessage
from ..protocol.states import State
from ..record.diff import Conversation, Entry, SessionDiff, compare
from ..record.session import C2S, S2C, Session
from .client import ClientConnection, connect
from .relay_frames import frame_bytes, message_frames
from .relay_handshake import forwarded_headers, forwarded_offers, request_headers

__all__ = ["ReplayResult", "replay"]

_ANSWERS = (TextMessage, BinaryMessage, Ping, Pong, CloseReceived)  # what counts as a server entry


@dataclass
class ReplayResult:
    """A replay: the ``original`` conversation, the new ``session``, their ``diff``, and ``notes`` on
    what the replay could not do as the original did (answers that did not come, a close not sent)."""

    url: str
    original: Conversation
    session: Session
    diff: SessionDiff
    notes: list[str] = field(default_factory=list)

    @property
    def answers(self) -> Any:
        """The server's side of the diff (:class:`~wsexplorer.record.diff.DirectionDiff`)."""
        return self.diff.directions[S2C]

    def summary(self) -> str:
        lines = [f"replay of {len(self.original.entries[C2S])} client entries against {self.url}"]
        lines.append(self.diff.summary())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        same = "same answers" if self.diff.same else "differences"
        return f"<ReplayResult {self.url}: {same}, {len(self.notes)} note(s)>"


def _handshake_of(
    source: Any,
) -> tuple[str | None, list[str], list[Extension], str | None, list[tuple[str, str]]]:
    """(url, subprotocols, permessage-deflate offers, origin, end-to-end headers) of the original."""
    session = source if isinstance(source, Session) else getattr(source, "session", None)
    if isinstance(session, Session):
        url = session.meta.get("url")
        request = session.request
        if request is None:
            return url, [], [], None, []
        if url is None and request.host:
            scheme = "wss" if session.meta.get("tls") else "ws"
            url = f"{scheme}://{request.host}{request.target}"
        headers = forwarded_headers(request_headers(request))
        return url, request.subprotocols, forwarded_offers(request.extensions), request.origin, headers
    pairs = list(getattr(source, "request_headers", ()))
    values = {name.lower(): value for name, value in pairs}
    protocols = [p.strip() for p in values.get("sec-websocket-protocol", "").split(",") if p.strip()]
    offers = (
        parse_extension_list([values["sec-websocket-extensions"]])
        if "sec-websocket-extensions" in values
        else []
    )
    return (
        getattr(source, "url", None),
        protocols,
        forwarded_offers(offers),
        values.get("origin"),
        forwarded_headers(pairs),
    )


async def replay(
    source: Session | Any,
    url: str | None = None,
    *,
    timing: bool = False,
    speed: float = 1.0,
    answer_timeout: float = 5.0,
    subprotocols: Sequence[str] | None = None,
    extensions: Sequence[Extension | str] | None = None,
    origin: str | None = None,
    headers: Sequence[tuple[str, str]] | None = None,
    ssl: ssl_module.SSLContext | str | Path | None = None,
    keylog: str | Path | None = None,
    open_timeout: float | None = 10.0,
    close_timeout: float | None = 10.0,
    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    timing_tolerance: float = 0.25,
) -> ReplayResult:
    """Replay ``source``'s client side against ``url`` (default: the URL it was recorded from).

    ``source``: a :class:`~wsexplorer.record.session.Session`, a capture (its ``session``) or a HAR
    :class:`~wsexplorer.record.har.MessageLog`. The handshake options default to the original's.
    ``timing``: keep the original pauses (divided by ``speed``). ``answer_timeout``: how long to wait
    for the answers the original client had seen before it went on. The diff's timing compares how long
    the server took to answer (and, with ``timing`` at ``speed=1``, the client's pauses too), past
    ``timing_tolerance`` seconds.
    """
    if speed <= 0:
        raise ValueError("speed must be > 0")
    original = Conversation.of(source)
    o_url, o_protocols, o_offers, o_origin, o_headers = _handshake_of(source)
    target = url or o_url
    if target is None:
        raise ValueError("the session does not say which URL it was recorded from: pass url=")
    session = Session("client", meta={"url": target, "replay_of": getattr(source, "meta", {}).get("url", "")})
    ws = await connect(
        target,
        subprotocols=o_protocols if subprotocols is None else subprotocols,
        extensions=o_offers if extensions is None else extensions,
        origin=o_origin if origin is None else origin,
        headers=o_headers if headers is None else headers,
        ssl=ssl,
        keylog=keylog,
        open_timeout=open_timeout,
        close_timeout=close_timeout,
        max_message_size=max_message_size,
        session=session,
    )
    runner = _Runner(ws, original, timing=timing, speed=speed, answer_timeout=answer_timeout)
    try:
        await runner.run()
    finally:
        if ws.state is not State.CLOSED:
            await ws.close()
        await runner.stop()
    directions = (C2S, S2C) if timing and speed == 1 else (S2C,)  # the client's pauses, when kept
    diff = compare(
        original,
        session,
        labels=("original", "replay"),
        timing="reaction",
        timing_tolerance=timing_tolerance,
        timing_directions=directions,
    )
    return ReplayResult(target, original, session, diff, runner.notes)


class _Runner:
    """Sends the original client entries in order, waiting for answers (and pauses) as the original."""

    def __init__(
        self,
        ws: ClientConnection,
        original: Conversation,
        *,
        timing: bool,
        speed: float,
        answer_timeout: float,
    ) -> None:
        self.ws = ws
        self.original = original
        self.timing = timing
        self.speed = speed
        self.answer_timeout = answer_timeout
        self.notes: list[str] = []
        self.answers = 0
        self._wake = asyncio.Event()
        self._opened = time.monotonic()
        ws.on_event = self._event
        self._reader = asyncio.get_running_loop().create_task(self._read())

    def _event(self, event: Event) -> None:
        if isinstance(event, _ANSWERS):
            self.answers += 1
            self._wake.set()

    async def _read(self) -> None:
        try:
            async for _ in self.ws:  # keep reading so the connection never stops reading (back-pressure)
                pass
        except ConnectionClosed:
            pass

    async def stop(self) -> None:
        await asyncio.gather(self._reader, return_exceptions=True)

    async def _answers(self, count: int, before: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.answer_timeout
        while self.answers < count and self.ws.state is not State.CLOSED:
            left = deadline - loop.time()
            if left <= 0:
                self.notes.append(
                    f"{before}: the original client had seen {count} server entries, the replay "
                    f"{self.answers} after {self.answer_timeout:g} s; went on"
                )
                return
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), left)

    async def run(self) -> None:
        server_entries = self.original.entries[S2C]
        pings = {e.digest for e in server_entries if e.kind == "ping"}
        server_closed_at = next((e.t_ns for e in server_entries if e.kind == "close"), None)
        for entry in self.original.entries[C2S]:
            what = f"client entry #{entry.position + 1} ({entry.kind})"
            if entry.kind == "pong" and entry.digest in pings:
                continue  # an answer to the server's ping: the new connection answers by itself
            if (
                entry.kind == "close"
                and server_closed_at is not None
                and server_closed_at <= entry.t_first_ns
            ):
                continue  # a reply to the server's close: the new connection replies by itself
            await self._answers(entry.answers_before, what)
            if self.timing:
                due = self._opened + (entry.t_first_ns - self.original.start_ns) / 1e9 / self.speed
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            if self.ws.state is not State.OPEN or self.ws.connection.close_sent is not None:
                self.notes.append(
                    f"{what} and what follows not sent: the connection is {self.ws.state.value}"
                )
                return
            try:
                await self._send(entry)
            except WSExplorerError as exc:
                self.notes.append(f"{what} not sent: {exc}")
                return
        await self._answers(len(server_entries), "the end")
        still_open = self.ws.state is State.OPEN and self.ws.connection.close_sent is None
        if still_open and not any(e.kind == "close" for e in self.original.entries[C2S]):
            self.notes.append("the original client sent no close frame; the replay closes with 1000")

    async def _send(self, entry: Entry) -> None:
        ws = self.ws
        conn = ws.connection
        if entry.kind in ("text", "binary"):
            payload = self.original.payload(entry)
            sizes = [f.payload_length for f in entry.frames]
            for data in message_frames(
                conn, entry.opcode, payload, sizes=sizes, compress=bool(entry.compressed)
            ):
                await ws.send_raw(data)
        elif entry.kind in ("ping", "pong"):
            opcode = Opcode.PING if entry.kind == "ping" else Opcode.PONG
            await ws.send_raw(frame_bytes(conn, opcode, self.original.payload(entry)))
        elif entry.kind == "close":
            await ws.close(
                entry.close_code if entry.close_code not in (None, 1005) else None, entry.close_reason
            )
