"""Interop with Node's `ws` (8.x), both directions, with and without permessage-deflate.

* node `ws` client (tests/interop/node/scripted-client.js) → our server (:func:`wsexplorer.live.serve`);
* our client (:func:`wsexplorer.live.connect`) → node `ws` server (tests/interop/node/echo-server.js, the
  reference's Node example adapted: 127.0.0.1, port 0, no "Echo: " prefix, "!" commands).

The node peers print one JSON line per event, so each test checks what both sides saw: messages (by
SHA-256), pings and pongs, negotiated extensions, and the close codes 1000-1011 (protocol errors made
real with hand-made frames), 1005 and 1006; and that our recorded session has every frame.

Needs `node` and tests/interop/node/node_modules: ``bash scripts/setup-node.sh``. Without them the tests
are skipped, or fail when CI=true.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import ConnectionClosed, ConnectionClosedError, ConnectionClosedOK
from wsexplorer.live import ServerConnection, connect, serve
from wsexplorer.record.session import C2S, S2C, Session

NODE_DIR = Path(__file__).parent / "node"
SETUP = "bash scripts/setup-node.sh"
NODE = shutil.which("node")

MIB = 1 << 20
BIG_LIMIT = MIB + 1024  # our max_message_size where a 1 MiB message must pass
SMALL_LIMIT = 1024  # a limit that a 4096-byte message exceeds (1009)
TIMEOUT = 10.0
APP_CODES = [1000, 1001, 1003, 1008, 1011]
DATA_OPCODES = (Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION)
C2S_NAME, S2C_NAME = "client→server", "server→client"

# Protocol errors made real: (opcode, payload) of our hand-made frame, ws's error code, close code.
# Frames our client sends are masked (§5.3), our server's are not.
BAD_FRAMES = {
    "reserved-opcode": (0x3, b"", "WS_ERR_INVALID_OPCODE", 1002),
    "invalid-utf8": (0x1, b"\xff", "WS_ERR_INVALID_UTF8", 1007),
}


def _missing() -> str | None:
    if NODE is None:
        return "node is not on PATH"
    if not (NODE_DIR / "node_modules" / "ws" / "package.json").is_file():
        return "tests/interop/node/node_modules/ws is missing"
    return None


@pytest.fixture(autouse=True)
def _require_node() -> None:
    problem = _missing()
    if problem is not None:
        message = f"{problem}: run `{SETUP}` (needs Node.js >= 18 and npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(params=[True, False], ids=["deflate", "plain"])
def deflate(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def sha256(message: str | bytes) -> str:
    return hashlib.sha256(message.encode() if isinstance(message, str) else message).hexdigest()


# -- node processes -----------------------------------------------------------------------------------------


class NodeProcess:
    """A node peer: its JSON-lines events on stdout, read as they come; killed and reaped by ``stop``."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.proc = proc
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.stderr = ""
        self.url = ""
        self._cursor = 0

    async def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            return None
        event: dict[str, Any] = json.loads(line)
        self.events.append(event)
        return event

    async def expect(self, name: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next event called ``name`` (events before it are skipped, but kept in ``events``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while self._cursor < len(self.events):
                event = self.events[self._cursor]
                self._cursor += 1
                if event.get("event") == name:
                    return event
            try:
                event = await self._read(max(deadline - loop.time(), 0.0))
            except asyncio.TimeoutError:
                event = None
            if event is None:
                await self.stop()
                raise AssertionError(f"{self.name}: no {name!r} event; saw {self.events}\n{self.stderr}")

    async def finish(self, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Wait for the process to exit by itself; every event it printed."""
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(), timeout)
        except asyncio.TimeoutError:
            await self.stop()
            raise AssertionError(f"{self.name} did not exit; saw {self.events}\n{self.stderr}") from None
        self.stderr = err.decode(errors="replace")
        self.events += [json.loads(line) for line in out.splitlines() if line.strip()]
        assert self.proc.returncode == 0, f"{self.name} exited {self.proc.returncode}: {self.stderr}"
        return self.events

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == name]

    async def stop(self) -> None:
        """Kill the process if it runs, and reap it (pipes drained and closed: no ResourceWarning)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it may have exited just now
                self.proc.kill()
        out, err = await self.proc.communicate()
        self.stderr += err.decode(errors="replace")
        for line in out.decode(errors="replace").splitlines():  # kept for the failure messages
            try:
                self.events.append(json.loads(line))
            except ValueError:
                self.events.append({"event": "unparsed", "line": line})


class NodePeers:
    """Starts node peers for one test; the fixture stops them all."""

    def __init__(self) -> None:
        self.started: list[NodeProcess] = []

    async def _start(self, script: str, *args: str) -> NodeProcess:
        assert NODE is not None
        proc = await asyncio.create_subprocess_exec(
            NODE,
            script,
            *args,
            cwd=NODE_DIR,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        node = NodeProcess(proc, f"node {script}")
        self.started.append(node)
        return node

    async def server(self, *, deflate: bool, max_payload: int | None = None) -> NodeProcess:
        """echo-server.js, listening: its ``url`` is set from the port it printed first."""
        args = [] if deflate else ["--no-deflate"]
        if max_payload is not None:
            args += ["--max-payload", str(max_payload)]
        node = await self._start("echo-server.js", *args)
        try:
            first = await node._read(TIMEOUT)
        except asyncio.TimeoutError:
            first = None
        if first is None or "port" not in first:
            await node.stop()
            raise AssertionError(f"the node server printed no port: {first}\n{node.stderr}")
        node.url = f"ws://127.0.0.1:{first['port']}/"
        return node

    async def client(
        self, url: str, steps: list[dict[str, Any]], *, deflate: bool, max_payload: int | None = None
    ) -> NodeProcess:
        """scripted-client.js connecting to ``url`` and running ``steps``."""
        script = {"deflate": deflate, "maxPayload": max_payload, "steps": steps}
        return await self._start("scripted-client.js", url, json.dumps(script))

    async def aclose(self) -> None:
        for node in self.started:
            await node.stop()


@pytest.fixture
async def peers() -> AsyncIterator[NodePeers]:
    nodes = NodePeers()
    try:
        yield nodes
    finally:
        await nodes.aclose()


# -- our side ------------------------------------------------------------------------------------------------

ServerAction = Callable[[ServerConnection], Awaitable[None]]


class Recorder:
    """A handler for our server: keeps each connection, runs ``action`` first, then echoes."""

    def __init__(self, action: ServerAction | None = None) -> None:
        self.connections: list[ServerConnection] = []
        self.messages: list[str | bytes] = []
        self.action = action
        self.connected = asyncio.Event()

    async def __call__(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        self.connected.set()
        if self.action is not None:
            await self.action(ws)
        async for message in ws:
            self.messages.append(message)
            await ws.send(message)

    async def closed(self) -> ServerConnection:
        """The one connection, once its TCP connection is closed."""
        (ws,) = self.connections
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        return ws


def our_server(handler: Recorder, **kwargs: Any) -> serve:
    kwargs.setdefault("close_timeout", 3.0)
    return serve(handler, "127.0.0.1", 0, **kwargs)


# -- session checks ------------------------------------------------------------------------------------------


def check_rsv1(session: Session, deflate: bool) -> None:
    """Compressed messages have RSV1 on their first frame only (RFC 7692 §6); nothing else has it."""
    for rec in session.frames():
        frame = rec.frame
        first_of_message = frame.opcode in (Opcode.TEXT, Opcode.BINARY)
        assert frame.rsv1 == (deflate and first_of_message), (rec.direction_name, rec.index, frame)


def data_frames(session: Session, direction: int) -> list[tuple[str, bool]]:
    return [
        (Opcode(r.frame.opcode).name, r.frame.fin)
        for r in session.frames(direction)  # type: ignore[arg-type]
        if r.frame.opcode in DATA_OPCODES
    ]


def check_negotiated(ws: Any, deflate: bool) -> None:
    assert bool(ws.extensions) is deflate
    exts = ws.session.meta["extensions"]
    if deflate:
        assert len(exts) == 1 and exts[0].startswith("permessage-deflate")
    else:
        assert exts == []


def close_codes(session: Session) -> tuple[int | None, int | None]:
    codes = session.summary().close_codes
    return codes[C2S_NAME], codes[S2C_NAME]


# == node client → our server ================================================================================


async def test_node_client_our_server_messages(peers: NodePeers, deflate: bool) -> None:
    rtts: list[float] = []

    async def ping_first(ws: ServerConnection) -> None:
        rtts.append(await ws.ping(b"from-wsexplorer"))

    handler = Recorder(ping_first)
    text = "Hello Server! ✓ ünïcode"
    binary = bytes(range(256))
    text_parts = ["frag", "mented ", "wörld ✓"]
    binary_parts = [b"\x00\x01", b"\xfe\xff" * 100]
    steps = [
        {"op": "send", "kind": "text", "data": text},
        {"op": "send", "kind": "binary", "hex": binary.hex()},
        {"op": "fragments", "kind": "text", "parts": text_parts},
        {"op": "fragments", "kind": "binary", "hex": [p.hex() for p in binary_parts]},
        {"op": "send", "kind": "binary", "size": MIB},
        {"op": "wait", "messages": 5},
        {"op": "ping", "data": "from-node"},
        {"op": "close", "code": 1000, "reason": "done"},
    ]
    async with our_server(handler, max_message_size=BIG_LIMIT) as server:
        node = await peers.client(server.url, steps, deflate=deflate)
        events = await node.finish()
        ws = await handler.closed()

    # What node saw.
    (opened,) = node.named("open")
    assert opened["extensions"] == ("permessage-deflate" if deflate else "")
    sent, echoed = node.named("sent"), node.named("message")
    assert [(e["kind"], e["length"], e["sha256"]) for e in echoed] == [
        (e["kind"], e["length"], e["sha256"]) for e in sent
    ]
    assert [e["frames"] for e in sent] == [1, 1, 3, 2, 1]
    assert echoed[0]["text"] == text
    assert [e["data"] for e in node.named("ping")] == ["from-wsexplorer"]
    (pong,) = node.named("pong")
    assert pong["data"] == "from-node"
    # ws's close event shows our answer: the same code, no reason.
    assert node.named("close") == [{"event": "close", "code": 1000, "reason": ""}]
    assert node.named("error") == []
    assert events[-1] == {"event": "done"}

    # What our server saw.
    check_negotiated(ws, deflate)
    assert handler.messages[:4] == [text, binary, "".join(text_parts), b"".join(binary_parts)]
    assert [sha256(m) for m in handler.messages] == [e["sha256"] for e in sent]
    assert len(rtts) == 1 and 0 < rtts[0] < TIMEOUT
    assert (ws.close_code, ws.close_reason) == (1000, "done")

    # Every frame is in the recording.
    session = ws.session
    summary = session.summary()
    assert summary.frames_by_opcode[C2S_NAME] == {
        "text": 2,
        "binary": 3,
        "continuation": 3,
        "ping": 1,
        "pong": 1,
        "close": 1,
    }
    assert summary.frames_by_opcode[S2C_NAME] == {"text": 2, "binary": 3, "ping": 1, "pong": 1, "close": 1}
    assert (session.frame_count(C2S), session.frame_count(S2C)) == (11, 8)
    assert data_frames(session, C2S) == [
        ("TEXT", True),
        ("BINARY", True),
        ("TEXT", False),
        ("CONTINUATION", False),
        ("CONTINUATION", True),
        ("BINARY", False),
        ("CONTINUATION", True),
        ("BINARY", True),
    ]
    assert summary.messages == {C2S_NAME: 5, S2C_NAME: 5}
    assert len(summary.ping_rtts_ns) == 2
    assert close_codes(session) == (1000, 1000) and summary.closed_first_by == "client"
    check_rsv1(session, deflate)


NODE_CLOSES = [*APP_CODES, "no-code", "terminate"]


@pytest.mark.parametrize("how", NODE_CLOSES)
async def test_node_client_closes(peers: NodePeers, deflate: bool, how: int | str) -> None:
    handler = Recorder()
    if how == "terminate":
        last: dict[str, Any] = {"op": "terminate"}
    elif how == "no-code":
        last = {"op": "close"}
    else:
        last = {"op": "close", "code": how, "reason": f"node says {how}"}
    steps = [{"op": "send", "kind": "text", "data": "before closing"}, {"op": "wait", "messages": 1}, last]
    async with our_server(handler) as server:
        node = await peers.client(server.url, steps, deflate=deflate)
        await node.finish()
        ws = await handler.closed()

    check_negotiated(ws, deflate)
    assert handler.messages == ["before closing"]
    (closed,) = node.named("close")
    if how == "terminate":
        assert ws.close_code == 1006 and closed["code"] == 1006
        assert close_codes(ws.session) == (None, None)
    elif how == "no-code":
        assert (ws.close_code, ws.close_reason) == (1005, "")
        assert closed["code"] == 1005  # we answered without a code too
        assert close_codes(ws.session) == (1005, 1005)
    else:
        assert (ws.close_code, ws.close_reason) == (how, f"node says {how}")
        assert closed["code"] == how  # our answer echoes the code (§5.5.1)
        assert close_codes(ws.session) == (how, how)
        assert ws.session.summary().closed_first_by == "client"
    assert (ws.session.frame_count(C2S), ws.session.frame_count(S2C)) == (
        (1, 1) if how == "terminate" else (2, 2)
    )


async def test_node_client_killed(peers: NodePeers, deflate: bool) -> None:
    handler = Recorder()
    steps = [{"op": "wait", "messages": 1}]  # never comes: the process is killed meanwhile
    async with our_server(handler) as server:
        node = await peers.client(server.url, steps, deflate=deflate)
        await asyncio.wait_for(handler.connected.wait(), TIMEOUT)
        await node.expect("open")
        node.proc.kill()
        ws = await handler.closed()
        await node.stop()
    assert ws.close_code == 1006
    assert close_codes(ws.session) == (None, None)


@pytest.mark.parametrize("code", [*APP_CODES, None], ids=[*map(str, APP_CODES), "no-code"])
async def test_our_server_closes(peers: NodePeers, deflate: bool, code: int | None) -> None:
    reason = "" if code is None else f"wsexplorer closes with {code}"

    async def close(ws: ServerConnection) -> None:
        await ws.close(code, reason)  # type: ignore[arg-type]

    handler = Recorder(close)
    async with our_server(handler) as server:
        node = await peers.client(server.url, [], deflate=deflate)
        await node.finish()
        ws = await handler.closed()

    expected = 1005 if code is None else code
    assert node.named("close") == [{"event": "close", "code": expected, "reason": reason}]
    assert (ws.close_code, ws.close_reason) == (expected, reason)  # ws echoes code and reason
    assert close_codes(ws.session) == (expected, expected)
    assert ws.session.summary().closed_first_by == "server"


@pytest.mark.parametrize("case", [*BAD_FRAMES, "too-big"])
async def test_node_client_fails(peers: NodePeers, deflate: bool, case: str) -> None:
    """Our server breaks a rule for real; ws fails the connection with the matching code."""
    if case == "too-big":
        error, code = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009

        async def misbehave(ws: ServerConnection) -> None:
            await ws.send(os.urandom(4 * SMALL_LIMIT))  # random: deflate cannot shrink it under the limit

    else:
        opcode, payload, error, code = BAD_FRAMES[case]

        async def misbehave(ws: ServerConnection) -> None:
            await ws.send_frame(Frame.build(opcode, payload))

    handler = Recorder(misbehave)
    async with our_server(handler) as server:
        node = await peers.client(server.url, [], deflate=deflate, max_payload=SMALL_LIMIT)
        await node.finish()
        ws = await handler.closed()

    (failed,) = node.named("error")
    assert failed["code"] == error
    # ws sends its close frame and stops reading, so it never sees our answer: its close event says 1006.
    assert [e["code"] for e in node.named("close")] == [1006]
    assert ws.close_code == code
    assert close_codes(ws.session) == (code, code)  # we answered with the same code
    assert ws.session.summary().closed_first_by == "client"
    assert ws.session.frame_count(S2C) == 2  # the bad frame (or message) and our close


NODE_BAD_BYTES = {  # masked with the key 00000000, as a client must (§5.3)
    "reserved-opcode": ("8380" + "00000000", 1002),
    "invalid-utf8": ("8181" + "00000000" + "ff", 1007),
}


@pytest.mark.parametrize("case", [*NODE_BAD_BYTES, "too-big"])
async def test_our_server_fails(peers: NodePeers, deflate: bool, case: str) -> None:
    """ws sends what breaks a rule (raw bytes, or a message over our limit): our server fails."""
    if case == "too-big":
        step: dict[str, Any] = {"op": "send", "kind": "binary", "size": 4 * SMALL_LIMIT}
        code = 1009
    else:
        raw, code = NODE_BAD_BYTES[case]
        step = {"op": "raw", "hex": raw}
    handler = Recorder()
    async with our_server(handler, max_message_size=SMALL_LIMIT) as server:
        node = await peers.client(server.url, [step], deflate=deflate)
        await node.finish()
        ws = await handler.closed()

    assert ws.failure is not None and ws.failure.close_code == code
    (closed,) = node.named("close")
    assert closed["code"] == code and closed["reason"]  # our close frame names the broken rule
    # Having failed, we process nothing more (§7.1.7), so locally no close code came from the peer
    # (1006); but we only half-close, so the recording still has ws's answer, echoing our code.
    assert ws.close_code == 1006
    assert close_codes(ws.session) == (code, code)
    assert ws.session.summary().closed_first_by == "server"
    assert handler.messages == []


# == our client → node server ================================================================================


async def test_our_client_node_server_messages(peers: NodePeers, deflate: bool) -> None:
    node = await peers.server(deflate=deflate)
    async with connect(node.url, max_message_size=BIG_LIMIT, close_timeout=3.0) as ws:
        session = ws.session
        connection = await node.expect("connection")
        assert connection["offered"].startswith("permessage-deflate")  # we offer it by default
        assert connection["extensions"] == ("permessage-deflate" if deflate else "")
        check_negotiated(ws, deflate)

        messages: list[tuple[str | bytes, int | None]] = [
            ("Hello Server! ✓", None),
            (os.urandom(300), None),
            (secrets.token_urlsafe(600) + " ✓", 64),  # random text: still several frames compressed
            (os.urandom(2000), 256),
            (os.urandom(MIB), None),
        ]
        fragment_counts = []
        for message, fragment_size in messages:
            before = session.frame_count(C2S)
            await ws.send(message, fragment_size=fragment_size)
            frames = [rec.frame for rec in session.frames(C2S, before)]
            if fragment_size is None:
                assert len(frames) == 1 and frames[0].fin
            else:
                wire_payload = sum(f.payload_length for f in frames)
                assert len(frames) == math.ceil(wire_payload / fragment_size) >= 2
                assert all(f.payload_length == fragment_size for f in frames[:-1])
                assert [f.fin for f in frames] == [False] * (len(frames) - 1) + [True]
                assert all(f.opcode == Opcode.CONTINUATION for f in frames[1:])
            fragment_counts.append(len(frames))
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == message
            seen = await node.expect("message")
            kind = "text" if isinstance(message, str) else "binary"
            assert (seen["kind"], seen["sha256"]) == (kind, sha256(message))

        rtt = await ws.ping(b"py-ping", timeout=TIMEOUT)
        assert 0 < rtt < TIMEOUT
        assert (await node.expect("ping"))["data"] == "py-ping"
        await ws.send("!ping node-ping")  # node pings us; we answer by ourselves
        assert (await node.expect("pong"))["data"] == "node-ping"

        await ws.close(1000, "bye")
        assert (ws.close_code, ws.close_reason) == (1000, "bye")
        closed = await node.expect("close")
        assert (closed["code"], closed["reason"]) == (1000, "bye")
    assert node.named("error") == []

    summary = session.summary()
    c2s_data = sum(fragment_counts) + 1  # + the "!ping" command
    assert session.frame_count(C2S) == c2s_data + 3  # + ping, pong, close
    assert summary.frames_by_opcode[C2S_NAME] == {
        "text": 3,
        "binary": 3,
        "continuation": sum(fragment_counts) - len(fragment_counts),
        "ping": 1,
        "pong": 1,
        "close": 1,
    }
    assert summary.frames_by_opcode[S2C_NAME] == {"text": 2, "binary": 3, "ping": 1, "pong": 1, "close": 1}
    assert session.frame_count(S2C) == 8
    assert [op for op, _ in data_frames(session, S2C)] == ["TEXT", "BINARY", "TEXT", "BINARY", "BINARY"]
    assert all(fin for _, fin in data_frames(session, S2C))  # ws echoes each message in one frame
    assert summary.messages == {C2S_NAME: 6, S2C_NAME: 5}
    assert len(summary.ping_rtts_ns) == 2
    assert close_codes(session) == (1000, 1000) and summary.closed_first_by == "client"
    check_rsv1(session, deflate)


@pytest.mark.parametrize("code", [*APP_CODES, None], ids=[*map(str, APP_CODES), "no-code"])
async def test_our_client_closes(peers: NodePeers, deflate: bool, code: int | None) -> None:
    node = await peers.server(deflate=deflate)
    reason = "" if code is None else f"wsexplorer closes with {code}"
    async with connect(node.url, close_timeout=3.0) as ws:
        await node.expect("connection")
        await ws.close(code, reason)  # type: ignore[arg-type]
        expected = 1005 if code is None else code
        closed = await node.expect("close")
        assert (closed["code"], closed["reason"]) == (expected, reason)
        assert (ws.close_code, ws.close_reason) == (expected, reason)  # ws echoes code and reason
    assert close_codes(ws.session) == (expected, expected)
    assert ws.session.summary().closed_first_by == "client"


@pytest.mark.parametrize("how", NODE_CLOSES)
async def test_node_server_closes(peers: NodePeers, deflate: bool, how: int | str) -> None:
    node = await peers.server(deflate=deflate)
    command = {"terminate": "!terminate", "no-code": "!close"}.get(str(how), f"!close {how}")
    async with connect(node.url, close_timeout=3.0) as ws:
        await ws.send(command)
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    expected = {"terminate": 1006, "no-code": 1005}.get(str(how), how)
    reason = f"node closes with {how}" if isinstance(how, int) else ""
    assert (info.value.code, info.value.reason) == (expected, reason)
    normal = expected in (1000, 1001, 1005)
    assert isinstance(info.value, ConnectionClosedOK if normal else ConnectionClosedError)
    assert (ws.close_code, ws.close_reason) == (expected, reason)
    closed = await node.expect("close")
    assert closed["code"] == expected  # our answer carries the same code (1006: none was sent)
    if how == "terminate":
        assert close_codes(ws.session) == (None, None)
    else:
        assert close_codes(ws.session) == (expected, expected)
        assert ws.session.summary().closed_first_by == "server"


async def test_node_server_killed(peers: NodePeers, deflate: bool) -> None:
    node = await peers.server(deflate=deflate)
    async with connect(node.url, close_timeout=3.0) as ws:
        await node.expect("connection")
        node.proc.kill()
        with pytest.raises(ConnectionClosedError) as info:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert info.value.code == 1006 and ws.close_code == 1006
    assert close_codes(ws.session) == (None, None)
    await node.stop()


@pytest.mark.parametrize("case", [*BAD_FRAMES, "too-big"])
async def test_node_server_fails(peers: NodePeers, deflate: bool, case: str) -> None:
    """Our client breaks a rule for real (hand-made frames, or a message over ws's maxPayload)."""
    node = await peers.server(deflate=deflate, max_payload=SMALL_LIMIT)
    async with connect(node.url, close_timeout=3.0) as ws:
        await node.expect("connection")
        if case == "too-big":
            error, code = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009
            await ws.send(os.urandom(4 * SMALL_LIMIT))
        else:
            opcode, payload, error, code = BAD_FRAMES[case]
            await ws.send_frame(Frame.build(opcode, payload, mask=True))
        with pytest.raises(ConnectionClosedError) as info:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    assert info.value.code == code and ws.close_code == code
    assert (await node.expect("error"))["code"] == error
    # ws sends its close frame and stops reading, so it never sees our answer: its close event says 1006.
    assert (await node.expect("close"))["code"] == 1006
    assert close_codes(ws.session) == (code, code)  # we answered with the same code
    assert ws.session.summary().closed_first_by == "server"


NODE_SERVER_BAD_BYTES = {  # unmasked, as a server sends (§5.1)
    "reserved-opcode": ("8300", 1002),
    "invalid-utf8": ("8101ff", 1007),
}


@pytest.mark.parametrize("case", [*NODE_SERVER_BAD_BYTES, "too-big"])
async def test_our_client_fails(peers: NodePeers, deflate: bool, case: str) -> None:
    """The node server sends what breaks a rule; our client fails with its code, and ws sees it."""
    node = await peers.server(deflate=deflate)
    if case == "too-big":
        command, code = f"!big {4 * SMALL_LIMIT}", 1009
    else:
        raw, code = NODE_SERVER_BAD_BYTES[case]
        command = f"!raw {raw}"
    async with connect(node.url, max_message_size=SMALL_LIMIT, close_timeout=3.0) as ws:
        await ws.send(command)
        with pytest.raises(ConnectionClosedError) as info:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    assert ws.failure is not None and ws.failure.close_code == code
    assert info.value.sent_code == code
    closed = await node.expect("close")
    assert closed["code"] == code and closed["reason"]  # our close frame names the broken rule
    # Having failed, we process nothing more (§7.1.7), so locally no close code came from the peer
    # (1006); but we only half-close, so the recording still has ws's answer, echoing our code.
    assert ws.close_code == 1006
    assert close_codes(ws.session) == (code, code)
    assert ws.session.summary().closed_first_by == "client"
    assert node.named("error") == []
