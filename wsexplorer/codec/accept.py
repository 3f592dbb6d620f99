"""Sec-WebSocket-Key and Sec-WebSocket-Accept: the key a client sends and the proof a server returns.

The accept value is base64(SHA-1(key + GUID)) (RFC 6455 §1.3, §4.2.2 step 5.4). :class:`AcceptComputation`
shows that computation step by step; :func:`generate_key` draws a key from an injectable ``rng``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import string
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidKey
from .http import header_bytes

__all__ = [
    "GUID",
    "KEY_SECTION",
    "AcceptComputation",
    "AcceptStep",
    "accept_key",
    "check_key",
    "generate_key",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""The fixed string appended to the key before hashing (RFC 6455 §1.3, §4.2.2)."""

_B64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/")
KEY_SECTION = "RFC 6455 §4.2.1 item 5"
"""Where the 16-byte rule for Sec-WebSocket-Key is written."""


# --------------------------------------------------------------------------------------------------
# Sec-WebSocket-Key and Sec-WebSocket-Accept
# --------------------------------------------------------------------------------------------------


def accept_key(key: str) -> str:
    """base64(SHA-1(key + GUID)): the Sec-WebSocket-Accept for ``key`` (RFC 6455 §4.2.2 step 5.4).

    The key is used as text, exactly as sent; it is not decoded and not validated here.
    """
    digest = hashlib.sha1(header_bytes(key + GUID), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def generate_key(rng: Callable[[int], bytes] = os.urandom) -> str:
    """A fresh Sec-WebSocket-Key: 16 bytes from ``rng`` in base64 (RFC 6455 §4.1 item 7)."""
    nonce = rng(16)
    if len(nonce) != 16:
        raise ValueError(f"rng(16) returned {len(nonce)} bytes, not 16")
    return base64.b64encode(nonce).decode("ascii")


def check_key(key: str, base: int = 0) -> tuple[bytes | None, InvalidKey | None]:
    """Decode ``key`` and check it is 16 bytes of base64 (RFC 6455 §4.2.1 item 5, §4.3).

    Returns the decoded bytes (when it decodes at all) and the problem, if any, as an
    :class:`~wsexplorer.errors.InvalidKey` (HTTP 400) that is returned, not raised, so a server's
    decision can record it as a failed step. ``base`` is the byte offset of the key in its message,
    so errors point into the message.
    """

    def bad(rule: str, at: int) -> InvalidKey:
        return InvalidKey(rule, section=KEY_SECTION, offset=base + at)

    if not key:
        return None, bad("Sec-WebSocket-Key is empty; it must be 16 bytes in base64", 0)
    body = key.rstrip("=")
    for i, c in enumerate(body):
        if c not in _B64_ALPHABET:
            return None, bad(
                f"Sec-WebSocket-Key character {c!r} at offset {i} of the key is not base64 "
                "(A-Z a-z 0-9 + / and '=' padding at the end)",
                i,
            )
    if len(key) - len(body) > 2:
        return None, bad("Sec-WebSocket-Key ends with more than two '=' padding characters", len(body))
    if len(key) % 4:
        return None, bad(
            f"Sec-WebSocket-Key is {len(key)} characters long, not a multiple of 4: "
            "base64 padding is missing or wrong",
            len(key),
        )
    try:
        decoded = base64.b64decode(key, validate=True)
    except binascii.Error as exc:  # defensive: the checks above should leave nothing to fail
        return None, bad(f"Sec-WebSocket-Key is not valid base64: {exc}", 0)
    if len(decoded) != 16:
        return decoded, bad(
            f"Sec-WebSocket-Key decodes to {len(decoded)} bytes; it must decode to exactly 16",
            0,
        )
    return decoded, None


@dataclass(frozen=True, slots=True)
class AcceptStep:
    """One step of the Sec-WebSocket-Accept computation: what goes in, what comes out, and why."""

    number: int
    title: str
    input: str | bytes
    output: str | bytes
    explanation: str
    section: str
    ok: bool = True

    def show(self, value: str | bytes) -> str:
        """A value as text: strings quoted, bytes as hex."""
        if isinstance(value, bytes):
            return f"{len(value)} bytes: {value.hex(' ')}" if value else "(no bytes)"
        return repr(value)


class AcceptComputation:
    """Sec-WebSocket-Accept computed step by step from a key (RFC 6455 §1.3, §4.2.2 step 5.4).

    ``strict=True`` raises :class:`~wsexplorer.errors.InvalidKey` for a key that is not 16 bytes of
    base64; ``strict=False`` records the failed check in ``error`` and still computes the accept, so
    the steps can be shown for any key.
    """

    def __init__(self, key: str, strict: bool = True) -> None:
        self.key = key
        decoded, error = check_key(key)
        if error is not None and strict:
            raise error
        self.key_bytes: bytes | None = decoded
        self.error: InvalidKey | None = error
        joined = key + GUID
        digest = hashlib.sha1(header_bytes(joined), usedforsecurity=False).digest()
        self.digest = digest
        self.accept = base64.b64encode(digest).decode("ascii")
        check = "it decodes to 16 bytes, as required" if error is None else "this one does not: "
        check += error.rule if error is not None else ""
        self.steps: tuple[AcceptStep, ...] = (
            AcceptStep(
                1,
                "The key as sent",
                key,
                key,
                "The client's Sec-WebSocket-Key header value, without surrounding whitespace.",
                "RFC 6455 §4.1 item 7",
            ),
            AcceptStep(
                2,
                "Check: base64 of 16 random bytes",
                key,
                decoded if decoded is not None else b"",
                "The server checks that the key base64-decodes to 16 bytes; " + check + ".",
                "RFC 6455 §4.2.1 item 5",
                ok=error is None,
            ),
            AcceptStep(
                3,
                "Append the GUID to the key TEXT",
                key,
                joined,
                "The key is used as text, exactly as sent: its base64 is NOT decoded. The fixed "
                f"GUID {GUID} is appended to it.",
                "RFC 6455 §4.2.2 step 4",
            ),
            AcceptStep(
                4,
                "SHA-1 of the joined text",
                joined,
                digest,
                f"SHA-1 turns the text into a 20-byte digest, hex {digest.hex()}.",
                "RFC 6455 §4.2.2 step 5.4",
            ),
            AcceptStep(
                5,
                "base64 of the digest",
                digest,
                self.accept,
                "The digest in base64 is the Sec-WebSocket-Accept value; the client computes the "
                "same and aborts if the server's differs.",
                "RFC 6455 §4.2.2 step 5.4, §4.1",
            ),
        )

    @property
    def valid(self) -> bool:
        """True when the key passed the 16-byte check."""
        return self.error is None

    def __repr__(self) -> str:
        flag = "" if self.valid else ", invalid key"
        return f"<AcceptComputation {self.key!r} -> {self.accept!r}{flag}>"
