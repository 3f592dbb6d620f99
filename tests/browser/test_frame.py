"""FrameInspector in a real browser: the build tab with every builder control (FIN, RSV1-3, opcode, mask,
masking key, random key, payload as text or hex, the length-encoding dropdown), pasted hex (valid,
invalid, several frames and the frame chooser), the sender toggle and the permessage-deflate box
(RFC 6455 §5.1-§5.7, RFC 7692 §6), in each front end.

The builder's controls and the two source tabs have no CSS class of their own: they are found by
their label (``opcode:``, ``length encoding:``...) or their text.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .widget_run import finish, start

RFC_MASKED_HELLO = "81 85 37 fa 21 3d 7f 9f 4d 51 58"  # RFC 6455 §5.7
THREE_FRAMES = "81 05 48 65 6c 6c 6f 89 00 88 02 03 e8"  # text "Hello", ping, close 1000
COMPRESSED_HELLO = "c1 07 f2 48 cd c9 c9 07 00"  # RFC 7692 §7.2.3.1, from a server
NO_RULE_BROKEN = "No rule broken"
SENDER = ".wsx-frame-sender"


class Inspector:
    def __init__(self, nb: NotebookPage) -> None:
        self.nb = nb
        self.root = nb.widget("wsx-frame-inspector")
        self.status = self.root.locator(".wsx-frame-status")
        self.violations = self.root.locator(".wsx-frame-violations")
        self.hex = self.root.locator(".wsx-frame-hex textarea")

    def label(self, text: str) -> Locator:
        return self.root.get_by_label(text, exact=True)

    def checkbox(self, text: str) -> Locator:
        return self.root.get_by_role("checkbox", name=re.compile(rf"^{text}\b"))

    def tab(self, title: str) -> Locator:
        return self.root.locator(".wsx-switch button", has_text=title).first

    def toggle(self, control: str, text: str) -> Locator:
        return self.root.locator(f"{control} button", has_text=text).first

    def choose(self, label: str, index: int) -> None:
        select = self.label(label)
        select.evaluate("el => el.scrollIntoView({block: 'center'})")
        select.select_option(index=index)

    def flip(self, box: Locator, *, checked: bool) -> None:
        self.nb.click(box)
        if checked:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()

    def broken(self, rule: str | re.Pattern[str]) -> None:
        expect_text(self.violations, rule)

    def clean(self) -> None:
        expect_text(self.violations, NO_RULE_BROKEN)


def test_frame_inspector(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "frame_inspector")
    x = Inspector(nb)

    with nb.part("the build tab: FIN, RSV1-3, opcode, mask"):
        expect(x.tab("Build a frame")).to_have_class(re.compile(r"mod-active"))  # no frame given
        expect_text(x.status, "TEXT [FM] len=5 'Hello'")
        expect_text(x.status, "header 6 bytes")
        for name in ("FIN", "RSV1", "RSV2", "RSV3", "MASK"):
            expect(x.checkbox(name)).to_have_count(1)
        x.flip(x.checkbox("FIN"), checked=False)
        expect_text(x.status, "TEXT [M] len=5")
        x.flip(x.checkbox("FIN"), checked=True)
        for bit in ("RSV1", "RSV2", "RSV3"):
            x.flip(x.checkbox(bit), checked=True)
            x.broken(f"{bit} is set")
            x.flip(x.checkbox(bit), checked=False)
            expect(x.violations).not_to_contain_text(f"{bit} is set")
        x.choose("opcode:", 0x3)
        x.broken("reserved opcode 0x3")
        x.choose("opcode:", 0x9)
        expect_text(x.status, "PING [FM]")
        x.choose("opcode:", 0x1)
        expect_text(x.status, "TEXT [FM]")
        x.flip(x.checkbox("MASK"), checked=False)
        expect_text(x.status, "TEXT [F] len=5")
        expect_text(x.status, "header 2 bytes")
        x.flip(x.checkbox("MASK"), checked=True)
    with nb.part("the build tab: masking key, random key"):
        nb.fill(x.label("masking key (hex):"), "01 02 03 04")
        expect(x.hex).to_have_value(re.compile(r"^81 85 01 02 03 04 "))
        nb.click(x.root.locator("button.wsx-frame-random-key"))
        expect(x.label("masking key (hex):")).not_to_have_value("01 02 03 04")
        expect(x.hex).not_to_have_value(re.compile(r"^81 85 01 02 03 04 "))
    with nb.part("the build tab: payload as text, then as hex bytes"):
        nb.fill(x.label("payload:"), "Hi there")
        expect_text(x.status, "len=8 'Hi there'")
        nb.click(x.toggle(".widget-toggle-buttons", "hex bytes"))
        expect_text(x.root, "Cannot build this frame")  # "Hi there" is not hex
        nb.fill(x.label("payload:"), "00 ff")
        expect_text(x.status, "len=2")
        x.broken(re.compile(r"UTF-8", re.IGNORECASE))  # a text frame whose payload is not UTF-8
        nb.click(x.toggle(".widget-toggle-buttons", "text (UTF-8)"))
        nb.fill(x.label("payload:"), "Hello")
        expect_text(x.status, "len=5 'Hello'")
    with nb.part("the build tab: every length encoding"):
        for index, header, minimal in ((2, 8, False), (3, 14, False), (1, 6, True), (0, 6, True)):
            x.choose("length encoding:", index)  # 16-bit, 64-bit, 7-bit, shortest (+4 bytes of key)
            expect_text(x.status, f"header {header} bytes")
            if minimal:
                expect(x.violations).not_to_contain_text("minimal")
            else:
                x.broken("not in the minimal number of bytes")
        expect(x.label("length encoding:")).not_to_have_value("")  # the dropdown shows a choice

    with nb.part("pasted hex, the sender toggle, hex that is not hex"):
        nb.click(x.tab("Paste bytes"))
        expect(x.hex).to_be_visible()
        nb.fill(x.hex, RFC_MASKED_HELLO)
        expect_text(x.status, "TEXT [FM] len=5 'Hello'")
        expect_text(x.root.locator(".wsx-frame-unmasking"), "Hello")
        expect_text(x.root.locator(".wsx-frame-diagram"), "FIN")
        expect_text(x.root.locator(".wsx-frame-dump"), "37 fa 21 3d")
        nb.click(x.toggle(SENDER, "server → client"))
        x.broken("a server must not mask")
        nb.click(x.toggle(SENDER, "client → server"))
        x.clean()
        nb.fill(x.hex, "zz")
        expect_text(x.status, "Not hex")
    chooser = x.root.locator(".wsx-frame-chooser select")
    with nb.part("several frames and the frame chooser"):
        nb.click(x.toggle(SENDER, "server → client"))
        nb.fill(x.hex, THREE_FRAMES)
        expect_text(x.status, "3 frames in the input")
        expect(chooser).to_be_visible()
        expect(chooser.locator("option")).to_have_count(3)
        chooser.select_option(index=1)
        expect_text(x.status, "PING [F] len=0")
        chooser.select_option(index=2)
        expect_text(x.status, "CLOSE [F] len=2 code=1000")
        x.clean()
        expect_text(x.root.locator(".wsx-frame-messages"), "Hello")
    with nb.part("the permessage-deflate box"):
        nb.click(x.toggle(SENDER, "server → client"))
        nb.fill(x.hex, COMPRESSED_HELLO)
        expect(chooser).to_be_hidden()
        x.broken("RSV1 is set but no extension")
        deflate = x.root.locator(".wsx-frame-deflate input[type=checkbox]")
        x.flip(deflate, checked=True)
        x.clean()
        expect_text(x.root.locator(".wsx-frame-messages"), "'Hello'")  # inflated by the receiver
        x.flip(deflate, checked=False)
        x.broken("RSV1 is set but no extension")
    with nb.part("back to the build tab: it starts from the frame on show"):
        nb.click(x.tab("Build a frame"))
        expect(x.checkbox("RSV1")).to_be_checked()
        expect(x.label("payload:")).to_have_value("f2 48 cd c9 c9 07 00")

    finish(nb, x.root, frontend, "frame_inspector")
