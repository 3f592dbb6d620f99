"""The second level of the implementation checker: run a student's echo *server* and talk to it.

:func:`check_server` starts the student's server from a command line (``{port}`` in it is replaced by
a free loopback port), waits for it to listen, then talks to it with the seed's clients: wsexplorer's
own client (handshake, echo of each length form, fragments, ping, the closing handshake), the
``websockets`` package's client, and Node's ``ws`` when ``node`` and a ``node_modules`` with ``ws``
are given; then a subset of :mod:`wsexplorer.live.probe`'s cases (:data:`PROBE_CASES`: frames and
handshakes a server must refuse, with the close code or status it must answer). The server's output
is kept up to a byte cap; the server and everything it started are killed at the end. Nothing the
server does raises here: each case passes or fails with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import WSExplorerError
from ..live.client import ClientConnection, connect
from ..live.probe import Verdict, probe

__all__ = ["ServerCaseReport", "ServerReport", "check_server"]

_OUTPUT_CAP = 64 << 10
PROBE_CASES = (
    "1.6",
    "2.3",
    "3.1",
    "4.1",
    "5.2",
    "5.4",
    "6.2",
    "6.5",
    "7.3",
    "7.7",
    "9.2",
    "10.1",
    "11.4",
    "11.7",
)
"""The probe cases a student's server is checked on: framing, control frames, reserved bits and opcodes,
fragmentation, UTF-8, close payloads, masking and the handshake (:mod:`wsexplorer.live.probe`)."""
_VERDICTS = {
    Verdict.CONFORMS: "pass",
    Verdict.DEVIATES: "fail",
    Verdict.INFORMATIONAL: "info",
    Verdict.NOT_RUN: "not run",
}
_NODE_CLIENT = """
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1], { perMessageDeflate: false });
const done = (text) => { process.stdout.write(text + '\\n'); process.exit(0); };
setTimeout(() => done('timeout'), 5000);
ws.on('open', () => ws.send('hello from node'));
ws.on('message', (data) => { ws.close(1000); done('echo:' + data.toString()); });
ws.on('error', (err) => done('error:' + err.message));
"""


@dataclass(frozen=True, slots=True)
class ServerCaseReport:
    """One case against the server: who ran it, whether it passed, why not, and where the rule is."""

    id: str
    title: str
    client: str
    section: str
    status: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def __str__(self) -> str:
        return f"{self.status.upper():8} {self.id} ({self.client}): {self.detail or self.title}"


@dataclass(frozen=True, slots=True)
class ServerReport:
    """Every case, the command run, and what the server printed (bounded)."""

    command: tuple[str, ...]
    url: str
    cases: tuple[ServerCaseReport, ...] = ()
    output: str = ""
    started: bool = True

    @property
    def score(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def max_score(self) -> int:
        return sum(c.status in ("pass", "fail") for c in self.cases)

    @property
    def failures(self) -> list[ServerCaseReport]:
        return [c for c in self.cases if c.status == "fail"]

    def summary(self) -> str:
        if not self.started:
            return f"the server did not start: {self.cases[0].detail if self.cases else ''}"
        skipped = sum(c.status == "not run" for c in self.cases)
        return f"{self.score}/{self.max_score}" + (f" ({skipped} not run)" if skipped else "")

    def __repr__(self) -> str:
        return f"<ServerReport {self.summary()}>"


@dataclass
class _Run:
    url: str
    host: str
    port: int
    timeout: float
    node: str | None
    node_modules: Path | None
    probe_cases: tuple[str, ...] = PROBE_CASES
    probe_timeout: float = 1.0
    results: list[ServerCaseReport] = field(default_factory=list)

    async def case(
        self, id: str, title: str, client: str, section: str, body: Callable[[], Awaitable[str]]
    ) -> None:
        """Run one case: ``body`` returns "" to pass or a reason to fail; anything it raises fails."""
        try:
            problem = await asyncio.wait_for(body(), self.timeout)
        except asyncio.TimeoutError:
            problem = f"no answer within {self.timeout} s"
        except (WSExplorerError, OSError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a peer library's own error (websockets): reported, not raised
            problem = f"{type(exc).__name__}: {exc}"
        self.results.append(
            ServerCaseReport(id, title, client, section, "fail" if problem else "pass", problem)
        )

    def skip(self, id: str, title: str, client: str, section: str, why: str) -> None:
        self.results.append(ServerCaseReport(id, title, client, section, "not run", why))


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


async def _read_bounded(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    if stream is None:
        return
    while chunk := await stream.read(1 << 16):
        sink += chunk[: max(0, _OUTPUT_CAP - len(sink))]


async def _listening(host: str, port: int, proc: asyncio.subprocess.Process, timeout: float) -> str:
    """ "" once ``host:port`` accepts connections; why not otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if proc.returncode is not None:
            return f"the server exited with status {proc.returncode} before listening"
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return ""
    return f"nothing listened on {host}:{port} within {timeout} s"


async def check_server(
    command: str | Sequence[str],
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    path: str = "/",
    startup_timeout: float = 10.0,
    case_timeout: float = 5.0,
    node_modules: str | os.PathLike[str] | None = None,
    probe_cases: Sequence[str] = PROBE_CASES,
) -> ServerReport:
    """Start the student's echo server with ``command`` and run the RFC cases against it.

    ``command`` is a command line (``"python my_server.py {port}"``) or a list of arguments; ``{port}``
    is replaced by ``port`` (a free one when ``None``). ``node_modules`` is a directory holding the
    ``ws`` package, for the Node client case. ``probe_cases`` are the ids of the probe cases run
    (:data:`PROBE_CASES` by default; ``()`` for none). Await it (in a notebook cell:
    ``await check_server(...)``).
    """
    port = port or _free_port(host)
    words = shlex.split(command) if isinstance(command, str) else list(command)
    argv = tuple(w.replace("{port}", str(port)) for w in words)
    url = f"ws://{host}:{port}{path}"
    kwargs: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
    pipe = asyncio.subprocess.PIPE
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=pipe, stderr=asyncio.subprocess.STDOUT, **kwargs
    )
    output = bytearray()
    reader = asyncio.get_running_loop().create_task(_read_bounded(proc.stdout, output))
    modules = Path(node_modules) if node_modules is not None else None
    run = _Run(url, host, port, case_timeout, shutil.which("node"), modules, tuple(probe_cases))
    try:
        why = await _listening(host, port, proc, startup_timeout)
        if why:
            run.results.append(
                ServerCaseReport("start", "the server starts and listens", "-", "", "fail", why)
            )
            return ServerReport(
                argv, url, tuple(run.results), output.decode("utf-8", "replace"), started=False
            )
        await _run_cases(run)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                if os.name == "posix":
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
        await proc.wait()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(reader, 5)
    return ServerReport(argv, url, tuple(run.results), output.decode("utf-8", "replace"))


async def _open(run: _Run) -> ClientConnection:
    return await connect(run.url, extensions=None, open_timeout=run.timeout, close_timeout=run.timeout)


async def _echo(run: _Run, message: str | bytes, fragment_size: int | None = None) -> str:
    ws = await _open(run)
    try:
        await ws.send(message, fragment_size=fragment_size)
        got = await ws.recv()
    finally:
        await ws.close()
    if got != message:
        unit = "characters" if isinstance(message, str) else "bytes"
        return f"sent {len(message)} {unit}, got back {got!r:.80}"
    return ""


async def _run_cases(run: _Run) -> None:
    c = run.case

    async def handshake() -> str:
        ws = await _open(run)
        await ws.close()
        return ""

    async def ping() -> str:
        ws = await _open(run)
        try:
            await ws.ping(b"are you there", timeout=run.timeout)
        finally:
            await ws.close()
        return ""

    async def close() -> str:
        ws = await _open(run)
        await ws.close(1000, "bye")
        got = ws.close_code
        return "" if got == 1000 else f"expected the server to echo close 1000, its close code was {got}"

    await c(
        "handshake", "opening handshake: 101 and the right accept", "wsexplorer", "RFC 6455 §4.2.2", handshake
    )
    await c(
        "echo-text", "echo a text message", "wsexplorer", "RFC 6455 §5.6", lambda: _echo(run, "Hello Server!")
    )
    await c(
        "echo-binary",
        "echo a binary message",
        "wsexplorer",
        "RFC 6455 §5.6",
        lambda: _echo(run, b"\x00\xff\x10"),
    )
    for n in (125, 126, 65536):
        await c(f"echo-{n}", f"echo {n} bytes", "wsexplorer", "RFC 6455 §5.2", partial(_echo, run, "x" * n))
    await c(
        "echo-fragments", "echo a message sent in 4 fragments", "wsexplorer", "RFC 6455 §5.4",
        lambda: _echo(run, "fragmented!", fragment_size=3),
    )  # fmt: skip
    await c("ping", "answer a ping with a pong", "wsexplorer", "RFC 6455 §5.5.2", ping)
    await c("close", "answer a close frame with a close frame", "wsexplorer", "RFC 6455 §5.5.1", close)
    await c(
        "websockets", "echo for the websockets client", "websockets", "RFC 6455", lambda: _websockets(run)
    )
    await _probe(run)
    if run.node is None or run.node_modules is None or not (run.node_modules / "ws").is_dir():
        why = "node is not on PATH" if run.node is None else "no node_modules with ws was given"
        run.skip("node-ws", "echo for Node's ws client", "node ws", "RFC 6455", why)
    else:
        await c("node-ws", "echo for Node's ws client", "node ws", "RFC 6455", lambda: _node(run))


async def _probe(run: _Run) -> None:
    """The rules a server must enforce, judged by the probe (one connection per case)."""
    if not run.probe_cases:
        return
    report = await probe(run.url, cases=run.probe_cases, timeout=run.probe_timeout, total_timeout=60.0)
    for result in report.results:
        case = result.case
        status = _VERDICTS[result.verdict]
        run.results.append(
            ServerCaseReport(
                f"probe-{case.id}", case.title, "probe", case.section, status, result.explanation
            )
        )


async def _websockets(run: _Run) -> str:
    from websockets.asyncio.client import connect as ws_connect

    async with ws_connect(run.url, compression=None, open_timeout=run.timeout) as ws:
        await ws.send("hello from websockets")
        got = await ws.recv()
    return "" if got == "hello from websockets" else f"got back {got!r:.80}"


async def _node(run: _Run) -> str:
    assert run.node is not None and run.node_modules is not None
    env = {**os.environ, "NODE_PATH": str(run.node_modules)}
    out_pipe, merged = asyncio.subprocess.PIPE, asyncio.subprocess.STDOUT
    proc = await asyncio.create_subprocess_exec(
        run.node, "-e", _NODE_CLIENT, run.url, stdout=out_pipe, stderr=merged, env=env
    )
    try:
        out = await proc.stdout.read(4096) if proc.stdout is not None else b""
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await proc.wait()
    text = out.decode("utf-8", "replace").strip()
    return "" if text == "echo:hello from node" else f"the node client said {text!r:.120}"
