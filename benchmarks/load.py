"""Load benchmark: wsexplorer's live echo server and client against websockets', on loopback.

The server and the clients run in separate processes (this script starts them as children of itself);
wsexplorer records every byte of every connection on both sides, as it always does. Workloads, run for
wsexplorer (``serve_echo`` + ``connect``) and for websockets (``websockets.asyncio.server.serve`` +
``websockets.asyncio.client.connect``), permessage-deflate off unless the row says otherwise:

a. request/response: 500 concurrent clients x 1,000 binary messages of 64 bytes; each client sends
   one message and awaits its echo before the next           -> messages/s overall, p50/p99 round trip
b. pipelined: one connection, 100,000 binary messages of 64 bytes sent as fast as possible while a
   second task reads the echoes                                -> messages/s (also with deflate on)
c. ping: 2,000 pings, one at a time, on one otherwise idle connection    -> p50/p99 round trip
d. idle connections: 500 open, idle connections                -> server RSS growth per connection
e. recording: a sans-I/O ``Session`` fed 1,000,000 small frames -> bytes held per frame beyond payload

Correctness gates (the script exits 1 if any fails): every client gets back exactly the messages it
sent, in order (each payload carries the client id and a sequence number); every connection closes
with 1000; the server answers every ping; and for wsexplorer every frame is in the recordings: each
server session and each client session holds exactly the expected frames (by opcode: messages, pings,
pongs, one close each way), and the server's and the client's recordings of one connection are
byte-identical (SHA-256 of each direction).

Run from the repository root::

    .venv/bin/python benchmarks/load.py            # full run (~5 min), rewrites its RESULTS.md section
    .venv/bin/python benchmarks/load.py --quick    # smoke test: 50 clients x 100 messages, 1 run, no write
    .venv/bin/python benchmarks/load.py --profile  # only: cProfile on b, tracemalloc on idle connections
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import hashlib
import json
import os
import platform
import pstats
import resource
import statistics
import struct
import sys
import tempfile
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import raw_echo
from _common import RESULTS, ROOT, git_tree, reexec_in_venv, write_section

COMMAND = ".venv/bin/python benchmarks/load.py"
START_MARK = "<!-- load:start -->"
END_MARK = "<!-- load:end -->"

try:
    import websockets
    from websockets.asyncio.client import connect as ws_connect
    from websockets.asyncio.server import serve as ws_serve

    from wsexplorer.live import connect as wsx_connect
    from wsexplorer.live import serve_echo as wsx_serve_echo
    from wsexplorer.record.session import C2S, S2C, Session
except ImportError as _exc:  # pragma: no cover - depends on the interpreter used
    reexec_in_venv(_exc, __file__)
    raise

WSX = "wsexplorer"
WS = "websockets"
LIBRARIES = (WSX, WS)
RAW = "asyncio"  # workload a's ceiling: the same echo on asyncio alone, no WebSocket (raw_echo.py)

MESSAGE_SIZE = 64
HEAD = struct.Struct("!QQ")  # client id, sequence number
FILL = bytes(range(32, 32 + MESSAGE_SIZE - HEAD.size))
MAX_MESSAGE = 1 << 20
PREFIX = "@@"  # marks the JSON lines children write for the parent on stdout
OPEN_CONCURRENCY = 50  # connections opened at once (the listen backlog is 100)
CHILD_LIMIT = 16 * 1024 * 1024  # longest JSON line a child may write
OPCODES = {0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping", 0xA: "pong"}


def message(cid: int, seq: int) -> bytes:
    return HEAD.pack(cid, seq) + FILL


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


async def stdin_reader() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=CHILD_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def expect_line(reader: asyncio.StreamReader, word: str) -> None:
    line = (await reader.readline()).decode().strip()
    if line != word:
        raise SystemExit(f"child: expected {word!r} from the parent, got {line!r}")


# --------------------------------------------------------------------------------------------------
# Recording checks (wsexplorer sessions, in the process that holds them)
# --------------------------------------------------------------------------------------------------


def describe_session(session: Session, key: str) -> dict[str, Any]:
    """Frame counts by opcode per direction and a digest of each direction's bytes."""
    out: dict[str, Any] = {"addr": session.meta.get(key), "frames": session.frame_count()}
    for d, name in ((C2S, "c2s"), (S2C, "s2c")):
        cols = session.frame_columns(d)
        ops: dict[str, int] = {}
        for op in cols["opcode"].tolist():
            label = OPCODES.get(op, f"0x{op:x}")
            ops[label] = ops.get(label, 0) + 1
        out[name] = ops
        out[f"sha_{name}"] = hashlib.sha256(session.stream(d)).hexdigest()
    return out


# --------------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------------


async def server_main(lib: str, deflate: bool, profile_path: str | None, trace: bool) -> None:
    profiler = None
    snapshot = None
    if trace:
        import tracemalloc

        tracemalloc.start()
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
    reader = await stdin_reader()
    echoed = [0]
    active = [0]
    if lib == WSX:
        server = await wsx_serve_echo(
            "127.0.0.1",
            0,
            extensions=wsx_deflate() if deflate else None,
            max_message_size=MAX_MESSAGE,
            keep_sessions=None,  # every session kept: the correctness gates compare them all
        )
        url = server.url

        def open_count() -> int:
            return len(server.connections)
    elif lib == RAW:
        server = await raw_echo.serve("127.0.0.1", 0, MESSAGE_SIZE, echoed, active)
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"

        def open_count() -> int:
            return active[0]
    else:

        async def handler(ws: Any) -> None:
            active[0] += 1
            try:
                async for msg in ws:  # the same loop as wsexplorer.live.echo
                    await ws.send(msg)
                    echoed[0] += 1
            finally:
                active[0] -= 1

        server = await ws_serve(
            handler,
            "127.0.0.1",
            0,
            compression="deflate" if deflate else None,
            ping_interval=None,
            max_size=MAX_MESSAGE,
        )
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"

        def open_count() -> int:
            return active[0]

    gc.collect()
    emit({"url": url, "pid": os.getpid()})
    if profiler is not None:
        profiler.enable()
    while True:
        command = (await reader.readline()).decode().strip()
        if command == "rss":
            gc.collect()
            emit({"rss": rss_bytes(), "open": open_count()})
        elif command == "cpu":
            emit({"cpu": cpu_seconds()})
        elif command == "snap":  # tracemalloc baseline (with --trace-memory)
            gc.collect()
            snapshot = tracemalloc.take_snapshot()
            emit({"open": open_count()})
        elif command == "diff":  # allocation sites grown since "snap", biggest first
            gc.collect()
            assert snapshot is not None
            diff = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")
            top = [(str(d.traceback[0]), d.size_diff, d.count_diff) for d in diff[:40]]
            total = sum(d.size_diff for d in diff)
            emit({"top": top, "total": total, "open": open_count()})
        elif command == "stats":
            deadline = time.monotonic() + 30
            while open_count() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            reply: dict[str, Any] = {"open": open_count(), "echoed": echoed[0]}
            if lib == WSX:
                if profiler is not None:
                    profiler.disable()
                reply["sessions"] = [describe_session(s, "remote_address") for s in server.sessions]
                reply["errors"] = [repr(e) for e in server.errors]
            emit(reply)
        elif command in ("quit", ""):
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile_path)
            if lib == WSX:
                await server.close()
            else:
                server.close()
                await server.wait_closed()
            emit({"bye": True})
            return
        else:
            raise SystemExit(f"server: unknown command {command!r}")


# --------------------------------------------------------------------------------------------------
# Client process
# --------------------------------------------------------------------------------------------------


EQUAL_DEFLATE = "WSX_BENCH_DEFLATE_AS_WEBSOCKETS"
"""Set in the environment of wsexplorer's server and client processes for the "equal parameters" row."""


def wsx_deflate() -> list[Any]:
    """wsexplorer's permessage-deflate offer/acceptance: its defaults (15-bit windows, memLevel 7), or,
    for the equal-parameters row, websockets' defaults (12-bit windows both ways, memLevel 5)."""
    if os.environ.get(EQUAL_DEFLATE):
        from wsexplorer import PerMessageDeflate

        return [PerMessageDeflate(server_max_window_bits=12, client_max_window_bits=12, mem_level=5)]
    return ["permessage-deflate"]


async def open_client(lib: str, url: str, deflate: bool) -> Any:
    if lib == RAW:
        host, port = url.split("/")[2].split(":")
        return await raw_echo.connect(host, int(port), MESSAGE_SIZE)
    if lib == WSX:
        return await wsx_connect(
            url,
            extensions=wsx_deflate() if deflate else None,
            max_message_size=MAX_MESSAGE,
            open_timeout=60,
            close_timeout=30,
        )
    return await ws_connect(
        url,
        compression="deflate" if deflate else None,
        ping_interval=None,
        max_size=MAX_MESSAGE,
        open_timeout=60,
        close_timeout=30,
    )


async def open_many(lib: str, url: str, count: int, deflate: bool) -> list[Any]:
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def one() -> Any:
        async with gate:
            return await open_client(lib, url, deflate)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def ping_rtt(lib: str, ws: Any) -> None:
    if lib == WSX:
        await ws.ping()
    else:
        await (await ws.ping())


def client_checks(lib: str, conns: list[Any], expect: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Close codes on every connection; for wsexplorer the client sessions too."""
    errors: list[str] = []
    bad_codes = [ws.close_code for ws in conns if ws.close_code != 1000]
    if bad_codes:
        errors.append(f"{len(bad_codes)} connections did not close with 1000: {bad_codes[:5]}")
    sessions = None
    if lib == WSX:
        sessions = [describe_session(ws.session, "local_address") for ws in conns]
        for s in sessions:
            if s["c2s"] != expect["c2s"] or s["s2c"] != expect["s2c"]:
                errors.append(
                    f"client session {s['addr']}: frames {s['c2s']} / {s['s2c']}, expected {expect}"
                )
                break
    return {"errors": errors, "sessions": sessions}


async def client_main(args: argparse.Namespace) -> None:
    lib, url, deflate, kind = args.lib, args.url, args.deflate, args.workload
    reader = await stdin_reader()
    errors: list[str] = []
    rtts = array("q")
    result: dict[str, Any] = {}

    if kind == "reqresp":
        count, per = args.clients, args.messages
        conns = await open_many(lib, url, count, deflate)
        emit({"ready": True})
        await expect_line(reader, "go")
        clock = time.perf_counter_ns

        async def run(cid: int, ws: Any) -> None:
            send, recv = ws.send, ws.recv
            for seq in range(per):
                msg = message(cid, seq)
                t0 = clock()
                await send(msg)
                got = await recv()
                rtts.append(clock() - t0)
                if got != msg:
                    errors.append(f"client {cid}: message {seq} came back as {bytes(got[:16]).hex()}")
                    return

        cpu0, start = cpu_seconds(), time.monotonic_ns()
        await asyncio.gather(*(run(args.cid_base + i, ws) for i, ws in enumerate(conns)))
        end, cpu1 = time.monotonic_ns(), cpu_seconds()
        result["cpu"] = cpu1 - cpu0
        result.update(start=start, end=end, messages=len(rtts))
        expect = {"c2s": {"binary": per, "close": 1}, "s2c": {"binary": per, "close": 1}}

    elif kind == "pipelined":
        per = args.messages
        conns = [await open_client(lib, url, deflate)]
        ws = conns[0]
        emit({"ready": True})
        await expect_line(reader, "go")
        received = [0]

        async def sender() -> None:
            send = ws.send
            for seq in range(per):
                await send(message(0, seq))

        async def receiver() -> None:
            recv = ws.recv
            for seq in range(per):
                got = await recv()
                if got != message(0, seq):
                    errors.append(f"message {seq} came back as {bytes(got[:16]).hex()}")
                    return
                received[0] += 1

        cpu0, start = cpu_seconds(), time.monotonic_ns()
        await asyncio.gather(sender(), receiver())
        end, cpu1 = time.monotonic_ns(), cpu_seconds()
        result["cpu"] = cpu1 - cpu0
        result.update(start=start, end=end, messages=received[0])
        expect = {"c2s": {"binary": per, "close": 1}, "s2c": {"binary": per, "close": 1}}

    elif kind == "ping":
        per = args.messages
        conns = [await open_client(lib, url, deflate)]
        ws = conns[0]
        for _ in range(20):  # warm-up, in the session too
            await ping_rtt(lib, ws)
        emit({"ready": True})
        await expect_line(reader, "go")
        clock = time.perf_counter_ns
        for _ in range(per):
            t0 = clock()
            await ping_rtt(lib, ws)
            rtts.append(clock() - t0)
        result.update(messages=len(rtts))
        expect = {"c2s": {"ping": per + 20, "close": 1}, "s2c": {"pong": per + 20, "close": 1}}

    elif kind == "idle":
        warm = await open_many(lib, url, args.warm, deflate)  # first-use allocations, before the baseline
        await asyncio.gather(*(ws.close() for ws in warm))
        emit({"ready": True})
        await expect_line(reader, "go")
        conns = await open_many(lib, url, args.clients, deflate)
        emit({"open": len(conns)})
        await expect_line(reader, "close")
        conns += warm
        expect = {"c2s": {"close": 1}, "s2c": {"close": 1}}
    else:
        raise SystemExit(f"unknown workload {kind!r}")

    await asyncio.gather(*(ws.close() for ws in conns))
    if args.rtt_file and rtts:
        with open(args.rtt_file, "wb") as f:
            rtts.tofile(f)
    checks = client_checks(lib, conns, expect)
    result["errors"] = errors[:10] + checks["errors"]
    result["sessions"] = checks["sessions"]
    result["expect"] = expect
    emit(result)


# --------------------------------------------------------------------------------------------------
# Session memory (its own process, so that tracemalloc sees only the session)
# --------------------------------------------------------------------------------------------------


def session_main(frames: int, payload: int, pipelined: bool) -> None:
    import tracemalloc

    masked = bytes((0x82, 0x80 | payload)) + b"\x01\x02\x03\x04" + bytes(payload)
    plain = bytes((0x82, payload)) + bytes(payload)
    pairs = frames // 2
    if pipelined:  # each direction in 64 KiB chunks, as a pipelined connection hands them over
        chunks: list[tuple[int, bytes]] = []
        for direction, frame in ((C2S, masked), (S2C, plain)):
            stream = frame * pairs
            chunks += [(direction, stream[i : i + 65536]) for i in range(0, len(stream), 65536)]
    else:  # request/response: every frame its own chunk, directions alternating
        chunks = [(C2S, masked), (S2C, plain)] * pairs
    t0 = time.monotonic_ns()
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    blocks_before = sum(s.count for s in tracemalloc.take_snapshot().statistics("filename"))
    tracemalloc.reset_peak()
    session = Session("server", handshake=False)
    record = session.record
    started = time.perf_counter()
    for direction, chunk in chunks:
        record(direction, chunk, t0)
    for direction in (C2S, S2C):  # the frame index is built when first read: counted here too
        session.frames_extent(direction)
    elapsed = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    blocks_after = sum(s.count for s in tracemalloc.take_snapshot().statistics("filename"))
    tracemalloc.stop()
    count = session.frame_count()
    emit(
        {
            "frames": count,
            "chunks": session.chunk_count,
            "payload_bytes": pairs * 2 * payload,
            "wire_bytes": session.byte_count(),
            "memory_bytes": session.memory_bytes(),
            "traced": current - before,
            "peak": peak - before,
            "blocks": blocks_after - blocks_before,
            "seconds": elapsed,
            "ok": count == pairs * 2
            and session.frame_count(C2S) == pairs
            and bytes(session.frame(S2C, pairs - 1).frame.payload) == bytes(payload),
        }
    )


# --------------------------------------------------------------------------------------------------
# Parent: starting children, running workloads
# --------------------------------------------------------------------------------------------------


class Failure(Exception):
    """A correctness gate failed, or a child misbehaved."""


class Child:
    def __init__(self, name: str) -> None:
        self.name = name
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, *args: str) -> Child:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=CHILD_LIMIT,
        )
        return self

    async def recv(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            except asyncio.TimeoutError:
                raise Failure(f"{self.name}: no answer within {timeout:g} s") from None
            if not line:
                raise Failure(f"{self.name}: exited (code {await self.proc.wait()}) without answering")
            text = line.decode()
            if text.startswith(PREFIX):
                return json.loads(text[len(PREFIX) :])  # type: ignore[no-any-return]
            sys.stderr.write(f"[{self.name}] {text}")

    def send(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")

    async def stop(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


async def start_server(lib: str, deflate: bool, profile: str | None = None) -> tuple[Child, str]:
    args = ["--role", "server", "--lib", lib] + (["--deflate"] if deflate else [])
    if profile:
        args += ["--profile-out", profile]
    server = await Child(f"{lib} server").start(*args)
    hello = await server.recv(60)
    return server, hello["url"]


async def stop_server(server: Child) -> None:
    server.send("quit")
    try:
        await server.recv(60)
    finally:
        await server.stop()


def check_sessions(
    server_stats: dict[str, Any], clients: list[dict[str, Any]], expect: dict[str, Any], connections: int
) -> list[str]:
    """Every frame in the server's and the clients' recordings, and both records byte-identical."""
    errors: list[str] = []
    sessions = server_stats["sessions"]
    if len(sessions) != connections:
        errors.append(f"server recorded {len(sessions)} sessions for {connections} connections")
    expected_frames = sum(expect["c2s"].values()) + sum(expect["s2c"].values())
    total = sum(s["frames"] for s in sessions)
    if total != expected_frames * connections:
        errors.append(f"server sessions hold {total:,} frames, expected {expected_frames * connections:,}")
    wrong = [s for s in sessions if s["c2s"] != expect["c2s"] or s["s2c"] != expect["s2c"]]
    if wrong:
        errors.append(f"{len(wrong)} server sessions differ, e.g. {wrong[0]['c2s']} / {wrong[0]['s2c']}")
    by_addr = {s["addr"]: s for s in sessions}
    client_sessions = [s for c in clients for s in c["sessions"]]
    mismatched = 0
    for cs in client_sessions:
        ss = by_addr.get(cs["addr"])
        if ss is None or ss["sha_c2s"] != cs["sha_c2s"] or ss["sha_s2c"] != cs["sha_s2c"]:
            mismatched += 1
    if mismatched:
        errors.append(f"{mismatched} connections: server and client recordings differ")
    if server_stats.get("errors"):
        errors.append(f"server handler errors: {server_stats['errors'][:3]}")
    return errors


@dataclass
class Run:
    """One repetition of one workload for one library."""

    rate: float | None = None  # messages/s
    server_cpu_us: float | None = None  # server process CPU time (user + system) per message
    client_cpu_us: float | None = None
    p50_us: float | None = None
    p99_us: float | None = None
    bytes_per_conn: float | None = None
    frames_checked: int = 0


def percentile(sorted_values: Sequence[int], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return float(sorted_values[index])


async def run_traffic(
    lib: str, kind: str, *, clients: int, messages: int, procs: int, deflate: bool, timeout: float
) -> Run:
    """Workloads a, b, c: fresh server, client process(es) connect, go, check everything."""
    server, url = await start_server(lib, deflate)
    children: list[Child] = []
    tmp = tempfile.mkdtemp(prefix="wsx-load-")
    try:
        per_proc = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        base = 0
        for i, n in enumerate(per_proc):
            args = ["--role", "client", "--lib", lib, "--url", url, "--workload", kind]
            args += ["--clients", str(n), "--messages", str(messages), "--cid-base", str(base)]
            args += ["--rtt-file", os.path.join(tmp, f"rtt{i}")] + (["--deflate"] if deflate else [])
            children.append(await Child(f"{lib} client {i}").start(*args))
            base += n
        for child in children:
            await child.recv(120)  # ready: every connection open
        server.send("cpu")
        cpu0 = (await server.recv(60))["cpu"]
        for child in children:
            child.send("go")
        results = [await child.recv(timeout) for child in children]
        server.send("cpu")
        cpu1 = (await server.recv(60))["cpu"]
        server.send("stats")
        stats = await server.recv(120)
    except BaseException:
        for child in [*children, server]:
            child.kill()
        raise
    for child in children:
        await child.stop()
    await stop_server(server)

    errors = [e for r in results for e in r["errors"]]
    expect = results[0]["expect"]
    got = sum(r["messages"] for r in results)
    want = clients * messages if kind == "reqresp" else messages
    if got != want:
        errors.append(f"{got:,} messages echoed, expected {want:,}")
    if stats["open"]:
        errors.append(f"{stats['open']} server connections still open after the clients closed")
    if lib != WSX and kind != "ping" and stats["echoed"] != want:
        errors.append(f"{lib} server echoed {stats['echoed']:,} messages, expected {want:,}")
    run = Run()
    if lib == WSX:
        errors += check_sessions(stats, results, expect, clients if kind == "reqresp" else 1)
        run.frames_checked = sum(s["frames"] for s in stats["sessions"])
    if errors:
        raise Failure(f"{lib} {kind}: " + "; ".join(errors[:8]))

    if kind != "ping":
        start = min(r["start"] for r in results)
        end = max(r["end"] for r in results)
        run.rate = got / ((end - start) / 1e9)
        run.server_cpu_us = (cpu1 - cpu0) / got * 1e6
        run.client_cpu_us = sum(r["cpu"] for r in results) / got * 1e6
    samples = array("q")
    for i in range(procs):
        path = os.path.join(tmp, f"rtt{i}")
        if os.path.exists(path):
            with open(path, "rb") as f:
                samples.frombytes(f.read())
            os.unlink(path)
    os.rmdir(tmp)
    if len(samples):
        ordered = sorted(samples)
        run.p50_us = percentile(ordered, 0.50) / 1e3
        run.p99_us = percentile(ordered, 0.99) / 1e3
    return run


async def run_idle(lib: str, *, clients: int, warm: int) -> Run:
    """Workload d: server RSS before and after ``clients`` idle connections open."""
    server, url = await start_server(lib, False)
    args = ["--role", "client", "--lib", lib, "--url", url, "--workload", "idle"]
    args += ["--clients", str(clients), "--warm", str(warm)]
    client = await Child(f"{lib} idle client").start(*args)
    try:
        await client.recv(120)
        await asyncio.sleep(0.2)
        server.send("rss")
        before = (await server.recv(60))["rss"]
        client.send("go")
        await client.recv(120)
        deadline = time.monotonic() + 60
        while True:
            server.send("rss")
            now = await server.recv(60)
            if now["open"] >= clients or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        server.send("rss")
        now = await server.recv(60)
        client.send("close")
        result = await client.recv(120)
        server.send("stats")
        stats = await server.recv(120)
    except BaseException:
        client.kill()
        server.kill()
        raise
    await client.stop()
    await stop_server(server)
    errors = list(result["errors"])
    if now["open"] != clients:
        errors.append(f"server saw {now['open']} open connections, expected {clients}")
    if lib == WSX:
        errors += check_sessions(stats, [result], result["expect"], clients + warm)
    if errors:
        raise Failure(f"{lib} idle: " + "; ".join(errors[:8]))
    run = Run(bytes_per_conn=(now["rss"] - before) / clients)
    if lib == WSX:
        run.frames_checked = sum(s["frames"] for s in stats["sessions"])
    return run


async def run_session(frames: int, pipelined: bool) -> dict[str, Any]:
    args = ["--role", "session", "--messages", str(frames)] + (["--pipelined-chunks"] if pipelined else [])
    child = await Child("session").start(*args)
    try:
        result = await child.recv(300)
    except BaseException:
        child.kill()
        raise
    await child.stop()
    if not result["ok"] or result["frames"] != frames:
        raise Failure(f"session recording: {result['frames']:,} frames indexed, expected {frames:,}")
    return result


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------


@dataclass
class Metric:
    workload: str
    metric: str
    unit: str
    higher_is_better: bool
    target: bool = True  # False: informative row, no PASS/MISS line
    goal: float = 1.0  # the ratio to reach (issue 9: 1.2x websockets' throughput on a and b)
    values: dict[str, list[float]] = field(default_factory=lambda: {WSX: [], WS: []})

    def median(self, lib: str) -> float:
        return statistics.median(self.values[lib])

    def ratio(self) -> float:
        return self.median(WSX) / self.median(WS)

    def passed(self) -> bool:
        r = self.ratio()
        return r >= self.goal if self.higher_is_better else r <= self.goal

    def spread(self, lib: str) -> str:
        v = self.values[lib]
        med = self.median(lib)
        if len(v) < 2 or not med:
            return "–"
        return f"±{(max(v) - min(v)) / abs(med) * 50:.0f}%"


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def metrics_table(metrics: list[Metric]) -> str:
    lines = [
        "| workload | metric | wsexplorer | websockets | wsexplorer ÷ websockets | better "
        "| spread (wsx / ws) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for m in metrics:
        lines.append(
            f"| {m.workload} | {m.metric} ({m.unit}) | {_fmt(m.median(WSX))} | {_fmt(m.median(WS))} "
            f"| {m.ratio():.2f}x | {'higher' if m.higher_is_better else 'lower'} "
            f"| {m.spread(WSX)} / {m.spread(WS)} |"
        )
    return "\n".join(lines)


def session_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| recording | frames | chunks | payload | held (tracemalloc) | beyond payload / frame "
        "| of which wire header | memory_bytes() beyond payload / frame | peak beyond payload / frame "
        "| Python blocks held | record() rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        n, payload = r["frames"], r["payload_bytes"]
        header = (r["wire_bytes"] - payload) / n
        lines.append(
            f"| {name} | {n:,} | {r['chunks']:,} | {payload / 1e6:.1f} MB | {r['traced'] / 1e6:.1f} MB "
            f"| {(r['traced'] - payload) / n:.1f} B | {header:.1f} B "
            f"| {(r['memory_bytes'] - payload) / n:.1f} B | {(r['peak'] - payload) / n:.1f} B "
            f"| {r['blocks']:,} | {n / r['seconds']:,.0f} frames/s |"
        )
    return "\n".join(lines)


def verdicts(metrics: list[Metric], sessions: list[tuple[str, dict[str, Any]]]) -> list[str]:
    out = []
    for m in metrics:
        if not m.target:
            continue
        sign = ">=" if m.higher_is_better else "<="
        out.append(
            f"{'PASS' if m.passed() else 'MISS'} {m.workload}, {m.metric}: wsexplorer {_fmt(m.median(WSX))} "
            f"{m.unit} vs websockets {_fmt(m.median(WS))} {m.unit} "
            f"({m.ratio():.2f}x, target {sign} {m.goal:g}x)"
        )
    worst = max((r["traced"] - r["payload_bytes"]) / r["frames"] for _, r in sessions)
    blocks = max(r["blocks"] for _, r in sessions)
    out.append(
        f"{'PASS' if worst <= 64 else 'MISS'} recording: {worst:.1f} bytes held per frame beyond the "
        f"payload, worst case (target <= 64)"
    )
    frames = max(r["frames"] for _, r in sessions)
    out.append(
        f"{'PASS' if blocks < frames / 1000 else 'MISS'} recording: {blocks:,} Python memory blocks held "
        f"for {frames:,} frames (no object per frame)"
    )
    return out


def environment() -> dict[str, str]:
    from importlib.metadata import version

    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tree = git_tree()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable.replace(str(ROOT) + '/', '')}), default asyncio event loop",
        "versions": f"wsexplorer {version('wsexplorer')} ({tree}), websockets {websockets.__version__}",
        "machine": f"{platform.system()} {platform.machine()}, {cpu}, nproc={len(os.sched_getaffinity(0))}, "
        f"load average {load} (1/5/15 min) at start",
    }


def section(
    env: dict[str, str],
    args: argparse.Namespace,
    metrics: list[Metric],
    sessions: list[tuple[str, dict[str, Any]]],
    checks: list[str],
    checked: dict[str, int],
    elapsed: float,
) -> str:
    kind = "QUICK smoke-test run (not representative)" if args.quick else "full run"
    return "\n".join(
        [
            START_MARK,
            "## Load: live echo server and clients, wsexplorer vs websockets",
            "",
            f"Command (from the repository root): `{COMMAND}` — {kind}, {elapsed / 60:.1f} min.",
            "",
            f"- Date: {env['date']}",
            f"- Python: {env['python']}",
            f"- Libraries: {env['versions']}",
            f"- Machine: {env['machine']}; "
            + " / ".join(f"{x:.2f}" for x in os.getloadavg())
            + " at the end (other jobs shared the machine when the load average is above ~1)",
            f"- Method: median of {args.repeat} repetitions, libraries interleaved within each "
            "repetition; every repetition starts a fresh server process and fresh client process(es) "
            f"({args.procs} client process{'es' if args.procs > 1 else ''} for workload a), all on "
            "127.0.0.1; connections are opened before the clock starts and closed after it stops. "
            "permessage-deflate off except in the (deflate) row. wsexplorer records every byte on both "
            "sides (server `serve_echo` sessions and client sessions); websockets records nothing. "
            "Keepalive pings off for both.",
            "",
            metrics_table(metrics),
            "",
            f"- a. request/response: {args.clients} concurrent clients x {args.messages:,} binary messages "
            f"of {MESSAGE_SIZE} B, in one client process (asyncio), the server in another; each client "
            "awaits the echo before sending its next message. messages/s = echoes received by all "
            "clients / wall time from the start signal to the last echo. Round trip = send() to the "
            f"matching recv(), per message ({args.clients * args.messages:,} samples per repetition); "
            f"with {args.clients} clients in flight it is mostly queueing.",
            "",
            ceiling_table(metrics),
            "",
            "- The ceiling: workload a once per repetition (before the two libraries) with no WebSocket "
            "at all: `benchmarks/raw_echo.py`, a server and clients written straight on asyncio's "
            "Protocol and shaped like a WebSocket library (a buffer per connection, a handler task per "
            "server connection woken by a future, the same client loop and 64-byte messages), nothing "
            "parsed, masked or recorded. What is left is asyncio and the kernel, so no asyncio "
            "WebSocket library can echo faster on this machine: the ceiling's ratio to websockets "
            "bounds the ratio wsexplorer can reach.",
            f"- b. pipelined: one connection, {args.pipelined:,} binary messages of {MESSAGE_SIZE} B sent "
            "back to back by one task while another reads and checks the echoes; messages/s = messages "
            "/ time from the first send to the last echo. (deflate): the same with permessage-deflate "
            "negotiated, each library with its own defaults, as users run them: wsexplorer 15-bit "
            "windows both ways (RFC 7692's defaults: the best ratio, and what a reader of the RFC "
            "expects to see) and zlib memLevel 7 (local: 64 KiB less than zlib's 8 per compressor at the "
            "same ratio), websockets 12-bit windows both ways and memLevel 5 "
            "(its documented choice, trading ratio for memory per connection); context takeover on "
            "both. (deflate, equal parameters): wsexplorer configured as websockets is "
            "(`PerMessageDeflate(server_max_window_bits=12, client_max_window_bits=12, mem_level=5)`).",
            f"- c. ping: {args.pings:,} pings, one at a time, on one connection (after 20 warm-up pings); "
            "round trip measured around `await ws.ping()` (wsexplorer) / `await (await ws.ping())` "
            "(websockets) with `time.perf_counter_ns`.",
            f"- d. idle connections: server process RSS (`/proc/self/statm`, after `gc.collect()`) "
            f"with {args.idle} idle connections open minus before (after {args.warm} warm-up "
            "connections were opened and closed), divided by the count. wsexplorer's figure includes "
            "its recording of each handshake. Kernel socket buffers are not in RSS.",
            "- CPU per message: CPU time (user + system, `getrusage`) of the server process and of the "
            "client process(es) over the timed section (the server's figure also covers the closing "
            "handshakes), divided by the messages echoed. Less sensitive than the wall-clock rows to "
            "other jobs on the machine, not immune (shared cores and caches): compare the two "
            "libraries within one run.",
            "- Targets (issue 9): >= 1.2x websockets' throughput on a and on each b row, ping p50 <= "
            "websockets', idle memory <= websockets'. With the load average above 1 every row but d "
            "is noisy for both libraries (see the spreads): a PASS or MISS within about ±30% is not "
            "conclusive.",
            "",
            'Recording memory (e): a sans-I/O `Session("server", handshake=False)` in a fresh process, '
            f"fed {args.session_frames:,} frames of {SESSION_PAYLOAD} B payload (half masked client "
            'frames, half unmasked server frames) through `Session.record`. "held" is the '
            "tracemalloc-traced memory still allocated after recording (buffers and index columns, "
            'over-allocation included); "beyond payload / frame" = (held − payload bytes) / frames, '
            "which includes the frame headers kept on the wire bytes; `memory_bytes()` is the "
            "session's own count (used lengths, no over-allocation); peak is the tracemalloc peak "
            "during recording (buffer reallocation).",
            "",
            session_table(sessions),
            "",
            "```",
            *checks,
            "```",
            "",
            "Correctness gates (the script exits 1 when one fails; all passed in this run): every echo "
            "equal to the message sent, in order (client id + sequence number in each payload); every "
            "connection closed with 1000; wsexplorer: every server and client session holds exactly "
            "the expected frames by opcode (messages, pings / pongs, one close each way), the "
            "server's and the client's recordings of each connection are byte-identical (SHA-256 per "
            f"direction). Frames found in server sessions over the whole run: {checked['server']:,}.",
            END_MARK,
        ]
    )


def write_results(text: str) -> None:
    write_section(text, START_MARK, END_MARK)


SESSION_PAYLOAD = 20


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> tuple[list[Metric], list[tuple[str, dict[str, Any]]], int]:
    a = f"a. {args.clients} clients x {args.messages:,} req/resp"
    b = f"b. pipelined, {args.pipelined:,} msgs"
    bd = f"b. pipelined, {args.pipelined:,} msgs (deflate)"
    be = f"b. pipelined, {args.pipelined:,} msgs (deflate, equal parameters)"
    c = f"c. ping, {args.pings:,} pings"
    d = f"d. {args.idle} idle connections"
    metrics = {
        "a_rate": Metric(a, "throughput", "messages/s", True, goal=1.2),
        "a_p50": Metric(a, "round trip p50", "µs", False),
        "a_p99": Metric(a, "round trip p99", "µs", False),
        "a_srv": Metric(a, "server CPU per message", "µs", False, target=False),
        "a_cli": Metric(a, "client CPU per message", "µs", False, target=False),
        "b_rate": Metric(b, "throughput", "messages/s", True, goal=1.2),
        "b_srv": Metric(b, "server CPU per message", "µs", False, target=False),
        "b_cli": Metric(b, "client CPU per message", "µs", False, target=False),
        "bd_rate": Metric(bd, "throughput", "messages/s", True, goal=1.2),
        "be_rate": Metric(be, "throughput", "messages/s", True, goal=1.2),
        "c_p50": Metric(c, "round trip p50", "µs", False),
        "c_p99": Metric(c, "round trip p99", "µs", False),
        "d_mem": Metric(d, "server RSS per connection", "bytes", False),
    }
    checked = 0
    metrics["a_rate"].values[RAW] = []  # the ceiling: workload a on asyncio alone, once per repetition
    timeout = max(120.0, args.clients * args.messages / 2000)
    for rep in range(args.repeat):
        r = await run_traffic(
            RAW,
            "reqresp",
            clients=args.clients,
            messages=args.messages,
            procs=args.procs,
            deflate=False,
            timeout=timeout,
        )
        assert r.rate is not None
        metrics["a_rate"].values[RAW].append(r.rate)
        log(
            f"[{rep + 1}/{args.repeat}] {RAW} (no WebSocket) a: {r.rate:,.0f} msg/s; CPU per message: "
            f"server {r.server_cpu_us:.1f} µs, client {r.client_cpu_us:.1f} µs"
        )
        for lib in LIBRARIES:
            tag = f"[{rep + 1}/{args.repeat}] {lib}"
            r = await run_traffic(
                lib,
                "reqresp",
                clients=args.clients,
                messages=args.messages,
                procs=args.procs,
                deflate=False,
                timeout=timeout,
            )
            assert r.rate is not None and r.p50_us is not None and r.p99_us is not None
            metrics["a_rate"].values[lib].append(r.rate)
            metrics["a_p50"].values[lib].append(r.p50_us)
            metrics["a_p99"].values[lib].append(r.p99_us)
            assert r.server_cpu_us is not None and r.client_cpu_us is not None
            metrics["a_srv"].values[lib].append(r.server_cpu_us)
            metrics["a_cli"].values[lib].append(r.client_cpu_us)
            checked += r.frames_checked
            log(
                f"{tag} a: {r.rate:,.0f} msg/s, p50 {r.p50_us:,.0f} µs, p99 {r.p99_us:,.0f} µs; "
                f"CPU per message: server {r.server_cpu_us:.1f} µs, client {r.client_cpu_us:.1f} µs"
            )
            for key, deflate in (("b_rate", False), ("bd_rate", True), ("be_rate", True)):
                if key == "be_rate" and lib == WSX:
                    os.environ[EQUAL_DEFLATE] = "1"  # inherited by the server and client processes
                try:
                    r = await run_traffic(
                        lib,
                        "pipelined",
                        clients=1,
                        messages=args.pipelined,
                        procs=1,
                        deflate=deflate,
                        timeout=120,
                    )
                finally:
                    os.environ.pop(EQUAL_DEFLATE, None)
                assert r.rate is not None and r.server_cpu_us is not None and r.client_cpu_us is not None
                metrics[key].values[lib].append(r.rate)
                if key == "b_rate":
                    metrics["b_srv"].values[lib].append(r.server_cpu_us)
                    metrics["b_cli"].values[lib].append(r.client_cpu_us)
                checked += r.frames_checked
                what = {"b_rate": "", "bd_rate": " (deflate)", "be_rate": " (deflate, equal parameters)"}[key]
                log(
                    f"{tag} b{what}: {r.rate:,.0f} msg/s; CPU per message: "
                    f"server {r.server_cpu_us:.1f} µs, client {r.client_cpu_us:.1f} µs"
                )
            r = await run_traffic(
                lib, "ping", clients=1, messages=args.pings, procs=1, deflate=False, timeout=120
            )
            assert r.p50_us is not None and r.p99_us is not None
            metrics["c_p50"].values[lib].append(r.p50_us)
            metrics["c_p99"].values[lib].append(r.p99_us)
            checked += r.frames_checked
            log(f"{tag} c: ping p50 {r.p50_us:.1f} µs, p99 {r.p99_us:.1f} µs")
            r = await run_idle(lib, clients=args.idle, warm=args.warm)
            assert r.bytes_per_conn is not None
            metrics["d_mem"].values[lib].append(r.bytes_per_conn)
            checked += r.frames_checked
            log(f"{tag} d: {r.bytes_per_conn:,.0f} B per idle connection")
    sessions = []
    for name, pipelined in (
        ("request/response: 1 frame per chunk", False),
        ("pipelined: 64 KiB chunks", True),
    ):
        result = await run_session(args.session_frames, pipelined)
        per = (result["traced"] - result["payload_bytes"]) / result["frames"]
        log(f"e. {name}: {per:.1f} B per frame beyond payload, {result['blocks']} blocks held")
        sessions.append((name, result))
    return list(metrics.values()), sessions, checked


def ceiling_table(metrics: list[Metric]) -> str:
    """Workload a's throughput against the same echo on asyncio alone: how much room there was."""
    rate = next(m for m in metrics if RAW in m.values)  # the row bench() also ran on asyncio alone
    top = rate.median(RAW)
    ws = rate.median(WS)
    lines = [
        f"| {rate.workload}: messages/s | median | ÷ websockets | share of the ceiling | spread |",
        "|---|---:|---:|---:|---|",
    ]
    name = "asyncio alone, no WebSocket (the ceiling)"
    lines.append(f"| {name} | {top:,.0f} | {top / ws:.2f}x | 100% | {rate.spread(RAW)} |")
    for lib in LIBRARIES:
        med = rate.median(lib)
        lines.append(f"| {lib} | {med:,.0f} | {med / ws:.2f}x | {med / top:.0%} | {rate.spread(lib)} |")
    return "\n".join(lines)


async def profile(args: argparse.Namespace) -> None:
    """cProfile both wsexplorer processes on b; tracemalloc the server's idle connections (both libraries)."""
    for kind, clients, count in (("pipelined", 1, args.pipelined), ("reqresp", args.clients, 200)):
        tmp = tempfile.mkdtemp(prefix="wsx-prof-")
        server_path, client_path = os.path.join(tmp, "server.prof"), os.path.join(tmp, "client.prof")
        server, url = await start_server(WSX, False, profile=server_path)
        argv = ["--role", "client", "--lib", WSX, "--url", url, "--workload", kind, "--clients", str(clients)]
        argv += ["--messages", str(count), "--profile-out", client_path]
        client = await Child("profile client").start(*argv)
        await client.recv(60)
        client.send("go")
        result = await client.recv(300)
        await client.stop()
        server.send("stats")
        await server.recv(120)
        await stop_server(server)
        if result["errors"]:
            raise Failure(f"profile run: {result['errors']}")
        what = f"{clients} x {count:,} {kind} messages"
        for name, path in (("server", server_path), ("client", client_path)):
            print(f"\ncProfile of the wsexplorer {name} process, {what}:")
            for key in ("tottime", "cumulative"):
                pstats.Stats(path, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(14)
            os.unlink(path)
        os.rmdir(tmp)

    for lib in LIBRARIES:
        server = await Child(f"{lib} traced server").start("--role", "server", "--lib", lib, "--trace-memory")
        url = (await server.recv(60))["url"]
        argv = ["--role", "client", "--lib", lib, "--url", url, "--workload", "idle"]
        client = await Child(f"{lib} idle client").start(*argv, "--clients", str(args.idle))
        await client.recv(120)
        server.send("snap")
        await server.recv(60)
        client.send("go")
        await client.recv(120)
        while True:
            server.send("rss")
            if (await server.recv(60))["open"] >= args.idle:
                break
            await asyncio.sleep(0.05)
        server.send("diff")
        diff = await server.recv(60)
        client.send("close")
        await client.recv(120)
        await client.stop()
        await stop_server(server)
        n = args.idle
        print(f"\ntracemalloc, {lib} server: {diff['total'] / n:,.0f} B per idle connection; top sites:")
        for where, size, count in diff["top"][:15]:
            print(f"  {size / n:8,.0f} B {count / n:6.1f} blocks  {where}")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small workloads, 1 run; implies --no-write")
    parser.add_argument("--no-write", action="store_true", help="do not touch benchmarks/RESULTS.md")
    parser.add_argument(
        "--profile", action="store_true", help="only profile: cProfile on b, tracemalloc on d"
    )
    parser.add_argument("--repeat", type=int, help="repetitions (default 5)")
    parser.add_argument("--clients", type=int, help="a: concurrent clients (default 500)")
    parser.add_argument("--messages", type=int, help="a: messages per client (default 1,000)")
    parser.add_argument("--procs", type=int, default=1, help="a: client processes (default 1)")
    parser.add_argument("--pipelined", type=int, help="b: messages (default 100,000)")
    parser.add_argument("--pings", type=int, help="c: pings (default 2,000)")
    parser.add_argument("--idle", type=int, help="d: idle connections (default 500)")
    parser.add_argument("--session-frames", type=int, help="e: frames recorded (default 1,000,000)")
    # Children of the benchmark (server, clients, session) are this script with --role.
    hidden = argparse.SUPPRESS
    parser.add_argument("--role", choices=("server", "client", "session"), help=hidden)
    parser.add_argument("--lib", choices=(*LIBRARIES, RAW), help=hidden)
    parser.add_argument("--url", help=hidden)
    parser.add_argument("--workload", help=hidden)
    parser.add_argument("--deflate", action="store_true", help=hidden)
    parser.add_argument("--cid-base", type=int, default=0, help=hidden)
    parser.add_argument("--rtt-file", help=hidden)
    parser.add_argument("--warm", type=int, default=20, help=hidden)
    parser.add_argument("--profile-out", help=hidden)
    parser.add_argument("--trace-memory", action="store_true", help=hidden)
    parser.add_argument("--pipelined-chunks", dest="pipelined_chunks", action="store_true", help=hidden)
    args = parser.parse_args(argv)

    raise_fd_limit(4096)
    if args.role == "server":
        asyncio.run(server_main(args.lib, args.deflate, args.profile_out, args.trace_memory))
        return 0
    if args.role == "client":
        if args.profile_out:
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(asyncio.run, client_main(args))
            profiler.dump_stats(args.profile_out)
        else:
            asyncio.run(client_main(args))
        return 0
    if args.role == "session":
        session_main(args.messages, SESSION_PAYLOAD, args.pipelined_chunks)
        return 0

    quick = args.quick
    args.repeat = args.repeat or (1 if quick else 5)
    args.clients = args.clients or (50 if quick else 500)
    args.messages = args.messages or (100 if quick else 1000)
    args.pipelined = args.pipelined or (10_000 if quick else 100_000)
    args.pings = args.pings or (200 if quick else 2000)
    args.idle = args.idle or (50 if quick else 500)
    args.session_frames = args.session_frames or (100_000 if quick else 1_000_000)
    if args.repeat < 3 and not quick:
        parser.error("--repeat must be at least 3 (medians of >= 3 runs), or use --quick")

    if args.profile:
        asyncio.run(profile(args))
        return 0

    env = environment()
    log(f"{env['versions']}; {env['python']}; {env['machine']}")
    started = time.perf_counter()
    try:
        metrics, sessions, checked = asyncio.run(bench(args))
    except Failure as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    checks = verdicts(metrics, sessions)
    print(metrics_table(metrics))
    print()
    print(ceiling_table(metrics))
    print()
    print(session_table(sessions))
    print()
    print("\n".join(checks))
    log(f"\n(measured in {elapsed:.0f} s; {checked:,} recorded frames checked in server sessions)")
    if quick or args.no_write:
        log("RESULTS.md not written (--quick / --no-write)")
    else:
        write_results(section(env, args, metrics, sessions, checks, {"server": checked}, elapsed))
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
