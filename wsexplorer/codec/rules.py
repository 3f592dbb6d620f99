"""The rules of the wire format after the handshake, each written once (RFC 6455 §5-§8, RFC 7692 §6-§7).

A :class:`Rule` is what it says (a template with named placeholders), the section that says it, the
close code a receiver fails the connection with, and the field it concerns. The same rule becomes a
:class:`~wsexplorer.anatomy.Violation` when a frame is *shown* (:meth:`Rule.violation`, byte range
inside the frame) and a :class:`~wsexplorer.errors.ProtocolError` when a connection *receives* it
(:meth:`Rule.error`, stream offset), so a lesson and a live connection can never word a rule
differently or answer it with different codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..anatomy import Violation
from ..errors import CloseCode, ProtocolError, error_for_close_code

__all__ = ["Rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: ``text`` is a :meth:`str.format` template filled with keyword values."""

    text: str
    section: str
    close_code: CloseCode
    field: str = ""

    def says(self, **values: object) -> str:
        """The rule in words, with ``values`` filled in."""
        return self.text.format(**values)

    def violation(self, start: int, end: int, *, field: str | None = None, **values: object) -> Violation:
        """The rule broken by bytes ``start..end-1`` of an object, for showing."""
        return Violation(
            self.says(**values),
            start,
            end,
            self.section,
            close_code=int(self.close_code),
            field=self.field if field is None else field,
        )

    def error(self, *, offset: int | None, **values: object) -> ProtocolError:
        """The rule broken at stream byte ``offset``, for failing a connection (§7.1.7)."""
        cls = error_for_close_code(self.close_code)
        return cls(self.says(**values), section=self.section, offset=offset, close_code=int(self.close_code))


_P = CloseCode.PROTOCOL_ERROR
_BIG = CloseCode.MESSAGE_TOO_BIG
_UTF8 = CloseCode.INVALID_PAYLOAD_DATA

# -- one frame's header (RFC 6455 §5.1, §5.2, §5.5; RFC 7692 §6.1) -----------------------------------

RESERVED_OPCODE = Rule("reserved opcode 0x{opcode:X} is not defined", "RFC 6455 §5.2", _P, "opcode")
RSV_WITHOUT_EXTENSION = Rule(
    "{bit} is set but no extension that defines it was negotiated", "RFC 6455 §5.2", _P
)
RSV1_ON_CONTROL = Rule("RSV1 must not be set on a control frame", "RFC 7692 §6.1", _P, "RSV1")
LENGTH_TOP_BIT = Rule(
    "the most significant bit of a 64-bit payload length must be 0",
    "RFC 6455 §5.2",
    _P,
    "extended payload length (64-bit)",
)
LENGTH_NOT_MINIMAL = Rule(
    "payload length {length} not in the minimal number of bytes ({form} form used)",
    "RFC 6455 §5.2",
    _P,
    "payload length",
)
CONTROL_FRAGMENTED = Rule("control frames must not be fragmented (FIN must be 1)", "RFC 6455 §5.5", _P, "FIN")
CONTROL_TOO_LONG = Rule(
    "control frame payload of {length} bytes exceeds 125", "RFC 6455 §5.5", _P, "payload length"
)
CLIENT_UNMASKED = Rule("a client must mask every frame it sends", "RFC 6455 §5.1", _P, "MASK")
SERVER_MASKED = Rule("a server must not mask frames it sends", "RFC 6455 §5.1", _P, "MASK")

# -- one frame's payload -----------------------------------------------------------------------------

FRAME_OVER_LIMIT = Rule(
    "payload of {length} bytes exceeds the limit of {limit}", "RFC 6455 §7.4.1", _BIG, "payload length"
)
TEXT_NOT_UTF8 = Rule(
    "invalid UTF-8 in text payload at payload byte {at}", "RFC 6455 §8.1", _UTF8, "payload data"
)
CLOSE_ONE_BYTE = Rule(
    "a close payload of 1 byte is invalid: a code needs 2 bytes", "RFC 6455 §5.5.1", _P, "payload data"
)
CLOSE_CODE_INVALID = Rule("{problem}", "RFC 6455 §7.4.1", _P, "close code")
CLOSE_REASON_NOT_UTF8 = Rule(
    "invalid UTF-8 in close reason at reason byte {at}", "RFC 6455 §5.5.1", _UTF8, "close reason"
)

# -- a stream of frames (what a receiving connection checks) --------------------------------------------

FRAME_ANNOUNCED_OVER_LIMIT = Rule(
    "frame header announces {length} payload bytes, over the limit of {limit} bytes; "
    "refused before buffering the payload",
    "RFC 6455 §7.4.1",
    _BIG,
)
FRAME_PAYLOAD_OVER_LIMIT = Rule(
    "frame of {length} payload bytes, over the limit of {limit}", "RFC 6455 §7.4.1", _BIG
)
STREAM_ENDED_IN_FRAME = Rule(
    "the stream ended inside a frame ({length} bytes of an incomplete frame)", "RFC 6455 §7.1.5", _P
)

# -- messages: fragmentation, size, text (RFC 6455 §5.4, §5.6, §8.1; RFC 7692 §6.1) ---------------------

CONTINUATION_WITHOUT_MESSAGE = Rule("continuation frame without a message in progress", "RFC 6455 §5.4", _P)
NEW_MESSAGE_INSIDE_MESSAGE = Rule(
    "new {kind} frame while a fragmented message is in progress (expected a continuation frame)",
    "RFC 6455 §5.4",
    _P,
)
RSV1_ON_CONTINUATION = Rule(
    "RSV1 set on a continuation frame: only the first frame of a message may set it", "RFC 7692 §6.1", _P
)
TOO_MANY_FRAGMENTS = Rule(
    "message of more than {limit} fragments (the size limit bounds the fragment count)",
    "RFC 6455 §7.4.1",
    _BIG,
)
MESSAGE_ANNOUNCED_OVER_LIMIT = Rule(
    "{what} of {size} bytes announced, over the limit of {limit} bytes", "RFC 6455 §7.4.1", _BIG
)
MESSAGE_OVER_LIMIT = Rule(
    "message of {size} bytes{so_far}, over the limit of {limit} bytes", "RFC 6455 §7.4.1", _BIG
)
MESSAGE_NOT_UTF8 = Rule("invalid UTF-8 in text message at {where} byte {at}", "RFC 6455 §8.1", _UTF8)

# -- permessage-deflate (RFC 7692 §7.2.2) -----------------------------------------------------------------

DEFLATE_INVALID = Rule("invalid DEFLATE data: {detail}", "RFC 7692 §7.2.2", _UTF8)
INFLATES_OVER_LIMIT = Rule(
    "the message inflates to more than max_message_size={limit} bytes; stopped after {size} bytes",
    "RFC 6455 §7.4.1, §10.4",
    _BIG,
)
