"""Benchmark: build one full country report — warm in one process, and the CLI cold.

Usage: python benchmarks/bench_build.py [RELEASE_DIR] [COUNTRY]
       (default: $HRMI_DATA_DIR and KAZ, else the demo release and XDK)
Prints wall times and the file size; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportgen.build import build_country
from reportgen.load import load_release
from reportgen.style import load_style

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Time the warm in-process build (median of 5 after a warm-up) and the cold CLI."""
    hrmi = os.environ.get("HRMI_DATA_DIR")
    directory = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(hrmi) if hrmi else ROOT / "data" / "demo"
    )
    country = sys.argv[2] if len(sys.argv) > 2 else ("KAZ" if hrmi or len(sys.argv) > 1 else "XDK")
    dataset = load_release(directory)
    style = load_style()
    t0 = time.perf_counter()
    first = build_country(dataset, country, style)
    first_time = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        built = build_country(dataset, country, style)
        times.append(time.perf_counter() - t0)
    assert built.pdf == first.pdf
    print(f"release:            {directory}")
    print(f"country:            {country} ({len(built.report.charts())} charts)")
    print(f"first build:        {first_time:6.3f} s (fonts, caches, first figures)")
    print(
        f"warm build:         {statistics.median(times):6.3f} s median of {len(times)} "
        f"(min {min(times):.3f})"
    )
    print(f"file size:          {len(built.pdf) / 1024:6.1f} kB, {built.pages} pages")
    with tempfile.TemporaryDirectory() as out:
        cold = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "reportgen",
                    "build",
                    country,
                    "--data",
                    str(directory),
                    "--out",
                    out,
                ],
                check=True,
                capture_output=True,
            )
            cold.append(time.perf_counter() - t0)
    print(f"cold CLI:           {statistics.median(cold):6.3f} s median of {len(cold)}")


if __name__ == "__main__":
    main()
