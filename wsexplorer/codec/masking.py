"""Masking and unmasking of payloads (RFC 6455 §5.3).

Octet ``i`` of the payload is XORed with octet ``i % 4`` of the masking key; masking is its own inverse.

Small payloads go through one big-integer XOR (no per-byte Python loop). Large payloads are XORed eight
bytes at a time by numpy, written straight into the result ``bytes`` object: building the result in a
temporary buffer and copying it costs far more than the XOR itself, because two large short-lived
allocations make the C allocator hand memory back to the kernel and fault it in again on every call.
"""

from __future__ import annotations

import ctypes
import platform
from typing import Any

import numpy as np

__all__ = ["apply_mask"]

# Below this size the big-integer XOR beats numpy's per-call overhead.
_NUMPY_THRESHOLD = 2048
# Up to this size the repeated key comes from a precomputed multiplier (a few KiB of tables).
_SMALL = 128
_REPEAT = [sum(1 << (32 * i) for i in range((n + 3) // 4)) for n in range(_SMALL + 1)]
_LOW = [(1 << (8 * n)) - 1 for n in range(_SMALL + 1)]

_new_bytes: Any = None
_BYTES_DATA_OFFSET = bytes.__basicsize__ - 1  # PyBytesObject.ob_sval: the data follows the header
if platform.python_implementation() == "CPython":
    _new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    _new_bytes.restype = ctypes.py_object
    _new_bytes.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]


def _fresh_bytes_view(n: int) -> tuple[bytes, np.ndarray[Any, np.dtype[np.uint8]]]:
    """A new, not yet shared ``bytes`` of length ``n`` and a writable uint8 view of its data.

    Writing into a bytes object is allowed only before anyone else sees it (exactly what
    ``PyBytes_FromStringAndSize(NULL, n)`` is for in C); the object is returned only once filled.
    """
    result: bytes = _new_bytes(None, n)
    buffer = (ctypes.c_char * n).from_address(id(result) + _BYTES_DATA_OFFSET)
    return result, np.frombuffer(memoryview(buffer).cast("B"), dtype=np.uint8)


def apply_mask(data: bytes | bytearray | memoryview, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` repeated (RFC 6455 §5.3); masking and unmasking alike."""
    if len(key) != 4:
        raise ValueError(f"a masking key is 4 bytes, got {len(key)}")
    n = len(data)
    if n <= _SMALL:
        # The 32-bit key times 0x...0000000100000001 repeats it across the integer in one multiplication.
        mask = int.from_bytes(key, "little") * _REPEAT[n]
        return ((int.from_bytes(data, "little") ^ mask) & _LOW[n]).to_bytes(n, "little")
    if n < _NUMPY_THRESHOLD:
        mask = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
        return (int.from_bytes(data, "little") ^ mask).to_bytes(n, "little")
    source = np.frombuffer(data, dtype=np.uint8)
    if _new_bytes is not None:
        result, out = _fresh_bytes_view(n)
    else:  # not CPython: one extra copy
        out = np.empty(n, dtype=np.uint8)
        result = b""
    body = n & ~7
    key64 = np.frombuffer(key * 2, dtype=np.uint64)
    np.bitwise_xor(source[:body].view(np.uint64), key64, out=out[:body].view(np.uint64))
    for i in range(body, n):
        out[i] = source[i] ^ key[i & 3]
    return result if _new_bytes is not None else out.tobytes()
