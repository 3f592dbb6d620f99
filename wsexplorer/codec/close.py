"""Close frames: status codes and reasons (RFC 6455 §5.5.1, §7.4).

Knows which codes may appear on the wire, what each means, and how a close payload is laid out:
empty, or a 2-byte big-endian code followed by a UTF-8 reason, 125 bytes at most in all. The codes
themselves are :class:`~wsexplorer.errors.CloseCode` members (the errors carry them).
"""

from __future__ import annotations

from ..errors import CloseCode

__all__ = [
    "CloseCode",
    "close_code_problem",
    "close_reason_for",
    "describe_close_code",
    "encode_close_payload",
]


_MEANINGS: dict[int, str] = {
    CloseCode.NORMAL_CLOSURE: "normal closure: the purpose of the connection was fulfilled",
    CloseCode.GOING_AWAY: "going away: a server going down or a browser leaving the page",
    CloseCode.PROTOCOL_ERROR: "protocol error",
    CloseCode.UNSUPPORTED_DATA: "unsupported data: a type of data the endpoint cannot accept",
    1004: "reserved (no meaning defined)",
    CloseCode.NO_STATUS_RCVD: ("no status received: a close frame without a code (never sent on the wire)"),
    CloseCode.ABNORMAL_CLOSURE: (
        "abnormal closure: the connection dropped without a close frame (never sent on the wire)"
    ),
    CloseCode.INVALID_PAYLOAD_DATA: (
        "invalid payload data: data inconsistent with the message type (e.g. invalid UTF-8)"
    ),
    CloseCode.POLICY_VIOLATION: "policy violation",
    CloseCode.MESSAGE_TOO_BIG: "message too big to process",
    CloseCode.MANDATORY_EXTENSION: (
        "mandatory extension: the client expected an extension the server did not negotiate"
    ),
    CloseCode.INTERNAL_ERROR: "internal error: an unexpected condition on the server",
    CloseCode.SERVICE_RESTART: "service restart (IANA registry)",
    CloseCode.TRY_AGAIN_LATER: "try again later (IANA registry)",
    CloseCode.BAD_GATEWAY: "bad gateway (IANA registry)",
    CloseCode.TLS_HANDSHAKE: "TLS handshake failure (never sent on the wire)",
}

# Codes that a close frame must never carry (RFC 6455 §7.4.1: 1005, 1006 and 1015 are for local use).
_NEVER_ON_WIRE = {1004, CloseCode.NO_STATUS_RCVD, CloseCode.ABNORMAL_CLOSURE, CloseCode.TLS_HANDSHAKE}


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
    if CloseCode.NORMAL_CLOSURE <= code <= CloseCode.BAD_GATEWAY or 3000 <= code <= 4999:
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


def close_reason_for(text: str) -> str:
    """``text`` as a close reason: at most 123 UTF-8 bytes (§5.5: 125 minus the code), cut with "..."."""
    raw = text.encode("utf-8")
    if len(raw) <= 123:
        return text
    return raw[:120].decode("utf-8", "ignore") + "..."
