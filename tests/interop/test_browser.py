"""A real browser against wsexplorer's live server: headless Chromium driven by playwright.

The page (tests/interop/browser/page.html + page.js) is served over HTTP from 127.0.0.1, so Chromium sends
``Origin: http://127.0.0.1:PORT``. It opens ``new WebSocket(url)`` and logs every event into
``window.__events``; the tests drive it with ``page.evaluate`` and check both sides: what the page saw and
what the server's :class:`~wsexplorer.record.session.Session` recorded on the wire.

Needs /usr/bin/chromium and the ``playwright`` package: ``bash scripts/setup-browser.sh``. Without them the
module is skipped, except under ``CI=true`` where that is a failure. One browser serves the whole module;
each test gets a fresh context and leaves a screenshot in test-artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio

from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frames import Frame
from wsexplorer.live import ServerConnection, serve, serve_echo
from wsexplorer.record.session import C2S, S2C, Session

try:
    from playwright.async_api import Browser, Page, async_playwright
    from playwright.async_api import Error as PlaywrightError
except ImportError:  # pragma: no cover - depends on the environment
    async_playwright = None

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "browser"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
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
SETUP = "bash scripts/setup-browser.sh"
TIMEOUT = 10.0  # seconds, for every wait on either side
MIB = 1 << 20


def _missing() -> str | None:
    if async_playwright is None:
        return "the Python package playwright is not installed"
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}"
    return None


# -- fixtures ------------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """http://127.0.0.1:PORT serving tests/interop/browser/ (the page's origin)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(PAGES)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="browser-page-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    problem = _missing()
    if problem is not None:
        message = f"{problem}: run `{SETUP}` (installs Debian chromium and playwright into .venv)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=30_000)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1000, "height": 420})
    tab = await context.new_page()
    tab.set_default_timeout(TIMEOUT * 1000)
    try:
        yield tab
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
            await tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, timeout=TIMEOUT * 1000)
        finally:
            await context.close()


class Held:
    """A server handler that hands each connection to the test and keeps it open until it closes."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def __call__(self, ws: ServerConnection) -> None:
        self.queue.put_nowait(ws)
        await ws.wait_closed()

    async def next(self) -> ServerConnection:
        return await asyncio.wait_for(self.queue.get(), TIMEOUT)


# -- page helpers ----------------------------------------------------------------------------------------


async def events(page: Page, kind: str | None = None) -> list[dict[str, Any]]:
    logged: list[dict[str, Any]] = await page.evaluate("window.__events")
    return [e for e in logged if kind is None or e["type"] == kind]


async def wait_events(page: Page, kind: str, count: int = 1) -> list[dict[str, Any]]:
    """The page's events of ``kind`` once there are ``count`` of them (at most TIMEOUT seconds)."""
    try:
        await page.wait_for_function(
            "([kind, n]) => window.__events.filter((e) => e.type === kind).length >= n",
            arg=[kind, count],
            polling=20,
            timeout=TIMEOUT * 1000,
        )
    except PlaywrightError:
        raise AssertionError(f"the page logged no {count} {kind!r} event(s): {await events(page)}") from None
    return await events(page, kind)


async def open_page(page: Page, site: str, url: str, *, expect_open: bool = True) -> None:
    await page.goto(f"{site}/page.html?ws={quote(url, safe='')}")
    if expect_open:
        [opened] = await wait_events(page, "open")
        assert opened["url"] == url


async def wait_for(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, TIMEOUT)


def pattern(n: int) -> bytes:
    """The page's binary pattern: byte i is i % 251."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_frames(session: Session, direction: int) -> list[Frame]:
    ops = (Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION)
    return [r.frame for r in session.frames(direction) if r.frame.opcode in ops]  # type: ignore[arg-type]


def close_frames(session: Session, direction: int) -> list[Frame]:
    return [r.frame for r in session.frames(direction) if r.frame.opcode == Opcode.CLOSE]  # type: ignore[arg-type]


# -- messages --------------------------------------------------------------------------------------------

TEXT = "héllo wörld ✓ 🦊 from Chromium"


async def test_text_echo(page: Page, site: str) -> None:
    async with serve_echo() as server:
        await open_page(page, site, server.url)
        await page.evaluate("(text) => wsSendText(text)", TEXT)
        [message] = await wait_events(page, "message")
        assert message["kind"] == "text"
        assert message["text"] == TEXT
        assert message["bytes"] == len(TEXT.encode())

        session = server.sessions[-1]
        assert session.request is not None
        assert session.request.origin == site
        assert session.response is not None and session.response.status == 101
        [sent] = data_frames(session, C2S)
        assert sent.masked and sent.opcode == Opcode.TEXT and sent.fin
        [echoed] = data_frames(session, S2C)
        assert not echoed.masked and echoed.opcode == Opcode.TEXT


async def test_binary_echo(page: Page, site: str) -> None:
    n = 1000
    async with serve_echo() as server:
        await open_page(page, site, server.url)
        await page.evaluate("(n) => wsSendBinary(n)", n)
        [message] = await wait_events(page, "message")
        assert message["kind"] == "binary"
        assert message["bytes"] == n
        assert message["sha256"] == sha256(pattern(n))
        [sent] = data_frames(server.sessions[-1], C2S)
        assert sent.opcode == Opcode.BINARY and sent.masked


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
async def test_fragmented_message_arrives_whole(page: Page, site: str, deflate: bool) -> None:
    # Letters drawn at random compress poorly, so even deflated the message spans several frames.
    text = "".join(random.Random(6455).choices("abcdefghijklmnopqrstuvwxyzäöü ", k=150))
    held = Held()
    async with serve(held, **({} if deflate else {"extensions": []})) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        await wait_for(ws.send(text, fragment_size=16))
        [message] = await wait_events(page, "message")
        assert message["text"] == text
        frames = data_frames(server.sessions[-1], S2C)
        assert len(frames) >= 3
        assert frames[0].opcode == Opcode.TEXT and not frames[0].fin
        assert all(f.opcode == Opcode.CONTINUATION for f in frames[1:])
        assert [f.fin for f in frames] == [False] * (len(frames) - 1) + [True]
        assert all(f.payload_length <= 16 for f in frames)
        assert [f.rsv1 for f in frames] == [deflate] + [False] * (len(frames) - 1)


@pytest.mark.parametrize("kind", ["binary", "text"])
async def test_one_mebibyte_both_ways(page: Page, site: str, kind: str) -> None:
    async with serve_echo(max_message_size=MIB + 4096) as server:
        await open_page(page, site, server.url)
        send = "wsSendBinary" if kind == "binary" else "wsSendTextOfLength"
        await page.evaluate(f"(n) => {send}(n)", MIB)
        [sent] = await events(page, "sent")
        [message] = await wait_events(page, "message")
        assert (message["kind"], message["bytes"]) == (kind, MIB)
        assert message["sha256"] == sent["sha256"]
        if kind == "binary":
            assert message["sha256"] == sha256(pattern(MIB))
        summary = server.sessions[-1].summary()
        assert summary.messages == {"client→server": 1, "server→client": 1}


async def test_ping_gets_the_browsers_pong(page: Page, site: str) -> None:
    held = Held()
    async with serve(held) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        rtts = [await ws.ping(timeout=TIMEOUT), await ws.ping(b"wsexplorer", timeout=TIMEOUT)]
        assert all(0 < rtt < TIMEOUT for rtt in rtts)
        session = server.sessions[-1]
        pongs = [r.frame for r in session.frames(C2S) if r.frame.opcode == Opcode.PONG]
        assert len(pongs) == 2 and pongs[1].payload == b"wsexplorer" and all(p.masked for p in pongs)
        assert len(session.summary().ping_rtts_ns) == 2
        assert await events(page, "message") == []  # pings never reach the page


# -- permessage-deflate ------------------------------------------------------------------------------------


async def test_chromium_deflate_offer_is_accepted(page: Page, site: str) -> None:
    held = Held()
    text = "wsexplorer compresses this line. " * 64
    async with serve(held) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        session = server.sessions[-1]
        assert session.request is not None and session.response is not None
        offer = session.request.get("Sec-WebSocket-Extensions") or ""
        assert "permessage-deflate" in offer and "client_max_window_bits" in offer
        agreed = session.response.get("Sec-WebSocket-Extensions") or ""
        assert agreed.startswith("permessage-deflate")
        [opened] = await events(page, "open")
        assert opened["extensions"] == agreed
        assert len(ws.extensions) == 1
        assert any("permessage-deflate" in e for e in session.meta["extensions"])

        await page.evaluate("(text) => wsSendText(text)", text)
        received = await wait_for(ws.recv())
        assert received == text
        await wait_for(ws.send(received))
        [message] = await wait_events(page, "message")
        assert message["sha256"] == sha256(text.encode())
        [up] = data_frames(session, C2S)
        [down] = data_frames(session, S2C)
        assert up.rsv1 and down.rsv1
        assert up.payload_length < len(text) // 4 and down.payload_length < len(text) // 4
        assert session.summary().compression_ratios["client→server"]


async def test_deflate_declined_by_server(page: Page, site: str) -> None:
    async with serve_echo(extensions=[]) as server:
        await open_page(page, site, server.url)
        [opened] = await events(page, "open")
        assert opened["extensions"] == ""
        await page.evaluate("(text) => wsSendText(text)", "abc " * 100)
        await wait_events(page, "message")
        session = server.sessions[-1]
        assert session.response is not None
        assert session.response.get("Sec-WebSocket-Extensions") is None
        assert not any(f.rsv1 for f in data_frames(session, C2S) + data_frames(session, S2C))


# -- closing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011])
async def test_server_closes_with_code(page: Page, site: str, code: int) -> None:
    held = Held()
    async with serve(held) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        await wait_for(ws.close(code, f"closing with {code}"))
        [closed] = await wait_events(page, "close")
        assert closed == {**closed, "code": code, "reason": f"closing with {code}", "wasClean": True}
        assert await events(page, "error") == []
        summary = server.sessions[-1].summary()
        assert summary.closed_first_by == "server"
        assert summary.close_codes["server→client"] == code
        assert ws.close_code == code  # Chromium echoes the code in its answer


async def test_browser_closes_1000(page: Page, site: str) -> None:
    held = Held()
    async with serve(held) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        await page.evaluate("wsClose(1000, 'bye')")
        [closed] = await wait_events(page, "close")
        # The close event carries the server's answer: same code, no reason.
        assert (closed["code"], closed["reason"], closed["wasClean"]) == (1000, "", True)
        await wait_for(ws.wait_closed())
        assert (ws.close_code, ws.close_reason) == (1000, "bye")
        summary = server.sessions[-1].summary()
        assert summary.closed_first_by == "client"
        assert summary.close_codes == {"client→server": 1000, "server→client": 1000}


async def test_server_shutdown_is_1001(page: Page, site: str) -> None:
    server = await serve_echo()
    try:
        await open_page(page, site, server.url)
    finally:
        await wait_for(server.close())
    [closed] = await wait_events(page, "close")
    assert (closed["code"], closed["reason"], closed["wasClean"]) == (1001, "server shutting down", True)


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
async def test_too_big_message_from_browser_is_1009(page: Page, site: str, deflate: bool) -> None:
    # The pattern deflates to a few hundred bytes: with deflate the limit must hold after inflating.
    async with serve_echo(max_message_size=1024, **({} if deflate else {"extensions": []})) as server:
        await open_page(page, site, server.url)
        await page.evaluate("(n) => wsSendBinary(n)", 4096)
        [closed] = await wait_events(page, "close")
        # wasClean is false here: after failing, the server closes TCP at once and Chromium's close reply
        # meets a closed socket (RST). Only the code is asserted.
        assert closed["code"] == 1009
        assert closed["reason"].startswith("the message inflates" if deflate else "frame of 4096")
        assert await events(page, "message") == []
        session = server.sessions[-1]
        assert session.summary().close_codes["server→client"] == 1009
        if deflate:
            [sent] = data_frames(session, C2S)
            assert sent.rsv1 and sent.payload_length < 1024


async def test_handler_error_is_1011(page: Page, site: str) -> None:
    async def broken(ws: ServerConnection) -> None:
        await ws.recv()
        raise RuntimeError("the handler broke")

    async with serve(broken) as server:
        await open_page(page, site, server.url)
        await page.evaluate("(text) => wsSendText(text)", "break it")
        [closed] = await wait_events(page, "close")
        assert (closed["code"], closed["reason"], closed["wasClean"]) == (1011, "internal error", True)
        assert [str(e) for e in server.errors] == ["the handler broke"]


async def test_binary_refused_with_1003(page: Page, site: str) -> None:
    async def text_only(ws: ServerConnection) -> None:
        async for message in ws:
            if isinstance(message, bytes):
                await ws.close(1003, "text only")
                return
            await ws.send(message)

    async with serve(text_only) as server:
        await open_page(page, site, server.url)
        await page.evaluate("(n) => wsSendBinary(n)", 10)
        [closed] = await wait_events(page, "close")
        assert (closed["code"], closed["reason"], closed["wasClean"]) == (1003, "text only", True)
        assert server.sessions[-1].summary().close_codes["server→client"] == 1003


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        # RFC 6455 §7.4.1 suggests 1007 for invalid UTF-8; Chromium fails the connection with 1002.
        (Frame.build(Opcode.TEXT, b"caf\xc3"), 1002),
        (Frame.build(0x3, b"reserved opcode"), 1002),
    ],
    ids=["invalid-utf8", "reserved-opcode"],
)
async def test_browser_fails_the_connection(page: Page, site: str, bad: Frame, expected: int) -> None:
    """Chromium detects the error and fails the connection: the page sees 1006, the server its close code."""
    held = Held()
    async with serve(held) as server:
        await open_page(page, site, server.url)
        ws = await held.next()
        await wait_for(ws.send_frame(bad))
        [closed] = await wait_events(page, "close")
        assert (closed["code"], closed["wasClean"]) == (1006, False)
        await wait_for(ws.wait_closed())
        codes = [f.close_code for f in close_frames(server.sessions[-1], C2S)]
        assert codes in ([expected], [])  # Chromium may drop the TCP connection without a close frame
        assert ws.close_code == (expected if codes else 1006)


# -- the opening handshake ---------------------------------------------------------------------------------


async def test_allowed_origin_opens(page: Page, site: str) -> None:
    async with serve_echo(origins=[site]) as server:
        await open_page(page, site, server.url)
        session = server.sessions[-1]
        assert session.response is not None and session.response.status == 101


async def test_refused_origin_is_403_but_1006_in_the_page(page: Page, site: str) -> None:
    async with serve_echo(origins=["http://other.example"]) as server:
        await open_page(page, site, server.url, expect_open=False)
        [closed] = await wait_events(page, "close")
        assert (closed["code"], closed["wasClean"]) == (1006, False)
        assert [e["type"] for e in await events(page)] == ["error", "close"]
        session = server.sessions[-1]
        assert session.request is not None and session.request.origin == site
        assert session.response is not None and session.response.status == 403
