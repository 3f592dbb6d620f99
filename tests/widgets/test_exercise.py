"""ExerciseWidget: one box per part, Check / Hint / Show answer / New question, stable CSS classes."""

from __future__ import annotations

import re
from html import unescape

import ipywidgets as widgets

from wsexplorer.exercises import generate
from wsexplorer.widgets.exercise import ExerciseWidget, input_class


def plain(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_one_box_per_part_with_its_class_and_drop_downs_for_choices() -> None:
    w = ExerciseWidget("frames.decode", seed=3)
    assert list(w.inputs) == w.exercise.part_names
    for name, control in w.inputs.items():
        assert input_class(name) in control._dom_classes
    assert isinstance(w.inputs["length_form"], widgets.Dropdown)
    assert isinstance(w.inputs["payload"], widgets.Text)
    for b, cls in (
        (w.check_button, "wsx-ex-check"),
        (w.hint_button, "wsx-ex-hint"),
        (w.answer_button, "wsx-ex-answer"),
    ):
        assert cls in b._dom_classes
    assert (
        "wsx-exercise" in w._dom_classes
        and "wsx-ex-input-payload-length" in w.inputs["payload_length"]._dom_classes
    )


def test_check_marks_each_box_and_the_bits() -> None:
    w = ExerciseWidget("frames.decode", seed=3)
    right = w.exercise.answer()
    w.fill({"fin": right["fin"], "opcode": "0xF", "length_form": right["length_form"]})
    w.check_button.click()
    assert w.result is not None and w.result.score == 2
    assert "✓" in w.marks["fin"].value and "✗" in w.marks["opcode"].value and "✓" not in w.marks["mask"].value
    assert "wsx-ex-bit-wrong" in w.question.value and "wsx-ex-bit-right" in w.question.value
    text = plain(w.feedback.value)
    assert "2/7 right" in text and "the opcode" in text


def test_a_full_answer_typed_in_the_boxes_is_right() -> None:
    for kind in (
        "handshake.accept",
        "handshake.negotiate",
        "frames.build",
        "fragments.close",
        "deflate.rsv1",
    ):
        w = ExerciseWidget(generate(kind, 11))
        w.fill(w.exercise.answer())
        assert w.check().right, kind


def test_hints_then_the_answer_then_a_new_question() -> None:
    w = ExerciseWidget("handshake.accept", seed="dana")
    for _ in range(5):
        w.hint_button.click()
    assert w.hints_shown == len(w.exercise.hints) and w.hint_button.disabled
    assert plain(w.feedback.value).count("Hint") == len(w.exercise.hints)
    w.answer_button.click()
    assert w.revealed and w.exercise.answer()["accept"] in w.feedback.value
    old = w.exercise
    w.new_button.click()
    assert w.exercise.kind == old.kind and w.exercise.seed == old.seed + 1 and not w.revealed
    assert w.feedback.value == "" and all(not c.value or c.value == "(choose)" for c in w.inputs.values())
