"""The code passes the linter, has no import cycle, no dead code, and type-checks.

The tools and their settings are in pyproject.toml (``[tool.ruff]``, ``[tool.vulture]``,
``[tool.mypy]``); they are in the ``test`` extra, so these checks always run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "posttime"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True)


def test_ruff_finds_nothing():
    run = _run("ruff", "check", "src", "tests", "scripts", "benchmarks")
    assert run.returncode == 0, run.stdout + run.stderr


def test_vulture_finds_no_dead_code(tmp_path):
    # The render registry names its functions as strings (their modules load on first
    # use), which vulture cannot follow: the registry's names are given to it as uses, so
    # a renderer the registry does not name is still reported.
    from posttime.render import RENDERERS

    registry = tmp_path / "render_registry.py"
    registry.write_text("".join(f"{target.split(':')[1]}\n" for target in RENDERERS.values()))
    run = _run("vulture", "src", "tests", "scripts", "benchmarks", str(registry))
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
def test_mypy_passes_on_the_public_api_and_the_core():
    run = _run("mypy")
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------------------------------
# Import cycles
# --------------------------------------------------------------------------------------


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, read from the sources.

    Every import statement counts, at module level or inside a function: a function-level
    import only delays a dependency, it does not remove it. Imports under
    ``if TYPE_CHECKING:`` are left out: they never run, they only name types for the type
    checker. ``from pkg import name`` is an edge to the submodule ``pkg.name`` when there is
    one, else to ``pkg`` itself.
    """
    root = package.parent
    modules = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path

    def known(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    top = package.name
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for guard in ast.walk(tree):
            if isinstance(guard, ast.If) and ast.unparse(guard.test).endswith("TYPE_CHECKING"):
                guard.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges |= {known(a.name) for a in node.names if a.name.split(".")[0] == top}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    if path.name != "__init__.py":
                        base.pop()
                    base = base[: len(base) - node.level + 1]
                    target = ".".join([*base, node.module] if node.module else base)
                else:
                    target = node.module or ""
                if target.split(".")[0] != top:
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    edges.add(sub if sub in modules else known(target))
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_cycle_inside_the_package():
    found = cycles(import_graph(PACKAGE))
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cli_never_imports_the_generator():
    """``posttime.simulate`` serves tests, samples and benchmarks: no import chain from the
    command line (or the package root) reaches it, not even a lazy one."""
    graph = import_graph(PACKAGE)
    reached, todo = set(), ["posttime.__main__", "posttime"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(graph[name])
    assert "posttime.cli" in reached and "posttime.analysis" in reached
    assert "posttime.simulate" not in reached


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_cycle_check_sees_lazy_relative_and_package_imports(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "def __getattr__(name):\n    from pkg.core import run\n    return run\n",
        "core.py": "from pkg import __version__\nfrom . import util\n",
        "util.py": "import os\n",
        "sub/__init__.py": "",
        "sub/a.py": "from ..sub import b\n",
        "sub/b.py": "def f():\n    from .a import g\n",
    })
    graph = import_graph(package)
    assert graph["pkg"] == {"pkg.core"}
    assert graph["pkg.core"] == {"pkg", "pkg.util"}
    assert graph["pkg.util"] == set()
    assert graph["pkg.sub.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.sub.a"}
    assert cycles(graph) == [["pkg", "pkg.core"], ["pkg.sub.a", "pkg.sub.b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
