"""DiffViewer in a real browser, on a replay the notebook made: a conversation recorded against its echo
server, replayed against a server that answers one message differently (other text, in four fragments)
and adds one message. The direction chooser, "only differences", and a changed message's frame-by-frame
table (RFC 6455 §5.2, §5.4; RFC 7692 §6), in each front end.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .widget_run import finish, start

# widget_notebooks.REPLAY_DIFF: "hello", "how are you?", "bye" and a close, each way; the replay's
# server answers "I AM FINE" in 3-byte fragments and sends "one more thing" after "bye".
C2S_ENTRIES = 4
S2C_ENTRIES = 5


class Viewer:
    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-diff-viewer")
        self.view = self.root.locator(".wsx-diff-view")
        self.headings = self.view.locator(".wsx-diff-h")
        self.rows = self.view.locator("table:not(.wsx-diff-frames) > tbody > tr")  # not the frames' rows
        self.only = self.root.locator(".wsx-diff-only input[type=checkbox]")

    def direction(self, label: str) -> Locator:
        return self.root.locator(".wsx-diff-direction button", has_text=label)

    def choose(self, label: str) -> None:
        self.nb.click(self.direction(label))
        expect(self.direction(label)).to_have_class(re.compile(r"\bmod-active\b"))

    def status(self, name: str) -> Locator:
        return self.view.locator(f"tr.wsx-diff-{name}")


def test_diff_viewer(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "diff_viewer")
    v = Viewer(nb)
    changed, extra = v.status("changed"), v.status("only_b")
    with nb.part("the server's answers, by default: one changed, one added, three the same"):
        expect(v.direction("server → client")).to_have_class(re.compile(r"\bmod-active\b"))
        expect(v.only).not_to_be_checked()
        expect_text(v.view.locator(".wsx-diff-sum"), "original vs replay — differences marked")
        expect_text(v.view.locator(".wsx-diff-sum"), "only in replay 1")
        expect(v.headings).to_have_text([f"server→client ({S2C_ENTRIES} entries)"])
        expect(v.rows).to_have_count(S2C_ENTRIES)
        expect(v.status("same")).to_have_count(3)
        expect(changed).to_have_count(1)
        expect_text(changed, "how are you?")
        expect_text(changed, "I AM FINE")
        expect_text(changed, "4 frames")
        chips = changed.locator(".wsx-diff-chip")
        expect(chips).to_have_count(2)
        expect_text(chips.nth(0), "payload")
        expect_text(chips.nth(1), "fragmentation")
        expect_text(chips.nth(1), "1 frame(s) → 4 frame(s)")
        expect(extra).to_have_count(1)
        expect_text(extra, "one more thing")
        expect_text(extra, "only in replay")
        expect_text(extra, "not in original")
    with nb.part("a changed message, frame by frame"):
        frames = changed.locator("table.wsx-diff-frames")
        expect(frames).to_be_hidden()
        nb.click(changed.locator("details > summary"))
        expect(frames).to_be_visible()
        expect(frames.locator("tbody tr")).to_have_count(8)  # 4 frames on the replay's side, 1 on the other
        expect(frames.locator("tbody tr").nth(1)).to_contain_text("replay")
        expect(frames.locator("td.wsx-diff-x").first).to_be_visible()
        cells = frames.locator("th, td")
        broken = cells.evaluate_all(
            """cells => cells.filter(c => {
                 const r = document.createRange(); r.selectNodeContents(c);
                 const word = c.textContent.trim();
                 return word && !/\\s/.test(word) && r.getClientRects().length > 1;
               }).map(c => c.textContent)"""
        )
        assert broken == [], f"words broken in the middle in the frame-by-frame table: {broken}"
        nb.click(changed.locator("details > summary"))
        expect(frames).to_be_hidden()
    with nb.part("only differences"):
        nb.click(v.only)
        expect(v.only).to_be_checked()
        expect(v.status("same")).to_have_count(0)
        expect(changed).to_have_count(1)
        expect(extra).to_have_count(1)
    with nb.part("the client's side: the same was sent"):
        v.choose("client → server")
        expect(v.headings).to_have_text([f"client→server ({C2S_ENTRIES} entries)"])
        expect_text(v.view, "every entry is the same")  # only differences still on
        nb.click(v.only)
        expect(v.status("same")).to_have_count(C2S_ENTRIES)
        expect(v.status("changed")).to_have_count(0)
        expect_text(v.view, "how are you?")
    with nb.part("the client's side: the headline does not say the two conversations are the same"):
        expect(v.view.locator(".wsx-diff-sum")).not_to_contain_text("no differences")  # the answers differ
    with nb.part("both directions"):
        v.choose("both")
        expect(v.headings).to_have_text(
            [f"client→server ({C2S_ENTRIES} entries)", f"server→client ({S2C_ENTRIES} entries)"]
        )
        expect(v.rows).to_have_count(C2S_ENTRIES + S2C_ENTRIES)
        expect(changed).to_have_count(1)
        nb.click(v.only)
        expect(v.rows).to_have_count(3)  # "every entry is the same" for the client, then the two rows
        nb.click(v.only)
    with nb.part("back to the server's answers"):
        v.choose("server → client")
        expect(v.rows).to_have_count(S2C_ENTRIES)
        nb.click(changed.locator("details > summary"))  # open for the screenshots

    finish(nb, v.root, frontend, "diff_viewer")
