"""The server's decision on an opening handshake, step by step (RFC 6455 §4.2.1, §4.2.2, §4.4).

:func:`decide` accepts or refuses a request as a server applying a :class:`ServerPolicy` would, and
records every check as a :class:`~wsexplorer.codec.check_step.CheckStep`: grammar first (400), then
what the protocol requires (400 / 426), then policy (403); on success the subprotocol and the
extensions are negotiated and the answer is 101.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import HandshakeRejected, NegotiationError
from .accept import KEY_SECTION, accept_key, check_key
from .check_step import CheckStep, list_includes
from .extensions.base import Extension, NegotiatedExtension
from .handshake import HandshakeRequest, HandshakeResponse
from .headers import ExtensionOffer
from .http import HeaderLine

__all__ = ["ServerDecision", "ServerPolicy", "decide"]


@dataclass(frozen=True)
class ServerPolicy:
    """What a server accepts.

    ``origins``: ``None`` allows any origin; a list is an allow-list compared case-insensitively
    (RFC 6455 §4.2.2 serializes origins in lowercase). A request without Origin is allowed:
    browsers always send one (§4.2.1 item 7), so its absence means a non-browser client, which the
    Origin check is not meant to stop (§10.2). ``subprotocols`` are in the server's order of
    preference. ``extensions`` are asked, in order, to accept the client's offers.
    """

    origins: Sequence[str] | None = None
    subprotocols: Sequence[str] = ()
    extensions: Sequence[Extension] = ()


@dataclass(frozen=True)
class ServerDecision:
    """The server's answer to a handshake and the checks that led to it (RFC 6455 §4.2)."""

    accepted: bool
    status: int
    response: HandshakeResponse
    reason: str
    section: str
    subprotocol: str | None = None
    extensions: list[NegotiatedExtension] = field(default_factory=list)
    steps: list[CheckStep] = field(default_factory=list)
    error: HandshakeRejected | None = None

    def raise_for_status(self) -> None:
        """Raise the HandshakeRejected error if the server refused."""
        if self.error is not None:
            raise self.error

    def __repr__(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return f"<ServerDecision {self.status} {verdict}: {self.reason}>"


class _Refusal(Exception):
    """Internal: stops the checks in :func:`decide` with a status, reason and section."""

    def __init__(
        self,
        status: int,
        check: str,
        reason: str,
        section: str,
        line: HeaderLine | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.check = check
        self.reason = reason
        self.section = section
        self.start = line.start if line is not None else offset
        self.end = line.end if line is not None else None


def _only_one(request: HandshakeRequest, name: str, check: str, section: str) -> HeaderLine:
    """The single ``name`` line of ``request``; refuses with 400 when it is missing or repeated."""
    lines = request.header_lines(name)
    if not lines:
        raise _Refusal(400, check, f"the request has no {name} header", section)
    if len(lines) > 1:
        raise _Refusal(
            400,
            check,
            f"the {name} header appears {len(lines)} times; it must appear once",
            section,
            lines[1],
        )
    return lines[0]


def decide(request: HandshakeRequest, policy: ServerPolicy | None = None) -> ServerDecision:
    """Accept or refuse ``request`` as a server applying ``policy`` would (RFC 6455 §4.2).

    Checks, in order, stopping at the first failure: the message syntax (400); method GET and
    HTTP/1.1 or higher (400, §4.2.1 item 1); one Host (400); Upgrade has websocket and Connection
    has upgrade (400); one Sec-WebSocket-Version equal to 13 (400 if missing or repeated, else 426
    with ``Sec-WebSocket-Version: 13``, §4.4) - checked before the key because another version may
    define the key differently; one Sec-WebSocket-Key of 16 bytes (400); at most one Origin, and
    in the allow-list (403, §10.2). Grammar first, then what the protocol requires, then policy.
    On success it picks the first subprotocol of the SERVER's preference list that the client
    offered, asks each configured extension to accept the client's offers of its name, and
    answers 101.
    """
    policy = policy or ServerPolicy()
    steps: list[CheckStep] = []
    try:
        chosen, negotiated, elements = _run_checks(request, policy, steps)
    except _Refusal as refusal:
        steps.append(
            CheckStep(
                refusal.check,
                "fail",
                refusal.reason,
                refusal.section,
                refusal.status,
                refusal.start,
                refusal.end,
            )
        )
        extra: list[tuple[str, str]] = []
        if refusal.status == 426:
            extra = [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade, close"),
                ("Sec-WebSocket-Version", "13"),
            ]
        response = HandshakeResponse.refusal(
            refusal.status, refusal.reason, section=refusal.section, headers=extra
        )
        error = HandshakeRejected(
            refusal.reason,
            section=refusal.section,
            offset=refusal.start,
            fault="peer",
            http_status=refusal.status,
        )
        return ServerDecision(
            False, refusal.status, response, refusal.reason, refusal.section, None, [], steps, error
        )
    key = request.key or ""
    response = HandshakeResponse.switching_protocols(key, subprotocol=chosen, extensions=elements)
    steps.append(
        CheckStep(
            "Sec-WebSocket-Accept",
            "pass",
            f"the answer carries {accept_key(key)!r} = base64(SHA-1({key!r} + GUID)); "
            "answering 101 Switching Protocols",
            "RFC 6455 §4.2.2 step 5.4",
        )
    )
    return ServerDecision(
        True,
        101,
        response,
        "the request is a valid WebSocket handshake, so the server switches protocols",
        "RFC 6455 §4.2.2",
        chosen,
        negotiated,
        steps,
        None,
    )


def _names(values: Sequence[str]) -> str:
    """A list of tokens for a sentence: ``chat, superchat``, or ``none``."""
    return ", ".join(values) if values else "none"


def _parse_http_version(text: str) -> tuple[int, int]:
    """``(1, 1)`` for ``HTTP/1.1``; the start-line regexes guarantee the shape."""
    major, minor = text[5:].split(".")
    return int(major), int(minor)


def _run_checks(
    request: HandshakeRequest, policy: ServerPolicy, steps: list[CheckStep]
) -> tuple[str | None, list[NegotiatedExtension], list[ExtensionOffer]]:
    def ok(check: str, detail: str, section: str, line: HeaderLine | None = None) -> None:
        start, end = (line.start, line.end) if line is not None else (None, None)
        steps.append(CheckStep(check, "pass", detail, section, None, start, end))

    def note(check: str, detail: str, section: str) -> None:
        steps.append(CheckStep(check, "note", detail, section))

    # 1. The message syntax: any grammar violation (RFC 6455 §4.2.1: "any violations of the ABNF").
    check = "message syntax"
    if request.violations:
        first = request.violations[0]
        raise _Refusal(400, check, first.rule, first.section, offset=first.start)
    ok(check, "the request line and every header line are well formed", "RFC 7230 §3")

    # 2. GET, HTTP/1.1 or higher.
    check = "method is GET"
    if request.method != "GET":
        raise _Refusal(
            400,
            check,
            f"the method is {request.method}, not GET",
            "RFC 6455 §4.2.1 item 1",
            offset=0,
        )
    ok(check, "the method is GET", "RFC 6455 §4.2.1 item 1")
    check = "HTTP/1.1 or higher"
    if _parse_http_version(request.http_version) < (1, 1):
        raise _Refusal(
            400,
            check,
            f"{request.http_version} is older than HTTP/1.1",
            "RFC 6455 §4.2.1 item 1",
            offset=0,
        )
    ok(check, f"{request.http_version}, which is 1.1 or higher", "RFC 6455 §4.2.1 item 1")

    # 3. Host.
    check = "Host header"
    host = _only_one(request, "Host", check, "RFC 6455 §4.2.1 item 2, RFC 7230 §5.4")
    ok(check, f"Host: {host.value}", "RFC 6455 §4.2.1 item 2", host)

    # 4. Upgrade and Connection.
    check = "Upgrade includes websocket"
    if not list_includes(request.upgrade, "websocket"):
        what = ", ".join(request.get_all("Upgrade"))
        reason = (
            f"the Upgrade header says {what!r}, not 'websocket': this is not a WebSocket handshake"
            if what
            else "the request has no Upgrade header: it is a plain HTTP request, not a WebSocket handshake"
        )
        raise _Refusal(400, check, reason, "RFC 6455 §4.2.1 item 3")
    ok(check, "Upgrade: " + ", ".join(request.upgrade), "RFC 6455 §4.2.1 item 3")
    check = "Connection includes Upgrade"
    if not list_includes(request.connection, "upgrade"):
        what = ", ".join(request.get_all("Connection"))
        reason = (
            f"the Connection header says {what!r}, which does not include the token 'Upgrade'"
            if what
            else "the request has no Connection header (it must include the token 'Upgrade')"
        )
        raise _Refusal(400, check, reason, "RFC 6455 §4.2.1 item 4")
    ok(check, "Connection: " + ", ".join(request.connection), "RFC 6455 §4.2.1 item 4")

    # 5. Version before key: a client of another version may build its key differently.
    check = "Sec-WebSocket-Version is 13"
    version = _only_one(request, "Sec-WebSocket-Version", check, "RFC 6455 §4.2.1 item 6")
    if version.value != "13":
        raise _Refusal(
            426,
            check,
            f"the client asks for WebSocket version {version.value!r}; this server speaks only "
            "version 13 and says so in its answer",
            "RFC 6455 §4.2.2 step 4, §4.4",
            version,
        )
    ok(check, "version 13, the version of RFC 6455", "RFC 6455 §4.2.1 item 6", version)

    # 6. Key.
    check = "Sec-WebSocket-Key is 16 bytes of base64"
    key = _only_one(request, "Sec-WebSocket-Key", check, "RFC 6455 §4.2.1 item 5, §11.3.1")
    decoded, key_error = check_key(key.value, key.value_span.byte_start)
    if key_error is not None:
        raise _Refusal(400, check, key_error.rule, key_error.section, key)
    shown = (decoded or b"").hex(" ")
    ok(check, f"{key.value!r} decodes to 16 bytes: {shown}", KEY_SECTION, key)

    # 7. Origin: at most one, and allowed by the policy.
    check = "Origin allowed"
    origins = request.header_lines("Origin")
    if len(origins) > 1:
        raise _Refusal(
            400,
            check,
            f"the Origin header appears {len(origins)} times; it must appear once",
            "RFC 6454 §7.3",
            origins[1],
        )
    if not origins:
        ok(
            check,
            "no Origin header, so the client is not a browser (browsers always send one): allowed",
            "RFC 6455 §4.2.1 item 7",
        )
    elif policy.origins is None:
        ok(
            check,
            f"the Origin header says {origins[0].value!r}; this server accepts every origin",
            "RFC 6455 §4.2.2 step 4",
            origins[0],
        )
    elif origins[0].value.lower() in {o.lower() for o in policy.origins}:
        ok(
            check,
            f"origin {origins[0].value!r} (from the Origin header) is in this server's allow-list",
            "RFC 6455 §4.2.2 step 4, §10.2",
            origins[0],
        )
    else:
        raise _Refusal(
            403,
            check,
            f"origin {origins[0].value!r} (from the Origin header) is not in this server's allow-list",
            "RFC 6455 §4.2.2 step 4, §10.2",
            origins[0],
        )

    # 8. Subprotocol: the server's preference decides among those the client offered.
    check = "subprotocol"
    offered = request.subprotocols
    chosen = next((p for p in policy.subprotocols if p in offered), None)
    section = "RFC 6455 §4.2.2 step 4"
    if chosen is not None:
        note(
            check,
            f"chose {chosen!r}: the first subprotocol in the server's list ({_names(policy.subprotocols)}) "
            f"that the client also offered ({_names(offered)})",
            section,
        )
    elif offered:
        note(
            check,
            f"the server speaks none of the subprotocols the client offered ({_names(offered)}; the "
            f"server speaks {_names(policy.subprotocols)}), so it answers without a "
            "Sec-WebSocket-Protocol header",
            section,
        )
    else:
        note(check, "the client offered no subprotocol", section)

    # 9. Extensions: each configured extension, in order, looks at the offers of its name.
    offers = request.extensions
    negotiated: list[NegotiatedExtension] = []
    elements: list[ExtensionOffer] = []
    for ext in policy.extensions:
        check = f"extension {ext.name}"
        mine = [o for o in offers if o.name == ext.name]
        if not mine:
            note(check, "not offered by the client", "RFC 6455 §9.1")
            continue
        try:
            result = ext.accept(mine, role="server")
        except NegotiationError as err:
            note(check, f"declined: {err.rule}", err.section or "RFC 6455 §9.1")
            continue
        if result is None:
            offers_word = "offer" if len(mine) == 1 else f"{len(mine)} offers"
            note(check, f"declined the client's {offers_word}", "RFC 6455 §9.1")
            continue
        element, state, why = result
        negotiated.append(state)
        elements.append(element)
        steps.append(CheckStep(check, "pass", f"the answer says '{element}'; {why}", "RFC 6455 §9.1"))
    configured = {ext.name for ext in policy.extensions}
    for name in dict.fromkeys(o.name for o in offers if o.name not in configured):
        note(f"extension {name}", "not supported by this server; ignored", "RFC 6455 §9.1")
    return chosen, negotiated, elements
