"""The accept computation's views: step cards (HTML) and numbered steps (text) (RFC 6455 §4.2.2)."""

from __future__ import annotations

from wsexplorer.codec.accept import GUID, AcceptComputation
from wsexplorer.render.accept import accept_html, accept_text
from wsexplorer.render.describe import describe, html

SEED_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SEED_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_accept_computation_text_and_html() -> None:
    comp = AcceptComputation(SEED_KEY)
    text = describe(comp)
    assert text == accept_text(comp)
    assert "b3 7a 4f 2c" in text and SEED_ACCEPT in text and GUID in text
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in repr(comp)
    shown = html(AcceptComputation("<b>==", strict=False))
    assert "<b>==" not in shown and "&lt;b&gt;" in shown


def test_cards_wrap_and_cite_sections_without_rfc_variable_notation() -> None:
    comp = AcceptComputation(SEED_KEY)
    shown = accept_html(comp)
    assert shown.count('style="overflow-wrap:anywhere"') == len(comp.steps)
    assert "(/" not in shown and "(/" not in accept_text(comp)
    assert "RFC 6455 §4.2.2 step 4<" in shown


def test_a_failed_check_says_why_in_one_sentence() -> None:
    shown = accept_html(AcceptComputation("c2hvcnQ=", strict=False))
    assert (
        "✗ The key fails this check. Sec-WebSocket-Key decodes to 5 bytes; it must decode to exactly 16."
        in (shown)
    )
    assert "CHECK FAILED" not in shown and "400 Bad Request" in shown
