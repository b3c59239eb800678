"""The built site in a real browser (headless Chromium, no network): Chinese glyphs render
(not tofu boxes) on the home page and a status page, and a search for 送教上门 finds the
送教上门 page — over http and from a folder (file://), where search needs the vendored
iframe-worker shim."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kcbx.outputs.site import build_site, make_server
from test_site_helpers import Chromium, chromium_path, make_site_workspace

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="没有安装 chromium（Debian 软件包 chromium），跳过浏览器测试")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    config = make_site_workspace(tmp_path_factory.mktemp("browser") / "示例区", units=6, months=2,
                                 forms=False)
    return build_site(config).path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def http_root(site: Path):
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def check_glyphs(browser: Chromium, selector: str, expected: str) -> None:
    drawn = browser.glyphs(selector)
    assert drawn is not None, f"页面上没有 {selector}"
    assert expected in drawn["text"]
    chars = drawn["chars"]
    assert len(chars) >= 2
    assert drawn["inked"] == len(chars), drawn  # every glyph draws something
    assert drawn["tofu"] == 0, drawn  # none is the missing-glyph box
    assert drawn["distinct"] == len(set(chars)), drawn  # different characters look different


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_pages_render_chinese_and_search_finds_home_teaching(scheme, site, browser, http_root,
                                                             tmp_path):
    root = http_root if scheme == "http" else site.as_uri() + "/"
    browser.open(root + "index.html")
    assert browser.evaluate("document.title").startswith("首页")
    check_glyphs(browser, "article h1", "控辍保学工作指南")
    shot = browser.screenshot(tmp_path / f"home-{scheme}.png")
    assert shot.stat().st_size > 20_000

    browser.open(root + "status/progress.html")
    check_glyphs(browser, "article h1", "控辍保学进展")
    assert browser.evaluate("document.querySelectorAll('article svg.kcbx-chart').length") >= 2
    assert browser.screenshot(tmp_path / f"status-{scheme}.png").stat().st_size > 20_000

    browser.open(root + "index.html")
    results = browser.search("送教上门")
    assert results, f"搜索没有结果（file:// 下需要 iframe-worker 垫片）：{browser.search_state}"
    assert root + "policy/home-teaching.html" in results[:3], results
    assert all(link.startswith(root) for link in results)
