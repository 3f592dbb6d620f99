"""Sessions on disk and in tables: the session file format (docs/session-format.md) and a DataFrame.

:func:`save_session` writes one ZIP archive; :class:`SessionLoader` reads it and replays its chunks into
a :class:`~wsexplorer.record.session.Session` a slice at a time, so a big file loads while a notebook
stays responsive and shows progress. The frame index is never stored: it is rebuilt from the bytes.
"""

from __future__ import annotations

import json
import sys
import zipfile
from array import array
from pathlib import Path
from typing import Any

from .session import C2S, DIRECTION_NAMES, S2C, Direction, Session

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "SessionLoader", "frames_dataframe", "save_session"]

FORMAT_NAME = "wsexplorer-session"
FORMAT_VERSION = 1


def _column_bytes(a: array[int]) -> bytes:
    if sys.byteorder != "little":
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def save_session(session: Session, path: str | Path) -> None:
    """Write ``session`` to ``path`` in the documented format (docs/session-format.md)."""
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "role": session.role,
        "handshake": session.handshake,
        "meta": session.meta,
        "chunks": session.chunk_count,
        "byteorder": "little",
    }
    directions, lengths, times = session.chunk_columns()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("session.json", json.dumps(header, indent=2, sort_keys=True))
        z.writestr("c2s.bin", session.stream(C2S))
        z.writestr("s2c.bin", session.stream(S2C))
        z.writestr("chunk_direction.i1", _column_bytes(directions))
        z.writestr("chunk_length.u4", _column_bytes(lengths))
        z.writestr("chunk_time_ns.i8", _column_bytes(times))


class SessionLoader:
    """Reads a session file and replays its chunks into a :class:`Session` a slice at a time."""

    def __init__(self, path: str | Path) -> None:
        with zipfile.ZipFile(path) as z:
            header = json.loads(z.read("session.json"))
            if header.get("format") != FORMAT_NAME:
                raise ValueError(f"{path}: not a wsexplorer session file")
            if header.get("version") != FORMAT_VERSION:
                raise ValueError(f"{path}: session format version {header.get('version')} not supported")
            self._streams = (z.read("c2s.bin"), z.read("s2c.bin"))

            def column(name: str, code: str) -> array[int]:
                a = array(code)
                a.frombytes(z.read(name))
                if sys.byteorder != "little":
                    a.byteswap()
                return a

            self._directions = column("chunk_direction.i1", "b")
            self._lengths = column("chunk_length.u4", "I")
            self._times = column("chunk_time_ns.i8", "q")
        self.header: dict[str, Any] = header
        self.session = Session(header["role"], handshake=header["handshake"], meta=header["meta"])
        self.done = 0
        self._pos = [0, 0]

    @property
    def total(self) -> int:
        """The number of chunks in the file."""
        return len(self._times)

    def step(self, count: int) -> int:
        """Replay up to ``count`` more chunks; return how many are done in all."""
        streams, session, pos = self._streams, self.session, self._pos
        stop = min(self.done + count, self.total)
        for k in range(self.done, stop):
            d: Direction = C2S if self._directions[k] == 0 else S2C
            n = self._lengths[k]
            session.record(d, streams[d][pos[d] : pos[d] + n], self._times[k])
            pos[d] += n
        self.done = stop
        return stop


def frames_dataframe(session: Session) -> Any:
    """One row per frame (both directions, in time order) as a pandas DataFrame."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Session.to_dataframe() needs pandas: pip install 'wsexplorer[pandas]'") from exc
    import numpy as np

    parts = []
    for d in (C2S, S2C):
        cols = session.frame_columns(d)
        frame = pd.DataFrame(cols)
        frame.insert(0, "direction", DIRECTION_NAMES[d])
        frame.insert(1, "index", np.arange(len(frame)))
        parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    return df.sort_values(["t_ns", "direction"], kind="stable").reset_index(drop=True)
