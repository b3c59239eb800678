"""Real site builds: a workspace's site (sample public package, form template), the repo's
plain ``mkdocs build``, nothing fetched from the internet, bulk pages off the sidebar and out
of search, and the privacy gate refusing to publish personal data."""

from __future__ import annotations

import gzip
import html
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.outputs.site import PrivacyError, build_site, write_sample_public
from kcbx.outputs.site.gate import Scanner, private_values, public_examples, scan_site
from kcbx.outputs.site.locate import site_sources
from kcbx.pipeline import current_snapshot
from kcbx.schema import load_package
from test_site_helpers import make_site_workspace

DOCS, MKDOCS = site_sources()
REPO = MKDOCS.parent

# Every attribute or CSS value through which a browser fetches something by itself.
FETCHED = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed|track|input)\b[^>]*?\s(?:src|srcset|poster)"
    r"\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<link\b[^>]*?\shref\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<object\b[^>]*?\sdata\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<(?:image|use|feImage)\b[^>]*?\s(?:xlink:)?href\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+[\"']\s*(?:https?:)?//", re.IGNORECASE)


def external_resources(site: Path) -> list[str]:
    found = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".svg"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(site)}: {m.group(0)[:80]}" for m in FETCHED.finditer(text)]
    return found


def listing(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    before = listing(DOCS)
    config = make_site_workspace(tmp_path_factory.mktemp("site") / "示例区")
    result = build_site(config)
    return config, result, before


def test_workspace_site_is_published_with_status_and_forms(built):
    config, result, before = built
    site = config.site_path
    assert result.path == site and result.has_status and result.forms == 1
    assert result.warnings == [] and result.search_fixed
    assert (site / "index.html").is_file() and (site / ".kcbx-site").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "示例区控辍保学工作指南" in index
    status = (site / "status" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in status and "请先运行 kcbx report" not in status
    assert (site / "forms" / "files" / "空白模板.xlsx").is_file()
    assert 'href="files/%E7%A9%BA%E7%99%BD%E6%A8%A1%E6%9D%BF.xlsx"' in (
        site / "forms" / "index.html").read_text(encoding="utf-8")
    assert listing(DOCS) == before  # the repo's site/ is never written by a workspace build


def test_offline_search_and_no_external_resources(built):
    config, _, _ = built
    site = config.site_path
    assert external_resources(site) == []
    assert (site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index")
    for page in ("index.html", "policy/home-teaching.html", "status/progress.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert re.search(r'<script src="(\.\./)*assets/javascripts/iframe-worker/shim\.js">', text)
        assert "unpkg.com" not in text and "fonts.googleapis" not in text
        assert 'class="mermaid"' not in text
    assert (site / "assets" / "javascripts" / "iframe-worker" / "LICENSE").is_file()


def test_bulk_pages_are_off_the_sidebar_and_out_of_search(built):
    config, _, _ = built
    site = config.site_path
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "policy/home-teaching.html" in locations and "status/progress.html" in locations
    assert not any(loc.startswith(("status/units/U", "status/months/2")) for loc in locations)
    unit_pages = list((site / "status" / "units").glob("U*.html"))
    assert len(unit_pages) == 9
    page = (site / "status" / "submission.html").read_text(encoding="utf-8")
    nav = page[page.index('<nav class="md-nav md-nav--primary'):page.index('<div class="md-content"')]
    assert "units/index.html" in nav and "units/U0001.html" not in nav
    assert "units/U0001.html" in page[page.index('<div class="md-content"'):]
    assert 'href="U0001.html"' in (site / "status" / "units" / "index.html").read_text(encoding="utf-8")
    home = next(d for d in index["docs"] if d["location"] == "policy/home-teaching.html")
    assert "\u200b送教上门\u200b" in home["title"] + home["text"] or home["title"] == "送教上门"
    text = " ".join(d["text"] for d in index["docs"])
    for word in ("控辍保学", "送教上门", "劝返复学"):
        assert f"\u200b{word}\u200b" in text


def test_plain_mkdocs_build_from_the_repo_root(tmp_path: Path):
    out = tmp_path / "public"
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=REPO, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1",
                                                                        "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert (out / "reference" / "dictionary.html").is_file()
    assert "请先运行 kcbx report" in (out / "status" / "index.html").read_text(encoding="utf-8")
    assert external_resources(out) == []
    assert [p.name for p in (DOCS / "status" / "units").iterdir()] == ["index.md"]


# -- the privacy gate ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo district (fake people, 王某华), pulled, with a sample public package."""
    root = tmp_path_factory.mktemp("gate") / "示例区"
    write_demo(root, children=200)
    config = load_config(root)
    current_snapshot(config)
    write_sample_public(config.outputs_path / "public", units=6, months=2)
    return config


def test_gate_passes_the_clean_demo_and_refuses_a_childs_name(demo):
    config = demo
    result = build_site(config)
    published = (config.site_path / "index.html").read_bytes()
    snapshot, _ = current_snapshot(config)
    census = snapshot.table("census")
    name = census["name"].drop_nulls()[0]
    path = config.outputs_path / "public" / "submission_status.csv"
    original = path.read_text(encoding="utf-8")
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(name))
                               .otherwise(pl.col("unit_name")).alias("unit_name"))
    frame.write_csv(path)
    try:
        run = CliRunner().invoke(cli, ["site", "build", "--config", str(config.root)])
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.pages > 40
    assert run.exit_code == 1, run.output
    message = run.output + (run.stderr if hasattr(run, "stderr") else "")
    assert "隐私检查未通过" in message and "status/submission.html" in message
    assert "姓名" in message and "适龄儿童少年摸底表（户籍线）" in message
    assert name not in message  # masked on the console too
    assert (config.site_path / "index.html").read_bytes() == published  # nothing replaced
    assert not list(config.site_path.parent.glob(".kcbx-site-*"))  # temporary folder removed


def test_gate_finds_personal_data_in_every_kind_of_file(demo, tmp_path: Path):
    package = load_package()
    private = private_values(demo, package)
    names = [v for v, (what, _) in private.items() if what == "姓名"]
    guardians = [v for v, (what, _) in private.items() if what == "监护人姓名"]
    ids = [v for v, (what, _) in private.items() if what == "身份证号"]
    assert names and guardians and ids
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "forms").mkdir()
    (site / "ok.html").write_text("<p>例：13800000000或0791-86000000，例：990101201503010043，"
                                  "控辍保学 2022-10 共 1997 人</p>", encoding="utf-8")
    (site / "id.html").write_text(f"<td>{ids[0]}</td>", encoding="utf-8")
    (site / "student-no.html").write_text("<td>G110101201201190014</td>", encoding="utf-8")
    (site / "phone.html").write_text("<p>联系电话 0791-86123456</p>", encoding="utf-8")
    escaped = json.dumps({"who": names[0]})  # \\uXXXX escapes
    (site / "app.js").write_text(f"var x = {escaped};", encoding="utf-8")
    (site / "entity.html").write_text("".join(f"&#{ord(c)};" for c in names[1]), encoding="utf-8")
    doc = {"location": "policy/x.html", "title": "标题", "text": "\u200b".join(guardians[0])}
    (site / "search" / "search_index.json").write_text(
        json.dumps({"docs": [doc]}), encoding="utf-8")
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(b"<url>13912345678</url>"))
    with zipfile.ZipFile(site / "forms" / "t.xlsx", "w") as z:
        z.writestr("xl/sharedStrings.xml", f"<sst><si><t>{html.escape(names[2])}</t></si></sst>")
    leaks = scan_site(site, Scanner(private, public_examples(package)))
    pages = {leak.page for leak in leaks}
    assert pages == {"id.html", "student-no.html", "phone.html", "app.js", "entity.html",
                     "policy/x.html（搜索索引 search/search_index.json）", "sitemap.xml.gz",
                     "forms/t.xlsx（xl/sharedStrings.xml）"}
    assert all(names[0] not in leak.sample for leak in leaks)


def test_small_counts_are_refused_before_building(tmp_path: Path):
    config = make_site_workspace(tmp_path / "ws", units=6, months=1, forms=False)
    path = config.outputs_path / "public" / "home_teaching.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("children")] = "1"
    path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(PrivacyError, match=r"home_teaching.csv 第2行") as err:
        build_site(config)
    assert err.value.exit_code == 1
    assert not config.site_path.exists()


def test_an_unchanged_site_is_not_built_again(tmp_path: Path):
    """The same pages checked against the same pull: nothing is rebuilt; a new pull is."""
    root = tmp_path / "示例区"
    write_demo(root, children=100, seed=9)
    config = load_config(root)
    current_snapshot(config)
    write_sample_public(config.outputs_path / "public", units=4, months=1)
    first = build_site(config)
    index = config.site_path / "index.html"
    stamp = index.stat().st_mtime_ns
    again = build_site(config)
    assert index.stat().st_mtime_ns == stamp and again.pages == first.pages
    book = next((root / "submissions").glob("*.xlsx"))
    book.write_bytes(book.read_bytes())  # same bytes: the same pull, still nothing to do
    build_site(config)
    assert index.stat().st_mtime_ns == stamp
    (root / "submissions" / "YZ.xlsx").unlink()  # a new pull, the same pages: not built again,
    snapshot, _ = current_snapshot(config)      # but checked against the new pull's values
    build_site(config)
    assert index.stat().st_mtime_ns == stamp
    state = json.loads((config.site_path / ".kcbx-site-key").read_text(encoding="utf-8"))
    assert state["pull"] == snapshot.name
    write_sample_public(config.outputs_path / "public", units=5, months=1)  # new pages: built
    build_site(config)
    assert index.stat().st_mtime_ns != stamp
    stamp = index.stat().st_mtime_ns
    # a child of the next pull named like text the published pages show: the gate does look
    book = next(p for p in sorted((root / "submissions").glob("*.xlsx"))
                if any("摸底" in t for t in openpyxl.load_workbook(p, read_only=True).sheetnames))
    wb = openpyxl.load_workbook(book)
    ws = next(ws for ws in wb.worksheets if "摸底" in ws.title)
    next(c for row in ws.iter_rows(min_row=2) for c in row
         if isinstance(c.value, str) and "某" in c.value).value = "青石镇第1学校"
    wb.save(book)
    current_snapshot(config)
    with pytest.raises(PrivacyError):
        build_site(config)
    assert index.stat().st_mtime_ns == stamp


def test_changed_pages_alone_are_rebuilt_and_the_site_is_what_a_full_build_makes(tmp_path: Path):
    """New numbers on the same units: only the pages whose Markdown changed are rendered, and
    the published site — every page, the navigation, the search index and its offline copy —
    is byte for byte what a full build of the same sources makes."""
    config = make_site_workspace(tmp_path / "a" / "示例区", units=6, months=2, forms=False)
    build_site(config)
    site = config.site_path
    (site / "Thumbs.db").write_bytes(b"\0")  # left by a file browser: a full build drops it
    before = listing(site)
    write_sample_public(config.outputs_path / "public", units=6, months=2, seed=2)
    build_site(config)
    after = listing(site)
    assert "Thumbs.db" not in after
    rebuilt = {p for p in after if p.endswith(".html") and after[p] != before.get(p)}
    assert "status/index.html" in rebuilt and "status/units/U0001.html" in rebuilt
    for kept in ("index.html", "policy/index.html", "reference/dictionary.html"):
        assert kept not in rebuilt  # the guide was not rendered again
    full = make_site_workspace(tmp_path / "b" / "示例区", units=6, months=2, forms=False)
    write_sample_public(full.outputs_path / "public", units=6, months=2, seed=2)
    build_site(full)
    def files_of(folder: Path) -> set[str]:
        return {p for p in listing(folder) if (folder / p).is_file()} - {"sitemap.xml.gz"}  # gzip: time

    files = files_of(site)
    assert files == files_of(full.site_path)
    differ = [p for p in sorted(files) if (site / p).read_bytes() != (full.site_path / p).read_bytes()]
    assert differ == []
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(e["location"].startswith("status/index.html") for e in index["docs"])
    assert any(e["location"].startswith("policy/index.html") for e in index["docs"])


def test_only_a_body_change_keeps_the_structure_that_allows_a_page_level_build(tmp_path: Path):
    from kcbx.outputs.site.incremental import digests, keys, page_level

    docs = tmp_path / "docs"
    (docs / "a").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n\n正文\n", encoding="utf-8")
    (docs / "a" / "b.md").write_text("---\nsearch:\n  exclude: true\n---\n# 乙\n\n数字 1\n", encoding="utf-8")
    (docs / "style.css").write_text("p{}\n", encoding="utf-8")

    def state() -> tuple[str, str]:
        made = keys(docs, b"config", digests(docs))
        assert made.titled is False  # index.md names no title: every build would be full
        return made.site, made.structure

    site, structure = state()
    (docs / "a" / "b.md").write_text("---\nsearch:\n  exclude: true\n---\n# 乙\n\n数字 2\n", encoding="utf-8")
    assert state()[0] != site and state()[1] == structure  # the body: page-level
    for path, text in [("a/b.md", "---\nsearch:\n  exclude: false\n---\n# 乙\n\n数字 2\n"),  # front matter
                       ("index.md", "# 新首页\n\n正文\n"),  # a title, shown in every page's navigation
                       ("style.css", "p{color:red}\n"),  # a static file
                       ("a/c.md", "# 丙\n")]:  # a new page
        before = state()[1]
        (docs / path).write_text(text, encoding="utf-8")
        assert state()[1] != before, path
    assert keys(docs, b"other config", digests(docs)).structure != state()[1]
    assert page_level({"markdown_extensions": ["admonition", {"toc": {"permalink": False}}]})
    assert not page_level({"markdown_extensions": [{"pymdownx.snippets": {"base_path": "."}}]})


def test_the_structure_reads_metadata_as_mkdocs_does(tmp_path: Path):
    """A BOM (Windows editors), YAML closed by ``...``: a changed title is still structure;
    a page without ``title:`` makes every build full; page URLs are quoted like mkdocs'."""
    from kcbx.outputs.site.incremental import digests, keys, page_url

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in [("bom.md", "\ufeff---\ntitle: 甲\n---\n\n正文\n"),
                       ("dots.md", "---\ntitle: 乙\n...\n\n正文\n")]:
        (docs / name).write_text(text, encoding="utf-8")
    first = keys(docs, b"", digests(docs))
    assert first.titled
    (docs / "bom.md").write_text("\ufeff---\ntitle: 甲二\n---\n\n正文\n", encoding="utf-8")
    second = keys(docs, b"", digests(docs))
    assert second.structure != first.structure
    (docs / "dots.md").write_text("---\ntitle: 乙二\n...\n\n正文\n", encoding="utf-8")
    assert keys(docs, b"", digests(docs)).structure != second.structure
    (docs / "plain.md").write_text("# 丙\n", encoding="utf-8")
    assert not keys(docs, b"", digests(docs)).titled
    assert page_url("practice/常见 问题.md") == "practice/%E5%B8%B8%E8%A7%81%20%E9%97%AE%E9%A2%98.html"
    assert page_url("a/README.md") == "a/index.html"


def test_a_page_new_to_the_search_index_is_not_placed_by_guessing():
    from kcbx.outputs.site.incremental import Unplaced, merge_search_index

    previous = {"config": {}, "docs": [{"location": "a.html"}, {"location": "b.html"},
                                       {"location": "b.html#x"}, {"location": "c.html"}]}
    rebuilt = {"config": {}, "docs": [{"location": "b.html", "text": "新"}]}
    merged = merge_search_index(previous, rebuilt, {"b.html"})
    assert [e["location"] for e in merged["docs"]] == ["a.html", "b.html", "c.html"]
    assert merge_search_index(previous, {"config": {}, "docs": []}, {"c.html"})["docs"][-1] == \
        {"location": "b.html#x"}  # a page that left the index: its entries go
    with pytest.raises(Unplaced):
        merge_search_index(previous, {"config": {}, "docs": [{"location": "d.html"}]}, {"d.html"})


def test_a_page_that_enters_the_search_index_makes_a_full_build(tmp_path: Path, monkeypatch):
    """A page with no text (no search entries) gets some: its place in the index is not known
    to a page-level build, so the site is built in full — and is what a full build makes."""
    import shutil

    from kcbx.outputs.site import build as site_build

    docs, mkdocs = tmp_path / "src" / "site", tmp_path / "src" / "mkdocs.yml"
    shutil.copytree(DOCS, docs)
    nav = MKDOCS.read_text(encoding="utf-8")
    assert "      - practice/faq.md\n" in nav
    mkdocs.write_text(nav.replace("      - practice/faq.md\n",
                                  "      - practice/faq.md\n      - practice/empty.md\n"), encoding="utf-8")
    page = docs / "practice" / "empty.md"
    page.write_text("---\ntitle: 空白页\n---\n\n", encoding="utf-8")
    monkeypatch.setattr(site_build, "site_sources", lambda: (docs, mkdocs))
    config = make_site_workspace(tmp_path / "a" / "示例区", units=4, months=1, forms=False)
    build_site(config)
    before = listing(config.site_path)
    page.write_text("---\ntitle: 空白页\n---\n\n正文内容。\n", encoding="utf-8")
    build_site(config)
    after = listing(config.site_path)
    assert after["index.html"] != before["index.html"]  # built in full
    full = make_site_workspace(tmp_path / "b" / "示例区", units=4, months=1, forms=False)
    build_site(full)
    for rel in ("search/search_index.json", "search/search_index.js", "practice/empty.html"):
        assert (config.site_path / rel).read_bytes() == (full.site_path / rel).read_bytes()
    index = json.loads((config.site_path / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(e["location"].startswith("practice/empty.html") for e in index["docs"])


def test_a_site_without_a_record_of_its_files_is_built_in_full(tmp_path: Path):
    """A published site whose record lacks the list of files it holds (an older kcbx) is not
    mended page by page: the next build with changed numbers renders every page."""
    config = make_site_workspace(tmp_path / "示例区", units=4, months=1, forms=False)
    build_site(config)
    record = config.site_path / ".kcbx-site-key"
    state = json.loads(record.read_text(encoding="utf-8"))
    del state["outputs"]
    record.write_text(json.dumps(state), encoding="utf-8")
    before = listing(config.site_path)
    write_sample_public(config.outputs_path / "public", units=4, months=1, seed=2)
    build_site(config)
    assert listing(config.site_path)["policy/index.html"] != before["policy/index.html"]
