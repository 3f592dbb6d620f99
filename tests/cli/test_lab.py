"""``wsexplorer lab``: the command it runs, and JupyterLab really starting on the tour."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import COMMAND, ROOT, environment, run_cli


def test_dry_run_names_the_tour_and_passes_arguments_on() -> None:
    done = run_cli("lab", "--dry-run", "--", "--no-browser", "--port", "0")
    assert done.returncode == 0, done.stderr
    command = done.stdout.strip()
    assert command.startswith(f"{sys.executable} -m jupyterlab {ROOT / 'notebooks' / '00_tour.ipynb'}")
    assert command.endswith("--no-browser --port 0")
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_jupyterlab_starts_on_the_tour(tmp_path: Path) -> None:
    env = environment(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    args = [
        "lab",
        "--",
        "--no-browser",
        "--port",
        "0",
        "--ServerApp.token=",
        "--ServerApp.open_browser=False",
    ]
    proc = subprocess.Popen(
        [*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env,
        start_new_session=True,
    )  # fmt: skip
    seen = ""
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 90
        while not re.search(r"http://(localhost|127\.0\.0\.1):\d+/lab", seen):
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, seen
            ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
            if ready:
                seen += proc.stdout.readline()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this test started: lab and its server
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=5)
    assert "starting JupyterLab" in seen and "00_tour.ipynb" in seen
