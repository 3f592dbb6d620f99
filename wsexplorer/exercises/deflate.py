"""permessage-deflate exercises: which frames carry RSV1, and what the negotiated parameters mean for
each direction (RFC 7692 §6, §6.1, §7.1).

The parameters' meaning is read from the codec's negotiated state
(:meth:`PerMessageDeflateState.from_agreed
<wsexplorer.codec.extensions.permessage_deflate.PerMessageDeflateState.from_agreed>`), and the close
codes from the codec's rules, so the exercise says what the connection does.
"""

from __future__ import annotations

from collections.abc import Callable

from ..codec import rules
from ..codec.extensions.permessage_deflate import PerMessageDeflateState
from ..codec.extensions.permessage_deflate.params import parse_element
from .answers import BOOL, CLOSE_CODE, INT, INT_LIST
from .model import Exercise, Hint, Part, rng_for

__all__ = ["params_exercise", "rsv1_exercise"]

# what a frame is -> (carries RSV1?, why, in words)
_FRAME_KINDS: dict[str, tuple[bool, str]] = {
    "the only frame of a compressed text message": (True, "the first frame of a compressed message"),
    "the first frame of a compressed binary message (more fragments follow)": (
        True,
        "the first frame of a compressed message",
    ),
    "the last frame of that compressed message (a continuation)": (
        False,
        "RSV1 is set on the FIRST frame of a compressed message only; continuations leave it 0",
    ),
    "a ping": (False, "control frames are never compressed: RSV1 stays 0"),
    "a pong": (False, "control frames are never compressed: RSV1 stays 0"),
    "a text message the sender chose not to compress": (
        False,
        "a sender may send any message uncompressed: RSV1 0 says so",
    ),
    "a close frame": (False, "control frames are never compressed: RSV1 stays 0"),
}


def rsv1_exercise(seed: int) -> Exercise:
    """Which frames of a permessage-deflate connection have RSV1 set (RFC 7692 §6, §6.1)?"""
    rng = rng_for("deflate.rsv1", seed)
    only, first, last, ping, pong, plain, close = list(_FRAME_KINDS)
    sequence = [only, plain] if rng.random() < 0.5 else [plain, only]
    sequence.insert(rng.randint(0, 2), rng.choice((ping, pong)))
    # A fragmented message's frames come in order; only control frames may come between them (§5.4).
    sequence += [first, ping, last] if rng.random() < 0.5 else [first, last]
    if rng.random() < 0.5:
        sequence.append(close)
    expected = tuple(i for i, k in enumerate(sequence, 1) if _FRAME_KINDS[k][0])

    def diagnose(value: object) -> str | None:
        if not isinstance(value, tuple):
            return None
        for number in value:
            if number not in expected and 1 <= number <= len(sequence):
                return f"frame {number} is {sequence[number - 1]}: {_FRAME_KINDS[sequence[number - 1]][1]}"
        missing = [n for n in expected if n not in value]
        if missing:
            return f"frame {missing[0]} is {sequence[missing[0] - 1]}: it has RSV1 set"
        return None

    twist = rng.choice(("continuation", "control"))
    if twist == "continuation":
        twist_words = "a continuation frame with RSV1 set"
        code, twist_section = int(rules.RSV1_ON_CONTINUATION.close_code), rules.RSV1_ON_CONTINUATION.section
    else:
        twist_words = "a ping with RSV1 set"
        code, twist_section = int(rules.RSV1_ON_CONTROL.close_code), rules.RSV1_ON_CONTROL.section
    listing = "; ".join(f"frame {i}: {k}" for i, k in enumerate(sequence, 1))
    parts = (
        Part(
            "rsv1_frames",
            "the frames with RSV1",
            INT_LIST,
            expected,
            "RFC 7692 §6.1",
            "RSV1 marks the first frame of a compressed message, and nothing else",
            f"frames {', '.join(map(str, expected))}",
            diagnose=diagnose,
        ),
        Part(
            "close_code",
            "the close code",
            CLOSE_CODE,
            code,
            twist_section,
            "a frame that breaks the framing rules fails the connection with the protocol error code",
            f"{code}: a protocol error",
            ((1007, "1007 is for data that is not what the message type says; this is a framing error"),),
        ),
    )
    return Exercise(
        kind="deflate.rsv1",
        topic="compression",
        seed=seed,
        title="Which frames carry RSV1?",
        prompt=(
            "permessage-deflate was negotiated. The server sends, in this order: "
            + listing
            + ". Which frames have RSV1 set (their numbers)? And a client that receives "
            + twist_words
            + " fails the connection with which close code?"
        ),
        parts=parts,
        hints=(
            Hint("RSV1 is the 'Per-Message Compressed' bit.", "RFC 7692 §6"),
            Hint("It is set on the first frame of a compressed message only.", "RFC 7692 §6.1"),
            Hint("Control frames are never compressed.", "RFC 7692 §6.1"),
        ),
        worked=(
            *tuple(
                f"frame {i}: {k}: RSV1={int(_FRAME_KINDS[k][0])} ({_FRAME_KINDS[k][1]})"
                for i, k in enumerate(sequence, 1)
            ),
            f"{twist_words}: close {code} ({twist_section})",
        ),
        exhibit="\n".join(f"{i}. {k}" for i, k in enumerate(sequence, 1)),
    )


def params_exercise(seed: int) -> Exercise:
    """What a negotiated permessage-deflate response means for each direction (RFC 7692 §7.1)."""
    rng = rng_for("deflate.params", seed)
    params = []
    if rng.random() < 0.5:
        params.append("server_no_context_takeover")
    if rng.random() < 0.5:
        params.append("client_no_context_takeover")
    if rng.random() < 0.6:
        params.append(f"server_max_window_bits={rng.randint(8, 15)}")
    if rng.random() < 0.6:
        params.append(f"client_max_window_bits={rng.randint(8, 15)}")
    agreed = "; ".join(["permessage-deflate", *params])
    state = PerMessageDeflateState.from_agreed(parse_element(agreed), "client")
    sb, cb = state.server_max_window_bits, state.client_max_window_bits

    def window_mistakes(mine: int, other: int, who: str) -> tuple[tuple[object, str], ...]:
        if other == mine:
            return ()
        words = f"that is the other direction's window: {who}_max_window_bits limits the {who.upper()}'s "
        words += "compressor"
        return ((other, words),)

    def absent(who: str) -> Callable[[object], str | None]:
        def say(value: object) -> str | None:
            if f"{who}_max_window_bits" in agreed:
                return None
            return f"{who}_max_window_bits is absent, which means the default: 15 bits, a 32 KiB window"

        return say

    def reset_part(name: str, who: str, value: bool) -> Part:
        direction = "server-to-client" if who == "server" else "client-to-server"
        return Part(
            name,
            f"whether the {who} resets its compressor",
            BOOL,
            value,
            f"RFC 7692 §7.1.1.{1 if who == 'server' else 2}",
            f"{who}_no_context_takeover means the {who} starts every message with an empty window",
            f"{'yes' if value else 'no'}: {direction} messages "
            + (
                "never refer to earlier ones"
                if value
                else "may refer back to earlier ones (context takeover)"
            ),
        )

    parts = (
        Part(
            "server_window",
            "the server's window bits",
            INT,
            sb,
            "RFC 7692 §7.1.2.1",
            "server_max_window_bits limits the window of the server's compressor; absent means 15",
            f"{sb} bits: server-to-client messages refer back at most {2**sb} bytes",
            window_mistakes(sb, cb, "server"),
            also_right=(2**sb,),
            diagnose=absent("server"),
        ),
        Part(
            "client_window",
            "the client's window bits",
            INT,
            cb,
            "RFC 7692 §7.1.2.2",
            "client_max_window_bits limits the window of the client's compressor; absent means 15",
            f"{cb} bits: client-to-server messages refer back at most {2**cb} bytes",
            window_mistakes(cb, sb, "client"),
            also_right=(2**cb,),
            diagnose=absent("client"),
        ),
        reset_part("server_resets", "server", state.server_no_context_takeover),
        reset_part("client_resets", "client", state.client_no_context_takeover),
    )
    return Exercise(
        kind="deflate.params",
        topic="compression",
        seed=seed,
        title="What do the negotiated parameters mean?",
        prompt=(
            f"The server's 101 response says Sec-WebSocket-Extensions: {agreed}. How many window bits may "
            "the server's compressor use, and the client's? Does the server reset its compressor after every "
            "message it sends? Does the client?"
        ),
        parts=parts,
        hints=(
            Hint("Each parameter names the side whose COMPRESSOR it constrains.", "RFC 7692 §7.1"),
            Hint("An absent *_max_window_bits means 15 (a 32 KiB window).", "RFC 7692 §7.1.2"),
            Hint("no_context_takeover: that side empties its window after each message.", "RFC 7692 §7.1.1"),
        ),
        worked=(
            f"agreed: {agreed}",
            f"server -> client: window {sb} bits, "
            + ("reset after each message" if state.server_no_context_takeover else "context takeover"),
            f"client -> server: window {cb} bits, "
            + ("reset after each message" if state.client_no_context_takeover else "context takeover"),
        ),
        exhibit=f"Sec-WebSocket-Extensions: {agreed}",
    )
