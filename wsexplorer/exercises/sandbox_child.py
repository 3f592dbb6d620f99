"""The sandboxed side of the implementation checker: runs a student's functions on the cases it is given.

Run as a script by :mod:`wsexplorer.exercises.sandbox` (``python -I sandbox_child.py``), never
imported by the package: it uses the standard library only, so a student's code runs without
wsexplorer loaded. Before the student's code is imported, :class:`Refuse` goes first on
``sys.meta_path`` and refuses ``wsexplorer`` (the reference answers) and the WebSocket libraries
``websockets`` and ``wsproto`` (whose frame codecs and accept functions would stand in for the
student's own), with an ImportError saying why; a call that raises after such a refusal is reported
as refused, not as the exception an invalid input expects. This stops a student's code from leaning
on a reference by accident or by shortcut; it is not a security boundary against code written to
evade it. It reads one JSON job from standard input,
limits its own address space and CPU time (``resource``), imports the student's code, then calls the
functions case by case (a case with ``steps`` makes one call per step and returns the list of
results: a fragmented message, frame by frame). Each result is one line on a private copy of
standard output, prefixed by the job's token; whatever the student prints is captured per case
(bounded) or lands on standard error, which the parent keeps only up to a byte cap.

Values cross the pipe as JSON: bytes as ``{"$bytes": base64}``, anything JSON cannot hold as its
``repr``. A result larger than the job's ``result_cap`` is reported by its size only.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import importlib.abc
import importlib.util
import io
import json
import os
import sys
import time
import traceback
import types
from collections.abc import Mapping
from typing import Any, TextIO

try:
    import resource
except ImportError:  # not a POSIX system: the parent's wall-clock timeout is the only limit
    resource = None  # type: ignore[assignment]


JOB_CAP = 256 << 20
"""The largest job read from standard input, in characters."""

REFUSED = {
    "wsexplorer": "the checker runs student code without the reference implementation",
    "websockets": "the checker grades your own WebSocket code, not a library's",
    "wsproto": "the checker grades your own WebSocket code, not a library's",
}
"""Top-level packages the student's code may not import, and why."""


class Refuse(importlib.abc.MetaPathFinder):
    """A meta-path finder that refuses the packages of :data:`REFUSED` (and their submodules), and
    counts its refusals so a call that failed because of one is reported as refused."""

    def __init__(self) -> None:
        self.count = 0
        self.latest = ""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in REFUSED:
            self.count += 1
            self.latest = f"import of {fullname!r} refused: {REFUSED[top]}"
            raise ImportError(self.latest, name=fullname)
        return None

    def install(self) -> None:
        """Go first on ``sys.meta_path``; forget refused packages already imported; and take this
        script's own directory (the reference package's ``exercises/``) off ``sys.path``."""
        for name in [m for m in sys.modules if m.partition(".")[0] in REFUSED]:
            del sys.modules[name]
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
        sys.meta_path.insert(0, self)


class BoundedText(io.StringIO):
    """A text sink that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.dropped = 0

    def write(self, s: str) -> int:
        room = self.cap - self.tell()
        if room > 0:
            super().write(s[:room])
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data: bytes as base64, containers recursively, anything else as its repr."""
    if depth > 8:
        return {"$repr": "... (nested too deep)"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in list(value.items())[:64]]}
    if isinstance(value, (list, tuple)):
        return {"$list": [encode(v, depth + 1) for v in list(value)[:64]]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, depth)
    return {"$repr": repr(value)[:2000], "$type": type(value).__name__}


def decode(value: Any) -> Any:
    if isinstance(value, dict) and "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def as_fields(value: Any, fields: list[str]) -> Any:
    """An object with the frame's fields as attributes, as a dict of them; anything else unchanged."""
    if fields and not isinstance(value, Mapping) and value is not None and hasattr(value, fields[0]):
        return {f: getattr(value, f) for f in fields if hasattr(value, f)}
    return value


def limit_resources(memory: int, cpu: int) -> None:
    """Cap this process's address space and CPU seconds; no core file on a crash."""
    if resource is None:
        return
    for which, soft, hard in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        with contextlib.suppress(ValueError, OSError):  # a limit already lower, or not supported here
            resource.setrlimit(which, (soft, hard))


def load(job: Mapping[str, Any]) -> types.ModuleType:
    """The student's code as a module: from its file, or from the source text sent."""
    path = job.get("path")
    if path:
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec = importlib.util.spec_from_file_location("student_code", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["student_code"] = module
        spec.loader.exec_module(module)
        return module
    module = types.ModuleType("student_code")
    sys.modules["student_code"] = module
    exec(compile(job["source"], "<student code>", "exec"), module.__dict__)
    return module


def main() -> None:
    job = json.loads(sys.stdin.read(JOB_CAP))
    proto: TextIO = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything written straight to fd 1 now goes to the parent's bounded stderr capture
    token: str = job["token"]
    result_cap: int = job["result_cap"]

    def send(message: Mapping[str, Any]) -> None:
        line = json.dumps(message)
        if len(line) > result_cap:
            line = json.dumps(
                {k: v for k, v in message.items() if k in ("id", "seconds")} | {"too_big": len(line)}
            )
        proto.write(f"{token} {line}\n")
        proto.flush()

    limit_resources(job["memory"], job["cpu"])
    guard = Refuse()
    guard.install()  # everything the child needs from here on is standard library, imported above
    out = BoundedText(job["print_cap"])
    sys.stdout = sys.stderr = out
    try:
        module = load(job)
    except BaseException:  # the student's module failed to import: say why, in its own words
        send({"import_error": traceback.format_exc(limit=-3)[-4000:], "printed": out.getvalue()})
        return
    names: Mapping[str, str] = job["functions"]
    missing = [role for role, name in names.items() if not callable(getattr(module, name, None))]
    send({"ready": True, "missing": missing})
    fields: list[str] = job.get("fields", [])
    for case in job["cases"]:
        function = getattr(module, names[case["function"]], None)
        out.seek(0)
        out.truncate()
        started = time.perf_counter()
        refused = guard.count
        try:
            if function is None:
                raise NameError(f"no function {names[case['function']]!r}")
            steps = case.get("steps") or [[case["args"], case["kwargs"]]]
            values = [as_fields(function(*decode(a), **decode(k)), fields) for a, k in steps]
            result: dict[str, Any] = {"returned": encode(values if "steps" in case else values[0])}
        except BaseException as exc:  # the student's exception (even SystemExit) is a result, by name
            result = {"raised": f"{type(exc).__name__}: {exc}"[:2000]}
            if guard.count > refused:  # failed after a refused import: not the student's own raise
                result = {"refused": guard.latest[:2000]}
        result |= {"id": case["id"], "seconds": time.perf_counter() - started, "printed": out.getvalue()}
        send(result)


if __name__ == "__main__":
    main()
