"""The folder layout shows the pipeline: stages do not reach back into the composer."""

from __future__ import annotations

import ast
from pathlib import Path

import kcbx

PACKAGE = Path(kcbx.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the kcbx modules ``path`` imports (relative imports resolved)."""
    module = ".".join(("kcbx", *path.relative_to(PACKAGE).with_suffix("").parts))
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return found


def test_no_stage_module_imports_the_pipeline():
    """Outputs, validation, tables and sources get what they need handed to them; only
    commands and entry points (``__main__``) call ``kcbx.pipeline``."""
    offenders = []
    for stage in ("outputs", "validation", "tables", "sources"):
        for path in sorted((PACKAGE / stage).rglob("*.py")):
            if path.name != "__main__.py" and "kcbx.pipeline" in imported_modules(path):
                offenders.append(path.relative_to(PACKAGE).as_posix())
    assert offenders == []


def test_the_import_check_sees_relative_imports():
    """The check above would find ``from ... import pipeline`` in a stage module."""
    assert "kcbx.pipeline" in imported_modules(PACKAGE / "outputs" / "site" / "__main__.py")


def import_graph() -> dict[str, set[str]]:
    """Each kcbx module → the kcbx modules it imports anywhere in its text (at the top, in a
    function, under TYPE_CHECKING). A module's own parent packages are left out: Python
    imports them before the module in any case."""
    modules = {".".join(("kcbx", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imported_modules(path)
                   if m in modules and m != name and not name.startswith(m + ".")}
            for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another round a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append(sorted([v, *group]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_round_a_circle():
    """A source registers itself (``sources/base.py`` imports no implementation), and the
    checks share ``validation.tableset.Tables`` instead of importing one another for it."""
    assert circles(import_graph()) == []


def test_the_circle_check_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
