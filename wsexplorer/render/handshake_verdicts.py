"""Each side's verdict on a handshake, in words a student reads first, then the checks in order.

:func:`server_answer_html` says what the server answered and why (101, 400, 403, 426, or a faulty
server on purpose), :func:`client_verdict_html` whether the client may now speak WebSocket (RFC 6455
§4.1, §4.2.2), and :func:`outcome_html` sums both up in one line, for the top of an explorer. The
checks themselves are drawn by :func:`~.handshake.check_steps_html`. Only the notes that apply to the
status shown are written: a 403 says nothing about what a 426 allows.
"""

from __future__ import annotations

from ..codec.accept import accept_key
from ..codec.client_check import ClientCheck
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision
from ..protocol.misbehaviour import OTHER_CLIENT_KEY
from .handshake import check_steps_html, section_text, sentence
from .notes import CallKind, callout
from .palette import escape

__all__ = ["client_verdict_html", "outcome_html", "server_answer_html", "status_badge"]

_STATUS_COLOUR = {101: "var(--wsx-good, #137333)", 426: "var(--wsx-warn, #8a5300)"}


def status_badge(status: int, reason: str) -> str:
    """The status line as a badge: green 101, amber 426, red for other errors.

    The text takes the badge's colour on the theme's own background (the colours are theme-aware
    custom properties), so it reads on light and dark themes alike.
    """
    colour = _STATUS_COLOUR.get(
        status, "var(--wsx-bad, #c5221f)" if status >= 400 else "var(--jp-content-font-color1, #1b1b1b)"
    )
    return (
        "<span class='wsx-w-badge wsx-handshake-status' style='background:transparent;"
        f"color:{colour};border:2px solid {colour};font-size:15px'>{status} {escape(reason)}</span>"
    )


def _small(section: str) -> str:
    return f"<span class='wsx-w-dim wsx-w-small'>({escape(section_text(section))})</span>"


def _refusal_note(status: int, reason: str) -> str:
    """What a refusal with ``status`` means for the connection: only what applies to that status."""
    answer = escape(f"{status} {reason}".strip())
    if status == 426:
        return (
            f"No WebSocket connection yet: the server answers {answer}, lists the versions it speaks "
            "in its Sec-WebSocket-Version header and closes. The client may try again with one of "
            f"them. {_small('RFC 6455 §4.4')}"
        )
    if status == 403:
        return (
            f"No WebSocket connection: the server answers {answer} and closes. Checking the Origin "
            "header stops pages from other sites from talking to this server with a visitor's "
            f"browser. {_small('RFC 6455 §10.2')}"
        )
    return f"No WebSocket connection: the server answers {answer} and closes."


def _faulty_accept(response: HandshakeResponse, request: HandshakeRequest | None) -> str:
    """The wrong-accept lesson in words: the value on the wire next to the one this key needs."""
    sent = response.accept or ""
    right = accept_key(request.key) if request is not None and request.key is not None else ""
    return (
        " <b>But this server is faulty:</b> it sends Sec-WebSocket-Accept "
        f"<span class='wsx-w-m'>{escape(sent)}</span>, the value made for another client's key "
        f"({escape(OTHER_CLIENT_KEY)}), instead of <span class='wsx-w-m'>{escape(right)}</span>, the "
        "value made from this request's key."
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
            "answers as it would any GET request: here it serves a page. It never switches protocols, "
            "so no WebSocket connection can start. "
            + _small("RFC 6455 §4.1: anything but 101 fails the connection"),
            "warn",
        )
    if decision is None:
        return callout(
            f"{badge}The server cannot read the request, so it refuses it. "
            f"{escape(sentence(unreadable or 'the request is not valid HTTP'))}",
            "error",
        )
    if decision.accepted:
        extra = ""
        if decision.subprotocol is not None:
            extra += f" Subprotocol chosen: <b>{escape(decision.subprotocol)}</b>."
        elif request is not None and request.subprotocols:
            extra += " No subprotocol in common, so none is chosen."
        for ext in decision.extensions:
            extra += f" Extension agreed: <b>{escape(ext.agreed)}</b>."
        if kind == "wrong-accept":
            extra += _faulty_accept(response, request)
        head = callout(
            f"{badge}<b>Accepted.</b> {escape(sentence(decision.reason))}{extra} {_small(decision.section)}",
            "ok" if kind == "websocket" else "warn",
        )
    else:
        head = callout(
            f"{badge}<b>Refused.</b> {escape(sentence(decision.reason))} {_small(decision.section)}"
            f"<br>{_refusal_note(response.status, response.reason)}",
            "warn" if decision.status == 426 else "error",
        )
    return head + check_steps_html(decision.steps, title="The server's checks, in order")


def _failed_detail(check: ClientCheck) -> str:
    """What the client's failed step says (the value on the wire and the one expected, for an accept)."""
    failed = next((s for s in check.steps if s.outcome == "fail"), None)
    if failed is not None:
        return failed.detail
    return check.error.rule if check.error is not None else "the check failed"


def client_verdict_html(check: ClientCheck | None, *, answered: bool) -> str:
    """The client's verdict on the server's answer, in words, then its checks in order."""
    if check is None:
        if answered:
            return callout(
                "The client could not send this as a request, so there is nothing for it to check. A "
                "real client reading this answer would fail the connection (anything but 101 does).",
                "error",
            )
        return ""
    if check.ok:
        agreed = f" Subprotocol: <b>{escape(check.subprotocol)}</b>." if check.subprotocol else ""
        for ext in check.extensions:
            agreed += f" Extension in use: <b>{escape(ext.agreed)}</b>."
        head = callout(
            "<b class='wsx-w-big'>✓ Connection open.</b> Every check passed: from the empty line "
            f"on, both sides speak WebSocket frames on this TCP connection, and no more HTTP.{agreed}",
            "ok",
        )
    else:
        status = check.error.http_status if check.error is not None else None
        browser = (
            "A browser tells the page only that an error happened and that the connection closed with "
            "code 1006; the page never sees the HTTP status."
            if status is not None and status != 101
            else "A browser tells the page only that an error happened and that the connection closed "
            "with code 1006."
        )
        head = callout(
            f"<b class='wsx-w-big'>✗ The client fails the connection.</b> "
            f"{escape(sentence(_failed_detail(check)))}<br>It closes the TCP connection without sending "
            f"any WebSocket frame. {browser} {_small('RFC 6455 §4.1, §7.1.7')}",
            "error",
        )
    return head + check_steps_html(check.steps, title="The client's checks, in order")


def outcome_html(
    decision: ServerDecision | None,
    response: HandshakeResponse | None,
    check: ClientCheck | None,
    *,
    faulty: str = "websocket",
    no_request: str | None = None,
) -> str:
    """Both verdicts in one line (server's status and what the client does), for under the controls.

    The detailed answer and checks are further down an explorer; this line is what a click changes,
    so it sits where the click was. ``no_request`` says why nothing could be sent (a form that does
    not make a request).
    """
    if response is None:
        if no_request:
            return callout(f"<b>Result:</b> nothing is sent. {escape(sentence(no_request))}", "error")
        return callout("<b>Result:</b> the server is still waiting for the end of the request.", "warn")
    badge = status_badge(response.status, response.reason)
    if faulty == "plain-http":
        server = "a web server without WebSocket serves a page"
    elif decision is None:
        server = "the server cannot read the request"
    elif decision.accepted:
        server = "the server accepts"
        if faulty == "wrong-accept":
            server += ", but sends a wrong Sec-WebSocket-Accept"
    else:
        server = "the server refuses: " + decision.reason
    kind: CallKind
    if check is not None and check.ok:
        client, kind = "the client's checks pass: the WebSocket connection is open", "ok"
    else:
        client, kind = "the client fails the connection: no WebSocket", "error"
        if response.status == 426:
            kind = "warn"
    return callout(
        f"{badge}<b>Result:</b> {escape(sentence(server))} {escape(sentence(client))} "
        "<span class='wsx-w-dim wsx-w-small'>(details below: 2. the server's answer, 3. the client's "
        "check)</span>",
        kind,
    )
