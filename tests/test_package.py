"""The public package: what importing it loads, and what it exports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import wsexplorer


def test_import_loads_no_widgets_and_no_matplotlib() -> None:
    code = "import sys, wsexplorer; print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_all_names_exist() -> None:
    for name in wsexplorer.__all__:
        assert hasattr(wsexplorer, name), name


def test_seed_example() -> None:
    assert wsexplorer.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


PACKAGE = Path(wsexplorer.__file__).parent


def test_a_small_public_api() -> None:
    assert 25 <= len(wsexplorer.__all__) <= 35
    assert sorted(wsexplorer.__all__) == wsexplorer.__all__


def test_codec_and_protocol_hold_no_presentation() -> None:
    """Views live in render/; the codec and the connection are data (issue: one home for every view)."""
    found = []
    for path in [*(PACKAGE / "codec").rglob("*.py"), *(PACKAGE / "protocol").rglob("*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"<span|<div|<table|_repr_html_", line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert found == []


def test_modules_of_one_job_stay_small() -> None:
    sizes = {
        p.relative_to(PACKAGE): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > 450} == {}


def test_widgets_are_typed_for_type_checkers() -> None:
    source = (PACKAGE / "widgets" / "__init__.py").read_text(encoding="utf-8")
    assert "if TYPE_CHECKING:" in source
    for name in ("AcceptStepper", "FrameInspector", "LiveConnection", "SessionBrowser"):
        assert f"import {name}" in source
