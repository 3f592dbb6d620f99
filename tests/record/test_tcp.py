"""TCP reassembly: any order, duplicates, overlaps, gaps and sequence wraparound give back the stream.

Property tests cut a random stream into segments, duplicate, overlap, drop and shuffle them, and check
that the pieces put every byte at its true offset, that holes come out as gaps (never glued over),
that conflicting copies are named with both ranges (first copy kept), and that memory stays bounded.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.record.tcp import (
    Conflict,
    Gap,
    Piece,
    StreamData,
    StreamEnd,
    TCPReassembler,
    seq_delta,
)
from wsexplorer.record.tcp_pieces import SEQ_MOD

Segment = tuple[int, bytes]  # (stream offset, bytes)


def feed(
    reassembler: TCPReassembler,
    isn: int,
    segments: list[Segment],
    *,
    syn: bool = True,
    fin_at: int | None = None,
    direction: int = 0,
) -> list[Piece]:
    """Feed a SYN (optional), the segments in the given order and a FIN (optional), then finish."""
    pieces: list[Piece] = []
    t = 0
    if syn:
        pieces += reassembler.segment(direction, isn, b"", t, syn=True, packet=1)
    for number, (offset, data) in enumerate(segments, start=2):
        t += 1000
        pieces += reassembler.segment(direction, (isn + 1 + offset) % SEQ_MOD, data, t, packet=number)
    if fin_at is not None:
        pieces += reassembler.segment(direction, (isn + 1 + fin_at) % SEQ_MOD, b"", t, fin=True, packet=9999)
    pieces += reassembler.finish(t, 10000)
    return pieces


def layout(pieces: list[Piece], direction: int = 0) -> tuple[dict[int, int], list[Gap], list[StreamData]]:
    """Byte value per offset from the data pieces; check the data and gaps tile the stream in order."""
    values: dict[int, int] = {}
    gaps: list[Gap] = []
    data: list[StreamData] = []
    position = 0
    for piece in pieces:
        if piece.direction != direction:
            continue
        if isinstance(piece, StreamData):
            assert piece.offset == position, "data must continue exactly where the stream is"
            assert piece.data, "no empty data pieces"
            for k, b in enumerate(piece.data):
                values[piece.offset + k] = b
            position = piece.end
            data.append(piece)
        elif isinstance(piece, Gap):
            assert piece.start == position and piece.end > piece.start
            position = piece.end
            gaps.append(piece)
    return values, gaps, data


def cut(stream: bytes, points: list[int]) -> list[Segment]:
    bounds = sorted({0, len(stream), *(p % (len(stream) + 1) for p in points)})
    return [(a, stream[a:b]) for a, b in itertools.pairwise(bounds) if b > a]


ISNS = st.one_of(st.integers(0, SEQ_MOD - 1), st.integers(SEQ_MOD - 3000, SEQ_MOD - 1))


@settings(max_examples=200, deadline=None)
@given(
    stream=st.binary(min_size=1, max_size=3000),
    points=st.lists(st.integers(0, 3000), max_size=30),
    isn=ISNS,
    extra=st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 400)), max_size=10),
    seed=st.integers(0, 2**32),
)
def test_any_order_with_duplicates_and_overlaps_gives_the_stream(
    stream: bytes, points: list[int], isn: int, extra: list[tuple[int, int]], seed: int
) -> None:
    segments = cut(stream, points)
    segments += segments[: len(segments) // 2]  # exact duplicates
    for start, length in extra:  # overlapping retransmissions with the same bytes
        start %= len(stream)
        segments.append((start, stream[start : start + length]))
    random.Random(seed).shuffle(segments)
    r = TCPReassembler()
    pieces = feed(r, isn, segments, fin_at=len(stream))
    values, gaps, _ = layout(pieces)
    assert bytes(values[k] for k in range(len(values))) == stream
    assert gaps == [] and r.conflicts == []
    assert [p.how for p in pieces if isinstance(p, StreamEnd)] == ["fin"]
    assert r.held_bytes == 0
    half = r.halves[0]
    assert half.retransmitted_bytes >= sum(len(d) for _, d in segments) - len(stream)


@settings(max_examples=200, deadline=None)
@given(
    stream=st.binary(min_size=2, max_size=2000),
    points=st.lists(st.integers(0, 2000), min_size=1, max_size=20),
    dropped=st.sets(st.integers(0, 40), min_size=1, max_size=5),
    isn=ISNS,
    fin=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_holes_that_never_fill_are_gaps(
    stream: bytes, points: list[int], dropped: set[int], isn: int, fin: bool, seed: int
) -> None:
    segments = cut(stream, points)
    kept = [s for i, s in enumerate(segments) if i not in dropped]
    covered: set[int] = set()
    for offset, data in kept:
        covered.update(range(offset, offset + len(data)))
    random.Random(seed).shuffle(kept)
    pieces = feed(TCPReassembler(), isn, kept, fin_at=len(stream) if fin else None)
    values, gaps, _ = layout(pieces)
    assert set(values) == covered
    assert all(stream[k] == v for k, v in values.items())
    gap_bytes = {k for g in gaps for k in range(g.start, g.end)}
    end = len(stream) if fin else max(covered, default=-1) + 1
    assert gap_bytes == set(range(end)) - covered
    assert all(g.reason == "never filled" for g in gaps)


@settings(max_examples=150, deadline=None)
@given(
    stream=st.binary(min_size=4, max_size=1500),
    points=st.lists(st.integers(0, 1500), max_size=15),
    bad=st.lists(st.tuples(st.integers(0, 1500), st.integers(1, 200)), min_size=1, max_size=4),
    isn=ISNS,
    seed=st.integers(0, 2**32),
)
def test_conflicting_copies_keep_the_first_and_are_named(
    stream: bytes, points: list[int], bad: list[tuple[int, int]], isn: int, seed: int
) -> None:
    segments = cut(stream, points)
    for start, length in bad:  # copies with every byte flipped
        start %= len(stream)
        segments.append((start, bytes(b ^ 0xFF for b in stream[start : start + length])))
    random.Random(seed).shuffle(segments)
    first_seen: dict[int, int] = {}
    later: dict[int, set[int]] = {}
    for offset, data in segments:
        for k, b in enumerate(data):
            if offset + k in first_seen:
                later.setdefault(offset + k, set()).add(b)
            else:
                first_seen[offset + k] = b
    r = TCPReassembler()
    pieces = feed(r, isn, segments, fin_at=len(stream))
    values, gaps, _ = layout(pieces)
    assert values == first_seen and gaps == []
    differing = {k for k, seen in later.items() if seen - {first_seen[k]}}
    named = {k for c in r.conflicts for k in range(*c.differ)}
    assert differing <= named
    for c in r.conflicts:
        assert c.kept == "first"
        assert c.first[0] <= c.differ[0] < c.differ[1] <= c.first[1]
        assert c.second[0] <= c.differ[0] and c.differ[1] <= c.second[1]
        assert c.first_bytes != c.second_bytes
        assert c.first_bytes[0] == first_seen[c.differ[0]]
    assert r.halves[0].conflict_count >= len(r.conflicts) >= (1 if differing else 0)


@settings(max_examples=100, deadline=None)
@given(
    stream=st.binary(min_size=50, max_size=4000),
    points=st.lists(st.integers(0, 4000), min_size=5, max_size=40),
    cap=st.integers(0, 600),
    seed=st.integers(0, 2**32),
)
def test_out_of_order_limit_cuts_but_never_glues(
    stream: bytes, points: list[int], cap: int, seed: int
) -> None:
    segments = cut(stream, points)
    random.Random(seed).shuffle(segments)
    r = TCPReassembler(max_out_of_order=cap)
    peak = 0
    pieces: list[Piece] = [*r.segment(0, 7, b"", 0, syn=True)]
    for n, (offset, data) in enumerate(segments, start=2):
        pieces += r.segment(0, 8 + offset, data, n, packet=n)
        peak = max(peak, r.held_bytes)
        assert r.held_bytes <= cap + len(data)
    pieces += r.finish()
    values, gaps, _ = layout(pieces)
    assert all(stream[k] == v for k, v in values.items())  # every byte at its true offset
    assert all(g.reason in ("out-of-order limit", "never filled") for g in gaps)
    assert len(values) + sum(g.length for g in gaps) == len(stream)


def test_in_order_segments_come_out_one_piece_each_with_their_time_and_packet() -> None:
    r = TCPReassembler()
    assert r.segment(0, 100, b"", 1, syn=True, packet=1) == []
    a = r.segment(0, 101, b"GET ", 10, packet=2)
    b = r.segment(0, 105, b"/ HTTP/1.1", 20, packet=3)
    assert a == [StreamData(0, 0, b"GET ", 10, 2)]
    assert b == [StreamData(0, 4, b"/ HTTP/1.1", 20, 3)]


def test_a_late_segment_releases_what_was_held_at_its_own_time() -> None:
    r = TCPReassembler()
    r.segment(1, 5, b"", 0, syn=True)
    assert r.segment(1, 10, b"o world", 10, packet=3) == []
    assert r.held_bytes == 7
    out = r.segment(1, 6, b"hell", 20, packet=4)
    assert out == [
        StreamData(1, 0, b"hello world", 20, 4)
    ]  # held bytes merged into the piece that freed them
    assert r.held_bytes == 0


def test_wraparound_of_sequence_numbers() -> None:
    r = TCPReassembler()
    isn = SEQ_MOD - 3
    r.segment(0, isn, b"", 0, syn=True)
    out = r.segment(0, SEQ_MOD - 2, b"abcdef", 1)  # crosses 2**32 after two bytes
    out += r.segment(0, 4, b"gh", 2)
    assert b"".join(p.data for p in out if isinstance(p, StreamData)) == b"abcdefgh"
    assert seq_delta(2, SEQ_MOD - 2) == 4 and seq_delta(SEQ_MOD - 2, 2) == -4


def test_retransmission_with_different_bytes_after_delivery() -> None:
    r = TCPReassembler()
    r.segment(0, 0, b"", 0, syn=True)
    r.segment(0, 1, b"hello world", 1, packet=2)
    assert r.segment(0, 7, b"WORLD", 2, packet=3) == []
    (conflict,) = r.conflicts
    assert conflict == Conflict(0, (6, 11), (6, 11), 2, 3, (6, 11), b"world", b"WORLD")
    assert "kept" in str(conflict) and "packet 3" in str(conflict)
    assert r.halves[0].retransmitted_segments == 1


def test_fin_rst_and_data_after_the_end() -> None:
    r = TCPReassembler()
    r.segment(0, 0, b"", 0, syn=True)
    r.segment(1, 50, b"", 0, syn=True)
    out = r.segment(0, 1, b"bye", 1, fin=True, packet=2)
    assert out[-1] == StreamEnd(0, 3, 1, 2, "fin")
    assert r.segment(0, 4, b"late", 2) == []
    assert r.halves[0].after_end_bytes == 4
    r.segment(1, 53, b"xyz", 3, packet=5)  # a hole at 0..1: held
    out = r.segment(1, 60, b"", 4, rst=True, packet=6)
    assert [type(p).__name__ for p in out] == ["Gap", "StreamData", "StreamEnd"]
    assert out[0] == Gap(1, 0, 2, 4, 6, "never filled")
    assert r.ended


def test_snapshot_length_cut_becomes_a_gap_right_away() -> None:
    r = TCPReassembler()
    r.segment(0, 0, b"", 0, syn=True)
    out = r.segment(0, 1, b"abc", 1, packet=2, missing=5)  # 8 bytes sent, 3 captured
    out += r.segment(0, 9, b"next", 2, packet=3)
    assert out == [
        StreamData(0, 0, b"abc", 1, 2),
        Gap(0, 3, 8, 1, 2, "snapshot length"),
        StreamData(0, 8, b"next", 2, 3),
    ]


def test_mid_stream_start_takes_the_first_segment_as_offset_zero() -> None:
    r = TCPReassembler()
    out = r.segment(0, 123456, b"frames", 1)
    assert out == [StreamData(0, 0, b"frames", 1, 0)]
    assert not r.halves[0].syn_seen


def test_tiny_segments_cannot_pile_up() -> None:
    r = TCPReassembler(max_segments=100)
    r.segment(0, 0, b"", 0, syn=True)
    for k in range(1000):  # every other byte, never the first: 1-byte holes
        r.segment(0, 3 + 2 * k, b"x", k)
        assert len(r.halves[0]._starts) <= 100
    assert r.held_bytes <= 100


def test_bad_arguments() -> None:
    r = TCPReassembler()
    with pytest.raises(ValueError):
        r.segment(2, 0, b"", 0)
    with pytest.raises(ValueError):
        r.segment(0, SEQ_MOD, b"", 0)
    with pytest.raises(ValueError):
        TCPReassembler(max_segments=0)
