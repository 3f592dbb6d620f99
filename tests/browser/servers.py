"""Jupyter servers for the browser tests: JupyterLab or Notebook 7 on loopback, isolated in temp dirs.

Each server gets its own JUPYTER_CONFIG_DIR, JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR, IPYTHONDIR and
MPLCONFIGDIR (JUPYTER_PATH unset), its own user-settings folder written before it starts, and a work
folder where notebooks are copied or generated, so nothing in the repository is ever written.

Settings written for every front end: windowing off (JupyterLab 4 renders only the cells near the
viewport otherwise, and a widget far down would not exist in the page), no "Jupyter news" toast over
the widgets. ``settings`` adds more, e.g. ``{"commsOverSubshells": "disabled"}`` for
``@jupyterlab/apputils-extension:kernels-settings``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["TOKEN", "JupyterServer", "Kernelspec"]

TOKEN = "wsexplorer-browser-test-token"
_ISOLATED = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")
_START_SECONDS = 90.0


@dataclass(frozen=True)
class Kernelspec:
    """An extra kernel (name, display name, its python) registered in the server's JUPYTER_DATA_DIR."""

    name: str
    display_name: str
    python: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")


@dataclass
class JupyterServer:
    """``jupyter lab`` (``app="lab"``) or ``jupyter notebook`` (``app="notebook"``) in ``home``.

    ``settings`` maps a plugin id (``@jupyterlab/apputils-extension:kernels-settings``) to the user
    settings it gets. ``kernels`` are extra kernelspecs. :meth:`start` returns when the server
    answers ``/api/status``; :meth:`stop` ends the process it started (and only that one).
    """

    app: str
    home: Path
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    kernels: tuple[Kernelspec, ...] = ()
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def work(self) -> Path:
        """The server's root folder: notebooks are copied or generated here."""
        return self.home / "work"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def notebook_url(self, relative: str) -> str:
        """The page that opens ``relative`` (a path under :attr:`work`) in this front end."""
        if self.app == "lab":
            # `reset`: start from an empty workspace, so only this notebook is open.
            return f"{self.url}/lab/tree/{relative}?reset&token={TOKEN}"
        return f"{self.url}/notebooks/{relative}?token={TOKEN}"

    # -- lifecycle ------------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in _ISOLATED:
            folder = self.home / var.lower()
            folder.mkdir(parents=True, exist_ok=True)
            env[var] = str(folder)
        env.pop("JUPYTER_PATH", None)
        env.pop("MPLBACKEND", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _write_settings(self) -> Path:
        folder = self.home / "user-settings"
        base: dict[str, dict[str, Any]] = {
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
        }
        for plugin, values in {**base, **self.settings}.items():
            package, _, name = plugin.partition(":")
            _write_json(folder / package / f"{name}.jupyterlab-settings", values)
        return folder

    def _write_kernels(self) -> None:
        data = self.home / "jupyter_data_dir" / "kernels"
        for spec in self.kernels:
            _write_json(
                data / spec.name / "kernel.json",
                {
                    "argv": [str(spec.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": spec.display_name,
                    "language": "python",
                },
            )

    def start(self) -> JupyterServer:
        self.work.mkdir(parents=True, exist_ok=True)
        env = self._environment()
        settings = self._write_settings()
        self._write_kernels()
        self.port = _free_port()
        app_class = "LabApp" if self.app == "lab" else "JupyterNotebookApp"
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            self.app,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={self.work}",
            f"--{app_class}.expose_app_in_browser=True",
            f"--{app_class}.user_settings_dir={settings}",
            f"--{app_class}.workspaces_dir={self.home / 'workspaces'}",
            "--allow-root",
        ]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.work
        )
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._answers():
                return self
            time.sleep(0.25)
        self.stop()
        raise AssertionError(f"jupyter {self.app} did not start:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}", timeout=2) as answer:
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API (``/api/...``) and return the decoded JSON (``None`` if empty)."""
        request = urllib.request.Request(f"{self.url}{path}?token={TOKEN}", method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read(1 << 20)
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every running kernel (each test's notebook gets a fresh one; 2 cores are few)."""
        for kernel in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # already gone
                    raise

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
