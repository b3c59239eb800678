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
