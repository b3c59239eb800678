"""What keeps a rebuild after one school resends short, each checked for giving the same
result as the long way: the privacy gate's record of what passed (files that passed are
scanned only for values new since), mkdocs in a helper process, a pull's tables held in
memory, the fonts' character maps kept on disk, a light import for the helper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.outputs.site import Helper, PrivacyError, SiteError, build_site, write_sample_public
from kcbx.outputs.site.checked import RECORD, Checked, value_digests
from kcbx.outputs.site.gate import Scanner, check_site, gate_version, public_examples, scan_site
from kcbx.outputs.site.helper import HelperFailed
from kcbx.outputs.site.mkdocs_run import run_mkdocs
from kcbx.pipeline import current_snapshot
from kcbx.schema import load_package
from kcbx.tables import Snapshot
from test_site_helpers import make_site_workspace

EXAMPLES = public_examples(load_package())
WHERE = ("姓名", "来自「测试」的「姓名」列")


def scanner(*names: str) -> Scanner:
    return Scanner(dict.fromkeys(names, WHERE), EXAMPLES)


def test_a_file_that_passed_is_scanned_only_for_values_new_since(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text("<p>吴某新 青石镇</p>", encoding="utf-8")
    (site / "b.html").write_text("<p>全区 12 所学校</p>", encoding="utf-8")
    first = scanner("王某华")
    passed: dict[str, str] = {}
    assert scan_site(site, first, None, passed) == []
    assert set(passed) == {"a.html", "b.html"}
    values = list(first.private)
    record = Checked("g", passed, value_digests(values))
    # the next pull names a child 吴某新: a.html has not changed, and is still found
    leaks = scan_site(site, scanner("王某华", "吴某新"), record)
    assert [(leak.page, leak.what) for leak in leaks] == [("a.html", "姓名")]
    # a changed file is scanned in full: numbers shaped like a phone are found again
    (site / "b.html").write_text("<p>联系电话 13912345678</p>", encoding="utf-8")
    leaks = scan_site(site, scanner("王某华"), record)
    assert [(leak.page, leak.what) for leak in leaks] == [("b.html", "电话号码")]


def test_the_record_is_what_spares_a_file_the_full_scan(tmp_path: Path):
    """A file the record says passed is not scanned for number shapes again (so the record
    must be the gate's own, kept where only the coordinator writes)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "c.html").write_text("<p>13912345678</p>", encoding="utf-8")
    passed: dict[str, str] = {}
    assert scan_site(site, scanner(), None, passed) != []
    assert scan_site(site, scanner(), Checked("g", passed, value_digests([]))) == []


def test_the_gate_keeps_its_record_privately_and_uses_it_only_under_the_same_gate(tmp_path: Path):
    root = tmp_path / "示例区"
    write_demo(root, children=80, seed=4)
    config = load_config(root)
    snapshot, _ = current_snapshot(config)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>控辍保学</p>", encoding="utf-8")
    record = config.outputs_path / RECORD
    check_site(site, config, load_package(), record=record, snapshot=snapshot)
    assert record.is_file() and not list(site.glob(".site-gate*"))
    gate = gate_version(EXAMPLES)
    kept = Checked.read(record, gate)
    assert kept is not None and set(kept.files) == {"index.html"}
    assert kept.values.len() > 100  # the demo's names, IDs and phones, as digests
    text = record.read_text(encoding="utf-8")
    name = snapshot.table("census")["name"].drop_nulls()[0]
    assert name not in text
    assert Checked.read(record, "another gate") is None
    data = json.loads(text)
    data["values"] = "not base64!"
    record.write_text(json.dumps(data), encoding="utf-8")
    assert Checked.read(record, gate) is None
    # a child named like the page's text: found through the record's light scan as well
    (site / "index.html").write_text(f"<p>{name}</p>", encoding="utf-8")
    with pytest.raises(PrivacyError):
        check_site(site, config, load_package(), record=record, snapshot=snapshot)


def test_a_pull_holds_exactly_the_tables_it_wrote(tmp_path: Path):
    root = tmp_path / "示例区"
    write_demo(root, children=120, seed=5)
    calls: list[str] = []
    snapshot, pulled = current_snapshot(load_config(root), on_pull=lambda: calls.append("pull"))
    assert pulled and calls == ["pull"]  # what starts the site helper in a build
    assert current_snapshot(load_config(root), on_pull=lambda: calls.append("again"))[1] is False
    assert calls == ["pull"]
    from_disk = Snapshot(snapshot.path)
    for name in snapshot.manifest["tables"]:
        assert_frame_equal(snapshot.table(name), from_disk.table(name))
    assert snapshot.table("census").height > 50
    columns = ["name", "_row", "_file", "nope"]
    assert_frame_equal(snapshot.table("census", columns), from_disk.table("census", columns))
    assert_frame_equal(snapshot.table("census", columns), Snapshot(snapshot.path).table("census", columns))


def test_the_helper_builds_the_site_the_run_would_build(tmp_path: Path):
    here = make_site_workspace(tmp_path / "a" / "示例区", units=4, months=1, forms=False)
    there = make_site_workspace(tmp_path / "b" / "示例区", units=4, months=1, forms=False)
    build_site(here)
    build_site(there, helper=Helper())
    mine = sorted(p.relative_to(here.site_path).as_posix()
                  for p in here.site_path.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(there.site_path).as_posix()
                    for p in there.site_path.rglob("*") if p.is_file())
    assert mine == theirs
    differ = [p for p in mine if p != "sitemap.xml.gz"
              and (here.site_path / p).read_bytes() != (there.site_path / p).read_bytes()]
    assert differ == []


def test_a_helper_that_died_leaves_the_build_to_the_run(tmp_path: Path):
    helper = Helper()
    helper._process.kill()
    helper._process.join(10)
    assert helper.build(tmp_path / "mkdocs.yml", dirty=False) is None


def test_a_helper_that_fails_while_building_says_so(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (tmp_path / "hook.py").write_text("def on_config(config):\n    raise RuntimeError('坏')\n",
                                      encoding="utf-8")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(f"site_name: x\ndocs_dir: {tmp_path / 'docs'}\nsite_dir: {tmp_path / 'out'}\n"
                           f"hooks: [{tmp_path / 'hook.py'}]\n", encoding="utf-8")
    with pytest.raises(HelperFailed, match="RuntimeError"):
        Helper().build(config_file, dirty=False)


class _FailsAfterWriting:
    """A helper that renders the changed pages (as a real one may before it dies), then fails."""

    def build(self, config_file: Path, *, dirty: bool) -> list[str]:
        run_mkdocs(config_file, dirty=dirty)
        raise HelperFailed("died")

    def close(self) -> None:
        pass


def test_a_helper_that_fails_after_writing_pages_makes_the_run_build_the_whole_site(tmp_path: Path):
    """Pages a failed helper wrote are newer than their sources: a dirty build would take them
    as done and leave them out of the search index. The run builds everything again."""
    config = make_site_workspace(tmp_path / "a" / "示例区", units=5, months=2, forms=False)
    build_site(config)
    write_sample_public(config.outputs_path / "public", units=5, months=2, seed=3)
    build_site(config, helper=_FailsAfterWriting())  # type: ignore[arg-type]
    full = make_site_workspace(tmp_path / "b" / "示例区", units=5, months=2, forms=False)
    write_sample_public(full.outputs_path / "public", units=5, months=2, seed=3)
    build_site(full)
    files = sorted(p.relative_to(config.site_path).as_posix()
                   for p in config.site_path.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(full.site_path).as_posix()
                           for p in full.site_path.rglob("*") if p.is_file())
    differ = [p for p in files if p != "sitemap.xml.gz"
              and (config.site_path / p).read_bytes() != (full.site_path / p).read_bytes()]
    assert differ == []


def test_mkdocs_errors_in_the_helper_are_the_runs_errors(tmp_path: Path):
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(f"site_name: x\ndocs_dir: {tmp_path / 'nowhere'}\n", encoding="utf-8")
    with pytest.raises(SiteError) as here:
        run_mkdocs(config_file)
    with pytest.raises(SiteError) as there:
        Helper().build(config_file, dirty=False)
    assert str(there.value) == str(here.value)
    assert "网站构建失败" in str(here.value)


def test_the_helper_imports_mkdocs_without_the_rest_of_the_site():
    code = ("import sys, kcbx.outputs.site.helper as h; "
            "print(any(m in sys.modules for m in ('polars', 'kcbx.outputs.site.gate', "
            "'kcbx.outputs.site.build')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    import kcbx.outputs.site as site

    assert all(getattr(site, name) is not None for name in site.__all__)
    with pytest.raises(AttributeError):
        site.nothing_here  # noqa: B018


def test_a_fonts_character_map_is_read_once_and_kept(tmp_path: Path):
    from kcbx.outputs.fonts import _package_fonts, coverage

    fonts = _package_fonts()
    assert fonts is not None
    coverage.cache_clear()
    read = coverage(fonts.files)
    coverage.cache_clear()
    kept = coverage(fonts.files, str(tmp_path))
    (made,) = tmp_path.glob("coverage-*.bin")
    assert kept == read and ord("控") in read
    coverage.cache_clear()
    assert coverage(fonts.files, str(tmp_path)) == read  # from the kept file
    whole = made.read_bytes()
    for damaged in (b"", whole[:-4], whole[:40] + b"\0" * (len(whole) - 40), b"\1\2\3\4"):
        made.write_bytes(damaged)  # cut or spoiled: read from the fonts again, and kept again
        coverage.cache_clear()
        assert coverage(fonts.files, str(tmp_path)) == read
        assert made.read_bytes() == whole


PROBE = '''
import sys


def cli_loaded():
    return "kcbx.cli" in sys.modules
'''
SCRIPT = '''
import multiprocessing
import sys

from kcbx.cli import _spare_workers_the_cli
from probe import cli_loaded

if sys.argv[1] == "script":
    from kcbx.cli import main  # as the kcbx script has it

if __name__ == "__main__":
    if sys.argv[1] != "as-is":
        _spare_workers_the_cli()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print(pool.apply(cli_loaded))
'''


@pytest.mark.parametrize(("how", "loaded"), [("script", "False"), ("as-is", "True"), ("host", "True")])
def test_workers_of_the_kcbx_script_do_not_load_the_cli_again(tmp_path: Path, how: str, loaded: str):
    """The ``kcbx`` script runs as a file, and spawn runs the main file again in every worker
    (the readers, feedback, the site helper) unless it is named as a package's __main__. A
    program that only uses kcbx ("host") keeps its own: its workers may need its functions."""
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    (tmp_path / "kcbx-script.py").write_text(SCRIPT, encoding="utf-8")
    out = subprocess.run([sys.executable, str(tmp_path / "kcbx-script.py"), how], cwd=tmp_path,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == loaded


def test_reads_begin_at_once_and_stop_when_not_taken(tmp_path: Path, monkeypatch):
    """A pull hands workbooks to the readers before it gathers the last pull's rows; a pull
    that then gives up (the same sources after all) stops the reads it did not take."""
    from kcbx.sources import contain
    from kcbx.tables import pull

    root = tmp_path / "示例区"
    write_demo(root, children=60, seed=6)
    (root / "submissions" / "ZZ坏文件.xlsx").write_bytes(b"not a workbook")  # read on every pull
    config = load_config(root)
    made: list[contain.Reads] = []
    closed: list[contain.Reads] = []
    real_init, real_close = contain.Reads.__init__, contain.Reads.close

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)
        assert self.pending, "reading begins when the reads are made"

    def close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(contain.Reads, "__init__", init)
    monkeypatch.setattr(contain.Reads, "close", close)
    first = pull(config, load_package())
    before = len(made)
    again = pull(config, load_package())  # nothing changed: the same snapshot, reads stopped
    assert again.path == first.path
    (reads,) = made[before:]  # the folder's: the unreadable file, handed out at once
    assert [job.name for job in reads.jobs] == ["submissions/ZZ坏文件.xlsx"]
    assert reads in closed and not reads.pending and list(reads) == []
