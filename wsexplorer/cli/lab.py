"""``wsexplorer lab``: JupyterLab on the tour notebook (``notebooks/00_tour.ipynb`` of the checkout).

The notebooks ship with the source tree, not inside the package, so ``lab`` looks for them next to
the package (an editable install or a checkout) and says where to get them otherwise. It runs
``python -m jupyterlab`` with the interpreter running this command (so the kernel sees this
wsexplorer), adds ``--allow-root`` when run as root, passes any further arguments to JupyterLab, and
exits with JupyterLab's status. ``--dry-run`` prints the command instead.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from .app import BAD_INPUT, OK, CliError, Output

__all__ = ["TOUR", "lab_command", "run"]

TOUR = "00_tour.ipynb"


def _notebooks() -> Path:
    here = Path(__file__).resolve().parent.parent.parent / "notebooks"
    if (here / TOUR).is_file():
        return here
    raise CliError(
        f"the notebooks are not next to this installation ({here}): they ship with the source "
        "checkout; clone the repository and run `wsexplorer lab` from its .venv",
        BAD_INPUT,
    )


def lab_command(extra: list[str]) -> list[str]:
    """The command that opens JupyterLab on the tour."""
    tour = _notebooks() / TOUR
    command = [sys.executable, "-m", "jupyterlab", str(tour)]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")
    return command + [arg for arg in extra if arg != "--"]


def run(args: argparse.Namespace, output: Output) -> int:
    command = lab_command(list(args.lab_args))
    if args.dry_run:
        output.out.print(shlex.join(command))
        return OK
    output.note("starting JupyterLab (Ctrl-C twice to stop): " + shlex.join(command))
    try:
        return subprocess.call(command, cwd=Path(command[3]).parent)
    except OSError as exc:
        raise CliError(f"cannot start JupyterLab: {exc.strerror or exc}") from None
