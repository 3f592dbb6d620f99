"""Unmasking byte by byte (RFC 6455 §5.3): the codec's XOR, shown as masked byte ⊕ key byte = byte."""

from __future__ import annotations

import re

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.render.walkthrough import unmasking_html, unmasking_text

from .html_checker import parse_html


def test_rfc_hello_row_by_row(hello: Frame) -> None:
    shown = unmasking_html(hello)
    checker = parse_html(shown)
    assert re.findall(r"<td class=\"wsx-wt-m\" style=\"text-align:left\">'(.)'</td>", shown) == list("Hello")
    cells = [attrs for tag, attrs in checker.tags if tag in ("td", "th")]
    # JupyterLab right-aligns table cells; every cell says its alignment (the index column is a number).
    assert cells and all(
        "text-align:left" in a.get("style", "") or "wsx-wt-num" in a.get("class", "") for a in cells
    )
    assert "37" in shown and "00110111" in shown  # key byte 0 in hex and bits
    assert "Unmasked payload as text: <b>&#x27;Hello&#x27;</b>" in shown
    text = unmasking_text(hello)
    assert text.splitlines()[0].startswith("masking key 37 fa 21 3d")
    assert "7f 01111111 ^ 37 00110111 [0] = 48 01001000  'H'" in text


def test_an_unmasked_frame_explains_why() -> None:
    assert "not masked" in unmasking_html(Frame.text("hi"))
    assert "not masked" in unmasking_text(Frame.text("hi"))


def test_long_payloads_are_cut_and_say_so() -> None:
    frame = Frame.binary(bytes(100), mask=b"abcd")
    shown = unmasking_html(frame, max_rows=4)
    assert shown.count(">⊕</td>") == 4 and "96 more bytes" in shown
    assert "96 more bytes" in unmasking_text(frame, max_rows=4)
    with pytest.raises(ValueError):
        unmasking_html(frame, max_rows=0)


def test_a_truncated_frame_unmasks_what_arrived() -> None:
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f"), allow_truncated=True)
    shown = unmasking_html(frame)
    assert frame.missing == 3 and "3 announced payload bytes never arrived" in shown
