"""FrameSender: a fresh masking key for every client frame, drawn from os.urandom in batches."""

from __future__ import annotations

import os

import pytest

from wsexplorer.codec.frame_builder import serialize_frame
from wsexplorer.codec.frames import Frame
from wsexplorer.protocol.sender import FrameSender


def test_keys_come_from_os_urandom_64_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = os.urandom

    def counting(n: int) -> bytes:
        calls.append(n)
        return real(n)

    monkeypatch.setattr(os, "urandom", counting)
    sender = FrameSender(mask=True, rng=os.urandom)
    frames = [Frame.parse(sender.frame(2, b"payload %d" % i)) for i in range(130)]
    assert calls == [256, 256, 256]  # 130 keys: three draws of 64
    keys = [f.masking_key for f in frames]
    assert len(set(keys)) == 130  # each key used once (a repeat among 130 random keys: ~2e-6)
    assert [f.payload for f in frames] == [b"payload %d" % i for i in range(130)]


def test_a_chosen_source_is_asked_for_every_key() -> None:
    asked: list[int] = []

    def rng(n: int) -> bytes:
        asked.append(n)
        return bytes([len(asked)] * n)

    sender = FrameSender(mask=True, rng=rng)
    keys = [Frame.parse(sender.frame(1, b"hi")).masking_key for _ in range(3)]
    assert asked == [4, 4, 4] and keys == [b"\x01" * 4, b"\x02" * 4, b"\x03" * 4]


def test_a_server_does_not_mask() -> None:
    assert FrameSender(mask=False, rng=os.urandom).frame(2, b"x") == b"\x82\x01x"


@pytest.mark.parametrize("mask", [True, False])
@pytest.mark.parametrize("size", [0, 1, 124, 125, 126, 127, 200, 65535, 65536])
def test_small_frames_written_directly_match_serialize_frame(mask: bool, size: int) -> None:
    payload = os.urandom(size)
    for opcode, fin, rsv1 in [(1, True, False), (2, False, True), (0, True, False), (9, True, False)]:
        sender = FrameSender(mask=mask, rng=lambda n: b"\x0f\x1e\x2d\x3c")
        expected = serialize_frame(
            opcode, payload, fin=fin, rsv1=rsv1, mask_key=b"\x0f\x1e\x2d\x3c" if mask else None
        )
        assert sender.frame(opcode, payload, fin=fin, rsv1=rsv1) == expected
