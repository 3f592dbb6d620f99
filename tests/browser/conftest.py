"""Fixtures of the browser suite: headless Debian Chromium, Jupyter servers, one page per notebook.

The front ends every widget test runs in (``frontend`` fixture):

* ``lab``: JupyterLab 4.6 with ``commsOverSubshells`` at its default (``perCommTarget``): widget
  messages go to a kernel subshell, so button callbacks run on another thread than the kernel's loop;
* ``lab-nosubshells``: JupyterLab with ``{"commsOverSubshells": "disabled"}``
  (``@jupyterlab/apputils-extension:kernels-settings``): callbacks run on the kernel's main thread;
* ``notebook7``: Jupyter Notebook 7 at its defaults.

Each server starts once (on first use) and serves every test of its front end; each test gets a fresh
page and a fresh kernel. Chromium, the servers and the pages are package-scoped: they stop after the
last browser test, because playwright's synchronous API keeps an event loop of its own running, which
the asyncio tests of the rest of the suite must not run beside. Without Chromium, playwright or
axe-playwright-python the suite is skipped with the command that installs them, except under
``CI=true`` where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .driver import NotebookPage
from .servers import JupyterServer, Kernelspec

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETUP = "bash scripts/setup-browser.sh"
KERNEL6_SETUP = "bash scripts/setup-kernel6.sh"
KERNEL6_VENV = ROOT / ".venv-kernel6"
KERNEL6 = Kernelspec("wsx-ipykernel6", "Python 3 (ipykernel 6)", KERNEL6_VENV / "bin" / "python")
CI = os.environ.get("CI", "").lower() == "true"
VIEWPORT = {"width": 1400, "height": 1000}


def missing_or_skip(message: str) -> None:
    """A tool the suite needs is missing: fail under CI=true, skip otherwise (with the command)."""
    if CI:
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class Frontend:
    """A front end to test in: its server, and the commsOverSubshells its kernels must use."""

    name: str
    server: JupyterServer
    comms: str

    @property
    def subshells(self) -> bool:
        """True when widget callbacks are expected on a kernel subshell (not the main thread)."""
        return self.comms != "disabled"


FRONTENDS: dict[str, tuple[str, dict[str, dict[str, Any]], str]] = {
    "lab": ("lab", {}, "perCommTarget"),
    "lab-nosubshells": (
        "lab",
        {"@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "disabled"}},
        "disabled",
    ),
    "notebook7": ("notebook", {}, "perCommTarget"),
}


class Servers:
    """The session's Jupyter servers, started on first use and stopped at the end."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.started: dict[str, Frontend] = {}

    def get(self, name: str) -> Frontend:
        if name not in self.started:
            app, settings, comms = FRONTENDS[name]
            server = JupyterServer(app, self.base / name, settings=settings, kernels=(KERNEL6,))
            self.started[name] = Frontend(name, server.start(), comms)
        return self.started[name]

    def stop(self) -> None:
        for frontend in self.started.values():
            frontend.server.stop()


def _require_tools() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("chromium (/usr/bin/chromium)")
    for module in ("playwright.sync_api", "axe_playwright_python.sync_playwright"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.split(".")[0])
    if missing:
        missing_or_skip(f"{', '.join(missing)} missing: run `{SETUP}`")


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    _require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def servers(chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    registry = Servers(tmp_path_factory.mktemp("jupyter"))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(params=list(FRONTENDS))
def frontend(request: pytest.FixtureRequest, servers: Servers) -> Frontend:
    return servers.get(str(request.param))


@pytest.fixture
def lab(servers: Servers) -> Frontend:
    """JupyterLab with its default settings."""
    return servers.get("lab")


OpenNotebook = Callable[[Frontend, str], NotebookPage]
"""The ``open_notebook`` fixture: open a notebook (a path under the server's work folder) on a front end."""


class Pages:
    """One browser context and page per front end for the whole session (clipboard allowed).

    JupyterLab opens each test's notebook in the page it already loaded (see driver.NotebookPage.open),
    which saves loading the application again for every test; Notebook 7 loads a page per notebook.
    """

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.pages: dict[str, Any] = {}

    def get(self, frontend: Frontend) -> Any:
        page = self.pages.get(frontend.name)
        if page is None or page.is_closed():
            context = self.browser.new_context(
                viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"]
            )
            context.set_default_timeout(15_000)
            page = self.pages[frontend.name] = context.new_page()
        page.set_viewport_size(VIEWPORT)
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="package")
def pages(chromium: Any) -> Iterator[Pages]:
    pool = Pages(chromium)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def open_notebook(pages: Pages) -> Iterator[OpenNotebook]:
    """Open a notebook (a path under the server's work folder) on a front end; after the test, stop
    watching its page and shut its kernel down."""
    opened: list[tuple[Frontend, NotebookPage]] = []

    def open_one(frontend: Frontend, relative: str) -> NotebookPage:
        nb = NotebookPage(pages.get(frontend), frontend.server, relative)
        opened.append((frontend, nb))
        return nb

    try:
        yield open_one
    finally:
        for frontend, nb in opened:
            nb.close()
            if nb.checks.failed:  # shown with the test's failure even if it stopped before verify()
                print(f"parts of the test that failed on {frontend.name}:", *nb.checks.failed, sep="\n")
            frontend.server.shutdown_kernels()


def write_notebook(server: JupyterServer, name: str, nb: nbformat.NotebookNode) -> str:
    """Write ``nb`` as ``name`` in the server's work folder; return its path relative to the root."""
    nbformat.validate(nb)
    nbformat.write(nb, server.work / name)  # type: ignore[no-untyped-call]
    return name


def copy_notebooks(server: JupyterServer, source: Path) -> list[str]:
    """Copy the teaching notebooks (and the files they read) into the server's work folder, once."""
    target = server.work / "notebooks"
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    return [f"notebooks/{p.name}" for p in sorted(target.glob("*.ipynb"))]
