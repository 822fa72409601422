"""Benchmark: validate a release whose score file was pasted in again and again (2 M duplicates).

Usage: python benchmarks/bench_validate.py [RELEASE_DIR] [--file cpr|esr] [--rows N]
       (default: $HRMI_DATA_DIR, else data/demo; the civil and political file; 2,000,000)
Copies the release to a temporary folder, appends N rows to the chosen file (its own rows,
repeated in order, so every one is a duplicate), then times ``load_release`` on the clean
copy and on the broken one, as `reportgen validate` runs it. Prints the wall times, the
error count (it must be N: every duplicate counted, not the first 200) and the peak RSS.
Target on 2 cores: ≤ 15 s for 2,000,000 duplicated rows. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from reportgen.errors import DataValidationError
from reportgen.load import load_release

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = {"cpr": "cpr-scores*.csv", "esr": "esr-scores*.csv"}


def _peak_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _paste(path: Path, extra: int) -> int:
    """Append ``extra`` of the file's own rows (repeated in order); return the rows in all."""
    data = path.read_bytes()
    _, *rows = data.splitlines(keepends=True)
    ended = data.endswith(b"\n")
    if not ended:
        rows[-1] += b"\n"
    repeats, rest = divmod(extra, len(rows))
    with path.open("ab") as fh:
        fh.write(b"" if ended else b"\n")
        block = b"".join(rows)
        for _ in range(repeats):
            fh.write(block)
        fh.write(b"".join(rows[:rest]))
    return len(rows) + extra


def _validate(directory: Path) -> tuple[float, int, int]:
    """Seconds to validate, errors counted, problems listed."""
    start = time.perf_counter()
    try:
        load_release(directory)
    except DataValidationError as exc:
        return time.perf_counter() - start, exc.error_count, len(exc.problems)
    return time.perf_counter() - start, 0, 0


def main() -> None:
    """Time the validation of a clean and of a pasted-twice release; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    hrmi = os.environ.get("HRMI_DATA_DIR")
    parser.add_argument("release", nargs="?", default=hrmi or str(ROOT / "data" / "demo"))
    parser.add_argument("--file", choices=sorted(PATTERNS), default="cpr")
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        directory = Path(tmp) / "release"
        shutil.copytree(args.release, directory)
        clean_time, clean_errors, _ = _validate(directory)
        path = sorted(directory.glob(PATTERNS[args.file]))[0]
        total = _paste(path, args.rows)
        size = path.stat().st_size / 1e6
        broken_time, errors, listed = _validate(directory)
    print(f"release:              {args.release}")
    print(f"clean validation:     {clean_time:6.2f} s   ({clean_errors} errors)")
    print(
        f"pasted file:          {path.name}, {total:,} rows, {size:.0f} MB, {os.cpu_count()} cores"
    )
    print(f"validation:           {broken_time:6.2f} s   (target ≤ 15 s)")
    print(
        f"errors counted:       {errors:,} of {args.rows:,} duplicated rows "
        f"({'right' if errors == args.rows else 'WRONG'}); {listed} problems listed"
    )
    print(f"peak RSS:             {_peak_mb():6.0f} MB")


if __name__ == "__main__":
    main()
