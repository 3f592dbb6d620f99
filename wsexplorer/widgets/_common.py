"""What the notebook widgets share: the base box, heading widgets, hex input (the notes' HTML is in render).

Nothing here knows the protocol: these helpers lay out and format; the widgets get every protocol
result from :mod:`wsexplorer.codec` and :mod:`wsexplorer.protocol`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar

import ipywidgets as widgets

from ..render.notes import NOTES_CSS, callout, heading_html, styled, title_html
from ..render.palette import escape

__all__ = [
    "HEX_BOX_BYTES",
    "NOTES_CSS",
    "ExplorerBox",
    "box",
    "button",
    "callout",
    "e",
    "heading",
    "hex_lines",
    "hex_preview",
    "parse_hex",
    "running_loop",
    "set_value",
    "title",
]


def heading(text: str, rfc: str = "") -> widgets.HTML:
    """A section heading, with the RFC section in small print for the engineer."""
    return widgets.HTML(heading_html(text, rfc))


def title(text: str, intro: str) -> widgets.HTML:
    """The widget's title and one or two sentences on what it shows (``intro`` is HTML)."""
    return widgets.HTML(title_html(text, intro))


def box(body_html: str) -> str:
    """``body_html`` with the notes' CSS available."""
    return styled(body_html)


def e(text: object) -> str:
    """``text`` escaped for HTML."""
    return escape(text)


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


HEX_BOX_BYTES = 16384
"""Bytes written into a hex box when a frame given as an object is shown (the rest is left out)."""


def hex_lines(data: bytes, per_line: int = 16) -> str:
    """``data`` as hex, ``per_line`` bytes a line, for a hex box (only the first HEX_BOX_BYTES)."""
    data = data[:HEX_BOX_BYTES]
    return "\n".join(data[i : i + per_line].hex(" ") for i in range(0, len(data), per_line))


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


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this code, if any (a kernel's; none in a plain script or a test)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
