"""Incremental UTF-8 validation across fragments (RFC 6455 §5.6, §8.1; RFC 3629).

A text message may be split anywhere, even inside a character, so validation keeps state between
fragments. It fails at the first byte that can no longer start or continue a valid sequence, not at the
end of the message, so a peer sending invalid text is stopped as early as possible (RFC 6455 §8.1).
"""

from __future__ import annotations

import codecs

__all__ = ["Utf8Validator", "first_invalid_utf8"]

# Allowed ranges for the second byte after these lead bytes (RFC 3629 §4): they exclude overlong forms,
# surrogates (ED A0..BF) and code points above U+10FFFF. CPython's incremental decoder catches some of
# these only when the whole sequence has arrived; we check the prefix at once.
_SECOND_BYTE = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}


class Utf8Validator:
    """Validates a byte stream as UTF-8 chunk by chunk; offsets count from the first byte fed."""

    __slots__ = ("_decoder", "_fed", "_parts")

    def __init__(self, *, keep_text: bool = False) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._fed = 0
        self._parts: list[str] | None = [] if keep_text else None

    def feed(self, data: bytes, final: bool = False) -> int | None:
        """Validate ``data``; return where the first invalid sequence starts, or ``None`` if all is well.

        The offset is that of the sequence's first byte (as Python's decoder reports it), found as soon
        as a byte arrives that the sequence cannot continue with.

        With ``final=True`` an incomplete sequence at the end is invalid too (its first byte is reported).
        """
        buffered = len(self._decoder.getstate()[0])
        base = self._fed - buffered
        self._fed += len(data)
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            return base + exc.start
        if self._parts is not None:
            self._parts.append(text)
        pending = self._decoder.getstate()[0]
        if len(pending) >= 2:
            bounds = _SECOND_BYTE.get(pending[0])
            if bounds is not None and not bounds[0] <= pending[1] <= bounds[1]:
                return self._fed - len(pending)
        return None

    @property
    def text(self) -> str:
        """The text decoded so far (only when created with ``keep_text=True``)."""
        return "".join(self._parts or ())


def first_invalid_utf8(data: bytes, *, final: bool = True) -> int | None:
    """The offset of the first invalid byte of ``data`` as UTF-8, or ``None``.

    With ``final=False`` an incomplete but so far valid sequence at the end is accepted (a fragment).
    """
    if final:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start
        return None
    return Utf8Validator().feed(data, final=False)
