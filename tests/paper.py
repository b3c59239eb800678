"""Printed paper measured from the PDF itself: glyph boxes (pdfium) against the page's ruling
lines (pdfplumber).

``faults(pdf)`` lists what a 办公室 clerk would send back for retyping:

- ``crossing``: a glyph whose ink crosses a vertical ruling line (a table's cell border, a
  framed block's side) or comes within ``PAD`` of it;
- ``spread``: a line of running text whose adjacent Chinese characters stand more than
  ``SPREAD`` em apart (a justified line spread out because what followed could not break);
- ``ascii``: an ASCII , ; : ? ! ( or ) between two Chinese characters (spaces between
  allowed), where Chinese text takes the full-width mark;
- ``date``: a date broken across two lines inside a number or between a number and its
  unit (“2022年9月21⏎日”; a 2022-09-21 anywhere). A date may break after its 年 or 月
  (“2022年⏎9月21日”), as Chinese text does: kept whole, a date 7 em wide would spread the
  line before it by up to a quarter em.

The ink box (pdfium's tight character box) is what is measured against a line: a full-width
bracket or comma at a line's start or end is set with its blank half outside the measure, as
Chinese layout does, while its ink stays inside. Gaps are measured between advance boxes.
Rotated glyphs (the 草稿 watermark behind the text) are not text of the page. A line (one
baseline and size) is cut into runs at every vertical ruling line and at gaps wider than
``GAP`` em: a table's cells or a grid's columns are measured each on their own. Running text
is a run of at least ``RUNNING`` characters at body sizes (at most 3号): a title, a cover's
display type and a form's label spread to a fixed width (分散对齐 “学　生　姓　名”: at most
``LABEL`` Chinese characters at least half an em apart, cut from what follows it when the gap
after it differs from theirs) are not.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

PAD = 1.0  # pt: the least room between a glyph's ink and a vertical line beside it
SPREAD = 0.15  # em: the widest gap between Chinese characters of running text
TOLERANCE = 0.005  # em: what a font's rounded advances add to a gap set at exactly SPREAD
GAP = 1.2  # em: a wider gap ends a run (a cell, a grid column, a tab)
BODY = 16.5  # pt: running text is at most 3号; larger is a title or a cover
RUNNING = 8  # characters: a shorter run is a label or a value, not a line of running text
LABEL = 6  # characters: the longest label spread to a fixed width (分散对齐)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CHINESE = f"[{HAN}\u3000-\u303f\uff01-\uff5e]"  # 汉字, CJK and full-width punctuation
ASCII_BETWEEN = re.compile(f"(?<={CHINESE}) *[,;:?!()] *(?={CHINESE})")
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # joiners and soft hyphens: no ink
IDEOGRAPH = re.compile(f"[{HAN}]")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class Fault:
    file: str
    page: int  # from 1
    kind: str  # crossing, spread, ascii, date
    detail: str

    def __str__(self) -> str:
        return f"{self.file} p.{self.page} {self.kind}: {self.detail}"


@dataclass(frozen=True)
class Glyph:
    text: str
    ink: tuple[float, float, float, float]  # left, bottom, right, top (pt, from the bottom left)
    advance: tuple[float, float]  # left, right
    baseline: float
    size: float


def faults(path: Path) -> list[Fault]:
    """Every fault of every page of the PDF at ``path``."""
    import pdfplumber
    import pypdfium2 as pdfium

    out: list[Fault] = []
    doc = pdfium.PdfDocument(str(path))
    try:
        with pdfplumber.open(str(path)) as plumbed:
            for number, (page, plumb) in enumerate(zip(doc, plumbed.pages, strict=True), start=1):
                height = page.get_height()
                rules = [(e["x0"], height - e["bottom"], height - e["top"]) for e in plumb.edges
                         if e["orientation"] == "v" and e["bottom"] - e["top"] > 2]
                plumb.close()
                out.extend(_page_faults(path.name, number, glyphs(page), rules))
    finally:
        doc.close()
    return out


def glyphs(page) -> list[Glyph]:
    """The upright, drawn (not generated), non-blank characters of a pdfium page."""
    import pypdfium2.raw as raw

    text = page.get_textpage()
    out = []
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    loose = raw.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    try:
        for i in range(raw.FPDFText_CountChars(text.raw)):
            char = chr(raw.FPDFText_GetUnicode(text.raw, i))
            if (not char.strip() or char in INVISIBLE or raw.FPDFText_IsGenerated(text.raw, i) == 1
                    or abs(raw.FPDFText_GetCharAngle(text.raw, i)) > 0.01):
                continue
            raw.FPDFText_GetCharBox(text.raw, i, left, right, bottom, top)
            raw.FPDFText_GetLooseCharBox(text.raw, i, loose)
            raw.FPDFText_GetCharOrigin(text.raw, i, x, y)
            out.append(Glyph(char, (left.value, bottom.value, right.value, top.value),
                             (loose.left, loose.right), y.value,
                             raw.FPDFText_GetFontSize(text.raw, i)))
    finally:
        text.close()
    return out


def _page_faults(name: str, number: int, chars: list[Glyph],
                 rules: list[tuple[float, float, float]]) -> list[Fault]:
    out: list[Fault] = []
    for c in chars:
        left, bottom, right, top = c.ink
        for x, rule_bottom, rule_top in rules:
            if rule_bottom < top and rule_top > bottom and left - PAD < x < right + PAD:
                out.append(Fault(name, number, "crossing",
                                 f"“{c.text}” (ink {left:.1f}–{right:.1f} pt) by the line at "
                                 f"x={x:.1f} pt in “{_context(chars, c)}”"))
                break
    runs = _runs(chars, rules)
    for run in runs:
        text = "".join(c.text for c in run)
        for below in _next_lines(run, runs):
            joined = text + "".join(c.text for c in below)
            if any(m.start() < len(text) < m.end() and joined[len(text) - 1] not in "年月"
                   for m in DATE.finditer(joined)):
                out.append(Fault(name, number, "date", f"“{text[-12:]}” / “{joined[len(text):][:12]}”"))
        for m in ASCII_BETWEEN.finditer(text):
            out.append(Fault(name, number, "ascii",
                             f"“{m.group().strip()}” in “{text[max(0, m.start() - 8):m.end() + 8]}”"))
        size = run[0].size
        if size > BODY or len(run) < RUNNING:
            continue
        gaps = [(b.advance[0] - a.advance[1]) / size for a, b in zip(run, run[1:], strict=False)
                if IDEOGRAPH.match(a.text) and IDEOGRAPH.match(b.text)]
        if len(gaps) >= 3 and (spread := statistics.median(gaps)) > SPREAD + TOLERANCE:
            out.append(Fault(name, number, "spread", f"{spread:.2f} em in “{text[:30]}”"))
    return out


def _runs(chars: list[Glyph], rules: list[tuple[float, float, float]]) -> list[list[Glyph]]:
    """The page's characters in lines (one baseline and size), cut at ruling lines and wide gaps."""
    lines: dict[tuple[float, float], list[Glyph]] = {}
    for c in chars:
        lines.setdefault((round(c.baseline, 1), round(c.size, 1)), []).append(c)
    runs = []
    for line in lines.values():
        line.sort(key=lambda c: c.advance[0])
        run = [line[0]]
        for a, b in zip(line, line[1:], strict=False):
            ruled = any(a.ink[0] < x < b.ink[2] and bottom < a.baseline + a.size / 3 < top
                        for x, bottom, top in rules)
            if ruled or b.advance[0] - a.advance[1] > GAP * a.size or _label_ends(run, b):
                runs.append(run)
                run = []
            run.append(b)
        runs.append(run)
    return runs


def _label_ends(run: list[Glyph], after: Glyph) -> bool:
    """``run`` is a label spread to a fixed width (分散对齐) and ``after`` is not part of it."""
    if not 2 <= len(run) <= LABEL or not all(IDEOGRAPH.match(c.text) for c in run):
        return False
    size = run[0].size
    gaps = [b.advance[0] - a.advance[1] for a, b in zip(run, run[1:], strict=False)]
    last = after.advance[0] - run[-1].advance[1]
    return min(gaps) >= 0.5 * size and (not IDEOGRAPH.match(after.text)
                                         or abs(last - statistics.median(gaps)) > 0.1 * size)


def _next_lines(run: list[Glyph], runs: list[list[Glyph]]) -> list[list[Glyph]]:
    """The first run of the next line below ``run`` in its column (overlapping it across)."""
    size, baseline = run[0].size, run[0].baseline
    below = [r for r in runs if r is not run and 0.5 * size < baseline - r[0].baseline < 2.5 * size
             and r[0].advance[0] < run[-1].advance[1] and r[-1].advance[1] > run[0].advance[0]]
    if not below:
        return []
    nearest = max(r[0].baseline for r in below)
    return [min((r for r in below if r[0].baseline == nearest), key=lambda r: r[0].advance[0])]


def _context(chars: list[Glyph], c: Glyph) -> str:
    same = sorted((o for o in chars if abs(o.baseline - c.baseline) < 0.5), key=lambda o: o.advance[0])
    i = same.index(c)
    return "".join(o.text for o in same[max(0, i - 10):i + 10])


def summary(found: list[Fault]) -> dict[str, int]:
    """Faults counted by kind."""
    out: dict[str, int] = {}
    for f in found:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out


def soffice_pdfs(sources: list[Path], workdir: Path) -> list[Path]:
    """``sources`` converted to PDF by LibreOffice in one run, with a private profile (parallel
    runs do not clash): the PDFs it wrote, in the order of ``sources``."""
    import subprocess

    out = workdir / "pdf"
    if sources:
        subprocess.run(["soffice", f"-env:UserInstallation={(workdir / 'lo').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out), *map(str, sources)],
                       capture_output=True, timeout=600, check=False)
    return [p for s in sources if (p := out / f"{s.stem}.pdf").is_file()]
