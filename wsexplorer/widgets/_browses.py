"""The table API that LiveConnection and SessionBrowser share, on top of their frame browser."""

from __future__ import annotations

from typing import Any

from ..render.frame_table import Row
from ._table import FrameBrowser

__all__ = ["BrowsesFrames"]


class BrowsesFrames:
    """What LiveConnection and SessionBrowser share: a :class:`FrameBrowser` in ``self.browser`` and
    the same table API on top of it."""

    browser: FrameBrowser

    @property
    def inspector(self) -> Any:
        """The :class:`~wsexplorer.widgets.frame.FrameInspector` showing the selected frame."""
        return self.browser.inspector

    def table_rows(self) -> list[Row]:
        """The rows currently rendered in the frame table."""
        return self.browser.table_rows()

    def select(self, row_index: int) -> Row:
        """Open the frame of rendered row ``row_index`` in the inspector."""
        return self.browser.select(row_index)

    def refresh(self) -> None:
        """Update the table (and the timeline if shown) now, without waiting for the throttle."""
        self.browser.refresh()
