"""Notebook 08 runs top to bottom in a fresh kernel: live with the Node peers, and offline from the
recorded sessions of notebooks/data/ (as everywhere without Node.js), showing what it is there to teach.

Executed with nbclient from the notebooks/ directory in an isolated Jupyter environment, like the other
notebooks (tests/notebooks/test_notebooks.py). The live run needs ``bash scripts/setup-subprotocol-peers.sh``:
without it that run is skipped, or fails when CI=true.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "08_subprotocols_and_probing.ipynb"
PEERS = ROOT / "tests" / "interop" / "subprotocols" / "node" / "node_modules"
DATA = ROOT / "notebooks" / "data"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def run(live: bool) -> tuple[Any, str]:
    nb: Any = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    parameters.source = f"LIVE = {live}"
    before = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == before  # no file left behind
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
    return nb, "\n".join(texts)


def check(nb: Any, text: str) -> None:
    assert text.count("violations: 0") == 3  # GraphQL, Socket.IO and MQTT, every message decoded cleanly
    assert "negotiated: graphql-transport-ws" in text and "negotiated: mqtt" in text
    for kind in (
        "connection_ack",
        "complete",
        "error",
        "BINARY_EVENT",
        "attachment 1 of 1",
        "PUBCOMP",
        "SUBACK",
    ):
        assert kind in text, kind
    assert "/payload/data/countdown" in text  # one decoded message up close, with its fields
    assert "wsexplorer: ws://127.0.0.1:" in text and "0 deviate" in text.split("websockets:")[0]
    assert "11.7   wrong version" in text and "websockets: deviates      HTTP 400" in text
    assert "RFC 6455 §4.4" in text
    widget = [c for c in nb.cells if "widget" in c.metadata.get("tags", [])]
    assert widget and any(WIDGET_VIEW in o.get("data", {}) for o in widget[0].outputs)
    assert "servers closed; node peers stopped: True" in text


def test_offline_from_recorded_sessions(isolated_jupyter: None) -> None:
    assert sorted(p.name for p in DATA.glob("*.wsx")) == ["graphql.wsx", "mqtt.wsx", "socketio.wsx"]
    nb, text = run(live=False)
    assert "peers: recorded sessions from data/" in text
    check(nb, text)


def test_live_with_node_peers(isolated_jupyter: None) -> None:
    packages = ["graphql-ws", "socket.io", "socket.io-client", "aedes", "websocket-stream", "mqtt"]
    missing = [p for p in packages if not (PEERS / p).is_dir()]
    if shutil.which("node") is None or missing:
        what = ", ".join(missing) or "node"
        message = f"missing: {what}: run `bash scripts/setup-subprotocol-peers.sh`"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    nb, text = run(live=True)
    assert "peers: live" in text
    check(nb, text)
