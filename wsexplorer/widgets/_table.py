"""The frame browser shared by :class:`LiveConnection` and :class:`SessionBrowser`.

A page of clickable rows over a session of any size (filters by direction and opcode, first / previous /
next / last, "follow live"), a :class:`~wsexplorer.widgets.frame.FrameInspector` for the selected row,
and a timeline figure. It only displays: rows come from :mod:`wsexplorer.render.frame_table`, the figure
from :mod:`wsexplorer.render.timeline`, frames from the :class:`~wsexplorer.record.session.Session`.

Updates are throttled: :meth:`FrameBrowser.schedule_refresh` coalesces any number of calls (one per
received frame, say) into one refresh at most every ``min_interval`` seconds, scheduled with
``loop.call_later``; the timeline is redrawn only while its tab is shown, at most every
``timeline_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..record.session import C2S, S2C, Session
from ..render.frame_table import (
    HEADER_TEXT,
    OPCODE_GROUPS,
    ROW_BUTTONS_CSS,
    ROW_HEIGHT,
    FrameIndex,
    Row,
    row_classes,
    row_text,
)
from ..render.timeline import Timeline, legend_html
from ._common import running_loop
from .frame import FrameInspector

__all__ = ["FrameBrowser"]

_DIRECTIONS: dict[str, tuple[int, ...] | None] = {"both": None, "c2s": (C2S,), "s2c": (S2C,)}

ErrorSink = Callable[[str], None]


class FrameBrowser:
    """Filters, a page of rows, an inspector and a timeline over one :class:`Session`.

    ``widget`` is the ipywidgets tree to display. ``on_error`` receives a message when a callback fails
    (the owner shows it in its status line). ``follow`` keeps the last page shown as frames arrive.
    """

    def __init__(
        self,
        session: Session,
        *,
        page_size: int = 50,
        follow: bool = False,
        min_interval: float = 0.25,
        timeline_interval: float = 2.0,
        max_points: int = 5000,
        on_error: ErrorSink | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self.page_size = page_size
        self.min_interval = min_interval
        self.timeline_interval = timeline_interval
        self.max_points = max_points
        self.on_error = on_error
        self._index = FrameIndex(session)
        self._version = -1
        self._positions: Any = self._index.select()
        self._start = 0
        self._rows: list[Row] = []
        self._selected: tuple[int, int] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._decode_handle: asyncio.Handle | None = None
        self.decode_frames = 2000  # frames inflated per loop iteration (permessage-deflate sessions)
        self._last_refresh = 0.0
        self._timeline_version = -1
        self._last_timeline = 0.0
        self._muted = False  # set while filters are changed together
        self.refresh_count = 0

        # -- filters
        self.direction_filter = W.ToggleButtons(
            options=[("both", "both"), ("C→S", "c2s"), ("S→C", "s2c")],
            value="both",
            tooltips=["both directions", "client to server only", "server to client only"],
            style={"button_width": "64px"},
        )
        self.direction_filter.add_class("wsx-filter-direction")
        self.opcode_filters: dict[str, Any] = {}
        for name in OPCODE_GROUPS:
            toggle = W.ToggleButton(value=True, description=name, layout=W.Layout(width="auto"))
            toggle.add_class("wsx-filter-op")
            toggle.add_class(f"wsx-filter-op-{name}")
            toggle.observe(self._guard(self._filters_changed), names="value")
            self.opcode_filters[name] = toggle
        self.direction_filter.observe(self._guard(self._filters_changed), names="value")

        # -- pager
        def pager(icon: str, tip: str, cls: str, action: Callable[[], None]) -> Any:
            button = W.Button(icon=icon, tooltip=tip, layout=W.Layout(width="36px"))
            button.add_class(cls)
            button.on_click(self._guard(lambda _b: action()))
            return button

        self.first_button = pager("step-backward", "first page", "wsx-page-first", self.first_page)
        self.prev_button = pager("chevron-left", "previous page", "wsx-page-prev", self.prev_page)
        self.next_button = pager("chevron-right", "next page", "wsx-page-next", self.next_page)
        self.last_button = pager("step-forward", "last page", "wsx-page-last", self.last_page)
        self.follow_toggle = W.Checkbox(value=follow, description="follow live", indent=False)
        self.follow_toggle.layout.width = "auto"
        self.follow_toggle.add_class("wsx-follow")
        self.follow_toggle.observe(self._guard(lambda _c: self.refresh()), names="value")
        self.page_label = W.Label()
        self.page_label.add_class("wsx-page-label")

        # -- the table: a header and page_size clickable rows, reused from page to page
        self.header = W.HTML(
            ROW_BUTTONS_CSS + f'<div class="wsx-frame-header">{html.escape(HEADER_TEXT)}</div>'
        )
        self.row_buttons: list[Any] = []
        for k in range(page_size):
            button = W.Button(layout=W.Layout(width="100%", height=ROW_HEIGHT, display="none"))
            button._dom_classes = ("wsx-frame-row",)
            button.on_click(self._guard(self._row_clicked(k)))
            self.row_buttons.append(button)
        rows_box = W.VBox(self.row_buttons, layout=W.Layout(max_height="560px", overflow="auto"))
        self.table = W.VBox([self.header, rows_box], layout=W.Layout(width="100%"))
        self.table.add_class("wsx-frame-table")

        # -- inspector
        self.inspector = FrameInspector()
        self.selection_label = W.HTML("<i>select a row to inspect its frame</i>")
        self.selection_label.add_class("wsx-selection")
        self.inspector_box = W.VBox([self.selection_label, self.inspector])
        self.inspector_box.add_class("wsx-frame-inspector-box")

        # -- timeline
        self.timeline_image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.timeline_image.add_class("wsx-timeline")
        self.timeline_button = W.Button(description="redraw", icon="refresh", layout=W.Layout(width="auto"))
        self.timeline_button.add_class("wsx-timeline-redraw")
        self.timeline_button.on_click(self._guard(lambda _b: self.redraw_timeline()))
        self.timeline_label = W.Label("")
        self.timeline_legend = W.HTML(legend_html())
        self._timeline: Timeline | None = None  # built on first draw, then only its data changes

        filters = W.HBox(
            [self.direction_filter, *self.opcode_filters.values()],
            layout=W.Layout(flex_flow="row wrap", align_items="center"),
        )
        pager_bar = W.HBox(
            [
                self.first_button,
                self.prev_button,
                self.next_button,
                self.last_button,
                self.page_label,
                self.follow_toggle,
            ],
            layout=W.Layout(align_items="center", grid_gap="6px"),
        )
        frames_tab = W.VBox([filters, pager_bar, self.table, self.inspector_box])
        timeline_tab = W.VBox(
            [W.HBox([self.timeline_button, self.timeline_label]), self.timeline_legend, self.timeline_image]
        )
        self.tabs = W.Tab(children=[frames_tab, timeline_tab], titles=("Frames", "Timeline"))
        self.tabs.observe(self._guard(lambda _c: self._maybe_redraw_timeline()), names="selected_index")
        self.widget = self.tabs
        self.refresh()

    # -- errors -------------------------------------------------------------------------------------------

    def _report(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if self.on_error is None:
            raise exc
        self.on_error(message)

    def _guard(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """Run a widget callback; a failure goes to the status line instead of a hidden kernel log."""

        def guarded(arg: Any) -> None:
            try:
                callback(arg)
            except Exception as exc:
                self._report(exc)

        return guarded

    # -- session and filters ----------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._index.session

    def set_session(self, session: Session) -> None:
        """Browse another session (a new connection, a loaded file)."""
        self._index = FrameIndex(session)
        self._version = -1
        self._timeline_version = -1
        self._selected = None
        self._start = 0
        self.selection_label.value = "<i>select a row to inspect its frame</i>"
        self.refresh()

    @property
    def directions(self) -> tuple[int, ...] | None:
        return _DIRECTIONS[self.direction_filter.value]

    @property
    def opcodes(self) -> tuple[int, ...] | None:
        chosen = [name for name, toggle in self.opcode_filters.items() if toggle.value]
        if len(chosen) == len(self.opcode_filters):
            return None
        return tuple(op for name in chosen for op in OPCODE_GROUPS[name])

    def set_filters(self, direction: str | None = None, opcodes: set[str] | None = None) -> None:
        """Set the filters at once: ``direction`` is ``"both"``, ``"c2s"`` or ``"s2c"``; ``opcodes`` names
        groups of :data:`~wsexplorer.render.frame_table.OPCODE_GROUPS` (``None``: leave as is)."""
        if opcodes is not None and set(opcodes) - set(OPCODE_GROUPS):
            raise ValueError(f"unknown opcode groups {sorted(set(opcodes) - set(OPCODE_GROUPS))}")
        self._muted = True
        try:
            if direction is not None:
                self.direction_filter.value = direction
            if opcodes is not None:
                for name, toggle in self.opcode_filters.items():
                    toggle.value = name in opcodes
        finally:
            self._muted = False
        self._filters_changed(None)

    def _filters_changed(self, _change: Any) -> None:
        if self._muted:
            return
        self._positions = self._index.select(self.directions, self.opcodes)
        self._start = 0
        self._update_counts()
        self.refresh()

    def _update_counts(self) -> None:
        counts = self._index.group_counts(self.directions)
        for name, toggle in self.opcode_filters.items():
            toggle.description = f"{name} {counts[name]:,}"

    # -- pages ------------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows that pass the filters (not only the shown page)."""
        return len(self._positions)

    @property
    def page_start(self) -> int:
        return self._start

    def _go(self, start: int, *, follow: bool | None = None) -> None:
        if follow is not None and self.follow_toggle.value != follow:
            self._muted_follow(follow)
        self._start = start
        self.refresh()

    def _muted_follow(self, value: bool) -> None:
        self._muted = True  # the observer would refresh once more
        try:
            self.follow_toggle.value = value
        finally:
            self._muted = False

    def first_page(self) -> None:
        self._go(0, follow=False)

    def prev_page(self) -> None:
        self._go(self._start - self.page_size, follow=False)

    def next_page(self) -> None:
        self._go(self._start + self.page_size)

    def last_page(self) -> None:
        self._go(len(self._positions))

    # -- refreshing -------------------------------------------------------------------------------------

    def schedule_refresh(self) -> None:
        """Refresh soon, at most once per ``min_interval`` however often this is called."""
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain script): refresh now
            self.refresh()
            return
        delay = max(0.0, self._last_refresh + self.min_interval - time.monotonic())
        self._handle = loop.call_later(delay, self._scheduled)

    def _scheduled(self) -> None:
        self._handle = None
        try:
            self.refresh()
        except Exception as exc:  # a timer callback: nobody else would see it
            self._report(exc)

    def cancel(self) -> None:
        """Drop a scheduled refresh or decoding step (when the owner shuts down)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._decode_handle is not None:
            self._decode_handle.cancel()
            self._decode_handle = None

    def _schedule_decode(self) -> None:
        """Inflate what the page needs a slice at a time, yielding to the loop in between."""
        loop = running_loop()
        if self._decode_handle is None and loop is not None:
            self._decode_handle = loop.call_soon(self._decode_tick)

    def _decode_tick(self) -> None:
        self._decode_handle = None
        try:
            if self._index.decode_step(self.decode_frames):
                self._schedule_decode()
            else:
                self.refresh()  # the page's rows, now with their messages
        except Exception as exc:  # a loop callback: nobody else would see it
            self._report(exc)

    def refresh(self) -> None:
        """Bring the page up to date with the session now (new frames, filters, page, follow)."""
        if self._muted:
            return
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._last_refresh = time.monotonic()
        self.refresh_count += 1
        self._index.update()
        if self._index.version != self._version:
            self._version = self._index.version
            self._positions = self._index.select(self.directions, self.opcodes)
            self._update_counts()
        n = len(self._positions)
        last = max(0, n - self.page_size)
        self._start = last if self.follow_toggle.value else min(max(self._start, 0), last)
        # Without a running loop nothing else can run meanwhile: inflate what the page needs at once.
        limit = self.decode_frames if running_loop() is not None else None
        self._rows = self._index.rows(
            self._positions, self._start, self._start + self.page_size, decode_limit=limit
        )
        self._render_rows()
        stop = self._start + len(self._rows)
        total = len(self._index)
        label = f"rows {self._start + 1 if n else 0:,}–{stop:,} of {n:,}"
        if n != total:
            label += f" (filtered from {total:,} frames)"
        if self._index.decode_pending:
            label += " — inflating compressed messages…"
            self._schedule_decode()
        self.page_label.value = label
        at_start, at_end = self._start == 0, stop >= n
        self.first_button.disabled = self.prev_button.disabled = at_start
        self.next_button.disabled = self.last_button.disabled = at_end
        self._maybe_redraw_timeline()

    def _render_rows(self) -> None:
        for k, button in enumerate(self.row_buttons):
            if k < len(self._rows):
                row = self._rows[k]
                button.description = row_text(row)
                button.tooltip = (
                    f"{'client→server' if row.direction == C2S else 'server→client'} frame #{row.index}, "
                    f"{row.wire_length} bytes on the wire: click to inspect"
                )
                button._dom_classes = tuple(row_classes(row, selected=row.key == self._selected))
                button.layout.display = None
            else:
                button.layout.display = "none"

    # -- rows and selection -------------------------------------------------------------------------------

    def _row_clicked(self, k: int) -> Callable[[Any], None]:
        def clicked(_button: Any) -> None:
            self.select(k)

        return clicked

    def table_rows(self) -> list[Row]:
        """The rows currently rendered (one page at most)."""
        return list(self._rows)

    @property
    def selected(self) -> tuple[int, int] | None:
        """(direction, index) of the selected frame, if any."""
        return self._selected

    def select(self, row_index: int) -> Row:
        """Open the frame of shown row ``row_index`` in the inspector."""
        if not 0 <= row_index < len(self._rows):
            raise IndexError(f"row {row_index} is not shown (the page has {len(self._rows)} rows)")
        row = self._rows[row_index]
        record = self.session.frame(row.direction, row.index)
        self._selected = row.key
        self.selection_label.value = html.escape(
            f"{record.direction_name} frame #{row.index}: {row.wire_length} bytes at stream offset "
            f"{record.offset}, t = {row.time_s:.6f} s — {record.frame.summary()}"
        )
        self.inspector.show_in_context(record.in_context())
        for button, shown in zip(self.row_buttons, self._rows, strict=False):
            button._dom_classes = tuple(row_classes(shown, selected=shown.key == self._selected))
        return row

    # -- timeline -----------------------------------------------------------------------------------------

    @property
    def timeline_visible(self) -> bool:
        return bool(self.tabs.selected_index == 1)

    def _maybe_redraw_timeline(self) -> None:
        if not self.timeline_visible or self._timeline_version == self._index.version:
            return
        wait = self._last_timeline + self.timeline_interval - time.monotonic()
        if wait <= 0:
            self.redraw_timeline()
        elif self._handle is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._handle = loop.call_later(wait, self._scheduled)

    def redraw_timeline(self) -> None:
        """Draw the timeline of the whole session (decimated) into the image now."""
        self._index.update()
        if self._timeline is None:
            self._timeline = Timeline(max_points=self.max_points, legend=False)
        self._timeline.update(self._index)
        png = self._timeline.png()
        self._timeline_version = self._index.version
        self._last_timeline = time.monotonic()
        self.timeline_image.value = png
        self.timeline_label.value = f"{len(self._index):,} frames"
