"""The extension contract (RFC 6455 §9): what the handshake asks of an extension, and nothing more.

A made-up extension that implements the contract is offered by a client, accepted by a server's
decision, checked by the client, and its negotiated state reaches the connection; the handshake code
knows nothing about it beyond the contract.
"""

from __future__ import annotations

import pytest

from wsexplorer.codec.client_check import check_response
from wsexplorer.codec.extensions import Extension, ExtensionOffer, NegotiatedExtension, as_extension
from wsexplorer.codec.extensions.permessage_deflate import PerMessageDeflate
from wsexplorer.codec.handshake import HandshakeRequest
from wsexplorer.codec.server_decision import ServerPolicy, decide
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import HandshakeAccepted

from ..handshake_samples import FakeExtension, FakeState, fixed_rng


def test_the_contract_is_abstract() -> None:
    with pytest.raises(TypeError):
        Extension()  # type: ignore[abstract]
    with pytest.raises(TypeError):
        NegotiatedExtension()  # type: ignore[abstract]


def test_offer_accept_check_round_trip_through_the_handshake() -> None:
    client_side, server_side = FakeExtension(), FakeExtension()
    request = HandshakeRequest.build("ws://h/", extensions=[client_side], rng=fixed_rng)
    assert request.get("Sec-WebSocket-Extensions") == "x-fake; level=1; fast"
    decision = decide(request, ServerPolicy(extensions=[server_side]))
    assert decision.accepted and server_side.seen == [client_side.offer()]
    (state,) = decision.extensions
    assert isinstance(state, FakeState) and str(state.agreed) == "x-fake; level=1; fast"
    check = check_response(request, decision.response, [client_side])
    assert check.ok and isinstance(check.extensions[0], FakeState)


def test_a_declining_extension_leaves_the_handshake_without_it() -> None:
    request = HandshakeRequest.build("ws://h/", extensions=[FakeExtension()], rng=fixed_rng)
    decision = decide(request, ServerPolicy(extensions=[FakeExtension(mode="decline")]))
    assert decision.accepted and decision.extensions == []
    assert decision.response.get("Sec-WebSocket-Extensions") is None


def test_a_negotiated_extension_reaches_the_connection() -> None:
    client = Connection("client", url="ws://h/", extensions=[FakeExtension()], rng=fixed_rng)
    server = Connection("server", policy=ServerPolicy(extensions=[FakeExtension()]))
    server.receive_data(client.data_to_send())
    client.receive_data(server.data_to_send())
    (accepted,) = [e for e in client.events() if isinstance(e, HandshakeAccepted)]
    assert [type(e) for e in accepted.extensions] == [FakeState]
    assert [type(e) for e in client.negotiated] == [FakeState]


def test_offers_print_as_header_elements() -> None:
    offer = ExtensionOffer("x", (("a", None), ("b", "1"), ("c", "two words")))
    assert str(offer) == 'x; a; b=1; c="two words"'
    assert offer.param_names() == ["a", "b", "c"]


def test_as_extension_builds_the_built_in_one_only() -> None:
    assert as_extension("permessage-deflate") == PerMessageDeflate()
    ext = FakeExtension()
    assert as_extension(ext) is ext
    with pytest.raises(ValueError, match="only permessage-deflate is built in"):
        as_extension("x-fake")
