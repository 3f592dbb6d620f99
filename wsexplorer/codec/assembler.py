"""Reassembly of fragmented messages (RFC 6455 §5.4, §5.6; RFC 7692 §6).

Data frames arrive as a first frame (text or binary) and continuation frames until one has FIN set;
control frames may come in between. The assembler enforces the ordering rules, the size limit (measured
after inflation, inclusive), the fragment-count bound, and validates text as UTF-8 fragment by fragment,
failing at the first invalid byte. Errors carry the stream offset and the close code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import InvalidPayloadData, MessageTooBig, ProtocolError
from .frames import Frame, Opcode
from .utf8 import Utf8Validator

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
    def text(self) -> str:
        """The payload as text (for text messages: already validated as UTF-8)."""
        if self.decoded is not None:
            return self.decoded
        return self.payload.decode("utf-8", "strict" if self.is_text else "replace")

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
            raise MessageTooBig(
                f"{what} of {total} bytes announced, over the limit of {self._max} bytes",
                section="RFC 6455 §7.4.1",
                offset=offset,
            )

    def add(self, frame: Frame) -> Message | None:
        """Take one data frame; return the message it completes, if any. Raises ProtocolError on misuse."""
        b0 = bytes(frame)[0]
        if self._opcode is None and b0 & 0xC0 == 0x80 and 0 < b0 & 0x0F < 3:
            return self._single(frame, b0 & 0x0F)
        op = frame.opcode
        offset = frame.offset
        if op == Opcode.CONTINUATION:
            if self._opcode is None:
                raise ProtocolError(
                    "continuation frame without a message in progress",
                    section="RFC 6455 §5.4",
                    offset=offset,
                )
            if frame.rsv1:
                raise ProtocolError(
                    "RSV1 set on a continuation frame: only the first frame of a message may set it",
                    section="RFC 7692 §6.1",
                    offset=offset,
                )
        elif op in (Opcode.TEXT, Opcode.BINARY):
            if self._opcode is not None:
                raise ProtocolError(
                    f"new {Opcode(op).name.lower()} frame while a fragmented message is in progress "
                    "(expected a continuation frame)",
                    section="RFC 6455 §5.4",
                    offset=offset,
                )
            if frame.rsv1 and self._inflater is None:
                raise ProtocolError(
                    "RSV1 set but permessage-deflate was not negotiated",
                    section="RFC 6455 §5.2",
                    offset=offset,
                )
            self._opcode = Opcode(op)
            self._compressed = frame.rsv1
            self._utf8 = Utf8Validator(keep_text=True) if op == Opcode.TEXT else None
        else:
            raise ValueError(f"not a data frame: {frame!r}")

        self._offsets.append(offset)
        if self._max is not None and len(self._offsets) > max(self._max, 1):
            raise MessageTooBig(
                f"message of more than {self._max} fragments (the size limit bounds the fragment count)",
                section="RFC 6455 §7.4.1",
                offset=offset,
            )
        wire_payload = frame.payload
        self._wire += len(wire_payload)
        fin = frame.fin
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
            raise MessageTooBig(
                f"message of {self._size} bytes so far, over the limit of {self._max} bytes",
                section="RFC 6455 §7.4.1",
                offset=offset,
            )
        if self._utf8 is not None:
            bad = self._utf8.feed(data, final=fin)
            if bad is not None:
                if payload_offset is not None:
                    where = payload_offset + max(0, bad - (self._size - len(data)))
                    rule = f"invalid UTF-8 in text message at message byte {bad}"
                else:
                    where = offset
                    rule = f"invalid UTF-8 in text message at inflated byte {bad}"
                raise InvalidPayloadData(rule, section="RFC 6455 §8.1", offset=where)
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
            raise MessageTooBig(
                f"message of {n} bytes, over the limit of {self._max} bytes",
                section="RFC 6455 §7.4.1",
                offset=frame.offset,
            )
        if op == 2:
            return Message(Opcode.BINARY, payload, False, n, (frame.offset,))
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidPayloadData(
                f"invalid UTF-8 in text message at message byte {exc.start}",
                section="RFC 6455 §8.1",
                offset=frame.offset + frame.header_length + exc.start,
            ) from None
        return Message(Opcode.TEXT, payload, False, n, (frame.offset,), text)

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
