"""The sandbox: limits on time, memory and output; crashes and loops are outcomes, not exceptions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wsexplorer.exercises.sandbox import Call, Limits, StudentCode, run_cases

CODE = """
import os, sys
def echo(x):
    return x
def chatty(x):
    print("hello " * 10_000)
    os.write(1, b"straight to fd 1 " * 10_000)
    return len(x)
def hog(x):
    return bytearray(4 << 30)
def huge(x):
    return b"x" * (8 << 20)
def sleepy(x):
    import time
    time.sleep(60)
def leave(x):
    sys.exit(3)
def objects(x):
    return {"a": [1, b"\\x00"], "b": object()}
"""
ROLES = {n: n for n in ("echo", "chatty", "hog", "huge", "sleepy", "leave", "objects")}


def _run(calls: list[Call], **limits: object) -> dict[str, object]:
    run = run_cases(StudentCode(ROLES, source=CODE), calls, limits=Limits(**limits))  # type: ignore[arg-type]
    return {k: v for k, v in run.outcomes.items()}


def test_values_cross_the_pipe_as_data() -> None:
    out = _run([Call("e", "echo", (b"\x00\xff",)), Call("o", "objects", (1,))])
    assert out["e"].value == b"\x00\xff"  # type: ignore[attr-defined]
    value = out["o"].value  # type: ignore[attr-defined]
    assert value["a"] == [1, b"\x00"] and repr(value["b"]).startswith("<object object")


def test_output_is_captured_with_a_cap() -> None:
    run = run_cases(
        StudentCode(ROLES, source=CODE),
        [Call("c", "chatty", ("abc",))],
        limits=Limits(output=1000, printed_per_call=50),
    )
    assert run.outcomes["c"].value == 3 and len(run.outcomes["c"].printed) == 50
    assert 0 < len(run.output.encode()) <= 1000


def test_memory_and_result_size_are_bounded() -> None:
    out = _run(
        [Call("h", "hog", (1,)), Call("u", "huge", (1,)), Call("e", "echo", (1,))],
        memory=512 << 20,
        result_cap=1 << 20,
    )
    assert out["h"].status == "raised" and "MemoryError" in out["h"].error  # type: ignore[attr-defined]
    assert out["u"].status == "too big"  # type: ignore[attr-defined]
    assert out["e"].value == 1  # type: ignore[attr-defined]


def test_a_sleeping_call_times_out_and_sys_exit_is_an_exception() -> None:
    started = time.monotonic()
    out = _run(
        [Call("s", "sleepy", (1,)), Call("l", "leave", (1,)), Call("e", "echo", (2,))], call_timeout=0.5
    )
    assert time.monotonic() - started < 8
    assert out["s"].status == "timeout"  # type: ignore[attr-defined]
    assert out["l"].status == "raised" and out["l"].error.startswith("SystemExit")  # type: ignore[attr-defined]
    assert out["e"].value == 2  # type: ignore[attr-defined]


def test_the_whole_budget_bounds_a_run_of_loops() -> None:
    started = time.monotonic()
    calls = [Call(f"s{i}", "sleepy", (i,)) for i in range(10)]
    out = _run(calls, call_timeout=0.5, total_timeout=2.0)
    assert time.monotonic() - started < 10  # the budget, not 10 x the call timeout, bounds the run
    statuses = {o.status for o in out.values()}  # type: ignore[attr-defined]
    # which calls time out and which are not run at all depends on how fast processes start (load)
    assert "timeout" in statuses and statuses <= {"timeout", "not run"}


def test_a_module_that_loops_at_import_is_stopped(tmp_path: Path) -> None:
    path = tmp_path / "loops.py"
    path.write_text("while True:\n    pass\n", encoding="utf-8")
    run = run_cases(
        StudentCode({"f": "f"}, path=str(path)), [Call("a", "f")], limits=Limits(startup_timeout=1.0)
    )
    assert "did not finish within 1.0 s" in run.import_error and run.outcomes == {}


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="call_timeout"):
        Limits(call_timeout=0)
    with pytest.raises(ValueError, match="at least 64 MiB"):
        Limits(memory=1 << 20)


GUARDED = """
import sys
def caught(x):
    try:
        import wsproto.frame_protocol
    except ImportError as exc:
        return str(exc)
def reraised(x):
    try:
        import wsexplorer
    except ImportError:
        raise ValueError("not a frame") from None
def sibling(x):
    import checker_cases  # the child's own directory (the reference's exercises/) is not on sys.path
def loaded(x):
    return sorted(m for m in sys.modules if m.partition(".")[0] in ("wsexplorer", "websockets", "wsproto"))
"""


def test_the_reference_and_websocket_libraries_are_refused_to_student_code() -> None:
    roles = {n: n for n in ("caught", "reraised", "sibling", "loaded")}
    run = run_cases(StudentCode(roles, source=GUARDED), [Call(n, n, (1,)) for n in roles])
    out = run.outcomes
    # a refusal the student's code catches and gets past is its own business: the value is returned
    assert out["caught"].status == "returned"
    assert (
        out["caught"].value
        == "import of 'wsproto' refused: the checker grades your own WebSocket code, not a library's"
    )
    # an exception raised after a refusal is reported as the refusal, never as the student's own raise
    assert out["reraised"].status == "refused"
    assert out["reraised"].error == (
        "import of 'wsexplorer' refused: the checker runs student code without the reference implementation"
    )
    assert out["sibling"].status == "raised" and "ModuleNotFoundError" in out["sibling"].error
    assert out["loaded"].value == []
