"""Benchmark the vector route: matplotlib Figure → VectorDrawing → reportlab page.

Run:  .venv/bin/python benchmarks/bench_vector_route.py [--repeat N]

Prints, for three chart types (30 bars with error bars and a highlight; an 11-year line with
a band and a legend; 10 bars with rotated labels), the median milliseconds per chart for
  (a) the reused-figure route: one figure per chart type, only data/labels/limits change,
      then record + replay onto a PDF page (the route the report builder uses);
  (b) a new Figure per chart, then record + replay (what reuse saves);
  (c) matplotlib's own PDF backend on the same reused figure (savefig only, nothing
      embedded: a lower bound for any "matplotlib PDF → embed" route);
and the size and build time of an A4 document with 10 charts. Prints figures; asserts
nothing. Absolute times are noisy on shared machines: compare ratios.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer

from reportgen.charts import new_figure, record
from reportgen.layout._fonts import register_fonts
from reportgen.layout._replay import VectorFlowable, draw_vector

COUNTRIES = [
    "Côte d'Ivoire",
    "Türkiye",
    "São Tomé and Príncipe",
    "Curaçao",
    "Réunion",
    "Åland",
    "Ísland",
    "Łódź Province",
    "Việt Nam",
    "Bosnia and Herzegovina",
    "Guinea-Bissau",
    "Timor-Leste",
    "Ελλάδα",
    "Україна",
    "Österreich",
    "Luxembourg",
    "Moçambique",
    "Perú",
    "México",
    "Panamá",
    "Norway",
    "Chile",
    "Kenya",
    "Ghana",
    "Nepal",
    "Fiji",
    "Samoa",
    "Tonga",
    "Zambia",
    "Malawi",
    "Brazil",
    "Japan",
    "Jordan",
    "Liberia",
    "Mexico",
]
GROUPS = [
    "Human-rights defenders",
    "Journalists",
    "Indigenous peoples",
    "LGBTQIA+ people",
    "Refugees & asylum seekers",
    "People with disabilities",
    "Women and girls",
    "Ethnic minorities",
    "Religious minorities",
    "Low social status",
]
GREY, RED = "#9aa5b1", "#c0392b"


class Chart(Protocol):
    figure: Figure

    def update(self, rng: np.random.Generator, country: str) -> None: ...


class Bars:
    """30 horizontal bars with error bars; the report's country highlighted."""

    n = 30

    def __init__(self) -> None:
        self.figure = new_figure(468, 540)
        ax = self.ax = self.figure.add_axes((0.34, 0.08, 0.62, 0.86))
        y = np.arange(self.n)
        self.bars: BarContainer = ax.barh(
            y,
            np.ones(self.n),
            xerr=np.ones(self.n),
            color=GREY,
            height=0.7,
            error_kw={"ecolor": "#333333", "elinewidth": 0.8, "capsize": 2},
        )
        errorbar = self.bars.errorbar
        assert errorbar is not None
        _, self.caps, (self.whiskers,) = errorbar.lines
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, self.n - 0.4)
        ax.set_xlabel("Score (% of the benchmark)", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        self.title = ax.set_title("", fontsize=10, fontweight="bold")

    def update(self, rng: np.random.Generator, country: str) -> None:
        names = list(rng.choice(COUNTRIES, self.n, replace=False))
        if country not in names:
            names[rng.integers(self.n)] = country
        values = np.sort(rng.uniform(30, 95, self.n))
        err = rng.uniform(2, 6, self.n)
        y = np.arange(self.n)
        for rect, name, value in zip(self.bars.patches, names, values, strict=True):
            rect.set_width(value)
            rect.set_facecolor(RED if name == country else GREY)
        self.whiskers.set_segments(
            [[(v - e, i), (v + e, i)] for i, v, e in zip(y, values, err, strict=True)]
        )
        lower, upper = self.caps
        lower.set_data(values - err, y)
        upper.set_data(values + err, y)
        self.ax.set_yticks(y, names)
        for label in self.ax.get_yticklabels():
            label.set_fontweight("bold" if label.get_text() == country else "normal")
        self.title.set_text(f"Quality of life around {country}, 2024")


class Line:
    """An 11-year line with a shaded uncertainty band and a legend."""

    def __init__(self) -> None:
        self.years = np.arange(2014, 2025)
        self.figure = new_figure(468, 252)
        ax = self.ax = self.figure.add_axes((0.1, 0.14, 0.86, 0.74))
        zeros = np.zeros(len(self.years))
        self.band = ax.fill_between(
            self.years,
            zeros,
            zeros,
            color="#2e86c1",
            alpha=0.25,
            linewidth=0,
            label="80% credible interval",
        )
        (self.line,) = ax.plot(
            self.years, zeros, color="#1b4f72", marker="o", markersize=3, label="Country"
        )
        self.average = ax.axhline(
            60, color="#7f8c8d", linestyle="--", linewidth=0.8, label="Regional average"
        )
        ax.set_xlim(2013.5, 2024.5)
        ax.set_xticks(self.years, [str(y) for y in self.years], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", color="#e5e7e9", linewidth=0.6)
        self.legend = ax.legend(loc="lower left", fontsize=7, frameon=False, ncols=3)
        self.title = ax.set_title("", fontsize=10, fontweight="bold")

    def update(self, rng: np.random.Generator, country: str) -> None:
        mean = rng.uniform(50, 80) + rng.normal(0, 3, len(self.years)).cumsum()
        half = rng.uniform(3, 8, len(self.years))
        self.line.set_ydata(mean)
        self.band.set_data(self.years, mean - half, mean + half)
        self.average.set_ydata([rng.uniform(45, 75)] * 2)
        # relim() ignores collections (the band): set the limits explicitly.
        self.ax.set_ylim(
            max(0.0, float((mean - half).min()) - 10), min(100.0, float((mean + half).max()) + 10)
        )
        self.legend.get_texts()[1].set_text(country)
        self.title.set_text(f"Right to food — {country}, 2014–2024")


class Rotated:
    """10 labelled bars with rotated category labels."""

    def __init__(self) -> None:
        n = len(GROUPS)
        self.figure = new_figure(468, 288)
        ax = self.ax = self.figure.add_axes((0.1, 0.42, 0.86, 0.5))
        self.bars = ax.bar(np.arange(n), np.ones(n), color="#16a085")
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share of experts (%)", fontsize=8)
        self.labels = [ax.text(i, 0, "", ha="center", fontsize=7) for i in range(n)]
        self.title = ax.set_title("", fontsize=10, fontstyle="italic")

    def update(self, rng: np.random.Generator, country: str) -> None:
        groups = list(rng.permutation(GROUPS))
        values = rng.uniform(10, 90, len(groups))
        for rect, label, value in zip(self.bars.patches, self.labels, values, strict=True):
            rect.set_height(value)
            label.set_y(value + 2)
            label.set_text(f"{value:.0f}%")
        self.ax.set_xticks(
            np.arange(len(groups)),
            groups,
            rotation=40,
            ha="right",
            rotation_mode="anchor",
            fontsize=7.5,
        )
        self.title.set_text(f"Safety from the state in {country}, by group at risk")


CHARTS: dict[str, Callable[[], Chart]] = {"bars": Bars, "line": Line, "rotated": Rotated}


def _median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def bench_reused(make: Callable[[], Chart], repeat: int) -> dict[str, float]:
    """One figure, updated per country; record + replay onto a page of a running canvas."""
    fonts = register_fonts()
    chart = make()
    rng = np.random.default_rng(1)
    canvas = Canvas(io.BytesIO(), invariant=1, initialFontName=fonts.regular)
    update_t: list[float] = []
    record_t: list[float] = []
    replay_t: list[float] = []
    total_t: list[float] = []
    first = 0.0
    for i in range(repeat + 3):
        t0 = time.perf_counter()
        chart.update(rng, COUNTRIES[i % len(COUNTRIES)])
        t1 = time.perf_counter()
        drawing = record(chart.figure)
        t2 = time.perf_counter()
        canvas.setPageSize((drawing.width, drawing.height))
        draw_vector(canvas, drawing, 0, 0, fonts)
        canvas.showPage()
        t3 = time.perf_counter()
        if i == 0:
            first = t3 - t0
        if i >= 3:  # warm-up: caches filled, as in a worker after its first report
            update_t.append(t1 - t0)
            record_t.append(t2 - t1)
            replay_t.append(t3 - t2)
            total_t.append(t3 - t0)
    t0 = time.perf_counter()
    canvas.save()
    save_per_chart = (time.perf_counter() - t0) / (repeat + 3)
    return {
        "first": first * 1000,
        "update": _median_ms(update_t),
        "record": _median_ms(record_t),
        "replay": _median_ms(replay_t),
        "save/chart": save_per_chart * 1000,
        "total": _median_ms(total_t) + save_per_chart * 1000,
        "ops": float(len(drawing.ops)),
    }


def bench_new_figure(make: Callable[[], Chart], repeat: int) -> float:
    """A new Figure per chart (no reuse), then record + replay."""
    fonts = register_fonts()
    rng = np.random.default_rng(1)
    canvas = Canvas(io.BytesIO(), invariant=1, initialFontName=fonts.regular)
    samples = []
    for i in range(repeat):
        t0 = time.perf_counter()
        chart = make()
        chart.update(rng, COUNTRIES[i % len(COUNTRIES)])
        drawing = record(chart.figure)
        canvas.setPageSize((drawing.width, drawing.height))
        draw_vector(canvas, drawing, 0, 0, fonts)
        canvas.showPage()
        samples.append(time.perf_counter() - t0)
    return _median_ms(samples)


def bench_matplotlib_pdf(make: Callable[[], Chart], repeat: int) -> float:
    """matplotlib's PDF backend on the reused figure (savefig only, no embedding)."""
    chart = make()
    rng = np.random.default_rng(1)
    samples = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        chart.update(rng, COUNTRIES[i % len(COUNTRIES)])
        chart.figure.savefig(io.BytesIO(), format="pdf", metadata={"CreationDate": None})
        if i:
            samples.append(time.perf_counter() - t0)
    return _median_ms(samples)


def bench_document(n_charts: int = 10) -> tuple[int, float, float]:
    """An A4 document with ``n_charts`` charts; returns (bytes, record ms, build ms)."""
    fonts = register_fonts()
    charts = {name: make() for name, make in CHARTS.items()}
    rng = np.random.default_rng(2)
    t0 = time.perf_counter()
    story: list[object] = []
    names = list(charts)
    for i in range(n_charts):
        chart = charts[names[i % len(names)]]
        chart.update(rng, COUNTRIES[i])
        story += [VectorFlowable(record(chart.figure), width=A4[0] - 144), Spacer(1, 12)]
    t1 = time.perf_counter()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, invariant=1, initialFontName=fonts.regular)
    doc.multiBuild(story)
    t2 = time.perf_counter()
    return len(buf.getvalue()), (t1 - t0) * 1000, (t2 - t1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed charts per type")
    args = parser.parse_args()
    t0 = time.perf_counter()
    register_fonts()
    print(f"font registration (once per process): {(time.perf_counter() - t0) * 1000:.0f} ms")
    print(f"\nms per chart, median of {args.repeat} (after 3 warm-up charts)")
    header = (
        f"{'chart':<8} {'ops':>5} {'first':>7} {'update':>7} {'record':>7} "
        f"{'replay':>7} {'save':>6} {'(a) reused':>11} {'(b) new fig':>12} "
        f"{'(c) mpl PDF':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, make in CHARTS.items():
        r = bench_reused(make, args.repeat)
        new = bench_new_figure(make, max(5, args.repeat // 3))
        mpl_pdf = bench_matplotlib_pdf(make, max(5, args.repeat // 3))
        print(
            f"{name:<8} {r['ops']:>5.0f} {r['first']:>7.1f} {r['update']:>7.1f} "
            f"{r['record']:>7.1f} {r['replay']:>7.2f} {r['save/chart']:>6.2f} "
            f"{r['total']:>11.1f} {new:>12.1f} {mpl_pdf:>12.1f}"
        )
    size, record_ms, build_ms = bench_document(10)
    print(
        f"\nA4 document with 10 charts: {size / 1024:.1f} kB; update+record {record_ms:.0f} ms, "
        f"multiBuild {build_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
