"""The teaching notebooks in JupyterLab (default settings), in the light and the dark theme: axe-core finds
no serious or critical accessibility violation in their outputs, and no output is wider than the
notebook or scrolls sideways.

Each notebook (``notebooks/*.ipynb``, copied to the server's work folder) runs once; both themes are
then audited on the same outputs. Results go to test-artifacts/axe/ (``<notebook>.json``, and
``summary.json`` / ``summary.md`` over all notebooks), whatever the outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .audit import SEVERE, axe_findings, overflow_offenders, severe_counts, write_summary
from .conftest import ARTIFACTS, ROOT, Frontend, OpenNotebook, copy_notebooks

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
RESULTS = ARTIFACTS / "axe"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_outputs_are_accessible_and_fit(
    name: str, lab: Frontend, open_notebook: OpenNotebook
) -> None:
    copy_notebooks(lab.server, ROOT / "notebooks")
    nb = open_notebook(lab, f"notebooks/{name}")
    nb.open(comms=lab.comms)
    nb.run_all(timeout_ms=240_000)
    first = nb.current_theme()
    run: dict[str, object] = {"notebook": name, "frontend": lab.name, "run_all_problems": nb.baseline}
    themes: dict[str, dict[str, object]] = {}
    for theme in (first, "light" if first == "dark" else "dark"):
        nb.theme(theme)
        findings = axe_findings(nb)
        offenders = overflow_offenders(nb)
        themes[theme] = {"axe": findings, "overflow": offenders}
        counts = severe_counts(findings)
        with nb.checks.part(f"axe-core, {theme} theme: {counts}"):
            severe = [
                f"{f['id']} ({f['impact']}, {len(f['nodes'])}): {f['help']}; {f['nodes'][0]['html'][:150]}"
                for f in findings
                if f["impact"] in SEVERE
            ]
            assert severe == [], "\n".join(severe)
        with nb.checks.part(f"overflow, {theme} theme"):
            assert offenders == [], json.dumps(offenders, indent=1)
    run["themes"] = themes
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{Path(name).stem}.json").write_text(json.dumps(run, indent=1), encoding="utf-8")
    write_summary(RESULTS, NOTEBOOKS)
    nb.checks.verify()
