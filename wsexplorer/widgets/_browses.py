"""The table API that LiveConnection and SessionBrowser share, on top of their frame browser."""

from __future__ import annotations

from typing import Any

from ..render.frame_table import Row
from .browser import FrameBrowser

__all__ = ["BrowsesFrames"]


class BrowsesFrames:
    """What LiveConnection and SessionBrowser share: a :class:`FrameBrowser` in ``self.browser`` and
    the same table API on top of it."""

    browser: FrameBrowser

    @property
    def inspector(self) -> Any:
        """The :class:`~wsexplorer.widgets.frame.FrameInspector` showing the selected frame."""
        return self.browser.inspector

    @property
    def export(self) -> Any:
        """The :class:`~wsexplorer.widgets.export.ExportBar` (save, CSV, JSON, copy)."""
        return self.browser.export

    def table_rows(self) -> list[Row]:
        """The rows the frame table holds now (the window around what is in view)."""
        return self.browser.table_rows()

    def select(self, position: int) -> Row:
        """Open the frame at ``position`` of the (filtered) table in the inspector."""
        return self.browser.select(position)

    def refresh(self) -> None:
        """Update the table (and the timeline if shown) now, without waiting for the throttle."""
        self.browser.refresh()
