"""Build a workspace's site: copy ``site/`` to a temporary folder, write the generated pages
into the copy, run mkdocs, run the privacy gate, and only then replace ``config.site_path``.
The same sources are not built again; when only pages' text changed (a new pull), mkdocs
renders just those pages into a copy of the published site (``incremental.py``). The gate
reads the whole built site: files it passed before only for the personal values new since
(``checked.py``).

Nothing is ever written into the repo (or the installed package) from a workspace build, and
a failed build or a refused gate leaves the previously published site exactly as it was.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from ...atomic import write_text
from ...config import Config
from ...schema import DataPackage, load_package
from ...tables import Snapshot
from .checked import RECORD
from .gate import check_counts, check_site
from .generate import environment, forms_pages, reference_pages, status_pages, write_pages
from .helper import Helper, HelperFailed
from .incremental import (
    DIRTY_WARNING,
    HOOK,
    BuiltFrom,
    Unplaced,
    digests,
    keys,
    outputs,
    page_level,
    prepare,
    read_search_index,
    write_search_index,
)
from .locate import USER_DICT, SiteError, site_sources
from .mkdocs_run import run_mkdocs
from .searchfix import write_search_fix
from .status import public_folder, read_public, small_counts

Progress = Callable[[str, int, int], None]
MARKER = ".kcbx-site"  # marks a folder kcbx published, so that rebuilding may replace it
BUILT_FROM = ".kcbx-site-key"  # what the published site was made from, and the pull it was checked against
FORMS_TEMPLATES = ("forms", "templates")


@dataclass
class SiteResult:
    path: Path  # the published site; open index.html
    pages: int  # HTML pages built
    generated: int  # generated Markdown pages (reference, forms, status)
    has_status: bool  # the public aggregates package was found
    forms: int  # form templates offered for download
    seconds: float
    warnings: list[str] = field(default_factory=list)  # what mkdocs warned about
    search_fixed: bool = False  # Material's whole-word query fix applied (searchfix.py)

    @property
    def index(self) -> Path:
        return self.path / "index.html"


def form_templates(config: Config) -> list[Path]:
    """The blank templates ``kcbx forms`` wrote, if any."""
    folder = config.root.joinpath(*FORMS_TEMPLATES)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def mkdocs_config(source: Path, docs: Path, out: Path, district: str) -> dict[str, Any]:
    """The repo's mkdocs.yml pointed at the temporary docs and output folders."""
    cfg = yaml.safe_load(source.read_text(encoding="utf-8"))
    cfg["docs_dir"] = str(docs)
    cfg["site_dir"] = str(out)
    if district:
        cfg["site_name"] = f"{district}控辍保学工作指南"
    for plugin in cfg.get("plugins", []):
        if isinstance(plugin, dict) and "search" in plugin:
            plugin["search"] = {**(plugin["search"] or {}), "jieba_dict_user": str(docs / USER_DICT)}
    return cfg


def _publish(out: Path, target: Path, work: Path) -> None:
    if target.exists():
        if not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).is_file()):
            raise SiteError(f"网站文件夹 {target} 已存在且不是 kcbx 生成的网站。为避免覆盖其中的文件，"
                            "请在 kcbx.yml 中把 site 改为一个新的文件夹")
        target.rename(work / "previous")
    (out / MARKER).write_text("kcbx site build\n", encoding="utf-8")
    out.rename(target)


def build_site(config: Config, *, package: DataPackage | None = None,
               progress: Progress | None = None, public: Path | None = None,
               snapshot: Snapshot | None = None, helper: Helper | None = None) -> SiteResult:
    """Build and publish the workspace's site into ``config.site_path``.

    Reads the public aggregates package (``<outputs>/public/``, or ``public``), the form
    templates under ``<workspace>/forms/templates/``, and the data package. Raises
    :class:`PrivacyError` (nothing published) when the gate finds personal data of
    ``snapshot`` (the latest pull by default). mkdocs runs in ``helper`` when given
    (``helper.py``), which is closed when the build ends.
    """
    start = time.perf_counter()
    package = package or load_package()
    docs_src, mkdocs_src = site_sources()
    target = config.site_path
    target.parent.mkdir(parents=True, exist_ok=True)
    data = read_public(public or public_folder(config))
    if data is not None:
        check_counts(small_counts(data, config.privacy.min_count), config.privacy.min_count)
    forms = form_templates(config)
    work = Path(tempfile.mkdtemp(prefix=".kcbx-site-", dir=target.parent))
    try:
        if progress:
            progress("生成网站页面", 0, 1)
        docs, out = work / "docs", work / "out"
        shutil.copytree(docs_src, docs)
        env = environment()
        pages = {**reference_pages(env, package), **forms_pages(env, forms),
                 **status_pages(env, data, district=config.district,
                                min_count=config.privacy.min_count, year=config.year,
                                progress=progress)}
        write_pages(docs, pages)
        search_fixed = write_search_fix(docs) is not None
        for f in forms:
            (docs / "forms" / "files").mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, docs / "forms" / "files" / f.name)
        config_file = work / "mkdocs.yml"
        settings = mkdocs_config(mkdocs_src, docs, out, config.district)
        config_file.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                               encoding="utf-8")
        files = digests(docs)
        made = keys(docs, config_file.read_bytes().replace(str(work).encode(), b""), files)
        pull = snapshot.name if snapshot is not None else _pull_name(config)
        built = BuiltFrom.read(target / BUILT_FROM)
        if built is not None and built.key == made.site:  # the same pages: the same site
            if built.pull != pull:  # a new pull: the published site checked against it
                if progress:
                    progress("隐私检查", 0, 1)
                check_site(target, config, package, record=config.outputs_path / RECORD,
                           snapshot=snapshot)
                built.pull = pull
                write_text(target / BUILT_FROM, built.text())
            if progress:
                progress("发布网站", 1, 1)
            return SiteResult(target, sum(1 for _ in target.rglob("*.html")), len(pages),
                              data is not None, len(forms), time.perf_counter() - start, [],
                              search_fixed)
        if progress:
            progress("构建网站", 0, 1)
        same = (built is not None and built.structure == made.structure and made.titled
                and bool(built.outputs) and page_level(settings))  # no record of outputs: full
        previous = read_search_index(target) if same else None
        if built is not None and previous is not None:  # the same navigation: changed pages only
            warnings = _build_pages(config_file, settings, docs, out, target, built, files, previous,
                                    helper)
        else:
            warnings, _ = _mkdocs(config_file, helper)
        if progress:
            progress("隐私检查", 0, 1)
        check_site(out, config, package, record=config.outputs_path / RECORD, snapshot=snapshot)
        html_pages = sum(1 for _ in out.rglob("*.html"))
        state = BuiltFrom(made.site, pull, made.structure, files, outputs(out))
        (out / BUILT_FROM).write_text(state.text(), encoding="utf-8")
        _publish(out, target, work)
        if progress:
            progress("发布网站", 1, 1)
    finally:
        if helper is not None:
            helper.close()
        shutil.rmtree(work, ignore_errors=True)
    return SiteResult(target, html_pages, len(pages), data is not None, len(forms),
                      time.perf_counter() - start, warnings, search_fixed)


def _build_pages(config_file: Path, settings: dict[str, Any], docs: Path, out: Path,
                 published: Path, built: BuiltFrom, files: dict[str, str],
                 previous: dict[str, Any], helper: Helper | None) -> list[str]:
    """Render only the changed pages into a copy of the published site (``incremental.py``);
    in full when the search index cannot be mended."""
    changed = prepare(docs, out, published, built, files)
    settings["hooks"] = [str(HOOK)]
    config_file.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    found, dirty = _mkdocs(config_file, helper, dirty=True)
    if not dirty:  # built in full after all: its search index is whole
        return found
    warnings = [w for w in found if DIRTY_WARNING not in w]
    try:
        write_search_index(out, previous, changed)
    except Unplaced:
        warnings = run_mkdocs(config_file)  # a clean build: mkdocs empties ``out`` first
    return warnings


def _mkdocs(config_file: Path, helper: Helper | None, *,
            dirty: bool = False) -> tuple[list[str], bool]:
    """``run_mkdocs`` in the helper when there is one, else here: its warnings, and whether
    the build was dirty. A helper that failed while building may have written pages a dirty
    build would then take as done: the site is built in full (mkdocs empties it first)."""
    if helper is not None:
        try:
            found = helper.build(config_file, dirty=dirty)
        except HelperFailed:
            return run_mkdocs(config_file), False
        if found is not None:
            return found, dirty
    return run_mkdocs(config_file, dirty=dirty), dirty


def _pull_name(config: Config) -> str:
    """The pull whose personal values the privacy gate checks the site against."""
    from ...tables import latest_snapshot
    from ...tables.snapshot import snapshots_dir

    latest = latest_snapshot(snapshots_dir(config))
    return latest.name if latest else "-"


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A static file server for the built site (``kcbx site serve``); call ``serve_forever``."""
    if not (folder / "index.html").is_file():
        raise SiteError(f"{folder} 中没有网站：请先运行 kcbx site build")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    try:
        return ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        raise SiteError(f"无法在 {host}:{port} 上启动网站服务（{exc.strerror}）："
                        "请换一个端口，如 --port 8001") from None
