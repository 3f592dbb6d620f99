"""The second level: a student's echo server started from its command line and checked on loopback."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from wsexplorer.exercises import check_server

STUDENTS = Path(__file__).parent / "students"
NODE_MODULES = Path(__file__).parents[1] / "interop" / "node" / "node_modules"
CI = os.environ.get("CI", "").lower() == "true"
RULES = {"probe-3.1", "probe-9.2", "probe-10.1", "probe-11.4", "probe-11.7"}
# Cases a server that checks nothing fails by echoing the bad frame back (the probe then fails the
# connection itself: the server did not).
ECHOED = {"probe-2.3", "probe-4.1", "probe-5.4", "probe-6.2", "probe-7.3", "probe-7.7"}


def _command(script: str) -> list[str]:
    return [sys.executable, str(STUDENTS / script), "{port}"]


def _node_ready() -> bool:
    ready = shutil.which("node") is not None and (NODE_MODULES / "ws").is_dir()
    if not ready and CI:
        pytest.fail("node and tests/interop/node/node_modules are needed under CI (scripts/setup-node.sh)")
    return ready


async def test_a_server_that_follows_the_rules_passes_every_case() -> None:
    report = await check_server(_command("echo_server.py"), node_modules=NODE_MODULES, case_timeout=5)
    expected = {c.id for c in report.cases} - (set() if _node_ready() else {"node-ws"})
    assert {c.id for c in report.cases if c.passed} == expected, [str(c) for c in report.failures]
    assert {"handshake", "echo-65536", "ping", "close", "websockets", "node-ws"} | RULES <= {
        c.id for c in report.cases
    }
    assert "listening on ws://127.0.0.1:" in report.output


async def test_a_naive_server_passes_the_happy_path_and_fails_where_it_must_refuse() -> None:
    report = await check_server(_command("naive_server.py"), case_timeout=3)
    assert {c.id for c in report.failures} == RULES | ECHOED
    assert all(
        "the probe failed the connection itself" in c.detail for c in report.failures if c.id in ECHOED
    )
    assert all(c.passed for c in report.cases if c.client in ("wsexplorer", "websockets"))
    by_id = {c.id: c for c in report.cases}
    assert "a client must mask every frame" in by_id["probe-10.1"].detail
    assert by_id["probe-10.1"].section == "RFC 6455 §5.1" and by_id["probe-11.7"].client == "probe"
    assert by_id["node-ws"].status == "not run"  # no node_modules given
    assert report.summary() == f"{report.score}/{report.max_score} (1 not run)"


async def test_a_server_that_does_not_start_is_reported() -> None:
    script = "import sys; print('oops'); sys.exit(4)"
    report = await check_server([sys.executable, "-c", script], startup_timeout=5)
    assert not report.started and "exited with status 4" in report.summary() and "oops" in report.output
