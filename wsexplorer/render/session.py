"""A recorded session in a few lines: frames, messages, bytes, compression, round trips, the close.

The view of :class:`~wsexplorer.record.summary.SessionSummary` and a one-screen overview of a
:class:`~wsexplorer.record.session.Session`.
"""

from __future__ import annotations

from ..record.session import DIRECTION_NAMES, Session
from ..record.summary import SessionSummary
from .palette import WALKTHROUGH_CSS, block, escape

__all__ = ["session_html", "session_text", "summary_html", "summary_text"]


def summary_text(summary: SessionSummary) -> str:
    """The summary as a few readable lines."""
    lines = []
    for name in DIRECTION_NAMES:
        counts = ", ".join(f"{n} {op}" for op, n in sorted(summary.frames_by_opcode.get(name, {}).items()))
        lines.append(
            f"{name}: {counts or 'no frames'}; {summary.messages.get(name, 0)} messages; "
            f"{summary.wire_bytes.get(name, 0):,} frame bytes, {summary.payload_bytes.get(name, 0):,} payload"
        )
        ratios = summary.compression_ratios.get(name) or []
        if ratios:
            mean = sum(ratios) / len(ratios)
            lines.append(
                f"  compressed messages: {len(ratios)}; on the wire they took {mean:.0%} of their size "
                f"on average (wire/payload ratio {mean:.2f}: compressed bytes ÷ original bytes)"
            )
    if summary.ping_rtts_ns:
        rtts = sorted(summary.ping_rtts_ns)
        lines.append(
            f"ping round trips: {len(rtts)}, median {rtts[len(rtts) // 2] / 1e6:.3f} ms "
            "(from the ping's bytes recorded to the pong's)"
        )
    if summary.subprotocol is not None:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.decoded.items())) or "no message"
        broken = summary.subprotocol_violations
        lines.append(
            f"subprotocol {summary.subprotocol}: {kinds}; "
            + (
                f"{broken} rule{'s' if broken != 1 else ''} of it broken"
                if broken
                else "no rule of it broken"
            )
        )
    codes = ", ".join(
        f"{k}: {v}" + (f" ({summary.close_meanings[k]})" if k in summary.close_meanings else "")
        for k, v in summary.close_codes.items()
    )
    lines.append(f"close codes: {codes}; closed first by: {summary.closed_first_by or 'nobody'}")
    if summary.subprotocol_note:
        lines.append(f"note: {summary.subprotocol_note}")
    return "\n".join(lines)


def summary_html(summary: SessionSummary) -> str:
    """The same lines as a list."""
    rows = "".join(f"<li>{escape(line)}</li>" for line in summary_text(summary).splitlines())
    return block("wsx-wt wsx-session-summary", WALKTHROUGH_CSS, f"<b>Session summary</b><ul>{rows}</ul>")


def session_text(session: Session) -> str:
    """The session's one-line description, then its summary."""
    return f"{session!r}\n{summary_text(session.summary())}"


def session_html(session: Session) -> str:
    """The session's one-line description, then its summary."""
    return block(
        "wsx-wt wsx-session",
        WALKTHROUGH_CSS,
        f'<div class="wsx-wt-cap">{escape(repr(session))}</div>' + summary_html(session.summary()),
    )
