"""What the RFC requires of a server in each kind of case, as judges: an observation in, a verdict out.

A judge is a function of an :class:`~.report.Observation` that returns the :class:`~.report.Verdict`
and one sentence saying why, naming the rule and its section when the server deviates. The judges are
pure (no I/O): the same observation always gets the same verdict, so a report can be re-judged and a
judge tested on made-up observations.

Failing the connection (RFC 6455 §7.1.7) means closing it; the close frame with a code is a SHOULD, so
a server that drops TCP without one still conforms (the explanation says so), and a code other than the
one §7.4.1 defines for the problem is noted, not held against it.
"""

from __future__ import annotations

from collections.abc import Callable

from .report import Observation, Verdict

__all__ = [
    "Judge",
    "accepts_handshake",
    "answers_close",
    "answers_ping",
    "closes_without_data",
    "deflate_response",
    "fails",
    "informational",
    "refuses_handshake",
    "refuses_version",
    "stays_open",
    "subprotocol_choice",
]

Judge = Callable[[Observation], tuple[Verdict, str]]

_NOT_OPENED = ("refused", "no-handshake", "error")


def _not_opened(o: Observation) -> tuple[Verdict, str] | None:
    """A frame case whose handshake did not succeed could not run."""
    if o.ending in _NOT_OPENED or o.status not in (101, None) or o.server_rule.startswith("handshake"):
        why = o.error or o.server_rule or (f"HTTP {o.status}" if o.status else o.ending)
        return Verdict.NOT_RUN, f"the opening handshake did not succeed ({why}), so nothing was tested"
    return None


def _went_on(o: Observation) -> str:
    if o.messages:
        return f"it echoed the message ({o.summary()})"
    if o.sentinel:
        return "it answered the ping that followed, so the connection stayed open"
    return "it neither failed the connection nor answered the ping that followed"


def fails(rule: str, section: str, *codes: int) -> Judge:
    """The server MUST fail the connection (§7.1.7), preferably with ``codes[0]`` (or one of ``codes``)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        skipped = _not_opened(o)
        if skipped is not None:
            return skipped
        if o.probe_failed:
            return Verdict.DEVIATES, (
                f"{rule}, but the server did not fail the connection: it sent back a frame that breaks "
                f"{o.server_rule}, so the probe failed the connection itself ({section} requires the "
                "server to fail it)"
            )
        if o.ending == "closed" and o.close_code in codes:
            return Verdict.CONFORMS, f"failed the connection with {o.close_code}, as {section} requires"
        if o.ending == "closed":
            return Verdict.CONFORMS, (
                f"failed the connection, but with {o.close_code} where RFC 6455 §7.4.1 defines "
                f"{codes[0]} for this"
            )
        if o.ending == "dropped" and not o.messages:
            return Verdict.CONFORMS, (
                "failed the connection by closing TCP without a close frame (the close frame is a "
                "SHOULD, RFC 6455 §7.1.7)"
            )
        return Verdict.DEVIATES, f"{rule}, but {_went_on(o)}: {section} requires failing the connection"

    return judge


def stays_open(what: str, section: str) -> Judge:
    """The input is valid: the server MUST go on (echoing is up to the application)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        skipped = _not_opened(o)
        if skipped is not None:
            return skipped
        if o.ending == "open" and o.sentinel:
            echoed = f"; it echoed {len(o.messages)} message(s)" if o.messages else ""
            return Verdict.CONFORMS, f"{what} was accepted and the connection stayed open{echoed}"
        if o.ending == "closed":
            return Verdict.DEVIATES, (
                f"{what} is valid ({section}), but the server closed with {o.close_code}"
                + (f" {o.close_reason!r}" if o.close_reason else "")
            )
        if o.ending == "dropped":
            return Verdict.DEVIATES, f"{what} is valid ({section}), but the server dropped the connection"
        return Verdict.DEVIATES, (
            f"{what} is valid ({section}), but the server did not answer the ping that followed "
            "(a pong is a MUST, RFC 6455 §5.5.2)"
        )

    return judge


def answers_ping(payload: bytes) -> Judge:
    """A ping MUST be answered with a pong carrying the same application data (§5.5.2)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        skipped = _not_opened(o)
        if skipped is not None:
            return skipped
        if payload in o.pongs:
            return Verdict.CONFORMS, f"answered with a pong carrying the same {len(payload)} bytes"
        if o.pongs:
            return Verdict.DEVIATES, (
                "answered with a pong whose application data differs from the ping's "
                "(RFC 6455 §5.5.2: the pong carries the ping's data)"
            )
        return Verdict.DEVIATES, f"no pong came back ({o.summary()}): RFC 6455 §5.5.2 requires one"

    return judge


def answers_close(section: str = "RFC 6455 §5.5.1") -> Judge:
    """A close frame MUST be answered with a close frame (§5.5.1), then the server closes TCP (§7.1.1)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        skipped = _not_opened(o)
        if skipped is not None:
            return skipped
        if o.ending == "closed":
            code = "no code" if o.close_code in (None, 1005) else str(o.close_code)
            return Verdict.CONFORMS, f"answered with a close frame ({code}), as {section} requires"
        if o.ending == "dropped":
            return Verdict.DEVIATES, f"closed TCP without answering the close frame ({section})"
        return Verdict.DEVIATES, f"did not answer the close frame ({section})"

    return judge


def closes_without_data() -> Judge:
    """Frames after a close frame are not answered: no data after the server's own close (§5.5.1)."""
    reply = answers_close()

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.messages:
            return Verdict.DEVIATES, (
                "echoed data sent after the close frame: after a close frame no data frames may follow "
                "(RFC 6455 §5.5.1)"
            )
        return reply(o)

    return judge


def informational(describe: Callable[[Observation], str]) -> Judge:
    """The RFC leaves the choice to the server: say what it chose."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.ending in ("error", "no-handshake"):
            return Verdict.NOT_RUN, f"nothing to report: {o.summary()}"
        return Verdict.INFORMATIONAL, describe(o)

    return judge


def refuses_handshake(rule: str, section: str) -> Judge:
    """An invalid opening handshake MUST be refused with an HTTP error (§4.2.1: "such as 400")."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.ending == "error":
            return Verdict.NOT_RUN, f"no connection: {o.error}"
        if o.status == 101:
            return Verdict.DEVIATES, f"accepted a request where {rule} ({section})"
        if o.status is not None and 400 <= o.status < 500:
            return Verdict.CONFORMS, f"refused with {o.status}: {rule} ({section})"
        if o.status is not None:
            return Verdict.INFORMATIONAL, (
                f"refused with {o.status}; {section} asks for an HTTP error code such as 400"
            )
        return Verdict.DEVIATES, (
            f"{o.summary()} instead of an HTTP error response: {section} requires an HTTP response "
            "with an error code"
        )

    return judge


def refuses_version(o: Observation) -> tuple[Verdict, str]:
    """An unsupported version: an HTTP error with a Sec-WebSocket-Version header (§4.2.2, §4.4)."""
    if o.ending == "error":
        return Verdict.NOT_RUN, f"no connection: {o.error}"
    if o.status == 101:
        return Verdict.DEVIATES, "accepted version 25, which does not exist (RFC 6455 §4.2.2 /version/, §4.4)"
    versions = ", ".join(o.header("Sec-WebSocket-Version"))
    if o.status is None:
        return Verdict.DEVIATES, f"{o.summary()}: RFC 6455 §4.2.2 requires an HTTP error response"
    if not versions:
        suggested = "" if o.status == 426 else " (RFC 6455 §4.2.2 suggests 426 Upgrade Required)"
        return Verdict.DEVIATES, (
            f"refused with {o.status}{suggested} but without a Sec-WebSocket-Version header: RFC 6455 §4.4 "
            "says a server that does not support the requested version MUST list the versions it supports"
        )
    if o.status == 426:
        return Verdict.CONFORMS, f"426 Upgrade Required with Sec-WebSocket-Version: {versions}"
    return Verdict.CONFORMS, (
        f"{o.status} with Sec-WebSocket-Version: {versions} (RFC 6455 §4.2.2 suggests 426; §4.4's own "
        "example answers 400, and the version header is the MUST)"
    )


def accepts_handshake(what: str, section: str) -> Judge:
    """A valid request MUST be accepted (the protocol leaves no choice)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.ending == "error":
            return Verdict.NOT_RUN, f"no connection: {o.error}"
        if o.status == 101 and not o.server_rule:
            return Verdict.CONFORMS, f"accepted {what}"
        if o.status == 101:
            return Verdict.DEVIATES, f"answered 101, but the answer breaks a rule: {o.server_rule}"
        return Verdict.DEVIATES, f"{o.summary()} for {what}, which {section} allows"

    return judge


def subprotocol_choice(offered: tuple[str, ...]) -> Judge:
    """The server picks one subprotocol the client offered, or none (§4.2.2 /subprotocol/)."""

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.ending == "error":
            return Verdict.NOT_RUN, f"no connection: {o.error}"
        chosen = o.header("Sec-WebSocket-Protocol")
        if o.status == 101 and not chosen:
            return Verdict.CONFORMS, "accepted without choosing a subprotocol (none of the offered is known)"
        if o.status == 101 and all(c in offered for c in chosen) and len(chosen) == 1:
            return Verdict.INFORMATIONAL, f"chose {chosen[0]!r}, which was offered"
        if o.status == 101:
            return Verdict.DEVIATES, (
                f"answered Sec-WebSocket-Protocol: {', '.join(chosen)}, which the client did not offer "
                "(RFC 6455 §4.2.2 /subprotocol/, §4.1: the client must then fail)"
            )
        return Verdict.INFORMATIONAL, (
            f"refused with {o.status}: this server requires a subprotocol it knows (allowed, §4.2.2)"
        )

    return judge


def deflate_response(offer: str, *, must_decline: str = "") -> Judge:
    """A permessage-deflate offer (RFC 7692 §5, §7): accepted with a valid response, or declined.

    With ``must_decline`` (the reason the offer is invalid) accepting is a deviation (RFC 7692 §7:
    "A server MUST decline an extension negotiation offer for this extension if ...").
    """

    def judge(o: Observation) -> tuple[Verdict, str]:
        if o.ending == "error":
            return Verdict.NOT_RUN, f"no connection: {o.error}"
        answer = ", ".join(o.header("Sec-WebSocket-Extensions"))
        if o.status != 101:
            if must_decline:
                return Verdict.CONFORMS, f"refused the handshake ({o.summary()}): the offer {must_decline}"
            return Verdict.DEVIATES, (
                f"refused the handshake ({o.summary()}) over an extension offer it may simply decline "
                "(RFC 6455 §9.1, RFC 7692 §5)"
            )
        if o.server_rule:
            return Verdict.DEVIATES, f"accepted with an invalid response {answer!r}: {o.server_rule}"
        if not answer:
            return Verdict.CONFORMS, "declined the offer (no Sec-WebSocket-Extensions in the answer)"
        if must_decline:
            return Verdict.DEVIATES, (
                f"accepted ({answer}) although the offer {must_decline}: RFC 7692 §7 requires declining it"
            )
        return Verdict.CONFORMS, f"accepted: {answer}"

    return judge
