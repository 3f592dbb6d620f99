"""Frames the render tests draw: the RFC 6455 §5.7 example, both extended lengths, a malformed one."""

from __future__ import annotations

import pytest

from wsexplorer.codec.frames import Frame


@pytest.fixture
def hello() -> Frame:
    """RFC 6455 §5.7: a single-frame masked text message "Hello"."""
    return Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))


@pytest.fixture
def binary16() -> Frame:
    """A masked binary frame of 200 bytes: 16-bit extended length."""
    return Frame.binary(bytes(range(200)), mask=b"\x01\x02\x03\x04")


@pytest.fixture
def binary64() -> Frame:
    """A masked binary frame of 70000 bytes: 64-bit extended length."""
    return Frame.binary(b"x" * 70000, mask=b"abcd")


@pytest.fixture
def malformed() -> Frame:
    """Reserved opcode 0x3 with RSV2 set; the payload holds characters HTML must escape."""
    return Frame.build(0x3, b"oops<&>", rsv2=True)


@pytest.fixture
def close() -> Frame:
    return Frame.close(1000, "bye")
