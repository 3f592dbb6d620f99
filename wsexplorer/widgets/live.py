"""A live connection in a notebook: connect, send, ping, close, and watch every frame as it crosses.

:class:`LiveConnection` drives :func:`wsexplorer.live.connect` (and, with no URL, a local
:func:`~wsexplorer.live.serve_echo` server started in the kernel, so it works offline) and shows the
recording :class:`~wsexplorer.record.session.Session` in a :class:`~wsexplorer.widgets.browser.FrameBrowser`.

Every network action (connect, send, ping, close, send the inspector's frame, start or stop the local
server) runs on the event loop that owns the connection, the kernel's main loop, even when JupyterLab
runs the button's callback on a kernel subshell thread (:class:`~wsexplorer.widgets._loop.OwnerLoop`).
The recording is written only there; the table reads it under the session's lock. A job's failure is
written in the status line, never lost. Frames arriving are not drawn one by one: each protocol event
only schedules a refresh, coalesced to a few per second.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import ipywidgets as W

from ..codec.close import describe_close_code
from ..errors import ConnectionClosedError, InvalidState
from ..live import ClientConnection, Server, connect, serve_echo
from ..protocol.events import CloseReceived, ConnectionEnded, ConnectionFailed, Event
from ..protocol.states import State
from ..record.session import Session
from ..render.messages import last_message_html
from ..render.notes import status_html
from ._browses import BrowsesFrames
from ._loop import Job, OwnerLoop
from .browser import FrameBrowser
from .live_inputs import decode_binary, describe_error, header_lines
from .panels import Disclosure

__all__ = ["LiveConnection"]

T = TypeVar("T")


class LiveConnection(BrowsesFrames):
    """A WebSocket client in a widget: handshake options, sending, pings, closing, and a frame table.

    ``url=None`` starts a local echo server in the running loop and fills in its URL. Display the object
    in a notebook (it renders its ``widget``). Methods that touch the network return the job doing it:
    an asyncio task when called on the kernel's loop (``await`` it in a cell or a test), a
    :class:`concurrent.futures.Future` when called from another thread. ``decoder``: the table's
    "decode as" choice to start with (:attr:`FrameBrowser.decoder`; ``"socket.io"``, ``"json"``...).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        visible_rows: int = 14,
        ping_timeout: float = 10.0,
        decoder: str | None = None,
    ) -> None:
        self.server: Server | None = None
        self.ws: ClientConnection | None = None
        self.ping_timeout = ping_timeout
        self.status_text = ""
        self.last_rtt: float | None = None
        self.last_message: str | bytes | None = None
        self._owner = OwnerLoop(self._failed, self._sync_buttons)
        self._reader: Job[None] | None = None
        self._server_job: Job[None] | None = None
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
        self.connect_button = _button("Connect", "wsx-live-connect", "plug", style="primary")
        self.connect_button.on_click(self._clicked(self.connect))
        self.server_button = _button("stop local server", "wsx-live-server-toggle", "power-off")
        self.server_button.on_click(self._clicked(self.toggle_server))
        self.server_button.layout.display = "none" if url is not None else None
        self.close_code_input = W.BoundedIntText(
            style=labels, value=1000, min=0, max=65535, description="close code"
        )
        self.close_code_input.layout.width = "190px"
        self.close_code_input.add_class("wsx-live-close-code")
        self.close_reason_input = W.Text(style=labels, description="reason", placeholder="(none)")
        self.close_reason_input.add_class("wsx-live-close-reason")
        self.close_button = _button("Close", "wsx-live-close", "times")
        self.close_button.on_click(self._clicked(self.close))

        # -- sending
        self.text_input = W.Text(style=labels, description="text", placeholder="a text message")
        self.text_input.layout.width = "420px"
        self.text_input.add_class("wsx-live-text")
        self.send_button = _button("Send text", "wsx-live-send", "paper-plane")
        self.send_button.on_click(self._clicked(self.send_text))
        self.binary_input = W.Text(style=labels, description="binary", placeholder="hex: 00 ff 10")
        self.binary_input.layout.width = "420px"
        self.binary_input.add_class("wsx-live-binary")
        self.hex_input = self.binary_input  # the name used before base64 was offered
        self.binary_encoding = W.ToggleButtons(
            options=[("hex", "hex"), ("base64", "base64")],
            value="hex",
            tooltips=["bytes as hex digits: 00 ff 10", "bytes as base64: AP8Q"],
            style={"button_width": "auto"},
        )
        self.binary_encoding.add_class("wsx-live-binary-encoding")
        self.binary_encoding.observe(self._encoding_changed, names="value")
        self.send_binary_button = _button("Send binary", "wsx-live-send-binary", "paper-plane")
        self.send_binary_button.on_click(self._clicked(self.send_binary))
        self.ping_button = _button("Ping", "wsx-live-ping", "exchange")
        self.ping_button.on_click(self._clicked(self.ping))
        self.rtt_label = W.HTML("round trip: –")
        self.rtt_label.add_class("wsx-live-rtt")
        self.send_frame_button = _button(
            "Send the inspector's frame",
            "wsx-live-send-frame",
            "wrench",
            tooltip="send the frame shown in the inspector below, exactly as built (send_frame)",
        )
        self.send_frame_button.on_click(self._clicked(self.send_inspector_frame))
        self.build_button = W.Button(
            description="build a frame",
            icon="pencil",
            tooltip="open the inspector's frame builder (below the table)",
            layout=W.Layout(width="auto"),
        )
        self.build_button.add_class("wsx-live-build")
        self.build_button.on_click(self._clicked(lambda: self.browser.open_builder()))
        self.received_label = W.HTML("")
        self.received_label.add_class("wsx-live-received")

        # -- state
        self.info = W.HTML("")
        self.info.add_class("wsx-live-info")
        self.status = W.HTML("")
        self.status.add_class("wsx-live-status")

        self.browser = FrameBrowser(
            self._session, visible_rows=visible_rows, follow=True, on_error=self._error, decoder=decoder
        )

        row = W.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        options = W.VBox(
            [
                W.HBox([self.subprotocols_input, self.deflate_toggle, self.origin_input], layout=row),
                self.headers_input,
            ]
        )
        self.options = Disclosure(options, "handshake options", css_class="wsx-live-options")
        self.widget = W.VBox(
            [
                W.HBox([self.url_input, self.connect_button, self.server_button, self.info], layout=row),
                self.options,
                W.HBox([self.text_input, self.send_button], layout=row),
                W.HBox([self.binary_input, self.binary_encoding, self.send_binary_button], layout=row),
                W.HBox(
                    [self.ping_button, self.rtt_label, self.build_button, self.send_frame_button], layout=row
                ),
                W.HBox([self.close_code_input, self.close_reason_input, self.close_button], layout=row),
                self.status,
                self.received_label,
                self.browser.widget,
            ]
        )
        self.widget.add_class("wsx-live")

        if url is None:
            self._set_status("starting a local echo server…", "busy")
            try:
                self._server_job = self._owner.run(self._start_server(), "starting the local echo server")
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

    # -- jobs and status ----------------------------------------------------------------------------------

    def _set_status(self, text: str, kind: str = "info") -> None:
        self.status_text = text
        self.status.value = status_html(text, kind)

    def _error(self, message: str) -> None:
        self._set_status(message, "error")

    def _failed(self, what: str, exc: BaseException) -> None:
        self._set_status(f"{what} failed: {describe_error(exc)}", "error")

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

    def _encoding_changed(self, change: Any) -> None:
        self.binary_input.placeholder = "hex: 00 ff 10" if change["new"] == "hex" else "base64: AP8Q"

    # -- the local server ---------------------------------------------------------------------------------

    async def _start_server(self) -> None:
        self.server = await serve_echo()
        self.url_input.value = self.server.url
        self.info.value = (
            f'<span class="wsx-live-server">local echo server at {html.escape(self.server.url)}</span>'
        )
        self.server_button.description = "stop local server"
        self._set_status(f"local echo server listening at {self.server.url}: press Connect", "ok")
        self._sync_buttons()

    async def _stop_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.close()
        self.info.value = '<span class="wsx-live-server">local echo server stopped</span>'
        self.server_button.description = "start local server"
        self._set_status("local echo server stopped: start it again, or type another URL", "info")

    def toggle_server(self) -> Job[None]:
        """Stop the local echo server if it runs, start a new one otherwise."""
        if self.server is not None:
            return self._owner.run(self._stop_server(), "stopping the local echo server")
        self._server_job = self._owner.run(self._start_server(), "starting the local echo server")
        return self._server_job

    async def ready(self) -> None:
        """Wait until the local echo server (if any) is listening."""
        if self._server_job is not None:
            await _awaitable(self._server_job)

    # -- actions ------------------------------------------------------------------------------------------

    def connect(self) -> Job[None]:
        """Open the connection with the options shown."""
        return self._owner.run(self._connect(), "connect")

    async def _connect(self) -> None:
        await self.ready()
        if self.ws is not None and self.ws.state is not State.CLOSED:
            raise InvalidState("already connected: close first", fault="local")
        url = self.url
        if url is None:
            raise ValueError("no URL: type a ws:// or wss:// URL")
        subprotocols = [p.strip() for p in self.subprotocols_input.value.split(",") if p.strip()]
        headers = header_lines(self.headers_input.value)
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
        self._reader = self._owner.run(self._receive(ws), "receiving")
        extensions = ", ".join(session.meta.get("extensions") or []) or "none"
        self._set_status(
            f"open: {url} — subprotocol: {ws.subprotocol or 'none'}; extensions: {extensions}", "ok"
        )
        self._sync_buttons()

    async def _receive(self, ws: ClientConnection) -> None:
        """Read every message so the connection never stops reading; show the latest."""
        try:
            async for message in ws:
                self.last_message = message
                self.received_label.value = last_message_html(message)
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

    def _sending(self, what: str, action: Callable[[], Awaitable[T]]) -> Job[T]:
        """Run ``action()`` on the owner loop, then refresh the table (what we sent is in the session)."""

        async def run() -> T:
            try:
                return await action()
            finally:
                self.browser.schedule_refresh()

        return self._owner.run(run(), what)

    def send_text(self, text: str | None = None) -> Job[None]:
        """Send a text message (the text box's content by default)."""
        ws = self._require_open()
        message = self.text_input.value if text is None else text
        return self._sending("send text", lambda: ws.send(message))

    def send_binary(self, data: bytes | str | None = None, *, encoding: str | None = None) -> Job[None]:
        """Send a binary message: bytes, or text in ``encoding`` (``"hex"`` or ``"base64"``; the binary
        box's content and its encoding by default)."""
        ws = self._require_open()
        value = self.binary_input.value if data is None else data
        how = encoding or self.binary_encoding.value
        payload = decode_binary(value, how) if isinstance(value, str) else bytes(value)
        return self._sending(f"send binary ({len(payload):,} bytes)", lambda: ws.send(payload))

    def ping(self, payload: bytes | str | None = None) -> Job[float]:
        """Send a ping and show the round-trip time when its pong comes back."""
        ws = self._require_open()

        async def run() -> float:
            rtt = await ws.ping(payload, timeout=self.ping_timeout)
            self.last_rtt = rtt
            self.rtt_label.value = f"<span class='wsx-live-rtt-value'>round trip: {rtt * 1e3:.3f} ms</span>"
            self._set_status(f"pong received: round trip {rtt * 1e3:.3f} ms", "ok")
            return rtt

        return self._sending("ping", run)

    def send_inspector_frame(self) -> Job[None]:
        """Send the inspector's frame exactly as built (masked or not, valid or not)."""
        ws = self._require_open()
        frame = self.inspector.frame if self.browser.inspector_open else None
        if frame is None:
            raise ValueError("the inspector holds no frame: press “build a frame”, or select a row")
        return self._sending("send the inspector's frame", lambda: ws.send_frame(frame))

    def close(self, code: int | None = None, reason: str | None = None) -> Job[None]:
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
                await asyncio.wait([_awaitable(self._reader)])  # its own failure is reported by its job
            peer = ws.close_code
            self._set_status(
                f"closed: we sent {code}, the server answered "
                + (f"{peer} {describe_close_code(peer)}" if peer is not None else "nothing (1006)")
                + (f" {ws.close_reason!r}" if ws.close_reason else ""),
                "ok" if peer is not None else "error",
            )

        return self._sending("close", run)

    async def shutdown(self) -> None:
        """Close the connection and the local server (if started here), and wait for every job."""
        self.browser.cancel()
        if self.ws is not None and self.ws.state is not State.CLOSED:
            await self.ws.close(1001, "notebook shutting down")
        if self._server_job is not None and not self._server_job.done():
            self._server_job.cancel()
        if self.server is not None:
            await self.server.close()
            self.server = None
        await self._owner.wait()
        self.browser.cancel()


def _awaitable(job: Job[T]) -> asyncio.Future[T]:
    return job if isinstance(job, asyncio.Future) else asyncio.wrap_future(job)


def _button(label: str, css_class: str, icon: str, *, style: str = "", tooltip: str = "") -> Any:
    b = W.Button(description=label, icon=icon, button_style=style, tooltip=tooltip or label, disabled=True)
    b.layout.width = "auto"
    b.add_class(css_class)
    return b
