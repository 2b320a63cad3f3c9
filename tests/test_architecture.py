"""The import graph: layers kept (import-linter contracts in pyproject.toml), no cycles, no private names across
modules. Lazy imports (inside functions) and ``TYPE_CHECKING`` imports count: moving an import into a function
hides a cycle from Python, not from the design.
"""

from __future__ import annotations

import ast
import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import grimp
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("clio_kit", "widgets")
#: where private names must not cross a module boundary (tests may reach into internals)
CHECKED_FOLDERS = ("clio_kit", "widgets", "benchmarks")


def test_import_linter_contracts_are_kept() -> None:
    from importlinter.cli import lint_imports

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert status == 0, out.getvalue()[-4000:]


def test_every_module_sits_in_a_layer() -> None:
    """import-linter skips modules no layer names: a new module must be placed, or its imports go unchecked."""
    import tomllib

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in settings["tool"]["importlinter"]["contracts"] if c["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split(":")}
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in (ROOT / "clio_kit").rglob("*.py")}
    unplaced = sorted(m for m in modules - {"clio_kit", "clio_kit.privacy"}  # packages whose parts are placed
                      if not any(m == n or m.startswith(n + ".") for n in placed))
    assert unplaced == []


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other in a circle (a strongly connected component of two or more
    modules), each as one shortest circle through its first module (sorted), e.g. ``[a, b, a]``."""
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = [(index[m], index[imported]) for m in modules for imported in graph.find_modules_directly_imported_by(m)]
    rows, cols = (np.array(side, dtype=int) for side in zip(*edges)) if edges else (np.array([], int),) * 2
    adjacency = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(modules), len(modules)))
    _, labels = connected_components(adjacency, directed=True, connection="strong")
    cycles = []
    for label in np.unique(labels):
        members = sorted(modules[i] for i in np.flatnonzero(labels == label))
        if len(members) < 2:
            continue
        first = members[0]
        back = min((graph.find_shortest_chain(importer=other, imported=first) or () for other in members[1:]
                    if graph.direct_import_exists(importer=first, imported=other)), key=len)
        cycles.append([first, *back])
    return cycles


def test_import_cycles_are_found_including_lazy_ones() -> None:
    graph = grimp.ImportGraph()
    for module in ("p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")  # a -> b -> c -> a
    graph.add_import(importer="p.d", imported="p.a")  # d only imports: not in a cycle
    assert import_cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]


def test_no_import_cycles_in_clio_kit_or_widgets() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)  # every import statement, function-level ones included
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _project(module: str) -> bool:
    return module.split(".")[0] in (*PACKAGES, "benchmarks")


def private_imports(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """``module: name from other`` for each private name (``_x``, not dunder) that ``source`` takes from another
    project module: ``from other import _x``, or ``other._x`` on a name bound to another project module."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> project module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _project(alias.name):
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(node, module, is_package)
            if not _project(origin) or origin == module:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"{module}: {alias.name} from {origin}"
                else:  # `from pkg import module` binds a module: its attributes are checked below
                    aliases[alias.asname or alias.name] = f"{origin}.{alias.name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and aliases[node.value.id] != module):
            yield f"{module}: {node.attr} from {aliases[node.value.id]}"


def test_private_imports_are_detected() -> None:
    source = ("from .hierarchy import _as_counts, ancestors\nfrom ..pipeline import _truncate\n"
              "import clio_kit.report as rpt\nrpt._format_q(1)\nfrom . import static\nstatic._missing(None)\n"
              "from .own import __version__\nimport numpy as np\nnp._NoValue\n")
    found = sorted(private_imports(source, "clio_kit.privacy.view"))
    assert found == ["clio_kit.privacy.view: _as_counts from clio_kit.privacy.hierarchy",
                     "clio_kit.privacy.view: _format_q from clio_kit.report",
                     "clio_kit.privacy.view: _missing from clio_kit.privacy.static",
                     "clio_kit.privacy.view: _truncate from clio_kit.pipeline"]
    assert list(private_imports("from ._impl import _helper\n", "clio_kit.io", is_package=True)) == \
        ["clio_kit.io: _helper from clio_kit.io._impl"]


def test_no_private_names_cross_modules() -> None:
    found = []
    for folder in CHECKED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.extend(private_imports(path.read_text(encoding="utf-8"), _module_name(path),
                                         path.name == "__init__.py"))
    assert found == [], "private names used across modules:\n" + "\n".join(found)
