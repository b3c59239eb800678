"""The guide's 文书 page: generated from the document catalogue and the demo district, with
every personal value replaced, and committed in ``site/`` as the code makes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.outputs.documents.catalogue import KINDS
from kcbx.outputs.documents.samples import Pseudonyms
from kcbx.outputs.site.gate import private_values
from kcbx.outputs.site.generate import environment
from kcbx.outputs.site.guide import PAGE, PICTURES, guide_files
from kcbx.privacy import ID_NUMBER, MOBILE
from kcbx.schema import load_package

SITE = Path(__file__).resolve().parent.parent / "site"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo(demo_copy):
    config = load_config(demo_copy("guide").dest)
    return config, pipeline.document_samples(config)


def test_committed_page_and_pictures_match_the_demo(demo):
    """``python -m kcbx.outputs.site`` was run after the last change to documents or demo."""
    _, samples = demo
    files = guide_files(environment(), samples)
    assert (SITE / PAGE).read_text(encoding="utf-8") == files[PAGE], \
        "请运行 python -m kcbx.outputs.site 更新 site/practice/documents.md"
    committed = {p.name for p in (SITE / PICTURES).glob("*.png")}
    assert committed == {Path(k).name for k in files if k.endswith(".png")}
    for rel, content in files.items():
        if rel.endswith(".png"):
            assert content.startswith(PNG)
            assert (SITE / rel).read_bytes() == content, rel


def test_each_kind_the_demo_makes_has_a_sample_and_the_page_lists_every_kind(demo):
    _, samples = demo
    page = guide_files(environment(), samples)[PAGE]
    made = {s.kind.kind for s in samples}
    assert made == {k.kind for k in KINDS}  # the demo's cases reach every step
    for k in KINDS:
        assert f"## {k.kind} {{#{k.slug}}}" in page
        assert f"]({Path(PICTURES).name}/{k.slug}.png)" in page
    page_without = guide_files(environment(), [s for s in samples if s.kind.slug != "penalty"])[PAGE]
    assert "示例区本月没有需要这种文书的个案" in page_without and "示例区本月没有" not in page


def test_samples_carry_no_personal_value(demo):
    config, samples = demo
    private = private_values(config, load_package())
    assert len(private) > 1000  # the demo's names, IDs, phones and addresses
    page = guide_files(environment(), samples)[PAGE]
    for s in samples:
        text = json.dumps(s.data, ensure_ascii=False) + s.file
        leaked = [v for v in private if v in text]
        assert not leaked, (s.kind.kind, leaked[:3])
        assert not MOBILE.search(text) and not ID_NUMBER.search(text), s.kind.kind
    assert not [v for v in private if v in page]
    children = [s for s in samples if s.kind.kind not in ("督查通报", "年度工作总结")]  # about units
    assert all("学生甲" in s.file and "学生甲" in json.dumps(s.data, ensure_ascii=False)
               for s in children)


def test_every_basis_is_quoted_exactly_from_its_policy_page():
    for k in KINDS:
        text = (SITE / k.policy).read_text(encoding="utf-8")
        assert k.basis in text, (k.kind, k.policy)


def test_pseudonyms_replace_longest_first_and_consistently():
    names = Pseudonyms({"王某华": "姓名", "王某华丽": "姓名", "赵某": "监护人姓名",
                        "13800001234": "监护人电话"})
    assert names.text("王某华丽和王某华，监护人赵某（13800001234）；王某华") == \
        "学生甲和学生乙，监护人监护人甲（138****0000）；学生乙"
    assert names.apply({"a": ["赵某"], "b": 3}) == {"a": ["监护人甲"], "b": 3}
    assert names.text("联系电话：13912345678") == "联系电话：139****5678"  # not a child's: masked
