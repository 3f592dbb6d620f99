"""Fragmentation and control frames: reassemble a message with a ping in the middle; the closing
handshake, who sends what (RFC 6455 §5.4, §5.5, §7.1, §7.4).

The reassembled message is the codec's (:class:`~wsexplorer.codec.assembler.MessageAssembler`), and the
close replies follow what :class:`~wsexplorer.protocol.connection.Connection` does (echo the code;
no code answered with no code), so the exercise and the explorer agree.
"""

from __future__ import annotations

from ..codec.assembler import MessageAssembler
from ..codec.frame_header import Opcode
from ..codec.frames import Frame
from .answers import BOOL, CLOSE_CODE, INT_LIST, OPCODE, PAYLOAD, TEXT, Choice
from .model import Exercise, Hint, Part, rng_for

__all__ = ["CLOSE_SCENARIOS", "close_exercise", "reassemble_exercise"]

_SENTENCES = ("Hello, fragmented world", "frames carry messages", "one message, many frames", "ping me later")
_PINGS = ("hb", "ping", "t=1", "?")


def reassemble_exercise(seed: int) -> Exercise:
    """Reassemble a fragmented text message that has a ping between its fragments (RFC 6455 §5.4)."""
    rng = rng_for("fragments.reassemble", seed)
    text = rng.choice(_SENTENCES).encode("utf-8")
    pieces = rng.randint(3, 4)
    cuts = sorted(rng.sample(range(1, len(text)), pieces - 1))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    sender = rng.choice(("server", "server", "client"))

    def mask() -> bytes | bool:
        return rng.randbytes(4) if sender == "client" else False

    data = [
        Frame.text(c, fin=False, mask=mask())
        if i == 0
        else Frame.continuation(c, fin=i == pieces - 1, mask=mask())
        for i, c in enumerate(chunks)
    ]
    ping_payload = rng.choice(_PINGS).encode("ascii")
    at = rng.randint(1, pieces - 1)
    frames = [*data[:at], Frame.ping(ping_payload, mask=mask()), *data[at:]]
    ping_number = at + 1
    message_numbers = tuple(i + 1 for i, f in enumerate(frames) if not f.is_control)
    assembler = MessageAssembler()
    messages = [m for f in frames if not f.is_control and (m := assembler.add(f)) is not None]
    message = messages[0].data
    assert isinstance(message, str)
    with_ping = b"".join(f.payload for f in frames).decode("utf-8", "replace")
    receiver = "client" if sender == "server" else "server"

    def frames_diagnose(value: object) -> str | None:
        if not isinstance(value, tuple):
            return None
        if ping_number in value:
            return (
                f"frame {ping_number} is a ping: a control frame between fragments is not part of the message"
            )
        missing = [n for n in message_numbers if n not in value]
        if missing:
            return f"frame {missing[0]} carries part of the message too (a continuation, opcode 0x0)"
        return "only the frames that carry the message's bytes: the first one and its continuations"

    parts = (
        Part(
            "message",
            "the message",
            TEXT,
            message,
            "RFC 6455 §5.4",
            "join the payloads of the text frame and its continuation frames, in order, up to FIN=1",
            f"{message!r}",
            (
                (
                    with_ping,
                    "the ping's payload is not part of the message: control frames may come between "
                    "fragments and are handled on their own",
                ),
                (
                    chunks[0].decode("utf-8", "replace"),
                    "FIN=0 on the first frame: more fragments follow, up to a frame with FIN=1",
                ),
            ),
        ),
        Part(
            "message_frames",
            "the message's frames",
            INT_LIST,
            message_numbers,
            "RFC 6455 §5.4",
            "a message is a text or binary frame followed by continuation frames (opcode 0x0) up to FIN=1",
            f"frames {', '.join(map(str, message_numbers))}; frame {ping_number} is a ping",
            diagnose=frames_diagnose,
        ),
        Part(
            "pong_payload",
            "the pong's payload",
            PAYLOAD,
            ping_payload,
            "RFC 6455 §5.5.3",
            "a pong answers a ping with the same application data",
            f"the ping's payload, {ping_payload.decode()!r}",
            ((b"", "a pong carries the ping's payload back"),)
            + (
                ((frames[at].masked_payload, "unmask the ping's payload first: the pong carries the data"),)
                if sender == "client"
                else ()
            ),
        ),
        Part(
            "pong_masked",
            "whether the pong is masked",
            BOOL,
            receiver == "client",
            "RFC 6455 §5.1",
            "who sends the pong? Clients mask every frame, servers never do",
            f"the {receiver} sends the pong, so it is {'masked' if receiver == 'client' else 'not masked'}",
        ),
    )
    return Exercise(
        kind="fragments.reassemble",
        topic="fragmentation",
        seed=seed,
        title="Reassemble a message",
        prompt=(
            f"The {sender} sends these {len(frames)} frames, in this order. What text message does the "
            f"{receiver} receive, which frames (numbered from 1) carry it, what payload does the "
            f"{receiver}'s pong carry, and is that pong masked?"
        ),
        parts=parts,
        hints=(
            Hint(
                "A fragmented message: one text/binary frame with FIN=0, continuations, the last with FIN=1.",
                "RFC 6455 §5.4",
            ),
            Hint("Control frames (opcode 0x8-0xF) may be injected between fragments.", "RFC 6455 §5.4"),
            Hint("A pong echoes the ping's application data.", "RFC 6455 §5.5.3"),
        ),
        worked=(
            *tuple(f"frame {i}: {f.summary()}" for i, f in enumerate(frames, 1)),
            f"message: {message!r} from frames {message_numbers}",
            f"pong payload: {ping_payload!r}",
        ),
        data=b"".join(bytes(f) for f in frames),
        frames=tuple(frames),
        notes={"sender": sender},
    )


_SIDES = Choice("choice", "server or client", (("server", ("the server",)), ("client", ("the client",))))

# scenario -> (situation in words, who sends the reply, reply code, reported code, RFC section)
CLOSE_SCENARIOS: dict[str, tuple[str, str, int | None, int, str]] = {
    "client closes": (
        "The client sends a close frame with code {code} and the reason 'bye'.",
        "server",
        None,
        0,
        "RFC 6455 §5.5.1",
    ),
    "server goes away": (
        "The server is shutting down: it sends a close frame with code 1001.",
        "client",
        1001,
        1001,
        "RFC 6455 §5.5.1",
    ),
    "no status": (
        "The server sends a close frame with an empty payload.",
        "client",
        None,
        1005,
        "RFC 6455 §7.1.5, §7.4.1",
    ),
    "bad UTF-8": (
        "The server receives a text frame whose payload is not valid UTF-8.",
        "server",
        1007,
        1007,
        "RFC 6455 §8.1",
    ),
}


def close_exercise(seed: int) -> Exercise:
    """The closing handshake: the close frame sent in answer, who closes TCP first, what the receiving
    application sees (RFC 6455 §5.5.1, §7.1, §7.4)."""
    rng = rng_for("fragments.close", seed)
    name = rng.choice(list(CLOSE_SCENARIOS))
    words, replier, reply_code, reported, section = CLOSE_SCENARIOS[name]
    if name == "client closes":
        code = rng.choice((1000, 1001, 4000))
        words, reply_code, reported = words.format(code=code), code, code
    initiator = "the client" if name == "client closes" else "the server"
    reply_mistakes: list[tuple[object, str]] = [
        (1005, "1005 is never sent in a close frame: it only reports that a close frame had no code"),
        (1006, "1006 is never sent in a close frame: it reports a connection lost without one"),
    ]
    if reply_code is None:
        reply_mistakes.append(
            (1000, "the close frame received had no code, so the answer echoes none either")
        )
    elif name == "bad UTF-8":
        reply_mistakes.append((1002, "the frame is well formed; its data is not valid UTF-8: 1007"))
    parts = (
        Part(
            "reply_opcode",
            "the opcode sent",
            OPCODE,
            int(Opcode.CLOSE),
            "RFC 6455 §5.5.1",
            "closing is done with a close frame",
            "0x8: a close frame",
            ((int(Opcode.PONG), "a pong answers a ping; a close is answered with a close frame"),),
        ),
        Part(
            "reply_code",
            "the code sent",
            CLOSE_CODE,
            reply_code,
            section,
            "an endpoint answers a close frame with a close frame, usually echoing the code it received",
            f"{reply_code}" if reply_code is not None else "no code: the close frame received had none",
            tuple(reply_mistakes),
            also_right=(1000,) if reply_code not in (None, 1007) else (),
        ),
        Part(
            "reported",
            "the code the application reports",
            CLOSE_CODE,
            reported,
            "RFC 6455 §7.1.5",
            "the connection close code is the code of the first close frame received (1005 if it had none)",
            f"{reported}",
            ((1006, "1006 is for a connection closed WITHOUT a close frame; here one came"),),
        ),
        Part(
            "tcp_first",
            "who closes TCP first",
            _SIDES,
            "server",
            "RFC 6455 §7.1.1",
            "one side should close the TCP connection first, so that the other is not left in TIME_WAIT",
            "the server closes the TCP connection first",
            (("client", "the server closes TCP first, so that the TIME_WAIT state is on the server"),),
        ),
        Part(
            "more_data",
            "whether more data may be sent",
            BOOL,
            False,
            "RFC 6455 §5.5.1",
            "after sending a close frame an endpoint must not send more data frames",
            "no: after its close frame an endpoint sends no more data frames",
        ),
    )
    return Exercise(
        kind="fragments.close",
        topic="fragmentation",
        seed=seed,
        title="The closing handshake",
        prompt=(
            f"{words} What does the {replier} send then (the opcode, and the close code or none), which "
            "code does the receiving application report as the connection's close code, who closes the "
            f"TCP connection first, and may {initiator} send more data messages after its close frame?"
        ),
        parts=parts,
        hints=(
            Hint(
                "A close frame is answered with a close frame, usually echoing the code.", "RFC 6455 §5.5.1"
            ),
            Hint("1005 and 1006 are reported, never sent.", "RFC 6455 §7.4.1"),
            Hint("The server should close the TCP connection first.", "RFC 6455 §7.1.1"),
        ),
        worked=(
            words,
            f"the {replier} sends a close frame (opcode 0x8)"
            + (f" with code {reply_code}" if reply_code is not None else " with no code"),
            f"the application reports {reported}",
            "the server closes TCP first (§7.1.1); nobody sends data after its close frame (§5.5.1)",
        ),
        exhibit=words,
        notes={"scenario": name},
    )
