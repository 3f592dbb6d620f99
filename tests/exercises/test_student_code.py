"""Gathering a student's functions (and what they use) into code the sandbox can run."""

from __future__ import annotations

import base64
import types
from hashlib import sha1
from pathlib import Path

import pytest

from wsexplorer.exercises.student_code import CodeNotUsable, student_code

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY_BYTES = (0x37, 0xFA)
SOMETHING = object()


def _digest(text: str) -> bytes:
    return sha1(text.encode()).digest()


def compute_accept(key: str) -> str:
    """Uses a module (base64), a from-import (sha1, via _digest), a helper and a constant."""
    return base64.b64encode(_digest(key + GUID)).decode()


def uses_object() -> object:
    return SOMETHING


def test_functions_are_gathered_with_their_imports_helpers_and_constants() -> None:
    code = student_code({"compute_accept": compute_accept}, {"compute_accept": "compute_accept"})
    assert code.path == "" and "import base64" in code.source and "from hashlib import sha1" in code.source
    assert f"GUID = {GUID!r}" in code.source and "def _digest" in code.source
    namespace: dict[str, object] = {}
    exec(compile(code.source, "<gathered>", "exec"), namespace)
    accept = namespace["compute_accept"]
    assert (
        isinstance(accept, types.FunctionType)
        and accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    )


def test_a_function_under_another_name() -> None:
    code = student_code({"accept": compute_accept}, {"compute_accept": "accept"})
    assert code.source.rstrip().endswith("accept = compute_accept")


def test_what_cannot_be_sent_is_refused_with_a_reason() -> None:
    with pytest.raises(CodeNotUsable, match="lambda"):
        student_code({"f": lambda x: x}, {"f": "f"})
    with pytest.raises(CodeNotUsable, match=r"'SOMETHING' .* cannot be sent"):
        student_code({"f": uses_object}, {"f": "f"})


def test_files_and_modules_are_sent_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text("def f():\n    return 1\n", encoding="utf-8")
    assert student_code(path, {"f": "f"}).path == str(path.resolve())
    assert student_code(str(path), {"f": "f"}).path == str(path.resolve())
    assert student_code(base64, {"f": "b64encode"}).path.endswith("base64.py")
    with pytest.raises(CodeNotUsable, match="is not a file"):
        student_code(tmp_path / "nope.py", {"f": "f"})
