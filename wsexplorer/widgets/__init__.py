"""Notebook widgets (ipywidgets + matplotlib): they display and drive lower-layer objects, nothing more.

Importing this package loads ipywidgets; importing :mod:`wsexplorer` alone does not. Each widget's
module loads on first use (so one slow or broken widget does not weigh on the rest); the
``TYPE_CHECKING`` block gives type checkers the real classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accept import AcceptStepper
    from .deflate import DeflateExplorer
    from .exercise import ExerciseWidget
    from .frame import FrameInspector
    from .handshake import HandshakeExplorer
    from .live import LiveConnection
    from .probe import ProbeBrowser
    from .relay import RelayMonitor
    from .replay_diff import DiffViewer
    from .session import SessionBrowser

__all__ = [
    "AcceptStepper",
    "DeflateExplorer",
    "DiffViewer",
    "ExerciseWidget",
    "FrameInspector",
    "HandshakeExplorer",
    "LiveConnection",
    "ProbeBrowser",
    "RelayMonitor",
    "SessionBrowser",
]

_WHERE = {
    "AcceptStepper": "accept",
    "HandshakeExplorer": "handshake",
    "FrameInspector": "frame",
    "DeflateExplorer": "deflate",
    "LiveConnection": "live",
    "SessionBrowser": "session",
    "ProbeBrowser": "probe",
    "ExerciseWidget": "exercise",
    "RelayMonitor": "relay",
    "DiffViewer": "replay_diff",
}


def __getattr__(name: str) -> Any:
    """Load each widget's module on first use."""
    if name in _WHERE:
        import importlib

        module = importlib.import_module(f".{_WHERE[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
