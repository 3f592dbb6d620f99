"""Both directions' frames as one table in time order, with filters and search, built for big sessions.

:class:`FrameIndex` merges the two directions' :meth:`~wsexplorer.record.session.Session.frame_columns`
into numpy columns in time order (ties: client first, like :meth:`Session.frame_order`) and filters
them with vectorized masks: by direction, opcode, payload length, and by what the messages say
(:meth:`FrameIndex.select` with ``search=``, through each direction's replay and its search index).
Nothing per frame is built here: views build rows only for the window they show.

Messages need the replay path (context, fragmentation, inflation): a big session is replayed a slice at
a time (:meth:`decode_step`), so a notebook stays responsive; until it has caught up, a search covers
the frames replayed so far and :attr:`search_complete` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .frame_search import FrameSearch
from .replay import MessageInfo
from .session import C2S, S2C, Direction, Session

__all__ = ["OPCODE_GROUPS", "FrameIndex"]

OPCODE_GROUPS: dict[str, tuple[int, ...]] = {
    "text": (0x1,),
    "binary": (0x2,),
    "continuation": (0x0,),
    "close": (0x8,),
    "ping": (0x9,),
    "pong": (0xA,),
    "reserved": (0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF),
}
"""Opcodes by the group a filter shows them under (RFC 6455 §5.2, §11.8: the rest are reserved)."""


class FrameIndex:
    """Both directions' frame columns merged in time order, refreshed when the session grows.

    Columns (numpy arrays, one entry per frame, in time order): ``direction`` (0/1), ``index``
    (within its direction), ``t_ns``, ``opcode``, ``fin``, ``rsv1``, ``masked``, ``payload_length``,
    ``wire_length``. ``t0_ns`` is the time of the session's first recorded byte; ``version`` grows by
    one each time :meth:`update` re-reads the columns.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.version = 0
        self._counts = (-1, -1)
        self.t0_ns = 0
        self.direction: Any = np.zeros(0, np.int8)
        self.index: Any = np.zeros(0, np.int64)
        self.t_ns: Any = np.zeros(0, np.int64)
        self.opcode: Any = np.zeros(0, np.int64)
        self.fin: Any = np.zeros(0, bool)
        self.rsv1: Any = np.zeros(0, bool)
        self.masked: Any = np.zeros(0, bool)
        self.payload_length: Any = np.zeros(0, np.int64)
        self.wire_length: Any = np.zeros(0, np.int64)
        self._position: Any = [np.zeros(0, np.int64), np.zeros(0, np.int64)]  # (d, index) -> position
        self._wanted: dict[Direction, int] = {}  # per direction: the furthest frame a view waits for
        self._search = FrameSearch(self)
        self.update()

    def __len__(self) -> int:
        return len(self.t_ns)

    def update(self) -> bool:
        """Re-read the session's columns if frames were added since; True when something changed."""
        s = self.session
        counts = (s.frame_count(C2S), s.frame_count(S2C))
        if counts == self._counts:
            return False
        cols = [s.frame_columns(d) for d in (C2S, S2C)]
        counts = (len(cols[0]["t_ns"]), len(cols[1]["t_ns"]))
        self._counts = counts
        self.version += 1
        direction = np.concatenate([np.zeros(counts[0], np.int8), np.ones(counts[1], np.int8)])
        index = np.concatenate([np.arange(counts[0]), np.arange(counts[1])])
        t_ns = np.concatenate([cols[0]["t_ns"], cols[1]["t_ns"]])
        # Stable: equal (time, direction) keep their index order; time first, then client before server.
        order = np.lexsort((direction, t_ns))
        self.direction = direction[order]
        self.index = index[order]
        self.t_ns = t_ns[order]
        for name in ("opcode", "fin", "rsv1", "masked", "payload_length", "wire_length"):
            setattr(self, name, np.concatenate([cols[0][name], cols[1][name]])[order])
        inverse = np.empty(len(order), np.int64)
        inverse[order] = np.arange(len(order))
        self._position = [inverse[: counts[0]], inverse[counts[0] :]]
        first = next(iter(s.chunks()), None)
        self.t0_ns = first[3] if first is not None else int(self.t_ns[0]) if len(self.t_ns) else 0
        return True

    def position_array(self, direction: Direction) -> Any:
        """Every frame of ``direction``'s time-ordered position (a numpy array, by frame index)."""
        return self._position[direction]

    def position_of(self, direction: Direction, index: int) -> int:
        """The time-ordered position (0-based) of frame ``index`` of ``direction``."""
        return int(self._position[direction][index])

    # -- filters -------------------------------------------------------------------------------------

    def select(
        self,
        directions: Iterable[int] | None = None,
        opcodes: Iterable[int] | None = None,
        *,
        min_length: int | None = None,
        max_length: int | None = None,
        search: str = "",
        regex: bool = False,
        search_frames: int | None = None,
        search_stop: Callable[[], bool] | None = None,
    ) -> Any:
        """Positions of the frames that pass every filter given (``None`` or empty: no filter).

        ``search`` keeps the frames of messages (and control frames) whose payload matches: a plain,
        case-insensitive substring, or a regular expression with ``regex=True`` (ValueError if it
        does not compile). Data frames are searched by their whole message, inflated when compressed.
        Messages are replayed and searched first: all of them, or within the budgets
        ``search_frames`` (frames replayed per direction) and ``search_stop()`` (asked between
        blocks of the search; True stops it); then
        :attr:`search_complete` says whether the search saw everything, and :meth:`search_step`
        carries it on a slice at a time.
        """
        keep = np.ones(len(self), bool)
        if directions is not None:
            keep &= np.isin(self.direction, np.fromiter(directions, np.int64))
        if opcodes is not None:
            keep &= np.isin(self.opcode, np.fromiter(opcodes, np.int64))
        if min_length is not None:
            keep &= self.payload_length >= min_length
        if max_length is not None:
            keep &= self.payload_length <= max_length
        if search:
            keep &= self._search.matching(search, regex, frames=search_frames, stop=search_stop)
        return np.flatnonzero(keep)

    @property
    def search_complete(self) -> bool:
        """True when the latest search has seen every frame (every message replayed and searched)."""
        return self._search.complete

    def search_step(self, *, frames: int | None = None, stop: Callable[[], bool] | None = None) -> bool:
        """Carry the latest search on (see :meth:`FrameSearch.step`); True when it may have found more."""
        return self._search.step(frames=frames, stop=stop)

    # -- messages, replayed a slice at a time --------------------------------------------------------

    def message(self, direction: Direction, index: int, budget: int | None) -> tuple[MessageInfo, int] | None:
        """The message frame ``index`` of ``direction`` belongs to, and the frame's place in it.

        With ``budget``, at most that many frames are replayed now; ``None`` when that was not enough
        (then :meth:`decode_step` gets there), or for a frame that is part of no complete message.
        """
        replay = self.session.replay(direction)
        if not replay.resolve(index, budget=budget):
            self._wanted[direction] = max(self._wanted.get(direction, 0), index)
            return None
        info = replay.message_of(index)
        return None if info is None else (info, replay.fragment(index))

    def ready(self, direction: Direction, index: int, budget: int | None) -> bool:
        """True when frame ``index`` of ``direction`` can be shown in its context now (its receiver
        has taken every frame before it), replaying at most ``budget`` frames to get there; when not,
        :meth:`decode_step` is asked to get there a slice at a time."""
        if self.session.replay(direction).resolve(index, budget=budget):
            return True
        self._wanted[direction] = max(self._wanted.get(direction, 0), index)
        return False

    def group_counts(self, directions: Iterable[int] | None = None) -> dict[str, int]:
        """How many frames of each :data:`OPCODE_GROUPS` group, in ``directions`` (None: both)."""
        opcode = self.opcode
        if directions is not None:
            opcode = opcode[np.isin(self.direction, np.fromiter(directions, np.int64))]
        per_opcode = np.bincount(opcode, minlength=16)
        return {name: int(per_opcode[list(codes)].sum()) for name, codes in OPCODE_GROUPS.items()}

    @property
    def decode_pending(self) -> bool:
        """True when views asked for messages that :meth:`decode_step` has not replayed yet."""
        return bool(self._wanted)

    def decode_step(self, frames: int = 2000) -> bool:
        """Replay up to ``frames`` more frames per direction toward what views asked for; True if more
        remain. Lets a widget spread a big session's decoding over several loop iterations."""
        for d, index in list(self._wanted.items()):
            if self.session.replay(d).step(index, frames):
                del self._wanted[d]
        return self.decode_pending

    def index_step(self, frames: int = 5000) -> bool:
        """Replay up to ``frames`` more frames per direction toward the end (every message then has
        its text in the search index); True if more remain."""
        for d in (C2S, S2C):
            replay = self.session.replay(d)
            if not replay.complete:
                replay.advance(replay.fed + frames)
        return not all(self.session.replay(d).complete for d in (C2S, S2C))
