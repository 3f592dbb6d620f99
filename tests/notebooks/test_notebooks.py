"""Every notebook runs top to bottom in a fresh kernel, offline, and its cells show what they claim.

The committed .ipynb files are the source: a teacher edits them in JupyterLab and runs ``nbstripout``
(notebooks/README.md). These tests hold them to that:

* committed clean: no outputs, no execution counts, no widget state, exactly as ``nbstripout`` leaves
  a notebook (``nbstripout --verify`` exits 1 when it would change a file);
* each top-level notebook (the ones of this file, and those other test files check in depth, such as
  07 and 08) runs with nbclient in an isolated Jupyter environment, from notebooks/ as JupyterLab
  would: no cell raises, nothing is written to stderr, every cell tagged ``widget`` displays a widget
  whose model is in the saved widget state, the servers it started are closed by its last cell, and it
  leaves no file behind;
* the notebooks of :data:`CHECKED` find the values they teach, show no bare URL in plain-text
  output (JupyterLab turns those into links, which axe flags), and no image without a text
  alternative.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from wsexplorer.render.stream import MARKER

from .conftest import ISOLATED

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CHECKED = [
    "00_tour",
    "01_handshake",
    "02_frames",
    "03_live",
    "04_compression",
    "05_errors_and_security",
    "06_explore_a_server",
]
"""The notebooks whose lessons this file checks (CHECKS below)."""
CHECKED_ELSEWHERE = {"07_captures_and_relay", "08_subprotocols_and_probing"}
"""Notebooks checked in depth by their own test files (tests/notebooks/test_07_*.py, test_08_*.py); here
they get the generic checks when present."""
WIDGETS = (
    "AcceptStepper",
    "HandshakeExplorer",
    "FrameInspector",
    "LiveConnection",
    "SessionBrowser",
    "DeflateExplorer",
)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LINKABLE = re.compile(r"\b(?:https?|wss?|ftp)://")
CI = os.environ.get("CI", "").lower() == "true"


# ---------------------------------------------------------------------------------------------------------
# Running a notebook (once per test session, shared by the tests below)
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Executed:
    nb: Any
    before: list[Path]
    after: list[Path]
    serving: str  # what PROBE printed


PROBE = """
import asyncio as _asyncio
import gc as _gc

_widgets = {  # a LiveConnection keeps its own echo server as long as the widget lives
    o.server.port for o in _gc.get_objects() if type(o).__name__ == "LiveConnection" and o.server is not None
}
_listening = [
    o.sockets[0].getsockname()[1]
    for o in _gc.get_objects()
    if issubclass(type(o), _asyncio.AbstractServer) and o.is_serving() and o.sockets  # type(): no weakproxy
]
print("still listening:", sorted(set(_listening) - _widgets))
"""
"""Appended to each notebook before it runs (and removed after): which servers it left listening."""


def notebook_dir_listing() -> list[Path]:
    paths = NOTEBOOK_DIR.rglob("*")
    return sorted(p.relative_to(NOTEBOOK_DIR) for p in paths if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], Executed]]:
    """Execute a notebook in an isolated Jupyter environment (temporary config, data, runtime dirs)."""
    home = tmp_path_factory.mktemp("jupyter")
    patch = pytest.MonkeyPatch()
    for var in ISOLATED:
        (home / var.lower()).mkdir()
        patch.setenv(var, str(home / var.lower()))
    patch.delenv("JUPYTER_PATH", raising=False)
    done: dict[Path, Executed] = {}

    def run(path: Path) -> Executed:
        if path not in done:
            nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
            nb.cells.append(nbformat.v4.new_code_cell(PROBE))  # type: ignore[no-untyped-call]
            before = notebook_dir_listing()
            metadata = {"metadata": {"path": str(NOTEBOOK_DIR)}}
            NotebookClient(nb, timeout=120, kernel_name="python3", resources=metadata).execute()
            probe = nb.cells.pop()
            serving = "".join(o.get("text", "") for o in probe.outputs)
            done[path] = Executed(nb, before, notebook_dir_listing(), serving)
        return done[path]

    yield run
    patch.undo()


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def cell_text(cell: Any) -> str:
    """Everything a code cell showed as text: streams, and plain-text, Markdown and HTML representations."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        else:
            data = output.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/markdown", ""), data.get("text/html", "")]
    return "".join(parts)


def all_text(nb: Any) -> str:
    return "\n".join(cell_text(c) for c in code_cells(nb))


def code_source(nb: Any) -> str:
    return "\n".join(c.source for c in code_cells(nb))


def markdown(nb: Any) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def widget_state(nb: Any) -> dict[str, Any]:
    state: dict[str, Any] = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return state


# ---------------------------------------------------------------------------------------------------------
# What each notebook must show
# ---------------------------------------------------------------------------------------------------------


def check_tour(nb: Any, text: str) -> None:
    assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in text  # key -> accept (RFC 6455 §1.3)
    assert "HTTP/1.1 101 Switching Protocols" in text and "Sec-WebSocket-Protocol: chat" in text
    assert "Received: Hello Server!" in text  # echoed by the local server started in the notebook
    # Compression: the short message grows (13 -> 15 bytes), the repetitive one shrinks.
    assert "'Hello Server!': 13 bytes of text, 15 bytes on the wire" in text
    long = re.search(r"the long text: (\d+) bytes of text, (\d+) bytes on the wire", text)
    assert long is not None and int(long[1]) == 1120 and int(long[2]) < 100
    assert "close code: 1000" in text and "closed first by: client" in text
    # Each widget once, and the RFC frame drawn once (by the inspector, not also as an output).
    source = code_source(nb)
    for name in WIDGETS:
        assert len(re.findall(rf"\b{name}\(", source)) == 1, name
    assert source.count("Frame.parse(") == 1 and "7f 9f 4d 51 58" not in text
    # Terms are explained where they first appear.
    cells = nb.cells
    summary = next(i for i, c in enumerate(cells) if "wire/payload ratio" in cell_text(c))
    assert "wire/payload ratio" in cells[summary - 1].source
    grows = next(i for i, c in enumerate(cells) if "13 bytes of text, 15 bytes" in cell_text(c))
    assert "13" in cells[grows - 1].source and "15 bytes" in cells[grows - 1].source
    links = re.findall(r"\]\((\d\d_\w+\.ipynb)\)", markdown(nb))
    assert sorted(set(links)) == [f"{name}.ipynb" for name in CHECKED[1:]]
    assert all((NOTEBOOK_DIR / link).is_file() for link in links)


def check_handshake(nb: Any, text: str) -> None:
    assert text.count("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") >= 3  # by hand, by the library, in the response
    assert "HTTP/1.1 101 Switching Protocols" in text
    assert "HTTP/1.1 400 Bad Request" in text  # a plain GET to the WebSocket server
    assert "/      HTTP 200:" in text and "/chat  HTTP 404:" in text  # a server that speaks only HTTP
    assert "InvalidAccept:" in text and "frames sent by the client: 0" in text
    assert "HTTP/1.1 403 Forbidden" in text
    assert "HTTP/1.1 426 Upgrade Required" in text and "Sec-WebSocket-Version: 13" in text
    refusals = re.findall(r"^HTTP/1\.1 (\d{3}) [^|]+\| <Session server", text, re.MULTILINE)
    assert sorted(refusals) == ["101", "101", "400", "403", "426"]  # what the servers recorded
    # One connection byte by byte: the marker sits at the byte after the blank line ending the answer.
    answer = re.search(r"the answer is (\d+) bytes long and ends with 0d 0a 0d 0a", text)
    assert answer is not None
    end = int(answer[1])
    assert f"the server's first frame starts at its byte {end}" in text
    assert MARKER in text and f'data-direction="1" data-offset="{end}"' in text
    assert html.escape(f"server→client byte {end} is the first byte after the blank line") in text
    assert "text frame, 13-byte payload, masked" in text and "text frame, 13-byte payload, not masked" in text
    # Subprotocols: the server picks one it speaks; none in common: no header, the connection still opens.
    assert re.search(r"speaks chat\s+answers: chat$", text, re.MULTILINE)
    assert re.search(r"speaks superchat, chat\s+answers: superchat$", text, re.MULTILINE)
    none = r"speaks graphql-ws, mqtt, wamp\s+answers: no Sec-WebSocket-Protocol header$"
    assert re.search(none, text, re.MULTILINE)
    assert "server speaks ['chat']: subprotocol in use: chat" in text
    without = text.split("server speaks ['mqtt']: subprotocol in use: None\n", 1)[1].split("\n\n", 1)[0]
    assert without.startswith("HTTP/1.1 101 Switching Protocols") and "Sec-WebSocket-Protocol" not in without
    for name in ("graphql-ws", "mqtt", "wamp"):
        assert f"`{name}`" in markdown(nb)


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
    assert re.search(r"client→server\s+<Frame TEXT \[1M\] len=8 ", text)  # compressed, then fragmented
    assert text.count("client→server   <Frame CONTINUATION") == 2
    assert "Echo: Hello Server!" in text  # the reference's Python server, adapted
    assert "the handler received: ['Hello Server!']" in text
    assert re.search(r"Server: Python/[\d.]+ websockets/", text)
    assert "server_max_window_bits=12; client_max_window_bits=12" in text
    node_ready = (ROOT / "tests/interop/node/node_modules/ws").is_dir()
    if node_ready and shutil.which("node"):
        assert "node's ws echoed: Hello Server!" in text
    else:
        assert "setup-node.sh" in text
    assert "http://127.0.0.1:8000" in text and "<ServerDecision 101 accepted" in text
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
    assert "| `https://evil.example` | refused: HTTP 403 Forbidden |" in text
    assert "| (none) | open: HTTP/1.1 101 Switching Protocols |" in text
    assert "1024 bytes: echoed 1024 bytes" in text and "1025 bytes: close 1009" in text
    assert "refused before buffering the payload" in text
    assert "wsexplorer: close 1009" in text and "websockets: close 1009" in text  # decompression bomb
    # ws:// against wss://, seen from a tap between client and server.
    if _has("trustme") or CI:
        assert "echoed over wss: 'Hello Server!'" in text
        assert "the client's first bytes: TLS ClientHello" in text
        assert re.search(r"agreed:\s+TLSv1\.[23] with ", text)
        assert "the URL's host 127.0.0.1 is one of them: True" in text
        assert "TLSError: name mismatch" in text and "TLSError: unknown issuer" in text
        assert re.search(r"client→server: 1 handshake, .*\d+ application data records", text)
        for word in ("GET", "Upgrade", "Sec-WebSocket-Key", "Hello Server!"):
            assert re.search(rf"'{word}'\s+seen by the tap: False\s+in the client's recording: True", text)
    assert "the tap's first line from the client: b'GET / HTTP/1.1'" in text
    assert "'Upgrade: websocket' seen by the tap: True" in text
    assert "'Hello Server!' from the server, seen by the tap: True" in text
    assert re.search(r"the client's frame, as the tap saw it: b'.+' -> unmasked: b'Hello Server!'", text)
    assert text.count("error event, then close event code=1006 wasClean=false") == 3
    for sent in ("HTTP/1.1 400 Bad Request", "HTTP/1.1 403 Forbidden", "HTTP/1.1 101 Switching Protocols"):
        assert f"the server sent:       {sent}" in text
    assert "our client raised:     InvalidAccept" in text


def check_explore(nb: Any, text: str) -> None:
    assert re.search(r"connected to `ws://127\.0\.0\.1:\d+/`", text)
    assert "<HandshakeResponse HTTP/1.1 101 Switching Protocols" in text
    assert "got:  'Hello Server!'" in text and "got:  b'\\x00\\x01\\x02\\x03'" in text
    assert "closed with code 1000" in text
    assert "client→server   <Frame CLOSE [FM] len=2 code=1000" in text
    assert re.search(r'<img alt="Timeline of 10 frames [^"]+" src="data:image/png;base64,', text)
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


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------------


def test_notebooks_exist() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert set(CHECKED) <= names
    unknown = names - set(CHECKED) - CHECKED_ELSEWHERE
    assert not unknown, f"{sorted(unknown)}: add the notebook's checks here (CHECKS) or to CHECKED_ELSEWHERE"
    assert sorted(CHECKS) == CHECKED
    assert not (NOTEBOOK_DIR / "_build").exists(), "the committed notebooks are the source: no generator"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata, f"{path.name} is committed with widget state"
    for cell in code_cells(nb):
        assert not cell.outputs and cell.execution_count is None, (
            f"{path.name} is committed with outputs: run `nbstripout notebooks/*.ipynb`"
        )


def test_nbstripout_would_change_nothing() -> None:
    """``nbstripout --verify`` exits 1 when it would strip something (outputs, counts, widget state,
    cell ids other than its own numbering), 0 when every file is already clean."""
    if not _has("nbstripout"):
        message = "nbstripout is missing: `.venv/bin/pip install nbstripout` (it is in the test extra)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    names = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
    done = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"notebooks saved with outputs or metadata: run `nbstripout notebooks/*.ipynb`\n{done.stdout}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, run_notebook: Callable[[Path], Executed]) -> None:
    executed = run_notebook(path)
    nb, cells = executed.nb, code_cells(executed.nb)
    errors = [f"{o.ename}: {o.evalue}" for c in cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    stderr = [o.text for c in cells for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []

    state = widget_state(nb)
    for cell in cells:
        if "widget" in cell.metadata.get("tags", []):
            views = [o.data[WIDGET_VIEW] for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
            assert len(views) == 1, f"cell {cell.id} displayed no widget"
            assert views[0]["model_id"] in state, f"cell {cell.id}: the widget's model was not saved"

    assert executed.serving == "still listening: []\n", "the notebook left servers running: close them"
    assert executed.after == executed.before, "the notebook left files behind"
    assert os.environ.get("JUPYTER_PATH") is None


@pytest.mark.parametrize("name", CHECKED)
def test_notebook_teaches(name: str, run_notebook: Callable[[Path], Executed]) -> None:
    nb = run_notebook(NOTEBOOK_DIR / f"{name}.ipynb").nb
    CHECKS[name](nb, all_text(nb))


@pytest.mark.parametrize("name", CHECKED)
def test_outputs_are_accessible(name: str, run_notebook: Callable[[Path], Executed]) -> None:
    """No URL in plain text (JupyterLab links it; axe flags such links), no image without alt text."""
    nb = run_notebook(NOTEBOOK_DIR / f"{name}.ipynb").nb
    for cell in code_cells(nb):
        for output in cell.outputs:
            data = output.get("data", {})
            plain = output.text if output.output_type == "stream" else ""
            if set(data) == {"text/plain"}:
                plain = data["text/plain"]
            assert not LINKABLE.search(plain), f"cell {cell.id} prints a URL in plain text: {plain[:300]}"
            images = [k for k in data if k.startswith("image/")]
            assert not images, f"cell {cell.id}: an image output, which has no alt text"
            for img in re.findall(r"<img\b[^>]*>", data.get("text/html", "")):
                assert re.search(r'\balt="[^"]+"', img), f"cell {cell.id}: <img> without alt text"
    assert not re.search(r"!\[\]\(", markdown(nb)), "a Markdown image without alt text"
    assert not re.search(r"\b(?:drawn|computed|rendered) in \d", all_text(nb)), "debug text in an output"
