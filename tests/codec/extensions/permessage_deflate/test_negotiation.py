"""PerMessageDeflate: the offer, the server's answer, the client's check (RFC 7692 §5, §7.1)."""

from __future__ import annotations

from typing import Any

import pytest

from wsexplorer.codec.extensions import Extension, NegotiatedExtension, as_extension
from wsexplorer.codec.extensions.permessage_deflate import (
    PerMessageDeflate,
    PerMessageDeflateState,
)
from wsexplorer.errors import (
    NegotiationError,
)

from .samples import (
    element,
)

# ----------------------------------------------------------------------------------------------
# Configuration and the client's offer
# ----------------------------------------------------------------------------------------------


class TestConfiguration:
    def test_default_offer_is_what_browsers_send(self) -> None:
        assert str(PerMessageDeflate().offer()) == "permessage-deflate; client_max_window_bits"

    def test_full_offer(self) -> None:
        ext = PerMessageDeflate(
            server_no_context_takeover=True,
            client_no_context_takeover=True,
            server_max_window_bits=10,
            client_max_window_bits=12,
        )
        assert str(ext.offer()) == (
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=12"
        )

    @pytest.mark.parametrize("off", [None, False])
    def test_offer_without_client_max_window_bits(self, off: bool | None) -> None:
        ext = PerMessageDeflate(client_max_window_bits=off)
        assert str(ext.offer()) == "permessage-deflate"
        assert ext.client_max_window_bits is None

    def test_is_an_extension(self) -> None:
        assert isinstance(PerMessageDeflate(), Extension)
        assert PerMessageDeflate.name == "permessage-deflate"

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"server_max_window_bits": 7}, "server_max_window_bits"),
            ({"server_max_window_bits": 16}, "server_max_window_bits"),
            ({"server_max_window_bits": True}, "server_max_window_bits"),
            ({"server_max_window_bits": "10"}, "server_max_window_bits"),
            ({"client_max_window_bits": 16}, "client_max_window_bits"),
            ({"client_max_window_bits": 7}, "client_max_window_bits"),
            ({"server_no_context_takeover": 1}, "server_no_context_takeover"),
            ({"compress_level": 10}, "compress_level"),
            ({"mem_level": 0}, "mem_level"),
        ],
    )
    def test_invalid_configuration(self, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            PerMessageDeflate(**kwargs)

    @pytest.mark.parametrize("bits", range(8, 16))
    def test_every_window_size_is_accepted(self, bits: int) -> None:
        PerMessageDeflate(server_max_window_bits=bits, client_max_window_bits=bits)

    def test_from_string(self) -> None:
        ext = PerMessageDeflate.from_string(
            'permessage-deflate; server_no_context_takeover; server_max_window_bits="10"; '
            "client_max_window_bits"
        )
        assert ext == PerMessageDeflate(
            server_no_context_takeover=True, server_max_window_bits=10, client_max_window_bits=True
        )

    def test_from_string_bare_name_offers_nothing(self) -> None:
        assert PerMessageDeflate.from_string("permessage-deflate").client_max_window_bits is None

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("permessage-deflate; foo", "unknown parameter 'foo'"),
            ("permessage-deflate; server_max_window_bits=16", "server_max_window_bits"),
            ("permessage-deflate; server_max_window_bits", "needs a value"),
            ("x-webkit-deflate-frame", "not a permessage-deflate"),
            ("permessage-deflate, permessage-deflate", "one extension element"),
            ('permessage-deflate; server_max_window_bits="10', "closing '\"' of the quoted-string"),
            ("; server_max_window_bits=10", "expected an extension name"),
        ],
    )
    def test_from_string_errors(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            PerMessageDeflate.from_string(text)

    def test_as_extension(self) -> None:
        assert as_extension("permessage-deflate") == PerMessageDeflate()
        assert as_extension(" Permessage-Deflate ") == PerMessageDeflate()
        ext = PerMessageDeflate(server_no_context_takeover=True)
        assert as_extension(ext) is ext
        assert as_extension("permessage-deflate; server_max_window_bits=10") == PerMessageDeflate(
            server_max_window_bits=10, client_max_window_bits=None
        )
        with pytest.raises(ValueError, match="unknown extension"):
            as_extension("x-webkit-deflate-frame")


# ----------------------------------------------------------------------------------------------
# Server: offers -> response or decline (RFC 7692 §5, §7.1)
# ----------------------------------------------------------------------------------------------

ACCEPT_TABLE: list[tuple[dict[str, Any], list[str], str]] = [
    # (server configuration, offers, expected response)
    ({}, ["permessage-deflate; client_max_window_bits"], "permessage-deflate"),
    ({}, ["permessage-deflate"], "permessage-deflate"),
    (
        {},
        ["permessage-deflate; server_no_context_takeover"],
        "permessage-deflate; server_no_context_takeover",
    ),
    (
        {},
        ["permessage-deflate; client_no_context_takeover"],
        "permessage-deflate; client_no_context_takeover",
    ),
    (
        {},
        ["permessage-deflate; server_max_window_bits=10"],
        "permessage-deflate; server_max_window_bits=10",
    ),
    (
        {},
        ["permessage-deflate; client_max_window_bits=10"],
        "permessage-deflate; client_max_window_bits=10",
    ),
    (
        {"server_max_window_bits": 12},
        ["permessage-deflate; server_max_window_bits=10"],
        "permessage-deflate; server_max_window_bits=10",
    ),
    (
        {"server_max_window_bits": 12},
        ["permessage-deflate; server_max_window_bits=14"],
        "permessage-deflate; server_max_window_bits=12",
    ),
    (
        {"server_max_window_bits": 12},
        ["permessage-deflate"],
        "permessage-deflate; server_max_window_bits=12",
    ),
    (
        {"client_max_window_bits": 12},
        ["permessage-deflate; client_max_window_bits"],
        "permessage-deflate; client_max_window_bits=12",
    ),
    (
        {"client_max_window_bits": 12},
        ["permessage-deflate; client_max_window_bits=10"],
        "permessage-deflate; client_max_window_bits=10",
    ),
    (
        {"client_max_window_bits": 12},
        ["permessage-deflate; client_max_window_bits=14"],
        "permessage-deflate; client_max_window_bits=12",
    ),
    (
        {"server_no_context_takeover": True, "client_no_context_takeover": True},
        ["permessage-deflate"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    ),
    (
        {},
        ["permessage-deflate; server_max_window_bits=8; client_max_window_bits"],
        "permessage-deflate; server_max_window_bits=8",
    ),
    (
        {"client_max_window_bits": 8},
        ["permessage-deflate; client_max_window_bits"],
        "permessage-deflate; client_max_window_bits=8",
    ),
    (
        {},
        [
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=9; client_max_window_bits=9"
        ],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=9",
    ),
    # The first acceptable offer wins; others (and other extensions) are passed over.
    (
        {},
        ["x-webkit-deflate-frame", "permessage-deflate; foo", "permessage-deflate"],
        "permessage-deflate",
    ),
    (
        {},
        ["permessage-deflate; server_max_window_bits=10", "permessage-deflate"],
        "permessage-deflate; server_max_window_bits=10",
    ),
    (
        {"client_max_window_bits": 10},
        ["permessage-deflate", "permessage-deflate; client_max_window_bits"],
        "permessage-deflate; client_max_window_bits=10",
    ),
]


@pytest.mark.parametrize(("config", "offers", "expected"), ACCEPT_TABLE)
def test_server_accepts(config: dict[str, Any], offers: list[str], expected: str) -> None:
    result = PerMessageDeflate(**config).accept([element(o) for o in offers])
    assert result is not None
    response, negotiated, explanation = result
    assert str(response) == expected
    assert negotiated.agreed == response
    assert isinstance(negotiated, NegotiatedExtension)
    assert negotiated.rsv1 is True
    assert negotiated.role == "server"
    assert explanation.startswith("offer #") and " accepted: " in explanation
    # Whatever the server answers must be acceptable to a client that sent the chosen offer.
    chosen = next(o for o in offers if _acceptable(config, o))
    client_state = PerMessageDeflate.from_offer(element(chosen)).check_response(response)
    assert client_state.local_window_bits <= negotiated.remote_window_bits
    assert client_state.remote_window_bits == negotiated.local_window_bits


def _acceptable(config: dict[str, Any], offer: str) -> bool:
    return PerMessageDeflate(**config).accept([element(offer)]) is not None


DECLINE_TABLE: list[tuple[dict[str, Any], str, str]] = [
    # (server configuration, offer, reason in the explanation)
    ({}, "permessage-deflate; foo", "unknown parameter 'foo'"),
    ({}, "permessage-deflate; foo=bar", "unknown parameter 'foo'"),
    (
        {},
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "'server_no_context_takeover' appears more than once",
    ),
    (
        {},
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "'client_max_window_bits' appears more than once",
    ),
    ({}, "permessage-deflate; server_no_context_takeover=1", "takes no value"),
    ({}, "permessage-deflate; client_no_context_takeover=true", "takes no value"),
    ({}, "permessage-deflate; server_max_window_bits", "server_max_window_bits needs a value"),
    ({}, "permessage-deflate; server_max_window_bits=7", "from 8 to 15"),
    ({}, "permessage-deflate; server_max_window_bits=16", "from 8 to 15"),
    ({}, "permessage-deflate; server_max_window_bits=010", "without leading zeros"),
    ({}, "permessage-deflate; server_max_window_bits=abc", "from 8 to 15"),
    ({}, "permessage-deflate; server_max_window_bits=", "from 8 to 15"),
    ({}, "permessage-deflate; client_max_window_bits=16", "from 8 to 15"),
    ({}, "permessage-deflate; client_max_window_bits=-9", "from 8 to 15"),
    (
        {"client_max_window_bits": 10},
        "permessage-deflate",
        "does not include client_max_window_bits",
    ),
]


@pytest.mark.parametrize(("config", "offer", "reason"), DECLINE_TABLE)
def test_server_declines(config: dict[str, Any], offer: str, reason: str) -> None:
    ext = PerMessageDeflate(**config)
    assert ext.accept([element(offer)]) is None
    (review,) = ext.review([element(offer)])
    assert not review.accepted
    assert reason in review.reason
    assert "RFC 7692 §" in review.reason
    # A good fallback offer after the bad one is taken, and the explanation says what was skipped.
    fallback = "permessage-deflate; client_max_window_bits"
    result = ext.accept([element(offer), element(fallback)])
    assert result is not None
    assert result[2].startswith("offer #1") and " accepted: " in result[2]
    assert "declined offer #0" in result[2]
    assert reason in result[2]


def test_server_with_no_offers() -> None:
    assert PerMessageDeflate().accept([]) is None
    assert PerMessageDeflate().accept([element("x-webkit-deflate-frame")]) is None


def test_server_explanations() -> None:
    ext = PerMessageDeflate(server_no_context_takeover=True)
    result = ext.accept([element("permessage-deflate; server_max_window_bits=10")])
    assert result is not None
    explanation = result[2]
    assert "server resets its compressor after each message" in explanation
    assert "§7.1.1.1" in explanation
    assert "2**10" in explanation and "§7.1.2.1" in explanation


def test_review_lists_every_offer() -> None:
    reviews = PerMessageDeflate().review(
        [
            element("permessage-deflate; foo"),
            element("x-other"),
            element("permessage-deflate"),
            element("permessage-deflate; server_max_window_bits=9"),
        ]
    )
    assert [(r.index, r.accepted) for r in reviews] == [(0, False), (2, True), (3, True)]
    assert "decline" in str(reviews[0]) and "accept" in str(reviews[1])


def test_accept_is_for_servers() -> None:
    with pytest.raises(ValueError, match="server"):
        PerMessageDeflate().accept([element("permessage-deflate")], role="client")


# ----------------------------------------------------------------------------------------------
# Client: response -> state or NegotiationError (RFC 7692 §5, §7.1)
# ----------------------------------------------------------------------------------------------

RESPONSE_OK: list[tuple[dict[str, Any], str, dict[str, Any]]] = [
    # (client configuration, response, expected state attributes)
    (
        {},
        "permessage-deflate",
        {"local_window_bits": 15, "remote_window_bits": 15, "local_no_context_takeover": False},
    ),
    ({}, "permessage-deflate; client_max_window_bits=10", {"local_window_bits": 10}),
    ({}, "permessage-deflate; client_max_window_bits=8", {"local_window_bits": 8}),
    ({}, "permessage-deflate; server_max_window_bits=9", {"remote_window_bits": 9}),
    ({}, "permessage-deflate; server_no_context_takeover", {"remote_no_context_takeover": True}),
    ({}, "permessage-deflate; client_no_context_takeover", {"local_no_context_takeover": True}),
    (
        {"client_no_context_takeover": True},
        "permessage-deflate",
        {"local_no_context_takeover": True},
    ),
    ({"client_max_window_bits": 10}, "permessage-deflate", {"local_window_bits": 10}),
    (
        {"client_max_window_bits": 10},
        "permessage-deflate; client_max_window_bits=9",
        {"local_window_bits": 9},
    ),
    (
        {"server_max_window_bits": 10},
        "permessage-deflate; server_max_window_bits=10",
        {"remote_window_bits": 10},
    ),
    (
        {"server_max_window_bits": 10},
        "permessage-deflate; server_max_window_bits=8",
        {"remote_window_bits": 8},
    ),
    (
        {"server_no_context_takeover": True},
        "permessage-deflate; server_no_context_takeover",
        {"remote_no_context_takeover": True},
    ),
    (
        {},
        'permessage-deflate; server_max_window_bits="12"',
        {"remote_window_bits": 12},
    ),
]


@pytest.mark.parametrize(("config", "response", "expected"), RESPONSE_OK)
def test_client_accepts_response(config: dict[str, Any], response: str, expected: dict[str, Any]) -> None:
    elem = element(response.replace('"', ""))
    negotiated = PerMessageDeflate(**config).check_response(elem)
    assert negotiated.role == "client"
    assert negotiated.agreed == elem
    for attr, value in expected.items():
        assert getattr(negotiated, attr) == value, attr


RESPONSE_BAD: list[tuple[dict[str, Any], str, str, str]] = [
    # (client configuration, response, message, section)
    ({}, "permessage-deflate; foo", "unknown parameter 'foo'", "RFC 7692 §5"),
    (
        {},
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "appears more than once",
        "RFC 7692 §5",
    ),
    (
        {},
        "permessage-deflate; server_no_context_takeover=x",
        "takes no value",
        "RFC 7692 §7.1.1.1",
    ),
    (
        {},
        "permessage-deflate; client_max_window_bits",
        "client_max_window_bits needs a value",
        "RFC 7692 §7.1.2.2",
    ),
    (
        {},
        "permessage-deflate; server_max_window_bits=16",
        "from 8 to 15",
        "RFC 7692 §7.1.2.1",
    ),
    (
        {},
        "permessage-deflate; client_max_window_bits=07",
        "without leading zeros",
        "RFC 7692 §7.1.2.2",
    ),
    (
        {"client_max_window_bits": None},
        "permessage-deflate; client_max_window_bits=10",
        "the offer did not include it",
        "RFC 7692 §7.1.2.2",
    ),
    (
        {"client_max_window_bits": 10},
        "permessage-deflate; client_max_window_bits=12",
        "client_max_window_bits=12 is larger than the 10 offered",
        "RFC 7692 §7.1.2.2",
    ),
    (
        {"server_max_window_bits": 10},
        "permessage-deflate",
        "server_max_window_bits=10 but the response omits it",
        "RFC 7692 §7.1.2.1",
    ),
    (
        {"server_max_window_bits": 10},
        "permessage-deflate; server_max_window_bits=11",
        "server_max_window_bits=11 is larger than the 10 offered",
        "RFC 7692 §7.1.2.1",
    ),
    (
        {"server_no_context_takeover": True},
        "permessage-deflate",
        "asked for server_no_context_takeover but the response omits it",
        "RFC 7692 §7.1.1.1",
    ),
    ({}, "x-webkit-deflate-frame", "is not permessage-deflate", "RFC 6455 §9.1"),
]


@pytest.mark.parametrize(("config", "response", "message", "section"), RESPONSE_BAD)
def test_client_rejects_response(config: dict[str, Any], response: str, message: str, section: str) -> None:
    with pytest.raises(NegotiationError) as info:
        PerMessageDeflate(**config).check_response(element(response))
    err = info.value
    assert message in str(err)
    assert err.section == section
    assert err.close_code == 1010
    assert err.fault == "peer"


def test_check_response_is_for_clients() -> None:
    with pytest.raises(ValueError, match="client"):
        PerMessageDeflate().check_response(element("permessage-deflate"), role="server")


def test_from_agreed() -> None:
    agreed = element("permessage-deflate; server_no_context_takeover; client_max_window_bits=9")
    server = PerMessageDeflateState.from_agreed(agreed, "server")
    assert server.local_no_context_takeover and server.remote_window_bits == 9
    client = PerMessageDeflateState.from_agreed(agreed, "client")
    assert client.remote_no_context_takeover and client.local_window_bits == 9
    with pytest.raises(NegotiationError, match="unknown parameter"):
        PerMessageDeflateState.from_agreed(element("permessage-deflate; x"), "client")
