"""The ``--json`` outputs of the command line: one JSON document per command, on stdout.

In:  what a command found or did (a release, a batch's result, a check's findings, a
distribution's plan and summary). Out: plain ``dict``s ready for ``json.dumps``, each with
``"kind"`` (the command) and ``"version"`` (of its schema). Their schemas are JSON Schema
files shipped in ``reportgen/schemas/<kind>.json`` and described in ``docs/json.md``; a new
field may be added within a version, a field is never renamed or dropped without a new one.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.headerregistry import Address

    from reportgen.batch import BatchResult, Outcome
    from reportgen.check import CheckReport
    from reportgen.distribute import OutcomeStatus, Plan, Summary
    from reportgen.errors import Problem
    from reportgen.load import Dataset

VERSION = 1
KINDS = ("countries", "validate", "batch", "check", "distribute")


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``--json`` output of the command ``kind``."""
    text = files("reportgen").joinpath("schemas", f"{kind}.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def dumps(document: dict[str, Any]) -> str:
    """``document`` as the commands print it: indented, UTF-8 characters kept, one line at
    the end."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _head(kind: str) -> dict[str, Any]:
    return {"kind": kind, "version": VERSION}


def countries(dataset: Dataset) -> dict[str, Any]:
    """Every country of ``dataset`` (by ISO3 code): code, name, region, what data it has."""
    from reportgen.codebook import load_codebook

    book = load_codebook("en")
    survey = set(dataset.survey_countries())
    esr = set(dataset.esr["country"])
    rows = []
    for row in dataset.countries.sort_values("country").itertuples(index=False):
        code, region = str(row.country), str(row.region)
        rows.append(
            {
                "code": code,
                "name": book.country(code, dataset.names).name,
                "region": region,
                "region_name": book.regions.get(region, region),
                "survey": code in survey,
                "quality_of_life": code in esr,
            }
        )
    return {**_head("countries"), "release": dataset.info.title, "countries": rows}


def problem(p: Problem) -> dict[str, Any]:
    """One problem of an input file, its place (row as a spreadsheet counts it) and its fix."""
    return {
        "severity": p.severity,
        "file": str(p.file),
        "row": p.row,
        "column": p.column,
        "value": p.value,
        "message": p.message,
        "fix": p.fix,
        "count": p.count,
        "text": str(p),
    }


def validate(
    data: Path, problems: list[Problem], dataset: Dataset | None, errors: int
) -> dict[str, Any]:
    """The verdict on the release folder ``data``: ``ok`` when it can be used (``dataset``
    loaded), every problem found, and (when loaded) what the release holds."""
    release = None
    if dataset is not None:
        info = dataset.info
        release = {
            "title": info.title,
            "countries": len(dataset.countries),
            "survey_countries": len(dataset.survey_countries()),
            "survey_years": list(info.cpr_years),
            "quality_of_life_years": list(info.esr_years),
            "illustrative": bool(info.illustrative),
        }
    return {
        **_head("validate"),
        "data": str(data),
        "ok": dataset is not None,
        "errors": errors,
        "release": release,
        "problems": [problem(p) for p in problems],
    }


def _outcome(o: Outcome, out_dir: Path | None) -> dict[str, Any]:
    entry = o.entry
    return {
        "country": o.code,
        "language": o.language,
        "format": o.format,
        "status": o.status,
        "seconds": round(o.seconds, 3),
        "reason": o.reason,
        "file": str(out_dir / entry.file) if entry is not None and out_dir else None,
        "pages": entry.pages if entry is not None else None,
        "bytes": entry.bytes if entry is not None else None,
        "sha256": entry.sha256 if entry is not None else None,
        "previous": o.previous or None,
    }


def batch(result: BatchResult, compendia: list[tuple[str, Path, bool]]) -> dict[str, Any]:
    """A batch's summary, each report's result (by country, language, format) and the books
    it bound (``compendia``: language, path, whether bound again)."""
    out_dir = result.manifest.parent if result.manifest is not None else None
    ordered = sorted(result.outcomes, key=lambda o: (o.code, o.language, o.format))
    return {
        **_head("batch"),
        "summary": {
            "built": result.count("built"),
            "unchanged": result.count("unchanged"),
            "no_data": result.count("no data"),
            "failed": result.count("failed"),
            "seconds": round(result.seconds, 3),
        },
        "manifest": str(result.manifest) if result.manifest is not None else None,
        "reports": [_outcome(o, out_dir) for o in ordered],
        "compendia": [
            {"language": language, "file": str(path), "bound": bound}
            for language, path, bound in compendia
        ],
    }


def check(report: CheckReport) -> dict[str, Any]:
    """The findings of ``reportgen check`` on one PDF, and its verdict."""
    return {
        **_head("check"),
        "file": report.path,
        "pages": report.pages,
        "structure_elements": report.elements,
        "accessible": report.passed,
        "checks": [
            {"check": f.check, "passed": f.passed, "detail": f.detail} for f in report.findings
        ],
    }


def distribute(
    plan: Plan | None, sender: Address, summary: Summary, dry_run: bool
) -> dict[str, Any]:
    """A distribution: the messages planned (a dry run's plan; else ``[]``), and what
    happened (or would happen) to each report, with the recipients-file problems."""
    messages = []
    for m in plan.messages if plan is not None else ():
        r = m.recipient
        messages.append(
            {
                "to": {"name": r.name, "email": r.email, "language": r.language},
                "from": str(sender),
                "subject": m.subject,
                "part": m.part,
                "parts": m.parts,
                "attachments": [
                    {"file": e.file, "country": e.country, "format": e.format, "bytes": e.bytes}
                    for e in m.reports
                ],
                "estimated_bytes": m.estimated_bytes,
                "message_id": m.message_id,
            }
        )
    statuses: tuple[OutcomeStatus, ...] = (
        "would send",
        "sent",
        "already sent",
        "changed",
        "uncertain",
        "failed",
        "unavailable",
    )
    return {
        **_head("distribute"),
        "dry_run": dry_run,
        "messages": messages,
        "summary": {
            "emails": summary.messages,
            **{s.replace(" ", "_"): summary.count(s) for s in statuses},
        },
        "ok": summary.ok,
        "stopped": summary.stopped,
        "reports": [
            {
                "email": o.email,
                "country": o.country,
                "language": o.language,
                "file": o.file,
                "status": o.status,
                "reason": o.reason,
            }
            for o in sorted(summary.outcomes, key=lambda o: (o.email, o.country, o.file))
        ],
        "problems": [problem(p) for p in summary.problems],
    }
