"""WebSocket frames (RFC 6455 §5): parse, build, describe and check.

A :class:`Frame` keeps exactly the bytes that were on the wire (``bytes(frame)`` gives them back, malformed
input included) plus a compact layout recorded while parsing: the header length and the length form. The
offsets of the extended length (byte 2) and of the masking key (just before the payload) follow from those
two numbers, so :attr:`Frame.fields` builds self-describing :class:`~wsexplorer.anatomy.Field` objects on
demand without parsing again, and the hot path creates nothing more than the frame itself.

Parsing is lenient (anything structurally complete parses); :meth:`Frame.check` lists the rules a frame
breaks, each with the byte range, the RFC section and the close code a compliant peer answers with.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from typing import Literal

from ..anatomy import Field, FieldList, Span, Violation
from ..errors import IncompleteInput, TrailingBytes
from .close import close_code_problem, describe_close_code, encode_close_payload
from .masking import apply_mask
from .utf8 import first_invalid_utf8

__all__ = [
    "Frame",
    "FrameParser",
    "LengthForm",
    "Opcode",
    "header_layout",
    "serialize_frame",
]

Sender = Literal["client", "server"]


class Opcode(enum.IntEnum):
    """Frame opcodes (RFC 6455 §5.2, §11.8); 0x3-0x7 and 0xB-0xF are reserved."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA

    @property
    def is_control(self) -> bool:
        return self >= 0x8


OPCODE_MEANINGS = {
    0x0: "continuation frame: the next fragment of a message",
    0x1: "text frame: UTF-8 text (first fragment of a text message)",
    0x2: "binary frame: arbitrary bytes (first fragment of a binary message)",
    0x8: "connection close: starts or answers the closing handshake",
    0x9: "ping: asks the peer for a pong",
    0xA: "pong: answers a ping, or a unidirectional heartbeat",
}


def describe_opcode(opcode: int) -> str:
    """What ``opcode`` means (RFC 6455 §5.2)."""
    if opcode in OPCODE_MEANINGS:
        return OPCODE_MEANINGS[opcode]
    kind = "control" if opcode >= 0x8 else "non-control"
    return f"reserved for further {kind} frames (not defined by RFC 6455)"


class LengthForm(enum.IntEnum):
    """How the payload length is encoded (RFC 6455 §5.2): in 7 bits, or 126/127 plus 16/64 bits."""

    BITS_7 = 0
    BITS_16 = 1
    BITS_64 = 2

    @property
    def label(self) -> str:
        return ("7-bit", "16-bit", "64-bit")[self]

    @property
    def extended_bytes(self) -> int:
        return (0, 2, 8)[self]


_OPCODES = {int(op): op for op in Opcode}
_FORMS = (LengthForm.BITS_7, LengthForm.BITS_16, LengthForm.BITS_64)
_EXT_LEN = (0, 2, 8)
_RFC = "RFC 6455 §5.2"


def _minimal_form(n: int) -> LengthForm:
    if n <= 125:
        return LengthForm.BITS_7
    if n <= 0xFFFF:
        return LengthForm.BITS_16
    return LengthForm.BITS_64


def serialize_frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv1: bool = False,
    rsv2: bool = False,
    rsv3: bool = False,
    mask_key: bytes | None = None,
    length_form: LengthForm | None = None,
) -> bytes:
    """The wire bytes of one frame (RFC 6455 §5.2); ``length_form`` can force a non-minimal encoding."""
    n = len(payload)
    b0 = (fin << 7) | (rsv1 << 6) | (rsv2 << 5) | (rsv3 << 4) | (opcode & 0x0F)
    mask_bit = 0x80 if mask_key is not None else 0
    form = _minimal_form(n) if length_form is None else length_form
    if form == LengthForm.BITS_7:
        if n > 125:
            raise ValueError(f"a payload of {n} bytes does not fit the 7-bit length form")
        header = bytes((b0, mask_bit | n))
    elif form == LengthForm.BITS_16:
        if n > 0xFFFF:
            raise ValueError(f"a payload of {n} bytes does not fit the 16-bit length form")
        header = bytes((b0, mask_bit | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((b0, mask_bit | 127)) + n.to_bytes(8, "big")
    if mask_key is None:
        return header + payload
    return header + mask_key + apply_mask(payload, mask_key)


class Frame:
    """One WebSocket frame exactly as it was (or will be) on the wire (RFC 6455 §5.2).

    ``offset`` is where the frame starts in the stream it came from (0 for a frame parsed alone).
    """

    __slots__ = ("_form", "_hlen", "_payload", "_plen", "_wire", "missing", "offset")

    _wire: bytes
    _hlen: int
    _form: int
    _plen: int
    _payload: bytes | None
    offset: int
    missing: int

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def _from_layout(
        cls,
        wire: bytes,
        hlen: int,
        form: int,
        plen: int,
        offset: int = 0,
        payload: bytes | None = None,
    ) -> Frame:
        self = object.__new__(cls)
        self._wire = wire
        self._hlen = hlen
        self._form = form
        self._plen = plen
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
            need = _bytes_needed(data)
            raise IncompleteInput(
                f"incomplete frame header: {len(data)} of {need} header bytes, {need - len(data)} missing",
                missing=need - len(data),
                section=_RFC,
                offset=len(data),
            )
        hlen, form, plen = layout
        total = hlen + plen
        if len(data) < total and allow_truncated:
            frame = cls._from_layout(data, hlen, form, plen)
            frame.missing = total - len(data)
            return frame
        if len(data) < total:
            raise IncompleteInput(
                f"incomplete frame: the header announces {plen} payload bytes, "
                f"{len(data) - hlen} present, {total - len(data)} missing",
                missing=total - len(data),
                section=_RFC,
                offset=len(data),
            )
        if len(data) > total:
            raise TrailingBytes(
                f"{len(data) - total} bytes left over after one complete frame of {total} bytes",
                extra=len(data) - total,
                section=_RFC,
                offset=total,
            )
        return cls._from_layout(data, hlen, form, plen)

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
            return _small_unmasked(cls, opcode & 0x0F, raw, fin)
        if mask is True:
            key: bytes | None = rng(4)
        elif mask is False:
            key = None
        else:
            key = bytes(mask)
            if len(key) != 4:
                raise ValueError(f"a masking key is 4 bytes, got {len(key)}")
        form = _coerce_form(length_form)
        wire = serialize_frame(
            opcode, raw, fin=fin, rsv1=rsv1, rsv2=rsv2, rsv3=rsv3, mask_key=key, length_form=form
        )
        used = _minimal_form(len(raw)) if form is None else form
        hlen = 2 + _EXT_LEN[used] + (4 if key is not None else 0)
        return cls._from_layout(wire, hlen, int(used), len(raw), payload=raw)

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
            return _small_unmasked(cls, 0x1, raw, fin)
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
            return _small_unmasked(cls, 0x2, data, fin)
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

    # -- the fields of the header -------------------------------------------------------------------

    @property
    def fin(self) -> bool:
        return bool(self._wire[0] & 0x80)

    @property
    def rsv1(self) -> bool:
        return bool(self._wire[0] & 0x40)

    @property
    def rsv2(self) -> bool:
        return bool(self._wire[0] & 0x20)

    @property
    def rsv3(self) -> bool:
        return bool(self._wire[0] & 0x10)

    @property
    def opcode(self) -> Opcode | int:
        """The opcode: an :class:`Opcode` when defined, the bare number when reserved."""
        op = self._wire[0] & 0x0F
        return _OPCODES.get(op, op)

    @property
    def is_control(self) -> bool:
        return bool(self._wire[0] & 0x08)

    @property
    def masked(self) -> bool:
        return bool(self._wire[1] & 0x80)

    @property
    def masking_key(self) -> bytes | None:
        if not self._wire[1] & 0x80:
            return None
        return self._wire[self._hlen - 4 : self._hlen]

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
    def payload(self) -> bytes:
        """The application payload, unmasked."""
        p = self._payload
        if p is None:
            wire = self._wire
            if wire[1] & 0x80:
                hlen = self._hlen
                p = apply_mask(memoryview(wire)[hlen:], wire[hlen - 4 : hlen])
            else:
                p = wire[self._hlen :]
            self._payload = p
        return p

    @property
    def masked_payload(self) -> bytes:
        """The payload bytes as they were on the wire (masked when the MASK bit is set)."""
        return self._wire[self._hlen :]

    @property
    def wire_length(self) -> int:
        return len(self._wire)

    def __bytes__(self) -> bytes:
        return self._wire

    def __len__(self) -> int:
        return len(self._wire)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return self._wire == other._wire

    def __hash__(self) -> int:
        return hash(self._wire)

    # -- close frames -----------------------------------------------------------------------------

    @property
    def close_code(self) -> int | None:
        """The status code of a close frame (``None`` when the payload is shorter than 2 bytes)."""
        if self.opcode != Opcode.CLOSE or self._plen < 2:
            return None
        return int.from_bytes(self.payload[:2], "big")

    @property
    def close_reason(self) -> str:
        """The reason of a close frame, decoded leniently (invalid UTF-8 shown as U+FFFD)."""
        if self.opcode != Opcode.CLOSE or self._plen < 2:
            return ""
        return self.payload[2:].decode("utf-8", "replace")

    # -- self-description ---------------------------------------------------------------------------

    @property
    def fields(self) -> list[Field]:
        """Every field of the frame with its bit span, raw bits, value and meaning, built on demand."""
        w = self._wire
        out = FieldList()
        b0, b1 = w[0], w[1]
        op = b0 & 0x0F
        out.add(
            w,
            "FIN",
            Span(0, 1),
            bool(b0 & 0x80),
            "final fragment of the message" if b0 & 0x80 else "more fragments follow",
            "RFC 6455 §5.2",
            "header",
        )
        for i, name in enumerate(("RSV1", "RSV2", "RSV3")):
            bit = bool(b0 & (0x40 >> i))
            if name == "RSV1" and bit:
                meaning = "set: only allowed when an extension defines it (permessage-deflate: compressed)"
            elif bit:
                meaning = "set: no extension defines this bit, so the frame is invalid"
            else:
                meaning = "reserved, 0"
            out.add(w, name, Span(1 + i, 1), bit, meaning, "RFC 6455 §5.2", "header")
        out.add(w, "opcode", Span(4, 4), f"0x{op:X}", describe_opcode(op), "RFC 6455 §5.2", "header")
        out.add(
            w,
            "MASK",
            Span(8, 1),
            bool(b1 & 0x80),
            "payload is masked (client to server)"
            if b1 & 0x80
            else "payload is not masked (server to client)",
            "RFC 6455 §5.3",
            "header",
        )
        len7 = b1 & 0x7F
        if len7 <= 125:
            meaning = f"payload length: {len7} bytes"
        elif len7 == 126:
            meaning = "126: a 16-bit extended payload length follows"
        else:
            meaning = "127: a 64-bit extended payload length follows"
        out.add(w, "payload length", Span(9, 7), len7, meaning, "RFC 6455 §5.2", "header")
        ext = _EXT_LEN[self._form]
        if ext:
            minimal = _minimal_form(self._plen) == self._form
            meaning = f"extended payload length: {self._plen} bytes"
            if not minimal:
                meaning += " (not minimal: a shorter encoding was possible)"
            out.add(
                w,
                f"extended payload length ({ext * 8}-bit)",
                Span.of_bytes(2, 2 + ext),
                self._plen,
                meaning,
                "RFC 6455 §5.2",
                "header",
            )
        if b1 & 0x80:
            key = w[self._hlen - 4 : self._hlen]
            out.add(
                w,
                "masking key",
                Span.of_bytes(self._hlen - 4, self._hlen),
                key,
                f"XOR key {key.hex(' ')}: payload byte i is XORed with key byte i mod 4",
                "RFC 6455 §5.3",
                "header",
            )
        self._payload_fields(out)
        return out.items

    def _payload_fields(self, out: FieldList) -> None:
        w, h = self._wire, self._hlen
        p = self.payload
        masked = " (shown unmasked)" if self.masked else ""
        if self.opcode == Opcode.CLOSE and self._plen >= 2:
            code = self.close_code
            assert code is not None
            out.add(
                w,
                "close code",
                Span.of_bytes(h, h + 2),
                code,
                f"{code}: {describe_close_code(code)}{masked}",
                "RFC 6455 §7.4",
                "payload",
            )
            if self._plen > 2:
                out.add(
                    w,
                    "close reason",
                    Span.of_bytes(h + 2, len(w)),
                    p[2:],
                    f"reason text: {self.close_reason!r}{masked}",
                    "RFC 6455 §5.5.1",
                    "payload",
                )
            return
        if len(w) == h:
            return
        if self.opcode == Opcode.TEXT and not self.rsv1:
            preview = p[:60].decode("utf-8", "replace")
            meaning = f"text: {preview!r}{'…' if self._plen > 60 else ''}{masked}"
        elif self.rsv1:
            meaning = f"{self._plen} bytes of compressed data (RSV1 set){masked}"
        else:
            meaning = f"{self._plen} bytes of application data{masked}"
        if self.missing:
            meaning += f"; truncated: {self.missing} announced bytes not present"
        out.add(w, "payload data", Span.of_bytes(h, len(w)), p, meaning, "RFC 6455 §5.2", "payload")

    # -- validation ------------------------------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        """The rules this frame breaks on its own, without knowing who sent it or what was negotiated."""
        return self.check()

    def header_violations(
        self, *, sender: Sender | None = None, rsv1_allowed: bool = False
    ) -> list[Violation]:
        """The rules broken by the header alone (opcode, RSV bits, length encoding, control frame
        limits, masking direction): cheap enough to run on every received frame."""
        w = self._wire
        b0 = w[0]
        op = b0 & 0x0F
        masked = bool(w[1] & 0x80)
        if (
            not b0 & 0x30
            and (not b0 & 0x40 or (rsv1_allowed and op < 8))
            and op in OPCODE_MEANINGS
            and (op < 8 or (b0 & 0x80 and self._plen <= 125))
            and (sender is None or masked == (sender == "client"))
            and _minimal_form(self._plen) == self._form
            and not (self._form == 2 and w[2] & 0x80)
        ):
            return []  # the common case: nothing to report
        h = self._hlen
        out: list[Violation] = []
        control = bool(op & 0x08)
        if op not in OPCODE_MEANINGS:
            out.append(
                Violation(f"reserved opcode 0x{op:X} is not defined", 0, 1, _RFC, 1002, field="opcode")
            )
        if b0 & 0x40:
            if control and rsv1_allowed:
                out.append(
                    Violation(
                        "RSV1 must not be set on a control frame",
                        0,
                        1,
                        "RFC 7692 §6.1",
                        1002,
                        field="RSV1",
                    )
                )
            elif not rsv1_allowed:
                out.append(
                    Violation(
                        "RSV1 is set but no extension that defines it was negotiated",
                        0,
                        1,
                        _RFC,
                        1002,
                        field="RSV1",
                    )
                )
        for bit, name in ((0x20, "RSV2"), (0x10, "RSV3")):
            if b0 & bit:
                out.append(
                    Violation(
                        f"{name} is set but no extension that defines it was negotiated",
                        0,
                        1,
                        _RFC,
                        1002,
                        field=name,
                    )
                )
        if self._form == LengthForm.BITS_64 and w[2] & 0x80:
            out.append(
                Violation(
                    "the most significant bit of a 64-bit payload length must be 0",
                    2,
                    10,
                    _RFC,
                    1002,
                    field="extended payload length (64-bit)",
                )
            )
        if _minimal_form(self._plen) != self._form:
            end = 2 + _EXT_LEN[self._form]
            out.append(
                Violation(
                    f"payload length {self._plen} not in the minimal number of bytes "
                    f"({self.length_form.label} form used)",
                    1,
                    end,
                    _RFC,
                    1002,
                    field="payload length",
                )
            )
        if control:
            if not b0 & 0x80:
                out.append(
                    Violation(
                        "control frames must not be fragmented (FIN must be 1)",
                        0,
                        1,
                        "RFC 6455 §5.5",
                        1002,
                        field="FIN",
                    )
                )
            if self._plen > 125:
                out.append(
                    Violation(
                        f"control frame payload of {self._plen} bytes exceeds 125",
                        1,
                        h,
                        "RFC 6455 §5.5",
                        1002,
                        field="payload length",
                    )
                )
        if sender == "client" and not masked:
            out.append(
                Violation(
                    "a client must mask every frame it sends",
                    1,
                    2,
                    "RFC 6455 §5.1",
                    1002,
                    field="MASK",
                )
            )
        elif sender == "server" and masked:
            out.append(
                Violation(
                    "a server must not mask frames it sends",
                    1,
                    2,
                    "RFC 6455 §5.1",
                    1002,
                    field="MASK",
                )
            )
        return out

    def check(
        self,
        *,
        sender: Sender | None = None,
        rsv1_allowed: bool = False,
        max_size: int | None = None,
        fragment_of_text: bool = False,
    ) -> list[Violation]:
        """The rules this frame breaks, in context.

        ``sender`` enables the masking rule (RFC 6455 §5.1); ``rsv1_allowed`` says permessage-deflate was
        negotiated (RFC 7692 §6); ``max_size`` is the receiver's frame size limit (1009);
        ``fragment_of_text`` says a continuation frame belongs to a text message.
        """
        out = self.header_violations(sender=sender, rsv1_allowed=rsv1_allowed)
        w, h = self._wire, self._hlen
        op = w[0] & 0x0F
        if max_size is not None and self._plen > max_size:
            out.append(
                Violation(
                    f"payload of {self._plen} bytes exceeds the limit of {max_size}",
                    1,
                    h,
                    "RFC 6455 §7.4.1",
                    1009,
                    field="payload length",
                )
            )
        if op == Opcode.CLOSE:
            out.extend(self.close_violations())
        elif not (w[0] & 0x40) and (op == Opcode.TEXT or (op == Opcode.CONTINUATION and fragment_of_text)):
            bad = first_invalid_utf8(self.payload, final=bool(w[0] & 0x80))
            if bad is not None:
                out.append(
                    Violation(
                        f"invalid UTF-8 in text payload at payload byte {bad}",
                        h + bad,
                        h + bad + 1,
                        "RFC 6455 §8.1",
                        1007,
                        field="payload data",
                    )
                )
        return out

    def close_violations(self) -> list[Violation]:
        """The rules a close frame's payload breaks: its length, code and reason (RFC 6455 §5.5.1)."""
        h, n = self._hlen, self._plen
        if n == 1:
            return [
                Violation(
                    "a close payload of 1 byte is invalid: a code needs 2 bytes",
                    h,
                    h + 1,
                    "RFC 6455 §5.5.1",
                    1002,
                    field="payload data",
                )
            ]
        if n < 2:
            return []
        out: list[Violation] = []
        code = self.close_code
        assert code is not None
        problem = close_code_problem(code)
        if problem is not None:
            out.append(Violation(problem, h, h + 2, "RFC 6455 §7.4.1", 1002, field="close code"))
        bad = first_invalid_utf8(self.payload[2:])
        if bad is not None:
            out.append(
                Violation(
                    f"invalid UTF-8 in close reason at reason byte {bad}",
                    h + 2 + bad,
                    h + 3 + bad,
                    "RFC 6455 §5.5.1",
                    1007,
                    field="close reason",
                )
            )
        return out

    # -- display -----------------------------------------------------------------------------------------

    def summary(self) -> str:
        """One line: opcode, flags, length and a short preview."""
        op = self.opcode
        name = op.name if isinstance(op, Opcode) else f"0x{op:X}"
        flags = "".join(
            f
            for f, on in (
                ("F", self.fin),
                ("1", self.rsv1),
                ("2", self.rsv2),
                ("3", self.rsv3),
                ("M", self.masked),
            )
            if on
        )
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

    def text_dump(self) -> str:
        """An annotated dump for a terminal: hex, fields and violations."""
        from ..dump import text_dump

        return text_dump(self)

    def _repr_html_(self) -> str:
        from ..dump import html_dump

        return html_dump(self)


def _small_unmasked(cls: type[Frame], opcode: int, raw: bytes, fin: bool) -> Frame:
    """An unmasked frame with a 7-bit length: the common case, built without the general path."""
    n = len(raw)
    return cls._from_layout(bytes(((fin << 7) | opcode, n)) + raw, 2, 0, n, payload=raw)


def _coerce_form(form: LengthForm | str | None) -> LengthForm | None:
    if form is None or isinstance(form, LengthForm):
        return form
    for f in LengthForm:
        if f.label == form or f.name == form:
            return f
    raise ValueError(f"unknown length form {form!r}: use '7-bit', '16-bit' or '64-bit'")


def _bytes_needed(data: bytes | bytearray, pos: int = 0) -> int:
    """How many header bytes the frame starting at ``pos`` needs, as far as can be told."""
    if len(data) - pos < 2:
        return 2
    b1 = data[pos + 1]
    len7 = b1 & 0x7F
    ext = 2 if len7 == 126 else 8 if len7 == 127 else 0
    return 2 + ext + (4 if b1 & 0x80 else 0)


def header_layout(data: bytes | bytearray, pos: int) -> tuple[int, int, int] | None:
    """(header length, length form, payload length) of the frame at ``pos``; None if the header is cut."""
    avail = len(data) - pos
    if avail < 2:
        return None
    b1 = data[pos + 1]
    len7 = b1 & 0x7F
    mask = 4 if b1 & 0x80 else 0
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


class FrameParser:
    """Incremental frame parser for a byte stream cut at any points.

    Feed bytes with :meth:`feed`; it returns the frames completed so far, each with its ``offset``
    counted from the first byte ever fed. :meth:`peek_header` shows the header of an incomplete frame,
    so a receiver can refuse an oversized frame before its payload arrives.
    """

    __slots__ = ("_buf", "_consumed")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._consumed = 0  # stream offset of _buf[0]

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buf)

    @property
    def stream_offset(self) -> int:
        """Offset of the next byte fed, counted from the first byte ever fed."""
        return self._consumed + len(self._buf)

    def peek_header(self) -> tuple[int, int, int, int] | None:
        """(stream offset, header length, payload length, opcode) of an incomplete frame whose header
        is complete.

        Lets a receiver enforce a size limit as soon as the header is read, before any payload arrives.
        """
        layout = header_layout(self._buf, 0)
        if layout is None:
            return None
        return self._consumed, layout[0], layout[2], self._buf[0] & 0x0F

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Add bytes; return every frame now complete, in order."""
        buf = self._buf
        if buf:
            buf += data
            source: bytes | bytearray = buf
        else:
            source = bytes(data)
        frames: list[Frame] = []
        view = memoryview(source)
        pos = 0
        end = len(source)
        base = self._consumed
        new = Frame._from_layout
        while end - pos >= 2:
            b1 = source[pos + 1]
            len7 = b1 & 0x7F
            if len7 < 126:
                hlen = 6 if b1 & 0x80 else 2
                form = 0
                plen = len7
                if end - pos < hlen + plen:
                    break
            else:
                layout = header_layout(source, pos)
                if layout is None:
                    break
                hlen, form, plen = layout
                if end - pos < hlen + plen:
                    break
            stop = pos + hlen + plen
            frames.append(new(bytes(view[pos:stop]), hlen, form, plen, base + pos))
            pos = stop
        view.release()
        if buf:
            del buf[:pos]
        elif pos < end:
            buf += memoryview(source)[pos:]
        self._consumed = base + pos
        return frames
