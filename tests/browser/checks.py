"""Assertions shared by the browser tests: waiting for text, and a long test's independent parts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, expect

__all__ = ["Checks", "expect_text"]


def expect_text(target: Locator, pattern: str | re.Pattern[str], timeout: int = 15_000) -> None:
    """Wait until ``target`` contains ``pattern`` (a substring or a regular expression)."""
    expect(target).to_contain_text(pattern, timeout=timeout)


class Checks:
    """Independent parts of one long test: a part that fails is recorded and the next one still runs
    (one kernel and one page serve them all); :meth:`verify` then fails with every part that failed."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        try:
            yield
        except (AssertionError, PlaywrightError) as exc:
            self.failed.append(f"{name}: {type(exc).__name__}: {str(exc)[:1500]}")

    def verify(self) -> None:
        assert self.failed == [], "\n\n".join(self.failed)
