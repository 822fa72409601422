"""The command line as scripts and CI use it: ``--json`` outputs valid against their shipped
schemas and true to the files (checked here from the CSVs and the PDFs themselves), piped
output that does not wrap, ``--quiet`` and ``--verbose`` (anywhere on the line), an internal
error in one line with its traceback only on request, FORCE_COLOR keeping one line per
report, shell completion, ``--page-size`` wherever a PDF is built, and the Dask cluster."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from reportgen import jsonout
from reportgen.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
REPORTGEN = [sys.executable, "-m", "reportgen"]
A4 = (595.3, 841.9)
LETTER = (612.0, 792.0)


@pytest.fixture(autouse=True)
def _default_verbosity() -> Iterator[None]:
    """Each test starts, and leaves, the CLI's logging at its default level."""
    logging.getLogger("reportgen").setLevel(logging.INFO)
    yield
    logging.getLogger("reportgen").setLevel(logging.INFO)


def valid(kind: str, text: str) -> dict[str, Any]:
    """The JSON document ``text``, checked against the schema of ``kind``."""
    document: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(jsonout.schema(kind))
    jsonschema.validate(document, jsonout.schema(kind), cls=jsonschema.Draft202012Validator)
    assert document["kind"] == kind and document["version"] == 1
    return document


def run_main(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """``reportgen ARGS`` through the console script's ``main``: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["reportgen", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def demo_rows(name: str) -> list[dict[str, str]]:
    with (DEMO / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# --- --json -------------------------------------------------------------------------------------


def test_every_schema_is_a_valid_json_schema_and_documented() -> None:
    docs = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    for kind in jsonout.KINDS:
        jsonschema.Draft202012Validator.check_schema(jsonout.schema(kind))
        assert f"`reportgen/schemas/{kind}.json`" in docs
        for name in jsonout.schema(kind)["properties"]:
            assert f"`{name}`" in docs, f"{kind}: field {name} is not described in docs/json.md"


def test_countries_json_lists_every_country_of_the_files_with_its_data() -> None:
    result = CliRunner().invoke(app, ["countries", "--data", str(DEMO), "--json"])
    assert result.exit_code == 0, result.output
    document = valid("countries", result.stdout)
    listed = {c["code"]: c for c in document["countries"]}
    countries = demo_rows("countries_demo.csv")
    assert set(listed) == {r["country_code"] for r in countries}
    assert [c["code"] for c in document["countries"]] == sorted(listed)
    survey = {r["country_code"] for r in demo_rows("cpr-scores_demo.csv")}
    esr = {r["country_code"] for r in demo_rows("esr-scores_demo.csv")}
    for row in countries:
        entry = listed[row["country_code"]]
        assert entry["region"] == row["region_code"]
        assert entry["survey"] == (row["country_code"] in survey)
        assert entry["quality_of_life"] == (row["country_code"] in esr)
    names = {r["country_code"]: r for r in demo_rows("country-names_demo.csv")}
    code = "XAB"
    assert listed[code]["name"] in names[code].values()


def test_countries_piped_is_one_tab_separated_line_per_country() -> None:
    done = subprocess.run(
        [*REPORTGEN, "countries", "--data", str(DEMO)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "40", "FORCE_COLOR": "1"},  # (narrow; colour forced)
    )
    lines = done.stdout.splitlines()
    assert lines[0].split("\t") == ["code", "country", "region", "survey", "quality of life"]
    assert len(lines) == 1 + len(demo_rows("countries_demo.csv"))
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert "\x1b" not in done.stdout  # no colour codes in a pipe's data
    longest = max(lines[1:], key=len)
    assert len(longest) > 40  # not wrapped at the terminal's width


def test_validate_json_names_the_file_row_column_and_value(demo_copy: Path) -> None:
    good = CliRunner().invoke(app, ["validate", "--data", str(DEMO), "--json"])
    assert good.exit_code == 0, good.output
    document = valid("validate", good.stdout)
    assert document["ok"] is True and document["errors"] == 0
    assert document["release"]["countries"] == len(demo_rows("countries_demo.csv"))
    scores = demo_copy / "cpr-scores_demo.csv"
    lines = scores.read_text(encoding="utf-8").splitlines()
    fields = lines[5].split(",")
    fields[3] = "lots"  # the mean of data row 5 (spreadsheet row 6)
    lines[5] = ",".join(fields)
    scores.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["validate", "--data", str(demo_copy), "--json"])
    assert bad.exit_code == 1
    document = valid("validate", bad.stdout)
    assert document["ok"] is False and document["release"] is None and document["errors"] >= 1
    problem = next(p for p in document["problems"] if p["value"] == "lots")
    assert (problem["severity"], Path(problem["file"]).name) == ("error", scores.name)
    assert (problem["row"], problem["column"]) == (6, "mean")
    assert "lots" in problem["text"] and problem["fix"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A batch of two demo countries (one with survey data), their reports and profiles, with
    ``--json``, and its document."""
    out = tmp_path_factory.mktemp("scripted") / "out"
    done = subprocess.run(
        [
            *REPORTGEN,
            "batch",
            "--data",
            str(DEMO),
            "--out",
            str(out),
            "-c",
            "XAB",
            "-c",
            "XAQ",
            "--format",
            "report,profile",
            "--json",
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "XAB en profile built" in done.stderr  # progress stays on stderr
    return out, valid("batch", done.stdout)


def test_batch_json_gives_each_report_and_the_book(built: tuple[Path, dict[str, Any]]) -> None:
    out, document = built
    assert document["summary"] == {**document["summary"], "built": 4, "failed": 0, "no_data": 0}
    assert [(r["country"], r["format"], r["status"]) for r in document["reports"]] == [
        ("XAB", "profile", "built"),
        ("XAB", "report", "built"),
        ("XAQ", "profile", "built"),
        ("XAQ", "report", "built"),
    ]
    for report in document["reports"]:
        pdf = Path(report["file"]).read_bytes()
        assert report["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert report["bytes"] == len(pdf)
        assert report["pages"] == len(PdfReader(report["file"]).pages)
        assert (report["pages"] == 2) == (report["format"] == "profile")
    (book,) = document["compendia"]
    assert book["language"] == "en" and book["bound"] is True and Path(book["file"]).is_file()
    assert Path(document["manifest"]) == out / "manifest.json"


def test_batch_json_again_says_unchanged(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    result = CliRunner().invoke(
        app, ["batch", "--data", str(DEMO), "--out", str(out), "-c", "XAB", "-c", "XAQ",
              "--format", "report,profile", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = valid("batch", result.stdout)
    assert {r["status"] for r in document["reports"]} == {"unchanged"}
    assert [b["bound"] for b in document["compendia"]] == [False]


def test_check_json_gives_every_check_and_the_verdict(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, batch = built
    pdf = batch["reports"][0]["file"]
    result = CliRunner().invoke(app, ["check", pdf, "--json"])
    assert result.exit_code == 0, result.output
    document = valid("check", result.stdout)
    assert document["accessible"] is True and document["pages"] == 2
    assert all(c["passed"] for c in document["checks"]) and len(document["checks"]) >= 5
    text = CliRunner().invoke(app, ["check", pdf]).stdout
    for finding in document["checks"]:  # the same findings as the text
        assert f"ok    {finding['check']}: {finding['detail']}" in text
    # An untagged PDF fails, and says which checks.
    untagged = tmp_path / "untagged.pdf"
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(untagged)
    failed = CliRunner().invoke(app, ["check", str(untagged), "--json"])
    assert failed.exit_code == 1
    document = valid("check", failed.stdout)
    assert document["accessible"] is False
    assert any(not c["passed"] for c in document["checks"])
    # Not a PDF: one line on stderr, nothing on stdout.
    (tmp_path / "note.txt").write_text("hello")
    refused = CliRunner().invoke(app, ["check", str(tmp_path / "note.txt"), "--json"])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "is not a PDF" in refused.stderr


def test_distribute_dry_run_json_gives_each_message(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, batch = built
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(
        "name,email,language,countries,regions\n"
        "Ana Pérez,ana@example.org,en,XAB;XAQ,\n"
        "Bo,bo@example.org,en,XAQ,\n"
        "Cy,not-an-address,en,XAB,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["distribute", "--recipients", str(recipients), "--reports", str(out),
              "--outbox", str(tmp_path / "outbox"), "--from", "Desk <desk@example.org>",
              "--dry-run", "--json", "--skip-bad-rows", "--ledger", str(tmp_path / "l.sqlite")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = valid("distribute", result.stdout)
    assert document["dry_run"] is True and not (tmp_path / "outbox").exists()
    messages = {m["to"]["email"]: m for m in document["messages"]}
    assert set(messages) == {"ana@example.org", "bo@example.org"}
    files = {r["country"]: r for r in batch["reports"] if r["format"] == "report"}
    ana = messages["ana@example.org"]
    assert ana["to"]["name"] == "Ana Pérez" and ana["from"] == "Desk <desk@example.org>"
    assert {a["country"]: a["bytes"] for a in ana["attachments"]} == {
        code: files[code]["bytes"] for code in ("XAB", "XAQ")
    }
    assert ana["estimated_bytes"] > files["XAB"]["bytes"] + files["XAQ"]["bytes"]
    assert document["summary"]["would_send"] == 3 and document["summary"]["emails"] == 2
    (problem,) = [p for p in document["problems"] if p["severity"] == "error"]
    assert problem["row"] == 4 and problem["column"] == "email"


# --- --quiet, --verbose, internal errors, FORCE_COLOR ----------------------------------------------


def test_quiet_prints_no_progress_and_verbose_anywhere_on_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["batch", "--data", str(DEMO), "--out", str(tmp_path), "-c", "XBQ", "--no-compendium"]
    code, stdout, stderr = run_main([*args, "--quiet"], capsys, monkeypatch)
    assert code == 0 and stdout == "" and stderr == "", (stdout, stderr)
    code, stdout, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and "XBQ en unchanged" in stderr and "unchanged" in stdout
    code, _, stderr = run_main([*args, "-q", "-v"], capsys, monkeypatch)
    assert code == 2 and "not both" in stderr


def test_an_internal_error_is_one_line_and_its_traceback_comes_with_verbose(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.load

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(reportgen.load, "load_release", broken)
    code, stdout, stderr = run_main(["countries"], capsys, monkeypatch)
    assert code == 1 and stdout == ""
    assert "internal error: ZeroDivisionError: planted" in stderr
    assert "Traceback" not in stderr and "--verbose" in stderr
    code, _, stderr = run_main(["countries", "--verbose"], capsys, monkeypatch)
    assert code == 1 and "Traceback (most recent call last)" in stderr
    assert 'raise ZeroDivisionError("planted")' in stderr


def test_a_reports_internal_error_shows_its_traceback_with_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.build

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("planted key")

    monkeypatch.setattr(reportgen.build, "build_profile", broken)  # (one report: in-process)
    args = ["batch", "--data", str(DEMO), "--out", str(tmp_path), "-c", "XBQ", "--no-compendium",
            "--format", "profile"]  # fmt: skip
    code, stdout, stderr = run_main(args, capsys, monkeypatch)
    assert code == 1 and "internal error (KeyError: 'planted key'); please report it" in stdout
    assert "Traceback" not in stderr + stdout
    code, stdout, stderr = run_main([*args, "-v"], capsys, monkeypatch)
    assert code == 1 and "Traceback (most recent call last)" in stderr
    assert "KeyError: 'planted key'" in stderr
    code, stdout, stderr = run_main([*args, "-q"], capsys, monkeypatch)
    assert code == 1 and stdout == ""
    assert stderr.splitlines() == [
        "failed XBQ (en, profile): internal error (KeyError: 'planted key'); please report it"
    ]


def test_force_color_keeps_one_line_per_report_in_a_ci_log(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *REPORTGEN,
            "batch",
            "--data",
            str(DEMO),
            "--out",
            str(tmp_path),
            "-c",
            "XBQ",
            "-c",
            "XAA",
            "--no-compendium",
            "--format",
            "profile",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "FORCE_COLOR": "1", "CI": "true"},
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert sorted(line.split(" ")[0] for line in lines) == ["[1/2]", "[2/2]"]
    assert sorted(line.split("] ", 1)[1].split(" (")[0] for line in lines) == [
        "XAA en profile built",
        "XBQ en profile built",
    ]
    assert "\r" not in done.stderr and "\x1b[?25l" not in done.stderr  # no live bar


# --- completion ----------------------------------------------------------------------------------


def complete(words: str) -> list[str]:
    """What bash completion offers after ``words`` (the last word being typed)."""
    env = {
        "_REPORTGEN_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="reportgen")
    assert result.exit_code == 0, result.output
    return result.output.split()


def test_shell_completion_offers_commands_countries_languages_and_formats() -> None:
    assert sorted(complete("reportgen b")) == ["batch", "build"]
    assert "distribute" in complete("reportgen ")
    survey = sorted({r["country_code"] for r in demo_rows("countries_demo.csv")})
    assert complete("reportgen build XB") == [c for c in survey if c.startswith("XB")]
    assert complete("reportgen build XAB --lang f") == ["fr"]
    assert complete("reportgen build XAB --lang en,") == ["en,es", "en,fr", "en,pt"]
    assert complete("reportgen batch --format pro") == ["profile"]
    assert complete("reportgen build XAB --page-size L") == ["Letter"]
    shown = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="reportgen")
    assert "_REPORTGEN_COMPLETE=complete_bash" in shown.output


# --- --page-size ---------------------------------------------------------------------------------


def sizes(path: Path) -> set[tuple[float, float]]:
    return {
        (round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
        for p in PdfReader(path).pages
    }


def test_page_size_on_batch_and_the_book_takes_the_reports_size(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["batch", "--data", str(DEMO), "--out", str(out), "-c", "XBQ", "--format", "profile"]
    letter = runner.invoke(app, [*args, "--page-size", "letter", "--json"])
    assert letter.exit_code == 0, letter.output
    document = valid("batch", letter.stdout)
    assert sizes(Path(document["reports"][0]["file"])) == {LETTER}
    assert sizes(Path(document["compendia"][0]["file"])) == {LETTER}  # its own pages too
    # The style's size again: the report is rebuilt (the page size is one of its inputs).
    a4 = runner.invoke(app, [*args, "--json"])
    document = valid("batch", a4.stdout)
    assert document["reports"][0]["status"] == "built"
    assert sizes(Path(document["reports"][0]["file"])) == {A4}
    # compendium: a --page-size other than the reports' is refused, naming both.
    refused = runner.invoke(app, ["compendium", "--reports", str(out), "--page-size", "Letter"])
    assert refused.exit_code == 1 and isinstance(refused.exception, Exception)
    assert "--page-size Letter: the reports" in str(refused.exception)
    assert "are A4" in str(refused.exception)
    # A bad size is refused before the output folder is made.
    bad = runner.invoke(
        app, ["batch", "--data", str(DEMO), "--out", str(tmp_path / "new"), "--page-size", "A5"]
    )
    assert bad.exit_code == 1 and "A4 or Letter, not 'A5'" in str(bad.exception)
    assert not (tmp_path / "new").exists()


# --- the Dask cluster ----------------------------------------------------------------------------


def test_a_batch_on_a_local_dask_cluster_writes_the_default_runs_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--scheduler`` on a real LocalCluster of two worker processes, and ``--executor dask``:
    the manifests equal the default run's byte for byte, and so do the PDFs."""
    distributed = pytest.importorskip("distributed")
    picked = ["-c", "XAB", "-c", "XAQ", "-c", "XBQ", "-c", "XAA", "--format", "report,profile"]
    runner = CliRunner()

    def batch(out: Path, *extra: str) -> None:
        result = runner.invoke(
            app, ["batch", "--data", str(DEMO), "--out", str(out), *picked, "--no-compendium",
                  *extra],
        )  # fmt: skip
        assert result.exit_code == 0, result.output

    batch(tmp_path / "default", "--jobs", "2")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # two worker processes
        batch(tmp_path / "scheduler", "--scheduler", cluster.scheduler_address)
    expected = (tmp_path / "default" / "manifest.json").read_bytes()
    assert (tmp_path / "scheduler" / "manifest.json").read_bytes() == expected
    for entry in json.loads(expected)["reports"]:
        a, b = (tmp_path / "default" / entry["file"]), (tmp_path / "scheduler" / entry["file"])
        assert a.read_bytes() == b.read_bytes()
    # --executor dask starts its own local cluster of --jobs workers, and closes it.
    started: list[Any] = []
    real = distributed.LocalCluster

    def recorded(*args: Any, **kwargs: Any) -> Any:
        started.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", recorded)
    batch(tmp_path / "local", "--executor", "dask", "--jobs", "2")
    assert [(k["n_workers"], k["processes"]) for k in started] == [(2, True)]
    assert (tmp_path / "local" / "manifest.json").read_bytes() == expected


def test_jobs_beside_a_scheduler_and_a_bad_executor_are_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    jobs = runner.invoke(
        app, ["batch", "--out", str(out), "--scheduler", "tcp://127.0.0.1:1", "--jobs", "4"]
    )
    assert jobs.exit_code == 1 and "--jobs 4 with --scheduler" in str(jobs.exception)
    bad = runner.invoke(app, ["batch", "--out", str(out), "--executor", "threads"])
    assert bad.exit_code == 1 and "process or dask, not 'threads'" in str(bad.exception)
    assert not out.exists()  # refused before anything was made


def test_the_cluster_extra_is_declared() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {r.split(">")[0].split("[")[0] for r in project["optional-dependencies"]["cluster"]}
    assert names == {"dask", "distributed"}
