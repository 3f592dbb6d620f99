"""The Binder build, simulated: binder/ alone must give an environment in which every notebook runs.

repo2docker (what mybinder.org runs) cannot run here (no Docker), so this test does what it does, in a
fresh virtual environment made without the system's site-packages:

1. copy the repository as a clone would have it (tracked and not-ignored files only, no .venv);
2. install what repo2docker's base image provides (JupyterLab 4, ipywidgets 8, a kernel and nbclient);
3. ``pip install -r binder/requirements.txt`` from the copy's root, as repo2docker does;
4. run ``binder/postBuild`` from the copy's root; it must exit 0;
5. execute every notebook with a kernel of that environment (checked: the kernel's Python is the
   environment's and it imports wsexplorer from the copy), in an isolated Jupyter configuration:
   no error, nothing on stderr, every cell tagged ``widget`` shows its widget.

pip uses its usual cache, so a second run installs from it. Part of the default suite; to run it alone:
``.venv/bin/pytest tests/notebooks/test_binder.py``. It is never skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))

# What repo2docker's Python base image already has, and what we need to execute notebooks.
BASE_IMAGE = ["jupyterlab>=4,<5", "ipywidgets>=8,<9", "ipykernel", "nbclient", "nbformat"]

# Run inside the new environment: execute each notebook and report as one JSON document.
RUNNER = textwrap.dedent(
    """
    import json, sys
    import nbformat
    from nbclient import NotebookClient

    WIDGET = "application/vnd.jupyter.widget-view+json"
    PROBE = "import sys, wsexplorer; print(sys.executable); print(wsexplorer.__file__)"
    report = {}
    for name in ["(probe)"] + sys.argv[1:]:
        if name == "(probe)":
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
        else:
            nb = nbformat.read(name, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": "."}}).execute()
        cells = [c for c in nb.cells if c.cell_type == "code"]
        outputs = [o for c in cells for o in c.outputs]
        tagged = [c for c in cells if "widget" in c.metadata.get("tags", [])]
        report[name] = {
            "errors": [o.ename + ": " + o.evalue for o in outputs if o.output_type == "error"],
            "stderr": [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"],
            "stdout": "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout"),
            "widget cells": len(tagged),
            "widgets shown": sum(WIDGET in o.get("data", {}) for c in tagged for o in c.outputs),
        }
    print(json.dumps(report))
    """
)


LOCAL_STATE = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def repository_files() -> list[Path]:
    """The files a clone of the repository has: tracked, or new and not ignored (relative paths).

    Outside a git checkout (an unpacked archive), every file except local state such as .venv.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return [
            p.relative_to(ROOT)
            for p in ROOT.rglob("*")
            if p.is_file() and not LOCAL_STATE & set(p.relative_to(ROOT).parts)
        ]
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [Path(p) for p in listed.split("\0") if p and (ROOT / p).is_file()]


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{cmd} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def test_binder_config_is_what_repo2docker_expects() -> None:
    assert not (ROOT / ".binder").exists(), "repo2docker refuses both binder/ and .binder/"
    assert not (BINDER / "environment.yml").exists(), (
        "environment.yml would make repo2docker ignore requirements.txt"
    )
    requirements = (BINDER / "requirements.txt").read_text().split("\n")
    assert "-e ." in [line.split("#")[0].strip() for line in requirements], "the package itself"
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    assert post_build.read_text().startswith("#!/usr/bin/env bash\n")
    assert "binder/postBuild" in {str(p) for p in repository_files()}


def test_binder_build_runs_every_notebook(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for relative in repository_files():
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    assert (repo / "binder" / "requirements.txt").is_file() and (
        repo / "notebooks" / "00_tour.ipynb"
    ).is_file()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    for var in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        (tmp_path / var.lower()).mkdir()
        env[var] = str(tmp_path / var.lower())

    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    bare = "import importlib.util as u; print([m for m in ('wsexplorer', 'ipywidgets') if u.find_spec(m)])"
    assert run([python, "-c", bare], cwd=tmp_path, env=env, timeout=60).strip() == "[]"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, *BASE_IMAGE], cwd=repo, env=env, timeout=300)
    run([*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, timeout=300)

    post_build = run([str(repo / "binder" / "postBuild")], cwd=repo, env=env, timeout=120)
    assert "package and widgets import" in post_build

    runner = tmp_path / "run_notebooks.py"
    runner.write_text(RUNNER)
    output = run([python, str(runner), *NOTEBOOKS], cwd=repo / "notebooks", env=env, timeout=600)
    report = json.loads(output.strip().splitlines()[-1])

    executable, package = report.pop("(probe)")["stdout"].split()
    assert Path(executable).is_relative_to(venv), "the kernel runs the Binder environment's Python"
    assert Path(package).is_relative_to(repo), "wsexplorer is installed from the repository (-e .)"
    assert sorted(report) == NOTEBOOKS
    for name, result in report.items():
        assert result["errors"] == [], f"{name}: {result['errors']}"
        assert result["stderr"] == [], f"{name}: {result['stderr']}"
        assert result["widgets shown"] == result["widget cells"], f"{name}: {result}"
    assert report["00_tour.ipynb"]["widget cells"] == 6  # the tour shows each widget once
    assert "Received: Hello Server!" in report["00_tour.ipynb"]["stdout"]
    assert "TLSError: unknown issuer" in report["05_errors_and_security.ipynb"]["stdout"]  # trustme installed
