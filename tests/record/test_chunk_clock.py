"""Frame times from the chunk rows: the chunk holding a frame's first byte, and the one completing it."""

from __future__ import annotations

import random
from array import array

from wsexplorer.codec.frame_builder import serialize_frame
from wsexplorer.record.chunk_clock import ChunkClock, catch_up
from wsexplorer.record.session import C2S, S2C, Session


def _columns(rows: list[tuple[int, int, int]]) -> tuple[array[int], array[int], array[int]]:
    return (
        array("b", [r[0] for r in rows]),
        array("I", [r[1] for r in rows]),
        array("q", [r[2] for r in rows]),
    )


def test_the_loop_and_the_vector_paths_agree() -> None:
    rng = random.Random(7)
    rows = [(rng.randrange(2), rng.randrange(1, 5000), t) for t in range(3000)]
    dirs, lens, times = _columns(rows)
    one_by_one = (ChunkClock(), ChunkClock())
    seen = 0
    for n in range(1, len(rows) + 1, 97):  # small steps: the Python loop
        seen = catch_up(one_by_one, seen, dirs[:n], lens[:n], times[:n])
    seen = catch_up(one_by_one, seen, dirs, lens, times)
    at_once = (ChunkClock(), ChunkClock())
    assert catch_up(at_once, 0, dirs, lens, times) == len(rows) == seen  # one big step: numpy
    for a, b in zip(one_by_one, at_once, strict=True):
        assert a.ends == b.ends and a.times == b.times and a.total == b.total


def test_times_of_bytes_and_ends() -> None:
    clock = ChunkClock()
    catch_up((clock, ChunkClock()), 0, *_columns([(0, 10, 100), (1, 5, 150), (0, 10, 200), (0, 1, 300)]))
    assert list(clock.ends) == [10, 20, 21]
    assert [clock.time_of_byte(o) for o in (0, 9, 10, 19, 20)] == [100, 100, 200, 200, 300]
    assert [clock.time_of_end(e) for e in (1, 10, 11, 20, 21)] == [100, 100, 200, 200, 300]


def test_session_frame_times_follow_their_chunks() -> None:
    s = Session("server", handshake=False)
    frame = serialize_frame(2, b"x" * 30, mask_key=b"abcd")  # 36 bytes
    s.record(C2S, frame[:5], 10)  # the first frame starts here ...
    s.record(S2C, serialize_frame(9, b""), 15)
    s.record(C2S, frame[5:] + frame[:3], 20)  # ... and ends here, where the second starts
    s.record(C2S, frame[3:], 30)
    first, second = s.frames(C2S)
    assert (first.t_first_ns, first.t_ns) == (10, 20)
    assert (second.t_first_ns, second.t_ns) == (20, 30)
    cols = s.frame_columns(C2S)
    assert cols["t_first_ns"].tolist() == [10, 20] and cols["t_ns"].tolist() == [20, 30]
    assert s.frame_order() == [(S2C, 0), (C2S, 0), (C2S, 1)]  # the ping completed at 15, before 20
    s.record(C2S, frame, 40)  # the clock catches up with chunks recorded after it was first read
    assert s.frame(C2S, 2).t_first_ns == s.frame(C2S, 2).t_ns == 40
