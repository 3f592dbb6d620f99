"""Helpers for the subprotocol tests: run a conversation, read its violations, build MQTT packets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from wsexplorer.anatomy import Violation
from wsexplorer.codec.role import Role
from wsexplorer.codec.subprotocols import Conversation, DecodedMessage

Messages = Sequence[tuple[str, "str | bytes"]]
"""(sender, message) pairs; the sender is "client" or "server"."""


def run(conv: Conversation, messages: Messages) -> list[DecodedMessage]:
    """Every decoded message of ``messages`` fed in order, then what ``finish`` reports."""
    out: list[DecodedMessage] = []
    for sender, message in messages:
        out += conv.receive(message, cast(Role, sender))
    return out + conv.finish()


def rules(decoded: Sequence[DecodedMessage]) -> list[str]:
    """Every violation's rule, in order (an empty list for a valid conversation)."""
    return [v.rule for d in decoded for v in d.violations]


def only(decoded: DecodedMessage) -> Violation:
    """The one violation of ``decoded`` (fails when there is not exactly one)."""
    assert len(decoded.violations) == 1, decoded.violations
    return decoded.violations[0]


def spanned(decoded: DecodedMessage, v: Violation) -> bytes:
    """The bytes a violation points at."""
    return decoded.data[v.start : v.end]


def field(decoded: DecodedMessage, name: str) -> object:
    """The value of the first field called ``name``."""
    for f in decoded.fields:
        if f.name == name:
            return f.value
    raise KeyError(name)


def varint(n: int) -> bytes:
    """An MQTT Variable Byte Integer (MQTT 5.0 §1.5.5)."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt(first: int, body: bytes) -> bytes:
    """A packet: the first byte (type and flags), the Remaining Length, the body."""
    return bytes([first]) + varint(len(body)) + body


def utf8(text: str) -> bytes:
    """An MQTT UTF-8 string: 2-byte length, then the bytes."""
    raw = text.encode("utf-8")
    return len(raw).to_bytes(2, "big") + raw
