"""The nbgrader round trip of the assignments, as a script (tests/exercises/test_nbgrader.py runs it).

In a fresh course directory (its own nbgrader_config.py and gradebook): ``generate_assignment`` for
each notebook of notebooks/exercises/, then two submissions made from the student versions: one with
every solution region filled with the reference solution, one with the mistakes of :data:`WRONG`.
Both are autograded, and the scores per notebook and per test cell are printed as one JSON object.
It runs nbgrader through its Python API, in this one process, so nbgrader's slow imports are paid once.

    .venv/bin/python tests/exercises/nbgrader_roundtrip.py COURSE_DIR
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks" / "exercises"
ASSIGNMENTS = ("handshake", "frames", "fragmentation", "compression")

# assignment -> {solution cell's grade_id: (text replaced in the reference solution, replacement)}
WRONG: dict[str, dict[str, tuple[str, str]]] = {
    "handshake": {
        # hashes the decoded key bytes: both accept tests fail (2 + 2 points)
        "accept-solution": (
            "hashlib.sha1((key + GUID).encode())",
            "hashlib.sha1(base64.b64decode(key) + GUID.encode())",
        ),
        # the right header, the wrong status: the request test fails (2 points)
        "request-solution": ('"400 (bad request)"', '"426"'),
    },
}
WRONG_SCORE = {"handshake": (4.0, {"accept-rfc", "accept-checker", "request-test"})}
"""The expected score of the wrong submission, and the test cells that must lose their points."""

_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)


def reference_solutions(source: Any) -> dict[str, str]:
    """Each solution cell's text as a student who got everything right would write it."""
    out = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = _MARKERS.sub("", cell.source + "\n").rstrip("\n")
    return out


def submit(release: Path, answers: dict[str, str], target: Path) -> None:
    """The student version with its solution cells replaced by ``answers`` (by grade_id)."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def _alembic_head() -> str:
    """What ``alembic heads`` prints first, read in this process.

    nbgrader asks for it when it creates a gradebook, by running the ``alembic`` command: a new Python
    process that imports nbgrader again (about 10 s here). Reading the migration scripts' head in
    process gives the same revision.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite://") as ini:
        head = ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()
    if head is None:
        raise SystemExit("nbgrader's alembic scripts have no head revision")
    return head


def main(course: Path) -> dict[str, Any]:
    import nbgrader.api
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    nbgrader.api.get_alembic_version = _alembic_head

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "wsexplorer-lab"
    config.ExecutePreprocessor.timeout = 120
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'wsexplorer-lab'\n",
        encoding="utf-8",
    )
    api = NbGraderAPI(config=config)
    report: dict[str, Any] = {"release": {}, "scores": {}}
    for name in ASSIGNMENTS:
        source_dir = course / "source" / name
        source_dir.mkdir(parents=True)
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", source_dir / f"{name}.ipynb")
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise SystemExit(f"generate_assignment {name} failed:\n{result['log']}\n{result.get('error')}")
        release = course / "release" / name / f"{name}.ipynb"
        text = release.read_text(encoding="utf-8")
        report["release"][name] = {
            "not_implemented": text.count("raise NotImplementedError()"),
            "solution_markers": text.count("BEGIN SOLUTION"),
        }
        answers = reference_solutions(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
        submit(release, answers, course / "submitted" / "alice" / name / f"{name}.ipynb")
        if name in WRONG:
            wrong = dict(answers)
            for grade_id, (old, new) in WRONG[name].items():
                if old not in wrong[grade_id]:
                    raise SystemExit(f"the wrong answer for {grade_id} does not apply: {old!r} not found")
                wrong[grade_id] = wrong[grade_id].replace(old, new)
            submit(release, wrong, course / "submitted" / "bob" / name / f"{name}.ipynb")
    for name in ASSIGNMENTS:
        for student in ("alice", "bob"):
            if not (course / "submitted" / student / name).is_dir():
                continue
            result = api.autograde(name, student, force=True, create=True)
            if not result["success"]:
                raise SystemExit(
                    f"autograde {name} {student} failed:\n{result['log']}\n{result.get('error')}"
                )
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in ASSIGNMENTS:
            for student in ("alice", "bob"):
                try:
                    submission = gradebook.find_submission_notebook(name, name, student)
                except Exception:  # no such submission (bob submitted one notebook only)
                    continue
                lost = sorted(g.name for g in submission.grades if g.max_score and g.score < g.max_score)
                report["scores"][f"{student}/{name}"] = {
                    "score": submission.score,
                    "max_score": submission.max_score,
                    "lost": lost,
                }
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]).resolve())))
