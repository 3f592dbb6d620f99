"""``wsexplorer relay UPSTREAM``: a recording relay (a man in the middle on purpose) that prints both legs.

It listens (127.0.0.1:8766 unless told otherwise), prints ``listening on URL`` as its first line, and
passes each client that connects there on to UPSTREAM (:func:`~wsexplorer.live.relay.relay`). Each
frame is printed as it crosses either leg, prefixed with the connection's number and its leg: ``>`` is
the way towards the upstream server, ``<`` the way back, on both legs. When a connection closes, the
two legs are compared message by message (what the relay changed). ``--save FILE`` writes each
connection's legs as ``FILE-N-client`` and ``FILE-N-upstream`` session files. Ctrl-C or SIGTERM stops
it: every connection is closed with 1001 (going away).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ..live.relay import RelayedConnection
from ..live.relay import relay as start_relay
from ..record.session import C2S
from .app import OK, CliError, Output
from .printer import FramePrinter
from .serve import until_stopped

__all__ = ["relay"]


def _saved(path: str, number: int, leg: str) -> Path:
    target = Path(path)
    return target.with_name(f"{target.stem}-{number}-{leg}{target.suffix}")


async def relay(args: argparse.Namespace, output: Output) -> int:
    """Run the relay until stopped (see the module text)."""
    printers: dict[int, tuple[FramePrinter, FramePrinter]] = {}

    def watch(connection: RelayedConnection, what: str) -> None:
        number = connection.number
        if what == "connecting":
            return
        if number not in printers:
            client = FramePrinter(
                connection.client_session, output, prefix=f"#{number} client   ", outgoing=C2S
            )
            upstream = FramePrinter(
                connection.upstream_session, output, prefix=f"#{number} upstream ", outgoing=C2S
            )
            printers[number] = (client, upstream)
        for printer in printers[number]:
            printer.update()
        if what == "open":
            output.out.print(f"#{number} + relaying to {connection.upstream_url}", style="bold")
        elif what == "change" and connection.changes:
            output.out.print(f"#{number} relay    {connection.changes[-1]}", style="yellow")
        elif what == "refused":
            reason = f": {connection.error}" if connection.error is not None else ""
            output.out.print(f"#{number} refused{reason}", style="bold red")
        elif what == "closed":
            output.out.print(f"#{number} - closed", style="bold")
            for line in connection.diff().summary().splitlines():
                output.out.print(f"#{number} {line}", style="dim")
            if args.save:
                for leg, session in zip(("client", "upstream"), connection.sessions, strict=True):
                    session.save(_saved(args.save, number, leg))

    try:
        server = await start_relay(
            args.upstream,
            args.host,
            args.port,
            upstream_ssl=args.ca,
            keylog=args.keylog,
            open_timeout=args.open_timeout,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    server.subscribe(watch)
    output.out.print(f"listening on {server.url} → {args.upstream}")
    output.out.file.flush()
    try:
        await until_stopped()
    finally:
        try:  # bounded: a client that never sent its request is dropped after open_timeout
            await asyncio.wait_for(server.close(), args.open_timeout + 5)
        except asyncio.TimeoutError:
            output.note("the relay did not finish closing in time; stopping anyway")
    output.note("stopped: every connection closed with 1001 (going away)")
    return OK
