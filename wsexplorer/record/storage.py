"""Sessions on disk and in tables: saving, loading either file format (docs/session-format.md), a DataFrame.

:func:`save_session` writes one ZIP archive, with credentials in the recorded header blocks redacted
(:mod:`.redact`) unless told otherwise. :func:`load_session` and :class:`SessionLoader` read a ZIP session
file or a journal (:mod:`.journal`), told apart by their first bytes; the loader replays the chunks into
a :class:`~wsexplorer.record.session.Session` a slice at a time, so a big file loads while a notebook
stays responsive and shows progress. Loading trusts nothing in the file: every size is checked against
``max_bytes`` before it is read, every field against the others, and any problem is a
:class:`~wsexplorer.errors.SessionFormatError` naming the file, member, field and byte offset (a file
that cannot be opened at all raises the usual :class:`OSError`). The frame index is never stored: it is
rebuilt from the bytes.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import zipfile
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from ..errors import SessionFormatError
from .file_checks import (
    CUT_KEY,
    DEFAULT_MAX_BYTES,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_JSON_BYTES,
    REDACTED_KEY,
    JournalCut,
    SessionContents,
    Where,
    entry_redactions,
    first_decrease,
    merged_redactions,
)
from .journal import JOURNAL_MAGIC, read_journal
from .redact import SENSITIVE_HEADERS, redact_stream
from .session import C2S, S2C, Direction, Session
from .zip_reader import COLUMNS, STREAMS, read_zip

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SessionLoader",
    "load_session",
    "read_session_file",
    "save_session",
]


def _column_bytes(a: array[int]) -> bytes:
    if sys.byteorder != "little":
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def save_session(
    session: Session,
    path: str | Path,
    *,
    redact: bool = True,
    sensitive: Iterable[str] = SENSITIVE_HEADERS,
) -> None:
    """Write ``session`` to ``path`` as a ZIP session file (docs/session-format.md).

    With ``redact=True`` the values of the ``sensitive`` headers in both header blocks are replaced by
    ``*`` bytes of the same length in the file (the session in memory is not changed), and
    ``meta["redacted"]`` lists each redacted range. The file is written beside ``path`` and renamed
    into place, so a failure leaves no half-written file. ValueError for a session the format cannot
    hold (times that decrease, a ``meta["redacted"]`` that is not wsexplorer's).
    """
    path = Path(path)
    directions, lengths, times = (array(a.typecode, a) for a in session.chunk_columns())
    back = first_decrease(times)
    if back is not None:
        raise ValueError(
            f"chunk {back} was recorded at {times[back]} ns, before chunk {back - 1} ({times[back - 1]} ns): "
            "a session file keeps chunks in recording order, with times that never decrease"
        )
    s2c_total = sum(itertools.compress(lengths, directions))  # direction 1 is server→client
    # Columns first, then the bytes they cover: a session still recording only grows.
    streams = [
        session.stream_slice(C2S, 0, sum(lengths) - s2c_total),
        session.stream_slice(S2C, 0, s2c_total),
    ]
    meta = dict(session.meta)
    try:
        earlier = entry_redactions(
            meta.get(REDACTED_KEY, []),
            (len(streams[0]), len(streams[1])),
            Where(""),
            "",
            f"meta.{REDACTED_KEY}",
        )
    except SessionFormatError as err:
        raise ValueError(
            f"meta[{REDACTED_KEY!r}] is reserved for the list of redacted ranges "
            f"(docs/session-format.md): {err.rule}"
        ) from err
    if redact and session.handshake:
        found = []
        for d in (C2S, S2C):
            streams[d], more = redact_stream(streams[d], sensitive, direction=d)
            found += more
        if found or earlier:
            meta[REDACTED_KEY] = merged_redactions(earlier, found)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "role": session.role,
        "handshake": session.handshake,
        "meta": meta,
        "chunks": len(times),
        "byteorder": "little",
    }
    encoded = json.dumps(header, indent=2, sort_keys=True).encode("utf-8")  # TypeError: meta not JSON
    if len(encoded) > MAX_JSON_BYTES:
        raise ValueError(f"session.json would be {len(encoded)} bytes; at most {MAX_JSON_BYTES} load")
    members = [
        ("session.json", encoded),
        (STREAMS[C2S], streams[C2S]),
        (STREAMS[S2C], streams[S2C]),
        *(
            (name, _column_bytes(col))
            for name, col in zip(COLUMNS, (directions, lengths, times), strict=True)
        ),
    ]
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name, data in members:
                z.writestr(name, data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _check_limit(max_bytes: int | None) -> None:
    if max_bytes is not None and (
        not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 0
    ):
        raise ValueError(f"max_bytes must be a number of bytes (>= 0) or None, not {max_bytes!r}")


def read_session_file(path: str | Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> SessionContents:
    """The checked contents of a ZIP session file or a journal (told apart by the journal's magic)."""
    _check_limit(max_bytes)
    where = Where(str(path))
    with open(path, "rb") as fp:
        first = fp.read(len(JOURNAL_MAGIC))
        if first and JOURNAL_MAGIC.startswith(first):  # a journal, or one cut inside its magic
            return read_journal(fp, where, max_bytes)
        return read_zip(fp, where, max_bytes)


class SessionLoader:
    """Reads a session file (ZIP or journal) and replays its chunks into :attr:`session` a slice at a time.

    Everything is checked when the loader is made, so :meth:`step` cannot fail. ``cut`` is set when the
    file is a journal that ends before its end record (what was before the cut is loaded); the session's
    ``meta["journal_cut"]`` says the same.
    """

    def __init__(self, path: str | Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> None:
        contents = read_session_file(path, max_bytes=max_bytes)
        self.header: dict[str, Any] = contents.header
        self.format: Literal["zip", "journal"] = (
            "zip" if contents.header.get("format") == FORMAT_NAME else "journal"
        )
        self.cut: JournalCut | None = contents.cut
        meta = dict(contents.meta)
        if contents.cut is not None:
            meta[CUT_KEY] = contents.cut.as_json()
        self.session = Session(contents.role, handshake=contents.handshake, meta=meta)
        self.done = 0
        self._streams = contents.streams
        self._directions, self._lengths, self._times = contents.directions, contents.lengths, contents.times
        self._pos = [0, 0]

    @property
    def total(self) -> int:
        """The number of chunks in the file."""
        return len(self._times)

    def step(self, count: int) -> int:
        """Replay up to ``count`` more chunks; return how many are done in all."""
        streams, session, pos = self._streams, self.session, self._pos
        stop = min(self.done + max(count, 0), self.total)
        for k in range(self.done, stop):
            d: Direction = C2S if self._directions[k] == C2S else S2C
            n = self._lengths[k]
            session.record(d, streams[d][pos[d] : pos[d] + n], self._times[k])
            pos[d] += n
        self.done = stop
        if stop == self.total:
            self._streams = (b"", b"")  # the session holds the bytes now
        return stop


def load_session(path: str | Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Session:
    """Load a ZIP session file or a journal into a :class:`Session` (the frame index rebuilt from the bytes).

    ``max_bytes`` bounds the bytes the file may make us hold (default 256 MiB; ``None``: no limit).
    """
    loader = SessionLoader(path, max_bytes=max_bytes)
    loader.step(loader.total)
    return loader.session
