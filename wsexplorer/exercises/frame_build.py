"""Frame exercises the other way round: build a frame's bytes from a description, and say which rule a
malformed frame breaks and which close code its receiver sends (RFC 6455 §5.1-§5.5, §7.4.1, §8.1).

A built frame is judged field by field: the student's bytes are parsed by the codec and each field
(FIN, RSV, opcode, MASK, length, key, payload) is compared with the reference frame's, so the
feedback says which field is wrong and why ("a client must mask every frame"). Malformed frames are
made with the codec's builder, which writes invalid headers on purpose; the rule and the close code
expected are the codec's own verdict (:meth:`Frame.check <wsexplorer.codec.frames.Frame.check>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..codec.frame_header import Opcode
from ..codec.frames import Frame
from ..errors import IncompleteInput, TrailingBytes
from .answers import BYTES, CLOSE_CODE, Choice, Unreadable
from .model import Exercise, Hint, Part, PartResult, rng_for

__all__ = ["MALFORMED", "BuildExercise", "build_exercise", "malformed_exercise"]

_TEXTS = ("Hello", "hi there", "bye", "WebSocket!", "ok", "frame 1", "data")


def _describe_build(rng_pick: int, rng_bytes: bytes, text: str) -> tuple[str, Frame, str]:
    """(description, reference frame, sender) for variant ``rng_pick``."""
    key = rng_bytes[:4]
    k = key.hex(" ")
    variants = [
        (f"The server sends the text message {text!r} in one frame.", Frame.text(text), "server"),
        (
            f"The client sends the text message {text!r} in one frame, with masking key {k}.",
            Frame.text(text, mask=key),
            "client",
        ),
        (
            f"The client sends a ping with payload {text!r}, masking key {k}.",
            Frame.ping(text, mask=key),
            "client",
        ),
        (f"The server answers a ping whose payload was {text!r}.", Frame.pong(text), "server"),
        (
            f"The server closes the connection with code 1001 and the reason {text!r}.",
            Frame.close(1001, text),
            "server",
        ),
        (
            f"The client sends {text!r} as the FIRST fragment of a text message (more fragments follow), "
            f"masking key {k}.",
            Frame.text(text, fin=False, mask=key),
            "client",
        ),
        (
            f"The server sends {text!r} as the LAST fragment of a text message it started earlier.",
            Frame.continuation(text),
            "server",
        ),
        (
            f"The server sends a binary message of 130 bytes, every byte 0x{rng_bytes[4]:02x}.",
            Frame.binary(bytes([rng_bytes[4]]) * 130),
            "server",
        ),
        (
            f"The client sends an empty binary message, masking key {k}.",
            Frame.binary(b"", mask=key),
            "client",
        ),
    ]
    return variants[rng_pick % len(variants)]


@dataclass(frozen=True)
class BuildExercise(Exercise):
    """Build a frame's bytes: one answer box, judged field by field against the reference frame."""

    def judge(self, answers: Mapping[str, object]) -> tuple[PartResult, ...]:
        part = self.parts[0]
        given = answers.get(part.name)
        if given is None or (isinstance(given, str) and not given.strip()):
            return (PartResult(part.name, part.label, "missing", "no answer yet", part.section),)
        try:
            data = part.reader.read(given)
        except Unreadable as exc:
            return (
                PartResult(part.name, part.label, "unreadable", str(exc), part.section, str(given)[:200]),
            )
        if not isinstance(data, bytes) or len(data) < 2:
            return (
                PartResult(
                    part.name, part.label, "wrong", "a frame has at least 2 header bytes", part.section
                ),
            )
        return compare_frames(self.subject, data, sender=self.notes.get("sender", ""))


def compare_frames(expected: Frame, data: bytes, *, sender: str = "") -> tuple[PartResult, ...]:
    """``data`` judged field by field against ``expected`` (RFC 6455 §5.2): one verdict per field."""
    try:
        got = Frame.parse(data, allow_truncated=True)
    except IncompleteInput as exc:
        return (PartResult("frame", "the frame", "wrong", exc.rule, exc.section, data.hex(" ")),)
    extra = ""
    try:
        Frame.parse(data)
    except TrailingBytes as exc:
        got = Frame.parse(data[: len(data) - exc.extra])
        extra = f"; {exc.extra} bytes follow the end of the frame"
    except IncompleteInput as exc:
        extra = f"; {exc.rule}"

    def verdict(name: str, label: str, ok: bool, why: str, section: str = "RFC 6455 §5.2") -> PartResult:
        return PartResult(name, label, "right" if ok else "wrong", "right" if ok else why, section)

    mask_why = (
        "a client must mask every frame it sends"
        if sender == "client"
        else ("a server must not mask the frames it sends" if sender == "server" else "check the MASK bit")
    )
    n, m = expected.payload_length, got.payload_length
    if m == n and got.length_form != expected.length_form:
        length_why = f"{n} bytes must use the shortest form: the {expected.length_form.label} form"
    elif abs(m - n) == 1:
        length_why = f"off by one: the payload has {n} bytes, you wrote {m}"
    else:
        length_why = f"the header says {m} payload bytes, but the payload has {n}"
    if got.masked and expected.masked and got.masked_payload == expected.payload:
        payload_why = "the payload is not masked: XOR byte i with key byte i mod 4 after writing the key"
    elif got.payload != expected.payload:
        payload_why = "the payload differs from the one described" + extra
    else:
        payload_why = extra.removeprefix("; ")
    return (
        verdict(
            "FIN",
            "FIN",
            got.fin == expected.fin,
            "FIN is 1 on the final (or only) frame of a message, 0 when more fragments follow",
        ),
        verdict(
            "RSV",
            "RSV1-3",
            not (got.rsv1 or got.rsv2 or got.rsv3),
            "RSV1-3 stay 0 unless an extension was negotiated",
        ),
        verdict(
            "opcode",
            "the opcode",
            got.opcode == expected.opcode,
            f"this is a {Opcode(expected.opcode).name.lower()} frame: opcode 0x{int(expected.opcode):X}",
        ),
        verdict("MASK", "MASK", got.masked == expected.masked, mask_why, "RFC 6455 §5.1"),
        verdict(
            "payload length", "the length", m == n and got.length_form == expected.length_form, length_why
        ),
        verdict(
            "masking key",
            "the masking key",
            got.masking_key == expected.masking_key,
            "use the masking key given, right after the length"
            if expected.masked
            else "no key when MASK is 0",
            "RFC 6455 §5.3",
        ),
        verdict(
            "payload data",
            "the payload",
            got.payload == expected.payload and not extra,
            payload_why or "the payload differs",
            "RFC 6455 §5.3",
        ),
    )


def build_exercise(seed: int) -> Exercise:
    """Write the bytes of a frame from a description (RFC 6455 §5.2, §5.3)."""
    rng = rng_for("frames.build", seed)
    text = rng.choice(_TEXTS)
    description, frame, sender = _describe_build(rng.randrange(1000), rng.randbytes(5), text)
    part = Part(
        "bytes",
        "the frame",
        BYTES,
        bytes(frame),
        "RFC 6455 §5.2",
        "byte 0: FIN, RSV1-3, opcode; byte 1: MASK and the length; then the key (if masked) and the payload",
        f"{bytes(frame)[:24].hex(' ')}" + (" …" if len(frame) > 24 else ""),
    )
    return BuildExercise(
        kind="frames.build",
        topic="frames",
        seed=seed,
        title="Build a frame",
        prompt=description + " Write the frame's bytes in hex.",
        parts=(part,),
        hints=(
            Hint("Byte 0 is FIN (bit 0), RSV1-3, then the 4-bit opcode.", "RFC 6455 §5.2"),
            Hint(
                "Clients mask every frame, servers never do; a masked payload is XORed with the key.",
                "RFC 6455 §5.1",
            ),
            Hint(
                "126 to 65535 payload bytes: 7-bit value 126, then the length in 2 bytes big-endian.",
                "RFC 6455 §5.2",
            ),
        ),
        worked=(
            *tuple(f"{f.name} ({f.span}): {f.display_value()} = {f.meaning}" for f in frame.fields),
            f"the whole frame: {bytes(frame)[:40].hex(' ')}" + (" …" if len(frame) > 40 else ""),
        ),
        subject=frame,
        notes={"sender": sender},
    )


# rule key -> (words a student may use for it, the section that states it)
MALFORMED: dict[str, tuple[tuple[str, ...], str]] = {
    "reserved opcode": (("opcode", "unknown opcode", "undefined opcode"), "RFC 6455 §5.2"),
    "RSV bit without extension": (("rsv", "reserved bit", "rsv1", "rsv2", "rsv3"), "RFC 6455 §5.2"),
    "fragmented control frame": (
        ("control fin", "control frame fragmented", "fin 0 on control"),
        "RFC 6455 §5.5",
    ),
    "control frame too long": (("control too long", "ping too long", "over 125"), "RFC 6455 §5.5"),
    "length not minimal": (("non minimal length", "minimal", "length encoding"), "RFC 6455 §5.2"),
    "64-bit length top bit": (("top bit", "most significant bit", "msb"), "RFC 6455 §5.2"),
    "unmasked client frame": (("client unmasked", "client must mask", "not masked"), "RFC 6455 §5.1"),
    "masked server frame": (("server masked", "server must not mask"), "RFC 6455 §5.1"),
    "invalid UTF-8 text": (("utf8", "utf-8", "invalid utf8", "bad utf-8"), "RFC 6455 §8.1"),
    "one-byte close payload": (("close 1 byte", "close payload 1 byte"), "RFC 6455 §5.5.1"),
    "invalid close code": (("close code", "bad close code", "reserved close code"), "RFC 6455 §7.4.1"),
    "invalid UTF-8 close reason": (("close reason utf8", "reason utf-8"), "RFC 6455 §5.5.1"),
    "nothing": (("none", "valid", "no rule", "nothing is wrong"), "RFC 6455 §5"),
}
_RULES = Choice("choice", "the rule broken", tuple((k, v[0]) for k, v in MALFORMED.items()))


def _malformed(rule: str, rng_bytes: bytes, text: str) -> tuple[Frame, str]:
    """A frame breaking ``rule`` and who sends it."""
    key = rng_bytes[:4]
    raw = text.encode()
    made: dict[str, tuple[Frame, str]] = {
        "reserved opcode": (Frame.build(0x3 + rng_bytes[4] % 5, raw), "server"),
        "RSV bit without extension": (Frame.build(Opcode.TEXT, raw, rsv2=True, mask=key), "client"),
        "fragmented control frame": (Frame.build(Opcode.PING, raw, fin=False), "server"),
        "control frame too long": (Frame.build(Opcode.PING, raw * (126 // len(raw) + 1)), "server"),
        "length not minimal": (Frame.build(Opcode.TEXT, raw, length_form="16-bit", mask=key), "client"),
        "64-bit length top bit": (
            Frame.parse(bytes([0x82, 0x7F, 0x80]) + bytes(7) + raw, allow_truncated=True),
            "server",
        ),
        "unmasked client frame": (Frame.text(raw), "client"),
        "masked server frame": (Frame.text(raw, mask=key), "server"),
        "invalid UTF-8 text": (Frame.build(Opcode.TEXT, raw + b"\xc0\xaf", mask=key), "client"),
        "one-byte close payload": (Frame.build(Opcode.CLOSE, b"\x03"), "server"),
        "invalid close code": (
            Frame.build(Opcode.CLOSE, (1005).to_bytes(2, "big") + raw, mask=key),
            "client",
        ),
        "invalid UTF-8 close reason": (Frame.build(Opcode.CLOSE, b"\x03\xe8" + raw + b"\xff"), "server"),
        "nothing": (Frame.text(raw, mask=key), "client"),
    }
    return made[rule]


_CODE_WORDS: dict[int | None, str] = {
    1000: "1000 is a normal closure; a receiver that finds a broken rule fails with an error code",
    1002: "1002 is for a frame that breaks the framing rules; this one is well formed",
    1003: "1003 is for a type of data the endpoint cannot accept (binary to a text-only app)",
    1005: "1005 is never sent in a close frame: it reports a close frame that had no code",
    1006: "1006 is never sent in a close frame: it reports a connection dropped without one",
    1007: "1007 is for payload data that is not what the message type says (invalid UTF-8)",
    1008: "1008 is for a policy violation, not a broken frame",
    1009: "1009 is for a message too big to process",
    None: "a receiver that finds a broken rule fails the connection with a close code",
}


def malformed_exercise(seed: int) -> Exercise:
    """Which rule does this frame break, and which close code does its receiver send?"""
    rng = rng_for("frames.malformed", seed)
    rule = rng.choice(list(MALFORMED))
    frame, sender = _malformed(rule, rng.randbytes(5), rng.choice(_TEXTS))
    violations = frame.check(sender="client" if sender == "client" else "server")
    code = violations[0].close_code if violations else None
    section = violations[0].section if violations else MALFORMED[rule][1]
    code_mistakes = tuple((c, w) for c, w in _CODE_WORDS.items() if c != code)
    if code is None:
        code_mistakes = tuple(
            (c, "the frame breaks no rule: the receiver takes it") for c in (1002, 1007, 1003)
        )
    parts = (
        Part(
            "rule",
            "the rule broken",
            _RULES,
            rule,
            section,
            "check the header (opcode, RSV bits, FIN on control frames, length form, MASK for the sender), "
            "then the payload (UTF-8 text, close code and reason)",
            violations[0].rule if violations else "the frame breaks no rule",
        ),
        Part(
            "close_code",
            "the close code",
            CLOSE_CODE,
            code,
            section,
            "1002 for a protocol (framing) error, 1007 for invalid UTF-8 data",
            f"the receiver fails the connection with {code}" if code else "no close: the frame is valid",
            code_mistakes,
        ),
    )
    return Exercise(
        kind="frames.malformed",
        topic="frames",
        seed=seed,
        title="Which rule does this frame break?",
        prompt=(
            f"The {sender} sends this frame; no extension was negotiated. Which rule does it break "
            "(nothing, if none), and with which close code does the receiver fail the connection "
            "(none, if it breaks no rule)?"
        ),
        parts=parts,
        hints=(
            Hint(
                "Read the header first: opcode, RSV1-3, FIN of control frames, length form, MASK.",
                "RFC 6455 §5.2",
            ),
            Hint("Control frames carry at most 125 bytes and are never fragmented.", "RFC 6455 §5.5"),
            Hint(
                "Framing errors close with 1002; text that is not UTF-8 closes with 1007.", "RFC 6455 §7.4.1"
            ),
        ),
        worked=tuple(str(v) for v in violations) or ("the frame breaks no rule",),
        data=bytes(frame),
        subject=frame,
        notes={"sender": sender, "rule": rule},
    )
