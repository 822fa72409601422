"""The declared dependency ranges hold at their lower ends: the built wheel, installed in a fresh
virtual environment with every dependency at the lowest version ``pyproject.toml`` allows
(matplotlib among them), builds the demo report and profile, and the report passes ``check``.

The tests themselves run on the locked set (``requirements/lock.txt``); this is the other end.
Needs pip to reach the package index, as the test command itself does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def lower_bounds() -> dict[str, str]:
    """Each runtime dependency's lowest allowed version, from ``pyproject.toml``'s ``>=``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        lows = [s.version for s in requirement.specifier if s.operator == ">="]
        assert lows, f"{line}: give a lower bound (>=)"
        assert any(s.operator == "<" for s in requirement.specifier) or requirement.name in {
            "pycountry"  # calendar versions: no major version to stay below
        }, f"{line}: give an upper bound (<)"
        bounds[requirement.name] = lows[0]
    return bounds


def test_every_dependency_has_a_range_and_the_lock_satisfies_it() -> None:
    locked = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            locked[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    for line in project["dependencies"] + extras["test"] + extras["cluster"]:
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in locked, f"{name} is not in requirements/lock.txt"
        assert requirement.specifier.contains(locked[name]), f"lock {name}=={locked[name]}: {line}"
    assert set(lower_bounds()) >= {"matplotlib", "reportlab", "pandas", "pikepdf"}


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_wheel_at_the_lower_bounds_builds_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT)
    (wheel,) = wheels.glob("reportgen-*.whl")
    lower = tmp_path / "lower.txt"
    lower.write_text(
        "".join(f"{name}=={version}\n" for name, version in lower_bounds().items()),
        encoding="utf-8",
    )
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--only-binary", ":all:", "-c", lower, wheel)
    installed = {
        line.split("==")[0].lower(): line.split("==")[1]
        for line in _run(python, "-m", "pip", "freeze").splitlines()
        if "==" in line
    }
    for name, version in lower_bounds().items():
        assert Version(installed[name]) == Version(version), name
    work = tmp_path / "work"
    work.mkdir()
    # The embedded demo (no --data): what the README's first command builds.
    printed = _run(
        venv / "bin" / "reportgen",
        "build",
        "Kestrel Islands",
        "--format",
        "report,profile",
        "--out",
        "output",
        cwd=work,
    )
    pdfs = sorted((work / "output").glob("*.pdf"))
    assert [p.name for p in pdfs] == [
        "XAQ-kestrel-islands-2026-en-profile.pdf",
        "XAQ-kestrel-islands-2026-en.pdf",
    ], printed
    verdict = _run(venv / "bin" / "reportgen", "check", pdfs[1])
    assert "Verdict: ACCESSIBLE" in verdict
    # The binding (pikepdf at its lowest version): a book of the profile, tagged through.
    _run(venv / "bin" / "reportgen", "compendium", "--reports", "output", cwd=work)
    (book,) = (work / "output").glob("compendium-*-profile.pdf")
    assert "Verdict: ACCESSIBLE" in _run(venv / "bin" / "reportgen", "check", book)
    # The JSON schemas and docs ship in the wheel: `check --json` is valid against its own.
    shown = json.loads(_run(venv / "bin" / "reportgen", "check", pdfs[1], "--json"))
    schema = json.loads(
        _run(
            python,
            "-c",
            "import json, reportgen.jsonout as j; print(json.dumps(j.schema('check')))",
        )
    )
    assert shown["accessible"] is True and set(shown) == set(schema["properties"])
    docs = _run(python, "-c", "from reportgen.resources import docs_dir; print(docs_dir())")
    assert (Path(docs.strip()) / "json.md").is_file()
