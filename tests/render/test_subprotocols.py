"""Views of decoded subprotocol messages: the annotated dump with its value, and a conversation table."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import DecodedMessage, conversation
from wsexplorer.render.subprotocols import (
    conversation_html,
    conversation_text,
    decoded_html,
    decoded_text,
    value_text,
)

from .html_checker import parse_html


def graphql() -> list[DecodedMessage]:
    conv = conversation("graphql-transport-ws")
    assert conv is not None
    out: list[DecodedMessage] = []
    out += conv.receive('{"type":"connection_init"}', "client")
    out += conv.receive(
        '{"id":"<b>","type":"subscribe","payload":{"query":"{ a }"}}', "client"
    )  # before the ack
    return out


def publish() -> DecodedMessage:
    conv = conversation("mqtt")
    assert conv is not None
    conv.receive(b"\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03abc", "client")
    [d] = conv.receive(b"\x32\x0a\x00\x03a/b\x00\x02<i>", "client")
    return d


def test_a_decoded_message_as_text_has_its_dump_and_value() -> None:
    d = graphql()[1]
    text = decoded_text(d)
    assert text.startswith("graphql-transport-ws · client: subscribe id='<b>' { a } · WebSocket message #2")
    assert "/payload/query" in text and "4401" in text and "value:\n{" in text
    assert '"query": "{ a }"' in value_text(d)


def test_bit_fields_show_in_the_dump() -> None:
    text = decoded_text(publish())
    assert "QoS" in text and "0011" in text  # the 4-bit packet type of PUBLISH


def test_the_html_escapes_everything_and_is_balanced() -> None:
    d = graphql()[1]
    shown = decoded_html(d)
    assert "&lt;b&gt;" in shown and "'<b>'" not in shown and "Decoded value" in shown
    checker = parse_html(shown)
    assert not any(tag == "script" for tag, _ in checker.tags)
    mqtt = decoded_html(publish())
    assert "3c 69 3e" in mqtt and "<i>" not in mqtt  # the payload b"<i>", as hex and escaped
    parse_html(mqtt)


def test_a_conversation_as_a_table() -> None:
    messages = graphql()
    text = conversation_text(messages)
    assert text.splitlines()[0].split() == ["#", "from", "type", "what", "!", "rules", "broken"]
    assert "client → server  subscribe" in text and "! subscribe before the server acknowledged" in text
    shown = conversation_html(messages)
    checker = parse_html(shown)
    assert "2 decoded messages · 1 breaking a rule" in "".join(checker.text)
    assert "&lt;b&gt;" in shown and "graphql-ws PROTOCOL.md: Subscribe" in shown
    assert conversation_text([]) == "(no messages)"


def test_long_conversations_are_cut() -> None:
    conv = conversation(None, choice="json")
    assert conv is not None
    messages = [d for i in range(30) for d in conv.receive(str(i), "server")]
    assert "… 20 more messages not listed" in conversation_text(messages, max_rows=10)
    assert "20 more messages not listed" in conversation_html(messages, max_rows=10)
    assert value_text(messages[0]) == "0"
