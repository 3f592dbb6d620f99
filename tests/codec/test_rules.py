"""Each wire rule written once: the same words, section and close code when shown and when raised."""

from __future__ import annotations

import pytest

from wsexplorer.codec import rules
from wsexplorer.codec.assembler import MessageAssembler
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import CloseCode, InvalidPayloadData, MessageTooBig, ProtocolError

RULES = [value for value in vars(rules).values() if isinstance(value, rules.Rule)]


def test_every_rule_cites_a_section_and_answers_with_a_close_code() -> None:
    assert len(RULES) >= 20
    for rule in RULES:
        assert rule.section.startswith("RFC "), rule
        assert isinstance(rule.close_code, CloseCode)


@pytest.mark.parametrize(
    ("rule", "values", "error_type"),
    [
        (rules.RESERVED_OPCODE, {"opcode": 3}, ProtocolError),
        (rules.TEXT_NOT_UTF8, {"at": 2}, InvalidPayloadData),
        (rules.FRAME_OVER_LIMIT, {"length": 9, "limit": 8}, MessageTooBig),
    ],
)
def test_a_rule_shown_and_raised_says_the_same(
    rule: rules.Rule, values: dict[str, int], error_type: type
) -> None:
    shown = rule.violation(0, 1, **values)
    raised = rule.error(offset=40, **values)
    assert isinstance(raised, error_type)
    assert shown.rule == raised.rule and shown.section == raised.section
    assert shown.close_code == raised.close_code == int(rule.close_code)
    assert raised.offset == 40


def test_the_frame_check_and_the_receiver_word_rsv1_alike() -> None:
    frame = Frame.build(0x1, b"x", rsv1=True)
    (shown,) = frame.violations
    with pytest.raises(ProtocolError) as info:
        MessageAssembler().add(frame)
    assert shown.rule == info.value.rule == "RSV1 is set but no extension that defines it was negotiated"


def test_close_violations_of_a_frame_that_is_not_a_close_frame() -> None:
    assert Frame.text("hello").close_violations() == []  # no assertion error, nothing to report
