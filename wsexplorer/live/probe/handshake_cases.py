"""Probe cases about the opening handshake and permessage-deflate negotiation.

RFC 6455 §4.2.1 lists what a server must find in a request (and refuse with an HTTP error otherwise),
§4.2.2 and §4.4 what it answers to a version it does not speak, §10.2 what Origin is for; RFC 7692 §7
says which permessage-deflate offers a server must decline and what its answer to each parameter may
be. The deflate answers are checked as a client must check them
(:func:`~wsexplorer.codec.client_check.check_response`).
"""

from __future__ import annotations

from ...codec.extensions import PerMessageDeflate
from . import expect
from .plan import Plan, ProbeCase, replacing, request_line, without
from .report import Observation, Verdict

__all__ = ["HANDSHAKE_CASES"]

HANDSHAKE = "Handshake"
DEFLATE = "Compression"
_UNKNOWN = ("wsexplorer.probe.unknown-1", "wsexplorer.probe.unknown-2")
_EVIL = "http://evil.example"


def _refused(i: int, title: str, sends: str, rule: str, section: str, plan: Plan) -> ProbeCase:
    return ProbeCase(
        f"11.{i}",
        HANDSHAKE,
        title,
        sends,
        f"refuse with an HTTP error such as 400: {rule}",
        section,
        expect.refuses_handshake(rule, section),
        plan,
    )


def _origin(o: Observation) -> str:
    if o.status == 101:
        return f"accepted Origin: {_EVIL} (it checks no origins; §10.2 asks servers used by browsers to)"
    return f"refused Origin: {_EVIL} with {o.summary()} (§4.2.2 suggests 403)"


def _offer(
    i: int, title: str, offer: str, config: PerMessageDeflate, section: str, invalid: str = ""
) -> ProbeCase:
    return ProbeCase(
        f"12.{i}",
        DEFLATE,
        title,
        f"Sec-WebSocket-Extensions: {offer}",
        f"decline the offer: it {invalid}" if invalid else "decline it, or accept it with a valid response",
        section,
        expect.deflate_response(offer, must_decline=invalid),
        Plan(offer=offer, deflate=config),
    )


def _compressed(o: Observation) -> tuple[Verdict, str]:
    if o.status == 101 and not o.header("Sec-WebSocket-Extensions") and not o.server_rule:
        return Verdict.INFORMATIONAL, "declined permessage-deflate, so no compressed message was sent"
    return expect.stays_open("a compressed message", "RFC 7692 §6")(o)


HANDSHAKE_CASES: tuple[ProbeCase, ...] = (
    ProbeCase(
        "11.1",
        HANDSHAKE,
        "header values in other forms",
        "Upgrade: WebSocket and Connection: keep-alive, Upgrade",
        "accept: Upgrade is compared case-insensitively and Connection is a token list",
        "RFC 6455 §4.2.1 items 3-4",
        expect.accepts_handshake("'WebSocket' and 'keep-alive, Upgrade'", "RFC 6455 §4.2.1 items 3-4"),
        Plan(
            edit=lambda lines: replacing("Connection", "keep-alive, Upgrade")(
                replacing("Upgrade", "WebSocket")(lines)
            )
        ),
    ),
    _refused(
        2,
        "no Upgrade",
        "a request without the Upgrade header",
        "the request has no Upgrade: websocket",
        "RFC 6455 §4.2.1 item 3",
        Plan(edit=without("Upgrade")),
    ),
    _refused(
        3,
        "no Connection",
        "a request without the Connection header",
        "the request has no Connection: Upgrade",
        "RFC 6455 §4.2.1 item 4",
        Plan(edit=without("Connection")),
    ),
    _refused(
        4,
        "no key",
        "a request without Sec-WebSocket-Key",
        "the request has no Sec-WebSocket-Key",
        "RFC 6455 §4.2.1 item 5",
        Plan(edit=without("Sec-WebSocket-Key")),
    ),
    _refused(
        5,
        "key of 8 bytes",
        "Sec-WebSocket-Key: AAECAwQFBgc= (8 bytes, not 16)",
        "the key must decode to 16 bytes",
        "RFC 6455 §4.2.1 item 5",
        Plan(edit=replacing("Sec-WebSocket-Key", "AAECAwQFBgc=")),
    ),
    _refused(
        6,
        "no version",
        "a request without Sec-WebSocket-Version",
        "the request has no Sec-WebSocket-Version",
        "RFC 6455 §4.2.1 item 6",
        Plan(edit=without("Sec-WebSocket-Version")),
    ),
    ProbeCase(
        "11.7",
        HANDSHAKE,
        "wrong version",
        "Sec-WebSocket-Version: 25 (no such version exists)",
        "refuse with an HTTP error (such as 426) and a Sec-WebSocket-Version header listing 13",
        "RFC 6455 §4.2.2 step 4, §4.4",
        expect.refuses_version,
        Plan(edit=replacing("Sec-WebSocket-Version", "25")),
    ),
    _refused(
        8,
        "POST",
        "the handshake with the method POST",
        "the method must be GET",
        "RFC 6455 §4.2.1 item 1",
        Plan(edit=request_line("POST")),
    ),
    _refused(
        9,
        "no Host",
        "a request without the Host header",
        "the request has no Host",
        "RFC 6455 §4.2.1 item 2",
        Plan(edit=without("Host")),
    ),
    ProbeCase(
        "11.10",
        HANDSHAKE,
        "unknown subprotocols",
        "Sec-WebSocket-Protocol: " + ", ".join(_UNKNOWN),
        "choose none of them (no Sec-WebSocket-Protocol in the answer), or refuse",
        "RFC 6455 §4.2.2 step 4",
        expect.subprotocol_choice(_UNKNOWN),
        Plan(subprotocols=_UNKNOWN),
    ),
    ProbeCase(
        "11.11",
        HANDSHAKE,
        "foreign Origin",
        f"Origin: {_EVIL}",
        "the server decides: origins matter for servers used by browsers (403 to refuse)",
        "RFC 6455 §4.2.2 step 4, §10.2",
        expect.informational(_origin),
        Plan(origin=_EVIL),
    ),
    _offer(
        1,
        "permessage-deflate",
        "permessage-deflate",
        PerMessageDeflate(client_max_window_bits=None),
        "RFC 7692 §5, §7",
    ),
    _offer(
        2,
        "client_max_window_bits",
        "permessage-deflate; client_max_window_bits",
        PerMessageDeflate(client_max_window_bits=True),
        "RFC 7692 §7.1.2.1",
    ),
    _offer(
        3,
        "server_max_window_bits=10",
        "permessage-deflate; server_max_window_bits=10",
        PerMessageDeflate(server_max_window_bits=10, client_max_window_bits=None),
        "RFC 7692 §7.1.2.1",
    ),
    _offer(
        4,
        "server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover",
        PerMessageDeflate(server_no_context_takeover=True, client_max_window_bits=None),
        "RFC 7692 §7.1.1.1",
    ),
    _offer(
        5,
        "client_no_context_takeover",
        "permessage-deflate; client_no_context_takeover",
        PerMessageDeflate(client_no_context_takeover=True, client_max_window_bits=None),
        "RFC 7692 §7.1.1.2",
    ),
    _offer(
        6,
        "server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=7",
        PerMessageDeflate(client_max_window_bits=None),
        "RFC 7692 §7.1.2.1",
        invalid="has server_max_window_bits=7, outside 8-15",
    ),
    _offer(
        7,
        "unknown parameter",
        "permessage-deflate; x_wsexplorer_probe=1",
        PerMessageDeflate(client_max_window_bits=None),
        "RFC 7692 §7",
        invalid="has a parameter not defined for an offer",
    ),
    ProbeCase(
        "12.8",
        DEFLATE,
        "compressed message",
        "permessage-deflate negotiated, then a compressed text message (RSV1 set)",
        "inflate it and stay open",
        "RFC 7692 §6",
        expect.stays_open("a compressed message", "RFC 7692 §6"),
        Plan(
            offer="permessage-deflate",
            deflate=PerMessageDeflate(client_max_window_bits=None),
            compressed="Hello " * 50,
            echoes=1,
        ),
    ),
)
