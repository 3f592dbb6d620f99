"""Masking and unmasking of payloads (RFC 6455 §5.3).

Octet ``i`` of the payload is XORed with octet ``i % 4`` of the masking key; masking is its own inverse.

Three ways, by size, each the fastest measured there (``benchmarks/codec.py``): up to about 1.5 KiB one
big-integer XOR (no per-byte Python loop); up to 128 KiB numpy XORs eight bytes at a time into an array
that is then copied into a ``bytes``; from 128 KiB the XOR is written straight into the result
``bytes`` object, because at that size a temporary buffer costs far more than the XOR itself: two large
short-lived allocations make the C allocator hand memory back to the kernel and fault it in again on
every call. numpy reaches the new object's storage through the array interface (an address and a
length), so no per-size ctypes array type is created (tens of microseconds for every new length).

A large frame that arrives over several reads is unmasked piece by piece straight into its payload
(:class:`PayloadWriter`): one pass over each byte instead of a copy into a buffer and a second pass.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

import numpy as np

__all__ = ["LARGE_PAYLOAD", "SMALL_PAYLOAD", "PayloadWriter", "apply_mask", "mask_small"]

# Below this size the big-integer XOR beats numpy's per-call overhead.
_NUMPY_THRESHOLD = 1536
LARGE_PAYLOAD = 2048
"""From this many payload bytes, copying a payload before unmasking it costs more than the unmasking
saved by working on a copy: the parser unmasks such a frame straight out of its buffer, and a frame
unmasks its wire bytes through a memoryview (below it, slices are cheaper than views)."""
# From this size on, numpy writes into the result itself (glibc's default mmap threshold: larger
# temporaries are mapped and unmapped on every call).
_IN_PLACE_THRESHOLD = 128 * 1024
SMALL_PAYLOAD = 128
"""Up to this many bytes, :func:`mask_small` applies (the repeated key comes from a precomputed
multiplier: a few KiB of tables)."""
_REPEAT = [sum(1 << (32 * i) for i in range((n + 3) // 4)) for n in range(SMALL_PAYLOAD + 1)]
_LOW = [(1 << (8 * n)) - 1 for n in range(SMALL_PAYLOAD + 1)]

_new_bytes: Any = None
_BYTES_DATA_OFFSET = bytes.__basicsize__ - 1  # PyBytesObject.ob_sval: the data follows the header
if platform.python_implementation() == "CPython":
    import ctypes

    _new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    _new_bytes.restype = ctypes.py_object
    _new_bytes.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]


class _Storage:
    """A writable memory range described to numpy by address and length (the array interface)."""

    __slots__ = ("__array_interface__",)

    def __init__(self, address: int, length: int) -> None:
        self.__array_interface__ = {
            "data": (address, False),
            "shape": (length,),
            "typestr": "|u1",
            "version": 3,
        }


def mask_small(data: bytes | bytearray | memoryview, key: bytes | bytearray | memoryview, n: int) -> bytes:
    """:func:`apply_mask` for a payload of ``n`` <= :data:`SMALL_PAYLOAD` bytes and a key known to be
    4 bytes long (a frame header's): one big-integer XOR, with no checks, for hot paths."""
    # The 32-bit key times 0x...0000000100000001 repeats it across the integer in one multiplication.
    mask = int.from_bytes(key, "little") * _REPEAT[n]
    return ((int.from_bytes(data, "little") ^ mask) & _LOW[n]).to_bytes(n, "little")


def apply_mask(data: bytes | bytearray | memoryview, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` repeated (RFC 6455 §5.3); masking and unmasking alike."""
    if len(key) != 4:
        raise ValueError(f"a masking key is 4 bytes, got {len(key)}")
    n = len(data)
    if n <= SMALL_PAYLOAD:
        return mask_small(data, key, n)
    if n < _NUMPY_THRESHOLD:
        mask = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
        return (int.from_bytes(data, "little") ^ mask).to_bytes(n, "little")
    return _mask_large(data, key, n)


def _mask_large(data: bytes | bytearray | memoryview, key: bytes, n: int) -> bytes:
    """numpy XOR of whole 64-bit words, then the last 0-7 bytes by integer (same key phase: the words
    cover a multiple of 4 bytes)."""
    body = n & ~7
    words = np.frombuffer(data, dtype=np.uint64, count=body >> 3)
    key64 = np.uint64(int.from_bytes(key * 2, sys.byteorder))  # the key as numpy reads 8 bytes
    tail = mask_small(data[body:], key, n - body) if body < n else b""
    if n < _IN_PLACE_THRESHOLD or _new_bytes is None:  # _new_bytes is None: not CPython
        masked: bytes = np.bitwise_xor(words, key64).tobytes()
        return masked + tail if tail else masked
    result, storage = _writable_bytes(n)
    np.bitwise_xor(words, key64, out=storage[:body].view(np.uint64))
    if tail:
        storage[body:] = np.frombuffer(tail, dtype=np.uint8)
    return result


def _writable_bytes(n: int) -> tuple[bytes, Any]:
    """A new ``bytes`` of ``n`` bytes, not yet filled, and its storage as a writable uint8 array (CPython
    only). The caller fills every byte before the object is shared; the array must not outlive it."""
    result: bytes = _new_bytes(None, n)
    return result, np.asarray(_Storage(id(result) + _BYTES_DATA_OFFSET, n))


# The repeated key of a streamed payload: one typical read (64 KiB), plus 3 bytes so that any key phase
# fits; longer pieces are XORed in steps of this size.
_TILE = 64 * 1024


class PayloadWriter:
    """A payload of known length written piece by piece as it arrives, unmasked on the way (§5.3).

    The payload is a new ``bytes`` object written in place before anyone else sees it, so the frame
    gets it without a further copy. Each piece is XORed with the key tiled from the right phase (the
    key's octet ``i % 4`` for payload octet ``i``), byte-wise, so no piece needs any alignment. Only on
    CPython (:attr:`AVAILABLE`); elsewhere the parser buffers the frame and calls :func:`apply_mask`.
    """

    __slots__ = ("_filled", "_payload", "_target", "_tile")

    AVAILABLE = _new_bytes is not None

    def __init__(self, length: int, key: bytes | None) -> None:
        if not self.AVAILABLE:
            raise RuntimeError("PayloadWriter needs CPython")
        self._payload, self._target = _writable_bytes(length)  # the array is dropped with the writer
        self._filled = 0
        self._tile = None if key is None else np.frombuffer(key * (_TILE // 4 + 1), dtype=np.uint8)

    @property
    def missing(self) -> int:
        """Payload bytes still to come."""
        return len(self._payload) - self._filled

    @property
    def length(self) -> int:
        """The whole payload's length."""
        return len(self._payload)

    @property
    def filled(self) -> int:
        """Payload bytes written so far."""
        return self._filled

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data`` (at most :attr:`missing` bytes), unmasked when the payload is masked."""
        n = len(data)
        filled = self._filled
        if n > len(self._payload) - filled:
            raise ValueError(f"{n} bytes for a payload missing {self.missing}")
        source = np.frombuffer(data, dtype=np.uint8)
        target = self._target[filled : filled + n]
        tile = self._tile
        if tile is None:
            target[:] = source
        else:
            phase = filled & 3  # _TILE is a multiple of 4: every step starts at the same phase
            for start in range(0, n, _TILE):
                stop = start + min(_TILE, n - start)
                np.bitwise_xor(source[start:stop], tile[phase : phase + stop - start], out=target[start:stop])
        self._filled = filled + n

    def payload(self) -> bytes:
        """The whole payload, once every byte has been written."""
        if self.missing:
            raise ValueError(f"the payload is missing {self.missing} bytes")
        self._target = None
        return self._payload
