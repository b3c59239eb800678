"""``kcbx history``: the pulls a workspace keeps, and what changed between two of them."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..clitools import Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..errors import KcbxError
from ..terminal import console


@click.command("history", cls=Command)
@handle_errors
@workspace_options
@json_option
@click.argument("old", required=False, metavar="[旧快照]")
@click.argument("new", required=False, metavar="[新快照]")
def command(config: Config, as_json: bool, old: str | None, new: str | None) -> None:
    """列出保存的各次拉取（快照，各学年的都在内），以及两次拉取之间各单位各表增加、删除、
    修改的行数。

    不给快照名时，比较最近两次拉取；快照名可只写开头几位。超过保留年限（retention_years）
    的拉取在 kcbx year 开始新学年时删除。
    """
    from ..schema import load_package
    from ..tables import list_snapshots
    from ..tables.history import diff
    from ..tables.snapshot import snapshots_dir

    snaps = list_snapshots(snapshots_dir(config))
    if not snaps:
        raise KcbxError("还没有任何快照：请先运行 kcbx pull")

    def pick(prefix: str):
        found = [s for s in snaps if s.name.startswith(prefix)]
        if len(found) != 1:
            raise KcbxError(f"找不到唯一以“{prefix}”开头的快照，可用的快照见 kcbx history")
        return found[0]

    a = pick(old) if old else (snaps[-2] if len(snaps) > 1 else None)
    b = pick(new) if new else snaps[-1]
    changes = diff(load_package(), a, b) if a else []
    if as_json:
        click.echo(json.dumps({
            "snapshots": [{"name": s.name, "year": s.year,
                           **{k: s.manifest[k] for k in ("created", "period", "pulled_on", "rows")}}
                          for s in snaps],
            "compared": [a.name if a else None, b.name],
            "changes": [c.__dict__ for c in changes]}, ensure_ascii=False, indent=1))
        return
    # values fold onto a second line in a narrow terminal, never cut to "…"
    years = sorted({s.year for s in snaps if s.year})
    listing = Table(title="保存的拉取（快照）" + (f"，{'、'.join(map(str, years))} 学年" if years else ""))
    listing.add_column("快照", no_wrap=True)  # whole, to copy into kcbx history 旧 新
    for col in ("拉取时间", "报送月份", "拉取日期"):
        listing.add_column(col, overflow="fold")
    for col in ("摸底表", "名册", "台账"):
        listing.add_column(col, overflow="fold", justify="right")
    for i, s in enumerate(snaps):
        if i and s.year != snaps[i - 1].year:
            listing.add_section()  # a line between work years
        rows = s.manifest["rows"]
        listing.add_row(s.name, s.manifest["created"].replace("T", " "), s.manifest["period"],
                        s.manifest["pulled_on"], str(rows.get("census", 0)),
                        str(rows.get("roster", 0)), str(rows.get("dropouts", 0)))
    console.print(listing)
    if a is None:
        console.print("只有一次拉取，没有可比较的。")
        return
    titles = {t.name: t.title for t in load_package().tables}
    table = Table(title=f"{a.name} → {b.name} 的变化")
    for col in ("单位代码", "表", "增加", "删除", "修改"):
        table.add_column(col, overflow="fold")
    for c in changes:
        table.add_row(c.unit_code or "（基础数据）", titles[c.table], str(c.added), str(c.removed),
                      str(c.changed))
    console.print(table if changes else "两次拉取的数据完全相同。")
