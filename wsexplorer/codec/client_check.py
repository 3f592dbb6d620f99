"""The client's check of the server's answer, step by step (RFC 6455 §4.1, the checks after sending).

:func:`check_response` verifies a response as a client must before it may speak WebSocket: status 101,
the syntax, Upgrade and Connection, the Sec-WebSocket-Accept value, the extensions and the
subprotocol. Each check is a :class:`~wsexplorer.codec.check_step.CheckStep`; the first failure is an
:class:`~wsexplorer.errors.InvalidResponse` the client fails the connection with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import InvalidAccept, InvalidResponse, NegotiationError
from .accept import accept_key
from .check_step import CheckStep, list_includes
from .extensions.base import Extension, NegotiatedExtension
from .handshake import HandshakeRequest, HandshakeResponse
from .http import HeaderLine

__all__ = ["ClientCheck", "check_response"]


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

    def __repr__(self) -> str:
        if self.ok:
            extra = f", subprotocol={self.subprotocol!r}" if self.subprotocol else ""
            return f"<ClientCheck ok{extra}, {len(self.extensions)} extension(s)>"
        return f"<ClientCheck FAILED: {self.error}>"


class _Failure(Exception):
    """Internal: stops the checks in :func:`check_response` with the error to report.

    ``detail`` is what the failed step says (the error's rule unless given): the step is one line
    of a table whose verdict already says that the client fails the connection.
    """

    def __init__(
        self, check: str, error: InvalidResponse, line: HeaderLine | None = None, detail: str | None = None
    ) -> None:
        super().__init__(error.rule)
        self.check = check
        self.error = error
        self.detail = error.rule if detail is None else detail
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
                failure.detail,
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
        return _Failure(check, error, line, rule)

    check = "status is 101"
    status = f"{response.status} {response.reason}".strip()
    if response.status != 101:
        raise fail(
            check,
            f"the server answered {status} instead of 101 Switching Protocols",
            "RFC 6455 §4.1 (response check 1)",
            offset=0,
            http_status=response.status,
        )
    ok(check, f"the server answered {status}", "RFC 6455 §4.1 (response check 1)")

    check = "response syntax"
    if response.violations:
        first = response.violations[0]
        raise fail(check, first.rule, first.section, offset=first.start)
    ok(check, "the status line and every header line are well formed", "RFC 7230 §3")

    check = "Upgrade is websocket"
    if not list_includes(response.upgrade, "websocket"):
        what = ", ".join(response.get_all("Upgrade"))
        rule = (
            f"the Upgrade header says {what!r}, not 'websocket'"
            if what
            else "the answer has no Upgrade header"
        )
        raise fail(check, rule, "RFC 6455 §4.1 (response check 2)")
    ok(check, "Upgrade: " + ", ".join(response.upgrade), "RFC 6455 §4.1 (response check 2)")

    check = "Connection includes Upgrade"
    if not list_includes(response.connection, "upgrade"):
        what = ", ".join(response.get_all("Connection"))
        rule = (
            f"the Connection header says {what!r}, which does not include the token 'Upgrade'"
            if what
            else "the answer has no Connection header (it must include the token 'Upgrade')"
        )
        raise fail(check, rule, "RFC 6455 §4.1 (response check 3)")
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
    formula = f"base64(SHA-1({request.key!r} + GUID))"
    if received != expected:
        where = accepts[0] if accepts else None
        error = InvalidAccept(expected, received, section=section, offset=where.start if where else None)
        sent = f"the server sent {received!r}" if received is not None else "the server sent no value"
        raise _Failure(check, error, where, f"{sent}, but the client expected {expected!r} = {formula}")
    ok(check, f"the server sent {received!r} = {formula}, as the client expected", section, accepts[0])

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
        ok(check, f"the client accepts '{element}'", section, line)
    if not response.extensions:
        ok(check, "the server uses none", section)

    check = "subprotocol"
    section = "RFC 6455 §4.1 (response check 6)"
    proto_lines = response.header_lines("Sec-WebSocket-Protocol")
    chosen = response.subprotocols
    if len(proto_lines) > 1 or len(chosen) > 1:
        raise fail(
            check,
            f"the server names {len(chosen)} subprotocols ({', '.join(chosen)}); it may choose at most one",
            "RFC 6455 §4.2.2 step 4, §11.3.4",
            proto_lines[-1] if proto_lines else None,
        )
    if chosen:
        if chosen[0] not in request.subprotocols:
            raise fail(
                check,
                f"the server chose subprotocol {chosen[0]!r}, which the client did "
                f"not offer (it offered: {', '.join(request.subprotocols) or 'none'})",
                section,
                proto_lines[0],
            )
        ok(check, f"the server chose {chosen[0]!r}, which the client offered", section, proto_lines[0])
        return chosen[0], negotiated
    ok(check, "the server chose none", section)
    return None, negotiated
