"""The WebSocket frame header, declared once (RFC 6455 §5.2).

Every fact about where a header field sits is written here and nowhere else: :data:`FIXED_FIELDS` lists
the first 16 bits as ``(name, bit offset, bit width, section, meaning)`` in wire order, and the fields
whose place depends on the frame (the extended payload length, the masking key) are
:class:`PlacedField` declarations placed by the frame's layout. The bit masks the hot paths use
(:data:`FIN_BIT`, :data:`OPCODE_BITS`, ...) are computed from the declarations, as are
:attr:`Frame.fields <wsexplorer.codec.frames.Frame.fields>`, the bit diagram and the header checks.

A frame's *layout* is three numbers recorded while parsing: the header length, the
:class:`LengthForm` and the payload length. :func:`header_layout` reads them from the first bytes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ..anatomy import Span

__all__ = [
    "EXTENDED_LENGTH",
    "EXTENDED_LENGTH_BYTES",
    "FIN",
    "FIN_BIT",
    "FIXED_FIELDS",
    "LENGTH7_BITS",
    "MASK",
    "MASKING_KEY",
    "MASK_BIT",
    "OPCODE",
    "OPCODE_BITS",
    "PAYLOAD_DATA",
    "PAYLOAD_LEN",
    "RSV1",
    "RSV1_BIT",
    "RSV2",
    "RSV2_BIT",
    "RSV3",
    "RSV3_BIT",
    "RSV_BITS",
    "HeaderField",
    "LengthForm",
    "Opcode",
    "PlacedField",
    "describe_opcode",
    "header_layout",
    "header_needed",
    "minimal_form",
]

SECTION = "RFC 6455 §5.2"


class Opcode(enum.IntEnum):
    """Frame opcodes (RFC 6455 §5.2, registry §11.8); 0x3-0x7 and 0xB-0xF are reserved."""

    CONTINUATION = 0x0  #: the next fragment of a message (§5.4)
    TEXT = 0x1  #: UTF-8 text (§5.6)
    BINARY = 0x2  #: arbitrary bytes (§5.6)
    CLOSE = 0x8  #: starts or answers the closing handshake (§5.5.1)
    PING = 0x9  #: asks the peer for a pong (§5.5.2)
    PONG = 0xA  #: answers a ping, or a one-way heartbeat (§5.5.3)

    @property
    def is_control(self) -> bool:
        """Control opcodes have the high bit of the opcode set (§5.5)."""
        return self >= 0x8


_OPCODE_MEANINGS = {
    0x0: "continuation frame: the next fragment of a message",
    0x1: "text frame: UTF-8 text (first fragment of a text message)",
    0x2: "binary frame: arbitrary bytes (first fragment of a binary message)",
    0x8: "connection close: starts or answers the closing handshake",
    0x9: "ping: asks the peer for a pong",
    0xA: "pong: answers a ping, or a unidirectional heartbeat",
}

DEFINED_OPCODES = frozenset(_OPCODE_MEANINGS)
"""The opcodes RFC 6455 defines; any other is reserved and fails the connection (§5.2)."""


def describe_opcode(opcode: int) -> str:
    """What ``opcode`` means (RFC 6455 §5.2)."""
    if opcode in _OPCODE_MEANINGS:
        return _OPCODE_MEANINGS[opcode]
    kind = "control" if opcode >= 0x8 else "non-control"
    return f"reserved for further {kind} frames (not defined by RFC 6455)"


class LengthForm(enum.IntEnum):
    """How the payload length is encoded (§5.2): in 7 bits, or 126/127 plus 16/64 bits."""

    BITS_7 = 0  #: 0-125 in the 7-bit field itself
    BITS_16 = 1  #: 126, then a 16-bit length
    BITS_64 = 2  #: 127, then a 64-bit length (most significant bit 0)

    @property
    def label(self) -> str:
        return ("7-bit", "16-bit", "64-bit")[self]

    @property
    def extended_bytes(self) -> int:
        """How many bytes of extended payload length follow the 7-bit field."""
        return EXTENDED_LENGTH_BYTES[self]

    @property
    def marker(self) -> int | None:
        """The 7-bit value announcing this form (126, 127), ``None`` for the 7-bit form."""
        return (None, 126, 127)[self]


EXTENDED_LENGTH_BYTES = (0, 2, 8)
"""Bytes of extended payload length for each :class:`LengthForm`, indexed by its value."""


def minimal_form(length: int) -> LengthForm:
    """The shortest form that holds ``length``: the only one allowed on the wire (§5.2)."""
    if length <= 125:
        return LengthForm.BITS_7
    if length <= 0xFFFF:
        return LengthForm.BITS_16
    return LengthForm.BITS_64


# -- the fixed fields: the first 16 bits ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One field of the first two header bytes: its place, its RFC section, what its values mean.

    Every fixed field lies inside one byte, so it is read as ``(data[byte] & mask) >> shift``.
    """

    name: str
    bit_offset: int
    bit_width: int
    section: str
    summary: str
    meaning: Callable[[int], str]

    @property
    def byte(self) -> int:
        return self.bit_offset // 8

    @property
    def shift(self) -> int:
        return 8 - self.bit_offset % 8 - self.bit_width

    @property
    def mask(self) -> int:
        """The field's bits within its byte, e.g. ``0x80`` for FIN and ``0x0F`` for the opcode."""
        return ((1 << self.bit_width) - 1) << self.shift

    @property
    def span(self) -> Span:
        return Span(self.bit_offset, self.bit_width)

    def read(self, data: bytes | bytearray | memoryview) -> int:
        """The field's value in the frame starting at ``data[0]``."""
        return (data[self.byte] & self.mask) >> self.shift


def _rsv_meaning(defined_by_extension: bool) -> Callable[[int], str]:
    def meaning(value: int) -> str:
        if not value:
            return "reserved, 0"
        if defined_by_extension:
            return "set: only allowed when an extension defines it (permessage-deflate: compressed)"
        return "set: no extension defines this bit, so the frame is invalid"

    return meaning


def _length_meaning(value: int) -> str:
    if value <= 125:
        return f"payload length: {value} bytes"
    if value == 126:
        return "126: a 16-bit extended payload length follows"
    return "127: a 64-bit extended payload length follows"


FIN = HeaderField(
    "FIN",
    0,
    1,
    SECTION,
    "1 on the final fragment of a message",
    lambda v: "final fragment of the message" if v else "more fragments follow",
)
RSV1 = HeaderField(
    "RSV1", 1, 1, SECTION, "reserved for extensions (permessage-deflate: compressed)", _rsv_meaning(True)
)
RSV2 = HeaderField("RSV2", 2, 1, SECTION, "reserved for extensions", _rsv_meaning(False))
RSV3 = HeaderField("RSV3", 3, 1, SECTION, "reserved for extensions", _rsv_meaning(False))
OPCODE = HeaderField("opcode", 4, 4, SECTION, "what the frame carries", describe_opcode)
MASK = HeaderField(
    "MASK",
    8,
    1,
    "RFC 6455 §5.3",
    "1 when a masking key follows (every client frame)",
    lambda v: "payload is masked (client to server)" if v else "payload is not masked (server to client)",
)
PAYLOAD_LEN = HeaderField(
    "payload length", 9, 7, SECTION, "the length, or 126/127 for a longer encoding", _length_meaning
)

FIXED_FIELDS: tuple[HeaderField, ...] = (FIN, RSV1, RSV2, RSV3, OPCODE, MASK, PAYLOAD_LEN)
"""The first 16 bits of every frame, in wire order."""

# Masks for the hot paths, derived from the declarations above (byte 0 and byte 1 of the header).
FIN_BIT = FIN.mask
RSV1_BIT = RSV1.mask
RSV2_BIT = RSV2.mask
RSV3_BIT = RSV3.mask
RSV_BITS = RSV1_BIT | RSV2_BIT | RSV3_BIT
OPCODE_BITS = OPCODE.mask
CONTROL_BIT = 1 << (OPCODE.bit_width - 1 + OPCODE.shift)  # the opcode's high bit (§5.5)
MASK_BIT = MASK.mask
LENGTH7_BITS = PAYLOAD_LEN.mask
assert FIN.byte == RSV1.byte == RSV2.byte == RSV3.byte == OPCODE.byte == 0
assert MASK.byte == PAYLOAD_LEN.byte == 1


# -- the fields placed by the layout ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacedField:
    """A field whose place depends on the frame: where it is comes from :meth:`span`."""

    name: str
    section: str
    summary: str
    place: Callable[[int, int, bool, int], Span | None]

    def span(self, header_length: int, form: int, masked: bool, wire_length: int) -> Span | None:
        """The field's span in a frame with this layout, ``None`` when the frame has no such field."""
        return self.place(header_length, form, masked, wire_length)


def _extended_length_span(header_length: int, form: int, masked: bool, wire_length: int) -> Span | None:
    n = EXTENDED_LENGTH_BYTES[form]
    return Span.of_bytes(2, 2 + n) if n else None


def _masking_key_span(header_length: int, form: int, masked: bool, wire_length: int) -> Span | None:
    return Span.of_bytes(header_length - 4, header_length) if masked else None


def _payload_span(header_length: int, form: int, masked: bool, wire_length: int) -> Span | None:
    return Span.of_bytes(header_length, wire_length) if wire_length > header_length else None


EXTENDED_LENGTH = PlacedField(
    "extended payload length",
    SECTION,
    "16 or 64 bits right after the 7-bit length, when that says 126 or 127",
    _extended_length_span,
)
MASKING_KEY = PlacedField(
    "masking key",
    "RFC 6455 §5.3",
    "4 bytes after the length, when MASK is 1",
    _masking_key_span,
)
PAYLOAD_DATA = PlacedField(
    "payload data", SECTION, "everything after the header (masked when MASK is 1)", _payload_span
)


# -- reading a layout --------------------------------------------------------------------------------


def header_needed(data: bytes | bytearray, pos: int = 0) -> int:
    """How many header bytes the frame starting at ``pos`` needs, as far as can be told yet."""
    if len(data) - pos < 2:
        return 2
    b1 = data[pos + 1]
    len7 = b1 & LENGTH7_BITS
    ext = 2 if len7 == 126 else 8 if len7 == 127 else 0
    return 2 + ext + (4 if b1 & MASK_BIT else 0)


def header_layout(data: bytes | bytearray, pos: int) -> tuple[int, int, int] | None:
    """(header length, length form, payload length) of the frame at ``pos``; None if the header is cut."""
    avail = len(data) - pos
    if avail < 2:
        return None
    b1 = data[pos + 1]
    len7 = b1 & LENGTH7_BITS
    mask = 4 if b1 & MASK_BIT else 0
    if len7 < 126:
        hlen = 2 + mask
        return (hlen, 0, len7) if avail >= hlen else None
    if len7 == 126:
        hlen = 4 + mask
        if avail < hlen:
            return None
        return hlen, 1, (data[pos + 2] << 8) | data[pos + 3]
    hlen = 10 + mask
    if avail < hlen:
        return None
    return hlen, 2, int.from_bytes(data[pos + 2 : pos + 10], "big")
