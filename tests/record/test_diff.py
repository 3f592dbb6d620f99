"""Comparing two conversations: alignment (same, changed, only in one) and each aspect that can differ."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.protocol.connection import Connection
from wsexplorer.record.diff import ASPECTS, compare
from wsexplorer.record.har import message_log
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session

Script = Callable[[Connection, Connection, Loopback], None]


def run(script: Script, *, deflate: bool = True, pause_ns: Callable[[int], int] | None = None) -> Session:
    """Record ``script`` between two connections in memory; each chunk takes 1 ms (or ``pause_ns``)."""
    ext = ["permessage-deflate"] if deflate else []
    client = Connection("client", url="ws://x/", extensions=ext)
    server = Connection("server", extensions=ext)
    ticks = itertools.count(1)
    t = [0]

    def clock() -> int:
        k = next(ticks)
        t[0] += pause_ns(k) if pause_ns else 1_000_000
        return t[0]

    loop = Loopback(client, server, clock=clock)
    loop.pump()
    script(client, server, loop)
    if client.close_sent is None:
        client.send_close(1000, "done")
        loop.pump()
    return loop.session


def echo(messages: list[str | bytes], *, answer: Callable[[str | bytes], list[str | bytes]] | None = None,
         fragment: int | None = None) -> Script:  # fmt: skip
    def script(client: Connection, server: Connection, loop: Loopback) -> None:
        for m in messages:
            client.send(m, fragment_size=fragment)
            loop.pump()
            for reply in answer(m) if answer else [m]:
                server.send(reply)
            loop.pump()

    return script


BASE = ["one", "two", b"\x00\x01", "four"]


def aspects(diff: object, direction: int) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.status, r.aspects) for r in diff.directions[direction].rows]  # type: ignore[attr-defined]


def test_the_same_conversation_shows_no_differences() -> None:
    a, b = run(echo(BASE)), run(echo(BASE))
    diff = compare(a, b)
    assert diff.same, diff.summary()
    assert diff.summary() == "original and replay: no differences (10 entries compared)"
    assert all(v == 0 for v in diff.counts().values())


def test_payload_and_opcode() -> None:
    a = run(echo(BASE))
    b = run(echo(BASE, answer=lambda m: [m.encode() if m == "two" else "ONE" if m == "one" else m]))
    rows = diff_rows = compare(a, b).directions[S2C].rows
    assert [r.aspects for r in diff_rows[:2]] == [("payload",), ("opcode",)]
    payload = rows[0].differences[0]
    assert (payload.a, payload.b) == ("3 B", "3 B") and "first difference at byte 0" in payload.detail
    assert compare(a, b).counts()["payload"] == 1


def test_missing_and_extra_entries() -> None:
    a = run(echo(BASE))
    b = run(echo(BASE, answer=lambda m: [] if m == "two" else [m, "extra"] if m == "four" else [m]))
    assert aspects(compare(a, b), S2C) == [
        ("same", ()),
        ("only_a", ()),
        ("same", ()),
        ("same", ()),
        ("only_b", ()),
        ("same", ()),
    ]
    counts = compare(a, b).counts()
    assert (counts["only_a"], counts["only_b"]) == (1, 1)


def test_fragmentation_and_frame_by_frame() -> None:
    a, b = run(echo(BASE, fragment=2), deflate=False), run(echo(BASE, fragment=3), deflate=False)
    rows = compare(a, b).directions[C2S].rows
    assert rows[0].aspects == ("fragmentation",)
    assert rows[0].differences[0].a == "2 frame(s)" and rows[0].differences[0].b == "1 frame(s)"
    assert rows[1].frames[1].b is None and rows[1].frames[0].differs == ("fin", "payload_length")
    c = run(echo(["abcdef"], fragment=2), deflate=False)
    d = run(echo(["abcdef"], fragment=4), deflate=False)
    (row,) = compare(c, d).directions[C2S].rows[:1]
    assert row.aspects == ("fragmentation",)


def test_compression() -> None:
    a, b = run(echo(BASE)), run(echo(BASE), deflate=False)
    diff = compare(a, b)
    assert [d.aspect for d in diff.handshake] == ["extensions"]
    assert {r.aspects for r in diff.directions[C2S].rows[:4]} == {("compression",)}
    assert diff.directions[C2S].rows[0].differences[0].a == "compressed"


def test_close_codes() -> None:
    def closes(code: int) -> Script:
        def script(client: Connection, server: Connection, loop: Loopback) -> None:
            server.send_close(code, "bye")
            loop.pump()

        return script

    diff = compare(run(closes(1000)), run(closes(4001)))
    (row,) = [r for r in diff.directions[S2C].rows if r.status != "same"]
    assert row.aspects == ("close code",) and row.differences[0].b == "4001 bye"


def test_reaction_timing() -> None:
    slow_answers = lambda k: 500_000_000 if k == 8 else 1_000_000  # noqa: E731 - the 8th chunk comes late
    a, b = run(echo(BASE)), run(echo(BASE), pause_ns=slow_answers)
    diff = compare(a, b)
    late = [
        (d.direction, r.a.preview(), str(r.differences[0]))
        for d in diff.directions
        for r in d.rows
        if r.aspects
    ]
    assert late == [
        (S2C, "00 01", "timing: 1.0 ms vs 500.0 ms (+499.0 ms after the other side's last entry)")
    ]
    assert compare(a, b, timing=None).same
    assert compare(a, b, timing_tolerance=1.0).same
    assert compare(a, b, timing_directions=(C2S,)).same  # the server was late, not the client


def test_clock_timing_compares_recorded_times() -> None:
    a = run(echo(BASE))
    b = run(echo(BASE), pause_ns=lambda k: 1_000_000 + (300_000_000 if k == 3 else 0))
    rows = [r for d in compare(a, b, timing="clock").directions for r in d.rows]
    assert all(r.aspects == ("timing",) for r in rows)  # everything after the pause is 300 ms later
    assert rows[0].differences[0].b == "t +300.0 ms"


def test_directions_can_be_left_out() -> None:
    a, b = run(echo(BASE)), run(echo(["x"]))
    diff = compare(a, b, directions=(S2C,))
    assert not diff.directions[C2S].rows and diff.directions[S2C].rows


def test_a_har_log_compares_messages_only() -> None:
    a = run(echo(BASE))
    diff = compare(message_log(a), a)
    assert not diff.frames_compared
    data = [r for r in diff.directions[S2C].rows if r.b is not None and r.b.kind in ("text", "binary")]
    assert all(r.status == "same" for r in data)
    assert [r.status for r in diff.directions[S2C].rows if r.a is None] == [
        "only_b"
    ]  # the close: no HAR entry


def test_many_identical_messages_pair_up_quickly() -> None:
    many = [f"m{k % 3}" for k in range(3000)]
    a = run(echo(many), deflate=False)
    b = run(echo([*many[:1500], "other", *many[1500:]]), deflate=False)
    diff = compare(a, b, timing=None)
    rows = diff.directions[C2S].rows
    assert sum(r.status == "same" for r in rows) == 3001 and sum(r.status == "only_b" for r in rows) == 1


def test_summary_and_repr() -> None:
    a = run(echo(BASE))
    b = run(echo(BASE[:2]))
    diff = compare(a, b, labels=("before", "after"))
    text = diff.summary()
    assert text.startswith("before vs after:") and "only in before" in text
    assert repr(diff).startswith("<SessionDiff before vs after")
    assert set(ASPECTS) <= set(diff.counts())


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", b"\x00"]), max_size=8),
    st.lists(st.sampled_from(["a", "b", "d"]), max_size=8),
)
def test_alignment_keeps_every_entry_once_in_order(xs: list[str | bytes], ys: list[str | bytes]) -> None:
    a, b = run(echo(xs), deflate=False), run(echo(ys), deflate=False)
    for d in (C2S, S2C):
        rows = compare(a, b, timing=None).directions[d].rows
        left = [r.a.position for r in rows if r.a is not None]
        right = [r.b.position for r in rows if r.b is not None]
        assert left == list(range(len(left))) and right == list(range(len(right)))
        assert all(
            (r.status == "same") == (r.a is not None and r.b is not None and r.a.key == r.b.key) for r in rows
        )


def test_unknown_sources_are_refused() -> None:
    with pytest.raises(TypeError):
        compare(object(), object())
