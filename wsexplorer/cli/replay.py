"""``wsexplorer replay SESSION URL``: send a recorded session's client side to a server, compare the answers.

The client's messages, pings and close go out as they were recorded (same opcodes, payloads,
fragmentation, compression where agreed), each after the answers the original client had seen by
then (:func:`~wsexplorer.live.replay.replay`). The handshake options default to the original's; the
shared connection options override them. Then the new session's frames are printed, and the
comparison with the original (:mod:`~wsexplorer.record.diff`): the handshake, then each message that
differs. Exit status 0 when the server answered the same, 1 when the answers differ (as ``diff``
does), 4 when the connection failed.
"""

from __future__ import annotations

import argparse
import asyncio

from ..errors import HandshakeError
from ..live.replay import replay
from ..record.storage import load_session
from ..render.diff import diff_text
from ..render.terminal import styled
from .app import BROKEN_RULES, CONNECTION_FAILED, OK, CliError, Output
from .connect import tls_context
from .inputs import file_kind
from .printer import FramePrinter

__all__ = ["run"]


def run(args: argparse.Namespace, output: Output) -> int:
    return asyncio.run(_replay(args, output))


async def _replay(args: argparse.Namespace, output: Output) -> int:
    if file_kind(args.session) != "session":
        raise CliError(f"{args.session}: not a session file: `wsexplorer import` makes one from a capture")
    original = load_session(args.session)
    headers = []
    for line in args.header:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise CliError(f"--header {line!r}: write it as 'Name: value'")
        headers.append((name.strip(), value.strip()))
    try:
        result = await replay(
            original,
            args.url,
            subprotocols=args.subprotocol or None,
            extensions=[] if args.no_deflate else None,
            origin=args.origin,
            headers=headers or None,
            ssl=tls_context(args, args.url, output),
            open_timeout=args.open_timeout,
            answer_timeout=args.answer_timeout,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{args.url}: cannot connect: {exc.strerror or exc}", CONNECTION_FAILED) from None
    except HandshakeError as exc:
        if exc.response is not None:
            output.err.print(f"the server answered: {exc.response.start_line.text}", style="bold")
        raise
    FramePrinter(result.session, output).update()
    output.out.print()
    output.out.print(styled(diff_text(result.diff, only_differences=True)))
    for note in result.notes:
        output.note(f"note: {note}")
    if args.save:
        result.session.save(args.save)
        output.note(f"session saved to {args.save}")
    return OK if result.diff.same else BROKEN_RULES
