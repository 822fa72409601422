"""Benchmark: load a release and compute the facts of every country (in one fresh process).

Usage: python benchmarks/bench_facts.py [RELEASE_DIR]   (default: $HRMI_DATA_DIR, else data/demo)
Prints wall times; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

T0 = time.perf_counter()

from reportgen.facts import compute_facts  # noqa: E402
from reportgen.load import load_release  # noqa: E402
from reportgen.style import load_style  # noqa: E402


def main() -> None:
    """Time import, load and facts; print one line each."""
    imported = time.perf_counter()
    default = os.environ.get("HRMI_DATA_DIR") or str(Path(__file__).parent.parent / "data" / "demo")
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    dataset = load_release(directory)
    loaded = time.perf_counter()
    style = load_style()
    codes = dataset.country_codes()
    for code in codes:
        compute_facts(dataset, code, style)
    done = time.perf_counter()
    print(f"release:        {directory}")
    print(f"imports:        {imported - T0:6.2f} s")
    print(f"load+validate:  {loaded - imported:6.2f} s")
    print(
        f"facts:          {done - loaded:6.2f} s for {len(codes)} countries "
        f"({(done - loaded) / len(codes) * 1000:.1f} ms each)"
    )
    print(f"total:          {done - T0:6.2f} s")


if __name__ == "__main__":
    main()
