"""The diff views: two conversations side by side with the differences marked (HTML and text)."""

from __future__ import annotations

from dataclasses import dataclass

from wsexplorer.protocol.connection import Connection
from wsexplorer.record.diff import SessionDiff, compare
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import Session
from wsexplorer.render.diff import DIFF_CSS, change_log_html, diff_html, diff_text

from .html_checker import parse_html


def conversation(
    answers: list[str | bytes], *, fragment: int | None = None, deflate: bool = False
) -> Session:
    ext = ["permessage-deflate"] if deflate else []
    loop = Loopback(Connection("client", url="ws://x/", extensions=ext), Connection("server", extensions=ext))
    loop.pump()
    for k, answer in enumerate(answers):
        loop.client.send_text(f"question {k} <&>", fragment_size=fragment)
        loop.pump()
        for message in answer if isinstance(answer, list) else [answer]:
            loop.server.send(message)
        loop.pump()
    loop.client.send_close(1000)
    loop.pump()
    return loop.session


def sample() -> SessionDiff:
    a = conversation(["same", "old <b>", b"\x01\x02", "gone", "end"])
    b = conversation(["same", "new <i>", "\x01\x02", [], ["end", "extra"]], fragment=4)
    return compare(a, b, timing=None)


def test_html_marks_every_kind_of_row() -> None:
    html = diff_html(sample())
    checker = parse_html(html)
    classes = {attrs.get("class", "") for _, attrs in checker.tags}
    assert {"wsx-diff-same", "wsx-diff-changed", "wsx-diff-only_a", "wsx-diff-only_b"} <= classes
    text = "".join(checker.text)
    assert "old <b>" in text and "new <i>" in text  # shown as text, escaped in the markup
    assert "old &lt;b&gt;" in html and "new &lt;i&gt;" in html and "<i>" not in html
    assert "frame by frame (RFC 6455 §5.2)" in text
    assert "only in original" in text and "only in replay" in text
    assert "var(--jp-" in DIFF_CSS and "table-layout: fixed" in DIFF_CSS and "width: 100%" in DIFF_CSS


def test_html_only_differences_and_limit() -> None:
    diff = sample()
    rows = parse_html(diff_html(diff, only_differences=True))
    assert not any(attrs.get("class") == "wsx-diff-same" for _, attrs in rows.tags)
    limited = "".join(parse_html(diff_html(diff, limit=1)).text)
    assert "more rows not shown" in limited


def test_no_differences() -> None:
    same = compare(conversation(["a"]), conversation(["a"]), timing=None)
    text = "".join(parse_html(diff_html(same, only_differences=True)).text)
    assert "no differences" in text and "every entry is the same" in text
    assert diff_text(same).startswith("original and replay: no differences")


def test_handshake_differences() -> None:
    diff = compare(conversation(["a"]), conversation(["a"], deflate=True), timing=None)
    text = "".join(parse_html(diff_html(diff)).text)
    assert "Opening handshake" in text and "extensions: none vs permessage-deflate" in text


def test_text_view() -> None:
    text = diff_text(sample())
    assert "client→server:" in text and "server→client:" in text
    assert "only in original" in text and "only in replay" in text
    assert "payload: 7 B vs 7 B" in text
    assert "frame 1:" in text and "(opcode fin rsv1 mask length)" in text
    short = diff_text(sample(), only_differences=True, limit=1)
    assert "more rows" in short


@dataclass
class Change:
    t_ns: int
    way: str | None
    action: str
    rule: str
    detail: str


def test_change_log() -> None:
    empty = "".join(parse_html(change_log_html([])).text)
    assert "nothing changed" in empty
    changes = [
        Change(1_000_000, "c2s", "drop", "no <secrets>", "message #1 not passed on"),
        Change(3_500_000, None, "abort", "", "x"),
    ]
    checker = parse_html(change_log_html(changes))
    text = "".join(checker.text)
    assert "client → upstream" in text and "both legs" in text and "[no <secrets>]" in text
    assert "2.5" in text  # ms after the first change
    many = [Change(k, "s2c", "inject", "", str(k)) for k in range(300)]
    assert "100 earlier changes not shown" in "".join(parse_html(change_log_html(many)).text)
