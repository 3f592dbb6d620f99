"""``wsexplorer accept KEY`` and ``wsexplorer dump HEX|FILE|-``: the offline views of the codec.

``accept`` prints the Sec-WebSocket-Accept computation step by step (RFC 6455 §1.3, §4.2.2 step 5.4).
``dump`` prints an annotated dump of every frame in the input (and of a handshake message at its
start, when there is one). Frames are judged as their receiver would judge them, through the one
replay path (:meth:`~wsexplorer.record.replay.Replay.of_bytes`): who sent them (``--sender``, or the
handshake's side) and whether permessage-deflate was negotiated (``--deflate``, or the response's
``Sec-WebSocket-Extensions``). Both exit with 1 when the input breaks a rule, 0 when it breaks none.
"""

from __future__ import annotations

import argparse

from ..codec.accept import AcceptComputation
from ..codec.frame_parser import split_frames
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.http import find_header_end
from ..codec.role import Role
from ..errors import HandshakeParseError
from ..record.replay import Replay
from ..render.describe import describe
from ..render.terminal import styled
from .app import BAD_INPUT, BROKEN_RULES, OK, CliError, Output
from .inputs import read_dump_input

__all__ = ["run"]


def run(args: argparse.Namespace, output: Output) -> int:
    if args.command == "accept":
        return accept(args.key, output, quiet=args.quiet)
    return dump(read_dump_input(args.input, args.format), output, sender=args.sender, deflate=args.deflate)


def accept(key: str, output: Output, *, quiet: bool = False) -> int:
    """The accept value for ``key`` and how it is computed; 1 when the key is not 16 bytes of base64."""
    computation = AcceptComputation(key, strict=False)
    if quiet:
        output.out.print(computation.accept)
        if computation.error is not None:
            output.note(f"note: a server refuses this key: {computation.error.rule}")
    else:
        output.out.print(styled(describe(computation)))
    return OK if computation.valid else BROKEN_RULES


def dump(data: bytes, output: Output, *, sender: Role | None = None, deflate: bool = False) -> int:
    """Every handshake message and frame in ``data``, annotated; 1 when any breaks a rule."""
    broken = 0
    start = 0
    extensions = ["permessage-deflate"] if deflate else []
    if data.startswith((b"GET ", b"HTTP/")):
        end = find_header_end(data)
        if end is None:
            raise HandshakeParseError(
                "the handshake's header block has no blank line at its end (RFC 7230 §3)",
                section="RFC 7230 §3",
                offset=len(data),
            )
        message: HandshakeRequest | HandshakeResponse
        if data.startswith(b"GET "):
            message = HandshakeRequest.parse(data[:end])
            sender = sender or "client"
        else:
            message = HandshakeResponse.parse(data[:end])
            sender = sender or "server"
            if not deflate and message.status == 101:
                extensions = [str(e) for e in message.extensions]
        output.out.print(styled(describe(message), message))
        broken += len(message.violations)
        start = end
    frames = data[start:]
    if not frames:
        return BROKEN_RULES if broken else OK
    if start:
        output.out.print()
        output.note(f"frames start at byte {start} of the input; their offsets below count from there")
    split = split_frames(frames)
    if not split.frames and split.partial is None:
        assert split.incomplete is not None
        raise CliError(f"byte {start + (split.incomplete.offset or 0)}: {split.incomplete.rule}", BAD_INPUT)
    replay = Replay.of_bytes(frames, sender=sender, extensions=extensions)
    replay.advance()
    for index in range(replay.available):
        frame = replay.frame(index)
        if index:
            output.out.print()
        output.out.print(styled(describe(frame), frame))
        broken += len(frame.violations)
    if split.partial is not None:
        output.out.print()
        output.out.print(styled(describe(split.partial), split.partial))
        broken += len(split.partial.violations)
    if split.incomplete is not None:
        where = start + (split.incomplete.offset or 0)
        output.out.print(f"incomplete: {split.incomplete.rule} (input ends at byte {where})", style="bold")
    if sender is None:
        output.note("note: sender unknown, so the masking rule (RFC 6455 §5.1) was not checked: use --sender")
    return BROKEN_RULES if broken else OK
