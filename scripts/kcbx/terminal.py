"""Terminal output for the CLI: rich progress bars and the validation summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import Config
from .findings import ERROR, WARNING, Report
from .privacy import mask_text
from .validation.rules import rule_name

# soft_wrap: long messages and paths are never broken by inserted newlines (logs, pipes).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def progress_bar(disable: bool = False) -> Iterator:
    """A callback ``(stage, done, total)`` drawing one bar per stage on stderr."""
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, disable=disable, transient=True)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=max(total, 1))
        bars.update(tasks[stage], completed=done, total=max(total, 1))

    with bars:
        yield update


def print_next_step_if_unfinished(config: Config) -> None:
    """After a command that found nothing to do: the workspace's next step, if it is not
    set up yet (empty 单位名录, no 网格, nothing submitted)."""
    from .status import workspace_status

    status = workspace_status(config)
    if status.problem or not status.units or not status.reporting or not status.submitted:
        console.print(f"下一步：{status.next_step}")


def print_report(report: Report, config: Config, *, limit: int = 20, show_ids: bool = False) -> None:
    """The summary table by unit and the errors most in need of care; ID numbers and phones
    masked unless ``show_ids`` (terminal output gets pasted into chat groups)."""
    shown_text = (lambda text: text) if show_ids else mask_text
    counts = report.counts()
    table = Table(title=f"{config.district} {config.period} 报表校验结果", show_lines=False)
    table.add_column("单位代码", overflow="fold")
    table.add_column("单位名称", overflow="fold")
    table.add_column(ERROR, justify="right", style="red")
    table.add_column(WARNING, justify="right", style="yellow")
    by_unit = counts["by_unit"]
    order = [*report.units, *sorted(set(by_unit) - set(report.units))]
    for code in order:
        c = by_unit.get(code)
        if not c:
            continue
        table.add_row(code or "（基础数据）", report.unit_names.get(code, ""),
                      str(c[ERROR]), str(c[WARNING]))
    table.add_row("合计", "", str(counts[ERROR]), str(counts[WARNING]), style="bold")
    console.print(table)
    shown = [f for f in report.sorted() if f.severity == ERROR][:limit]
    if shown:
        console.print(f"[bold]最需要处理的错误（前 {len(shown)} 条，"
                      "完整清单见校验报告或用 kcbx validate --json）：[/]")
        for f in shown:
            where = " ".join(x for x in (f.unit_code or "", f.file or "") if x)
            console.print(f"  [red]{escape(rule_name(f.rule))}[/] [dim]{f.rule}[/] "
                          f"{escape(where)}：{escape(shown_text(f.message))}", highlight=False)
    if not report.units:  # an unfinished workspace: say what to do, not only what was found
        from .status import workspace_status

        console.print(f"[yellow]单位名录中还没有单位。[/]下一步：{workspace_status(config).next_step}")
    if report.valid:
        console.print("[green]没有错误。[/]" + (f"另有 {counts[WARNING]} 条提醒。"
                                                if counts[WARNING] else ""))
