"""Close frames: status codes and reasons (RFC 6455 §5.5.1, §7.4).

Knows which codes may appear on the wire, what each means, and how a close payload is laid out:
empty, or a 2-byte big-endian code followed by a UTF-8 reason, 125 bytes at most in all.
"""

from __future__ import annotations

import enum

__all__ = ["CloseCode", "close_code_problem", "describe_close_code", "encode_close_payload"]


class CloseCode(enum.IntEnum):
    """Registered close codes (RFC 6455 §7.4.1 and the IANA registry, §11.7)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


_MEANINGS = {
    1000: "normal closure: the purpose of the connection was fulfilled",
    1001: "going away: a server going down or a browser leaving the page",
    1002: "protocol error",
    1003: "unsupported data: a type of data the endpoint cannot accept",
    1004: "reserved (no meaning defined)",
    1005: "no status received: a close frame without a code (never sent on the wire)",
    1006: "abnormal closure: the connection dropped without a close frame (never sent on the wire)",
    1007: "invalid payload data: data inconsistent with the message type (e.g. invalid UTF-8)",
    1008: "policy violation",
    1009: "message too big to process",
    1010: "mandatory extension: the client expected an extension the server did not negotiate",
    1011: "internal error: an unexpected condition on the server",
    1012: "service restart (IANA registry)",
    1013: "try again later (IANA registry)",
    1014: "bad gateway (IANA registry)",
    1015: "TLS handshake failure (never sent on the wire)",
}

# Codes that a close frame must never carry (RFC 6455 §7.4.1: 1005, 1006 and 1015 are for local use).
_NEVER_ON_WIRE = {1004, 1005, 1006, 1015}


def describe_close_code(code: int) -> str:
    """What ``code`` means, in words."""
    if code in _MEANINGS:
        return _MEANINGS[code]
    if 0 <= code <= 999:
        return "not used (0-999 are not valid close codes)"
    if 1016 <= code <= 2999:
        return "reserved for future versions of the protocol or extensions"
    if 3000 <= code <= 3999:
        return "registered with IANA for libraries, frameworks and applications"
    if 4000 <= code <= 4999:
        return "private use by applications"
    return "out of range (close codes stop at 4999)"


def close_code_problem(code: int) -> str | None:
    """Why ``code`` must not appear in a close frame (RFC 6455 §7.4), or ``None`` if it may."""
    if code in _NEVER_ON_WIRE:
        return f"close code {code} is reserved and must not be sent in a close frame"
    if 1000 <= code <= 1014 or 3000 <= code <= 4999:
        return None
    return f"close code {code} is not a valid close code ({describe_close_code(code)})"


def encode_close_payload(code: int | None = None, reason: str | bytes = "") -> bytes:
    """The payload of a close frame: empty, or the code in 2 bytes big-endian and the UTF-8 reason."""
    raw_reason = reason.encode("utf-8") if isinstance(reason, str) else reason
    if code is None:
        if raw_reason:
            raise ValueError("a close reason needs a close code (RFC 6455 §5.5.1)")
        return b""
    if not 0 <= code <= 0xFFFF:
        raise ValueError(f"close code {code} does not fit in 2 bytes")
    return code.to_bytes(2, "big") + raw_reason
