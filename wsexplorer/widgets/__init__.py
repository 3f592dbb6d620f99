"""Notebook widgets (ipywidgets + matplotlib): they display and drive lower-layer objects, nothing more.

Importing this package loads ipywidgets; importing :mod:`wsexplorer` alone does not.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AcceptStepper",
    "DeflateExplorer",
    "FrameInspector",
    "HandshakeExplorer",
    "LiveConnection",
    "SessionBrowser",
]

_WHERE = {
    "AcceptStepper": "accept",
    "HandshakeExplorer": "handshake",
    "FrameInspector": "frame",
    "DeflateExplorer": "deflate",
    "LiveConnection": "live",
    "SessionBrowser": "session",
}


def __getattr__(name: str) -> Any:
    """Load each widget's module on first use, so one broken or slow widget does not weigh on the rest."""
    if name in _WHERE:
        import importlib

        module = importlib.import_module(f".{_WHERE[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(name)
