"""The annotated dump of any inspectable object, text and HTML: hex by field, fields, rules broken."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from wsexplorer.anatomy import Field, Span, Violation
from wsexplorer.codec.frames import Frame
from wsexplorer.render.bitdiagram import bit_diagram_html, bit_diagram_text
from wsexplorer.render.describe import describe, html
from wsexplorer.render.dump import html_dump, text_dump
from wsexplorer.render.palette import field_color

from .html_checker import byte_titles, parse_html

HEADER_NAMES = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length"]


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
    assert "byte 0; field opcode; RFC 6455 §5.2; answer: close 1002; the sender broke this rule" in out
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


def test_one_name_for_every_view(hello: Frame) -> None:
    assert describe(hello) == text_dump(hello)
    assert html(hello) == html_dump(hello)


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
        assert selector.startswith("wsx-") or selector == "vscode-dark", selector  # VS Code's theme class
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
    assert "byte 0 · field opcode · RFC 6455 §5.2 · the sender broke this rule" in text
    assert "close 1002" in text
    # the payload's "<&>" is escaped, never raw markup
    assert "<&>" not in markup and "&lt;" in markup and "&amp;" in markup
    assert "..oops<&>" in text


def test_html_dump_of_close_and_16_bit_frames(close: Frame, binary16: Frame) -> None:
    text = "".join(parse_html(html_dump(close)).text)
    assert "close code" in text and "close reason" in text and "No rule broken" in text
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
