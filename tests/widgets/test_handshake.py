"""HandshakeExplorer: every preset one click away, form and raw editing, the server and client verdicts."""

from __future__ import annotations

import re
from html import unescape

import ipywidgets as widgets
import pytest

from wsexplorer.errors import InvalidAccept
from wsexplorer.widgets import HandshakeExplorer
from wsexplorer.widgets.handshake import PRESETS


def plain(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def explorer() -> HandshakeExplorer:
    return HandshakeExplorer(rng=lambda n: bytes(range(n)))


@pytest.mark.parametrize(
    ("slug", "status", "client_ok"),
    [
        ("valid", 101, True),
        ("wrong-version", 426, False),
        ("origin-not-allowed", 403, False),
        ("missing-key", 400, False),
        ("bad-key", 400, False),
        ("not-get", 400, False),
        ("no-upgrade", 400, False),
        ("wrong-accept", 101, False),
        ("plain-http-server", 200, False),
        ("no-common-subprotocol", 101, True),
        ("deflate", 101, True),
    ],
)
def test_each_preset_is_one_click_away(
    explorer: HandshakeExplorer, slug: str, status: int, client_ok: bool
) -> None:
    button = explorer.presets[slug]
    assert f"wsx-preset-{slug}" in button._dom_classes
    button.click()
    assert explorer.preset == slug
    assert explorer.status == status
    assert explorer.check is not None
    assert explorer.check.ok is client_ok
    assert str(status) in plain(explorer.server_view.value)
    outcome = plain(explorer.outcome.value)
    assert outcome.startswith(f"{status} ") and ("connection is open" in outcome) is client_ok
    verdict = plain(explorer.client_view.value)
    assert ("Connection open" in verdict) is client_ok
    assert ("fails the connection" in verdict) is (not client_ok)


def test_every_preset_has_a_test() -> None:
    assert {p.slug for p in PRESETS} == {
        "valid",
        "wrong-version",
        "origin-not-allowed",
        "missing-key",
        "bad-key",
        "not-get",
        "no-upgrade",
        "wrong-accept",
        "plain-http-server",
        "no-common-subprotocol",
        "deflate",
    }


def test_valid_request_is_the_seed_example(explorer: HandshakeExplorer) -> None:
    explorer.apply_preset("valid")
    assert explorer.response is not None
    assert explorer.response.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert explorer.response.subprotocol == "chat"
    assert "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" in explorer.raw.value


def test_refusals_give_the_reason_and_section(explorer: HandshakeExplorer) -> None:
    explorer.apply_preset("wrong-version")
    assert explorer.decision is not None and explorer.decision.status == 426
    assert explorer.response is not None and explorer.response.get("Sec-WebSocket-Version") == "13"
    assert "§4.4" in plain(explorer.server_view.value)
    explorer.apply_preset("origin-not-allowed")
    text = plain(explorer.server_view.value)
    assert "403 Forbidden" in text and "allow-list" in text and "§10.2" in text
    assert "the server stops here" in plain(explorer.request_view.value)


def test_wrong_accept_makes_the_client_abort(explorer: HandshakeExplorer) -> None:
    explorer.apply_preset("wrong-accept")
    assert explorer.decision is not None and explorer.decision.accepted
    assert explorer.check is not None
    assert isinstance(explorer.check.error, InvalidAccept)
    assert explorer.response is not None and explorer.response.accept is not None
    sent, expected = explorer.response.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert sent != expected
    client = plain(explorer.client_view.value)
    assert f"The server sent '{sent}', but the client expected '{expected}'" in client
    assert "the client stops here" in plain(explorer.response_view.value)
    # The same wrong value everywhere it appears: on the wire, in the server's words and its checks.
    assert f"Sec-WebSocket-Accept: {sent}" in plain(explorer.response_view.value)
    server = plain(explorer.server_view.value)
    assert f"it sends Sec-WebSocket-Accept {sent}" in server and f"sending '{sent}'" in server
    assert f"= '{expected}'" not in server.split("The server's checks")[1]


def test_raw_presets_open_the_raw_editor(explorer: HandshakeExplorer) -> None:
    explorer.apply_preset("missing-key")
    assert explorer.mode == "raw"
    assert "Sec-WebSocket-Key" not in explorer.raw.value
    assert explorer.raw_panel.expanded
    explorer.rebuild.click()
    assert explorer.mode == "form"
    assert explorer.status == 101


def test_form_edits_drive_the_server() -> None:
    h = HandshakeExplorer()
    h.origin.value = "http://evil.example"
    assert h.status == 403
    assert h.preset is None
    h.allowed_origins.value = ""  # any origin
    assert h.status == 101
    h.server_subprotocols.value = "superchat, chat"
    assert h.check is not None and h.check.subprotocol == "superchat"
    h.extensions.value = "permessage-deflate; client_max_window_bits"
    assert h.check is not None and h.check.ok
    assert [ext.agreed.name for ext in h.check.extensions] == ["permessage-deflate"]
    h.extra_headers.value = "User-Agent: test/1.0"
    assert h.request is not None and h.request.get("User-Agent") == "test/1.0"
    h.extra_headers.value = "no colon here"
    assert h.request is None and h.error is not None and "no ':'" in h.error


def test_raw_edits(explorer: HandshakeExplorer) -> None:
    explorer.apply_preset("valid")
    explorer.raw.value = "GET /chat HTTP/1.1\nHost: server.example.com\n"  # no empty line yet
    assert explorer.mode == "raw"
    assert explorer.status is None
    assert "still waiting" in plain(explorer.server_view.value)
    explorer.raw.value = "hello\n\n"
    assert explorer.request is None
    assert explorer.status == 400
    assert "Not a readable request" in plain(explorer.request_view.value)


def test_random_key_uses_the_injected_rng() -> None:
    h = HandshakeExplorer(rng=lambda n: bytes(n))
    h.random_key.click()
    assert h.key.value == "AAAAAAAAAAAAAAAAAAAAAA=="
    assert h.request is not None and h.request.key == "AAAAAAAAAAAAAAAAAAAAAA=="


def test_container_class() -> None:
    h = HandshakeExplorer()
    assert "wsx-handshake-explorer" in h._dom_classes
    assert h.widget is h


def test_the_result_is_right_under_the_preset_buttons(explorer: HandshakeExplorer) -> None:
    children = list(explorer.children)
    buttons = next(
        i for i, c in enumerate(children) if explorer.presets["valid"] in getattr(c, "children", ())
    )
    assert children[buttons + 1] is explorer.preset_note and children[buttons + 2] is explorer.outcome
    explorer.presets["origin-not-allowed"].click()
    assert plain(explorer.outcome.value).startswith("403 Forbidden Result: The server refuses:")
    explorer.origin.value = "http://example.com"  # a form edit updates it too
    assert "connection is open" in plain(explorer.outcome.value)


def test_words_a_student_reads(explorer: HandshakeExplorer) -> None:
    for preset in PRESETS:
        explorer.apply_preset(preset.slug)
        shown = " ".join(
            plain(w.value)
            for w in (explorer.preset_note, explorer.outcome, explorer.server_view, explorer.client_view)
        )
        shown += plain(explorer.request_view.value) + plain(explorer.response_view.value)
        assert "(/" not in shown and "seed" not in shown, preset.slug
        assert "Accepted. the" not in shown and "fails the connection. the" not in shown, preset.slug
        if explorer.status == 403:
            assert "426" not in shown and "try again" not in shown
        if explorer.status == 426:
            assert "try again" in shown


def test_layout_fits_and_the_key_box_holds_a_key() -> None:
    h = HandshakeExplorer()
    assert h.key.layout.min_width == "min(100%, 27em)"  # 12.5em label + 24 base64 characters
    key_row = next(c for c in _all_boxes(h) if h.key in getattr(c, "children", ()))
    assert key_row.layout.flex_flow == "row wrap"
    forms = next(c for c in h.children if isinstance(c, widgets.HBox) and len(c.children) == 2)
    assert forms.layout.flex_flow == "row wrap"
    for box in forms.children:
        assert box.layout.min_width.startswith("min(100%,")


def test_every_dropdown_has_one_of_its_options(explorer: HandshakeExplorer) -> None:
    for preset in PRESETS:
        explorer.apply_preset(preset.slug)
        for dropdown in (c for c in _all_boxes(explorer) if isinstance(c, widgets.Dropdown)):
            values = [v for _, v in dropdown.options]
            assert isinstance(dropdown.value, str) and dropdown.value in values


def _all_boxes(root: widgets.Widget) -> list[widgets.Widget]:
    out, todo = [], [root]
    while todo:
        w = todo.pop()
        out.append(w)
        todo.extend(getattr(w, "children", ()))
    return out
