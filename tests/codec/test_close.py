"""Close codes and payloads (RFC 6455 §5.5.1, §7.4)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.close import (
    CloseCode,
    close_code_problem,
    describe_close_code,
    encode_close_payload,
)


@pytest.mark.parametrize(
    "code",
    [
        1000,
        1001,
        1002,
        1003,
        1007,
        1008,
        1009,
        1010,
        1011,
        1012,
        1013,
        1014,
        3000,
        3999,
        4000,
        4999,
    ],
)
def test_valid_codes(code: int) -> None:
    assert close_code_problem(code) is None


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
def test_invalid_codes(code: int) -> None:
    problem = close_code_problem(code)
    assert problem is not None and str(code) in problem


def test_meanings() -> None:
    assert "normal" in describe_close_code(1000)
    assert "never sent" in describe_close_code(1006)
    assert "private use" in describe_close_code(4001)
    assert "reserved" in describe_close_code(2500)
    assert CloseCode(1009).name == "MESSAGE_TOO_BIG"


def test_encode() -> None:
    assert encode_close_payload() == b""
    assert encode_close_payload(1000) == b"\x03\xe8"
    assert encode_close_payload(1001, "bye") == b"\x03\xe9bye"
    with pytest.raises(ValueError, match="needs a close code"):
        encode_close_payload(None, "x")
    with pytest.raises(ValueError, match="2 bytes"):
        encode_close_payload(70000)
