"""The ``wsexplorer`` command: its arguments (argparse), its exit statuses, and its one-line errors.

Each subcommand lives in its own module and is imported only when it runs, so ``wsexplorer accept``
does not load what ``wsexplorer lab`` needs. Output goes through :class:`Output` (two ``rich``
consoles: stdout for results, stderr for progress, notes and errors). Bad input is never a traceback:
a :class:`~wsexplorer.errors.WSExplorerError` (which names the file, the byte, the rule and the RFC
section) or a :class:`CliError` is printed as one line on stderr and the command exits with a status
that says what kind of failure it was (:data:`EXIT_STATUSES`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import (
    ConnectionClosed,
    HandshakeError,
    OpeningTimeout,
    TLSError,
    WSExplorerError,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "BAD_INPUT",
    "BROKEN_RULES",
    "CONNECTION_FAILED",
    "EXIT_STATUSES",
    "INTERRUPTED",
    "OK",
    "USAGE",
    "CliError",
    "Output",
    "build_parser",
    "main",
]

OK = 0
BROKEN_RULES = 1
USAGE = 2
BAD_INPUT = 3
CONNECTION_FAILED = 4
INTERRUPTED = 130

EXIT_STATUSES = {
    OK: "success (accept, dump, explain: no rule broken; replay: the same answers)",
    BROKEN_RULES: "the input breaks a rule (accept, dump, explain) or the replayed answers differ (replay)",
    USAGE: "wrong arguments (argparse's usage error)",
    BAD_INPUT: "the input cannot be read: a missing file, bad hex, a file that is not what it claims",
    CONNECTION_FAILED: "the network said no: refused, timed out, TLS, a refused handshake, an abnormal close",
    INTERRUPTED: "interrupted (Ctrl-C)",
}
"""What each exit status means (the same for every subcommand)."""


class CliError(Exception):
    """A failure to report on one line, with the exit status to leave with."""

    def __init__(self, message: str, status: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Output:
    """Where a subcommand writes: ``out`` (stdout, the results) and ``err`` (stderr: notes, errors)."""

    out: Console
    err: Console

    def note(self, text: str) -> None:
        """A line for the person watching (stderr, so piped results stay clean)."""
        self.err.print(text, style="dim")


# -- the arguments -----------------------------------------------------------------------------------

_COMMANDS = {
    "accept": ("inspect", "Sec-WebSocket-Accept for a key, step by step (RFC 6455 §4.2.2)"),
    "dump": ("inspect", "annotated frames (and handshake) from hex, a file, or - for stdin"),
    "explain": ("explain", "every rule broken in a capture, HAR or session file"),
    "connect": ("connect", "an interactive client, like wscat -c: type to send"),
    "serve": ("serve", "an echo server that prints every frame"),
    "relay": ("serve", "a relay to UPSTREAM that shows both legs"),
    "import": ("files", "a pcap, pcapng or HAR file into session files"),
    "export": ("files", "a session file as pcapng (for Wireshark/tshark) or HAR"),
    "replay": ("replay", "send a recorded session's client messages to URL and show the differences"),
    "probe": ("probe", "what a server does with the rules of RFC 6455/7692 (about 60 cases)"),
    "lab": ("lab", "JupyterLab on the tour notebook"),
}


def _add_connection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an extra request header (repeatable)",
    )
    p.add_argument(
        "-s",
        "--subprotocol",
        action="append",
        default=[],
        metavar="NAME",
        help="offer a subprotocol (repeatable, in order of preference)",
    )
    p.add_argument("-o", "--origin", help="the Origin header to send")
    p.add_argument("--no-deflate", action="store_true", help="do not offer permessage-deflate")
    p.add_argument("--ca", metavar="FILE", help="trust this CA file (PEM) for wss://")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="wss:// without checking the certificate (only when asked; says so)",
    )
    p.add_argument(
        "--keylog",
        metavar="FILE",
        help="append TLS secrets to FILE (NSS key log format) so Wireshark can decrypt",
    )
    p.add_argument("--open-timeout", type=float, default=10.0, metavar="S", help="default: %(default)s")


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option (``wsexplorer SUBCOMMAND --help`` shows one)."""
    parser = argparse.ArgumentParser(
        prog="wsexplorer",
        description="See WebSocket (RFC 6455, RFC 7692) handshakes and frames bit by bit.",
        epilog="exit status: " + "; ".join(f"{k} {v}" for k, v in EXIT_STATUSES.items()),
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour output: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cmd = {name: sub.add_parser(name, help=text, description=text) for name, (_, text) in _COMMANDS.items()}

    p = cmd["accept"]
    p.add_argument("key", help="the client's Sec-WebSocket-Key, e.g. dGhlIHNhbXBsZSBub25jZQ==")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the accept value")

    p = cmd["dump"]
    p.add_argument(
        "input", metavar="HEX|FILE|-", help="hex digits, a file of bytes or of hex, or - for stdin"
    )
    p.add_argument(
        "--sender",
        choices=("client", "server"),
        help="who sent the frames (default: a handshake says; else the masking rule is not checked)",
    )
    p.add_argument(
        "--deflate",
        action="store_true",
        help="judge the frames as under permessage-deflate (RSV1 allowed, payloads inflated)",
    )
    p.add_argument(
        "--format",
        choices=("auto", "hex", "raw"),
        default="auto",
        help="how to read a file or stdin: auto (hex text if it is only hex), hex, raw bytes",
    )

    p = cmd["explain"]
    p.add_argument("file", help="a .pcap, .pcapng, .har or session file")
    p.add_argument("--max-bytes", type=int, default=256 << 20, help="bytes kept at most (default 256 MiB)")

    p = cmd["connect"]
    p.add_argument("url", help="ws:// or wss:// URL")
    _add_connection_options(p)
    p.add_argument(
        "-x",
        "--execute",
        action="append",
        default=[],
        metavar="LINE",
        help="send LINE (text or /command) once connected, then close (repeatable)",
    )
    p.add_argument(
        "-w",
        "--wait",
        type=float,
        default=1.0,
        metavar="S",
        help="after -x or the end of input: seconds to wait for answers before closing (default %(default)s)",
    )
    p.add_argument("--dump", action="store_true", help="print every frame as a full annotated dump")
    p.add_argument("--save", metavar="FILE", help="save the session to FILE when the connection ends")

    p = cmd["serve"]
    p.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    p.add_argument("-p", "--port", type=int, default=8765, help="default: %(default)s (0: any free port)")
    p.add_argument("--origins", help="comma-separated Origin allow-list (others get 403)")
    p.add_argument("--subprotocols", help="comma-separated subprotocols, in order of preference")
    p.add_argument("--no-deflate", action="store_true", help="do not accept permessage-deflate")
    p.add_argument(
        "--misbehave",
        action="append",
        default=[],
        metavar="NAME",
        help="break a rule on purpose (repeatable); --misbehave list shows the choices",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print connections, not frames")

    p = cmd["relay"]
    p.add_argument("upstream", help="the ws:// or wss:// server to relay to")
    p.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    p.add_argument("-p", "--port", type=int, default=8766, help="default: %(default)s (0: any free port)")
    p.add_argument(
        "--save", metavar="FILE", help="save each connection's legs as FILE-N-client, FILE-N-upstream"
    )
    p.add_argument("--ca", metavar="FILE", help="trust this CA file (PEM) for a wss:// upstream")
    p.add_argument("--keylog", metavar="FILE", help="append both legs' TLS secrets to FILE (NSS key log)")
    p.add_argument("--open-timeout", type=float, default=10.0, metavar="S", help="default: %(default)s")

    p = cmd["import"]
    p.add_argument("file", help="a .pcap, .pcapng or .har file")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="SESSION",
        help="the session file to write (with several connections: SESSION-1, SESSION-2, ...)",
    )
    p.add_argument("-c", "--connection", type=int, metavar="N", help="only the N-th WebSocket connection")
    p.add_argument("--max-bytes", type=int, default=256 << 20, help="bytes kept at most (default 256 MiB)")

    p = cmd["export"]
    p.add_argument("session", help="a session file")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--pcapng", action="store_true", help="write a pcapng capture")
    kind.add_argument("--har", action="store_true", help="write a HAR file (messages only)")
    p.add_argument("-o", "--output", metavar="FILE", help="default: SESSION with .pcapng or .har")
    p.add_argument("--no-redact", action="store_true", help="keep credential headers as recorded")

    p = cmd["replay"]
    p.add_argument("session", help="a session file")
    p.add_argument("url", help="the ws:// or wss:// server to replay against")
    _add_connection_options(p)
    p.add_argument("--save", metavar="FILE", help="save the new session to FILE")
    p.add_argument(
        "--answer-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="how long to wait for each answer the original client had seen (default %(default)s)",
    )

    p = cmd["probe"]
    p.add_argument("url", help="the server to probe, ws:// or wss://")
    p.add_argument(
        "--case", action="append", dest="cases", default=[], help="run only this case (repeatable)"
    )
    p.add_argument("--timeout", type=float, default=2.0, help="seconds per case (default %(default)s)")
    p.add_argument(
        "--total", type=float, default=60.0, help="seconds for the whole probe (default %(default)s)"
    )
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON (for CI)")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")

    p = cmd["lab"]
    p.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="more arguments for jupyter lab")
    return parser


# -- running --------------------------------------------------------------------------------------------


_NETWORK_COMMANDS = frozenset({"connect", "serve", "relay", "replay", "probe"})


def _status_of(error: WSExplorerError) -> int:
    network = (HandshakeError, TLSError, OpeningTimeout, ConnectionClosed)
    return CONNECTION_FAILED if isinstance(error, network) else BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    from ..render.terminal import error_text, make_console

    args = build_parser().parse_args(argv)
    output = Output(make_console(sys.stdout, color=args.color), make_console(sys.stderr, color=args.color))
    module = importlib.import_module(f"{__package__}.{_COMMANDS[args.command][0]}")
    try:
        status: int = module.run(args, output)
    except CliError as exc:
        output.err.print(error_text(f"{args.command}: {exc}"))
        return exc.status
    except WSExplorerError as exc:
        output.err.print(error_text(f"{args.command}: {exc}"))
        return _status_of(exc)
    except ValueError as exc:  # a value our layers refuse (a limit, a URL, an option's value)
        output.err.print(error_text(f"{args.command}: {exc}"))
        return BAD_INPUT
    except OSError as exc:  # a file or socket the command could not use
        where = f"{exc.filename}: " if exc.filename else ""
        output.err.print(error_text(f"{args.command}: {where}{exc.strerror or exc}"))
        return CONNECTION_FAILED if args.command in _NETWORK_COMMANDS else BAD_INPUT
    except KeyboardInterrupt:
        output.err.print(error_text(f"{args.command}: interrupted"))
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    return status
