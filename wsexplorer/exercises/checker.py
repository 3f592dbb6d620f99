"""Check a student's own WebSocket code against the reference codec, case by case, with a score.

:func:`check_implementation` runs a student's ``compute_accept``, ``parse_frame`` and ``build_frame``
(shapes in :mod:`~wsexplorer.exercises.checker_cases`) on the graded cases, in a sandboxed process
with a time and memory limit (:mod:`~wsexplorer.exercises.sandbox`), and compares each result with
the codec's. A :class:`CaseReport` says for each case what went in, what was expected, what came
back, the first field that differs (at bit precision for built frames), the RFC section and a hint;
an :class:`ImplementationReport` adds them up. An endless loop, a crash or a module that does not
import is reported, never raised.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..codec.accept import GUID
from ..codec.frames import Frame
from ..errors import ParseError
from .checker_cases import ROLES, Case, Raises, all_cases
from .sandbox import FRAME_FIELDS, Call, Limits, Opaque, Outcome, run_cases
from .student_code import student_code

__all__ = ["CaseReport", "ImplementationReport", "check_implementation"]

CaseStatus = Literal["pass", "fail", "error", "timeout", "crashed", "not run", "missing"]


@dataclass(frozen=True, slots=True)
class CaseReport:
    """One case: its input, the expected and actual results in words, the first field that differs."""

    case: Case
    status: CaseStatus
    expected: str
    got: str
    field: str = ""
    detail: str = ""
    printed: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def input(self) -> str:
        """The call (each call, for a case of several steps), shortened for display."""
        steps = self.case.steps or ((self.case.args, self.case.kwargs),)
        calls = []
        for args, kwargs in steps:
            shown = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
            calls.append(f"{self.case.function}({', '.join(shown)})")
        return "; ".join(calls)

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.status.upper():8} {self.case.id}{where}: {self.detail or 'ok'}"


@dataclass(frozen=True, slots=True)
class ImplementationReport:
    """Every case's report, the score, and what stopped the check (a module that did not import)."""

    cases: tuple[CaseReport, ...]
    import_error: str = ""
    output: str = ""

    @property
    def score(self) -> int:
        return sum(c.case.points for c in self.cases if c.passed)

    @property
    def max_score(self) -> int:
        return sum(c.case.points for c in self.cases)

    @property
    def failures(self) -> list[CaseReport]:
        return [c for c in self.cases if not c.passed]

    def by_function(self) -> dict[str, tuple[int, int]]:
        """(points, out of) for each function checked."""
        out: dict[str, tuple[int, int]] = {}
        for c in self.cases:
            got, total = out.get(c.case.function, (0, 0))
            out[c.case.function] = (got + (c.case.points if c.passed else 0), total + c.case.points)
        return out

    def summary(self) -> str:
        """One line: the score and each function's part of it."""
        if self.import_error:
            return (
                f"0/{self.max_score}: the code did not import ({self.import_error.strip().splitlines()[-1]})"
            )
        parts = ", ".join(f"{f} {a}/{b}" for f, (a, b) in self.by_function().items())
        return f"{self.score}/{self.max_score} ({parts})"

    def __repr__(self) -> str:
        return f"<ImplementationReport {self.summary()}>"


def check_implementation(
    target: object,
    *,
    functions: Sequence[str] = ROLES,
    names: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    seed: int = 0,
) -> ImplementationReport:
    """Run a student's functions on the graded cases in a sandbox and compare them with the codec.

    ``target`` is a module, the path of a ``.py`` file, a notebook's ``globals()`` or any mapping or
    object holding the functions. ``functions`` chooses the roles to check (``compute_accept``,
    ``parse_frame``, ``build_frame``); ``names`` maps a role to the student's name for it.
    ``limits`` bounds time, memory and output (:class:`~wsexplorer.exercises.sandbox.Limits`).
    Raises :class:`~wsexplorer.exercises.student_code.CodeNotUsable` when functions defined in a
    notebook use something that cannot be sent to the sandbox, saying what.
    """
    unknown = [f for f in functions if f not in ROLES]
    if unknown:
        raise ValueError(f"unknown functions {unknown}; choose among {list(ROLES)}")
    roles = {role: (names or {}).get(role, role) for role in functions}
    code = student_code(target, roles)
    cases = all_cases(seed, tuple(functions))
    run = run_cases(code, [Call(c.id, c.function, c.args, c.kwargs, c.steps) for c in cases], limits=limits)
    reports = []
    why = run.import_error.strip().splitlines()[-1] if run.import_error.strip() else ""
    for case in cases:
        if run.import_error:
            detail = f"the code did not import: {why}" if why else "the code did not import"
            reports.append(CaseReport(case, "not run", _expected_text(case), "", detail=detail))
        elif case.function in run.missing:
            detail = f"no function {roles[case.function]!r} was found"
            reports.append(CaseReport(case, "missing", _expected_text(case), "", detail=detail))
        else:
            reports.append(judge_case(case, run.outcomes[case.id]))
    return ImplementationReport(tuple(reports), run.import_error, run.output)


def _expected_text(case: Case) -> str:
    if isinstance(case.expected, Raises):
        return str(case.expected)
    if case.steps:
        return "; ".join(_short(e, 120) for e in case.expected)
    return _short(case.expected, 120)


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value[:24]).hex(" ")
        return f"<{len(value)} bytes: {text}{' …' if len(value) > 24 else ''}>"
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {_short(v, 40)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def judge_case(case: Case, outcome: Outcome) -> CaseReport:
    """Compare one outcome with the reference answer."""
    expected = _expected_text(case)
    if outcome.status in ("too big", "refused"):
        return CaseReport(case, "error", expected, "", detail=outcome.error, printed=outcome.printed)
    if outcome.status in ("timeout", "crashed", "not run"):
        status: CaseStatus = outcome.status
        return CaseReport(case, status, expected, "", detail=outcome.error, printed=outcome.printed)
    if isinstance(case.expected, Raises):
        if outcome.status == "raised":
            return CaseReport(case, "pass", expected, outcome.error, printed=outcome.printed)
        return CaseReport(
            case, "fail", expected, _short(outcome.value, 120), "validation",
            f"returned a result, but the input is invalid: {case.expected.rule}", outcome.printed,
        )  # fmt: skip
    if outcome.status == "raised":
        return CaseReport(
            case, "fail", expected, outcome.error, "exception",
            f"raised {outcome.error}, but the input is valid", outcome.printed,
        )  # fmt: skip
    got = outcome.value
    field, detail = _compare(case, got)
    status = "pass" if not field else "fail"
    shown = (
        "; ".join(_short(g, 120) for g in got) if case.steps and isinstance(got, list) else _short(got, 120)
    )
    return CaseReport(case, status, expected, shown, field, detail, outcome.printed)


def _compare(case: Case, got: Any) -> tuple[str, str]:
    """The first field that differs and why, or ``("", "")``; a case of several steps step by step,
    its detail saying which step (a fragment of a message) differs first."""
    compare = {
        "compute_accept": _compare_accept,
        "parse_frame": _compare_parsed,
        "build_frame": _compare_built,
    }[case.function]
    if not case.steps:
        return compare(case, got)
    n = len(case.steps)
    if not isinstance(got, list) or len(got) != n:
        return "type", f"expected {n} results, one per call"
    for i, ((args, kwargs), want, value) in enumerate(zip(case.steps, case.expected, got, strict=True)):
        field, detail = compare(replace(case, args=args, kwargs=kwargs, expected=want, steps=()), value)
        if field:
            return field, f"fragment {i + 1} of {n}: {detail}"
    return "", ""


def _compare_accept(case: Case, got: Any) -> tuple[str, str]:
    if isinstance(got, bytes):
        got = got.decode("ascii", "replace")
    expected: str = case.expected
    if got == expected:
        return "", ""
    if not isinstance(got, str):
        return "type", f"returned a {type(got).__name__}; return the accept value as a str"
    key: str = case.args[0]
    guid = GUID.encode("ascii")

    def b64(digest: bytes) -> str:
        return base64.b64encode(digest).decode("ascii")

    def sha1(data: bytes) -> bytes:
        return hashlib.sha1(data, usedforsecurity=False).digest()

    known = {
        b64(sha1(base64.b64decode(key) + guid)): "you hashed the decoded key bytes; hash the key TEXT + GUID",
        b64(sha1(key.encode())): "the GUID is missing: hash key + GUID",
        sha1((key + GUID).encode()).hex(): "that is the digest in hex: base64-encode the 20 digest bytes",
        expected.rstrip("="): "the base64 '=' padding is missing",
        expected.strip() + "\n": "remove the trailing newline",
    }
    return "accept", known.get(got, f"expected {expected!r}, got {got[:60]!r}")


def _as_bytes(value: Any) -> Any:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else value


def _compare_parsed(case: Case, got: Any) -> tuple[str, str]:
    expected: dict[str, Any] = case.expected
    if isinstance(got, Opaque) or not isinstance(got, dict):
        return (
            "type",
            f"returned {_short(got)}; return a dict (or an object) with the fields {list(FRAME_FIELDS)}",
        )
    for name in FRAME_FIELDS:
        if name not in got:
            return name, f"the result has no {name!r}"
        want, value = expected[name], _as_bytes(got[name])
        if isinstance(want, bool):
            ok = value in (0, 1) and bool(value) == want
        elif name == "masking_key":
            ok = value == want or (want is None and value in (b"", None))
        else:
            ok = value == want and not isinstance(value, bool)
        if not ok:
            return name, _parsed_detail(case, name, want, value)
    return "", ""


def _parsed_detail(case: Case, name: str, want: Any, value: Any) -> str:
    data: bytes = case.args[0]
    frame = Frame.parse(data)
    if name == "payload_length" and value in (126, 127):
        return f"{value} announces a {16 if value == 126 else 64}-bit length in the next bytes: read it"
    if name == "payload" and frame.masked and value == frame.masked_payload:
        return "the payload is still masked: XOR byte i with masking_key[i % 4]"
    if name == "opcode" and value == data[0]:
        return "that is the whole first byte; the opcode is its low 4 bits"
    return f"expected {_short(want)}, got {_short(value)}"


def _compare_built(case: Case, got: Any) -> tuple[str, str]:
    expected: bytes = case.expected
    got = _as_bytes(got)
    if not isinstance(got, bytes):
        return "type", f"returned {_short(got)}; return the frame as bytes"
    if got == expected:
        return "", ""
    frame = Frame.parse(expected)
    n = min(len(got), len(expected))
    at = next((i for i in range(n) if got[i] != expected[i]), n)
    if at == n:
        diff = f"{len(got) - len(expected):+d} bytes" if len(got) != len(expected) else ""
        where = "after the end of the frame" if len(got) > len(expected) else "cut short"
        return "length", f"the first {n} bytes are right; the frame is {where} ({diff})"
    bit = at * 8 + next(b for b in range(8) if (got[at] ^ expected[at]) & (0x80 >> b))
    owner = next((f for f in frame.fields if f.span.bit_offset <= bit < f.span.bit_end), None)
    name = owner.name if owner is not None else "?"
    detail = f"byte {at} is 0x{got[at]:02x}, expected 0x{expected[at]:02x} (bit {bit}: {name})"
    if name == "payload data" and frame.masked and got[at:] == frame.payload[at - frame.header_length :]:
        detail = "the payload is not masked: XOR byte i with mask_key[i % 4]"
    elif name == "MASK":
        detail = "the MASK bit is wrong: 1 exactly when a masking key is given"
    try:
        theirs = Frame.parse(got, allow_truncated=True)
    except ParseError:
        return name, detail
    if (theirs.payload_length, theirs.length_form) != (frame.payload_length, frame.length_form):
        detail += (
            f"; your header announces {theirs.payload_length} bytes in the {theirs.length_form.label} form, "
            f"and {frame.payload_length} bytes take the {frame.length_form.label} form"
        )
    return name, detail
