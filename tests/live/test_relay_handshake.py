"""The relay's handshake pieces: headers and offers passed upstream, the answer mirrored, refusals."""

from __future__ import annotations

import pytest

from wsexplorer.codec.extensions.permessage_deflate import PerMessageDeflate, PerMessageDeflateState
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.headers import ExtensionOffer, parse_extension_list
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.errors import HandshakeError, NegotiationError, OpeningTimeout, TLSError
from wsexplorer.live.relay_handshake import (
    ForwardedOffer,
    MirroredAnswer,
    forwarded_headers,
    forwarded_offers,
    refusal_for,
    request_headers,
    upstream_target,
)


def browser_request(extensions: str = "permessage-deflate; client_max_window_bits") -> HandshakeRequest:
    return HandshakeRequest.build(
        "ws://relay.test:8080/chat?room=1",
        subprotocols=["v2.chat", "chat"],
        extensions=[extensions] if extensions else [],
        origin="http://page.test",
        headers=[
            ("User-Agent", "Chromium"),
            ("Cookie", "id=1"),
            ("Proxy-Authorization", "x"),
            ("X-Trace", "7"),
        ],
    )


def test_end_to_end_headers_only() -> None:
    names = [name for name, _ in forwarded_headers(request_headers(browser_request()))]
    assert names == ["User-Agent", "Cookie", "X-Trace"]


@pytest.mark.parametrize(
    ("target", "forward", "expected"),
    [
        ("/", True, "wss://up.test/socket?x=1"),
        ("/chat?room=1", True, "wss://up.test/chat?room=1"),
        ("/chat", False, "wss://up.test/socket?x=1"),
        ("*", True, "wss://up.test/socket?x=1"),
    ],
)
def test_upstream_target(target: str, forward: bool, expected: str) -> None:
    assert upstream_target("wss://up.test/socket?x=1", target, forward_path=forward) == expected


def test_offers_are_passed_on_as_written() -> None:
    request = browser_request("permessage-deflate; client_max_window_bits, permessage-deflate, x-unknown")
    offers = forwarded_offers(request.extensions)
    assert [str(o.offer()) for o in offers] == [
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate",
    ]
    built = HandshakeRequest.build("ws://up.test/", extensions=offers)
    assert (
        built.get("Sec-WebSocket-Extensions")
        == "permessage-deflate; client_max_window_bits, permessage-deflate"
    )


def test_an_offer_no_server_may_accept_is_not_passed_on() -> None:
    elements = parse_extension_list(["permessage-deflate; server_max_window_bits=99, permessage-deflate"])
    assert [str(o.offer()) for o in forwarded_offers(elements)] == ["permessage-deflate"]


def test_forwarded_offer_checks_the_answer_against_every_offer() -> None:
    elements = parse_extension_list(["permessage-deflate; server_max_window_bits=10, permessage-deflate"])
    first = forwarded_offers(elements)[0]
    assert isinstance(first, ForwardedOffer)
    state = first.check_response(ExtensionOffer("permessage-deflate", ()))  # answers the second offer
    assert isinstance(state, PerMessageDeflateState)
    with pytest.raises(NegotiationError):
        first.check_response(ExtensionOffer("permessage-deflate", (("client_max_window_bits", "12"),)))
    with pytest.raises(ValueError):
        first.accept(elements)


def test_mirrored_answer_is_the_upstream_element() -> None:
    request = browser_request()
    agreed = ExtensionOffer(
        "permessage-deflate", (("server_max_window_bits", "12"), ("client_max_window_bits", "12"))
    )
    decision = decide(request, ServerPolicy(subprotocols=("chat",), extensions=(MirroredAnswer(agreed),)))
    assert decision.accepted and decision.subprotocol == "chat"
    assert decision.response.get("Sec-WebSocket-Extensions") == str(agreed)
    assert decision.extensions[0].agreed == agreed
    # The client (a browser) accepts it: it answers the client's own offer.
    PerMessageDeflate.from_offer(request.extensions[0]).check_response(agreed)
    no_offer = decide(browser_request(""), ServerPolicy(extensions=(MirroredAnswer(agreed),)))
    assert no_offer.accepted and not no_offer.extensions
    with pytest.raises(ValueError):
        MirroredAnswer(agreed).offer()


def test_refusals() -> None:
    refused = HandshakeError("refused", http_status=403)
    refused.response = HandshakeResponse.refusal(403, "no")
    assert refusal_for(refused, "ws://up/").status == 403
    assert b"refused the handshake: 403" in refusal_for(refused, "ws://up/").body
    assert refusal_for(OpeningTimeout("slow"), "ws://up/").status == 504
    assert refusal_for(TLSError("bad", reason="expired"), "wss://up/").status == 502
    assert b"TLS" in refusal_for(TLSError("bad"), "wss://up/").body
    assert refusal_for(ConnectionRefusedError(111, "refused"), "ws://up/").status == 502
