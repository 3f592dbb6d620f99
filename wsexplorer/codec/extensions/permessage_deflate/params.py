"""permessage-deflate's four parameters, read strictly (RFC 7692 §5, §7.1).

Both the server reading an offer and the client reading the server's answer go through
:func:`parse_params`: unknown or repeated names and bad values make an element unusable (a server
declines such an offer, a client fails on such an answer, §5). The names here are shared by the
negotiation and the compression state of this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ....errors import HandshakeParseError
from ...headers import parse_extension_list
from ..base import ExtensionOffer

__all__ = [
    "CLIENT_BITS",
    "CLIENT_NCT",
    "EXTENSION_NAME",
    "KNOWN_PARAMS",
    "MAX_BITS",
    "MEM_LEVEL",
    "MIN_BITS",
    "SECTIONS",
    "SERVER_BITS",
    "SERVER_NCT",
    "SYNC_FLUSH_TAIL",
    "Params",
    "Unacceptable",
    "check_bits",
    "int_bits",
    "parse_element",
    "parse_params",
]

EXTENSION_NAME: Final = "permessage-deflate"

SYNC_FLUSH_TAIL: Final = b"\x00\x00\xff\xff"
"""End of an empty stored block: the sender drops it, the receiver adds it (RFC 7692 §7.2.1-2)."""

MIN_BITS: Final = 8
MAX_BITS: Final = 15

MEM_LEVEL: Final = 7
"""zlib's memLevel for our own compressor (local, never negotiated). zlib's default is 8; 7 halves the
hash table and the pending buffer, 64 KiB less per compressing connection end (192 KiB instead of 256
at 15-bit windows), and measured here the same ratio at 96-100% of the speed on 16-128 KiB text and
JSON (5 and 6 were 10-25% slower on 128 KiB messages). Node's ws shows memLevel 7 in its example too."""

SERVER_NCT: Final = "server_no_context_takeover"
CLIENT_NCT: Final = "client_no_context_takeover"
SERVER_BITS: Final = "server_max_window_bits"
CLIENT_BITS: Final = "client_max_window_bits"
KNOWN_PARAMS: Final = (SERVER_NCT, CLIENT_NCT, SERVER_BITS, CLIENT_BITS)

SECTIONS: Final = {
    SERVER_NCT: "RFC 7692 §7.1.1.1",
    CLIENT_NCT: "RFC 7692 §7.1.1.2",
    SERVER_BITS: "RFC 7692 §7.1.2.1",
    CLIENT_BITS: "RFC 7692 §7.1.2.2",
}

# RFC 7692 §7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15, inclusive".
_WINDOW_BITS_VALUE: Final = re.compile(r"(?:[89]|1[0-5])")


class Unacceptable(Exception):
    """Internal: why one offer or response cannot be taken, with the section that says so."""

    def __init__(self, reason: str, section: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.section = section


@dataclass(frozen=True, slots=True)
class Params:
    """The four RFC 7692 §7.1 parameters of one element (``True`` = a valueless one)."""

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | bool | None = None


def _window_bits(name: str, value: str | None, *, valueless_ok: bool) -> int | bool:
    if value is None:
        if valueless_ok:
            return True
        raise Unacceptable(f"{name} needs a value from 8 to 15", SECTIONS[name])
    if not _WINDOW_BITS_VALUE.fullmatch(value):
        raise Unacceptable(
            f"{name}={value!r} is not a decimal integer from 8 to 15 without leading zeros",
            SECTIONS[name],
        )
    return int(value)


def parse_params(element: ExtensionOffer, *, in_response: bool) -> Params:
    """Check the parameters of one element strictly (RFC 7692 §5, §7.1) and return them.

    Unknown names, repeated names and bad values make the element unusable: a server declines such
    an offer, a client fails the connection on such a response (RFC 7692 §5).
    """
    seen: set[str] = set()
    server_nct = client_nct = False
    server_bits: int | None = None
    client_bits: int | bool | None = None
    for key, value in element.params:
        if key not in KNOWN_PARAMS:
            raise Unacceptable(f"unknown parameter {key!r}", "RFC 7692 §5")
        if key in seen:
            raise Unacceptable(f"parameter {key!r} appears more than once", "RFC 7692 §5")
        seen.add(key)
        if key in (SERVER_NCT, CLIENT_NCT):
            if value is not None:
                raise Unacceptable(f"{key} takes no value (got {value!r})", SECTIONS[key])
            if key == SERVER_NCT:
                server_nct = True
            else:
                client_nct = True
        elif key == SERVER_BITS:
            server_bits = int(_window_bits(key, value, valueless_ok=False))
        else:
            # Only an offer may carry client_max_window_bits without a value (§7.1.2.2).
            client_bits = _window_bits(key, value, valueless_ok=not in_response)
    return Params(server_nct, client_nct, server_bits, client_bits)


def check_bits(name: str, bits: object, *, allow_true: bool = False) -> None:
    if bits is None or (allow_true and isinstance(bits, bool)):
        return
    if isinstance(bits, bool) or not isinstance(bits, int) or not MIN_BITS <= bits <= MAX_BITS:
        extra = ", True (offer without a value)" if allow_true else ""
        raise ValueError(f"{name} must be an int from 8 to 15{extra} or None, not {bits!r}")


def int_bits(value: int | bool | None) -> int | None:
    """A window-bits setting as a number, or None for absent / valueless."""
    if value is None or isinstance(value, bool):
        return None
    return value


def parse_element(text: str) -> ExtensionOffer:
    """Parse one extension element, ``name *(";" param ["=" value])`` (RFC 6455 §9.1).

    The grammar is :func:`~wsexplorer.codec.headers.parse_extension_list`'s; ValueError when ``text``
    is not exactly one element.
    """
    try:
        elements = parse_extension_list([text])
    except HandshakeParseError as err:
        raise ValueError(f"{text!r} is not an extension element: {err.rule} ({err.section})") from None
    if len(elements) != 1:
        raise ValueError(f"expected one extension element, found a list: {text!r}")
    return elements[0]
