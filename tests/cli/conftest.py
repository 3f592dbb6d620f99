"""Running the ``wsexplorer`` command in a subprocess (piped, or in a pseudo-terminal) for the CLI tests.

Until the console script is installed, the command is ``python -m wsexplorer.cli``: the same ``main``.
Every run has a timeout, every server started here is stopped here, and output read from a
pseudo-terminal is read with a deadline, so no test can hang.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "record" / "captures"
COMMAND = [sys.executable, "-m", "wsexplorer.cli"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])[0-9;]*m")  # a foreground/background
CI = os.environ.get("CI", "").lower() == "true"


def environment(**extra: str) -> dict[str, str]:
    """The test process's environment without colour settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_cli(
    *args: str, stdin: bytes | None = None, timeout: float = 60, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``wsexplorer ARGS`` with stdout and stderr piped (so: plain output), bounded in time."""
    return subprocess.run(
        [*COMMAND, *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=environment(**env),
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], status: int, *words: str) -> str:
    """The run failed with ``status`` and said so on exactly one stderr line naming ``words``."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("wsexplorer: error: "), lines[0]
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@dataclass
class Background:
    """A ``wsexplorer`` command running in the background (a server), its output collected."""

    proc: subprocess.Popen[str]
    first_line: str

    @property
    def url(self) -> str:
        return self.first_line.split()[-1]

    def stop(self, timeout: float = 20) -> tuple[int, str, str]:
        """SIGTERM, then the exit status and everything it wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=5)
        return self.proc.returncode, self.first_line + out, err


def start_cli(*args: str, timeout: float = 30) -> Background:
    """Start ``wsexplorer ARGS`` and wait for its first line of output (a server's URL)."""
    proc = subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=environment(),
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        _, err = proc.communicate(timeout=5)
        raise AssertionError(f"{args} did not start: {err}")
    return Background(proc, line)


@pytest.fixture
def echo_server() -> Iterator[Background]:
    """``wsexplorer serve -p 0``: the CLI's own echo server, stopped (and checked) afterwards."""
    server = start_cli("serve", "-p", "0")
    assert server.first_line.startswith("listening on ws://127.0.0.1:")
    yield server
    status, _, err = server.stop()
    assert status == 0, err


class Terminal:
    """A command in a pseudo-terminal: what it writes is read with a deadline, what we type is sent."""

    def __init__(self, args: Sequence[str], **env: str) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [*COMMAND, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=environment(TERM="xterm-256color", COLUMNS="120", **env),
            start_new_session=True,
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, pattern: str, timeout: float = 20) -> str:
        """Read until ``pattern`` (a regex) shows in the output (colour codes removed), up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, ANSI.sub("", self.seen)):
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} not seen in {ANSI.sub('', self.seen)!r}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    assert re.search(pattern, ANSI.sub("", self.seen)), self.seen
                    break
                self.seen += chunk.decode("utf-8", "replace")
        return ANSI.sub("", self.seen)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def wait(self, timeout: float = 20) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self.master)
