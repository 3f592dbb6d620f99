"""Chromium's page → the relay → a `websockets` server or a Node `ws` server, over ws:// and wss://.

Each conversation goes through every rule kind at once (inject back, drop, delay, modify, pass), with
permessage-deflate and a subprotocol negotiated end to end. The page is driven by playwright (headless
/usr/bin/chromium, as tests/interop/test_browser.py does); Node's `ws` runs from tests/interop/node
(``bash scripts/setup-node.sh``). A missing browser, playwright or Node skips the tests, except under
``CI=true`` where that is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import trustme
from websockets.asyncio.server import serve as ws_serve

from wsexplorer.live.relay import relay
from wsexplorer.live.relay_rules import Rule
from wsexplorer.record.session import C2S, S2C

try:
    from playwright.async_api import Browser, async_playwright
except ImportError:  # pragma: no cover - depends on the environment
    async_playwright = None

pytestmark = pytest.mark.asyncio(loop_scope="module")

NODE_DIR = Path(__file__).resolve().parents[1] / "interop" / "node"
CHROMIUM = os.environ.get("WSEXPLORER_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 10.0

# A `ws` echo server choosing the subprotocol "chat", compressing every message; TLS when given a
# certificate and a key. It prints {"port": N} once listening.
NODE_SERVER = """
const fs = require('fs'), http = require('http'), https = require('https');
const WebSocket = require('ws');
const [cert, key] = process.argv.slice(1);
const server = cert ? https.createServer({cert: fs.readFileSync(cert), key: fs.readFileSync(key)})
                    : http.createServer();
const wss = new WebSocket.Server({server, perMessageDeflate: {threshold: 0},
  handleProtocols: (protocols) => protocols.has('chat') ? 'chat' : false});
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, {binary: isBinary})));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({port: server.address().port})));
"""

# The page's side: open, send a script of messages, collect what comes back, close.
CONVERSATION = """async ([url, count]) => {
  const ws = new WebSocket(url, ['chat']);
  ws.binaryType = 'arraybuffer';
  const got = [];
  await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = () => bad(new Error('no connection')); });
  const all = new Promise((ok) => { ws.onmessage = (e) => {
    got.push(typeof e.data === 'string' ? e.data : 'binary ' + e.data.byteLength);
    if (got.length === count) ok(); }; });
  for (const m of ['hello', 'drop me', 'slow', JSON.stringify({user: {name: 'alice'}}), 'plain']) ws.send(m);
  ws.send(new Uint8Array(1000).fill(7));
  await Promise.race([all, new Promise((ok) => setTimeout(ok, 8000))]);
  const closed = new Promise((ok) => { ws.onclose = (e) => ok([e.code, e.wasClean]); });
  ws.close(1000, 'bye');
  return {got, protocol: ws.protocol, extensions: ws.extensions, closed: await closed};
}"""
EXPECTED = ["welcome", "hello", "slow", '{"user":{"name":"mallory"}}', "plain", "binary 1000"]
RULES = [
    Rule("inject", direction="c2s", text="hello", message="welcome", to="back"),
    Rule("drop", direction="c2s", text="drop me"),
    Rule("delay", direction="c2s", text="slow", seconds=0.2),
    Rule("modify", direction="c2s", json_path="$.user.name", replacement="mallory"),
]


def _require(problem: str | None, setup: str) -> None:
    if problem is None:
        return
    message = f"{problem}: run `{setup}`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    problem = None
    if async_playwright is None:
        problem = "the Python package playwright is not installed"
    elif not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        problem = f"no Chromium at {CHROMIUM}"
    _require(problem, "bash scripts/setup-browser.sh")
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=30_000)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))

    def server_context() -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(ctx)
        return ctx

    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    return {"server": server_context, "trust": trust, "cert": str(cert), "key": str(key)}


async def _echo(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


@contextlib.asynccontextmanager
async def websockets_peer(tls: dict[str, Any] | None) -> AsyncIterator[str]:
    context = tls["server"]() if tls else None
    async with ws_serve(_echo, "127.0.0.1", 0, subprotocols=["chat"], ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"


@contextlib.asynccontextmanager
async def node_peer(tls: dict[str, Any] | None) -> AsyncIterator[str]:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not on PATH"
    elif not (NODE_DIR / "node_modules" / "ws" / "package.json").is_file():
        problem = "tests/interop/node/node_modules/ws is missing"
    _require(problem, "bash scripts/setup-node.sh")
    assert node is not None
    args = [tls["cert"], tls["key"]] if tls else []
    proc = await asyncio.create_subprocess_exec(
        node,
        "-e",
        NODE_SERVER,
        *args,
        cwd=NODE_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        assert line, "the node server printed nothing"
        port = json.loads(line)["port"]
        yield f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.communicate()


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize("peer", ["websockets", "node"])
async def test_browser_through_the_relay(
    browser: Browser, tls: dict[str, Any], peer: str, scheme: str
) -> None:
    secure = tls if scheme == "wss" else None
    make_peer = websockets_peer if peer == "websockets" else node_peer
    context = await browser.new_context(ignore_https_errors=True)  # the relay's test certificate
    page = await context.new_page()
    try:
        async with make_peer(secure) as upstream:
            listen = tls["server"]() if secure else None
            trust = tls["trust"] if secure else None
            async with relay(upstream, rules=RULES, ssl=listen, upstream_ssl=trust) as r:
                assert r.url.startswith(f"{scheme}://")
                result = await page.evaluate(CONVERSATION, [r.url, len(EXPECTED)])
                c = next(c for c in r.connections if c.pipes)
                await asyncio.wait_for(c.wait_closed(), TIMEOUT)
    finally:
        await context.close()
    assert result["got"] == EXPECTED
    assert result["protocol"] == "chat"
    assert "permessage-deflate" in result["extensions"]
    assert result["closed"] == [1000, True]
    assert c.client_session.meta["extensions"] == c.upstream_session.meta["extensions"]  # end to end
    assert {ch.action for ch in c.changes} >= {"inject", "drop", "delay", "modify"}
    if secure:
        assert c.client_session.meta["tls"] and c.upstream_session.meta["tls"]
    diff = c.diff()
    up = diff.directions[C2S].rows
    assert [row.status for row in up if row.status != "same" and row.status != "changed"] == ["only_a"]
    assert any("payload" in row.aspects for row in up)  # the JSON, modified on its way up
    down = diff.directions[S2C].rows
    assert [row.a.preview() for row in down if row.status == "only_a"] == ["welcome"]  # type: ignore[union-attr]
