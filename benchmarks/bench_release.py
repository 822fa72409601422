"""Benchmark: a whole release — every country's report (process pool), then the compendium.

Usage: python benchmarks/bench_release.py [RELEASE_DIR]
       (default: $HRMI_DATA_DIR, else the demo release)
Builds into a fresh temporary directory (everything rebuilt), then binds the compendium.
Prints the wall time of each part and in total, peak RSS of this process and of the largest
worker, and the compendium's size against the summed sizes of the reports. Targets on
2 cores: all reports + compendium ≤ 30 s, peak RSS ≤ 1 GB, size ratio ≤ 0.5. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from reportgen.batch import run_batch
from reportgen.compendium import build_compendium

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb(who: int) -> float:
    """Peak resident set size in MB (Linux reports kilobytes)."""
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    """Time the batch and the compendium of one release; print the figures."""
    hrmi = os.environ.get("HRMI_DATA_DIR")
    if len(sys.argv) > 1:
        directory = Path(sys.argv[1])
    else:
        directory = Path(hrmi) if hrmi else ROOT / "data" / "demo"
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        result = run_batch(directory, out, force=True)
        t1 = time.perf_counter()
        batch_peak = _peak_mb(resource.RUSAGE_SELF)
        path = build_compendium(out)
        t2 = time.perf_counter()
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        summed = sum(entry["bytes"] for entry in manifest["reports"])
        pages = sum(entry["pages"] for entry in manifest["reports"])
        size = path.stat().st_size
    print(f"release:              {directory}")
    print(
        f"reports:              {result.count('built')} built, {result.count('failed')} failed, "
        f"{result.count('no data')} without data; {pages} pages, {os.cpu_count()} cores"
    )
    print(f"batch:                {t1 - t0:6.2f} s")
    print(f"compendium:           {t2 - t1:6.2f} s")
    print(f"total:                {t2 - t0:6.2f} s   (target ≤ 30 s on 2 cores)")
    print(
        f"peak RSS:             {_peak_mb(resource.RUSAGE_SELF):6.0f} MB this process "
        f"({batch_peak:.0f} MB before the compendium), "
        f"{_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB largest worker   (target ≤ 1024 MB)"
    )
    print(
        f"size:                 compendium {size / 1e6:.2f} MB, reports {summed / 1e6:.2f} MB, "
        f"ratio {size / summed:.3f}   (target ≤ 0.5)"
    )


if __name__ == "__main__":
    main()
