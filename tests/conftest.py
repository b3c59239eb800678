"""Shared fixtures: the default demo district, written once per test session.

Writing the 2,000-child demo takes seconds; the modules that need it get their own copy
(``demo_copy``), so no test sees another's outputs.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable

import pytest

from kcbx.demo import DemoSummary, write_demo


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return write_demo(tmp_path_factory.mktemp("demo-master") / "示例区", children=2000, seed=1)


@pytest.fixture(scope="session")
def demo_copy(_demo_master: DemoSummary,
              tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], DemoSummary]:
    """``demo_copy(name)``: a fresh copy of the default demo district (2,000 children, seed 1)."""

    def copy(name: str = "demo") -> DemoSummary:
        dest = tmp_path_factory.mktemp(name) / "示例区"
        shutil.copytree(_demo_master.dest, dest)
        files = [dest / p.relative_to(_demo_master.dest) for p in _demo_master.files]
        return dataclasses.replace(_demo_master, dest=dest, files=files)

    return copy


