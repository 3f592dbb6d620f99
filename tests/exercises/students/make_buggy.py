"""Buggy students, each made from the correct one by a single edit (one classic mistake each)."""

from __future__ import annotations

from pathlib import Path

CORRECT = Path(__file__).with_name("correct.py")

# name -> (text replaced in correct.py, replacement): each bug is one edit of the correct solution.
BUGS: dict[str, tuple[str, str]] = {
    # compute_accept hashes the decoded 16 bytes instead of the key text (RFC 6455 §4.2.2 step 5.4)
    "decoded_key": (
        "hashlib.sha1((key + GUID).encode())",
        "hashlib.sha1(base64.b64decode(key) + GUID.encode())",
    ),
    # parse_frame returns the payload still masked (RFC 6455 §5.3)
    "no_unmask": ("        payload = unmask(payload, key)\n", "        pass\n"),
    # build_frame writes 126 in the 7-bit form: off by one at the 16-bit boundary (RFC 6455 §5.2)
    "length_126": (
        "    if n < 126:\n        head += bytes([m | n])",
        "    if n <= 126:\n        head += bytes([m | n])",
    ),
    # build_frame loops forever on an empty payload
    "loops": (
        "    n = len(payload)\n    if n < 126:",
        "    n = len(payload)\n    while n == 0:\n        pass\n    if n < 126:",
    ),
    # parse_frame kills its own process on a masked frame (a crash, not an exception)
    "crashes": (
        "    if masked:\n        key, pos",
        "    if masked:\n        import os\n\n        os._exit(7)\n        key, pos",
    ),
}


def write_buggy(name: str, directory: Path) -> Path:
    """The correct solution with bug ``name`` written to ``directory/<name>.py``."""
    old, new = BUGS[name]
    text = CORRECT.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"bug {name}: the edit must match correct.py exactly once"
    path = directory / f"{name}.py"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path
