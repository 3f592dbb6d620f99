"""RelayMonitor in a real browser, watching a relay the notebook put in front of its own echo server with
two rules (drop a client's "secret", change the server's "shout" to "SHOUT"): the connection chooser,
following new connections (a client started from the page), both legs' frame browsers (filters, search,
a frame opened, the timeline, export and copy), the change log and the legs compared, in each front end.

Connection #1 sends "hello", "a secret" (dropped) and "shout please" (its echo changed); connection #2
"second client" and "shout again"; both close normally (RFC 6455 §7.1.2). On the client leg the relay is
the server, on the upstream leg the client; permessage-deflate is agreed end to end (RFC 7692).
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .frames_ui import FrameBrowserUI
from .widget_run import finish, start

# Frames per leg (client leg, upstream leg) of each connection: its messages, echoes and close frames.
FRAMES = {1: (7, 6), 2: (6, 6), 3: (4, 4), 4: (4, 4)}
CLIENT_LEG_C2S = 4  # connection #1: "hello", "a secret", "shout please", close


class Monitor:
    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-relay")
        self.picker = self.root.locator(".wsx-relay-picker select")
        self.follow = self.root.locator(".wsx-relay-follow input[type=checkbox]")
        self.info = self.root.locator(".wsx-relay-info")
        self.client_leg = self.root.locator(".wsx-relay-client-leg")
        self.upstream_leg = self.root.locator(".wsx-relay-upstream-leg")
        self.client = FrameBrowserUI(nb, self.client_leg)
        self.upstream = FrameBrowserUI(nb, self.upstream_leg)
        self.changes = self.root.locator(".wsx-relay-changes")
        self.diff = self.root.locator(".wsx-relay-diff")

    def tab(self, title: str) -> Locator:
        """A button of the monitor's own switch (the legs' switches have the class wsx-tabs too)."""
        return self.root.locator(".wsx-switch:not(.wsx-tabs) button", has_text=title)

    def shows(self, number: int) -> None:
        """Connection ``number`` is chosen, described, and both legs show all its frames.

        (The drop-down writes its labels' spaces as no-break spaces, hence ``\\s`` in the pattern.)"""
        expect(self.picker.locator("option:checked")).to_have_text(
            re.compile(rf"^#{number}\s+closed\s+→\s+ws://")
        )
        expect_text(self.info, f"connection #{number}: closed")
        client, upstream = FRAMES[number]
        self.client.shown(client, client)
        self.upstream.shown(upstream, upstream)

    def another_client(self, n: int) -> None:
        """Click the notebook's button that sends one more client through the relay; wait for it."""
        self.nb.click(self.nb.widget("wsx-test-another"))
        expect_text(self.nb.widget("wsx-test-another-out"), f"client {n}: done")
        expect(self.picker.locator("option")).to_have_count(n)


def message_column_readable(f: FrameBrowserUI) -> None:
    """The grid's "message or payload" column is on screen and wide enough to read in a leg."""
    cell = f.rows.first.locator(".wsx-grid-col6")
    cell.evaluate("el => el.scrollIntoView({block: 'center'})")
    box, view = cell.bounding_box(), f.viewport.bounding_box()
    assert box is not None and view is not None
    shown = min(box["x"] + box["width"], view["x"] + view["width"]) - max(box["x"], view["x"])
    assert shown >= 120, (
        f"the message column shows {shown:.0f} px of {box['width']:.0f} px in a grid {view['width']:.0f} px"
        f" wide: {cell.inner_text()!r} cannot be read"
    )


def leg_timeline(nb: NotebookPage, leg: Locator, frames: int) -> None:
    """A leg's Timeline tab: the figure with its text alternative, redrawn; then back to Frames."""
    nb.click(leg.locator(".wsx-tabs button", has_text="Timeline"))
    image = leg.locator(".wsx-timeline img")
    expect(image).to_be_visible()
    assert len(image.get_attribute("alt") or "") > 20
    expect_text(leg.locator(".wsx-timeline-count"), f"{frames:,} frames")
    nb.click(leg.locator("button.wsx-timeline-redraw"))
    expect(image).to_be_visible()
    nb.click(leg.locator(".wsx-tabs button", has_text="Frames"))
    expect(leg.locator(".wsx-frame-grid")).to_be_visible()


def test_relay_monitor(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "relay_monitor")
    m = Monitor(nb)
    with nb.part("after Run All: the newest connection, its facts and both legs"):
        expect(m.picker.locator("option")).to_have_count(2)
        m.shows(2)
        expect_text(m.info, "upstream agreed: permessage-deflate")
        expect_text(m.info, "2 change(s)")
        expect(m.client.rows.filter(has_text=re.compile("SHOUT again"))).to_have_count(1)
        expect(m.upstream.rows.filter(has_text=re.compile("shout again"))).to_have_count(2)
    with nb.part("both legs: the messages can be read in the grid"):
        message_column_readable(m.client)
        message_column_readable(m.upstream)
    with nb.part("the connection chooser: connection #1"):
        m.picker.evaluate("el => el.scrollIntoView({block: 'center'})")
        m.picker.select_option(index=0)
        m.shows(1)
        expect_text(m.info, "4 change(s)")
        expect(m.client.rows.filter(has_text="a secret")).to_have_count(1)  # dropped: client leg only
        expect(m.upstream.rows.filter(has_text="a secret")).to_have_count(0)
        expect(
            m.client.grid.locator(".wsx-grid-row.wsx-s2c", has_text=re.compile("SHOUT please"))
        ).to_have_count(1)
        expect(
            m.upstream.grid.locator(".wsx-grid-row.wsx-s2c", has_text=re.compile("shout please"))
        ).to_have_count(1)
    client_total, upstream_total = FRAMES[1]
    with nb.part("client leg: every filter, search, a frame opened, export and copy"):
        m.client.check_filters(client_total, CLIENT_LEG_C2S)
        m.client.search("secret")
        m.client.shown(1, client_total)
        m.client.search("")
        m.client.shown(client_total, client_total)
        m.client.open_row("SHOUT please", "s2c")
        expect_text(m.client.selection, "server → client")
        expect_text(m.client.inspector, "SHOUT please")
        m.client.export(frontend.server.work)
        m.client.check_copy()
    with nb.part("client leg: timeline"):
        leg_timeline(nb, m.client_leg, client_total)
    with nb.part("upstream leg: direction, search, a frame opened, timeline"):
        m.upstream.direction("C→S")
        m.upstream.shown(upstream_total // 2, upstream_total)
        m.upstream.direction("both")
        m.upstream.search("shout")  # what the upstream sent, and got back, unchanged
        m.upstream.shown(2, upstream_total)
        m.upstream.open_row("shout please", "s2c")
        expect_text(m.upstream.inspector, "shout please")
        expect(m.upstream.inspector).not_to_contain_text("SHOUT please")
        m.upstream.search("")
        m.upstream.shown(upstream_total, upstream_total)
        leg_timeline(nb, m.upstream_leg, upstream_total)
    with nb.part("the change log"):
        nb.click(m.tab("Changes"))
        expect(m.changes).to_be_visible()
        expect(m.client_leg).to_be_hidden()
        rows = m.changes.locator("tbody tr")
        expect(rows).to_have_count(4)
        drop = rows.filter(has_text="[drop secrets]")
        expect_text(drop, "client → upstream")
        expect_text(drop, "not passed on")
        modify = rows.filter(has_text="[shout back]")
        expect_text(modify, "upstream → client")
        expect_text(modify, "passed on changed")
    with nb.part("the legs compared: only differences, then everything"):
        nb.click(m.tab("Differences"))
        expect(m.changes).to_be_hidden()
        expect(m.diff).to_have_text("")
        nb.click(m.root.locator("button.wsx-relay-compare"))
        expect_text(m.diff, "client leg vs upstream leg — differences marked")
        only = m.diff.locator("tr.wsx-diff-only_a")
        expect(only).to_have_count(1)
        expect_text(only, "a secret")
        expect_text(only, "only in client leg")
        changed = m.diff.locator("tr.wsx-diff-changed")
        expect(changed).to_have_count(1)
        expect_text(changed, "SHOUT please")
        expect_text(changed, "shout please")
        expect_text(changed.locator(".wsx-diff-chip"), "payload")
        same = m.diff.locator("tr.wsx-diff-same")
        expect(same).to_have_count(0)
        differences_only = m.root.get_by_label("only differences")
        expect(differences_only).to_be_checked()
        nb.click(differences_only)
        expect(same).to_have_count(5)  # hello, shout please and the close, both ways
        nb.click(differences_only)
        expect(same).to_have_count(0)
    with nb.part("new connections: not followed, then followed"):
        nb.click(m.tab("Both legs"))
        expect(m.client_leg).to_be_visible()
        expect(m.follow).to_be_checked()
        nb.click(m.follow)
        expect(m.follow).not_to_be_checked()
        m.another_client(3)
        expect(m.picker.locator("option").nth(2)).to_have_text(re.compile(r"^#3\s+closed"))
        m.shows(1)  # still the one chosen
        nb.click(m.follow)
        m.another_client(4)
        m.shows(4)
        expect(m.client.rows.filter(has_text="client 4")).to_have_count(2)
    with nb.part("another connection shown: nothing left of the frame chosen on the last one"):
        for f in (m.client, m.upstream):  # frames were opened and copied on connection #1
            expect(f.inspector).to_be_hidden()
            expect_text(f.selection, "Click a row")
            expect(f.root.locator(".wsx-copy-text textarea")).to_have_value("")
        nb.click(m.tab("Differences"))
        expect(m.diff).to_have_text("")  # the comparison was of another connection
        nb.click(m.tab("Both legs"))
    with nb.part("no error on the monitor's status line"):
        expect(m.root.locator(".wsx-relay-status")).to_have_text("")

    finish(nb, m.root, frontend, "relay_monitor")
