"""When each byte of a recorded direction arrived: its chunks' end offsets and times, derived on read.

A :class:`~wsexplorer.record.session.Session` records one row per chunk (direction, length, time) and
one per frame (offset, first two bytes). A frame's times (the chunk holding its first byte, the chunk
that completed it) follow from those rows, so recording does not store them: :class:`ChunkClock` turns
the chunk rows of one direction into cumulative end offsets, the first time someone asks, and extends
them as the recording grows. Recording stays at two index rows per frame; a view that wants times pays
16 bytes per chunk, once.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import Any

__all__ = ["ChunkClock", "catch_up"]

_VECTOR_FROM = 512  # new chunks at once: numpy beats a Python loop past about this many


class ChunkClock:
    """One direction's chunks as cumulative end offsets (``ends``) and times (``times``)."""

    __slots__ = ("ends", "times")

    def __init__(self) -> None:
        self.ends = array("Q")  # stream offset one past each chunk of this direction
        self.times = array("q")  # that chunk's time (ns)

    @property
    def total(self) -> int:
        """Bytes of this direction taken in so far (the end of its last chunk)."""
        return self.ends[-1] if self.ends else 0

    def time_of_byte(self, offset: int) -> int:
        """The time of the chunk holding the byte at ``offset``."""
        return self.times[bisect_right(self.ends, offset)]

    def time_of_end(self, end: int) -> int:
        """The time of the chunk holding byte ``end - 1`` (the chunk that completed a frame ending there)."""
        return self.times[bisect_left(self.ends, end)]

    def columns(self, first: Any, ends: Any) -> tuple[Any, Any]:
        """Numpy columns: the time of each byte offset in ``first`` and of each frame end in ``ends``."""
        import numpy as np

        chunk_ends = np.frombuffer(self.ends, dtype=np.uint64).astype(np.int64)
        times = np.frombuffer(self.times, dtype=np.int64)
        if not len(times):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return (  # fancy indexing copies: the columns do not hold the clock's arrays
            times[np.searchsorted(chunk_ends, first, side="right")],
            times[np.searchsorted(chunk_ends, ends, side="left")],
        )

    def nbytes(self) -> int:
        return sum(a.buffer_info()[1] * a.itemsize for a in (self.ends, self.times))


def catch_up(
    clocks: tuple[ChunkClock, ChunkClock], seen: int, dirs: array[int], lengths: array[int], times: array[int]
) -> int:
    """Add chunks ``seen..`` of the session's chunk columns to the two clocks; the new ``seen``."""
    n = len(times)
    if n - seen < _VECTOR_FROM:
        totals = [clocks[0].total, clocks[1].total]
        for i in range(seen, n):
            way = dirs[i]
            totals[way] += lengths[i]
            clocks[way].ends.append(totals[way])
            clocks[way].times.append(times[i])
        return n
    import numpy as np

    d = np.frombuffer(dirs, dtype=np.int8)[seen:n]
    lens = np.frombuffer(lengths, dtype=np.uint32)[seen:n].astype(np.uint64)
    t = np.frombuffer(times, dtype=np.int64)[seen:n]
    for direction, clock in enumerate(clocks):
        mine = d == direction
        ends = np.cumsum(lens[mine], dtype=np.uint64) + np.uint64(clock.total)
        clock.ends.frombytes(ends.tobytes())
        clock.times.frombytes(t[mine].tobytes())
    return n
