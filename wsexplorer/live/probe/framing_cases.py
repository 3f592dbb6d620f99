"""Probe cases about frames: framing, pings, reserved bits, opcodes, fragmentation and masking.

Modelled on the Autobahn|Testsuite categories 1-5 and on the MUSTs of RFC 6455 §5. Each rule is quoted
from :mod:`wsexplorer.codec.rules`, where it is written once.
"""

from __future__ import annotations

from ...codec import rules
from ...codec.frame_header import Opcode
from . import expect
from .plan import Out, Plan, ProbeCase
from .report import Observation, Verdict

__all__ = ["FRAMING_CASES"]

_HELLO = "Hello, server"
_P = 1002


def _minimal_form(o: Observation) -> str:
    if o.ending == "open":
        return "accepted a length in a non-minimal form (the MUST of §5.2 binds the sender)"
    return f"refused a length in a non-minimal form: {o.summary()}"


def _close_between(o: Observation) -> tuple[Verdict, str]:
    """A close frame between fragments is valid (§5.4): answering it with 1002 treats it as an error."""
    verdict, why = expect.answers_close()(o)
    if verdict is Verdict.CONFORMS and o.close_code == _P:
        return Verdict.DEVIATES, (
            "answered with 1002 (protocol error), but a control frame, a close included, may come "
            "between the fragments of a message (RFC 6455 §5.4)"
        )
    return verdict, why


def _ping_then_two_fragments(out: Out) -> list[object]:
    return [out.text("Hello, ", fin=False), out.frame(Opcode.PING, b"between"), out.more("fragments")]


FRAMING = "Framing"
PINGS = "Pings and pongs"
RSV = "Reserved bits"
OPCODES = "Opcodes"
FRAGMENTS = "Fragmentation"
MASKING = "Masking"

FRAMING_CASES: tuple[ProbeCase, ...] = (
    ProbeCase(
        "1.1",
        FRAMING,
        "text message",
        "a text frame of 13 bytes",
        "accept it and stay open",
        "RFC 6455 §5.6",
        expect.stays_open("a text message", "RFC 6455 §5.6"),
        Plan(lambda out: [out.text(_HELLO)], echoes=1),
    ),
    ProbeCase(
        "1.2",
        FRAMING,
        "empty text message",
        "a text frame with no payload",
        "accept it and stay open",
        "RFC 6455 §5.2",
        expect.stays_open("an empty text message", "RFC 6455 §5.2"),
        Plan(lambda out: [out.text("")], echoes=1),
    ),
    ProbeCase(
        "1.3",
        FRAMING,
        "16-bit length",
        "a text frame of 126 bytes (the smallest that needs the 16-bit length)",
        "accept it and stay open",
        "RFC 6455 §5.2",
        expect.stays_open("a 126-byte text message", "RFC 6455 §5.2"),
        Plan(lambda out: [out.text("*" * 126)], echoes=1),
    ),
    ProbeCase(
        "1.4",
        FRAMING,
        "64-bit length",
        "a binary frame of 65,536 bytes (the smallest that needs the 64-bit length)",
        "accept it and stay open",
        "RFC 6455 §5.2",
        expect.stays_open("a 65,536-byte binary message", "RFC 6455 §5.2"),
        Plan(lambda out: [out.frame(Opcode.BINARY, b"\xfe" * 65536)], echoes=1),
    ),
    ProbeCase(
        "1.5",
        FRAMING,
        "length not in minimal form",
        "a 5-byte text frame whose length is written in the 64-bit form",
        "the minimal form is a MUST for the sender; a receiver may accept or refuse it",
        rules.LENGTH_NOT_MINIMAL.section,
        expect.informational(_minimal_form),
        Plan(lambda out: [out.frame(Opcode.TEXT, "short", length_form="64-bit")], echoes=1),
    ),
    ProbeCase(
        "1.6",
        FRAMING,
        "a frame a byte at a time",
        "a text frame written to TCP one byte per write",
        "frames are a byte stream: accept it and stay open",
        "RFC 6455 §5.2",
        expect.stays_open("a frame arriving in 1-byte pieces", "RFC 6455 §5.2"),
        Plan(lambda out: [out.text(_HELLO)], echoes=1, trickle=True),
    ),
    ProbeCase(
        "2.1",
        PINGS,
        "ping, empty",
        "a ping with no application data",
        "answer with a pong with the same (empty) application data",
        "RFC 6455 §5.5.2",
        expect.answers_ping(b""),
        Plan(lambda out: [out.frame(Opcode.PING, b"")]),
    ),
    ProbeCase(
        "2.2",
        PINGS,
        "ping, 125 bytes",
        "a ping with 125 bytes of binary application data (the most a control frame holds)",
        "answer with a pong carrying the same 125 bytes",
        "RFC 6455 §5.5.2",
        expect.answers_ping(bytes(range(125))),
        Plan(lambda out: [out.frame(Opcode.PING, bytes(range(125)))]),
    ),
    ProbeCase(
        "2.3",
        PINGS,
        "ping, 126 bytes",
        "a ping with 126 bytes of application data",
        "fail the connection: " + rules.CONTROL_TOO_LONG.says(length=126),
        rules.CONTROL_TOO_LONG.section,
        expect.fails(rules.CONTROL_TOO_LONG.says(length=126), rules.CONTROL_TOO_LONG.section, _P),
        Plan(lambda out: [out.frame(Opcode.PING, b"x" * 126)]),
    ),
    ProbeCase(
        "2.4",
        PINGS,
        "unsolicited pong",
        "a pong no ping asked for",
        "ignore it (a unidirectional heartbeat) and stay open",
        "RFC 6455 §5.5.3",
        expect.stays_open("an unsolicited pong", "RFC 6455 §5.5.3"),
        Plan(lambda out: [out.frame(Opcode.PONG, b"heartbeat")]),
    ),
    ProbeCase(
        "2.5",
        PINGS,
        "ten pings in a row",
        "ten pings, payloads 'ping 0' to 'ping 9', in one burst",
        "answer at least the most recent with a pong carrying its data",
        "RFC 6455 §5.5.2, §5.5.3",
        expect.answers_ping(b"ping 9"),
        Plan(lambda out: [b"".join(bytes(out.frame(Opcode.PING, f"ping {i}")) for i in range(10))]),
    ),
    ProbeCase(
        "3.1",
        RSV,
        "RSV1 set",
        "a text frame with RSV1 set, no extension negotiated",
        "fail the connection: " + rules.RSV_WITHOUT_EXTENSION.says(bit="RSV1"),
        rules.RSV_WITHOUT_EXTENSION.section,
        expect.fails(rules.RSV_WITHOUT_EXTENSION.says(bit="RSV1"), rules.RSV_WITHOUT_EXTENSION.section, _P),
        Plan(lambda out: [out.frame(Opcode.TEXT, _HELLO, rsv1=True)]),
    ),
    ProbeCase(
        "3.2",
        RSV,
        "RSV2 set",
        "a binary frame with RSV2 set",
        "fail the connection: " + rules.RSV_WITHOUT_EXTENSION.says(bit="RSV2"),
        rules.RSV_WITHOUT_EXTENSION.section,
        expect.fails(rules.RSV_WITHOUT_EXTENSION.says(bit="RSV2"), rules.RSV_WITHOUT_EXTENSION.section, _P),
        Plan(lambda out: [out.frame(Opcode.BINARY, b"\x00\x01", rsv2=True)]),
    ),
    ProbeCase(
        "3.3",
        RSV,
        "RSV3 set on a ping",
        "a ping with RSV3 set",
        "fail the connection: " + rules.RSV_WITHOUT_EXTENSION.says(bit="RSV3"),
        rules.RSV_WITHOUT_EXTENSION.section,
        expect.fails(rules.RSV_WITHOUT_EXTENSION.says(bit="RSV3"), rules.RSV_WITHOUT_EXTENSION.section, _P),
        Plan(lambda out: [out.frame(Opcode.PING, b"rsv3", rsv3=True)]),
    ),
    *(
        ProbeCase(
            f"4.{i}",
            OPCODES,
            f"reserved opcode 0x{op:X}",
            f"a frame with the reserved {kind} opcode 0x{op:X}",
            "fail the connection: " + rules.RESERVED_OPCODE.says(opcode=op),
            rules.RESERVED_OPCODE.section,
            expect.fails(rules.RESERVED_OPCODE.says(opcode=op), rules.RESERVED_OPCODE.section, _P),
            Plan(lambda out, op=op: [out.frame(op, b"reserved")]),  # type: ignore[misc]
        )
        for i, (op, kind) in enumerate([(0x3, "data"), (0xB, "control")], 1)
    ),
    ProbeCase(
        "5.1",
        FRAGMENTS,
        "two fragments",
        "a text message in two frames (text FIN=0, continuation FIN=1)",
        "reassemble it and stay open",
        "RFC 6455 §5.4",
        expect.stays_open("a fragmented text message", "RFC 6455 §5.4"),
        Plan(lambda out: [out.text("Hello, ", fin=False), out.more("fragments")], echoes=1),
    ),
    ProbeCase(
        "5.2",
        FRAGMENTS,
        "ping between fragments",
        "a text message in two frames with a ping between them",
        "answer the ping: control frames may be injected in the middle of a fragmented message",
        "RFC 6455 §5.4, §5.5.2",
        expect.answers_ping(b"between"),
        Plan(_ping_then_two_fragments, echoes=1),  # type: ignore[arg-type]
    ),
    ProbeCase(
        "5.3",
        FRAGMENTS,
        "fragmented ping",
        "a ping with FIN=0, then a continuation with FIN=1",
        "fail the connection: " + rules.CONTROL_FRAGMENTED.says(),
        rules.CONTROL_FRAGMENTED.section,
        expect.fails(rules.CONTROL_FRAGMENTED.says(), rules.CONTROL_FRAGMENTED.section, _P),
        Plan(lambda out: [out.frame(Opcode.PING, b"frag", fin=False), out.more(b"ment")]),
    ),
    ProbeCase(
        "5.4",
        FRAGMENTS,
        "continuation without a message",
        "a continuation frame (FIN=1) with no message in progress",
        "fail the connection: " + rules.CONTINUATION_WITHOUT_MESSAGE.says(),
        rules.CONTINUATION_WITHOUT_MESSAGE.section,
        expect.fails(
            rules.CONTINUATION_WITHOUT_MESSAGE.says(), rules.CONTINUATION_WITHOUT_MESSAGE.section, _P
        ),
        Plan(lambda out: [out.more("orphan")]),
    ),
    ProbeCase(
        "5.5",
        FRAGMENTS,
        "new message inside a message",
        "a text frame with FIN=0, then another text frame instead of a continuation",
        "fail the connection: " + rules.NEW_MESSAGE_INSIDE_MESSAGE.says(kind="text"),
        rules.NEW_MESSAGE_INSIDE_MESSAGE.section,
        expect.fails(
            rules.NEW_MESSAGE_INSIDE_MESSAGE.says(kind="text"), rules.NEW_MESSAGE_INSIDE_MESSAGE.section, _P
        ),
        Plan(lambda out: [out.text("first ", fin=False), out.text("second")]),
    ),
    ProbeCase(
        "5.6",
        FRAGMENTS,
        "100 one-byte fragments",
        "a 100-byte text message in 100 frames of 1 byte, written at once",
        "reassemble it and stay open",
        "RFC 6455 §5.4",
        expect.stays_open("a message in 100 fragments", "RFC 6455 §5.4"),
        Plan(
            lambda out: [
                b"".join(bytes(out.frame(0x1 if i == 0 else 0x0, "x", fin=i == 99)) for i in range(100))
            ],
            echoes=1,
        ),
    ),
    ProbeCase(
        "5.7",
        FRAGMENTS,
        "close between fragments",
        "the first fragment of a text message, then a close frame (1000)",
        "answer the close: control frames may come between fragments",
        "RFC 6455 §5.4, §5.5.1",
        _close_between,
        Plan(lambda out: [out.text("unfinished ", fin=False), out.close(b"\x03\xe8")], sentinel=False),
    ),
    ProbeCase(
        "10.1",
        MASKING,
        "unmasked client frame",
        "a text frame without a mask (MASK=0), as only servers send",
        "fail the connection: " + rules.CLIENT_UNMASKED.says(),
        rules.CLIENT_UNMASKED.section,
        expect.fails(rules.CLIENT_UNMASKED.says(), rules.CLIENT_UNMASKED.section, _P),
        Plan(lambda out: [out.frame(Opcode.TEXT, _HELLO, mask=False)]),
    ),
)
