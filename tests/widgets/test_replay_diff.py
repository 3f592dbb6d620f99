"""DiffViewer: a comparison shown by direction, with or without the rows that are the same."""

from __future__ import annotations

from types import SimpleNamespace

from wsexplorer.protocol.connection import Connection
from wsexplorer.record.diff import compare
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import Session
from wsexplorer.widgets.replay_diff import DiffViewer


def conversation(answer: str) -> Session:
    loop = Loopback(Connection("client", url="ws://x/"), Connection("server"))
    loop.pump()
    for question in ("q1", "q2"):
        loop.client.send_text(question)
        loop.pump()
        loop.server.send_text(answer if question == "q2" else "same")
        loop.pump()
    return loop.session


def test_directions_and_only_differences() -> None:
    diff = compare(conversation("old"), conversation("new"), timing=None)
    viewer = DiffViewer(SimpleNamespace(diff=diff))  # a replay result
    assert viewer.diff is diff
    assert "server→client" in viewer.view.value and "client→server" not in viewer.view.value
    assert 'class="wsx-diff-same"' in viewer.view.value and "old" in viewer.view.value
    viewer.only_differences.value = True
    assert 'class="wsx-diff-same"' not in viewer.view.value and "new" in viewer.view.value
    viewer.direction.value = "c2s"
    assert "client→server" in viewer.view.value and "every entry is the same" in viewer.view.value
    viewer.direction.value = "both"
    assert "client→server" in viewer.view.value and "server→client" in viewer.view.value
    assert "wsx-diff-viewer" in viewer.widget._dom_classes


def test_a_session_diff_directly() -> None:
    diff = compare(conversation("a"), conversation("a"), timing=None)
    viewer = DiffViewer(diff, limit=1)
    assert "no differences" in viewer.view.value and "more rows not shown" in viewer.view.value
