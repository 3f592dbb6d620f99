"""Accept and negotiation exercises: the common mistakes get their own feedback."""

from __future__ import annotations

import base64
import hashlib

from wsexplorer.codec.accept import GUID, accept_key
from wsexplorer.exercises.handshake import accept_exercise, negotiate_exercise


def _key(seed: int) -> str:
    return accept_exercise(seed).exhibit.split(": ", 1)[1]


def test_the_decoded_key_hashed_instead_of_the_key_text_is_recognised_for_every_seed() -> None:
    for seed in range(60):
        ex, key = accept_exercise(seed), _key(seed)
        wrong = base64.b64encode(hashlib.sha1(base64.b64decode(key) + GUID.encode()).digest()).decode()
        part = ex.check(wrong).parts[0]
        assert part.status == "wrong" and "decoded 16 bytes" in part.feedback and "TEXT" in part.feedback


def test_other_accept_mistakes() -> None:
    ex, key = accept_exercise(5), _key(5)
    digest = hashlib.sha1((key + GUID).encode()).digest()
    no_guid = base64.b64encode(hashlib.sha1(key.encode()).digest()).decode()
    assert "GUID is missing" in ex.check(no_guid).parts[0].feedback
    assert "in hex" in ex.check(digest.hex()).parts[0].feedback
    assert ex.check(accept_key(key).rstrip("=")).right  # padding does not matter
    assert ex.check(f"  {accept_key(key)}\n").right


def test_negotiation_feedback() -> None:
    seen = set()
    for seed in range(80):
        ex = negotiate_exercise(seed)
        right = ex.answer()
        offered = ex.exhibit.split("Sec-WebSocket-Protocol: ", 1)[1].split("\r\n", 1)[0].split(", ")
        if offered[0] != right["subprotocol"]:
            result = ex.check({**right, "subprotocol": offered[0]})
            assert "OWN preference" in result.part("subprotocol").feedback
            seen.add("preference")
        offers = ex.exhibit.split("Sec-WebSocket-Extensions: ", 1)[1].split("\r\n", 1)[0]
        if (
            "client_max_window_bits" in offers
            and "x-webkit" not in offers
            and right["extension"] != offers.split(",")[0]
        ):
            result = ex.check({**right, "extension": offers.split(",")[0]})
            assert result.part("extension").status == "wrong"
            seen.add("extension")
    assert seen == {"preference", "extension"}
