"""AcceptStepper in a real browser: every step button, a typed key, a drawn key, the invalid-key case and
a pasted server answer (RFC 6455 §1.3, §4.1, §4.2.2), in each front end."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .widget_run import finish, start

SEED_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SEED_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3


def test_accept_stepper(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "accept_stepper")
    stepper = nb.widget("wsx-accept-stepper")
    position = stepper.locator(".wsx-accept-position")
    result = stepper.locator(".wsx-accept-result")
    back = stepper.locator("button.wsx-accept-back")
    forward = stepper.locator("button.wsx-accept-next")
    show_all = stepper.locator("button.wsx-accept-all")
    key = stepper.locator(".wsx-accept-key input")
    steps = stepper.locator(".wsx-accept-steps")

    with nb.part("Next, step by step"):
        expect_text(position, "step 1 of 5")
        expect(back).to_be_disabled()
        expect_text(result, "shown after step 5")
        for shown in range(2, 6):
            nb.click(forward)
            expect_text(position, f"step {shown} of 5")
            if shown < 5:
                expect(result).not_to_contain_text(SEED_ACCEPT)
        expect_text(result, SEED_ACCEPT)
        expect(forward).to_be_disabled()
        expect(show_all).to_be_disabled()
        expect_text(steps, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")  # the GUID appended to the key text
    with nb.part("Back, then Show all"):
        nb.click(back)
        expect_text(position, "step 4 of 5")
        expect_text(result, "shown after step 5")
        nb.click(show_all)
        expect_text(position, "step 5 of 5")
        expect_text(result, SEED_ACCEPT)
    with nb.part("random key"):
        nb.click(stepper.locator("button.wsx-accept-random"))
        expect(key).not_to_have_value(SEED_KEY)
        drawn = key.input_value()
        assert len(drawn) == 24 and drawn.endswith("=="), drawn  # 16 bytes in base64
        expect(result).not_to_contain_text(SEED_ACCEPT)
        expect(position).not_to_contain_text("400")
    with nb.part("the RFC example key"):
        nb.click(stepper.locator("button.wsx-accept-seed"))
        expect(key).to_have_value(SEED_KEY)
        expect_text(position, "step 5 of 5")  # a new key keeps the step shown
        expect_text(result, SEED_ACCEPT)
    with nb.part("a typed key, and an invalid one"):
        nb.fill(key, "not a valid key")  # typed: not 16 bytes of base64
        expect_text(position, re.compile(r"refuse\w* this key \(400\)"))
        nb.fill(key, SEED_KEY)
        expect(position).not_to_contain_text("400")
        expect_text(result, SEED_ACCEPT)
    with nb.part("a pasted server answer: match, then mismatch"):
        paste = stepper.locator(".wsx-accept-paste input")
        verdict = stepper.locator(".wsx-accept-verdict")
        expect_text(verdict, "Paste the Sec-WebSocket-Accept value")
        nb.fill(paste, SEED_ACCEPT)
        expect_text(verdict, "✓ Match.")
        nb.fill(paste, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        expect_text(verdict, "✗ Mismatch.")
        expect_text(verdict, SEED_ACCEPT)  # what the client expected, beside what the server sent

    finish(nb, stepper, frontend, "accept_stepper")
