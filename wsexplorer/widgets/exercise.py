"""ExerciseWidget: answer boxes, Check, Hint and Show answer around one generated exercise.

The question, the checking and the feedback are the exercise's
(:class:`~wsexplorer.exercises.model.Exercise`, :meth:`~wsexplorer.exercises.model.Exercise.check`);
the views are :mod:`wsexplorer.render.exercises`'. The widget lays out one box per part (a drop-down
for a part with fixed choices), marks each box right or wrong after Check, and shows the frame's
bits with each answered field marked. Every control has a stable CSS class: ``wsx-ex-check``,
``wsx-ex-hint``, ``wsx-ex-answer``, ``wsx-ex-new``, and ``wsx-ex-input-<part>`` for the answer boxes
(the part's name with ``_`` written ``-``).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ..exercises.answers import Choice
from ..exercises.catalog import generate
from ..exercises.model import CheckResult, Exercise, Hint
from ..render.exercises import question_block, response_block
from ._common import ExplorerBox, box, button, set_value

__all__ = ["ExerciseWidget", "input_class"]

_MARKS = {"right": "✓", "wrong": "✗", "unreadable": "?", "missing": ""}
_UNCHOSEN = "(choose)"


def input_class(part: str) -> str:
    """The CSS class of the answer box of ``part``."""
    return "wsx-ex-input-" + part.replace("_", "-")


class ExerciseWidget(ExplorerBox):
    """One exercise with its answer boxes and the buttons Check, Hint, Show answer and New question.

    ``exercise`` is an :class:`Exercise` or a kind name (``"frames.decode"``) generated for ``seed``
    (a number or a student id). ``result`` is the last check's :class:`CheckResult`, ``hints_shown``
    how many hints were asked for, ``revealed`` whether the answer was shown.
    """

    css_class = "wsx-exercise"

    def __init__(self, exercise: Exercise | str, *, seed: int | str | None = None) -> None:
        super().__init__(layout=widgets.Layout(max_width="100%"))
        self.exercise = generate(exercise, seed) if isinstance(exercise, str) else exercise
        self.result: CheckResult | None = None
        self.hints_shown = 0
        self.revealed = False
        self.question = widgets.HTML()
        self.question.add_class("wsx-ex-question")
        self.feedback = widgets.HTML()
        self.feedback.add_class("wsx-ex-feedback")
        self.check_button = button("Check", "wsx-ex-check", icon="check", style="primary")
        self.hint_button = button("Hint", "wsx-ex-hint", icon="lightbulb-o")
        self.answer_button = button("Show answer", "wsx-ex-answer", icon="eye")
        self.new_button = button("New question", "wsx-ex-new", icon="refresh")
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.hint())
        self.answer_button.on_click(lambda _: self.show_answer())
        self.new_button.on_click(lambda _: self.new_question())
        self.inputs: dict[str, Any] = {}
        self.marks: dict[str, widgets.HTML] = {}
        self._build()

    # -- layout --------------------------------------------------------------------------------------

    def _build(self) -> None:
        rows = []
        self.inputs, self.marks = {}, {}
        for part in self.exercise.parts:
            control: Any
            if isinstance(part.reader, Choice):
                control = widgets.Dropdown(
                    options=[_UNCHOSEN, *part.reader.keys],
                    value=_UNCHOSEN,
                    description=part.label + ":",
                    style={"description_width": "14em"},
                    layout=widgets.Layout(width="auto", max_width="100%"),
                )
            else:
                control = widgets.Text(
                    placeholder=part.reader.placeholder,
                    description=part.label + ":",
                    style={"description_width": "14em"},
                    layout=widgets.Layout(width="calc(100% - 8px)", max_width="44em"),
                )
            control.add_class(input_class(part.name))
            mark = widgets.HTML(layout=widgets.Layout(min_width="2em"))
            mark.add_class("wsx-ex-mark")
            self.inputs[part.name], self.marks[part.name] = control, mark
            rows.append(
                widgets.HBox([control, mark], layout=widgets.Layout(max_width="100%", align_items="center"))
            )
        buttons = widgets.HBox(
            [self.check_button, self.hint_button, self.answer_button, self.new_button],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.children = [self.question, *rows, buttons, self.feedback]
        self._render()

    def _render(self) -> None:
        ex = self.exercise
        set_value(self.question, question_block(ex, result=self.result, revealed=self.revealed))
        answer = ex.answer() if self.revealed else None
        set_value(
            self.feedback, response_block(ex, result=self.result, hints=self.hints_shown, answer=answer)
        )
        self.hint_button.disabled = self.hints_shown >= len(ex.hints)
        for name, mark in self.marks.items():
            status = ""
            if self.result is not None:
                status = next((p.status for p in self.result.parts if p.part == name), "")
            set_value(
                mark, box(f'<span class="wsx-ex-mark-{status or "none"}">{_MARKS.get(status, "")}</span>')
            )

    # -- actions -------------------------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, str]:
        """What is in the boxes, by part name (unanswered drop-downs and empty boxes left out)."""
        out = {}
        for name, control in self.inputs.items():
            value = str(control.value or "")
            if value and value != _UNCHOSEN:
                out[name] = value
        return out

    def fill(self, answers: dict[str, object]) -> None:
        """Type ``answers`` (by part name) into the boxes, as a student would."""
        for name, value in answers.items():
            self.inputs[name].value = str(value)

    def check(self) -> CheckResult:
        """Check the boxes' contents and show the feedback per part."""
        self.result = self.exercise.check(self.answers)
        self._render()
        return self.result

    def hint(self) -> Hint:
        """Show one more hint and return it."""
        self.hints_shown = min(self.hints_shown + 1, len(self.exercise.hints))
        self._render()
        return self.exercise.hint(self.hints_shown)

    def show_answer(self) -> dict[str, str]:
        """Reveal the worked answer and the reference answer of every part."""
        self.revealed = True
        self._render()
        return self.exercise.answer()

    def new_question(self) -> Exercise:
        """The same kind of exercise with the next seed, boxes emptied."""
        self.exercise = generate(self.exercise.kind, self.exercise.seed + 1)
        self.result, self.hints_shown, self.revealed = None, 0, False
        self._build()
        return self.exercise
