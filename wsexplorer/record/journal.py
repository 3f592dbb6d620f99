"""The session journal: an append-only file written chunk by chunk, so a long capture stays on disk.

Layout (docs/session-format.md, "The journal"): an 8-byte magic, a header (u32 LE length, then a UTF-8
JSON object: format, version, role, handshake, meta), then records of 13 bytes plus a payload::

    type (u8) | t_ns (i64 LE) | length (u32 LE) | payload (length bytes)

Type 0 and 1 are chunks (the direction, as in the ZIP file's ``chunk_direction.i1``), type 2 a note
(a JSON object; ``{"redacted": [...]}`` lists header values redacted so far) and type 3 the end record,
written by :meth:`SessionJournal.close`. Record times never decrease. A journal cut anywhere after its
header (a crash, a full disk) still loads: everything before the cut, with the cut reported; bytes that
cannot be the start of a record are refused. :class:`SessionJournal` does no I/O of its own beyond
``write`` on the binary file it is given (it never flushes unless asked), and reads no clock.
"""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from ..codec.role import ROLES, Role
from ..errors import SessionFormatError
from .file_checks import (
    MAX_JSON_BYTES,
    REDACTED_KEY,
    JournalCut,
    SessionContents,
    Where,
    entry_redactions,
    header_fields,
    json_object,
    merged_redactions,
)
from .redact import SENSITIVE_HEADERS, HeaderRedactor, Redaction
from .session import C2S, S2C, Direction

__all__ = [
    "JOURNAL_FORMAT_NAME",
    "JOURNAL_MAGIC",
    "JOURNAL_VERSION",
    "RECORD",
    "RECORD_TYPES",
    "SessionJournal",
    "read_journal",
]

JOURNAL_MAGIC = b"\x89WSJ\r\n\x1a\n"
"""The first 8 bytes of a journal: a high-bit byte, then CR LF, ^Z and LF catch text-mode mangling."""
JOURNAL_FORMAT_NAME = "wsexplorer-journal"
JOURNAL_VERSION = 1
RECORD = struct.Struct("<BqI")
"""A record's 13-byte head: type (u8), t_ns (i64 LE), payload length (u32 LE)."""
NOTE, END = 2, 3
RECORD_TYPES = {C2S: "client→server chunk", S2C: "server→client chunk", NOTE: "note", END: "end"}
_HEADER_LENGTH = struct.Struct("<I")
_MAX_LENGTH = 0xFFFFFFFF
_I64 = (-(2**63), 2**63 - 1)
SECTION = "docs/session-format.md (the journal)"


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class SessionJournal:
    """Writes a session to ``target`` (a binary file object, or a path it creates) as it is recorded.

    :meth:`record` has the signature of :meth:`Session.record <wsexplorer.record.session.Session.record>`,
    so one can be fed wherever the other is. With ``redact=True`` (the default) the values of the
    ``sensitive`` headers are replaced by ``*`` as their bytes arrive (:mod:`.redact`), never held back,
    and a note record says which byte ranges were redacted. ``close()`` writes the end record; a file
    object passed in stays open (a path opened here is closed). Misuse raises ValueError.
    """

    def __init__(
        self,
        target: _Writable | str | Path,
        *,
        role: Role = "client",
        handshake: bool = True,
        meta: dict[str, Any] | None = None,
        redact: bool = True,
        sensitive: Iterable[str] = SENSITIVE_HEADERS,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be 'client' or 'server', not {role!r}")
        header = {
            "format": JOURNAL_FORMAT_NAME,
            "version": JOURNAL_VERSION,
            "role": role,
            "handshake": bool(handshake),
            "meta": dict(meta or {}),
        }
        encoded = json.dumps(header, sort_keys=True).encode("utf-8")  # TypeError: meta not JSON
        if len(encoded) > MAX_JSON_BYTES:
            raise ValueError(f"the journal header is {len(encoded)} bytes; at most {MAX_JSON_BYTES} load")
        self._redactors = (
            (HeaderRedactor(C2S, sensitive), HeaderRedactor(S2C, sensitive)) if redact and handshake else None
        )
        self.role: Role = role
        self._sending: Direction = C2S if role == "client" else S2C
        self._owned: IO[bytes] | None = None
        if isinstance(target, (str, Path)):
            self._owned = open(target, "wb")  # noqa: SIM115 - closed by close()
            self._out: _Writable = self._owned
        else:
            self._out = target
        self._last_t: int | None = None
        self._closed = False
        self.redactions: list[Redaction] = []
        self.bytes_written = 0
        self._write(JOURNAL_MAGIC + _HEADER_LENGTH.pack(len(encoded)) + encoded)

    def _write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except BaseException:
            self._closed = True  # a record may be half-written: nothing more may follow it
            raise
        self.bytes_written += len(data)

    def record(self, direction: Direction, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Append a chunk that crossed the wire in ``direction`` at time ``t_ns`` (empty chunks: nothing)."""
        if self._closed:
            raise ValueError("the journal is closed (by close(), or after a failed write)")
        if direction not in (C2S, S2C):
            raise ValueError(f"direction must be 0 (client→server) or 1 (server→client), not {direction!r}")
        if not isinstance(t_ns, int) or not _I64[0] <= t_ns <= _I64[1]:
            raise ValueError(f"t_ns must be a signed 64-bit integer, not {t_ns!r}")
        if self._last_t is not None and t_ns < self._last_t:
            raise ValueError(f"t_ns {t_ns} is earlier than the previous record's {self._last_t}")
        if not data:
            return
        if len(data) > _MAX_LENGTH:
            raise ValueError(f"a chunk of {len(data)} bytes: a record holds at most {_MAX_LENGTH}")
        payload = bytes(data) if self._redactors is None else self._redactors[direction].feed(data)
        self._write(RECORD.pack(direction, t_ns, len(payload)) + payload)
        self._last_t = t_ns
        if self._redactors is not None:
            self._note(self._redactors[direction].take_completed())

    def sent(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint sent."""
        self.record(self._sending, data, t_ns)

    def received(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint received."""
        self.record(S2C if self._sending == C2S else C2S, data, t_ns)

    def _note(self, found: list[Redaction]) -> None:
        if not found:
            return
        self.redactions += found
        payload = json.dumps({REDACTED_KEY: [r.as_json() for r in found]}).encode("utf-8")
        self._write(RECORD.pack(NOTE, self._latest(), len(payload)) + payload)

    def flush(self) -> None:
        """Flush the file, when it has a ``flush`` method (the caller decides when)."""
        flush = getattr(self._out, "flush", None)
        if flush is not None:
            flush()

    def close(self) -> None:
        """Write the pending notes and the end record; close the file if this journal opened it."""
        try:
            if not self._closed:
                if self._redactors is not None:
                    self._note(self._redactors[C2S].finish() + self._redactors[S2C].finish())
                self._write(RECORD.pack(END, self._latest(), 0))
        finally:
            self._closed = True
            if self._owned is not None and not self._owned.closed:
                self._owned.close()

    def _latest(self) -> int:
        """The time notes and the end record carry: the latest chunk's (0 before any)."""
        return 0 if self._last_t is None else self._last_t

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> SessionJournal:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self.close()
        return False


def read_journal(fp: IO[bytes], where: Where, max_bytes: int | None) -> SessionContents:
    """Read and check a journal from ``fp``; a journal cut after its header loads up to the cut.

    Offsets in errors are byte offsets in the file; the member names the part (``header``, ``record N``).
    """
    size = fp.seek(0, 2)
    fp.seek(0)
    magic = fp.read(len(JOURNAL_MAGIC))
    if magic != JOURNAL_MAGIC:
        cut = bool(magic) and JOURNAL_MAGIC.startswith(magic)
        rule = "the journal ends inside its header: nothing to load" if cut else "not a session journal"
        raise where.error(rule, member="magic", offset=len(magic) if cut else 0, section=SECTION)
    head = fp.read(_HEADER_LENGTH.size)
    if len(head) < _HEADER_LENGTH.size:
        raise where.error("the journal ends inside its header: nothing to load", member="header", offset=size)
    (n,) = _HEADER_LENGTH.unpack(head)
    limit = MAX_JSON_BYTES if max_bytes is None else min(MAX_JSON_BYTES, max_bytes)
    if n > limit:
        raise where.error(
            f"a header of {n} bytes; at most {limit} are read",
            member="header",
            field="length",
            offset=len(JOURNAL_MAGIC),
            section=SECTION,
        )
    raw = fp.read(n)
    if len(raw) < n:
        raise where.error("the journal ends inside its header: nothing to load", member="header", offset=size)
    header = json_object(raw, where, "header", len(JOURNAL_MAGIC) + _HEADER_LENGTH.size)
    role, handshake, meta = header_fields(
        header, where, "header", format_name=JOURNAL_FORMAT_NAME, version=JOURNAL_VERSION
    )
    return _Records(fp, where, size, len(JOURNAL_MAGIC) + _HEADER_LENGTH.size + n, n, max_bytes).read(
        header, role, handshake, meta
    )


class _Records:
    """The record loop of :func:`read_journal`: every record checked against those before it."""

    def __init__(self, fp: IO[bytes], where: Where, size: int, offset: int, used: int, limit: int | None):
        self.fp, self.where, self.size, self.offset, self.used, self.limit = (
            fp,
            where,
            size,
            offset,
            used,
            limit,
        )
        self.streams = (bytearray(), bytearray())
        self.directions, self.lengths, self.times = array("b"), array("I"), array("q")
        self.redactions: list[Redaction] = []
        self.last_t: int | None = None
        self.index = 0

    def _error(self, rule: str, field: str, at: int) -> SessionFormatError:
        return self.where.error(rule, member=f"record {self.index}", field=field, offset=at, section=SECTION)

    def _check_head(self, head: bytes) -> None:
        """Check as much of a record head as is there: a cut may leave part of one."""
        at = self.offset
        if head and head[0] not in RECORD_TYPES:
            raise self._error(f"record type {head[0]} is none of 0, 1, 2, 3", "type", at)
        if len(head) >= 9:
            (t,) = struct.unpack_from("<q", head, 1)
            if self.last_t is not None and t < self.last_t:
                raise self._error(
                    f"t_ns {t} is earlier than the previous record's {self.last_t}", "t_ns", at + 1
                )

    def read(
        self, header: dict[str, Any], role: Role, handshake: bool, meta: dict[str, Any]
    ) -> SessionContents:
        cut: JournalCut | None = None
        while True:
            head = self.fp.read(RECORD.size)
            self._check_head(head)
            if len(head) < RECORD.size:
                rule = "no end record: the writer was not closed" if not head else "the last record is cut"
                cut = JournalCut(self.offset, self.size, rule)
                break
            kind, t, length = RECORD.unpack(head)
            if kind == END:
                if length:
                    raise self._error(f"the end record has length {length}, not 0", "length", self.offset + 9)
                if self.fp.read(1):
                    end = self.offset + RECORD.size
                    raise self._error(f"{self.size - end} bytes follow the end record", "after end", end)
                break
            if kind in (C2S, S2C) and not length:
                raise self._error(
                    "a chunk of 0 bytes: a recorded chunk is never empty", "length", self.offset + 9
                )
            if self.limit is not None and self.used + length > self.limit:
                raise self._error(
                    f"{length} more bytes would pass the load limit of {self.limit} (max_bytes=)",
                    "length",
                    self.offset + 9,
                )
            there = self.size - self.offset - RECORD.size
            if length > there:  # never ask for more than the file holds: read(n) reserves n bytes
                cut = JournalCut(
                    self.offset, self.size, f"the last record is cut ({there} of {length} bytes)"
                )
                break
            payload = self.fp.read(length)
            if len(payload) < length:  # the file shrank while being read
                cut = JournalCut(
                    self.offset, self.size, f"the last record is cut ({len(payload)} of {length} bytes)"
                )
                break
            self._take(kind, t, payload)
        lengths = (len(self.streams[C2S]), len(self.streams[S2C]))
        earlier = entry_redactions(meta.get(REDACTED_KEY, []), lengths, self.where, "header", "meta.redacted")
        if self.redactions or REDACTED_KEY in meta:
            meta[REDACTED_KEY] = merged_redactions(earlier, self.redactions)
        return SessionContents(
            header, role, handshake, meta, self.streams, self.directions, self.lengths, self.times, cut
        )

    def _take(self, kind: int, t: int, payload: bytes) -> None:
        if kind == NOTE:
            note = json_object(payload, self.where, f"record {self.index}", self.offset + RECORD.size)
            lengths = (len(self.streams[C2S]), len(self.streams[S2C]))
            found = note.get(REDACTED_KEY, [])
            member = f"record {self.index}"
            self.redactions += entry_redactions(found, lengths, self.where, member, REDACTED_KEY)
        else:
            self.streams[kind].extend(payload)
            self.directions.append(kind)
            self.lengths.append(len(payload))
            self.times.append(t)
        self.used += len(payload)
        self.last_t = t
        self.offset += RECORD.size + len(payload)
        self.index += 1
