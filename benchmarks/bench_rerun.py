"""Benchmark: an unchanged re-run of a batch, as a user runs it (the CLI, compendium included).

Usage: python benchmarks/bench_rerun.py [RELEASE_DIR] [--runs N]
       (default: the demo release, 5 runs)
Builds the release once into a fresh temporary directory (``reportgen batch --data DIR --out
TMP``: every report and the compendium), then times N re-runs of the same command with
nothing changed, each a new process, and prints each run, the median and the minimum, and
how many PDFs the re-runs wrote again (0 expected: reports and compendium alike, told by
their modification times). Target on 2 cores: median ≤ 1 s (issue 18). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _batch(release: Path, out: Path) -> float:
    """Run ``reportgen batch`` once; return its wall time."""
    command = [
        sys.executable,
        "-m",
        "reportgen",
        "batch",
        "--data",
        str(release),
        "--out",
        str(out),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"reportgen batch failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds


def _stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}


def main() -> None:
    """Build once, time the unchanged re-runs, print the figures."""
    parser = argparse.ArgumentParser(description="Time unchanged re-runs of a batch.")
    parser.add_argument("release", nargs="?", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    release = args.release.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        out = Path(tmp)
        first = _batch(release, out)
        before = _stamps(out)
        times = [_batch(release, out) for _ in range(args.runs)]
        after = _stamps(out)
    rewritten = sorted(name for name in after if before.get(name) != after[name])
    print(f"release:          {release}")
    print(f"first build:      {first:6.2f} s   ({len(before)} PDFs, {os.cpu_count()} cores)")
    print(f"unchanged re-run: {'  '.join(f'{t:.2f}' for t in times)} s")
    print(f"median:           {statistics.median(times):6.2f} s   (issue 18: ≤ 1 s on 2 cores)")
    print(f"minimum:          {min(times):6.2f} s")
    print(f"PDFs rewritten:   {len(rewritten)} {' '.join(rewritten[:5])}")


if __name__ == "__main__":
    main()
