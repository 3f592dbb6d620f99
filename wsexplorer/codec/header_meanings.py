"""What each handshake header is for, in plain words: the teaching table (RFC 6455 §4.1, §4.2.2, §4.4).

The seed's table of required and optional headers, extended to the response, to refusals (where
``Connection`` and ``Upgrade`` mean something else) and to the common HTTP headers a student meets.
Each entry is the meaning, the section that defines it and its group (``required``, ``optional``,
``other``); :func:`header_meaning` picks the right table for a message.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["COMMON", "GENERIC", "REFUSAL", "REQUEST", "RESPONSE", "HeaderMeaning", "header_meaning"]


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
        "Request protocol upgrade: asks to switch this connection from HTTP to 'websocket'.",
        "RFC 6455 §4.1 item 5",
        "required",
    ),
    "connection": HeaderMeaning(
        "Indicates upgrade requested: must include the token 'Upgrade' so the Upgrade header is "
        "acted on, not dropped by a proxy.",
        "RFC 6455 §4.1 item 6",
        "required",
    ),
    "sec-websocket-key": HeaderMeaning(
        "Random base64 value for handshake validation: 16 fresh random bytes; the server hashes "
        "it into Sec-WebSocket-Accept to prove it read this handshake.",
        "RFC 6455 §4.1 item 7",
        "required",
    ),
    "sec-websocket-version": HeaderMeaning(
        "WebSocket protocol version: must be 13 (the version of RFC 6455).",
        "RFC 6455 §4.1 item 9",
        "required",
    ),
    "origin": HeaderMeaning(
        "Where request originates (CORS): the site of the page that opened the connection. "
        "Browsers always send it, so a server can refuse other sites.",
        "RFC 6455 §4.1 item 8, §10.2",
        "optional",
    ),
    "sec-websocket-protocol": HeaderMeaning(
        "Subprotocol preferences (application-defined): the message formats the client speaks, "
        "most preferred first; the server picks at most one.",
        "RFC 6455 §4.1 item 10",
        "optional",
    ),
    "sec-websocket-extensions": HeaderMeaning(
        "Extension negotiation (e.g., compression): extensions the client offers, with "
        "parameters, most preferred first.",
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
        "base64(SHA-1(key + GUID)): proves the server read this client's Sec-WebSocket-Key. "
        "The client aborts if it is not what it expects.",
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
        "The protocol versions the server understands, sent when it refuses the client's version "
        "(usually with 426 Upgrade Required).",
        "RFC 6455 §4.4",
        "optional",
    ),
}

# In a refusal (any status but 101) these headers mean something else than in an upgrade.
REFUSAL: dict[str, HeaderMeaning] = {
    "connection": HeaderMeaning(
        "How the connection goes on after this answer: 'close' means the server hangs up once the "
        "response is sent ('Upgrade' as well in a 426: the client may retry with another version).",
        "RFC 7230 §6.1",
        "other",
    ),
    "upgrade": HeaderMeaning(
        "In a 426 Upgrade Required: the protocol the client must use to get an answer.",
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
    if not in_request and status != 101 and key in REFUSAL:
        return REFUSAL[key]
    table = REQUEST if in_request else RESPONSE
    return table.get(key) or COMMON.get(key) or GENERIC
