"""AcceptStepper: how a server turns Sec-WebSocket-Key into Sec-WebSocket-Accept, one step at a time.

The computation is :class:`~wsexplorer.codec.accept.AcceptComputation`'s; the comparison with a pasted
server answer is :func:`~wsexplorer.codec.negotiation.check_response`'s. The widget only lays the steps
out, marks what changed in each, and says in words what follows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..codec.accept import AcceptComputation, generate_key
from ..codec.client_check import ClientCheck, check_response
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..errors import InvalidAccept
from ..render.accept import accept_html
from ..render.handshake import sentence
from ._common import ExplorerBox, box, button, callout, e, heading, set_value, title

__all__ = ["SEED_KEY", "AcceptStepper"]

SEED_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
"""The key of RFC 6455 §1.3 (and of the seed's example): "the sample nonce" in base64."""


def _wrapping() -> widgets.Layout:
    """A row that wraps on a narrow page instead of growing wider than it."""
    return widgets.Layout(flex_flow="row wrap", align_items="center")


class AcceptStepper(ExplorerBox):
    """Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), step by step (RFC 6455 §1.3, §4.2.2).

    Type or draw a key, then walk through the steps with Back / Next / Show all: the 16-byte check,
    appending the GUID to the key *text* (the decoded bytes are not hashed — a common mistake), SHA-1,
    base64. Paste a server's Sec-WebSocket-Accept to see whether a client would accept it.

    ``rng`` draws the random keys (``rng(16)`` must return 16 bytes), so tests and lessons can be
    repeatable.
    """

    css_class = "wsx-accept-stepper"

    def __init__(self, key: str = SEED_KEY, *, rng: Callable[[int], bytes] = os.urandom) -> None:
        super().__init__()
        self._rng = rng
        self.key = widgets.Text(
            value=key,
            description="Sec-WebSocket-Key:",
            placeholder="24 characters of base64, e.g. dGhlIHNhbXBsZSBub25jZQ==",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="32em", max_width="100%"),
        )
        self.key.add_class("wsx-accept-key")
        self.random_button = button(
            "random key",
            "wsx-accept-random",
            icon="random",
            tooltip="16 fresh random bytes in base64, as a client makes a key (RFC 6455 §4.1 item 7)",
        )
        self.seed_button = button(
            "RFC example key", "wsx-accept-seed", tooltip="The key of RFC 6455 §1.3: dGhlIHNhbXBsZSBub25jZQ=="
        )
        self.back_button = button("Back", "wsx-accept-back", icon="arrow-left")
        self.next_button = button("Next", "wsx-accept-next", icon="arrow-right", style="primary")
        self.all_button = button("Show all", "wsx-accept-all", icon="list")
        self.position = widgets.HTML()
        self.position.add_class("wsx-accept-position")
        self.steps_view = widgets.HTML()
        self.steps_view.add_class("wsx-accept-steps")
        self.result = widgets.HTML()
        self.result.add_class("wsx-accept-result")
        self.paste = widgets.Text(
            description="Server sent:",
            placeholder="paste the Sec-WebSocket-Accept value from the server's 101 response",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="40em", max_width="100%"),
        )
        self.paste.add_class("wsx-accept-paste")
        self.verdict = widgets.HTML()
        self.verdict.add_class("wsx-accept-verdict")

        self.computation = AcceptComputation(key.strip(), strict=False)
        self.check: ClientCheck | None = None
        self._step = 1

        self.key.observe(self._on_key, names="value")
        self.paste.observe(self._on_paste, names="value")
        self.random_button.on_click(lambda _: self.random_key())
        self.seed_button.on_click(lambda _: set_value(self.key, SEED_KEY))
        self.back_button.on_click(lambda _: self.back())
        self.next_button.on_click(lambda _: self.next())
        self.all_button.on_click(lambda _: self.show_all())

        self.children = [
            title(
                "Sec-WebSocket-Accept, step by step",
                "The server proves it read <i>this</i> client's handshake: it sends back "
                "<b>Sec-WebSocket-Accept</b> = base64(SHA-1(key + GUID)). The client computes the same and "
                "compares. <span class='wsx-w-dim'>(RFC 6455 §1.3, §4.2.2 step 5.4)</span>",
            ),
            widgets.HBox([self.key, self.random_button, self.seed_button], layout=_wrapping()),
            widgets.HBox(
                [self.back_button, self.next_button, self.all_button, self.position], layout=_wrapping()
            ),
            self.steps_view,
            widgets.HBox(
                [widgets.HTML(box("<b>Sec-WebSocket-Accept:</b>&nbsp;")), self.result],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            heading("Check a server's answer", "RFC 6455 §4.1"),
            self.paste,
            self.verdict,
        ]
        self._render()
        self._render_verdict()

    # -- navigation --------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """How many steps are shown (1 to the number of steps); setting it redraws."""
        return self._step

    @step.setter
    def step(self, value: int) -> None:
        self._step = max(1, min(int(value), len(self.computation.steps)))
        self._render()

    @property
    def last_step(self) -> int:
        return len(self.computation.steps)

    def next(self) -> None:
        """Show one more step."""
        self.step = self._step + 1

    def back(self) -> None:
        """Hide the last step shown."""
        self.step = self._step - 1

    def show_all(self) -> None:
        """Show every step, down to the accept value."""
        self.step = self.last_step

    def random_key(self) -> str:
        """Put a fresh key from ``rng`` in the key box (RFC 6455 §4.1 item 7) and return it."""
        key = generate_key(self._rng)
        self.key.value = key
        return key

    # -- updates -----------------------------------------------------------------------------------

    def _on_key(self, change: dict[str, Any]) -> None:
        self.computation = AcceptComputation(str(change["new"]).strip(), strict=False)
        self._render()
        self._render_verdict()

    def _on_paste(self, change: dict[str, Any]) -> None:
        self._render_verdict()

    def _render(self) -> None:
        comp = self.computation
        last = self.last_step
        self.back_button.disabled = self._step <= 1
        self.next_button.disabled = self._step >= last
        self.all_button.disabled = self._step >= last
        bad = (
            ""
            if comp.valid
            else " · <b style='color:var(--wsx-bad, #c5221f)'>a server refuses this key (400)</b>"
        )
        set_value(
            self.position, box(f"<span class='wsx-w-dim'>&nbsp;step {self._step} of {last}</span>{bad}")
        )
        set_value(self.steps_view, accept_html(comp, self._step))
        if self._step >= last:
            value = f'<span class="wsx-w-m" style="font-size:15px;font-weight:700">{e(comp.accept)}</span>'
        else:
            value = f'<span class="wsx-w-dim">(shown after step {last})</span>'
        set_value(self.result, box(value))

    def _render_verdict(self) -> None:
        pasted = self.paste.value.strip()
        self.check = None
        if not pasted:
            set_value(
                self.verdict,
                callout(
                    "Paste the Sec-WebSocket-Accept value a server sent to see whether a client would "
                    "accept it.",
                    "info",
                ),
            )
            return
        key = self.computation.key
        try:
            request = HandshakeRequest.build("ws://server.example.com/chat", key=key)
            response = HandshakeResponse.build(
                101,
                headers=[
                    ("Upgrade", "websocket"),
                    ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Accept", pasted),
                ],
            )
        except ValueError as exc:
            set_value(
                self.verdict, callout(f"This text cannot be a header value: {e(sentence(str(exc)))}", "error")
            )
            return
        check = check_response(request, response)
        self.check = check
        expected = e(self.computation.accept)
        if check.ok:
            set_value(
                self.verdict,
                callout(
                    '<b class="wsx-w-big">✓ Match.</b> The server computed the same value from this key, '
                    "so it really read this handshake. The client goes on with its other checks (status "
                    "101, Upgrade, Connection, extensions, subprotocol); if they pass, the connection is "
                    "open. <span class='wsx-w-dim wsx-w-small'>(RFC 6455 §4.1)</span>",
                    "ok",
                ),
            )
            return
        error = check.error
        if isinstance(error, InvalidAccept):
            set_value(
                self.verdict,
                callout(
                    '<b class="wsx-w-big">✗ Mismatch.</b> '
                    f'The server sent <span class="wsx-w-m">{e(pasted)}</span>, but the client expected '
                    f'<span class="wsx-w-m">{expected}</span>.<br>The client must <b>fail the WebSocket '
                    "connection</b>: close the TCP connection without sending any frame. The answer was not "
                    "made for this key: perhaps a cache or proxy replayed an old answer, or the server "
                    "does not speak WebSocket. <span class='wsx-w-dim wsx-w-small'>(RFC 6455 §4.1, "
                    "§7.1.7)</span>",
                    "error",
                ),
            )
            return
        reason = error.rule if error is not None else "the check failed"
        set_value(
            self.verdict,
            callout(f"<b>✗ The client would fail the connection.</b> {e(sentence(reason))}", "error"),
        )
