"""``wsexplorer connect URL``: an interactive client in the manner of ``wscat -c``.

Each line typed is sent as a text message; a line starting with ``/`` is a command (``/help`` lists
them; ``//`` sends a text that starts with ``/``). Every frame, sent or received, is printed as it
crosses the wire, annotated with the rules it breaks (``--dump``: a full annotated dump). End of input
(Ctrl-D) closes the connection normally; ``-x LINE`` sends lines and closes, as ``wscat -x`` does.
TLS checks the server's certificate unless ``--insecure`` is given, and says so when it is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ssl
from typing import Any
from urllib.parse import urlsplit

from ..errors import CloseCode, ConnectionClosed, HandshakeError, WSExplorerError
from ..live.client import ClientConnection, connect
from ..record.session import Session
from ..render.describe import describe
from ..render.terminal import styled
from .app import CONNECTION_FAILED, OK, CliError, Output
from .inputs import parse_hex
from .lines import StdinLines
from .printer import FramePrinter

__all__ = ["COMMANDS", "connection_options", "open_client", "run", "tls_context"]

COMMANDS = {
    "/binary HEX": "send a binary message (hex digits, spaces allowed)",
    "/ping [TEXT]": "send a ping and print the round trip when its pong comes",
    "/close [CODE [REASON]]": "start the closing handshake (default 1000)",
    "/raw HEX": "send these bytes as they are, frame or not (to see how the server reacts)",
    "/help": "this list",
}
_NORMAL = {CloseCode.NORMAL_CLOSURE, CloseCode.GOING_AWAY, CloseCode.NO_STATUS_RCVD}


def connection_options(args: argparse.Namespace, output: Output) -> dict[str, Any]:
    """``connect()``'s keyword arguments from the shared options (headers, TLS, extensions, ...)."""
    headers = []
    for line in args.header:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise CliError(f"--header {line!r}: write it as 'Name: value'")
        headers.append((name.strip(), value.strip()))
    options: dict[str, Any] = {
        "headers": headers,
        "subprotocols": args.subprotocol,
        "origin": args.origin,
        "open_timeout": args.open_timeout,
    }
    if args.no_deflate:
        options["extensions"] = None
    context = tls_context(args, args.url, output)
    if context is not None:
        options["ssl"] = context
    return options


def tls_context(args: argparse.Namespace, url: str, output: Output) -> ssl.SSLContext | None:
    """The TLS context ``--ca``, ``--insecure`` and ``--keylog`` ask for (``None`` for a ws:// URL)."""
    secure = urlsplit(url).scheme.lower() == "wss"
    if not secure and (args.ca or args.insecure or args.keylog):
        raise CliError("--ca, --insecure and --keylog are for wss:// URLs")
    if not secure:
        return None
    try:
        context = ssl.create_default_context(cafile=args.ca)
    except (OSError, ssl.SSLError) as exc:
        raise CliError(f"--ca {args.ca}: cannot load: {exc}") from None
    if args.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        output.note("warning: --insecure: the server's certificate is NOT checked")
    if args.keylog:
        context.keylog_filename = args.keylog
    return context


async def open_client(url: str, output: Output, **options: Any) -> ClientConnection:
    """Connect, turning every way of failing into one line: refused, unreachable, bad URL, TLS, HTTP."""
    try:
        return await connect(url, **options)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{url}: cannot connect: {exc.strerror or exc}", CONNECTION_FAILED) from None
    except HandshakeError as exc:
        if exc.response is not None:
            output.err.print(f"the server answered: {exc.response.start_line.text}", style="bold")
        raise


def run(args: argparse.Namespace, output: Output) -> int:
    return asyncio.run(_client(args, output))


async def _client(args: argparse.Namespace, output: Output) -> int:
    ws = await open_client(args.url, output, **connection_options(args, output))
    session = ws.session
    response = ws.response
    agreed = [f"subprotocol {ws.subprotocol}"] if ws.subprotocol else []
    agreed += session.meta.get("extensions", [])
    status = response.start_line.text if response is not None else "?"
    output.note(f"connected to {args.url}: {status}" + (f" ({'; '.join(agreed)})" if agreed else ""))
    if args.dump:  # the handshake too, line by line
        for message in (session.request, response):
            if message is not None:
                output.out.print(styled(describe(message), message))
                output.out.print()
    printer = FramePrinter(session, output, dump=args.dump)
    loop = asyncio.get_running_loop()

    def on_event(event: object) -> None:
        loop.call_soon(printer.update)

    ws.on_event = on_event
    drain = loop.create_task(_drain(ws))
    pings: set[asyncio.Task[None]] = set()
    try:
        if args.execute:
            for line in args.execute:
                await _line(ws, line, output, printer, pings)
        else:
            await _interactive(ws, output, printer, pings)
        if not ws.closed.done():  # -x done, or end of input: give the answers time to come
            await asyncio.wait([drain], timeout=args.wait)
        await ws.close()
    finally:
        for task in pings:
            task.cancel()
        if not ws.closed.done():
            await ws.close()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await drain
        printer.update()
        if args.save:
            _save(session, args.save, output)
    return _verdict(ws, output)


async def _interactive(
    ws: ClientConnection, output: Output, printer: FramePrinter, pings: set[asyncio.Task[None]]
) -> None:
    lines = StdinLines()
    try:
        while not ws.closed.done():
            take = asyncio.ensure_future(lines.queue.get())
            waiting: set[asyncio.Future[Any]] = {take, ws.closed}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if not take.done():
                take.cancel()
                return
            line = take.result()
            if line is None:
                return
            if isinstance(line, ValueError):
                output.note(f"error: {line}")
                continue
            await _line(ws, line, output, printer, pings)
    finally:
        lines.close()


async def _drain(ws: ClientConnection) -> None:
    """Take every message (the printer shows them), so the inbox never fills and pauses reading."""
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass


async def _line(
    ws: ClientConnection, line: str, output: Output, printer: FramePrinter, pings: set[asyncio.Task[None]]
) -> None:
    """One line of input: a text message, or a command."""
    if ws.closed.done():
        output.note("error: the connection is closed")
        return
    command, _, rest = line.partition(" ")
    try:
        if not line.startswith("/") or line.startswith("//"):
            await ws.send(line[1:] if line.startswith("//") else line)
        elif command == "/binary":
            await ws.send(parse_hex(rest, name="/binary"))
        elif command == "/raw":
            await ws.send_raw(parse_hex(rest, name="/raw"))
        elif command == "/ping":
            task = asyncio.get_running_loop().create_task(_ping(ws, rest, output))
            pings.add(task)
            task.add_done_callback(pings.discard)
        elif command == "/close":
            code_text, _, reason = rest.partition(" ")
            if code_text and not code_text.isdigit():
                raise CliError(f"/close {code_text}: the code must be a number, e.g. 1000")
            await ws.close(int(code_text) if code_text else CloseCode.NORMAL_CLOSURE, reason)
        elif command == "/help":
            for usage, what in COMMANDS.items():
                output.note(f"{usage:<24} {what}")
        else:
            raise CliError(f"unknown command {command!r}: /help lists them; // sends a text starting with /")
    except (CliError, WSExplorerError, ValueError) as exc:
        output.note(f"error: {exc}")
    printer.update()


async def _ping(ws: ClientConnection, text: str, output: Output) -> None:
    try:
        rtt = await ws.ping(text or None, timeout=ws.close_timeout)
    except asyncio.TimeoutError:
        output.note(f"no pong within {ws.close_timeout} s")
    except (ConnectionClosed, WSExplorerError):
        return
    else:
        output.note(f"pong after {rtt * 1e3:.3f} ms")


def _save(session: Session, path: str, output: Output) -> None:
    try:
        session.save(path)
    except OSError as exc:
        raise CliError(f"--save {path}: cannot write: {exc.strerror or exc}") from None
    output.note(f"session saved to {path}")


def _verdict(ws: ClientConnection, output: Output) -> int:
    """0 for a normal close (1000, 1001 or no code), else the close in words and status 4."""
    code = ws.close_code if ws.close_code is not None else CloseCode.ABNORMAL_CLOSURE
    sent = ws.connection.close_sent[0] if ws.connection.close_sent is not None else None
    reason = f" {ws.close_reason!r}" if ws.close_reason else ""
    failure = ws.failure or ws.connection.failure
    output.note(f"closed: received {int(code)}{reason}" + (f", sent {sent}" if sent is not None else ""))
    if failure is not None:
        output.note(f"failure: {failure}")
    normal = code in _NORMAL and (sent is None or sent in _NORMAL) and failure is None
    return OK if normal else CONNECTION_FAILED
