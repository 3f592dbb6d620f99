"""A wsexplorer peer in its own process, for tests that measure memory under a hostile other end.

    python tests/live/bounded_peer.py server echo|sink [--record LEVEL]
        serves on 127.0.0.1; prints {"url": ...}; after its first connection ends (or when a line
        arrives on stdin: a connection whose peer stopped may never end while we do not read), prints
        {"rss_start_kb", "rss_peak_kb", "bytes", "meta"} about it and exits
    python tests/live/bounded_peer.py client URL refused|no-read
        connects; prints the same summary when the connection ends (or the handshake fails)

Every line on stdout is one JSON object. Peak memory is the kernel's high-water mark of the resident
set (VmHWM), so nothing can hide a transient spike between samples.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import wsexplorer as wsx
from wsexplorer.errors import WSExplorerError
from wsexplorer.live.server import echo


def memory() -> tuple[int, int]:
    """(resident now, peak resident) of this process in KiB."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.split()[0] if value.split() else "0"
    return int(fields["VmRSS"]), int(fields["VmHWM"])


def say(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, default=str), flush=True)


async def serve(handler_name: str, record: str) -> None:
    done: asyncio.Future[wsx.Session] = asyncio.get_running_loop().create_future()

    async def sink(ws: Any) -> None:
        await ws.wait_closed()  # never reads: messages pile up in the queue (until it pauses)

    handler = echo if handler_name == "echo" else sink
    start = memory()[0]
    server = await wsx.serve(
        handler, on_session=lambda s: done.done() or done.set_result(s), record=record, close_timeout=3
    )
    say({"url": server.url})
    loop = asyncio.get_running_loop()
    asked = loop.run_in_executor(None, sys.stdin.readline)
    await asyncio.wait([done, asked], return_when=asyncio.FIRST_COMPLETED)
    session = done.result() if done.done() else server.sessions[0]
    _, peak = memory()
    say({"rss_start_kb": start, "rss_peak_kb": peak, "bytes": session.byte_count(), "meta": session.meta})
    os._exit(0)  # the stdin reader thread would keep a normal exit waiting


async def client(url: str, mode: str) -> None:
    start = memory()[0]
    error = None
    session = wsx.Session("client", meta={"url": url})
    try:
        ws = await wsx.connect(url, session=session, open_timeout=5, close_timeout=3)
        if mode == "no-read":
            await ws.wait_closed()  # never reads: the queue fills, then reading pauses
    except WSExplorerError as exc:
        error = f"{type(exc).__name__}: {exc}"
    await asyncio.sleep(0.5)  # let a refused connection's grace read run its course
    _, peak = memory()
    say(
        {
            "rss_start_kb": start,
            "rss_peak_kb": peak,
            "bytes": session.byte_count(),
            "meta": session.meta,
            "error": error,
        }
    )


def main(argv: list[str]) -> None:
    if argv[0] == "server":
        record = argv[argv.index("--record") + 1] if "--record" in argv else "all"
        asyncio.run(serve(argv[1], record))
    else:
        asyncio.run(client(argv[1], argv[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
