"""Views of exercises and of the implementation checker's reports, as HTML and as text.

An exercise shows its question (words, an HTTP message, the bytes of a frame or a numbered stream of
frames), then, once answered, the feedback per part and the frame's header bits with each answered
field marked right or wrong, the hints asked for, and the worked answer when revealed. A report shows
each case with its input, the expected and actual results, the first field that differs and the RFC
section. The objects come from :mod:`wsexplorer.exercises`, a layer above this one, so they are
described here by the attributes read (:class:`ExerciseLike`, ...), never imported.

Text colours are the notebook theme's (``--jp-content-font-color*``); right and wrong are shown by
marks, borders and translucent tints, and field colours are the palette's light tones under dark ink,
so both the light and the dark JupyterLab themes keep their contrast. Nothing is wider than its cell:
hex wraps at 16 bytes a line and long blocks scroll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..anatomy import Field
from .palette import BAD, GOOD, INK, MONO, SANS, escape, field_color

__all__ = [
    "EXERCISE_CSS",
    "bits_html",
    "exercise_html",
    "exercise_text",
    "feedback_html",
    "hex_block",
    "hints_html",
    "question_block",
    "question_html",
    "report_html",
    "report_text",
    "response_block",
    "result_html",
    "result_text",
    "server_report_html",
    "server_report_text",
    "worked_html",
]

_SHOWN_BYTES = 256  # bytes of a question's data shown; the rest is counted


class PartLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def field(self) -> str: ...


class HintLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def section(self) -> str: ...


class PartResultLike(Protocol):
    @property
    def part(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def feedback(self) -> str: ...
    @property
    def section(self) -> str: ...


class ResultLike(Protocol):
    @property
    def parts(self) -> Sequence[PartResultLike]: ...
    @property
    def score(self) -> int: ...
    @property
    def total(self) -> int: ...
    def summary(self) -> str: ...


class ExerciseLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def prompt(self) -> str: ...
    @property
    def exhibit(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def subject(self) -> Any: ...
    @property
    def frames(self) -> Sequence[Any]: ...
    @property
    def parts(self) -> Sequence[PartLike]: ...
    @property
    def hints(self) -> Sequence[HintLike]: ...
    @property
    def worked(self) -> Sequence[str]: ...


EXERCISE_CSS = f"""
.wsx-ex {{ font-family: {SANS}; font-size: 13px; line-height: 1.45; max-width: 100%; overflow-x: auto;
  color: var(--jp-content-font-color1, {INK}); }}
.wsx-ex .wsx-ex-title {{ font-size: 15px; font-weight: 700; margin: 2px 0; }}
.wsx-ex .wsx-ex-meta {{ color: var(--jp-content-font-color2, #5f6368); font-size: 12px; }}
.wsx-ex .wsx-ex-prompt {{ margin: 4px 0 6px; }}
.wsx-ex pre.wsx-ex-exhibit, .wsx-ex pre.wsx-ex-hex {{ font-family: {MONO}; font-size: 12.5px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 22em; overflow-y: auto; margin: 4px 0;
  padding: 6px 8px; border: 1px solid rgba(127, 127, 127, .4); border-radius: 4px; }}
.wsx-ex table {{ border-collapse: collapse; font-size: 12.5px; margin: 4px 0; max-width: 100%; }}
.wsx-ex th, .wsx-ex td {{ text-align: left; vertical-align: top; padding: 3px 8px 3px 4px; border: none;
  border-bottom: 1px solid rgba(127, 127, 127, .3); }}
.wsx-ex th {{ font-size: 11.5px; color: var(--jp-content-font-color2, #5f6368); }}
.wsx-ex tbody tr {{ background: transparent; }}
.wsx-ex td.wsx-ex-m {{ font-family: {MONO}; overflow-wrap: anywhere; }}
.wsx-ex .wsx-ex-part {{ margin: 3px 0; padding: 3px 8px; border-left: 4px solid rgba(127, 127, 127, .5);
  border-radius: 3px; }}
.wsx-ex .wsx-ex-part-right {{ border-left-color: {GOOD}; background: rgba(24, 128, 56, .12); }}
.wsx-ex .wsx-ex-part-wrong {{ border-left-color: {BAD}; background: rgba(217, 48, 37, .12); }}
.wsx-ex .wsx-ex-part-unreadable {{ border-left-color: #f9ab00; background: rgba(249, 171, 0, .14); }}
.wsx-ex .wsx-ex-ref {{ color: var(--jp-content-font-color2, #5f6368); font-size: 11.5px; }}
.wsx-ex .wsx-ex-bits {{ display: flex; flex-wrap: wrap; gap: 3px; margin: 6px 0; }}
.wsx-ex .wsx-ex-field {{ color: {INK}; font-family: {MONO}; font-size: 12px; padding: 2px 5px;
  border-radius: 3px; border: 2px solid transparent; }}
.wsx-ex .wsx-ex-field small {{ font-family: {SANS}; font-size: 10.5px; display: block; }}
.wsx-ex .wsx-ex-bit-right {{ border: 2px solid {GOOD}; }}
.wsx-ex .wsx-ex-bit-wrong {{ border: 2px dashed {BAD}; }}
.wsx-ex .wsx-ex-hint-text {{ margin: 3px 0; padding: 3px 8px; border-left: 4px solid #8ab4f8;
  background: rgba(138, 180, 248, .14); border-radius: 3px; }}
.wsx-ex ol.wsx-ex-worked {{ margin: 4px 0; padding-left: 22px; }}
.wsx-ex ol.wsx-ex-worked li {{ overflow-wrap: anywhere; }}
.wsx-ex .wsx-ex-score {{ font-weight: 700; }}
"""


def _block(body: str, extra: str = "") -> str:
    return f'<div class="wsx-ex {extra}"><style>{EXERCISE_CSS}</style>{body}</div>'


def hex_block(data: bytes, *, limit: int = _SHOWN_BYTES) -> str:
    """``data`` as hex, 16 bytes a line with offsets; past ``limit`` bytes, a count of the rest."""
    lines = [f"{i:04x}  {data[i : i + 16].hex(' ')}" for i in range(0, min(len(data), limit), 16)]
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes (the frame is {len(data):,} bytes long)")
    return f'<pre class="wsx-ex-hex">{escape(chr(10).join(lines) or "(no bytes)")}</pre>'


def _frames_table(frames: Sequence[Any]) -> str:
    rows = "".join(
        f'<tr><td>{i}</td><td class="wsx-ex-m">{escape(bytes(f)[:64].hex(" "))}'
        f"{' …' if len(bytes(f)) > 64 else ''}</td></tr>"
        for i, f in enumerate(frames, 1)
    )
    return (
        f'<table class="wsx-ex-frames"><thead><tr><th>#</th><th>bytes (hex)</th></tr></thead>{rows}</table>'
    )


def question_html(ex: ExerciseLike) -> str:
    """The question alone: title, words, and what it is about."""
    parts = [
        f'<div class="wsx-ex-title">{escape(ex.title)}</div>',
        f'<div class="wsx-ex-meta">{escape(ex.kind)} · seed {ex.seed}</div>',
        f'<div class="wsx-ex-prompt">{escape(ex.prompt)}</div>',
    ]
    if ex.exhibit:
        parts.append(f'<pre class="wsx-ex-exhibit">{escape(ex.exhibit)}</pre>')
    if ex.frames:
        parts.append(_frames_table(ex.frames))
    elif ex.data:
        parts.append(hex_block(ex.data))
    return "".join(parts)


def _statuses(ex: ExerciseLike, result: ResultLike | None) -> dict[str, str]:
    """Each answered codec field's status, from the parts that name a field."""
    if result is None:
        return {}
    fields = {p.name: p.field for p in ex.parts}
    out: dict[str, str] = {}
    for r in result.parts:
        name = fields.get(r.part) or r.part
        if r.status in ("right", "wrong") and out.get(name) != "wrong":
            out[name] = r.status
    return out


_PAYLOAD_PARTS = ("close code", "close reason")  # a close frame's payload data, as the codec splits it


def _matches(field: Field, name: str) -> bool:
    if name == "payload data" and field.name in _PAYLOAD_PARTS:
        return True
    return field.name == name or field.name.startswith(name + " (")


def bits_html(subject: Any, statuses: Mapping[str, str]) -> str:
    """The header fields of ``subject`` (an object with ``fields``) with their bits, each answered one
    marked right (solid border) or wrong (dashed border); the payload summarised."""
    fields: list[Field] = list(getattr(subject, "fields", ()))
    if not fields:
        return ""
    cells = []
    for f in fields:
        status = next((s for name, s in statuses.items() if _matches(f, name)), "")
        shown = f.bits if f.bits else bytes(f.raw[:8]).hex(" ") + (" …" if len(f.raw) > 8 else "")
        mark = {"right": " ✓", "wrong": " ✗"}.get(status, "")
        cls = f" wsx-ex-bit-{status}" if status else ""
        cells.append(
            f'<span class="wsx-ex-field{cls}" style="background:{field_color(f.name)}" '
            f'title="{escape(f.name)} ({f.span}): {escape(f.meaning)}">'
            f"<small>{escape(f.name)}{mark}</small>{escape(shown)}</span>"
        )
    return f'<div class="wsx-ex-bits">{"".join(cells)}</div>'


def feedback_html(result: ResultLike) -> str:
    """The verdict: the score and one line per part, coloured by its status."""
    marks = {"right": "✓", "wrong": "✗", "unreadable": "?", "missing": "·"}
    rows = "".join(
        f'<div class="wsx-ex-part wsx-ex-part-{escape(p.status)}" data-part="{escape(p.part)}">'
        f"{marks.get(p.status, '')} <b>{escape(p.label)}</b>: {escape(p.feedback)} "
        f'<span class="wsx-ex-ref">({escape(p.section)})</span></div>'
        for p in result.parts
    )
    score = f'<div class="wsx-ex-score">{result.score}/{result.total} right</div>'
    return f'<div class="wsx-ex-feedback" role="status">{score}{rows}</div>'


def result_html(result: ResultLike) -> str:
    """A check's verdict on its own, styled (what a notebook shows for a :class:`CheckResult`)."""
    return _block(feedback_html(result))


def hints_html(hints: Sequence[HintLike]) -> str:
    """The hints asked for so far, each with the section to read."""
    return "".join(
        f'<div class="wsx-ex-hint-text"><b>Hint {i}.</b> {escape(h.text)} <span class="wsx-ex-ref">'
        f"(read {escape(h.section)})</span></div>"
        for i, h in enumerate(hints, 1)
    )


def worked_html(ex: ExerciseLike, answer: Mapping[str, str] | None = None) -> str:
    """The worked answer, step by step, then the answer to type in each box."""
    steps = "".join(f"<li>{escape(s)}</li>" for s in ex.worked)
    typed = ""
    if answer:
        labels = {p.name: p.label for p in ex.parts}
        rows = "".join(
            f'<tr><td>{escape(labels.get(k, k))}</td><td class="wsx-ex-m">{escape(v)}</td></tr>'
            for k, v in answer.items()
        )
        typed = f"<table><thead><tr><th>part</th><th>answer</th></tr></thead>{rows}</table>"
    worked = f'<ol class="wsx-ex-worked">{steps}</ol>'
    return f'<div class="wsx-ex-worked-answer"><b>Worked answer</b>{worked}{typed}</div>'


def question_block(ex: ExerciseLike, *, result: ResultLike | None = None, revealed: bool = False) -> str:
    """The question and, for a frame, its fields' bits: each answered field marked right or wrong
    (none marked once the answer is revealed)."""
    body = question_html(ex)
    if ex.subject is not None and hasattr(ex.subject, "fields"):
        body += bits_html(ex.subject, {} if revealed else _statuses(ex, result))
    return _block(body)


def response_block(
    ex: ExerciseLike,
    *,
    result: ResultLike | None = None,
    hints: int = 0,
    answer: Mapping[str, str] | None = None,
) -> str:
    """What follows an answer: the feedback, the first ``hints`` hints, and the worked answer when
    ``answer`` (the reference answers) is given; empty before anything was asked."""
    body = []
    if result is not None:
        body.append(feedback_html(result))
    if hints:
        body.append(hints_html(list(ex.hints)[:hints]))
    if answer is not None:
        body.append(worked_html(ex, answer))
    return _block("".join(body)) if body else ""


def exercise_html(
    ex: ExerciseLike,
    *,
    result: ResultLike | None = None,
    hints: int = 0,
    answer: Mapping[str, str] | None = None,
) -> str:
    """The whole exercise: question, the frame's bits (marked once answered), feedback, the first
    ``hints`` hints, and the worked answer when ``answer`` (the reference answers) is given."""
    return question_block(ex, result=result, revealed=answer is not None) + response_block(
        ex, result=result, hints=hints, answer=answer
    )


def exercise_text(ex: ExerciseLike) -> str:
    """The question for a terminal."""
    lines = [f"{ex.title} ({ex.kind}, seed {ex.seed})", ex.prompt]
    if ex.exhibit:
        lines += ["", ex.exhibit.rstrip()]
    if ex.frames:
        lines += [f"  {i}. {bytes(f)[:48].hex(' ')}" for i, f in enumerate(ex.frames, 1)]
    elif ex.data:
        lines += [f"  {ex.data[i : i + 16].hex(' ')}" for i in range(0, min(len(ex.data), _SHOWN_BYTES), 16)]
        if len(ex.data) > _SHOWN_BYTES:
            lines.append(f"  … {len(ex.data) - _SHOWN_BYTES:,} more bytes")
    lines += ["", "Parts: " + ", ".join(f"{p.name} ({p.label})" for p in ex.parts)]
    return "\n".join(lines)


def result_text(result: ResultLike) -> str:
    """The verdict for a terminal."""
    marks = {"right": "✓", "wrong": "✗", "unreadable": "?", "missing": "·"}
    lines = [f"{result.score}/{result.total} right. {result.summary()}"]
    lines += [f"  {marks.get(p.status, ' ')} {p.label}: {p.feedback} ({p.section})" for p in result.parts]
    return "\n".join(lines)


def report_text(report: Any) -> str:
    """An implementation report for a terminal: the score, then every case that did not pass."""
    lines = [f"Score: {report.summary()}"]
    if report.import_error:
        lines += ["The code did not import:", report.import_error.rstrip()]
    for c in report.failures:
        lines.append(f"  {c.status.upper():8} {c.case.id}: {c.case.title}")
        lines.append(f"           input    {c.input}")
        lines.append(f"           expected {c.expected}")
        lines.append(f"           got      {c.got or '-'}")
        if c.field:
            lines.append(f"           field    {c.field}")
        lines.append(f"           {c.detail} ({c.case.section}); hint: {c.case.hint}")
    return "\n".join(lines)


def report_html(report: Any) -> str:
    """An implementation report: the score per function, then a table of every case."""
    head = f'<div class="wsx-ex-title">Implementation check: {escape(report.summary())}</div>'
    if report.import_error:
        head += f'<pre class="wsx-ex-exhibit">{escape(report.import_error)}</pre>'
    rows = []
    for c in report.cases:
        cls = "wsx-ex-part-right" if c.passed else "wsx-ex-part-wrong"
        rows.append(
            f'<tr class="{cls}"><td>{"✓" if c.passed else "✗"} {escape(c.status)}</td>'
            f"<td>{escape(c.case.group)}: {escape(c.case.title)}</td>"
            f'<td class="wsx-ex-m">{escape(c.input)}</td><td class="wsx-ex-m">{escape(c.expected)}</td>'
            f'<td class="wsx-ex-m">{escape(c.got)}</td><td>{escape(c.field)}</td>'
            f"<td>{escape(c.detail)}{' — ' + escape(c.case.hint) if not c.passed else ''} "
            f'<span class="wsx-ex-ref">({escape(c.case.section)})</span></td></tr>'
        )
    table = (
        "<table><thead><tr><th>result</th><th>case</th><th>input</th><th>expected</th><th>got</th>"
        f"<th>first field that differs</th><th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _block(head + table, "wsx-ex-report")


def server_report_text(report: Any) -> str:
    """A server check for a terminal: the score, then one line per case."""
    lines = [f"Server check ({' '.join(report.command)}): {report.summary()}"]
    lines += [
        f"  {c.status.upper():8} {c.id} ({c.client}): {c.detail or c.title} ({c.section})"
        for c in report.cases
    ]
    return "\n".join(lines)


def server_report_html(report: Any) -> str:
    """A server check: the score, then one row per case with the client that ran it."""
    rows = "".join(
        f'<tr class="{"wsx-ex-part-right" if c.passed else "wsx-ex-part-wrong"}">'
        f"<td>{escape(c.status)}</td><td>{escape(c.title)}</td><td>{escape(c.client)}</td>"
        f'<td>{escape(c.detail)} <span class="wsx-ex-ref">({escape(c.section)})</span></td></tr>'
        for c in report.cases
    )
    head = f'<div class="wsx-ex-title">Server check: {escape(report.summary())}</div>'
    columns = "<tr><th>result</th><th>case</th><th>client</th><th>why</th></tr>"
    table = f"<table><thead>{columns}</thead>{rows}</table>"
    return _block(head + table, "wsx-ex-report")
