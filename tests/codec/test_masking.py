"""Masking (RFC 6455 §5.3): all sizes, both code paths, against a plain per-byte reference."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.masking import apply_mask


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
