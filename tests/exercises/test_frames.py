"""Decoding and unmasking by hand: the wrong answers students give get specific feedback."""

from __future__ import annotations

from wsexplorer.codec.frame_header import LengthForm
from wsexplorer.codec.masking import apply_mask
from wsexplorer.exercises.frames import decode_exercise, unmask_exercise

SEEDS = range(150)


def test_off_by_one_lengths_and_length_markers() -> None:
    seen = set()
    for seed in SEEDS:
        ex = decode_exercise(seed)
        n, len7 = ex.subject.payload_length, bytes(ex.subject)[1] & 0x7F
        for wrong in (n - 1, n + 1):
            if wrong >= 0 and wrong != len7:  # 126 for 127 bytes is the marker mistake, tested below
                assert "off by one" in ex.check({"payload_length": wrong}).part("payload_length").feedback
        if ex.subject.length_form != LengthForm.BITS_7 and n != len7:  # 126 bytes: 126 is right
            marker = 126 if ex.subject.length_form == LengthForm.BITS_16 else 127
            feedback = ex.check({"payload_length": marker}).part("payload_length").feedback
            assert f"{marker} is not the length" in feedback and (
                "16-bit" in feedback or "64-bit" in feedback
            )
            seen.add(marker)
    assert seen == {126, 127}


def test_an_unmasked_payload_read_as_masked_and_a_masked_one_not_unmasked() -> None:
    seen = set()
    for seed in SEEDS:
        ex = decode_exercise(seed)
        frame, shown = ex.subject, ex.parts[-1].expected
        cut = len(shown)
        if frame.masked and frame.payload_length:
            feedback = ex.check({"payload": frame.masked_payload[:cut]}).part("payload").feedback
            assert "still masked" in feedback
            seen.add("masked")
        elif not frame.masked and frame.payload_length > 4:
            as_if = apply_mask(frame.payload[4:], frame.payload[:4])[:cut]
            if as_if != shown:
                feedback = ex.check({"payload": as_if}).part("payload").feedback
                assert "MASK is 0, so there is no masking key" in feedback
                seen.add("unmasked")
            key_feedback = ex.check({"masking_key": frame.payload[:4]}).part("masking_key").feedback
            assert "no masking key" in key_feedback
    assert seen == {"masked", "unmasked"}


def test_the_whole_first_byte_is_not_the_opcode() -> None:
    ex = decode_exercise(11)
    assert "low 4 bits" in ex.check({"opcode": bytes(ex.subject)[0]}).part("opcode").feedback


def test_parts_name_the_codec_fields_whose_bits_they_mark() -> None:
    for seed in range(20):
        ex = decode_exercise(seed)
        names = {f.name.split(" (")[0] for f in ex.subject.fields}
        fields = {p.field for p in ex.parts} - ({"masking key"} if not ex.subject.masked else set())
        if "close code" in names:  # a close frame's payload is shown as its code and reason
            names.add("payload data")
        assert fields <= names, seed


def test_unmask_mistakes() -> None:
    for seed in range(40):
        ex = unmask_exercise(seed)
        frame = ex.subject
        assert "masked data unchanged" in ex.check({"payload": frame.masked_payload}).part("payload").feedback
        i = int(ex.parts[1].label.rsplit(" ", 1)[1])
        assert ex.check({"key_index": i % 4}).part("key_index").right
        assert "only 4 key bytes" in ex.check({"key_index": i}).part("key_index").feedback
        assert ex.check({"payload": '"' + frame.payload.decode() + '"'}).part("payload").right
