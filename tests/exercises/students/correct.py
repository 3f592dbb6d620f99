"""A correct student solution: the shapes of wsexplorer.exercises.checker_cases, written from the RFC."""

import base64
import binascii
import hashlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def compute_accept(key):
    try:
        nonce = base64.b64decode(key, validate=True)
    except binascii.Error:
        raise ValueError("the key is not base64") from None
    if len(nonce) != 16:
        raise ValueError("the key must decode to 16 bytes")
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def unmask(payload, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def parse_frame(data):
    if len(data) < 2:
        raise ValueError("incomplete header")
    b0, b1 = data[0], data[1]
    fin, rsv1, rsv2, rsv3, opcode = (
        bool(b0 & 0x80),
        bool(b0 & 0x40),
        bool(b0 & 0x20),
        bool(b0 & 0x10),
        b0 & 0x0F,
    )
    if rsv1 or rsv2 or rsv3:
        raise ValueError("an RSV bit is set, and no extension was negotiated")
    if opcode not in (0, 1, 2, 8, 9, 10):
        raise ValueError("reserved opcode")
    masked, n, pos = bool(b1 & 0x80), b1 & 0x7F, 2
    if n == 126:
        if len(data) < 4:
            raise ValueError("incomplete extended length")
        n, pos = int.from_bytes(data[2:4], "big"), 4
        if n < 126:
            raise ValueError("length not minimal")
    elif n == 127:
        if len(data) < 10:
            raise ValueError("incomplete extended length")
        n, pos = int.from_bytes(data[2:10], "big"), 10
        if n < 65536 or n >> 63:
            raise ValueError("length not minimal, or its top bit set")
    if opcode >= 8 and (not fin or n > 125):
        raise ValueError("invalid control frame")
    key = None
    if masked:
        key, pos = data[pos : pos + 4], pos + 4
        if len(key) < 4:
            raise ValueError("incomplete masking key")
    payload = data[pos:]
    if len(payload) != n:
        raise ValueError("the payload is not the announced length")
    if key:
        payload = unmask(payload, key)
    return {
        "fin": fin,
        "rsv1": rsv1,
        "rsv2": rsv2,
        "rsv3": rsv3,
        "opcode": opcode,
        "masked": masked,
        "payload_length": n,
        "masking_key": key,
        "payload": payload,
    }


def build_frame(opcode, payload, fin=True, mask_key=None):
    if opcode not in (0, 1, 2, 8, 9, 10):
        raise ValueError("reserved opcode")
    if opcode >= 8 and (not fin or len(payload) > 125):
        raise ValueError("a control frame is never fragmented and carries at most 125 bytes")
    if mask_key is not None and len(mask_key) != 4:
        raise ValueError("a masking key is 4 bytes")
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0x80 if mask_key else 0
    n = len(payload)
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([m | 127]) + n.to_bytes(8, "big")
    if mask_key:
        return head + mask_key + unmask(payload, mask_key)
    return head + payload
