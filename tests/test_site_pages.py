"""The site's pages without building it: the committed generated pages match the code, the
nav covers them, the guide is faithful to the policy, the generated pages say what the data
package and the rule catalogue say, and the status pages read the public package."""

from __future__ import annotations

import re
from pathlib import Path

import jieba
import pytest
import yaml

from kcbx.outputs.site.charts import Series, bar_chart, line_chart, nice_max
from kcbx.outputs.site.generate import BULK, GENERATED, environment, repo_pages, status_pages
from kcbx.outputs.site.locate import USER_DICT, site_sources
from kcbx.outputs.site.searchfix import patched, theme_worker
from kcbx.outputs.site.status import read_public, small_counts
from kcbx.schema import load_package
from kcbx.validation.rules import catalogue
from test_site_helpers import make_site_workspace

DOCS, MKDOCS = site_sources()
REPO = Path(__file__).resolve().parents[1]  # the checkout (kcbx itself may be installed)
POLICY = REPO.parent / "shared" / "policy"


def _nav_pages(nav: list) -> list[str]:
    out: list[str] = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out += _nav_pages(value) if isinstance(value, list) else [value]
    return out


def test_committed_generated_pages_match_the_code():
    pages = repo_pages()
    stale = [rel for rel, text in pages.items()
             if not (DOCS / rel).is_file() or (DOCS / rel).read_text(encoding="utf-8") != text]
    extra = [p.relative_to(DOCS).as_posix() for folder in GENERATED for p in (DOCS / folder).rglob("*.md")
             if p.relative_to(DOCS).as_posix() not in pages]
    assert not stale and not extra, (
        f"site/ 中的生成页面已过期 {stale}，多余 {extra}：运行 python -m kcbx.outputs.site 更新")


def test_nav_lists_every_page_except_the_bulk_ones():
    config = yaml.safe_load(MKDOCS.read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert set(nav) == pages
    for rel in nav:
        assert not rel.startswith(BULK) or rel.endswith("/index.md")
    # offline and Chinese decisions, as configured
    assert config["theme"]["font"] is False and config["theme"]["language"] == "zh"
    plugins = {next(iter(p)) if isinstance(p, dict) else p: p for p in config["plugins"]}
    assert "offline" in plugins and plugins["search"]["search"]["lang"] == "zh"
    assert (MKDOCS.parent / plugins["search"]["search"]["jieba_dict_user"]) == DOCS / USER_DICT
    shim = config["extra"]["polyfills"][0]
    assert "iframe-worker" in shim and not shim.startswith(("http:", "https:", "//"))
    assert (DOCS / shim).is_file() and (DOCS / shim).parent.joinpath("LICENSE").is_file()
    assert "Martin Donath" in (DOCS / shim).parent.joinpath("LICENSE").read_text(encoding="utf-8")


def test_jieba_user_dictionary_keeps_the_campaign_words_whole():
    jieba.load_userdict(str(DOCS / USER_DICT))
    words = list(jieba.cut("各校落实控辍保学责任，做好送教上门和劝返复学工作"))
    for word in ("控辍保学", "送教上门", "劝返复学"):
        assert word in words


def _plain(markdown: str) -> str:
    text = re.sub(r"<[^>]+>", "", markdown)
    text = re.sub(r"[*#>|]|\[|\]\([^)]*\)", "", text)
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not POLICY.is_dir(), reason="shared/policy 不在代码仓库旁边，无法核对政策原文")
def test_policy_guide_quotes_every_sentence_of_the_plan():
    guide = "".join(_plain(p.read_text(encoding="utf-8")) for p in (DOCS / "policy").glob("*.md"))
    source = next(POLICY.glob("*.txt")).read_text(encoding="utf-8")
    missing = []
    for line in source.splitlines():
        line = re.sub(r"\s+", "", line)
        line = re.sub(r"^(（[一二三四五六七八九十\d]+）|\d+\.|[一二三四五六七八九十]+、)", "", line)
        for sentence in filter(None, re.split(r"(?<=[。；])", line)):
            if len(sentence) > 6 and _plain(sentence.rstrip("。；")) not in guide:
                missing.append(sentence)
    assert not missing, missing[:5]


def test_practical_layer_is_there():
    practice = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "practice").glob("*.md")}
    checklist = practice["home-checklist.md"]
    for phrase in ("每周不少于1次", "至少两人同行，其中至少一名男性教师", "一人一案", "送教手册"):
        assert phrase in checklist
    assert "- [ ]" in checklist
    four = (DOCS / "policy" / "four-steps.md").read_text(encoding="utf-8")
    svg = four[four.index("<svg"):four.index("</svg>")]
    for doc in ("《限期复学通知书》", "《行政处罚决定书》", "宣传教育", "责令改正", "行政处罚",
                "提起诉讼或申请强制执行"):
        assert doc in svg
    assert "mermaid" not in "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    assert "当天" in practice["calendar.md"] and "每月月底" in practice["calendar.md"]
    assert "包保" in practice["baobao.md"] and "<svg" in practice["baobao.md"]
    assert practice["faq.md"].count('??? question') >= 10


def test_dictionary_and_fill_pages_follow_the_data_package():
    pages = repo_pages()
    package = load_package()
    dictionary = pages["reference/dictionary.md"]
    for table in package.tables:
        assert f"## {table.title} {{#{table.name}}}" in dictionary
        fill = pages[f"reference/fill/{table.name}.md"]
        for f in table.fields:
            assert f"<code>{f.name}</code>" in dictionary
            assert f". {f.title}（" in fill
            if f.enum:
                assert "、".join(f.enum) in fill
        for f in table.fields:
            if f.pii:
                assert f.title in fill.split("是个人信息")[0]
    rules = pages["reference/rules.md"]
    for rule in catalogue():
        assert f"## {rule['id']} {rule['title']} {{#{rule['id'].lower()}}}" in rules
    assert "`thresholds.stall_days`（30）" in rules


def test_status_pages_without_data_say_to_run_report():
    pages = status_pages(environment(), None)
    assert set(pages) >= {"status/index.md", "status/submission.md", "status/progress.md",
                          "status/home-teaching.md", "status/quality.md"}
    for text in pages.values():
        assert "请先运行 kcbx report" in text


def test_status_pages_read_the_public_package(tmp_path: Path):
    config = make_site_workspace(tmp_path / "ws", units=9, months=3, forms=False)
    data = read_public(config.outputs_path / "public")
    assert data is not None
    progress = data.frame("progress")
    assert progress["in_school"].null_count() + progress["returned"].null_count() > 0  # suppressed
    assert small_counts(data, 3) == []
    pages = status_pages(environment(), data, district="示例区", min_count=3)
    units = [p for p in pages if p.startswith("status/units/") and not p.endswith("index.md")]
    months = [p for p in pages if p.startswith("status/months/") and not p.endswith("index.md")]
    assert len(units) == 9 and len(months) == 3
    for rel in units + months:
        assert "search:\n  exclude: true" in pages[rel]
    for rel in ("status/index.md", "status/submission.md", "status/progress.md",
                "status/home-teaching.md", "status/quality.md"):
        assert "<svg" in pages[rel] and "<polyline" in pages[rel] or "<rect" in pages[rel]
        assert "请先运行 kcbx report" not in pages[rel]
    matrix = pages["status/submission.md"]
    statuses = data.frame("submission_status")
    first = statuses.row(0, named=True)
    assert f'href="units/{first["unit_code"]}.html">{first["unit_name"]}</a>' in matrix
    assert matrix.count("<tr><td>") == 9
    assert "| — |" in pages["status/progress.md"] or "| — " in pages["status/progress.md"]
    # a count below the threshold is refused before anything is built
    path = config.outputs_path / "public" / "progress.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("in_school")] = "2"
    path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    found = small_counts(read_public(config.outputs_path / "public"), 3)
    assert found == [("progress.csv", 2, "in_school", 2)]


def test_charts_scale_and_leave_gaps():
    assert nice_max(7) == (8.0, 2.0)
    assert nice_max(0) == (1.0, 1.0)
    assert nice_max(165)[0] >= 165
    chart = line_chart("t", "趋势", ["2022-09", "2022-10", "2022-11"],
                       [Series("失学辍学", [3.0, None, 5.0])])
    assert len(chart.series[0].paths) == 2 and len(chart.series[0].points) == 2
    bars = bar_chart("b", "乡镇", ["青石镇", "柳河乡"], [Series("已劝返", [4.0, None])])
    assert bars.rows[1].bars[0].missing and bars.rows[1].bars[0].label == "—"
    assert bars.rows[0].bars[0].width > 0
    svg = environment().globals["chart"](chart)
    assert svg.count("<polyline") == 2 and "http" not in svg and "\n\n" not in svg


def test_search_fix_applies_to_the_installed_material():
    snippet = "n=new Uint16Array(t.length);for(let s=0;s<t.length;s++)for(let o=s+1;o<t.length;o++)"
    assert patched(snippet) == snippet.replace("o<t.length;o++", "o<=t.length;o++")
    assert patched("for(let o=s+1;o<t.length;o++)") is None
    worker = theme_worker()
    assert worker is not None
    source = worker.read_text(encoding="utf-8")
    fixed = patched(source)
    assert fixed is not None and len(fixed) == len(source) + 1, (
        "mkdocs-material 的搜索代码变了：请检查 searchfix.py 的修正是否还需要、是否还适用")


def test_sample_public_package_is_valid_against_the_contract(tmp_path: Path):
    frictionless = pytest.importorskip("frictionless")
    folder = make_site_workspace(tmp_path / "ws", units=7, months=2, forms=False).outputs_path / "public"
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_generated_markdown_keeps_blocks_apart(tmp_path: Path):
    """Headings, tables, HTML blocks and lists each start after a blank line (jinja's
    trim_blocks makes it easy to glue them to the line before, and Markdown then merges them)."""
    config = make_site_workspace(tmp_path / "ws", units=4, months=2, forms=False)
    pages = {**repo_pages(), **status_pages(environment(), read_public(config.outputs_path / "public"))}
    glued = []
    for rel, text in pages.items():
        lines = text.splitlines()
        for prev, cur in zip(lines, lines[1:], strict=False):
            starts = cur.startswith(("#", "|", "<", "- ")) and not prev.startswith(cur[0])
            ends = prev.startswith("|") and cur.strip() and not cur.startswith("|")
            if prev.strip() and (starts or ends) and not prev.startswith("  "):
                glued.append(f"{rel}: {prev[:30]} / {cur[:30]}")
    assert not glued, glued[:5]


def test_the_config_page_lists_every_key_of_the_model():
    """Generated from the model: a key added to kcbx.yml appears with its meaning."""
    import dataclasses

    from pydantic import BaseModel

    from kcbx.config import Config

    text = (DOCS / "reference" / "config.md").read_text(encoding="utf-8")

    def keys(model, prefix=""):
        if dataclasses.is_dataclass(model):
            return [f"{prefix}{f.name}" for f in dataclasses.fields(model)]
        out = []
        for name, f in model.model_fields.items():
            if f.exclude:
                continue
            out.append(f"{prefix}{name}")
            for arg in (f.annotation, *getattr(f.annotation, "__args__", ())):
                nested = dataclasses.is_dataclass(arg) or (
                    isinstance(arg, type) and issubclass(arg, BaseModel))
                if nested and name not in ("terms", "holidays"):
                    out += keys(arg, f"{prefix}{name}.")
        return out

    every = keys(Config)
    assert {"district", "limits.memory_mb", "sources.google.folder", "thresholds.min_domains"} <= set(every)
    for key in every:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{key}` |")), None)
        assert row is not None, key
        assert row.rstrip(" |").split("|")[-1].strip(), f"{key} has no description"
