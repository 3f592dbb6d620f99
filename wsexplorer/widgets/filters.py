"""The frame table's filters: direction, opcode groups, payload length, search, and the time column.

:class:`FilterBar` holds the controls and turns their values into the arguments of
:meth:`FrameIndex.select <wsexplorer.record.frame_index.FrameIndex.select>`; it filters nothing itself.
A value the user mistyped (a length that is not a number) raises ValueError with words for a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..record.frame_index import OPCODE_GROUPS
from ..record.session import C2S, S2C

__all__ = ["FilterBar"]

_DIRECTIONS: dict[str, tuple[int, ...] | None] = {"both": None, "c2s": (C2S,), "s2c": (S2C,)}


class FilterBar:
    """The filter controls; ``changed()`` is called when a filter changes, ``clock_changed()`` when
    the time column switches between seconds since the first byte and clock time."""

    def __init__(self, changed: Callable[[Any], None], clock_changed: Callable[[Any], None]) -> None:
        self._changed = changed
        self._muted = False
        self.direction = W.ToggleButtons(
            options=[("both", "both"), ("C→S", "c2s"), ("S→C", "s2c")],
            value="both",
            description="direction",
            tooltips=["both directions", "client to server only", "server to client only"],
            style={"button_width": "auto"},
        )
        self.direction.add_class("wsx-filter-direction")
        self.opcodes: dict[str, Any] = {}
        for name in OPCODE_GROUPS:
            toggle = W.ToggleButton(value=True, description=name, tooltip=f"show {name} frames")
            toggle.layout.width = "auto"
            toggle.add_class("wsx-filter-op")
            toggle.add_class(f"wsx-filter-op-{name}")
            self.opcodes[name] = toggle
        self.min_length = W.Text(description="length ≥", placeholder="bytes", layout=W.Layout(width="150px"))
        self.max_length = W.Text(description="length ≤", placeholder="bytes", layout=W.Layout(width="150px"))
        self.min_length.add_class("wsx-filter-min")
        self.max_length.add_class("wsx-filter-max")
        self.search = W.Text(
            description="search",
            placeholder="words in messages (binary: hex such as 00 ff)",
            continuous_update=False,
            layout=W.Layout(width="420px"),
        )
        self.search.add_class("wsx-search")
        self.regex = W.Checkbox(value=False, description="regular expression", indent=False)
        self.regex.layout.width = "auto"
        self.regex.add_class("wsx-search-regex")
        self.clock = W.ToggleButtons(
            options=[("since first byte", "relative"), ("clock time", "absolute")],
            value="relative",
            description="time",
            tooltips=["seconds since the connection's first byte", "the time of day the frame arrived"],
            style={"button_width": "auto"},
        )
        self.clock.add_class("wsx-clock")
        for control in (self.direction, self.min_length, self.max_length, self.search, self.regex):
            control.observe(self._on_change, names="value")
        for toggle in self.opcodes.values():
            toggle.observe(self._on_change, names="value")
        self.clock.observe(clock_changed, names="value")
        row = W.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        self.rows = [
            W.HBox([self.direction, self.min_length, self.max_length], layout=row),
            W.HBox(list(self.opcodes.values()), layout=row),
            W.HBox([self.search, self.regex, self.clock], layout=row),
        ]

    def _on_change(self, change: Any) -> None:
        if not self._muted:
            self._changed(change)

    def set(
        self,
        direction: str | None = None,
        opcodes: set[str] | None = None,
        *,
        search: str | None = None,
        regex: bool | None = None,
    ) -> None:
        """Set several filters at once, then report one change (``direction``: both / c2s / s2c)."""
        self._muted = True
        try:
            if direction is not None:
                self.direction.value = direction
            if opcodes is not None:
                for name, toggle in self.opcodes.items():
                    toggle.value = name in opcodes
            if regex is not None:
                self.regex.value = regex
            if search is not None:
                self.search.value = search
        finally:
            self._muted = False
        self._changed(None)

    @property
    def directions(self) -> tuple[int, ...] | None:
        """The directions shown (None: both)."""
        return _DIRECTIONS[self.direction.value]

    @property
    def pattern(self) -> str:
        return str(self.search.value).strip()

    def selection(self) -> dict[str, Any]:
        """The arguments of :meth:`FrameIndex.select` for the filters as set."""
        return {
            "directions": self.directions,
            "opcodes": [c for name, t in self.opcodes.items() if t.value for c in OPCODE_GROUPS[name]],
            "min_length": _length(self.min_length),
            "max_length": _length(self.max_length),
            "search": self.pattern,
            "regex": bool(self.regex.value),
        }

    def show_counts(self, counts: dict[str, int]) -> None:
        """Write each opcode group's number of frames on its toggle."""
        for name, toggle in self.opcodes.items():
            toggle.description = f"{name} {counts[name]:,}"

    @property
    def absolute_time(self) -> bool:
        return bool(self.clock.value == "absolute")


def _length(control: Any) -> int | None:
    text = str(control.value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{control.description} wants a whole number of bytes, not {text!r}")
    return int(text)
