"""Run a widget's network work on the event loop that owns the connection, whatever thread asks.

JupyterLab 4.6 sends widget messages to a kernel subshell by default (``commsOverSubshells``), so a
button callback may run on another thread with its own asyncio loop. Sockets, futures and the
recording belong to the loop the connection was opened on (the kernel's main loop): work started there
must run there. :class:`OwnerLoop` remembers that loop, runs coroutines on it (directly when called
from it, with :func:`asyncio.run_coroutine_threadsafe` otherwise), keeps a strong reference to every
running job, and hands each failure to a reporter instead of losing it in a log nobody reads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

from ._common import running_loop

__all__ = ["Job", "OwnerLoop"]

T = TypeVar("T")
Job = asyncio.Task[T] | concurrent.futures.Future[T]
"""A running action: an asyncio task (asked on the owner loop; ``await`` it) or, asked from another
thread, a :class:`concurrent.futures.Future` (``.result(timeout)`` or ``asyncio.wrap_future``)."""


class OwnerLoop:
    """The loop that owns a widget's connections (the one running when the widget was made).

    ``report(what, exc)`` is called on the owner loop for every job that fails; ``finished()`` after
    every job, failed or not (to update buttons).
    """

    def __init__(
        self, report: Callable[[str, BaseException], None], finished: Callable[[], None] = lambda: None
    ) -> None:
        self.loop = running_loop()
        self._report = report
        self._finished = finished
        self.jobs: set[Job[Any]] = set()

    @property
    def here(self) -> bool:
        """True when the caller runs on the owner loop (or there is no owner yet)."""
        return self.loop is None or running_loop() is self.loop

    def run(self, coro: Coroutine[Any, Any, T], what: str) -> Job[T]:
        """Run ``coro`` on the owner loop and return the job; its failure goes to ``report``."""
        loop = self.loop
        here = running_loop()
        if loop is None:  # made outside a loop (a script, a test): adopt the first loop that asks
            if here is None:
                coro.close()
                raise RuntimeError(f"{what}: no running asyncio loop (run this in a notebook cell)")
            self.loop = loop = here
        if loop.is_closed():
            coro.close()
            raise RuntimeError(f"{what}: the event loop that owns this connection has closed")
        job: Job[T]
        if here is loop:
            job = loop.create_task(coro)
            job.add_done_callback(partial(self._done, what))
        else:
            job = asyncio.run_coroutine_threadsafe(coro, loop)
            job.add_done_callback(lambda f: loop.call_soon_threadsafe(self._done, what, f))
        self.jobs.add(job)
        return job

    def call(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the owner loop: now if this is it, else as soon as it can."""
        loop = self.loop
        if loop is None or running_loop() is loop:
            callback()
        else:
            loop.call_soon_threadsafe(callback)

    def _done(self, what: str, job: Job[Any]) -> None:
        self.jobs.discard(job)
        if not job.cancelled():
            exc = job.exception()  # retrieved here, so asyncio never calls it "never retrieved"
            if exc is not None:
                self._report(what, exc)
        self._finished()

    async def wait(self) -> None:
        """Wait (on the owner loop) until no job is running."""
        while self.jobs:
            pending = [j if isinstance(j, asyncio.Future) else asyncio.wrap_future(j) for j in self.jobs]
            await asyncio.wait(pending)
            await asyncio.sleep(0)  # let the jobs' done callbacks run
