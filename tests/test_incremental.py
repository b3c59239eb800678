"""A rebuild after one school resends redoes what changed and nothing else — and gives the
same results as doing everything again: the pull reads only the changed workbook, the
documents and 月报表 are written again only where their data changed, last month's
workspace is pulled once."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import polars as pl

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.outputs.documents import write_documents
from kcbx.tables import latest_snapshot
from kcbx.tables.snapshot import snapshots_dir


def reads(config) -> tuple[object, list[int]]:
    """Pull, and how many workbooks the pull read (the progress of “读取报表”)."""
    totals: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "读取报表":
            totals.append(total)

    snap, _ = pipeline.current_snapshot(config, progress=progress)
    return snap, sorted(set(totals))


def rename_a_child(path: Path, new: str) -> None:
    book = openpyxl.load_workbook(path)
    ws = next(ws for ws in book.worksheets if "摸底" in ws.title)
    cell = next(c for row in ws.iter_rows(min_row=3) for c in row
                if isinstance(c.value, str) and "某" in c.value)
    cell.value = new
    book.save(path)


def add_a_stray_sheet(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    book.create_sheet("草稿纸")["A1"] = "随手记的"
    book.save(path)


def same_pull(a, b) -> None:
    assert a.manifest["tables"] == b.manifest["tables"]
    for name in a.manifest["tables"]:
        left, right = a.table(name), b.table(name)
        assert left.equals(right), name
    assert a.files() == b.files()
    assert a.intake_findings() == b.intake_findings()


def test_a_resent_workbook_is_the_only_one_read_and_the_pull_is_the_same(demo_copy, tmp_path):
    demo = demo_copy("incremental")
    root = demo.dest
    config = load_config(root)
    first, read_first = reads(config)
    books = sorted((root / "submissions").glob("*.xlsx"))
    assert read_first == [len(books)]

    rename_a_child(books[0], "吴某新")
    add_a_stray_sheet(books[1])
    second, read_second = reads(load_config(root))
    assert second.path != first.path
    assert read_second == [2]  # the two resent workbooks, no other

    fresh_root = tmp_path / "fresh"
    shutil.copytree(root, fresh_root, ignore=shutil.ignore_patterns("build", "public"))
    fresh, read_fresh = reads(load_config(fresh_root))
    assert read_fresh == [len(books)]
    same_pull(second, fresh)
    assert "吴某新" in second.table("census")["name"].to_list()
    assert any(f.rule == "extra-sheet" and f.sheet == "草稿纸" for f in second.intake_findings())


def test_a_second_copy_of_a_unchanged_workbook_is_a_duplicate_as_before(demo_copy, tmp_path):
    root = demo_copy("incremental-dup").dest
    reads(load_config(root))
    books = sorted((root / "submissions").glob("*.xlsx"))
    shutil.copy2(books[-1], root / "submissions" / "0000副本.xlsx")  # sorts first
    again, read = reads(load_config(root))
    assert read == [1]
    fresh_root = tmp_path / "fresh"
    shutil.copytree(root, fresh_root, ignore=shutil.ignore_patterns("build", "public"))
    fresh, _ = reads(load_config(fresh_root))
    same_pull(again, fresh)
    assert [f.file for f in again.intake_findings() if f.rule == "duplicate-workbook"] == \
        [f"submissions/{books[-1].name}"]


def test_rows_are_not_reused_from_a_snapshot_made_under_another_intake_key(demo_copy):
    root = demo_copy("incremental-key").dest
    first, _ = reads(load_config(root))
    manifest = first.path / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        first.manifest["intake"], "older-kcbx"), encoding="utf-8")
    books = sorted((root / "submissions").glob("*.xlsx"))
    rename_a_child(books[0], "吴某新")
    _, read = reads(load_config(root))
    assert read == [len(books)]


def test_documents_are_written_again_only_where_their_data_changed(demo_copy):
    root = demo_copy("incremental-docs").dest
    config = load_config(root)
    run = pipeline.start(config)
    first = write_documents(config, run.tables, run.report)
    assert first.rebuilt == len([f for f in first.files if f.suffix == ".pdf"]) > 10
    stamps = {f: f.stat().st_mtime_ns for f in first.files}
    again = write_documents(config, run.tables, run.report)
    assert (again.rebuilt, again.unchanged) == (0, first.rebuilt)
    assert {f: f.stat().st_mtime_ns for f in again.files} == stamps

    notice = next(f for f in first.files if f.name.startswith("限期复学通知书_") and f.suffix == ".pdf")
    slip = next(f for f in first.files if f.name.startswith("失学辍学情况报告单_"))
    slip.unlink()
    numbered = config.model_copy(update={"document_numbers": {notice.stem: "示政〔2022〕1号"}})
    third = write_documents(numbered, run.tables, run.report)
    assert third.rebuilt == 2  # the numbered notice and the deleted slip
    assert slip.is_file()
    changed = {f for f in third.files if f.stat().st_mtime_ns != stamps[f]}
    assert changed == {notice, notice.with_suffix(".docx"), slip}


def test_monthly_reports_are_written_again_only_for_a_changed_unit(demo_copy):
    root = demo_copy("incremental-reports").dest
    config = load_config(root)
    first = pipeline.reports(config)
    stamps = {f: f.stat().st_mtime_ns for f in [*first.monthly, *first.monthly_pdf]}
    pipeline.reports(load_config(root))
    assert {f: f.stat().st_mtime_ns for f in stamps} == stamps

    cover = next(p for p in (root / "submissions").glob("*.xlsx"))
    book = openpyxl.load_workbook(cover)
    ws = next(ws for ws in book.worksheets if "报送信息" in ws.title)
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row
                if isinstance(c.value, str) and "某" in c.value)  # 填报人
    cell.value = "新某人"
    book.save(cover)
    third = pipeline.reports(load_config(root))
    changed = {f.name for f in [*third.monthly, *third.monthly_pdf] if f.stat().st_mtime_ns != stamps[f]}
    assert changed and len(changed) < len(stamps) / 2, changed


def test_last_months_workspace_is_pulled_once(demo_copy):
    root = demo_copy("incremental-previous").dest
    config = load_config(root)
    assert config.previous
    kept = config.outputs_path / pipeline.PREVIOUS / "snapshots"
    pipeline.validate(config)
    pipeline.validate(load_config(root))
    assert len(list(kept.iterdir())) == 1
    town = next(p for p in sorted((root / config.previous / "submissions").glob("*.xlsx"))
                if any("摸底" in t for t in openpyxl.load_workbook(p, read_only=True).sheetnames))
    rename_a_child(town, "吴某旧")
    pipeline.validate(load_config(root))
    snaps = sorted(kept.iterdir())
    assert len(snaps) == 2
    assert latest_snapshot(kept).table("census").filter(pl.col("name") == "吴某旧").height == 1
    assert snapshots_dir(config) != kept


def test_an_unchanged_build_reuses_the_report_of_the_same_snapshot(demo_copy, monkeypatch):
    root = demo_copy("incremental-report").dest
    first = pipeline.start(load_config(root)).report
    cache = pipeline.validation_dir(load_config(root)) / ".report-cache.json"
    assert cache.is_file()

    def no_second_validation(*args, **kwargs):
        raise AssertionError("validated again")

    with monkeypatch.context() as m:
        m.setattr(pipeline, "validate_snapshot", no_second_validation)
        again = pipeline.start(load_config(root)).report
    assert again.to_dict() == first.to_dict() and again.focus == first.focus
    assert again.unit_names == first.unit_names and again.snapshot == first.snapshot

    cache.write_text("{broken", encoding="utf-8")  # a damaged file is validated again
    assert pipeline.start(load_config(root)).report.to_dict() == first.to_dict()

    text = (root / "kcbx.yml").read_text(encoding="utf-8")  # another setting: another report
    (root / "kcbx.yml").write_text(text.replace("stall_days: 30", "stall_days: 3"), encoding="utf-8")
    changed = pipeline.start(load_config(root)).report
    rules = [f.rule for f in changed.findings]
    assert rules.count("STEP-2") > [f.rule for f in first.findings].count("STEP-2")


def test_removing_a_units_workbook_removes_its_monthly_report_and_documents(demo_copy):
    root = demo_copy("incremental-removed").dest
    first = pipeline.reports(load_config(root))
    docs = pipeline.documents(load_config(root))
    victim = next(p for p in first.monthly_pdf if "青石镇中心小学" in p.name)
    slips = [f for f in docs.files if "青石镇中心小学" in f.name]
    assert victim.is_file() and slips
    (root / "submissions" / "QSXX.xlsx").unlink()
    again = pipeline.reports(load_config(root))
    assert not victim.exists() and not victim.with_suffix(".xlsx").exists()
    assert len(again.monthly_pdf) == len(first.monthly_pdf) - 1
    pipeline.documents(load_config(root))
    assert not any(f.exists() for f in slips)


def _times(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_a_second_build_touches_nothing_and_one_resend_only_its_school(demo_copy):
    """``kcbx build`` twice: only the lock file is touched. Then one school changes its
    填报人: its feedback and 月报表 are made again, with the district-level outputs (the
    validation result, statistics, public data, site); no other school's file is."""
    root = demo_copy("incremental-build").dest
    pipeline.build(load_config(root))
    before = _times(root)
    pipeline.build(load_config(root))
    assert {p for p, t in _times(root).items() if before.get(p) != t} == {root / "build" / ".kcbx.lock"}

    book = root / "submissions" / "QSXX.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["报送信息"]
    next(c for row in ws.iter_rows(min_row=2) for c in row
         if isinstance(c.value, str) and "某" in c.value).value = "新某人"
    wb.save(book)
    before = _times(root)
    pipeline.build(load_config(root))
    touched = {p.relative_to(root).as_posix() for p, t in _times(root).items() if before.get(p) != t}
    district = ("build/snapshots/", "build/validation/", "build/public/", "public/",
                "build/reports/2022-10/2022-10_统计表.xlsx", "build/.kcbx.lock", "submissions/QSXX.xlsx",
                "build/.site-gate.json")
    school = {p for p in touched if not p.startswith(district)}
    assert school == {"build/feedback/2022-10/.manifest.json", "build/feedback/2022-10/QSXX_校验反馈.xlsx",
                      "build/reports/2022-10/月报表/manifest.json",
                      "build/reports/2022-10/月报表/2022-10_月报表_青石镇中心小学.pdf",
                      "build/reports/2022-10/月报表/2022-10_月报表_青石镇中心小学.xlsx"}


def test_a_new_month_with_last_months_files_is_a_new_pull_that_reads_nothing(demo_copy):
    """``kcbx period`` and a build before the schools resend: the pull is taken for the new
    month (the workbooks are reused, none read again) and judged as that month — every unit
    未报 — while the month before keeps its own published figures."""
    from kcbx.init import roll_over

    root = demo_copy("incremental-month").dest
    october, _ = reads(load_config(root))
    pipeline.reports(load_config(root))
    quality = root / "build" / "public" / "data_quality.csv"
    before = pl.read_csv(quality).filter(pl.col("period") == "2022-10")
    roll_over(root / "kcbx.yml", "2022-11")
    config = load_config(root)
    november, read = reads(config)
    assert november.path != october.path and november.period == "2022-11"
    assert read in ([], [0])  # no workbook read again: the same bytes as October's
    same_pull(october, november)
    pipeline.reports(config)
    published = pl.read_csv(quality)
    assert published.filter(pl.col("period") == "2022-10").equals(before)
    late = published.filter((pl.col("period") == "2022-11") & (pl.col("rule") == "REP-3"))
    assert late.height > 0  # last month's workbooks are no report for this month
    rates = pl.read_csv(root / "build" / "public" / "submission_rates.csv")
    district = rates.filter((pl.col("period") == "2022-11") & (pl.col("level") == "全区"))
    assert district["submitted"].to_list() == [0]


def test_a_look_at_another_month_judges_that_months_own_pull_and_moves_nothing(demo_copy):
    """``--period`` of an earlier month while the folder holds a later month's files: that
    month's own pull is judged (no later files relabelled); back at the month of the
    files, its pull again; a month never pulled is pulled for, as asked — and is not what
    the later month's 台账 is compared with (REP-4), nor where status finds last month."""
    from kcbx.init import roll_over
    from kcbx.pipeline import previous_snapshot
    from kcbx.schema import load_package
    from kcbx.tables import list_snapshots

    root = demo_copy("incremental-look").dest
    october, _ = reads(load_config(root))
    roll_over(root / "kcbx.yml", "2022-11")
    november_config = load_config(root)
    november, _ = reads(november_config)
    folder = snapshots_dir(november_config)
    count = len(list_snapshots(folder))
    again, read = reads(november_config.with_overrides(period="2022-10"))
    assert again.path == october.path and read in ([], [0])
    assert reads(november_config)[0].path == november.path
    assert len(list_snapshots(folder)) == count  # nothing pulled for either
    september, _ = reads(november_config.with_overrides(period="2022-09"))
    assert september.period == "2022-09" and len(list_snapshots(folder)) == count + 1
    assert reads(november_config)[0].path == november.path  # the month's own pull again
    november_config = november_config.model_copy(update={"previous": None})
    assert previous_snapshot(november_config, load_package(), november).path == october.path


def test_a_deadline_set_after_the_pull_is_recorded_by_a_new_one_that_reads_nothing(demo_copy):
    root = demo_copy("incremental-deadline").dest
    first, _ = reads(load_config(root))
    path = root / "kcbx.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ndeadline:", "\ndeadline: 2022-11-05  #", 1) if "\ndeadline:" in text
                    else text + "deadline: 2022-11-05\n", encoding="utf-8")
    second, read = reads(load_config(root))
    assert second.path != first.path and read in ([], [0])
    assert second.manifest["deadline"] == "2022-11-05"
    same_pull(first, second)
