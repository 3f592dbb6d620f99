"""Showing wsexplorer objects in a notebook: HTML formatters registered with IPython's display system.

The codec and the protocol layer hold no presentation code, so instead of ``_repr_html_`` methods the
views of :mod:`.describe` are registered by type name with IPython's HTML formatter when wsexplorer is
imported in a running IPython (or with ``%load_ext wsexplorer``). Registering by name imports nothing:
the renderer loads on the first object shown.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DISPLAYED", "load_ipython_extension", "register"]

DISPLAYED = (
    ("wsexplorer.codec.frames", "Frame"),
    ("wsexplorer.record.replay", "ReplayedFrame"),
    ("wsexplorer.record.session", "FrameRecord"),
    ("wsexplorer.record.session", "Session"),
    ("wsexplorer.record.summary", "SessionSummary"),
    ("wsexplorer.codec.handshake", "HandshakeRequest"),
    ("wsexplorer.codec.handshake", "HandshakeResponse"),
    ("wsexplorer.codec.accept", "AcceptComputation"),
    ("wsexplorer.codec.server_decision", "ServerDecision"),
    ("wsexplorer.codec.client_check", "ClientCheck"),
    ("wsexplorer.codec.extensions.permessage_deflate.message", "CompressedMessage"),
    ("wsexplorer.codec.subprotocols.base", "DecodedMessage"),
    ("wsexplorer.exercises.model", "Exercise"),
    ("wsexplorer.exercises.frame_build", "BuildExercise"),
    ("wsexplorer.exercises.model", "CheckResult"),
    ("wsexplorer.exercises.checker", "ImplementationReport"),
    ("wsexplorer.exercises.server_check", "ServerReport"),
    ("wsexplorer.live.probe.report", "ProbeReport"),
    ("wsexplorer.record.diff", "SessionDiff"),
)
"""(module, class name) of every object a notebook cell shows as HTML."""


def _html(obj: object) -> str:
    from .describe import html

    return html(obj)


def register(shell: Any = None) -> bool:
    """Register the HTML views with ``shell`` (default: the running IPython); False when there is none."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    for module, name in DISPLAYED:
        formatter.for_type_by_name(module, name, _html)
    return True


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext wsexplorer``: register the views with this shell."""
    register(shell)
