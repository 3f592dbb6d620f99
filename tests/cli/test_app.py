"""The command as a whole: help, exit statuses, the console script, colour choices, interrupted runs."""

from __future__ import annotations

import importlib.metadata
import signal
import subprocess

import pytest

from wsexplorer.cli import main
from wsexplorer.cli.app import EXIT_STATUSES, build_parser

from .conftest import ANSI, CI, COLOUR, COMMAND, ROOT, environment, run_cli

SUBCOMMANDS = ["accept", "dump", "explain", "connect", "serve", "relay", "import", "export", "replay", "lab"]


def test_help_lists_every_subcommand_and_the_exit_statuses() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    for name in SUBCOMMANDS:
        assert name in done.stdout
    assert "exit status: 0 success" in " ".join(done.stdout.split())
    for name in SUBCOMMANDS:  # in process: argparse prints the help and exits 0
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"])
        assert exited.value.code == 0


def test_usage_errors_exit_2_in_argparse_words() -> None:
    done = run_cli("frobnicate")
    assert done.returncode == 2 and "invalid choice: 'frobnicate'" in done.stderr
    assert run_cli().returncode == 2
    assert sorted(EXIT_STATUSES) == [0, 1, 2, 3, 4, 130]


def test_main_returns_the_status_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accept", "-q", "dGhlIHNhbXBsZSBub25jZQ=="]) == 0
    assert capsys.readouterr().out == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
    assert main(["dump", "zz"]) == 3
    assert capsys.readouterr().err.startswith("wsexplorer: error: dump: argument: character 'z'")
    assert build_parser().parse_args(["serve"]).port == 8765


def test_the_console_script_is_declared() -> None:
    scripts = {e.name: e.value for e in importlib.metadata.entry_points(group="console_scripts")}
    if "wsexplorer" not in scripts:
        message = 'pyproject.toml needs [project.scripts] wsexplorer = "wsexplorer.cli:main", then reinstall'
        if CI:
            pytest.fail(message)
        pytest.skip(message + " (not installed yet)")
    assert scripts["wsexplorer"] == "wsexplorer.cli:main"


def test_colour_choices_when_piped() -> None:
    plain = run_cli("dump", "818537fa213d7f9f4d5158", "--sender", "client")
    assert not ANSI.search(plain.stdout)
    always = run_cli("--color", "always", "dump", "818537fa213d7f9f4d5158", "--sender", "client")
    assert COLOUR.search(always.stdout), "--color always colours a pipe"
    assert ANSI.sub("", always.stdout) == plain.stdout, "colour never changes the text"
    no_color = run_cli("--color", "always", "dump", "818537fa213d7f9f4d5158", NO_COLOR="1")
    assert not COLOUR.search(no_color.stdout), "NO_COLOR removes colours (bold may stay)"
    never = run_cli("--color", "never", "accept", "dGhlIHNhbXBsZSBub25jZQ==", FORCE_COLOR="1")
    assert not ANSI.search(never.stdout)


def wait_until_reading_stdin(pid: int, timeout: float = 30) -> None:
    """Until the process sits in read(0, ...) (Linux: /proc/PID/syscall), so Ctrl-C finds main running."""
    import time
    from pathlib import Path

    deadline = time.monotonic() + timeout
    syscall = Path(f"/proc/{pid}/syscall")
    if not syscall.exists():  # not Linux: give it time instead
        time.sleep(3)
        return
    while time.monotonic() < deadline:
        try:
            fields = syscall.read_text().split()
        except OSError:
            fields = []
        if len(fields) > 1 and fields[0] in ("0", "63") and fields[1] == "0x0":  # read(0, ...): x86-64, arm64
            return
        time.sleep(0.05)
    time.sleep(1)  # another architecture's numbers: carry on after the wait


def test_ctrl_c_is_one_line_and_130() -> None:
    proc = subprocess.Popen(
        [*COMMAND, "dump", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=environment(),
    )
    try:
        wait_until_reading_stdin(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=5)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "wsexplorer: error: dump: interrupted"
    assert "Traceback" not in err
