"""CopyButton: copies a text to the clipboard in the browser (anywidget; the Clipboard API of the page).

Python sets :attr:`text`; a click in the page copies it, and :attr:`copied` counts the copies (the
front end reports them back; :attr:`attempts` counts clicks), so a test can check the click reached
the page. Where the browser
refuses the clipboard, :attr:`error` says why and the text stays visible beside the button.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["CopyButton"]

_STATIC = Path(__file__).parent / "static"


class CopyButton(anywidget.AnyWidget):
    """A button labelled ``label`` that copies ``text``."""

    _esm = (_STATIC / "copy_button.js").read_text(encoding="utf-8")

    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("copy").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)  # the title (not "tooltip": DOMWidget has one)
    attempts = traitlets.Int(0).tag(sync=True)
    copied = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, label: str, css_class: str, **kwargs: Any) -> None:
        super().__init__(label=label, hint=kwargs.pop("hint", label), **kwargs)
        self.add_class(css_class)
