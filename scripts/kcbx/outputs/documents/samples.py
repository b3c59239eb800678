"""One sample page of each kind of document, drawn from a workspace (the demo) with every
personal value replaced by a placeholder (学生甲, 监护人甲 …): the pictures of the guide's
文书 page. The site stage passes the workspace's personal values in; nothing here reads
them itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...config import Config
from ...findings import Report
from ...privacy import mask_text
from ..fonts import resolve_document_fonts
from ..reports.year import YearFigures
from ..typeset import render_pages
from . import HERE, DocumentError, plan_documents
from .catalogue import KINDS, DocKind
from .text import title_lines

ORDINALS = "甲乙丙丁戊己庚辛壬癸"
# field title of a personal value → its placeholder (a numbered one where it says {n})
STAND_INS = (("监护人电话", "138****0000"), ("身份证号", "110101********0000"),
             ("送教地址", "某村某组"), ("监护人姓名", "监护人{n}"), ("姓名", "学生{n}"))


@dataclass(frozen=True)
class Sample:
    kind: DocKind
    file: str  # the file name without .pdf, personal values replaced
    data: dict[str, Any]  # what the template was given, personal values replaced
    pages: int  # pages of the sample document
    image: bytes  # its first page as PNG


class Pseudonyms:
    """Each personal value (→ the title of its field) replaced by a stand-in, consistently."""

    def __init__(self, private: Mapping[str, str]):
        self._title = dict(private)
        self._given: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        words = sorted(self._title, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def _stand_in(self, value: str) -> str:
        if value not in self._given:
            title = self._title[value]
            shape = next((s for t, s in STAND_INS if t in title), "某某")
            n = self._counts[shape] = self._counts.get(shape, 0) + 1
            self._given[value] = shape.format(n=ORDINALS[(n - 1) % len(ORDINALS)])
        return self._given[value]

    def text(self, text: str) -> str:
        """``text`` with each personal value replaced, and any other phone or ID number masked
        (a school's contact phone, say)."""
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._stand_in(m.group()), text)
        return mask_text(text)

    def apply(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.apply(v) for v in value]
        return value


def document_samples(config: Config, tables: Any, report: Report, private: Mapping[str, str],
                     *, ppi: float = 50, year: YearFigures | None = None) -> list[Sample]:
    """The first document of each kind the workspace makes, as a picture of its first page;
    ``private`` maps every personal value of the workspace to the title of its field;
    ``year``: the calendar year's figures, for a sample 年度工作总结."""
    fonts = resolve_document_fonts(config, config.outputs_path / "handbooks" / ".fonts")
    families = fonts.families()
    first = {}
    for paper in plan_documents(config, tables, report, year):
        first.setdefault(paper.kind, paper)
    out = []
    for kind in KINDS:
        paper = first.get(kind.kind)
        if paper is None:
            continue
        names = Pseudonyms(private)  # each sample's child is 学生甲
        data = names.apply({**paper.data, "title": title_lines(paper.data["title"])})
        pages = render_pages(HERE / paper.template, {**data, "fonts": families}, fonts.fonts,
                             config.effective_pulled_on, error=DocumentError, what=paper.kind,
                             ppi=ppi)
        out.append(Sample(kind, names.text(paper.stem), data, len(pages), pages[0]))
    return out
