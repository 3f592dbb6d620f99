"""Reassembly of fragmented messages (RFC 6455 §5.4, §5.6; RFC 7692 §6).

Data frames arrive as a first frame (text or binary) and continuation frames until one has FIN set;
control frames may come in between. The assembler enforces the ordering rules, the size limit (measured
after inflation, inclusive), the fragment-count bound, and validates text as UTF-8 fragment by fragment,
failing at the first invalid byte. Errors carry the stream offset and the close code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import ProtocolError
from . import rules
from .frame_header import FIN_BIT, OPCODE_BITS, RSV1_BIT, Opcode
from .frames import Frame
from .utf8 import Utf8Validator, first_invalid_utf8

__all__ = ["Inflater", "Message", "MessageAssembler"]


class Inflater(Protocol):
    """What the assembler needs from a negotiated permessage-deflate state (RFC 7692 §7.2.2)."""

    def decompress(self, fragment: bytes, *, fin: bool, max_size: int | None) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Message:
    """A complete data message: its type, payload (inflated) and how it travelled.

    ``wire_size`` is the sum of the frames' payload lengths on the wire (compressed when ``compressed``);
    ``offsets`` are the stream offsets of its frames.
    """

    opcode: Opcode
    payload: bytes
    compressed: bool
    wire_size: int
    offsets: tuple[int, ...]
    decoded: str | None = None  # the text of a text message, decoded once while validating it

    @property
    def is_text(self) -> bool:
        return self.opcode == Opcode.TEXT

    @property
    def data(self) -> str | bytes:
        """What the application receives: ``str`` for a text message (validated UTF-8), else ``bytes``."""
        if self.decoded is not None:
            return self.decoded
        if self.is_text:
            return self.payload.decode("utf-8")
        return self.payload

    @property
    def fragments(self) -> int:
        return len(self.offsets)

    @property
    def ratio(self) -> float | None:
        """Wire size over payload size (below 1 when compression saved bytes)."""
        return self.wire_size / len(self.payload) if self.payload else None


class MessageAssembler:
    """Collects data frames into messages and enforces RFC 6455 §5.4 and the size limits.

    ``max_message_size`` is inclusive and measured after inflation; ``None`` disables it. The number of
    fragments of one message is bounded by the same number (so empty fragments cannot grow without end).
    ``inflater_factory`` returns the permessage-deflate state when it was negotiated.
    """

    __slots__ = (
        "_compressed",
        "_inflater",
        "_max",
        "_offsets",
        "_opcode",
        "_parts",
        "_size",
        "_utf8",
        "_wire",
    )

    def __init__(
        self,
        *,
        max_message_size: int | None = 1 << 20,
        inflater: Inflater | None = None,
    ) -> None:
        self._max = max_message_size
        self._inflater = inflater
        self._opcode: Opcode | None = None
        self._parts: list[bytes] = []
        self._offsets: list[int] = []
        self._size = 0
        self._wire = 0
        self._compressed = False
        self._utf8: Utf8Validator | None = None

    @property
    def in_progress(self) -> bool:
        """True between the first fragment of a message and its final one."""
        return self._opcode is not None

    @property
    def rsv1_allowed(self) -> bool:
        return self._inflater is not None

    def check_announced(self, announced: int, offset: int) -> None:
        """Refuse a frame whose header announces more than the limit allows (before buffering it).

        For uncompressed messages the announced length adds to the message so far; compressed payloads
        are only limited after inflation, but the wire size of one frame is bounded by the limit too.
        """
        if self._max is None:
            return
        total = announced if self._compressed else self._size + announced
        if total > self._max:
            what = "frame" if total == announced else "message"
            raise rules.MESSAGE_ANNOUNCED_OVER_LIMIT.error(
                offset=offset, what=what, size=total, limit=self._max
            )

    def add(self, frame: Frame) -> Message | None:
        """Take one data frame; return the message it completes, if any. Raises ProtocolError on misuse."""
        b0 = bytes(frame)[0]
        if self._opcode is None and b0 & FIN_BIT and 0 < b0 & OPCODE_BITS < 3:
            if not b0 & RSV1_BIT:
                return self._single(frame, b0 & OPCODE_BITS)
            if self._inflater is not None:
                return self.compressed_single(b0 & OPCODE_BITS == Opcode.TEXT, frame.payload, frame.offset)
        op = b0 & OPCODE_BITS
        offset = frame.offset
        if op == Opcode.CONTINUATION:
            if self._opcode is None:
                raise rules.CONTINUATION_WITHOUT_MESSAGE.error(offset=offset)
            if b0 & RSV1_BIT:
                raise rules.RSV1_ON_CONTINUATION.error(offset=offset)
        elif op in (Opcode.TEXT, Opcode.BINARY):
            if self._opcode is not None:
                raise rules.NEW_MESSAGE_INSIDE_MESSAGE.error(offset=offset, kind=Opcode(op).name.lower())
            if b0 & RSV1_BIT and self._inflater is None:
                raise rules.RSV_WITHOUT_EXTENSION.error(offset=offset, bit="RSV1")
            self._opcode = Opcode(op)
            self._compressed = bool(b0 & RSV1_BIT)
            self._utf8 = Utf8Validator(keep_text=True) if op == Opcode.TEXT else None
        else:
            raise ValueError(f"not a data frame: {frame!r}")

        self._offsets.append(offset)
        if self._max is not None and len(self._offsets) > max(self._max, 1):
            raise rules.TOO_MANY_FRAGMENTS.error(offset=offset, limit=self._max)
        wire_payload = frame.payload
        self._wire += len(wire_payload)
        fin = bool(b0 & FIN_BIT)
        if self._compressed:
            assert self._inflater is not None
            try:
                data = self._inflater.decompress(wire_payload, fin=fin, max_size=self._max)
            except ProtocolError as exc:
                if exc.offset is not None:
                    raise
                raise _with_offset(exc, offset) from exc
            payload_offset = None  # inflated bytes have no wire position
        else:
            data = wire_payload
            payload_offset = offset + frame.header_length
        self._size += len(data)
        if self._max is not None and self._size > self._max:
            raise rules.MESSAGE_OVER_LIMIT.error(
                offset=offset, size=self._size, so_far=" so far", limit=self._max
            )
        if self._utf8 is not None:
            bad = self._utf8.feed(data, final=fin)
            if bad is not None:
                if payload_offset is not None:
                    at = payload_offset + max(0, bad - (self._size - len(data)))
                    raise rules.MESSAGE_NOT_UTF8.error(offset=at, where="message", at=bad)
                raise rules.MESSAGE_NOT_UTF8.error(offset=offset, where="inflated", at=bad)
        self._parts.append(data)
        if not fin:
            return None
        message = Message(
            self._opcode if self._opcode is not None else Opcode.BINARY,
            b"".join(self._parts) if len(self._parts) != 1 else self._parts[0],
            self._compressed,
            self._wire,
            tuple(self._offsets),
            self._utf8.text if self._utf8 is not None else None,
        )
        self._reset()
        return message

    def _single(self, frame: Frame, op: int) -> Message:
        """The common case, kept short: an unfragmented, uncompressed text or binary message."""
        payload = frame.payload
        n = len(payload)
        if self._max is not None and n > self._max:
            raise rules.MESSAGE_OVER_LIMIT.error(offset=frame.offset, size=n, so_far="", limit=self._max)
        if op == 2:
            return Message(Opcode.BINARY, payload, False, n, (frame.offset,))
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = frame.offset + frame.header_length + exc.start
            raise rules.MESSAGE_NOT_UTF8.error(offset=at, where="message", at=exc.start) from None
        return Message(Opcode.TEXT, payload, False, n, (frame.offset,), text)

    def compressed_single(self, text: bool, wire_payload: bytes, offset: int) -> Message:
        """A compressed message of one frame (FIN and RSV1 set, RFC 7692 §6) at stream ``offset``:
        inflated within the limit, and its text checked as UTF-8 after inflation (§8.1 of RFC 6455
        applies to the inflated bytes). The receiver's fast path calls this too, for the same checks
        and the same errors."""
        assert self._inflater is not None
        limit = self._max
        try:
            payload = self._inflater.decompress(wire_payload, fin=True, max_size=limit)
        except ProtocolError as exc:
            if exc.offset is not None:
                raise
            raise _with_offset(exc, offset) from exc
        n = len(payload)
        if limit is not None and n > limit:
            raise rules.MESSAGE_OVER_LIMIT.error(offset=offset, size=n, so_far=" so far", limit=limit)
        wire = len(wire_payload)
        if not text:
            return Message(Opcode.BINARY, payload, True, wire, (offset,))
        try:
            decoded = payload.decode("utf-8")
        except UnicodeDecodeError:
            bad = first_invalid_utf8(payload, final=True)
            raise rules.MESSAGE_NOT_UTF8.error(offset=offset, where="inflated", at=bad) from None
        return Message(Opcode.TEXT, payload, True, wire, (offset,), decoded)

    def _reset(self) -> None:
        self._opcode = None
        self._parts = []
        self._offsets = []
        self._size = 0
        self._wire = 0
        self._compressed = False
        self._utf8 = None


def _with_offset(exc: ProtocolError, offset: int) -> ProtocolError:
    """Re-create ``exc`` so that its message names the stream offset of the frame."""
    return type(exc)(exc.rule, section=exc.section, offset=offset, fault=exc.fault, close_code=exc.close_code)
