"""Redaction of credentials in recorded header blocks, with every offset kept valid.

A recorded handshake can carry secrets: ``Authorization`` and ``Cookie`` in the request,
``Set-Cookie`` in the response, ``Proxy-Authorization`` towards a proxy. Before a session leaves memory
(a session file, a journal, an export) each such header's *value* is replaced by ``*`` bytes of exactly
the same length, so every stream offset, chunk length and frame position stays what it was; only the
value changes. ``Sec-WebSocket-Key`` is not a credential (RFC 6455 §1.3, §4.1: a nonce that proves the server
read the request), so it is kept, as are all other headers.

:class:`HeaderRedactor` reads one direction's stream as it arrives and decides each byte the moment it
arrives: it never holds bytes back, so a journal writer can write chunks in their recording order while
the other direction is still mid-header, and a crash loses nothing that was recorded. It follows the
header block as :mod:`wsexplorer.codec.http` frames it (RFC 7230 §3: lines end with LF, optionally after
CR; an empty line ends the block; at most :data:`~wsexplorer.codec.http.MAX_HEADER_BYTES` bytes) and reads
each line as :class:`~wsexplorer.codec.http_message.HTTPMessage` does (RFC 7230 §3.2: the name is what
precedes ``:``, trailing whitespace removed, compared case-insensitively; the value starts after the
optional whitespace that follows ``:``). The tests check it against the codec's handshake parsers.

What is replaced, exactly: every byte of a sensitive header line from the first byte of its value to the
end of the line, except CR (so the line structure, and with it the end of the header block, cannot
change); this is the parsed value plus any trailing whitespace. A line starting with whitespace after a
sensitive line continues it (obsolete line folding, RFC 7230 §3.2.4) and is redacted the same way. A
sensitive line still open when the block passes its 16 KiB bound is redacted to its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..anatomy import Span
from ..codec.headers import is_token
from ..codec.http import MAX_HEADER_BYTES
from .session import C2S, S2C, Direction, Session

__all__ = ["SENSITIVE_HEADERS", "HeaderRedactor", "Redaction", "redact_session", "redact_stream"]

SENSITIVE_HEADERS: tuple[str, ...] = ("Authorization", "Cookie", "Proxy-Authorization", "Set-Cookie")
"""Headers whose values are credentials (RFC 7235 §4.2, §4.4; RFC 6265 §4.1, §4.2): redacted by default."""

MASK = 0x2A  # "*"
CR, LF, SP, HTAB, COLON = 0x0D, 0x0A, 0x20, 0x09, 0x3A
_MASK_ALL_BUT_CR = bytes(CR if b == CR else MASK for b in range(256))

# Where the redactor is inside the current line.
_START = 0  # at the first byte of a line (the start line excepted)
_NAME = 1  # reading a header name, up to ":"
_LEAD = 2  # after ":" of a sensitive header: skipping the optional whitespace before its value
_SECRET = 3  # inside a sensitive value: replacing every byte but CR
_PLAIN = 4  # in a line that is kept as it is, up to its LF


@dataclass(frozen=True, slots=True)
class Redaction:
    """One redacted header value: ``direction``'s stream bytes ``start..end-1`` (CR bytes in it kept)."""

    direction: Direction
    name: str
    start: int
    end: int

    @property
    def span(self) -> Span:
        """The redacted bytes as a span of the direction's stream (for highlighting)."""
        return Span.of_bytes(self.start, self.end)

    def as_json(self) -> dict[str, object]:
        """The entry written to ``meta["redacted"]`` (docs/session-format.md)."""
        return {"direction": int(self.direction), "name": self.name, "start": self.start, "end": self.end}


def _sensitive_names(names: Iterable[str]) -> frozenset[bytes]:
    if isinstance(names, str):  # a lone name is a common slip: never iterate its letters
        names = (names,)
    out = set()
    for name in names:
        if not is_token(name):
            raise ValueError(f"{name!r} is not a header name (a token, RFC 7230 §3.2)")
        out.add(name.lower().encode("ascii"))
    return frozenset(out)


class HeaderRedactor:
    """Redacts the sensitive header values at the start of one direction's stream, chunk by chunk.

    :meth:`feed` takes the stream's next bytes and returns them with every sensitive value byte replaced
    by ``*`` (same length); :meth:`take_completed` hands over the redactions whose line has ended and
    :meth:`finish` those still open when the stream ends. After the header block, bytes pass unchanged.
    """

    def __init__(self, direction: Direction = C2S, names: Iterable[str] = SENSITIVE_HEADERS) -> None:
        self.direction: Direction = direction
        self._names = _sensitive_names(names)
        self._pos = 0  # stream offset of the next byte
        self._done = not self._names
        self._first_line = True  # the start line is never a header line
        self._after_lf = False  # the next byte starts a line that follows an LF (a blank line may start)
        self._cr_at_start = False  # a CR opened the current line: an LF next ends the block
        self._phase = _PLAIN  # the start line
        self._name = bytearray()
        self._fold_name: str | None = None  # the sensitive header that a folded line would continue
        self._open: tuple[str, int, int] | None = None  # (name, start, end) of the value being redacted
        self._completed: list[Redaction] = []

    @property
    def done(self) -> bool:
        """True once the header block (or its 16 KiB bound) is behind: later bytes pass unchanged."""
        return self._done

    def feed(self, data: bytes | bytearray | memoryview) -> bytes:
        """``data`` (the stream's next bytes) with sensitive header values replaced, same length."""
        raw = bytes(data)
        out: bytearray | None = None
        i, n = 0, len(raw)
        while i < n and not self._done:
            if self._phase in (_LEAD, _SECRET):
                # The rest of a sensitive line, up to its LF, in bulk: it may run past the bound.
                stop = raw.find(b"\n", i)
                stop = n if stop < 0 else stop
                if stop > i:
                    if out is None:
                        out = bytearray(raw)
                    self._value(raw[i:stop], out, i)
                    i = stop
                    continue
            self._step(raw[i])  # line starts, names, plain lines, the LF that ends a line
            i += 1
        self._pos += n - i  # after the header block: the rest passes unchanged
        return raw if out is None or out == raw else bytes(out)

    def _value(self, run: bytes, out: bytearray, at: int) -> None:
        """Take ``run`` (no LF in it) of a sensitive line: skip the whitespace before the value, then
        replace every byte but CR, writing into ``out`` from index ``at``."""
        if self._phase == _LEAD:
            skip = len(run) - len(run.lstrip(b" \t"))  # OWS; a CR already belongs to the value
            self._pos += skip
            if skip == len(run):
                return
            run, at = run[skip:], at + skip
            assert self._fold_name is not None
            self._open = (self._fold_name, self._pos, self._pos)
            self._phase = _SECRET
        out[at : at + len(run)] = run.translate(_MASK_ALL_BUT_CR)
        kept = len(run.rstrip(b"\r"))  # CR bytes at the end may be the line end's: not in the range
        if kept and self._open is not None:
            self._open = (self._open[0], self._open[1], self._pos + kept)
        self._pos += len(run)

    def _step(self, byte: int) -> None:
        """Take one byte outside a sensitive value: find line starts, names and the blank line."""
        pos = self._pos
        self._pos = pos + 1
        if pos >= MAX_HEADER_BYTES:
            # No blank line within the bound: no header block (codec.http). A sensitive line that
            # ran past the bound has been redacted up to this byte, its LF.
            self._close_open()
            self._done = True
            return
        if self._cr_at_start:
            self._cr_at_start = False
            if byte == LF:
                self._done = True  # CR LF on a line of its own: the blank line
                return
            self._phase = _PLAIN  # a line starting with CR is no header line
        elif self._after_lf and byte == LF:
            self._done = True  # LF LF: the blank line
            return
        elif self._after_lf and byte == CR:
            self._cr_at_start = True
            self._after_lf = False
            return
        self._after_lf = False
        if byte == LF:
            self._end_line()
        elif self._phase == _START:
            if byte in (SP, HTAB):  # obsolete line folding continues the previous header's value
                self._phase = _LEAD if self._fold_name is not None else _PLAIN
            elif byte == COLON:
                self._phase = _PLAIN  # an empty name is no header name
                self._fold_name = None
            else:
                self._name = bytearray((byte,))
                self._phase = _NAME
        elif self._phase == _NAME:
            if byte != COLON:
                self._name.append(byte)
                return
            name = bytes(self._name).rstrip(b" \t")
            if name.lower() in self._names:
                self._phase = _LEAD
                self._fold_name = name.decode("latin-1")
            else:
                self._phase = _PLAIN
                self._fold_name = None

    def _end_line(self) -> None:
        if self._phase == _NAME:
            self._fold_name = None  # a line without ":" is no header line (RFC 7230 §3.2)
        self._close_open()
        self._phase = _START
        self._after_lf = True
        if self._first_line:
            self._first_line = False
            self._fold_name = None

    def _close_open(self) -> None:
        if self._open is not None:
            name, start, end = self._open
            if end > start:  # a "value" of CR bytes alone was the line's end
                self._completed.append(Redaction(self.direction, name, start, end))
            self._open = None

    def take_completed(self) -> list[Redaction]:
        """The redactions whose line has ended since the last call, in stream order."""
        out, self._completed = self._completed, []
        return out

    def finish(self) -> list[Redaction]:
        """End of the stream: the redactions not yet taken, the one still open (cut mid-line) included."""
        self._close_open()
        self._done = True
        return self.take_completed()


def redact_stream(
    data: bytes | bytearray | memoryview,
    names: Iterable[str] = SENSITIVE_HEADERS,
    *,
    direction: Direction = C2S,
) -> tuple[bytes, list[Redaction]]:
    """``data`` (a whole stream, from its first byte) with its header block's sensitive values redacted.

    Returns the redacted bytes (same length) and what was redacted, each range tagged with ``direction``.
    """
    redactor = HeaderRedactor(direction, names)
    out = redactor.feed(data)
    return out, redactor.finish()


def redact_session(
    session: Session, names: Iterable[str] = SENSITIVE_HEADERS
) -> tuple[tuple[bytes, bytes], list[Redaction]]:
    """Both streams of ``session`` redacted (copies: the session is not modified), and the redactions.

    A session recorded without a handshake (``handshake=False``) has no header block: nothing changes.
    """
    streams = (session.stream(C2S), session.stream(S2C))
    if not session.handshake:
        _sensitive_names(names)  # still refuse a bad name list
        return streams, []
    c2s, found = redact_stream(streams[C2S], names, direction=C2S)
    s2c, more = redact_stream(streams[S2C], names, direction=S2C)
    return (c2s, s2c), found + more
