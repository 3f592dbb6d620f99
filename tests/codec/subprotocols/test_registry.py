"""The registry (codec/subprotocols/__init__.py): decoders by negotiated name or by explicit choice,
adding a decoder, and every decoder facing random input (nothing but decoded messages comes out)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.role import Role
from wsexplorer.codec.subprotocols import (
    Conversation,
    DecodedMessage,
    conversation,
    lookup,
    register,
    registered,
    unregister,
)
from wsexplorer.codec.subprotocols.graphql import GraphQLTransportWsConversation
from wsexplorer.codec.subprotocols.mqtt import MqttConversation

NEGOTIATED = {
    "graphql-transport-ws", "graphql-ws", "mqtt", "mqttv3.1", "v10.stomp", "v11.stomp", "v12.stomp", "stomp",
    "wamp.2.json", "wamp.2.msgpack", "wamp.2.cbor",
}  # fmt: skip
CHOSEN = {"socket.io", "engine.io", "json"}


def test_the_built_in_decoders() -> None:
    assert {r.name for r in registered(negotiated=True)} == NEGOTIATED
    assert {r.name for r in registered(negotiated=False)} == CHOSEN
    assert [r.name for r in registered()] == sorted(NEGOTIATED | CHOSEN)


def test_lookup_by_negotiated_name_or_by_choice() -> None:
    assert isinstance(conversation("graphql-transport-ws"), GraphQLTransportWsConversation)
    assert conversation(None) is None and conversation("chat.example.org") is None
    assert conversation("socket.io") is None  # never negotiated: Socket.IO servers name no subprotocol
    entry = lookup(None, choice="socket.io")
    assert entry is not None and entry.name == "socket.io" and not entry.negotiated
    chosen = conversation("graphql-ws", choice="graphql-transport-ws")  # the user knows better
    assert isinstance(chosen, GraphQLTransportWsConversation)
    with pytest.raises(ValueError, match="no subprotocol decoder called 'nope'"):
        lookup(None, choice="nope")


def test_registered_options_and_caller_options_combine() -> None:
    conv = conversation("mqttv3.1", max_packet_size=10)
    assert isinstance(conv, MqttConversation) and conv.version == 3 and conv.max_packet_size == 10
    assert isinstance(conversation("wamp.2.cbor"), Conversation)


class Echo(Conversation):
    """The docstring's example decoder."""

    protocol = "echo.example.org"
    title = "Echo"
    spec = "https://example.org/echo"

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        b.kind = "echo"
        b.add("text", 0, len(data), data.decode("utf-8", "replace"), "what was said", "Echo §1")
        return [b.build()]


@pytest.fixture
def clean_registry() -> Iterator[None]:
    yield
    for name in ("echo.example.org", "echo"):
        unregister(name)
    assert {r.name for r in registered()} == NEGOTIATED | CHOSEN


@pytest.mark.usefixtures("clean_registry")
def test_adding_a_decoder_takes_a_class_and_one_call() -> None:
    entry = register(Echo)
    assert entry.name == "echo.example.org" and entry.negotiated and entry.title == "Echo"
    conv = conversation("echo.example.org")
    assert conv is not None
    [d] = conv.receive("hi", "client")
    assert d.kind == "echo" and d.fields[0].value == "hi"
    register(Echo, "echo", negotiated=False)
    assert lookup("echo") is None and lookup(None, choice="echo") is not None
    with pytest.raises(ValueError, match="already registered"):
        register(Echo)
    register(Echo, replace=True)
    for bad in ("", "two words", "a,b", "é"):
        with pytest.raises(ValueError, match="token"):
            register(Echo, bad)
    assert unregister("echo") is not None and unregister("echo") is None


messages = st.lists(
    st.tuples(st.sampled_from(["client", "server"]), st.one_of(st.text(max_size=60), st.binary(max_size=60))),
    max_size=6,
)


@settings(deadline=None, max_examples=400)
@given(st.sampled_from(sorted(NEGOTIATED | CHOSEN)), messages)
def test_random_messages_into_every_decoder_raise_nothing(
    name: str, sent: list[tuple[str, str | bytes]]
) -> None:
    conv = conversation(None, choice=name)
    assert conv is not None
    out: list[DecodedMessage] = []
    for sender, message in sent:
        out += conv.receive(message, "client" if sender == "client" else "server")
    out += conv.finish()
    assert isinstance(conv.state, str)
    for d in out:
        assert d.summary() and repr(d)
        for f in d.fields:
            assert 0 <= f.span.bit_offset <= f.span.bit_end <= 8 * len(d.data)
        for v in d.violations:
            assert 0 <= v.start <= v.end <= len(d.data) and v.rule and v.section


prefixes = st.sampled_from(
    ["", "4", "42", "451-", "0", "2", "[", "{", '{"type":"', "CONNECT\n", "SEND\ndestination:/a\n\n", "[48,"]
)


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(sorted(NEGOTIATED | CHOSEN)), prefixes, st.text(max_size=40), st.binary(max_size=40))
def test_near_valid_messages_raise_nothing(name: str, prefix: str, text: str, data: bytes) -> None:
    conv = conversation(None, choice=name)
    assert conv is not None
    conv.receive(prefix + text, "client")
    conv.receive(prefix.encode() + data, "server")
    conv.receive(bytes([0x10, 0x05, 0x00, 0x04]) + data, "client")
    conv.finish()
