"""wsexplorer/cli/inputs.py: hex in any common spelling, bounded reads, files told apart by their bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsexplorer.cli.app import CliError
from wsexplorer.cli.inputs import file_kind, parse_hex, read_bounded, read_dump_input
from wsexplorer.record.journal import JOURNAL_MAGIC

from .conftest import CAPTURES


@given(st.binary(min_size=1, max_size=64), st.sampled_from([" ", ":", ",", "\n", "", " 0x"]))
def test_hex_round_trips_with_any_separator(data: bytes, separator: str) -> None:
    text = separator.join(f"{b:02x}" for b in data)
    if separator == " 0x":
        text = "0x" + text
    assert parse_hex(text) == data
    assert parse_hex(text.upper().replace("0X", "0x")) == data


@given(st.text(max_size=40))
def test_any_text_is_bytes_or_one_clear_error(text: str) -> None:
    try:
        parse_hex(text)
    except CliError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("argument: ")


def test_reads_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x81" * 101)
    with pytest.raises(CliError, match=r"big.bin: 101 bytes, more than the 100 read at most"):
        read_bounded(str(big), limit=100)
    assert read_bounded(str(big), limit=101) == b"\x81" * 101


def test_raw_and_hex_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw.bin"
    raw.write_bytes(b"\x81\x00")
    assert read_dump_input(str(raw)) == b"\x81\x00"
    hexfile = tmp_path / "frame.hex"
    hexfile.write_text("81 00\n")
    assert read_dump_input(str(hexfile)) == b"\x81\x00"
    assert read_dump_input(str(hexfile), "raw") == b"81 00\n"
    with pytest.raises(CliError, match="no such file"):
        read_dump_input(str(tmp_path / "nothing"), "raw")


def test_file_kinds_come_from_the_first_bytes(tmp_path: Path) -> None:
    assert file_kind(str(CAPTURES / "ws_plain.pcap")) == "pcap"
    assert file_kind(str(CAPTURES / "ws_deflate.pcapng")) == "pcapng"
    assert file_kind(str(CAPTURES / "ws_plain.har")) == "har"
    journal = tmp_path / "cut.wsj"
    journal.write_bytes(JOURNAL_MAGIC[:5])
    assert file_kind(str(journal)) == "session"
    misnamed = tmp_path / "capture.har"
    misnamed.write_bytes((CAPTURES / "ws_plain.pcap").read_bytes())
    assert file_kind(str(misnamed)) == "pcap"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(CliError, match=r"it starts with \(empty\) at byte 0"):
        file_kind(str(empty))
