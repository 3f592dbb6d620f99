"""The probe against three real servers, each verdict compared with the committed expected results.

* ``websockets`` (the Python package, its asyncio server with default settings, echoing);
* Node ``ws`` (tests/interop/node/echo-server.js: permessage-deflate on, maxPayload 100 MiB);
* wsexplorer's own :func:`~wsexplorer.live.serve_echo` (default settings).

tests/live/probe_expected/<server>.json holds every case's verdict, and for each deviation the section
the explanation must cite, so a change in a server (or in a judge) shows up as a diff of verdicts.
Rewrite them after a deliberate change with ``WSEXPLORER_UPDATE_PROBE_EXPECTED=1``. Each probe must take
under 60 s (it takes about a second). Node ``ws`` needs ``bash scripts/setup-node.sh``: without it the
Node test is skipped, or fails when CI=true.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.server import ServerConnection as WSServerConnection
from websockets.asyncio.server import serve as ws_serve

from wsexplorer.live import serve_echo
from wsexplorer.live.probe import CASES, ProbeReport, Verdict, probe

EXPECTED = Path(__file__).parent / "probe_expected"
NODE_DIR = Path(__file__).parents[1] / "interop" / "node"
NODE = shutil.which("node")
UPDATE = os.environ.get("WSEXPLORER_UPDATE_PROBE_EXPECTED") == "1"
BUDGET = 60.0


async def _echo(ws: WSServerConnection) -> None:
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


def _expected_record(report: ProbeReport, server: str, versions: dict[str, str]) -> dict[str, Any]:
    return {
        "server": server,
        "versions": versions,
        "counts": report.counts(),
        "verdicts": report.verdicts(),
        "deviations": {
            r.id: {"section": r.case.section, "explanation": r.explanation} for r in report.deviations()
        },
    }


def check_against_expected(report: ProbeReport, server: str, versions: dict[str, str]) -> None:
    path = EXPECTED / f"{server}.json"
    if UPDATE:
        record = _expected_record(report, server, versions)
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert report.seconds < BUDGET
    assert [r.id for r in report] == [c.id for c in CASES]
    assert not [r.id for r in report if r.verdict is Verdict.NOT_RUN]
    got = report.verdicts()
    diff = {
        k: (expected["verdicts"].get(k), got.get(k)) for k in got if expected["verdicts"].get(k) != got[k]
    }
    assert not diff, f"{server}: verdicts changed (expected, got): {diff}"
    for case_id, dev in expected["deviations"].items():
        assert dev["section"] in report[case_id].explanation or any(
            part.strip() in report[case_id].explanation for part in dev["section"].split(",")
        ), report[case_id].explanation
    for r in report:
        assert r.session is not None and r.session.byte_count() > 0


@pytest.fixture
async def websockets_url() -> AsyncIterator[str]:
    async with ws_serve(_echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


async def test_websockets(websockets_url: str) -> None:
    report = await probe(websockets_url, total_timeout=BUDGET)
    check_against_expected(report, "websockets", {"websockets": version("websockets")})
    # Where websockets deviates, the report says so with the section (RFC 6455 §4.4, §4.2.1).
    version_case = report["11.7"]
    assert version_case.observed.status == 400 and "§4.4" in version_case.explanation
    assert "426" in version_case.explanation


async def test_wsexplorer() -> None:
    async with serve_echo() as server:
        report = await probe(server.url, total_timeout=BUDGET)
    check_against_expected(report, "wsexplorer", {"wsexplorer": version("wsexplorer")})
    assert not report.deviations()
    assert report["11.7"].observed.status == 426


def _node_missing() -> str | None:
    if NODE is None:
        return "node is not on PATH"
    if not (NODE_DIR / "node_modules" / "ws" / "package.json").is_file():
        return "tests/interop/node/node_modules/ws is missing"
    return None


async def test_node_ws() -> None:
    problem = _node_missing()
    if problem is not None:
        message = f"{problem}: run `bash scripts/setup-node.sh` (needs Node.js >= 18 and npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    assert NODE is not None
    proc = await asyncio.create_subprocess_exec(
        NODE,
        str(NODE_DIR / "echo-server.js"),
        cwd=NODE_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None

    async def drain() -> None:
        assert proc.stdout is not None
        while await proc.stdout.readline():
            pass

    draining: asyncio.Task[None] | None = None
    try:
        first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))
        draining = asyncio.get_running_loop().create_task(drain())
        started = time.perf_counter()
        report = await probe(f"ws://127.0.0.1:{first['port']}/", total_timeout=BUDGET)
        assert time.perf_counter() - started < BUDGET
        ws_version = json.loads((NODE_DIR / "node_modules" / "ws" / "package.json").read_text())["version"]
        check_against_expected(report, "node-ws", {"ws": ws_version})
        assert report["11.10"].verdict is Verdict.INFORMATIONAL  # ws picks the first offered protocol
    finally:
        proc.kill()
        await proc.wait()
        if draining is not None:
            draining.cancel()
