"""Incremental UTF-8 validation: fail at the first invalid byte, across fragment boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.utf8 import Utf8Validator, first_invalid_utf8


def test_valid_text_split_everywhere() -> None:
    data = "κόσμε — 🌍 ok".encode()
    for cut in range(len(data) + 1):
        v = Utf8Validator(keep_text=True)
        assert v.feed(data[:cut]) is None
        assert v.feed(data[cut:], final=True) is None
        assert v.text == "κόσμε — 🌍 ok"


@pytest.mark.parametrize(
    ("chunks", "offset"),
    [
        ([b"ab\xc0"], 2),  # invalid start byte
        ([b"ab", b"\xe2\x82", b"\xffx"], 2),  # a sequence broken in the next fragment
        (
            [b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"],
            11,
        ),  # surrogate (Autobahn 6.3)
        ([b"ab\xed\xa0"], 2),  # surrogate prefix: caught before the sequence completes
        ([b"ab\xf4\x90"], 2),  # above U+10FFFF
        ([b"\xf0\x80"], 0),  # overlong 4-byte prefix
        ([b"\xe0\x80"], 0),  # overlong 3-byte prefix
    ],
)
def test_fails_fast_with_stream_offset(chunks: list[bytes], offset: int) -> None:
    v = Utf8Validator()
    results = [v.feed(c) for c in chunks]
    assert results[-1] == offset
    assert all(r is None for r in results[:-1])


def test_incomplete_at_end_is_invalid_when_final() -> None:
    v = Utf8Validator()
    assert v.feed(b"ok\xe2\x82") is None
    assert v.feed(b"", final=True) == 2


def test_first_invalid_utf8() -> None:
    assert first_invalid_utf8(b"hello") is None
    assert first_invalid_utf8(b"he\xffllo") == 2
    assert first_invalid_utf8(b"ok\xe2\x82", final=False) is None
    assert first_invalid_utf8(b"ok\xe2\x82", final=True) == 2


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=64), st.integers(0, 64))
def test_agrees_with_python_decoder(data: bytes, cut: int) -> None:
    v = Utf8Validator()
    first = v.feed(data[:cut])
    result = first if first is not None else v.feed(data[cut:], final=True)
    try:
        data.decode("utf-8")
        expected_valid = True
    except UnicodeDecodeError:
        expected_valid = False
    assert (result is None) == expected_valid
