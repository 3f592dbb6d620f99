"""DeflateExplorer in a real browser: the messages box, the context-takeover box, the window-bits
dropdown, the message chooser and the figure (RFC 7692 §7.1.1, §7.1.2, §7.2), in each
front end."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .widget_run import finish, start

DEFAULT_MESSAGES = 6  # wsexplorer.widgets.deflate.DEFAULT_MESSAGES


def test_deflate_explorer(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "deflate_explorer")
    root = nb.widget("wsx-deflate-explorer")
    table = root.locator(".wsx-deflate-table")
    rows = table.locator("tbody tr")
    detail = root.locator(".wsx-deflate-detail")
    chooser = root.locator(".wsx-deflate-inspect select")
    image = root.locator(".wsx-deflate-plot img")

    with nb.part("the default messages, the table and the figure"):
        expect(rows).to_have_count(DEFAULT_MESSAGES)
        expect_text(table, "with context takeover on")
        expect_text(root, "Sec-WebSocket-Extensions: permessage-deflate")
        expect(image).to_have_count(1)
        expect(chooser.locator("option")).to_have_count(DEFAULT_MESSAGES)
        expect_text(detail, f"Message #{DEFAULT_MESSAGES}")
    with nb.part("the context-takeover box"):
        takeover = root.locator(".wsx-deflate-takeover input[type=checkbox]")
        expect(takeover).to_be_checked()
        nb.click(takeover)
        expect_text(table, "with no context takeover")
        expect_text(detail, "no context takeover")
        nb.click(takeover)
        expect_text(table, "with context takeover on")
    with nb.part("the window-bits dropdown"):
        first_figure = image.get_attribute("src")
        bits = root.locator(".wsx-deflate-bits select")
        bits.evaluate("el => el.scrollIntoView({block: 'center'})")
        expect(bits).to_have_accessible_name("window bits:")
        bits.select_option(index=1)  # 15 -> 14 (the options run from 15 down to 8)
        expect_text(root, "= 16,384 bytes")
        expect_text(root, "client_max_window_bits=14")
        expect(image).not_to_have_attribute("src", first_figure or "")
    with nb.part("the message chooser"):
        chooser.evaluate("el => el.scrollIntoView({block: 'center'})")
        chooser.select_option(index=0)
        expect_text(detail, "Message #1")
        expect_text(detail, "BFINAL")
    with nb.part("the messages box: edited, emptied, refilled"):
        messages = root.locator(".wsx-deflate-messages textarea")
        nb.fill(messages, "hello hello hello\nhello hello hello")
        expect(rows).to_have_count(2)
        expect(chooser.locator("option")).to_have_count(2)
        expect_text(rows.nth(1), "hello hello hello")  # the text the receiver inflated
        nb.fill(messages, "")
        expect(rows).to_have_count(0)
        expect_text(table, "Type some messages")
        nb.fill(messages, "one message\nanother message\na third message")
        expect(rows).to_have_count(3)

    finish(nb, root, frontend, "deflate_explorer")
