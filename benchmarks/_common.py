"""What the benchmark scripts share: where the repository is, the project's venv, and RESULTS.md sections.

Stdlib only, so a script can import it before its own dependencies (and re-run itself in the venv).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def reexec_in_venv(exc: ImportError, script: str) -> None:
    """Started with an interpreter lacking the libraries: run ``script`` again with the project venv."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        print(f"({exc}; re-running with {venv_python})", file=sys.stderr, flush=True)
        os.execv(str(venv_python), [str(venv_python), str(Path(script).resolve()), *sys.argv[1:]])
    raise SystemExit(f"missing dependency: {exc}; run `make install` first")


def write_section(text: str, start_mark: str, end_mark: str) -> None:
    """Replace the text between the two markers in RESULTS.md (append it when they are missing)."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start, end = current.find(start_mark), current.find(end_mark)
    if start != -1 and end != -1 and start < end:
        updated = current[:start] + text + current[end + len(end_mark) :]
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(updated)


def git_tree() -> str:
    """The checkout a benchmark ran on: ``git <short hash>``, noting uncommitted changes in wsexplorer/."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "wsexplorer"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {head}" + (" + uncommitted changes in wsexplorer/" if dirty else "")
