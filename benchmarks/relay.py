"""Relay benchmark: what the recording relay costs, against a direct connection, in the same run.

Three processes on loopback: a wsexplorer echo server (``serve_echo``), a relay to it
(``wsexplorer.relay``), and this script's client. Each round measures, in turn, the direct connection
(client → echo server) and the relayed one (client → relay → echo server), permessage-deflate off
unless the row says otherwise:

a. round trip: one connection, ``--round-trips`` binary messages of 64 bytes, each awaited before the
   next                                              -> p50 / p99 round trip; the relay's added latency
b. pipelined: one connection, ``--messages`` binary messages of 64 bytes sent as fast as possible while
   a second task reads the echoes                    -> messages/s (also with permessage-deflate on)

Every run is checked: each echo equals what was sent, in order (a sequence number in each payload),
and the relay's two legs of the connection carry the same messages (its own ``diff()``, computed in
the relay's process). Medians of ``--runs`` rounds (at least 5), after one warm-up round.

Run from the repository root::

    .venv/bin/python benchmarks/relay.py              # full run, rewrites its RESULTS.md section
    .venv/bin/python benchmarks/relay.py --quick      # smoke test: 1 round, small counts, no write
    .venv/bin/python benchmarks/relay.py --no-write   # full run, print the section only
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import time
from importlib.metadata import version
from typing import Any

from _common import ROOT, git_tree, reexec_in_venv, write_section

COMMAND = ".venv/bin/python benchmarks/relay.py"
START_MARK = "<!-- relay:start -->"
END_MARK = "<!-- relay:end -->"
PREFIX = "@@"  # marks the JSON lines the children write for the parent

try:
    from wsexplorer.live import connect, serve_echo
    from wsexplorer.live.relay import relay
except ImportError as _exc:  # pragma: no cover - depends on the interpreter used
    reexec_in_venv(_exc, __file__)
    raise

SEQ = struct.Struct("!Q")
FILL = bytes(range(56))  # 8-byte sequence number + 56 bytes = 64-byte messages


def payload(k: int) -> bytes:
    return SEQ.pack(k) + FILL


# -- the child processes ----------------------------------------------------------------------------


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


async def child(role: str, upstream: str | None, deflate: bool) -> None:
    """Serve (echo server or relay) until stdin closes; the relay reports its legs' diffs on request."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    if role == "echo":
        server = await serve_echo(extensions=["permessage-deflate"] if deflate else None, keep_sessions=False)
        emit({"url": server.url})
        await reader.read()
        await server.close()
        return
    assert upstream is not None
    r = await relay(upstream)
    emit({"url": r.url})
    while line := (await reader.readline()).strip():
        if line == b"check":  # the last connection: both legs carry the same messages, in order
            c = r.connections[-1]
            await c.wait_closed()
            diff = c.diff(timing_tolerance=3600)
            emit({"same": diff.same, "changes": len(c.changes), "summary": diff.summary()})
            r.connections.clear()  # keep memory flat across rounds
    await r.close()


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, *args: str) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        return cls(proc)

    async def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
            if not line:
                raise SystemExit("a child process ended early")
            text = line.decode()
            if text.startswith(PREFIX):
                result: dict[str, Any] = json.loads(text[len(PREFIX) :])
                return result

    async def ask(self, word: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(word.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.read()

    async def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 60)


# -- the client's workloads -----------------------------------------------------------------------------


async def round_trips(url: str, count: int, deflate: bool) -> list[float]:
    times = []
    ext = ["permessage-deflate"] if deflate else None
    async with connect(url, extensions=ext) as ws:
        for k in range(count):
            started = time.perf_counter()
            await ws.send(payload(k))
            if await ws.recv() != payload(k):
                raise SystemExit(f"round trip {k}: wrong echo")
            times.append(time.perf_counter() - started)
    return times


async def pipelined(url: str, count: int, deflate: bool) -> float:
    ext = ["permessage-deflate"] if deflate else None
    async with connect(url, extensions=ext) as ws:

        async def read() -> None:
            for k in range(count):
                if await ws.recv() != payload(k):
                    raise SystemExit(f"pipelined message {k}: wrong echo or out of order")

        started = time.perf_counter()
        reader = asyncio.create_task(read())
        for k in range(count):
            await ws.send(payload(k))
        await reader
        return count / (time.perf_counter() - started)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, dict[str, list[float]]] = {}
    checks: list[str] = []
    for deflate in (False, True):
        echo = await Child.start("--child", "echo", *(["--deflate"] if deflate else []))
        direct = (await echo.read())["url"]
        relay_child = await Child.start("--child", "relay", "--upstream", direct)
        relayed = (await relay_child.read())["url"]
        try:
            for round_number in range(args.runs + 1):  # round 0 warms up
                for name, url in (("direct", direct), ("relay", relayed)):
                    row = results.setdefault(f"{name}{' deflate' if deflate else ''}", {})
                    if not deflate:
                        rtts = await round_trips(url, args.round_trips, deflate)
                        if name == "relay":
                            checks.append(await check(relay_child))
                        if round_number:
                            row.setdefault("p50", []).append(pct(rtts, 0.5))
                            row.setdefault("p99", []).append(pct(rtts, 0.99))
                    rate = await pipelined(url, args.messages, deflate)
                    if name == "relay":
                        checks.append(await check(relay_child))
                    if round_number:
                        row.setdefault("rate", []).append(rate)
        finally:
            await relay_child.stop()
            await echo.stop()
    return {"results": results, "checks": checks}


async def check(relay_child: Child) -> str:
    verdict = await relay_child.ask("check")
    if not verdict["same"] or verdict["changes"]:
        raise SystemExit(f"the relay's legs differ: {verdict['summary']}")
    return str(verdict["summary"])


# -- the report -------------------------------------------------------------------------------------------


def environment() -> list[str]:
    tree = git_tree()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}, default asyncio loop",
        f"- Libraries: wsexplorer {version('wsexplorer')} ({tree})",
        f"- Machine: {platform.system()} {platform.machine()}, nproc={len(os.sched_getaffinity(0))}, "
        f"load average {load} (1/5/15 min) at the end",
    ]


def section(args: argparse.Namespace, data: dict[str, Any], elapsed: float) -> str:
    r = data["results"]
    med = {name: {k: statistics.median(v) for k, v in row.items()} for name, row in r.items()}
    kind = "QUICK smoke-test run (not representative)" if args.quick else "full run"
    lines = [
        START_MARK,
        "## Relay: overhead against a direct connection",
        "",
        f"Command (from the repository root): `{COMMAND}{' --quick' if args.quick else ''}` — {kind}, "
        f"{elapsed:.0f} s.",
        "",
        *environment(),
        f"- Method: echo server, relay and client in three processes on loopback; {args.runs} rounds after "
        "one warm-up, direct and relayed measured in turn within each round; medians of the rounds. "
        f"Round trips: {args.round_trips:,} x 64 B, one at a time. Pipelined: {args.messages:,} x 64 B.",
        "",
        "| workload | direct | through the relay | relay / direct |",
        "|---|---:|---:|---:|",
    ]
    d, rl = med["direct"], med["relay"]
    lines.append(
        f"| round trip p50 | {d['p50'] * 1e6:,.0f} µs | {rl['p50'] * 1e6:,.0f} µs | "
        f"{rl['p50'] / d['p50']:.2f}x (+{(rl['p50'] - d['p50']) * 1e6:,.0f} µs) |"
    )
    lines.append(
        f"| round trip p99 | {d['p99'] * 1e6:,.0f} µs | {rl['p99'] * 1e6:,.0f} µs | "
        f"{rl['p99'] / d['p99']:.2f}x (+{(rl['p99'] - d['p99']) * 1e6:,.0f} µs) |"
    )
    for suffix, label in (("", "pipelined"), (" deflate", "pipelined, permessage-deflate")):
        a, b = med[f"direct{suffix}"]["rate"], med[f"relay{suffix}"]["rate"]
        lines.append(f"| {label} | {a:,.0f} msg/s | {b:,.0f} msg/s | {b / a:.2f}x |")
    spread = {
        name: max(v) / min(v) - 1
        for name, row in r.items()
        for key, v in row.items()
        if key == "rate" and min(v)
    }
    lines += [
        "",
        "Notes:",
        "",
        "- Added latency is the relayed p50 minus the direct p50: one more hop on loopback, the relay's "
        "receiving, checking (RFC 6455 §5, RFC 7692 §6) and recording of each frame on one leg and its "
        "sending and recording on the other.",
        "- With permessage-deflate the relay passes compressed payloads on unchanged (both legs agree the "
        "same parameters end to end); it still inflates each message to check it and to show it.",
        "- Every run checked: every echo equal to what was sent, in order; the relay's two legs carry the "
        f"same messages with no change ({len(data['checks'])} connections checked).",
        "- Spread of the pipelined rates (max/min - 1): "
        + ", ".join(f"{name} {value:.0%}" for name, value in spread.items())
        + ".",
        END_MARK,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1 round, small counts, no RESULTS.md write")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not write RESULTS.md")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (at least 5 for a full run)")
    parser.add_argument("--round-trips", type=int, default=2_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--child", choices=["echo", "relay"], help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    parser.add_argument("--deflate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(child(args.child, args.upstream, args.deflate))
        return 0
    if args.quick:
        args.runs, args.round_trips, args.messages = 1, 200, 2_000
    elif args.runs < 5:
        parser.error("a full run needs --runs >= 5 (medians of at least 5 rounds)")
    started = time.perf_counter()
    data = asyncio.run(bench(args))
    text = section(args, data, time.perf_counter() - started)
    print(text)
    if not args.quick and not args.no_write:
        write_section(text, START_MARK, END_MARK)
        print(f"(written to {os.path.relpath(ROOT / 'benchmarks' / 'RESULTS.md')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
