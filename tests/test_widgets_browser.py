"""The exploration notebook in a real browser: JupyterLab (and Voila) served on 127.0.0.1, driven by Debian's
headless Chromium through Playwright. Offline: every request to anything but the local server is aborted and
recorded, so the widget and plotly lab extensions must load from the pip packages.

Screenshots go to ``test-artifacts/`` (gitignored). Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``),
playwright and voila: skipped without them on a developer's machine, FAILED without them in CI (``CI`` set). Never
runs ``playwright install``. Any request to a URL that is not the local server, ``file:``, ``data:`` or ``blob:``
fails the test that made it: Voila's page, the static widget export and the report included.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from widgets.demo import make_demo_run

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CLIO_KIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
TOKEN = "clio-kit-browser-test"
_ROOT_FLAG = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # CI containers run as root

pytestmark = pytest.mark.browser
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
VOILA = Path(sys.executable).parent / "voila"


def _missing(reason: str, *, module: bool = False) -> None:
    """Skip on a developer's machine; fail in CI, where these tests must run."""
    if IN_CI:
        pytest.fail(f"{reason}: CI must run the browser tests", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


if not CHROMIUM.exists():
    _missing(f"{CHROMIUM} is missing (apt-get install -y chromium)", module=True)
try:
    import playwright.sync_api as playwright_sync
except ImportError:
    _missing("playwright (python) is not installed", module=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"port {port} did not open in {timeout:.0f} s")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A server root with a copy of the notebook pointed at a small run directory next to it."""
    root = tmp_path_factory.mktemp("lab")
    make_demo_run(root / "run", n_conversations=2000, seed=5, coordinates=True)
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    params = next(c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    params["source"] = 'run_dir = "run"\nsource = "synthetic"\nexport_html = None\n'
    (root / "explore.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return root


def _server_env(root: Path) -> dict[str, str]:
    """Isolated Jupyter config/runtime dirs (never the user's), the checkout on PYTHONPATH, no news prompt."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        env[name] = str(root.parent / f"{root.name}-{name.lower()}")
    labconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}), encoding="utf-8")
    env["CLIO_KIT_NO_PROGRESS"] = "1"
    # the checkout's Voila template (pip installs the same files into <prefix>/share/jupyter), found first
    env["JUPYTER_PATH"] = os.pathsep.join([str(ROOT / "share" / "jupyter"), env.get("JUPYTER_PATH", "")]).rstrip(
        os.pathsep)
    return env


@pytest.fixture(scope="module")
def lab_url(workspace: Path) -> Iterator[str]:
    port = _free_port()
    log = workspace.parent / "jupyterlab.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={workspace}",
             "--LabApp.expose_app_in_browser=True",
             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly", *_ROOT_FLAG],
            cwd=workspace, env=_server_env(workspace), stdout=handle, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _offline_page(browser: object, origin: str) -> tuple[object, list[str]]:
    """A page that may talk only to ``origin`` (the local server, or ``file://``), ``data:`` and ``blob:``; any
    other request is aborted and recorded (the tests assert none was made)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})  # type: ignore[attr-defined]
    blocked: list[str] = []

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith((origin, "data:", "blob:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    return context.new_page(), blocked


def _text(page: object, selector: str) -> str:
    return page.locator(selector).first.inner_text()  # type: ignore[attr-defined]


def _pick_other_option(page: object, select_selector: str, predicate: str = "true") -> str:
    """Choose a different option of an ipywidgets <select> (as a user's click does); return its text."""
    select = page.locator(select_selector).first  # type: ignore[attr-defined]
    index = select.evaluate(f"""(el) => {{
        const opts = Array.from(el.options);
        return opts.findIndex((o, i) => i !== el.selectedIndex && ({predicate}));
    }}""")
    assert index >= 0, f"no other option in {select_selector}"
    text = select.evaluate(f"(el) => el.options[{index}].text.replace(/\\u00a0/g, ' ')")  # labels use nbsp
    select.select_option(index=index)
    return text


def _click_tree_row(page: object, marker: str, *, expect_trend: bool = True) -> str:
    """Select a tree row whose label carries ``marker``; wait for the detail panel to show it; return its name."""
    chosen = _pick_other_option(page, ".clio-tree select", f"o.text.includes('{marker}')")
    name = chosen.split(marker, 1)[1].split(" — ", 1)[0].strip().rstrip("…")
    page.wait_for_function("(name) => document.querySelector('.clio-detail h3')"  # type: ignore[attr-defined]
                           " && document.querySelector('.clio-detail h3').innerText.includes(name)", arg=name,
                           timeout=120_000)
    if expect_trend:  # ... and the linked trend figure is redrawn for it (its title names the cluster)
        page.wait_for_function("(name) => Array.from(document.querySelectorAll('.clio-explore .gtitle'))"  # type: ignore
                               ".some(t => t.textContent.includes('per week: ' + name))", arg=name[:30],
                               timeout=120_000)
    return name


def test_notebook_runs_in_jupyterlab_and_widgets_react(lab_url: str, browser: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked = _offline_page(browser, lab_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.goto(f"{lab_url}/lab/tree/explore.ipynb?token={TOKEN}")  # type: ignore[attr-defined]
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "  # type: ignore
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
    page.wait_for_function("() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"  # type: ignore
                           " return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }",
                           timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")  # type: ignore
    tree = page.locator(".clio-tree select").first  # type: ignore[attr-defined]
    tree.wait_for(state="visible", timeout=120_000)
    page.locator(".clio-detail .clio-detail-body").first.wait_for(timeout=60_000)  # type: ignore
    # the plotly extension (inside the plotly wheel) drew the sunburst's slices and the trend's line
    page.locator(".clio-explore .sunburstlayer path.surface").first.wait_for(timeout=120_000)  # type: ignore
    page.locator(".clio-explore .scatterlayer .trace path.js-line").first.wait_for(timeout=120_000)  # type: ignore
    page.locator(".clio-explore").first.evaluate("(el) => el.scrollIntoView()")  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-1-hierarchy.png"))  # type: ignore[attr-defined]

    # click a collapsed tree node ("▸"): it expands, and the detail panel shows it; then a base cluster ("•")
    rows_before = tree.evaluate("(el) => el.options.length")
    for marker in ("▸", "•"):
        before = _text(page, ".clio-detail")
        name = _click_tree_row(page, marker)
        after = _text(page, ".clio-detail")
        assert after != before and name in after and "By language" in after
    assert tree.evaluate("(el) => el.options.length") > rows_before  # the "▸" node expanded
    page.locator(".clio-explore").first.evaluate("(el) => el.scrollIntoView()")  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-2-detail.png"))  # type: ignore[attr-defined]

    # base rates: pick another language, the ranking changes
    page.locator(".clio-explore .lm-TabBar-tab", has_text="Base rates").first.click()  # type: ignore
    ranking = page.locator(".clio-ranking").first  # type: ignore[attr-defined]
    ranking.wait_for(state="visible", timeout=60_000)
    first_ranking = ranking.inner_text()
    value = _pick_other_option(page, ".clio-br-value select")
    page.wait_for_function("(v) => document.querySelector('.clio-ranking').innerText.includes('= ' + v + ' at')",
                           arg=value, timeout=60_000)  # type: ignore[attr-defined]
    second_ranking = ranking.inner_text()
    assert second_ranking != first_ranking
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-3-base-rates.png"))  # type: ignore[attr-defined]

    page.locator(".clio-explore .lm-TabBar-tab", has_text="Facets").first.click()  # type: ignore
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-4-facets.png"))  # type: ignore[attr-defined]
    page.locator(".clio-explore .lm-TabBar-tab", has_text="Cluster map").first.click()  # type: ignore
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-5-map.png"))  # type: ignore[attr-defined]
    assert not blocked, f"JupyterLab tried to reach other hosts: {blocked[:5]}"
    assert not [e for e in errors if "widget" in e.lower() or "plotly" in e.lower()], errors


@pytest.fixture(scope="module")
def voila_url(workspace: Path) -> Iterator[str]:
    """Voila serving the notebook, started where the notebook lives, as `cd notebooks && voila explore.ipynb` is:
    with the repository's voila.json. Each page load runs the notebook in a fresh kernel."""
    if shutil.which("voila", path=str(VOILA.parent)) is None:
        _missing("voila is not installed (pip install voila)")
    port = _free_port()
    log = workspace.parent / "voila.log"
    shutil.copy(ROOT / "notebooks" / "voila.json", workspace / "voila.json")
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(VOILA), "explore.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
             "--show_tracebacks=True"],
            cwd=workspace, env=_server_env(workspace), stdout=handle, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_notebook_renders_in_voila(voila_url: str, browser: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked = _offline_page(browser, voila_url)
    page.goto(voila_url, timeout=120_000)  # type: ignore[attr-defined]
    tree = page.locator(".clio-tree select").first  # type: ignore[attr-defined]
    tree.wait_for(state="visible", timeout=120_000)
    page.locator(".clio-explore .sunburstlayer path.surface").first.wait_for(timeout=60_000)  # type: ignore
    # Voila shows widget state as it was when the notebook finished: the trend drawn then must be there
    page.locator(".clio-explore .scatterlayer .trace path.js-line").first.wait_for(timeout=60_000)  # type: ignore
    before = _text(page, ".clio-detail")
    _click_tree_row(page, "▸")  # the detail panel and the trend chart follow the tree
    assert _text(page, ".clio-detail") != before
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.locator(".clio-explore").first.evaluate("(el) => el.scrollIntoView()")  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "voila-1-hierarchy.png"))  # type: ignore[attr-defined]
    page_text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    assert "not JSON compliant" not in page_text and "Traceback" not in page_text
    assert not blocked, f"Voila tried to reach other hosts: {blocked[:5]}"  # Font Awesome's CDN included


#: what a chart has drawn now (its title and traces, a sunburst's level), read from plotly's graph div at or inside
#: ``selector``
_DRAWN = ("(sel) => { const gd = document.querySelector(sel + '.js-plotly-plot, ' + sel + ' .js-plotly-plot');"
          " if (!gd || !gd.data) return null;"
          " return JSON.stringify([gd.layout.title && gd.layout.title.text, gd.data.map(t =>"
          " [t.name, t.x, t.y, t.z, t.text, t.level].map(v => v && v.length !== undefined ? Array.from(v) : v))]); }")


def _redrawn(page: object, selector: str, before: str | None, timeout: float = 60_000) -> str:
    """Wait until the chart inside ``selector`` draws something other than ``before``; return what it draws."""
    page.wait_for_function(f"([sel, before]) => {{ const now = ({_DRAWN})(sel);"  # type: ignore[attr-defined]
                           " return now !== null && now !== before; }", arg=[selector, before], timeout=timeout)
    return page.evaluate(_DRAWN, selector)  # type: ignore[attr-defined]


def test_voila_charts_follow_their_controls(voila_url: str, browser: object) -> None:
    """After the first load, every chart in Voila redraws when its control changes, as the tables do (plotly's
    FigureWidgets did not: some failed to initialise under Voila's bundled JupyterLab and kept their first value)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked = _offline_page(browser, voila_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.goto(voila_url, timeout=120_000)  # type: ignore[attr-defined]
    page.locator(".clio-tree select").first.wait_for(state="visible", timeout=120_000)  # type: ignore

    def tab(title: str) -> None:
        page.locator(".clio-explore .lm-TabBar-tab", has_text=title).first.click()  # type: ignore[attr-defined]

    # a click on a sunburst slice selects its cluster: the detail panel shows it, the sunburst zooms to it
    sunburst = _redrawn(page, ".clio-hierarchy-sunburst", None)
    heading = _text(page, ".clio-detail h3")
    # the events widget hooks the graph within ~0.3 s of it being drawn; a click before that goes nowhere
    page.locator(".clio-hierarchy-sunburst .js-plotly-plot[data-clio-events]").first.wait_for(  # type: ignore
        state="attached", timeout=60_000)
    slices = page.locator(".clio-hierarchy-sunburst .sunburstlayer path.surface")  # type: ignore[attr-defined]
    slices.nth(slices.count() - 1).click()
    page.wait_for_function("(h) => document.querySelector('.clio-detail h3').innerText !== h", arg=heading,
                           timeout=60_000)  # type: ignore[attr-defined]
    _redrawn(page, ".clio-hierarchy-sunburst", sunburst)

    tab("Base rates")
    bars = _redrawn(page, ".clio-br-bars", None)
    heatmap = _redrawn(page, ".clio-br-heatmap", None)
    value = _pick_other_option(page, ".clio-br-value select")
    page.wait_for_function("(v) => document.querySelector('.clio-ranking').innerText.includes('= ' + v + ' at')",
                           arg=value, timeout=60_000)  # type: ignore[attr-defined]  # the table follows ...
    assert f"= {value} by cluster" in _redrawn(page, ".clio-br-bars", bars)  # ... and so does the chart
    _pick_other_option(page, ".clio-br-level select")
    _redrawn(page, ".clio-br-heatmap", heatmap)
    page.screenshot(path=str(ARTIFACTS / "voila-2-base-rates.png"))  # type: ignore[attr-defined]

    tab("Facets")
    drawn = {name: _redrawn(page, f".clio-fx-{name}", None) for name in ("distribution", "crosstab", "over-time")}
    facet = _pick_other_option(page, ".clio-fx-facet select")
    assert f"Distribution of {facet}" in _redrawn(page, ".clio-fx-distribution", drawn["distribution"])
    _redrawn(page, ".clio-fx-crosstab", drawn["crosstab"])
    _redrawn(page, ".clio-fx-over-time", drawn["over-time"])
    page.screenshot(path=str(ARTIFACTS / "voila-3-facets.png"))  # type: ignore[attr-defined]

    tab("Changes over time")
    chart = _redrawn(page, ".clio-mon-chart", None)
    _pick_other_option(page, ".clio-mon-level select")
    _redrawn(page, ".clio-mon-chart", chart)

    tab("Cluster map")
    cluster_map = _redrawn(page, ".clio-map", None)
    _pick_other_option(page, ".clio-map-colour select", "o.text === 'size'")
    _redrawn(page, ".clio-map", cluster_map)
    page.screenshot(path=str(ARTIFACTS / "voila-4-map.png"))  # type: ignore[attr-defined]
    assert not blocked, f"Voila tried to reach other hosts: {blocked[:5]}"
    assert not [e for e in errors if "anywidget" in e.lower() or "plotly" in e.lower()], errors


def test_monitoring_explorer_renders_in_jupyterlab(workspace: Path, lab_url: str, browser: object) -> None:
    """MonitoringExplorer in a two-cell notebook: the new-cluster table and the growth chart render, and picking
    another level redraws them."""
    ARTIFACTS.mkdir(exist_ok=True)
    # a fresh named workspace: the default one restores explore.ipynb from an earlier test (see _open_notebook)
    page, blocked, errors = _open_notebook(
        workspace, lab_url, browser, "monitoring",
        "import clio_kit, widgets\nexplorer = widgets.MonitoringExplorer(clio_kit.open_run('run'))\nexplorer")
    # ":visible": a notebook opened earlier in the same Lab may hold a hidden explore() tab with the same widget
    summary = page.locator(".clio-mon-summary:visible").first  # type: ignore[attr-defined]
    summary.wait_for(state="visible", timeout=120_000)
    assert "Before:" in summary.inner_text() and "clusters at level" in summary.inner_text()
    page.locator(".clio-mon-new:visible table, .clio-mon-new:visible p").first.wait_for(timeout=60_000)  # type: ignore
    page.locator(".clio-monitoring:visible .barlayer path").first.wait_for(timeout=60_000)  # type: ignore  # chart
    before = summary.inner_text()
    chosen = _pick_other_option(page, ".clio-mon-level:visible select")
    level = chosen.split()[1]
    page.locator(".clio-mon-summary:visible", has_text=f"clusters at level {level}.").first.wait_for(  # type: ignore
        timeout=60_000)
    assert summary.inner_text() != before
    page.locator(".clio-monitoring:visible").first.evaluate("(el) => el.scrollIntoView()")  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "lab-6-monitoring.png"))  # type: ignore[attr-defined]
    assert not blocked, f"JupyterLab tried to reach other hosts: {blocked[:5]}"
    assert not [e for e in errors if "widget" in e.lower() or "plotly" in e.lower()], errors


def _open_notebook(workspace: Path, lab_url: str, browser: object, name: str, source: str) -> tuple[object, list, list]:
    """Write a one-cell notebook, open it in a fresh Lab workspace, run it; return (page, blocked, errors)."""
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": name, "metadata": {}, "outputs": [],
                           "source": source}],
                "metadata": json.loads(NOTEBOOK.read_text(encoding="utf-8"))["metadata"], "nbformat": 4,
                "nbformat_minor": 5}
    (workspace / f"{name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    page, blocked = _offline_page(browser, lab_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.goto(f"{lab_url}/lab/workspaces/{name}/tree/{name}.ipynb?reset&token={TOKEN}")  # type: ignore
    ready = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
             " const s = w && w.sessionContext && w.sessionContext.session;"
             f" return w && w.context && w.context.path === '{name}.ipynb'"
             " && s && s.kernel && s.kernel.status === 'idle'; }")
    page.wait_for_function(ready, timeout=60_000)  # type: ignore[attr-defined]
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")  # type: ignore
    return page, blocked, errors


def _lasso(page: object, box: dict, fraction: float = 1.0) -> None:
    """Drag a lasso around the left ``fraction`` of the plot area (a real mouse drag, as a user draws it)."""
    left, top = box["x"] + 4, box["y"] + 4
    right, bottom = box["x"] + (box["width"] - 8) * fraction, box["y"] + box["height"] - 4
    mouse = page.mouse  # type: ignore[attr-defined]
    mouse.move(left, top)
    mouse.down()
    for x, y in [(right, top), (right, bottom), (left, bottom), (left, top + 2)]:
        mouse.move(x, y, steps=12)
    mouse.up()


def test_cluster_map_lasso_selects_across_colours_and_resets_with_colouring(workspace: Path, lab_url: str,
                                                                           browser: object) -> None:
    """A lasso around every cluster selects every cluster, whatever its colour (plotly reports a selection per
    colour trace); changing the colouring or level leaves no stale lasso outline, and a new lasso works."""
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked, errors = _open_notebook(
        workspace, lab_url, browser, "clustermap",
        "import clio_kit, widgets\nwidgets.ClusterMap(clio_kit.open_run('run'), color_by='parent')")
    plot = page.locator(".clio-map:visible .js-plotly-plot").first  # type: ignore[attr-defined]
    page.locator(".clio-map:visible .scatterlayer .trace .point").first.wait_for(timeout=120_000)  # type: ignore
    plot.evaluate("(el) => el.scrollIntoView()")
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    n_traces = plot.evaluate("(gd) => gd.data.length")
    n_points = plot.evaluate("(gd) => gd.querySelectorAll('.scatterlayer .point').length")
    assert n_traces > 1 and n_points > n_traces
    selection = page.locator(".clio-map-selection:visible").first  # type: ignore[attr-defined]
    drag = page.locator(".clio-map:visible .nsewdrag").first  # type: ignore[attr-defined]
    hooked = page.locator(".clio-map:visible .js-plotly-plot[data-clio-events]").first  # type: ignore[attr-defined]
    hooked.wait_for(state="attached", timeout=60_000)  # selections reach Python once the events widget hooked it
    _lasso(page, drag.bounding_box())
    selection.locator("b", has_text="selected cluster").wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # every trace's callback has run
    assert f"{n_points} selected clusters" in selection.inner_text()
    page.screenshot(path=str(ARTIFACTS / "lab-7-map-lasso.png"))  # type: ignore[attr-defined]

    # another colouring, then another level: no lasso outline, no selection, no dimmed point; a new lasso (starting
    # inside the old outline) works
    dimmed = ("(gd) => Array.from(gd.querySelectorAll('.scatterlayer .point'))"
              ".filter(p => parseFloat(p.style.opacity || '1') < 0.5).length")
    for control, predicate in ((".clio-map-colour", "o.text === 'size'"), (".clio-map-level", "true")):
        _pick_other_option(page, f"{control}:visible select", predicate)
        page.wait_for_function("() => document.querySelector('.clio-map-selection').innerText"  # type: ignore
                               ".includes('Select clusters on the map')", timeout=60_000)
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        page.screenshot(path=str(ARTIFACTS / f"lab-8-map-after{control}.png"))  # type: ignore[attr-defined]
        assert plot.evaluate("(gd) => (gd.layout.selections || []).length") == 0
        assert page.locator(".clio-map:visible .selectionlayer path").count() == 0  # type: ignore[attr-defined]
        assert plot.evaluate(dimmed) == 0
        n_now = plot.evaluate("(gd) => gd.querySelectorAll('.scatterlayer .point').length")
        hooked.wait_for(state="attached", timeout=60_000)
        _lasso(page, drag.bounding_box(), 0.5)
        selection.locator("b", has_text="selected cluster").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        half = int(selection.locator("b").inner_text().split()[0])
        assert 0 < half < n_now and plot.evaluate(dimmed) == n_now - half
    assert not blocked, f"JupyterLab tried to reach other hosts: {blocked[:5]}"
    assert not [e for e in errors if "widget" in e.lower() or "plotly" in e.lower()], errors
def test_static_widget_export_and_report_make_no_request(workspace: Path, browser: object, tmp_path: Path) -> None:
    """The HTML files the project writes (a widget's static export, the report) open from disk with no request to
    any other machine, and show their figures."""
    import clio_kit
    import widgets
    from clio_kit.report import render_report

    run = clio_kit.open_run(workspace / "run")
    pages = {"widgets": tmp_path / "explore.html", "report": tmp_path / "report.html"}
    pages["widgets"].write_text(widgets.explore(run).to_html(), encoding="utf-8")
    render_report(run.path, pages["report"])
    for name, path in pages.items():
        page, blocked = _offline_page(browser, "file://")
        page.goto(path.as_uri(), timeout=120_000)  # type: ignore[attr-defined]
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
        assert not blocked, f"the {name} HTML tried to reach other hosts: {blocked[:5]}"


#: hover labels of plotly's graph div ``gd`` that reach past its left or right edge (cut off on the page)
_CUT_HOVER = ("(gd) => { const box = gd.getBoundingClientRect();"
              " return Array.from(gd.querySelectorAll('.hoverlayer .hovertext')).filter(h => {"
              " const b = h.getBoundingClientRect(); return b.left < box.left - 1 || b.right > box.right + 1; })"
              ".map(h => h.textContent); }")


def test_hover_labels_with_long_names_fit_in_a_narrow_column(browser: object, tmp_path: Path) -> None:
    """A long cluster name in a hover label is wrapped onto lines, not cut at the figure's edge: every bar and point
    of a lift chart and a trend chart in a 400-pixel column is hovered with the mouse."""
    import pandas as pd

    from clio_kit.presentation import figure_html, figures
    from clio_kit.presentation import page as static_page

    names = ["Debugging Python pandas dataframe merges that silently drop rows after a join on mixed key types",
             "Writing cover letters for software engineering job applications to companies in Europe and Asia",
             "Short"]
    ranking = pd.DataFrame({"cluster_id": [1, 2, 3], "name": names, "lift": [2.0, 1.5, 0.8],
                            "lift_low": [1.5, 1.2, 0.6], "lift_high": [2.5, 1.8, 1.0],
                            "n_conversations": [50, 40, 20], "q_value": [0.001, 0.01, 0.5]})
    weeks = pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"])
    trend = pd.DataFrame({"period": list(weeks) * 2, "cluster_id": [1] * 3 + [2] * 3, "name": [names[0]] * 3 +
                          [names[1]] * 3, "n_conversations": [10, 20, 15, 5, 8, 9]})
    charts = [figures.lift_bars(ranking, "language", "es"), figures.trend_lines(trend, "Trend")]
    path = tmp_path / "hover.html"
    path.write_text(static_page("hover", "<div style='width:400px'>" + "".join(map(figure_html, charts)) + "</div>"),
                    encoding="utf-8")
    page, blocked = _offline_page(browser, "file://")
    page.goto(path.as_uri(), timeout=60_000)  # type: ignore[attr-defined]
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    cut, hovered = [], 0
    for plot in page.locator(".js-plotly-plot").all():  # type: ignore[attr-defined]
        for mark in plot.locator(".barlayer .point path, .scatterlayer .point").all():
            box = mark.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
            page.locator(".hoverlayer .hovertext").first.wait_for(timeout=10_000)  # type: ignore[attr-defined]
            hovered += 1
            cut += plot.evaluate(_CUT_HOVER)
    assert hovered == 3 + 6 and not cut, cut
    assert not blocked


#: the sunburst's centre label (the zoomed-to node) and the centre circle, in page pixels: how far the label's
#: farthest corner lies from the circle's centre, and the circle's radius
_CENTRE_FIT = ("(gd) => { const slices = Array.from(gd.querySelectorAll('.sunburstlayer g.slice'));"
               " const centre = slices.find(g => g.__data__ && g.__data__.data.data.id === gd.data[0].level);"
               " if (!centre) return null;"
               " const c = centre.querySelector('path.surface').getBoundingClientRect();"
               " const t = centre.querySelector('text').getBoundingClientRect();"
               " const cx = c.x + c.width / 2, cy = c.y + c.height / 2;"
               " const far = Math.max(...[[t.left, t.top], [t.right, t.top], [t.left, t.bottom], [t.right, t.bottom]]"
               ".map(([x, y]) => Math.hypot(x - cx, y - cy)));"
               " return {label: centre.querySelector('text').textContent, width: t.width, far, radius: c.width / 2}; }")

#: a hierarchy whose first top-level cluster has a name as long as the demo run's (two lines at the old wrapping)
_LONG_TREE = json.dumps([
    {"cluster_id": 1, "name": "Games and puzzles: story, year old", "n_conversations": 300, "children": [
        {"cluster_id": 2, "name": "Debugging pandas dataframe merges that silently drop rows", "n_conversations": 200,
         "children": [{"cluster_id": 5, "name": "Riddles", "n_conversations": 200}]},
        {"cluster_id": 3, "name": "Installing packages in virtual environments", "n_conversations": 100}]},
    {"cluster_id": 4, "name": "Python programming and debugging: keyerror, modulenotfounderror",
     "n_conversations": 200, "children": [{"cluster_id": 6, "name": "Riddles", "n_conversations": 200}]}])


def test_sunburst_centre_label_fits_inside_its_circle(workspace: Path, lab_url: str, browser: object) -> None:
    """Zoomed to a cluster with a long name, the sunburst's centre label is drawn whole inside the centre circle,
    in JupyterLab's plotly renderer (its own plotly.js) as in the hierarchy explorer: not cut at the circle's edge."""
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked, errors = _open_notebook(
        workspace, lab_url, browser, "sunburst",
        "import json\nimport ipywidgets as W\nfrom clio_kit.presentation import figures\n"
        "from widgets.base import Chart\n"
        f"fig = figures.sunburst(json.loads({_LONG_TREE!r}), 500, maxdepth=3, height=460, title='Hierarchy')\n"
        "fig.data[0].level = 'c1'\n"  # laid out as HierarchyExplorer lays out its sunburst
        "W.HBox([W.VBox(layout=W.Layout(width='45%', min_width='320px')),"
        " W.VBox([Chart(fig)], layout=W.Layout(width='55%'))])")
    page.locator(".jp-OutputArea-output:visible .sunburstlayer text").first.wait_for(timeout=120_000)  # type: ignore
    gd = page.locator(".jp-OutputArea-output:visible .js-plotly-plot").first  # type: ignore[attr-defined]
    gd.evaluate("(el) => el.scrollIntoView()")
    fit = gd.evaluate(_CENTRE_FIT)
    page.screenshot(path=str(ARTIFACTS / "lab-9-sunburst-centre.png"))  # type: ignore[attr-defined]
    assert fit is not None and fit["label"].startswith("Games") and fit["width"] > 0, fit
    assert fit["far"] <= fit["radius"] + 1, fit  # every corner of the label inside the circle
    assert not blocked and not [e for e in errors if "plotly" in e.lower()], (blocked, errors)


#: the cluster map's graph on show (Lab keeps hidden copies of other notebooks' outputs)
_MAP_GRAPH = "Array.from(document.querySelectorAll('.clio-map .js-plotly-plot')).find(gd => gd.offsetParent)"


def test_cluster_map_keeps_lasso_and_zoom_after_a_selection(workspace: Path, lab_url: str, browser: object) -> None:
    """A lasso after zooming in (mouse wheel) shows the selection's totals and leaves the map as the user left it:
    the same graph (no redraw), its lasso outline and its zoom; another colouring is drawn at the same zoom."""
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked, errors = _open_notebook(
        workspace, lab_url, browser, "clustermap-zoom",
        "import clio_kit, widgets\nwidgets.ClusterMap(clio_kit.open_run('run'), color_by='parent')")
    page.locator(".clio-map:visible .scatterlayer .trace .point").first.wait_for(timeout=120_000)  # type: ignore
    plot = page.locator(".clio-map:visible .js-plotly-plot[data-clio-events]").first  # type: ignore[attr-defined]
    plot.wait_for(state="attached", timeout=60_000)
    plot.evaluate("(el) => el.scrollIntoView()")
    drag = page.locator(".clio-map:visible .nsewdrag").first  # type: ignore[attr-defined]
    box = drag.bounding_box()
    x_range = "(gd) => Array.from(gd._fullLayout.xaxis.range)"
    before = plot.evaluate(x_range)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    page.mouse.wheel(0, -400)  # type: ignore[attr-defined]  # "Scroll to zoom", as the map's note says
    page.wait_for_function(f"(w) => {{ const r = ({_MAP_GRAPH})._fullLayout.xaxis.range;"  # type: ignore
                           " return r[1] - r[0] < 0.95 * w; }", arg=before[1] - before[0], timeout=10_000)
    zoomed = plot.evaluate(x_range)
    plot.evaluate("(el) => el.scrollIntoView()")  # a wheel that plotly did not take scrolled the notebook
    plot.evaluate("(gd) => { gd.__clioTestMark = true; }")
    _lasso(page, drag.bounding_box())
    selection = page.locator(".clio-map-selection:visible").first  # type: ignore[attr-defined]
    selection.locator("b", has_text="selected cluster").wait_for(timeout=60_000)
    # the graph the lasso was drawn on stays (a redraw would replace it within ~2 s of the totals arriving)
    kept = page.evaluate("""() => new Promise((done) => {
        const start = performance.now();
        const check = () => {
          const gd = """ + _MAP_GRAPH + """;
          if (!gd || !gd.__clioTestMark) done(false);
          else if (performance.now() - start > 2000) done(true);
          else requestAnimationFrame(check);
        };
        check();
      })""")
    page.screenshot(path=str(ARTIFACTS / "lab-10-map-zoom-lasso.png"))  # type: ignore[attr-defined]
    assert kept, "the map was redrawn after the selection: its lasso outline and zoom are gone"
    assert plot.evaluate("(gd) => (gd.layout.selections || []).length") == 1  # the lasso's outline
    assert plot.evaluate(x_range) == pytest.approx(zoomed)
    assert "selected cluster" in selection.inner_text()

    _pick_other_option(page, ".clio-map-colour:visible select", "o.text === 'size'")  # a redraw: at the same zoom
    page.wait_for_function(f"() => {{ const gd = {_MAP_GRAPH};"  # type: ignore[attr-defined]
                           " return gd && !gd.__clioTestMark && gd.data && gd.data.length === 1; }", timeout=60_000)
    fresh = page.locator(".clio-map:visible .js-plotly-plot").first  # type: ignore[attr-defined]
    assert fresh.evaluate(x_range) == pytest.approx(zoomed, rel=0.02)
    assert not blocked and not [e for e in errors if "widget" in e.lower() or "plotly" in e.lower()], (blocked, errors)


def test_hierarchy_explorer_alone_draws_and_hears_clicks_right_after_a_redraw(workspace: Path, lab_url: str,
                                                                              browser: object) -> None:
    """A HierarchyExplorer on its own in a notebook draws its sunburst at its full height, also after the window is
    resized (with plotly's "responsive" mode, JupyterLab's resize collapsed it to 0 pixels); the events widget hooks a
    redrawn chart before the browser paints it: a click on the sunburst as soon as its slices appear selects the
    cluster (a 0.3 s poll left the first clicks after each redraw unheard)."""
    page, blocked, errors = _open_notebook(
        workspace, lab_url, browser, "hierarchy-click",
        "import clio_kit, widgets\nwidgets.HierarchyExplorer(clio_kit.open_run('run'))")
    graph = ("Array.from(document.querySelectorAll('.clio-hierarchy-sunburst .js-plotly-plot'))"
             ".find(gd => gd.offsetWidth > 0)")
    page.locator(".clio-hierarchy-sunburst .sunburstlayer path.surface").first.wait_for(  # type: ignore
        state="attached", timeout=120_000)
    size = f"() => {{ const gd = {graph}; return gd ? [gd.offsetWidth, gd.offsetHeight] : null; }}"
    page.wait_for_function(f"() => {{ const s = ({size})(); return s && s[1] >= 400; }}",  # type: ignore
                           timeout=30_000)  # the figure's 460 pixels
    page.set_viewport_size({"width": 1100, "height": 1100})  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # JupyterLab and plotly lay the page out again
    assert page.evaluate(size)[1] >= 400  # type: ignore[attr-defined]  # ... and the sunburst keeps its height
    page.locator(".clio-hierarchy-sunburst:visible").first.evaluate("(el) => el.scrollIntoView()")  # type: ignore
    # every sunburst graph drawn from now on: was it hooked when plotly set it up? (this observer runs after the events
    # widget's, which was created first, in the same microtask checkpoint; a poll would hook it only later)
    page.evaluate("""() => { window.__clioHookedAtBirth = [];
        new MutationObserver(() => {
          for (const gd of document.querySelectorAll('.clio-hierarchy-sunburst .js-plotly-plot')) {
            if (gd.on && !gd.__clioTestBorn) {
              gd.__clioTestBorn = true; window.__clioHookedAtBirth.push(gd.hasAttribute('data-clio-events'));
            }
          }
        }).observe(document.body, {childList: true, subtree: true}); }""")  # type: ignore[attr-defined]
    for _ in range(2):  # a top-level cluster chosen in the tree redraws the sunburst, zoomed to it; a click comes as
        # soon as the new sunburst is drawn, on a sub-cluster of it (which redraws it again, zoomed to that)
        heading = page.locator(".clio-detail:visible h3").first.inner_text()  # type: ignore[attr-defined]
        page.evaluate(f"() => {{ ({graph}).__clioTestSeen = true; }}")  # type: ignore[attr-defined]  # drawn before
        _pick_other_option(page, ".clio-tree:visible select", "/^[▸▾]/.test(o.text)")
        page.wait_for_function("(h) => Array.from(document.querySelectorAll('.clio-detail h3'))"  # type: ignore
                               ".some(e => e.offsetParent && e.innerText !== h)", arg=heading, timeout=30_000)
        for _ in range(2):
            heading = page.locator(".clio-detail:visible h3").first.inner_text()  # type: ignore[attr-defined]
            # a sunburst drawn since the last step, seen as soon as it has slices: hooked already?
            page.wait_for_function(f"() => {{ const gd = {graph};"  # type: ignore[attr-defined]
                                   " return gd && !gd.__clioTestSeen && gd.querySelectorAll('g.slice text').length; }",
                                   timeout=60_000)
            hooked = page.evaluate(f"() => {{ const gd = {graph};"  # type: ignore[attr-defined]
                                   " gd.__clioTestSeen = true; return gd.hasAttribute('data-clio-events'); }")
            # the middle of the label of a sub-cluster with sub-clusters of its own (a ring slice's box may lie
            # mostly over other slices)
            spot = page.evaluate(f"() => {{ const gd = {graph};"  # type: ignore[attr-defined]
                                 " const g = Array.from(gd.querySelectorAll('g.slice'))"
                                 ".find(g => g.__data__ && g.__data__.data.data.id !== gd.data[0].level"
                                 " && g.__data__.children && g.__data__.children.length"
                                 " && g.querySelector('text')"
                                 " && g.querySelector('text').getBoundingClientRect().width);"
                                 " if (!g) return null; const b = g.querySelector('text').getBoundingClientRect();"
                                 " return [b.x + b.width / 2, b.y + b.height / 2]; }")
            if spot is None:
                break
            page.mouse.click(*spot)  # type: ignore[attr-defined]
            assert hooked, "the redrawn sunburst was drawn before its clicks were hooked"
            page.wait_for_function("(h) => Array.from(document.querySelectorAll('.clio-detail h3'))"  # type: ignore
                                   ".some(e => e.offsetParent && e.innerText !== h)", arg=heading, timeout=30_000)
    born = page.evaluate("() => window.__clioHookedAtBirth")  # type: ignore[attr-defined]
    assert len(born) >= 3 and all(born), born
    assert not blocked and not [e for e in errors if "widget" in e.lower() or "plotly" in e.lower()], (blocked, errors)
