"""Drive a notebook in JupyterLab or Notebook 7 from playwright: open, run all, theme, check, screenshot.

Both front ends expose the application as ``window.jupyterapp`` when started with
``expose_app_in_browser`` (``LabApp`` / ``JupyterNotebookApp``); ``shell.currentWidget`` is then the
notebook panel in both. Run All is the command ``notebook:run-all-cells`` in both (JupyterLab 4.6 has
no keyboard shortcut for it; Notebook 7 has the same command, from the same notebook extension):
``await app.commands.execute('notebook:run-all-cells')`` resolves when the last cell has run, with
``false`` if a cell failed. Themes switch with ``apputils:change-theme`` in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

from .checks import Checks
from .servers import JupyterServer

__all__ = ["THEMES", "NotebookPage"]

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
_LAYOUT_COLOUR = "() => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim()"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR = f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
_KERNEL_UP = """(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return w && w.context && w.context.path === path && w.sessionContext && w.sessionContext.session
    && w.sessionContext.session.kernel; }"""
# In a JupyterLab page already loaded: close what is open (without saving: the tests' notebooks are
# scratch copies) and open the next notebook, instead of loading the whole application again.
_REOPEN = """async (path) => {
  const app = window.jupyterapp;
  for (const w of [...app.shell.widgets('main')]) {
    if (w.context && w.context.model) { w.context.model.dirty = false; }
    w.dispose();
  }
  await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
}"""
_RUN_ALL = """async () => {
  const w = window.jupyterapp.shell.currentWidget;
  await w.sessionContext.ready;
  return await window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""
_KERNEL_FACTS = """async () => {
  const app = window.jupyterapp;
  const kernel = app.shell.currentWidget.sessionContext.session.kernel;
  const info = await kernel.info;
  const stored = await app.serviceManager.settings.fetch('@jupyterlab/apputils-extension:kernels-settings');
  return {
    name: kernel.name,
    implementation_version: info.implementation_version,
    supported_features: info.supported_features || [],
    supports_subshells: kernel.supportsSubshells,
    comms_over_subshells: kernel.commsOverSubshells,
    manager_comms_over_subshells: app.serviceManager.kernels.commsOverSubshells,
    user_settings: stored.raw,
  };
}"""
# Notebook 7.6.5 throws this at every page load, with no notebook extension installed and no settings
# written (its shortcuts plugin reads the schema of a plugin not loaded yet): not ours, so ignored.
_NOTEBOOK7_STARTUP_ERROR = "Cannot read properties of undefined (reading 'schema')"
# Status lines and notes of the widgets that must never say a job failed.
STATUS_LINES = ".wsx-live-status, .wsx-session-status, .wsx-export-result, .wsx-copy-note"


class NotebookPage:
    """One notebook open in ``page`` on ``server``; every wait is a condition, never a fixed sleep."""

    def __init__(self, page: Page, server: JupyterServer, relative: str) -> None:
        self.page = page
        self.server = server
        self.relative = relative
        self.page_errors: list[str] = []
        self.baseline: list[str] = []  # the problems the page showed once all cells had run
        self.checks = Checks()  # the test's parts: one that fails does not stop the next
        page.on("pageerror", self._page_error)

    def close(self) -> None:
        """Stop listening to the page (it may serve the next notebook)."""
        self.page.remove_listener("pageerror", self._page_error)

    def _page_error(self, exc: Any) -> None:
        """Keep an uncaught exception of the page, unless it is the known one of Notebook 7 itself."""
        message, stack = str(getattr(exc, "message", exc)), str(getattr(exc, "stack", ""))
        if message == _NOTEBOOK7_STARTUP_ERROR and "/static/notebook/notebook_core." in stack:
            return
        self.page_errors.append(f"{message}\n{stack[:1500]}")

    # -- opening and running ------------------------------------------------------------------------

    def open(self, *, comms: str | None = None) -> dict[str, Any]:
        """Load the notebook, wait for its kernel, and return the kernel's facts (see :meth:`kernel_facts`).

        ``comms`` waits until the kernel connection applies that ``commsOverSubshells`` value (the
        front end reads its settings after it starts, so the first kernel may see them a moment late).
        """
        page = self.page
        loaded = page.url.startswith(f"{self.server.url}/lab") and page.evaluate("() => !!window.jupyterapp")
        if self.server.app == "lab" and loaded:
            page.evaluate(_REOPEN, self.relative)
        else:
            page.goto(self.server.notebook_url(self.relative))
        page.wait_for_function(_KERNEL_UP, arg=self.relative, timeout=90_000)
        self.page.evaluate(
            "async () => { await window.jupyterapp.shell.currentWidget.sessionContext.ready; }"
        )
        if comms is not None:
            self.page.wait_for_function(
                "(want) => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                ".commsOverSubshells === want",
                arg=comms,
                timeout=20_000,
            )
        return self.kernel_facts()

    def kernel_facts(self) -> dict[str, Any]:
        """The kernel's name and ``kernel_info`` features, and the commsOverSubshells in effect."""
        facts: dict[str, Any] = self.page.evaluate(_KERNEL_FACTS)
        return facts

    def run_all(self, timeout_ms: int = 120_000) -> None:
        """Run every cell (the front end's Run All) and wait for the last.

        A failed cell or any problem on the page (:meth:`problems`) is recorded in :attr:`checks`, not
        raised, so the rest of the test still runs; :meth:`assert_clean` then looks for new ones.
        """
        ok = self.page.evaluate(_RUN_ALL)
        self.page.wait_for_function(
            "() => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;"
            " return k.status === 'idle'; }",
            timeout=timeout_ms,
        )
        self.baseline = self.problems()
        with self.checks.part(f"Run All of {self.relative}"):
            assert self.baseline == [], "\n".join(self.baseline)
            assert ok is True, "Run All reported a failed cell"

    # -- themes ------------------------------------------------------------------------------------------

    def current_theme(self) -> str:
        """ "light" or "dark": the theme the page shows now."""
        light = self.page.evaluate("() => document.body.dataset.jpThemeLight")
        return "light" if light == "true" else "dark"

    def theme(self, name: str) -> None:
        """Switch to ``name`` ("light" or "dark") and wait until the page shows it."""
        if self.page.evaluate("() => document.body.dataset.jpThemeName") == THEMES[name]:
            return
        before = self.page.evaluate(_LAYOUT_COLOUR)
        self.page.evaluate(
            "async (t) => { await window.jupyterapp.commands.execute('apputils:change-theme', {theme: t}); }",
            THEMES[name],
        )
        # The theme's CSS variables apply once its stylesheet has loaded: wait for the new background.
        self.page.wait_for_function(
            f"([t, light, before]) => document.body.dataset.jpThemeName === t"
            f" && document.body.dataset.jpThemeLight === light && ({_LAYOUT_COLOUR})() !== before",
            arg=[THEMES[name], "true" if name == "light" else "false", before],
            timeout=20_000,
        )

    # -- finding and clicking ------------------------------------------------------------------------------

    def widget(self, css: str) -> Locator:
        """The first element with class ``css`` in the open notebook."""
        return self.page.locator(f"{PANEL} .{css}").first

    def click(self, target: Locator) -> None:
        """Bring ``target`` into view with the DOM's own call, then click it.

        (The notebook's scroll container confuses playwright's own scrolling for elements far below.)
        """
        target.evaluate("el => el.scrollIntoView({block: 'center'})")
        target.click()

    def fill(self, target: Locator, text: str, *, commit: bool = True) -> None:
        """Type ``text`` into an input or textarea; ``commit`` blurs it, so a widget with
        ``continuous_update=False`` sends the value."""
        target.evaluate("el => el.scrollIntoView({block: 'center'})")
        target.fill(text)
        if commit:
            target.dispatch_event("change")
            target.blur()

    # -- checks ------------------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Everything on the page that says something went wrong: stderr outputs (tracebacks and
        warnings), error outputs, a widget the page could not render, and a widget status line that
        says a job failed."""
        found = [f"stderr: {t.strip()[:800]}" for t in self.page.locator(STDERR).all_text_contents()]
        for text in self.page.locator(f"{PANEL} .jp-OutputArea-output").all_text_contents():
            if "Traceback" in text and not any(text.strip()[:800] in f for f in found):
                found.append(f"traceback: {text.strip()[:800]}")
        for error in self.page.locator(f"{PANEL} .jupyter-widgets-error-widget").all():
            if "Click to show" in (error.text_content() or ""):  # the message shows after a click
                error.evaluate("el => el.click()")
            text = " ".join((error.text_content() or "").split())
            found.append(f"a widget failed to render: {text[:700]}")
        for text in self.page.locator(f"{PANEL} :is({STATUS_LINES})").all_inner_texts():
            if re.search(r"\bfailed\b|Traceback|refused the clipboard|could not write", text):
                found.append(f"status: {text.strip()[:400]}")
        return found

    def assert_clean(self) -> None:
        """No problem appeared on the page since all cells ran (or since the last one reported), and
        the page threw nothing."""
        new = [p for p in self.problems() if p not in self.baseline]
        thrown, self.page_errors = self.page_errors, []
        self.baseline += new  # reported once, not again by every later part
        assert new == [], "\n".join(new)
        assert thrown == [], thrown

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        """A part of the test (see :class:`~.checks.Checks`) that ends with :meth:`assert_clean`."""
        with self.checks.part(name):
            yield
            self.assert_clean()

    # -- screenshots ---------------------------------------------------------------------------------------

    def screenshot(self, target: Locator, path: Path) -> None:
        """An element screenshot of ``target`` whole: the viewport grows to the element's height for the
        shot (the notebook scrolls inside a fixed-height panel, so a tall widget would be cut)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or {"width": 1400, "height": 1000}
        height = int(target.evaluate("el => el.getBoundingClientRect().height"))
        grown = min(max(size["height"], height + 300), 6000)
        if grown != size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": grown})
        try:
            target.evaluate("el => el.scrollIntoView({block: 'start'})")
            target.screenshot(path=str(path), animations="disabled")
        finally:
            if grown != size["height"]:
                self.page.set_viewport_size(size)
