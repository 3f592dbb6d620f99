"""Fixtures of the notebook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ISOLATED = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")
"""The variables that point Jupyter, IPython and matplotlib at their configuration and state."""


@pytest.fixture
def isolated_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Jupyter environment of the test's own (temporary config, data and runtime folders), so no
    user setting or installed kernel changes what a notebook does."""
    for var in ISOLATED:
        folder = tmp_path / var.lower()
        folder.mkdir()
        monkeypatch.setenv(var, str(folder))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
