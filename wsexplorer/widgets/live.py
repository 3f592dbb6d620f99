"""A live connection in a notebook: connect, send, ping, close, and watch every frame as it crosses.

:class:`LiveConnection` drives :func:`wsexplorer.live.connect` (and, with no URL, a local
:func:`~wsexplorer.live.serve_echo` server started in the kernel, so it works offline) and shows the
recording :class:`~wsexplorer.record.session.Session` in a :class:`~wsexplorer.widgets._table.FrameBrowser`.
Every network action runs as an asyncio task on the kernel's loop (the widget keeps a strong reference
to each one); a task's failure is written in the status line, never lost. Frames arriving are not drawn
one by one: each protocol event only schedules a refresh, coalesced to a few per second.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

import ipywidgets as W

from ..codec.close import describe_close_code
from ..errors import ConnectionClosedError, InvalidState, WSExplorerError
from ..live import ClientConnection, Server, connect, serve_echo
from ..protocol.events import CloseReceived, ConnectionEnded, ConnectionFailed, Event
from ..protocol.states import State
from ..record.session import Session
from ._browses import BrowsesFrames
from ._table import FrameBrowser

__all__ = ["LiveConnection"]

T = TypeVar("T")

_STATUS_COLORS = {"info": "#3c4043", "ok": "#188038", "error": "#d93025", "busy": "#1a73e8"}


def describe_error(exc: BaseException) -> str:
    """An error in words; for a refused handshake, the server's status line and body too."""
    text = f"{type(exc).__name__}: {exc}"
    response = getattr(exc, "response", None) if isinstance(exc, WSExplorerError) else None
    if response is not None:
        body = bytes(response.body or b"").decode("utf-8", "replace").strip()
        if len(body) > 400:
            body = body[:400] + "…"
        text = f"HTTP {response.status} {response.reason}" + (f" — {body}" if body else "") + f" ({text})"
    return text


def _headers(text: str) -> list[tuple[str, str]]:
    """Extra handshake headers typed one per line as ``Name: value``."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"header line {number} {line!r}: write it as 'Name: value'")
        out.append((name.strip(), value.strip()))
    return out


class LiveConnection(BrowsesFrames):
    """A WebSocket client in a widget: handshake options, sending, pings, closing, and a frame table.

    ``url=None`` starts a local echo server in the running loop and fills in its URL. Display the object
    in a notebook (it renders its ``widget``). Methods that touch the network return the asyncio task
    doing it; ``await`` it in a cell or a test to wait for the outcome.
    """

    def __init__(self, url: str | None = None, *, page_size: int = 50, ping_timeout: float = 10.0) -> None:
        self.server: Server | None = None
        self.ws: ClientConnection | None = None
        self.ping_timeout = ping_timeout
        self.status_text = ""
        self.last_rtt: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._server_task: asyncio.Task[None] | None = None
        self._session = Session("client", meta={"url": url})

        # -- handshake options
        labels = {"description_width": "90px"}
        self.url_input = W.Text(
            style=labels, value=url or "", description="URL", placeholder="ws://host:port/path"
        )
        self.url_input.layout.width = "420px"
        self.url_input.add_class("wsx-live-url")
        self.subprotocols_input = W.Text(
            style=labels, description="subprotocols", placeholder="chat, superchat"
        )
        self.subprotocols_input.add_class("wsx-live-subprotocols")
        self.deflate_toggle = W.Checkbox(value=True, description="permessage-deflate", indent=False)
        self.deflate_toggle.layout.width = "auto"
        self.deflate_toggle.add_class("wsx-live-deflate")
        self.origin_input = W.Text(style=labels, description="Origin", placeholder="(none)")
        self.origin_input.add_class("wsx-live-origin")
        self.headers_input = W.Textarea(
            style=labels, description="headers", placeholder="Name: value (one per line)", rows=2
        )
        self.headers_input.add_class("wsx-live-headers")
        self.connect_button = W.Button(description="Connect", icon="plug", button_style="primary")
        self.connect_button.add_class("wsx-live-connect")
        self.connect_button.on_click(self._clicked(self.connect))
        self.close_code_input = W.BoundedIntText(
            style=labels, value=1000, min=0, max=65535, description="code"
        )
        self.close_code_input.layout.width = "170px"
        self.close_code_input.add_class("wsx-live-close-code")
        self.close_reason_input = W.Text(style=labels, description="reason", placeholder="(none)")
        self.close_reason_input.add_class("wsx-live-close-reason")
        self.close_button = W.Button(description="Close", icon="times", disabled=True)
        self.close_button.add_class("wsx-live-close")
        self.close_button.on_click(self._clicked(self.close))

        # -- sending
        self.text_input = W.Text(style=labels, description="text", placeholder="a text message")
        self.text_input.layout.width = "420px"
        self.text_input.add_class("wsx-live-text")
        self.send_button = W.Button(description="Send text", icon="paper-plane", disabled=True)
        self.send_button.add_class("wsx-live-send")
        self.send_button.on_click(self._clicked(self.send_text))
        self.hex_input = W.Text(style=labels, description="binary", placeholder="hex: 00 ff 10")
        self.hex_input.layout.width = "420px"
        self.hex_input.add_class("wsx-live-hex")
        self.send_binary_button = W.Button(description="Send binary", icon="paper-plane", disabled=True)
        self.send_binary_button.add_class("wsx-live-send-binary")
        self.send_binary_button.on_click(self._clicked(self.send_binary))
        self.ping_button = W.Button(description="Ping", icon="exchange", disabled=True)
        self.ping_button.add_class("wsx-live-ping")
        self.ping_button.on_click(self._clicked(self.ping))
        self.rtt_label = W.Label("RTT: –")
        self.rtt_label.add_class("wsx-live-rtt")
        self.send_frame_button = W.Button(
            description="Send the inspector's frame",
            icon="wrench",
            disabled=True,
            tooltip="send the frame shown in the inspector below, exactly as built (send_frame)",
        )
        self.send_frame_button.layout.width = "auto"
        self.send_frame_button.add_class("wsx-live-send-frame")
        self.send_frame_button.on_click(self._clicked(self.send_inspector_frame))
        self.received_label = W.HTML("")
        self.received_label.add_class("wsx-live-received")

        # -- state
        self.info = W.HTML("")
        self.info.add_class("wsx-live-info")
        self.status = W.HTML("")
        self.status.add_class("wsx-live-status")

        self.browser = FrameBrowser(self._session, page_size=page_size, follow=True, on_error=self._error)

        self.widget = W.VBox(
            [
                W.HBox([self.url_input, self.connect_button, self.info]),
                W.HBox([self.subprotocols_input, self.deflate_toggle, self.origin_input]),
                self.headers_input,
                W.HBox([self.text_input, self.send_button]),
                W.HBox([self.hex_input, self.send_binary_button]),
                W.HBox([self.ping_button, self.rtt_label, self.send_frame_button]),
                W.HBox([self.close_code_input, self.close_reason_input, self.close_button]),
                self.status,
                self.received_label,
                self.browser.widget,
            ]
        )
        self.widget.add_class("wsx-live")

        if url is None:
            self._set_status("starting a local echo server…", "busy")
            try:
                self._server_task = self._spawn(self._start_server(), "starting the local echo server")
            except RuntimeError as exc:  # no running loop: nothing can be started
                self._set_status(f"no running event loop, so no local server: pass a URL ({exc})", "error")
        else:
            self._set_status("ready: press Connect", "info")
        self._sync_buttons()

    # -- display ------------------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- public state -------------------------------------------------------------------------------------

    @property
    def url(self) -> str | None:
        """The URL to connect to (the local echo server's once it has started)."""
        return self.url_input.value.strip() or None

    @property
    def session(self) -> Session:
        """The recording of the current (or last) connection."""
        return self._session

    @property
    def open(self) -> bool:
        return self.ws is not None and self.ws.state is State.OPEN

    # -- tasks and status ---------------------------------------------------------------------------------

    def _set_status(self, text: str, kind: str = "info") -> None:
        self.status_text = text
        color = _STATUS_COLORS.get(kind, _STATUS_COLORS["info"])
        self.status.value = (
            f'<span class="wsx-status-{kind}" style="color: {color}; white-space: pre-wrap">'
            f"{html.escape(text)}</span>"
        )

    def _error(self, message: str) -> None:
        self._set_status(message, "error")

    def _spawn(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T]:
        """Run ``coro`` as a task on the running loop, keep it alive, and report its failure."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            raise RuntimeError(f"{what}: no running asyncio loop (run this in a notebook cell)") from None
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(partial(self._done, what))
        return task

    def _done(self, what: str, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            exc = task.exception()  # retrieved here, so asyncio never calls it "never retrieved"
            if exc is not None:
                self._set_status(f"{what} failed: {describe_error(exc)}", "error")
        self._sync_buttons()

    def _clicked(self, action: Any) -> Any:
        """A button callback running ``action()``; an immediate failure goes to the status line."""

        def callback(_widget: Any) -> None:
            try:
                action()
            except Exception as exc:
                self._set_status(describe_error(exc), "error")

        return callback

    def _sync_buttons(self) -> None:
        is_open = self.open
        busy = self.ws is not None and self.ws.state is not State.CLOSED
        self.connect_button.disabled = busy or self.url is None
        for button in (self.send_button, self.send_binary_button, self.ping_button, self.send_frame_button):
            button.disabled = not is_open
        self.close_button.disabled = not busy

    def _require_open(self) -> ClientConnection:
        if self.ws is None or self.ws.state is not State.OPEN:
            raise InvalidState("not connected: press Connect first", fault="local")
        return self.ws

    # -- the local server ---------------------------------------------------------------------------------

    async def _start_server(self) -> None:
        self.server = await serve_echo()
        self.url_input.value = self.server.url
        self.info.value = (
            f'<span class="wsx-live-server">local echo server at {html.escape(self.server.url)}</span>'
        )
        self._set_status(f"local echo server listening at {self.server.url}: press Connect", "ok")

    async def ready(self) -> None:
        """Wait until the local echo server (if any) is listening."""
        if self._server_task is not None:
            await self._server_task

    # -- actions ------------------------------------------------------------------------------------------

    def connect(self) -> asyncio.Task[None]:
        """Open the connection with the options shown (a task)."""
        return self._spawn(self._connect(), "connect")

    async def _connect(self) -> None:
        await self.ready()
        if self.ws is not None and self.ws.state is not State.CLOSED:
            raise InvalidState("already connected: close first", fault="local")
        url = self.url
        if url is None:
            raise ValueError("no URL: type a ws:// or wss:// URL")
        subprotocols = [p.strip() for p in self.subprotocols_input.value.split(",") if p.strip()]
        headers = _headers(self.headers_input.value)
        origin = self.origin_input.value.strip() or None
        session = Session("client", meta={"url": url})
        self._session = session
        self.browser.set_session(session)
        self.connect_button.disabled = True
        self._set_status(f"connecting to {url}…", "busy")
        try:
            ws = await connect(
                url,
                subprotocols=subprotocols,
                extensions=["permessage-deflate"] if self.deflate_toggle.value else None,
                headers=headers,
                origin=origin,
                session=session,
            )
        finally:
            self.browser.schedule_refresh()
        self.ws = ws
        ws.on_event = self._on_event
        self._reader = self._spawn(self._receive(ws), "receiving")
        extensions = ", ".join(session.meta.get("extensions") or []) or "none"
        self._set_status(
            f"open: {url} — subprotocol: {ws.subprotocol or 'none'}; extensions: {extensions}", "ok"
        )
        self._sync_buttons()

    async def _receive(self, ws: ClientConnection) -> None:
        """Read every message so the connection never stops reading; show the latest."""
        try:
            async for message in ws:
                kind = "text" if isinstance(message, str) else "binary"
                shown = repr(message[:80]) + ("…" if len(message) > 80 else "")
                self.received_label.value = (
                    f"<span>last message received ({kind}, {len(message)}): {html.escape(shown)}</span>"
                )
        except ConnectionClosedError as exc:  # an abnormal close is news for the status line
            self._set_status(str(exc), "error")

    def _on_event(self, event: Event) -> None:
        """Called by the connection for each protocol event: note closes and failures, then refresh."""
        kind = type(event)
        if kind is ConnectionEnded:
            e: Any = event
            sent = f"; we sent {e.sent_code}" if e.sent_code is not None else ""
            self._set_status(
                f"closed ({'clean' if e.clean else 'not clean'}, started by {e.closed_by}): "
                f"{e.code} {describe_close_code(e.code)}" + (f" {e.reason!r}" if e.reason else "") + sent,
                "ok" if e.clean else "error",
            )
            self._sync_buttons()
        elif kind is CloseReceived:
            e = event
            self._set_status(f"close frame received: {e.code} {e.reason!r}", "info")
        elif kind is ConnectionFailed:
            self._set_status(f"protocol error: {getattr(event, 'error', '')}", "error")
        self.browser.schedule_refresh()

    def _sending(self, what: str, action: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Run ``action()`` as a task, then refresh the table (what we sent is in the session)."""

        async def run() -> T:
            try:
                return await action()
            finally:
                self.browser.schedule_refresh()

        return self._spawn(run(), what)

    def send_text(self, text: str | None = None) -> asyncio.Task[None]:
        """Send a text message (the text box's content by default)."""
        ws = self._require_open()
        message = self.text_input.value if text is None else text
        return self._sending("send text", lambda: ws.send(message))

    def send_binary(self, data: bytes | str | None = None) -> asyncio.Task[None]:
        """Send a binary message: bytes, or hex text (the binary box's content by default)."""
        ws = self._require_open()
        value = self.hex_input.value if data is None else data
        payload = bytes.fromhex(value.replace(":", " ")) if isinstance(value, str) else bytes(value)
        return self._sending("send binary", lambda: ws.send(payload))

    def ping(self, payload: bytes | str | None = None) -> asyncio.Task[float]:
        """Send a ping and show the round-trip time when its pong comes back."""
        ws = self._require_open()

        async def run() -> float:
            rtt = await ws.ping(payload, timeout=self.ping_timeout)
            self.last_rtt = rtt
            self.rtt_label.value = f"RTT: {rtt * 1e3:.3f} ms"
            self._set_status(f"pong received: round trip {rtt * 1e3:.3f} ms", "ok")
            return rtt

        return self._sending("ping", run)

    def send_inspector_frame(self) -> asyncio.Task[None]:
        """Send the inspector's frame exactly as built (masked or not, valid or not)."""
        ws = self._require_open()
        inspector = self.inspector
        frame = getattr(inspector, "frame", None) if inspector is not None else None
        if frame is None:
            raise ValueError("the inspector holds no frame: build one or select a row first")
        return self._sending("send the inspector's frame", lambda: ws.send_frame(frame))

    def close(self, code: int | None = None, reason: str | None = None) -> asyncio.Task[None]:
        """Start the closing handshake with ``code`` and ``reason`` (the boxes' values by default)."""
        if self.ws is None or self.ws.state is State.CLOSED:
            raise InvalidState("not connected", fault="local")
        ws = self.ws
        code = self.close_code_input.value if code is None else code
        reason = self.close_reason_input.value if reason is None else reason

        async def run() -> None:
            self._set_status(f"closing with {code}…", "busy")
            await ws.close(code, reason)
            if self._reader is not None:
                await asyncio.wait([self._reader])  # its own failure is reported by its task
            peer = ws.close_code
            self._set_status(
                f"closed: we sent {code}, the server answered "
                + (f"{peer} {describe_close_code(peer)}" if peer is not None else "nothing (1006)")
                + (f" {ws.close_reason!r}" if ws.close_reason else ""),
                "ok" if peer is not None else "error",
            )

        return self._sending("close", run)

    async def shutdown(self) -> None:
        """Close the connection and the local server (if started here), and wait for every task."""
        self.browser.cancel()
        if self.ws is not None and self.ws.state is not State.CLOSED:
            await self.ws.close(1001, "notebook shutting down")
        if self._server_task is not None and not self._server_task.done():
            self._server_task.cancel()
        if self.server is not None:
            await self.server.close()
            self.server = None
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        self.browser.cancel()
