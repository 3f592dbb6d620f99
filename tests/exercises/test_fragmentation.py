"""Reassembly with an interleaved ping, and the closing handshake."""

from __future__ import annotations

from wsexplorer.exercises.fragmentation import CLOSE_SCENARIOS, close_exercise, reassemble_exercise


def test_the_ping_is_not_part_of_the_message() -> None:
    for seed in range(60):
        ex = reassemble_exercise(seed)
        frames = ex.frames
        ping = next(i for i, f in enumerate(frames, 1) if f.is_control)
        with_ping = b"".join(f.payload for f in frames).decode()
        assert "not part of the message" in ex.check({"message": with_ping}).part("message").feedback
        numbers = sorted(range(1, len(frames) + 1))
        feedback = ex.check({"message_frames": numbers}).part("message_frames").feedback
        assert f"frame {ping} is a ping" in feedback
        assert ex.check({"pong_payload": frames[ping - 1].payload}).part("pong_payload").right
        assert ex.check({"pong_masked": ex.notes["sender"] == "server"}).part("pong_masked").right


def test_close_scenarios() -> None:
    seen = set()
    for seed in range(80):
        ex = close_exercise(seed)
        seen.add(ex.notes["scenario"])
        assert "never sent" in ex.check({"reply_code": 1005}).part("reply_code").feedback
        assert "TIME_WAIT" in ex.check({"tcp_first": "client"}).part("tcp_first").feedback
        if ex.notes["scenario"] == "no status":
            assert ex.parts[2].expected == 1005 and ex.parts[1].expected is None
    assert seen == set(CLOSE_SCENARIOS)
