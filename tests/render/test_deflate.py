"""The view of a compressed message (RFC 7692 §7.2): sizes, settings, one row per field."""

from __future__ import annotations

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.extensions.permessage_deflate import PerMessageDeflateState, inspect_compressed
from wsexplorer.render.deflate import compressed_html, compressed_text
from wsexplorer.render.describe import describe, html

from .html_checker import parse_html


def server_state() -> PerMessageDeflateState:
    return PerMessageDeflateState(ExtensionOffer("permessage-deflate"), "server")


def test_text_and_html_escape_and_say_the_settings() -> None:
    view = server_state().compress_message(b"<script>alert(1)</script>")
    text = compressed_text(view)
    assert text == describe(view)
    assert "bytes compressed" in text and "sync-flush tail" in text
    assert "context takeover: no" in text and "2**15" in text
    shown = compressed_html(view)
    assert shown == html(view)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    parse_html(shown)
    binary = inspect_compressed(server_state().compress(b"\xff\xfe\x00"))
    assert "ff fe 00" in compressed_text(binary)


def test_a_message_that_grew_says_larger_not_a_negative_saving() -> None:
    view = inspect_compressed(bytes.fromhex("f248cdc9c90700"), b"Hello")
    assert "40% larger" in compressed_text(view) and "-40" not in compressed_text(view)
    assert "empty message" in compressed_text(inspect_compressed(b"\x00"))
