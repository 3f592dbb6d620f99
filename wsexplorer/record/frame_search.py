"""Which frames of a session say something: one search, resumable, over both directions' messages.

A data frame matches when its message does (the whole message, inflated when compressed, from each
direction's :class:`~wsexplorer.record.search.SearchIndex`); a control frame when its payload does (a
close frame: its reason). The search of a big session can be spread over several calls, each told
when to stop (:meth:`FrameSearch.step`; the caller owns the clock), so a notebook shows the first
matches at once and stays responsive while the rest are found; :attr:`FrameSearch.complete` says
when every frame was seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..codec.frame_header import Opcode
from .session import C2S, S2C, Direction

if TYPE_CHECKING:
    from .frame_index import FrameIndex

__all__ = ["FrameSearch"]

_CONTROL = (Opcode.CLOSE, Opcode.PING, Opcode.PONG)


class FrameSearch:
    """The progress of the latest search (``pattern``, ``regex``) over ``index``'s frames."""

    def __init__(self, index: FrameIndex) -> None:
        self._index = index
        self._key: tuple[str, bool] | None = None
        self._found: dict[Direction, list[int]] = {C2S: [], S2C: []}
        self._next: dict[Direction, int] = {C2S: 0, S2C: 0}
        self._compiled: re.Pattern[str] | None = None
        self._texts: dict[tuple[int, int], str] = {}  # a control frame's payload as text, by (d, i)

    def _start(self, pattern: str, regex: bool) -> None:
        if self._key == (pattern, regex):
            return
        try:
            compiled = re.compile(pattern if regex else re.escape(pattern), re.MULTILINE | re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        self._key = (pattern, regex)
        self._compiled = compiled
        self._found = {C2S: [], S2C: []}
        self._next = {C2S: 0, S2C: 0}

    @property
    def complete(self) -> bool:
        """True when every frame of the session has been replayed and searched."""
        session = self._index.session
        return all(
            session.replay(d).complete and self._next[d] >= len(session.replay(d).search) for d in (C2S, S2C)
        )

    def step(self, *, frames: int | None = None, stop: Callable[[], bool] | None = None) -> bool:
        """Replay up to ``frames`` more frames per direction (None: all), then search on until
        ``stop()`` says True (asked between blocks; None: to the end); True when matches may have
        been added."""
        if self._key is None:
            return False
        pattern, regex = self._key
        progressed = False
        for d in (C2S, S2C):
            replay = self._index.session.replay(d)
            if not replay.complete:
                replay.advance(None if frames is None else replay.fed + frames)
            if self._next[d] < len(replay.search):
                result = replay.search.search(pattern, regex=regex, start=self._next[d], stop=stop)
                self._found[d].extend(result.found)
                self._next[d] = result.searched
                progressed = True
        return progressed

    def matching(
        self, pattern: str, regex: bool, *, frames: int | None = None, stop: Callable[[], bool] | None = None
    ) -> Any:
        """A boolean mask over the index's positions: the frames found so far to match ``pattern``.

        Starts a new search when ``pattern`` or ``regex`` changed, then takes one :meth:`step`
        (``frames``, ``stop``: its budgets; None: the whole session now).
        """
        self._start(pattern, regex)
        self.step(frames=frames, stop=stop)
        index = self._index
        found = np.zeros(len(index), bool)
        for d in (C2S, S2C):
            numbers = np.frombuffer(index.session.replay(d).message_numbers(), np.int64)
            hits = np.asarray(self._found[d], np.int64)
            frames_hit = np.flatnonzero(np.isin(numbers, hits))
            found[index.position_array(d)[frames_hit]] = True
        compiled = self._compiled
        assert compiled is not None
        for p in np.flatnonzero(np.isin(index.opcode, _CONTROL)).tolist():
            if compiled.search(self._control_text(p)):
                found[p] = True
        return found

    def _control_text(self, position: int) -> str:
        index = self._index
        key = (int(index.direction[position]), int(index.index[position]))
        text = self._texts.get(key)
        if text is None:
            side: Direction = C2S if key[0] == 0 else S2C
            frame = index.session.frame(side, key[1]).frame
            payload = frame.payload[2:] if frame.opcode == Opcode.CLOSE else frame.payload
            text = self._texts[key] = payload[:4096].decode("utf-8", "replace")
        return text
