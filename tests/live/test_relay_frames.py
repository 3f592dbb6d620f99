"""Frames shaped like recorded ones: same fragmentation, compressed by the connection's own state, masked."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frame_parser import FrameParser
from wsexplorer.live.relay_frames import frame_bytes, message_frames
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import BinaryMessage, TextMessage
from wsexplorer.record.loopback import Loopback


def pair(deflate: bool) -> tuple[Connection, Connection]:
    ext = ["permessage-deflate"] if deflate else []
    client = Connection("client", url="ws://x/", extensions=ext, frame_events=False)
    server = Connection("server", extensions=ext, frame_events=False)
    Loopback(client, server).pump()
    client.events(), server.events()
    return client, server


def frames_of(data: list[bytes]) -> list:  # type: ignore[type-arg]
    return list(FrameParser().feed(b"".join(data)))


def test_same_sizes_when_the_payload_is_unchanged() -> None:
    client, server = pair(False)
    wire = message_frames(client, Opcode.TEXT, b"abcdefghij", sizes=[3, 3, 4])
    frames = frames_of(wire)
    assert [f.payload for f in frames] == [b"abc", b"def", b"ghij"]
    assert [int(f.opcode) for f in frames] == [1, 0, 0] and [f.fin for f in frames] == [False, False, True]
    assert all(f.masked for f in frames) and not any(f.rsv1 for f in frames)
    for data in wire:
        server.receive_data(data)
    (message,) = server.events()
    assert isinstance(message, TextMessage) and message.data == "abcdefghij"


def test_near_equal_cuts_when_sizes_do_not_add_up() -> None:
    client, _ = pair(False)
    frames = frames_of(message_frames(client, Opcode.BINARY, b"x" * 10, sizes=[1, 1, 1]))
    assert [len(f.payload) for f in frames] == [3, 3, 4]
    empty = frames_of(message_frames(client, Opcode.BINARY, b"", sizes=[0, 0]))
    assert [len(f.payload) for f in empty] == [0, 0]


def test_compressed_with_the_connections_own_context() -> None:
    server, client = pair(True)[::-1]
    for k in range(3):  # context takeover: each message uses the window of the ones before
        wire = message_frames(server, Opcode.TEXT, b"hello hello hello" * 5, sizes=[10, 10], compress=True)
        frames = frames_of(wire)
        assert frames[0].rsv1 and not frames[1].rsv1 and not any(f.masked for f in frames)
        for data in wire:
            client.receive_data(data)
        (message,) = client.events()
        assert isinstance(message, TextMessage) and message.data == "hello hello hello" * 5, k


def test_compress_is_ignored_without_deflate() -> None:
    client, _ = pair(False)
    (frame,) = frames_of(message_frames(client, Opcode.BINARY, b"data", compress=True))
    assert not frame.rsv1 and frame.payload == b"data"


def test_frame_bytes_masks_with_a_fresh_key_per_frame() -> None:
    client, server = pair(False)
    keys = itertools.count()
    rng = lambda n: bytes([next(keys) % 256]) * n  # noqa: E731
    a, b = (frames_of([frame_bytes(client, Opcode.PING, b"p", rng=rng)])[0] for _ in range(2))
    assert a.masking_key != b.masking_key and a.payload == b.payload == b"p"
    assert not frames_of([frame_bytes(server, Opcode.PONG, b"p")])[0].masked


@given(st.binary(max_size=300), st.lists(st.integers(0, 100), min_size=1, max_size=6), st.booleans())
def test_any_shape_is_received_whole(payload: bytes, sizes: list[int], deflate: bool) -> None:
    client, server = pair(deflate)
    for data in message_frames(client, Opcode.BINARY, payload, sizes=sizes, compress=True):
        server.receive_data(data)
    (message,) = server.events()
    assert isinstance(message, BinaryMessage) and message.data == payload
