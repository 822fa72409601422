"""Benchmark the charts stage: every chart of one report, ChartSpec → VectorDrawing.

Run:  .venv/bin/python benchmarks/bench_charts.py [--country XDK] [--repeat N]

Builds the report of a demo country (XDK, a Kazakhstan-like report: 24 charts of all seven
types), draws every chart once to warm up (imports, fonts, text-measurement caches, the
reused figures, the comparison bases), then draws them all ``--repeat`` times in this
process and prints the median milliseconds per chart of each type and the median total per
report. Also printed, for context: the cold first pass; the same report with the comparison
bases dropped before each chart (what a country costs when no other country of the release
was drawn before); and a second country drawn for the first time after the warm-up. Prints
figures; asserts nothing. Absolute times are noisy on shared machines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence

from reportgen.charts import render_chart, scores
from reportgen.facts import compute_facts
from reportgen.load import load_release
from reportgen.model import ChartSpec
from reportgen.narrative import build_report
from reportgen.resources import demo_data_dir
from reportgen.style import Style, load_style

WIDTH = 482.0  # the A4 text column


def _specs(country: str, style: Style) -> list[ChartSpec]:
    dataset = load_release(demo_data_dir())
    report = build_report(dataset, compute_facts(dataset, country, style), style)
    return [chart.spec for chart in report.charts()]


def _pass(
    specs: Sequence[ChartSpec], style: Style, drop_bases: bool = False
) -> tuple[float, dict[str, list[float]]]:
    """Draw every chart once: (total ms, ms per chart by type)."""
    per_type: dict[str, list[float]] = defaultdict(list)
    start = time.perf_counter()
    for spec in specs:
        if drop_bases:
            scores._BASES.clear()
        t0 = time.perf_counter()
        render_chart(spec, style, WIDTH)
        per_type[type(spec).__name__].append((time.perf_counter() - t0) * 1000)
    return (time.perf_counter() - start) * 1000, per_type


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run the passes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="XDK", help="demo country code (default XDK)")
    parser.add_argument("--other", default="XAQ", help="a second country, drawn cold once")
    parser.add_argument("--repeat", type=int, default=15, help="warm passes (default 15)")
    args = parser.parse_args(argv)

    style = load_style("base")
    specs = _specs(args.country, style)
    other = _specs(args.other, style)

    cold_total, _ = _pass(specs, style)
    totals: list[float] = []
    per_type: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        total, times = _pass(specs, style)
        totals.append(total)
        for kind, values in times.items():
            per_type[kind].extend(values)
    uncached = [_pass(specs, style, drop_bases=True)[0] for _ in range(max(3, args.repeat // 3))]
    other_total, _ = _pass(other, style)

    counts: dict[str, int] = defaultdict(int)
    for spec in specs:
        counts[type(spec).__name__] += 1
    print(
        f"Charts of {args.country}: {len(specs)}, width {WIDTH:.0f} pt, {args.repeat} warm passes"
    )
    print(f"{'chart type':<16} {'count':>5} {'median ms':>10} {'max ms':>8}")
    for kind in sorted(per_type, key=lambda k: -statistics.median(per_type[k]) * counts[k]):
        values = per_type[kind]
        print(
            f"{kind:<16} {counts[kind]:>5} {statistics.median(values):>10.2f} {max(values):>8.2f}"
        )
    print(f"total per report, warm (median): {statistics.median(totals):7.1f} ms")
    print(f"  without comparison bases:      {statistics.median(uncached):7.1f} ms")
    print(f"  first pass in this process:    {cold_total:7.1f} ms (imports excluded)")
    print(f"  {args.other}, first time, warm process: {other_total:7.1f} ms")


if __name__ == "__main__":
    main()
