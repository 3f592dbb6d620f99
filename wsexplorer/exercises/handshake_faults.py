"""Spot what is wrong in an opening handshake: a request a server must refuse, a response a client must
refuse (RFC 6455 §4.1, §4.2.1, §4.2.2, §4.4, §10.2).

Each exercise breaks at most one rule on purpose; the expected status and the client's verdict come
from the codec's own checks (:func:`~wsexplorer.codec.server_decision.decide`,
:func:`~wsexplorer.codec.client_check.check_response`), so the exercise and the explorer can never
disagree.
"""

from __future__ import annotations

import base64
import hashlib

from ..codec.accept import GUID, accept_key, generate_key
from ..codec.client_check import check_response
from ..codec.extensions.permessage_deflate import PerMessageDeflate
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.http import serialize_message
from ..codec.server_decision import ServerPolicy, decide
from .answers import STATUS, Choice
from .model import Exercise, Hint, Part, rng_for

__all__ = ["REQUEST_FAULTS", "RESPONSE_FAULTS", "request_fault_exercise", "response_fault_exercise"]

ALLOWED_ORIGIN = "https://app.example.com"

# fault name -> (header at fault, section, what is wrong in words)
REQUEST_FAULTS: dict[str, tuple[str, str, str]] = {
    "missing Upgrade": ("Upgrade", "RFC 6455 §4.2.1 item 3", "there is no Upgrade: websocket header"),
    "Connection without Upgrade": (
        "Connection",
        "RFC 6455 §4.2.1 item 4",
        "Connection does not include the Upgrade token",
    ),
    "old version": ("Sec-WebSocket-Version", "RFC 6455 §4.4", "the client speaks version 8, not 13"),
    "missing version": ("Sec-WebSocket-Version", "RFC 6455 §4.2.1 item 6", "no Sec-WebSocket-Version"),
    "duplicated key": ("Sec-WebSocket-Key", "RFC 6455 §11.3.1", "Sec-WebSocket-Key appears twice"),
    "short key": ("Sec-WebSocket-Key", "RFC 6455 §4.2.1 item 5", "the key decodes to 12 bytes, not 16"),
    "POST": ("request line", "RFC 6455 §4.2.1 item 1", "the method is POST, not GET"),
    "HTTP/1.0": ("request line", "RFC 6455 §4.2.1 item 1", "HTTP/1.0 is older than HTTP/1.1"),
    "missing Host": ("Host", "RFC 6455 §4.2.1 item 2", "there is no Host header"),
    "refused Origin": ("Origin", "RFC 6455 §4.2.2 (/origin/), §10.2", "the Origin is not allowed"),
    "nothing": ("nothing", "RFC 6455 §4.2.1", "the request is a valid handshake"),
}

# fault name -> (header at fault, section, what is wrong in words)
RESPONSE_FAULTS: dict[str, tuple[str, str, str]] = {
    "wrong accept": (
        "Sec-WebSocket-Accept",
        "RFC 6455 §4.1",
        "the accept value was computed for another key",
    ),
    "accept of the decoded key": (
        "Sec-WebSocket-Accept",
        "RFC 6455 §4.1",
        "the server hashed the decoded key instead of the key text",
    ),
    "missing accept": ("Sec-WebSocket-Accept", "RFC 6455 §4.1", "there is no Sec-WebSocket-Accept"),
    "status 200": ("status line", "RFC 6455 §4.1", "the status is 200, not 101"),
    "missing Upgrade": ("Upgrade", "RFC 6455 §4.1", "there is no Upgrade: websocket"),
    "missing Connection": ("Connection", "RFC 6455 §4.1", "there is no Connection: Upgrade"),
    "unoffered subprotocol": (
        "Sec-WebSocket-Protocol",
        "RFC 6455 §4.1",
        "the server chose a subprotocol the client did not offer",
    ),
    "unoffered extension": (
        "Sec-WebSocket-Extensions",
        "RFC 6455 §4.1",
        "the server uses an extension the client did not offer",
    ),
    "nothing": ("nothing", "RFC 6455 §4.1", "the response is valid"),
}

_REQUEST_HEADERS = Choice(
    "choice",
    "the header at fault, request line, or nothing",
    (
        ("request line", ("method", "start line", "first line", "get line")),
        ("Host", ()),
        ("Upgrade", ()),
        ("Connection", ()),
        ("Sec-WebSocket-Key", ("key",)),
        ("Sec-WebSocket-Version", ("version",)),
        ("Origin", ()),
        ("nothing", ("none", "no fault", "valid", "nothing is wrong")),
    ),
)
_RESPONSE_HEADERS = Choice(
    "choice",
    "the header at fault, status line, or nothing",
    (
        ("status line", ("status", "first line", "status code")),
        ("Upgrade", ()),
        ("Connection", ()),
        ("Sec-WebSocket-Accept", ("accept",)),
        ("Sec-WebSocket-Protocol", ("protocol", "subprotocol")),
        ("Sec-WebSocket-Extensions", ("extensions", "extension")),
        ("nothing", ("none", "no fault", "valid", "nothing is wrong")),
    ),
)
_ACTIONS = Choice(
    "choice",
    "fail or open",
    (
        (
            "fail",
            ("fail the connection", "abort", "close", "drop", "refuse", "fail the websocket connection"),
        ),
        ("open", ("proceed", "accept", "continue", "ok", "connection is open", "open the connection")),
    ),
)


def _request(fault: str, key: str, with_origin: bool) -> HandshakeRequest:
    method, version = (
        ("POST" if fault == "POST" else "GET"),
        ("HTTP/1.0" if fault == "HTTP/1.0" else "HTTP/1.1"),
    )
    lines = [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "keep-alive" if fault == "Connection without Upgrade" else "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", "8" if fault == "old version" else "13"),
    ]
    if fault == "duplicated key":
        lines.append(("Sec-WebSocket-Key", key))
    if with_origin or fault == "refused Origin":
        lines.append(("Origin", "https://evil.example.net" if fault == "refused Origin" else ALLOWED_ORIGIN))
    drop = {"missing Upgrade": "Upgrade", "missing version": "Sec-WebSocket-Version", "missing Host": "Host"}
    lines = [(n, v) for n, v in lines if n != drop.get(fault)]
    return HandshakeRequest.parse(serialize_message(f"{method} /chat {version}", lines))


def request_fault_exercise(seed: int) -> Exercise:
    """Which header breaks the request, and which status does the server answer (RFC 6455 §4.2.1)?"""
    rng = rng_for("handshake.request_fault", seed)
    fault = rng.choice(sorted(REQUEST_FAULTS))
    key = generate_key(rng.randbytes)
    if fault == "short key":
        key = base64.b64encode(rng.randbytes(12)).decode("ascii")
    request = _request(fault, key, with_origin=rng.random() < 0.5)
    decision = decide(request, ServerPolicy(origins=[ALLOWED_ORIGIN]))
    header, section, words = REQUEST_FAULTS[fault]
    status = decision.status
    said = {
        426: "426 Upgrade Required is only for a Sec-WebSocket-Version the server does not speak (§4.4)",
        403: "403 Forbidden is for a request the server refuses by policy, such as a foreign Origin (§10.2)",
        101: "101 accepts the handshake; a request that breaks a rule is refused",
        400: "400 Bad Request is for a request that breaks the protocol; this one does not",
        200: "200 is not a WebSocket answer: a server accepts with 101 or refuses with 4xx",
    }
    if status == 426:
        said[400] = (
            "a version the server does not speak is not a malformed request: it answers 426 and sends "
            "Sec-WebSocket-Version: 13 so the client can retry (§4.4)"
        )
    elif status == 403:
        said[400] = "the request is well formed; the server refuses it by policy: 403 Forbidden (§4.2.2)"
    elif status == 101:
        said[400] = "every check passes: the server accepts with 101 Switching Protocols"
    status_mistakes = tuple((code, words) for code, words in said.items() if code != status)
    failed = next((s for s in decision.steps if s.outcome == "fail"), None)
    parts = (
        Part(
            "header",
            "the header at fault",
            _REQUEST_HEADERS,
            header,
            section,
            "go through the server's checks in order: request line, Host, Upgrade, Connection, version, "
            "key, Origin",
            words,
        ),
        Part(
            "status",
            "the status",
            STATUS,
            status,
            section,
            "400 for a broken request, 426 for an unsupported version, 403 for a refused Origin",
            f"the server answers {status}",
            status_mistakes,
        ),
    )
    return Exercise(
        kind="handshake.request_fault",
        topic="handshake",
        seed=seed,
        title="What is wrong with this request?",
        prompt=(
            f"A server that allows the origin {ALLOWED_ORIGIN} receives this opening handshake. Which "
            "header is at fault (or the request line, or nothing), and which HTTP status does the "
            "server answer?"
        ),
        parts=parts,
        hints=(
            Hint(
                "A server checks the request in a fixed order and stops at the first failure.",
                "RFC 6455 §4.2.1",
            ),
            Hint("A version the server does not speak gets its own status and header.", "RFC 6455 §4.4"),
            Hint(
                "An Origin the server does not allow is a policy refusal, not a broken request.",
                "RFC 6455 §10.2",
            ),
        ),
        worked=(
            *tuple(str(s) for s in decision.steps),
            f"{words}: the server answers {status}" + (f" ({failed.section})" if failed else ""),
        ),
        exhibit=bytes(request).decode("latin-1"),
        notes={"fault": fault},
    )


def _response(fault: str, request: HandshakeRequest, rng_bytes: bytes) -> HandshakeResponse:
    key = request.key or ""
    accept = accept_key(key)
    if fault == "wrong accept":
        accept = accept_key(base64.b64encode(rng_bytes).decode("ascii"))
    elif fault == "accept of the decoded key":
        digest = hashlib.sha1(base64.b64decode(key) + GUID.encode("ascii"), usedforsecurity=False).digest()
        accept = base64.b64encode(digest).decode("ascii")
    lines = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept)]
    if request.subprotocols:
        lines.append(("Sec-WebSocket-Protocol", "superchat" if fault == "unoffered subprotocol" else "chat"))
    elif fault == "unoffered subprotocol":
        lines.append(("Sec-WebSocket-Protocol", "superchat"))
    if fault == "unoffered extension":
        lines.append(("Sec-WebSocket-Extensions", "permessage-deflate"))
    drop = {
        "missing accept": "Sec-WebSocket-Accept",
        "missing Upgrade": "Upgrade",
        "missing Connection": "Connection",
    }
    lines = [(n, v) for n, v in lines if n != drop.get(fault)]
    status = 200 if fault == "status 200" else 101
    return HandshakeResponse.build(status, headers=lines)


def response_fault_exercise(seed: int) -> Exercise:
    """Which header breaks the server's answer, and must the client fail the connection (RFC 6455 §4.1)?"""
    rng = rng_for("handshake.response_fault", seed)
    fault = rng.choice(sorted(RESPONSE_FAULTS))
    offer_chat = fault != "unoffered subprotocol" and rng.random() < 0.5
    request = HandshakeRequest.build(
        "ws://server.example.com/chat",
        key=generate_key(rng.randbytes),
        subprotocols=["chat"] if offer_chat else (),
    )
    response = _response(fault, request, rng.randbytes(16))
    check = check_response(request, response, [PerMessageDeflate()])
    header, section, words = RESPONSE_FAULTS[fault]
    action = "open" if check.ok else "fail"
    action_mistakes: list[tuple[object, str]] = []
    if action == "fail":
        action_mistakes.append(
            (
                "open",
                "a client that finds any check failing must fail the WebSocket connection: close TCP "
                "without sending a frame"
                + (
                    "; a wrong accept means the answer was not made for this handshake (a cache, a proxy, "
                    "a server that does not speak WebSocket)"
                    if "accept" in fault
                    else ""
                ),
            )
        )
    else:
        action_mistakes.append(("fail", "every check passes: the connection is open"))
    parts = (
        Part(
            "header",
            "the header at fault",
            _RESPONSE_HEADERS,
            header,
            section,
            "check as a client does: status 101, Upgrade, Connection, the accept value for YOUR key, then "
            "extensions and subprotocol against what you offered",
            words,
        ),
        Part(
            "action",
            "what the client does",
            _ACTIONS,
            action,
            "RFC 6455 §4.1, §7.1.7",
            "if any check fails the client must not speak WebSocket on this connection",
            "the connection opens" if check.ok else "the client fails the WebSocket connection",
            tuple(action_mistakes),
        ),
    )
    return Exercise(
        kind="handshake.response_fault",
        topic="handshake",
        seed=seed,
        title="Can the client accept this answer?",
        prompt=(
            "The client sent the request below (first block) and received the response (second block). "
            "Which header of the response is at fault (or the status line, or nothing), and does the "
            "client fail the connection or open it?"
        ),
        parts=parts,
        hints=(
            Hint("The client re-computes the accept value from its own key and compares.", "RFC 6455 §4.1"),
            Hint(
                "The server may only choose a subprotocol or extension the client offered.", "RFC 6455 §4.1"
            ),
            Hint("Failing the connection means closing TCP, without a closing handshake.", "RFC 6455 §7.1.7"),
        ),
        worked=(*tuple(str(s) for s in check.steps), parts[1].why),
        exhibit=bytes(request).decode("latin-1") + bytes(response).decode("latin-1"),
        notes={"fault": fault},
    )
