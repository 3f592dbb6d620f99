"""Every notebook runs top to bottom in a fresh kernel, offline, and its cells show what they claim.

Each notebook is executed with nbclient in an isolated Jupyter environment (temporary config, data and
runtime directories), from the notebooks/ directory as JupyterLab would. Then:

* no cell raised and nothing was written to stderr (a warning or a logged traceback is a bug too);
* every cell tagged ``widget`` displayed a widget whose model exists in the saved widget state;
* the notebook closed its servers (its last code cell says so) and left no file behind;
* the notebook's own checks below find the values it is there to teach.

The notebooks are committed with outputs cleared and must match their source,
notebooks/_build/make_notebooks.py.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
GENERATOR = NOTEBOOK_DIR / "_build" / "make_notebooks.py"
EXPECTED = [
    "00_tour",
    "01_handshake",
    "02_frames",
    "03_live",
    "04_compression",
    "05_errors_and_security",
    "06_explore_a_server",
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CI = os.environ.get("CI", "").lower() == "true"


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


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def cell_text(cell: Any) -> str:
    """Everything a code cell showed as text: streams, plain-text and HTML representations."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        else:
            data = output.get("data", {})
            parts.append(data.get("text/plain", ""))
            parts.append(data.get("text/html", ""))
    return "".join(parts)


def all_text(nb: Any) -> str:
    return "\n".join(cell_text(c) for c in code_cells(nb))


def notebook_dir_listing() -> list[Path]:
    paths = NOTEBOOK_DIR.rglob("*")
    return sorted(p.relative_to(NOTEBOOK_DIR) for p in paths if "__pycache__" not in p.parts)


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


# ---------------------------------------------------------------------------------------------------------
# What each notebook must show
# ---------------------------------------------------------------------------------------------------------


def check_tour(nb: Any, text: str) -> None:
    assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in text  # key -> accept (RFC 6455 §1.3)
    assert "HTTP/1.1 101 Switching Protocols" in text and "Sec-WebSocket-Protocol: chat" in text
    assert "unmasked:    b'Hello'" in text  # the frame's payload, unmasked by hand
    assert "Received: Hello Server!" in text  # echoed by the local server started in the notebook
    assert re.search(r"server: ws://127\.0\.0\.1:\d+/", text)
    assert "(RSV1 = 1: compressed)" in text
    assert "refused with HTTP 403" in text and "HTTP/1.1 403 Forbidden" in text
    assert "close code: 1000" in text and "closed first by: client" in text
    links = re.findall(r"\]\((\d\d_\w+\.ipynb)\)", "".join(c.source for c in nb.cells))
    assert sorted(set(links)) == [f"{name}.ipynb" for name in EXPECTED[1:]]


def check_handshake(nb: Any, text: str) -> None:
    assert text.count("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") >= 3  # by hand, by the library, in the response
    assert "HTTP/1.1 101 Switching Protocols" in text
    assert "HTTP/1.1 400 Bad Request" in text  # a plain GET to the WebSocket server
    assert "/      HTTP 200:" in text and "/chat  HTTP 404:" in text  # a server that speaks only HTTP
    assert "InvalidAccept: Sec-WebSocket-Accept mismatch" in text
    assert "the client must abort the connection" in text
    assert "frames sent by the client: 0" in text
    assert "HTTP/1.1 403 Forbidden" in text
    assert "HTTP/1.1 426 Upgrade Required" in text and "Sec-WebSocket-Version: 13" in text
    refusals = re.findall(r"^HTTP/1\.1 (\d{3}) [^|]+\| <Session server", text, re.MULTILINE)
    assert sorted(refusals) == ["101", "101", "400", "403", "426"]  # what the servers recorded


def check_frames(nb: Any, text: str) -> None:
    assert "byte 0 = 10000001, byte 1 = 00000101" in text
    assert "XOR by hand:  b'Hello'" in text and "apply_mask:   b'Hello'" in text
    assert "'GET /' on the wire, unmasked: True" in text
    assert "'GET /' on the wire, masked:   False" in text
    for form in ("7-bit form, header 82 7d", "16-bit form, header 82 7e ff ff", "64-bit form"):
        assert form in text
    assert "minimal number of bytes" in text and "most significant bit" in text
    assert "Ping(payload=b'?')" in text and "TextMessage(data='Hello')" in text
    assert "the client answered at once with: [<Frame PONG [FM] len=1 3f>]" in text
    assert text.count("close 1002: ") == 2  # the two fragmentation errors
    assert "exceeds 125" in text and "must not be fragmented" in text
    assert "1006  ABNORMAL_CLOSURE      never sent" in text
    assert "reason not UTF-8: close code 1007" in text


def check_live(nb: Any, text: str) -> None:
    assert "text:       Hello Server!" in text and "binary:     b'\\x00\\x01\\x02\\xff'" in text
    assert re.search(r"ping round trip: \d+\.\d{3} ms", text)
    assert "Echo: Hello Server!" in text  # the reference's Python server, adapted
    assert "the handler received: ['Hello Server!']" in text
    assert re.search(r"Server: Python/[\d.]+ websockets/", text)
    assert "server_max_window_bits=12; client_max_window_bits=12" in text
    node_ready = (ROOT / "tests/interop/node/node_modules/ws").is_dir()
    if node_ready and shutil.which("node"):
        assert "node's ws echoed: Hello Server!" in text
    else:
        assert "setup-node.sh" in text
    assert "Origin: http://127.0.0.1:8000" in text and "Server decision: accepted, 101" in text
    assert "client closed with 1000" in text


def check_compression(nb: Any, text: str) -> None:
    assert "on the wire: f2 48 cd c9 c9 07 00" in text  # RFC 7692 §7.2.3.1
    assert "on the wire: f2 00 11 00 00" in text  # RFC 7692 §7.2.3.2, context takeover
    assert text.count("received:    b'Hello'") == 2
    assert "answer: permessage-deflate; server_no_context_takeover; client_no_context_takeover" in text
    rows = [tuple(map(int, r)) for r in re.findall(r"^\s+\d+\s+(\d+)\s+(\d+)$", text, re.MULTILINE)]
    assert len(rows) == 5 and rows[0][0] == rows[0][1] and all(t < n for t, n in rows[1:])
    window = {
        int(bits): int(size.replace(",", ""))
        for bits, size in re.findall(r"^\s+(\d+)\s+[\d,]+ B\s+([\d,]+) B$", text, re.MULTILINE)
    }
    assert sorted(window) == list(range(8, 16))
    assert window[11] > 6000 and window[12] < 3500  # the repeat is 3001 bytes back
    assert "RSV1: [1, 1, 1]" in text and "RSV1: [0, 0, 0]" in text
    assert "agreed: permessage-deflate; server_no_context_takeover; server_max_window_bits=9" in text


def check_errors_and_security(nb: Any, text: str) -> None:
    assert text.count("server: close 1002") == 12  # 6 protocol errors x 2 servers
    assert text.count("server: close 1007") == 2  # invalid UTF-8, both servers
    assert "sent 1002 (protocol error) invalid opcode" in text  # what websockets itself said
    assert "Origin: https://evil.example     -> refused: HTTP 403 Forbidden" in text
    assert "Origin: None                     -> open" in text
    assert "1024 bytes: echoed 1024 bytes" in text and "1025 bytes: close 1009" in text
    assert "refused before buffering the payload" in text
    assert "wsexplorer: close 1009" in text and "websockets: close 1009" in text  # decompression bomb
    if has_module("trustme") or CI:
        assert "echoed 'secret'" in text and "TLSv1." in text
        assert "TLSError: unknown issuer" in text
    assert text.count("error event, then close event code=1006 wasClean=false") == 3
    for sent in ("HTTP/1.1 400 Bad Request", "HTTP/1.1 403 Forbidden", "HTTP/1.1 101 Switching Protocols"):
        assert f"the server sent:       {sent}" in text
    assert "our client raised:     InvalidAccept" in text


def check_explore(nb: Any, text: str) -> None:
    assert re.search(r"connected to ws://127\.0\.0\.1:\d+/", text)
    assert "<HandshakeResponse HTTP/1.1 101 Switching Protocols" in text
    assert "got:  'Hello Server!'" in text and "got:  b'\\x00\\x01\\x02\\x03'" in text
    assert "closed with code 1000" in text
    assert "client→server   <Frame CLOSE [FM] len=2 code=1000" in text
    images = [o for c in code_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the timeline figure
    assert "same bytes both ways: True" in text and "same frames: True" in text
    assert "close codes: client→server: 1000, server→client: 1000" in text


CHECKS: dict[str, Callable[[Any, str], None]] = {
    "00_tour": check_tour,
    "01_handshake": check_handshake,
    "02_frames": check_frames,
    "03_live": check_live,
    "04_compression": check_compression,
    "05_errors_and_security": check_errors_and_security,
    "06_explore_a_server": check_explore,
}


# ---------------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------------


def test_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED
    assert sorted(CHECKS) == EXPECTED


def test_notebooks_match_their_source() -> None:
    spec = importlib.util.spec_from_file_location("make_notebooks", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run notebooks/_build/make_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata, f"{path.name} is committed with widget state"
    for cell in code_cells(nb):
        assert not cell.outputs and cell.execution_count is None, (
            f"{path.name} is committed with outputs: clear them"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, isolated_jupyter: None) -> None:
    nb = nbformat.read(path, as_version=4)
    before = notebook_dir_listing()
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    client.execute()
    cells = code_cells(nb)

    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    stderr = [o.text for c in cells for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []

    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in cells:
        if "widget" in cell.metadata.get("tags", []):
            views = [o.data[WIDGET_VIEW] for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
            assert len(views) == 1, f"cell {cell.id} displayed no widget"
            assert views[0]["model_id"] in state, f"cell {cell.id}: the widget's model was not saved"

    if re.search(r"\bserve(_echo)?\(", "".join(c.source for c in cells)):  # it started servers: closed?
        assert "closed:" in cell_text(cells[-1]) and " 0 open" in cell_text(cells[-1])
        assert "open," not in cell_text(cells[-1]).replace(" 0 open,", "")
    assert notebook_dir_listing() == before, "the notebook left files behind"

    CHECKS[path.stem](nb, all_text(nb))
    assert os.environ.get("JUPYTER_PATH") is None
