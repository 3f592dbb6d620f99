"""The handshake's two verdicts, step by step: the server's decision and the client's check (RFC 6455 §4).

:func:`decide` accepts or refuses a request as a server applying a :class:`ServerPolicy` would (RFC 6455
§4.2.1, §4.2.2); :func:`check_response` validates the server's answer as the client must (§4.1). Both
record every check as a :class:`CheckStep` with its outcome, its RFC section and the bytes it looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import HandshakeRejected, InvalidAccept, InvalidResponse, NegotiationError
from ._text import h
from .accept import _SECTION_KEY, _check_key, accept_key
from .extensions import Extension, ExtensionOffer, NegotiatedExtension
from .handshake import HandshakeRequest, HandshakeResponse, HeaderLine

__all__ = [
    "CheckStep",
    "ClientCheck",
    "ServerDecision",
    "ServerPolicy",
    "check_response",
    "decide",
]

Outcome = Literal["pass", "fail", "note"]


# --------------------------------------------------------------------------------------------------
# Decisions and checks, step by step
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckStep:
    """One check made deciding or verifying a handshake, with its outcome and the rule's source.

    ``outcome`` is ``"pass"``, ``"fail"`` (the handshake stops here) or ``"note"`` (a choice made,
    such as the subprotocol picked or an extension declined). ``start``/``end`` locate the bytes the
    check looked at, when there are some.
    """

    check: str
    outcome: Outcome
    detail: str
    section: str
    http_status: int | None = None
    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        status = f" -> HTTP {self.http_status}" if self.http_status else ""
        return f"[{self.outcome}] {self.check}: {self.detail} ({self.section}){status}"


def _steps_text(title: str, steps: Sequence[CheckStep]) -> str:
    return "\n".join([title, *(f"  {step}" for step in steps)])


def _steps_html(title: str, steps: Sequence[CheckStep]) -> str:
    colours = {"pass": "#eaf7ea", "fail": "#fdd", "note": "#f4f4f4"}
    rows = "".join(
        f'<tr style="background:{colours[s.outcome]}"><td>{h(s.outcome)}</td>'
        f"<td>{h(s.check)}</td>"
        f"<td>{h(s.detail)}</td><td>{h(s.section)}</td>"
        f"<td>{'' if s.http_status is None else s.http_status}</td></tr>"
        for s in steps
    )
    return (
        f"<table><caption>{h(title)}</caption><tr><th>outcome</th><th>check</th>"
        f"<th>detail</th><th>RFC</th><th>HTTP</th></tr>{rows}</table>"
    )


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

    def text(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return _steps_text(
            f"Server decision: {verdict}, {self.status}: {self.reason} ({self.section})", self.steps
        )

    def __repr__(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return f"<ServerDecision {self.status} {verdict}: {self.reason}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return _steps_html(f"Server decision: {verdict}, {self.status}: {self.reason}", self.steps)


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


def _includes(values: Sequence[str], token: str) -> bool:
    """Whether a header's list has ``token``, compared case-insensitively (RFC 7230 §6.1, §6.7)."""
    return any(value.lower() == token for value in values)


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
            f"base64(SHA-1({key!r} + GUID)) = {accept_key(key)!r}; answering 101",
            "RFC 6455 §4.2.2 step 5.4",
        )
    )
    return ServerDecision(
        True,
        101,
        response,
        "the request is a valid WebSocket handshake: switching protocols",
        "RFC 6455 §4.2.2",
        chosen,
        negotiated,
        steps,
        None,
    )


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
    ok(check, "GET", "RFC 6455 §4.2.1 item 1")
    check = "HTTP/1.1 or higher"
    if _parse_http_version(request.http_version) < (1, 1):
        raise _Refusal(
            400,
            check,
            f"{request.http_version} is older than HTTP/1.1",
            "RFC 6455 §4.2.1 item 1",
            offset=0,
        )
    ok(check, request.http_version, "RFC 6455 §4.2.1 item 1")

    # 3. Host.
    check = "Host header"
    host = _only_one(request, "Host", check, "RFC 6455 §4.2.1 item 2, RFC 7230 §5.4")
    ok(check, f"Host: {host.value}", "RFC 6455 §4.2.1 item 2", host)

    # 4. Upgrade and Connection.
    check = "Upgrade includes websocket"
    if not _includes(request.upgrade, "websocket"):
        what = ", ".join(request.get_all("Upgrade")) or "no Upgrade header"
        raise _Refusal(
            400,
            check,
            f"Upgrade does not include 'websocket' ({what}): this is not a WebSocket handshake",
            "RFC 6455 §4.2.1 item 3",
        )
    ok(check, "Upgrade: " + ", ".join(request.upgrade), "RFC 6455 §4.2.1 item 3")
    check = "Connection includes Upgrade"
    if not _includes(request.connection, "upgrade"):
        what = ", ".join(request.get_all("Connection")) or "no Connection header"
        raise _Refusal(
            400,
            check,
            f"Connection does not include the token 'Upgrade' ({what})",
            "RFC 6455 §4.2.1 item 4",
        )
    ok(check, "Connection: " + ", ".join(request.connection), "RFC 6455 §4.2.1 item 4")

    # 5. Version before key: a client of another version may build its key differently.
    check = "Sec-WebSocket-Version is 13"
    version = _only_one(request, "Sec-WebSocket-Version", check, "RFC 6455 §4.2.1 item 6")
    if version.value != "13":
        raise _Refusal(
            426,
            check,
            f"version {version.value!r} is not supported; this server speaks 13",
            "RFC 6455 §4.2.2 (/version/), §4.4",
            version,
        )
    ok(check, "13", "RFC 6455 §4.2.1 item 6", version)

    # 6. Key.
    check = "Sec-WebSocket-Key is 16 bytes of base64"
    key = _only_one(request, "Sec-WebSocket-Key", check, "RFC 6455 §4.2.1 item 5, §11.3.1")
    decoded, key_error = _check_key(key.value, key.value_span.byte_start)
    if key_error is not None:
        raise _Refusal(400, check, key_error.rule, _SECTION_KEY, key)
    shown = (decoded or b"").hex(" ")
    ok(check, f"{key.value!r} decodes to 16 bytes: {shown}", _SECTION_KEY, key)

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
            "no Origin header: not a browser (browsers always send one); allowed",
            "RFC 6455 §4.2.1 item 7",
        )
    elif policy.origins is None:
        ok(
            check,
            f"{origins[0].value}: this server accepts any origin",
            "RFC 6455 §4.2.2 (/origin/)",
            origins[0],
        )
    elif origins[0].value.lower() in {o.lower() for o in policy.origins}:
        ok(
            check,
            f"{origins[0].value} is in the allow-list",
            "RFC 6455 §4.2.2 (/origin/), §10.2",
            origins[0],
        )
    else:
        raise _Refusal(
            403,
            check,
            f"origin {origins[0].value!r} is not in this server's allow-list",
            "RFC 6455 §4.2.2 (/origin/), §10.2",
            origins[0],
        )

    # 8. Subprotocol: the server's preference decides among those the client offered.
    check = "subprotocol"
    offered = request.subprotocols
    chosen = next((p for p in policy.subprotocols if p in offered), None)
    if chosen is not None:
        note(
            check,
            f"chose {chosen!r}: the first of the server's preferences "
            f"{list(policy.subprotocols)} that the client offered {offered}",
            "RFC 6455 §4.2.2 (/subprotocol/)",
        )
    elif offered:
        note(
            check,
            f"none of the client's {offered} is supported "
            f"(server: {list(policy.subprotocols)}); answering without Sec-WebSocket-Protocol",
            "RFC 6455 §4.2.2 (/subprotocol/)",
        )
    else:
        note(check, "the client offered none", "RFC 6455 §4.2.2 (/subprotocol/)")

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
            note(check, f"declined all {len(mine)} offer(s)", "RFC 6455 §9.1")
            continue
        element, state, why = result
        negotiated.append(state)
        elements.append(element)
        steps.append(CheckStep(check, "pass", f"accepted as '{element}': {why}", "RFC 6455 §9.1"))
    configured = {ext.name for ext in policy.extensions}
    for name in dict.fromkeys(o.name for o in offers if o.name not in configured):
        note(f"extension {name}", "not supported by this server; ignored", "RFC 6455 §9.1")
    return chosen, negotiated, elements


@dataclass(frozen=True)
class ClientCheck:
    """The client's verdict on the server's answer and the checks behind it (RFC 6455 §4.1)."""

    ok: bool
    steps: list[CheckStep] = field(default_factory=list)
    subprotocol: str | None = None
    extensions: list[NegotiatedExtension] = field(default_factory=list)
    error: InvalidResponse | None = None

    def raise_for_failure(self) -> None:
        """Raise the InvalidResponse error if the check failed."""
        if self.error is not None:
            raise self.error

    def text(self) -> str:
        verdict = "connection established" if self.ok else f"FAILED: {self.error}"
        return _steps_text(f"Client check: {verdict}", self.steps)

    def __repr__(self) -> str:
        if self.ok:
            extra = f", subprotocol={self.subprotocol!r}" if self.subprotocol else ""
            return f"<ClientCheck ok{extra}, {len(self.extensions)} extension(s)>"
        return f"<ClientCheck FAILED: {self.error}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        verdict = "connection established" if self.ok else f"FAILED: {self.error}"
        return _steps_html(f"Client check: {verdict}", self.steps)


class _Failure(Exception):
    """Internal: stops the checks in :func:`check_response` with the error to report."""

    def __init__(self, check: str, error: InvalidResponse, line: HeaderLine | None = None) -> None:
        super().__init__(error.rule)
        self.check = check
        self.error = error
        self.start = line.start if line is not None else error.offset
        self.end = line.end if line is not None else None


def check_response(
    request: HandshakeRequest,
    response: HandshakeResponse,
    extensions: Sequence[Extension] = (),
) -> ClientCheck:
    """Validate the server's answer as the client must (RFC 6455 §4.1, the checks after sending).

    In order, stopping at the first failure: status 101; the response syntax; Upgrade has
    websocket; Connection has upgrade; exactly one Sec-WebSocket-Accept equal to the expected value;
    each extension element was offered, appears once, and its :class:`Extension` accepts the
    parameters; at most one subprotocol, and one the client offered.
    """
    steps: list[CheckStep] = []
    try:
        chosen, negotiated = _run_client_checks(request, response, extensions, steps)
    except _Failure as failure:
        steps.append(
            CheckStep(
                failure.check,
                "fail",
                failure.error.rule,
                failure.error.section,
                failure.error.http_status,
                failure.start,
                failure.end,
            )
        )
        return ClientCheck(False, steps, None, [], failure.error)
    return ClientCheck(True, steps, chosen, negotiated, None)


def _run_client_checks(
    request: HandshakeRequest,
    response: HandshakeResponse,
    extensions: Sequence[Extension],
    steps: list[CheckStep],
) -> tuple[str | None, list[NegotiatedExtension]]:
    def ok(check: str, detail: str, section: str, line: HeaderLine | None = None) -> None:
        start, end = (line.start, line.end) if line is not None else (None, None)
        steps.append(CheckStep(check, "pass", detail, section, None, start, end))

    def fail(
        check: str,
        rule: str,
        section: str = "RFC 6455 §4.1",
        line: HeaderLine | None = None,
        **kwargs: object,
    ) -> _Failure:
        offset = line.start if line is not None else kwargs.pop("offset", None)
        error = InvalidResponse(
            f"{rule}; the client must fail the WebSocket connection",
            section=section,
            offset=offset,
            **kwargs,
        )
        return _Failure(check, error, line)

    check = "status is 101"
    if response.status != 101:
        raise fail(
            check,
            f"the server answered {response.status} {response.reason!r} instead of 101 Switching Protocols",
            "RFC 6455 §4.1 (response check 1)",
            offset=0,
            http_status=response.status,
        )
    ok(check, f"{response.status} {response.reason}", "RFC 6455 §4.1 (response check 1)")

    check = "response syntax"
    if response.violations:
        first = response.violations[0]
        raise fail(check, first.rule, first.section, offset=first.start)
    ok(check, "the status line and every header line are well formed", "RFC 7230 §3")

    check = "Upgrade is websocket"
    if not _includes(response.upgrade, "websocket"):
        what = ", ".join(response.get_all("Upgrade")) or "no Upgrade header"
        raise fail(check, f"Upgrade does not say websocket ({what})", "RFC 6455 §4.1 (response check 2)")
    ok(check, "Upgrade: " + ", ".join(response.upgrade), "RFC 6455 §4.1 (response check 2)")

    check = "Connection includes Upgrade"
    if not _includes(response.connection, "upgrade"):
        what = ", ".join(response.get_all("Connection")) or "no Connection header"
        raise fail(
            check,
            f"Connection does not include the token 'Upgrade' ({what})",
            "RFC 6455 §4.1 (response check 3)",
        )
    ok(check, "Connection: " + ", ".join(response.connection), "RFC 6455 §4.1 (response check 3)")

    check = "Sec-WebSocket-Accept matches"
    section = "RFC 6455 §4.1 (response check 4)"
    if request.key is None:
        raise fail(
            check,
            "the request has no Sec-WebSocket-Key, so no accept can be expected",
            section,
            fault="local",
        )
    expected = accept_key(request.key)
    accepts = response.header_lines("Sec-WebSocket-Accept")
    if len(accepts) > 1:
        raise fail(
            check,
            f"Sec-WebSocket-Accept appears {len(accepts)} times; it must appear once",
            "RFC 6455 §11.3.3",
            accepts[1],
        )
    received = accepts[0].value if accepts else None
    if received != expected:
        where = accepts[0] if accepts else None
        error = InvalidAccept(expected, received, section=section, offset=where.start if where else None)
        raise _Failure(check, error, where)
    ok(check, f"{received!r} = base64(SHA-1({request.key!r} + GUID))", section, accepts[0])

    check = "extensions"
    section = "RFC 6455 §4.1 (response check 5), §9.1"
    ext_lines = response.header_lines("Sec-WebSocket-Extensions")
    if len(ext_lines) > 1:
        raise fail(
            check,
            "Sec-WebSocket-Extensions appears more than once in the response",
            "RFC 6455 §11.3.2",
            ext_lines[1],
        )
    offered = {o.name for o in request.extensions}
    negotiated: list[NegotiatedExtension] = []
    seen: set[str] = set()
    for element in response.extensions:
        line = ext_lines[0] if ext_lines else None
        name = element.name
        if name not in offered:
            raise fail(
                check,
                f"the server uses extension {name!r}, which the client did not offer",
                section,
                line,
            )
        if name in seen:
            raise fail(check, f"the server lists extension {name!r} twice", section, line)
        seen.add(name)
        ext = next((e for e in extensions if e.name == name), None)
        if ext is None:
            raise fail(
                check,
                f"the server accepted {name!r}, but no Extension object was given to check it",
                section,
                line,
                fault="local",
            )
        try:
            negotiated.append(ext.check_response(element, role="client"))
        except NegotiationError as err:
            raise fail(check, f"extension {name}: {err.rule}", err.section or section, line) from err
        ok(check, f"'{element}' accepted", section, line)
    if not response.extensions:
        ok(check, "none in use", section)

    check = "subprotocol"
    section = "RFC 6455 §4.1 (response check 6)"
    proto_lines = response.header_lines("Sec-WebSocket-Protocol")
    chosen = response.subprotocols
    if len(proto_lines) > 1 or len(chosen) > 1:
        raise fail(
            check,
            f"the server names {len(chosen)} subprotocols {chosen}; it may choose at most one",
            "RFC 6455 §4.2.2 (/subprotocol/), §11.3.4",
            proto_lines[-1] if proto_lines else None,
        )
    if chosen:
        if chosen[0] not in request.subprotocols:
            raise fail(
                check,
                f"the server chose subprotocol {chosen[0]!r}, which the client did "
                f"not offer (offered: {request.subprotocols})",
                section,
                proto_lines[0],
            )
        ok(check, f"{chosen[0]!r}, offered by the client", section, proto_lines[0])
        return chosen[0], negotiated
    ok(check, "none chosen", section)
    return None, negotiated
