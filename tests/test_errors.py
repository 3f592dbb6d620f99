"""The error tree: one root, each error says rule, offset, section, fault, and the code it maps to."""

from __future__ import annotations

import pickle

import pytest

from wsexplorer import errors
from wsexplorer.errors import (
    HandshakeRejected,
    IncompleteInput,
    InvalidAccept,
    InvalidPayloadData,
    InvalidState,
    MessageTooBig,
    ProtocolError,
    WSExplorerError,
    error_for_close_code,
)


def test_every_public_error_has_the_one_root() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, WSExplorerError), name
    assert errors.CloseCode not in {getattr(errors, n) for n in errors.__all__ if n != "CloseCode"}


def test_close_codes_are_the_registry() -> None:
    assert errors.CloseCode.PROTOCOL_ERROR == 1002
    assert errors.CloseCode(1009) is errors.CloseCode.MESSAGE_TOO_BIG
    assert ProtocolError.close_code is errors.CloseCode.PROTOCOL_ERROR
    # the message shows the number, whatever the Python version's IntEnum str()
    assert "close code 1009" in str(MessageTooBig("too big"))


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (ProtocolError, 1002),
        (InvalidPayloadData, 1007),
        (MessageTooBig, 1009),
        (errors.UnsupportedData, 1003),
        (errors.PolicyViolation, 1008),
        (errors.InternalError, 1011),
    ],
)
def test_close_codes(cls: type[ProtocolError], code: int) -> None:
    assert cls("x").close_code == code
    assert error_for_close_code(code) is cls


def test_message_names_rule_offset_section_answer_and_fault() -> None:
    err = InvalidPayloadData("invalid UTF-8", section="RFC 6455 §8.1", offset=17)
    text = str(err)
    assert text == "invalid UTF-8 at byte 17 — RFC 6455 §8.1 → close code 1007 (the peer's fault)"
    assert (err.rule, err.offset, err.section, err.fault) == ("invalid UTF-8", 17, "RFC 6455 §8.1", "peer")


def test_http_status_errors() -> None:
    err = HandshakeRejected("Origin not allowed", section="RFC 6455 §4.2.2", http_status=403)
    assert err.http_status == 403 and "HTTP 403" in str(err)


def test_local_fault_for_misuse() -> None:
    assert InvalidState("cannot send").fault == "local"
    assert "(a mistake on this side)" in str(InvalidState("cannot send"))


def test_invalid_accept_shows_both_values_and_says_fail() -> None:
    err = InvalidAccept("expected=", "received=")
    assert "expected 'expected='" in str(err) and "received 'received='" in str(err)
    assert "fail the WebSocket connection" in str(err)
    assert "nothing" in str(InvalidAccept("e", None))


def test_extra_attributes_and_pickling() -> None:
    err = IncompleteInput("short", missing=3, offset=2)
    assert err.missing == 3
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is IncompleteInput and again.missing == 3 and str(again) == str(err)
