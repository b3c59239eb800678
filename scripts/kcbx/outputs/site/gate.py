"""The privacy gate: nothing personal reaches the published site.

Every file of the built site is scanned — pages, the search index (attributed to the page
each entry comes from), scripts, styles, SVG, the sitemap (gzip too) and the XML inside
xlsx/docx downloads — for

* anything shaped like a 居民身份证号 or a phone number (mobile, or landline with its area
  code), except the examples the data package's own hints give ("例：…", public text);
* every value of every field marked ``pii`` in the schemas (names, IDs, phones, guardians,
  送教地址) found in the workspace's latest snapshot tables.

Text is compared after HTML entities, JSON ``\\uXXXX`` escapes and the zero-width spaces that
the Chinese search segmentation inserts are undone. A hit raises :class:`PrivacyError`, whose
Chinese message names each page; the caller then publishes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ... import privacy
from ...config import Config
from ...privacy import ID_NUMBER, LANDLINE, MOBILE, mask
from ...schema import DataPackage, schemas_dir
from ...tables.snapshot import Snapshot, latest_snapshot, snapshots_dir
from .checked import CODE as RECORD_CODE
from .checked import Checked, file_digest, key_part, value_digests
from .locate import SiteError

DIGIT_RUN = re.compile(r"[0-9][0-9Xx-]{5,}")
NUMBER_CHARS = "0123456789Xx-"  # what a number-like value (ID, phone) is made of
EXAMPLE = re.compile(r"例：[^。；;\n\"<]*")
INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
SKIP = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".woff", ".woff2", ".ttf", ".otf",
        ".eot"}
ZIPPED = {".xlsx", ".xlsm", ".docx", ".pptx", ".ods", ".odt", ".zip"}
ESCAPED = {".js", ".json", ".map"}
SHOWN = 12


@dataclass(frozen=True)
class Leak:
    page: str  # the built file (or the page a search-index entry comes from)
    what: str  # 身份证号 / 电话号码 / the field's title
    source: str  # where the value is known from
    sample: str  # masked, for the operator's console


class PrivacyError(SiteError):
    """The built site contains personal data: nothing was published (exit code 1)."""

    exit_code = 1

    def __init__(self, leaks: list[Leak], *, note: str = ""):
        self.leaks = leaks
        pages = sorted({leak.page for leak in leaks})
        lines = [f"  · {leak.page}：{leak.what}“{leak.sample}”（{leak.source}）"
                 for leak in leaks[:SHOWN]]
        more = f"\n  ……共 {len(leaks)} 处" if len(leaks) > SHOWN else ""
        super().__init__(
            f"隐私检查未通过，网站没有发布：{len(pages)} 个页面或文件含有个人信息{note}：\n"
            + "\n".join(lines) + more
            + "\n请找出这些内容的来源（公开统计数据包、网站页面或表格模板），"
              "删除后重新运行 kcbx site build。")


def public_examples(package: DataPackage) -> list[str]:
    """The "例：…" phrases of every hint in the private and public data packages."""
    texts = [f.description for t in package.tables for f in t.fields]
    public = json.loads((schemas_dir() / "public" / "datapackage.json").read_text(encoding="utf-8"))
    texts += [f.get("description", "") for r in public["resources"] for f in r["schema"]["fields"]]
    found = {m.group(0).strip() for text in texts for m in EXAMPLE.finditer(text)}
    return sorted(found, key=len, reverse=True)


def private_values(config: Config, package: DataPackage,
                   snapshot: Snapshot | None = None) -> dict[str, tuple[str, str]]:
    """Every pii value of ``snapshot`` (the latest by default) → (field title, table and
    column it is from)."""
    snap = snapshot or latest_snapshot(snapshots_dir(config))
    if snap is None:
        return {}
    known = set(snap.manifest.get("tables", []))
    parts: list[pl.LazyFrame] = []
    for table in package.tables:
        fields = [f for f in table.fields if f.pii]
        if not fields or table.name not in known:
            continue
        frame = snap.table(table.name, [f.name for f in fields])
        for f in fields:
            if f.name not in frame.columns:
                continue
            parts.append(frame.lazy().select(
                pl.col(f.name).drop_nulls().str.replace_all(INVISIBLE.pattern, "").str.strip_chars()
                .alias("value"),
                pl.lit(f.title).alias("what"),
                pl.lit(f"来自「{table.title}」的「{f.title}」列").alias("source"),
            ).filter(pl.col("value").str.len_chars() >= 2))
    if not parts:
        return {}
    # each value once, named by the first field (in the schemas' order) that holds it
    found = pl.concat(parts).unique("value", keep="first", maintain_order=True).collect()
    return dict(zip(found["value"].to_list(),
                    zip(found["what"].to_list(), found["source"].to_list(), strict=True),
                    strict=True))


def trie_pattern(words: list[str]) -> str:
    """One regex matching any of ``words`` (longest first), as a character trie."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        if "" in node:
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)


class Scanner:
    """Finds personal data in text; built once per site build."""

    def __init__(self, private: dict[str, tuple[str, str]], examples: list[str], *,
                 patterns: bool = True):
        self.examples = examples
        self.private = private
        self.patterns = patterns  # also anything shaped like an ID or phone number
        self.numbers = {v for v in private if v and not v.strip(NUMBER_CHARS)}  # IDs, phones
        words = [v for v in private if v not in self.numbers]
        self.words = re.compile(trie_pattern(words)) if words else None

    @property
    def empty(self) -> bool:
        """Finds nothing in any text."""
        return not self.patterns and not self.private

    def only(self, values: list[str]) -> Scanner:
        """A scanner for these of its values alone, without the number patterns: what a file
        that passed the gate before can newly leak."""
        return Scanner({v: self.private[v] for v in values}, self.examples, patterns=False)

    def scan(self, text: str, page: str) -> list[Leak]:
        text = INVISIBLE.sub("", text)
        for example in self.examples:
            if example in text:
                text = text.replace(example, " ")
        out: list[Leak] = []
        seen: set[str] = set()

        def add(value: str, what: str, source: str) -> None:
            if value not in seen:
                seen.add(value)
                out.append(Leak(page, what, source, mask(value)))

        for run in DIGIT_RUN.findall(text):
            for candidate in (run, *run.split("-")):
                if candidate in self.numbers:
                    what, source = self.private[candidate]
                    add(candidate, what, source)
        if self.patterns:
            for m in ID_NUMBER.finditer(text):
                add(m.group(0), "身份证号", "号码格式")
            for rx in (MOBILE, LANDLINE):
                for m in rx.finditer(text):
                    add(m.group(0), "电话号码", "号码格式")
        if self.words is not None:
            for m in self.words.finditer(text):
                what, source = self.private[m.group(0)]
                add(m.group(0), what, source)
        return out


def _texts(path: Path, rel: str, data: bytes) -> Iterator[tuple[str, str]]:
    """``(page, text)`` pieces of one built file (its bytes ``data``), decoded for scanning."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        with suppress(OSError, EOFError):
            data = gzip.decompress(data)
        suffix = Path(path.stem).suffix.lower()
    if suffix in ZIPPED:
        try:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.endswith((".xml", ".rels", ".txt", ".csv")):
                        yield f"{rel}（{name}）", html.unescape(z.read(name).decode("utf-8", "replace"))
            return
        except zipfile.BadZipFile:
            pass
    text = data.decode("utf-8", "replace")
    if rel.startswith("search/search_index."):
        index = _search_docs(text)
        if index is not None:
            for doc in index:
                yield (f"{doc.get('location', '')}（搜索索引 {rel}）",
                       html.unescape(f"{doc.get('title', '')} {doc.get('text', '')}"))
            return
    if suffix in ESCAPED:
        text = U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    yield rel, html.unescape(text)


def _search_docs(text: str) -> list[dict] | None:
    start = text.find("{")
    try:
        return json.loads(text[start:])["docs"] if start >= 0 else None
    except (ValueError, KeyError, TypeError):
        return None


def scan_site(site: Path, scanner: Scanner, checked: Checked | None = None,
              passed: dict[str, str] | None = None) -> list[Leak]:
    """Every leak in the files of ``site``. A file that ``checked`` passed before (the same
    bytes) is scanned only for the values new since; ``passed`` collects every file's
    digest."""
    light = scanner
    if checked is not None:
        values = list(scanner.private)
        light = scanner.only(checked.new_values(values, value_digests(values)))
    leaks: list[Leak] = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if path.suffix.lower() in SKIP:
            continue
        data = path.read_bytes()
        digest = file_digest(data)
        if passed is not None:
            passed[rel] = digest
        use = light if checked is not None and checked.passed(rel, digest) else scanner
        if use.empty:
            continue
        for page, text in _texts(path, rel, data):
            leaks += use.scan(text, page)
    return leaks


def gate_version(examples: list[str]) -> str:
    """The gate's code, the number patterns and the public examples: a record of what passed
    is used only under the same."""
    h = hashlib.sha256(b"record 1\n")
    for code in (Path(__file__), Path(privacy.__file__), RECORD_CODE):
        h.update(code.read_bytes())
    h.update("\n".join([key_part(), *sorted(examples)]).encode())
    return h.hexdigest()


def check_site(site: Path, config: Config, package: DataPackage, *,
               record: Path | None = None, snapshot: Snapshot | None = None) -> None:
    """Raise :class:`PrivacyError` when any file of the built ``site`` holds personal data.

    With ``record`` (``checked.py``), files that passed before are scanned only for the
    values new since, and the record is updated when the site passes. The values are those
    of ``snapshot`` (the latest pull by default)."""
    examples = public_examples(package)
    scanner = Scanner(private_values(config, package, snapshot), examples)
    gate = gate_version(examples)
    checked = Checked.read(record, gate) if record is not None else None
    passed: dict[str, str] = {}
    leaks = scan_site(site, scanner, checked, passed)
    if leaks:
        raise PrivacyError(leaks)
    if record is not None:
        Checked(gate, passed, value_digests(list(scanner.private))).write(record)


def check_counts(found: list[tuple[str, int, str, int]], min_count: int) -> None:
    """Refuse a public package whose person counts were not suppressed below the threshold."""
    if found:
        leaks = [Leak(f"{file} 第{line}行", f"人数「{column}」", f"少于隐私阈值 {min_count}，应不公开",
                      str(value)) for file, line, column, value in found]
        raise PrivacyError(leaks, note="（公开统计数据包中有未隐藏的小人数，请重新运行 kcbx report）")
