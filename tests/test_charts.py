"""The charts stage: ChartSpec + Style + width → VectorDrawing, checked as a reader sees it.

Every chart of several demo countries, and hand-made edge cases (one row; 45 and 60 countries
with the longest names; scores 0 and 10; bands and uncertainty beyond the axis; no global-best
score; one survey year; a word cloud of 34 long groups), must:
  show its title, axis label and source, and every value label a reader expects (computed here
  from the spec, with the narrative's own number format, not copied from the drawing);
  keep every text box and path inside the drawing; let no two text boxes overlap;
  use only the style's colours; stay within the height limit; be identical when drawn again.
A few charts are replayed into a PDF and rendered with pypdfium2 (PNG files under the test's
temporary directory) to check the text survives as searchable text.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from itertools import combinations, pairwise
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Spacer

from reportgen.charts import MAX_HEIGHT, render_chart
from reportgen.charts._record import _measure
from reportgen.facts import compute_facts
from reportgen.layout._fonts import register_fonts
from reportgen.layout._replay import VectorFlowable
from reportgen.load import Dataset
from reportgen.model import (
    AtRiskChart,
    BandScaleSpec,
    ChartSpec,
    ChartTexts,
    ComparisonChart,
    EsrRightItem,
    EsrRightsChart,
    EsrTrendChart,
    HeadlineChart,
    HeadlineItem,
    RangeItem,
    RightsChart,
    ShareItem,
    TrendChart,
    TrendSeries,
)
from reportgen.narrative import build_report
from reportgen.style import BAND_NAMES, BandName, Style, load_style
from reportgen.vector import PathOp, TextOp, VectorDrawing
from tests.independent import printed_pct, printed_score, printed_share

A4_WIDTH = 482.0
LETTER_WIDTH = 499.0
TOLERANCE = 0.5  # points
COUNTRIES = ("XDK", "XAQ", "XGF", "XBQ", "XEZ", "XFT", "XAT")
LONG_NAMES = (
    "Federated Isles of Saint Amaranth and the Grenadas",
    "Democratic Republic of the Congo",
    "Saint Vincent and the Grenadines",
    "Federated States of Micronesia",
    "Commonwealth of the Northern Halcyon Isles",
    "São Tomé and Príncipe",
    "Côte d'Ivoire",
    "Bosnia and Herzegovina",
)
SOURCE = "Source: Human Rights Measurement Initiative (HRMI) 2025 Rights Tracker"
BAND_LABELS: dict[BandName, str] = {
    "very_bad": "very bad",
    "bad": "bad",
    "fair": "fair",
    "good": "good",
}
CPR = BandScaleSpec(
    (("very_bad", 0.0, 3.5), ("bad", 3.5, 6.0), ("fair", 6.0, 8.0), ("good", 8.0, 10.0)),
    10.0,
    "/10",
)
ESR = BandScaleSpec(
    (("very_bad", 0.0, 75.0), ("bad", 75.0, 85.0), ("fair", 85.0, 95.0), ("good", 95.0, 100.0)),
    100.0,
    "%",
)


# --- reading a drawing ------------------------------------------------------------------------


def text_box(op: TextOp) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a text's ink, measured as the recorder measures it, rotated."""
    w, h, d = _measure(op.text, op.font, op.size)
    corners = [(0.0, -d), (w, -d), (w, h - d), (0.0, h - d)]
    a = math.radians(op.angle)
    cos, sin = math.cos(a), math.sin(a)
    xs = [op.x + cx * cos - cy * sin for cx, cy in corners]
    ys = [op.y + cx * sin + cy * cos for cx, cy in corners]
    return min(xs), min(ys), max(xs), max(ys)


def texts_of(drawing: VectorDrawing) -> list[TextOp]:
    return [op for op in drawing.ops if isinstance(op, TextOp)]


def joined(drawing: VectorDrawing) -> str:
    """Every string of the drawing in drawing order, one space apart (wrapped lines rejoin)."""
    return " ".join(drawing.texts())


def overlaps(drawing: VectorDrawing) -> list[tuple[str, str]]:
    boxes = [(op.text, text_box(op)) for op in texts_of(drawing)]
    found = []
    for (s1, a), (s2, b) in combinations(boxes, 2):
        dx = min(a[2], b[2]) - max(a[0], b[0])
        dy = min(a[3], b[3]) - max(a[1], b[1])
        if dx > TOLERANCE and dy > TOLERANCE:
            found.append((s1, s2))
    return found


def outside(drawing: VectorDrawing) -> list[str]:
    """Texts and paths that reach outside [0, width] x [0, height]."""
    w, h, t = drawing.width, drawing.height, TOLERANCE
    bad = []
    for op in drawing.ops:
        if isinstance(op, TextOp):
            x0, y0, x1, y1 = text_box(op)
            if x0 < -t or y0 < -t or x1 > w + t or y1 > h + t:
                bad.append(f"text {op.text!r} at {(round(x0, 1), round(y0, 1))}")
        elif isinstance(op, PathOp):
            for seg in op.segments:
                for x, y in seg.points:
                    if x < -t or y < -t or x > w + t or y > h + t:
                        bad.append(f"path point {(round(x, 1), round(y, 1))}")
    return bad


def style_rgbs(style: Style) -> set[tuple[float, float, float]]:
    c = style.colors
    named = [c.text, c.muted, c.accent, c.accent_light, c.rule, c.highlight, c.panel]
    named += [c.illustrative, c.others, c.global_best, *c.band.values()]
    return {col.rgb for col in named}


def foreign_colours(drawing: VectorDrawing, style: Style) -> set[tuple[float, float, float]]:
    allowed = style_rgbs(style)

    def known(rgb: tuple[float, float, float]) -> bool:
        return any(all(abs(a - b) < 1e-6 for a, b in zip(rgb, k, strict=True)) for k in allowed)

    found = set()
    for op in drawing.ops:
        colours = [op.color] if isinstance(op, TextOp) else []
        if isinstance(op, PathOp):
            colours = [c for c in (op.fill, op.stroke) if c is not None]
        for rgba in colours:
            rgb = (rgba[0], rgba[1], rgba[2])
            if not known(rgb):
                found.add(rgb)
    return found


def expected_values(spec: ChartSpec) -> list[str]:
    """The value labels a reader must find on the chart (printed as the independent checker
    prints them: half away from zero, band-safe decimals)."""
    if isinstance(spec, HeadlineChart):
        return [i.value_text for i in spec.items]
    if isinstance(spec, RightsChart):
        return [printed_score(i.mean) for i in spec.items]
    if isinstance(spec, ComparisonChart):
        return [printed_score(i.mean) for i in spec.items if i.label == spec.highlight]
    if isinstance(spec, TrendChart):
        return [printed_score(s.mean[-1]) for s in spec.series]
    if isinstance(spec, EsrTrendChart):
        return [printed_pct(v[-1]) + "%" for v in (spec.income_adjusted, spec.global_best) if v]
    if isinstance(spec, EsrRightsChart):
        keys = ("female", "male") if spec.by_sex else ("income_adjusted", "global_best")
        return [
            printed_pct(getattr(i, k)) + "%"
            for i in spec.items
            for k in keys
            if getattr(i, k) is not None
        ]
    return [f"{printed_share(b.share)}%" for b in spec.bars]


def assert_reads_well(spec: ChartSpec, drawing: VectorDrawing, style: Style, width: float) -> None:
    """Everything a reader must see is there, nothing collides or spills, style colours only."""
    name = type(spec).__name__
    assert drawing.width == pytest.approx(width)
    assert 40 < drawing.height <= MAX_HEIGHT, f"{name}: height {drawing.height:.0f}"
    words = joined(drawing)
    texts = drawing.texts()
    assert spec.texts.title in words, f"{name}: title missing"
    assert spec.texts.source in words, f"{name}: source missing"
    if spec.texts.axis:
        assert spec.texts.axis in texts, f"{name}: axis label missing"
    for value in expected_values(spec):
        assert value in texts, f"{name}: value label {value!r} missing from {texts}"
    assert not overlaps(drawing), f"{name}: overlapping texts {overlaps(drawing)}"
    assert not outside(drawing), f"{name}: outside the drawing {outside(drawing)[:5]}"
    assert not foreign_colours(drawing, style), f"{name}: colours not in the style"


# --- the demo release --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_specs(demo: Dataset, style: Style) -> dict[str, list[ChartSpec]]:
    out = {}
    for code in COUNTRIES:
        report = build_report(demo, compute_facts(demo, code, style), style)
        out[code] = [c.spec for c in report.charts()]
    return out


@pytest.mark.parametrize("code", COUNTRIES)
def test_demo_charts_read_well(
    code: str, demo_specs: dict[str, list[ChartSpec]], style: Style
) -> None:
    specs = demo_specs[code]
    assert specs
    for spec in specs:
        assert_reads_well(spec, render_chart(spec, style, A4_WIDTH), style, A4_WIDTH)


def test_letter_width_and_theme(demo_specs: dict[str, list[ChartSpec]]) -> None:
    slate = load_style("letter-slate")
    for spec in demo_specs["XFT"]:
        assert_reads_well(spec, render_chart(spec, slate, LETTER_WIDTH), slate, LETTER_WIDTH)


def test_every_chart_type_is_covered(demo_specs: dict[str, list[ChartSpec]]) -> None:
    kinds = {type(s) for specs in demo_specs.values() for s in specs}
    assert kinds == {
        HeadlineChart,
        RightsChart,
        ComparisonChart,
        TrendChart,
        EsrTrendChart,
        EsrRightsChart,
        AtRiskChart,
    }


def test_comparison_highlights_the_country(
    demo_specs: dict[str, list[ChartSpec]], style: Style
) -> None:
    for specs in demo_specs.values():
        for spec in specs:
            if not isinstance(spec, ComparisonChart):
                continue
            drawing = render_chart(spec, style, A4_WIDTH)
            bold = [op for op in texts_of(drawing) if op.font.bold and op.text == spec.highlight]
            assert len(bold) == 1, f"{spec.highlight} not shown in full, in bold, once"
            assert drawing.texts().count(spec.highlight) == 1
            # Every other country is named (shortened beyond 34 characters).
            for item in spec.items:
                if item.label != spec.highlight and len(item.label) <= 34:
                    assert item.label in drawing.texts()
            assert any(
                op.fill is not None and op.fill[:3] == style.colors.highlight.rgb
                for op in drawing.ops
                if isinstance(op, PathOp)
            )


def test_comparison_rows_are_sorted_and_grow(style: Style) -> None:
    small = _comparison(8)
    large = _comparison(45)
    assert render_chart(large, style, A4_WIDTH).height > render_chart(small, style, A4_WIDTH).height


def test_at_risk_bars_name_every_top_group(
    demo_specs: dict[str, list[ChartSpec]], style: Style
) -> None:
    for specs in demo_specs.values():
        for spec in specs:
            if isinstance(spec, AtRiskChart):
                words = joined(render_chart(spec, style, A4_WIDTH))
                for bar in spec.bars:
                    assert words.count(bar.label) >= 1, f"{bar.label!r} not on the chart"


# --- determinism, and the cached comparison route -------------------------------------------


def test_same_spec_same_drawing(demo_specs: dict[str, list[ChartSpec]], style: Style) -> None:
    specs = demo_specs["XDK"]
    first = [render_chart(s, style, A4_WIDTH) for s in specs]
    for s in reversed(demo_specs["XAQ"]):  # reuse every figure with other data in between
        render_chart(s, style, A4_WIDTH)
    again = [render_chart(s, style, A4_WIDTH) for s in specs]
    assert first == again


def test_cached_comparison_equals_a_direct_drawing(
    demo_specs: dict[str, list[ChartSpec]], style: Style
) -> None:
    from reportgen.charts import scores as figures
    from reportgen.charts._kit import Palette, Sizes

    pal, sizes = Palette.of(style), Sizes.of(style)
    for code in ("XDK", "XFT", "XBQ"):
        for spec in demo_specs[code]:
            if isinstance(spec, ComparisonChart):
                cached = render_chart(spec, style, A4_WIDTH)
                assert cached == figures._comparison_direct(spec, pal, sizes, A4_WIDTH)
    # The base is shared: another country's highlight on the same data.
    spec = next(s for s in demo_specs["XDK"] if isinstance(s, ComparisonChart))
    other = replace(spec, highlight=spec.items[-1].label)
    assert render_chart(other, style, A4_WIDTH) == figures._comparison_direct(
        other, pal, sizes, A4_WIDTH
    )


# --- hand-made edge cases ---------------------------------------------------------------------


def _texts(title: str, axis: str = "Score (0–10)", **legend: str) -> ChartTexts:
    return ChartTexts(title, axis, SOURCE, dict(BAND_LABELS), dict(legend))


def _comparison(n: int, highlight_index: int = 3) -> ComparisonChart:
    names = [*LONG_NAMES, *(f"Country number {k}" for k in range(n))][:n]
    items = []
    for k, name in enumerate(names):
        mean = 10.0 - k * 10.0 / max(n - 1, 1)
        items.append(
            RangeItem(name, mean, mean - 1.3, mean + 1.1, "good", highlight=k == highlight_index)
        )
    return ComparisonChart(
        "assem",
        2025,
        tuple(items),
        names[highlight_index],
        CPR,
        _texts("Freedom from extrajudicial killing: all countries surveyed, 2025"),
    )


def _cloud(n: int) -> tuple[ShareItem, ...]:
    base = [
        "People who protest or engage in non-violent political activity",
        "People engaged in or suspected of political violence",
        "People with particular religious beliefs or practices",
        "Detainees and people accused of crimes",
        "Street children and homeless youth",
        "People outside the country's borders",
        "Human rights advocates",
        "LGBTQIA+ people",
        "Journalists",
        "Academics",
    ]
    labels = [f"{base[k % len(base)]} ({k})" if k >= len(base) else base[k] for k in range(n)]
    return tuple(
        ShareItem(label, round(0.95 / (1 + k * 0.35), 4)) for k, label in enumerate(labels)
    )


def _edge_cases() -> dict[str, ChartSpec]:
    cpr_wide = BandScaleSpec(
        (("very_bad", -2.0, 3.5), ("bad", 3.5, 6.0), ("fair", 6.0, 8.0), ("good", 8.0, 12.0)),
        10.0,
        "/10",
    )
    cloud = _cloud(34)
    return {
        "headline one item at 10": HeadlineChart(
            (HeadlineItem("Empowerment", 10.0, "good", CPR, "10.0/10"),), _texts("Headline", "")
        ),
        "headline zero, full, missing": HeadlineChart(
            (
                HeadlineItem("Empowerment", 0.0, "very_bad", CPR, "0.0/10"),
                HeadlineItem("Quality of life", 100.0, "good", ESR, "100.0%"),
                HeadlineItem("Safety from the state", None, None, CPR, "no data"),
            ),
            _texts("Headline scores, 2025", ""),
        ),
        "rights one item": RightsChart(
            (RangeItem("Freedom from extrajudicial killing", 5.0, 4.0, 6.0, "bad"),),
            CPR,
            _texts("Safety from the state: each right, 2025"),
        ),
        "rights 0 and 10 beyond the axis": RightsChart(
            (
                RangeItem("Assembly and association", 0.0, -1.5, 1.2, "very_bad"),
                RangeItem("Opinion and expression", 10.0, 8.8, 11.4, "good"),
                RangeItem("Freedom from the death penalty", 10.0, 10.0, 10.0, "good"),
                RangeItem(
                    "A right with a very long name that has to wrap onto two lines",
                    6.5,
                    5.9,
                    7.2,
                    "fair",
                ),
            ),
            cpr_wide,
            _texts("Empowerment: each right, 2025"),
        ),
        "comparison 45 longest names": _comparison(45, highlight_index=0),
        "comparison Congo": _comparison(45, highlight_index=1),
        "comparison 60 rows": _comparison(60, highlight_index=59),
        "comparison bands beyond the axis": replace(_comparison(20), scale=cpr_wide),
        "trend one year": TrendChart(
            (
                TrendSeries("Empowerment", (2025,), (9.9,), (9.1,), (10.6,)),
                TrendSeries("Freedom from extrajudicial killing", (2025,), (0.1,), (-0.8,), (1.0,)),
            ),
            CPR,
            _texts("Empowerment over time"),
        ),
        "trend seven series": TrendChart(
            tuple(
                TrendSeries(
                    name, (2023, 2024, 2025), (10.0, 5.0, 0.0), (9.0, 4.0, -1.0), (11.0, 6.0, 1.0)
                )
                for name in (
                    "Safety from the state",
                    "Freedom from arbitrary arrest",
                    "Freedom from disappearance",
                    "Freedom from the death penalty",
                    "Freedom from extrajudicial killing",
                    "Freedom from torture",
                    "Participation in government",
                )
            ),
            CPR,
            _texts("Safety from the state over time"),
        ),
        "esr trend one year": EsrTrendChart(
            (2025,),
            (99.6,),
            (98.9,),
            ESR,
            _texts(
                "Quality of life, 2025",
                "Score (% of what is feasible)",
                income_adjusted="Income-adjusted benchmark",
                global_best="Global-best benchmark",
            ),
        ),
        "esr trend wide range, long legend": EsrTrendChart(
            tuple(range(2015, 2026)),
            tuple(12.0 + 8 * k for k in range(11)),
            tuple(3.0 + 8.2 * k for k in range(11)),
            ESR,
            _texts(
                "Quality of life, 2015–2025",
                "Score (% of what is feasible)",
                income_adjusted="Income-adjusted benchmark: what the country could achieve "
                "with the resources it has",
                global_best="Global-best benchmark: what the best-performing countries achieve",
            ),
        ),
        "esr rights without global best": EsrRightsChart(
            (
                EsrRightItem("Education", 100.0, None, "good"),
                EsrRightItem("Food", 0.0, None, "very_bad"),
                EsrRightItem("Health", 74.9, 62.1, "very_bad"),
            ),
            ESR,
            _texts(
                "Quality of life rights, 2025",
                "Score (% of what is feasible)",
                income_adjusted="Income-adjusted benchmark",
                global_best="Global-best benchmark",
            ),
        ),
        "esr rights by sex, one missing": EsrRightsChart(
            (
                EsrRightItem("Education", 80.0, 70.0, "bad", female=99.9, male=None),
                EsrRightItem("Food", 80.0, 70.0, "bad", female=60.0, male=62.5),
            ),
            ESR,
            _texts(
                "Quality of life rights by sex, 2025",
                "Score (% of what is feasible)",
                female="Women and girls",
                male="Men and boys",
            ),
            by_sex=True,
        ),
        "at risk 34 long groups": AtRiskChart(
            cloud[:8], cloud, _texts("Who is at risk", "Share of experts (%)")
        ),
        "at risk one group": AtRiskChart(
            (ShareItem("Journalists", 1.0),),
            (ShareItem("Journalists", 1.0),),
            _texts("Freedom from torture: who is at risk, 2025", "Share of experts (%)"),
        ),
    }


EDGE_CASES = _edge_cases()


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@pytest.mark.parametrize("width", [A4_WIDTH, LETTER_WIDTH])
def test_edge_cases_read_well(name: str, width: float, style: Style) -> None:
    spec = EDGE_CASES[name]
    assert_reads_well(spec, render_chart(spec, style, width), style, width)


def test_long_highlighted_name_is_shown_in_full(style: Style) -> None:
    for name in ("comparison 45 longest names", "comparison Congo"):
        spec = EDGE_CASES[name]
        assert isinstance(spec, ComparisonChart)
        drawing = render_chart(spec, style, A4_WIDTH)
        assert spec.highlight in drawing.texts()
        others = [t for t in drawing.texts() if t.endswith("…")]
        assert all(len(t) <= 34 for t in others)


def test_clipped_uncertainty_is_marked(style: Style) -> None:
    drawing = render_chart(EDGE_CASES["rights 0 and 10 beyond the axis"], style, A4_WIDTH)
    triangles = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp) and len(op.segments) == 4 and op.segments[-1].code == "Z"
    ]
    assert len(triangles) == 2  # one below 0, one above 10


def test_word_cloud_keeps_the_largest_and_sizes_by_share() -> None:
    from reportgen.charts._cloud import PROTECTED, WANTED, layout_cloud
    from reportgen.charts._text import text_width

    cloud = _cloud(34)
    items = [(s.label, s.share / cloud[0].share) for s in cloud]
    placed = layout_cloud(items, 200, 200, text_width)
    labels = {p.label for p in placed}
    assert {label for label, _w in items[:PROTECTED]} <= labels  # the largest are never dropped
    assert len(placed) >= WANTED  # shrunk to show a good number of groups
    by_weight = sorted(placed, key=lambda p: -p.weight)
    assert all(a.size >= b.size for a, b in pairwise(by_weight))
    assert by_weight[0].size > by_weight[-1].size
    # A few short groups: every one is shown, the largest at the full 18 pt.
    few = layout_cloud(
        [("Journalists", 1.0), ("Academics", 0.4), ("Children", 0.1)], 200, 150, text_width
    )
    assert [p.label for p in few] == ["Journalists", "Academics", "Children"]
    assert few[0].size == 18.0 and few[-1].size == pytest.approx(6.5 + 11.5 * 0.1**0.5, abs=0.2)


def test_cloud_layout_is_deterministic_and_disjoint() -> None:
    from reportgen.charts._cloud import layout_cloud
    from reportgen.charts._text import text_width

    items = [(s.label, s.share / 0.95) for s in _cloud(34)]
    a = layout_cloud(items, 200, 180, text_width)
    b = layout_cloud(items, 200, 180, text_width)
    assert a == b and a
    for p, q in combinations(a, 2):
        assert (
            p.x + p.width <= q.x
            or q.x + q.width <= p.x
            or p.y + p.height <= q.y
            or q.y + q.height <= p.y
        )
    assert all(p.x >= 0 and p.x + p.width <= 200 and p.y >= 0 and p.y + p.height <= 180 for p in a)


def test_bad_input_is_refused(style: Style) -> None:
    with pytest.raises(ValueError, match="too narrow"):
        render_chart(EDGE_CASES["rights one item"], style, 100)
    with pytest.raises(TypeError, match="not a chart"):
        render_chart("chart", style, A4_WIDTH)  # type: ignore[arg-type]


# --- random specs -----------------------------------------------------------------------------

_NAME_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ÅÖçéíłøãü-'ABCDEFGHKLMNOPRST"))
_names = st.text(_NAME_CHARS, min_size=2, max_size=60).map(lambda s: " ".join(s.split()) or "X")


@st.composite
def _comparisons(draw: st.DrawFn) -> ComparisonChart:
    names = draw(st.lists(_names, min_size=1, max_size=50, unique=True))
    means = sorted(
        draw(st.lists(st.floats(0, 10), min_size=len(names), max_size=len(names))), reverse=True
    )
    h = draw(st.integers(0, len(names) - 1))
    items = tuple(
        RangeItem(n, m, m - draw(st.floats(0, 2)), m + draw(st.floats(0, 2)), "fair", k == h)
        for k, (n, m) in enumerate(zip(names, means, strict=True))
    )
    return ComparisonChart("m", 2025, items, names[h], CPR, _texts("Random comparison"))


@st.composite
def _at_risk(draw: st.DrawFn) -> AtRiskChart:
    names = draw(st.lists(_names, min_size=1, max_size=34, unique=True))
    shares = sorted(
        draw(st.lists(st.floats(0.01, 1), min_size=len(names), max_size=len(names))),
        reverse=True,
    )
    items = tuple(ShareItem(n, s) for n, s in zip(names, shares, strict=True))
    return AtRiskChart(items[:8], items, _texts("Random risk", "Share of experts (%)"))


@st.composite
def _rights(draw: st.DrawFn) -> RightsChart:
    names = draw(st.lists(_names, min_size=1, max_size=8))
    items = []
    for name in names:
        mean = draw(st.floats(0, 10))
        lo, hi = mean - draw(st.floats(0, 2.5)), mean + draw(st.floats(0, 2.5))
        items.append(RangeItem(name, mean, lo, hi, draw(st.sampled_from(BAND_NAMES))))
    return RightsChart(tuple(items), CPR, _texts("Random rights"))


@st.composite
def _trends(draw: st.DrawFn) -> TrendChart:
    names = draw(st.lists(_names, min_size=1, max_size=8))
    years = tuple(range(2023 - draw(st.integers(0, 2)), 2024))
    series = []
    for name in names:
        means = [draw(st.floats(0, 10)) for _ in years]
        series.append(
            TrendSeries(
                name,
                years,
                tuple(means),
                tuple(m - 0.7 for m in means),
                tuple(m + 0.9 for m in means),
            )
        )
    return TrendChart(tuple(series), CPR, _texts("Random trend"))


@st.composite
def _esr(draw: st.DrawFn) -> EsrRightsChart | EsrTrendChart:
    legend = st.lists(_names, min_size=4, max_size=4)
    words = draw(legend)
    texts = _texts(
        "Random quality of life",
        "Score (% of what is feasible)",
        income_adjusted=words[0],
        global_best=words[1],
        female=words[2],
        male=words[3],
    )
    pct = st.floats(0, 100)
    if draw(st.booleans()):
        n = draw(st.integers(1, 11))
        years = tuple(range(2025 - n + 1, 2026))
        ia = tuple(draw(st.lists(pct, min_size=n, max_size=n)))
        gb = tuple(draw(st.lists(pct, min_size=n, max_size=n)))
        return EsrTrendChart(years, ia, gb, ESR, texts)
    items = tuple(
        EsrRightItem(
            name,
            draw(pct),
            draw(st.none() | pct),
            "bad",
            female=draw(st.none() | pct),
            male=draw(st.none() | pct),
        )
        for name in draw(st.lists(_names, min_size=1, max_size=5))
    )
    return EsrRightsChart(items, ESR, texts, by_sex=draw(st.booleans()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.one_of(_comparisons(), _at_risk(), _rights(), _trends(), _esr()),
    width=st.floats(420, 520),
)
def test_random_specs_never_collide_or_spill(spec: ChartSpec, width: float) -> None:
    style = load_style("base")
    drawing = render_chart(spec, style, width)
    assert not overlaps(drawing), overlaps(drawing)
    assert not outside(drawing), outside(drawing)
    assert drawing.height <= MAX_HEIGHT
    assert not foreign_colours(drawing, style)


# --- replayed into a PDF --------------------------------------------------------------------------


def _pdf(drawings: list[VectorDrawing]) -> bytes:
    fonts = register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, invariant=1, initialFontName=fonts.regular)
    story: list[object] = []
    for drawing in drawings:
        story += [VectorFlowable(drawing, doc.width, fonts), Spacer(1, 12)]
    doc.build(story)
    return buf.getvalue()


def _pages(pdf: bytes) -> Iterator[tuple[str, Image.Image]]:
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            yield page.get_textpage().get_text_range(), page.render(scale=1.5).to_pil()
    finally:
        doc.close()


def test_charts_replay_into_a_pdf(
    demo_specs: dict[str, list[ChartSpec]], style: Style, tmp_path: Path
) -> None:
    chosen: dict[type, ChartSpec] = {}
    for spec in demo_specs["XDK"]:
        chosen.setdefault(type(spec), spec)
    drawings = [render_chart(s, style, A4_WIDTH) for s in chosen.values()]
    pdf = _pdf(drawings)
    (tmp_path / "charts.pdf").write_bytes(pdf)
    text = ""
    for k, (page_text, image) in enumerate(_pages(pdf)):
        text += " " + page_text
        image.save(tmp_path / f"charts-p{k + 1}.png")
        darkest = image.convert("L").getextrema()[0]
        assert isinstance(darkest, int) and darkest < 100  # something was drawn
    text = re.sub(r"\s+", " ", text)
    for spec in chosen.values():
        assert spec.texts.title in text
        for value in expected_values(spec):
            assert value in text


def test_drawings_need_no_clipping(demo_specs: dict[str, list[ChartSpec]], style: Style) -> None:
    """Charts clip their data themselves: no clip regions (cheaper to replay, and the replay
    then never has to restore graphics state in the middle of a chart)."""
    for spec in demo_specs["XBQ"]:
        assert all(op.clip is None for op in render_chart(spec, style, A4_WIDTH).ops)


def _draw_in_worker(task: int) -> int:
    from reportgen.charts._text import text_width

    # Strings no process has measured yet: the worker's font faces are really read.
    for j in range(300):
        assert text_width(f"Worker task {task}, string {j}: Łódź–Việt Nam", 8.0 + j % 7) > 0
    spec = EDGE_CASES["rights 0 and 10 beyond the axis"]
    return len(render_chart(spec, load_style("base"), A4_WIDTH).ops)


def test_forked_workers_measure_text_safely(style: Style) -> None:
    """Workers forked after this process drew charts must not share its open font files."""
    expected = _draw_in_worker(-1)  # the parent opens its font faces first
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        assert list(pool.map(_draw_in_worker, range(12))) == [expected] * 12


def test_band_colours_are_the_styles(style: Style) -> None:
    drawing = render_chart(EDGE_CASES["rights 0 and 10 beyond the axis"], style, A4_WIDTH)
    fills = {op.fill[:3] for op in drawing.ops if isinstance(op, PathOp) and op.fill}
    assert {style.colors.band[b].rgb for b in BAND_NAMES} <= fills
