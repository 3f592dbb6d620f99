"""Every exercise kind over many seeds: the reference answer checks as right, the question is stable."""

from __future__ import annotations

import pytest

from wsexplorer.exercises import KINDS, TOPICS, exercise_set, generate

SEEDS = range(120)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_reference_answer_checks_as_right_over_many_seeds(kind: str) -> None:
    for seed in SEEDS:
        ex = generate(kind, seed)
        result = ex.check(ex.answer())
        assert result.right, (kind, seed, str(result))
        assert all(p.section.startswith("RFC") for p in result.parts), (kind, seed)
        assert ex.hints and all(h.section.startswith("RFC") for h in ex.hints), (kind, seed)
        assert ex.worked and ex.prompt


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_seed_gives_the_same_question_and_seeds_differ(kind: str) -> None:
    a, b = generate(kind, 7), generate(kind, 7)
    assert (a.prompt, a.exhibit, a.data, a.answer()) == (b.prompt, b.exhibit, b.data, b.answer())
    variants = {(e.prompt, e.exhibit, e.data) for e in (generate(kind, s) for s in range(30))}
    assert len(variants) > 3, kind


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_empty_answer_is_missing_everywhere(kind: str) -> None:
    ex = generate(kind, 3)
    result = ex.check({})
    assert result.score == 0 and {p.status for p in result.parts} == {"missing"}


def test_sets_by_topic() -> None:
    assert [e.kind for e in exercise_set("carol")] == list(KINDS)
    assert {e.topic for e in exercise_set(1, "compression")} == {"compression"}
    assert sum(len(k) for k in TOPICS.values()) == len(KINDS)
    with pytest.raises(ValueError, match="unknown topic"):
        exercise_set(1, "http2")
    with pytest.raises(ValueError, match="unknown exercise kind"):
        generate("frames.nope")
