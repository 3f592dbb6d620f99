"""Stress: the long versions of the hostile-peer tests (tests/live/test_bounds.py), with memory figures.

Each case runs the wsexplorer side in its own process (tests/live/bounded_peer.py, or a server script
here) and reports the kernel's peak resident set (VmHWM) against its resident set before the case:

1. a client sends one message past ``max_message_size`` and then streams 1 GiB more;
2. a server answers the handshake with an endless header block (1 GiB offered);
3. a client sends 10,000,000 pings and never reads a pong;
4. a client sends 1 GiB of 1 MiB messages to a handler that never reads;
5. 10,000 connections × 100 messages each, then 12,000 bare TCP connect/resets (sessions kept, memory);
6. one connection echoing 256 MiB with ``record="control"`` (what the session holds).

Usage (from the repository root)::

    .venv/bin/python benchmarks/stress.py            # all cases (~10 min), rewrites its RESULTS.md section
    .venv/bin/python benchmarks/stress.py --quick    # 1/16 of the volumes, writes nothing
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from typing import Any

from _common import RESULTS, ROOT, write_section

sys.path.insert(0, str(ROOT))

from tests.live.test_bounds import KEY, Peer, opened, send_until_blocked
from wsexplorer.codec.frames import Frame

START_MARK = "<!-- stress:start -->"
END_MARK = "<!-- stress:end -->"
MiB = 1 << 20


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def case_failed_then_stream(scale: int) -> dict[str, Any]:
    peer = Peer("server", "echo")
    try:
        port = int(peer.line()["url"].rsplit(":", 1)[1].strip("/"))
        s = opened(port)
        header = bytes([0x82, 0xFF]) + (1 << 40).to_bytes(8, "big") + KEY
        stream = bytes(64 * MiB)
        sent = 0
        s.sendall(header)
        for _ in range(16 // scale):  # 1 GiB in 64 MiB pieces
            got = send_until_blocked(s, stream, seconds=3)
            sent += got
            if got < len(stream):
                break
        s.close()
        summary = peer.line()
    finally:
        peer.close()
    return {
        "offered": f"{16 // scale * 64:,} MiB after a message past the limit",
        "taken by the server": f"{sent / MiB:,.1f} MiB (then it aborted)",
        "recorded": f"{summary['bytes'] / MiB:.2f} MiB",
        "peak RSS growth": f"{(summary['rss_peak_kb'] - summary['rss_start_kb']) / 1024:.1f} MiB",
    }


def case_endless_header(scale: int) -> dict[str, Any]:
    sent = [0]
    limit = 1024 * MiB // scale

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\n")
        line = b"X-Filler: " + b"y" * 4000 + b"\r\n"
        try:
            while sent[0] < limit:
                writer.write(line)
                sent[0] += len(line)
                await writer.drain()
        except OSError:
            pass
        writer.close()

    async def run() -> dict[str, Any]:
        srv = await asyncio.start_server(endless, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        p = Peer("client", f"ws://127.0.0.1:{port}/", "refused")
        try:
            summary = await asyncio.get_running_loop().run_in_executor(None, p.line)
        finally:
            p.close()
            srv.close()
        return summary

    summary = asyncio.run(run())
    return {
        "offered": f"{limit / MiB:,.0f} MiB of header lines",
        "taken by the client": f"{sent[0] / MiB:,.2f} MiB (then it closed)",
        "recorded": f"{summary['bytes'] / 1024:,.0f} KiB",
        "peak RSS growth": f"{(summary['rss_peak_kb'] - summary['rss_start_kb']) / 1024:.1f} MiB",
    }


def case_pings(scale: int) -> dict[str, Any]:
    peer = Peer("server", "echo", "--record", "meta")
    try:
        port = int(peer.line()["url"].rsplit(":", 1)[1].strip("/"))
        s = opened(port, receive_buffer=4096)
        count = 10_000_000 // scale
        pings = bytes(Frame.ping(b"abcd", mask=KEY)) * count
        sent = send_until_blocked(s, pings, seconds=5)
        summary = peer.ask()
        s.close()
    finally:
        peer.close()
    return {
        "offered": f"{count:,} pings ({len(pings) / MiB:,.0f} MiB), no pong read",
        "taken by the server": f"{sent / MiB:,.1f} MiB (then it stopped reading)",
        "peak RSS growth": f"{(summary['rss_peak_kb'] - summary['rss_start_kb']) / 1024:.1f} MiB",
    }


def case_unread(scale: int) -> dict[str, Any]:
    peer = Peer("server", "sink", "--record", "meta")
    try:
        port = int(peer.line()["url"].rsplit(":", 1)[1].strip("/"))
        s = opened(port)
        message = bytes(Frame.binary(os.urandom(MiB - 64), mask=KEY))
        sent = 0
        for _ in range(1024 // scale // 64):
            got = send_until_blocked(s, message * 64, seconds=3)
            sent += got
            if got < 64 * len(message):
                break
        summary = peer.ask()
        s.close()
    finally:
        peer.close()
    return {
        "offered": f"{1024 // scale:,} messages of 1 MiB to a handler that never reads",
        "taken by the server": f"{sent / MiB:,.1f} MiB (then it stopped reading)",
        "peak RSS growth": f"{(summary['rss_peak_kb'] - summary['rss_start_kb']) / 1024:.1f} MiB",
    }


_MANY_SERVER = r"""
import asyncio, ctypes, ctypes.util, json, sys
sys.path.insert(0, sys.argv[1])
import wsexplorer as wsx
from tests.live.bounded_peer import memory

async def main():
    start = memory()[0]
    finished = [0]
    loop = asyncio.get_running_loop()
    async with wsx.serve_echo(on_session=lambda s: finished.__setitem__(0, finished[0] + 1)) as srv:
        print(json.dumps({"port": srv.port}), flush=True)
        while True:  # one request per line: "report" (memory now and peak) or "trim", then report
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line:
                return
            if line == "trim":  # what glibc keeps of memory already freed: its heap handed back
                libc = ctypes.util.find_library("c")
                if libc:
                    ctypes.CDLL(libc).malloc_trim(0)
            rss, peak = memory()
            print(json.dumps({"start": start, "rss": rss, "peak": peak, "kept": len(srv.sessions),
                              "finished": finished[0]}), flush=True)

asyncio.run(main())
"""

_MANY_CLIENTS = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import wsexplorer as wsx

async def main(port, connections, messages, resets, deflate):
    extensions = {} if deflate else {"extensions": None}  # {}: connect()'s default offer
    url = f"ws://127.0.0.1:{port}/"
    left = [connections]
    async def worker():  # 200 clients at a time, each opening connection after connection
        while left[0]:
            left[0] -= 1
            async with wsx.connect(url, record="meta", **extensions) as ws:
                for _ in range(messages):
                    await ws.send("m" * 64)
                    await ws.recv()
    await asyncio.gather(*(worker() for _ in range(200)))
    if resets:
        for _ in range(resets):
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.transport.abort()
        await asyncio.sleep(1)

asyncio.run(main(*map(int, sys.argv[2:7])))
"""


def _many(connections: int, resets: int, deflate: int) -> dict[str, Any]:
    """One server process; the clients in another; the server's memory after each phase."""
    server = subprocess.Popen(
        [sys.executable, "-c", _MANY_SERVER, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None

    def ask(what: str) -> dict[str, Any]:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(what + "\n")
        server.stdin.flush()
        answer: dict[str, Any] = json.loads(server.stdout.readline())
        return answer

    def clients(count: int, resets: int) -> None:
        args = [str(port), str(count), "100", str(resets), str(deflate)]
        subprocess.run([sys.executable, "-c", _MANY_CLIENTS, str(ROOT), *args], check=True, timeout=3600)

    try:
        port = json.loads(server.stdout.readline())["port"]
        clients(connections, 0)
        after = ask("report")
        clients(0, resets)
        end = ask("report")
        trimmed = ask("trim")
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    return {"after": after, "end": end, "trimmed": trimmed}


def case_many_connections(scale: int) -> dict[str, Any]:
    """As users run it (connect() offers permessage-deflate, serve() accepts it), then without it. The
    server runs in its own process, the clients in another; the figures are the server's. Each deflate
    connection holds its zlib state while open (about 230 KiB at RFC 7692's 15-bit windows and
    memLevel 7), and 200 connections are open at once."""
    connections, resets = 10_000 // scale, 12_000 // scale
    facts: dict[str, Any] = {
        "offered": f"{connections:,} connections × 100 messages, 200 at a time, then {resets:,} TCP "
        "connect/resets; server and clients in separate processes, server figures",
    }
    for deflate in (1, 0):
        r = _many(connections, resets, deflate)
        how = "with permessage-deflate (the default)" if deflate else "without permessage-deflate"
        start = r["after"]["start"]
        facts[f"sessions kept, {how}"] = f"{r['end']['kept']:,} (of {r['end']['finished']:,} finished)"
        facts[f"peak RSS growth, {how}"] = f"{(r['end']['peak'] - start) / 1024:.1f} MiB"
        facts[f"RSS growth after the connections, {how}"] = f"{(r['after']['rss'] - start) / 1024:.1f} MiB"
        facts[f"RSS growth at the end, {how}"] = f"{(r['end']['rss'] - start) / 1024:.1f} MiB"
        facts[f"at the end after malloc_trim(0), {how}"] = f"{(r['trimmed']['rss'] - start) / 1024:.1f} MiB"
    return facts


def case_long_connection(scale: int) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        import wsexplorer as wsx

        total = 256 * MiB // scale
        async with (
            wsx.serve_echo(record="meta") as srv,
            wsx.connect(srv.url, record="control", extensions=None) as ws,
        ):
            payload = os.urandom(64 * 1024)
            for _ in range(total // len(payload)):
                await ws.send(payload)
                await ws.recv()
            await ws.ping()
        return {
            "echoed": f"{total / MiB:,.0f} MiB each way",
            "session holds": f"{ws.session.byte_count() / 1024:,.1f} KiB ({ws.session.frame_count()} frames)",
            "not recorded": f"{sum(ws.session.meta['unrecorded_bytes'].values()) / MiB:,.0f} MiB",
        }

    return asyncio.run(run())


CASES = [
    ("1. failed connection, then 1 GiB more", case_failed_then_stream),
    ("2. endless header block", case_endless_header),
    ("3. 10 million pings, no pong read", case_pings),
    ("4. 1 GiB of messages nobody reads", case_unread),
    ("5. 10,000 connections, 12,000 resets", case_many_connections),
    ("6. 256 MiB echoed, control frames recorded", case_long_connection),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1/16 of the volumes; writes nothing")
    args = parser.parse_args(argv)
    scale = 16 if args.quick else 1
    rows = []
    for name, case in CASES:
        progress(f"{name}…")
        started = time.perf_counter()
        facts = case(scale)
        facts["time"] = f"{time.perf_counter() - started:.1f} s"
        rows.append((name, facts))
        progress(f"{name}: {facts}")
    load = os.getloadavg()
    lines = [
        START_MARK,
        "## Stress: hostile peers at full volume (memory in a separate process)",
        "",
        "Command (from the repository root): `make stress` (`.venv/bin/python benchmarks/stress.py`)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.python_implementation()} "
        f"{platform.python_version()}; nproc={os.cpu_count()}, load average {load[0]:.2f} at the end",
        "- Bound: each fault case stays under +64 MiB of peak resident memory (VmHWM) in the wsexplorer "
        "process.",
        "",
        "| case | figures |",
        "|---|---|",
        *[f"| {name} | " + "; ".join(f"{k}: {v}" for k, v in facts.items()) + " |" for name, facts in rows],
        END_MARK,
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        write_section(text, START_MARK, END_MARK)
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    sys.exit(main())
