"""The README's first command, as a new user runs it, and every command's help page."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clicommands import COMMANDS
from kcbx.cli import cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_build_demo_writes_every_output_it_lists(tmp_path):
    """``kcbx build --demo DIR`` in its own process: exit 0, and every place it names exists."""
    dest = tmp_path / "示例区"
    done = subprocess.run([sys.executable, "-m", "kcbx", "build", "--demo", str(dest)],
                          capture_output=True, text=True, encoding="utf-8", timeout=900,
                          env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    listed = dict(line.split("：", 1) for line in done.stdout.splitlines()
                  if "：" in line and line.split("：", 1)[1].startswith(str(dest)))
    expected = {"校验结果（JSON）", "校验报告（网页）", "各校反馈", "月报表", "统计表", "公开统计数据",
                "送教手册", "网站"}
    assert expected <= set(listed), listed
    for label, where in listed.items():
        path = Path(where)
        assert path.exists(), (label, where)
        if path.is_dir():
            assert any(path.iterdir()), (label, where)
        else:
            assert path.stat().st_size > 0, (label, where)
    assert (Path(listed["网站"]).parent / "search" / "search_index.json").is_file()
    assert list(Path(listed["各校反馈"]).glob("*_校验反馈.xlsx"))
    assert list(Path(listed["送教手册"]).rglob("*.pdf"))
    # the guide's 文书 page reaches the published site with its sample pictures
    built = Path(listed["网站"]).parent
    assert (built / "practice" / "documents.html").is_file()
    assert len(list((built / "practice" / "documents").glob("*.png"))) >= 6
    # every path kcbx wrote fits Windows' limit in a deep workspace (C:\Users\<6>\Documents\…)
    deep = "C:\\Users\\abcdef\\Documents\\控辍保学\\2023学年\\"
    longest = max((p for p in dest.rglob("*") if p.is_file()),
                  key=lambda p: len(str(p.relative_to(dest))))
    assert len(deep) + len(str(longest.relative_to(dest))) < 240, longest




def _options(help_text: str) -> list[tuple[str, str]]:
    """(option, description) for each option of a --help page (descriptions may wrap)."""
    section = help_text.split("选项：")[1].split("命令：")[0]
    rows: list[tuple[str, str]] = []
    for line in section.splitlines():
        match = re.match(r"^  (-\S.*?)(?:\s{2,}(.*))?$", line)
        if match:
            rows.append((match.group(1), match.group(2) or ""))
        elif rows and line.strip():
            rows[-1] = (rows[-1][0], rows[-1][1] + line.strip())
    return rows


def test_every_command_is_walked():
    names = {" ".join(c) for c in COMMANDS}
    assert {"", "build", "validate", "pull", "forms", "feedback", "report", "handbook", "history",
            "site", "site build", "google", "google login", "demo", "mail", "mail fetch", "mail send",
            "mail watch"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kcbx")
def test_help_of_every_command_is_chinese(command):
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：") and "Usage:" not in result.output
    description = result.output.split("选项：")[0].split("\n", 1)[1]
    assert CJK.search(description), result.output
    options = _options(result.output)
    assert options
    section = result.output.split("选项：")[1].split("命令：")[0]
    bare = [line for line in section.splitlines() if re.match(r"^  [^-\s]", line)]
    assert bare == [], "an argument listed as an option without help (click ≥ 8.2)"
    assert [(opt, text) for opt, text in options if not CJK.search(text)] == []


def test_an_internal_error_is_logged_privately(tmp_path, monkeypatch):
    """A bug is one Chinese line on screen; its trace goes to the workspace's private logs."""
    from kcbx import pipeline
    from workbooks import workspace

    root = workspace(tmp_path / "ws", {})
    monkeypatch.chdir(root)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, with 王某华 in its message")

    monkeypatch.setattr(pipeline, "validate", broken)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 3
    assert "内部错误" in result.output and "Traceback" not in result.output
    log = root / "build" / "logs" / "kcbx-error.log"
    assert str(log) in result.output.replace("\n", "")
    assert "RuntimeError" in log.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
