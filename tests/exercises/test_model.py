"""Exercises, parts and results (wsexplorer.exercises.model)."""

from __future__ import annotations

import pytest

from wsexplorer.exercises import generate, seed_from
from wsexplorer.exercises.answers import INT
from wsexplorer.exercises.model import Exercise, Hint, Part


def _one_part() -> Exercise:
    part = Part(
        "length",
        "the length",
        INT,
        300,
        "RFC 6455 §5.2",
        "read the 16-bit length",
        "300 bytes",
        ((126, "126 means a 16-bit length follows"),),
        diagnose=lambda v: "far too big" if isinstance(v, int) and v > 1000 else None,
    )
    return Exercise("t.length", "frames", 1, "T", "?", (part,), (Hint("a", "§1"), Hint("b", "§2")), ("w",))


def test_a_one_part_exercise_takes_the_value_alone_or_in_a_dict() -> None:
    ex = _one_part()
    assert ex.check(300).right and ex.check({"length": "0x12c"}).right
    assert ex.check("126").part("length").feedback == "126 means a 16-bit length follows"
    assert ex.check(5000).parts[0].feedback == "far too big"
    assert ex.check(7).parts[0].feedback == "read the 16-bit length"
    assert ex.check("").parts[0].status == "missing"
    assert ex.check("seven").parts[0].status == "unreadable"


def test_check_refuses_unknown_parts_and_bare_values_for_several_parts() -> None:
    ex = generate("frames.decode", 1)
    with pytest.raises(ValueError, match="no part named"):
        ex.check({"opcodes": 1})
    with pytest.raises(ValueError, match="pass a dict"):
        ex.check(1)


def test_the_summary_says_what_is_right_and_why_the_rest_is_not() -> None:
    ex = generate("frames.decode", 4)
    answer = ex.answer()
    answer["payload_length"] = str(ex.subject.payload_length + 1)
    result = ex.check(answer)
    assert result.score == result.total - 1 and not result.right
    summary = result.summary()
    assert summary.startswith("FIN, the opcode, MASK") and "the length is not: off by one" in summary
    assert "1 right" not in repr(result) and repr(result).endswith(f"{result.score}/{result.total} right>")


def test_hints_in_order_then_the_last_one() -> None:
    ex = _one_part()
    assert [ex.hint(i).text for i in (0, 1, 2, 9)] == ["a", "a", "b", "b"]
    assert str(ex.hint(2)) == "b (see §2)"


def test_student_ids_give_stable_different_seeds() -> None:
    assert seed_from("alice") == seed_from(" alice ") != seed_from("bob")
    assert seed_from(None) == 0 and seed_from(42) == 42
    assert generate("frames.decode", "alice").data == generate("frames.decode", "alice").data
    with pytest.raises(TypeError):
        seed_from(1.5)  # type: ignore[arg-type]
