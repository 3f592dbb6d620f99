"""What the commands read: bytes from hex, a file or stdin (bounded), and which kind of file it is.

Every read has a byte bound, and every failure is a :class:`~wsexplorer.cli.app.CliError` that names
the file (or the argument) and the byte: a hex digit that is not one, a file past the limit, a file
that is neither a capture, a HAR nor a session file.
"""

from __future__ import annotations

import os
import string
import sys
from pathlib import Path
from typing import Literal

from ..record.journal import JOURNAL_MAGIC
from .app import CliError

__all__ = ["MAX_INPUT_BYTES", "FileKind", "file_kind", "parse_hex", "read_bounded", "read_dump_input"]

MAX_INPUT_BYTES = 16 << 20
"""The most bytes ``dump`` reads from a file or stdin (16 MiB): a dump shows at most a few frames."""

FileKind = Literal["pcap", "pcapng", "har", "session"]

_PCAP_MAGICS = {
    bytes.fromhex(m) for m in ("a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1")
}  # microsecond and nanosecond pcap, both byte orders
_PCAPNG_MAGIC = bytes.fromhex("0a0d0d0a")  # the Section Header Block's type
_ZIP_MAGIC = b"PK\x03\x04"
_HEX_DIGITS = frozenset(string.hexdigits)
_SEPARATORS = frozenset(" \t\r\n:,")


def read_bounded(source: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of file ``source`` (``-``: stdin), refused past ``limit`` bytes before they are all read."""
    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(source, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size > limit:
                    raise CliError(f"{name}: {size:,} bytes, more than the {limit:,} read at most")
                data = file.read(limit + 1)
    except OSError as exc:
        raise CliError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise CliError(f"{name}: more than the {limit:,} bytes read at most")
    return data


def parse_hex(text: str, *, name: str = "argument") -> bytes:
    """Hex digits to bytes; spaces, tabs, newlines, ``:`` and ``,`` between bytes and ``0x`` prefixes
    are allowed. A bad character is reported with its offset in ``text``."""
    digits: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "0" and text[i + 1 : i + 2] in ("x", "X") and (not digits or len(digits) % 2 == 0):
            i += 2
            continue
        if c in _HEX_DIGITS:
            digits.append(c)
        elif c not in _SEPARATORS:
            raise CliError(f"{name}: character {c!r} at offset {i} is not a hex digit")
        i += 1
    if len(digits) % 2:
        raise CliError(f"{name}: odd number of hex digits ({len(digits)}): the last byte is cut")
    if not digits:
        raise CliError(f"{name}: no bytes to read")
    return bytes.fromhex("".join(digits))


def _looks_like_hex(data: bytes) -> bool:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return False
    stripped = text.replace("0x", "").replace("0X", "")
    return bool(stripped.strip()) and all(c in _HEX_DIGITS or c in _SEPARATORS for c in stripped)


def read_dump_input(source: str, form: Literal["auto", "hex", "raw"] = "auto") -> bytes:
    """What ``dump`` looks at: ``-`` (stdin) or an existing file, read as hex text or raw bytes
    (``auto``: hex when the content is nothing but hex digits and separators); otherwise ``source``
    itself is hex."""
    if source != "-" and not Path(source).exists():
        if form == "raw" or os.sep in source or "." in source:
            raise CliError(f"{source}: no such file" + ("" if form == "raw" else ", and not hex either"))
        return parse_hex(source)
    data = read_bounded(source)
    name = "stdin" if source == "-" else source
    if form == "hex" or (form == "auto" and _looks_like_hex(data)):
        return parse_hex(data.decode("ascii", "replace"), name=name)
    if not data:
        raise CliError(f"{name}: empty: no bytes to read")
    return data


def file_kind(path: str) -> FileKind:
    """Which kind of file ``path`` is, from its first bytes (the name's suffix is not trusted)."""
    try:
        with open(path, "rb") as file:
            head = file.read(64)
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head[:4] in _PCAP_MAGICS:
        return "pcap"
    if head[:4] == _PCAPNG_MAGIC:
        return "pcapng"
    if head[:4] == _ZIP_MAGIC or (head and JOURNAL_MAGIC.startswith(head[: len(JOURNAL_MAGIC)])):
        return "session"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "har"
    shown = head[:8].hex(" ") or "(empty)"
    raise CliError(
        f"{path}: not a capture (pcap, pcapng), HAR or session file: it starts with {shown} at byte 0"
    )
