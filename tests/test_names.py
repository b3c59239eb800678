"""Output file names legal on Windows whatever a school types."""

from __future__ import annotations

import re

import pytest

from kcbx.config import load_config
from kcbx.names import safe_name
from kcbx.outputs.feedback import feedback_path
from workbooks import workspace

WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
            *(f"LPT{i}" for i in range(1, 10))}


@pytest.mark.parametrize("typed", ["CON", "con.txt", "a/b", "x:y", "王某华...", "LPT1", " 甲镇. ",
                                   "H43\n第二行", 'a"b*c?d', "", "名" * 300])
def test_every_name_is_legal_on_windows(typed):
    name = safe_name(typed)
    assert name and not WINDOWS_BAD.search(name)
    assert not name.endswith((".", " "))
    assert name.split(".")[0].upper() not in RESERVED
    assert len(name) <= 80


def test_feedback_of_a_hostile_unit_code_is_a_legal_file(tmp_path):
    config = load_config(workspace(tmp_path / "ws", {}))
    path = feedback_path(config, "CON:\n")
    assert path.parent == config.outputs_path / "feedback" / "2022-10"
    assert not WINDOWS_BAD.search(path.name) and path.name == "CON___校验反馈.xlsx"
    assert feedback_path(config, "con").name == "_con_校验反馈.xlsx"
