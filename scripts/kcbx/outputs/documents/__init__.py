"""文书: the paper the work plan asks for, drafted from the 台账 in official-document layout.

- 《失学辍学情况报告单》 ("以纸质形式报告区教育局和乡镇（街道）政府", the same day): one per case
  discovered in the period, with one combined PDF per 乡镇（街道） for the government copy;
- the 四步法 documents of every open case at the step its dates show (``steps``): the
  school's 劝返情况报告, a draft 《限期复学通知书》, the request for 行政处罚, the report to
  the 司法部门;
- the 一人一方案 of every returned child ("追回来的学生要有一人一方案");
- the bureau's 督查通报 of the period, from the validation report (``bulletin``);
- in December, the draft 年度工作总结 of the calendar year (``annual``), from the year's
  figures the caller hands in.

Each is laid out after GB/T 9704-2012 (``gbt9704.typ``); documents staff edit before they go
out also come as .docx (``word``). Drafts carry “草稿” until their 文号 is set in kcbx.yml
(``document_numbers``). Written into ``<outputs>/documents/<period>/`` with a 字体说明.txt
naming any font that stood in; a case with facts missing gets its document with the blanks
marked and a 提醒, never a failed stage.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...atomic import write_bytes, write_text
from ...config import Config
from ...errors import KcbxError
from ...findings import Report
from ...names import safe_name
from ..fonts import DocumentFonts, FontError, missing_chars, resolve_document_fonts, strings_in
from ..manifest import Manifest, data_hash, renderer_hash
from ..paper import printed
from ..reports.year import YearFigures
from ..typeset import PAPER, combine, compile_pdf
from .annual import ANNUAL, annual_summary
from .bulletin import BULLETIN, bulletin
from .cases import PLAN, SLIP, report_slips, return_plans
from .steps import KINDS as STEP_KINDS
from .steps import step_papers
from .text import Paper, title_lines

HERE = Path(__file__).parent
FONT_LOG = "字体说明.txt"
ALL_KINDS = (SLIP, *STEP_KINDS, PLAN, BULLETIN, ANNUAL)
Progress = Callable[[str, int, int], None]


class DocumentError(KcbxError):
    """A document could not be written (fonts, the output folder)."""


@dataclass
class DocumentsResult:
    folder: Path
    files: list[Path] = field(default_factory=list)  # every PDF (and .docx), in order
    combined: dict[str, Path] = field(default_factory=dict)  # 乡镇 → combined 报告单 PDF
    notes: list[str] = field(default_factory=list)  # 提醒: facts missing in a document
    fonts: list[str] = field(default_factory=list)  # fonts that stood in for 仿宋/小标宋/黑体
    counts: dict[str, int] = field(default_factory=dict)  # kind → documents
    rebuilt: int = 0  # documents written this time
    unchanged: int = 0  # documents already up to date (same data, templates and fonts)

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "files": [str(f) for f in self.files],
                "combined": {k: str(v) for k, v in self.combined.items()},
                "counts": self.counts, "rebuilt": self.rebuilt, "unchanged": self.unchanged,
                "notes": self.notes, "fonts": self.fonts}


def documents_dir(config: Config) -> Path:
    return config.outputs_path / "documents" / config.period


def plan_documents(config: Config, tables: Any, report: Report,
                   year: YearFigures | None = None) -> list[Paper]:
    """Every document of the period, in the order they are written (``year``: the calendar
    year's figures, for December's 年度工作总结)."""
    papers = [*report_slips(config, tables), *step_papers(config, tables),
              *return_plans(config, tables), bulletin(config, tables, report)]
    if year is not None:
        papers.append(annual_summary(config, year))
    numbered = []
    for p in papers:
        number = config.document_numbers.get(p.stem)
        data = {**p.data, "number": number, "draft": False} if number else p.data
        # what schools typed, with the Chinese punctuation of print (the data keeps theirs)
        numbered.append(Paper(p.kind, p.town, p.stem, p.template, printed(data), p.docx))
    return numbered


def _renderer(fonts: DocumentFonts, on: dt.date) -> str:
    """What every document's bytes depend on besides its data."""
    return renderer_hash([*sorted(HERE.glob("*.typ")), HERE / "word.py", *PAPER], ("typst", "python-docx"),
                         fonts.fonts.signature, json.dumps(fonts.families(), sort_keys=True), str(on))


def write_documents(config: Config, tables: Any, report: Report,
                    progress: Progress | None = None,
                    year: YearFigures | None = None) -> DocumentsResult:
    """Every document of the period from ``tables`` (a snapshot's ``Tables``) and ``report``
    (and, in December, the 年度工作总结 from the calendar year's figures ``year``).

    ``manifest.json`` in the folder remembers the hash each file was made from: a document
    whose data, templates and fonts are unchanged is not written again."""
    from .word import write_docx

    folder = documents_dir(config)
    result = DocumentsResult(folder)
    try:
        fonts = resolve_document_fonts(config, config.outputs_path / "handbooks" / ".fonts")
    except FontError as exc:
        raise DocumentError(str(exc)) from None
    result.fonts = list(fonts.substitutions)
    families = fonts.families()
    on = config.effective_pulled_on
    renderer = _renderer(fonts, on)
    manifest = Manifest(folder)
    papers = plan_documents(config, tables, report, year)
    by_town: dict[str, list[Path]] = {}
    for done, paper in enumerate(papers, start=1):
        data = {**paper.data, "title": title_lines(paper.data["title"])}
        path = folder / f"{paper.stem}.pdf"
        docx = path.with_suffix(".docx") if paper.docx else None
        targets = [path, *([docx] if docx else [])]
        digest = data_hash(renderer, paper.template, paper.stem, paper.docx, data)
        if manifest.fresh(paper.stem, digest, *targets):
            result.unchanged += 1
        else:
            missing = missing_chars(fonts.fonts, list(strings_in(data)))
            if missing:
                raise DocumentError(f"{paper.stem} 中有字体里没有的字：{'、'.join(missing)}。"
                                    "请在 kcbx.yml 的 fonts 中指定字更全的中文字体")
            write_bytes(path, compile_pdf(HERE / paper.template, {**data, "fonts": families},
                                          fonts.fonts, on, error=DocumentError, what=paper.kind))
            if docx:
                write_docx(data, docx, {role: f[0] for role, f in families.items()
                                        if isinstance(f, list)})
            result.rebuilt += 1
        result.files.extend(targets)
        result.counts[paper.kind] = result.counts.get(paper.kind, 0) + 1
        if paper.kind == SLIP:
            by_town.setdefault(paper.town or "乡镇未填", []).append(path)
        if data["blanks"]:
            result.notes.append(f"{paper.stem}：{'、'.join(data['blanks'])}未填，文书中已留空")
        if progress:
            progress("编制文书", done, len(papers))
    result.counts = {kind: result.counts[kind] for kind in ALL_KINDS if kind in result.counts}
    for town, parts in by_town.items():
        target = folder / f"{SLIP}_{safe_name(town)}_合订本.pdf"
        if not manifest.fresh(target.name, data_hash([manifest.made[p.stem] for p in parts]), target):
            combine(parts, target)
        result.combined[town] = target
    log = ["本期文书的字体："] + ([f"- {line}" for line in result.fonts] or
                                  ["- 仿宋、小标宋、黑体均已找到，没有替代。"])
    write_text(folder / FONT_LOG, "\n".join(log) + "\n")
    keep = {*result.files, *result.combined.values()}
    for kind in ALL_KINDS:
        for stale in folder.glob(f"{kind}_*") if folder.is_dir() else []:
            if stale not in keep:
                stale.unlink()
    manifest.save()
    return result
