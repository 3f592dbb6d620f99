"""Tests for permessage-deflate (RFC 7692): examples, negotiation, compression, limits, interop."""

from __future__ import annotations

import itertools
import os
import random
import time
import tracemalloc
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.extensions.permessage_deflate import PerMessageDeflate as WsDeflate
from websockets.frames import Frame, Opcode

from wsexplorer.codec.deflate import (
    SYNC_FLUSH_TAIL,
    CompressedMessage,
    PerMessageDeflate,
    PerMessageDeflateState,
    as_extension,
    inspect_compressed,
)
from wsexplorer.codec.extensions import Extension, ExtensionOffer, NegotiatedExtension
from wsexplorer.errors import (
    InvalidPayloadData,
    MessageTooBig,
    NegotiationError,
    ProtocolError,
)

HELLO = b"Hello"


def element(text: str) -> ExtensionOffer:
    """A header element from a simple string (no quoting); loose on purpose, to build bad input."""
    name, *parts = [p.strip() for p in text.split(";")]
    params: list[tuple[str, str | None]] = []
    for part in parts:
        key, sep, value = part.partition("=")
        params.append((key.strip(), value.strip() if sep else None))
    return ExtensionOffer(name, tuple(params))


def payload_of(frame_hex: str) -> tuple[int, bytes]:
    """First byte and payload of an unmasked frame with a 7-bit length, as in RFC 7692 §7.2.3."""
    frame = bytes.fromhex(frame_hex)
    length = frame[1] & 0x7F
    assert not frame[1] & 0x80 and length < 126 and len(frame) == 2 + length
    return frame[0], frame[2:]


def state(role: str = "client", **kwargs: Any) -> PerMessageDeflateState:
    return PerMessageDeflateState(ExtensionOffer("permessage-deflate"), role, **kwargs)  # type: ignore[arg-type]


def pair(**kwargs: Any) -> tuple[PerMessageDeflateState, PerMessageDeflateState]:
    """A client state and a server state that agreed on the same parameters."""
    return state("client", **kwargs), state("server", **kwargs)


# ----------------------------------------------------------------------------------------------
# RFC 7692 §7.2.3 examples (vectors from /work/shared/reference/rfc7692-examples.md)
# ----------------------------------------------------------------------------------------------


class TestRFCExamples:
    def test_7231_one_frame(self) -> None:
        first, payload = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert first & 0x40  # RSV1 marks the compressed message (§6)
        assert state().decompress(payload, fin=True) == HELLO

    def test_7231_we_produce_the_same_bytes(self) -> None:
        _, payload = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert state("server").compress(HELLO) == payload

    def test_7231_fragmented(self) -> None:
        first1, part1 = payload_of("41 03 f2 48 cd")
        first2, part2 = payload_of("80 04 c9 c9 07 00")
        assert first1 & 0x40 and not first2 & 0x40  # RSV1 only on the first frame
        s = state()
        out = s.decompress(part1, fin=False)
        assert s.receiving
        out += s.decompress(part2, fin=True)
        assert not s.receiving
        assert out == HELLO

    def test_7232_context_takeover(self) -> None:
        _, first = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        _, second = payload_of("c1 05 f2 00 11 00 00")
        s = state()
        assert s.decompress(first, fin=True) == HELLO
        assert s.decompress(second, fin=True) == HELLO

    def test_7232_we_produce_the_same_bytes(self) -> None:
        s = state("server")
        assert s.compress(HELLO) == bytes.fromhex("f2 48 cd c9 c9 07 00")
        assert s.compress(HELLO) == bytes.fromhex("f2 00 11 00 00")

    def test_7232_second_message_needs_the_shared_window(self) -> None:
        _, second = payload_of("c1 05 f2 00 11 00 00")
        with pytest.raises(InvalidPayloadData) as info:
            state().decompress(second, fin=True)
        assert info.value.close_code == 1007
        assert "invalid DEFLATE data" in str(info.value)
        assert "RFC 7692 §7.2.2" in str(info.value)

    def test_7232_no_context_takeover_resets_the_receiver(self) -> None:
        _, first = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        _, second = payload_of("c1 05 f2 00 11 00 00")
        s = state(server_no_context_takeover=True)  # client: the server promised to reset
        assert s.decompress(first, fin=True) == HELLO
        with pytest.raises(InvalidPayloadData):
            s.decompress(second, fin=True)

    def test_7233_stored_block(self) -> None:
        _, payload = payload_of("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00")
        assert state().decompress(payload, fin=True) == HELLO
        assert state("server", compress_level=0).compress(HELLO) == payload

    def test_7234_bfinal_then_ignored_bytes(self) -> None:
        _, payload = payload_of("c1 08 f3 48 cd c9 c9 07 00 00")
        s = state()
        assert s.decompress(payload, fin=True) == HELLO
        # The DEFLATE stream ended; the next message starts a new one even with context takeover.
        _, again = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert s.decompress(again, fin=True) == HELLO

    def test_7234_bfinal_in_first_fragment_ignores_the_rest(self) -> None:
        s = state()
        out = s.decompress(bytes.fromhex("f3 48 cd c9 c9 07 00"), fin=False)
        out += s.decompress(b"\x00 trailing garbage \xff", fin=True)
        assert out == HELLO

    def test_7235_two_blocks(self) -> None:
        _, payload = payload_of("c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00")
        assert state().decompress(payload, fin=True) == HELLO

    def test_7236_empty_message(self) -> None:
        assert state("server").compress(b"") == b"\x00"
        s = state()
        assert s.decompress(b"\x00", fin=True) == b""
        assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO

    def test_empty_compressed_payload_is_an_empty_message(self) -> None:
        s = state()
        assert s.decompress(b"", fin=True) == b""
        # ...and it leaves the shared window untouched for the next message.
        assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO
        assert s.decompress(bytes.fromhex("f200110000"), fin=True) == HELLO

    def test_empty_last_fragment(self) -> None:
        s = state()
        out = s.decompress(bytes.fromhex("f248cdc9c90700"), fin=False)
        out += s.decompress(b"", fin=True)
        assert out == HELLO


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
    assert explanation.startswith("accepted offer #")
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
    assert result[2].startswith("accepted offer #1")
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


# ----------------------------------------------------------------------------------------------
# Negotiated state: compression behaviour
# ----------------------------------------------------------------------------------------------

TEXT = b"The quick brown fox jumps over the lazy dog. " * 3


def negotiate(client: PerMessageDeflate, server: PerMessageDeflate) -> tuple[Any, Any]:
    result = server.accept([client.offer()])
    assert result is not None
    return client.check_response(result[0]), result[1]


def test_end_to_end_both_directions() -> None:
    client, server = negotiate(PerMessageDeflate(), PerMessageDeflate())
    for i in range(5):
        message = TEXT + str(i).encode()
        assert server.decompress(client.compress(message), fin=True) == message
        assert client.decompress(server.compress(message), fin=True) == message
    assert client.messages_sent == server.messages_received == 5
    assert server.messages_sent == client.messages_received == 5


def test_context_takeover_makes_repeats_smaller() -> None:
    client, server = pair()
    first = client.compress(TEXT)
    second = client.compress(TEXT)
    assert len(second) < len(first) // 2
    assert server.decompress(first, fin=True) == TEXT
    assert server.decompress(second, fin=True) == TEXT


@pytest.mark.parametrize("side", ["client", "server"])
def test_no_context_takeover_makes_repeats_identical(side: str) -> None:
    flag = f"{side}_no_context_takeover"
    client, server = pair(**{flag: True})
    sender, receiver = (client, server) if side == "client" else (server, client)
    assert sender.local_no_context_takeover and receiver.remote_no_context_takeover
    first = sender.compress(TEXT)
    second = sender.compress(TEXT)
    assert first == second
    assert receiver.decompress(first, fin=True) == TEXT
    assert receiver.decompress(second, fin=True) == TEXT
    # The other direction keeps its window.
    other_first = receiver.compress(TEXT)
    assert len(receiver.compress(TEXT)) < len(other_first)


def test_compress_message_view() -> None:
    client, _ = pair()
    first = client.compress_message(TEXT)
    second = client.compress_message(TEXT)
    assert not first.context_takeover and second.context_takeover
    assert first.window_bits == 15
    assert first.inflated == TEXT
    no_ctx, _ = pair(client_no_context_takeover=True)
    no_ctx.compress_message(TEXT)
    assert not no_ctx.compress_message(TEXT).context_takeover


def _repeating(bits: int, rng: random.Random) -> list[bytes]:
    """Messages that repeat a block from just beyond and just within a 2**bits window."""
    window = 1 << bits
    block = rng.randbytes(window + 300)
    near = rng.randbytes(window // 2)
    return [block, block, near + near, block[:100] + block, rng.randbytes(50) + block]


@pytest.mark.parametrize("bits", range(8, 16))
@pytest.mark.parametrize("takeover", [True, False])
def test_window_bits_are_honoured(bits: int, takeover: bool) -> None:
    """Our output inflates with a decompressor whose window is exactly the negotiated one.

    For 8 this is the module's claim: zlib at wbits=9 never reaches back more than 250 bytes.
    """
    sender = state("server", server_max_window_bits=bits, server_no_context_takeover=not takeover)
    rng = random.Random(bits)
    strict = zlib.decompressobj(-bits)
    for message in _repeating(bits, rng) * 2:
        if not takeover:
            strict = zlib.decompressobj(-bits)
        assert strict.decompress(sender.compress(message) + SYNC_FLUSH_TAIL) == message


def test_window_8_over_many_patterns() -> None:
    rng = random.Random(7)
    sender = state("client", client_max_window_bits=8)
    receiver = state("server", client_max_window_bits=8)
    for _ in range(300):
        period = rng.randint(200, 600)
        block = rng.randbytes(period)
        message = (block * rng.randint(1, 5))[: rng.randint(1, 3000)]
        assert receiver.decompress(sender.compress(message), fin=True) == message


def test_window_check_is_sensitive() -> None:
    """Control for the tests above: a 15-bit sender does not fit a 9-bit receiver."""
    sender = state("server")
    receiver = state("client", server_max_window_bits=9)
    block = random.Random(1).randbytes(2000)
    receiver.decompress(sender.compress(block), fin=True)
    with pytest.raises(InvalidPayloadData, match="invalid DEFLATE data"):
        receiver.decompress(sender.compress(block), fin=True)


def test_reset_and_recovery_after_error() -> None:
    s = state()
    with pytest.raises(InvalidPayloadData):
        s.decompress(b"\xff\xff\xff\xff", fin=True)
    assert not s.receiving
    assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO
    s.decompress(bytes.fromhex("f248cd"), fin=False)
    assert s.receiving
    s.reset()
    assert not s.receiving
    assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x07",  # BFINAL=1, BTYPE=11: reserved block type
        b"\x06",  # BTYPE=11 again, not final
        b"\x00\x05\x00\x00\x00Hello",  # stored block whose NLEN is not the complement of LEN
        b"\xff\xff\xff\xff\xff\xff",
    ],
)
def test_corrupt_data_is_1007(garbage: bytes) -> None:
    with pytest.raises(InvalidPayloadData) as info:
        state().decompress(garbage, fin=True)
    assert isinstance(info.value, ProtocolError)
    assert info.value.close_code == 1007
    assert info.value.section == "RFC 7692 §7.2.2"
    assert str(info.value).startswith("invalid DEFLATE data")


def test_state_validation() -> None:
    with pytest.raises(ValueError, match="role"):
        state("proxy")
    with pytest.raises(ValueError, match="server_max_window_bits"):
        state(server_max_window_bits=16)
    s = state("server")
    assert s.name == "permessage-deflate"
    assert "role='server'" in repr(s)


# ----------------------------------------------------------------------------------------------
# max_size and decompression bombs
# ----------------------------------------------------------------------------------------------


def _bomb(mebibytes: int) -> bytes:
    """A compressed message inflating to ``mebibytes`` MiB of zeros (~1 KiB per MiB: DEFLATE's
    best ratio is about 1:1032, so 100 MiB needs ~100 KiB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_SYNC_FLUSH)
    # Each chunk refers only to itself and ends on a byte boundary, so copies can be chained.
    return (chunk * mebibytes)[: -len(SYNC_FLUSH_TAIL)]


def test_bomb_is_stopped_at_the_limit_with_bounded_memory() -> None:
    bomb = _bomb(100)
    assert len(bomb) < 150_000
    limit = 1 << 20
    s = state()
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(MessageTooBig) as info:
            s.decompress(bomb, fin=True, max_size=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflating all 100 MiB would take far longer; stopping at 1 MiB takes milliseconds.
    assert time.perf_counter() - started < 5
    # The input (~100 KiB), one output buffer of limit + 1 bytes and zlib's 32 KiB window.
    assert peak < 3 * limit
    assert info.value.close_code == 1009
    assert f"max_size={limit}" in str(info.value)
    stopped_after = int(str(info.value).split("stopped after ")[1].split()[0])
    assert stopped_after == limit + 1


def test_small_bomb_in_one_kib() -> None:
    bomb = _bomb(1)
    assert len(bomb) < 1100
    with pytest.raises(MessageTooBig):
        state().decompress(bomb, fin=True, max_size=64 * 1024)
    assert state().decompress(bomb, fin=True, max_size=1 << 20) == bytes(1 << 20)


def test_bomb_spread_over_frames() -> None:
    bomb = _bomb(4)
    s = state()
    limit = 3 << 20
    step = len(bomb) // 8
    inflated = 0
    with pytest.raises(MessageTooBig):
        for i in range(0, len(bomb), step):
            part = bomb[i : i + step]
            inflated += len(s.decompress(part, fin=i + step >= len(bomb), max_size=limit))
    assert inflated <= limit


@pytest.mark.parametrize("fragments", [1, 3])
def test_limit_is_inclusive(fragments: int) -> None:
    message = os.urandom(1000) + bytes(3000)
    sender = state("server", server_no_context_takeover=True)
    compressed = sender.compress(message)
    cuts = [len(compressed) * k // fragments for k in range(fragments + 1)]
    parts = [compressed[a:b] for a, b in itertools.pairwise(cuts)]

    def receive(max_size: int) -> bytes:
        r = state("client", server_no_context_takeover=True)
        out = b""
        for i, part in enumerate(parts):
            out += r.decompress(part, fin=i == len(parts) - 1, max_size=max_size)
        return out

    assert receive(len(message)) == message
    with pytest.raises(MessageTooBig):
        receive(len(message) - 1)


def test_limit_zero() -> None:
    assert state().decompress(b"\x00", fin=True, max_size=0) == b""
    assert state().decompress(b"", fin=True, max_size=0) == b""
    with pytest.raises(MessageTooBig):
        state().decompress(bytes.fromhex("f248cdc9c90700"), fin=True, max_size=0)


def test_limit_counts_the_whole_message_not_each_frame() -> None:
    message = bytes(range(256)) * 40  # 10240 bytes
    compressed = state("server", compress_level=0).compress(message)  # stored: grows with input
    s = state()
    s.decompress(compressed[:6000], fin=False, max_size=10239)
    with pytest.raises(MessageTooBig):
        s.decompress(compressed[6000:], fin=True, max_size=10239)


def test_limit_resets_per_message() -> None:
    client, server = pair()
    for _ in range(3):
        assert server.decompress(client.compress(TEXT), fin=True, max_size=len(TEXT)) == TEXT


# ----------------------------------------------------------------------------------------------
# Inspectable view
# ----------------------------------------------------------------------------------------------


class TestCompressedMessage:
    def test_fields_of_rfc_example(self) -> None:
        view = inspect_compressed(bytes.fromhex("f248cdc9c90700"))
        assert isinstance(view, CompressedMessage)
        assert view.inflated == HELLO
        assert bytes(view) == bytes.fromhex("f248cdc9c90700")
        assert view.stream == bytes.fromhex("f248cdc9c90700") + SYNC_FLUSH_TAIL
        names = [f.name for f in view.fields]
        assert names == [
            "compressed payload",
            "BFINAL",
            "BTYPE",
            "sync-flush tail",
            "inflated payload",
        ]
        by_name = {f.name: f for f in view.fields}
        assert by_name["compressed payload"].raw == bytes.fromhex("f248cdc9c90700")
        assert by_name["BFINAL"].value is False and by_name["BFINAL"].bits == "0"
        assert by_name["BTYPE"].value == 1 and "fixed Huffman" in by_name["BTYPE"].meaning
        tail = by_name["sync-flush tail"]
        assert tail.raw == SYNC_FLUSH_TAIL and tail.span.byte_start == 7
        assert "receiver appends" in tail.meaning and tail.rfc_ref == "RFC 7692 §7.2.2"
        assert by_name["inflated payload"].value == "'Hello'"
        assert view.violations == ()

    def test_block_types(self) -> None:
        stored = inspect_compressed(bytes.fromhex("000500faff48656c6c6f00"))
        final = inspect_compressed(bytes.fromhex("f348cdc9c9070000"))
        assert {f.name: f.value for f in stored.fields}["BTYPE"] == 0
        assert {f.name: f.value for f in final.fields}["BFINAL"] is True

    def test_ratio(self) -> None:
        view = inspect_compressed(bytes.fromhex("f248cdc9c90700"), HELLO)
        assert view.ratio == pytest.approx(7 / 5)
        assert view.saving_percent == pytest.approx(-40.0)
        big = state("server").compress_message(bytes(10_000))
        assert big.ratio is not None and big.ratio < 0.01
        assert big.saving_percent is not None and big.saving_percent > 99

    def test_empty(self) -> None:
        view = inspect_compressed(b"\x00")
        assert view.inflated == b""
        assert view.ratio is None and view.saving_percent is None
        assert "empty message" in view.text()
        assert [f.name for f in inspect_compressed(b"").fields] == [
            "compressed payload",
            "sync-flush tail",
            "inflated payload",
        ]

    def test_text_and_html(self) -> None:
        view = state("server").compress_message(b"<script>alert(1)</script>")
        text = view.text()
        assert "bytes compressed" in text and "sync-flush tail" in text
        assert "context takeover: no" in text and "2**15" in text
        html_out = view._repr_html_()
        assert "<script>" not in html_out
        assert "&lt;script&gt;" in html_out
        binary = inspect_compressed(state("server").compress(b"\xff\xfe\x00"))
        assert "ff fe 00" in binary.text()


# ----------------------------------------------------------------------------------------------
# Interoperability with the websockets package
# ----------------------------------------------------------------------------------------------


def _ws(remote_nct: bool, local_nct: bool, remote_bits: int, local_bits: int) -> WsDeflate:
    return WsDeflate(remote_nct, local_nct, remote_bits, local_bits)


def _ws_decode(ext: WsDeflate, parts: list[bytes]) -> bytes:
    out = b""
    for i, part in enumerate(parts):
        opcode = Opcode.BINARY if i == 0 else Opcode.CONT
        frame = Frame(opcode, part, fin=i == len(parts) - 1, rsv1=i == 0)
        out += bytes(ext.decode(frame, max_size=None).data)
    return out


def _split(data: bytes, pieces: int) -> list[bytes]:
    cuts = [len(data) * k // pieces for k in range(pieces + 1)]
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


MESSAGES = [HELLO, b"", TEXT, TEXT, bytes(5000), os.urandom(3000), TEXT[::-1] * 20, HELLO]


@pytest.mark.parametrize("bits", [9, 12, 15])
@pytest.mark.parametrize("server_nct", [False, True])
@pytest.mark.parametrize("client_nct", [False, True])
def test_websockets_decodes_ours(bits: int, server_nct: bool, client_nct: bool) -> None:
    ours = state(
        "server",
        server_no_context_takeover=server_nct,
        client_no_context_takeover=client_nct,
        server_max_window_bits=bits,
        client_max_window_bits=bits,
    )
    theirs = _ws(server_nct, client_nct, bits, bits)  # their client: remote = server
    for n, message in enumerate(MESSAGES):
        compressed = ours.compress(message)
        assert _ws_decode(theirs, _split(compressed, 1 + n % 3)) == message


@pytest.mark.parametrize("bits", [9, 12, 15])
@pytest.mark.parametrize("server_nct", [False, True])
@pytest.mark.parametrize("client_nct", [False, True])
def test_we_decode_websockets(bits: int, server_nct: bool, client_nct: bool) -> None:
    ours = state(
        "server",
        server_no_context_takeover=server_nct,
        client_no_context_takeover=client_nct,
        server_max_window_bits=bits,
        client_max_window_bits=bits,
    )
    theirs = _ws(server_nct, client_nct, bits, bits)
    for n, message in enumerate(MESSAGES):
        parts = _split(message, 1 + n % 3)
        out = b""
        for i, part in enumerate(parts):
            frame = theirs.encode(
                Frame(Opcode.BINARY if i == 0 else Opcode.CONT, part, fin=i == len(parts) - 1)
            )
            assert frame.rsv1 == (i == 0)
            out += ours.decompress(bytes(frame.data), fin=frame.fin, max_size=1 << 20)
        assert out == message


def test_same_bytes_as_websockets() -> None:
    ours = state("client")
    theirs = _ws(False, False, 15, 15)
    for message in MESSAGES:
        assert ours.compress(message) == bytes(theirs.encode(Frame(Opcode.TEXT, message)).data)


NEGOTIATION_CONFIGS: list[dict[str, Any]] = [
    {},
    {"server_no_context_takeover": True},
    {"client_no_context_takeover": True},
    {"server_max_window_bits": 10},
    {"client_max_window_bits": 11},
    {"client_max_window_bits": None},
    {"server_no_context_takeover": True, "server_max_window_bits": 12, "client_max_window_bits": 9},
]


@pytest.mark.parametrize("client_config", NEGOTIATION_CONFIGS)
@pytest.mark.parametrize(
    "server_config",
    [{}, {"server_no_context_takeover": True}, {"server_max_window_bits": 11}],
)
def test_websockets_server_answers_our_offer(
    client_config: dict[str, Any], server_config: dict[str, Any]
) -> None:
    ours = PerMessageDeflate(**client_config)
    theirs = ServerPerMessageDeflateFactory(**server_config)
    params, their_ext = theirs.process_request_params(ours.offer().params, [])
    response = ExtensionOffer("permessage-deflate", tuple(params))
    negotiated = ours.check_response(response)
    for message in MESSAGES:
        assert _ws_decode(their_ext, [negotiated.compress(message)]) == message
        frame = their_ext.encode(Frame(Opcode.BINARY, message))
        assert negotiated.decompress(bytes(frame.data), fin=True) == message


@pytest.mark.parametrize("server_config", NEGOTIATION_CONFIGS)
@pytest.mark.parametrize(
    "client_config",
    [{}, {"client_no_context_takeover": True}, {"server_max_window_bits": 10}],
)
def test_websockets_client_takes_our_answer(
    client_config: dict[str, Any], server_config: dict[str, Any]
) -> None:
    theirs = ClientPerMessageDeflateFactory(**client_config)
    offer = ExtensionOffer("permessage-deflate", tuple(theirs.get_request_params()))
    result = PerMessageDeflate(**server_config).accept([offer])
    assert result is not None
    response, negotiated, _ = result
    their_ext = theirs.process_response_params(list(response.params), [])
    for message in MESSAGES:
        assert _ws_decode(their_ext, [negotiated.compress(message)]) == message
        frame = their_ext.encode(Frame(Opcode.BINARY, message))
        assert negotiated.decompress(bytes(frame.data), fin=True) == message


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

payloads = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=500).map(lambda t: t.encode()),
    st.binary(min_size=1, max_size=40).flatmap(lambda b: st.integers(1, 200).map(lambda n: b * n)),
)


@settings(max_examples=60, deadline=None)
@given(
    messages=st.lists(payloads, min_size=1, max_size=5),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    bits=st.integers(8, 15),
    nct=st.booleans(),
)
def test_round_trip_with_random_fragmentation(
    messages: list[bytes], cuts: list[int], bits: int, nct: bool
) -> None:
    sender = state("client", client_max_window_bits=bits, client_no_context_takeover=nct, compress_level=9)
    receiver = state("server", client_max_window_bits=bits, client_no_context_takeover=nct)
    for message in messages:
        compressed = sender.compress(message)
        points = sorted({c % (len(compressed) + 1) for c in cuts} | {0, len(compressed)})
        parts = [compressed[a:b] for a, b in itertools.pairwise(points)] or [b""]
        out = b""
        for i, part in enumerate(parts):
            out += receiver.decompress(part, fin=i == len(parts) - 1, max_size=len(message))
        assert out == message
        assert not receiver.receiving


@settings(max_examples=60, deadline=None)
@given(
    message=payloads,
    pieces=st.integers(1, 5),
    nct=st.booleans(),
)
def test_round_trip_against_websockets(message: bytes, pieces: int, nct: bool) -> None:
    ours = state("server", server_no_context_takeover=nct, client_no_context_takeover=nct)
    theirs = _ws(nct, nct, 15, 15)
    for _ in range(2):
        assert _ws_decode(theirs, _split(ours.compress(message), pieces)) == message
        frame = theirs.encode(Frame(Opcode.BINARY, message))
        assert ours.decompress(bytes(frame.data), fin=True) == message


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(max_size=200), limit=st.one_of(st.none(), st.integers(0, 2000)))
def test_arbitrary_input_never_crashes(garbage: bytes, limit: int | None) -> None:
    try:
        out = state().decompress(garbage, fin=True, max_size=limit)
    except (InvalidPayloadData, MessageTooBig):
        return
    assert limit is None or len(out) <= limit
