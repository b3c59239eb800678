"""The bureau's HTML validation report: every finding, by unit and rule, escaped, offline."""

from __future__ import annotations

import datetime as dt
import re

from kcbx.findings import Finding, Report
from kcbx.outputs import findings_html


def finding(rule: str, unit: str, row: int, value: str, severity: str = "错误") -> Finding:
    return Finding(rule=rule, severity=severity, unit_code=unit, file=f"submissions/{unit}.xlsx",
                   sheet="在校学生名册（学校线）", row=row, column="身份证号", value=value,
                   message=f"第{row}行的问题：{value}")


def test_report_lists_every_finding_by_unit_and_rule(tmp_path):
    report = Report(
        findings=[finding("ID-1", "B", 5, "123"), finding("REP-1", "A", 3, "x", "提醒"),
                  finding("REP-1", "A", 4, "y"), finding("ID-3", "A", 9, "<script>alert(1)</script>")],
        units=["A", "B"], unit_names={"A": "甲小学", "B": "乙小学"}, snapshot="s1",
        focus={("submissions/A.xlsx", "在校学生名册（学校线）", 9)})
    path = findings_html.write(report, tmp_path / "r.html", district="测试区", period="2022-10",
                               as_of=dt.date(2022, 10, 28))
    html = path.read_text(encoding="utf-8")
    # the page carries the day the rules judged on, not the clock: the same report, the same page
    assert "校验日期：2022-10-28" in html
    assert html == findings_html.render(report, district="测试区", period="2022-10",
                                        as_of=dt.date(2022, 10, 28))
    for f in report.findings:
        assert f"第{f.row}行的问题" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # units in 单位名录 order, the focus child's finding first within its unit
    assert html.index('id="u-A"') < html.index('id="u-B"')
    unit_a = html[html.index('id="u-A"'):html.index('id="u-B"')]
    assert unit_a.index("第9行") < unit_a.index("第3行")
    assert 'class="focus"' in unit_a
    # REP-1 counted per severity: one 错误, one 提醒
    assert re.search(r"<td>REP-1</td><td>当天上报</td><td class=\"错误\">错误</td><td>1</td>", html)
    assert re.search(r"<td>REP-1</td><td>当天上报</td><td class=\"提醒\">提醒</td><td>1</td>", html)
    assert "共 <span class=\"错误\">3 条错误</span>" in html
    # nothing fetched from outside
    assert not re.search(r"(src|href)=\"https?://", html)
