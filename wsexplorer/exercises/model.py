"""What an exercise is: a question in parts, each with its expected value, hints and the mistakes it knows.

An :class:`Exercise` is data. Its :class:`Part` objects say how an answer is read (a
:class:`~wsexplorer.exercises.answers.Reader`: answers are compared by value, never as strings), what is
right, which RFC section says so, and the specific feedback for each common wrong answer ("126 means a
16-bit length follows"). :meth:`Exercise.check` returns a :class:`CheckResult` with one
:class:`PartResult` per part; :meth:`Exercise.hint` gives the hints in order, each pointing at its
section; :meth:`Exercise.answer` and :attr:`Exercise.worked` reveal the answer. Views are in
:mod:`wsexplorer.render.exercises`, the widget in :mod:`wsexplorer.widgets.exercise`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .answers import Reader, Unreadable

__all__ = [
    "CheckResult",
    "Exercise",
    "Hint",
    "Part",
    "PartResult",
    "Status",
    "rng_for",
    "seed_from",
]

Status = Literal["right", "wrong", "unreadable", "missing"]


def seed_from(seed: int | str | None) -> int:
    """A seed from a number or a student id: the same id always gives the same exercises.

    A string is hashed (SHA-256, stable across runs and machines); ``None`` is seed 0.
    """
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise TypeError(f"seed must be an int or a student id (str), not {type(seed).__name__}")
    if isinstance(seed, int):
        return seed
    return int.from_bytes(hashlib.sha256(seed.strip().encode("utf-8")).digest()[:8], "big")


def rng_for(kind: str, seed: int) -> random.Random:
    """The random generator of one exercise kind for one seed (independent across kinds)."""
    return random.Random(f"wsexplorer.exercises:{kind}:{seed}")


@dataclass(frozen=True, slots=True)
class Hint:
    """A hint in words and the RFC section to read."""

    text: str
    section: str

    def __str__(self) -> str:
        return f"{self.text} (see {self.section})"


@dataclass(frozen=True, slots=True)
class PartResult:
    """The verdict on one part: ``right``, ``wrong``, ``unreadable`` (not a value of the kind asked
    for) or ``missing``; ``feedback`` says why in words, ``section`` where to read more."""

    part: str
    label: str
    status: Status
    feedback: str
    section: str
    given: str = ""

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __str__(self) -> str:
        mark = {"right": "✓", "wrong": "✗", "unreadable": "?", "missing": "·"}[self.status]
        return f"{mark} {self.label}: {self.feedback} ({self.section})"


@dataclass(frozen=True, slots=True)
class Part:
    """One answer box: how it is read, what is right, and what to say about common wrong answers.

    ``expected`` and the values of ``mistakes`` are canonical values of ``reader`` (bytes for hex,
    ints for numbers); ``also_right`` lists other values that are right too. ``field`` names the
    codec :class:`~wsexplorer.anatomy.Field` the part is about, so a view can highlight its bits;
    ``diagnose`` explains a wrong value no listed mistake matches (``None`` when it has nothing to say).
    """

    name: str
    label: str
    reader: Reader
    expected: object
    section: str
    hint: str
    why: str
    mistakes: tuple[tuple[object, str], ...] = ()
    field: str = ""
    also_right: tuple[object, ...] = ()
    diagnose: Callable[[object], str | None] | None = None

    def judge(self, given: object) -> PartResult:
        """The verdict on ``given`` (typed text or a Python value)."""
        shown = "" if given is None else str(given)[:200]
        if given is None or (isinstance(given, str) and not given.strip()):
            return PartResult(self.name, self.label, "missing", "no answer yet", self.section, "")
        try:
            value = self.reader.read(given)
        except Unreadable as exc:
            return PartResult(self.name, self.label, "unreadable", str(exc), self.section, shown)
        if value == self.expected or value in self.also_right:
            return PartResult(self.name, self.label, "right", f"right: {self.why}", self.section, shown)
        for wrong, feedback in self.mistakes:
            if value == wrong:
                return PartResult(self.name, self.label, "wrong", feedback, self.section, shown)
        said = self.diagnose(value) if self.diagnose is not None else None
        if said:
            return PartResult(self.name, self.label, "wrong", said, self.section, shown)
        return PartResult(self.name, self.label, "wrong", self.hint, self.section, shown)

    @property
    def answer_text(self) -> str:
        """The expected value written as a student would type it."""
        return self.reader.show(self.expected)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on a whole answer: one :class:`PartResult` per part, in the exercise's order."""

    kind: str
    seed: int
    parts: tuple[PartResult, ...]

    @property
    def right(self) -> bool:
        """True when every part is right."""
        return all(p.right for p in self.parts)

    @property
    def score(self) -> int:
        """How many parts are right."""
        return sum(p.right for p in self.parts)

    @property
    def total(self) -> int:
        return len(self.parts)

    def part(self, name: str) -> PartResult:
        """The verdict on the part called ``name``."""
        for p in self.parts:
            if p.part == name:
                return p
        raise KeyError(f"no part {name!r}; the parts are {[p.part for p in self.parts]}")

    def summary(self) -> str:
        """One sentence: which parts are right, and for each one that is not, why not."""
        right = [p.label for p in self.parts if p.right]
        others = [p for p in self.parts if not p.right]
        sentences = []
        if right and not others:
            return "All right: " + _and(right) + (" is right." if len(right) == 1 else " are right.")
        if right:
            sentences.append(f"{_and(right)} {'is' if len(right) == 1 else 'are'} right")
        for p in others:
            verb = {"wrong": "is not", "unreadable": "cannot be read", "missing": "is missing"}[p.status]
            sentences.append(f"{p.label} {verb}: {p.feedback}")
        text = "; ".join(sentences) + "."
        return text[:1].upper() + text[1:]

    def __str__(self) -> str:
        return "\n".join(
            [f"{self.score}/{self.total} right. {self.summary()}", *(str(p) for p in self.parts)]
        )

    def __repr__(self) -> str:
        return f"<CheckResult {self.kind} seed={self.seed}: {self.score}/{self.total} right>"


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Exercise:
    """One generated question: its words, the bytes or text it is about, its parts, hints and answer.

    ``data`` is the bytes the question shows (a frame, a stream of frames), ``exhibit`` a text it shows
    (an HTTP message, a scenario), ``subject`` the codec object it is about (a
    :class:`~wsexplorer.codec.frames.Frame` whose bits a view highlights as parts are answered) and
    ``frames`` the numbered frames of a stream. ``worked`` is the worked answer, step by step.
    """

    kind: str
    topic: str
    seed: int
    title: str
    prompt: str
    parts: tuple[Part, ...]
    hints: tuple[Hint, ...]
    worked: tuple[str, ...]
    data: bytes = b""
    exhibit: str = ""
    subject: Any = None
    frames: tuple[Any, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def part_names(self) -> list[str]:
        return [p.name for p in self.parts]

    def _answers(self, answer: object) -> dict[str, object]:
        if isinstance(answer, CheckResult):
            raise TypeError("check() takes the answer, not a CheckResult")
        if isinstance(answer, Mapping):
            unknown = sorted(set(map(str, answer)) - set(self.part_names))
            if unknown:
                raise ValueError(f"no part named {unknown}; this exercise's parts are {self.part_names}")
            return {str(k): v for k, v in answer.items()}
        if len(self.parts) == 1:
            return {self.parts[0].name: answer}
        raise ValueError(
            f"this exercise has {len(self.parts)} parts: pass a dict such as "
            f"{{{', '.join(repr(n) + ': ...' for n in self.part_names)}}}"
        )

    def judge(self, answers: Mapping[str, object]) -> tuple[PartResult, ...]:
        """One verdict per part; exercises whose parts depend on each other override this."""
        return tuple(p.judge(answers.get(p.name)) for p in self.parts)

    def check(self, answer: object) -> CheckResult:
        """Check ``answer``: a dict ``{part name: value}``, or the value alone for a one-part exercise.

        Values may be typed text (``"81 05"``, ``"0x7E"``, ``"text"``) or Python values (``bytes``,
        ``int``, ``bool``); parts not given are reported missing.
        """
        return CheckResult(self.kind, self.seed, self.judge(self._answers(answer)))

    def hint(self, level: int = 1) -> Hint:
        """Hint number ``level`` (1 = the gentlest); past the last, the last one."""
        if not self.hints:
            raise ValueError("this exercise has no hints")
        return self.hints[max(1, min(level, len(self.hints))) - 1]

    def answer(self) -> dict[str, str]:
        """The reference answer, each part written as a student would type it (``check`` accepts it)."""
        return {p.name: p.answer_text for p in self.parts}

    def worked_answer(self) -> str:
        """The worked answer as numbered steps."""
        return "\n".join(f"{i}. {step}" for i, step in enumerate(self.worked, 1))

    def __repr__(self) -> str:
        return f"<Exercise {self.kind} seed={self.seed}: {self.title}>"
