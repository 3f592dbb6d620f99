"""Autobahn|Testsuite conformance of the live server and client (see docs/conformance.md).

The default run covers every category except 12 and 13 (permessage-deflate, ~97% of a full run's
time) in both roles, about 30 s each; the full run of all 517 cases is marked slow. Every case must
pass: a case passes when Autobahn rates both its behavior and its close behavior OK, NON-STRICT or
INFORMATIONAL. wstest needs the Python 2.7 environment made by ``bash conformance/setup.sh``; without
it these tests skip, or fail under CI=true.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_PY = ROOT / "conformance" / "run.py"
REPORTS = ROOT / "test-artifacts" / "autobahn-pytest"

COMPRESSION = ("12.*", "13.*")
ALL_CASES = 517
COMPRESSION_CASES = 216  # categories 12 (90) and 13 (126)


def _load_runner() -> ModuleType:
    name = "wsexplorer_conformance_run"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


runner = _load_runner()


def _require_wstest() -> None:
    if runner.env_ready():
        return
    message = f"Autobahn|Testsuite (wstest) is not installed in {runner.VENV27}: run `{runner.SETUP_COMMAND}`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _check(result: object, expected_cases: int) -> None:
    report = "\n".join(runner.summary(result))
    print(report)  # the per-category table, shown with -s or -rA
    failed = result.failed  # type: ignore[attr-defined]
    assert not failed, f"{len(failed)} Autobahn case(s) failed:\n{report}"
    assert not result.errors, f"the harness reported problems:\n{report}"  # type: ignore[attr-defined]
    assert len(result.cases) == expected_cases, report  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["server", "client"])
def test_autobahn_without_compression(role: str) -> None:
    _require_wstest()
    result = runner.run_role_sync(role, exclude=COMPRESSION, report_dir=REPORTS / "default")
    _check(result, ALL_CASES - COMPRESSION_CASES)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["server", "client"])
def test_autobahn_full(role: str) -> None:
    _require_wstest()
    result = runner.run_role_sync(role, report_dir=REPORTS / "full")
    _check(result, ALL_CASES)


def test_the_compress_level_reaches_both_roles() -> None:
    """--compress-level sets wsexplorer's zlib level on the server and the client alike (local only:
    the offer and the answer are the defaults either way)."""
    try:
        runner.use_compress_level(6)
        for config in (runner.SERVER_CONFIG, runner.CLIENT_CONFIG):
            (extension,) = config["extensions"]
            assert extension.compress_level == 6
            assert extension == type(extension)(compress_level=6)
    finally:
        runner.use_compress_level(runner.COMPRESS_LEVEL)
    assert runner.SERVER_CONFIG["extensions"][0].compress_level == runner.COMPRESS_LEVEL == 1
