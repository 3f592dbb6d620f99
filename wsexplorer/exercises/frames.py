"""Frame exercises done by hand: decode a frame field by field, and unmask a payload (RFC 6455 §5.2, §5.3).

The frame is built by the codec (:meth:`Frame.build <wsexplorer.codec.frames.Frame.build>`) and every
expected value is read back from it, so the question and the explorer agree bit for bit. Each part
names the codec field it is about, so a view can highlight that field's bits once it is answered.
The common wrong answers are computed from the question's own bytes: the 7-bit marker taken for the
length, a length off by one, the whole first byte taken for the opcode, a masked payload not unmasked,
an unmasked payload "unmasked" with its first 4 bytes taken for a key.
"""

from __future__ import annotations

import random

from ..codec.frame_header import LengthForm, Opcode
from ..codec.frames import Frame
from ..codec.masking import apply_mask
from .answers import BOOL, BYTES, INT, OPCODE, PAYLOAD, Choice
from .model import Exercise, Hint, Part, rng_for

__all__ = ["LENGTH_FORMS", "decode_exercise", "random_frame", "unmask_exercise"]

LENGTH_FORMS = Choice(
    "choice",
    "7-bit, 16-bit or 64-bit",
    (
        ("7-bit", ("7", "7 bit", "short", "in the 7 bits")),
        ("16-bit", ("16", "16 bit", "126", "2 bytes", "extended 16")),
        ("64-bit", ("64", "64 bit", "127", "8 bytes", "extended 64")),
    ),
)
_WORDS = ("Hello", "hi", "ping?", "WebSocket", "RFC 6455", "frame", "mask me", "ok", "chat", "42", "café")
SHOWN_PAYLOAD = 8
"""A long frame's payload is asked for by its first bytes only."""


def random_frame(rng: random.Random, *, sender: str | None = None) -> Frame:
    """A valid frame of any opcode, length form and direction, drawn from ``rng``."""
    kind = rng.choice(("text", "text", "binary", "ping", "pong", "close", "continuation"))
    masked = rng.random() < 0.5 if sender is None else sender == "client"
    key = rng.randbytes(4) if masked else False
    form = rng.choices(("7", "16", "64"), (6, 3, 1))[0] if kind in ("text", "binary") else "7"
    fin = rng.random() < 0.8 if kind in ("text", "binary", "continuation") else True
    if kind == "close":
        payload = rng.choice((1000, 1001, 1008, 1011, 4000)).to_bytes(2, "big") + rng.choice(_WORDS).encode()
    elif form == "16":
        payload = bytes(rng.choice((126, 127, 200, 300, 65535)) * [rng.randrange(32, 127)])
    elif form == "64":
        payload = bytes(rng.choice((65536, 65537, 70000)) * [rng.randrange(32, 127)])
    elif kind == "binary":
        payload = rng.randbytes(rng.randrange(0, 12))
    else:
        payload = rng.choice(_WORDS).encode("utf-8")
    opcode = {"text": Opcode.TEXT, "binary": Opcode.BINARY, "ping": Opcode.PING, "pong": Opcode.PONG}.get(
        kind, Opcode.CLOSE if kind == "close" else Opcode.CONTINUATION
    )
    return Frame.build(opcode, payload, fin=fin, mask=key)


def _length_mistakes(frame: Frame) -> tuple[tuple[object, str], ...]:
    wire = bytes(frame)
    n, len7 = frame.payload_length, wire[1] & 0x7F
    out: list[tuple[object, str]] = []
    if len7 == 126:
        out.append((126, "126 is not the length: it means a 16-bit length follows, in the next 2 bytes"))
    elif len7 == 127:
        out.append((127, "127 is not the length: it means a 64-bit length follows, in the next 8 bytes"))
    out += [
        (n - 1, "off by one: count the payload bytes exactly"),
        (n + 1, "off by one: count the payload bytes exactly"),
        (wire[1], "that is the whole second byte: MASK is its top bit, the 7-bit length its low 7 bits"),
        (len(wire), "that is the length of the whole frame; the payload length counts payload bytes only"),
    ]
    return tuple((v, f) for v, f in out if v != n)


def _payload_mistakes(frame: Frame, shown: int | None) -> tuple[tuple[object, str], ...]:
    cut = slice(0, shown)
    out: list[tuple[object, str]] = []
    if frame.masked:
        out.append(
            (
                frame.masked_payload[cut],
                "those are the payload bytes as sent, still masked: XOR byte i with key byte i mod 4",
            )
        )
    elif frame.payload_length > 4:
        as_if = apply_mask(frame.payload[4:], frame.payload[:4])
        out.append(
            (
                as_if[cut],
                "MASK is 0, so there is no masking key: the payload bytes are the data as they are "
                "(you took its first 4 bytes for a key and unmasked the rest)",
            )
        )
        out.append(
            (
                frame.payload[4:][cut],
                "MASK is 0, so there is no masking key: the payload starts right after the length",
            )
        )
    return tuple((v, f) for v, f in out if v != frame.payload[cut])


def _key_mistakes(frame: Frame) -> tuple[tuple[object, str], ...]:
    wire = bytes(frame)
    if frame.masking_key is None:
        return ((frame.payload[:4], "MASK is 0, so there is no masking key: those bytes are payload"),)
    if frame.header_length > 6:
        return ((wire[2:6], "the key comes after the extended payload length, right before the payload"),)
    return ()


def decode_exercise(seed: int) -> Exercise:
    """Decode a frame by hand: FIN, opcode, MASK, length form and length, masking key, payload."""
    rng = rng_for("frames.decode", seed)
    frame = random_frame(rng)
    wire = bytes(frame)
    b0 = wire[0]
    long = frame.payload_length > 32
    shown = SHOWN_PAYLOAD if long else None
    opname = Opcode(frame.opcode).name.lower()
    key = frame.masking_key
    length_field = "payload length" if frame.length_form == LengthForm.BITS_7 else "extended payload length"
    parts = (
        Part(
            "fin",
            "FIN",
            BOOL,
            frame.fin,
            "RFC 6455 §5.2",
            "FIN is the first bit of byte 0",
            "FIN=1: the final fragment" if frame.fin else "FIN=0: more fragments follow",
            field="FIN",
        ),
        Part(
            "opcode",
            "the opcode",
            OPCODE,
            int(frame.opcode),
            "RFC 6455 §5.2",
            "the opcode is the low 4 bits of byte 0",
            f"0x{int(frame.opcode):X}: {opname}",
            (
                (
                    b0,
                    "that is the whole first byte (FIN, RSV1-3 and the opcode); the opcode is its low 4 bits",
                ),
                (
                    b0 >> 4,
                    "those are the high 4 bits of byte 0 (FIN and RSV1-3); the opcode is the low 4 bits",
                ),
            ),
            field="opcode",
        ),
        Part(
            "mask",
            "MASK",
            BOOL,
            frame.masked,
            "RFC 6455 §5.2, §5.3",
            "MASK is the first bit of byte 1",
            "MASK=1: a masking key follows (client to server)"
            if frame.masked
            else "MASK=0: no masking key (server to client)",
            field="MASK",
        ),
        Part(
            "length_form",
            "the length form",
            LENGTH_FORMS,
            ("7-bit", "16-bit", "64-bit")[int(frame.length_form)],
            "RFC 6455 §5.2",
            "read the low 7 bits of byte 1: 0-125 is the length, 126 and 127 announce a longer form",
            f"the 7 bits say {wire[1] & 0x7F}: the {frame.length_form.label} form",
            field="payload length",
        ),
        Part(
            "payload_length",
            "the length",
            INT,
            frame.payload_length,
            "RFC 6455 §5.2",
            "0-125 in the 7 bits; after 126 a 16-bit number, after 127 a 64-bit number (big-endian)",
            f"{frame.payload_length} payload bytes",
            _length_mistakes(frame),
            field=length_field,
        ),
        Part(
            "masking_key",
            "the masking key",
            BYTES,
            key,
            "RFC 6455 §5.3",
            "when MASK is 1 the 4 bytes after the length are the key; when MASK is 0 there is none",
            f"the key is {key.hex(' ')}" if key else "there is no key: MASK is 0",
            _key_mistakes(frame),
            field="masking key",
        ),
        Part(
            "payload",
            f"the first {SHOWN_PAYLOAD} payload bytes" if long else "the payload",
            PAYLOAD,
            frame.payload[:shown],
            "RFC 6455 §5.3",
            "the payload follows the header; when MASK is 1, XOR byte i with key byte i mod 4",
            f"unmasked: {frame.payload[:shown].hex(' ') or '(empty)'}",
            _payload_mistakes(frame, shown),
            field="payload data",
        ),
    )
    return Exercise(
        kind="frames.decode",
        topic="frames",
        seed=seed,
        title="Decode a frame by hand",
        prompt=(
            "Decode this frame field by field: FIN, the opcode, MASK, the length form and the payload "
            "length, the masking key (none if there is none) and the payload, unmasked"
            + (f" (its first {SHOWN_PAYLOAD} bytes)" if long else "")
            + "."
        ),
        parts=parts,
        hints=(
            Hint(
                "Byte 0 holds FIN, RSV1-3 and the opcode; byte 1 holds MASK and the 7-bit length.",
                "RFC 6455 §5.2",
            ),
            Hint(
                "A 7-bit length of 126 or 127 announces 2 or 8 more length bytes (big-endian).",
                "RFC 6455 §5.2",
            ),
            Hint("Masked payload byte i is XORed with key byte i mod 4.", "RFC 6455 §5.3"),
        ),
        worked=(
            f"byte 0 = 0x{b0:02x} = {b0:08b}: FIN={int(frame.fin)}, RSV1-3=000, "
            f"opcode=0x{b0 & 15:X} ({opname})",
            f"byte 1 = 0x{wire[1]:02x} = {wire[1]:08b}: MASK={int(frame.masked)}, "
            f"7-bit length={wire[1] & 0x7F}",
            f"length: {frame.length_form.label} form, {frame.payload_length} payload bytes",
            f"masking key: {key.hex(' ')}" if key else "no masking key (MASK=0)",
            f"payload from byte {frame.header_length}: {frame.payload[:16].hex(' ')}"
            + (" …" if frame.payload_length > 16 else ""),
        ),
        data=wire,
        subject=frame,
    )


def _char(b: int) -> str:
    return f" ({chr(b)!r})" if 0x20 <= b < 0x7F else ""


def unmask_exercise(seed: int) -> Exercise:
    """Unmask a client's payload by hand (RFC 6455 §5.3)."""
    rng = rng_for("frames.unmask", seed)
    text = " ".join(rng.sample(_WORDS, 2)).encode("utf-8")
    key = rng.randbytes(4)
    frame = Frame.build(Opcode.TEXT, text, mask=key)
    masked = frame.masked_payload
    i = rng.randrange(4, len(text))
    payload_mistakes = [
        (masked, "that is the masked data unchanged: XOR each byte with the key"),
        (apply_mask(masked, key[::-1]), "the key is used in the order it was sent: byte i uses key[i mod 4]"),
        (apply_mask(masked, key[1:] + key[:1]), "payload byte 0 is XORed with key byte 0, not key byte 1"),
    ]
    parts = (
        Part(
            "payload",
            "the payload",
            PAYLOAD,
            text,
            "RFC 6455 §5.3",
            "XOR masked byte i with key byte i mod 4 (the key repeats every 4 bytes)",
            f"{text.decode()!r} = {text.hex(' ')}",
            tuple((v, f) for v, f in payload_mistakes if v != text),
            field="payload data",
        ),
        Part(
            "key_index",
            f"the key byte for payload byte {i}",
            INT,
            i % 4,
            "RFC 6455 §5.3",
            "the key has 4 bytes and repeats: payload byte i uses key byte i mod 4",
            f"{i} mod 4 = {i % 4}",
            ((i, "there are only 4 key bytes (0-3): payload byte i uses key byte i mod 4"),),
            field="masking key",
        ),
    )
    return Exercise(
        kind="frames.unmask",
        topic="frames",
        seed=seed,
        title="Unmask a payload",
        prompt=(
            f"A client sent this text frame with masking key {key.hex(' ')}. The masked payload is "
            f"{masked.hex(' ')}. What text did it send? And which key byte (0 to 3) unmasks payload byte {i}?"
        ),
        parts=parts,
        hints=(
            Hint("Masking is an XOR with the 4-byte key, repeated.", "RFC 6455 §5.3"),
            Hint("Payload byte i is XORed with key byte i mod 4; the same XOR unmasks.", "RFC 6455 §5.3"),
            Hint("In Python: bytes(b ^ key[i % 4] for i, b in enumerate(masked)).", "RFC 6455 §5.3"),
        ),
        worked=(
            *tuple(
                f"byte {j}: {m:02x} XOR key[{j % 4}]={key[j % 4]:02x} = "
                f"{m ^ key[j % 4]:02x}{_char(m ^ key[j % 4])}"
                for j, m in enumerate(masked[:12])
            ),
            f"payload: {text.decode()!r}",
            f"payload byte {i} uses key byte {i} mod 4 = {i % 4}",
        ),
        data=bytes(frame),
        subject=frame,
    )
