"""Building a frame is judged field by field; malformed frames are judged by the codec's rules."""

from __future__ import annotations

from wsexplorer.codec.frames import Frame
from wsexplorer.exercises.frame_build import MALFORMED, build_exercise, compare_frames, malformed_exercise


def test_a_built_frame_is_judged_field_by_field() -> None:
    expected = Frame.text("Hello", mask=bytes.fromhex("37fa213d"))
    unmasked = compare_frames(expected, bytes(Frame.text("Hello")), sender="client")
    by_name = {r.part: r for r in unmasked}
    assert by_name["opcode"].right and by_name["FIN"].right
    assert not by_name["MASK"].right and "a client must mask" in by_name["MASK"].feedback
    not_xored = bytes.fromhex("818537fa213d") + b"Hello"
    assert (
        "not masked: XOR" in {r.part: r for r in compare_frames(expected, not_xored)}["payload data"].feedback
    )


def test_off_by_one_length_and_a_non_minimal_form() -> None:
    expected = Frame.text("Hello")
    off = {r.part: r for r in compare_frames(expected, bytes.fromhex("8106") + b"Hello")}
    assert "off by one" in off["payload length"].feedback
    long_form = bytes(Frame.build(1, b"Hello", length_form="16-bit"))
    assert (
        "shortest form" in {r.part: r for r in compare_frames(expected, long_form)}["payload length"].feedback
    )


def test_build_exercises_accept_the_reference_bytes_in_any_hex_spelling() -> None:
    for seed in range(60):
        ex = build_exercise(seed)
        wire = bytes(ex.subject)
        assert ex.check(wire.hex()).right and ex.check(wire.hex(" ").upper()).right
        assert ex.check(wire[:1]).parts[0].status == "wrong"


def test_every_malformed_rule_appears_and_matches_the_codec_verdict() -> None:
    seen = {}
    for seed in range(300):
        ex = malformed_exercise(seed)
        rule = ex.notes["rule"]
        seen[rule] = ex.parts[1].expected
        assert ex.parts[0].section == (MALFORMED[rule][1] if rule != "nothing" else "RFC 6455 §5")
    assert set(seen) == set(MALFORMED)
    assert {r for r, c in seen.items() if c == 1007} == {"invalid UTF-8 text", "invalid UTF-8 close reason"}
    assert seen["nothing"] is None


def test_close_code_mistakes() -> None:
    for seed in range(300):
        ex = malformed_exercise(seed)
        if ex.notes["rule"] == "invalid UTF-8 text":
            assert "this one is well formed" in ex.check({"close_code": 1002}).part("close_code").feedback
        if ex.notes["rule"] == "reserved opcode":
            assert "invalid UTF-8" in ex.check({"close_code": "1007"}).part("close_code").feedback
            assert "never sent" in ex.check({"close_code": 1005}).part("close_code").feedback
