"""The three WAMP serializations, each giving a message's elements with their byte ranges.

A WAMP message is an array (WAMP basic profile: Messages); the subprotocol name says how it is
serialized (Transports: ``wamp.2.json`` in text messages, ``wamp.2.msgpack`` and ``wamp.2.cbor`` in
binary ones). JSON is read by :mod:`.json_scan`; MessagePack and CBOR by the optional ``msgpack`` and
``cbor2`` packages (``pip install msgpack cbor2``), imported on first use. Their element boundaries
come from the decoders' own position (``Unpacker.tell()``, the CBOR stream's ``tell()``), read as each
element is decoded. A failure of a third-party decoder is a problem of the message, never an exception
that escapes.
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass, field
from types import ModuleType

from .json_scan import JsonDocument, scan_json

__all__ = ["SERIALIZERS", "Element", "Elements", "decode_elements", "missing_package"]

SERIALIZERS = {"json": "", "msgpack": "msgpack", "cbor": "cbor2"}
"""Serialization name -> the package it needs ("" for none)."""


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the message array: its value and its bytes."""

    value: object
    start: int
    end: int


@dataclass(slots=True)
class Elements:
    """What a serialization made of a message: the elements (when it is an array), problems, and for
    JSON the whole document (its nested values are shown too)."""

    elements: list[Element] = field(default_factory=list)
    is_array: bool = False
    problems: list[tuple[str, int, int, str]] = field(default_factory=list)  # rule, start, end, section
    header_end: int = 0
    json: JsonDocument | None = None
    missing: str = ""  # the package that is not installed


def missing_package(serializer: str) -> str:
    """The package ``serializer`` needs that cannot be imported ("" when none is missing)."""
    name = SERIALIZERS.get(serializer, "")
    if not name:
        return ""
    try:
        importlib.import_module(name)
    except ImportError:
        return name
    return ""


def decode_elements(data: bytes, serializer: str) -> Elements:
    """The elements of the message in ``data`` serialized with ``serializer`` (json, msgpack, cbor)."""
    if serializer == "json":
        return _json(data)
    package = SERIALIZERS.get(serializer)
    if package is None:
        raise ValueError(f"unknown WAMP serializer {serializer!r}; choose from {', '.join(SERIALIZERS)}")
    try:
        module = importlib.import_module(package)
    except ImportError:
        return Elements(missing=package)
    return _msgpack(data, module) if serializer == "msgpack" else _cbor(data, module)


def _json(data: bytes) -> Elements:
    doc = scan_json(data)
    out = Elements(json=doc, problems=[(p.rule, p.start, p.end, p.section) for p in doc.problems])
    out.is_array = doc.complete and isinstance(doc.value, list)
    root = doc.node("")
    out.header_end = root.start + 1 if root is not None else 0
    out.elements = [Element(n.value, n.start, n.end) for n in doc.nodes if n.depth == 1]
    return out


def _msgpack(data: bytes, msgpack: ModuleType) -> Elements:
    out = Elements()
    section = "MessagePack specification"
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=max(len(data), 1))
    unpacker.feed(data)
    try:
        count = unpacker.read_array_header()
    except Exception as e:  # a foreign decoder's failure: a problem of the message, never escaping
        out.problems.append((f"not a MessagePack array: {type(e).__name__}", 0, len(data), section))
        return out
    out.is_array, out.header_end = True, unpacker.tell()
    for _ in range(count):
        start = unpacker.tell()
        try:
            value = unpacker.unpack()
        except Exception as e:  # a foreign decoder's failure, as above
            out.problems.append(
                (f"invalid MessagePack: {type(e).__name__}: {e}"[:200], start, len(data), section)
            )
            return out
        out.elements.append(Element(value, start, unpacker.tell()))
    if unpacker.tell() < len(data):
        out.problems.append(("data after the message array", unpacker.tell(), len(data), section))
    return out


def _cbor(data: bytes, cbor2: ModuleType) -> Elements:
    out = Elements()
    section = "RFC 8949 (CBOR)"
    if not data or data[0] >> 5 != 4:
        out.problems.append(("not a CBOR array (major type 4)", 0, min(len(data), 1), section))
        return out
    info, pos = data[0] & 0x1F, 1
    if info < 24:
        count: int | None = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if len(data) < 1 + size:
            out.problems.append(("the array header is cut short", 0, len(data), section))
            return out
        count, pos = int.from_bytes(data[1 : 1 + size], "big"), 1 + size
    elif info == 31:
        count = None  # indefinite length: items until a break (0xff)
    else:
        out.problems.append((f"array header with reserved additional information {info}", 0, 1, section))
        return out
    out.is_array, out.header_end = True, pos
    fp = io.BytesIO(data)
    fp.seek(pos)
    decoder = cbor2.CBORDecoder(fp)
    while count is None or len(out.elements) < count:
        start = fp.tell()
        if count is None and data[start : start + 1] == b"\xff":
            fp.seek(start + 1)
            break
        if start >= len(data):
            out.problems.append(("the message ends inside the array", start, start, section))
            return out
        try:
            value = decoder.decode()
        except Exception as e:  # a foreign decoder's failure: a problem of the message, never escaping
            out.problems.append((f"invalid CBOR: {type(e).__name__}: {e}"[:200], start, len(data), section))
            return out
        out.elements.append(Element(value, start, fp.tell()))
    if fp.tell() < len(data):
        out.problems.append(("data after the message array", fp.tell(), len(data), section))
    return out
