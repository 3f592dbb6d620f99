"""Run a student's functions in a separate process, with limits, so a loop or a crash is a result.

:func:`run_cases` starts ``python -I`` on :mod:`~wsexplorer.exercises.sandbox_child` (standard library
only), sends it the student's code and the calls to make, and reads one result line per call. The
child limits its own address space and CPU time (``resource``: RLIMIT_AS, RLIMIT_CPU); here, each
call has a wall-clock timeout and the whole run a budget. A call that times out or kills the process
(a segfault, ``os._exit``) is recorded as such and the child is restarted for the remaining calls,
so one bad case costs one case. Everything the child writes is read with a byte cap. The child runs
in its own process group (POSIX) and the whole group is killed when it overruns.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["Call", "Limits", "Outcome", "SandboxRun", "StudentCode", "run_cases"]

CHILD = Path(__file__).with_name("sandbox_child.py")
_LINE_CAP = 8 << 20  # the longest result line kept (bytes); longer ones are cut and reported too big


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how big: seconds of wall clock per call and in all, bytes of memory and output."""

    call_timeout: float = 2.0
    total_timeout: float = 60.0
    startup_timeout: float = 10.0
    memory: int = 1 << 30
    output: int = 64 << 10
    printed_per_call: int = 2000
    result_cap: int = 4 << 20

    def __post_init__(self) -> None:
        for name in ("call_timeout", "total_timeout", "startup_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)!r}")
        if self.memory < 64 << 20:
            raise ValueError(f"memory must be at least 64 MiB, not {self.memory} bytes")


@dataclass(frozen=True, slots=True)
class StudentCode:
    """The code to run: a file (``path``) or source text (``source``), and the name of each function
    by its role (``{"parse_frame": "my_parser"}``)."""

    functions: Mapping[str, str]
    path: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    """One call to make: ``function`` is a role name; ``args`` and ``kwargs`` hold plain values.
    With ``steps`` (pairs of args and kwargs) the function is called once per step, in order, and the
    outcome's value is the list of results."""

    id: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    steps: tuple[tuple[tuple[Any, ...], Mapping[str, Any]], ...] = ()


OutcomeStatus = Literal["returned", "raised", "refused", "timeout", "crashed", "not run", "too big"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call did: returned ``value``, raised ``error``, failed on a refused import (of the
    reference or a WebSocket library; ``error`` says which), timed out, crashed the process, or was
    not run (the budget ran out, or the code did not import)."""

    id: str
    status: OutcomeStatus
    value: Any = None
    error: str = ""
    printed: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SandboxRun:
    """Every call's outcome, by id; why the code did not import, if it did not; the roles not found."""

    outcomes: dict[str, Outcome]
    import_error: str = ""
    missing: tuple[str, ...] = ()
    output: str = ""
    processes: int = 0


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def decode_value(value: Any) -> Any:
    """A value as the child encoded it: bytes, dicts, lists, or a stand-in for an object's repr."""
    if isinstance(value, dict):
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$dict" in value:
            return {_hashable(decode_value(k)): decode_value(v) for k, v in value["$dict"]}
        if "$list" in value:
            return [decode_value(v) for v in value["$list"]]
        if "$repr" in value:
            return Opaque(str(value["$repr"]), str(value.get("$type", "")))
    return value


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, (list, dict)) else value


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value the child could not send as data: its type name and repr."""

    text: str
    type_name: str = ""

    def __repr__(self) -> str:
        return self.text


class _Child:
    """One child process, its two pipes read by threads into a queue (stdout) and a bounded buffer."""

    def __init__(self, job: Mapping[str, Any], output_cap: int) -> None:
        kwargs: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **kwargs,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr = bytearray()
        self._cap = output_cap
        assert self.proc.stdout is not None and self.proc.stderr is not None and self.proc.stdin is not None
        self._threads = [
            threading.Thread(target=self._read_lines, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._read_bounded, args=(self.proc.stderr,), daemon=True),
        ]
        for t in self._threads:
            t.start()
        try:
            self.proc.stdin.write(json.dumps(job).encode("utf-8"))
            self.proc.stdin.close()
        except OSError:  # the child died before reading its job: reported as a crash by the caller
            pass

    def _read_lines(self, pipe: Any) -> None:
        pending = bytearray()
        while chunk := pipe.read1(1 << 16):
            pending += chunk
            while (end := pending.find(b"\n")) >= 0:
                self.lines.put(bytes(pending[:end]))
                del pending[: end + 1]
            if len(pending) > _LINE_CAP:
                self.lines.put(bytes(pending[:_LINE_CAP]))
                pending.clear()
        self.lines.put(None)

    def _read_bounded(self, pipe: Any) -> None:
        while chunk := pipe.read1(1 << 16):
            room = self._cap - len(self.stderr)
            if room > 0:
                self.stderr += chunk[:room]

    def kill(self) -> None:
        """Kill the child and everything it started (its process group), then reap it."""
        if self.proc.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self.proc.pid, signal.SIGKILL)
                else:
                    self.proc.kill()
            except ProcessLookupError:
                pass
        self.close()

    def close(self) -> None:
        self.proc.wait()
        for t in self._threads:
            t.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def _death(code: int | None) -> str:
    if code is None:
        return "the process is still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed)", "SIGSEGV": " (segmentation fault)"}
        return f"the process died of {name}{extra.get(name, '')}"
    return f"the process exited with status {code}"


def run_cases(code: StudentCode, calls: Sequence[Call], *, limits: Limits | None = None) -> SandboxRun:
    """Run every call in a sandboxed child, restarting it after a timeout or a crash; never raises for
    anything the student's code does."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.total_timeout
    outcomes: dict[str, Outcome] = {}
    pending = list(calls)
    output = bytearray()
    processes = 0
    missing: tuple[str, ...] = ()
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        token = secrets.token_hex(8)
        job = {
            "token": token,
            "path": code.path,
            "source": code.source,
            "functions": dict(code.functions),
            "cases": [
                {
                    "id": c.id,
                    "function": c.function,
                    "args": _encode(list(c.args)),
                    "kwargs": _encode(c.kwargs),
                }
                | ({"steps": [[_encode(list(a)), _encode(k)] for a, k in c.steps]} if c.steps else {})
                for c in pending
            ],
            "fields": list(FRAME_FIELDS),
            "memory": limits.memory,
            "cpu": max(1, int(limits.total_timeout) + 1),
            "print_cap": limits.printed_per_call,
            "result_cap": limits.result_cap,
        }
        child = _Child(job, limits.output)
        processes += 1
        ready, import_error, stuck = _collect(child, token, pending, outcomes, limits, deadline)
        child.kill()
        output += child.stderr[: max(0, limits.output - len(output))]
        if import_error is not None:
            text = import_error or f"{_death(child.proc.returncode)} while importing the code"
            return SandboxRun(outcomes, text, (), output.decode("utf-8", "replace"), processes)
        if ready is not None:
            missing = ready
        if pending:  # the first call not answered is the one that timed out or crashed
            first = pending.pop(0)
            if stuck is not None:
                outcomes[first.id] = Outcome(first.id, "timeout", error=stuck)
            else:
                outcomes[first.id] = Outcome(first.id, "crashed", error=_death(child.proc.returncode))
    for c in pending:
        outcomes.setdefault(
            c.id, Outcome(c.id, "not run", error="the time budget of the whole check ran out")
        )
    return SandboxRun(outcomes, "", missing, output.decode("utf-8", "replace"), processes)


FRAME_FIELDS = ("fin", "rsv1", "rsv2", "rsv3", "opcode", "masked", "payload_length", "masking_key", "payload")
"""The fields a student's ``parse_frame`` returns, read by name from a dict or an object."""


def _collect(
    child: _Child,
    token: str,
    pending: list[Call],
    outcomes: dict[str, Outcome],
    limits: Limits,
    deadline: float,
) -> tuple[tuple[str, ...] | None, str | None, str | None]:
    """Read the child's results into ``outcomes`` (removing answered calls from ``pending``) until it
    exits or overruns. Returns the roles missing (once the code imported), the import error (if the
    code did not import) and why the first pending call is stuck (if it timed out)."""
    prefix = token.encode("ascii") + b" "
    ready: tuple[str, ...] | None = None
    started = time.monotonic()
    while True:
        budget = limits.startup_timeout if ready is None else limits.call_timeout
        wait = min(started + budget, deadline) - time.monotonic()
        try:
            line = child.lines.get(timeout=max(wait, 0.0))
        except queue.Empty:
            if ready is None:
                return None, f"importing the code did not finish within {limits.startup_timeout} s", None
            why = f"no result within {limits.call_timeout} s: an endless loop, or far too slow"
            if time.monotonic() >= deadline:
                why = "the time budget of the whole check ran out during this call"
            return ready, None, why
        if line is None:  # the child exited
            child.proc.wait()
            return (ready, None, None) if ready is not None else (None, "", None)
        if not line.startswith(prefix):
            continue
        try:
            message = json.loads(line[len(prefix) :])
        except ValueError:
            message = {"id": pending[0].id if pending else "", "too_big": len(line)}
        if "import_error" in message:
            return None, str(message["import_error"]), None
        if message.get("ready"):
            ready = tuple(message.get("missing", ()))
            started = time.monotonic()
            continue
        call_id = str(message.get("id", ""))
        outcome = _outcome(call_id, message)
        outcomes[call_id] = outcome
        pending[:] = [c for c in pending if c.id != call_id]
        started = time.monotonic()
        if not pending:
            return ready, None, None


def _outcome(call_id: str, message: Mapping[str, Any]) -> Outcome:
    printed = str(message.get("printed", ""))
    seconds = float(message.get("seconds", 0.0))
    if "too_big" in message:
        return Outcome(
            call_id, "too big", error=f"the result is {message['too_big']:,} bytes as JSON", seconds=seconds
        )
    if "refused" in message:
        return Outcome(call_id, "refused", error=str(message["refused"]), printed=printed, seconds=seconds)
    if "raised" in message:
        return Outcome(call_id, "raised", error=str(message["raised"]), printed=printed, seconds=seconds)
    return Outcome(
        call_id, "returned", decode_value(message.get("returned")), printed=printed, seconds=seconds
    )
