"""Reading release files: find them, refuse what is not a regular file, parse CSV, numbers."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.load.tables import (
    _CONTROL,
    _CONTROL_IN_TEXT,
    _FIELDS,
    _FILL,
    _FILL_SCORE,
    TableSpec,
    _Collector,
    _Table,
)

# --- files ---------------------------------------------------------------------------------


def _find(directory: Path, spec: TableSpec, out: _Collector) -> list[Path]:
    files = sorted(
        p for p in directory.glob(spec.pattern) if not (spec.exclude and spec.exclude in p.name)
    )
    if not files and spec.required:
        out.add(
            "error",
            directory / spec.pattern,
            None,
            None,
            None,
            f"no {spec.kind} file matching '{spec.pattern}' in {directory}",
            "Point --data at an HRMI release directory (as published by the data portal).",
        )
    return files


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _read_bytes(path: Path, out: _Collector, move: str) -> bytes | None:
    """The bytes of ``path`` if it is a readable regular file; else None and one error.

    The file type is checked before the file is opened (a named pipe would block), and
    again on the open file (opened without blocking) in case it changed in between.
    """

    def fail(message: str, fix: str = move) -> None:
        out.add("error", path, None, None, None, message, fix)

    def kind_of(mode: int) -> str | None:
        return None if stat.S_ISREG(mode) else next((k for t, k in _KINDS if t(mode)), "special")

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            fail(
                f"a broken symbolic link (to {path.readlink()}, which does not exist)",
                f"Point the link at the file, or delete it. {move}",
            )
        else:
            fail("disappeared while the release was read", "Run the command again.")
        return None
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror})", "Check the file's permissions.")
        return None
    if (kind := kind_of(mode)) is not None:
        fail(f"{kind}, not a file")
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        fail(
            f"cannot be read ({exc.strerror})",
            "Check the file's permissions: the user running reportgen must be able to read it.",
        )
        return None
    try:
        if (kind := kind_of(os.fstat(fd).st_mode)) is not None:
            fail(f"{kind}, not a file")
            return None
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror})", "Check the disk and copy the file again.")
        return None
    finally:
        os.close(fd)


def _column_name(position: int) -> str:
    """Spreadsheet column letters of a 1-based position: 1 → A, 27 → AA."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _read(path: Path, spec: TableSpec, out: _Collector) -> _Table | None:
    move = f"Move it out of the release folder, or rename it so that it does not match '{spec.pattern}'."
    data = _read_bytes(path, out, move)
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add(
            "error",
            path,
            data.count(b"\n", 0, exc.start) + 1,
            None,
            None,
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "Save the file as UTF-8 CSV.",
        )
        return None
    try:
        # header=None: a row longer than the header is an error, not a shifted index column.
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        out.add("error", path, None, None, None, "empty file", "Copy the release file again.")
        return None
    except pd.errors.ParserError as exc:
        fields = _FIELDS.search(str(exc))
        if fields:
            expected, line, saw = fields.groups()
            out.add(
                "error",
                path,
                int(line),
                None,
                None,
                f"{saw} cells in a row under a header of {expected} columns",
                "Delete the extra cells, or quote a cell that contains a comma.",
            )
        else:
            out.add(
                "error",
                path,
                None,
                None,
                None,
                f"not a readable CSV file ({str(exc).strip()})",
                "Check the file is comma-separated with one header row.",
            )
        return None
    header = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:]
    frame.index = frame.index - 1
    seen: dict[str, int] = {}
    duplicated = False
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            duplicated = True
            first = seen[name]
            out.add(
                "error",
                path,
                1,
                name,
                None,
                f"the header names two columns '{name}': column {first} ({_column_name(first)}) "
                f"and column {position} ({_column_name(position)})",
                "Delete or rename one of them (only one would be read).",
            )
        seen.setdefault(name, position)
    if duplicated:
        return None
    frame.columns = [name or f"(column {_column_name(i)})" for i, name in enumerate(header, 1)]
    missing = [c for c in spec.columns if c not in frame.columns]
    for column in missing:
        out.add(
            "error",
            path,
            1,
            column,
            None,
            "required column is missing",
            f"Add the column '{column}' to the header (columns found: {', '.join(header)}).",
        )
    if missing:
        return None
    extra = [
        c for c in frame.columns if spec.extra and spec.extra.match(c) and c not in spec.columns
    ]
    stripped, empty = _stripped(frame)
    kept = stripped.loc[~empty, list(spec.columns) + extra]  # a wholly empty row says nothing
    table = _Table(spec, path, kept, kept.copy())
    # A control character is in a cell; so is a line end inside quotes: look if the text has one.
    if _CONTROL_IN_TEXT.search(text) is not None or '"' in text:
        cells = frame.loc[kept.index]
        for column in cells.columns:
            cell = cells[column]

            def control(label: int, cell: pd.Series = cell) -> str:
                found = _CONTROL.search(str(cell.at[label]))
                return f"control character U+{ord(found.group()) if found else 0:04X} in the cell"

            out.rows(
                table,
                cell.str.contains(_CONTROL.pattern, regex=True),
                column,
                control,
                "Delete the character (it would reach the cover, the PDF's title or the "
                "terminal); retype the cell if you cannot see it.",
                summary="cells with a control character",
                values=cell,
            )
    for column in spec.columns:
        if column not in spec.numeric and column not in spec.optional:
            out.rows(
                table,
                table.text[column] == "",
                column,
                "empty cell",
                _FILL.get(column, "Fill in the cell."),
            )
    for column in spec.numeric:
        _numbers(table, column, out)
    return table


def _per_value(column: pd.Series, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``change`` applied once to each distinct cell of ``column`` (a file pasted twice
    repeats its cells: this keeps the time of a check linear in the distinct ones)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return change(pd.Series(uniques, dtype=column.dtype)).take(codes).set_axis(column.index)


def _stripped(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every cell without its surrounding spaces, and which rows are wholly empty."""
    columns: dict[str, pd.Series] = {}
    empty = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        # Each distinct cell once, as in _per_value.
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        clean = pd.Series(uniques, dtype=frame[column].dtype).str.strip()
        columns[column] = clean.take(codes).set_axis(frame.index)
        empty &= (clean == "").to_numpy(dtype=bool)[codes]
    return pd.DataFrame(columns, index=frame.index), empty


def _numbers(table: _Table, column: str, out: _Collector) -> None:
    text = table.text[column]
    number = _per_value(text, lambda u: pd.to_numeric(u, errors="coerce").astype(float))
    table.data[column] = number
    empty = text == ""
    out.rows(table, empty, column, "empty cell", _FILL.get(column, _FILL_SCORE))
    out.rows(
        table,
        number.isna() & ~empty,
        column,
        "not a number",
        "Write a plain number such as 2.5 or .5469. A missing score has no row in an HRMI "
        "release: delete the row rather than write NaN or NA.",
    )
    out.rows(
        table,
        pd.Series(np.isinf(number.to_numpy()), index=number.index),
        column,
        "not a finite number",
        "Write the value as a plain number.",
    )
