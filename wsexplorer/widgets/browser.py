"""The frame browser shared by LiveConnection and SessionBrowser: filters, search, a grid, an inspector.

A virtualised grid (:class:`~.grid.FrameGrid`) over a session of any size, filtered by direction,
opcode and payload length and searched by what messages say (inflated when compressed); the selected
frame opens in a :class:`~.frame.FrameInspector` in its connection's context; an export bar saves and
copies; a timeline tab draws the session; "decode as" (:mod:`.decoder_choice`) picks the subprotocol
decoder. It only displays: rows come from :mod:`wsexplorer.render.frame_table`, frames and messages
from the session's replay path.

Threads: JupyterLab may run widget callbacks on a kernel subshell (another thread, another loop) while
the connection records on the kernel's loop. Every read of the session holds its lock, every redraw
this browser's lock, and timers are scheduled on the loop that owns the browser, whatever thread asks.
Refreshes are coalesced (at most one per ``min_interval``); big sessions are replayed and searched a
slice per loop turn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np

from ..record.decoding import decoding_for
from ..record.frame_index import FrameIndex
from ..record.session import C2S, S2C, Direction, FrameRecord, Session
from ..render.frame_table import FLAGS_LEGEND, Row, grid_columns, grid_row, table_rows
from ._common import running_loop
from ._schedule import Coalesced, ErrorSink, Ticker
from .decoder_choice import DecoderChoice, close_note, decoded_message
from .export import ExportBar
from .filters import FilterBar
from .frame import FrameInspector
from .grid import FrameGrid
from .panels import Switch
from .reveal import Reveal
from .timeline_tab import TimelineTab

__all__ = ["FrameBrowser"]

_PICK_A_ROW = "Click a row (or use the arrow keys in the table) to open its frame."


class FrameBrowser:
    """Filters, search, the frame grid, the inspector and a timeline over one :class:`Session`
    (``decoder``: the "decode as" choice to start with, see :attr:`decoder`)."""

    def __init__(
        self,
        session: Session,
        *,
        visible_rows: int = 16,
        follow: bool = False,
        min_interval: float = 0.25,
        timeline_interval: float = 2.0,
        max_points: int = 5000,
        decode_frames: int = 2000,
        on_error: ErrorSink | None = None,
        decoder: str | None = None,
    ) -> None:
        self.decode_frames = decode_frames  # frames replayed per loop turn (big sessions)
        self.search_seconds = 0.03  # time a search takes per loop turn before letting the loop breathe
        self.on_error = on_error
        self._lock = threading.RLock()
        loop = running_loop()
        self._refresher = Coalesced(loop, self.refresh, min_interval, on_error)
        self._ticker = Ticker(loop, self._background_slice, on_error)
        self._index = FrameIndex(session)
        self._positions: Any = self._index.select()
        self._filter_version = -1
        self._selected: tuple[Direction, int] | None = None
        self._pending: Row | None = None  # selected, waiting for the replay to reach it
        self._rows: list[Row] = []
        self._rows_start = 0
        self.refresh_count = 0
        self.last_refresh_seconds = 0.0

        self.filters = FilterBar(
            self._guard(self._filters_changed), self._guard(lambda _c: self._fill_window())
        )
        self.decoder_choice = DecoderChoice(self._guard(self._decoder_changed), decoder)
        self._decoded_column = False
        self.grid = FrameGrid(visible_rows=visible_rows, follow=follow)
        self.grid.columns, self.grid.widths = grid_columns()
        self.grid.observe(self._guard(lambda _c: self._fill_window()), names="start")
        self.grid.observe(self._guard(self._grid_selected), names="selected")
        self.follow_toggle = W.Checkbox(value=follow, description="follow live", indent=False)
        self.follow_toggle.layout.width = "auto"
        self.follow_toggle.add_class("wsx-follow")
        self.follow_toggle.observe(self._guard(self._follow_changed), names="value")
        self.first_button = W.Button(description="first frame", icon="step-backward", tooltip="first frame")
        self.last_button = W.Button(description="last frame", icon="step-forward", tooltip="last frame")
        self.first_button.add_class("wsx-page-first")
        self.last_button.add_class("wsx-page-last")
        self.first_button.on_click(self._guard(lambda _b: self.select(0)))
        self.last_button.on_click(self._guard(lambda _b: self.select(len(self._positions) - 1)))
        self.count_label = W.HTML()
        self.count_label.add_class("wsx-page-label")
        self.legend = W.HTML(f"<span class='wsx-grid-legend'>{FLAGS_LEGEND}</span>")

        self.inspector = FrameInspector()
        self.inspector.layout.display = "none"  # nothing to show until a row is chosen
        self.selection_label = W.HTML(_PICK_A_ROW)
        self.selection_label.add_class("wsx-selection")
        self.reveal = Reveal(block="start")
        self.export = ExportBar(lambda: self.session, self.selected_frame)
        self.timeline = TimelineTab(lambda: self._index, max_points=max_points, interval=timeline_interval)
        self.timeline.on_redraw(self._guard(lambda _b: self.redraw_timeline()))

        row = W.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        navigation = W.HBox(
            [self.first_button, self.last_button, self.follow_toggle, self.count_label], layout=row
        )
        frames_tab = W.VBox(
            [
                *self.filters.rows,
                self.decoder_choice.widget,
                navigation,
                self.grid,
                self.legend,
                self.reveal,
                self.selection_label,
                self.inspector,
                self.export.widget,
            ]
        )
        self.tabs = Switch([frames_tab, self.timeline.widget], ("Frames", "Timeline"), css_class="wsx-tabs")
        self.tabs.observe(self._guard(lambda _c: self._maybe_redraw_timeline()), names="selected_index")
        self.widget = self.tabs
        self.refresh()

    # -- the filter controls, by the names notebooks and tests use ----------------------------------

    @property
    def direction_filter(self) -> Any:
        return self.filters.direction

    @property
    def opcode_filters(self) -> dict[str, Any]:
        return self.filters.opcodes

    @property
    def min_length(self) -> Any:
        return self.filters.min_length

    @property
    def max_length(self) -> Any:
        return self.filters.max_length

    @property
    def search(self) -> Any:
        return self.filters.search

    @property
    def regex(self) -> Any:
        return self.filters.regex

    @property
    def clock(self) -> Any:
        return self.filters.clock

    @property
    def min_interval(self) -> float:
        return self._refresher.min_interval

    @min_interval.setter
    def min_interval(self, value: float) -> None:
        self._refresher.min_interval = value

    # -- errors ---------------------------------------------------------------------------------------

    def _guard(self, callback: Callable[[Any], object]) -> Callable[[Any], None]:
        """Run a widget callback; a failure goes to the status line instead of a hidden kernel log."""

        def guarded(arg: Any) -> None:
            try:
                callback(arg)
            except Exception as exc:
                if self.on_error is None:
                    raise
                self.on_error(f"{type(exc).__name__}: {exc}")

        return guarded

    # -- session and filters ----------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._index.session

    def set_session(self, session: Session) -> None:
        """Show another session (a new connection's recording)."""
        with self._lock:
            self._ticker.cancel()
            self._index = FrameIndex(session)
            self._selected = None
            self._pending = None
            self.inspector.layout.display = "none"
            self.selection_label.value = _PICK_A_ROW
            self.export.selection_changed()  # nothing selected: the copy buttons empty
            self.export.result.value = ""  # a link to the other connection's export would mislead
            self.timeline.reset()
            self._filter_version = -1
        self.refresh()

    def set_filters(
        self,
        direction: str | None = None,
        opcodes: set[str] | None = None,
        *,
        search: str | None = None,
        regex: bool | None = None,
    ) -> None:
        """Set several filters at once (``direction``: both / c2s / s2c; ``opcodes``: group names)."""
        self.filters.set(direction, opcodes, search=search, regex=regex)

    @property
    def decoder(self) -> str | None:
        """The "decode as" choice: ``None`` the negotiated subprotocol's decoder, ``""`` (or ``"raw"``)
        none, else a registered decoder's name (``"socket.io"``, ``"json"``...)."""
        return self.decoder_choice.value

    @decoder.setter
    def decoder(self, decoder: str | None) -> None:
        self.decoder_choice.value = decoder  # ValueError for a name no decoder answers to

    def _decoder_changed(self, _decoder: str | None) -> None:
        """Redraw the rows, and the open frame, with the chosen decoder."""
        with self._lock:
            self.refresh()
            if self._selected is not None and self.grid.selected >= 0 and self.inspector_open:
                self.select(self.grid.selected)

    def _filters_changed(self, _change: Any) -> None:
        self._filter_version = -1
        self.refresh()

    def _select_positions(self) -> None:
        selection = self.filters.selection()
        budget = self._search_budget()
        self._positions = self._index.select(
            **selection, search_frames=budget.get("frames"), search_stop=budget.get("stop")
        )
        if selection["search"] and not self._index.search_complete:
            self._ticker.start()

    def _search_budget(self) -> dict[str, Any]:
        """In a running loop a search takes slices (the rest runs between loop turns); else all at once."""
        if running_loop() is None:
            return {}
        deadline = time.perf_counter() + self.search_seconds
        return {"frames": self.decode_frames, "stop": lambda: time.perf_counter() > deadline}

    # -- refreshing -------------------------------------------------------------------------------------

    def schedule_refresh(self) -> None:
        """Refresh soon, at most once per ``min_interval`` (safe from any thread)."""
        self._refresher.request()

    def cancel(self) -> None:
        """Stop pending refreshes and background work (the widget is going away)."""
        self._refresher.cancel()
        self._ticker.cancel()

    def refresh(self) -> None:
        """Re-read the session, re-apply the filters, and redraw the rows in view (now)."""
        started = time.perf_counter()
        with self._lock:
            grew = self._index.update()
            if grew or self._filter_version != self._index.version:
                self._select_positions()
                self._filter_version = self._index.version
                self._keep_selection()
            total = len(self._positions)
            grid = self.grid
            grid.total = total
            self.filters.show_counts(self._index.group_counts(self.filters.directions))
            # a "decoded" column when a decoder applies (a live handshake may have just named one)
            self._decoded_column = self.decoder_choice.show_session(self.session, self.grid)
            if self.follow_toggle.value and total:
                grid.start = max(0, total - grid.visible_rows)
            self._fill_window()
            searching = self.filters.pattern and not self._index.search_complete
            note = " (searching… the whole session is being read)" if searching else ""
            self.count_label.value = f"{total:,} of {len(self._index):,} frames shown{note}"
            self.clock.disabled = "clock" not in self.session.meta
        self.refresh_count += 1
        self._refresher.done()
        self.last_refresh_seconds = time.perf_counter() - started
        self._maybe_redraw_timeline()

    def _fill_window(self) -> None:
        with self._lock:
            grid = self.grid
            start = max(0, min(grid.start, max(len(self._positions) - grid.window, 0)))
            limit = self.decode_frames if running_loop() is not None else None
            rows = self._table(start, start + grid.window, limit)
            absolute, decoded = self.filters.absolute_time, self._decoded_column
            grid.show_rows(start, [grid_row(r, absolute=absolute, decoded=decoded) for r in rows])
            self._rows = rows
            self._rows_start = start
            if self._index.decode_pending:
                self._ticker.start()

    def _table(self, start: int, stop: int, budget: int | None) -> list[Row]:
        return table_rows(
            self._index, self._positions, start, stop, decode_limit=budget, decoder=self.decoder
        )

    def _background_slice(self) -> bool:
        """One slice of replaying (for previews, an opening frame, then search); True if more remain."""
        with self._lock:
            more = self._index.decode_step(self.decode_frames)
            pending = self._pending
            if pending is not None and self._index.ready(pending.direction, pending.index, 0):
                self._pending = None
                self._open(pending)
            if self.filters.pattern and not self._index.search_complete:
                if self._index.search_step(**self._search_budget()):
                    self._filter_version = -1  # the next refresh shows what was found
                more = more or not self._index.search_complete
        self.schedule_refresh()
        return more

    # -- rows and selection -------------------------------------------------------------------------------

    def table_rows(self) -> list[Row]:
        """The rows the grid holds now (the window around what is on screen)."""
        return list(self._rows)

    @property
    def selected(self) -> tuple[Direction, int] | None:
        """(direction, index) of the selected frame, if any."""
        return self._selected

    def selected_frame(self) -> FrameRecord | None:
        """The selected frame's record (with its place in the session), or None."""
        return None if self._selected is None else self.session.frame(*self._selected)

    def _grid_selected(self, change: Any) -> None:
        position = int(change["new"])
        if position >= 0 and (self._selected is None or self._row_at(position) != self._selected):
            self.select(position)

    def _keep_selection(self) -> None:
        """After the rows changed, mark the selected frame's new row (or none, if filtered out)."""
        position = -1
        if self._selected is not None:
            p = self._index.position_of(*self._selected)
            k = int(np.searchsorted(self._positions, p))
            if k < len(self._positions) and int(self._positions[k]) == p:
                position = k
        if self.grid.selected != position:
            self.grid.selected = position

    def _row_at(self, position: int) -> tuple[Direction, int] | None:
        if not 0 <= position < len(self._positions):
            return None
        p = int(self._positions[position])
        return (C2S if self._index.direction[p] == 0 else S2C), int(self._index.index[p])

    def select(self, position: int) -> Row:
        """Open the frame at ``position`` of the filtered table in the inspector, in its context.

        In a running loop, a frame whose receiver has not yet taken the frames before it (deep in a
        compressed session) opens as soon as a background replay gets there; the label says so.
        """
        with self._lock:
            if not 0 <= position < len(self._positions):
                raise IndexError(f"no row {position}: the table shows {len(self._positions)} frames")
            budget = self.decode_frames if running_loop() is not None else None
            (row,) = self._table(position, position + 1, budget)
            self._selected = row.key
            self._pending = None
            if self.grid.selected != position:
                self.grid.selected = position
            self.grid.reveal(position)
            if not self._rows_start <= position < self._rows_start + len(self._rows):
                self.grid.start = max(0, position - self.grid.visible_rows // 2)
            self._fill_window()
            self.export.selection_changed()
            if self._index.ready(row.direction, row.index, budget):
                self._open(row)
            else:
                self._pending = row
                self.selection_label.value = (
                    f"<b>Frame #{row.number}</b>: reading the frames before it on its connection, to "
                    "judge it in context (compression depends on every earlier message)…"
                )
                self._ticker.start()
            return row

    def _open(self, row: Row) -> None:
        """Show ``row``'s frame in the inspector, judged by its connection's receiver."""
        record = self.session.frame(*row.key)
        sender = "client → server" if row.direction == C2S else "server → client"
        decoding = decoding_for(self.session, self.decoder)
        note = close_note(decoding, record)
        self.selection_label.value = (
            f"<b>Frame #{row.number}</b> ({sender}): {row.wire_length:,} bytes at stream offset "
            f"{record.offset:,}, t = {row.clock()} s" + (f"<br>{note}" if note else "")
        )
        self.inspector.layout.display = None
        replay = self.session.replay(row.direction)
        replayed = record.in_context()
        decoded = decoded_message(decoding, row.direction, replayed.message)
        self.inspector.show_in_context(replayed, number=row.number, replay=replay, decoded=decoded)

    @property
    def inspector_open(self) -> bool:
        """True when the inspector is shown (a row was chosen, or a frame is being built)."""
        return bool(self.inspector.layout.display != "none")

    def open_builder(self) -> None:
        """Show the inspector on its "Build a frame" tab (starting from the selected frame, if any)."""
        with self._lock:
            self.inspector.layout.display = None
            if self._selected is None:
                self.selection_label.value = (
                    "Building a frame by hand: set its bits below, then send it with "
                    "“Send the inspector's frame”."
                )
            self.inspector.source_tabs.selected_index = 1
        self.reveal.show()

    def _follow_changed(self, change: Any) -> None:
        self.grid.follow = bool(change["new"])
        self.refresh()

    # -- timeline -----------------------------------------------------------------------------------------

    @property
    def timeline_visible(self) -> bool:
        return bool(self.tabs.selected_index == 1)

    def _maybe_redraw_timeline(self) -> None:
        if not self.timeline_visible or not self.timeline.stale():
            return
        if self.timeline.due():
            self.redraw_timeline()
        else:
            self.schedule_refresh()

    def redraw_timeline(self) -> None:
        """Draw the timeline of the whole session (decimated) now."""
        with self._lock:
            self.timeline.draw()
