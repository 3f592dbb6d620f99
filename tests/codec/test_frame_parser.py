"""FrameParser on streams of large and small frames cut anywhere, fed as bytes or as a reused buffer."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec import frame_parser
from wsexplorer.codec.frame_builder import serialize_frame
from wsexplorer.codec.frame_parser import STREAMED_PAYLOAD, FrameParser
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.masking import LARGE_PAYLOAD


def _stream(sizes: list[int], masked: bool) -> tuple[bytes, list[bytes]]:
    payloads = [os.urandom(n) for n in sizes]
    frames = [serialize_frame(2, p, mask_key=os.urandom(4) if masked else None) for p in payloads]
    return b"".join(frames), payloads


def _feed(data: bytes, cuts: list[int], as_view: bool) -> tuple[list[Frame], FrameParser]:
    parser = FrameParser()
    frames: list[Frame] = []
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for a, b in itertools.pairwise(points):
        chunk = data[a:b]
        if as_view:  # a reused read buffer: the parser must copy what it keeps
            scratch = bytearray(chunk)
            frames += parser.feed(memoryview(scratch))
            scratch[:] = b"\xff" * len(scratch)
        else:
            frames += parser.feed(chunk)
    return frames, parser


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(
        st.sampled_from([0, 5, 125, 126, 2047, LARGE_PAYLOAD, 3001, 65535, 65536, 70001, 140_003]),
        min_size=1,
        max_size=5,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=12),
    masked=st.booleans(),
    as_view=st.booleans(),
)
def test_any_cuts_give_the_frames_sent(
    sizes: list[int], cuts: list[int], masked: bool, as_view: bool
) -> None:
    data, payloads = _stream(sizes, masked)
    frames, parser = _feed(data, cuts, as_view)
    assert [f.payload for f in frames] == payloads
    assert b"".join(bytes(f) for f in frames) == data  # the wire bytes come back exactly
    offsets = [f.offset for f in frames]
    assert offsets == [sum(len(bytes(g)) for g in frames[:i]) for i in range(len(frames))]
    assert parser.buffered == 0 and parser.stream_offset == len(data)


def test_a_large_frame_in_progress_is_reported_and_counted() -> None:
    data, _ = _stream([100_000], masked=True)
    parser = FrameParser()
    assert parser.feed(data[:10]) == []  # header (8 + 4 bytes of key) not complete yet
    assert parser.peek_header() is None
    assert parser.feed(data[10:5000]) == []
    assert parser.peek_header() == (0, 14, 100_000, 2)
    assert parser.buffered == 5000 and parser.stream_offset == 5000
    assert parser.feed(data[5000:5001]) == []
    assert parser.buffered == 5001
    # The rest of it, a ping, and the first byte of the next frame, in one chunk.
    frame, ping = parser.feed(data[5001:] + b"\x89\x00\x82")
    assert len(frame.payload) == 100_000 and bytes(frame) == data and frame.offset == 0
    assert bytes(ping) == b"\x89\x00" and ping.offset == len(data)
    assert parser.buffered == 1 and parser.stream_offset == len(data) + 3


@pytest.mark.parametrize("size", [0, 5, 125, 126, 300, 65535, 65536, 70001])
@pytest.mark.parametrize("masked", [True, False])
def test_missing_counts_down_to_the_end_of_the_header_then_of_the_frame(size: int, masked: bool) -> None:
    frame = serialize_frame(2, os.urandom(size), mask_key=os.urandom(4) if masked else None)
    hlen = len(frame) - size
    for cut in range(1, len(frame), max(1, len(frame) // 97)):
        parser = FrameParser()
        assert parser.feed(frame[:cut]) == []
        need = parser.missing()
        if cut < 2:
            assert need == 2 - cut  # the second byte says how long the header is
        elif cut < hlen:
            assert need == hlen - cut  # then the rest of the header
        else:
            assert need == len(frame) - cut  # then the rest of the frame
        assert parser.feed(frame[cut : cut + need]) == [] or cut + need == len(frame)
    assert FrameParser().missing() == 0


def test_skip_moves_offsets_between_frames_only() -> None:
    parser = FrameParser()
    parser.skip(10)
    (frame,) = parser.feed(b"\x82\x01x")
    assert frame.offset == 10 and parser.stream_offset == 13
    parser.feed(b"\x82")
    with pytest.raises(ValueError):
        parser.skip(1)


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "buffered"])
@pytest.mark.parametrize("masked", [True, False])
@pytest.mark.parametrize("piece", [13, 4093, 65536, 100_000])
def test_a_streamed_frame_is_unmasked_as_it_arrives(
    masked: bool, piece: int, streaming: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the read after its header, a large frame's payload is written as pieces come, and the
    parser still counts it as buffered, shows its header and says how much is missing. Without
    PayloadWriter (not CPython: ``buffered``) the frame is buffered whole, with the same answers."""
    monkeypatch.setattr(frame_parser, "_CAN_STREAM", streaming)
    size = STREAMED_PAYLOAD * 2 + 3
    data, (payload,) = _stream([size], masked)
    hlen = len(data) - size
    parser = FrameParser()
    (small,) = parser.feed(b"\x81\x01a" + data[:hlen])  # a small frame first: offsets start at 3
    assert small.payload == b"a" and parser.buffered == hlen
    pos = hlen
    frames: list[Frame] = []
    while not frames:
        scratch = bytearray(data[pos : pos + piece])
        frames = parser.feed(memoryview(scratch))
        pos += len(scratch)
        scratch[:] = b"\xff" * len(scratch)  # the parser keeps nothing of a reused read buffer
        if not frames:
            assert parser.buffered == pos and parser.stream_offset == 3 + pos
            assert parser.peek_header() == (3, hlen, size, 2)
            assert parser.missing() == len(data) - pos
            assert (parser._writer is not None) is streaming  # the path this case is about
            with pytest.raises(ValueError):
                parser.skip(1)
    (frame,) = frames
    assert pos == len(data)
    assert frame.payload == payload and bytes(frame) == data and frame.offset == 3
    assert parser.buffered == 0 and parser.stream_offset == 3 + len(data) and parser.missing() == 0


def test_a_streamed_frame_then_more_frames_in_the_same_read() -> None:
    data, payloads = _stream([STREAMED_PAYLOAD + 10, 5, STREAMED_PAYLOAD, 70], masked=True)
    parser = FrameParser()
    first = len(data) - sum(len(p) for p in payloads[1:]) - 200
    assert parser.feed(data[:100]) == []
    assert parser.feed(data[100:first]) == []  # now streaming the first frame
    frames = parser.feed(data[first:])
    assert [f.payload for f in frames] == payloads
    assert b"".join(bytes(f) for f in frames) == data


def test_a_huge_announced_frame_is_not_allocated_ahead() -> None:
    """A header announcing more than the streamed maximum keeps the buffered path: nothing is
    allocated for bytes that have not arrived."""
    header = b"\x82\xff" + (1 << 40).to_bytes(8, "big") + b"\x00" * 4
    parser = FrameParser()
    parser.feed(header + b"x" * 10)
    parser.feed(b"y" * 1000)
    assert parser.buffered == len(header) + 1010
    assert parser.peek_header() == (0, len(header), 1 << 40, 2)
    assert parser.missing() == (1 << 40) - 1010
