"""LiveConnection with ipykernel 6 in JupyterLab (default settings): connect, send, ping, close.

ipykernel 6 has no kernel subshells, so JupyterLab's ``commsOverSubshells`` setting has no effect and
every widget callback runs on the kernel's main thread (checked); the widgets must work with both
kernels. The kernel runs in the virtualenv ``scripts/setup-kernel6.sh`` makes (.venv-kernel6), which
the test registers as a kernelspec in the server's isolated JUPYTER_DATA_DIR. Without that env the
test is skipped with the command to run, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import subprocess

from .conftest import KERNEL6, KERNEL6_SETUP, Frontend, OpenNotebook, missing_or_skip
from .test_live import close_and_check, run_live_session
from .widget_run import start


def _require_kernel6() -> None:
    python = KERNEL6.python
    if not python.exists():
        missing_or_skip(f"no ipykernel 6 environment at {python.parent.parent}: run `{KERNEL6_SETUP}`")
    found = subprocess.run(
        [str(python), "-c", "import ipykernel, wsexplorer.widgets; print(ipykernel.__version__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if found.returncode != 0 or not found.stdout.startswith("6."):
        missing_or_skip(
            f"{python} has no ipykernel 6 with wsexplorer ({found.stdout.strip()}"
            f" {found.stderr.strip()[-300:]}): run `{KERNEL6_SETUP}`"
        )


def test_live_connection_with_ipykernel6(lab: Frontend, open_notebook: OpenNotebook) -> None:
    _require_kernel6()
    nb = start(lab, open_notebook, "live_connection", kernel=KERNEL6.name, ipykernel=6)
    x = run_live_session(nb, subshell=False)
    close_and_check(x)
    nb.checks.verify()
