"""Spans at bit precision and fields."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wsexplorer.anatomy import Field, Span, Violation


def test_span_bits_in_first_byte() -> None:
    data = bytes([0b1010_0001, 0xFF])
    assert Span(0, 1).extract(data) == 1
    assert Span(1, 1).extract(data) == 0
    assert Span(2, 1).extract(data) == 1
    assert Span(4, 4).bits(data) == "0001"
    assert Span(4, 4).raw(data) == b"\xa1"
    assert Span(4, 8).bits(data) == "00011111"  # crosses a byte boundary
    assert str(Span(4, 4)) == "bits 4..7"
    assert str(Span.of_bytes(2, 4)) == "bytes 2..3"
    assert not Span(9, 7).whole_bytes and Span(16, 16).whole_bytes


@given(st.binary(min_size=1, max_size=12), st.data())
def test_extract_agrees_with_a_bit_string(data: bytes, draw: st.DataObject) -> None:
    total = len(data) * 8
    start = draw.draw(st.integers(0, total - 1))
    length = draw.draw(st.integers(1, total - start))
    bits = "".join(format(b, "08b") for b in data)
    assert Span(start, length).bits(data) == bits[start : start + length]


def test_field_display() -> None:
    f = Field("masking key", Span(16, 32), b"\x37\xfa\x21\x3d", b"\x37\xfa\x21\x3d", "key")
    assert f.display_value() == "37 fa 21 3d"
    assert Field("FIN", Span(0, 1), b"\x81", True, "final", bits="1").is_bitfield


def test_violation_str() -> None:
    v = Violation("reserved opcode", 0, 1, "RFC 6455 §5.2", 1002)
    assert str(v) == "reserved opcode (RFC 6455 §5.2; byte 0) -> close 1002"
