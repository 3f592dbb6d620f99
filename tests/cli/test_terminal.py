"""wsexplorer/render/terminal.py: colour laid over the text renderers' output, never changing a character."""

from __future__ import annotations

import io

import pytest

from wsexplorer.codec.accept import AcceptComputation
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest
from wsexplorer.record.replay import Replay
from wsexplorer.render.describe import describe
from wsexplorer.render.palette import BAD, field_color
from wsexplorer.render.terminal import (
    error_text,
    frame_line,
    located_violation,
    make_console,
    styled,
    table,
)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def colours_at(text: object, column: int) -> list[str]:
    from rich.text import Text

    assert isinstance(text, Text)
    return [str(span.style) for span in text.spans if span.start <= column < span.end]


def test_styled_keeps_the_text_and_colours_each_byte_by_its_field() -> None:
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))
    plain = describe(frame)
    out = styled(plain, frame)
    assert out.plain == plain
    row = next(i for i, line in enumerate(plain.split("\n")) if line.startswith("     0  81 85"))
    start = sum(len(line) + 1 for line in plain.split("\n")[:row])
    key_column = start + 8 + 3 * 2  # byte 2: the first byte of the masking key
    assert any(field_color("masking key") in s for s in colours_at(out, key_column))


def test_bytes_that_break_a_rule_are_red() -> None:
    replay = Replay.of_bytes(bytes.fromhex("c105") + b"hello", sender="server")
    frame = replay.frame(0)
    plain = describe(frame)
    out = styled(plain, frame)
    start = plain.index("     0  c1 05")
    assert any(BAD in s for s in colours_at(out, start + 8))  # byte 0: RSV1 set, nothing negotiated
    assert any(BAD in s for s in colours_at(out, plain.index("  ! RSV1 is set")))


@pytest.mark.parametrize(
    "obj", [AcceptComputation("abc", strict=False), HandshakeRequest.build("ws://a/b", key="x" * 24)]
)
def test_any_renderers_text_is_kept(obj: object) -> None:
    plain = describe(obj)
    assert styled(plain, obj).plain == plain


def test_console_colours_only_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))
    piped, terminal = io.StringIO(), FakeTerminal()
    make_console(piped).print(styled(describe(frame), frame))
    make_console(terminal).print(styled(describe(frame), frame))
    assert "\x1b[" not in piped.getvalue() and "\x1b[" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = FakeTerminal()
    make_console(no_color).print(styled(describe(frame), frame))
    assert "\x1b[38;" not in no_color.getvalue() and "\x1b[48;" not in no_color.getvalue()
    never = FakeTerminal()
    make_console(never, color="never").print(styled(describe(frame), frame))
    assert "\x1b[" not in never.getvalue()


def test_piped_lines_are_never_wrapped() -> None:
    out = io.StringIO()
    make_console(out).print("x" * 500)
    assert out.getvalue() == "x" * 500 + "\n"


def test_one_line_views() -> None:
    replay = Replay.of_bytes(bytes.fromhex("810548656c6c6f"), sender="client")
    line = frame_line(replay.frame(0), sent=False, prefix="#1 ")
    assert line.plain == (
        "#1 < TEXT [F] len=5 'Hello'\n"
        "#1   ! a client must mask every frame it sends (byte 1, field MASK; RFC 6455 §5.1) -> close 1002"
    )
    v = replay.frame(0).violations[0]
    assert located_violation("f.pcap: frame #1", v, base=100).plain == (
        "f.pcap: frame #1: a client must mask every frame it sends (byte 101, field MASK; RFC 6455 §5.1)"
        " -> close 1002"
    )
    assert error_text("dump: bad\nhex").plain == "wsexplorer: error: dump: bad hex"
    grid = io.StringIO()
    make_console(grid).print(table(("a", "bb"), [(1, "x"), (22, "yy")]))
    assert grid.getvalue().splitlines()[0].split() == ["a", "bb"]
