"""FrameGrid: the frame table's front end, a virtualised grid built with anywidget (plain ES module).

Why a custom widget: a table of ipywidgets Buttons cannot stay readable past a few dozen rows (rows
shrink and overlap in a fixed box) and costs a widget per row. Here the page holds only the rows in
view: the front end (``static/frame_grid.js``) asks for a window by setting :attr:`start`, and Python
answers with those rows only, so a session of any size scrolls at the same speed. Every row has the
same height; the selected row is kept in view; arrow keys, Page Up/Down, Home and End move the
selection. Colours come from JupyterLab's theme variables, so light and dark themes both read well.
The widget only displays: the rows and what a selection opens come from the frame browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["FrameGrid"]

_STATIC = Path(__file__).parent / "static"


class FrameGrid(anywidget.AnyWidget):
    """A scrollable table of ``total`` rows of which Python sends the window starting at ``start``.

    ``rows`` is a list of ``{"c": [cell texts], "k": "css classes", "t": "tooltip"}`` for rows
    ``rows_start .. rows_start + len(rows) - 1`` (set together, with :meth:`show_rows`: ``start`` is
    what the front end asks for and may have moved on while the answer was on its way); ``selected``
    is the selected row (-1: none), set by a click or by Python; ``follow`` keeps the end in view as
    rows arrive; ``scroll_to`` asks the front end to bring a row into view.
    """

    _esm = (_STATIC / "frame_grid.js").read_text(encoding="utf-8")
    _css = (_STATIC / "frame_grid.css").read_text(encoding="utf-8")

    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    widths = traitlets.List(traitlets.Unicode()).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    rows_start = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    start = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    scroll_to = traitlets.Int(-1).tag(sync=True)
    row_height = traitlets.Int(22).tag(sync=True)
    visible_rows = traitlets.Int(16).tag(sync=True)
    follow = traitlets.Bool(False).tag(sync=True)
    at_end = traitlets.Bool(True).tag(sync=True)
    label = traitlets.Unicode("frames").tag(sync=True)
    empty_text = traitlets.Unicode("no frames").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("wsx-frame-grid")

    @property
    def window(self) -> int:
        """How many rows Python sends at a time: three screens, so a scroll of one is covered."""
        return max(3 * self.visible_rows, 1)

    def show_rows(self, start: int, rows: list[dict[str, Any]]) -> None:
        """Send ``rows`` as the rows from ``start`` on, in one message (the front end never draws rows
        at another window's positions)."""
        with self.hold_sync():
            self.rows_start = start
            self.rows = rows

    def reveal(self, position: int) -> None:
        """Ask the front end to scroll ``position`` into view (even if it already asked before)."""
        if self.scroll_to == position:
            self.scroll_to = -1
        self.scroll_to = position
