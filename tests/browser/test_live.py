"""LiveConnection in a real browser, against its own in-kernel echo server: connect, send text, send
binary as hex and as base64, ping, build and send a frame by hand, every filter, the grid (click,
scroll, keyboard), the inspector, the timeline, export and copy, and close (RFC 6455 §5.5.2, §5.5.3,
§7.1.2, RFC 7692), in each front end.

The regression this guards: with JupyterLab's ``commsOverSubshells`` at its default, the clicks on
Ping and Close run on a kernel subshell thread (checked), and a round-trip time and close code 1000
must still appear ("The future belongs to a different loop" was the bug).
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .frames_ui import FrameBrowserUI
from .widget_run import finish, start


class Live:
    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-live")
        self.status = self.root.locator(".wsx-live-status")
        self.received = self.root.locator(".wsx-live-received")
        self.frames = FrameBrowserUI(nb, self.root)
        self.total = 0
        self.c2s = 0

    def button(self, css: str) -> Locator:
        return self.root.locator(f"button.{css}")

    def exchanged(self, frames: int = 2) -> None:
        """``frames`` more frames crossed (half each way) and the table shows them all."""
        self.total += frames
        self.c2s += frames // 2
        self.frames.shown(self.total, self.total)

    def send_text(self, text: str) -> None:
        self.nb.fill(self.root.locator(".wsx-live-text input"), text, commit=False)
        self.nb.click(self.button("wsx-live-send"))
        expect_text(self.received, text)
        self.exchanged()


def run_live_session(nb: NotebookPage, *, subshell: bool) -> Live:
    """Connect, send a text, ping: the part of the test the ipykernel 6 run shares (then
    :func:`close_and_check`). ``subshell``: Ping's click must run on a kernel subshell thread."""
    x = Live(nb)
    with nb.part("connect to the local echo server"):
        expect_text(x.status, "listening")  # the local echo server started in the kernel
        nb.click(x.button("wsx-live-connect"))
        expect_text(x.status, "open: ws://127.0.0.1:")
        expect_text(x.status, "permessage-deflate")
        expect(x.button("wsx-live-ping")).to_be_enabled()
        expect(x.button("wsx-live-connect")).to_be_disabled()
    with nb.part("send text"):
        x.send_text("hello from chromium")
        expect(x.frames.rows.filter(has_text="hello from chromium")).to_have_count(2)
    with nb.part("ping: a round-trip time appears"):
        nb.click(x.button("wsx-live-ping"))
        expect(x.root.locator(".wsx-live-rtt")).to_have_text(re.compile(r"round trip: \d+\.\d+ ms"))
        expect_text(x.status, "pong received")
        x.exchanged()
        threads = nb.widget("wsx-test-threads")
        expect_text(threads, "ping: ")
        ping_thread = re.search(r"ping: (\S+);", threads.inner_text())
        assert ping_thread is not None
        if subshell:  # the regression's condition: Ping's click ran on a subshell thread
            assert ping_thread[1] != "MainThread", threads.inner_text()
        else:
            assert ping_thread[1] == "MainThread", threads.inner_text()
    return x


def close_and_check(x: Live) -> None:
    """Close: the status shows close code 1000 both ways, and the buttons follow."""
    with x.nb.part("close: the status shows 1000"):
        x.nb.click(x.button("wsx-live-close"))
        expect_text(x.status, re.compile(r"closed.*\b1000\b"))
        expect(x.status).not_to_contain_text("1006")
        expect(x.button("wsx-live-ping")).to_be_disabled()
        expect(x.button("wsx-live-connect")).to_be_enabled()
        x.exchanged()  # the two close frames
        expect_text(x.nb.widget("wsx-test-threads"), "close: ")


def test_live_connection(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "live_connection")
    x = run_live_session(nb, subshell=frontend.subshells)
    f = x.frames

    with nb.part("send binary as hex, then as base64 (the encoding toggle)"):
        binary = x.root.locator(".wsx-live-binary input")
        nb.fill(binary, "00 ff 10", commit=False)
        nb.click(x.button("wsx-live-send-binary"))
        expect_text(x.received, "binary, 3 bytes")
        expect_text(x.received, "00 ff 10")
        x.exchanged()
        nb.click(x.root.locator(".wsx-live-binary-encoding button", has_text="base64"))
        expect(binary).to_have_attribute("placeholder", re.compile("base64"))
        nb.fill(binary, "3q2+7w==", commit=False)
        nb.click(x.button("wsx-live-send-binary"))
        expect_text(x.received, "binary, 4 bytes")
        expect_text(x.received, "de ad be ef")
        x.exchanged()
    with nb.part("build a frame, then send the inspector's frame"):
        nb.click(x.button("wsx-live-build"))
        expect(f.inspector).to_be_visible()
        expect(f.inspector.locator(".wsx-switch button", has_text="Build a frame")).to_have_class(
            re.compile(r"mod-active")
        )
        expect_text(f.inspector.locator(".wsx-frame-status"), "TEXT [FM] len=5 'Hello'")
        nb.click(x.button("wsx-live-send-frame"))
        expect_text(x.received, "Hello")
        x.exchanged()
    with nb.part("more messages (rows past the window the page holds)"):
        for n in range(1, 9):
            x.send_text(f"message {n}")
    with nb.part("filters: direction, every opcode toggle, length bounds"):
        f.check_filters(x.total, x.c2s)
    with nb.part("search, plain and regular expression"):
        f.search("chromium")
        f.shown(2, x.total)
        f.search(r"^message [1-3]$", regex=True)
        f.shown(6, x.total)
        f.search("", regex=False)
        f.shown(x.total, x.total)
    with nb.part("time column"):
        f.check_clock()
    with nb.part("a row clicked opens its frame in context"):
        f.open_row("hello from chromium", "s2c")  # the echo: compressed, from the server
        expect_text(f.violations, "No rule broken")
        expect_text(f.violations, "sent by the server; permessage-deflate")
    with nb.part("grid navigation (first/last, scroll, keyboard)"):
        f.check_navigation(x.total)
    with nb.part("timeline"):
        f.check_timeline(x.total)
        x.send_text("while the timeline is shown")
        nb.click(x.root.locator("button.wsx-timeline-redraw"))
        expect_text(x.root.locator(".wsx-timeline-count"), f"{x.total:,} frames")
        nb.click(f.tab("Frames"))
    with nb.part("export: session, CSV, JSON"):
        f.export(frontend.server.work)
    with nb.part("copy the selected frame as hex and base64"):
        nb.click(x.root.locator("button.wsx-page-first"))
        f.selected(0)  # the copy buttons hold the first frame (set before the inspector shows it)
        f.check_copy()
    close_and_check(x)
    finish(nb, x.root, frontend, "live_connection")
