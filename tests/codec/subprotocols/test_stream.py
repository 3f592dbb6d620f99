"""Stream conversations: buffering per direction, the per-message item bound, giving up, the end."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.role import Role
from wsexplorer.codec.subprotocols import conversation
from wsexplorer.codec.subprotocols.base import DecodedMessage, MessageBuilder
from wsexplorer.codec.subprotocols.stream import StreamConversation


class Lines(StreamConversation):
    """A made-up stream protocol: items end with ';'."""

    protocol = "lines.example"
    unit = "line"
    framing_section = "Lines §1"

    def _drain(self, sender: Role, budget: int) -> tuple[list[DecodedMessage], bool]:
        stream, out = self.streams[sender], list[DecodedMessage]()
        while (end := stream.find(b";")) >= 0:
            if len(out) >= budget:
                return out, True
            data, pieces = stream.take(end + 1)
            b = MessageBuilder(self.protocol, data, sender, pieces=pieces)
            b.kind = "line"
            out.append(b.build())
        return out, False


def test_each_direction_is_its_own_stream() -> None:
    conv = Lines()
    assert conv.receive("ab", "client") == []
    assert [bytes(d) for d in conv.receive("x;", "server")] == [b"x;"]
    assert [bytes(d) for d in conv.receive("c;d", "client")] == [b"abc;"]
    [left] = conv.finish()
    assert left.kind == "incomplete" and left.sender == "client" and bytes(left) == b"d"
    assert left.violations[0].rule == "the conversation ended inside a line (1 bytes buffered)"
    assert left.violations[0].section == "Lines §1"


def test_items_per_message_are_bounded_then_the_direction_is_given_up() -> None:
    conv = Lines(max_items=3)
    out = conv.receive("a;" * 5, "client")
    assert [d.kind for d in out] == ["line", "line", "line", "not decoded"]
    assert bytes(out[-1]) == b"a;a;" and "more than 3 packets" in out[-1].violations[0].rule
    [later] = conv.receive("b;", "client")
    assert later.kind == "unreadable" and "line 4 of message 0" in later.violations[0].rule
    assert [d.kind for d in conv.receive("c;", "server")] == ["line"]
    assert conv.finish() == []


@settings(deadline=None, max_examples=200)
@given(
    st.sampled_from(["mqtt", "v12.stomp"]),
    st.lists(st.tuples(st.sampled_from(["client", "server"]), st.binary(max_size=40)), max_size=8),
)
def test_every_byte_fed_comes_back_once_in_order(name: str, sent: list[tuple[str, bytes]]) -> None:
    """bytes(item) for every item of a direction, joined, is exactly what that direction sent."""
    conv = conversation(name, max_packet_size=16) if name == "mqtt" else conversation(name, max_frame_size=16)
    assert conv is not None
    out: list[DecodedMessage] = []
    for sender, data in sent:
        out += conv.receive(data, "client" if sender == "client" else "server")
    out += conv.finish()
    for role in ("client", "server"):
        fed = b"".join(data for sender, data in sent if sender == role)
        assert b"".join(bytes(d) for d in out if d.sender == role) == fed
