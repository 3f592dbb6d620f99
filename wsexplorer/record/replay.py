"""The one path from recorded frames to messages, in their connection's context.

What a frame means depends on what came before it on the same connection: who sent it (masking, RFC
6455 §5.1), what the handshake negotiated (RSV1 under permessage-deflate, §9.1 and RFC 7692 §6), which
message it continues (fragmentation, §5.4) and, with context takeover, every earlier compressed message
of its direction (RFC 7692 §7.1.1). A :class:`Replay` feeds one direction's frames, in order, to a
receiving :class:`~wsexplorer.protocol.connection.Connection` set up as the recorded receiver was, and
keeps, per frame, what that receiver made of it: the message it belongs to, the failure it caused.

Everything that turns frames into messages goes through here: :meth:`Session.events`, session summaries,
the frame table, inspectors of recorded frames, and pasted bytes given a context by the user
(:meth:`Replay.of_bytes`). So a frame seen in its connection shows exactly the rules its receiver would
find broken, never a false RSV1 or DEFLATE error.

A session without handshake uses the extensions it assumes (:func:`.context.assumed_extensions`); a
compressed message whose history precedes the recording is then noted (``MessageInfo.note``), not failed.

Incremental and bounded: frames are fed on demand (``advance``), a few thousand at a time if asked, and
only a short head of each message is kept; a full payload is re-inflated on request.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..anatomy import Field, Violation
from ..codec.assembler import Message
from ..codec.frame_header import OPCODE_BITS, Opcode
from ..codec.frame_parser import FrameParser
from ..codec.frames import Frame
from ..codec.role import Role, peer_of
from ..errors import WSExplorerError
from ..protocol.connection import Connection
from ..protocol.events import BinaryMessage, ConnectionFailed, Event, FrameReceived, TextMessage
from .context import AssumedDeflateState, Context, assumed_extensions, direction_context, listening_receiver
from .search import SearchIndex
from .session import Direction, Session, receiver_of, sender_of

__all__ = ["HEAD_BYTES", "Context", "MessageInfo", "Replay", "ReplayedFrame"]

HEAD_BYTES = 256
"""Bytes of each message's payload kept for previews and search."""

_PAYLOAD_BUDGET = 8 << 20  # full payloads kept for re-display, in bytes (older ones are re-inflated)
_CONTROL = -1  # a control frame: part of no message
_OPEN = -2  # a data frame whose message has not completed (yet)
_UNREAD = -3  # a frame the receiver never processed (it had failed the connection)


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """One complete data message: its first and last frame (control frames may come in between, so
    ``frames`` counts its own), its size both ways, its first bytes; ``note``: why the payload could not
    be had (then ``size`` and ``head`` are empty), e.g. its compression history precedes the recording."""

    number: int
    opcode: Opcode
    first: int
    last: int
    frames: int
    compressed: bool
    size: int
    wire_size: int
    head: bytes
    note: str = ""

    @property
    def is_text(self) -> bool:
        return self.opcode == Opcode.TEXT

    def head_text(self) -> str:
        """The head as text (a character cut at the end of the head dropped); hex for binary; the
        ``note`` in brackets for a message whose payload could not be had."""
        if self.note:
            return f"[{self.note}]"
        if not self.is_text:
            return self.head.hex(" ")
        return self.head.decode("utf-8", "ignore" if self.size > len(self.head) else "replace")


@dataclass(frozen=True)
class ReplayedFrame:
    """One frame as its receiver took it.

    ``message`` is the data message it is part of (``None`` for control frames, and for data frames
    whose message never completed); ``fragment`` is its 1-based place in that message; ``processed``
    is False when the receiver had already failed the connection. ``violations`` are the rules broken
    in this context, the receiver's failure at this frame included; ``failure`` is that error.
    """

    index: int
    frame: Frame
    context: Context
    message: MessageInfo | None
    fragment: int
    processed: bool
    violations: tuple[Violation, ...]
    failure: WSExplorerError | None

    def __bytes__(self) -> bytes:
        return bytes(self.frame)

    @property
    def fields(self) -> list[Field]:
        return self.frame.fields

    def summary(self) -> str:
        return self.frame.summary()


class Replay:
    """One direction's frames fed in order to a receiver set up as the recorded one was.

    Build it with :meth:`of_session` or :meth:`of_bytes`. ``slice(start, stop)`` returns stream bytes,
    ``offsets`` is the (possibly growing) list of frame offsets; ``extent()`` gives
    the number of complete frames and one past the last of them, read together.
    """

    def __init__(
        self,
        *,
        context: Context,
        connect: Callable[[], Connection],
        slice: Callable[[int, int], bytes],
        offsets: Sequence[int],
        extent: Callable[[], tuple[int, int]],
    ) -> None:
        self.context = context
        self._connect = connect
        self._slice = slice
        self._offsets = offsets
        self._extent = extent
        self._lock = threading.RLock()  # one feeder at a time (widgets may call from two threads)
        self._conn = connect()
        # assumed permessage-deflate: says which compressed messages (by ordinal) it could not inflate
        self._assumed = next((e for e in self._conn.negotiated if isinstance(e, AssumedDeflateState)), None)
        self._compressed = 0
        self._fed = 0
        self._message_of = array("q")
        self._fragment_of = array("i")
        self._open: list[int] = []  # frame indexes of the message in progress
        self.messages: list[MessageInfo] = []
        self.failure: tuple[int, WSExplorerError] | None = None
        self.search = SearchIndex()  # what each complete message says, for searching
        self._payloads: OrderedDict[int, bytes] = OrderedDict()
        self._payload_bytes = 0

    # -- construction -------------------------------------------------------------------------------

    @classmethod
    def of_session(
        cls, session: Session, direction: Direction, *, max_message_size: int | None = None
    ) -> Replay:
        """The receiver of ``direction`` in a recorded session, with what its handshake agreed."""
        receiver = receiver_of(direction)
        response = session.response
        elements: list[str] = []
        assumed: tuple[str, ...] = ()
        if session.handshake and response is not None and response.status == 101:
            elements = [str(e) for e in response.extensions]
        elif not session.handshake:
            elements, assumed = assumed_extensions(session.meta)
        subprotocol = response.subprotocol if response is not None else None
        base = session.frames_start(direction) or 0
        context, negotiated = direction_context(
            sender_of(direction), elements, assumed=assumed, history_known=session.handshake
        )

        def connect() -> Connection:
            return listening_receiver(receiver, negotiated(), subprotocol, base, max_message_size)

        return cls(
            context=context,
            connect=connect,
            slice=lambda a, b: session.stream_slice(direction, a, b),
            offsets=session.frame_offsets(direction),
            extent=lambda: session.frames_extent(direction),
        )

    @classmethod
    def of_bytes(
        cls,
        data: bytes,
        *,
        sender: Role | None = None,
        extensions: Sequence[str] = (),
        max_message_size: int | None = None,
    ) -> Replay:
        """Frames given as bytes (pasted, built), received in the context the caller chose.

        With ``sender=None`` the bytes are received as a server would (client frames), but the
        masking rule is not checked; the context says so in ``assumptions``.
        """
        assumed = []
        if sender is None:
            assumed.append("sender unknown: the masking rule (RFC 6455 §5.1) is not checked")
        if not extensions:
            assumed.append("no extension negotiated: RSV1-3 must be 0")
        context, negotiated = direction_context(sender, list(extensions), assumed=tuple(assumed))
        receiver = peer_of(sender) if sender is not None else "server"
        parser = FrameParser()
        offsets = [f.offset for f in parser.feed(data)]
        stop = len(data) - parser.buffered

        def connect() -> Connection:
            return listening_receiver(
                receiver, negotiated(), None, 0, max_message_size, check_masking=sender is not None
            )

        return cls(
            context=context,
            connect=connect,
            slice=lambda a, b: data[a:b],
            offsets=offsets,
            extent=lambda: (len(offsets), stop),
        )

    # -- feeding ----------------------------------------------------------------------------------------

    @property
    def fed(self) -> int:
        """How many frames the receiver has taken so far."""
        return self._fed

    @property
    def available(self) -> int:
        """How many complete frames there are to take (grows with a live session)."""
        return self._extent()[0]

    def advance(self, stop: int | None = None) -> None:
        """Feed the frames up to index ``stop`` (all available ones when ``None``)."""
        with self._lock:
            self._advance(stop)

    def _advance(self, stop: int | None) -> None:
        offsets = self._offsets
        total, end = self._extent()
        stop = total if stop is None else min(stop, total)
        if stop <= self._fed:
            return
        first = self._fed
        start_offset = offsets[first]
        end_offset = offsets[stop] if stop < total else end
        for _ in range(first, stop):
            self._message_of.append(_UNREAD if self.failure is not None else _CONTROL)
            self._fragment_of.append(0)
        self._fed = stop
        if self.failure is not None:
            return
        data = self._slice(start_offset, end_offset)
        self._conn.receive_data(data)
        self._take(self._conn.events(), first, stop)

    def _take(self, events: list[Event], first: int, stop: int) -> None:
        offsets = self._offsets
        index = {offsets[k]: k for k in range(first, stop)}
        current = first
        for event in events:
            if isinstance(event, FrameReceived):
                current = index.get(event.offset, current)
                if bytes(event.frame)[0] & OPCODE_BITS < 8:
                    self._open.append(current)
                    self._message_of[current] = _OPEN
            elif isinstance(event, (TextMessage, BinaryMessage)):
                self._complete(event.message)
            elif isinstance(event, ConnectionFailed):
                at = event.error.offset
                if at is not None and at >= self._frame_end(current):
                    current = stop  # in a frame that is not complete yet: after every frame fed
                self.failure = (current, event.error)
                for k in range(current + 1, stop):
                    self._message_of[k] = _UNREAD

    def _complete(self, message: Message) -> None:
        number = len(self.messages)
        frames = self._open[-len(message.offsets) :] if message.offsets else []
        self._open.clear()
        for position, k in enumerate(frames, start=1):
            self._message_of[k] = number
            self._fragment_of[k] = position
        first, last = (frames[0], frames[-1]) if frames else (self._fed - 1, self._fed - 1)
        note = ""
        if message.compressed and self._assumed is not None:
            note = self._assumed.note(self._compressed)
            self._compressed += 1
        self.messages.append(
            MessageInfo(
                number,
                message.opcode,
                first,
                last,
                len(frames),
                message.compressed,
                len(message.payload),
                message.wire_size,
                message.payload[:HEAD_BYTES],
                note,
            )
        )
        self._keep_payload(number, message.payload)
        self.search.add(message.payload, text=message.opcode == Opcode.TEXT)

    def _keep_payload(self, number: int, payload: bytes) -> None:
        if len(payload) > _PAYLOAD_BUDGET:
            return
        self._payloads[number] = payload
        self._payload_bytes += len(payload)
        while self._payload_bytes > _PAYLOAD_BUDGET:
            _, old = self._payloads.popitem(last=False)
            self._payload_bytes -= len(old)

    def _known(self, index: int) -> bool:
        """Whether frame ``index``'s message is settled: fed, and complete, failed, or never to come."""
        if index >= self._fed:
            return False
        return self._message_of[index] != _OPEN or self.failure is not None or self._fed >= self._extent()[0]

    def resolve(self, index: int, *, budget: int | None = None) -> bool:
        """Feed until frame ``index``'s message is known (complete, failed, or not sent yet).

        With ``budget``, feed at most that many frames, and none at all when the frame is further
        than that: False then, and :meth:`step` can get there a slice at a time.
        """
        if self._known(index):
            return True
        if budget is not None and index + 1 - self._fed > budget:
            return False
        limit = None if budget is None else self._fed + budget
        while not self._known(index) and self._fed < self._extent()[0]:
            if limit is not None and self._fed >= limit:
                return False
            step = max(index + 1, self._fed + 16)
            self.advance(step if limit is None else min(step, limit))
        return self._known(index) or index < self._fed

    def step(self, index: int, frames: int) -> bool:
        """Feed up to ``frames`` more frames toward frame ``index``; True once its message is known."""
        if not self._known(index):
            fed = self._fed
            self.advance(fed + frames if index < fed else min(index + 1, fed + frames))
        return self._known(index) or (self._fed >= self._extent()[0] and index < self._fed)

    # -- reading ----------------------------------------------------------------------------------------

    def message_of(self, index: int) -> MessageInfo | None:
        """The complete data message frame ``index`` is part of (feeds as far as needed)."""
        self.resolve(index)
        number = self._message_of[index]
        return self.messages[number] if number >= 0 else None

    @property
    def message_in_progress(self) -> bool:
        """True when the frames fed so far end inside a message (its final frame has not come)."""
        return bool(self._open) and self.failure is None

    def message(self, number: int) -> Message:
        """Message ``number`` whole, as the receiver delivered it (payload re-inflated if dropped)."""
        info = self.messages[number]
        payload = self.payload(number)
        offsets = tuple(
            self._offsets[k] for k in range(info.first, info.last + 1) if self._message_of[k] == number
        )
        decoded = payload.decode("utf-8") if info.is_text else None
        return Message(info.opcode, payload, info.compressed, info.wire_size, offsets, decoded)

    @property
    def complete(self) -> bool:
        """True when every frame available has been fed (or the receiver failed)."""
        return self.failure is not None or self._fed >= self._extent()[0]

    def message_numbers(self) -> array[int]:
        """For every frame fed so far, its message number (negative: a control frame, a message not
        complete yet, or a frame never read); a copy."""
        with self._lock:
            return array("q", self._message_of)

    def fragment(self, index: int) -> int:
        """Frame ``index``'s 1-based place in its message (0: a control frame, or not known yet)."""
        return self._fragment_of[index] if index < self._fed else 0

    def payload(self, number: int) -> bytes:
        """The whole (inflated) payload of message ``number``, re-inflated from the start if dropped."""
        kept = self._payloads.get(number)
        if kept is not None:
            return kept
        info = self.messages[number]
        conn = self._connect()
        conn.receive_data(self._slice(self._offsets[0], self._frame_end(info.last)))
        found = [e.message for e in conn.events() if isinstance(e, (TextMessage, BinaryMessage))]
        return found[number].payload

    def _frame_end(self, index: int) -> int:
        total, end = self._extent()
        return self._offsets[index + 1] if index + 1 < total else end

    def frame(self, index: int) -> ReplayedFrame:
        """Frame ``index`` with its context, message and the violations its receiver would find."""
        self.resolve(index)
        start, stop = self._offsets[index], self._frame_end(index)
        frame = Frame.parse(self._slice(start, stop))
        frame.offset = start
        number = self._message_of[index] if index < self._fed else _UNREAD
        message = self.messages[number] if number >= 0 else None
        processed = number != _UNREAD
        failure = self.failure[1] if self.failure is not None and self.failure[0] == index else None
        ctx = self.context
        # A fragment's text is checked across fragments by the receiver (a character may be split
        # between frames), so the frame's own check stops at its header and its close payload.
        violations = frame.check(sender=ctx.sender, rsv1_allowed=ctx.rsv1_allowed)
        if failure is not None and not _reported(violations, failure, start):
            at = max(0, (failure.offset if failure.offset is not None else start) - start)
            violations.append(
                Violation(
                    failure.rule,
                    min(at, len(frame) - 1),
                    min(at, len(frame) - 1) + 1,
                    failure.section,
                    close_code=failure.close_code,
                    fault=failure.fault,
                )
            )
        fragment = self._fragment_of[index] if index < self._fed else 0
        return ReplayedFrame(index, frame, ctx, message, fragment, processed, tuple(violations), failure)

    def events(self) -> list[Event]:
        """Every event the receiver produces for all frames available now, from a fresh receiver."""
        if not self._offsets:
            return []
        conn = self._connect()
        conn.receive_data(self._slice(self._offsets[0], self._extent()[1]))
        return conn.events()


def _reported(violations: list[Violation], failure: WSExplorerError, frame_offset: int) -> bool:
    """Whether the frame's own check already names the receiver's failure (same code, same byte)."""
    at = (failure.offset if failure.offset is not None else frame_offset) - frame_offset
    return any(v.close_code == failure.close_code and v.start == at for v in violations)
