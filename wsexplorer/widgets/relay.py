"""Watch a relay live: both legs of a relayed connection side by side, what the relay changed, the diff.

:class:`RelayMonitor` shows a running :class:`~wsexplorer.live.relay.Relay`: a picker of its connections
(new ones are shown as they come), the client leg and the upstream leg each in a
:class:`~wsexplorer.widgets.browser.FrameBrowser` (filters, search, inspector, timeline), side by side,
the relay's change log, and the two legs compared message by message (:mod:`wsexplorer.render.diff`).

It only displays: the relay records, the browsers read its sessions under their locks, and every relay
event only schedules a refresh, coalesced to a few per second, on the loop that owns the widget (relay
events arrive on the relay's loop; JupyterLab may run the widget's own callbacks on a kernel subshell).
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as W

from ..live.relay import Relay, RelayedConnection
from ..record.session import Session
from ..render.diff import change_log_html, diff_html
from ..render.notes import status_html
from ._common import running_loop
from ._schedule import Coalesced
from .browser import FrameBrowser
from .panels import Switch

__all__ = ["RelayMonitor"]


class RelayMonitor:
    """A running relay in a widget: its connections, both legs side by side, changes and differences.

    Display the object in a notebook (it renders its ``widget``); :meth:`close` stops watching.
    """

    def __init__(self, relay: Relay, *, visible_rows: int = 12, min_interval: float = 0.25) -> None:
        self.relay = relay
        self.status_text = ""
        self._lock = threading.RLock()
        self._shown: RelayedConnection | None = None
        loop = running_loop()
        self._refresher = Coalesced(loop, self.refresh, min_interval, self._error)
        self.picker = W.Dropdown(options=[("(no connection yet)", 0)], value=0, description="connection")
        self.picker.layout.width = "420px"
        self.picker.add_class("wsx-relay-picker")
        self.picker.observe(self._picked, names="value")
        self.follow_new = W.Checkbox(value=True, description="show new connections", indent=False)
        self.follow_new.layout.width = "auto"
        self.follow_new.add_class("wsx-relay-follow")
        self.info = W.HTML()
        self.info.add_class("wsx-relay-info")
        self.status = W.HTML()
        self.status.add_class("wsx-relay-status")

        empty = Session("server")
        self.client_browser = FrameBrowser(
            empty, visible_rows=visible_rows, follow=True, min_interval=min_interval, on_error=self._error
        )
        self.upstream_browser = FrameBrowser(
            Session("client"),
            visible_rows=visible_rows,
            follow=True,
            min_interval=min_interval,
            on_error=self._error,
        )

        # The legs sit side by side when the output is wide enough for two readable tables (44em
        # each: the frame table's fixed columns take ~40em), one under the other otherwise.
        def leg_layout() -> W.Layout:
            return W.Layout(flex="1 1 44em", min_width="min(100%, 44em)", overflow="auto")

        left = W.VBox([W.HTML("<b>client ↔ relay</b> (the relay is the server)"), self.client_browser.widget])
        right = W.VBox(
            [W.HTML("<b>relay ↔ upstream</b> (the relay is the client)"), self.upstream_browser.widget]
        )
        left.layout, right.layout = leg_layout(), leg_layout()
        left.add_class("wsx-relay-client-leg")
        right.add_class("wsx-relay-upstream-leg")
        legs = W.HBox([left, right], layout=W.Layout(width="100%", flex_flow="row wrap", grid_gap="8px"))

        self.changes = W.HTML()
        self.changes.add_class("wsx-relay-changes")
        self.only_differences = W.Checkbox(value=True, description="only differences", indent=False)
        self.only_differences.layout.width = "auto"
        self.only_differences.add_class("wsx-relay-only-differences")
        self.only_differences.observe(lambda _c: self.show_diff(), names="value")
        self.compare_button = W.Button(description="compare the legs", icon="columns")
        self.compare_button.layout.width = "auto"
        self.compare_button.add_class("wsx-relay-compare")
        self.compare_button.on_click(lambda _b: self.show_diff())
        self.diff_view = W.HTML()
        self.diff_view.add_class("wsx-relay-diff")
        diff_box = W.VBox([W.HBox([self.compare_button, self.only_differences]), self.diff_view])
        self.tabs = Switch([legs, self.changes, diff_box], ("Both legs", "Changes", "Differences"))
        header = W.HBox([self.picker, self.follow_new], layout=W.Layout(flex_flow="row wrap", grid_gap="6px"))
        self.widget = W.VBox([header, self.info, self.status, self.tabs])
        self.widget.add_class("wsx-relay")
        self._unsubscribe = relay.subscribe(self._event)
        self._update_picker()
        if relay.connections:
            self.show(relay.connections[-1].number)
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- relay events (on the relay's loop) ----------------------------------------------------------

    def _event(self, connection: RelayedConnection, what: str) -> None:
        if what == "connecting":
            self._update_picker()
            if self.follow_new.value:
                self.picker.value = connection.number
        elif what in ("frames", "change"):
            if connection is self._shown:
                self.client_browser.schedule_refresh()
                self.upstream_browser.schedule_refresh()
                self._refresher.request()
            return
        self._update_picker()
        if connection is self._shown:
            self.client_browser.schedule_refresh()
            self.upstream_browser.schedule_refresh()
        self._refresher.request()

    def _update_picker(self) -> None:
        with self._lock:
            options = [(_label(c), c.number) for c in self.relay.connections] or [("(no connection yet)", 0)]
            if list(self.picker.options) != options:
                value = self.picker.value
                numbers = [n for _, n in options]
                self.picker.options = options
                self.picker.value = value if value in numbers else numbers[-1]

    def _picked(self, change: Any) -> None:
        self.show(int(change["new"]))

    # -- showing ------------------------------------------------------------------------------------------

    @property
    def shown(self) -> RelayedConnection | None:
        """The connection whose legs are shown."""
        return self._shown

    def show(self, number: int) -> None:
        """Show connection ``number`` (1 for the first client)."""
        found = next((c for c in self.relay.connections if c.number == number), None)
        with self._lock:
            if found is None or found is self._shown:
                return
            self._shown = found
            if self.picker.value != number:
                self.picker.value = number
            self.client_browser.set_session(found.client_session)
            self.upstream_browser.set_session(found.upstream_session)
            self.diff_view.value = ""
        self.refresh()

    def refresh(self) -> None:
        """Redraw the facts and the change log of the connection shown (both browsers refresh too)."""
        with self._lock:
            c = self._shown
            self._refresher.done()
            if c is None:
                self.info.value = status_html(
                    f"relay {self.relay.url} → {self.relay.upstream}: waiting", "info"
                )
                self.changes.value = change_log_html([])
                return
            self.info.value = status_html(_facts(self.relay, c), "error" if c.state == "refused" else "info")
            start = c.client_session.chunk_columns()[2]
            self.changes.value = change_log_html(c.changes, start_ns=start[0] if len(start) else None)
        self.client_browser.refresh()
        self.upstream_browser.refresh()

    def show_diff(self) -> None:
        """Compare the legs of the connection shown, now, and draw the result."""
        c = self._shown
        if c is None:
            self.diff_view.value = status_html("no connection to compare yet", "info")
            return
        try:
            diff = c.diff()
        except Exception as exc:  # a bug must reach the status line, not vanish in a callback
            self._error(f"comparing the legs failed: {type(exc).__name__}: {exc}")
            return
        self.diff_view.value = diff_html(diff, only_differences=self.only_differences.value)
        self.tabs.selected_index = 2

    def _error(self, message: str) -> None:
        self.status_text = message
        self.status.value = status_html(message, "error")

    def close(self) -> None:
        """Stop watching the relay (the relay itself goes on)."""
        self._unsubscribe()
        self._refresher.cancel()
        self.client_browser.cancel()
        self.upstream_browser.cancel()


def _label(c: RelayedConnection) -> str:
    return f"#{c.number} {c.state} → {c.upstream_url}"


def _facts(relay: Relay, c: RelayedConnection) -> str:
    words = [f"relay {relay.url} → {c.upstream_url}", f"connection #{c.number}: {c.state}"]
    ext = c.upstream_session.meta.get("extensions")
    if ext is not None:
        words.append(f"upstream agreed: {', '.join(ext) or 'no extension'}")
    proto = c.upstream_session.meta.get("subprotocol")
    if proto:
        words.append(f"subprotocol {proto}")
    if c.pipes:
        per_leg = [w for w, p in c.pipes.items() if not p.in_sync]
        words.append(
            "compressed frames re-compressed per leg: " + (", ".join(per_leg) if per_leg else "none")
        )
    words.append(f"{len(c.changes) + c.changes_omitted} change(s)")
    if c.error is not None:
        words.append(f"why: {c.error}")
    return "; ".join(words)
