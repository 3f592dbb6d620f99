"""Notebook 07 runs top to bottom in a fresh kernel, offline, and shows what it is there to teach.

Executed with nbclient from the notebooks/ directory in an isolated Jupyter environment (temporary
config, data and runtime directories), as tests/notebooks/test_notebooks.py runs notebooks 00-06: no
cell raises or writes to stderr, no file is left behind, the servers and the relay are closed, and the
cells show the capture, the HAR, both legs of the relay, the replay's differences and the export read
back (by tshark where it is installed; under CI it must be).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "07_captures_and_relay.ipynb"
CI = os.environ.get("CI", "").lower() == "true"


def listing() -> list[Path]:
    folder = NOTEBOOK.parent
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if "__pycache__" not in p.parts)


def test_committed_clean() -> None:
    nb: Any = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                "commit the notebook with outputs cleared"
            )
    sources = "".join(c.source for c in nb.cells)
    assert "scripts/make_captures.py" in sources  # says how the shipped captures are made again


def test_runs_offline_and_shows_each_step(isolated_jupyter: None) -> None:
    nb: Any = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    before = listing()
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert listing() == before, "the notebook left files behind"
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            if output.output_type == "stream":
                assert output.name == "stdout", output.text
                texts.append(output.text)
            else:
                texts.append(output.get("data", {}).get("text/plain", ""))
                texts.append(output.get("data", {}).get("text/html", ""))
    text = "\n".join(texts)

    # 1. the pcapng: the connection, the agreed extension, frames with their packets, one in context
    assert "ws_deflate.pcapng: 28 packets (pcapng); 1 WebSocket connection(s) with 17 frames" in text
    assert "agreed: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12" in text
    assert re.search(r"packet  8  client→server  TEXT \[F1M\] len=15 +message: 'Hello Server!'", text)
    assert "packet 19  client→server  CONTINUATION [FM] len=1" in text
    assert "masking key" in text and "No rule broken" in text  # the frame's HTML view
    # 2. the HAR: messages only, the same as the pcap's, without the control frames
    assert "5 sent, 5 received (messages only, no frame bytes)" in text and "frame bytes: False" in text
    assert "client→server: 5 same, 0 changed, 2 only in pcap, 0 only in HAR" in text
    # 3. the relay: a browser-like client, both legs, the rule's change
    assert "the client got back: Howdy Server!" in text
    assert "what the server received from the relay" in text and "Origin" in text and "127.0.0.1:8000" in text
    assert "client leg: GET / HTTP/1.1  (6 frames)" in text and "upstream leg: GET / HTTP/1.1" in text
    assert "client→server: ['Hello Server!', 'plain text']" in text
    assert "client→server: ['Howdy Server!', 'plain text']" in text
    assert re.search(r"relay: c2s: modify .*: message #1 \(text, 13 B\) passed on changed", text)
    assert "differences: payload 1" in text
    # 4. the replay against a second server
    assert "original vs replay:" in text and "handshake: extensions: permessage-deflate vs none" in text
    assert re.search(r"differences: payload 2", text)
    assert "text 'Howdy Server!' (13 B) | text 'HELLO SERVER!' (13 B)" in text
    # 5. the export, read back by us and by tshark
    assert "same messages both ways: True" in text and "cookie in the file: False" in text
    if shutil.which("tshark"):
        assert "tshark found WebSocket frames in 6 packets" in text
        assert re.search(r"^\d+\t8\t2$", text, re.MULTILINE)  # the close frames
    elif CI:
        pytest.fail("tshark is missing under CI: bash scripts/setup-capture-tools.sh")
    else:
        assert "tshark is not installed here" in text
    last = texts[-1] if texts else ""
    assert "closed:" in text and last.count(" 0 open") == 2 and "1 connection(s)" in last
