"""FrameInspector: the RFC 6455 §5.7 examples, building, violations in context, streams, bad input."""

from __future__ import annotations

import re
from html import unescape

from wsexplorer import Frame
from wsexplorer.widgets import FrameInspector

MASKED_HELLO = "81 85 37 fa 21 3d 7f 9f 4d 51 58"  # RFC 6455 §5.7


def plain(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_rfc_masked_hello_fields_and_unmasking() -> None:
    fi = FrameInspector(MASKED_HELLO, sender="client")
    assert fi.error is None
    assert fi.frame is not None and fi.frame.payload == b"Hello"
    dump = plain(fi.dump.value)
    for name in ("FIN", "opcode", "MASK", "payload length", "masking key", "payload data"):
        assert name in dump
    assert "37 fa 21 3d" in dump
    table = fi.unmasking.value
    chars = re.findall(r"<td class=\"wsx-wt-m\"[^>]*>'(.)'</td>", table)
    assert chars == ["H", "e", "l", "l", "o"]
    assert "7f" in table and "01111111" in table  # first masked byte, in hex and bits
    assert "No rule broken" in plain(fi.violations_view.value)
    diagram = plain(fi.diagram.value)
    assert "MASK" in diagram and "masking key" in diagram
    assert "message 1: text 'Hello'" in plain(fi.messages_view.value)


def test_default_is_the_built_masked_hello() -> None:
    fi = FrameInspector()
    assert fi.source_tabs.selected_index == 1
    assert fi.frame is not None
    assert bytes(fi.frame).hex(" ") == MASKED_HELLO
    assert fi.hex.value == MASKED_HELLO


def test_reserved_opcode_is_a_1002_violation() -> None:
    fi = FrameInspector(bytes.fromhex("83 00"))
    assert [v.close_code for v in fi.violations] == [1002]
    text = plain(fi.violations_view.value)
    assert "reserved opcode 0x3" in text
    assert "1002" in text and "protocol error" in text and "RFC 6455 §5.2" in text
    assert "reserved opcode" in plain(fi.messages_view.value)


def test_incomplete_input_says_how_many_bytes_are_missing() -> None:
    fi = FrameInspector("81 05 48 65")
    assert fi.error is not None
    assert "3 missing" in fi.error and "waits for 3 more bytes" in fi.error
    assert fi.frame is not None and fi.frame.missing == 3  # shown as far as it goes
    assert "3 payload bytes missing" in plain(fi.status.value)
    fi.show("81 85 37")
    assert fi.error is not None and "header" in fi.error
    assert fi.frame is None
    assert "Cannot read the input whole" in plain(fi.status.value)


def test_garbage_input() -> None:
    fi = FrameInspector("zz")
    assert fi.frame is None
    assert fi.error is not None and "not a hex digit" in fi.error
    fi.hex.value = "81 0"
    assert fi.error is not None and "digit is missing" in fi.error
    fi.hex.value = ""
    assert fi.error is None and fi.frame is None


def test_sender_and_deflate_context() -> None:
    fi = FrameInspector("81 05 48 65 6c 6c 6f")  # unmasked Hello
    assert fi.violations == []
    fi.sender.value = "client"
    assert [v.field for v in fi.violations] == ["MASK"]
    assert "a client must mask" in plain(fi.violations_view.value)
    fi.sender.value = "server"
    assert fi.violations == []
    fi.show(bytes.fromhex("c1 07 f2 48 cd c9 c9 07 00"))  # "Hello" compressed, RSV1 set
    assert [v.field for v in fi.violations] == ["RSV1"]
    fi.deflate.value = True
    assert fi.violations == []
    assert "message 1: text 'Hello'" in plain(fi.messages_view.value)


def test_building_frames() -> None:
    fi = FrameInspector()
    fi.mask.value = False
    fi.opcode.value = 0x9
    assert fi.frame is not None and bytes(fi.frame).hex(" ") == "89 05 48 65 6c 6c 6f"
    fi.length_form.value = "16-bit"
    assert fi.frame is not None and bytes(fi.frame)[:4].hex(" ") == "89 7e 00 05"
    assert any("minimal" in v.rule for v in fi.violations)
    fi.length_form.value = None
    fi.payload_kind.value = "hex"
    fi.payload.value = "03 e8"
    fi.opcode.value = 0x8
    assert fi.frame is not None and fi.frame.close_code == 1000
    fi.payload.value = "0"
    assert "Cannot build" in plain(fi.build_error.value)


def test_random_mask_key_uses_the_injected_rng() -> None:
    fi = FrameInspector(rng=lambda n: bytes([0xAA] * n))
    fi.random_mask.click()
    assert fi.mask_key.value == "aa aa aa aa"
    assert fi.frame is not None and fi.frame.masking_key == b"\xaa" * 4


def test_a_stream_of_frames_is_reassembled() -> None:
    # "Hel" (FIN=0), a ping in between, "lo" (continuation, FIN=1): RFC 6455 §5.4, §5.7
    fi = FrameInspector("01 03 48 65 6c 89 00 80 02 6c 6f")
    assert fi.error is None
    assert len(fi.frames) == 3
    assert [m.data for m in fi.messages] == ["Hello"]
    assert fi.chooser.layout.display is None
    fi.chooser.value = 1
    assert fi.frame is fi.frames[1] and fi.frame.opcode == 0x9
    text = plain(fi.messages_view.value)
    assert "control frame" in text and "2 frames" in text


def test_a_stream_ending_inside_a_frame() -> None:
    fi = FrameInspector("81 02 48 69 81 05 48")
    assert len(fi.frames) == 2 and fi.frames[1].missing == 4
    assert fi.error is not None and fi.error.startswith("1 complete frame, then")
    assert [m.data for m in fi.messages] == ["Hi"]


def test_show_frames_as_objects() -> None:
    fi = FrameInspector()
    frame = Frame.text("hi", mask=b"\x01\x02\x03\x04")
    fi.show(frame, sender="client")
    assert fi.frame is frame
    assert fi.sender.value == "client"
    assert fi.source_tabs.selected_index == 0
    assert fi.hex.value == bytes(frame).hex(" ")
    frames = [Frame.text("a", fin=False), Frame.continuation("b")]
    fi.show(frames)  # still "sent by a client": unmasked frames make a receiver fail at once (§5.1)
    assert fi.frames == frames and fi.messages == []
    assert "a client must mask every frame it sends" in plain(fi.messages_view.value)
    fi.show(frames, sender="server")
    assert [m.data for m in fi.messages] == ["ab"]
    fi.show(None)
    assert fi.frame is None and fi.error is None


def test_css_classes() -> None:
    fi = FrameInspector()
    assert "wsx-frame-inspector" in fi._dom_classes
    assert "wsx-frame-dump" in fi.dump._dom_classes
    assert fi.widget is fi
