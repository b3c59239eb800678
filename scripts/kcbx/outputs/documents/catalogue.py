"""What each document is, when kcbx makes it and which words of the work plan ask for it: the
data behind the guide's 文书 page (generated from here, like the rule catalogue)."""

from __future__ import annotations

from dataclasses import dataclass

from .annual import ANNUAL
from .bulletin import BULLETIN
from .cases import PLAN, SLIP
from .steps import JUDICIAL, NOTICE, PENALTY, REPORT


@dataclass(frozen=True)
class DocKind:
    kind: str  # the title, and the start of every file name of the kind
    slug: str  # its anchor and picture on the guide page
    when: str  # which rows of the 台账 (or which period) make one
    to: str  # who it goes to
    basis: str  # the work plan's words that ask for it (quoted exactly)
    policy: str  # the guide page quoting them (relative to the site root)
    editable: bool = False  # also written as .docx


KINDS = (
    DocKind(SLIP, "report-slip",
            "台账中“发现日期”在本期的每个个案一份；另按乡镇（街道）合订一本，作政府留存的一份",
            "区教育局、乡镇（街道）政府",
            "学校及时将学校线和户籍线排查出的失学辍学情况，以纸质形式报告区教育局和乡镇（街道）政府",
            "policy/grid.md"),
    DocKind(REPORT, "step-report",
            "劝返中的个案已填“第一步（劝返）日期”、还没有“第二步日期”时，每案一份：劝返无效，"
            "书面报告当地政府，请求责令改正",
            "乡镇（街道）政府", "劝返后，仍然无效的，要以纸质形式报告当地政府", "policy/four-steps.md", True),
    DocKind(NOTICE, "notice",
            "与劝返情况报告同时附一份草稿，供政府下发；已填“第二步日期”的个案，按台账中的下发日期和"
            "限期复学截止日期出一份；截止日期未填时留空，并在命令结束时提醒",
            "学生的监护人（由乡镇（街道）政府下发、盖章）",
            "依法对其监护人下发《限期复学通知书》", "policy/four-steps.md", True),
    DocKind(PENALTY, "penalty",
            "已下发《限期复学通知书》、限期复学截止日期已过（或未填）、仍在劝返中的个案，每案一份",
            "乡镇（街道）政府", "依法对其监护人下发《限期复学通知书》、《行政处罚决定书》",
            "policy/four-steps.md", True),
    DocKind(JUDICIAL, "judicial", "已填“第三步”或“第四步”日期、仍在劝返中的个案，每案一份",
            "司法部门（经乡镇（街道）政府）", "逾期不改的，报司法部门", "policy/four-steps.md", True),
    DocKind(PLAN, "return-plan",
            "台账中已复学（安置）的每个个案一份，附每月的关爱帮扶记录，由学校、帮扶教师和监护人签字",
            "学校存档，帮扶教师和监护人各执一份", "追回来的学生要有一人一方案", "policy/three-in-place.md"),
    DocKind(BULLETIN, "bulletin",
            "每期一份（区教育局用）：未报、逾期的单位，隐瞒不报、送教不规范、超期未推进的单位和数量，"
            "应约谈的单位，表扬按时报送、没有问题的单位",
            "各乡镇（街道）、各学校", "适时对控辍保学工作进行督查并通报", "policy/requirements.md", True),
    DocKind(ANNUAL, "annual",
            "报送月份为 12 月时每年一份（区教育局用）：全年 1—12 月（跨两个学年）各月的报送完整率和及时率、"
            "新发现和劝返复学的人数、送教上门和每周送教覆盖率，应表扬和应约谈的单位；与 kcbx report --year "
            "的年度总结表同源",
            "区教育局（修改后上报、存档）", "12月份要对全年控辍保学工作进行总结", "policy/requirements.md",
            True),
)
