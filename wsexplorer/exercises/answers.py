"""Reading a student's answer as a value, so answers are compared by meaning, never as strings.

Each :class:`Reader` turns what a student typed (or passed in code: an ``int``, ``bytes``, ``bool``)
into a canonical value: hex with or without spaces, ``0x`` prefixes or colons and in either case is
bytes; base64 with or without ``=`` padding is the bytes it decodes to; ``0x7E``, ``126`` and
``0b1111110`` are the same number; an opcode may be named (``text``) or numbered (``0x1``); a close
code may be ``1002`` or ``protocol error``. A reader that cannot read an answer raises
:class:`Unreadable` with a sentence saying why, which the checker shows instead of "wrong".
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..codec.frame_header import Opcode
from ..codec.headers import parse_extension_list
from ..errors import CloseCode, HandshakeParseError

__all__ = [
    "BASE64",
    "BOOL",
    "BYTES",
    "CLOSE_CODE",
    "EXTENSION",
    "INT",
    "INT_LIST",
    "OPCODE",
    "PAYLOAD",
    "STATUS",
    "TEXT",
    "Choice",
    "Reader",
    "Unreadable",
    "normalize_words",
]

MAX_ANSWER_CHARS = 1 << 20
"""The longest answer read (1 MiB of text): a bigger one is refused, not parsed."""


class Unreadable(ValueError):
    """An answer that cannot be read as the kind of value asked for; ``str()`` says why, for a person."""


def normalize_words(text: str) -> str:
    """Lower case, ``_``/``-`` as spaces, runs of spaces as one: ``PROTOCOL_ERROR`` = ``protocol error``."""
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _text(value: object) -> str:
    if not isinstance(value, str):
        value = str(value)
    if len(value) > MAX_ANSWER_CHARS:
        raise Unreadable(
            f"the answer is {len(value):,} characters long; at most {MAX_ANSWER_CHARS:,} are read"
        )
    return value.strip()


@dataclass(frozen=True)
class Reader:
    """How to read one kind of answer: ``kind`` names it, ``placeholder`` shows an example to type."""

    kind: str
    placeholder: str

    def read(self, value: object) -> object:
        """The canonical value of ``value``; raises :class:`Unreadable`."""
        raise NotImplementedError

    def show(self, value: object) -> str:
        """A canonical value written the way a student would type it."""
        return str(value)


class _Int(Reader):
    def read(self, value: object) -> object:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        text = _text(value).replace("_", "").replace(",", "")
        for base, prefix in ((16, "0x"), (2, "0b"), (8, "0o")):
            if text.lower().startswith(prefix):
                try:
                    return int(text[2:], base)
                except ValueError:
                    raise Unreadable(f"{text!r} is not a number in base {base}") from None
        first = text.split()[0] if text.split() else ""
        if re.fullmatch(r"-?\d+", first):
            return int(first)
        raise Unreadable(f"{text or 'an empty answer'!r} is not a number (write 126, 0x7E or 0b1111110)")


class _Bool(Reader):
    _TRUE = frozenset({"1", "true", "yes", "y", "set", "on"})
    _FALSE = frozenset({"0", "false", "no", "n", "unset", "clear", "off", "not set", "cleared"})

    def read(self, value: object) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        text = normalize_words(_text(value))
        if text in self._TRUE:
            return True
        if text in self._FALSE:
            return False
        raise Unreadable(f"{text or 'an empty answer'!r} is not a bit: answer 1 or 0 (yes/no, set/unset)")

    def show(self, value: object) -> str:
        return "1" if value else "0"


_HEX_NOISE = re.compile(r"0x|\\x|[\s:,;|\-]", re.IGNORECASE)
_NONE_WORDS = frozenset({"none", "no", "nothing", "absent", "empty", "-", "n/a", "no key", "no mask"})


def _hex(text: str) -> bytes:
    digits = _HEX_NOISE.sub("", text)
    bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        raise Unreadable(f"{bad!r} is not a hex digit (use 0-9 and a-f; spaces and 0x are fine)")
    if len(digits) % 2:
        raise Unreadable(f"{len(digits)} hex digits: a byte is two digits, so one is missing or extra")
    return bytes.fromhex(digits)


@dataclass(frozen=True)
class _Bytes(Reader):
    """Hex bytes; ``none`` (when ``none_ok``) is ``None``: the frame has no such field."""

    none_ok: bool = False

    def read(self, value: object) -> object:
        if value is None and self.none_ok:
            return None
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        text = _text(value)
        if self.none_ok and normalize_words(text) in _NONE_WORDS:
            return None
        return _hex(text)

    def show(self, value: object) -> str:
        if value is None:
            return "none"
        return bytes(value).hex(" ") if isinstance(value, (bytes, bytearray)) else str(value)


class _Payload(Reader):
    """Payload bytes: hex, or text in quotes (``"Hello"``), or text that is not hex, as UTF-8."""

    def read(self, value: object) -> object:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raw = value if isinstance(value, str) else str(value)
        text = _text(raw)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1].encode("utf-8")
        if not text or normalize_words(text.strip("()")) in _NONE_WORDS:
            return b""
        try:
            return _hex(text)
        except Unreadable:
            return text.encode("utf-8")

    def show(self, value: object) -> str:
        data = bytes(value) if isinstance(value, (bytes, bytearray)) else b""
        return data.hex(" ") if data else "(empty)"


class _Base64(Reader):
    """A base64 value: the bytes it decodes to, so padding and surrounding spaces do not matter."""

    def read(self, value: object) -> object:
        if isinstance(value, (bytes, bytearray)):
            value = bytes(value).decode("ascii", "replace")
        text = "".join(_text(value).split()).rstrip("=")
        bad = next((c for c in text if not (c.isascii() and (c.isalnum() or c in "+/"))), None)
        if bad is not None:
            raise Unreadable(f"{bad!r} is not a base64 character (A-Z a-z 0-9 + / and = padding)")
        if len(text) % 4 == 1:
            raise Unreadable(f"{len(text)} base64 characters cannot be a whole number of bytes")
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except binascii.Error as exc:
            raise Unreadable(f"not valid base64: {exc}") from None

    def show(self, value: object) -> str:
        return base64.b64encode(bytes(value)).decode("ascii") if isinstance(value, bytes) else str(value)


class _Text(Reader):
    """Text compared exactly, but surrounding quotes and spaces do not matter."""

    def read(self, value: object) -> object:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8", "replace")
        text = _text(value)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
        return text


class _IntList(Reader):
    """A set of numbers (frame numbers): ``1, 3``, ``[1, 3]``, ``#1 and #3``; order does not matter."""

    def read(self, value: object) -> object:
        if isinstance(value, (list, tuple, set, frozenset)):
            try:
                return tuple(sorted({int(v) for v in value}))
            except (TypeError, ValueError):
                raise Unreadable("a list of frame numbers, such as [1, 3]") from None
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        text = _text(value)
        if normalize_words(text) in _NONE_WORDS:
            return ()
        numbers = re.findall(r"\d+", text)
        if not numbers:
            raise Unreadable(f"{text!r} names no frame numbers (write them like 1, 3 or none)")
        return tuple(sorted({int(n) for n in numbers}))

    def show(self, value: object) -> str:
        return ", ".join(str(v) for v in value) if isinstance(value, tuple) and value else "none"


@dataclass(frozen=True)
class _Named(Reader):
    """A number that may also be given by name (opcodes, close codes, statuses); ``none`` is ``None``
    when ``none_ok``."""

    names: Mapping[str, int] = field(default_factory=dict)
    none_ok: bool = False

    def _names(self) -> dict[str, int]:
        return {normalize_words(k): v for k, v in self.names.items()}

    def read(self, value: object) -> object:
        if value is None and self.none_ok:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        text = normalize_words(_text(value))
        for prefix in ("opcode.", "closecode.", "httpstatus."):
            text = text.removeprefix(prefix)
        names = self._names()
        if text in names:
            return names[text]
        if self.none_ok and text in _NONE_WORDS:
            return None
        first = text.split()[0] if text else ""
        try:
            return _INT.read(first)
        except Unreadable:
            pass
        raise Unreadable(f"{text or 'an empty answer'!r} is not a {self.kind}: give its number or its name")

    def show(self, value: object) -> str:
        if value is None:
            return "none"
        name = next((k for k, v in self._names().items() if v == value), "")
        if self.kind == "opcode" and isinstance(value, int):
            return f"0x{value:X}" + (f" ({name})" if name else "")
        return f"{value}" + (f" ({name})" if name else "")


@dataclass(frozen=True)
class Choice(Reader):
    """One of a few named options, each with the words a student may use for it (case-insensitive)."""

    options: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)

    def read(self, value: object) -> object:
        text = normalize_words(_text(value))
        for key, aliases in self.options:
            if text == normalize_words(key) or text in {normalize_words(a) for a in aliases}:
                return key
        listed = ", ".join(key for key, _ in self.options)
        raise Unreadable(f"{text or 'an empty answer'!r} is not one of the choices: {listed}")

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.options]


class _Extensions(Reader):
    """A Sec-WebSocket-Extensions value: its elements, each a name and a set of parameters, so
    parameter order, case and spacing do not matter; ``none`` is no extension at all."""

    def read(self, value: object) -> object:
        text = _text(value)
        if text.lower().startswith("sec-websocket-extensions:"):
            text = text.split(":", 1)[1].strip()
        if normalize_words(text) in _NONE_WORDS:
            return ()
        try:
            elements = parse_extension_list([text])
        except HandshakeParseError as err:
            raise Unreadable(f"not an extension list: {err.rule} ({err.section})") from None
        return tuple((e.name.lower(), frozenset((k.lower(), v) for k, v in e.params)) for e in elements)

    def show(self, value: object) -> str:
        if not value or not isinstance(value, tuple):
            return "none"
        shown = []
        for name, params in value:
            words = [name, *sorted(k if v is None else f"{k}={v}" for k, v in params)]
            shown.append("; ".join(words))
        return ", ".join(shown)


_INT = _Int("number", "e.g. 126 or 0x7E")
INT: Reader = _INT
BOOL: Reader = _Bool("bit", "1 or 0")
BYTES: Reader = _Bytes("hex", "hex bytes, e.g. 37 fa 21 3d (or none)", none_ok=True)
PAYLOAD: Reader = _Payload("payload", 'hex bytes, or text in quotes: "Hello"')
BASE64: Reader = _Base64("base64", "base64, e.g. s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
TEXT: Reader = _Text("text", "the text")
EXTENSION: Reader = _Extensions("extensions", "e.g. permessage-deflate; server_max_window_bits=10 (or none)")
INT_LIST: Reader = _IntList("numbers", "frame numbers, e.g. 1, 3 (or none)")
OPCODE: Reader = _Named("opcode", "e.g. 0x1 or text", {op.name: int(op) for op in Opcode})
CLOSE_CODE: Reader = _Named(
    "close code",
    "e.g. 1002 or protocol error (or none)",
    {code.name: int(code) for code in CloseCode}
    | {"normal": 1000, "protocol": 1002, "invalid utf 8": 1007, "invalid utf8": 1007},
    none_ok=True,
)
STATUS: Reader = _Named(
    "HTTP status",
    "e.g. 400",
    {"switching protocols": 101, "bad request": 400, "forbidden": 403, "upgrade required": 426},
)
