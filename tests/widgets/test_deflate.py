"""DeflateExplorer and its figure: takeover on vs off, window bits, round trips, no leaked figures."""

from __future__ import annotations

import math
import re
from html import unescape

import pytest

from wsexplorer.render.deflate_figure import figure_png, ratio_figure
from wsexplorer.widgets import DeflateExplorer
from wsexplorer.widgets.deflate import DEFAULT_MESSAGES, OFF, ON, run_messages

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def plain(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def explorer() -> DeflateExplorer:
    return DeflateExplorer()


def test_takeover_makes_later_messages_smaller(explorer: DeflateExplorer) -> None:
    on = [len(m.compressed) for m in explorer.runs[ON].messages]
    off = [len(m.compressed) for m in explorer.runs[OFF].messages]
    assert len(on) == len(off) == len(DEFAULT_MESSAGES)
    assert on[0] == off[0]  # nothing to refer back to yet
    assert all(a < b for a, b in zip(on[1:], off[1:], strict=True))
    assert sum(on) < 0.6 * sum(off)


def test_the_receiver_inflates_what_was_sent(explorer: DeflateExplorer) -> None:
    for run in explorer.runs.values():
        assert [b.decode() for b in run.inflated] == list(DEFAULT_MESSAGES)
    assert '"user": "alice"' in plain(explorer.table.value)


def test_negotiation_follows_the_controls() -> None:
    d = DeflateExplorer(["abc abc abc", "abc abc abc"])
    assert "client_max_window_bits=15" in plain(d.agreed.value)
    assert "client_no_context_takeover" not in plain(d.agreed.value)
    d.takeover.value = False
    assert "client_no_context_takeover" in plain(d.agreed.value)
    d.window_bits.value = 9
    assert d.runs[ON].agreed.endswith("client_max_window_bits=9")
    assert "2 9 = 512 bytes" in plain(d.window_note.value)


def test_ratios_and_figure(explorer: DeflateExplorer) -> None:
    assert set(explorer.ratios) == {ON, OFF}
    assert explorer.ratios[ON] == [m.ratio for m in explorer.runs[ON].messages]
    assert explorer.figure_png.startswith(PNG_MAGIC)


def test_no_pyplot_figures_are_left_open() -> None:
    import matplotlib.pyplot as plt

    d = DeflateExplorer(["one two three", "one two three four"])
    for bits in (8, 12, 15):
        d.window_bits.value = bits
    assert plt.get_fignums() == []


def test_editing_messages_and_empty_input() -> None:
    d = DeflateExplorer(["x"])
    d.messages.value = "first message\nsecond message, like the first message\n\n"
    assert d.lines == ["first message", "second message, like the first message"]
    assert len(d.runs[ON].messages) == 2
    d.messages.value = ""
    assert d.runs[ON].messages == []
    assert "Type some messages" in plain(d.table.value)
    assert d.error is None


def test_inspect_one_message(explorer: DeflateExplorer) -> None:
    explorer.inspect.value = 0
    text = plain(explorer.detail.value)
    assert "BFINAL" in text and "BTYPE" in text and "sync-flush tail" in text


def test_run_messages_empty_message_has_no_ratio() -> None:
    run = run_messages(["", "a"], takeover=True, window_bits=15)
    assert run.ratios[0] is None
    assert run.inflated == [b"", b"a"]


def test_ratio_figure_draws_one_line_per_setting_and_leaves_gaps() -> None:
    fig = ratio_figure({"a": [0.5, None, 0.25], "b": [1.0, 0.9, 0.8]})
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label() in ("a", "b")]
    assert len(lines) == 2
    assert math.isnan(lines[0].get_ydata()[1])
    assert figure_png(fig, dpi=50).startswith(PNG_MAGIC)


def test_container_class(explorer: DeflateExplorer) -> None:
    assert "wsx-deflate-explorer" in explorer._dom_classes
    assert explorer.widget is explorer


def test_a_short_message_grows_and_the_table_says_why() -> None:
    d = DeflateExplorer(["Hello Server!"])
    table = plain(d.table.value)
    assert "13 B 15 B" in table and "15% larger" in table and "bigger" not in table and "-15" not in table
    assert "compressed size ÷ original size" in table  # what the ratio means, said once
    assert "Message #1 got larger. Why 13 bytes became 15:" in table and "00 00 ff ff" in table
    detail = plain(d.detail.value)
    assert "13 bytes became 15 on the wire (15% larger)" in detail and "Why 13 bytes became 15" in detail
    assert "In all: 13 bytes of text became 15 bytes on the wire" in table


def test_a_long_message_shrinks_and_takeover_shrinks_a_repeat() -> None:
    d = DeflateExplorer(["Hello Server! " * 20, "Hello Server!"])
    table = plain(d.table.value)
    assert "92% smaller" in table and "69% smaller" in table and "Message #" not in table
    d.takeover.value = False
    table = plain(d.table.value)
    assert "15% larger" in table and "Message #2 got larger." in table


def test_controls_fit_and_the_dropdown_always_has_a_value() -> None:
    d = DeflateExplorer(["a", "b"])
    assert d.inspect.layout.max_width == "100%" and d.takeover.layout.max_width == "100%"
    assert d.inspect.value in [v for _, v in d.inspect.options]
    assert all(label for label, _ in d.inspect.options)
    d.messages.value = ""
    assert d.inspect.options == (("(no messages)", 0),) and d.inspect.value == 0
    assert "RFC" not in d.takeover.description


def test_figure_labels_say_compressed_over_original() -> None:
    fig = ratio_figure({"a": [1.2, 0.5]})
    ax = fig.axes[0]
    assert ax.get_ylabel() == "compressed ÷ original"
    assert "same size" in " ".join(t.get_text() for t in ax.texts)
    assert "no saving" not in " ".join(t.get_text() for t in ax.texts)
