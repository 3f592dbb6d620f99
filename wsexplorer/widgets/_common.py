"""What the notebook widgets share: the base box, headings, message boxes, hex input, CSS.

Nothing here knows the protocol: these helpers lay out and format; the widgets get every protocol
result from :mod:`wsexplorer.codec` and :mod:`wsexplorer.protocol`.
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar, Literal

import ipywidgets as widgets

__all__ = [
    "CSS",
    "ExplorerBox",
    "box",
    "button",
    "callout",
    "e",
    "heading",
    "hex_preview",
    "parse_hex",
    "set_value",
    "title",
]

CSS = """
.wsx-w { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  font-size: 13px; line-height: 1.45; }
.wsx-w-title { font-size: 16px; font-weight: 700; margin: 2px 0 0; }
.wsx-w-intro { margin: 0 0 4px; opacity: .85; }
.wsx-w-h { font-size: 13.5px; font-weight: 700; margin: 10px 0 2px;
  border-bottom: 1px solid rgba(127, 127, 127, .35); padding-bottom: 2px; }
.wsx-w-h .wsx-w-ref { font-weight: 400; font-size: 11.5px; opacity: .7; margin-left: 6px; }
.wsx-w-call { padding: 6px 10px; border-radius: 4px; margin: 4px 0; border-left: 5px solid; }
.wsx-w-info { border-color: #8ab4f8; background: rgba(138, 180, 248, .14); }
.wsx-w-ok { border-color: #188038; background: rgba(24, 128, 56, .10); }
.wsx-w-warn { border-color: #f9ab00; background: rgba(249, 171, 0, .13); }
.wsx-w-error { border-color: #d93025; background: rgba(217, 48, 37, .10); }
.wsx-w-call b.wsx-w-big { font-size: 15px; }
.wsx-w-m { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.wsx-w-dim { opacity: .7; }
.wsx-w-small { font-size: 12px; }
.wsx-w-table { border-collapse: collapse; font-size: 12.5px; margin: 2px 0; }
.wsx-w-table th, .wsx-w-table td { text-align: left; vertical-align: top; padding: 3px 10px 3px 0;
  border: none; border-bottom: 1px solid rgba(127, 127, 127, .25); }
.wsx-w-table th { font-size: 11px; font-weight: 600; opacity: .75; }
.wsx-w-table td.wsx-w-m { font-size: 11.5px; }
.wsx-w-table tbody tr { background: transparent; }
.wsx-w-bar { height: 5px; border-radius: 2px; margin-top: 2px; }
.wsx-w-badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 700;
  color: #fff; margin-right: 6px; }
"""
"""CSS of the widgets' own HTML pieces (``wsx-w`` classes); each piece that needs it carries it inline."""

CallKind = Literal["info", "ok", "warn", "error"]


def e(text: object) -> str:
    """``text`` escaped for HTML."""
    return html.escape(str(text))


def _styled(body: str) -> str:
    return f'<div class="wsx-w"><style>{CSS}</style>{body}</div>'


def heading(text: str, rfc: str = "") -> widgets.HTML:
    """A section heading, with the RFC section in small print for the engineer."""
    ref = f'<span class="wsx-w-ref">{e(rfc)}</span>' if rfc else ""
    return widgets.HTML(_styled(f'<div class="wsx-w-h">{e(text)}{ref}</div>'))


def title(text: str, intro: str) -> widgets.HTML:
    """The widget's title and one or two sentences on what it shows (``intro`` is HTML)."""
    return widgets.HTML(
        _styled(f'<div class="wsx-w-title">{e(text)}</div><div class="wsx-w-intro">{intro}</div>')
    )


def callout(body_html: str, kind: CallKind = "info") -> str:
    """A coloured box around ``body_html`` (already HTML): info, ok, warn or error."""
    return _styled(f'<div class="wsx-w-call wsx-w-{kind}">{body_html}</div>')


def box(body_html: str) -> str:
    """``body_html`` with the widgets' CSS available."""
    return _styled(body_html)


def set_value(widget: Any, value: Any) -> None:
    """Assign ``widget.value`` only when it changes, so the front end is not sent needless updates."""
    if widget.value != value:
        widget.value = value


_HEX_NOISE = re.compile(r"0x|[\s:,;|\-]", re.IGNORECASE)


def parse_hex(text: str) -> bytes:
    """Bytes typed as hex: spaces, newlines, ``:``/``,``/``-`` separators and ``0x`` prefixes are ignored.

    Raises ValueError with a message for a person: which character is not a hex digit, or that a digit
    is missing from the last byte.
    """
    digits = _HEX_NOISE.sub("", text)
    for i, c in enumerate(digits):
        if c not in "0123456789abcdefABCDEF":
            raise ValueError(f"{c!r} is not a hex digit (use 0-9 and a-f; hex digit number {i + 1})")
    if len(digits) % 2:
        raise ValueError(
            f"{len(digits)} hex digits: a byte is two hex digits, so one digit is missing (or one too many)"
        )
    return bytes.fromhex(digits)


def hex_preview(data: bytes, limit: int = 32) -> str:
    """``data`` as spaced hex, cut after ``limit`` bytes with the number of bytes left out."""
    text = data[:limit].hex(" ")
    if len(data) > limit:
        text += f" … (+{len(data) - limit:,} bytes)"
    return text or "(no bytes)"


class ExplorerBox(widgets.VBox):  # type: ignore[misc]
    """Base of the explorers: a VBox with a stable CSS class, that is also its own ``.widget``.

    Being a VBox, an explorer displays by itself (``display(x)`` or last line of a cell) and can be
    placed inside other widgets; ``.widget`` is for code written against a wrapper-style API.
    """

    css_class: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.css_class:
            self.add_class(self.css_class)

    @property
    def widget(self) -> ExplorerBox:
        """The widget to display: the explorer itself."""
        return self


def button(
    description: str, css_class: str, *, tooltip: str = "", icon: str = "", style: str = ""
) -> widgets.Button:
    """A button with a stable CSS class (for browser tests) and a width that fits its label."""
    b = widgets.Button(
        description=description,
        tooltip=tooltip or description,
        icon=icon,
        button_style=style,
        layout=widgets.Layout(width="auto"),
    )
    b.add_class(css_class)
    return b
