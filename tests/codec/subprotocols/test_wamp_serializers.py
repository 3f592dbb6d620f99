"""The WAMP serializations give each element's bytes, and never let a foreign exception out."""

from __future__ import annotations

import importlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.subprotocols.wamp_serializers import decode_elements, missing_package

# The optional serializers are needed here: missing, these tests fail (never skip).
msgpack = importlib.import_module("msgpack")
cbor2 = importlib.import_module("cbor2")

MESSAGE = [48, 7, {"timeout": 100}, "com.myapp.add", [2, 3], {"x": b"\x00\x01"}]


@pytest.mark.parametrize(("serializer", "encode"), [("msgpack", msgpack.packb), ("cbor", cbor2.dumps)])
def test_binary_elements_have_exact_spans(serializer: str, encode: object) -> None:
    assert callable(encode)
    data = encode(MESSAGE)
    out = decode_elements(data, serializer)
    assert out.is_array and out.problems == [] and out.header_end == 1
    assert [e.value for e in out.elements] == MESSAGE
    for e, value in zip(out.elements, MESSAGE, strict=True):
        assert data[e.start : e.end] == encode(value)


def test_json_elements_and_the_document() -> None:
    data = json.dumps(MESSAGE[:5]).encode()
    out = decode_elements(data, "json")
    assert out.json is not None and out.json.ok and [e.value for e in out.elements] == MESSAGE[:5]
    assert data[out.elements[3].start : out.elements[3].end] == b'"com.myapp.add"'


def test_indefinite_cbor_arrays_and_trailing_data() -> None:
    out = decode_elements(b"\x9f\x01\x02\xff", "cbor")
    assert [e.value for e in out.elements] == [1, 2] and out.problems == []
    out = decode_elements(cbor2.dumps([1]) + b"\x00", "cbor")
    assert out.problems[0][0] == "data after the message array"
    out = decode_elements(msgpack.packb([1]) + b"\x00", "msgpack")
    assert out.problems[0][0] == "data after the message array"


def test_truncated_and_not_arrays() -> None:
    assert decode_elements(b"\x9a\x00\x00", "cbor").problems[0][0] == "the array header is cut short"
    assert decode_elements(b"\x83\x01", "cbor").problems[0][0] == "the message ends inside the array"
    assert "not a MessagePack array" in decode_elements(b"\x01", "msgpack").problems[0][0]
    assert decode_elements(b"\x93\x01", "msgpack").problems[0][0].startswith("invalid MessagePack")


def test_unknown_serializer_and_installed_packages() -> None:
    with pytest.raises(ValueError, match="serializer"):
        decode_elements(b"", "xml")
    assert (
        missing_package("json") == "" and missing_package("msgpack") == "" and missing_package("cbor") == ""
    )


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(["json", "msgpack", "cbor"]), st.binary(max_size=64))
def test_random_bytes_never_raise(serializer: str, data: bytes) -> None:
    out = decode_elements(data, serializer)
    for e in out.elements:
        assert 0 <= e.start <= e.end <= len(data)
