"""WebSocket frames (RFC 6455 §5): parse, build, describe, and check in context.

A :class:`Frame` keeps exactly the bytes that were on the wire (``bytes(frame)`` gives them back,
malformed input included) plus the layout recorded while parsing: header length, length form, payload
length. A large received frame is kept as its header and its unmasked payload instead (the parser
unmasks it straight out of its buffer, one copy instead of two, and half the memory); its wire bytes
are the same bytes, masked again with the key of its header when ``bytes(frame)`` asks for them.
:attr:`Frame.fields` builds one :class:`~wsexplorer.anatomy.Field` per piece on demand from the
declarations of :mod:`.frame_header`, without parsing again, so the hot path creates nothing but the
frame. Parsing is lenient (anything structurally complete parses); :meth:`Frame.check` lists the rules
the frame breaks in a given context (:mod:`.frame_rules`). The incremental parser for streams is
:class:`~wsexplorer.codec.frame_parser.FrameParser`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..anatomy import Field, Violation
from ..errors import IncompleteInput, TrailingBytes
from . import frame_rules
from .close import encode_close_payload
from .frame_builder import coerce_length_form, serialize_frame
from .frame_fields import frame_fields
from .frame_header import (
    CONTROL_BIT,
    EXTENDED_LENGTH_BYTES,
    FIN_BIT,
    MASK_BIT,
    OPCODE_BITS,
    RSV1_BIT,
    RSV2_BIT,
    RSV3_BIT,
    SECTION,
    LengthForm,
    Opcode,
    header_layout,
    header_needed,
    minimal_form,
)
from .masking import LARGE_PAYLOAD, apply_mask
from .role import Role

__all__ = ["Frame", "serialize_frame"]

_OPCODES = {int(op): op for op in Opcode}
_TEXT, _BINARY = int(Opcode.TEXT), int(Opcode.BINARY)  # plain ints: IntEnum arithmetic is slower
_FORMS = tuple(LengthForm)


class Frame:
    """One WebSocket frame exactly as it was (or will be) on the wire (RFC 6455 §5.2).

    ``offset`` is where the frame starts in the stream it came from (0 for a frame parsed alone);
    ``missing`` counts announced payload bytes that never came (only with ``allow_truncated``).
    """

    __slots__ = ("_form", "_head", "_hlen", "_payload", "_plen", "_wire", "missing", "offset")

    _head: bytes  # starts with the header: the wire bytes themselves, or only the header
    _wire: bytes | None  # None: made from the header and the payload when asked (from_header_and_payload)
    _hlen: int
    _form: int
    _plen: int
    _payload: bytes | None
    offset: int
    missing: int

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_layout(
        cls,
        wire: bytes,
        header_length: int,
        form: int,
        payload_length: int,
        offset: int = 0,
        payload: bytes | None = None,
    ) -> Frame:
        """A frame from bytes whose layout is already known (parsers call this; nothing is checked)."""
        self = object.__new__(cls)
        self._head = self._wire = wire
        self._hlen = header_length
        self._form = form
        self._plen = payload_length
        self._payload = payload
        self.offset = offset
        self.missing = 0
        return self

    @classmethod
    def from_header_and_payload(cls, header: bytes, payload: bytes, form: int, offset: int = 0) -> Frame:
        """A complete frame from its header as on the wire and its payload *unmasked* (the parser's way
        for large frames; nothing is checked). The wire bytes are made when first asked for: the
        payload masked again with the header's key (RFC 6455 §5.3), exactly the bytes received."""
        self = object.__new__(cls)
        self._head = header
        self._wire = None
        self._hlen = len(header)
        self._form = form
        self._plen = len(payload)
        self._payload = payload
        self.offset = offset
        self.missing = 0
        return self

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview, *, allow_truncated: bool = False) -> Frame:
        """Parse exactly one complete frame; lenient: any structurally complete frame parses.

        Raises :class:`~wsexplorer.errors.IncompleteInput` naming how many bytes are missing, or
        :class:`~wsexplorer.errors.TrailingBytes` naming how many are left over. With
        ``allow_truncated=True`` a complete header with part of its payload parses too (``missing``
        then says how many payload bytes never came): the way to look at a frame that announces more
        than anyone can send, such as a 64-bit length with the top bit set.
        """
        data = bytes(data)
        layout = header_layout(data, 0)
        if layout is None:
            need = header_needed(data)
            raise IncompleteInput(
                f"incomplete frame header: {len(data)} of {need} header bytes, {need - len(data)} missing",
                missing=need - len(data),
                section=SECTION,
                offset=len(data),
            )
        hlen, form, plen = layout
        total = hlen + plen
        if len(data) < total and allow_truncated:
            frame = cls.from_layout(data, hlen, form, plen)
            frame.missing = total - len(data)
            return frame
        if len(data) < total:
            raise IncompleteInput(
                f"incomplete frame: the header announces {plen} payload bytes, "
                f"{len(data) - hlen} present, {total - len(data)} missing",
                missing=total - len(data),
                section=SECTION,
                offset=len(data),
            )
        if len(data) > total:
            raise TrailingBytes(
                f"{len(data) - total} bytes left over after one complete frame of {total} bytes",
                extra=len(data) - total,
                section=SECTION,
                offset=total,
            )
        return cls.from_layout(data, hlen, form, plen)

    @classmethod
    def build(
        cls,
        opcode: int,
        payload: bytes | str = b"",
        *,
        fin: bool = True,
        rsv1: bool = False,
        rsv2: bool = False,
        rsv3: bool = False,
        mask: bool | bytes = False,
        rng: Callable[[int], bytes] = os.urandom,
        length_form: LengthForm | str | None = None,
    ) -> Frame:
        """Build any frame, valid or not: reserved opcodes, RSV bits and non-minimal lengths allowed.

        ``mask`` is ``False`` (no mask, as servers send), ``True`` (a key from ``rng``, as clients send)
        or an explicit 4-byte key. ``length_form`` forces an encoding ("7-bit", "16-bit", "64-bit").
        """
        raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        n = len(raw)
        if mask is False and length_form is None and n <= 125 and not (rsv1 or rsv2 or rsv3):
            return _small_unmasked(cls, opcode & OPCODE_BITS, raw, fin)
        if mask is True:
            key: bytes | None = rng(4)
        elif mask is False:
            key = None
        else:
            key = bytes(mask)
            if len(key) != 4:
                raise ValueError(f"a masking key is 4 bytes, got {len(key)}")
        form = coerce_length_form(length_form)
        wire = serialize_frame(
            opcode, raw, fin=fin, rsv1=rsv1, rsv2=rsv2, rsv3=rsv3, mask_key=key, length_form=form
        )
        used = minimal_form(len(raw)) if form is None else form
        hlen = 2 + EXTENDED_LENGTH_BYTES[used] + (4 if key is not None else 0)
        return cls.from_layout(wire, hlen, int(used), len(raw), payload=raw)

    @classmethod
    def text(
        cls,
        text: str | bytes,
        *,
        fin: bool = True,
        mask: bool | bytes = False,
        rng: Callable[[int], bytes] = os.urandom,
        rsv1: bool = False,
        length_form: LengthForm | str | None = None,
    ) -> Frame:
        """A text frame (opcode 0x1)."""
        raw = text.encode("utf-8") if isinstance(text, str) else text
        if mask is False and not rsv1 and length_form is None and len(raw) <= 125 and type(raw) is bytes:
            return _small_unmasked(cls, _TEXT, raw, fin)
        return cls.build(Opcode.TEXT, raw, fin=fin, mask=mask, rng=rng, rsv1=rsv1, length_form=length_form)

    @classmethod
    def binary(
        cls,
        data: bytes | bytearray | memoryview,
        *,
        fin: bool = True,
        mask: bool | bytes = False,
        rng: Callable[[int], bytes] = os.urandom,
        rsv1: bool = False,
        length_form: LengthForm | str | None = None,
    ) -> Frame:
        """A binary frame (opcode 0x2)."""
        if mask is False and not rsv1 and length_form is None and len(data) <= 125 and type(data) is bytes:
            return _small_unmasked(cls, _BINARY, data, fin)
        return cls.build(
            Opcode.BINARY, bytes(data), fin=fin, mask=mask, rng=rng, rsv1=rsv1, length_form=length_form
        )

    @classmethod
    def continuation(
        cls,
        data: bytes | str,
        *,
        fin: bool = True,
        mask: bool | bytes = False,
        rng: Callable[[int], bytes] = os.urandom,
        length_form: LengthForm | str | None = None,
    ) -> Frame:
        """A continuation frame (opcode 0x0): the next fragment of a message."""
        return cls.build(Opcode.CONTINUATION, data, fin=fin, mask=mask, rng=rng, length_form=length_form)

    @classmethod
    def ping(
        cls, data: bytes | str = b"", *, mask: bool | bytes = False, rng: Callable[[int], bytes] = os.urandom
    ) -> Frame:
        """A ping frame (opcode 0x9)."""
        return cls.build(Opcode.PING, data, mask=mask, rng=rng)

    @classmethod
    def pong(
        cls, data: bytes | str = b"", *, mask: bool | bytes = False, rng: Callable[[int], bytes] = os.urandom
    ) -> Frame:
        """A pong frame (opcode 0xA)."""
        return cls.build(Opcode.PONG, data, mask=mask, rng=rng)

    @classmethod
    def close(
        cls,
        code: int | None = None,
        reason: str | bytes = "",
        *,
        mask: bool | bytes = False,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> Frame:
        """A close frame (opcode 0x8) with an optional code and reason (RFC 6455 §5.5.1)."""
        return cls.build(Opcode.CLOSE, encode_close_payload(code, reason), mask=mask, rng=rng)

    # -- the header, read through the masks of frame_header ------------------------------------------

    @property
    def fin(self) -> bool:
        return bool(self._head[0] & FIN_BIT)

    @property
    def rsv1(self) -> bool:
        return bool(self._head[0] & RSV1_BIT)

    @property
    def rsv2(self) -> bool:
        return bool(self._head[0] & RSV2_BIT)

    @property
    def rsv3(self) -> bool:
        return bool(self._head[0] & RSV3_BIT)

    @property
    def opcode(self) -> Opcode | int:
        """The opcode: an :class:`Opcode` when defined, the bare number when reserved."""
        op = self._head[0] & OPCODE_BITS
        return _OPCODES.get(op, op)

    @property
    def is_control(self) -> bool:
        return bool(self._head[0] & CONTROL_BIT)

    @property
    def masked(self) -> bool:
        return bool(self._head[1] & MASK_BIT)

    @property
    def masking_key(self) -> bytes | None:
        if not self._head[1] & MASK_BIT:
            return None
        return self._head[self._hlen - 4 : self._hlen]

    @property
    def payload_length(self) -> int:
        """The payload length the header announces (and the frame carries)."""
        return self._plen

    @property
    def length_form(self) -> LengthForm:
        return _FORMS[self._form]

    @property
    def header_length(self) -> int:
        return self._hlen

    @property
    def header(self) -> bytes:
        """The header bytes as on the wire (2 to 14: RFC 6455 §5.2), without the payload."""
        head = self._head
        return head if len(head) == self._hlen else head[: self._hlen]

    @property
    def payload(self) -> bytes:
        """The application payload, unmasked."""
        p = self._payload
        if p is None:
            wire = self._wire
            assert wire is not None  # a frame keeps its wire bytes, its payload, or both
            hlen = self._hlen
            body = wire[hlen:] if len(wire) - hlen < LARGE_PAYLOAD else memoryview(wire)[hlen:]
            p = apply_mask(body, wire[hlen - 4 : hlen]) if wire[1] & MASK_BIT else wire[hlen:]
            self._payload = p
        return p

    @property
    def masked_payload(self) -> bytes:
        """The payload bytes as they were on the wire (masked when the MASK bit is set)."""
        return bytes(self)[self._hlen :]

    @property
    def wire_length(self) -> int:
        wire = self._wire
        return len(wire) if wire is not None else self._hlen + self._plen

    def __bytes__(self) -> bytes:
        wire = self._wire
        if wire is None:  # kept as header and unmasked payload: mask it again (§5.3), once
            head, payload = self._head, self._payload
            assert payload is not None
            if head[1] & MASK_BIT:
                payload = apply_mask(payload, head[-4:])
            wire = self._wire = head + payload
        return wire

    def __len__(self) -> int:
        return self.wire_length

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return bytes(self) == bytes(other)

    def __hash__(self) -> int:
        return hash(bytes(self))

    @property
    def close_code(self) -> int | None:
        """The status code of a close frame (``None`` when the payload is shorter than 2 bytes)."""
        if self._head[0] & OPCODE_BITS != Opcode.CLOSE or self._plen < 2:
            return None
        return int.from_bytes(self.payload[:2], "big")

    @property
    def close_reason(self) -> str:
        """The reason of a close frame, decoded leniently (invalid UTF-8 shown as U+FFFD)."""
        if self._head[0] & OPCODE_BITS != Opcode.CLOSE or self._plen < 2:
            return ""
        return self.payload[2:].decode("utf-8", "replace")

    @property
    def fields(self) -> list[Field]:
        """Every field of the frame with its bit span, raw bits, value and meaning, built on demand."""
        return frame_fields(self)

    @property
    def violations(self) -> list[Violation]:
        """The rules this frame breaks on its own, without knowing who sent it or what was negotiated."""
        return self.check()

    def header_violations(self, *, sender: Role | None = None, rsv1_allowed: bool = False) -> list[Violation]:
        """The rules broken by the header alone: cheap enough to run on every received frame."""
        return frame_rules.header_violations(
            self._head, self._hlen, self._form, self._plen, sender=sender, rsv1_allowed=rsv1_allowed
        )

    def check(
        self,
        *,
        sender: Role | None = None,
        rsv1_allowed: bool = False,
        max_size: int | None = None,
        fragment_of_text: bool = False,
    ) -> list[Violation]:
        """The rules this frame breaks, in context.

        ``sender`` enables the masking rule (RFC 6455 §5.1); ``rsv1_allowed`` says permessage-deflate was
        negotiated (RFC 7692 §6); ``max_size`` is the receiver's frame size limit (1009);
        ``fragment_of_text`` says a continuation frame belongs to an uncompressed text message.
        """
        return frame_rules.frame_violations(
            self._head,
            self._hlen,
            self._form,
            self.payload,
            sender=sender,
            rsv1_allowed=rsv1_allowed,
            max_size=max_size,
            fragment_of_text=fragment_of_text,
        )

    def close_violations(self) -> list[Violation]:
        """The rules a close frame's payload breaks (none for other frames; RFC 6455 §5.5.1)."""
        return frame_rules.close_violations(self._head, self._hlen, self.payload)

    def summary(self) -> str:
        """One line: opcode, flags, length and a short preview."""
        op = self.opcode
        name = op.name if isinstance(op, Opcode) else f"0x{op:X}"
        bits = (("F", self.fin), ("1", self.rsv1), ("2", self.rsv2), ("3", self.rsv3), ("M", self.masked))
        flags = "".join(f for f, on in bits if on)
        extra = ""
        if op == Opcode.CLOSE and self._plen >= 2:
            extra = f" code={self.close_code} reason={self.close_reason!r}"
        elif op == Opcode.TEXT and not self.rsv1:
            text = self.payload[:24].decode("utf-8", "replace")
            extra = f" {text!r}{'…' if self._plen > 24 else ''}"
        elif self._plen:
            extra = f" {self.payload[:8].hex(' ')}{' …' if self._plen > 8 else ''}"
        return f"{name} [{flags or '-'}] len={self._plen}{extra}"

    def __repr__(self) -> str:
        return f"<Frame {self.summary()}>"


def _small_unmasked(cls: type[Frame], opcode: int, raw: bytes, fin: bool) -> Frame:
    """An unmasked frame with a 7-bit length: the common case, built without the general path."""
    n = len(raw)
    return cls.from_layout(bytes(((FIN_BIT if fin else 0) | opcode, n)) + raw, 2, 0, n, payload=raw)
