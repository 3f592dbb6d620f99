"""HTTP framing of the handshake: where a header block ends, and the bound on its size (RFC 7230 §3)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.http import MAX_HEADER_BYTES, find_header_end, header_bytes, serialize_message
from wsexplorer.errors import HandshakeParseError

from .handshake_samples import SEED_REQUEST


def test_find_header_end() -> None:
    assert find_header_end(SEED_REQUEST) == len(SEED_REQUEST)
    assert find_header_end(SEED_REQUEST[:-1]) is None
    assert find_header_end(SEED_REQUEST + b"\x81\x05hello") == len(SEED_REQUEST)
    assert find_header_end(b"GET / HTTP/1.1\nHost: x\n\n") == 24
    assert find_header_end(b"GET / HTTP/1.1\r\nHost: x\n\r\n") == 26
    stream = bytearray(b"junk" + SEED_REQUEST)
    assert find_header_end(stream, 4) == len(stream)


def test_find_header_end_limit() -> None:
    header = b"GET / HTTP/1.1\r\nX: " + b"a" * (MAX_HEADER_BYTES - 23) + b"\r\n\r\n"
    assert len(header) == MAX_HEADER_BYTES
    assert find_header_end(header) == MAX_HEADER_BYTES
    assert find_header_end(header[:-4]) is None
    too_long = b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEADER_BYTES
    with pytest.raises(HandshakeParseError) as info:
        find_header_end(too_long)
    assert info.value.offset == MAX_HEADER_BYTES
    assert "16384" in info.value.rule
    with pytest.raises(HandshakeParseError) as info:
        find_header_end(b"xx" + too_long, 2)
    assert info.value.offset == 2 + MAX_HEADER_BYTES


def test_header_bytes_are_latin_1_then_utf_8() -> None:
    assert header_bytes("é") == b"\xe9"  # one byte per character while Latin-1 can hold it
    assert header_bytes("€") == "€".encode()  # beyond Latin-1: UTF-8


def test_serialize_message_refuses_what_would_break_the_message() -> None:
    assert serialize_message("GET / HTTP/1.1", [("Host", "x")]) == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    with pytest.raises(ValueError, match="not a token"):
        serialize_message("GET / HTTP/1.1", [("Bad Name", "x")])
    with pytest.raises(ValueError, match="control character"):
        serialize_message("GET / HTTP/1.1", [("X", "a\r\nInjected: 1")])
