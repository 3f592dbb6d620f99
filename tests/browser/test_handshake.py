"""HandshakeExplorer in a real browser: every preset button, edits to the request (form and raw text) and
every server policy control, with the server's status and the client's verdict read from the page
(RFC 6455 §4.1, §4.2, §4.4, §10.2), in each front end.

Most form controls have no CSS class of their own: they are found by their label (``Host:``) and the
two "Subprotocols:" boxes by order (client first, then server).
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .widget_run import finish, start

# slug: (HTTP status the server answers, the client accepts the answer, a raw request is typed)
PRESETS: dict[str, tuple[int, bool, bool]] = {
    "valid": (101, True, False),
    "wrong-version": (426, False, False),
    "origin-not-allowed": (403, False, False),
    "missing-key": (400, False, True),
    "bad-key": (400, False, False),
    "not-get": (400, False, True),
    "no-upgrade": (400, False, True),
    "wrong-accept": (101, False, False),
    "plain-http-server": (200, False, False),
    "no-common-subprotocol": (101, True, False),
    "deflate": (101, True, False),
}


class Explorer:
    """The explorer's parts, found in the page."""

    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-handshake-explorer")
        self.status = self.root.locator(".wsx-handshake-server .wsx-handshake-status")
        self.request = self.root.locator(".wsx-handshake-request")
        self.server = self.root.locator(".wsx-handshake-server")
        self.client = self.root.locator(".wsx-handshake-client")
        self.raw = self.root.locator(".wsx-handshake-raw textarea")

    def field(self, label: str, nth: int = 0) -> Locator:
        return self.root.get_by_label(label, exact=True).nth(nth)

    def answers(self, status: int, *, client_ok: bool | None = None) -> None:
        expect_text(self.status, f"{status} ")
        if client_ok is not None:
            kind = "ok" if client_ok else "error"
            expect(self.client.locator(f".wsx-w-call.wsx-w-{kind}").first).to_be_visible()

    def type(self, label: str, text: str, nth: int = 0) -> None:
        self.nb.fill(self.field(label, nth), text)


def test_handshake_explorer(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "handshake_explorer")
    x = Explorer(nb)
    with nb.part("every preset button"):
        x.answers(101, client_ok=True)
        expect(x.root.locator("button[class*='wsx-preset-']")).to_have_count(len(PRESETS))

        for slug, (status, client_ok, raw) in PRESETS.items():
            nb.click(x.root.locator(f"button.wsx-preset-{slug}"))
            x.answers(status, client_ok=client_ok)
            if raw:  # a raw request (what the form cannot express): the raw panel opens to show it
                expect(x.raw).to_be_visible()
                expect(x.raw).not_to_have_value("")
        expect_text(x.server, "Extension agreed")  # the last preset offers permessage-deflate
    with nb.part("edits to the request form"):
        nb.click(x.root.locator("button.wsx-preset-valid"))
        x.answers(101, client_ok=True)
        x.type("Host:", "other.example:8080")
        expect_text(x.request, "Host: other.example:8080")
        x.type("Path:", "/room")
        expect_text(x.request, "GET /room HTTP/1.1")
        x.type("Origin:", "http://evil.example")
        x.answers(403, client_ok=False)
        x.type("Origin:", "http://example.com")
        x.answers(101, client_ok=True)
        x.type("Subprotocols:", "mqtt")
        expect_text(x.server, "No subprotocol in common")
        x.type("Subprotocols:", "chat, superchat")
        expect_text(x.server, "Subprotocol chosen: chat")
        x.type("Extensions:", "permessage-deflate; client_max_window_bits")
        expect_text(x.server, "Extension agreed")
        x.type("Sec-WebSocket-Version:", "8")
        x.answers(426, client_ok=False)
        x.type("Sec-WebSocket-Version:", "13")
        x.answers(101, client_ok=True)
        key = x.field("Sec-WebSocket-Key:")
        before = key.input_value()
        nb.click(x.root.locator("button.wsx-handshake-random-key"))
        expect(key).not_to_have_value(before)
        expect_text(x.request, key.input_value())
        x.answers(101, client_ok=True)
        x.type("Extra headers:", "User-Agent: browser-test/1.0")
        expect_text(x.request, "User-Agent: browser-test/1.0")
        x.type("Extra headers:", "no colon here")
        expect(x.request.locator(".wsx-w-call.wsx-w-error")).to_be_visible()  # the form makes no request
        x.type("Extra headers:", "")
        x.answers(101, client_ok=True)
    with nb.part("the raw request, then back to the form"):
        header = x.root.locator(".wsx-handshake-raw-toggle")  # "The request as sent: edit the raw text"
        nb.click(header)  # open since the raw presets: closes
        expect(x.raw).to_be_hidden()
        nb.click(header)
        expect(x.raw).to_be_visible()
        expect(x.raw).to_have_value(re.compile(r"^GET /room HTTP/1.1"))
        nb.fill(x.raw, x.raw.input_value().replace("GET /room", "PUT /room", 1))
        x.answers(400, client_ok=False)
        nb.click(x.root.locator("button.wsx-handshake-rebuild"))
        x.answers(101, client_ok=True)
        expect(x.raw).to_have_value(re.compile(r"^GET /room HTTP/1.1"))
    with nb.part("the server's policy"):
        kind = x.root.get_by_label("The server is:", exact=True)
        kind.evaluate("el => el.scrollIntoView({block: 'center'})")
        kind.select_option(index=1)  # faulty: wrong Sec-WebSocket-Accept
        x.answers(101, client_ok=False)
        kind.select_option(index=2)  # a web server without WebSocket
        x.answers(200, client_ok=False)
        kind.select_option(index=0)
        x.answers(101, client_ok=True)
        x.type("Origin:", "http://evil.example")
        x.answers(403)
        x.type("Origins allowed:", "")  # empty: any origin
        x.answers(101, client_ok=True)
        x.type("Subprotocols:", "superchat", nth=1)  # the server's list
        expect_text(x.server, "Subprotocol chosen: superchat")
        deflate = x.root.locator(".widget-checkbox input[type=checkbox]")
        expect(deflate).to_have_count(1)
        expect(deflate).to_be_checked()
        nb.click(deflate)
        expect(deflate).not_to_be_checked()
        expect(x.server).not_to_contain_text("Extension agreed")
        x.answers(101, client_ok=True)
        nb.click(deflate)
        expect_text(x.server, "Extension agreed")
    finish(nb, x.root, frontend, "handshake_explorer")
