"""The frame header, declared once (RFC 6455 §5.2): places, masks and meanings all come from it."""

from __future__ import annotations

import pytest

from wsexplorer.codec import frame_header as fh
from wsexplorer.codec.frames import Frame


def test_the_fixed_fields_tile_the_first_16_bits_in_wire_order() -> None:
    cursor = 0
    for field in fh.FIXED_FIELDS:
        assert field.bit_offset == cursor
        cursor += field.bit_width
    assert cursor == 16


def test_masks_are_derived_from_the_declarations() -> None:
    assert (fh.FIN_BIT, fh.RSV1_BIT, fh.RSV2_BIT, fh.RSV3_BIT) == (0x80, 0x40, 0x20, 0x10)
    assert (fh.OPCODE_BITS, fh.CONTROL_BIT, fh.MASK_BIT, fh.LENGTH7_BITS) == (0x0F, 0x08, 0x80, 0x7F)


@pytest.mark.parametrize("b0", [0x00, 0x81, 0xC2, 0x3F, 0xFF])
@pytest.mark.parametrize("b1", [0x00, 0x85, 0x7E, 0xFF])
def test_reading_a_field_is_reading_its_span(b0: int, b1: int) -> None:
    data = bytes((b0, b1))
    for field in fh.FIXED_FIELDS:
        assert field.read(data) == field.span.extract(data)


def test_frame_fields_follow_the_declarations() -> None:
    frame = Frame.binary(b"x" * 300, mask=b"abcd")
    by_name = {f.name: f for f in frame.fields}
    for decl in fh.FIXED_FIELDS:
        assert by_name[decl.name].span == decl.span and by_name[decl.name].rfc_ref == decl.section
    assert by_name["extended payload length (16-bit)"].span == fh.EXTENDED_LENGTH.span(8, 1, True, 308)
    assert by_name["masking key"].span == fh.MASKING_KEY.span(8, 1, True, 308)
    assert fh.MASKING_KEY.span(2, 0, False, 10) is None  # no key when MASK is 0


def test_layout_and_length_forms() -> None:
    assert fh.header_layout(bytes.fromhex("8185"), 0) is None  # the key is still missing
    assert fh.header_layout(bytes.fromhex("818537fa213d"), 0) == (6, 0, 5)
    assert fh.header_layout(bytes.fromhex("827e0100"), 0) == (4, 1, 256)
    assert fh.header_needed(bytes.fromhex("82ff")) == 14
    assert [fh.minimal_form(n) for n in (125, 126, 65535, 65536)] == [
        fh.LengthForm.BITS_7,
        fh.LengthForm.BITS_16,
        fh.LengthForm.BITS_16,
        fh.LengthForm.BITS_64,
    ]
    assert [f.extended_bytes for f in fh.LengthForm] == [0, 2, 8]
    assert [f.marker for f in fh.LengthForm] == [None, 126, 127]


def test_opcode_meanings() -> None:
    assert "text frame" in fh.describe_opcode(0x1)
    assert "reserved for further control frames" in fh.describe_opcode(0xB)
    assert fh.Opcode.PING.is_control and not fh.Opcode.BINARY.is_control
