"""MQTT 5.0 properties and reason codes, declared once (MQTT 5.0 §2.2.2.2, §2.4), and the 3.1.1 codes.

A property is an identifier (a Variable Byte Integer, one byte for every property defined) followed by
a value of the type the identifier fixes; each property may appear only in the packets listed here,
and only once unless marked repeatable (User Property; Subscription Identifier in PUBLISH). Reason
codes are one byte; each packet allows the codes of its own table.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONNACK_RETURN_CODES_311",
    "PACKET_REASON_CODES",
    "PROPERTIES",
    "REASON_CODES",
    "SUBACK_RETURN_CODES_311",
    "Property",
]


@dataclass(frozen=True, slots=True)
class Property:
    """A property: its name, value type, the packets it may appear in, and its section."""

    name: str
    kind: str  # byte, u16, u32, varint, utf8, binary, pair
    packets: frozenset[str]
    section: str
    repeatable: bool = False


def _p(name: str, kind: str, packets: str, section: str, repeatable: bool = False) -> Property:
    return Property(name, kind, frozenset(packets.split()), f"MQTT 5.0 §{section}", repeatable)


_ALL = (
    "CONNECT CONNACK PUBLISH WILL PUBACK PUBREC PUBREL PUBCOMP SUBSCRIBE SUBACK UNSUBSCRIBE UNSUBACK "
    "DISCONNECT AUTH"
)
_REASONED = "CONNACK PUBACK PUBREC PUBREL PUBCOMP SUBACK UNSUBACK DISCONNECT AUTH"

PROPERTIES: dict[int, Property] = {
    0x01: _p("Payload Format Indicator", "byte", "PUBLISH WILL", "3.3.2.3.2"),
    0x02: _p("Message Expiry Interval", "u32", "PUBLISH WILL", "3.3.2.3.3"),
    0x03: _p("Content Type", "utf8", "PUBLISH WILL", "3.3.2.3.9"),
    0x08: _p("Response Topic", "utf8", "PUBLISH WILL", "3.3.2.3.5"),
    0x09: _p("Correlation Data", "binary", "PUBLISH WILL", "3.3.2.3.6"),
    0x0B: _p("Subscription Identifier", "varint", "PUBLISH SUBSCRIBE", "3.3.2.3.8", True),
    0x11: _p("Session Expiry Interval", "u32", "CONNECT CONNACK DISCONNECT", "3.1.2.11.2"),
    0x12: _p("Assigned Client Identifier", "utf8", "CONNACK", "3.2.2.3.7"),
    0x13: _p("Server Keep Alive", "u16", "CONNACK", "3.2.2.3.14"),
    0x15: _p("Authentication Method", "utf8", "CONNECT CONNACK AUTH", "3.1.2.11.9"),
    0x16: _p("Authentication Data", "binary", "CONNECT CONNACK AUTH", "3.1.2.11.10"),
    0x17: _p("Request Problem Information", "byte", "CONNECT", "3.1.2.11.7"),
    0x18: _p("Will Delay Interval", "u32", "WILL", "3.1.3.2.2"),
    0x19: _p("Request Response Information", "byte", "CONNECT", "3.1.2.11.6"),
    0x1A: _p("Response Information", "utf8", "CONNACK", "3.2.2.3.15"),
    0x1C: _p("Server Reference", "utf8", "CONNACK DISCONNECT", "3.2.2.3.16"),
    0x1F: _p("Reason String", "utf8", _REASONED, "3.2.2.3.9"),
    0x21: _p("Receive Maximum", "u16", "CONNECT CONNACK", "3.1.2.11.3"),
    0x22: _p("Topic Alias Maximum", "u16", "CONNECT CONNACK", "3.1.2.11.5"),
    0x23: _p("Topic Alias", "u16", "PUBLISH", "3.3.2.3.4"),
    0x24: _p("Maximum QoS", "byte", "CONNACK", "3.2.2.3.4"),
    0x25: _p("Retain Available", "byte", "CONNACK", "3.2.2.3.5"),
    0x26: _p("User Property", "pair", _ALL, "3.1.2.11.8", True),
    0x27: _p("Maximum Packet Size", "u32", "CONNECT CONNACK", "3.1.2.11.4"),
    0x28: _p("Wildcard Subscription Available", "byte", "CONNACK", "3.2.2.3.11"),
    0x29: _p("Subscription Identifier Available", "byte", "CONNACK", "3.2.2.3.12"),
    0x2A: _p("Shared Subscription Available", "byte", "CONNACK", "3.2.2.3.13"),
}
"""Every property of MQTT 5.0 §2.2.2.2, by identifier (``WILL`` stands for the Will Properties)."""

REASON_CODES: dict[int, str] = {
    0x00: "Success / Normal disconnection / Granted QoS 0",
    0x01: "Granted QoS 1",
    0x02: "Granted QoS 2",
    0x04: "Disconnect with Will Message",
    0x10: "No matching subscribers",
    0x11: "No subscription existed",
    0x18: "Continue authentication",
    0x19: "Re-authenticate",
    0x80: "Unspecified error",
    0x81: "Malformed Packet",
    0x82: "Protocol Error",
    0x83: "Implementation specific error",
    0x84: "Unsupported Protocol Version",
    0x85: "Client Identifier not valid",
    0x86: "Bad User Name or Password",
    0x87: "Not authorized",
    0x88: "Server unavailable",
    0x89: "Server busy",
    0x8A: "Banned",
    0x8B: "Server shutting down",
    0x8C: "Bad authentication method",
    0x8D: "Keep Alive timeout",
    0x8E: "Session taken over",
    0x8F: "Topic Filter invalid",
    0x90: "Topic Name invalid",
    0x91: "Packet Identifier in use",
    0x92: "Packet Identifier not found",
    0x93: "Receive Maximum exceeded",
    0x94: "Topic Alias invalid",
    0x95: "Packet too large",
    0x96: "Message rate too high",
    0x97: "Quota exceeded",
    0x98: "Administrative action",
    0x99: "Payload format invalid",
    0x9A: "Retain not supported",
    0x9B: "QoS not supported",
    0x9C: "Use another server",
    0x9D: "Server moved",
    0x9E: "Shared Subscriptions not supported",
    0x9F: "Connection rate exceeded",
    0xA0: "Maximum connect time",
    0xA1: "Subscription Identifiers not supported",
    0xA2: "Wildcard Subscriptions not supported",
}
"""MQTT 5.0 §2.4: every reason code and its name."""


def _codes(text: str) -> frozenset[int]:
    return frozenset(int(c, 16) for c in text.split())


_PUB = _codes("00 10 80 83 87 90 91 97 99")
PACKET_REASON_CODES: dict[str, tuple[frozenset[int], str]] = {
    "CONNACK": (
        _codes("00 80 81 82 83 84 85 86 87 88 89 8A 8C 90 95 97 99 9A 9B 9C 9D 9F"),
        "MQTT 5.0 §3.2.2.2",
    ),
    "PUBACK": (_PUB, "MQTT 5.0 §3.4.2.1"),
    "PUBREC": (_PUB, "MQTT 5.0 §3.5.2.1"),
    "PUBREL": (_codes("00 92"), "MQTT 5.0 §3.6.2.1"),
    "PUBCOMP": (_codes("00 92"), "MQTT 5.0 §3.7.2.1"),
    "SUBACK": (_codes("00 01 02 80 83 87 8F 91 97 9E A1 A2"), "MQTT 5.0 §3.9.3"),
    "UNSUBACK": (_codes("00 11 80 83 87 8F 91"), "MQTT 5.0 §3.11.3"),
    "DISCONNECT": (
        _codes("00 04 80 81 82 83 87 89 8B 8D 8E 8F 90 93 94 95 96 97 98 99 9A 9B 9C 9D 9E 9F A0 A1 A2"),
        "MQTT 5.0 §3.14.2.1",
    ),
    "AUTH": (_codes("00 18 19"), "MQTT 5.0 §3.15.2.1"),
}
"""Which reason codes each MQTT 5.0 packet may carry, and the section of its table."""

CONNACK_RETURN_CODES_311: dict[int, str] = {
    0: "Connection Accepted",
    1: "Connection Refused, unacceptable protocol version",
    2: "Connection Refused, identifier rejected",
    3: "Connection Refused, Server unavailable",
    4: "Connection Refused, bad user name or password",
    5: "Connection Refused, not authorized",
}
"""MQTT 3.1.1 §3.2.2.3: the CONNACK return codes."""

SUBACK_RETURN_CODES_311: dict[int, str] = {
    0x00: "Success - Maximum QoS 0",
    0x01: "Success - Maximum QoS 1",
    0x02: "Success - Maximum QoS 2",
    0x80: "Failure",
}
"""MQTT 3.1.1 §3.9.3: the SUBACK return codes."""
