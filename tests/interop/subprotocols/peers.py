"""What the subprotocol peer tests share: the Node peers, a recording relay, and decoding a recorded session.

Each test runs a real client and a real server of the subprotocol (Node or Python libraries) with
wsexplorer in the middle: :class:`Relay` is a wsexplorer server that opens a wsexplorer client
connection to the real server for each connection it accepts (same path and query, the subprotocol the
client asked for) and forwards every message both ways, so its recorded sessions hold real traffic from
both real peers. :func:`decode` replays a session's messages in the order the relay saw them and feeds
them to the decoder the handshake negotiated (or the one chosen), as a notebook would.

The npm packages live in tests/interop/subprotocols/node (``bash scripts/setup-subprotocol-peers.sh``).
When node or a package is missing the tests are skipped, or fail when CI=true.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from wsexplorer.codec.subprotocols import DecodedMessage, conversation
from wsexplorer.errors import ConnectionClosed
from wsexplorer.live import Server, ServerConnection, connect, serve
from wsexplorer.record.session import C2S, S2C, Session, sender_of

NODE_DIR = Path(__file__).parent / "node"
SETUP = "bash scripts/setup-subprotocol-peers.sh"
NODE = shutil.which("node")
TIMEOUT = 20.0
RELAYED = ("graphql-transport-ws", "graphql-ws", "mqtt", "v12.stomp", "v11.stomp", "v10.stomp")


def require(*, npm: Sequence[str] = (), python: Sequence[str] = ()) -> None:
    """Skip (or fail under CI=true) unless node, the npm packages and the Python modules are there."""
    problems = []
    if npm and NODE is None:
        problems.append("node is not on PATH")
    problems += [f"npm package {p} is missing" for p in npm if not (NODE_DIR / "node_modules" / p).is_dir()]
    for module in python:
        try:
            __import__(module)
        except ImportError:
            problems.append(f"Python module {module} is missing")
    if problems:
        message = "; ".join(problems) + f": run `{SETUP}`"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class NodePeer:
    """A node program of tests/interop/subprotocols/node: JSON lines on stdout, killed by ``stop``."""

    def __init__(self, proc: asyncio.subprocess.Process, script: str) -> None:
        self.proc = proc
        self.script = script
        self.events: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, script: str, *args: str) -> NodePeer:
        assert NODE is not None
        proc = await asyncio.create_subprocess_exec(
            NODE,
            script,
            *args,
            cwd=NODE_DIR,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc, script)

    async def line(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            err = b""
            if self.proc.stderr is not None:
                err = await asyncio.wait_for(self.proc.stderr.read(8192), 2)
            raise AssertionError(f"node {self.script} ended: {err.decode(errors='replace')}")
        event: dict[str, Any] = json.loads(raw)
        self.events.append(event)
        if event.get("event") == "error":
            raise AssertionError(f"node {self.script}: {event.get('message')}")
        return event

    async def until(self, name: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Every event up to and including the first called ``name``."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        seen = []
        while True:
            event = await self.line(max(end - loop.time(), 0.1))
            seen.append(event)
            if event.get("event") == name:
                return seen

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


@contextlib.asynccontextmanager
async def node_peer(script: str, *args: str) -> AsyncIterator[NodePeer]:
    peer = await NodePeer.start(script, *args)
    try:
        yield peer
    finally:
        await peer.stop()


class Relay:
    """A wsexplorer server forwarding every connection to ``upstream`` (``ws://host:port``)."""

    def __init__(self, upstream: str, subprotocols: Sequence[str] = RELAYED) -> None:
        self.upstream = upstream.rstrip("/")
        self.subprotocols = tuple(subprotocols)
        self.server: Server | None = None
        self.upstream_sessions: list[Session] = []

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url.rstrip("/")

    @property
    def sessions(self) -> list[Session]:
        """The recorded client ↔ relay connections, in the order they were accepted."""
        assert self.server is not None
        return list(self.server.sessions)

    async def __aenter__(self) -> Relay:
        self.server = await serve(self._relay, subprotocols=self.subprotocols, extensions=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        await self.server.close()

    async def _relay(self, ws: ServerConnection) -> None:
        chosen = [ws.subprotocol] if ws.subprotocol else []
        async with connect(self.upstream + (ws.path or "/"), subprotocols=chosen, extensions=None) as up:
            self.upstream_sessions.append(up.session)

            async def down() -> None:
                with contextlib.suppress(ConnectionClosed):
                    async for message in ws:
                        await up.send(message)
                with contextlib.suppress(ConnectionClosed):
                    await up.close(_code(ws.close_code), ws.close_reason)

            async def back() -> None:
                with contextlib.suppress(ConnectionClosed):
                    async for message in up:
                        await ws.send(message)
                with contextlib.suppress(ConnectionClosed):
                    await ws.close(_code(up.close_code), up.close_reason)

            await asyncio.gather(down(), back())


def _code(code: int | None) -> int:
    return 1000 if code is None or code in (1005, 1006, 1015) else code


def messages(session: Session) -> list[tuple[str, str | bytes]]:
    """Every data message of ``session`` as (sender, message), in the order the recorder saw them."""
    found: list[tuple[int, int, str, str | bytes]] = []
    for direction in (C2S, S2C):
        replay = session.replay(direction)
        replay.advance()
        for info in replay.messages:
            message = replay.message(info.number)
            t = session.frame(direction, info.last).t_ns
            found.append((t, direction, sender_of(direction), message.data))
    found.sort(key=lambda m: (m[0], m[1]))
    return [(sender, data) for _, _, sender, data in found]


def decode(session: Session, *, choice: str | None = None) -> list[DecodedMessage]:
    """The session's messages decoded by the negotiated subprotocol's decoder (or ``choice``)."""
    negotiated = session.response.subprotocol if session.response is not None else None
    conv = conversation(negotiated, choice=choice)
    assert conv is not None, f"no decoder for {negotiated!r} / {choice!r}"
    out: list[DecodedMessage] = []
    for sender, data in messages(session):
        out += conv.receive(data, sender)  # type: ignore[arg-type]
    return out + conv.finish()


def violations(decoded: Sequence[DecodedMessage]) -> list[str]:
    """Every violation as "kind: rule (section)", for an assertion message."""
    return [f"{m.kind}: {v.rule} ({v.section})" for m in decoded for v in m.violations]


def kinds(decoded: Sequence[DecodedMessage], sender: str | None = None) -> list[str]:
    return [m.kind for m in decoded if sender is None or m.sender == sender]
