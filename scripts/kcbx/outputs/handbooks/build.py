"""Compiling every child's 送教手册: incremental, on all cores, with a combined PDF per unit.

Each handbook's hash covers the child's data and the renderer (template, code, typst and
python-docx versions, font files); ``manifest.json`` in the output folder remembers the
hash each file was made from, so an unchanged handbook is not compiled again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ...atomic import write_bytes, write_json
from ...config import Config
from ...findings import Report
from ...parallel import each
from ..fonts import FontError, FontSet, missing_chars, resolve_fonts, strings_in
from ..typeset import PAPER
from .data import TABLES, ChildRecord, HandbookError, build_records
from .pdf import TEMPLATE, combine, render_pdf
from .word import render_docx

Progress = Callable[[str, int, int], None]
FORMATS = ("pdf", "docx")
STAGE = "编制送教手册"
MANIFEST = "manifest.json"
HERE = Path(__file__).parent


@dataclass
class HandbookResult:
    """What a compile wrote: every handbook file of the selection, how many were compiled
    this time and how many were already up to date, and each unit's combined PDF."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    rebuilt: int = 0
    unchanged: int = 0
    combined: dict[str, Path] = field(default_factory=dict)
    children: int = 0
    fonts: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "files": [str(f) for f in self.files],
                "rebuilt": self.rebuilt, "unchanged": self.unchanged, "children": self.children,
                "combined": {k: str(v) for k, v in self.combined.items()}, "fonts": self.fonts}


@dataclass(frozen=True)
class _Task:
    key: str
    data: dict[str, Any]
    targets: dict[str, str]  # format → path
    fonts: FontSet | None  # None when no PDF is asked for
    compiled_on: dt.date


def _renderer_hash(fmt: str, fonts: FontSet) -> str:
    h = hashlib.sha256()
    for path in PAPER:  # punctuation (both), dates and numbers (the PDF)
        h.update(path.read_bytes())
    if fmt == "pdf":
        h.update(TEMPLATE.read_bytes())
        h.update((HERE / "pdf.py").read_bytes())
        h.update(metadata.version("typst").encode())
        h.update(fonts.signature.encode())
    else:
        h.update((HERE / "word.py").read_bytes())
        h.update(metadata.version("python-docx").encode())
    return h.hexdigest()


def _data_hash(record: ChildRecord, renderer: str) -> str:
    blob = json.dumps(record.data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{renderer}\n{record.stem}\n{blob}".encode()).hexdigest()[:32]


def _work(task: _Task) -> str:
    """Compile one handbook in every format asked for (runs in a worker process)."""
    for fmt, path in task.targets.items():
        if fmt == "pdf" and task.fonts is not None:
            blob = render_pdf(task.data, task.fonts, task.compiled_on)
        else:
            blob = render_docx(task.data, task.compiled_on)
        write_bytes(Path(path), blob)
    return task.key


def _run(tasks: list[_Task], progress: Progress | None, workers: int) -> dict[str, str]:
    """Compile ``tasks``; returns the message of each that failed, by manifest key."""
    failed: dict[str, str] = {}
    done = 0
    if progress:
        progress(STAGE, 0, len(tasks))

    def finished(task: _Task, result: Callable[[], Any]) -> None:
        nonlocal done
        try:
            result()
        except HandbookError as exc:
            failed[task.key] = str(exc)
        done += 1
        if progress:
            progress(STAGE, done, len(tasks))

    try:
        each(_work, tasks, workers=workers, finished=finished)
    except BrokenProcessPool:
        raise HandbookError("编制送教手册的子进程意外退出（可能是内存不足）。"
                            "请关闭其他程序后重新运行") from None
    return failed


def _rel(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("version") == 1:
            return data
    except (OSError, ValueError):
        pass
    return {"version": 1, "handbooks": {}, "combined": {}}


def write_handbooks(config: Config, records: list[ChildRecord], *,
                    formats: Iterable[str] = FORMATS, progress: Progress | None = None,
                    today: dt.date | None = None, combined: bool = True,
                    prune: Callable[[str], bool] | None = None,
                    workers: int | None = None) -> HandbookResult:
    """Compile ``records`` into ``<outputs>/handbooks/<单位代码>/``, skipping the unchanged.

    ``prune(manifest_key)`` says which earlier handbooks not in ``records`` are gone (their
    files are deleted); ``combined`` makes each unit's 合订本 from its records' PDFs.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise HandbookError(f"不支持的格式：{'、'.join(unknown) or '（空）'}。可选 pdf、docx")
    folder = config.outputs_path / "handbooks"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fonts = resolve_fonts(config, folder / ".fonts") if "pdf" in formats else None
    except FontError as exc:
        raise HandbookError(str(exc)) from None
    renderers = {fmt: _renderer_hash(fmt, fonts) if fonts or fmt == "docx" else ""
                 for fmt in formats}
    manifest_path = folder / MANIFEST
    manifest = _load_manifest(manifest_path)
    entries: dict[str, Any] = manifest["handbooks"]
    result = HandbookResult(folder=folder, children=len(records),
                            fonts=fonts.source if fonts else "")
    tasks: list[_Task] = []
    failed: dict[str, str] = {}
    names = {r.manifest_key: f"{r.unit_name} {r.name}" for r in records}
    compiled_on = today or dt.date.today()
    hashes: dict[str, dict[str, str]] = {}
    for rec in records:
        entry = entries.get(rec.manifest_key, {})
        targets: dict[str, str] = {}
        hashes[rec.manifest_key] = {}
        for fmt in formats:
            path = folder / rec.unit_code / f"{rec.stem}.{fmt}"
            result.files.append(path)
            digest = _data_hash(rec, renderers[fmt])
            hashes[rec.manifest_key][fmt] = digest
            old = entry.get(fmt, {})
            if (old.get("hash") != digest or old.get("file") != _rel(path, folder)
                    or not path.is_file()):
                targets[fmt] = str(path)
        if not targets:
            result.unchanged += 1
            continue
        if fonts is not None and "pdf" in targets:
            try:
                missing = missing_chars(fonts, list(strings_in(rec.data)))
            except FontError as exc:
                raise HandbookError(str(exc)) from None
            if missing:
                failed[rec.manifest_key] = (f"字体（{fonts.source}）中没有这些字：{''.join(missing[:20])}。"
                                            "请在 kcbx.yml 的 fonts 中加入含这些字的字体")
                continue
        tasks.append(_Task(rec.manifest_key, rec.data, targets, fonts, compiled_on))
    failed.update(_run(tasks, progress, workers or os.cpu_count() or 1))
    for rec in records:
        if rec.manifest_key in failed:
            continue
        entry = entries.setdefault(rec.manifest_key, {})
        for fmt in formats:
            path = folder / rec.unit_code / f"{rec.stem}.{fmt}"
            old = entry.get(fmt, {}).get("file")
            if old and old != _rel(path, folder):  # renamed (a name was corrected)
                (folder / old).unlink(missing_ok=True)
            entry[fmt] = {"hash": hashes[rec.manifest_key][fmt], "file": _rel(path, folder)}
    result.rebuilt = sum(1 for t in tasks if t.key not in failed)
    if prune is not None:
        current = {r.manifest_key for r in records}
        for key in [k for k in entries if k not in current and prune(k)]:
            for item in entries.pop(key).values():
                (folder / item["file"]).unlink(missing_ok=True)
        units = {r.unit_code for r in records}
        for code in [c for c in manifest["combined"] if c not in units and prune(f"{c}/")]:
            (folder / manifest["combined"].pop(code)["file"]).unlink(missing_ok=True)
    if combined and "pdf" in formats:
        _combine(folder, records, entries, manifest["combined"], result, progress)
    write_json(manifest_path, manifest)
    if failed:
        shown = [f"{names[k]}：{m}" for k, m in list(failed.items())[:5]]
        more = "（只列出前 5 本）" if len(failed) > 5 else ""
        raise HandbookError(f"{len(failed)} 本送教手册没有生成{more}：" + "；".join(shown))
    return result


def _combine(folder: Path, records: list[ChildRecord], entries: dict[str, Any],
             combined: dict[str, Any], result: HandbookResult, progress: Progress | None) -> None:
    units: dict[str, list[ChildRecord]] = {}
    for rec in records:
        units.setdefault(rec.unit_code, []).append(rec)
    for n, (code, members) in enumerate(units.items(), 1):
        parts = [folder / entries[r.manifest_key]["pdf"]["file"] for r in members
                 if "pdf" in entries.get(r.manifest_key, {})]
        target = folder / code / f"送教手册_{members[0].unit_name}_合订本.pdf"
        digest = hashlib.sha256("\n".join(entries[r.manifest_key]["pdf"]["hash"] for r in members
                                          if "pdf" in entries.get(r.manifest_key, {}))
                                .encode()).hexdigest()[:32]
        old = combined.get(code, {})
        if parts and (old.get("hash") != digest or not target.is_file()):
            combine(parts, target)
            combined[code] = {"hash": digest, "file": _rel(target, folder)}
        if target.is_file():
            result.combined[code] = target
        if progress:
            progress("合订本", n, len(units))


def compile_handbooks(config: Config, tables: Any, *, unit: str | None = None,
                      child: str | None = None, formats: Iterable[str] = FORMATS,
                      progress: Progress | None = None, report: Report,
                      today: dt.date | None = None) -> HandbookResult:
    """Every 送教上门 child's handbook from ``tables`` (a snapshot's ``Tables``), narrowed to
    ``unit`` (code or name) and ``child`` (身份证号).

    ``report`` — the validation report of the same snapshot — gives each handbook's 学期总结
    its verdicts and lists the child's HOME-* findings. A combined PDF per unit is made
    unless one child is asked for.
    """
    typed = {name: tables.typed[name] for name in TABLES}
    records = build_records(config, typed, findings=report.findings,
                            unit=unit, child=child)
    prune = None
    if child is None:
        prefix = None
        if unit is not None:
            prefix = records[0].unit_code + "/" if records else None
        prune = (lambda key: True) if unit is None else (
            lambda key: prefix is not None and key.startswith(prefix))
    return write_handbooks(config, records, formats=formats, progress=progress, today=today,
                           combined=child is None, prune=prune)
