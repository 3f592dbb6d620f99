"""SessionBrowser in a real browser, on a session recorded and saved by the notebook itself: the summary,
the rows, every filter, search, the time column, a row opened in the inspector, navigation, the
timeline, export and copy, in each front end."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .frames_ui import FrameBrowserUI
from .widget_run import finish, start

# widget_notebooks.RECORD_SESSION: 4 messages echoed, a ping and its pong, the closing handshake.
FRAMES = 12
FROM_CLIENT = 6


def test_session_browser(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "session_browser")
    root = nb.widget("wsx-session")
    f = FrameBrowserUI(nb, root)
    with nb.part("the summary and the rows"):
        info = root.locator(".wsx-session-info")
        expect_text(info, "recorded.wsx")
        expect_text(info, f"{FROM_CLIENT} client→server, {FRAMES - FROM_CLIENT} server→client")
        expect_text(root.locator(".wsx-session-progress"), "loaded")
        f.shown(FRAMES, FRAMES)
        expect(f.rows).to_have_count(FRAMES)

    with nb.part("filters"):
        f.check_filters(FRAMES, FROM_CLIENT)
    with nb.part("search"):
        f.search("hello")
        f.shown(4, FRAMES)
        f.search("^hello$", regex=True)
        f.shown(2, FRAMES)
        f.search("", regex=False)
        f.shown(FRAMES, FRAMES)
    with nb.part("time column"):
        f.check_clock()
    with nb.part("a row clicked opens its frame in context"):
        f.open_row("hello again", "s2c")
        expect_text(f.violations, "No rule broken")
        expect_text(f.violations, "sent by the server; permessage-deflate")
    with nb.part("decode as: JSON adds a decoded column; none removes it"):
        chooser = root.locator(".wsx-decode-as select")
        chooser.evaluate("el => el.scrollIntoView({block: 'center'})")
        chooser.select_option(label="json")
        expect(f.grid.locator(".wsx-grid-header")).to_contain_text("decoded (json)")
        chooser.select_option(index=0)  # "none negotiated"
        expect(f.grid.locator(".wsx-grid-header")).not_to_contain_text("decoded")
    with nb.part("grid navigation (first/last, scroll, keyboard)"):
        f.check_navigation(FRAMES)
    with nb.part("timeline"):
        f.check_timeline(FRAMES)
        nb.click(f.tab("Frames"))
    with nb.part("export"):
        f.export(frontend.server.work)
    with nb.part("copy"):
        nb.click(root.locator("button.wsx-page-first"))
        f.selected(0)  # the copy buttons hold the first frame (set before the inspector shows it)
        f.check_copy()

    finish(nb, root, frontend, "session_browser")
