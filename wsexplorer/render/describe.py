"""One name for every view: :func:`describe` (text for a terminal) and :func:`html` (for a notebook).

Each kind of object has exactly one renderer, chosen here by type: frames (alone, or in their
connection's context), handshake messages, the accept computation, the server's decision and the
client's check, compressed messages, sessions and their summaries. Any other inspectable object (bytes
plus fields plus violations) gets the generic annotated dump.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..anatomy import Inspectable
from ..codec.accept import AcceptComputation
from ..codec.client_check import ClientCheck
from ..codec.extensions.permessage_deflate import CompressedMessage
from ..codec.frames import Frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision
from ..codec.subprotocols import DecodedMessage
from ..record.context import Context
from ..record.diff import SessionDiff
from ..record.replay import ReplayedFrame
from ..record.session import FrameRecord, Session
from ..record.summary import SessionSummary
from .accept import accept_html, accept_text
from .deflate import compressed_html, compressed_text
from .diff import diff_html, diff_text
from .dump import html_dump, text_dump
from .exercises import (
    exercise_html,
    exercise_text,
    report_html,
    report_text,
    result_html,
    result_text,
    server_report_html,
    server_report_text,
)
from .handshake import checks_html, checks_text, message_html, message_text
from .probe import probe_html, probe_text
from .session import session_html, session_text, summary_html, summary_text
from .subprotocols import decoded_html, decoded_text

__all__ = ["context_note", "context_words", "describe", "html"]


def context_note(context: Context) -> str:
    """Who sent the frame and what was negotiated, in words (what its violations were judged against)."""
    who = f"sent by the {context.sender}" if context.sender else "sender unknown"
    ext = "; ".join(context.extensions) if context.extensions else "no extension negotiated"
    if context.assumptions:  # no handshake recorded (a capture that starts mid-connection)
        ext += " (assumed: " + "; ".join(context.assumptions) + ")"
    return f"{who}; {ext}"


def context_words(context: Context, *, recorded: bool) -> str:
    """The context a frame's rules were checked in, for the inspector: recorded, or chosen by the
    reader for pasted bytes (then also what was assumed rather than known)."""
    if recorded:
        return "as received in its recorded connection: " + context_note(context)
    who = {"client": "as sent by a client", "server": "as sent by a server"}.get(
        context.sender or "", "sender unknown"
    )
    deflate = "permessage-deflate negotiated" if context.rsv1_allowed else "no extension negotiated"
    words = f"{who}; {deflate}"
    if context.assumptions:
        words += ". Assumed, since pasted bytes carry no handshake: " + "; ".join(context.assumptions)
        words += ". Change “Sent by” and the permessage-deflate box to match the connection"
    return words


def _replayed_title(frame: ReplayedFrame) -> str:
    where = f"frame #{frame.index + 1}"
    if frame.message is not None and frame.message.frames > 1:
        where += (
            f", fragment {frame.fragment} of {frame.message.frames} of message #{frame.message.number + 1}"
        )
    elif frame.message is not None:
        where += f", message #{frame.message.number + 1}"
    return f"Frame · {frame.frame.summary()} · {where} · {context_note(frame.context)}"


def _replayed_text(frame: ReplayedFrame) -> str:
    return text_dump(frame.frame, violations=frame.violations, title=_replayed_title(frame))


def _replayed_html(frame: ReplayedFrame) -> str:
    return html_dump(frame.frame, violations=frame.violations, title=_replayed_title(frame))


_RENDERERS: list[tuple[type, Callable[[Any], str], Callable[[Any], str]]] = [
    (ReplayedFrame, _replayed_text, _replayed_html),
    (FrameRecord, lambda r: _replayed_text(r.in_context()), lambda r: _replayed_html(r.in_context())),
    (Frame, text_dump, html_dump),
    (HandshakeRequest, message_text, message_html),
    (HandshakeResponse, message_text, message_html),
    (AcceptComputation, accept_text, accept_html),
    (ServerDecision, checks_text, checks_html),
    (ClientCheck, checks_text, checks_html),
    (CompressedMessage, compressed_text, compressed_html),
    (SessionSummary, summary_text, summary_html),
    (Session, session_text, session_html),
    (DecodedMessage, decoded_text, decoded_html),
    (SessionDiff, diff_text, diff_html),
]


# Objects of layers above render/ (exercises, the probe) are found by class name: render cannot import
# them, and their views take them by their shape.
_BY_NAME: dict[str, tuple[Callable[[Any], str], Callable[[Any], str]]] = {
    "Exercise": (exercise_text, exercise_html),
    "CheckResult": (result_text, result_html),
    "ImplementationReport": (report_text, report_html),
    "ServerReport": (server_report_text, server_report_html),
    "ProbeReport": (probe_text, probe_html),
}


def _renderer(obj: object, which: int) -> Callable[[Any], str]:
    for kind, *renderers in _RENDERERS:
        if isinstance(obj, kind):
            return renderers[which]
    for klass in type(obj).__mro__:
        if klass.__module__.startswith("wsexplorer.") and klass.__name__ in _BY_NAME:
            return _BY_NAME[klass.__name__][which]
    if isinstance(obj, Inspectable):
        return (text_dump, html_dump)[which]
    raise TypeError(f"wsexplorer has no view of {type(obj).__name__} objects")


def describe(obj: object) -> str:
    """``obj`` as annotated text for a terminal (``print(wsx.describe(frame))``)."""
    return _renderer(obj, 0)(obj)


def html(obj: object) -> str:
    """``obj`` as self-contained HTML; notebooks call this when a cell shows the object."""
    return _renderer(obj, 1)(obj)
