"""Views of exercises and checker reports: balanced, escaped HTML; the bits marked; themed colours."""

from __future__ import annotations

import re
from pathlib import Path

from wsexplorer.exercises import check_implementation, generate
from wsexplorer.render.exercises import (
    EXERCISE_CSS,
    bits_html,
    exercise_html,
    exercise_text,
    hex_block,
    question_block,
    report_html,
    report_text,
    response_block,
    result_html,
    result_text,
    server_report_html,
    server_report_text,
)

from .html_checker import parse_html

STUDENTS = Path(__file__).parents[1] / "exercises" / "students"


def _classes(markup: str, name: str) -> list[str]:
    checker = parse_html(markup)
    return [attrs.get("class", "") for _, attrs in checker.tags if name in attrs.get("class", "").split()]


def test_the_question_shows_its_bytes_and_nothing_else_before_an_answer() -> None:
    ex = generate("frames.decode", 2)
    markup = exercise_html(ex)
    checker = parse_html(markup)
    text = "".join(checker.text)
    assert ex.title in text and bytes(ex.subject)[:2].hex(" ") in text
    assert not _classes(markup, "wsx-ex-bit-right") and not _classes(markup, "wsx-ex-feedback")
    assert response_block(ex) == ""


def test_answered_fields_are_marked_in_the_bits() -> None:
    ex = generate("frames.decode", 2)
    result = ex.check({"fin": ex.subject.fin, "opcode": "0xF"})
    markup = question_block(ex, result=result)
    right = [c for c in _classes(markup, "wsx-ex-field") if "wsx-ex-bit-right" in c]
    wrong = [c for c in _classes(markup, "wsx-ex-field") if "wsx-ex-bit-wrong" in c]
    assert len(right) == 1 and len(wrong) == 1
    assert re.search(r'wsx-ex-bit-right"[^>]*title="FIN', markup)
    assert re.search(r'wsx-ex-bit-wrong"[^>]*title="opcode', markup)
    revealed = question_block(ex, result=result, revealed=True)
    assert _classes(revealed, "wsx-ex-field") and not any(
        "wsx-ex-bit-" in c for c in _classes(revealed, "wsx-ex-field")
    )


def test_a_close_frame_payload_is_marked_on_its_code_and_reason() -> None:
    ex = next(e for e in (generate("frames.decode", s) for s in range(50)) if e.subject.close_code)
    result = ex.check({"payload": "00"})
    markup = bits_html(ex.subject, {"payload data": "wrong"})
    assert markup.count("wsx-ex-bit-wrong") == 2 and result.part("payload").status == "wrong"


def test_feedback_hints_and_the_worked_answer() -> None:
    ex = generate("handshake.request_fault", 5)
    wrong_header = "nothing" if ex.parts[0].expected != "nothing" else "Host"
    result = ex.check({"header": wrong_header, "status": "<b>426</b>"})
    markup = response_block(ex, result=result, hints=2, answer=ex.answer())
    checker = parse_html(markup)
    assert "<b>426</b>" not in markup and "&lt;b&gt;426&lt;/b&gt;" in markup
    assert len(_classes(markup, "wsx-ex-hint-text")) == 2 and _classes(markup, "wsx-ex-worked-answer")
    assert {"wsx-ex-part-wrong", "wsx-ex-part-unreadable"} <= {
        c for cls in _classes(markup, "wsx-ex-part") for c in cls.split()
    }
    assert ex.worked[0] in "".join(checker.text)


def test_text_views() -> None:
    ex = generate("fragments.reassemble", 1)
    assert exercise_text(ex).count("\n  ") >= len(ex.frames) and "Parts: message" in exercise_text(ex)
    result = ex.check(ex.answer())
    assert result_text(result).startswith(f"{result.total}/{result.total} right")


def test_long_data_is_cut_and_nothing_is_wider_than_the_cell() -> None:
    block = hex_block(bytes(70000))
    assert block.count("\n") == 16 and "69,744 more bytes" in block
    assert "max-width: 100%" in EXERCISE_CSS and "overflow-wrap: anywhere" in EXERCISE_CSS


def test_text_colours_come_from_the_theme() -> None:
    colours = re.findall(r"[^-]color: ([^;]+);", EXERCISE_CSS)
    assert colours and all(
        c.startswith("var(--jp-content-font-color") or c.startswith("#1b1b1b") for c in colours
    )


def test_reports(tmp_path: Path) -> None:
    report = check_implementation(STUDENTS / "correct.py", functions=["compute_accept"])
    assert report_text(report).startswith("Score: 8/8")
    bad = tmp_path / "bad.py"
    bad.write_text("def compute_accept(key):\n    return '<oops>'\n", encoding="utf-8")
    failing = check_implementation(bad, functions=["compute_accept"])
    text = report_text(failing)
    assert "FAIL" in text and "expected 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='" in text and "RFC 6455 §4.2.2" in text
    markup = report_html(failing)
    parse_html(markup)
    assert "&lt;oops&gt;" in markup and len(_classes(markup, "wsx-ex-part-wrong")) == 8


def test_a_result_and_a_server_report_on_their_own() -> None:
    from wsexplorer.exercises.server_check import ServerCaseReport, ServerReport

    ex = generate("deflate.params", 1)
    markup = result_html(ex.check(ex.answer()))
    parse_html(markup)
    assert "<style>" in markup and len(_classes(markup, "wsx-ex-part-right")) == len(ex.parts)
    cases = (
        ServerCaseReport("ping", "answer a ping", "wsexplorer", "RFC 6455 §5.5.2", "pass"),
        ServerCaseReport("probe-10.1", "unmasked <frame>", "probe", "RFC 6455 §5.1", "fail", "it echoed"),
    )
    report = ServerReport(("python", "s.py", "1234"), "ws://127.0.0.1:1234/", cases)
    assert server_report_text(report).splitlines()[0] == "Server check (python s.py 1234): 1/2"
    markup = server_report_html(report)
    parse_html(markup)
    assert "unmasked &lt;frame&gt;" in markup and len(_classes(markup, "wsx-ex-part-wrong")) == 1
