"""The frame browser's timeline tab: the session drawn by :class:`~wsexplorer.render.timeline.Timeline`.

The figure is drawn only while the tab is shown, at most once per ``interval`` seconds during a live
connection (a redraw button draws it at once), and sent as an ``<img>`` with a text alternative that
says what it shows, so a screen reader user gets the numbers too.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..record.frame_index import FrameIndex
from ..render.timeline import Timeline, legend_html

__all__ = ["TimelineTab"]


class TimelineTab:
    """A redraw button, the legend and the figure; :meth:`draw` draws ``index()`` now."""

    def __init__(self, index: Callable[[], FrameIndex], *, max_points: int, interval: float) -> None:
        self._index = index
        self.max_points = max_points
        self.interval = interval
        self.version = -1
        self.last = 0.0
        self.png = b""
        self._timeline: Timeline | None = None
        self.button = W.Button(description="redraw", icon="refresh", tooltip="redraw the timeline now")
        self.button.add_class("wsx-timeline-redraw")
        self.label = W.HTML("")
        self.image = W.HTML("")
        self.image.add_class("wsx-timeline")
        self.widget = W.VBox([W.HBox([self.button, self.label]), W.HTML(legend_html()), self.image])

    def due(self) -> bool:
        """True when the session changed since the last drawing and ``interval`` has passed."""
        return self.version != self._index().version and time.monotonic() - self.last >= self.interval

    def stale(self) -> bool:
        return self.version != self._index().version

    def draw(self) -> None:
        """Draw the whole session (decimated to ``max_points`` markers) into the tab now."""
        index = self._index()
        index.update()
        if self._timeline is None:
            self._timeline = Timeline(max_points=self.max_points, legend=False)
        self._timeline.update(index)
        self.png = self._timeline.png()
        self.version = index.version
        self.last = time.monotonic()
        alt = self._timeline.describe()
        data = base64.b64encode(self.png).decode("ascii")
        self.image.value = (
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
            'style="max-width:100%; height:auto">'
        )
        self.label.value = f"<span class='wsx-timeline-count'>{len(index):,} frames</span>"

    def reset(self) -> None:
        """Forget the drawing (a new session)."""
        self._timeline = None
        self.version = -1
        self.png = b""
        self.image.value = ""
        self.label.value = ""

    def on_redraw(self, callback: Callable[[Any], None]) -> None:
        self.button.on_click(callback)
