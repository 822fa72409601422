"""Benchmark: what tagging (PDF/UA) costs — time and size, tagged against untagged.

Usage: python benchmarks/bench_tagging.py [RELEASE_DIR] [COUNTRY] [--compendium]
       (default: $HRMI_DATA_DIR and KAZ, else the demo release and XDK)

One report: the layout (``render_pdf``) tagged and untagged, median of 7 warm runs each, the
pass after the build (structure tree, object streams) on its own, and the file sizes. The
facts, narrative and charts are done once: they do not depend on tagging. With
``--compendium``: the whole release built twice (tagged and untagged reports, 2 processes)
and bound, with the compendium's time and size each time. Targets: +30 % time, +10 % size.
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reportgen.build
from reportgen.batch import run_batch
from reportgen.charts import render_chart
from reportgen.compendium import build_compendium
from reportgen.facts import compute_facts
from reportgen.layout import document, tagging
from reportgen.layout.document import RenderedPdf, render_pdf, text_width
from reportgen.load import load_release
from reportgen.narrative import build_report
from reportgen.style import load_style

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def _median(function: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _change(tagged: float, untagged: float) -> str:
    return f"{(tagged / untagged - 1) * 100:+.1f} %"


def report(directory: Path, country: str) -> None:
    """Time and size of one report's layout, tagged and untagged."""
    dataset = load_release(directory)
    style = load_style()
    the_report = build_report(dataset, compute_facts(dataset, country, style), style, "en")
    width = text_width(style)
    drawings = {c.id: render_chart(c.spec, style, width) for c in the_report.charts()}
    render_pdf(the_report, drawings, style)  # warm-up: fonts, caches
    untagged_time, untagged = _median(lambda: render_pdf(the_report, drawings, style, tagged=False))
    tagged_time, tagged = _median(lambda: render_pdf(the_report, drawings, style))
    # the pass after the build alone: time it by wrapping ``finish``
    spent: list[float] = []
    original = tagging.finish

    def timed(*args: Any, **kwargs: Any) -> bytes:
        t0 = time.perf_counter()
        out = original(*args, **kwargs)
        spent.append(time.perf_counter() - t0)
        return out

    document.finish = timed  # type: ignore[assignment]
    try:
        _median(lambda: render_pdf(the_report, drawings, style))
    finally:
        document.finish = original  # type: ignore[assignment]
    assert isinstance(tagged, RenderedPdf) and isinstance(untagged, RenderedPdf)
    charts = len(the_report.charts())
    print(f"release:            {directory}")
    print(f"country:            {country} ({charts} charts, {tagged.pages} pages)")
    print(f"layout untagged:    {untagged_time * 1000:7.1f} ms (median of {RUNS})")
    print(
        f"layout tagged:      {tagged_time * 1000:7.1f} ms  {_change(tagged_time, untagged_time)}"
        f"   (target ≤ +30 %)"
    )
    print(
        f"  of which pass after the build: {statistics.median(spent) * 1000:.1f} ms "
        f"({statistics.median(spent) / tagged.pages * 1000:.2f} ms per page)"
    )
    print(f"size untagged:      {len(untagged.data) / 1024:7.1f} kB")
    print(
        f"size tagged:        {len(tagged.data) / 1024:7.1f} kB  "
        f"{_change(len(tagged.data), len(untagged.data))}   (target ≤ +10 %)"
    )
    print(f"untagged drawing:   {len(tagged.untagged)} (lint; should be 0)")


def _bind(directory: Path, tagged: bool) -> tuple[float, float, int, int]:
    """Build every report (tagged or not) and the compendium; times and sizes."""
    original = reportgen.build.render_pdf

    def untagged_render(*args: Any, **kwargs: Any) -> RenderedPdf:
        return original(*args, **kwargs, tagged=False)

    if not tagged:  # the batch's worker processes are forked from here: they inherit this
        reportgen.build.render_pdf = untagged_render  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-tagging-") as tmp:
            out = Path(tmp)
            t0 = time.perf_counter()
            run_batch(directory, out, force=True)
            t1 = time.perf_counter()
            path = build_compendium(out, format="report")
            t2 = time.perf_counter()
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            summed = sum(entry["bytes"] for entry in manifest["reports"])
            return t1 - t0, t2 - t1, path.stat().st_size, summed
    finally:
        reportgen.build.render_pdf = original  # type: ignore[assignment]


def compendium(directory: Path) -> None:
    """The whole release and its compendium, untagged then tagged."""
    batch_u, book_u, size_u, sum_u = _bind(directory, tagged=False)
    batch_t, book_t, size_t, sum_t = _bind(directory, tagged=True)
    print(
        f"release batch:      untagged {batch_u:6.2f} s, tagged {batch_t:6.2f} s  "
        f"{_change(batch_t, batch_u)}   ({os.cpu_count()} cores)"
    )
    print(
        f"compendium:         untagged {book_u:6.2f} s, tagged {book_t:6.2f} s  "
        f"{_change(book_t, book_u)}"
    )
    print(
        f"compendium size:    untagged {size_u / 1e6:.2f} MB, tagged {size_t / 1e6:.2f} MB  "
        f"{_change(size_t, size_u)}; ratio to the reports {size_u / sum_u:.3f} → "
        f"{size_t / sum_t:.3f} (target ≤ 0.5)"
    )
    print(
        f"reports summed:     untagged {sum_u / 1e6:.2f} MB, tagged {sum_t / 1e6:.2f} MB  "
        f"{_change(sum_t, sum_u)}"
    )


def main() -> None:
    """Print the cost of tagging for one report (and, asked, for a whole release)."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hrmi = os.environ.get("HRMI_DATA_DIR")
    directory = Path(args[0]) if args else Path(hrmi) if hrmi else ROOT / "data" / "demo"
    country = args[1] if len(args) > 1 else ("KAZ" if hrmi or args else "XDK")
    report(directory, country)
    if "--compendium" in sys.argv:
        compendium(directory)


if __name__ == "__main__":
    main()
