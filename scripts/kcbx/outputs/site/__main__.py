"""Refresh the generated pages committed in the repo's ``site/`` (after changing the data
package, the rules, a template or the documents): ``python -m kcbx.outputs.site``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ... import pipeline
from ...config import load_config
from ...demo import write_demo
from .generate import environment, repo_pages, write_pages
from .guide import guide_files, write_guide
from .locate import repo_root


def main() -> int:
    root = repo_root()
    if root is None:
        print("只能在 kcbx 源代码目录（可编辑安装）中更新网站的生成页面。", file=sys.stderr)
        return 2
    pages = repo_pages()
    write_pages(root / "site", pages)
    with tempfile.TemporaryDirectory() as tmp:  # the demo district, fictional people only
        demo = write_demo(Path(tmp) / "示例区", children=2000, seed=1)
        samples = pipeline.document_samples(load_config(demo.dest))
    guide = guide_files(environment(), samples)
    write_guide(root / "site", guide)
    print(f"已更新 {len(pages) + len(guide)} 个生成页面和图片：{root / 'site'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
