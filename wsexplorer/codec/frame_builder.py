"""The wire bytes of a frame from its parts (RFC 6455 §5.2), valid or not on purpose.

:func:`serialize_frame` writes any header: reserved opcodes, RSV bits, and non-minimal length forms
when asked (``length_form``), so lessons can show what a receiver must refuse. Masking is the codec's
XOR (:func:`~wsexplorer.codec.masking.apply_mask`).
"""

from __future__ import annotations

from .frame_header import (
    FIN_BIT,
    MASK_BIT,
    OPCODE_BITS,
    RSV1_BIT,
    RSV2_BIT,
    RSV3_BIT,
    LengthForm,
    minimal_form,
)
from .masking import apply_mask

__all__ = ["coerce_length_form", "serialize_frame"]


def serialize_frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv1: bool = False,
    rsv2: bool = False,
    rsv3: bool = False,
    mask_key: bytes | None = None,
    length_form: LengthForm | None = None,
) -> bytes:
    """The wire bytes of one frame (RFC 6455 §5.2); ``length_form`` can force a non-minimal encoding."""
    n = len(payload)
    b0 = opcode & OPCODE_BITS
    if fin:
        b0 |= FIN_BIT
    if rsv1 or rsv2 or rsv3:
        b0 |= (RSV1_BIT if rsv1 else 0) | (RSV2_BIT if rsv2 else 0) | (RSV3_BIT if rsv3 else 0)
    mask_bit = MASK_BIT if mask_key is not None else 0
    if n < 126 and length_form is None:  # most frames: the 7-bit form, written without the general steps
        if mask_key is None:
            return bytes((b0, n)) + payload
        return bytes((b0, mask_bit | n)) + mask_key + apply_mask(payload, mask_key)
    form = minimal_form(n) if length_form is None else length_form
    if form == LengthForm.BITS_7:
        if n > 125:
            raise ValueError(f"a payload of {n} bytes does not fit the 7-bit length form")
        header = bytes((b0, mask_bit | n))
    elif form == LengthForm.BITS_16:
        if n > 0xFFFF:
            raise ValueError(f"a payload of {n} bytes does not fit the 16-bit length form")
        header = bytes((b0, mask_bit | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((b0, mask_bit | 127)) + n.to_bytes(8, "big")
    if mask_key is None:
        return header + payload
    return header + mask_key + apply_mask(payload, mask_key)


def coerce_length_form(form: LengthForm | str | None) -> LengthForm | None:
    """A length form from itself or its label (``"16-bit"``) or name (``"BITS_16"``); None stays None."""
    if form is None or isinstance(form, LengthForm):
        return form
    for f in LengthForm:
        if f.label == form or f.name == form:
            return f
    raise ValueError(f"unknown length form {form!r}: use '7-bit', '16-bit' or '64-bit'")
