"""Tests for wsexplorer.dump: text and HTML dumps and bit diagrams, drawn from real frames."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from wsexplorer.anatomy import Field, Span, Violation
from wsexplorer.codec.frames import Frame
from wsexplorer.dump import (
    bit_diagram_html,
    bit_diagram_text,
    field_color,
    html_dump,
    text_dump,
)

HEADER_NAMES = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length"]


@pytest.fixture
def hello() -> Frame:
    """RFC 6455 §5.7: a single-frame masked text message "Hello"."""
    return Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))


@pytest.fixture
def binary16() -> Frame:
    """A masked binary frame of 200 bytes: 16-bit extended length."""
    return Frame.binary(bytes(range(200)), mask=b"\x01\x02\x03\x04")


@pytest.fixture
def binary64() -> Frame:
    """A masked binary frame of 70000 bytes: 64-bit extended length."""
    return Frame.binary(b"x" * 70000, mask=b"abcd")


@pytest.fixture
def malformed() -> Frame:
    """Reserved opcode 0x3 with RSV2 set; the payload holds characters HTML must escape."""
    return Frame.build(0x3, b"oops<&>", rsv2=True)


@pytest.fixture
def close() -> Frame:
    return Frame.close(1000, "bye")


# -- an HTML checker ------------------------------------------------------------------------------

VOID = {"br", "hr", "img", "meta", "input", "wbr", "col"}


class Checker(HTMLParser):
    """Records tags, attributes and text, and fails on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> Checker:
    checker = Checker()
    checker.feed(markup)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def byte_titles(checker: Checker) -> dict[int, tuple[str, str]]:
    """data-offset -> (title, class) of every hex cell."""
    return {
        int(attrs["data-offset"]): (attrs.get("title", ""), attrs.get("class", ""))
        for _, attrs in checker.tags
        if "data-offset" in attrs
    }


# -- field_color ----------------------------------------------------------------------------------


def test_field_color_is_fixed_for_header_fields_and_stable_for_others() -> None:
    names = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length", "masking key"]
    colors = [field_color(n) for n in names]
    assert len(set(colors)) == len(colors)
    assert field_color("extended payload length (16-bit)") == field_color("extended payload length (64-bit)")
    assert field_color("Sec-WebSocket-Key") == field_color("Sec-WebSocket-Key")
    for n in [*names, "close code", "close reason", "payload data", "Host", "whatever"]:
        assert re.fullmatch(r"#[0-9a-f]{6}", field_color(n))


# -- text dump ----------------------------------------------------------------------------------


def test_text_dump_of_rfc_hello(hello: Frame) -> None:
    out = text_dump(hello)
    lines = out.splitlines()
    assert lines[0] == "Frame · TEXT [FM] len=5 'Hello'"
    for f in hello.fields:
        assert f.name in out
    assert "     0  81 85 37 fa 21 3d 7f 9f 4d 51 58" in out
    assert "|..7.!=..MQX|" in out
    # under the hex row: ** for bytes shared by bit fields, then H (masking key) and I (payload)
    row = lines.index(next(line for line in lines if line.startswith("     0  81")))
    assert lines[row + 1] == "        ** ** H---------- I-------------"
    # bit-by-bit breakdown of byte 0 and byte 1
    assert "byte 0 = 0x81 = 1 0 0 0 0 0 0 1" in out
    assert "A B C D E E E E   A=FIN B=RSV1 C=RSV2 D=RSV3 E=opcode" in out
    assert "F G G G G G G G   F=MASK G=payload length" in out
    # one line per field: span, exact bits, value, meaning, RFC reference
    opcode = next(line for line in lines if " opcode " in line and "bits 4..7" in line)
    assert "0001" in opcode and "0x1" in opcode and "text frame" in opcode
    assert "RFC 6455 §5.2" in opcode
    length = next(line for line in lines if "bits 9..15" in line)
    assert "0000101" in length and "payload length: 5 bytes" in length
    key = next(line for line in lines if "bytes 2..5" in line)
    assert "masking key" in key and "37 fa 21 3d" in key and "RFC 6455 §5.3" in key
    assert "violations: none" in out


def test_text_dump_of_16_bit_length_frame(binary16: Frame) -> None:
    out = text_dump(binary16)
    assert "extended payload length (16-bit)" in out
    line = next(x for x in out.splitlines() if "bits 9..15" in x)
    assert "1111110" in line and "126" in line
    assert "bytes 2..3" in out and "bytes 4..7" in out and "bytes 8..207" in out
    assert "not shown" not in out


def test_text_dump_shows_violations(malformed: Frame) -> None:
    out = text_dump(malformed)
    assert "2 violations" in out
    assert "reserved opcode 0x3 is not defined" in out
    assert "RSV2 is set but no extension that defines it was negotiated" in out
    assert "byte 0; field opcode; RFC 6455 §5.2; answer: close 1002; fault: peer" in out
    lines = out.splitlines()
    # the bad byte is marked under the hex row
    assert "        !!   <- breaks a rule" in lines
    # fields that break a rule are flagged
    rsv2 = next(x for x in lines if "bit 2 " in x)
    assert rsv2.lstrip().startswith("!") and rsv2.split()[5:7] == ["1", "1"]


def test_text_dump_of_close_frame(close: Frame) -> None:
    out = text_dump(close)
    assert "close code" in out and "close reason" in out
    assert "1000: normal closure" in out and "RFC 6455 §7.4" in out
    assert "bytes 2..3" in out and "bytes 4..6" in out
    assert "1000" in out and "0x8" in out


def test_text_dump_truncates_a_megabyte() -> None:
    big = Frame.binary(b"x" * (1 << 20))
    out = text_dump(big)
    total = len(big)
    assert f"{total - 512:,} more bytes not shown (first 512 of {total:,} bytes)" in out
    assert len(out) < 12_000
    assert out.count("78 78 78 78") < 200
    assert "   496  " in out and "   512  " not in out


def test_text_dump_width_and_limits(hello: Frame) -> None:
    out = text_dump(hello, width=4)
    assert "     0  81 85 37 fa  |..7.|" in out
    assert "     8  4d 51 58     |MQX|" in out
    with pytest.raises(ValueError):
        text_dump(hello, width=0)
    with pytest.raises(ValueError):
        text_dump(hello, max_bytes=-1)


def test_frame_methods_use_the_dump(hello: Frame) -> None:
    assert hello.text_dump() == text_dump(hello)
    assert hello._repr_html_() == html_dump(hello)


# -- HTML dump ------------------------------------------------------------------------------------


def test_html_dump_is_balanced_self_contained_and_prefixed(hello: Frame) -> None:
    markup = html_dump(hello)
    checker = parse_html(markup)
    tags = {t for t, _ in checker.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "style" in tags
    assert "<script" not in markup and "url(" not in markup
    for _, attrs in checker.tags:
        assert "src" not in attrs and "href" not in attrs
        for cls in attrs.get("class", "").split():
            assert cls.startswith("wsx-"), cls
    style = markup[markup.index("<style>") : markup.index("</style>")]
    for selector in re.findall(r"\.([a-zA-Z][\w-]*)", style):
        assert selector.startswith("wsx-"), selector
    text = "".join(checker.text)
    for name in [f.name for f in hello.fields]:
        assert name in text


def test_html_dump_byte_tooltips_name_fields(hello: Frame) -> None:
    cells = byte_titles(parse_html(html_dump(hello)))
    assert sorted(cells) == list(range(11))
    title0, class0 = cells[0]
    assert title0.startswith("byte 0 = 0x81 = 10000001")
    for part in ["bit 0: FIN = 1", "bit 1: RSV1 = 0", "bits 4..7: opcode = 0001 (0x1)"]:
        assert part in title0
    assert "wsx-split" in class0
    title1, class1 = cells[1]
    assert "MASK = 1" in title1 and "payload length = 0000101 (5)" in title1
    assert "wsx-split" in class1
    title2, class2 = cells[2]
    assert "masking key (bytes 2..5)" in title2 and "wsx-split" not in class2
    assert "payload data" in cells[6][0]


def test_html_dump_colours_cells_by_field(hello: Frame) -> None:
    markup = html_dump(hello)
    checker = parse_html(markup)
    styles = {int(a["data-offset"]): a.get("style", "") for _, a in checker.tags if "data-offset" in a}
    assert field_color("masking key") in styles[2]
    assert field_color("payload data") in styles[6]
    # byte 0: a band with one stripe per bit, FIN then RSV1-3 then opcode
    assert "linear-gradient" in styles[0]
    for name in ["FIN", "RSV1", "RSV2", "RSV3", "opcode"]:
        assert field_color(name) in styles[0]
    # the legend shows every field with its colour
    pills = [(a.get("style", ""), i) for i, (t, a) in enumerate(checker.tags) if t == "span"]
    assert any(field_color("MASK") in s for s, _ in pills)


def test_html_dump_marks_violations(malformed: Frame) -> None:
    markup = html_dump(malformed)
    checker = parse_html(markup)
    cells = byte_titles(checker)
    assert "wsx-bad" in cells[0][1]
    assert "⚠ reserved opcode 0x3 is not defined (RFC 6455 §5.2) → close 1002" in cells[0][0]
    assert "wsx-bad" not in cells[1][1]
    text = "".join(checker.text)
    assert "2 violations" in text
    assert "RSV2 is set but no extension that defines it was negotiated" in text
    assert "byte 0 · field opcode · RFC 6455 §5.2 · fault: peer" in text
    assert "close 1002" in text
    # the payload's "<&>" is escaped, never raw markup
    assert "<&>" not in markup and "&lt;" in markup and "&amp;" in markup
    assert "..oops<&>" in text


def test_html_dump_of_close_and_16_bit_frames(close: Frame, binary16: Frame) -> None:
    text = "".join(parse_html(html_dump(close)).text)
    assert "close code" in text and "close reason" in text and "no violations found" in text
    checker = parse_html(html_dump(binary16))
    text = "".join(checker.text)
    assert "extended payload length (16-bit)" in text
    assert sorted(byte_titles(checker)) == list(range(208))


def test_html_dump_truncates_a_megabyte() -> None:
    big = Frame.binary(b"x" * (1 << 20))
    markup = html_dump(big)
    checker = parse_html(markup)
    assert len(byte_titles(checker)) == 512
    total = len(big)
    assert f"{total - 512:,} more bytes not shown" in "".join(checker.text)
    assert len(markup) < 200_000
    assert len(byte_titles(parse_html(html_dump(big, max_bytes=16)))) == 16


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


# -- objects that are not frames ----------------------------------------------------------------


@dataclass
class Lines:
    """A stand-in for a handshake: whole-byte fields only, no summary()."""

    data: bytes
    violations: list[Violation] = field(default_factory=list)

    def __bytes__(self) -> bytes:
        return self.data

    @property
    def fields(self) -> list[Field]:
        first = self.data.index(b"\r\n") + 2
        return [
            Field(
                "Request line",
                Span.of_bytes(0, first),
                self.data[:first],
                "GET / HTTP/1.1",
                "the request line",
            ),
            Field(
                "Host",
                Span.of_bytes(first, len(self.data)),
                self.data[first:],
                "example.com",
                "the server",
                "RFC 7230 §5.4",
            ),
        ]


def test_whole_byte_objects() -> None:
    obj = Lines(
        b"GET / HTTP/1.1\r\nHost: example.com\r\n",
        [Violation("no Upgrade header", 0, 16, "RFC 6455 §4.2.1", http_status=400)],
    )
    out = text_dump(obj)
    assert out.splitlines()[0] == "Lines"
    assert "bits" not in out.splitlines()[out.splitlines().index("fields:") + 1]
    assert "A--" in out and "B--" in out
    assert "answer: HTTP 400" in out and "bytes 0..15" in out
    diagram = bit_diagram_text(obj)
    assert "0..15" in diagram and "Request line" in diagram and "16..34" in diagram
    checker = parse_html(html_dump(obj))
    assert "HTTP 400" in "".join(checker.text)
    assert "Host" in byte_titles(checker)[20][0]
    parse_html(bit_diagram_html(obj))
