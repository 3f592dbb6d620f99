"""Tabs and collapsible sections made of buttons, so both themes stay legible.

ipywidgets' ``Tab`` and ``Accordion`` draw their titles in colours that fail WCAG contrast in
JupyterLab's themes (axe-core finds every inactive tab and every accordion title), and a notebook's
outputs are read in both. :class:`Switch` (one panel at a time, chosen with toggle buttons) and
:class:`Disclosure` (a panel shown or hidden by a toggle button) use JupyterLab's own button styles,
which pass. ``Switch.selected_index`` behaves as ``Tab.selected_index`` (observe it by that name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as W
import traitlets

__all__ = ["Disclosure", "Switch"]


class Switch(W.VBox):  # type: ignore[misc]
    """Panels shown one at a time; ``titles`` label the buttons that choose them."""

    selected_index = traitlets.Int(0)

    def __init__(self, children: Sequence[Any], titles: Sequence[str], *, css_class: str = "") -> None:
        self.toggle = W.ToggleButtons(
            options=[(title, i) for i, title in enumerate(titles)], value=0, style={"button_width": "auto"}
        )
        self.toggle.add_class("wsx-switch")
        if css_class:
            self.toggle.add_class(css_class)
        self.panels = list(children)
        super().__init__(children=[self.toggle, *self.panels])
        self.toggle.observe(self._chosen, names="value")
        self.observe(self._show, names="selected_index")
        self._show(None)

    def _chosen(self, change: Any) -> None:
        self.selected_index = int(change["new"])

    def _show(self, _change: Any) -> None:
        if self.toggle.value != self.selected_index:
            self.toggle.value = self.selected_index
        for i, panel in enumerate(self.panels):
            panel.layout.display = None if i == self.selected_index else "none"


class Disclosure(W.VBox):  # type: ignore[misc]
    """A panel under a toggle button that shows or hides it (``expanded``; not ``open``, which is the
    widget's own method)."""

    def __init__(self, panel: Any, title: str, *, expanded: bool = False, css_class: str = "") -> None:
        self.button = W.ToggleButton(value=expanded, description=title, icon="caret-right")
        self.button.layout.width = "auto"
        if css_class:
            self.button.add_class(css_class)
        self.panel = panel
        super().__init__(children=[self.button, panel])
        self.button.observe(lambda _c: self._show(), names="value")
        self._show()

    @property
    def expanded(self) -> bool:
        return bool(self.button.value)

    @expanded.setter
    def expanded(self, value: bool) -> None:
        self.button.value = value

    def _show(self) -> None:
        self.panel.layout.display = None if self.button.value else "none"
        self.button.icon = "caret-down" if self.button.value else "caret-right"
