"""The relay's opening handshakes: the client's request passed on, the upstream's answer passed back.

End to end (RFC 6455 §4): the relay opens its upstream leg with the client's subprotocols, its
permessage-deflate offers exactly as written (RFC 7692 §5), its Origin and its other end-to-end
headers (cookies, authorization, user agent...), then answers the client with the subprotocol the
upstream chose and the permessage-deflate parameters the upstream agreed to. Both legs then compress
with the same parameters, so compressed frames can be passed on unchanged.

Per leg, necessarily: Host, Sec-WebSocket-Key and -Accept (each leg has its own key, §4.2.2), the
masking keys (§5.3: a client picks its own), extensions the relay does not implement (never offered
upstream: it could not read frames that use them), and the upstream's other response headers (the
client's answer is built by the relay's own server). A refused upstream handshake is answered with its
status; a failure to reach the upstream with 502 or 504.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from ..codec.extensions import Extension, NegotiatedExtension, PerMessageDeflate
from ..codec.extensions.permessage_deflate import EXTENSION_NAME, PerMessageDeflateState
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.headers import ExtensionOffer
from ..codec.role import Role
from ..errors import NegotiationError, OpeningTimeout, TLSError, WSExplorerError

__all__ = [
    "ForwardedOffer",
    "MirroredAnswer",
    "forwarded_headers",
    "forwarded_offers",
    "refusal_for",
    "request_headers",
    "upstream_target",
]

# Headers of the client's request that belong to its own hop or to the WebSocket handshake of its own
# leg (RFC 7230 §6.1 hop-by-hop; RFC 6455 §4.1): never copied upstream.
_PER_LEG = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "content-length",
        "origin",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The client's end-to-end headers (``(name, value)`` pairs in order), as the upstream request
    should carry them."""
    return [(name, value) for name, value in headers if name.lower() not in _PER_LEG]


def request_headers(request: HandshakeRequest) -> list[tuple[str, str]]:
    """A request's headers as ``(name, value)`` pairs, in order."""
    return [(h.name, h.value) for h in request.headers]


def upstream_target(upstream_url: str, target: str, *, forward_path: bool) -> str:
    """The upstream URL a client's request target leads to.

    With ``forward_path``, a target other than ``/`` replaces the upstream URL's path and query (a page
    asking the relay for ``/chat?room=1`` reaches ``wss://upstream/chat?room=1``); otherwise, and for
    ``/``, the upstream URL is used as given.
    """
    if not forward_path or target in ("", "/") or not target.startswith("/"):
        return upstream_url
    parts = urlsplit(upstream_url)
    path, _, query = target.partition("?")
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


class ForwardedOffer(Extension):
    """One of the client's permessage-deflate offers, sent upstream as written (RFC 7692 §5.1).

    Every offer of the client shares the list ``offers``: the upstream's answer is checked against the
    first offer it is a valid answer to (a server answers one offer, §5).
    """

    name = EXTENSION_NAME

    def __init__(self, element: ExtensionOffer, offers: Sequence[ExtensionOffer]) -> None:
        self.element = element
        self.offers = tuple(offers)

    def offer(self) -> ExtensionOffer:
        return self.element

    def accept(
        self, offers: Sequence[ExtensionOffer], role: Role = "server"
    ) -> tuple[ExtensionOffer, NegotiatedExtension, str] | None:
        raise ValueError("a forwarded offer is only ever sent by the relay's client side")

    def check_response(self, response: ExtensionOffer, role: Role = "client") -> NegotiatedExtension:
        first: NegotiationError | None = None
        for element in self.offers:
            try:
                return PerMessageDeflate.from_offer(element).check_response(response, role)
            except NegotiationError as exc:
                first = first or exc
        assert first is not None  # there is always at least this offer
        raise first


def forwarded_offers(elements: Sequence[ExtensionOffer]) -> list[Extension]:
    """The client's permessage-deflate offers (its ``Sec-WebSocket-Extensions`` elements) that the relay
    can read, to offer upstream unchanged."""
    usable = []
    for element in elements:
        if element.name.lower() != EXTENSION_NAME:
            continue
        try:
            PerMessageDeflate.from_offer(element)
        except ValueError:
            continue  # an offer no server may accept: not passed on
        usable.append(element)
    return [ForwardedOffer(e, usable) for e in usable]


class MirroredAnswer(Extension):
    """The relay's server side: answer the client with the element the upstream agreed to (§7.1).

    That element is a valid answer to one of the client's offers (the upstream checked the same offers),
    so both legs agree on the same parameters.
    """

    name = EXTENSION_NAME

    def __init__(self, agreed: ExtensionOffer) -> None:
        self.agreed = agreed

    def offer(self) -> ExtensionOffer:
        raise ValueError("a mirrored answer is only ever sent by the relay's server side")

    def accept(
        self, offers: Sequence[ExtensionOffer], role: Role = "server"
    ) -> tuple[ExtensionOffer, NegotiatedExtension, str] | None:
        if not offers:
            return None
        state = PerMessageDeflateState.from_agreed(self.agreed, "server")
        return self.agreed, state, "the upstream server's answer, passed on by the relay (end to end)"

    def check_response(self, response: ExtensionOffer, role: Role = "client") -> NegotiatedExtension:
        raise ValueError("a mirrored answer is only ever sent by the relay's server side")


def refusal_for(error: BaseException, upstream: str) -> HandshakeResponse:
    """What the client gets when the upstream leg could not be opened (RFC 6455 §4.2.2: any non-101).

    A refusal keeps the upstream's status; a timeout is 504 Gateway Timeout; anything else (TCP, TLS,
    an invalid answer) 502 Bad Gateway. The body says what happened.
    """
    status = 502
    if isinstance(error, OpeningTimeout):
        status = 504
    response = getattr(error, "response", None)
    if isinstance(response, HandshakeResponse) and response.status != 101:
        status = response.status
        what = f"the upstream {upstream} refused the handshake: {response.status} {response.reason}"
    elif isinstance(error, TLSError):
        what = f"TLS with the upstream {upstream} failed: {error.rule}"
    elif isinstance(error, WSExplorerError):
        what = f"the upstream {upstream} could not be opened: {error.rule}"
    else:
        what = f"the upstream {upstream} could not be reached: {error}"
    return HandshakeResponse.refusal(status, f"relay: {what}", section="RFC 6455 §4.1")
