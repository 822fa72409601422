"""Benchmark: a whole release — every country's report (process pool), then the compendium.

Usage: python benchmarks/bench_release.py [RELEASE_DIR] [--format report|profile]
       (default: $HRMI_DATA_DIR, else the demo release; the full reports)
Builds into a fresh temporary directory (everything rebuilt), then binds the compendium of
that format (the book of full reports, or the book of profiles). Prints the wall time of each
part and in total, peak RSS of this process and of the largest worker, the book's pages per
country and its size against the summed sizes of its parts. Targets on 2 cores: all reports
+ compendium ≤ 10 s (issue 18; it was 30 s), peak RSS ≤ 1 GB (≤ 600 MB in total: issue 18), size ratio ≤ 0.5; the book of profiles ≤ 2.3 pages per
country. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

from pypdf import PdfReader

from reportgen.batch import run_batch
from reportgen.compendium import build_compendium

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb(who: int) -> float:
    """Peak resident set size in MB (Linux reports kilobytes)."""
    return resource.getrusage(who).ru_maxrss / 1024


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants now, in MB (Linux /proc; else 0)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            tasks = Path(f"/proc/{current}/task").iterdir()
            for task in tasks:
                stack += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


class _TreePeak:
    """The peak of ``_tree_rss_mb`` of this process, sampled every 20 ms while it runs."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))

    def __enter__(self) -> _TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    """Time the batch and the compendium of one release; print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("release", nargs="?", type=Path)
    parser.add_argument("--format", choices=("report", "profile"), default="report")
    args = parser.parse_args()
    hrmi = os.environ.get("HRMI_DATA_DIR")
    directory = args.release or (Path(hrmi) if hrmi else ROOT / "data" / "demo")
    fmt = args.format
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        with _TreePeak() as tree:
            result = run_batch(directory, out, force=True, formats=(fmt,))
            t1 = time.perf_counter()
            batch_peak = _peak_mb(resource.RUSAGE_SELF)
            path = build_compendium(out, format=fmt)
            t2 = time.perf_counter()
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        summed = sum(entry["bytes"] for entry in manifest["reports"])
        pages = sum(entry["pages"] for entry in manifest["reports"])
        size = path.stat().st_size
        with path.open("rb") as fh:
            book_pages = len(PdfReader(fh).pages)
    countries = len(manifest["reports"])
    print(f"release:              {directory}")
    print(
        f"{fmt + 's:':21} {result.count('built')} built, {result.count('failed')} failed, "
        f"{result.count('no data')} without data; {pages} pages, {os.cpu_count()} cores"
    )
    print(f"batch:                {t1 - t0:6.2f} s")
    print(f"compendium:           {t2 - t1:6.2f} s")
    print(f"total:                {t2 - t0:6.2f} s   (issue 18: ≤ 10 s on 2 cores)")
    print(
        f"peak RSS:             {_peak_mb(resource.RUSAGE_SELF):6.0f} MB this process "
        f"({batch_peak:.0f} MB before the compendium), "
        f"{_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB largest worker   (target ≤ 1024 MB)"
    )
    print(
        f"peak RSS in total:    {tree.peak:6.0f} MB, this process and its workers together, "
        "sampled every 20 ms   (issue 18: ≤ 600 MB)"
    )
    print(
        f"size:                 compendium {size / 1e6:.2f} MB, its {fmt}s {summed / 1e6:.2f} MB, "
        f"ratio {size / summed:.3f}   (target ≤ 0.5)"
    )
    print(
        f"book:                 {book_pages} pages, {book_pages / countries:.2f} per country"
        + ("   (target ≤ 2.3)" if fmt == "profile" else "")
    )


if __name__ == "__main__":
    main()
