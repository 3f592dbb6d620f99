"""How a kernel runs widget callbacks, for the widget tests: waiting on the loop, and a subshell thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["on_subshell", "until"]


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (on the loop, as the kernel would) until ``predicate()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the widget")
        await asyncio.sleep(0.01)


def on_subshell(action: Callable[[], Any]) -> None:
    """Run ``action`` as a kernel subshell runs a widget callback: another thread, another loop."""
    failures: list[BaseException] = []

    def thread() -> None:
        async def run() -> None:
            action()

        try:
            asyncio.run(run())
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    t = threading.Thread(target=thread)
    t.start()
    t.join(10)
    assert not failures, failures
