"""The guide's 文书 page (``practice/documents.md``) and its sample pictures, drawn from the
demo district with every personal value replaced (学生甲, 监护人甲 …). The page is committed
in the repo's ``site/`` like the other generated pages; ``python -m kcbx.outputs.site``
refreshes it (the samples come from ``pipeline.document_samples``) and
``tests/test_site_guide.py`` checks it matches the code."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..documents.catalogue import KINDS
from ..documents.samples import Sample

PAGE = "practice/documents.md"
PICTURES = "practice/documents"


def guide_files(env: jinja2.Environment, samples: list[Sample]) -> dict[str, str | bytes]:
    """The page (Markdown) and its pictures (PNG), by path relative to the docs folder."""
    by_kind = {s.kind.kind: s for s in samples}
    files: dict[str, str | bytes] = {PAGE: env.get_template("documents.md.j2").render(
        kinds=KINDS, samples=by_kind, pictures=Path(PICTURES).name)}
    for s in samples:
        files[f"{PICTURES}/{s.kind.slug}.png"] = s.image
    return files


def write_guide(docs: Path, files: dict[str, str | bytes]) -> None:
    """Replace the page and its pictures under ``docs`` (the repo's ``site/``)."""
    for old in (docs / PICTURES).glob("*.png"):
        old.unlink()
    for rel, content in files.items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
