"""Each side's verdict on a handshake, in words a student reads first, then the checks in order.

:func:`server_answer_html` says what the server answered and why (101, 400, 403, 426, or a faulty
server on purpose), :func:`client_verdict_html` whether the client may now speak WebSocket (RFC 6455
§4.1, §4.2.2). The checks themselves are drawn by :func:`~.handshake.check_steps_html`.
"""

from __future__ import annotations

from ..codec.client_check import ClientCheck
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision
from ..protocol.misbehaviour import OTHER_CLIENT_KEY
from .handshake import check_steps_html
from .notes import callout
from .palette import escape

__all__ = ["client_verdict_html", "server_answer_html", "status_badge"]

_STATUS_COLOUR = {101: "#188038", 426: "#e37400"}


def status_badge(status: int, reason: str) -> str:
    """The status line as a coloured badge: green 101, amber 426, red for other errors."""
    colour = _STATUS_COLOUR.get(status, "#d93025" if status >= 400 else "#5f6368")
    return (
        f"<span class='wsx-w-badge wsx-handshake-status' style='background:{colour};font-size:15px'>"
        f"{status} {escape(reason)}</span>"
    )


def server_answer_html(
    decision: ServerDecision | None,
    response: HandshakeResponse | None,
    request: HandshakeRequest | None,
    *,
    faulty: str = "websocket",
    unreadable: str | None = None,
    waiting_for_form: bool = False,
) -> str:
    """The server's answer to a handshake, in words, then its checks in order.

    ``faulty`` names the kind of server (``"websocket"``, or a misbehaviour such as
    ``"wrong-accept"`` or ``"plain-http"``); ``unreadable`` says why the request could not be read.
    """
    kind = faulty
    if response is None:
        if waiting_for_form:
            return ""
        return callout(
            "The server has not answered: it is still waiting for the rest of the request (the empty "
            "line that ends the headers).",
            "warn",
        )
    badge = status_badge(response.status, response.reason)
    if kind == "plain-http":
        return callout(
            f"{badge}A web server without WebSocket support ignores <i>Upgrade: websocket</i> and "
            "answers as to any GET: here it serves a page. It never switches protocols, so no "
            "WebSocket connection can start. <span class='wsx-w-dim'>(RFC 6455 §4.1: anything but "
            "101 fails the connection)</span>",
            "warn",
        )
    if decision is None:
        return callout(
            f"{badge}The server cannot read the request at all, so it refuses it: {escape(unreadable or '')}",
            "error",
        )
    if decision.accepted:
        extra = ""
        if decision.subprotocol is not None:
            extra += f" Subprotocol chosen: <b>{escape(decision.subprotocol)}</b>."
        elif request is not None and request.subprotocols:
            extra += " No subprotocol in common: none chosen."
        for ext in decision.extensions:
            extra += f" Extension agreed: <b>{escape(ext.agreed)}</b>."
        if kind == "wrong-accept":
            extra += (
                " <b>But this server is faulty:</b> its Sec-WebSocket-Accept is the one made for "
                f"another key ({escape(OTHER_CLIENT_KEY)})."
            )
        head = callout(
            f"{badge}<b>Accepted.</b> {escape(decision.reason)}.{extra} "
            f"<span class='wsx-w-dim'>({escape(decision.section)})</span>",
            "ok" if kind == "websocket" else "warn",
        )
    else:
        head = callout(
            f"{badge}<b>Refused:</b> {escape(decision.reason)}. <span "
            f"class='wsx-w-dim'>({escape(decision.section)})</span>"
            "<br>No WebSocket connection: the server answers with an HTTP error and closes.",
            "warn" if decision.status == 426 else "error",
        )
    return head + check_steps_html(decision.steps, title="The server's checks, in order")


def client_verdict_html(check: ClientCheck | None, *, answered: bool) -> str:
    """The client's verdict on the server's answer, in words, then its checks in order."""
    if check is None:
        if answered:
            return callout(
                "The client could not send this as a request, so there is nothing for it to check; "
                "a real client reading this answer would fail the connection (anything but 101).",
                "error",
            )
        return ""
    if check.ok:
        agreed = f" Subprotocol: <b>{escape(check.subprotocol)}</b>." if check.subprotocol else ""
        for ext in check.extensions:
            agreed += f" Extension in use: <b>{escape(ext.agreed)}</b>."
        head = callout(
            f"<b class='wsx-w-big'>✓ Connection open.</b> Every check passed: from the empty line "
            f"on, both sides speak WebSocket frames on this TCP connection; no more HTTP.{agreed}",
            "ok",
        )
    else:
        error = check.error
        rule = error.rule if error is not None else "the check failed"
        head = callout(
            f"<b class='wsx-w-big'>✗ The client fails the connection.</b> {escape(rule)}<br>It closes the "
            "TCP connection without sending any WebSocket frame (RFC 6455 §4.1, §7.1.7). A browser "
            "reports only an error and close code 1006 to the page; it does not show the HTTP status.",
            "error",
        )
    return head + check_steps_html(check.steps, title="The client's checks, in order")
