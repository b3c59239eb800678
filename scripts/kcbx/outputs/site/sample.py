"""A small, valid public aggregates package (the ``kcbx report`` contract) made up from
nothing: for the site's tests and benchmark, and to preview the status pages before a
district has reports. Counts below the threshold are left empty, as the contract says."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from .status import person_count_fields, public_contract

TOWNS = ("青石镇", "柳河乡", "白云镇", "东关街道", "龙湖镇", "清水乡", "望城街道", "红旗乡")
RULES = (("REP-1", "错误"), ("MATCH-2", "错误"), ("HOME-5", "提醒"), ("STEP-2", "提醒"),
         ("required-error", "错误"))


def _periods(start: str, months: int) -> list[str]:
    year, month = (int(x) for x in start.split("-"))
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def write_sample_public(folder: Path, *, units: int = 12, months: int = 3, seed: int = 1,
                        start: str = "2022-09", min_count: int = 3) -> Path:
    """Write ``datapackage.json`` and the five CSV files into ``folder``; returns it."""
    rng = random.Random(seed)
    contract = public_contract()
    people = person_count_fields(contract)
    periods = _periods(start, months)
    towns = TOWNS[:max(1, min(len(TOWNS), units // 3 or 1))]
    unit_list = [{"unit_code": f"U{i:04d}", "unit_name": f"{towns[i % len(towns)]}第{i + 1}学校",
                  "township": towns[i % len(towns)]} for i in range(units)]
    rows: dict[str, list[dict[str, Any]]] = {r["name"]: [] for r in contract["resources"]}

    def hide(name: str, row: dict[str, Any]) -> dict[str, Any]:
        for col in people[name]:
            v = row.get(col)
            if isinstance(v, int) and 0 < v < min_count:
                row[col] = None
        return row

    for pi, period in enumerate(periods):
        year, month = (int(x) for x in period.split("-"))
        statuses = {}
        for u in unit_list:
            s = rng.choices(["按时", "零报告", "逾期", "未报"], [60, 20, 10, 10])[0]
            statuses[u["unit_code"]] = s
            date = dt.date(year, month, rng.randint(20, 28))
            if s == "逾期":
                date = dt.date(year + (month == 12), month % 12 + 1, 1)
            rows["submission_status"].append({"period": period, **u, "status": s,
                                              "submitted_on": None if s == "未报" else date.isoformat()})
        for town in [*towns, "全区"]:
            members = [u for u in unit_list if town in ("全区", u["township"])]
            due = len(members)
            sub = sum(statuses[u["unit_code"]] != "未报" for u in members)
            on_time = sum(statuses[u["unit_code"]] in ("按时", "零报告") for u in members)
            rows["submission_rates"].append({
                "period": period, "level": "全区" if town == "全区" else "乡镇", "township": town,
                "units_due": due, "submitted": sub, "on_time": on_time,
                "completeness": round(100 * sub / due, 1) if due else None,
                "timeliness": round(100 * on_time / due, 1) if due else None})
        totals: dict[str, dict[str, int]] = {}
        for u in unit_list:
            age = rng.randint(40, 400)
            out = rng.randint(0, 6)
            ret = rng.randint(0, out) if pi else 0
            still = out - ret
            stages = [rng.randint(0, still) for _ in range(4)]
            row = {"school_age": age, "in_school": age - out - 2, "home_taught": rng.randint(0, 4),
                   "out_of_school": out, "returned": ret, "still_out": still,
                   "stage1": stages[0], "stage2": stages[1], "stage3": stages[2], "stage4": stages[3],
                   "overdue": rng.randint(0, still)}
            for key in (u["township"], "全区"):
                acc = totals.setdefault(key, dict.fromkeys(row, 0))
                for k, v in row.items():
                    acc[k] += v
            rows["progress"].append(hide("progress", {"period": period, "level": "单位", **u, **row}))
        for key, acc in totals.items():
            rows["progress"].append(hide("progress", {
                "period": period, "level": "全区" if key == "全区" else "乡镇", "township": key,
                "unit_code": None, "unit_name": None, **acc}))
        home_totals: dict[str, list[int]] = {}
        for u in unit_list[::3]:
            children = rng.randint(1, 6)
            rows["home_teaching"].append(hide("home_teaching", {
                "period": period, "level": "单位", **u, "children": children,
                "visits": children * rng.randint(3, 5) * (pi + 1),
                "weekly_coverage": round(rng.uniform(60, 100), 1),
                "two_with_man": round(rng.uniform(70, 100), 1),
                "handbook_complete": round(rng.uniform(50, 100), 1)}))
            for key in (u["township"], "全区"):
                home_totals.setdefault(key, [0, 0])[0] += children
        for key, (children, _) in home_totals.items():
            rows["home_teaching"].append(hide("home_teaching", {
                "period": period, "level": "全区" if key == "全区" else "乡镇", "township": key,
                "unit_code": None, "unit_name": None, "children": children, "visits": None,
                "weekly_coverage": round(rng.uniform(70, 95), 1),
                "two_with_man": round(rng.uniform(80, 98), 1),
                "handbook_complete": round(rng.uniform(60, 95), 1)}))
        for pull in range(2):
            pulled = f"{year:04d}{month:02d}{25 + pull * 3:02d}-0{9 + pull}0000-000000-{seed:08x}"
            for u in unit_list:
                for rule, severity in RULES:
                    count = max(0, rng.randint(-3, 6) - pi - pull)
                    if count:
                        rows["data_quality"].append({"pulled": pulled, "period": period,
                                                     "unit_code": u["unit_code"],
                                                     "unit_name": u["unit_name"], "rule": rule,
                                                     "severity": severity, "count": count})
    folder.mkdir(parents=True, exist_ok=True)
    for res in contract["resources"]:
        names = [f["name"] for f in res["schema"]["fields"]]
        with (folder / res["path"]).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(names)
            for row in rows[res["name"]]:
                writer.writerow(["" if row.get(n) is None else row.get(n) for n in names])
    (folder / "datapackage.json").write_text(json.dumps(contract, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    return folder
