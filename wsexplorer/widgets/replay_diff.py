"""A comparison in a widget: choose the direction, hide what is the same, read the differences.

:class:`DiffViewer` shows a :class:`~wsexplorer.record.diff.SessionDiff` (a replay's ``result.diff``,
or a relay connection's ``diff()``) with :func:`wsexplorer.render.diff.diff_html`: the server's answers
first (what a replay is for), the client's side on request. It only displays.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..record.diff import SessionDiff
from ..record.session import C2S, S2C
from ..render.diff import diff_html

__all__ = ["DiffViewer"]

_CHOICES = (("server → client", "s2c"), ("client → server", "c2s"), ("both", "both"))


class DiffViewer:
    """``DiffViewer(result)`` for a replay result (anything with a ``diff``) or a SessionDiff itself."""

    def __init__(self, diff: SessionDiff | Any, *, limit: int = 500) -> None:
        self.diff: SessionDiff = diff if isinstance(diff, SessionDiff) else diff.diff
        self.limit = limit
        self.direction = W.ToggleButtons(options=_CHOICES, value="s2c", style={"button_width": "120px"})
        self.direction.add_class("wsx-diff-direction")
        self.only_differences = W.Checkbox(value=False, description="only differences", indent=False)
        self.only_differences.layout.width = "auto"
        self.only_differences.add_class("wsx-diff-only")
        self.view = W.HTML()
        self.view.add_class("wsx-diff-view")
        for control in (self.direction, self.only_differences):
            control.observe(lambda _c: self.redraw(), names="value")
        row = W.HBox([self.direction, self.only_differences], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([row, self.view])
        self.widget.add_class("wsx-diff-viewer")
        self.redraw()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def redraw(self) -> None:
        """Draw the diff for the direction chosen."""
        keep = {"s2c": (S2C,), "c2s": (C2S,), "both": (C2S, S2C)}[self.direction.value]
        self.view.value = diff_html(
            self.diff,
            only_differences=self.only_differences.value,
            limit=self.limit,
            directions=tuple(int(d) for d in keep),
        )
