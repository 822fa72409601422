"""Profiles against full reports: time, pages and size, for every country of a release.

Usage: python benchmarks/bench_profiles.py [--data RELEASE_DIR] [--lang en,fr,es,pt]
       (default data: $HRMI_DATA_DIR, else the demo release; default languages: en)
Builds, in one process and one language at a time, every country's full report and then its
profile (warm: fonts, codebooks and the release loaded once beforehand), and prints per
language the wall time of each, their ratio (issue 15's target: profiles in under half the
time), pages and bytes in total, and any profile over two pages. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.build import build_country, build_profile  # noqa: E402
from reportgen.errors import NoDataError  # noqa: E402
from reportgen.load import load_release  # noqa: E402
from reportgen.style import load_style  # noqa: E402


def main() -> None:
    """Print the figures of the release and languages asked for."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    hrmi = os.environ.get("HRMI_DATA_DIR")
    data = args.data or (Path(hrmi) if hrmi else ROOT / "data" / "demo")
    dataset = load_release(data)
    style = load_style("base")
    codes = sorted(dataset.countries["country"])
    build_country(dataset, "KAZ" if "KAZ" in codes else codes[0], style)  # warm-up
    print(f"{data}: {len(codes)} countries")
    print(f"{'lang':5} {'kind':8} {'files':>5} {'seconds':>8} {'pages':>6} {'MB':>7}")
    for language in args.lang.split(","):
        figures: dict[str, tuple[int, float, int, int]] = {}
        over: list[str] = []
        for kind, build in (("report", build_country), ("profile", build_profile)):
            files = pages = size = 0
            start = time.perf_counter()
            for code in codes:
                try:
                    built = build(dataset, code, style, language)
                except NoDataError:
                    continue
                files += 1
                pages += built.pages
                size += len(built.pdf)
                if kind == "profile" and built.pages > 2:
                    over.append(code)
            seconds = time.perf_counter() - start
            figures[kind] = (files, seconds, pages, size)
            print(f"{language:5} {kind:8} {files:5d} {seconds:8.1f} {pages:6d} {size / 1e6:7.1f}")
        ratio = figures["profile"][1] / figures["report"][1]
        print(
            f"{language:5} profiles take {ratio:.2f} of the reports' time; over two pages: {over}"
        )


if __name__ == "__main__":
    main()
