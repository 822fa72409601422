"""``release.toml`` (optional) and the release's metadata: title, years, publisher."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from reportgen.load.files import _read_bytes
from reportgen.load.tables import (
    _CONTROL,
    _CONTROL_IN_TEXT,
    FIRST_YEAR,
    ReleaseInfo,
    _Collector,
    _YearBound,
)

# --- release.toml --------------------------------------------------------------------------

_META_KEYS = ("title", "publication_year", "illustrative", "publisher", "note")


def _release_meta(directory: Path, out: _Collector) -> dict[str, object]:
    """The ``[release]`` table of ``release.toml`` (optional), every value checked."""
    path = directory / "release.toml"
    if not (path.exists() or path.is_symlink()):
        return {}
    data = _read_bytes(
        path, out, "Replace it with a release.toml file, or delete it (it is optional)."
    )
    if data is None:
        return {}

    def fail(key: str | None, value: object, message: str, fix: str) -> None:
        out.add("error", path, None, key, value, message, fix)

    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        fail(None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})", "Save it as UTF-8.")
        return {}
    except tomllib.TOMLDecodeError as exc:
        fail(
            None,
            None,
            f"not valid TOML ({exc})",
            "Fix the syntax or delete release.toml (it is optional).",
        )
        return {}
    table = document.get("release", {})
    if not isinstance(table, dict):
        fail("release", table, "not a table", "Write the values under a [release] heading.")
        return {}
    meta: dict[str, object] = {}
    this_year = date.today().year
    for key, value in table.items():
        if key == "publication_year":
            if not isinstance(value, int) or isinstance(value, bool):
                fail(
                    key,
                    value,
                    "not a whole number",
                    "Write the year, e.g. publication_year = 2020.",
                )
            elif not FIRST_YEAR <= value <= this_year + 1:
                fail(
                    key,
                    value,
                    f"year outside {FIRST_YEAR}–{this_year + 1}",
                    "Write the year the release is published, e.g. publication_year = 2020.",
                )
            else:
                meta[key] = value
        elif key == "illustrative":
            if not isinstance(value, bool):
                fail(
                    key,
                    value,
                    "not true or false",
                    "Write illustrative = true or false (no quotes).",
                )
            else:
                meta[key] = value
        elif key in _META_KEYS or key.startswith("title_"):
            control = _CONTROL_IN_TEXT if key == "note" else _CONTROL  # a note may have lines
            if not isinstance(value, str) or control.search(value):
                fail(key, value, "not one line of text", f'Write it in quotes: {key} = "…".')
            else:
                meta[key] = value
        else:
            near = difflib.get_close_matches(key, _META_KEYS, n=1, cutoff=0.5)
            out.add(
                "error",
                path,
                None,
                key,
                None,
                "unknown key" + (f" (did you mean '{near[0]}'?)" if near else ""),
                f"Known keys: {', '.join(_META_KEYS)}, title_<language>. Correct or remove it.",
            )
    return meta


def _year_bound(meta: Mapping[str, object]) -> _YearBound:
    year = meta.get("publication_year")
    if isinstance(year, int):
        return _YearBound(year, "the publication year in release.toml")
    return _YearBound(date.today().year, "the current year; release.toml gives no publication_year")


def _release_info(
    directory: Path,
    meta: Mapping[str, object],
    files: Iterable[Path],
    cpr: pd.DataFrame,
    esr: pd.DataFrame,
) -> ReleaseInfo:
    cpr_years = tuple(sorted({int(y) for y in cpr["year"]}))
    esr_years = tuple(sorted({int(y) for y in esr["year"]}))
    # HRMI publishes a release the year after its survey year (2019 survey → 2020 release).
    inferred = (cpr_years[-1] + 1) if cpr_years else (esr_years[-1] + 3 if esr_years else 0)
    given = meta.get("publication_year")
    year = given if isinstance(given, int) else inferred
    return ReleaseInfo(
        path=directory,
        title=str(meta.get("title", f"HRMI {year} release")),
        publication_year=year,
        illustrative=bool(meta.get("illustrative", False)),
        publisher=str(meta.get("publisher", "Human Rights Measurement Initiative (HRMI)")),
        note=str(meta.get("note", "")),
        cpr_years=cpr_years,
        esr_years=esr_years,
        files=tuple(files),
        title_given="title" in meta,
        titles=tuple(
            sorted(
                (k.removeprefix("title_"), str(v))
                for k, v in meta.items()
                if k.startswith("title_")
            )
        ),
    )
