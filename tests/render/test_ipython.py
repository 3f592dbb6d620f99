"""Notebook display without presentation code in the codec: HTML formatters registered by type name."""

from __future__ import annotations

from typing import Any

import wsexplorer
from wsexplorer.codec.frames import Frame
from wsexplorer.render.describe import html
from wsexplorer.render.ipython import DISPLAYED, register


class FakeFormatter:
    def __init__(self) -> None:
        self.by_name: dict[tuple[str, str], Any] = {}

    def for_type_by_name(self, module: str, name: str, func: Any) -> None:
        self.by_name[(module, name)] = func


class FakeShell:
    def __init__(self) -> None:
        self.html = FakeFormatter()
        self.display_formatter = type("DF", (), {"formatters": {"text/html": self.html}})()


def test_register_names_every_displayed_type_and_imports_nothing_eagerly() -> None:
    shell = FakeShell()
    assert register(shell)
    assert set(shell.html.by_name) == set(DISPLAYED)
    frame = Frame.text("hi")
    assert shell.html.by_name[("wsexplorer.codec.frames", "Frame")](frame) == html(frame)
    for module, name in DISPLAYED:  # the names are real: a rename would break display silently
        assert getattr(__import__(module, fromlist=[name]), name).__name__ == name


def test_no_shell_no_registration() -> None:
    assert register(object()) is False


def test_load_ext_registers_too() -> None:
    shell = FakeShell()
    wsexplorer.load_ipython_extension(shell)
    assert len(shell.html.by_name) == len(DISPLAYED)
