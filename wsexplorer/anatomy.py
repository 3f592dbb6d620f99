"""Self-describing pieces of wire data: spans at bit precision, fields, and rule violations.

Every inspectable object (a frame, a handshake, a compressed message) describes itself as a list of
:class:`Field` objects built on demand from what its parser recorded. Dumps, bit diagrams, widgets and
error explanations are all drawn from these, so there is one source of truth for "which bits mean what".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .errors import Fault

__all__ = ["Field", "FieldList", "Inspectable", "Span", "Violation"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of bits in a byte string: ``bit_offset`` from the first bit (MSB of byte 0), ``bit_length`` bits.

    WebSocket numbers bits from the most significant bit of each byte (RFC 6455 §5.2), and so do we.
    """

    bit_offset: int
    bit_length: int

    @classmethod
    def of_bytes(cls, start: int, end: int) -> Span:
        """The span of bytes ``start`` (inclusive) to ``end`` (exclusive)."""
        return cls(start * 8, (end - start) * 8)

    @property
    def bit_end(self) -> int:
        return self.bit_offset + self.bit_length

    @property
    def byte_start(self) -> int:
        """The first byte touched by the span."""
        return self.bit_offset // 8

    @property
    def byte_end(self) -> int:
        """One past the last byte touched by the span."""
        return (self.bit_end + 7) // 8

    @property
    def whole_bytes(self) -> bool:
        """True when the span starts and ends on byte boundaries."""
        return self.bit_offset % 8 == 0 and self.bit_length % 8 == 0

    def extract(self, data: bytes) -> int:
        """The span's bits read from ``data`` as an unsigned big-endian integer."""
        if self.bit_length == 0:
            return 0
        chunk = int.from_bytes(data[self.byte_start : self.byte_end], "big")
        shift = self.byte_end * 8 - self.bit_end
        return (chunk >> shift) & ((1 << self.bit_length) - 1)

    def raw(self, data: bytes) -> bytes:
        """The bytes the span touches."""
        return bytes(data[self.byte_start : self.byte_end])

    def bits(self, data: bytes) -> str:
        """The span's bits as a string of ``0`` and ``1`` (empty for an empty span)."""
        if self.bit_length == 0:
            return ""
        return format(self.extract(data), f"0{self.bit_length}b")

    def __str__(self) -> str:
        if self.whole_bytes:
            return f"bytes {self.byte_start}..{self.byte_end - 1}" if self.bit_length else "empty"
        if self.bit_length == 1:
            return f"bit {self.bit_offset}"
        return f"bits {self.bit_offset}..{self.bit_end - 1}"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an inspectable object: where it is, what it holds, and what that means.

    ``raw`` is the bytes the field touches; ``bits`` is its exact bit string when it is narrower than
    whole bytes (FIN, RSV1-3, MASK, opcode, the 7-bit length), else empty.
    """

    name: str
    span: Span
    raw: bytes
    value: object
    meaning: str
    rfc_ref: str = ""
    bits: str = ""
    group: str = ""

    @property
    def is_bitfield(self) -> bool:
        return not self.span.whole_bytes

    def display_value(self) -> str:
        """The value as a short string (hex for bytes, decimal for numbers)."""
        v = self.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, (bytes, bytearray, memoryview)):
            b = bytes(v)
            text = b[:16].hex(" ")
            return text + (" …" if len(b) > 16 else "")
        return str(v)


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule broken by parsed data: what, where, which RFC section, and how a compliant peer answers.

    ``start``/``end`` are byte offsets in the object's own bytes. ``close_code`` is the WebSocket close code
    a compliant peer fails the connection with; ``http_status`` the status a server answers a bad
    handshake with.
    """

    rule: str
    start: int
    end: int
    section: str
    close_code: int | None = None
    http_status: int | None = None
    field: str = ""
    fault: Fault = "peer"

    def __str__(self) -> str:
        where = f"bytes {self.start}..{self.end - 1}" if self.end > self.start + 1 else f"byte {self.start}"
        answer = []
        if self.close_code is not None:
            answer.append(f"close {self.close_code}")
        if self.http_status is not None:
            answer.append(f"HTTP {self.http_status}")
        tail = f" -> {', '.join(answer)}" if answer else ""
        return f"{self.rule} ({self.section}; {where}){tail}"


@runtime_checkable
class Inspectable(Protocol):
    """What the dump and diagram renderers need: bytes and the fields that describe them."""

    def __bytes__(self) -> bytes: ...

    @property
    def fields(self) -> Sequence[Field]: ...

    @property
    def violations(self) -> Sequence[Violation]: ...


@dataclass(slots=True)
class FieldList:
    """A small helper that collects fields in order (used by the codec's ``fields`` builders)."""

    items: list[Field] = field(default_factory=list)

    def add(
        self,
        data: bytes,
        name: str,
        span: Span,
        value: object,
        meaning: str,
        rfc_ref: str = "",
        group: str = "",
    ) -> None:
        bits = "" if span.whole_bytes else span.bits(data)
        self.items.append(Field(name, span, span.raw(data), value, meaning, rfc_ref, bits, group))
