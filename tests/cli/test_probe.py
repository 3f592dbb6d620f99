"""``wsexplorer probe URL``: the report as text, JSON and HTML, and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Background, assert_one_line_error, run_cli


def test_probe_a_server_writes_text_json_and_html(echo_server: Background, tmp_path: Path) -> None:
    out_json, out_html = tmp_path / "report.json", tmp_path / "report.html"
    done = run_cli(
        "probe",
        echo_server.url,
        "--case",
        "1",
        "--case",
        "7",
        "--json",
        str(out_json),
        "--html",
        str(out_html),
    )
    assert done.returncode == 0, done.stderr  # our own server deviates from no rule
    assert "1.1" in done.stdout and "conforms" in done.stdout
    report = json.loads(out_json.read_text())
    assert report["cases"] and {c["id"].split(".")[0] for c in report["cases"]} == {"1", "7"}
    assert all(c["verdict"] != "deviates" for c in report["cases"])
    assert out_html.read_text().lstrip().lower().startswith("<!doctype html>")


def test_probe_an_address_nobody_listens_on() -> None:
    done = run_cli("probe", "ws://127.0.0.1:1/", "--case", "1.1", "--total", "5")
    assert_one_line_error(done, 4, "no case could run")
