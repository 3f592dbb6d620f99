"""Tests for the Sec-WebSocket-Accept computation and key generation (RFC 6455 §1.3, §4.1, §4.2.2)."""

from __future__ import annotations

import base64

import pytest

from wsexplorer.codec.accept import GUID, AcceptComputation, accept_key, generate_key
from wsexplorer.errors import InvalidKey
from wsexplorer.render.describe import describe

from .handshake_samples import SEED_ACCEPT, SEED_KEY, fixed_rng

# -- Sec-WebSocket-Accept ----------------------------------------------------------------------------


def test_accept_key_seed_and_rfc_example() -> None:
    assert accept_key(SEED_KEY) == SEED_ACCEPT
    assert GUID == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def test_accept_key_does_not_validate() -> None:
    assert accept_key("not a key") == AcceptComputation("not a key", strict=False).accept


def test_accept_computation_steps() -> None:
    comp = AcceptComputation(SEED_KEY)
    assert comp.valid and comp.error is None
    assert comp.accept == SEED_ACCEPT
    assert [s.number for s in comp.steps] == [1, 2, 3, 4, 5]
    sent, check, joined, sha, b64 = comp.steps
    assert sent.output == SEED_KEY
    assert check.output == b"the sample nonce" and len(check.output) == 16 and check.ok
    assert joined.input == SEED_KEY  # the TEXT, not the decoded bytes
    assert joined.output == SEED_KEY + GUID
    assert "NOT decoded" in joined.explanation
    assert sha.output == bytes.fromhex("b37a4f2cc0624f1690f64606cf385945b2bec4ea")
    assert b64.input == sha.output and b64.output == SEED_ACCEPT
    assert all(s.section.startswith("RFC 6455 §") for s in comp.steps)


@pytest.mark.parametrize(
    ("key", "words", "offset"),
    [
        ("", "empty", 0),
        ("dGhlIHNhbXBsZSBub25jZQ", "22 characters long, not a multiple of 4", 22),
        ("dGhlIHNhbXBsZSBub25j", "decodes to 15 bytes", 0),
        ("dGhlIHNhbXBsZSBub25jZTEy", "decodes to 18 bytes", 0),
        ("dGhlIHNhbX!sZSBub25jZQ==", "character '!' at offset 10", 10),
        ("dGhlIHNhbXBsZSBub25j=Q==", "character '=' at offset 20", 20),
        ("dGhlIHNhbXBsZSBub25jZ===", "more than two '='", 21),
    ],
)
def test_accept_computation_invalid_keys(key: str, words: str, offset: int) -> None:
    with pytest.raises(InvalidKey) as info:
        AcceptComputation(key)
    assert words in info.value.rule
    assert info.value.offset == offset
    assert info.value.http_status == 400
    lenient = AcceptComputation(key, strict=False)
    assert not lenient.valid and lenient.error is not None and words in lenient.error.rule
    assert lenient.accept == accept_key(key)
    assert not lenient.steps[1].ok and "FAILED" in describe(lenient)


def test_rfc_example_key_with_nonzero_padding_bits_is_16_bytes() -> None:
    # RFC 6455 §4.1 item 7's example: bytes 0x01..0x10 shown as "AQIDBAUGBwgJCgsMDQ4PEC==".
    comp = AcceptComputation("AQIDBAUGBwgJCgsMDQ4PEC==")
    assert comp.key_bytes == bytes(range(1, 17))


def test_generate_key_uses_injected_rng() -> None:
    assert generate_key(fixed_rng) == "AQIDBAUGBwgJCgsMDQ4PEA=="
    assert len(base64.b64decode(generate_key())) == 16
    with pytest.raises(ValueError):
        generate_key(lambda n: b"short")
