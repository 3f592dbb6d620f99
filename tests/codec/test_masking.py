"""Masking (RFC 6455 §5.3): all sizes, both code paths, against a plain per-byte reference."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.masking import SMALL_PAYLOAD, PayloadWriter, apply_mask, mask_small


def _reference(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 7, 8, 9, 125, 2047, 2048, 2049, 2055, 4096, 65539])
def test_sizes_around_thresholds(n: int) -> None:
    data, key = os.urandom(n), os.urandom(4)
    assert apply_mask(data, key) == _reference(data, key)
    assert apply_mask(bytearray(data), key) == _reference(data, key)
    assert apply_mask(memoryview(data), key) == _reference(data, key)


def test_result_is_bytes_and_input_untouched() -> None:
    data = bytearray(os.urandom(5000))
    before = bytes(data)
    out = apply_mask(data, b"\x01\x02\x03\x04")
    assert type(out) is bytes
    assert data == before
    assert hash(out) == hash(bytes(out))


def test_masking_is_an_involution_large() -> None:
    data, key = os.urandom((1 << 20) + 3), os.urandom(4)
    assert apply_mask(apply_mask(data, key), key) == data


def test_mask_small_equals_apply_mask_with_a_key_from_a_header() -> None:
    """The receiver's fast path hands mask_small views of the frame: payload and key, any alignment."""
    wire = os.urandom(6 + SMALL_PAYLOAD + 3)
    view = memoryview(wire)
    for n in range(SMALL_PAYLOAD + 1):
        for start in (0, 1, 3):
            key = view[start : start + 4]
            payload = view[start + 4 : start + 4 + n]
            assert mask_small(payload, key, n) == apply_mask(bytes(payload), bytes(key))


def test_rfc_example() -> None:
    assert apply_mask(b"Hello", bytes.fromhex("37fa213d")) == bytes.fromhex("7f9f4d5158")


def test_key_length_checked() -> None:
    with pytest.raises(ValueError, match="4 bytes"):
        apply_mask(b"abc", b"abc")


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=5000), st.binary(min_size=4, max_size=4))
def test_matches_reference(data: bytes, key: bytes) -> None:
    assert apply_mask(data, key) == _reference(data, key)


def test_matches_websockets_speedups() -> None:
    import websockets.speedups as speedups

    for n in (10, 3000, 1 << 20):
        data, key = os.urandom(n), os.urandom(4)
        assert apply_mask(data, key) == speedups.apply_mask(data, key)


@settings(max_examples=80, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=200_000),
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=8),
    masked=st.booleans(),
)
def test_payload_writer_in_pieces_equals_apply_mask(size: int, cuts: list[int], masked: bool) -> None:
    """Pieces of any length and any key phase, including longer than one tile (64 KiB)."""
    data, key = os.urandom(size), os.urandom(4)
    writer = PayloadWriter(size, key if masked else None)
    points = sorted({0, size, *(c for c in cuts if c <= size)})
    for a, b in itertools.pairwise(points):
        assert writer.missing == size - a and writer.filled == a
        writer.write(memoryview(bytearray(data[a:b])))
    assert writer.payload() == (apply_mask(data, key) if masked else data)


def test_payload_writer_refuses_too_much_and_too_little() -> None:
    writer = PayloadWriter(10, b"abcd")
    writer.write(b"12345")
    with pytest.raises(ValueError, match="missing 5"):
        writer.write(b"123456")
    with pytest.raises(ValueError, match="missing 5"):
        writer.payload()
    writer.write(b"67890")
    assert writer.payload() == apply_mask(b"1234567890", b"abcd")
