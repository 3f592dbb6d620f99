"""The assignments make the nbgrader round trip: generate the student version, fill it with the
reference solutions, autograde: full marks; with the wrong answers of nbgrader_roundtrip.WRONG: the
expected partial marks. Also: the committed notebooks match their source (tests/exercises/assignments.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .assignments import ASSIGNMENTS, OUT, text
from .nbgrader_roundtrip import WRONG_SCORE

HERE = Path(__file__).parent
CI = os.environ.get("CI", "").lower() == "true"


def test_the_notebooks_match_their_source() -> None:
    for name in ASSIGNMENTS:
        stale = f"notebooks/exercises/{name}.ipynb is out of date: run python -m tests.exercises.assignments"
        assert (OUT / f"{name}.ipynb").read_text(encoding="utf-8") == text(name), stale


def test_every_test_cell_is_locked_with_points_and_every_solution_is_marked() -> None:
    for name in ASSIGNMENTS:
        nb = nbformat.read(OUT / f"{name}.ipynb", as_version=4)
        cells = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
        ids = [c["grade_id"] for c in cells]
        assert len(ids) == len(set(ids)), name
        assert sum(c.get("points", 0) for c in cells if c["grade"]) == 10, name
        assert all(c["locked"] for c in cells if c["grade"])
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def test_generate_then_autograde_gives_full_and_partial_marks(tmp_path: Path) -> None:
    if importlib.util.find_spec("nbgrader") is None:
        if CI:
            pytest.fail("nbgrader is not installed (pip install nbgrader; it is in the test extra)")
        pytest.skip("nbgrader is not installed")
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        (tmp_path / var.lower()).mkdir()
        env[var] = str(tmp_path / var.lower())
    env.pop("JUPYTER_PATH", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # nbgrader runs alembic
    course = tmp_path / "course"
    course.mkdir()
    done = subprocess.run(
        [sys.executable, str(HERE / "nbgrader_roundtrip.py"), str(course)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=course,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ASSIGNMENTS:
        assert report["release"][name] == {"not_implemented": 5, "solution_markers": 0}, name
        alice = report["scores"][f"alice/{name}"]
        assert alice["score"] == alice["max_score"] == 10.0 and alice["lost"] == [], (name, alice)
    for name, (score, lost) in WRONG_SCORE.items():
        bob = report["scores"][f"bob/{name}"]
        assert (bob["score"], set(bob["lost"])) == (score, lost), bob
