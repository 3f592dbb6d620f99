"""Timers on the loop that owns a widget, safe to start from any thread (JupyterLab's subshells).

:class:`Coalesced` runs a callback at most once per ``min_interval`` seconds however often it is
asked (a burst of live frames becomes a few redraws); :class:`Ticker` runs a slice of background work
per loop turn until the work says it is done. Both report a failure to ``on_error`` instead of losing
it in the loop's log, and both do the work at once when no loop runs (a script, a test).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ._common import running_loop

__all__ = ["Coalesced", "Ticker"]

ErrorSink = Callable[[str], None]


def _report(on_error: ErrorSink | None, what: str, exc: Exception) -> None:
    if on_error is None:
        raise exc
    on_error(f"{what} failed: {type(exc).__name__}: {exc}")


class Coalesced:
    """``callback()`` soon, at most once per ``min_interval`` seconds, on ``loop``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None,
        callback: Callable[[], None],
        min_interval: float,
        on_error: ErrorSink | None,
    ) -> None:
        self.loop = loop
        self.callback = callback
        self.min_interval = min_interval
        self.on_error = on_error
        self.last = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def request(self) -> None:
        """Ask for a call (from any thread); calls already pending absorb this one."""
        loop = self.loop or running_loop()
        if loop is None:
            self._run()
            return
        if running_loop() is not loop:
            loop.call_soon_threadsafe(self.request)
            return
        if self._handle is None:
            delay = max(0.0, self.last + self.min_interval - time.monotonic())
            self._handle = loop.call_later(delay, self._run)

    def _run(self) -> None:
        self._handle = None
        try:
            self.callback()
        except Exception as exc:  # a timer's failure would otherwise vanish in the loop's log
            _report(self.on_error, "refresh", exc)

    def done(self) -> None:
        """Note that the callback just ran (whoever called it)."""
        self.last = time.monotonic()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None


class Ticker:
    """``step()`` once per loop turn (a short pause between) while it returns True, on ``loop``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None,
        step: Callable[[], bool],
        on_error: ErrorSink | None,
        pause: float = 0.01,
    ) -> None:
        self.loop = loop
        self.step = step
        self.on_error = on_error
        self.pause = pause
        self._handle: asyncio.Handle | None = None

    @property
    def running(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        """Start ticking (from any thread); nothing happens without a loop (the caller then does the
        work at once) or when already ticking."""
        loop = self.loop or running_loop()
        if loop is None or self._handle is not None:
            return
        if running_loop() is not loop:
            loop.call_soon_threadsafe(self.start)
            return
        self._handle = loop.call_soon(self._tick)

    def _tick(self) -> None:
        self._handle = None
        try:
            more = self.step()
        except Exception as exc:
            _report(self.on_error, "background work", exc)
            return
        loop = self.loop or running_loop()
        if more and loop is not None:
            self._handle = loop.call_later(self.pause, self._tick)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
