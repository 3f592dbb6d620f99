"""The implementation checker: a correct student gets full marks; each classic bug is reported at the
case and the field where it shows; an endless loop and a crash are reported, bounded in time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wsexplorer.exercises import ROLES, CaseReport, CodeNotUsable, Limits, check_implementation
from wsexplorer.exercises.checker_cases import all_cases

from .students.make_buggy import write_buggy

STUDENTS = Path(__file__).parent / "students"
CORRECT = STUDENTS / "correct.py"
FAST = Limits(call_timeout=1.0, total_timeout=30.0)


def _masked(report: CaseReport) -> bool:
    frames = [args[0] for args, _ in report.case.steps] or [report.case.args[0]]
    return any(len(data) > 1 and bool(data[1] & 0x80) for data in frames)


def test_a_correct_student_gets_full_marks() -> None:
    report = check_implementation(CORRECT)
    assert report.score == report.max_score == len(all_cases()) and not report.failures
    assert set(report.by_function()) == set(ROLES)
    assert report.summary().startswith(f"{report.max_score}/{report.max_score}")


def test_hashing_the_decoded_key_is_reported_on_every_accept_case(tmp_path: Path) -> None:
    report = check_implementation(write_buggy("decoded_key", tmp_path))
    failed = report.failures
    assert {c.case.function for c in failed} == {"compute_accept"}
    valid = [
        c for c in report.cases if c.case.function == "compute_accept" and c.case.group != "invalid input"
    ]
    assert {c.case.id for c in failed} == {c.case.id for c in valid}
    rfc = next(c for c in failed if c.case.id == "compute_accept/rfc")
    assert rfc.field == "accept" and "decoded key" in rfc.detail
    assert rfc.expected == "'s3pPLMBiTxaQ9kYGzzhZRbK+xOo='" and rfc.case.section == "RFC 6455 §4.2.2 step 5.4"


def test_a_payload_left_masked_is_reported_at_the_masked_frames_and_the_payload_field(tmp_path: Path) -> None:
    report = check_implementation(write_buggy("no_unmask", tmp_path), functions=["parse_frame"])
    failed = report.failures
    masked = {c.case.id for c in report.cases if _masked(c) and not isinstance(c.case.expected, Exception)}
    assert {c.case.id for c in failed} <= masked and "parse_frame/rfc-masked" in {c.case.id for c in failed}
    assert {c.field for c in failed} == {"payload"}
    assert all("still masked" in c.detail for c in failed)


def test_126_bytes_in_the_7_bit_form_is_reported_at_the_length_cases_and_the_extended_length(
    tmp_path: Path,
) -> None:
    report = check_implementation(write_buggy("length_126", tmp_path), functions=["build_frame"])
    assert {c.case.id for c in report.failures} == {"build_frame/length-126", "build_frame/length-126-masked"}
    case = report.failures[0]
    assert (
        case.field == "extended payload length (16-bit)"
        and "byte 2" in case.detail
        and "126 bytes" in case.detail
    )
    assert case.input.startswith("build_frame(fin=True, mask_key=None, opcode=2, payload=<126 bytes")


def test_an_endless_loop_costs_one_case_and_bounded_time(tmp_path: Path) -> None:
    started = time.monotonic()
    report = check_implementation(write_buggy("loops", tmp_path), functions=["build_frame"], limits=FAST)
    assert time.monotonic() - started < 10
    assert {(c.case.id, c.status) for c in report.failures} == {
        ("build_frame/length-0", "timeout"),
        ("build_frame/length-0-masked", "timeout"),
    }
    assert "endless loop" in report.failures[0].detail
    assert report.score == report.max_score - 2


def test_a_crash_is_reported_per_case_and_the_rest_still_runs(tmp_path: Path) -> None:
    report = check_implementation(write_buggy("crashes", tmp_path), functions=["parse_frame"], limits=FAST)
    crashed = [c for c in report.cases if c.status == "crashed"]
    assert crashed and all("exited with status 7" in c.detail for c in crashed)
    assert all(_masked(c) for c in crashed)  # the masked frames only
    assert all(c.passed for c in report.cases if not _masked(c) and c.status != "crashed")


def test_a_module_that_does_not_import_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import nothing_called_this\n", encoding="utf-8")
    report = check_implementation(path, functions=["compute_accept"])
    assert report.score == 0 and "ModuleNotFoundError" in report.import_error
    assert {c.status for c in report.cases} == {"not run"} and "did not import" in report.summary()


def test_functions_from_a_namespace_with_other_names(tmp_path: Path) -> None:
    import base64
    import hashlib

    guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def my_accept(key: str) -> str:
        return base64.b64encode(hashlib.sha1((key + guid).encode()).digest()).decode()

    with pytest.raises(CodeNotUsable, match="'guid'"):  # a closure variable cannot be sent
        check_implementation({"compute_accept": my_accept}, functions=["compute_accept"])
    report = check_implementation(
        {"accept": _accept_from_module}, functions=["compute_accept"], names={"compute_accept": "accept"}
    )
    assert report.score == report.max_score


def test_missing_functions_are_reported_not_raised() -> None:
    report = check_implementation({"compute_accept": _accept_from_module})
    assert report.by_function()["parse_frame"][0] == 0
    assert {c.status for c in report.cases if c.case.function != "compute_accept"} == {"missing"}
    with pytest.raises(ValueError, match="unknown functions"):
        check_implementation(CORRECT, functions=["parse"])


GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _accept_from_module_source() -> str:
    return (
        f"import base64, hashlib\n\n\ndef compute_accept(key):\n"
        f"    return base64.b64encode(hashlib.sha1((key + {GUID!r}).encode()).digest()).decode()\n"
    )


def _accept_from_module(key: str) -> str:
    import base64
    import hashlib

    if len(base64.b64decode(key, validate=True)) != 16:  # binascii.Error for a key that is not base64
        raise ValueError("the key must decode to 16 bytes")

    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def test_invalid_keys_and_unsendable_frames_must_raise(tmp_path: Path) -> None:
    """A compute_accept that hashes any key and a build_frame that builds any frame lose exactly the
    invalid-input cases, each reported with the rule and section of the reference's check."""
    path = tmp_path / "lenient.py"
    path.write_text(
        _accept_from_module_source()
        + "\n\ndef build_frame(opcode, payload, fin=True, mask_key=None):\n"
        + "    head = bytes([(0x80 if fin else 0) | (opcode & 15)])\n"
        + "    return head + bytes([len(payload)]) + payload\n",
        encoding="utf-8",
    )
    report = check_implementation(path, functions=["compute_accept", "build_frame"])
    invalid = {c.case.id for c in report.cases if c.case.group == "invalid input"}
    assert invalid == {
        "compute_accept/invalid-not-base64",
        "compute_accept/invalid-15-bytes",
        "compute_accept/invalid-20-bytes",
        "build_frame/invalid-reserved-opcode-3",
        "build_frame/invalid-reserved-opcode-b",
        "build_frame/invalid-control-fragmented",
        "build_frame/invalid-control-126",
        "build_frame/invalid-mask-key-3",
    }
    failed = {c.case.id: c for c in report.failures}
    assert invalid <= set(failed)
    key = failed["compute_accept/invalid-15-bytes"]
    assert key.field == "validation" and "decodes to 15 bytes" in key.detail
    assert key.case.section == "RFC 6455 §4.2.1 item 5" and "400" in key.case.hint
    ping = failed["build_frame/invalid-control-126"]
    assert "exceeds 125" in ping.detail and ping.case.section == "RFC 6455 §5.5"
    assert all(
        c.passed for c in report.cases if c.case.id.startswith("compute_accept/") and c.case.id not in invalid
    )


def test_a_fragmented_message_is_one_case_of_three_calls(tmp_path: Path) -> None:
    cases = {c.id: c for c in all_cases(functions=("parse_frame", "build_frame"))}
    built = cases["build_frame/fragment-message"]
    assert built.expected == [b"\x01\x03Hel", b"\x00\x03lo ", b"\x80\x03you"]
    parsed = cases["parse_frame/fragment-message"]
    assert [(f["opcode"], f["fin"], f["payload"]) for f in parsed.expected] == [
        (1, False, b"Hel"),
        (0, False, b"lo "),
        (0, True, b"you"),
    ]
    # a builder that writes TEXT for CONTINUATION fails at the message's second fragment
    bad = tmp_path / "no_continuation.py"
    text = CORRECT.read_text(encoding="utf-8")
    old = "def build_frame(opcode, payload, fin=True, mask_key=None):\n"
    assert text.count(old) == 1
    bad.write_text(text.replace(old, old + "    opcode = opcode or 1\n"), encoding="utf-8")
    report = check_implementation(bad, functions=["build_frame"])
    message = next(c for c in report.cases if c.case.id == "build_frame/fragment-message")
    assert message.status == "fail" and message.field == "opcode"
    assert message.detail.startswith("fragment 2 of 3:")
    assert message.input.count("build_frame(") == 3


STEALS_AT_IMPORT = """
from wsexplorer import Frame

def parse_frame(data):
    return Frame.parse(data)
"""

STEALS_IN_CALL = """
def parse_frame(data):
    try:
        from wsexplorer.codec.frames import Frame
    except ImportError:
        raise ValueError("invalid frame") from None  # would pass every invalid-input case
    return Frame.parse(data)

def compute_accept(key):
    import websockets.utils
    return websockets.utils.accept_key(key)
"""


def test_student_code_cannot_import_the_reference_or_a_websocket_library(tmp_path: Path) -> None:
    at_import = tmp_path / "at_import.py"
    at_import.write_text(STEALS_AT_IMPORT, encoding="utf-8")
    report = check_implementation(at_import, functions=["parse_frame"])
    assert report.score == 0 and "refused" in report.import_error
    assert "without the reference implementation" in report.summary()
    assert all(c.status == "not run" and "without the reference" in c.detail for c in report.cases)

    in_call = tmp_path / "in_call.py"
    in_call.write_text(STEALS_IN_CALL, encoding="utf-8")
    report = check_implementation(in_call, functions=["parse_frame", "compute_accept"])
    assert report.score == 0 and not report.import_error
    assert {c.status for c in report.cases} == {"error"}
    parse = [c for c in report.cases if c.case.function == "parse_frame"]
    assert all("import of 'wsexplorer' refused" in c.detail for c in parse)
    assert all("without the reference implementation" in c.detail for c in parse)
    accept = [c for c in report.cases if c.case.function == "compute_accept"]
    assert all("'websockets" in c.detail and "not a library's" in c.detail for c in accept)
