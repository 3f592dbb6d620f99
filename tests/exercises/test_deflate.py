"""permessage-deflate: RSV1 on first frames only; parameters per direction."""

from __future__ import annotations

from wsexplorer.exercises.deflate import params_exercise, rsv1_exercise


def test_rsv1_mistakes_name_the_frame_and_the_rule() -> None:
    seen = set()
    for seed in range(60):
        ex = rsv1_exercise(seed)
        lines = ex.exhibit.splitlines()
        expected = ex.parts[0].expected
        for number, line in enumerate(lines, 1):
            if number in expected:
                continue
            feedback = ex.check({"rsv1_frames": [*expected, number]}).part("rsv1_frames").feedback
            assert f"frame {number} is" in feedback
            if "continuation" in line:
                assert "FIRST frame" in feedback
                seen.add("continuation")
            if "ping" in line or "pong" in line:
                assert "never compressed" in feedback
                seen.add("control")
    assert seen == {"continuation", "control"}


def test_window_bits_per_direction_and_the_default() -> None:
    seen = set()
    for seed in range(80):
        ex = params_exercise(seed)
        sb, cb = ex.parts[0].expected, ex.parts[1].expected
        assert ex.check({"server_window": 2**sb}).part("server_window").right  # in bytes is right too
        if sb != cb:
            assert "other direction" in ex.check({"server_window": cb}).part("server_window").feedback
            seen.add("swap")
        if "server_max_window_bits" not in ex.exhibit:
            assert sb == 15
            wrong = 10 if cb != 10 else 11
            assert (
                "which means the default" in ex.check({"server_window": wrong}).part("server_window").feedback
            )
            seen.add("default")
    assert seen == {"swap", "default"}
