"""HandshakeExplorer: build an opening handshake, let a server decide, let the client check the answer.

The request is built by :meth:`HandshakeRequest.build <wsexplorer.codec.handshake.HandshakeRequest.build>`
(or typed raw), the server is a :class:`~wsexplorer.protocol.connection.Connection` in the server role
applying a :class:`~wsexplorer.codec.server_decision.ServerPolicy` (so it answers exactly what a server
would, even to a request it cannot read), and the client's verdict is
:func:`~wsexplorer.codec.client_check.check_response`'s. The widget gathers the inputs, offers the error
cases one click away, sums up both verdicts right under the buttons, and lays the three acts out with
:mod:`wsexplorer.render.handshake` and :mod:`wsexplorer.render.handshake_verdicts`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

import ipywidgets as widgets

from ..codec.accept import generate_key
from ..codec.client_check import ClientCheck, check_response
from ..codec.extensions import Extension, PerMessageDeflate
from ..codec.extensions.permessage_deflate import EXTENSION_NAME
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision, ServerPolicy
from ..errors import WSExplorerError
from ..protocol.connection import Connection
from ..protocol.events import HandshakeFailed, RequestReceived
from ..render.handshake import message_html, sentence
from ..render.handshake_verdicts import client_verdict_html, outcome_html, server_answer_html
from ._common import ExplorerBox, box, button, callout, e, heading, set_value, title
from .handshake_presets import DEFAULTS, PRESETS, Preset
from .panels import Disclosure

__all__ = ["PRESETS", "HandshakeExplorer", "Preset"]

ServerKind = Literal["websocket", "wrong-accept", "plain-http"]


class HandshakeExplorer(ExplorerBox):
    """The opening handshake in three acts: the client's request, the server's answer, the client's check.

    Build a request (host, path, origin, subprotocols, extensions with parameters, extra headers,
    version, key) or edit its raw text, choose what the server accepts (origins, subprotocols,
    permessage-deflate) and what kind of server it is, and see each line of the request annotated, the
    server's status (101 / 400 / 403 / 426) with the reason and RFC section, and whether the client
    accepts that answer (RFC 6455 §4). The preset buttons put every classic error case one click away.

    After each update: ``request`` (or ``None`` if unreadable), ``decision``, ``response``, ``status``
    (the HTTP status of the answer, ``None`` when the server is still waiting), ``check`` (the client's
    :class:`ClientCheck`) and ``error`` (why no request could be built or read).
    """

    css_class = "wsx-handshake-explorer"

    def __init__(self, *, rng: Callable[[int], bytes] = os.urandom) -> None:
        super().__init__()
        self._rng = rng
        self._quiet = False
        self.mode: Literal["form", "raw"] = "form"
        self.request: HandshakeRequest | None = None
        self.decision: ServerDecision | None = None
        self.response: HandshakeResponse | None = None
        self.status: int | None = None
        self.check: ClientCheck | None = None
        self.error: str | None = None
        self.preset: str | None = "valid"

        def text(
            description: str, value: str, placeholder: str = "", width: str = "calc(100% - 8px)"
        ) -> widgets.Text:
            return widgets.Text(
                value=value,
                description=description,
                placeholder=placeholder,
                style={"description_width": "12.5em"},
                layout=widgets.Layout(width=width),
            )

        # -- client request form -------------------------------------------------------------------
        self.host = text("Host:", DEFAULTS["host"], "server.example.com or server.example.com:8080")
        self.path = text("Path:", DEFAULTS["path"], "/chat")
        self.origin = text("Origin:", DEFAULTS["origin"], "empty: no Origin header (not a browser)")
        self.subprotocols = text(
            "Subprotocols:", DEFAULTS["subprotocols"], "comma-separated, e.g. chat, superchat"
        )
        self.extensions = text(
            "Extensions:", DEFAULTS["extensions"], "e.g. permessage-deflate; client_max_window_bits"
        )
        self.version = text("Sec-WebSocket-Version:", DEFAULTS["version"], "13")
        # The key box holds a whole 24-character key next to its 12.5em label (RFC 6455 §4.1 item 7);
        # on a narrow page the button wraps below it rather than squeezing the key.
        self.key = text("Sec-WebSocket-Key:", DEFAULTS["key"], "16 random bytes in base64", width="auto")
        self.key.layout.flex = "1 1 28em"
        self.key.layout.min_width = "min(100%, 27em)"
        self.random_key = button(
            "random", "wsx-handshake-random-key", icon="random", tooltip="a fresh key from 16 random bytes"
        )
        self.random_key.layout.min_width = "8.5em"
        self.extra_headers = widgets.Textarea(
            value=DEFAULTS["extra_headers"],
            description="Extra headers:",
            placeholder="one per line, e.g.\nUser-Agent: my-client/1.0",
            rows=2,
            style={"description_width": "12.5em"},
            layout=widgets.Layout(width="calc(100% - 8px)"),
        )
        client_form = widgets.VBox(
            [
                heading("The client's request", "RFC 6455 §4.1"),
                self.host,
                self.path,
                self.origin,
                self.subprotocols,
                self.extensions,
                self.version,
                widgets.HBox(
                    [self.key, self.random_key],
                    layout=widgets.Layout(width="calc(100% - 8px)", flex_flow="row wrap"),
                ),
                self.extra_headers,
            ],
            layout=widgets.Layout(flex="1 1 37em", min_width="min(100%, 28em)", padding="0 12px 0 0"),
        )

        # -- server policy -------------------------------------------------------------------------
        self.allowed_origins = text(
            "Origins allowed:", DEFAULTS["allowed_origins"], "comma-separated; empty: any origin"
        )
        self.server_subprotocols = text(
            "Subprotocols:", DEFAULTS["server_subprotocols"], "comma-separated, the server's preferred first"
        )
        self.server_deflate = widgets.Checkbox(
            value=DEFAULTS["server_deflate"],
            description="supports permessage-deflate (RFC 7692)",
            indent=False,
        )
        self.server_kind = widgets.Dropdown(
            options=[
                ("a WebSocket server (RFC 6455 §4.2)", "websocket"),
                ("faulty: wrong Sec-WebSocket-Accept", "wrong-accept"),
                ("a web server without WebSocket", "plain-http"),
            ],
            value=DEFAULTS["server_kind"],
            description="The server is:",
            style={"description_width": "12.5em"},
            layout=widgets.Layout(width="calc(100% - 8px)"),
        )
        server_form = widgets.VBox(
            [
                heading("The server's policy", "RFC 6455 §4.2"),
                self.server_kind,
                self.allowed_origins,
                self.server_subprotocols,
                self.server_deflate,
            ],
            layout=widgets.Layout(flex="1 1 22em", min_width="min(100%, 22em)"),
        )

        # -- raw request ---------------------------------------------------------------------------
        self.raw = widgets.Textarea(rows=10, layout=widgets.Layout(width="calc(100% - 8px)"))
        self.raw.add_class("wsx-handshake-raw")
        self.raw_note = widgets.HTML()
        self.rebuild = button("rebuild from the form", "wsx-handshake-rebuild", icon="undo")
        self.raw_panel = Disclosure(
            widgets.VBox([self.raw_note, self.raw, self.rebuild]),
            "The request as sent: edit the raw text",
            css_class="wsx-handshake-raw-toggle",
        )

        # -- presets -------------------------------------------------------------------------------
        self.presets: dict[str, widgets.Button] = {}
        for preset in PRESETS:
            b = button(preset.label, f"wsx-preset-{preset.slug}", tooltip=preset.explanation)
            b.on_click(lambda _, slug=preset.slug: self.apply_preset(slug))
            self.presets[preset.slug] = b
        self.preset_note = widgets.HTML()

        # -- results: both verdicts in one line right under the buttons (what a click changes is seen
        # where the click was), then the three acts in detail ---------------------------------------
        def view(name: str) -> widgets.HTML:
            shown = widgets.HTML()
            shown.add_class(f"wsx-handshake-{name}")
            return shown

        self.outcome, self.request_view, self.server_view, self.response_view, self.client_view = (
            view(name) for name in ("outcome", "request", "server", "response", "client")
        )

        self.children = [
            title(
                "The opening handshake",
                "A WebSocket connection starts as an HTTP request that asks to switch protocols. Build the "
                "request, choose what the server accepts, and follow the server's answer and the client's "
                "check. <span class='wsx-w-dim'>(RFC 6455 §4)</span>",
            ),
            widgets.HTML(box("<b>Try a case:</b>")),
            widgets.HBox(list(self.presets.values()), layout=widgets.Layout(flex_flow="row wrap")),
            self.preset_note,
            self.outcome,
            widgets.HBox(
                [client_form, server_form],
                layout=widgets.Layout(align_items="flex-start", flex_flow="row wrap"),
            ),
            self.raw_panel,
            heading("1. The request, line by line", "RFC 6455 §4.1"),
            self.request_view,
            heading("2. The server's answer", "RFC 6455 §4.2"),
            self.server_view,
            self.response_view,
            heading("3. The client checks the answer", "RFC 6455 §4.1"),
            self.client_view,
        ]

        form = (self.host, self.path, self.origin, self.subprotocols, self.extensions, self.version, self.key)
        policy = (self.allowed_origins, self.server_subprotocols, self.server_deflate, self.server_kind)
        for controls, mode in (((*form, self.extra_headers), "form"), (policy, None), ((self.raw,), "raw")):
            for control in controls:
                control.observe(lambda _, mode=mode: self._user_edit(mode), names="value")
        self.random_key.on_click(lambda _: self._random_key())
        self.rebuild.on_click(lambda _: self._to_form())
        self.apply_preset("valid")

    # -- public ------------------------------------------------------------------------------------

    def apply_preset(self, slug: str) -> None:
        """Reset everything to the seed's example, then apply the case ``slug`` (see :data:`PRESETS`)."""
        preset = next((p for p in PRESETS if p.slug == slug), None)
        if preset is None:
            raise KeyError(f"no preset {slug!r}; choose from {[p.slug for p in PRESETS]}")
        self._quiet = True
        try:
            for name, value in {**DEFAULTS, **preset.changes}.items():
                set_value(getattr(self, name), value)
            if preset.raw is not None:
                self.mode = "raw"
                set_value(self.raw, preset.raw)
                self.raw_panel.expanded = True
            else:
                self.mode = "form"
        finally:
            self._quiet = False
        self.preset = slug
        set_value(self.preset_note, callout(f"<b>{e(preset.label)}</b>: {e(preset.explanation)}", "info"))
        self.update()

    def update(self) -> None:
        """Rebuild the request (form mode) or read the raw text, then run the server and the client."""
        self.request = self.decision = self.response = self.check = None
        self.status = None
        self.error = None
        data = self._request_bytes()
        if data is None:
            self._render()
            return
        try:
            self.request = HandshakeRequest.parse(data)
        except WSExplorerError as exc:
            self.error = str(exc.rule) + (f" ({exc.section})" if exc.section else "")
        self._run_server(data)
        if self.request is not None and self.response is not None:
            self.check = check_response(self.request, self.response, _client_extensions(self.request))
        self._render()

    # -- observers -----------------------------------------------------------------------------------

    def _user_edit(self, mode: Literal["form", "raw"] | None) -> None:
        """A control changed by the user (not by a preset): leave the preset, maybe switch mode, redo."""
        if self._quiet:
            return
        if mode is not None:
            self.mode = mode
        self.preset = None
        set_value(self.preset_note, "")
        self.update()

    def _random_key(self) -> None:
        self.key.value = generate_key(self._rng)

    def _to_form(self) -> None:
        self.mode = "form"
        self.update()

    # -- the three acts ------------------------------------------------------------------------------

    def _request_bytes(self) -> bytes | None:
        if self.mode == "raw":
            set_value(
                self.raw_note,
                callout(
                    "You are editing the raw request: the form above is not used. Lines end with CR LF "
                    "on the wire (added for you); the request ends with an empty line.",
                    "warn",
                ),
            )
            text = str(self.raw.value).replace("\r\n", "\n").replace("\n", "\r\n")
            return text.encode("utf-8")
        set_value(
            self.raw_note, callout("Built from the form. Edit the text to send anything you like.", "info")
        )
        try:
            request = self._build_from_form()
        except ValueError as exc:
            self.error = f"The form does not make a request: {exc}"
            return None
        data = bytes(request)
        self._quiet = True
        try:
            set_value(self.raw, data.decode("latin-1").replace("\r\n", "\n"))
        finally:
            self._quiet = False
        return data

    def _build_from_form(self) -> HandshakeRequest:
        host = self.host.value.strip()
        path = self.path.value.strip() or "/"
        if not path.startswith("/"):
            path = "/" + path
        headers: list[tuple[str, str]] = []
        for number, line in enumerate(self.extra_headers.value.splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise ValueError(f"extra header line {number} {line!r} has no ':' (write Name: value)")
            headers.append((name.strip(), value.strip()))
        extensions = self.extensions.value.strip()
        return HandshakeRequest.build(
            host + path,
            subprotocols=_split_list(self.subprotocols.value),
            extensions=[extensions] if extensions else [],
            origin=self.origin.value.strip() or None,
            headers=headers,
            key=self.key.value.strip(),
            version=self.version.value.strip(),
            rng=self._rng,
        )

    def _policy(self) -> ServerPolicy:
        origins = _split_list(self.allowed_origins.value)
        extensions: tuple[Extension, ...] = (PerMessageDeflate(),) if self.server_deflate.value else ()
        return ServerPolicy(
            origins=origins or None,
            subprotocols=_split_list(self.server_subprotocols.value),
            extensions=extensions,
        )

    def _run_server(self, data: bytes) -> None:
        kind: ServerKind = self.server_kind.value
        misbehave = () if kind == "websocket" else (kind,)  # a faulty server, from the protocol layer
        server = Connection("server", policy=self._policy(), rng=self._rng, misbehave=misbehave)
        server.receive_data(data)
        for event in server.events():
            if isinstance(event, RequestReceived):
                self.decision = event.decision
            elif isinstance(event, HandshakeFailed) and self.decision is None and self.error is None:
                self.error = f"{event.error.rule} ({event.error.section})"
        answer = server.data_to_send()
        if not answer:
            return  # still waiting for the rest of the request
        self.response = HandshakeResponse.parse(answer)
        self.status = self.response.status

    # -- drawing -------------------------------------------------------------------------------------

    def _render(self) -> None:
        set_value(
            self.outcome,
            outcome_html(
                self.decision,
                self.response,
                self.check,
                faulty=self.server_kind.value,
                no_request=self.error if self.request is None and self.mode == "form" else None,
            ),
        )
        set_value(self.request_view, self._request_html())
        set_value(self.server_view, self._server_html())
        if self.response is not None:
            failed = self.check.steps[-1] if self.check is not None and not self.check.ok else None
            highlight = None
            if failed is not None and failed.start is not None and self.response.status == 101:
                highlight = (failed.start, failed.end)
            set_value(
                self.response_view,
                box(
                    "<div class='wsx-w-small' style='font-weight:600;margin-top:6px'>The answer as "
                    "sent:</div>"
                )
                + message_html(self.response, highlight=highlight, highlight_note="the client stops here"),
            )
        else:
            set_value(self.response_view, "")
        set_value(self.client_view, self._client_html())

    def _request_html(self) -> str:
        if self.request is None:
            shown = ""
            if self.mode == "raw":
                shown = f"<pre class='wsx-w-m' style='margin:4px 0'>{e(self.raw.value)}</pre>"
            what = "No request to send." if self.mode == "form" else "Not a readable request."
            return callout(f"<b>✗ {what}</b> {e(sentence(self.error or ''))}", "error") + box(shown)
        failed = None
        if self.decision is not None and not self.decision.accepted:
            failed = self.decision.steps[-1]
        highlight = (failed.start, failed.end) if failed is not None and failed.start is not None else None
        return message_html(self.request, highlight=highlight, highlight_note="the server stops here")

    def _server_html(self) -> str:
        return server_answer_html(
            self.decision,
            self.response,
            self.request,
            faulty=self.server_kind.value,
            unreadable=self.error,
            waiting_for_form=self.request is None and self.error is not None and self.mode == "form",
        )

    def _client_html(self) -> str:
        return client_verdict_html(self.check, answered=self.response is not None)


def _split_list(text: str) -> list[str]:
    """Comma-separated form input as a list (the form's own format, not an HTTP header)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _client_extensions(request: HandshakeRequest) -> list[Extension]:
    """The Extension objects a client that sent ``request`` checks the answer with."""
    out: list[Extension] = []
    for offer in request.extensions:
        if offer.name.lower() == EXTENSION_NAME and not out:
            try:
                out.append(PerMessageDeflate.from_offer(offer))
            except ValueError:
                continue
    return out
