"""AcceptStepper: stepping, the key-text lesson, the injected rng, and the pasted-answer verdict."""

from __future__ import annotations

import base64
import re
from html import unescape

import ipywidgets as widgets
import pytest

from wsexplorer import accept_key
from wsexplorer.widgets import AcceptStepper

SEED_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def plain(html: str) -> str:
    """The visible text of an HTML fragment (tags and the inline CSS removed)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def counting_rng(n: int) -> bytes:
    return bytes(range(n))


def test_next_to_the_end_shows_the_seed_accept() -> None:
    s = AcceptStepper()
    assert s.step == 1
    assert SEED_ACCEPT not in s.result.value
    for _ in range(10):
        s.next_button.click()
    assert s.step == s.last_step == 5
    assert SEED_ACCEPT in s.result.value
    assert plain(s.result.value) == SEED_ACCEPT
    assert s.next_button.disabled and s.all_button.disabled and not s.back_button.disabled


def test_back_and_show_all() -> None:
    s = AcceptStepper()
    s.back()
    assert s.step == 1 and s.back_button.disabled
    s.all_button.click()
    assert s.step == 5
    s.back_button.click()
    assert s.step == 4
    assert SEED_ACCEPT not in s.result.value
    assert s.steps_view.value.count('class="wsx-wt-card') == 4
    s.step = 99
    assert s.step == 5


def test_explains_that_the_key_text_not_the_decoded_bytes_is_hashed() -> None:
    s = AcceptStepper()
    s.step = 2
    text = plain(s.steps_view.value)
    assert "74 68 65 20 73 61 6d 70 6c 65 20 6e 6f 6e 63 65" in text  # the 16 decoded bytes shown
    assert "They are not what gets hashed" in text
    s.show_all()
    text = plain(s.steps_view.value)
    assert "the next step uses the key text" in text
    assert "its base64 is NOT decoded" in text
    assert "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" in text
    assert "b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea" in text  # SHA-1, 20 bytes


def test_the_appended_guid_is_highlighted() -> None:
    s = AcceptStepper()
    s.step = 3
    assert "<mark>258EAFA5-E914-47DA-95CA-C5AB0DC85B11</mark>" in s.steps_view.value


def test_random_key_uses_the_injected_rng() -> None:
    s = AcceptStepper(rng=counting_rng)
    s.random_button.click()
    expected = base64.b64encode(bytes(range(16))).decode()
    assert s.key.value == expected
    assert s.computation.key == expected
    s.show_all()
    assert accept_key(expected) in s.result.value


def test_seed_button_restores_the_rfc_key() -> None:
    s = AcceptStepper("AAAAAAAAAAAAAAAAAAAAAA==")
    s.seed_button.click()
    assert s.key.value == "dGhlIHNhbXBsZSBub25jZQ=="


def test_pasted_accept_match_and_mismatch() -> None:
    s = AcceptStepper()
    assert "Paste" in plain(s.verdict.value)
    s.paste.value = f"  {SEED_ACCEPT} "
    assert s.check is not None and s.check.ok
    assert "Match" in plain(s.verdict.value)
    s.paste.value = accept_key("x3JJHMbDL1EzLkh9GBhXDw==")
    text = plain(s.verdict.value)
    assert "Mismatch" in text
    assert (
        f"The server sent {accept_key('x3JJHMbDL1EzLkh9GBhXDw==')} , but the client expected {SEED_ACCEPT}"
        in text
    )
    assert "fail the WebSocket connection" in text
    assert s.check is not None and not s.check.ok


def test_verdict_follows_a_new_key() -> None:
    s = AcceptStepper()
    s.paste.value = SEED_ACCEPT
    assert "Match" in plain(s.verdict.value)
    s.key.value = "AAAAAAAAAAAAAAAAAAAAAA=="
    assert "Mismatch" in plain(s.verdict.value)


def test_an_invalid_key_is_refused_but_still_computed() -> None:
    s = AcceptStepper("c2hvcnQ=")  # "short": 5 bytes
    assert not s.computation.valid
    s.step = 2
    text = plain(s.steps_view.value)
    assert "400 Bad Request" in text
    assert "5 bytes" in text
    assert "a server refuses this key (400)" in plain(s.position.value)
    assert "var(--wsx-bad" in s.position.value and "#d93025" not in s.position.value
    s.show_all()
    assert accept_key("c2hvcnQ=") in s.result.value


@pytest.mark.parametrize(
    ("attr", "css"),
    [
        (None, "wsx-accept-stepper"),
        ("next_button", "wsx-accept-next"),
        ("result", "wsx-accept-result"),
        ("paste", "wsx-accept-paste"),
        ("verdict", "wsx-accept-verdict"),
    ],
)
def test_stable_css_classes(attr: str | None, css: str) -> None:
    s = AcceptStepper()
    target = s if attr is None else getattr(s, attr)
    assert css in target._dom_classes


def test_displays_as_a_widget() -> None:
    s = AcceptStepper()
    assert s.widget is s
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_rows_wrap_instead_of_growing_wider_than_the_page() -> None:
    s = AcceptStepper()
    rows = [c for c in s.children if isinstance(c, widgets.HBox)]
    assert len(rows) == 3 and all(r.layout.flex_flow == "row wrap" for r in rows)
    assert s.key.layout.max_width == "100%" and s.paste.layout.max_width == "100%"


def test_a_value_that_cannot_be_a_header_says_so_in_a_sentence() -> None:
    s = AcceptStepper()
    s.paste.value = "a\nb"
    text = plain(s.verdict.value)
    assert text.startswith("This text cannot be a header value: ") and text.endswith(".")
