"""``wsexplorer serve`` (an echo server) and ``wsexplorer relay UPSTREAM``: servers that print frames.

``serve`` listens (127.0.0.1:8765 unless told otherwise; port 0 picks a free port), prints
``listening on URL`` as its first line, then one line per connection opened and closed and, unless
``-q``, every frame annotated, prefixed with the connection's number. ``--misbehave`` breaks a rule on
purpose (``--misbehave list`` shows the choices). It runs until Ctrl-C or SIGTERM, then closes every
connection with 1001 (going away, RFC 6455 §7.4.1) and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
from collections.abc import Sequence

from ..errors import ConnectionClosed
from ..live.server import ServerConnection, serve
from ..protocol.misbehaviour import MISBEHAVIOURS
from .app import OK, USAGE, CliError, Output
from .printer import FramePrinter

__all__ = ["run", "until_stopped"]


def run(args: argparse.Namespace, output: Output) -> int:
    if args.command == "relay":
        from .relay import relay

        return asyncio.run(relay(args, output))
    if "list" in args.misbehave:
        for name, what in MISBEHAVIOURS.items():
            output.out.print(f"{name:<18} {what}")
        return OK
    return asyncio.run(_serve(args, output))


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM (the loop's handlers replace the default ones while waiting)."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    signals: Sequence[signal.Signals] = (signal.SIGINT, signal.SIGTERM)

    def stopping() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in signals:
        loop.add_signal_handler(sig, stopping)
    try:
        await stop
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _serve(args: argparse.Namespace, output: Output) -> int:
    numbers = itertools.count(1)

    async def handler(ws: ServerConnection) -> None:
        number = next(numbers)
        peer = ws.session.meta.get("remote_address", "?")
        agreed = [f"subprotocol {ws.subprotocol}"] if ws.subprotocol else []
        agreed += ws.session.meta.get("extensions", [])
        extra = f" ({'; '.join(agreed)})" if agreed else ""
        output.out.print(f"#{number} + {peer} GET {ws.path}{extra}", style="bold")
        printer = FramePrinter(ws.session, output, prefix=f"#{number} ")
        if not args.quiet:
            loop = asyncio.get_running_loop()

            def on_event(event: object) -> None:
                loop.call_soon(printer.update)

            ws.on_event = on_event
        try:
            with contextlib.suppress(ConnectionClosed):
                async for message in ws:
                    await ws.send(message)
                    if not args.quiet:
                        printer.update()
            await ws.wait_closed()
        finally:
            if not args.quiet:
                printer.update()
            code = ws.close_code if ws.close_code is not None else 1006
            output.out.print(f"#{number} - {peer} closed: received {code}", style="bold")

    options: dict[str, object] = {
        "origins": _names(args.origins) or None,
        "subprotocols": _names(args.subprotocols),
        "misbehave": args.misbehave,
    }
    if args.no_deflate:
        options["extensions"] = None
    try:
        server = await serve(handler, args.host, args.port, **options)  # type: ignore[arg-type]
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    output.out.print(f"listening on {server.url}")
    output.out.file.flush()
    if args.misbehave:
        output.note("misbehaving on purpose: " + ", ".join(args.misbehave))
    try:
        await until_stopped()
    finally:
        await server.close()
    output.note("stopped: every connection closed with 1001 (going away)")
    return OK
