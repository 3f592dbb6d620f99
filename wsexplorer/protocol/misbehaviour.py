"""Rules a server can break on purpose, for teaching: one place for every lesson's faulty peer.

A lesson shows what a correct client does when the server gets it wrong: a wrong
Sec-WebSocket-Accept (the client must fail the connection, RFC 6455 §4.1), masked server frames (§5.1),
no pong
(§5.5.2), no close reply (§5.5.1), no answer at all, or a web server that does not speak WebSocket.
Each is an option of the sans-I/O :class:`~wsexplorer.protocol.connection.Connection`
(``misbehave=``), so the live server and the widgets break a rule the same way, and the server's
decision says, step by step, that it was broken on purpose. Nothing misbehaves unless named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from ..codec.accept import accept_key
from ..codec.check_step import CheckStep
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision
from ..errors import HandshakeRejected

__all__ = [
    "MISBEHAVIOURS",
    "OTHER_CLIENT_KEY",
    "PLAIN_PAGE",
    "check_misbehaviours",
    "plain_http",
    "wrong_accept",
]

MISBEHAVIOURS: Mapping[str, str] = {
    "wrong-accept": (
        "answer the handshake with a wrong Sec-WebSocket-Accept (the client must fail the connection, §4.1)"
    ),
    "mask-frames": "mask the frames the server sends (forbidden by §5.1: the client must fail with 1002)",
    "no-close-reply": "never answer a close frame (the client's close_timeout ends the connection)",
    "no-pong": "never answer pings (§5.5.2 says a pong must be sent)",
    "silent-handshake": "accept TCP but never answer the opening handshake (the client's open_timeout)",
    "plain-http": "answer like a web server that does not speak WebSocket: 200 and a page, no upgrade",
}
"""Each misbehaviour by name, with what it does and which rule a client sees broken."""

OTHER_CLIENT_KEY = "x3JJHMbDL1EzLkh9GBhXDw=="
"""Another client's key: the wrong-accept server answers with *its* accept, as a stale cache would."""

PLAIN_PAGE = b"<!doctype html><title>Welcome</title><p>This is a web page, not a WebSocket endpoint.</p>\n"


def check_misbehaviours(names: Iterable[str] | str) -> frozenset[str]:
    """``names`` (one name, or several) as a set; ValueError naming the unknown ones and the choices."""
    chosen = frozenset([names] if isinstance(names, str) else names)
    unknown = chosen - set(MISBEHAVIOURS)
    if unknown:
        raise ValueError(f"unknown misbehaviour {sorted(unknown)}: choose from {sorted(MISBEHAVIOURS)}")
    return chosen


def wrong_accept(decision: ServerDecision) -> ServerDecision:
    """The accepting ``decision`` with the accept of :data:`OTHER_CLIENT_KEY` in its response.

    The last step says what was sent and what should have been, so the lesson's server column and
    the bytes on the wire tell the same story.
    """
    response = decision.response
    right = response.accept or ""
    wrong = accept_key(OTHER_CLIENT_KEY)
    headers = [
        (h.name, wrong if h.name.lower() == "sec-websocket-accept" else h.value) for h in response.headers
    ]
    tampered = HandshakeResponse.build(101, headers=headers)
    step = CheckStep(
        "Sec-WebSocket-Accept",
        "note",
        f"misbehaving on purpose: sending {wrong!r} (the accept of another key) instead of {right!r}",
        "RFC 6455 §4.2.2 step 5.4, §4.1",
    )
    steps = [s for s in decision.steps if s.check != "Sec-WebSocket-Accept"] + [step]
    return dataclasses.replace(decision, response=tampered, steps=steps)


def plain_http(request: HandshakeRequest) -> ServerDecision:
    """What a web server that does not speak WebSocket answers: 200 and a page, the upgrade ignored."""
    response = HandshakeResponse.build(
        200,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PLAIN_PAGE)))],
        body=PLAIN_PAGE,
    )
    reason = "this server does not speak WebSocket: it ignored the Upgrade header and served a page"
    step = CheckStep("plain HTTP server", "note", reason + " (misbehaving on purpose)", "RFC 6455 §4.1")
    error = HandshakeRejected(reason, section="RFC 6455 §4.1", fault="local", http_status=200)
    return ServerDecision(False, 200, response, reason, "RFC 6455 §4.1", None, [], [step], error)
