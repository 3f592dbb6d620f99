"""What every widget test does before and after its clicks: open its notebook, check the kernel and the
thread callbacks run on, run all; at the end, screenshots in both themes and a last check for errors."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator

from .checks import expect_text
from .conftest import ARTIFACTS, Frontend, OpenNotebook, write_notebook
from .driver import NotebookPage
from .widget_notebooks import widget_notebook

__all__ = ["check_kernel", "check_probe", "finish", "start"]

SUBSHELLS = "kernel subshells"


def check_kernel(frontend: Frontend, facts: dict[str, Any], *, ipykernel: int = 7) -> None:
    """The kernel is the one expected and the front end applies the expected commsOverSubshells."""
    features = facts["supported_features"]
    if ipykernel >= 7:
        assert SUBSHELLS in features, facts  # ipykernel 7 offers subshells: the setting matters
        assert facts["supports_subshells"] is True, facts
    else:
        assert SUBSHELLS not in features, facts
    assert facts["comms_over_subshells"] == frontend.comms, facts
    assert facts["manager_comms_over_subshells"] == frontend.comms, facts
    if frontend.comms == "disabled":
        assert '"disabled"' in facts["user_settings"], facts  # the override the server handed out


def check_probe(nb: NotebookPage, *, subshell: bool) -> str:
    """Click the probe twice; return the thread the second callback ran on, checked against ``subshell``.

    (The first click runs on the main thread in every case: see widget_notebooks.py.)
    """
    probe = nb.widget("wsx-test-probe")
    out = nb.widget("wsx-test-probe-out")
    threads = []
    for n in (1, 2):
        nb.click(probe)
        expect_text(out, f"click {n}: ")
        threads.append((out.text_content() or "").strip().removeprefix(f"click {n}: "))
    assert threads[0] == "MainThread", threads
    if subshell:
        assert threads[1] != "MainThread", f"callbacks ran on {threads}: subshells are not in use"
    else:
        assert threads[1] == "MainThread", f"callbacks ran on {threads}, expected the main thread only"
    return threads[1]


def start(
    frontend: Frontend,
    open_notebook: OpenNotebook,
    widget: str,
    *,
    kernel: str = "python3",
    ipykernel: int = 7,
) -> NotebookPage:
    """Generate ``widget``'s notebook, open it on ``frontend``, check the kernel, run all, probe."""
    name = f"{widget}.ipynb" if kernel == "python3" else f"{widget}-{kernel}.ipynb"
    relative = write_notebook(frontend.server, name, widget_notebook(widget, kernel=kernel))
    nb = open_notebook(frontend, relative)
    facts = nb.open(comms=frontend.comms)
    assert facts["name"] == kernel, facts
    check_kernel(frontend, facts, ipykernel=ipykernel)
    nb.run_all()
    check_probe(nb, subshell=frontend.subshells and ipykernel >= 7)
    return nb


def finish(nb: NotebookPage, root: Locator, frontend: Frontend, widget: str) -> None:
    """Screenshots of ``root`` in the theme shown, then in the other one (so the tests take turns to
    run in each); nothing went wrong on the page; then fail with every part of the test that failed
    (:attr:`NotebookPage.checks`)."""
    folder = ARTIFACTS / "browser" / frontend.name
    with nb.checks.part("screenshots"):
        first = "dark" if nb.current_theme() == "dark" else "light"
        for theme in (first, "light" if first == "dark" else "dark"):
            nb.theme(theme)
            nb.screenshot(root, folder / f"{widget}-{theme}.png")
    with nb.checks.part("the page at the end"):
        nb.assert_clean()
    nb.checks.verify()
