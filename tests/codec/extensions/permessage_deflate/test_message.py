"""CompressedMessage: one message both ways, as fields (RFC 7692 §7.2)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.extensions.permessage_deflate import (
    SYNC_FLUSH_TAIL,
    CompressedMessage,
    inspect_compressed,
)

from .samples import (
    HELLO,
    state,
)

# ----------------------------------------------------------------------------------------------
# Inspectable view
# ----------------------------------------------------------------------------------------------


class TestCompressedMessage:
    def test_fields_of_rfc_example(self) -> None:
        view = inspect_compressed(bytes.fromhex("f248cdc9c90700"))
        assert isinstance(view, CompressedMessage)
        assert view.inflated == HELLO
        assert bytes(view) == bytes.fromhex("f248cdc9c90700")
        assert view.stream == bytes.fromhex("f248cdc9c90700") + SYNC_FLUSH_TAIL
        names = [f.name for f in view.fields]
        assert names == [
            "compressed payload",
            "BFINAL",
            "BTYPE",
            "sync-flush tail",
            "inflated payload",
        ]
        by_name = {f.name: f for f in view.fields}
        assert by_name["compressed payload"].raw == bytes.fromhex("f248cdc9c90700")
        assert by_name["BFINAL"].value is False and by_name["BFINAL"].bits == "0"
        assert by_name["BTYPE"].value == 1 and "fixed Huffman" in by_name["BTYPE"].meaning
        tail = by_name["sync-flush tail"]
        assert tail.raw == SYNC_FLUSH_TAIL and tail.span.byte_start == 7
        assert "receiver appends" in tail.meaning and tail.rfc_ref == "RFC 7692 §7.2.2"
        assert by_name["inflated payload"].value == "'Hello'"
        assert view.violations == ()

    def test_block_types(self) -> None:
        stored = inspect_compressed(bytes.fromhex("000500faff48656c6c6f00"))
        final = inspect_compressed(bytes.fromhex("f348cdc9c9070000"))
        assert {f.name: f.value for f in stored.fields}["BTYPE"] == 0
        assert {f.name: f.value for f in final.fields}["BFINAL"] is True

    def test_ratio(self) -> None:
        view = inspect_compressed(bytes.fromhex("f248cdc9c90700"), HELLO)
        assert view.ratio == pytest.approx(7 / 5)
        assert view.saving_percent == pytest.approx(-40.0)
        big = state("server").compress_message(bytes(10_000))
        assert big.ratio is not None and big.ratio < 0.01
        assert big.saving_percent is not None and big.saving_percent > 99

    def test_empty(self) -> None:
        view = inspect_compressed(b"\x00")
        assert view.inflated == b""
        assert view.ratio is None and view.saving_percent is None
        assert "empty message" in view.summary()
        assert [f.name for f in inspect_compressed(b"").fields] == [
            "compressed payload",
            "sync-flush tail",
            "inflated payload",
        ]
