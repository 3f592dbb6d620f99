"""The public package: what importing it loads, and what it exports."""

from __future__ import annotations

import subprocess
import sys

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
