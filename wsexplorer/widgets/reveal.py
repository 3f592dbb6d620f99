"""Reveal: bring a part of a widget into view after an action (anywidget; the page scrolls itself).

Placed just above what an action fills in (an inspector opened from a row, a verdict below a form),
it scrolls that place into view when :meth:`Reveal.show` is called, so the result of a click is seen
without hunting for it. It draws nothing.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["Reveal"]


class Reveal(anywidget.AnyWidget):
    """An invisible marker; :meth:`show` scrolls it to the top (``block="start"``) or ``"nearest"``."""

    _esm = (Path(__file__).parent / "static" / "reveal.js").read_text(encoding="utf-8")

    pulse = traitlets.Int(0).tag(sync=True)
    block = traitlets.Unicode("nearest").tag(sync=True)

    def show(self) -> None:
        """Scroll the page so this marker (and what follows it) is in view."""
        self.pulse += 1
