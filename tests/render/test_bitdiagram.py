"""Bit diagrams in the style of RFC 6455 §5.2, text and HTML, filled with the actual bits."""

from __future__ import annotations

from wsexplorer.codec.frames import Frame
from wsexplorer.render.bitdiagram import bit_diagram_html, bit_diagram_text
from wsexplorer.render.palette import field_color

from .html_checker import parse_html

HEADER_NAMES = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length"]


# -- bit diagrams ---------------------------------------------------------------------------------

HI_DIAGRAM = """\
 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-+-+-+-+-------+-+-------------+-------------------------------+
|1|0|0|0|0 0 0 1|0|0 0 0 0 0 1 0|0 1 0 0 1 0 0 0 0 1 1 0 1 0 0 1|  bytes 0..3
|F|R|R|R| opcode|M|   payload   |          payload data         |
|I|S|S|S|  (0x1 |A|    length   |            2 bytes            |
|N|V|V|V| text) |S|     (2)     |           text: 'Hi'          |
| |1|2|3|       |K|             |                               |
+-+-+-+-+-------+-+-------------+-------------------------------+"""


def test_bit_diagram_text_exact_for_a_small_frame() -> None:
    frame = Frame.parse(bytes.fromhex("81024869"))  # unmasked text "Hi"
    assert bit_diagram_text(frame) == HI_DIAGRAM


def test_bit_diagram_text_of_rfc_hello(hello: Frame) -> None:
    lines = bit_diagram_text(hello).splitlines()
    assert lines[1] == " " + " ".join(str(i % 10) for i in range(32))
    assert lines[3] == ("|1|0|0|0|0 0 0 1|1|0 0 0 0 1 0 1|0 0 1 1 0 1 1 1 1 1 1 1 1 0 1 0|  bytes 0..3")
    # the masking key spans bits 16..31 of row 0 and bits 0..15 of row 1; payload follows
    assert "|          masking key          |" in lines[4]
    assert "|      masking key (cont.)      |          payload data         |" in lines
    assert "+-------------------------------+---------------+---------------+" in lines
    # the rest of the payload is one truncated box over its 3 bytes, with a dashed bottom
    assert "|                 … 3 more bytes                |                  bytes 8..10" in lines
    assert lines[-1] == "+ - - - - - - - - - - - - - - - - - - - - - - - +"


def test_bit_diagram_text_extended_lengths(binary16: Frame, binary64: Frame) -> None:
    lines16 = bit_diagram_text(binary16).splitlines()
    assert lines16[3].startswith("|1|0|0|0|0 0 1 0|1|1 1 1 1 1 1 0|0 0 0 0 0 0 0 0 1 1 0 0 1 0 0 0|")
    row0 = "\n".join(lines16[3:9])
    assert "extended payload length" in row0 and "(126)" in row0 and "= 200" in row0
    assert "|                          masking key                          |" in lines16
    out64 = bit_diagram_text(binary64)
    lines64 = out64.splitlines()
    # 64 bits of length: bits 16..31 of row 0, all of row 1, bits 0..15 of row 2
    assert "(127)" in out64 and "= 70000" in out64
    assert "|            extended payload length (64-bit) (cont.)           |" in lines64
    row2 = next(x for x in lines64 if x.endswith("bytes 8..11"))
    assert row2 == ("|0 0 0 1 0 0 0 1 0 1 1 1 0 0 0 0|0 1 1 0 0 0 0 1 0 1 1 0 0 0 1 0|  bytes 8..11")
    assert "|      masking key (cont.)      |          payload data         |" in lines64
    assert "… 69,998 more bytes" in out64


def test_bit_diagram_text_payload_fields_when_not_header_only(close: Frame) -> None:
    summary = bit_diagram_text(close)
    assert "close code + close reason" in summary
    full = bit_diagram_text(close, header_only=False).splitlines()
    assert "|           close code          |" in full[4]
    assert any("= 1000" in x for x in full)
    assert "|                  close reason                 |" in full
    assert "|                    62 79 65                   |" in full


def test_bit_diagram_html(hello: Frame) -> None:
    markup = bit_diagram_html(hello)
    checker = parse_html(markup)
    ruler = [a for t, a in checker.tags if t == "th" and "wsx-rl" in a.get("class", "")]
    assert len(ruler) == 32
    numbers = [x for x in checker.text if x.strip().isdigit()]
    assert numbers[:32] == [str(i) for i in range(32)]
    spans = {
        (a.get("title", "").split(" (")[0], a.get("colspan", "1"))
        for t, a in checker.tags
        if t == "td" and "wsx-lab" in a.get("class", "")
    }
    assert ("opcode", "4") in spans
    assert ("payload length", "7") in spans
    assert ("FIN", "1") in spans
    assert ("masking key", "16") in spans
    bits = [a for t, a in checker.tags if t == "td" and "wsx-bit" in a.get("class", "").split()]
    assert len(bits) == 64  # rows 0 and 1 are full of wire bits; the rest is summarised
    assert field_color("opcode") in bits[4]["style"]


def test_bit_diagram_html_marks_violating_fields(malformed: Frame) -> None:
    checker = parse_html(bit_diagram_html(malformed))
    bad = {
        a.get("title", "").split(" (")[0]
        for t, a in checker.tags
        if t == "td" and "wsx-bdbad" in a.get("class", "") and "wsx-lab" in a.get("class", "")
    }
    assert bad == {"opcode", "RSV2"}
