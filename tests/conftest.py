"""Shared fixtures: the shipped demo release, the real HRMI release (when available), styles."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reportgen.load import Dataset, load_release
from reportgen.style import Style, load_style

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"


def _hrmi_dir() -> Path | None:
    value = os.environ.get("HRMI_DATA_DIR")
    return Path(value) if value and Path(value).is_dir() else None


@pytest.fixture(scope="session")
def hrmi_dir() -> Path:
    """The real 2020 release; tests using it are skipped when HRMI_DATA_DIR is unset."""
    path = _hrmi_dir()
    if path is None:
        pytest.skip("HRMI_DATA_DIR is not set to the real HRMI release (see README, Tests)")
    return path


@pytest.fixture(scope="session")
def hrmi(hrmi_dir: Path) -> Dataset:
    return load_release(hrmi_dir)


@pytest.fixture(scope="session")
def demo() -> Dataset:
    return load_release(DEMO_DIR)


@pytest.fixture(scope="session")
def style() -> Style:
    return load_style("base")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo release, for tests that break it on purpose."""
    target = tmp_path / "release"
    shutil.copytree(DEMO_DIR, target)
    return target
