"""The district config ``kcbx.yml`` (contract: ``shared/spec/config.md``).

``load_config`` reads and checks it; every problem becomes a :class:`ConfigError` whose
Chinese message names the key. Relative paths are resolved against the config's folder.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import difflib
import re
import typing
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError, WorkspaceError
from .mailserver import MailSettings
from .sources.guard import Limits

CONFIG_NAME = "kcbx.yml"
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YEAR_STARTS = 9  # a work year runs from September of ``year`` to August of ``year`` + 1


def work_year(period: str) -> int:
    """The work year a month ``YYYY-MM`` belongs to: 2023-03 → 2022, 2023-09 → 2023."""
    year, month = (int(p) for p in period.split("-"))
    return year if month >= YEAR_STARTS else year - 1


def year_months(year: int) -> tuple[str, str]:
    """The first and last month of a work year: 2022 → (2022-09, 2023-08)."""
    return f"{year}-{YEAR_STARTS:02d}", f"{year + 1}-{YEAR_STARTS - 1:02d}"


def outside_year(period: str, year: int) -> str | None:
    """Why ``period`` cannot be reported in work year ``year`` (None when it can): names the
    command that moves the workspace to the month's own year."""
    other = work_year(period)
    if other == year:
        return None
    first, last = year_months(year)
    where = f"报送月份 {period} 不在工作年度 {year}（{first} 至 {last}）内"
    if other > year:
        return f"{where}。{period} 属于 {other} 学年：请先运行 kcbx year {other} 开始新学年"
    return (f"{where}，{period} 属于已经结束的 {other} 学年。如确要回到那一学年，"
            f"请运行 kcbx year {other} --force")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Span(_Strict):
    """A named run of days, inclusive."""

    name: str
    start: dt.date
    end: dt.date
    _kind: ClassVar[str] = "时段"

    @model_validator(mode="after")
    def _ordered(self) -> _Span:
        if self.end < self.start:
            raise ValueError(f"{self._kind}“{self.name}”的结束日期早于开始日期")
        return self


class Term(_Span):
    _kind: ClassVar[str] = "学期"


class Holiday(_Span):
    _kind: ClassVar[str] = "假期"


class Thresholds(_Strict):
    absence_days: int = Field(5, ge=0, description="无故缺课超过这么多天算疑似辍学（MATCH-2）")
    stall_days: int = Field(30, ge=1,
                            description="劝返中的个案超过这么多天没有推进，提醒“超期未推进”（STEP-2）")
    min_content_chars: int = Field(15, ge=0, description="每次送教内容至少这么多字（HOME-5）")
    min_domains: int = Field(3, ge=1, le=7,
                             description="个别化教学计划每学期至少涵盖这么多个领域（HOME-6，送教手册）")


class Privacy(_Strict):
    min_count: int = Field(3, ge=1, description="公开网站上小于这个数的人数不显示（连同能推算出它的数）")


class GoogleSource(_Strict):
    credentials: str | None = Field(
        None, description="Google 凭据文件的路径（服务账号密钥或用户授权文件），不要放进代码仓库")
    spreadsheets: dict[str, str] = Field(default_factory=dict,
                                         description="各单位的 Google 表格：单位代码: 表格编号或网址")
    folder: str | None = Field(None, description=(
        "Google 云端硬盘文件夹编号：kcbx forms --google 在这里新建表格；"
        "拉取时按“单位代码…”的表格名找到各单位"))
    emails: dict[str, str] = Field(default_factory=dict,
                                   description="新建 Google 表格时共享给谁：单位代码: 填表人邮箱")


class Sources(_Strict):
    reference: str = Field("基础数据.xlsx",
                           description="基础数据工作簿（单位名录、户籍网格包保表），由区教育局维护")
    submissions: str = Field("submissions",
        description="各单位报回的 xlsx 放在这个文件夹（文件名用单位代码）")
    google: GoogleSource | None = Field(None, description="使用 Google 表格时填写（见下面各项）")


def _default_terms(year: int = 2022) -> list[Term]:
    """The autumn term of ``year`` (the 2022 plan's dates, moved to ``year``)."""
    return [Term(name=f"{year}年秋季学期", start=dt.date(year, 9, 1), end=dt.date(year + 1, 1, 13))]


def _default_holidays(year: int = 2022) -> list[Holiday]:
    return [Holiday(name="国庆节", start=dt.date(year, 10, 1), end=dt.date(year, 10, 7))]


class Config(_Strict):
    """A district's settings. ``root`` is the folder holding ``kcbx.yml``."""

    district: str = Field(description="区（县）名称，印在每份报表、每个网页上，如“示例区”（必填）")
    year: int = Field(2022, ge=2000, le=2100,
                      description="工作年度（学年开始的年份）：2023 表示 2023—2024 学年")
    reference_date: dt.date | None = Field(None, description="入学年龄的计算日；不写时为 year 年 8 月 31 日")
    age_range: tuple[int, int] = Field((6, 15), description="义务教育适龄范围：计算日的周岁，含两端")
    terms: list[Term] = Field(default_factory=_default_terms,
                              description=("学期（名称、开始、结束，含两端）；不"
                                           "写时为 year 年秋季学期的默认日期"))
    holidays: list[Holiday] = Field(default_factory=_default_holidays,
                                    description=("不上课的法定节假日（名称、开始、结束）"
                                                 "；kcbx init 按国务院安排填好"))
    workdays: list[dt.date] = Field(default_factory=list, description="调休上班的周末，如 [2023-10-07]")
    period: str = Field("2022-10", description=("本次报送的月份 YYYY-MM，须在工作年度内；每月用 "
                                                 "kcbx period 换，新学年用 kcbx year；不写时为 "
                                                 "year 年 10 月"))
    pulled_on: dt.date | None = Field(None, description="本次拉取的日期；不写时为运行当天")
    deadline: dt.date | None = Field(None, description="报送截止日；不写时为报送月份的最后一天")
    previous: str | None = Field(None,
        description="上一次拉取（检查台账有没有删除）：一个工作文件夹或快照文件夹；"
                                                   "不写时用本文件夹保存的上一次拉取")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="校验阈值，一般不改")
    privacy: Privacy = Field(default_factory=Privacy, description="公开网站的隐私保护")
    sources: Sources = Field(default_factory=Sources, description="报表从哪里来")
    mail: MailSettings | None = Field(None, description=(
        "区教育局的报送邮箱：学校把报表作为附件发到这个邮箱，kcbx 收下并把校验结果回复到该单位登记的"
        "报送邮箱（见下面各项；不用邮件报送时不写）"))
    retention_years: int = Field(3, ge=1, le=20, description=(
        "含个人信息的拉取（快照）和私有输出保留几个学年：kcbx year 开始新学年时列出并删除更早的"
        "（个人信息保护法第十九条：保存期限为实现处理目的所必要的最短时间）；公开的统计数据不删"))
    outputs: str = Field("build",
        description="私有输出文件夹（快照、反馈、月报表、送教手册、文书）：含个人信息，不得公开")
    site: str = Field("public", description="网站文件夹（可以发布）：不含个人信息")
    site_url: str | None = Field(None,
        description="网站发布后的地址；填写后，反馈表中的规则编号链接到规则说明")
    fonts: list[str] = Field(default_factory=list,
                             description=("打印文书用的中文字体文件或文件夹；不写时用"
                                          "随 kcbx 安装的 Noto 宋体、黑体"))
    document_numbers: dict[str, str] = Field(
        default_factory=dict,
        description=("文书的发文字号：文件名（不含 .pdf）: 文号，如 限期复学通知书_青石镇中心小学_张三: "
                     "青政〔2022〕15号；填了文号的文书不再标“草稿”"))
    limits: Limits = Field(default_factory=Limits,
                           description=("报表文件的安全上限（文件大小、解压后"
                                        "大小、行列数、读取内存），一般不用改"))
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _calendar_of_the_year(cls, data: Any) -> Any:
        """Without ``terms``/``holidays``, the defaults are those of ``year`` (not of 2022)."""
        if isinstance(data, dict):
            year = data.get("year", 2022)
            if isinstance(year, int) and 2000 <= year <= 2100:
                data = dict(data)
                data.setdefault("terms", [t.model_dump() for t in _default_terms(year)])
                data.setdefault("holidays", [h.model_dump() for h in _default_holidays(year)])
                data.setdefault("period", f"{year}-10")
        return data

    @field_validator("terms")
    @classmethod
    def _terms_of_the_year(cls, value: list[Term], info: ValidationInfo) -> list[Term]:
        """Every term lies in the work year (September–August; a term may start in late
        August): a term of another year would judge its months (HOME-2 weeks)."""
        year = info.data.get("year")
        if year is None:
            return value
        first, last = dt.date(year, YEAR_STARTS - 1, 1), dt.date(year + 1, YEAR_STARTS - 1, 31)
        for term in value:
            if not (first <= term.start and term.end <= last):
                raise ValueError(
                    f"学期“{term.name}”（{term.start} 至 {term.end}）不在工作年度 year: {year}"
                    f"（{year}-09 至 {year + 1}-08）内。请把 terms 改为 {year}—{year + 1} 学年的学期；"
                    f"开始新学年请用 kcbx year，它会一并改好")
        return value

    @field_validator("retention_years", mode="before")
    @classmethod
    def _years_kept(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML's yes/true would count as 1 year and delete the rest
            raise ValueError(f"应为学年数（整数，如 3）；现在的值是“{'true' if value else 'false'}”")
        return value

    @field_validator("district")
    @classmethod
    def _district(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空，请填写区名，如“示例区”")
        return value.strip()

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str:
        if isinstance(value, dt.date):
            value = value.strftime("%Y-%m")
        value = str(value).strip()
        if not PERIOD_RE.match(value):
            raise ValueError(f"“{value}”不是 YYYY-MM 格式的月份，如 2022-10")
        return value

    @field_validator("period")
    @classmethod
    def _period_of_the_year(cls, value: str, info: ValidationInfo) -> str:
        """Every month is judged with its own year's calendar (rules.md, the year boundary)."""
        year = info.data.get("year")
        why = outside_year(value, year) if year is not None else None
        if why:
            raise ValueError(why)
        return value

    @field_validator("reference_date")
    @classmethod
    def _reference_of_the_year(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        year = info.data.get("year")
        if value is not None and year is not None and value.year != year:
            raise ValueError(f"{value} 不是工作年度 {year} 的日期（一般为 {year}-08-31）。"
                             "开始新学年请用 kcbx year，它会一并改好")
        return value

    @field_validator("age_range")
    @classmethod
    def _ages(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= value[0] <= value[1] <= 25:
            raise ValueError("应为 [最小年龄, 最大年龄]，且最小年龄不大于最大年龄，如 [6, 15]")
        return value

    # -- derived values -------------------------------------------------------------
    @property
    def effective_reference_date(self) -> dt.date:
        return self.reference_date or dt.date(self.year, 8, 31)

    @property
    def effective_pulled_on(self) -> dt.date:
        return self.pulled_on or dt.date.today()

    @property
    def period_start(self) -> dt.date:
        year, month = (int(p) for p in self.period.split("-"))
        return dt.date(year, month, 1)

    @property
    def period_end(self) -> dt.date:
        start = self.period_start
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])

    @property
    def period_teaches(self) -> bool:
        """Whether any configured term has days in the reported month."""
        return any(t.start <= self.period_end and t.end >= self.period_start for t in self.terms)

    @property
    def effective_deadline(self) -> dt.date:
        return self.deadline or self.period_end

    def path(self, value: str) -> Path:
        """A path from the config, resolved against the config's folder."""
        p = Path(value)
        return p if p.is_absolute() else (self.root / p)

    @property
    def reference_path(self) -> Path:
        return self.path(self.sources.reference)

    @property
    def submissions_path(self) -> Path:
        return self.path(self.sources.submissions)

    @property
    def outputs_path(self) -> Path:
        return self.path(self.outputs)

    @property
    def site_path(self) -> Path:
        return self.path(self.site)

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with single keys replaced (``--period``, ``--pulled-on``), re-checked."""
        data = self.model_dump(exclude={"root"})
        data.update({k: v for k, v in changes.items() if v is not None})
        return parse_config(data, root=self.root, source=str(self.root / CONFIG_NAME))


_MESSAGES = {
    "missing": "缺少这一必填项",
    "extra_forbidden": "不认识这个配置项（是否拼写有误？全部配置项见网站“数据与规则 › 配置文件 kcbx.yml”）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文字",
    "date_parsing": "应为日期，格式 YYYY-MM-DD，如 2022-09-01",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD，如 2022-09-01",
    "date_type": "应为日期，格式 YYYY-MM-DD，如 2022-09-01",
    "date_from_datetime_inexact": "应为日期（不带时间），格式 YYYY-MM-DD",
    "list_type": "应为列表：写成 [甲, 乙]，或每项一行、以“- ”开头",
    "tuple_type": "应为两个数的列表，如 [6, 15]",
    "dict_type": "应为一组“键: 值”",
    "model_type": "应为一组“键: 值”",
    "model_attributes_type": "应为一组“键: 值”",
    "greater_than_equal": "数值太小（至少 {ge}）",
    "less_than_equal": "数值太大（最多 {le}）",
    "too_short": "项数不够",
    "too_long": "项数太多",
}


def _key(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "（顶层）"


def parse_config(data: Any, *, root: Path, source: str) -> Config:
    """Check a loaded YAML mapping and build a :class:`Config`."""
    if not isinstance(data, dict):
        raise ConfigError("内容应为“键: 值”的配置，至少包含 district（区名）", path=source)
    try:
        return Config.model_validate({**data, "root": root})
    except ValidationError as exc:
        errors = exc.errors()  # a misspelt key first: it explains the "missing" one it leaves
        err = next((e for e in errors if e["type"] in _UNKNOWN), errors[0])
        ctx = err.get("ctx", {})
        if err["type"] == "value_error":
            text = str(ctx.get("error", err["msg"]))
        elif err["type"].startswith("date") and "outside expected range" in str(ctx.get("error", "")):
            text = "没有这一天（日期不存在），格式 YYYY-MM-DD，如 2022-09-01"
        else:
            text = _MESSAGES.get(err["type"], f"取值不对（{err['type']}）").format(**ctx)
        value = err.get("input")
        if err["type"] in _UNKNOWN:
            text = _MESSAGES["extra_forbidden"]
            near = difflib.get_close_matches(str(err["loc"][-1]), _names_beside(err["loc"]), n=1, cutoff=0.6)
            if near:
                text = f"不认识这个配置项。您是不是要写 {near[0]}？"
        elif err["type"] not in ("missing", "value_error") and not isinstance(value, dict):
            text += f"；现在的值是“{_as_written(value)}”"
        raise ConfigError(text, path=source, key=_key(tuple(err["loc"]))) from None


_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")  # a model's, a dataclass's


def _as_written(value: Any) -> str:
    """A value as it stands in kcbx.yml (YAML's true/false and an empty value, not Python's)."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _names_beside(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where ``loc`` points (a misspelt key's siblings)."""
    model: Any = Config
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        inner = [a for a in (field.annotation, *typing.get_args(field.annotation))
                 if isinstance(a, type) and (issubclass(a, BaseModel) or dataclasses.is_dataclass(a))]
        if not inner:
            return []
        model = inner[0]
    names = [f.name for f in dataclasses.fields(model)] if dataclasses.is_dataclass(model) \
        else list(getattr(model, "model_fields", {}))
    return [name for name in names if name != "root"]


def find_config(start: Path | None = None) -> Path:
    """The ``kcbx.yml`` of the workspace holding ``start`` (this folder or a parent)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise WorkspaceError(
        f"在 {here} 及其上级文件夹中找不到 {CONFIG_NAME}。请在区工作文件夹中运行，"
        "或用 --config 指定配置文件；新建真实的区用 kcbx init 文件夹，要试用可先运行 kcbx demo 示例区"
    )


class _Loader(yaml.SafeLoader):
    """YAML without its own date parsing: dates reach the checks as text, so a wrong date
    (2022-13-01) is reported with its key instead of failing inside the YAML reader."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    """YAML as kcbx reads it (dates stay text until the checks read them)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def load_config(path: Path | str | None = None) -> Config:
    """Read ``kcbx.yml`` (a file, a workspace folder, or found from the current folder)."""
    if path is None:
        file = find_config()
    else:
        file = Path(path)
        if file.is_dir():
            file = file / CONFIG_NAME
    if not file.is_file():
        raise WorkspaceError(f"找不到配置文件 {file}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("不是 UTF-8 编码的文本，请用记事本“另存为 UTF-8”后再试",
                          path=str(file)) from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ConfigError(f"{where}格式有误，无法读取（YAML 语法错误）", path=str(file)) from None
    return parse_config(data, root=file.parent.resolve(), source=str(file))


def dump_config(config: Config) -> str:
    """``kcbx.yml`` text for a config (used by the demo)."""
    data = config.model_dump(mode="json", exclude={"root"})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
