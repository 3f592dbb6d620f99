"""The common model: rules, the decoded message, the bounded tracker, the byte stream, the conversation."""

from __future__ import annotations

import pytest

from wsexplorer.anatomy import Inspectable, Span
from wsexplorer.codec.role import Role
from wsexplorer.codec.subprotocols.base import (
    ByteStream,
    Conversation,
    DecodedMessage,
    MessageBuilder,
    Piece,
    SubprotocolRule,
    Tracker,
)


class Echo(Conversation):
    """A made-up subprotocol: each message is one field; an 'x' breaks a rule (code 4000)."""

    protocol = "echo.example"
    RULE = SubprotocolRule("no {what} here", "Echo §{n}", 4000, "text")

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        b.kind, b.headline = "echo", repr(data[:10])
        b.add("text", 0, len(data), data, "what was said", "Echo §1", "body")
        if b"x" in data:
            at = data.index(b"x")
            b.flag(self.RULE, at, at + 1, what="x", n=2)
        return [b.build()]


def test_a_rule_fills_its_text_and_its_section() -> None:
    v = Echo.RULE.violation(3, 4, what="x", n=2)
    assert (v.rule, v.section, v.start, v.end, v.close_code, v.field) == (
        "no x here",
        "Echo §2",
        3,
        4,
        4000,
        "text",
    )
    assert v.fault == "peer"


def test_a_decoded_message_is_inspectable_and_keeps_its_bytes() -> None:
    conv = Echo()
    [d] = conv.receive("hello", "client")
    assert isinstance(d, Inspectable)
    assert bytes(d) == b"hello" and len(d) == 5 and d.text == "hello"
    assert d.is_text and d.sender == "client" and d.pieces == (Piece(0, 0, 5),)
    assert d.fields[0].span == Span.of_bytes(0, 5)
    assert d.violations == ()
    assert d.summary() == "client: echo b'hello'"
    assert repr(d) == "<DecodedMessage echo.example client: echo b'hello'>"


def test_a_rule_broken_shows_with_its_bytes_and_close_code() -> None:
    [d] = Echo().receive(b"abxd", "server")
    [v] = d.violations
    assert d.data[v.start : v.end] == b"x" and v.close_code == 4000
    assert not d.is_text
    assert "(1 violation)" in repr(d)


def test_messages_are_numbered_across_both_directions() -> None:
    conv = Echo()
    conv.receive("a", "client")
    [d] = conv.receive("b", "server")
    assert d.pieces == (Piece(1, 0, 1),) and conv.count == 2


def test_a_message_over_the_limit_is_not_decoded_but_shown_with_1009() -> None:
    [d] = Echo(max_message_size=4).receive(b"12345", "client")
    assert d.kind == "unread" and bytes(d) == b"12345"
    [v] = d.violations
    assert v.close_code == 1009 and (v.start, v.end) == (0, 5) and "limit of 4" in v.rule


def test_the_sender_must_be_client_or_server() -> None:
    with pytest.raises(ValueError, match="sender"):
        Echo().receive("a", "router")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        Echo(max_message_size=0)
    with pytest.raises(TypeError, match=r"str \(text\) or bytes"):
        Echo().receive(5, "client")  # type: ignore[arg-type]


def test_a_pasted_str_with_a_lone_surrogate_keeps_its_bytes() -> None:
    [d] = Echo().receive("a\ud800", "client")
    assert bytes(d) == b"a\xed\xa0\x80"


def test_the_builder_marks_spans_for_later_rules() -> None:
    b = MessageBuilder("p", b"0123456789", "client")
    b.mark("id", 2, 4)
    b.flag_at(Echo.RULE, "missing", "id", what="id", n=3)
    b.flag_at(Echo.RULE, "missing", what="whole", n=3)
    b.add_bits("flag", 9, 1, True, "a bit", "Echo §4")
    d = b.build()
    assert [(v.start, v.end) for v in d.violations] == [(2, 4), (0, 10)]
    assert d.fields[0].bits == "0"  # bit 9 of b"0123456789": '1' is 0x31, its second bit is 0


def test_the_tracker_forgets_the_oldest_past_its_limit() -> None:
    t: Tracker[str, int] = Tracker(limit=2)
    t.put("a", 1)
    t.put("b", 2)
    t.put("c", 3)
    assert "a" not in t and list(t) == ["b", "c"] and t.forgotten == 1 and len(t) == 2
    assert t.pop("b") == 2 and t.pop("b") is None and t.get("c") == 3


def test_the_byte_stream_says_which_messages_taken_bytes_came_from() -> None:
    s = ByteStream()
    s.feed(b"abc", 0, is_text=True)
    s.feed(b"", 1)
    s.feed(b"defg", 2)
    assert len(s) == 7 and s.peek(2) == b"ab" and s.find(b"d") == 3 and s.is_text
    data, pieces = s.take(5)
    assert data == b"abcde" and pieces == (Piece(0, 0, 3), Piece(2, 0, 2))
    data, pieces = s.take(10)
    assert data == b"fg" and pieces == (Piece(2, 2, 4),) and len(s) == 0
