"""reportgen as a library: importing it or building with it leaves the user's settings alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path


def test_building_a_report_leaves_matplotlibs_settings_as_the_user_had_them() -> None:
    """As a notebook would: settings of its own, then import reportgen and build (a fresh
    interpreter, so nothing imported by other tests counts)."""
    script = textwrap.dedent(
        """
        import matplotlib as mpl
        mpl.rcParams["figure.dpi"] = 123
        mpl.rcParams["font.family"] = "serif"
        before = {k: repr(v) for k, v in mpl.rcParams.items()}
        from pathlib import Path
        import reportgen.build as build
        from reportgen.load import load_release
        from reportgen.resources import demo_data_dir
        from reportgen.style import load_style
        after_import = {k: repr(v) for k, v in mpl.rcParams.items()}
        built = build.build_country(load_release(demo_data_dir()), "XAQ", load_style("base"))
        profile = build.build_profile(load_release(demo_data_dir()), "XAT", load_style("base"))
        after = {k: repr(v) for k, v in mpl.rcParams.items()}
        changed = sorted(k for k in before if before[k] != after_import[k] or before[k] != after[k])
        print(built.pages > 1 and profile.pages >= 1, changed)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []", result.stdout


def test_the_wheel_ships_the_license_the_types_the_docs_and_the_examples(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("reportgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "reportgen/py.typed",
        "reportgen/_bundled/docs/recipients.md",
        "reportgen/_bundled/examples/editorial/XAQ.md",
        "reportgen/_bundled/examples/brand/reportgen.toml",
        "reportgen/_bundled/demo/release.toml",
    } <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen", *args], capture_output=True, text=True, check=False
    )


def test_options_mean_the_same_everywhere(tmp_path: Path) -> None:
    demo = str(Path(__file__).resolve().parent.parent / "data" / "demo")
    # validate takes --data like every other command (the positional form stays)
    for args in (["validate", "--data", demo], ["validate", demo]):
        result = _cli(*args)
        assert result.returncode == 0 and "OK Demonstration release" in result.stdout, result
    assert "give one" in _cli("validate", demo, "--data", str(tmp_path)).stderr
    # --lang is read in any case, and text takes several languages like build
    text = _cli("text", "XAQ", "--lang", "FR,es")
    assert text.returncode == 0, text.stderr
    assert "# Principaux constats" in text.stdout and "# Principales conclusiones" in text.stdout
    built = _cli("build", "XAQ", "--lang", "EN", "--out", str(tmp_path))
    assert built.returncode == 0 and (tmp_path / "XAQ-kestrel-islands-2026-en.pdf").exists()


def test_the_public_api_builds_writes_and_batches_as_a_notebook_would(tmp_path: Path) -> None:
    """The documented API (docs/api.md), in a fresh interpreter: import reportgen alone, a
    report and a profile to bytes and a file, a batch on an executor of the caller's; the
    user's matplotlib settings unchanged; `import reportgen` loads no drawing library."""
    script = textwrap.dedent(
        f"""
        import sys
        import matplotlib as mpl
        mpl.rcParams["figure.dpi"] = 123
        mpl.rcParams["text.parse_math"] = True
        before = {{k: repr(v) for k, v in mpl.rcParams.items()}}
        import reportgen
        light = "reportlab" not in sys.modules and "pandas" not in sys.modules
        from concurrent.futures import ThreadPoolExecutor
        from reportgen.resources import demo_data_dir
        release = reportgen.load_release(demo_data_dir())
        built = reportgen.report(release, "kestrel islands", language="FR")
        profile = reportgen.report(demo_data_dir(), "XAT", format="profile")
        path = reportgen.write_report(profile, r"{tmp_path / "out"}")
        with ThreadPoolExecutor(1) as pool:
            result = reportgen.run_batch(demo_data_dir(), r"{tmp_path / "batch"}",
                                     countries=["XAQ", "Ostmere"], executor=pool)
        after = {{k: repr(v) for k, v in mpl.rcParams.items()}}
        print(light, built.filename, built.pdf[:5], profile.pages, path.name,
              sorted(o.code + ":" + o.status for o in result.outcomes),
              sorted(k for k in before if before[k] != after[k]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "XAQ-kestrel-islands-2026-fr.pdf",
        "b'%PDF-'",
        "2",
        "XAT-united-lowland-provinces-of-erevandia-2026-en-profile.pdf",
        "['XAQ:built',",
        "'XDK:built']",
        "[]",
    ], result.stdout
    assert (
        tmp_path / "out" / "XAT-united-lowland-provinces-of-erevandia-2026-en-profile.pdf"
    ).is_file()


def test_charts_are_drawn_without_matplotlibs_figures() -> None:
    """A report and a profile, every chart in them, are recorded without importing
    matplotlib's figures, axes, artists' renderer or text layout (half a second of every
    process's start); drawing an ad-hoc figure imports them when asked."""
    heavy = ["matplotlib.figure", "matplotlib.axes", "matplotlib.backend_bases", "matplotlib.text"]
    script = textwrap.dedent(
        f"""
        import sys
        import reportgen
        from reportgen.resources import demo_data_dir
        report = reportgen.report(demo_data_dir(), "XAQ")
        profile = reportgen.report(demo_data_dir(), "XAQ", format="profile")
        print(report.pages > 2, profile.pages, [m for m in {heavy!r} if m in sys.modules])
        from reportgen.charts import new_figure, record
        drawing = record(new_figure(10, 20))
        print(drawing.width, drawing.height, [m for m in {heavy!r} if m in sys.modules])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True 2 []", f"10.0 20.0 {heavy!r}"], result.stdout
