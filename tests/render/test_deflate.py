"""The view of a compressed message (RFC 7692 §7.2): sizes, settings, one row per field."""

from __future__ import annotations

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.extensions.permessage_deflate import (
    CompressedMessage,
    PerMessageDeflateState,
    inspect_compressed,
)
from wsexplorer.render.deflate import (
    RATIO_MEANING,
    compressed_html,
    compressed_text,
    growth_note,
    messages_table_html,
    size_change,
)
from wsexplorer.render.describe import describe, html

from .html_checker import parse_html


def server_state() -> PerMessageDeflateState:
    return PerMessageDeflateState(ExtensionOffer("permessage-deflate"), "server")


def test_text_and_html_escape_and_say_the_settings() -> None:
    view = server_state().compress_message(b"<script>alert(1)</script>")
    text = compressed_text(view)
    assert text == describe(view)
    assert "bytes compressed" in text and "sync-flush tail" in text
    assert "context takeover: no" in text and "window: 2^15 = 32,768 bytes" in text and "**" not in text
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


def test_sizes_in_words() -> None:
    assert size_change(10, 6) == "40% smaller"
    assert size_change(5, 7) == "40% larger"
    assert size_change(13, 15) == "15% larger"
    assert size_change(8, 8) == "same size"
    assert size_change(1000, 999) == "less than 1% smaller"
    assert size_change(0, 1) == "empty message"


def hello_server() -> CompressedMessage:
    """ "Hello Server!" compressed on its own: 13 bytes become 15 (RFC 7692 §7.2.1)."""
    return server_state().compress_message(b"Hello Server!")


def test_a_short_message_that_grew_says_why() -> None:
    message = hello_server()
    assert (len(message.inflated), len(message.compressed)) == (13, 15)
    note = growth_note(message)
    assert note.startswith("Why 13 bytes became 15:")
    assert "repeats" in note and "block header" in note and "00 00 ff ff" in note and "§7.2.1" in note
    text = compressed_text(message)
    assert "ratio 1.15 = compressed size ÷ original size (15% larger)" in text and note in text
    assert "Why 13 bytes became 15" in compressed_html(message)
    big = server_state().compress_message(b"Hello Server! " * 20)
    assert growth_note(big) == "" and "Why" not in compressed_text(big)
    assert "92% smaller" in compressed_text(big)


def test_messages_table_explains_the_ratio_once_and_aligns_left() -> None:
    grown = hello_server()
    shrunk = server_state().compress_message(b"abcabcabcabcabcabcabc" * 4)
    shown = messages_table_html([shrunk, grown], [shrunk.inflated, grown.inflated])
    checker = parse_html(shown)
    text = " ".join(" ".join(checker.text).split())
    assert text.count("compressed size ÷ original size") == 1 and RATIO_MEANING in text
    assert "15% larger" in text and "smaller" in text and "-" + "15%" not in text
    assert "Message #2 got larger." in text and "Why 13 bytes became 15" in text
    cells = [attrs for tag, attrs in checker.tags if tag in ("td", "th")]
    assert cells and all("text-align:left" in a.get("style", "") for a in cells)
    wrapped = [a for tag, a in checker.tags if tag == "td" and "wsx-w-m" in a.get("class", "")]
    assert wrapped and all("overflow-wrap:anywhere" in a["style"] for a in wrapped)
    assert "Message #" not in messages_table_html([shrunk], [shrunk.inflated])
