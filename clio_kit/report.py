"""Self-contained HTML reports of a run: ``notebooks/report.ipynb`` run by papermill, exported by nbconvert.

The report reads only the privacy-gated :class:`~clio_kit.privacy.view.PrivacyView` and the run's manifest, never
conversations or per-conversation facets. The HTML hides all code, embeds plotly.js exactly once and loads nothing
from the network, so it opens offline, from a file, in any browser.

>>> from clio_kit.report import render_report, table_html
>>> render_report("runs/demo", "reports/demo.html", params={"top_n": 20})   # doctest: +SKIP
>>> import pandas as pd
>>> "&lt;b&gt;" in table_html(pd.DataFrame({"name": ["<b>"]})).data
True

The helpers below (``figure``, ``table_html``, ``sunburst_figure``, ...) are what the report notebook calls; they are
pure functions of view tables, so they can be tested without running a kernel. The figures and number formats are
:mod:`clio_kit.presentation`'s, shared with the widgets (``sunburst_figure``, ``treemap_figure``, ``lift_heatmap``,
``lift_scale`` and ``value_label`` are its functions under the names the notebooks use).
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .config import python_path, quiet_environment
from .errors import ClioError, ConfigError, InputError
from .store import RunStore
from .presentation.figures import distribution_bar as distribution_figure
from .presentation.figures import lift_heatmap, lift_scale, trend_lines
from .presentation.figures import sunburst as sunburst_figure
from .presentation.figures import treemap as treemap_figure
from .presentation.formatting import fmt_q, value_label
from .presentation.html import frame_html
from .privacy.view import SUPPRESSED_LABEL

__all__ = ["render_report", "ReportKernel", "execute_notebook", "notebook_to_html", "notebook_path", "REPORT_PARAMETERS",
           "OFFLINE_BANNER", "coverage_html", "plotly_init_html", "figure",
           "figure_html", "table_html", "banner_html", "run_metadata", "privacy_tables", "sunburst_figure",
           "treemap_figure", "hierarchy_frame", "sample_text", "STAGE_NOTES",
           "hierarchy_html", "value_label", "common_values", "strongest_overrepresentations", "lift_heatmap",
           "distribution_figure", "trend_frequency", "trend_figure", "lift_scale"]

#: notebook parameters a caller may set through ``params`` (``run_dir`` and ``title`` have their own arguments)
REPORT_PARAMETERS = ("facet", "compare_languages", "top_n", "level", "compare_split")
OFFLINE_BANNER = "Names generated offline from key phrases, not by an LLM"
KERNEL_NAME = "clio-kit-report"
#: what must never be in a report: a script, stylesheet, frame or image loaded from the network
EXTERNAL_RESOURCE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
                               re.IGNORECASE)

# nbconvert's lab template minus everything it would fetch from a CDN (require.js, MathJax, mermaid, widgets)
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

REPORT_CSS = """<style>
.clio-banner {border: 2px solid #b45309; background: #fef3c7; color: #422006; padding: 8px 12px; margin: 8px 0;
              border-radius: 4px; font-size: 1.05em}
.clio-note {color: #555; font-size: 0.95em}
.jp-RenderedHTMLCommon table.clio-table {border-collapse: collapse; margin: 6px 0 14px 0; font-size: 0.92em}
.jp-RenderedHTMLCommon table.clio-table th, .jp-RenderedHTMLCommon table.clio-table td {
    padding: 3px 8px; border-bottom: 1px solid #e5e5e5; text-align: left !important; vertical-align: top}
.jp-RenderedHTMLCommon ul.clio-tree {list-style: none !important; padding-left: 1.4em; margin: 2px 0}
.jp-RenderedHTMLCommon > ul.clio-tree {padding-left: 0}
.jp-RenderedHTMLCommon > ul.clio-tree > li {font-weight: 600; margin-top: 6px}
.jp-RenderedHTMLCommon ul.clio-tree ul.clio-tree li {font-weight: normal}
ul.clio-tree li {margin: 1px 0}
ul.clio-tree .count {color: #666; font-size: 0.9em; font-weight: normal}
ul.clio-tree .hidden {color: #888; font-style: italic}
</style>"""


# -- rendering --------------------------------------------------------------------------------------------------
def notebook_path() -> Path:
    """The report notebook: ``notebooks/report.ipynb`` in the repository that holds this package."""
    path = Path(__file__).resolve().parent.parent / "notebooks" / "report.ipynb"
    if not path.is_file():
        raise ClioError(f"report notebook not found at {path}: reports need clio-kit's repository checkout "
                        f"(pip install -e .), which ships notebooks/report.ipynb")
    return path


def render_report(run_dir: str | os.PathLike[str], out: str | os.PathLike[str], *, title: str = "clio-kit report",
                  params: Mapping[str, Any] | None = None, progress: bool = True,
                  kernel: ReportKernel | None = None) -> Path:
    """Run the report notebook on ``run_dir`` and write one self-contained, offline HTML file to ``out``.

    ``params`` sets the notebook's other parameters: ``facet`` (default ``"language"``), ``compare_languages``
    (default: the most common), ``top_n`` (15), ``level`` (``None``: the top level) and ``compare_split`` (a date:
    the "Changes over time" section compares the base clusters before and after it; ``None``: not requested).
    ``kernel``: a :class:`ReportKernel` started earlier (e.g. before the run), used and shut down; ``None``
    starts one now. Returns ``out``.

    >>> render_report("runs/demo", "reports/demo.html", title="Demo", params={"facet": "n_turns"})  # doctest: +SKIP
    """
    from .run import open_run

    run_dir = Path(run_dir).expanduser().resolve()
    out_path = Path(out).expanduser().resolve()
    try:
        parameters = _check_parameters(run_dir, dict(params or {}))
        notebook = notebook_path()
        if not open_run(run_dir).complete:
            raise InputError(f"run {run_dir} has not finished its privacy stage; re-run it before reporting")
    except BaseException:
        if kernel is not None:  # a kernel started ahead is not left running
            kernel.close()
        raise
    executed = execute_notebook(notebook, {"run_dir": str(run_dir), "title": title, **parameters},
                                progress=progress, kernel=kernel)
    page = notebook_to_html(executed, title)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out_path)
    return out_path


class ReportKernel:
    """A kernel for one report, started now in a background thread, so that its start-up (a new Python process
    importing pandas, plotly and clio_kit: seconds) overlaps other work, such as the run being reported.

    Give it to :func:`render_report` (``kernel=``): it serves one report and is shut down after it (or by
    :meth:`close`). The report is the same as with a kernel started on demand: the imports it runs ahead are
    silent (no output, no execution count).

    >>> kernel = ReportKernel()                                   # doctest: +SKIP
    >>> run = clio_kit.Pipeline().run(conversations, "runs/x")     # doctest: +SKIP
    >>> render_report(run.path, "reports/x.html", kernel=kernel)  # doctest: +SKIP
    """

    _PRELOAD = "import html, pandas, plotly.graph_objects, IPython.display, clio_kit, clio_kit.report"

    def __init__(self, preload: bool = True) -> None:
        import threading

        self.preload = preload
        self._folder = tempfile.TemporaryDirectory(prefix="clio-kernel-")
        self._manager: Any = None
        self._error: BaseException | None = None
        self._used = False
        self._thread = threading.Thread(target=self._start, name="clio-report-kernel", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        import asyncio

        try:
            kernel_dirs = Path(self._folder.name) / "kernels"
            _write_kernel_spec(kernel_dirs / KERNEL_NAME)
            manager = _kernel_manager_class(kernel_dirs)(kernel_name=KERNEL_NAME)
            asyncio.run(self._boot(manager))
            self._manager = manager
        except Exception as error:  # reported to the thread that renders (take)
            self._error = error

    async def _boot(self, manager: Any) -> None:
        await manager.start_kernel()
        if not self.preload:
            return
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            await client.execute_interactive(self._PRELOAD, silent=True, store_history=False, timeout=300)
        finally:
            client.stop_channels()

    def take(self) -> Any:
        """The started kernel's manager, once (waits for the start); a failed start raises :class:`ClioError`."""
        if self._used:
            raise ClioError("a ReportKernel serves one report; start a new one for the next")
        self._used = True
        self._thread.join()
        if self._error is not None or self._manager is None:
            raise ClioError(f"the report kernel did not start: {self._error}")
        return self._manager

    def close(self) -> None:
        """Shut the kernel down (if it started) and remove its spec folder."""
        from jupyter_core.utils import run_sync

        self._used = True
        self._thread.join()
        if self._manager is not None and self._manager.has_kernel:
            run_sync(self._manager.shutdown_kernel)(now=True)
        self._manager = None
        self._folder.cleanup()


def execute_notebook(notebook: str | os.PathLike[str], parameters: Mapping[str, Any], *,
                     progress: bool = True, kernel: ReportKernel | None = None) -> Any:
    """Run a notebook with papermill in a kernel of this interpreter (which can import this clio_kit).

    ``kernel``: a :class:`ReportKernel` started ahead (used, then shut down); ``None``: one is started now.
    Returns the executed notebook; a failing cell raises a one-line :class:`ClioError`.

    >>> nb = execute_notebook("notebooks/quickstart.ipynb", {"sample": 100})   # doctest: +SKIP
    """
    # nbformat imports jsonschema, which imports rfc3987_syntax when installed: it compiles ~40 Lark grammars at
    # import (~2 s of CPU, a third of a report) for IRI format checks that notebook validation never makes
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import nbformat
    import papermill

    from .progress import progress_enabled

    with tempfile.TemporaryDirectory(prefix="clio-notebook-") as tmp:
        kernel_dirs = Path(tmp) / "kernels"
        _write_kernel_spec(kernel_dirs / KERNEL_NAME)
        started = {"km": kernel.take()} if kernel is not None else {}  # nbclient leaves a given kernel running
        try:
            executed = papermill.execute_notebook(
                str(notebook), str(Path(tmp) / Path(notebook).name), parameters=dict(parameters),
                kernel_name=KERNEL_NAME, kernel_manager_class=_kernel_manager_class(kernel_dirs),
                progress_bar=progress_enabled(progress), request_save_on_cell_execute=False, **started)
        except papermill.PapermillExecutionError as exc:
            message = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
            raise ClioError(f"{Path(notebook).name} failed in cell {exc.exec_count}: {exc.ename}: {message}") \
                from None
        finally:
            if kernel is not None:
                kernel.close()
    executed = nbformat.from_dict(executed)
    for cell in executed.cells:  # papermill gives its injected cell a random id; reports must be reproducible
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    return executed


def notebook_to_html(nb: Any, title: str) -> str:
    """Export an executed notebook to HTML: no code, no prompts, no stderr, nothing loaded from the network."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    for cell in nb.cells:
        if cell.get("cell_type") == "code":  # warnings and progress bars are not part of a report
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"clio_report.html.j2": _TEMPLATE})],
                            template_file="clio_report.html.j2", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    page, _ = exporter.from_notebook_node(nb)
    found = EXTERNAL_RESOURCE.search(page)
    if found:
        raise ClioError(f"the report would load a resource from the network ({found.group(0)[:80]}...); refusing")
    return page


def _check_parameters(run_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(params) - set(REPORT_PARAMETERS))
    if unknown:
        raise ConfigError(f"unknown report parameter(s): {', '.join(unknown)}; "
                          f"choose from {', '.join(REPORT_PARAMETERS)}")
    if "top_n" in params and (not isinstance(params["top_n"], int) or params["top_n"] < 1):
        raise ConfigError(f"top_n must be a positive integer, got {params['top_n']!r}")
    if isinstance(params.get("compare_languages"), str):
        params["compare_languages"] = [params["compare_languages"]]
    if "compare_languages" in params:
        params["compare_languages"] = [str(v) for v in params["compare_languages"] or []]
    if params.get("compare_split") is not None:
        from .privacy.monitoring import parse_time

        params["compare_split"] = parse_time(params["compare_split"], "compare_split").isoformat()
    if not (run_dir / RunStore.MANIFEST).exists():
        raise InputError(f"not a clio-kit run directory (no {RunStore.MANIFEST}): {run_dir}")
    if params.get("facet") is not None or params.get("level") is not None:
        from .run import open_run

        view = open_run(run_dir).view()
        if params.get("facet") is not None and params["facet"] not in view.facets:
            raise ConfigError(f"facet {params['facet']!r} is not available; choose from {', '.join(view.facets)}")
        if params.get("level") is not None and params["level"] not in view.levels:
            raise ConfigError(f"level {params['level']!r} does not exist; levels are {view.levels}")
    return params


def _write_kernel_spec(directory: Path) -> None:
    """A kernel spec that runs this very interpreter and can import this very clio_kit."""
    directory.mkdir(parents=True, exist_ok=True)
    package_root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(p for p in (package_root, python_path()) if p)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--IPKernelApp.log_level=CRITICAL"],
            "display_name": "clio-kit report (Python)", "language": "python",
            "env": {"PYTHONPATH": pythonpath, **quiet_environment(), "PYTHONWARNINGS": "ignore"}}
    (directory / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _kernel_manager_class(kernel_dirs: Path) -> type:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ReportKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernel_dirs)])

    return ReportKernelManager


# -- display helpers the notebook uses --------------------------------------------------------------------------
def plotly_init_html() -> str:
    """plotly.js inline, once per report (every figure after it reuses it), and the report's CSS."""
    from plotly.offline import get_plotlyjs

    return (f"{REPORT_CSS}<script type=\"text/javascript\">window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>"
            f"<script type=\"text/javascript\">{get_plotlyjs()}</script>")


def figure_html(fig: Any, key: str) -> str:
    """A figure as an HTML fragment with a stable div id and no plotly.js (the report loads it once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False,
                       div_id=f"clio-{re.sub(r'[^A-Za-z0-9_-]', '-', key)}",
                       config={"displaylogo": False, "responsive": True, "displayModeBar": False})


def figure(fig: Any, key: str) -> None:
    """Show a figure: HTML for the exported report, plotly's own mime type for live JupyterLab."""
    from IPython.display import display

    display({"text/html": figure_html(fig, key), "application/vnd.plotly.v1+json": json.loads(fig.to_json())},
            raw=True)


def table_html(frame: pd.DataFrame, *, index: bool = False) -> Any:
    """An escaped HTML table (cell text is never interpreted as markup); blank cells for missing values."""
    from IPython.display import HTML

    return HTML(frame_html(frame, index=index))


def banner_html(uses_llm: bool, manifest: Mapping[str, Any] | None = None) -> str:
    """The offline-names banner (empty for LLM-named runs; who wrote the names, for hybrid-named runs)."""
    from .evidence import evidence_note

    note = evidence_note(manifest or {})
    if note:
        return f"<div class=\"clio-banner\">{html.escape(note)}</div>"
    if uses_llm:
        return ""
    return (f"<div class=\"clio-banner\"><b>{html.escape(OFFLINE_BANNER)}.</b> This run used clio-kit's offline "
            f"backend: cluster names and descriptions are key phrases shared by many users, and summaries are "
            f"extracted sentences. Read names as labels, not as an analyst's or a model's judgement.</div>")


def coverage_html(summary: Mapping[str, Any]) -> str:
    """What the thresholds do not cover, on the report's face: user counts that are not users (missing user ids)
    and conversations not analysed (failed facet requests). ``summary`` is ``PrivacyView.privacy_summary()``."""
    parts = []
    users = summary.get("user_ids") or {}
    if not summary.get("user_counts_available", True):
        parts.append(f"<b>{html.escape(str(users.get('note') or 'user counts unavailable'))}.</b> "
                     f"{int(users.get('n_missing_user_id', 0)):,} of {int(users.get('n_conversations', 0)):,} "
                     f"conversations have no user id; each counts as its own user "
                     f"(user_id_policy={html.escape(str(users.get('policy')))!r}).")
    if summary.get("n_not_analysed"):
        parts.append(f"<b>{int(summary['n_not_analysed']):,} conversations not analysed</b>: their facet requests "
                     "failed; they are in no table or figure, and the next run of this configuration asks again.")
    return "".join(f'<div class="clio-banner">{p}</div>' for p in parts)


def run_metadata(manifest: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Tables of run facts from the manifest: ``run``, ``config``, ``packages``, ``stages``."""
    source = manifest.get("input", {})
    input_hash = source.get("sha256") or source.get("conversations") or \
        (f"{len(source['dir'])} files" if source.get("dir") else None)
    source_name = source.get("source")
    if source.get("description"):  # what the caller said the conversations are (e.g. the demo's sample)
        source_name = source["description"]
    elif source_name == "python":
        source_name = "conversations passed in from Python (no file)"
    elif source_name:
        source_name = Path(str(source_name)).name  # the file's name, not where it lives on someone's disk
    backend = manifest.get("backend", {})
    backend_text = f"{backend.get('name')} ({'names, facets and audit by an LLM' if backend.get('uses_llm') else 'no LLM'})"
    if backend.get("names_by_model") and not backend.get("uses_llm"):
        backend_text = f"{backend.get('name')} (facets offline; names and audit by an LLM from k-anonymous evidence)"
    if backend.get("model"):
        backend_text += f", model {backend['model']}"
    embedder = manifest.get("components", {}).get("embedder", {})
    rows = [("Input", source_name), ("Input hash", input_hash), ("Config hash", manifest.get("config_hash")),
            ("Backend", backend_text), ("Embedder", embedder.get("name") or embedder.get("class")),
            ("clio-kit", manifest.get("clio_kit_version")), ("Python", manifest.get("python")),
            ("Finished", manifest.get("finished")),
            ("Total time", f"{manifest['total_seconds']:.1f} s" if manifest.get("total_seconds") else None)]
    prompts = manifest.get("prompt_hashes") or {}
    if prompts:
        rows.append(("Prompt hashes", ", ".join(f"{k} {str(v)[:12]}" for k, v in sorted(prompts.items()))))
    run = pd.DataFrame([(k, "" if v is None else str(v)) for k, v in rows], columns=["", "value"])
    config = pd.DataFrame(sorted(_flatten(manifest.get("config", {})).items()), columns=["setting", "value"])
    config["value"] = config["value"].map(lambda v: "default" if v is None else str(v))
    packages = pd.DataFrame([(k, v or "not installed") for k, v in sorted(manifest.get("packages", {}).items())],
                            columns=["package", "version"])
    stages = pd.DataFrame([
        {"stage": name, "what it does": STAGE_NOTES.get(name, ""), "status": rec.get("status"),
         "seconds": None if rec.get("seconds") is None else round(float(rec["seconds"]), 2),
         # per-value counts (e.g. languages) are left out: their small cells are below the privacy thresholds
         "counts": ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                             for k, v in rec.get("counts", {}).items() if not isinstance(v, (dict, list)))}
        for name, rec in manifest.get("stages", {}).items()])
    return {"run": run, "config": config, "packages": packages, "stages": stages}


#: one line per pipeline stage for the report's stage table (why a stage may take a while)
STAGE_NOTES = {
    "ingest": "read and validate the input; set aside malformed records",
    "facets": "describe each conversation (summary, task, language, counts)",
    "embed": "embed the summaries (the slowest stage offline)",
    "cluster": "group the embeddings into base clusters",
    "name": "name and describe each cluster",
    "hierarchy": "group clusters level by level",
    "privacy": "gate clusters and cells (thresholds, name audit) and draw the 2-D cluster map (a t-SNE of the base "
               "clusters' centroids: about a second)",
}


def sample_text(manifest: Mapping[str, Any], total: int) -> str:
    """What the run analysed, in words: the caller's description, the sample size, or all conversations."""
    source = manifest.get("input", {})
    if source.get("description"):
        return str(source["description"])
    sample = manifest.get("config", {}).get("sample")
    where = "the input" if source.get("source") not in (None, "python") else "the conversations passed in"
    if sample:
        return f"a sample of {total:,} conversations of {where} (sample = {int(sample):,})"
    return f"all {total:,} conversations of {where}"


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def privacy_tables(summary: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Tables from ``PrivacyView.privacy_summary()``: ``thresholds``, ``levels``, ``reasons``, ``audit``."""
    labels = {"min_users": "distinct users per shown cell (at least)",
              "min_conversations": "conversations per shown cell (at least)",
              "min_audit_score": "audit score of a shown cluster's name (1-5, at least)",
              "dominance_users": "largest users counted by the dominance rule",
              "dominance_share": "share of a shown cluster's conversations its largest users hold (at most)",
              "min_phrase_users": ("distinct users behind each key phrase of an offline name and each "
                                   "4-word sequence of an LLM-written one (at least)")}
    thresholds = pd.DataFrame([(labels.get(k, k), v) for k, v in summary.get("thresholds", {}).items()],
                              columns=["threshold", "value"])
    levels = pd.DataFrame([{"level": lv["level"], "clusters": lv["n_clusters"], "visible": lv["n_visible"],
                            "hidden": lv["n_clusters"] - lv["n_visible"],
                            "conversations in hidden clusters": lv["hidden_conversations"],
                            "share hidden": f"{lv['hidden_conversation_share']:.1%}"}
                           for lv in sorted(summary.get("levels", []), key=lambda r: -r["level"])])
    reasons = pd.DataFrame(sorted(summary.get("hidden_reasons", {}).items(), key=lambda kv: -kv[1]),
                           columns=["why hidden", "clusters"])
    audit = pd.DataFrame(sorted(summary.get("audit_scores", {}).items()), columns=["audit score", "clusters"])
    return {"thresholds": thresholds, "levels": levels, "reasons": reasons, "audit": audit}


# -- figures and tables from the view ---------------------------------------------------------------------------
def hierarchy_frame(tree: Sequence[Mapping[str, Any]], total: int) -> pd.DataFrame:
    """The visible hierarchy as a flat table (``depth``, indented ``cluster``, conversations, share) for export."""
    rows: list[dict[str, Any]] = []

    def walk(nodes: Sequence[Mapping[str, Any]], depth: int) -> None:
        for node in nodes:
            rows.append({"depth": depth, "cluster": "    " * depth + str(node["name"]),
                         "conversations": int(node["n_conversations"]),
                         "share": f"{node['n_conversations'] / max(total, 1):.1%}"})
            walk(node.get("children") or [], depth + 1)

    walk(tree, 0)
    return pd.DataFrame(rows, columns=["depth", "cluster", "conversations", "share"])


def hierarchy_html(tree: Sequence[Mapping[str, Any]], total: int) -> str:
    """The visible hierarchy as a nested, escaped list with conversation counts and shares."""

    def items(nodes: Sequence[Mapping[str, Any]]) -> str:
        parts = []
        for node in nodes:
            share = node["n_conversations"] / max(total, 1)
            name = html.escape(str(node["name"]))
            label = f"<span class=\"hidden\">{name}</span>" if node.get("cluster_id") is None else name
            kids = node.get("children") or []
            parts.append(f"<li>{label} <span class=\"count\">{node['n_conversations']:,} ({share:.1%})</span>"
                         + (f"<ul class=\"clio-tree\">{items(kids)}</ul>" if kids else "") + "</li>")
        return "".join(parts)

    return f"<ul class=\"clio-tree\">{items(tree)}</ul>"


def common_values(distribution: pd.DataFrame, n: int = 6, *, skip: Iterable[str] = ("und", "unknown")) -> list[str]:
    """The ``n`` most common shown values of a ``facet_distribution`` (no suppressed pool, no unknowns)."""
    skip = {*skip, SUPPRESSED_LABEL}
    values = distribution.sort_values(["n_conversations", "value"], ascending=[False, True])["value"]
    return [str(v) for v in values if str(v) not in skip][:n]


def strongest_overrepresentations(rates: pd.DataFrame, n: int = 15, values: Sequence[str] | None = None,
                                  facet: str = "language", alpha: float = 0.05) -> pd.DataFrame:
    """The ``n`` largest significant lifts (above 1, q < ``alpha``) among shown cells, formatted for display."""
    shown = rates[~rates["suppressed"].astype(bool) & (rates["lift"] > 1) & (rates["q_value"] < alpha)].copy()
    if values:
        shown = shown[shown["value"].astype(str).isin([str(v) for v in values])]
    shown = shown.sort_values(["lift", "n_conversations", "name"], ascending=[False, False, True]).head(n)
    out = pd.DataFrame({
        "level": shown["level"].astype(int) if "level" in shown else None,
        "cluster": shown["name"],
        facet: [value_label(facet, v) for v in shown["value"]],
        "conversations": shown["n_conversations"].astype(int),
        "share in cluster": shown["share_in_cluster"].map("{:.1%}".format),
        "share overall": shown["share_overall"].map("{:.1%}".format),
        "lift": shown["lift"].map("{:.2f}".format),
        "95% interval": [f"{lo:.2f} - {hi:.2f}" for lo, hi in zip(shown["lift_low"], shown["lift_high"])],
        "q-value": shown["q_value"].map(lambda q: fmt_q(q, missing="")),
    })
    if "level" not in shown:
        out = out.drop(columns="level")
    return out.reset_index(drop=True)


def trend_frequency(periods: pd.Series) -> str:
    """A bucket size for a time span: days under 3 weeks, weeks under ~6 months, months beyond."""
    periods = pd.to_datetime(periods).dropna()
    if periods.empty:
        return "W"
    span = (periods.max() - periods.min()).days
    return "D" if span < 21 else "W" if span < 183 else "M"


def trend_figure(trend: pd.DataFrame, series: Sequence[tuple[Any, str]], *, key: str = "cluster_id") -> Any:
    """Lines of conversations per period, one per ``(key value, label)`` in ``series``; suppressed periods are gaps.

    ``trend`` is ``PrivacyView.trend(...)`` (``key="cluster_id"``) or a per-value table (``key="value"``).
    """
    return trend_lines(trend, series=series, key=key, height=420)
