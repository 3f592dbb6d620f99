"""FrameIndex: time order, positions, filters by direction, opcode, length and message content."""

from __future__ import annotations

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.record.frame_index import OPCODE_GROUPS, FrameIndex
from wsexplorer.record.session import C2S, S2C, Session

KEY = b"\x01\x02\x03\x04"


def chat() -> Session:
    s = Session("client", handshake=False)
    s.record(C2S, bytes(Frame.text('{"op": "join", "room": "lobby"}', mask=KEY)), 10)
    s.record(S2C, bytes(Frame.text('{"op": "joined", "users": 3}')), 20)
    s.record(C2S, bytes(Frame.binary(b"\x00\xff" * 100, mask=KEY)), 30)
    s.record(S2C, bytes(Frame.text("Hello ", fin=False)), 40)
    s.record(S2C, bytes(Frame.ping(b"are you there")), 45)
    s.record(S2C, bytes(Frame.continuation("World")), 50)
    s.record(C2S, bytes(Frame.pong(b"are you there", mask=KEY)), 55)
    s.record(C2S, bytes(Frame.close(1000, "done", mask=KEY)), 60)
    return s


def test_positions_follow_time_order() -> None:
    index = FrameIndex(chat())
    assert len(index) == 8
    assert [index.position_of(S2C, i) for i in range(4)] == [1, 3, 4, 5]
    assert [index.position_of(C2S, i) for i in range(4)] == [0, 2, 6, 7]


def test_filters_combine() -> None:
    index = FrameIndex(chat())
    assert index.select([S2C]).tolist() == [1, 3, 4, 5]
    assert index.select(None, OPCODE_GROUPS["close"]).tolist() == [7]
    assert index.select(min_length=100).tolist() == [2]
    assert index.select(max_length=6).tolist() == [3, 5, 7]
    assert index.select([C2S], min_length=13, max_length=13).tolist() == [6]


def test_search_finds_whole_messages_and_control_payloads() -> None:
    index = FrameIndex(chat())
    assert index.select(search="hello world").tolist() == [3, 5]  # both fragments of the message
    assert index.select(search="are you").tolist() == [4, 6]  # ping and pong payloads
    assert index.select(search="done").tolist() == [7]  # a close frame's reason
    assert index.select(search='"op":\\s*"join', regex=True).tolist() == [0, 1]
    assert index.select(search="00 ff 00").tolist() == [2]
    assert index.select([C2S], search="joined").tolist() == []
    with pytest.raises(ValueError):
        index.select(search="[", regex=True)
    assert index.search_complete


def test_search_of_a_big_session_can_be_spread_over_steps() -> None:
    s = Session("client", handshake=False)
    for i in range(5000):
        s.record(S2C, bytes(Frame.text(f"message {i}")), i)
    index = FrameIndex(s)
    first = index.select(search="message 4999", search_frames=1000, search_stop=lambda: True)
    assert first.tolist() == [] and not index.search_complete  # only 1,000 frames replayed yet
    steps = 0
    while not index.search_complete:
        index.search_step(frames=1000, stop=lambda: True)
        steps += 1
    assert steps >= 3
    assert index.select(search="message 4999", search_frames=0, search_stop=lambda: True).tolist() == [4999]
    expected = [49, *range(490, 500), *range(4900, 5000)]
    assert index.select(search="message 49", regex=True).tolist() == expected


def test_the_index_grows_with_the_session() -> None:
    s = chat()
    index = FrameIndex(s)
    assert index.select(search="later").tolist() == []
    s.record(S2C, bytes(Frame.text("later")), 70)
    assert index.update()
    assert index.select(search="later").tolist() == [8]
