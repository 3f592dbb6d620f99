"""ExerciseWidget in a real browser, on two kinds of exercise: the accept value (RFC 6455 §4.2.2) and a
frame decoded by hand (§5.2, §5.3). Each: an unreadable or wrong answer checked (feedback per part, the
marks beside the boxes, the frame's bits marked), every hint with its RFC section, the right answer
(computed by the notebook with the reference codec) marked right, the worked answer shown, and a new
question, answered from what the page shows; in each front end.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Locator, expect

from wsexplorer import accept_key
from wsexplorer.codec.frames import Frame

from .checks import expect_text
from .conftest import Frontend, OpenNotebook
from .driver import NotebookPage
from .widget_run import finish, start

_MARKS = {"right": "✓", "wrong": "✗", "unreadable": "?", "missing": ""}


class Exercise:
    """One ExerciseWidget in the page: its boxes, buttons, marks and feedback."""

    def __init__(self, nb: NotebookPage, css: str) -> None:
        self.nb = nb
        self.root = nb.widget(css)
        self.question = self.root.locator(".wsx-ex-question")
        self.feedback = self.root.locator(".wsx-ex-feedback").first  # the widget (its view has the class too)
        self.score = self.feedback.locator(".wsx-ex-score")
        self.hint_button = self.root.locator("button.wsx-ex-hint")

    def box(self, part: str) -> Locator:
        control = self.root.locator(f".wsx-ex-input-{part.replace('_', '-')}")
        return control.locator("select, input").first

    def mark(self, part: str) -> Locator:
        return self.root.locator(f".wsx-ex-input-{part.replace('_', '-')} + .wsx-ex-mark")

    def verdict(self, part: str) -> Locator:
        return self.feedback.locator(f".wsx-ex-part[data-part='{part}']")

    def type(self, answers: dict[str, str], *, clear: tuple[str, ...] = ()) -> None:
        """Type ``answers`` (a drop-down gets its option chosen); empty the boxes of ``clear``."""
        for part, value in answers.items():
            target = self.box(part)
            if target.evaluate("el => el.tagName") == "SELECT":
                target.evaluate("el => el.scrollIntoView({block: 'center'})")
                target.select_option(label=value)
            else:
                self.nb.fill(target, value)
        for part in clear:
            self.nb.fill(self.box(part), "")

    def click(self, name: str) -> None:
        self.nb.click(self.root.locator(f"button.wsx-ex-{name}"))

    def judged(self, statuses: dict[str, str], score: str) -> None:
        """After Check: the score, each part's verdict line and the mark beside its box."""
        expect_text(self.score, score)
        for part, status in statuses.items():
            expect(self.verdict(part)).to_have_class(re.compile(rf"\bwsx-ex-part-{status}\b"))
            expect(self.mark(part).locator(f".wsx-ex-mark-{status}")).to_have_text(_MARKS[status])

    def hints(self, hints: list[list[str]]) -> None:
        """Every hint, one click each, with its section; then the button is disabled."""
        shown = self.feedback.locator(".wsx-ex-hint-text")
        expect(self.hint_button).to_be_enabled()
        for n, (text, section) in enumerate(hints, 1):
            self.click("hint")
            expect(shown).to_have_count(n)
            expect_text(shown.nth(n - 1), f"Hint {n}. {text}")
            expect_text(shown.nth(n - 1), f"(read {section})")
        expect(self.hint_button).to_be_disabled()

    def worked(self, steps: list[str], typed: dict[str, str]) -> None:
        """Show answer: the worked steps, then the answer to type in each box."""
        self.click("answer")
        worked = self.feedback.locator(".wsx-ex-worked-answer")
        expect_text(worked, "Worked answer")
        expect(worked.locator("ol.wsx-ex-worked li")).to_have_text(steps)
        for value in typed.values():
            expect_text(worked.locator("table"), value)

    def new_question(self, seed: int, parts: list[str]) -> None:
        """New question: the next seed, empty boxes, no feedback, no marks, the hints back."""
        self.click("new")
        expect_text(self.question.locator(".wsx-ex-meta"), f"· seed {seed + 1}")
        expect(self.feedback).to_have_text("")
        expect(self.hint_button).to_be_enabled()
        for part in parts:
            box = self.box(part)
            if box.evaluate("el => el.tagName") == "SELECT":
                expect(box).to_have_value(re.compile(r"choose"))
            else:
                expect(box).to_have_value("")
            expect(self.mark(part).locator(".wsx-ex-mark-none")).to_have_count(1)


def page_bytes(ex: Exercise) -> bytes:
    """The frame the question shows, read back from its hex dump ("0000  81 05 ..." lines)."""
    lines = ex.question.locator("pre.wsx-ex-hex").inner_text().splitlines()
    return bytes.fromhex(" ".join(line.split(None, 1)[1] for line in lines if line.strip()))


def field(ex: Exercise, name: str) -> Locator:
    """The cell of the frame's bit view for field ``name`` (its small label starts with the name)."""
    return ex.question.locator(".wsx-ex-field").filter(
        has=ex.nb.page.locator("small", has_text=re.compile(rf"^{re.escape(name)}( [✓✗])?$"))
    )


def check_accept(nb: NotebookPage, facts: dict[str, Any]) -> None:
    ex = Exercise(nb, "wsx-test-ex-accept")
    with nb.part("accept: the question"):
        expect_text(ex.question, "handshake.accept · seed 7")
        expect_text(ex.question.locator("pre.wsx-ex-exhibit"), "Sec-WebSocket-Key: ")
        expect(ex.feedback).to_have_text("")
    with nb.part("accept: an answer that is not base64"):
        ex.type({"accept": "not base64!"})
        ex.click("check")
        ex.judged({"accept": "unreadable"}, "0/1 right")
        expect_text(ex.verdict("accept"), "is not a base64 character")
    with nb.part("accept: a wrong answer (the GUID left out)"):
        ex.type(facts["wrong"])
        ex.click("check")
        ex.judged({"accept": "wrong"}, "0/1 right")
        expect_text(ex.verdict("accept"), "the GUID is missing")
        expect_text(ex.verdict("accept"), "(RFC 6455 §4.2.2 step 5.4)")
    with nb.part("accept: every hint"):
        ex.hints(facts["hints"])
    with nb.part("accept: the right answer"):
        ex.type(facts["right"])
        ex.click("check")
        ex.judged({"accept": "right"}, "1/1 right")
        expect_text(ex.verdict("accept"), facts["right"]["accept"])
    with nb.part("accept: show answer"):
        ex.worked(facts["worked"], facts["right"])
    with nb.part("accept: a new question, answered from the key the page shows"):
        ex.new_question(facts["seed"], ["accept"])
        exhibit = ex.question.locator("pre.wsx-ex-exhibit").inner_text()
        key = exhibit.split(":", 1)[1].strip()
        assert accept_key(key) != facts["right"]["accept"], "the new question has the same key"
        ex.type({"accept": accept_key(key)})
        ex.click("check")
        ex.judged({"accept": "right"}, "1/1 right")


def check_decode(nb: NotebookPage, facts: dict[str, Any]) -> None:
    ex = Exercise(nb, "wsx-test-ex-decode")
    parts = list(facts["right"])
    with nb.part("decode: the question and its bytes"):
        expect_text(ex.question, "frames.decode · seed 1")
        assert Frame.parse(page_bytes(ex)).payload.hex(" ") == facts["right"]["payload"]
        expect(ex.question.locator(".wsx-ex-bit-right, .wsx-ex-bit-wrong")).to_have_count(0)
    with nb.part("decode: wrong answers, one box left empty: a verdict per part"):
        ex.type(facts["wrong"])
        ex.click("check")
        statuses = {
            "fin": "wrong",
            "opcode": "wrong",
            "mask": "right",
            "length_form": "wrong",
            "payload_length": "right",
            "masking_key": "missing",
            "payload": "wrong",
        }
        ex.judged(statuses, "2/7 right")
        expect_text(ex.verdict("opcode"), "that is the whole first byte")
        expect_text(ex.verdict("payload"), "still masked")
        expect_text(ex.verdict("masking_key"), "no answer yet")
        expect_text(ex.verdict("mask"), "right: MASK=1")
        expect(field(ex, "FIN")).to_have_class(re.compile(r"\bwsx-ex-bit-wrong\b"))
        expect(field(ex, "opcode")).to_have_class(re.compile(r"\bwsx-ex-bit-wrong\b"))
        expect(field(ex, "MASK")).to_have_class(re.compile(r"\bwsx-ex-bit-right\b"))
        expect(field(ex, "RSV1")).not_to_have_class(re.compile(r"wsx-ex-bit-"))  # not asked for
    with nb.part("decode: every hint"):
        ex.hints(facts["hints"])
    with nb.part("decode: the right answer"):
        ex.type(facts["right"])
        ex.click("check")
        ex.judged(dict.fromkeys(parts, "right"), "7/7 right")
        expect(ex.question.locator(".wsx-ex-bit-wrong")).to_have_count(0)
        expect(field(ex, "masking key")).to_have_class(re.compile(r"\bwsx-ex-bit-right\b"))
    with nb.part("decode: show answer (the bits are no longer marked)"):
        ex.worked(facts["worked"], {})
        expect_text(ex.feedback.locator(".wsx-ex-worked-answer table"), facts["right"]["masking_key"])
        expect(ex.question.locator(".wsx-ex-bit-right, .wsx-ex-bit-wrong")).to_have_count(0)
    with nb.part("decode: a new question, answered from the bytes the page shows"):
        ex.new_question(facts["seed"], parts)
        frame = Frame.parse(page_bytes(ex))
        answers = {
            "fin": str(int(frame.fin)),
            "opcode": str(int(frame.opcode)),
            "mask": str(int(frame.masked)),
            "length_form": frame.length_form.label,
            "payload_length": str(len(bytes(frame))),  # the whole frame's length: a known mistake
            "masking_key": frame.masking_key.hex(" ") if frame.masking_key else "none",
            "payload": frame.payload[:8].hex(" "),
        }
        ex.type(answers)
        ex.click("check")
        ex.judged({**dict.fromkeys(parts, "right"), "payload_length": "wrong"}, "6/7 right")
        expect_text(ex.verdict("payload_length"), "the length of the whole frame")


def test_exercise_widget(frontend: Frontend, open_notebook: OpenNotebook) -> None:
    nb = start(frontend, open_notebook, "exercise")
    facts = json.loads(nb.widget("wsx-test-answers").text_content() or "{}")
    check_accept(nb, facts["accept"])
    check_decode(nb, facts["decode"])
    finish(nb, nb.widget("wsx-test-exercises"), frontend, "exercise")
