"""Probe cases about what messages carry: UTF-8 text, close frames and codes, and size limits.

Modelled on the Autobahn|Testsuite categories 6, 7 and 9 and on RFC 6455 §5.5.1, §7.4 and §8.1.
"""

from __future__ import annotations

import struct

from ...codec import rules
from ...codec.frame_header import Opcode
from . import expect
from .plan import Out, Plan, ProbeCase
from .report import Observation, Verdict

__all__ = ["MESSAGE_CASES"]

UTF8 = "UTF-8"
CLOSE = "Close"
LIMITS = "Limits"

_KOSME = "κόσμε 👋"
# Autobahn 6.4.x's text: "κόσμε" followed by a code point above U+10FFFF (F4 90 80 80)
_BAD_TAIL = "κόσμε".encode() + b"\xf4\x90\x80\x80"
_TWO_MIB = 2 << 20


def _utf8(i: int, title: str, sends: str, payload: bytes) -> ProbeCase:
    rule = rules.TEXT_NOT_UTF8.says(at=payload.find(_first_bad(payload)))
    return ProbeCase(
        f"6.{i}",
        UTF8,
        title,
        sends,
        "fail the connection (1007): " + rule,
        rules.TEXT_NOT_UTF8.section,
        expect.fails(rule, rules.TEXT_NOT_UTF8.section, 1007),
        Plan(lambda out: [out.frame(Opcode.TEXT, payload)]),
    )


def _first_bad(payload: bytes) -> bytes:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return payload[exc.start : exc.start + 1]
    return b""


def _fail_fast(o: Observation) -> tuple[Verdict, str]:
    """Invalid UTF-8 in the first fragment of a message that never ends: failing now is best."""
    if o.ending == "closed" and o.close_code == 1007:
        return (
            Verdict.CONFORMS,
            "failed the connection with 1007 at once, without waiting for the message to end",
        )
    if o.ending in ("closed", "dropped"):
        return expect.fails("invalid UTF-8", rules.MESSAGE_NOT_UTF8.section, 1007)(o)
    return Verdict.INFORMATIONAL, (
        "did not fail before the message ended; RFC 6455 §8.1 requires failing once the text is "
        "interpreted, which may be when the message is complete (failing fast is Autobahn's strict grade)"
    )


def _close(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


def _bad_code(i: int, code: int, why: str, section: str) -> ProbeCase:
    rule = f"close code {code} {why}"
    return ProbeCase(
        f"7.{i}",
        CLOSE,
        f"close code {code}",
        f"a close frame with code {code}",
        "fail the connection (1002): " + rule,
        section,
        expect.fails(rule, section, 1002),
        Plan(lambda out: [out.close(_close(code))], sentinel=False),
    )


def _limit(o: Observation) -> str:
    if o.ending == "open" and o.messages:
        return f"accepted a 2 MiB message and echoed it ({o.messages[0].size:,} bytes)"
    if o.ending == "open":
        return "accepted a 2 MiB message"
    return f"refused a 2 MiB message: {o.summary()} (1009 is the code for a message too big, §7.4.1)"


def _huge(o: Observation) -> str:
    if o.ending == "closed":
        return f"failed at the frame header: {o.summary()} (it does not wait for 4 EiB that cannot fit)"
    if o.ending == "open":
        return "went on, waiting for the rest of the announced payload (the ping is part of that payload)"
    return f"{o.summary()}"


def _huge_frame(out: Out) -> list[object]:
    header = bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 62) + out.rng(4)
    return [header + b"\x00" * 16]


MESSAGE_CASES: tuple[ProbeCase, ...] = (
    ProbeCase(
        "6.1",
        UTF8,
        "valid multi-byte text",
        f"a text message {_KOSME!r} (2-, 3- and 4-byte UTF-8 sequences)",
        "accept it and stay open",
        "RFC 6455 §5.6, §8.1",
        expect.stays_open("valid UTF-8", "RFC 6455 §8.1"),
        Plan(lambda out: [out.text(_KOSME)], echoes=1),
    ),
    _utf8(2, "invalid byte 0xFF", "a text message 'abc' + 0xFF", b"abc\xff"),
    _utf8(3, "overlong encoding", "a text message with '/' encoded in two bytes (C0 AF)", b"a\xc0\xafb"),
    _utf8(4, "UTF-16 surrogate", "a text message with U+D800 encoded (ED A0 80)", b"edit\xed\xa0\x80"),
    ProbeCase(
        "6.5",
        UTF8,
        "character split across fragments",
        "'€' (E2 82 AC) split after its first byte into two fragments",
        "reassemble and accept it: UTF-8 is checked on the whole message",
        "RFC 6455 §5.4, §8.1",
        expect.stays_open("a character split between fragments", "RFC 6455 §8.1"),
        Plan(lambda out: [out.text(b"price: \xe2", fin=False), out.more(b"\x82\xac")], echoes=1),
    ),
    ProbeCase(
        "6.6",
        UTF8,
        "invalid in the second fragment",
        "a text message whose second fragment holds F4 90 80 80",
        "fail the connection (1007): " + rules.MESSAGE_NOT_UTF8.says(where="message", at=10),
        rules.MESSAGE_NOT_UTF8.section,
        expect.fails("invalid UTF-8 in a text message", rules.MESSAGE_NOT_UTF8.section, 1007),
        Plan(lambda out: [out.text("κόσμε", fin=False), out.more(b"\xf4\x90\x80\x80")]),
    ),
    ProbeCase(
        "6.7",
        UTF8,
        "invalid in an unfinished message",
        "the first fragment of a text message holding F4 90 80 80; the message never ends",
        "fail the connection (1007) once the text is interpreted; failing fast is best",
        rules.MESSAGE_NOT_UTF8.section,
        _fail_fast,
        Plan(lambda out: [out.text(_BAD_TAIL + b"more", fin=False)]),
    ),
    ProbeCase(
        "7.1",
        CLOSE,
        "close, no payload",
        "a close frame with no status code",
        "answer with a close frame",
        "RFC 6455 §5.5.1",
        expect.answers_close(),
        Plan(lambda out: [out.close(b"")], sentinel=False),
    ),
    ProbeCase(
        "7.2",
        CLOSE,
        "close 1000 with a reason",
        "a close frame: 1000, 'bye'",
        "answer with a close frame (typically echoing the code)",
        "RFC 6455 §5.5.1",
        expect.answers_close(),
        Plan(lambda out: [out.close(_close(1000, b"bye"))], sentinel=False),
    ),
    ProbeCase(
        "7.3",
        CLOSE,
        "close, 1-byte payload",
        "a close frame whose payload is the single byte 0x03",
        "fail the connection (1002): " + rules.CLOSE_ONE_BYTE.says(),
        rules.CLOSE_ONE_BYTE.section,
        expect.fails(rules.CLOSE_ONE_BYTE.says(), rules.CLOSE_ONE_BYTE.section, 1002),
        Plan(lambda out: [out.close(b"\x03")], sentinel=False),
    ),
    ProbeCase(
        "7.4",
        CLOSE,
        "close with a 123-byte reason",
        "a close frame: 1000 and a 123-byte reason (the largest that fits in 125 bytes)",
        "answer with a close frame",
        "RFC 6455 §5.5, §5.5.1",
        expect.answers_close(),
        Plan(lambda out: [out.close(_close(1000, b"r" * 123))], sentinel=False),
    ),
    ProbeCase(
        "7.5",
        CLOSE,
        "close reason not UTF-8",
        "a close frame: 1000 and a reason ending in F4 90 80 80",
        "fail the connection (1007): " + rules.CLOSE_REASON_NOT_UTF8.says(at=5),
        rules.CLOSE_REASON_NOT_UTF8.section,
        expect.fails(rules.CLOSE_REASON_NOT_UTF8.says(at=5), rules.CLOSE_REASON_NOT_UTF8.section, 1007),
        Plan(lambda out: [out.close(_close(1000, b"bye: \xf4\x90\x80\x80"))], sentinel=False),
    ),
    _bad_code(6, 999, "is in 0-999, which is not used", "RFC 6455 §7.4.2"),
    _bad_code(7, 1005, "is for reporting only and must not be sent", "RFC 6455 §7.4.1"),
    _bad_code(8, 5000, "is above 4999, where no code is defined", "RFC 6455 §7.4.2"),
    ProbeCase(
        "7.9",
        CLOSE,
        "close code 4999",
        "a close frame with code 4999 (the last private-use code)",
        "answer with a close frame: 4000-4999 are for private use",
        "RFC 6455 §7.4.2",
        expect.answers_close("RFC 6455 §5.5.1, §7.4.2"),
        Plan(lambda out: [out.close(_close(4999))], sentinel=False),
    ),
    ProbeCase(
        "7.10",
        CLOSE,
        "data after close",
        "a close frame (1000), then a text frame",
        "answer the close, and send no data after its own close frame",
        "RFC 6455 §5.5.1",
        expect.closes_without_data(),
        Plan(lambda out: [out.close(_close(1000)), out.text("too late")], sentinel=False),
    ),
    ProbeCase(
        "9.1",
        LIMITS,
        "2 MiB message",
        "a 2 MiB binary message in one frame",
        "a server may limit message sizes; 1009 is the code to close with",
        "RFC 6455 §7.4.1, §10.4",
        expect.informational(_limit),
        Plan(lambda out: [out.frame(Opcode.BINARY, b"\x5a" * _TWO_MIB)], echoes=1),
    ),
    ProbeCase(
        "9.2",
        LIMITS,
        "64-bit length, top bit set",
        "a frame header whose 64-bit length has its most significant bit set",
        "fail the connection: " + rules.LENGTH_TOP_BIT.says(),
        rules.LENGTH_TOP_BIT.section,
        expect.fails(rules.LENGTH_TOP_BIT.says(), rules.LENGTH_TOP_BIT.section, 1002, 1009),
        Plan(lambda out: [bytes([0x82, 0xFF]) + (1 << 63).to_bytes(8, "big") + out.rng(4) + b"\x00" * 4]),
    ),
    ProbeCase(
        "9.3",
        LIMITS,
        "4 EiB announced",
        "a binary frame header announcing 2**62 payload bytes, then 16 of them",
        "a server may refuse at the header (1009) or wait for the payload",
        "RFC 6455 §10.4",
        expect.informational(_huge),
        Plan(_huge_frame),  # type: ignore[arg-type]
    ),
)
