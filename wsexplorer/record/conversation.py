"""A connection's conversation as data: its messages and control frames per direction, in order.

The entries a comparison works on (:mod:`.diff`) and a replay sends again (:mod:`wsexplorer.live.replay`).
Each :class:`Entry` is one message (text, binary) as its receiver took it (the one replay path,
:mod:`.replay`: compressed messages inflated, fragments joined) or one control frame (ping, pong,
close), with the shape of its frames on the wire (RFC 6455 §5.2, §5.4; RFC 7692 §6) and its times.
Sources: a :class:`~.session.Session`, a capture (its ``session``) or a HAR :class:`~.har.MessageLog`
(messages only: no frame shapes, no control frames). Bounded: an entry keeps a digest and the first
:data:`~.replay.HEAD_BYTES` of its payload; :meth:`Conversation.payload` reads the rest from the source.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..codec.frame_header import Opcode
from .replay import HEAD_BYTES
from .session import C2S, S2C, Direction, Session

if TYPE_CHECKING:
    from .har import MessageLog

__all__ = ["Conversation", "Entry", "FrameShape"]

_KINDS = {Opcode.TEXT: "text", Opcode.BINARY: "binary", Opcode.PING: "ping", Opcode.PONG: "pong"}
_UNREAD = -3  # replay.message_numbers() for a frame its receiver never read


@dataclass(frozen=True, slots=True)
class FrameShape:
    """One frame of a message as it was on the wire: the header bits and the payload length (§5.2)."""

    opcode: int
    fin: bool
    rsv1: bool
    masked: bool
    payload_length: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One message (text, binary) or control frame (ping, pong, close) of one direction.

    ``number`` is the message number in its direction's replay (HAR: the message's index) or, for a
    control frame, its frame index. ``frames`` is empty when the source has no frame bytes (HAR);
    ``compressed`` is then ``None``. ``after_s`` is the time since the other direction's last entry
    (or since the handshake): how long this side took to say it. ``answers_before`` counts the other
    direction's entries complete before this one's first byte.
    """

    direction: Direction
    position: int
    kind: str
    opcode: int
    number: int
    size: int
    digest: bytes
    head: bytes
    frames: tuple[FrameShape, ...]
    compressed: bool | None
    wire_size: int | None
    close_code: int | None
    close_reason: str
    t_first_ns: int
    t_ns: int
    after_s: float
    answers_before: int

    @property
    def key(self) -> tuple[object, ...]:
        """What must be equal for two entries to be the same message."""
        if self.kind == "close":
            return ("close", self.close_code, self.close_reason)
        return (self.kind, self.digest)

    def preview(self, limit: int = 60) -> str:
        """The payload's start for a person: text as is, binary as hex, a close as code and reason."""
        if self.kind == "close":
            return (
                f"{self.close_code} {self.close_reason}".strip()
                if self.close_code is not None
                else "(no code)"
            )
        if self.kind == "binary" or (self.kind in ("ping", "pong") and not _printable(self.head)):
            text = self.head[: limit // 3].hex(" ")
            return text + (" …" if self.size > limit // 3 else "")
        text = self.head.decode("utf-8", "replace")
        return text[:limit] + ("…" if len(text) > limit or self.size > len(self.head) else "")


def _printable(data: bytes) -> bool:
    try:
        return data.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return False


class Conversation:
    """The entries of both directions of one connection (see :class:`Entry`), and the handshake's
    outcome: HTTP status, subprotocol and extensions; ``start_ns`` is when the handshake's answer came
    (the first entry's time when it is not known). Build it with :meth:`of`."""

    def __init__(
        self,
        entries: tuple[list[Entry], list[Entry]],
        *,
        status: int | None,
        subprotocol: str | None,
        extensions: tuple[str, ...],
        has_frames: bool,
        source: Session | MessageLog | None = None,
        start_ns: int = 0,
    ) -> None:
        self.entries = entries
        self.start_ns = start_ns  # when the conversation could start: the handshake's answer
        self.status = status
        self.subprotocol = subprotocol
        self.extensions = extensions
        self.has_frames = has_frames
        self.source = source

    @classmethod
    def of(cls, source: Session | MessageLog | Conversation | object) -> Conversation:
        """The conversation of a Session, a capture (its ``session``), or a HAR MessageLog."""
        if isinstance(source, Conversation):
            return source
        if isinstance(source, Session):
            return _of_session(source)
        session = getattr(source, "session", None)
        if isinstance(session, Session):
            return _of_session(session)
        if hasattr(source, "messages") and hasattr(source, "of"):
            return _of_log(source)  # type: ignore[arg-type]
        raise TypeError(f"no conversation in a {type(source).__name__}: give a Session or a MessageLog")

    def payload(self, entry: Entry) -> bytes:
        """The whole payload of ``entry`` (re-read from the source: an entry keeps only its head)."""
        source = self.source
        if isinstance(source, Session):
            if entry.kind in ("text", "binary"):
                return source.replay(entry.direction).payload(entry.number)
            return source.frame(entry.direction, entry.number).frame.payload
        if source is not None:
            return source.messages[entry.number].payload
        raise ValueError("this conversation keeps no source to read payloads from")

    def __repr__(self) -> str:
        a, b = (len(e) for e in self.entries)
        return f"<Conversation {a} client→server, {b} server→client entries>"


Raw = list[object]  # an Entry's fields before _place fills in position, after_s and answers_before


def _entry(
    direction: Direction,
    kind: str,
    opcode: int,
    number: int,
    payload: bytes,
    times: tuple[int, int],
    frames: tuple[FrameShape, ...] = (),
    compressed: bool | None = None,
    wire_size: int | None = None,
    close: tuple[int | None, str] = (None, ""),
) -> Raw:
    digest = hashlib.blake2b(payload, digest_size=16).digest()
    return [
        direction, 0, kind, opcode, number, len(payload), digest, payload[:HEAD_BYTES], frames,
        compressed, wire_size, close[0], close[1], times[0], times[1], 0.0, 0,
    ]  # fmt: skip


def _of_session(session: Session) -> Conversation:
    raw: tuple[list[Raw], list[Raw]] = ([], [])
    for d in (C2S, S2C):
        replay = session.replay(d)
        replay.advance()
        numbers = replay.message_numbers().tolist()
        cols = session.frame_columns(d)
        ops, fins, rsv1s, masks, lengths = (
            cols[k].tolist() for k in ("opcode", "fin", "rsv1", "masked", "payload_length")
        )
        t_first, t_done = cols["t_first_ns"].tolist(), cols["t_ns"].tolist()
        messages = replay.messages
        open_frames: dict[int, list[int]] = {}
        out = raw[d]
        for k, number in enumerate(numbers):
            op = ops[k]
            if number == _UNREAD:
                continue  # after the receiver failed the connection: never read
            if op >= 8:
                frame = session.frame(d, k).frame
                times = (t_first[k], t_done[k])
                if op == Opcode.CLOSE:
                    close = (frame.close_code, frame.close_reason)
                    out.append(_entry(d, "close", op, k, frame.payload, times, close=close))
                elif op in _KINDS:
                    out.append(_entry(d, _KINDS[op], op, k, frame.payload, times))
                continue
            if number < 0:
                continue  # a message that never completed
            info = messages[number]
            if info.first == info.last:
                ks = [k]
            else:
                open_frames.setdefault(number, []).append(k)
                if info.last != k:
                    continue
                ks = open_frames.pop(number)
            shapes = tuple(FrameShape(ops[j], fins[j], rsv1s[j], masks[j], lengths[j]) for j in ks)
            out.append(
                _entry(
                    d, _KINDS.get(info.opcode, "data"), int(info.opcode), number, replay.payload(number),
                    (t_first[ks[0]], t_done[k]), shapes, info.compressed, info.wire_size,
                )
            )  # fmt: skip
    chunks = session.chunk_columns()
    start = (
        next((t for d, t in zip(chunks[0], chunks[2], strict=True) if d == S2C), None)
        if session.handshake
        else None
    )
    response = session.response
    status = response.status if response is not None else None
    extensions = tuple(str(e) for e in response.extensions) if response is not None else ()
    subprotocol = response.subprotocol if response is not None else None
    entries, start = _place(raw, start)
    return Conversation(
        entries,
        status=status,
        subprotocol=subprotocol,
        extensions=extensions,
        has_frames=True,
        source=session,
        start_ns=start,
    )


def _of_log(log: MessageLog) -> Conversation:
    raw: tuple[list[Raw], list[Raw]] = ([], [])
    for k, m in enumerate(log.messages):
        kind = "text" if m.opcode == Opcode.TEXT else "binary"
        raw[m.direction].append(_entry(m.direction, kind, m.opcode, k, m.payload, (m.t_ns, m.t_ns)))
    ext = log.extensions
    entries, start = _place(raw, None)
    return Conversation(
        entries,
        status=log.status,
        subprotocol=log.subprotocol,
        extensions=tuple(e.strip() for e in ext.split(",")) if ext else (),
        has_frames=False,
        source=log,
        start_ns=start,
    )


def _place(
    raw: tuple[list[Raw], list[Raw]], start: int | None
) -> tuple[tuple[list[Entry], list[Entry]], int]:
    """The entries, with each one's position, ``after_s`` and ``answers_before`` (from the times), and
    the start time used."""
    if start is None:
        firsts = [int(r[0][13]) for r in raw if r]  # type: ignore[call-overload]
        start = min(firsts) if firsts else 0
    done: list[list[int]] = [sorted(int(r[14]) for r in raw[d]) for d in (C2S, S2C)]  # type: ignore[call-overload]
    entries: tuple[list[Entry], list[Entry]] = ([], [])
    for d in (C2S, S2C):
        other = done[1 - d]
        for position, r in enumerate(raw[d]):
            t_first, t_done = int(r[13]), int(r[14])  # type: ignore[call-overload]
            before = bisect_right(other, t_first)
            last = other[before - 1] if before else start
            r[1], r[15], r[16] = position, (t_done - max(last, start)) / 1e9, before
            entries[d].append(Entry(*r))  # type: ignore[arg-type]
    return entries, start
