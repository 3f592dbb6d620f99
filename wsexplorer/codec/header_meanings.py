"""What each handshake header is for, in plain words: the teaching table (RFC 6455 §4.1, §4.2.2, §4.4).

The seed's table of required and optional headers, extended to the response, to refusals (where
``Connection`` and ``Upgrade`` mean something else) and to the common HTTP headers a student meets.
Each entry is the meaning, the section that defines it and its group (``required``, ``optional``,
``other``); :func:`header_meaning` picks the right table for a message, so an answer shows only the
meanings that apply to its status (a 403 says nothing about what a 426 allows).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = [
    "COMMON",
    "GENERIC",
    "REFUSAL",
    "REQUEST",
    "RESPONSE",
    "UPGRADE_REQUIRED",
    "HeaderMeaning",
    "header_meaning",
]


class HeaderMeaning(NamedTuple):
    """What a header is for, where that is written, and whether the handshake requires it."""

    meaning: str
    section: str
    group: Literal["required", "optional", "other"]


GENERIC = HeaderMeaning(
    "A header the WebSocket handshake does not define; WebSocket ignores it (RFC 6455 §4.2.1 "
    "item 10), though HTTP software such as cookies or authentication may use it.",
    "RFC 7230 §3.2",
    "other",
)

REQUEST: dict[str, HeaderMeaning] = {
    "host": HeaderMeaning(
        "Which server the client wants (host name, plus the port when not the default); one IP "
        "address can serve many sites.",
        "RFC 6455 §4.1 item 4",
        "required",
    ),
    "upgrade": HeaderMeaning(
        "Request protocol upgrade: asks the server to switch this connection from HTTP to the "
        "WebSocket protocol.",
        "RFC 6455 §4.1 item 5",
        "required",
    ),
    "connection": HeaderMeaning(
        "Indicates upgrade requested: must include the token 'Upgrade', so that a proxy acts on the "
        "Upgrade header instead of dropping it.",
        "RFC 6455 §4.1 item 6",
        "required",
    ),
    "sec-websocket-key": HeaderMeaning(
        "Random base64 value for handshake validation: 16 fresh random bytes, written in base64. "
        "The server hashes this text into Sec-WebSocket-Accept to prove it read this handshake.",
        "RFC 6455 §4.1 item 7",
        "required",
    ),
    "sec-websocket-version": HeaderMeaning(
        "WebSocket protocol version: must be 13 (the version of RFC 6455).",
        "RFC 6455 §4.1 item 9",
        "required",
    ),
    "origin": HeaderMeaning(
        "Where request originates: the site of the page that opened the connection. Browsers "
        "always send it, so a server can refuse pages from other sites.",
        "RFC 6455 §4.1 item 8, §10.2",
        "optional",
    ),
    "sec-websocket-protocol": HeaderMeaning(
        "Subprotocol preferences (application-defined): the message formats the client can speak, "
        "most preferred first; the server picks at most one.",
        "RFC 6455 §4.1 item 10",
        "optional",
    ),
    "sec-websocket-extensions": HeaderMeaning(
        "Extension negotiation (for example, compression): the extensions the client offers, each "
        "with its parameters, most preferred first.",
        "RFC 6455 §4.1 item 11, §9.1",
        "optional",
    ),
}

RESPONSE: dict[str, HeaderMeaning] = {
    "upgrade": HeaderMeaning(
        "Confirms the protocol the connection switches to: websocket.",
        "RFC 6455 §4.2.2 step 5.2",
        "required",
    ),
    "connection": HeaderMeaning(
        "Confirms that this response is an upgrade (value 'Upgrade').",
        "RFC 6455 §4.2.2 step 5.3",
        "required",
    ),
    "sec-websocket-accept": HeaderMeaning(
        "base64(SHA-1(key + GUID)): proves the server read this client's Sec-WebSocket-Key. The "
        "client computes the same value and fails the connection if the two differ.",
        "RFC 6455 §4.2.2 step 5.4",
        "required",
    ),
    "sec-websocket-protocol": HeaderMeaning(
        "The one subprotocol the server chose from the client's list.",
        "RFC 6455 §4.2.2 step 5.5",
        "optional",
    ),
    "sec-websocket-extensions": HeaderMeaning(
        "The extensions in use and the parameters the server agreed to, in processing order.",
        "RFC 6455 §4.2.2 step 5.6, §9.1",
        "optional",
    ),
    "sec-websocket-version": HeaderMeaning(
        "The WebSocket versions the server speaks, sent when it refuses the client's version "
        "(usually with 426 Upgrade Required).",
        "RFC 6455 §4.4",
        "optional",
    ),
}

# In a refusal (any status but 101) these headers mean something else than in an upgrade.
REFUSAL: dict[str, HeaderMeaning] = {
    "connection": HeaderMeaning(
        "What happens to the TCP connection after this answer: 'close' means the server hangs up "
        "once the answer is sent.",
        "RFC 7230 §6.1",
        "other",
    ),
    "upgrade": HeaderMeaning(
        "A protocol this server could switch to; this answer does not switch to it.",
        "RFC 7230 §6.7",
        "other",
    ),
}

# In a 426 Upgrade Required the server says which protocol to ask for (RFC 6455 §4.4, RFC 7231 §6.5.15).
UPGRADE_REQUIRED: dict[str, HeaderMeaning] = {
    "connection": HeaderMeaning(
        "'close': the server hangs up once this answer is sent. 'Upgrade': the Upgrade header "
        "names the protocol to ask for, so the client may try again with a version the server speaks.",
        "RFC 7230 §6.1",
        "other",
    ),
    "upgrade": HeaderMeaning(
        "The protocol the client must ask for to get an answer: websocket, in a version listed in "
        "Sec-WebSocket-Version.",
        "RFC 7231 §6.5.15",
        "other",
    ),
}

COMMON: dict[str, HeaderMeaning] = {
    "user-agent": HeaderMeaning("The client software's name and version.", "RFC 7231 §5.5.3", "other"),
    "cookie": HeaderMeaning("Cookies the client stored for this site.", "RFC 6265 §5.4", "other"),
    "set-cookie": HeaderMeaning("A cookie the server asks the client to store.", "RFC 6265 §4.1", "other"),
    "authorization": HeaderMeaning("Credentials authenticating the client.", "RFC 7235 §4.2", "other"),
    "content-type": HeaderMeaning("The media type of the body.", "RFC 7231 §3.1.1.5", "other"),
    "content-length": HeaderMeaning("The length of the body in bytes.", "RFC 7230 §3.3.2", "other"),
    "server": HeaderMeaning("The server software's name and version.", "RFC 7231 §7.4.2", "other"),
    "date": HeaderMeaning("When the message was sent.", "RFC 7231 §7.1.1.2", "other"),
    "cache-control": HeaderMeaning("Caching directives.", "RFC 7234 §5.2", "other"),
    "pragma": HeaderMeaning("Legacy caching directive (no-cache).", "RFC 7234 §5.4", "other"),
}


def header_meaning(name: str, *, in_request: bool, status: int | None = None) -> HeaderMeaning:
    """The meaning of header ``name`` (case-insensitive) in a request, or in a response with ``status``."""
    key = name.lower()
    if not in_request and status == 426 and key in UPGRADE_REQUIRED:
        return UPGRADE_REQUIRED[key]
    if not in_request and status != 101 and key in REFUSAL:
        return REFUSAL[key]
    table = REQUEST if in_request else RESPONSE
    return table.get(key) or COMMON.get(key) or GENERIC
