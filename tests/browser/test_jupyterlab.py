"""The notebooks in a real browser: JupyterLab on loopback, driven by headless Chromium with playwright.

Opens 00_tour and 03_live, runs all cells, steps AcceptStepper to the end and reads the accept value,
connects LiveConnection to the in-kernel echo server, sends a text, sees the echoed frame in the table,
opens it in the inspector, and saves screenshots of each widget to test-artifacts/jupyterlab/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "jupyterlab"
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
TOKEN = "wsexplorer-test-token"
SETUP = "bash scripts/setup-browser.sh"


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        message = f"{', '.join(missing)} missing: run `{SETUP}`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    home = tmp_path_factory.mktemp("jupyter")
    env = dict(os.environ)
    for var in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        d = home / var.lower()
        d.mkdir()
        env[var] = str(d)
    env.pop("JUPYTER_PATH", None)
    env.pop("MPLBACKEND", None)
    # JupyterLab 4 renders only the cells near the viewport ("windowing"); render them all, so that
    # widgets far down a notebook exist in the page and can be scrolled to and clicked.
    settings = home / "lab-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "get notified about Jupyter news?" toast over widgets
    # Work on copies, so running the notebooks never writes outputs into the repository.
    work = home / "work"
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns("_build"))
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--ServerApp.root_dir={work}",
        "--allow-root",
    ]
    log = open(home / "lab.log", "w")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.kill()
    if proc.poll() is not None:
        log.close()
        raise AssertionError("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def _use_theme(page: object, theme: str) -> None:
    page.evaluate(  # type: ignore[attr-defined]
        "async (name) => { await window.jupyterapp.commands.execute("
        "'apputils:change-theme', {theme: name}); }",
        THEMES[theme],
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "(light) => document.body.dataset.jpThemeLight === light", arg=str(theme == "light").lower()
    )


def _open_and_run(page: object, base: str, notebook: str, theme: str = "light") -> None:
    # `reset` starts from an empty workspace: only this notebook is open, so selectors find its widgets.
    page.goto(f"{base}/lab/tree/notebooks/{notebook}?reset&token={TOKEN}")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
        "&& window.jupyterapp.shell.currentWidget.sessionContext "
        "&& window.jupyterapp.shell.currentWidget.sessionContext.session",
        timeout=60_000,
    )
    page.evaluate(  # type: ignore[attr-defined]
        "async () => { await window.jupyterapp.shell.currentWidget.sessionContext.ready; }"
    )
    _use_theme(page, theme)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")  # type: ignore[attr-defined]
    # Wait until the kernel is idle again and no cell shows [*].
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w.sessionContext.session && w.sessionContext.session.kernel;"
        " const prompts = [...document.querySelectorAll('.jp-InputPrompt')];"
        " const busy = prompts.some(e => e.textContent.includes('*'));"
        " return k && k.status === 'idle' && !busy; }",
        timeout=120_000,
        polling=500,
    )


@pytest.mark.parametrize("theme", list(THEMES))
def test_tour_accept_stepper_in_the_browser(lab: str, theme: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open_and_run(page, lab, "00_tour.ipynb", theme)
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            tracebacks = [t for t in errors.all_text_contents() if "Traceback" in t or "Error" in t]
            assert tracebacks == [], tracebacks
            stepper = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .wsx-accept-stepper").first
            stepper.scroll_into_view_if_needed()
            nxt = stepper.locator(".wsx-accept-next button, button.wsx-accept-next").first
            result = stepper.locator(".wsx-accept-result").first
            for _ in range(8):
                if "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in (result.text_content() or ""):
                    break
                start = time.monotonic()
                nxt.click()
                page.wait_for_timeout(150)
                assert time.monotonic() - start < 5
            assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in (result.text_content() or "")
            stepper.screenshot(path=str(ARTIFACTS / f"accept_stepper-{theme}.png"))
        finally:
            browser.close()


@pytest.mark.parametrize("theme", list(THEMES))
def test_live_connection_in_the_browser(lab: str, theme: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open_and_run(page, lab, "03_live.ipynb", theme)
            live = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .wsx-live").first
            # Scroll with the DOM's own call: the notebook's scroll container confuses playwright's
            # stability check for elements far below the viewport.
            live.evaluate("el => el.scrollIntoView({block: 'start'})")
            connect = live.locator(".wsx-live-connect button, button.wsx-live-connect").first
            connect.click()
            status = live.locator(".wsx-live-status").first
            page.wait_for_function(
                "el => /open|connected/i.test(el.textContent)", arg=status.element_handle(), timeout=20_000
            )
            text = live.locator(".wsx-live-text input, input.wsx-live-text, .wsx-live-text textarea").first
            text.fill("hello from chromium")
            started = time.monotonic()
            live.locator(".wsx-live-send button, button.wsx-live-send").first.click()
            rows = live.locator(".wsx-frame-row")
            page.wait_for_function(
                "el => [...el.querySelectorAll('.wsx-frame-row')].filter("
                "r => r.textContent.includes('hello from chromium')).length >= 2",
                arg=live.element_handle(),
                timeout=20_000,
            )
            echo_seen = time.monotonic() - started
            assert echo_seen < 5, echo_seen  # the echo crossed the wire and reached the table
            # The browser-side latency check: from a click on a filter to the table redrawn in the page
            # (kernel round trip included), on this small session; the kernel-side figures are in
            # benchmarks/RESULTS.md (targets 100 ms at 1,000 frames, 1 s at 100,000).
            live.locator(".wsx-filter-direction button", has_text="S→C").first.click()
            started = time.monotonic()
            page.wait_for_function(
                "el => { const rows = [...el.querySelectorAll('.wsx-frame-row')]"
                ".filter(r => r.offsetParent !== null && r.textContent.trim());"
                " return rows.length === 1 && rows[0].textContent.includes('S→C'); }",
                arg=live.element_handle(),
                timeout=10_000,
                polling=10,
            )
            filter_latency = time.monotonic() - started
            assert filter_latency < 1.0, filter_latency
            (ARTIFACTS / "latency.txt").write_text(
                f"direction filter, click to table redrawn: {filter_latency:.3f} s\n"
            )
            live.locator(".wsx-filter-direction button", has_text="both").first.click()
            live.screenshot(path=str(ARTIFACTS / f"live_connection-{theme}.png"))
            echoed = rows.filter(has_text="hello from chromium").last
            echoed.click()
            dump = live.locator(".wsx-frame-dump").first
            page.wait_for_function(
                "el => el.textContent.includes('opcode') && el.textContent.includes('FIN')",
                arg=dump.element_handle(),
                timeout=20_000,
            )
            inspector = live.locator(".wsx-frame-inspector").first
            # The echoed frame came from the server, compressed: judged in its connection's context
            # (the one replay path), RSV1 is allowed and nothing is broken.
            verdict = inspector.locator(".wsx-frame-violations").first
            assert "No rule broken" in (verdict.text_content() or "")
            assert "sent by the server; permessage-deflate" in (verdict.text_content() or "")
            inspector.screenshot(path=str(ARTIFACTS / f"frame_inspector-{theme}.png"))
        finally:
            browser.close()
