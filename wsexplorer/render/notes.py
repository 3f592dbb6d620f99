"""Callouts, headings and titles: the coloured notes that frame a lesson's results (``wsx-w`` classes).

The explorers lay these around the views of the other render modules: a green note for a check that
passed, red for a connection that failed, amber for a warning, blue for information.
"""

from __future__ import annotations

from typing import Literal

from .palette import MONO, SANS, THEME_CSS, escape

__all__ = ["NOTES_CSS", "CallKind", "callout", "heading_html", "status_html", "styled", "title_html"]

NOTES_CSS = (
    THEME_CSS
    + f"""
.wsx-w {{ font-family: {SANS};
  font-size: 13px; line-height: 1.45; }}
.wsx-w .wsx-ex-mark-right, .wsx-w .wsx-ex-mark-wrong, .wsx-w .wsx-ex-mark-unreadable {{
  font-size: 18px; font-weight: 700; line-height: 28px; }}
.wsx-w .wsx-ex-mark-right {{ color: var(--wsx-good); }}
.wsx-w .wsx-ex-mark-wrong {{ color: var(--wsx-bad); }}
.wsx-w .wsx-ex-mark-unreadable {{ color: var(--wsx-warn); }}
.wsx-w-title {{ font-size: 16px; font-weight: 700; margin: 2px 0 0; }}
.wsx-w-intro {{ margin: 0 0 4px; color: var(--wsx-dim); }}
.wsx-w-h {{ font-size: 13.5px; font-weight: 700; margin: 10px 0 2px;
  border-bottom: 1px solid rgba(127, 127, 127, .35); padding-bottom: 2px; }}
.wsx-w-h .wsx-w-ref {{ font-weight: 400; font-size: 11.5px; color: var(--wsx-dim); margin-left: 6px; }}
.wsx-w-call {{ padding: 6px 10px; border-radius: 4px; margin: 4px 0; border-left: 5px solid; }}
.wsx-w-info {{ border-color: #8ab4f8; background: rgba(138, 180, 248, .14); }}
.wsx-w-ok {{ border-color: #188038; background: rgba(24, 128, 56, .10); }}
.wsx-w-call {{ color: var(--jp-content-font-color1, #1b1b1b); }}
.wsx-w-warn {{ border-color: #f9ab00; background: rgba(249, 171, 0, .13); }}
.wsx-w-error {{ border-color: #c5221f; background: rgba(217, 48, 37, .10); }}
.wsx-w-call b.wsx-w-big {{ font-size: 15px; }}
.wsx-w-m {{ font-family: {MONO}; }}
.wsx-w-dim {{ color: var(--wsx-dim); }}
.wsx-w-small {{ font-size: 12px; }}
.wsx-w-table {{ border-collapse: collapse; font-size: 12.5px; margin: 2px 0; }}
.wsx-w-table.wsx-w-table th, .wsx-w-table.wsx-w-table td {{ text-align: left; vertical-align: top;
  padding: 3px 10px 3px 0;
  border: none; border-bottom: 1px solid rgba(127, 127, 127, .25); }}
.wsx-w-table th {{ font-size: 11px; font-weight: 600; color: var(--wsx-dim); }}
.wsx-w-table td.wsx-w-m {{ font-size: 11.5px; }}
.wsx-w-table tbody tr {{ background: transparent; }}
.wsx-w-bar {{ height: 5px; border-radius: 2px; margin-top: 2px; }}
.wsx-w-status {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.wsx-w-s-ok {{ color: var(--wsx-good); }}
.wsx-w-s-error {{ color: var(--wsx-bad); font-weight: 600; }}
.wsx-w-s-busy {{ color: var(--wsx-busy); }}
.wsx-w pre.wsx-w-pre {{ font-family: {MONO}; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere;
  max-height: 12em; overflow-y: auto; margin: 2px 0; }}
.wsx-w-badge {{ display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 700;
  color: var(--jp-content-font-color1, #1b1b1b); border: 2px solid currentColor; background: transparent;
  margin-right: 6px; }}
"""
)
"""The notes' CSS; each piece that needs it carries it inline."""

CallKind = Literal["info", "ok", "warn", "error"]


def styled(body: str) -> str:
    """``body`` with the notes' CSS available."""
    return f'<div class="wsx-w"><style>{NOTES_CSS}</style>{body}</div>'


def status_html(text: str, kind: str = "info") -> str:
    """A status line (``kind``: info, ok, error, busy) that screen readers announce when it changes."""
    return styled(f'<span class="wsx-w-status wsx-w-s-{escape(kind)}" role="status">{escape(text)}</span>')


def heading_html(text: str, rfc: str = "") -> str:
    """A section heading, with the RFC section in small print for the engineer."""
    ref = f'<span class="wsx-w-ref">{escape(rfc)}</span>' if rfc else ""
    return styled(f'<div class="wsx-w-h">{escape(text)}{ref}</div>')


def title_html(text: str, intro: str) -> str:
    """A title and one or two sentences on what follows (``intro`` is HTML)."""
    return styled(f'<div class="wsx-w-title">{escape(text)}</div><div class="wsx-w-intro">{intro}</div>')


def callout(body_html: str, kind: CallKind = "info") -> str:
    """A coloured box around ``body_html`` (already HTML): info, ok, warn or error."""
    return styled(f'<div class="wsx-w-call wsx-w-{kind}">{body_html}</div>')
