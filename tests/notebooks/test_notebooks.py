"""Every notebook runs top to bottom in a fresh kernel, offline, and its cells show what they claim."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture
def isolated_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        d = tmp_path / var.lower()
        d.mkdir()
        monkeypatch.setenv(var, str(d))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)


def test_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS][:1] == ["00_tour.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, isolated_jupyter: None) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} is committed with outputs: clear them"
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    if path.stem == "00_tour":
        html = "".join(
            o.get("data", {}).get("text/html", "")
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        )
        assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in html
        texts = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert "403" in texts and "reserved opcode 0x3" in texts and "TextMessage" in texts
    assert os.environ.get("JUPYTER_PATH") is None
