"""Colours shared by every view: fixed for header fields, stable and distinct for others."""

from __future__ import annotations

import re

from wsexplorer.render.palette import field_color

HEADER_NAMES = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length"]


def test_field_color_is_fixed_for_header_fields_and_stable_for_others() -> None:
    names = ["FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload length", "masking key"]
    colors = [field_color(n) for n in names]
    assert len(set(colors)) == len(colors)
    assert field_color("extended payload length (16-bit)") == field_color("extended payload length (64-bit)")
    assert field_color("Sec-WebSocket-Key") == field_color("Sec-WebSocket-Key")
    for n in [*names, "close code", "close reason", "payload data", "Host", "whatever"]:
        assert re.fullmatch(r"#[0-9a-f]{6}", field_color(n))
