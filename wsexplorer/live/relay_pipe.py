"""One direction of a relayed connection: what one leg receives, judged by the rules, sent on the other.

Frames keep their shape. Without a rule that could apply, each data frame is passed on as it arrives
(same FIN, RSV1, opcode and payload; a fresh masking key when the relay sends as a client, RFC 6455
§5.3), so the two legs carry the same frames. A compressed payload passes unchanged while both legs'
permessage-deflate agreements fit (the relay negotiates them end to end, see :mod:`.relay_handshake`)
and the receiver's LZ77 window still holds exactly what the sender's does (RFC 7692 §7.1.1, context
takeover). Once a rule drops, changes or adds a message in a direction whose sender keeps its context,
that no longer holds: from then on the relay re-compresses every message of that direction with the
outgoing leg's own state (per leg, from the next message on). When a rule could apply, the frames of
each message wait until it is complete, so the rule sees the whole message.

Order is kept: a delayed message holds back what follows it in its direction. Pings, pongs and the
closing handshake are passed on too (§5.5), in order; a close is never subject to rules.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from ..codec.extensions.permessage_deflate import PerMessageDeflateState
from ..codec.frame_header import FIN_BIT, MASK_BIT, OPCODE_BITS, RSV1_BIT, Opcode
from ..codec.role import Role
from ..errors import CloseCode, WSExplorerError
from ..protocol.events import (
    BinaryMessage,
    CloseReceived,
    ConnectionEnded,
    ConnectionFailed,
    Event,
    FrameReceived,
    Ping,
    Pong,
    TextMessage,
)
from ..protocol.states import State
from .relay_frames import frame_bytes, message_frames
from .relay_leg import RelayLeg
from .relay_rules import RuleBook, Verdict, Way

__all__ = ["MAX_QUEUED_BYTES", "Pipe", "deflate_fit"]

MAX_QUEUED_BYTES = 16 << 20
"""Bytes held back (delayed) in one direction before the relay stops reading its source leg."""

Log = Callable[[str, str, str], None]  # (action, rule label, detail)
_KIND = {Opcode.TEXT: "text", Opcode.BINARY: "binary"}


def _agreement(leg: RelayLeg) -> PerMessageDeflateState | None:
    ext = next((e for e in leg.connection.negotiated if e.rsv1), None)
    return None if ext is None else PerMessageDeflateState.from_agreed(ext.agreed, "server")


def deflate_fit(source: RelayLeg, target: RelayLeg, sender: Role) -> tuple[bool, bool]:
    """(compressed frames of ``sender`` can pass unchanged, the sender keeps its context).

    They can when the target's receiver accepts the source sender's window and context use (RFC 7692
    §7.1.1, §7.1.2): the same agreement, or a looser one on the target leg.
    """
    src, dst = _agreement(source), _agreement(target)
    if src is None:
        return True, False  # nothing arrives compressed
    if dst is None:
        return False, False
    if sender == "client":
        bits = (src.client_max_window_bits, dst.client_max_window_bits)
        nct = (src.client_no_context_takeover, dst.client_no_context_takeover)
    else:
        bits = (src.server_max_window_bits, dst.server_max_window_bits)
        nct = (src.server_no_context_takeover, dst.server_no_context_takeover)
    return bits[0] <= bits[1] and (nct[0] or not nct[1]), not nct[0]


class Pipe:
    """Forwards ``source``'s frames to ``target`` in direction ``way`` (``"c2s"`` or ``"s2c"``).

    ``log(action, rule, detail)`` records every change the relay makes. ``back`` is the pipe of the
    other direction (for messages injected back to the sender), set once both exist.
    """

    def __init__(self, way: Way, source: RelayLeg, target: RelayLeg, rules: RuleBook, log: Log) -> None:
        self.way = way
        self.source = source
        self.target = target
        self.rules = rules
        self.log = log
        self.back: Pipe | None = None
        self.in_sync, self.takeover = deflate_fit(source, target, "client" if way == "c2s" else "server")
        self.closed = False  # the source's close frame was passed on (or the source ended)
        self.messages = 0  # messages taken from the source
        self.frames_out = 0  # frames written to the target
        self._stream = True  # the frames of the message in progress go out as they come
        self._mid = False  # a streamed message has started and not ended: nothing may come between
        self._deferred: list[tuple[tuple[str | bytes, ...], str]] = []  # injections waiting for its end
        self._spilled: list[bytes] = []  # streamed frames built and not yet written (one write per chunk)
        self._masks = target.connection.mask_outgoing
        self._frames: list[tuple[int, bool, bool, bytes]] = []  # held frames: opcode, fin, rsv1, payload
        self._queue: deque[tuple[float, Callable[[], None], int]] = deque()
        self._queued_bytes = 0
        self._last_due = 0.0
        self._task: asyncio.Task[None] | None = None
        self._dirty = False
        self._may_hold = rules.may_apply(way, "text") or rules.may_apply(way, "binary")
        self._control_rules = rules.may_apply(way, "ping") or rules.may_apply(way, "pong")

    # -- taking the source's events -----------------------------------------------------------------

    def take(self, events: list[Event]) -> None:
        """Everything one chunk of the source produced, in order (called by the source leg)."""
        skip = _failing_frame(events) if self.source.connection.failure is not None else -1
        for k, event in enumerate(events):
            kind = type(event)
            if kind is FrameReceived:
                if k != skip and not self.closed:
                    self._frame(event)  # type: ignore[arg-type]
            elif kind is TextMessage or kind is BinaryMessage:
                self.messages += 1
                if not self._stream:
                    self._message(event.message)  # type: ignore[attr-defined]
                self._frames = []
            elif kind is Ping or kind is Pong:
                if not self.closed:
                    self._control(int(Opcode.PING if kind is Ping else Opcode.PONG), event.payload)  # type: ignore[attr-defined]
            elif kind is CloseReceived:
                if not self.closed:
                    self.closed = True
                    code, reason = event.code, event.reason  # type: ignore[attr-defined]
                    self._submit(partial(self._close, code, reason, ""))
            elif kind is ConnectionFailed:
                self._failed(event.error)  # type: ignore[attr-defined]
            elif kind is ConnectionEnded and not self.closed:
                self.closed = True
                self._submit(self._ended)
        self.flush()

    def _frame(self, event: FrameReceived) -> None:
        frame = event.frame
        wire = bytes(frame)
        b0 = wire[0]
        op, fin, rsv1 = b0 & OPCODE_BITS, bool(b0 & FIN_BIT), bool(b0 & RSV1_BIT)
        if op >= 8:
            return  # control frames go by their events, once validated
        if op != Opcode.CONTINUATION:
            self._stream = not self._may_hold and (not rsv1 or self.in_sync)
        if not self._stream:
            self._frames.append((op, fin, rsv1, frame.payload))
            return
        if self._queue:
            item = (op, fin, rsv1, frame.payload)
            self._submit(lambda: self._write_frames([item]), len(item[3]))
        elif not wire[1] & MASK_BIT and not self._masks:
            self._spilled.append(wire)  # unmasked both ways, nothing changes: the very same bytes
        else:
            self._spilled.append(frame_bytes(self.target.connection, op, frame.payload, fin=fin, rsv1=rsv1))
        self._mid = not fin
        if not self._mid and self._deferred:
            deferred, self._deferred = self._deferred, []
            for messages, label in deferred:
                self.inject(messages, label)

    def _message(self, message: Any) -> None:
        frames, self._frames = self._frames, []
        data = message.data
        kind = _KIND.get(message.opcode, "binary")
        verdict = self.rules.decide(self.way, kind, data) if self._may_hold else Verdict("pass", None, data)
        size = len(message.payload)
        label = verdict.rule.label if verdict.rule is not None else ""
        where = f"message #{self.messages} ({kind}, {size:,} B)"
        action = verdict.action
        if action == "drop":
            self.log("drop", label, f"{where} not passed on")
            self._lose_sync()
            return
        if action == "modify":
            new = verdict.data
            payload = new.encode() if isinstance(new, str) else bytes(new)
            opcode = Opcode.TEXT if isinstance(new, str) else Opcode.BINARY
            self.log("modify", label, f"{where} passed on changed ({len(payload):,} B)")
            self._lose_sync()
            sizes = [len(f[3]) for f in frames]
            compressed = bool(frames and frames[0][2])
            self._submit(lambda: self._write_message(opcode, payload, sizes, compressed), size)
            return
        delay = verdict.seconds if action == "delay" else 0.0
        if action == "delay":
            self.log("delay", label, f"{where} held {delay:g} s")
        self._submit(lambda: self._write_held(frames, message), size, delay)
        if action == "inject":
            pipe = self if verdict.to == "onward" else self.back
            if pipe is not None:
                pipe.inject(verdict.inject, label)

    def _control(self, opcode: int, payload: bytes) -> None:
        name = "ping" if opcode == Opcode.PING else "pong"
        verdict = Verdict("pass", None, payload)
        if self._control_rules:
            verdict = self.rules.decide(self.way, name, payload)
        label = verdict.rule.label if verdict.rule is not None else ""
        if verdict.action == "drop":
            self.log("drop", label, f"{name} {payload[:20]!r} not passed on")
            return
        data = verdict.data if isinstance(verdict.data, bytes) else verdict.data.encode()
        if verdict.action == "modify":
            self.log("modify", label, f"{name} passed on as {data[:20]!r}")
            data = data[:125]  # a control frame's payload is at most 125 bytes (RFC 6455 §5.5)
        delay = verdict.seconds if verdict.action == "delay" else 0.0
        if delay:
            self.log("delay", label, f"{name} held {delay:g} s")
        self._submit(lambda: self._write_frames([(opcode, True, False, data)]), len(data), delay)
        if verdict.action == "inject":
            pipe = self if verdict.to == "onward" else self.back
            if pipe is not None:
                pipe.inject(verdict.inject, label)

    def _failed(self, error: WSExplorerError) -> None:
        who = "client" if self.way == "c2s" else "upstream server"
        code = error.close_code or CloseCode.PROTOCOL_ERROR
        self.closed = True
        reason = f"relay: the {who} broke a rule ({int(code)})"
        self.log("close", "", f"the {who}'s connection failed: {error.rule}; closing the other leg with 1001")
        self._submit(lambda: self._close(CloseCode.GOING_AWAY, reason, ""))

    def _ended(self) -> None:
        """The source's TCP connection ended without a close frame: close the target's leg."""
        if self.way == "c2s":
            code, reason = CloseCode.GOING_AWAY, "relay: the client's connection ended"
        else:
            code, reason = CloseCode.BAD_GATEWAY, "relay: the upstream connection ended"
        self._close(
            code, reason, f"{reason} without a close frame (1006); closing the other leg with {int(code)}"
        )

    # -- injecting ------------------------------------------------------------------------------------------

    def inject(self, messages: tuple[str | bytes, ...], label: str = "inject") -> None:
        """Send ``messages`` to the target, after whatever is queued (the order is kept), and never in
        the middle of a fragmented message being passed on (RFC 6455 §5.4)."""
        if self._mid:
            self._deferred.append((messages, label))
            return
        for m in messages:
            payload = m.encode() if isinstance(m, str) else bytes(m)
            opcode = Opcode.TEXT if isinstance(m, str) else Opcode.BINARY
            self.log(
                "inject",
                label,
                f"{len(payload):,} B {'text' if isinstance(m, str) else 'binary'} message added",
            )
            self._lose_sync()
            self._submit(partial(self._write_message, opcode, payload, [], True), len(payload))
        self.flush()

    def _lose_sync(self) -> None:
        if self.takeover and self.in_sync:
            self.in_sync = False
            self.log("re-compress", "", "compressed messages are compressed again per leg from now on")

    # -- the queue (order, delays, back-pressure) ------------------------------------------------------------

    def _spill(self) -> None:
        """Write the frames passed on as they came since the last write (one write for a whole chunk)."""
        frames, self._spilled = self._spilled, []
        if frames and self._open_target(f"{len(frames)} frame(s)"):
            self.target.write([b"".join(frames)])
            self.frames_out += len(frames)
            self._dirty = True

    def _submit(self, action: Callable[[], None], size: int = 0, delay: float = 0.0) -> None:
        if self._spilled:
            self._spill()  # what streamed before goes first
        if not self._queue and delay <= 0:
            self._run(action)
            return
        loop = asyncio.get_running_loop()
        due = max(loop.time() + delay, self._last_due)
        self._last_due = due
        self._queue.append((due, action, size))
        self._queued_bytes += size
        if self._queued_bytes > MAX_QUEUED_BYTES:
            self.source.hold("queue", True)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            due, action, size = self._queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self._queue.popleft()
            self._queued_bytes -= size
            self._run(action)
            if not self._queue or self._queue[0][0] > loop.time():
                self.flush()
            if self._queued_bytes <= MAX_QUEUED_BYTES // 2:
                self.source.hold("queue", False)

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except WSExplorerError as exc:  # the target closed meanwhile: nothing more can go there
            self.log("lost", "", f"could not pass on: {exc.rule}")
        self._dirty = True

    def flush(self) -> None:
        if self._spilled:
            self._spill()
        if self._dirty:
            self._dirty = False
            self.target.flush()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def pending(self) -> int:
        """Items held back (delayed, or behind a delayed one)."""
        return len(self._queue)

    # -- writing to the target -----------------------------------------------------------------------------

    def _open_target(self, what: str) -> bool:
        conn = self.target.connection
        transport = self.target.transport
        if (
            conn.close_sent is not None
            or conn.state is State.CLOSED
            or transport is None
            or transport.is_closing()
        ):
            self.log("lost", "", f"{what} not passed on: the other leg is closing")
            return False
        return True

    def _write_frames(self, frames: list[tuple[int, bool, bool, bytes]]) -> None:
        if not self._open_target("a frame"):
            return
        conn = self.target.connection
        self.target.write(
            [frame_bytes(conn, op, payload, fin=fin, rsv1=rsv1) for op, fin, rsv1, payload in frames]
        )
        self.frames_out += len(frames)

    def _write_held(self, frames: list[tuple[int, bool, bool, bytes]], message: Any) -> None:
        """A complete message's frames: unchanged when they may be, else compressed again."""
        compressed = bool(frames and frames[0][2])
        if not compressed or self.in_sync:
            self._write_frames(frames)
        else:
            self._write_message(int(message.opcode), message.payload, [len(f[3]) for f in frames], True)

    def _write_message(self, opcode: int, payload: bytes, sizes: list[int], compressed: bool) -> None:
        if not self._open_target("a message"):
            return
        frames = message_frames(self.target.connection, opcode, payload, sizes=sizes, compress=compressed)
        self.target.write(frames)
        self.frames_out += len(frames)

    def _close(self, code: int, reason: str, note: str) -> None:
        conn = self.target.connection
        if conn.close_sent is not None or conn.state not in (State.OPEN, State.CLOSING):
            return
        if note:
            self.log("close", "", note)
        conn.send_close(None if code == CloseCode.NO_STATUS_RCVD else code, reason)


def _failing_frame(events: list[Event]) -> int:
    """The index of the frame that failed the connection in this batch (-1: none), so it is not sent."""
    for k in range(len(events) - 1, -1, -1):
        if type(events[k]) is ConnectionFailed:
            for j in range(k - 1, -1, -1):
                if type(events[j]) is FrameReceived:
                    return j
            return -1
    return -1
