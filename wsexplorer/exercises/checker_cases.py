"""The graded cases a student's implementation is run on, with the reference answers from the codec.

The shapes expected of a student's functions (plain Python functions, names configurable):

* ``compute_accept(key: str) -> str``: the Sec-WebSocket-Accept value (RFC 6455 §4.2.2 step 5.4). It
  stands for the server's step, and a server answers a key that is not 16 bytes in base64 with 400
  instead of an accept (§4.2.1 item 5, §4.1 item 7), so for such a key it raises an exception (a
  ``ValueError``). The reference codec splits the two: ``accept_key`` hashes any text, ``check_key``
  is the server's check; the expected failure here is ``check_key``'s rule;
* ``parse_frame(data: bytes) -> dict``: one complete frame, valid by RFC 6455 §5.2 with no extension
  negotiated, into ``{"fin", "rsv1", "rsv2", "rsv3", "opcode", "masked", "payload_length",
  "masking_key", "payload"}`` (bools; ints; the key as 4 bytes or ``None``; the payload unmasked).
  An object with those attributes does too. For bytes that are not exactly one valid frame (cut
  short, a reserved opcode, an RSV bit, a fragmented or too long control frame, a length not in the
  minimal form) it raises an exception, any exception;
* ``build_frame(opcode: int, payload: bytes, fin: bool = True, mask_key: bytes | None = None) -> bytes``:
  the wire bytes, masked with ``mask_key`` when one is given (called with keyword arguments). For a
  frame no endpoint may send it raises an exception (a ``ValueError``): a reserved opcode (§5.2), a
  control frame with FIN=0 or more than 125 payload bytes (§5.5), a masking key that is not 4 bytes
  (§5.2, §5.3).

A fragmented message is checked as one case of several calls (``Case.steps``): the three frames of a
message, first TEXT with FIN=0, a CONTINUATION with FIN=0, the last CONTINUATION with FIN=1 (§5.4).

Each :class:`Case` names its group (RFC examples, keys, length forms, opcodes, fragments, invalid
input), the section a failure sends the student to, and a hint.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..codec.accept import KEY_SECTION, accept_key, check_key
from ..codec.frame_header import Opcode
from ..codec.frames import Frame
from ..errors import ParseError
from .model import rng_for

__all__ = ["ROLES", "Case", "Raises", "all_cases", "frame_dict"]

ROLES = ("compute_accept", "parse_frame", "build_frame")
"""The functions checked, by role; a student may name them differently."""


@dataclass(frozen=True, slots=True)
class Raises:
    """The expected outcome of a call that must fail: the rule the input breaks."""

    rule: str
    section: str
    close_code: int | None = None

    def __str__(self) -> str:
        code = f", close {self.close_code}" if self.close_code else ""
        return f"an exception: {self.rule} ({self.section}{code})"


@dataclass(frozen=True, slots=True)
class Case:
    """One graded call: which function, with what, what the reference codec answers, and why."""

    id: str
    function: str
    title: str
    group: str
    args: tuple[Any, ...]
    expected: Any
    section: str
    hint: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    points: int = 1
    steps: tuple[tuple[tuple[Any, ...], Mapping[str, Any]], ...] = ()
    """For a case of several calls (a fragmented message): each call's args and kwargs, in order;
    ``expected`` is then the list of the answers."""


def frame_dict(frame: Frame) -> dict[str, Any]:
    """The reference answer of ``parse_frame`` for ``frame``."""
    return {
        "fin": frame.fin,
        "rsv1": frame.rsv1,
        "rsv2": frame.rsv2,
        "rsv3": frame.rsv3,
        "opcode": int(frame.opcode),
        "masked": frame.masked,
        "payload_length": frame.payload_length,
        "masking_key": frame.masking_key,
        "payload": frame.payload,
    }


def _parse_expected(data: bytes) -> Any:
    try:
        frame = Frame.parse(data)
    except ParseError as exc:
        return Raises(exc.rule, exc.section or "RFC 6455 §5.2")
    problems = frame.violations
    if problems:
        return Raises(problems[0].rule, problems[0].section, problems[0].close_code)
    return frame_dict(frame)


_KEY = bytes.fromhex("37fa213d")
_HELLO = b"Hello"


def _accept_cases(seed: int) -> list[Case]:
    rng = rng_for("checker.accept", seed)
    keys = [("rfc", "dGhlIHNhbXBsZSBub25jZQ==", "the key of RFC 6455 §1.3")]
    keys += [
        (f"random-{i}", base64.b64encode(rng.randbytes(16)).decode(), "a random client key") for i in range(3)
    ]
    keys.append(
        ("plus-slash", "+/+/+/+/+/+/+/+/+/+/+w==", "a key with + and / (base64's last two characters)")
    )
    cases = [
        Case(
            f"compute_accept/{name}",
            "compute_accept",
            title,
            "RFC examples" if name == "rfc" else "keys",
            (key,),
            accept_key(key),
            "RFC 6455 §4.2.2 step 5.4",
            "base64(SHA-1(key text + GUID)): the key is not decoded",
        )
        for name, key, title in keys
    ]
    bad = [
        ("not-base64", "a key that is not base64", "not a base64 key!!!"),
        ("15-bytes", "a key of 15 bytes in base64", base64.b64encode(rng.randbytes(15)).decode()),
        ("20-bytes", "a key of 20 bytes in base64", base64.b64encode(rng.randbytes(20)).decode()),
    ]
    for name, title, key in bad:
        problem = check_key(key)[1]
        assert problem is not None, key
        cases.append(
            Case(
                f"compute_accept/invalid-{name}",
                "compute_accept",
                title,
                "invalid input",
                (key,),
                Raises(problem.rule, KEY_SECTION, None),
                KEY_SECTION,
                "a server checks the key first: 16 bytes in base64, or it answers 400 instead of an accept; "
                "raise ValueError (the reference's accept_key hashes any text; its check_key is this check)",
            )
        )
    return cases


def _frames(seed: int) -> list[tuple[str, str, str, bytes]]:
    """(id, title, group, bytes) of every frame given to parse_frame."""
    rng = rng_for("checker.frames", seed)
    out = [
        ("rfc-text", "RFC 6455 §5.7: an unmasked 'Hello'", "RFC examples", bytes.fromhex("810548656c6c6f")),
        (
            "rfc-masked",
            "RFC 6455 §5.7: a masked 'Hello'",
            "RFC examples",
            bytes.fromhex("818537fa213d7f9f4d5158"),
        ),
        (
            "rfc-fragment-1",
            "RFC 6455 §5.7: first fragment 'Hel'",
            "RFC examples",
            bytes.fromhex("010348656c"),
        ),
        ("rfc-fragment-2", "RFC 6455 §5.7: last fragment 'lo'", "RFC examples", bytes.fromhex("80026c6f")),
        (
            "rfc-ping",
            "RFC 6455 §5.7: an unmasked ping 'Hello'",
            "RFC examples",
            bytes.fromhex("890548656c6c6f"),
        ),
        (
            "rfc-pong",
            "RFC 6455 §5.7: a masked pong 'Hello'",
            "RFC examples",
            bytes.fromhex("8a8537fa213d7f9f4d5158"),
        ),
        (
            "rfc-256",
            "RFC 6455 §5.7: 256 bytes, 16-bit length",
            "RFC examples",
            bytes(Frame.binary(bytes(256))),
        ),
        (
            "rfc-64k",
            "RFC 6455 §5.7: 65536 bytes, 64-bit length",
            "RFC examples",
            bytes(Frame.binary(bytes(65536))),
        ),
    ]
    for n in (0, 125, 126, 65535, 65536):
        payload = bytes(rng.randrange(256) for _ in range(min(n, 64))) * (n // 64 + 1)
        payload = payload[:n]
        for masked in (False, True):
            key = rng.randbytes(4) if masked else False
            frame = Frame.binary(payload, mask=key)
            tag = "masked" if masked else "unmasked"
            out.append((f"length-{n}-{tag}", f"{n} payload bytes, {tag}", "length forms", bytes(frame)))
    for op in (Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY, Opcode.CLOSE, Opcode.PING, Opcode.PONG):
        payload = b"\x03\xe8bye" if op == Opcode.CLOSE else b"data"
        frame = Frame.build(op, payload, mask=_KEY)
        out.append(
            (f"opcode-{op.name.lower()}", f"a masked {op.name.lower()} frame", "opcodes", bytes(frame))
        )
    out.append(("empty-close", "a close frame with no payload", "opcodes", bytes(Frame.close())))
    out.append(
        (
            "fragment-first",
            "a text frame with FIN=0",
            "fragments",
            bytes(Frame.text("frag", fin=False, mask=_KEY)),
        )
    )
    out.append(
        (
            "fragment-middle",
            "a continuation with FIN=0",
            "fragments",
            bytes(Frame.continuation("men", fin=False)),
        )
    )
    bad = [
        ("cut-header", "1 byte: the header is cut", b"\x81"),
        ("cut-extended", "a 16-bit length cut after 1 byte", b"\x82\x7e\x01"),
        ("cut-key", "a masking key cut after 2 bytes", b"\x81\x85\x37\xfa"),
        ("cut-payload", "5 payload bytes announced, 3 sent", b"\x81\x05Hel"),
        ("reserved-opcode-3", "reserved opcode 0x3", bytes(Frame.build(0x3, b"x"))),
        ("reserved-opcode-b", "reserved control opcode 0xB", bytes(Frame.build(0xB, b""))),
        ("rsv1", "RSV1 set, no extension negotiated", bytes(Frame.build(Opcode.TEXT, _HELLO, rsv1=True))),
        ("rsv3", "RSV3 set", bytes(Frame.build(Opcode.BINARY, b"x", rsv3=True, mask=_KEY))),
        ("control-fragmented", "a ping with FIN=0", bytes(Frame.build(Opcode.PING, _HELLO, fin=False))),
        ("control-126", "a ping of 126 bytes", bytes(Frame.build(Opcode.PING, bytes(126)))),
        (
            "not-minimal-16",
            "5 bytes in the 16-bit form",
            bytes(Frame.build(Opcode.TEXT, _HELLO, length_form="16-bit")),
        ),
        (
            "not-minimal-64",
            "200 bytes in the 64-bit form",
            bytes(Frame.build(Opcode.BINARY, bytes(200), length_form="64-bit")),
        ),
    ]
    out += [(f"invalid-{i}", t, "invalid input", d) for i, t, d in bad]
    return out


def _message_steps() -> tuple[tuple[str, bool, bytes], ...]:
    """The 3 fragments of one text message, "Hello you": (opcode name, FIN, payload) (§5.4)."""
    return (("TEXT", False, b"Hel"), ("CONTINUATION", False, b"lo "), ("CONTINUATION", True, b"you"))


def _parse_message_case() -> Case:
    frames = [bytes(Frame.build(Opcode[op], p, fin=fin, mask=_KEY)) for op, fin, p in _message_steps()]
    return Case(
        "parse_frame/fragment-message",
        "parse_frame",
        "a text message in 3 masked fragments (TEXT FIN=0, CONTINUATION FIN=0, CONTINUATION FIN=1)",
        "fragments",
        (),
        [_parse_expected(f) for f in frames],
        "RFC 6455 §5.4",
        "only the first fragment carries the message's opcode; the rest are CONTINUATION (0x0); "
        "FIN=1 on the last",
        steps=tuple(((f,), {}) for f in frames),
    )


def _build_message_case() -> Case:
    steps: list[dict[str, Any]] = [
        {"opcode": int(Opcode[op]), "payload": p, "fin": fin, "mask_key": None}
        for op, fin, p in _message_steps()
    ]
    return Case(
        "build_frame/fragment-message",
        "build_frame",
        "a text message in 3 fragments (TEXT FIN=0, CONTINUATION FIN=0, CONTINUATION FIN=1)",
        "fragments",
        (),
        [bytes(Frame.build(k["opcode"], k["payload"], fin=k["fin"])) for k in steps],
        "RFC 6455 §5.4",
        "byte 0 of each fragment: FIN (only on the last) and the opcode (TEXT first, then CONTINUATION)",
        steps=tuple(((), k) for k in steps),
    )


def _build_expected(kw: Mapping[str, Any]) -> Any:
    """The frame's bytes, or :class:`Raises` for a frame no endpoint may send."""
    try:
        frame = Frame.build(
            kw["opcode"], kw["payload"], fin=kw.get("fin", True), mask=kw.get("mask_key") or False
        )
    except ValueError as exc:
        return Raises(str(exc), "RFC 6455 §5.2, §5.3")
    framing = [v for v in frame.violations if v.section in _BUILD_RULES]  # not a close payload's (§7.4)
    if framing:
        return Raises(framing[0].rule, framing[0].section, framing[0].close_code)
    return bytes(frame)


_BUILD_RULES = ("RFC 6455 §5.2", "RFC 6455 §5.5")
"""The sections whose rules a student's ``build_frame`` enforces: opcodes, control frames."""


def _build_cases(seed: int) -> list[Case]:
    rng = rng_for("checker.build", seed)
    specs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("rfc-text", "RFC 6455 §5.7: unmasked 'Hello'", "RFC examples", {"opcode": 1, "payload": _HELLO}),
        (
            "rfc-masked",
            "RFC 6455 §5.7: masked 'Hello'",
            "RFC examples",
            {"opcode": 1, "payload": _HELLO, "mask_key": _KEY},
        ),
        (
            "rfc-fragment-1",
            "RFC 6455 §5.7: first fragment",
            "RFC examples",
            {"opcode": 1, "payload": b"Hel", "fin": False},
        ),
        ("rfc-fragment-2", "RFC 6455 §5.7: last fragment", "RFC examples", {"opcode": 0, "payload": b"lo"}),
    ]
    for n in (0, 125, 126, 65535, 65536):
        payload = bytes([rng.randrange(256)]) * n
        specs.append(
            (f"length-{n}", f"{n} payload bytes, unmasked", "length forms", {"opcode": 2, "payload": payload})
        )
        key = rng.randbytes(4)
        specs.append(
            (
                f"length-{n}-masked",
                f"{n} payload bytes, masked",
                "length forms",
                {"opcode": 2, "payload": payload, "mask_key": key},
            )
        )
    for op in Opcode:
        specs.append(
            (
                f"opcode-{op.name.lower()}",
                f"a {op.name.lower()} frame",
                "opcodes",
                {"opcode": int(op), "payload": b"ab"},
            )
        )
    specs.append(
        (
            "fragment-continuation",
            "a continuation with FIN=0",
            "fragments",
            {"opcode": 0, "payload": b"x", "fin": False},
        )
    )
    bad: list[tuple[str, str, dict[str, Any]]] = [
        ("reserved-opcode-3", "reserved opcode 0x3", {"opcode": 3, "payload": b"x"}),
        ("reserved-opcode-b", "reserved control opcode 0xB", {"opcode": 0xB, "payload": b"x"}),
        ("control-fragmented", "a close with FIN=0", {"opcode": 8, "payload": b"\x03\xe8", "fin": False}),
        ("control-126", "a ping of 126 bytes", {"opcode": 9, "payload": bytes(126)}),
        (
            "mask-key-3",
            "a masking key of 3 bytes",
            {"opcode": 1, "payload": b"x", "mask_key": b"\x01\x02\x03"},
        ),
    ]
    specs += [(f"invalid-{name}", title, "invalid input", kw) for name, title, kw in bad]
    cases = []
    for name, title, group, kw in specs:
        expected = _build_expected(kw)
        hint = (
            "raise ValueError for a frame no endpoint may send: reserved opcode, fragmented or long "
            "control frame, masking key not 4 bytes"
            if isinstance(expected, Raises)
            else "byte 0: FIN, RSV1-3, opcode; byte 1: MASK and the 7-bit length; extended length; key; "
            "payload"
        )
        section = expected.section if isinstance(expected, Raises) else "RFC 6455 §5.2"
        cases.append(
            Case(
                f"build_frame/{name}",
                "build_frame",
                title,
                group,
                (),
                expected,
                section,
                hint,
                kwargs={"fin": True, "mask_key": None, **kw},
            )
        )
    return cases


def all_cases(seed: int = 0, functions: tuple[str, ...] = ROLES) -> list[Case]:
    """The graded cases for the functions asked for, in a fixed order (``seed`` draws the random keys)."""
    cases: list[Case] = []
    if "compute_accept" in functions:
        cases += _accept_cases(seed)
    if "parse_frame" in functions:
        for name, title, group, data in _frames(seed):
            expected = _parse_expected(data)
            hint = (
                "raise an exception for bytes that are not exactly one valid frame"
                if isinstance(expected, Raises)
                else "FIN, RSV1-3 and opcode in byte 0; MASK and the length in byte 1; then the key; unmask"
            )
            section = expected.section if isinstance(expected, Raises) else "RFC 6455 §5.2"
            cases.append(
                Case(f"parse_frame/{name}", "parse_frame", title, group, (data,), expected, section, hint)
            )
        cases.append(_parse_message_case())
    if "build_frame" in functions:
        cases += _build_cases(seed)
        cases.append(_build_message_case())
    return cases
