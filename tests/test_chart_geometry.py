"""Chart geometry: every mark sits where its value falls on the chart's own axis.

The axis mapping is read back from the drawing itself (its gridlines and their tick labels),
the marks (dots, uncertainty bands, bars) are found among the drawing's paths, and each
mark's position is compared with the mapping of the value it stands for. The drawing is what
the layout replays into the PDF, operation for operation. A dot drawn at 80% of the score, a
bar cut short or a band drawn unclipped fails here even when its label is right.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from reportgen.charts import ChartNumbers, compactable, render_chart
from reportgen.codebook import load_codebook
from reportgen.facts import compute_facts
from reportgen.load import Dataset
from reportgen.model import (
    AtRiskChart,
    BandScaleSpec,
    ChartSpec,
    ChartTexts,
    ComparisonChart,
    EsrRightsChart,
    EsrTrendChart,
    RightsChart,
    Scorecard,
    ScorecardPanel,
    ScorecardRow,
    TrendChart,
)
from reportgen.narrative import build_report
from reportgen.style import BAND_NAMES, BandName, Style, load_style
from reportgen.vector import PathOp, TextOp, VectorDrawing
from tests.test_charts import (
    NUMBERS,
    assert_reads_well,
    chart_numbers,
    outside,
    overlaps,
    small_texts,
)

WIDTH = 480.0
TOLERANCE = 0.3  # points
DEMO = ("XAQ", "XDK", "XBQ", "XEZ")


def _points(op: PathOp) -> list[tuple[float, float]]:
    return [p for s in op.segments for p in s.points]


def _box(op: PathOp) -> tuple[float, float, float, float]:
    pts = _points(op)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), max(xs), min(ys), max(ys)


def _paths(drawing: VectorDrawing) -> Iterator[PathOp]:
    return (op for op in drawing.ops if isinstance(op, PathOp) and _points(op))


def _axis(drawing: VectorDrawing) -> tuple[Callable[[float], float], float, float]:
    """The value → x mapping from the vertical gridlines and the numbers printed under them;
    also the plot's lower and upper y (the gridlines' extent)."""
    grid = [
        op
        for op in _paths(drawing)
        if op.fill is None and len(_points(op)) == 2 and _box(op)[0] == _box(op)[1]
    ]
    xs = sorted({_box(op)[0] for op in grid})
    ticks = sorted(
        (op for op in drawing.ops if isinstance(op, TextOp) and re.fullmatch(r"\d+", op.text)),
        key=lambda op: op.x,
    )
    assert len(xs) == len(ticks) >= 2, (xs, [t.text for t in ticks])
    v0, v1 = float(ticks[0].text), float(ticks[-1].text)
    x0, x1 = xs[0], xs[-1]
    y0 = min(_box(op)[2] for op in grid)
    y1 = max(_box(op)[3] for op in grid)
    return (lambda v: x0 + (v - v0) * (x1 - x0) / (v1 - v0)), y0, y1


def _dots(drawing: VectorDrawing) -> list[tuple[float, float]]:
    """Centres of the round markers (filled paths of many points), top row first."""
    found = []
    for op in _paths(drawing):
        if op.fill is not None and len(_points(op)) > 8:
            x0, x1, y0, y1 = _box(op)
            if abs((x1 - x0) - (y1 - y0)) < 0.5 and x1 - x0 > 3:  # a circle, not a triangle
                found.append(((x0 + x1) / 2, (y0 + y1) / 2))
    return sorted(found, key=lambda c: -c[1])


def _bars(drawing: VectorDrawing, y0: float, y1: float) -> list[tuple[float, float]]:
    """(left, right) of the opaque rectangles inside the plot, top first."""
    bars = []
    for op in _paths(drawing):
        if op.fill is None or op.fill[3] < 1.0 or len(_points(op)) != 4:
            continue
        left, right, bottom, top = _box(op)
        if bottom >= y0 - 0.01 and top <= y1 + 0.01 and top - bottom < 20:
            bars.append((top, left, right))
    return [(left, right) for _top, left, right in sorted(bars, key=lambda b: -b[0])]


def _specs(dataset: Dataset, style: Style, code: str) -> list[ChartSpec]:
    report = build_report(dataset, compute_facts(dataset, code, style), style)
    return [chart.spec for chart in report.charts()]


def _check_rights(spec: RightsChart | ComparisonChart, style: Style, compact: bool = False) -> None:
    drawing = render_chart(spec, style, WIDTH, compact=compact)
    x, _y0, _y1 = _axis(drawing)
    dots = _dots(drawing)
    assert len(dots) == len(spec.items)
    top = spec.scale.maximum
    for item, (cx, _cy) in zip(spec.items, dots, strict=True):
        assert cx == pytest.approx(x(min(max(item.mean, 0.0), top)), abs=TOLERANCE), item.label
    # each uncertainty band runs from its clipped 10th to its clipped 90th percentile
    bands = sorted(
        (
            box
            for op in _paths(drawing)
            if op.fill is None
            and len(_points(op)) == 2
            and (box := _box(op))[2] == box[3]  # horizontal: gridlines are vertical
        ),
        key=lambda b: -b[2],
    )
    assert len(bands) == len(spec.items)
    for item, (left, right, _b, _t) in zip(spec.items, bands, strict=True):
        assert left == pytest.approx(x(min(max(item.lo, 0.0), top)), abs=TOLERANCE), item.label
        assert right == pytest.approx(x(min(max(item.hi, 0.0), top)), abs=TOLERANCE), item.label


def _check_esr(spec: EsrRightsChart, style: Style, compact: bool = False) -> None:
    drawing = render_chart(spec, style, WIDTH, compact=compact)
    x, y0, y1 = _axis(drawing)
    keys = ("female", "male") if spec.by_sex else ("income_adjusted", "global_best")
    # (a score of 0 has no bar: nothing to measure)
    values = [
        v for item in spec.items for k in keys if (v := getattr(item, k)) is not None and v > 0
    ]
    bars = _bars(drawing, y0, y1)
    assert len(bars) == len(values)
    for value, (left, right) in zip(values, bars, strict=True):
        assert left == pytest.approx(x(0.0), abs=TOLERANCE)
        assert right == pytest.approx(x(value), abs=TOLERANCE), value


def _check_at_risk(spec: AtRiskChart, style: Style) -> None:
    drawing = render_chart(spec, style, WIDTH)
    x, y0, y1 = _axis(drawing)
    bars = _bars(drawing, y0, y1)
    assert len(bars) == len(spec.bars)
    for item, (left, right) in zip(spec.bars, bars, strict=True):
        assert left == pytest.approx(x(0.0), abs=TOLERANCE)
        assert right == pytest.approx(x(item.share * 100), abs=TOLERANCE), item.label


def _check(spec: ChartSpec, style: Style) -> str | None:
    if isinstance(spec, RightsChart | ComparisonChart):
        _check_rights(spec, style)
    elif isinstance(spec, EsrRightsChart):
        _check_esr(spec, style)
    elif isinstance(spec, AtRiskChart):
        _check_at_risk(spec, style)
    elif isinstance(spec, Scorecard):
        _check_scorecard(spec, style, WIDTH)
    else:
        return None
    return type(spec).__name__


CHECKED = {"RightsChart", "ComparisonChart", "EsrRightsChart", "AtRiskChart", "Scorecard"}


def test_marks_sit_at_their_values_hand_made(style: Style) -> None:
    """Every checkable chart type, from specs made by hand (tests/test_charts.py's edge
    cases: scores 0 and 10, bands beyond the axis, 60 rows, long names)."""
    from tests.test_charts import EDGE_CASES

    checked = {_check(spec, style) for spec in EDGE_CASES.values()}
    assert checked - {None} == CHECKED


@pytest.mark.parametrize("code", DEMO)
def test_marks_sit_at_their_values(demo: Dataset, style: Style, code: str) -> None:
    """Every chart the narrative makes for a demo country, of the types that can be checked."""
    checked = {_check(spec, style) for spec in _specs(demo, style, code)}
    assert len(checked & CHECKED) >= 3, checked


def test_marks_sit_at_their_values_kazakhstan(hrmi: Dataset, style: Style) -> None:
    checked = {_check(spec, style) for spec in _specs(hrmi, style, "KAZ")}
    assert len(checked & CHECKED) >= 3, checked


@pytest.fixture(scope="module")
def cloud_style(tmp_path_factory: pytest.TempPathFactory) -> Style:
    path = tmp_path_factory.mktemp("styles") / "cloud.toml"
    path.write_text('inherit = "base"\n[charts]\nword_cloud = true\n', encoding="utf-8")
    return load_style(path)


def test_word_cloud_names_everyone_the_experts_named(
    demo: Dataset, style: Style, cloud_style: Style
) -> None:
    """The cloud holds every group named, "All people" included when experts chose it (and
    drawn when the style asks for the cloud)."""
    book = load_codebook("en")
    everyone = book.groups["1"].label
    seen_all_people = 0
    for code in DEMO:
        facts = compute_facts(demo, code, style)
        report = build_report(demo, facts, style)
        risks = {
            r.key: r.at_risk
            for d in (facts.empowerment, facts.safety)
            if d is not None
            for r in d.rights
            if r.at_risk is not None
        }
        for chart in report.charts():
            if not isinstance(chart.spec, AtRiskChart):
                continue
            risk = risks[chart.id.removeprefix("chart-risk-").replace("-", "_")]
            labels = [item.label for item in chart.spec.cloud]
            assert len(labels) == len(risk.groups) + (1 if risk.all_people else 0)
            assert (everyone in labels) == bool(risk.all_people)
            if risk.all_people:
                seen_all_people += 1
                drawn = " ".join(render_chart(chart.spec, cloud_style, WIDTH).texts())
                assert everyone.split()[0] in drawn
    assert seen_all_people > 0


# --- the scorecard: dots and uncertainty lines on each row's own scale -----------------------

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


def _row(
    label: str,
    value: float,
    band: BandName,
    lo: float | None = None,
    hi: float | None = None,
    headline: bool = False,
) -> ScorecardRow:
    return ScorecardRow(
        label,
        value,
        f"{value:g}",
        band,
        band.replace("_", " "),
        lo,
        hi,
        "1.0 in 2017",
        "up",
        True,
        headline,
    )


SCORECARD = Scorecard(
    (
        ScorecardPanel(
            "Civil and political rights",
            (
                _row("Empowerment", 2.5, "very_bad", headline=True),
                _row("Assembly and association", 2.1, "very_bad", 1.6, 2.6),
                _row("Opinion and expression", 0.0, "very_bad", -0.8, 0.9),
                _row("Freedom from the death penalty", 10.0, "good", 9.1, 11.2),
                _row("Freedom from extrajudicial killing", 7.2, "fair", 6.1, 8.0),
                _row("Freedom from torture", 3.5, "bad", 3.5, 3.5),
            ),
            CPR,
        ),
        ScorecardPanel(
            "Quality of life",
            (
                _row("Quality of life", 86.5, "fair", headline=True),
                _row("Food", 100.0, "good"),
                _row("Work", 0.0, "very_bad"),
                _row("Health", 79.2, "bad"),
            ),
            ESR,
        ),
    ),
    ChartTexts(
        "Every right at a glance",
        "",
        "Source: HRMI",
        {},
        {"right": "Right", "score": "Score", "change": "Change"},
    ),
)


def _tint_rows(drawing: VectorDrawing, style: Style) -> list[list[tuple[float, float, BandName]]]:
    """Each row's scale, top row first: its tint rectangles as (left, right, band)."""
    tints = {style.colors.band_tint[b].rgb: b for b in BAND_NAMES}
    rows: dict[float, list[tuple[float, float, BandName]]] = defaultdict(list)
    for op in _paths(drawing):
        if op.fill is None or op.fill[:3] not in tints or len(_points(op)) != 4:
            continue
        left, right, bottom, top = _box(op)
        rows[round((bottom + top) / 2, 3)].append((left, right, tints[op.fill[:3]]))
    return [sorted(rows[y]) for y in sorted(rows, reverse=True)]


def _check_scorecard(spec: Scorecard, style: Style, width: float) -> None:
    drawing = render_chart(spec, style, width)
    rows = [(row, panel.scale) for panel in spec.panels for row in panel.rows]
    scales = _tint_rows(drawing, style)
    assert len(scales) == len(rows)
    dots = _dots(drawing)
    assert len(dots) == len(rows)
    ink = style.colors.highlight.rgb
    lines = sorted(
        (
            box
            for op in _paths(drawing)
            if op.stroke is not None
            and op.stroke[:3] == ink
            and len(_points(op)) == 2
            and (box := _box(op))[2] == box[3]
        ),
        key=lambda b: -b[2],
    )
    assert len(lines) == sum(row.lo is not None for row, _s in rows)
    line_of = iter(lines)
    for (row, scale), stripes, (cx, cy) in zip(rows, scales, dots, strict=True):
        x0, x1 = stripes[0][0], stripes[-1][1]
        top = scale.maximum

        def x(v: float, x0: float = x0, x1: float = x1, top: float = top) -> float:
            return x0 + min(max(v, 0.0), top) / top * (x1 - x0)

        # the scale itself: each band's tint from its lower to its upper limit
        assert [b for _l, _r, b in stripes] == [b for b, _lo, _hi in scale.bands]
        for (left, right, _b), (_band, lower, upper) in zip(stripes, scale.bands, strict=True):
            assert left == pytest.approx(x(lower), abs=TOLERANCE), row.label
            assert right == pytest.approx(x(upper), abs=TOLERANCE), row.label
        assert cx == pytest.approx(x(row.value), abs=TOLERANCE), row.label
        if row.lo is not None and row.hi is not None:
            left, right, y, _y = next(line_of)
            assert y == pytest.approx(cy, abs=TOLERANCE), row.label
            assert left == pytest.approx(x(row.lo), abs=TOLERANCE), row.label
            assert right == pytest.approx(x(row.hi), abs=TOLERANCE), row.label


@pytest.mark.parametrize("width", [481.0, 400.0, 300.0, 260.0])
def test_scorecard_marks_sit_at_their_values(style: Style, width: float) -> None:
    _check_scorecard(SCORECARD, style, width)


def test_scorecard_geometry_of_every_shipped_style() -> None:
    for name in ("base", "letter-slate"):
        _check_scorecard(SCORECARD, load_style(name), 481.0)


# --- band names: every band named, wrapped rather than dropped --------------------------------

LANGUAGES = ("en", "es", "fr", "pt")


def _named_bands(
    drawing: VectorDrawing, spec: RightsChart | ComparisonChart | EsrRightsChart
) -> list[str]:
    """The bands of ``spec``'s scale whose name the drawing shows above the plot, over the
    band's own stripe or joined to it by a leader (a line from the band's top edge up to just
    under the name). A wrapped name is its lines drawn one after the other."""
    from tests.test_charts import text_box

    x, _y0, y1 = _axis(drawing)
    texts = [op for op in drawing.ops if isinstance(op, TextOp) and op.y > y1]
    leaders = [_points(op) for op in _paths(drawing) if op.stroke is not None and op.fill is None]
    named: list[str] = []
    for band, lower, upper in spec.scale.bands:
        label = spec.texts.band_labels.get(band)
        if not label:
            continue
        left, right = x(max(lower, 0.0)), x(min(upper, spec.scale.maximum))
        for start in range(len(texts)):
            run: list[TextOp] = []
            for op in texts[start:]:
                run.append(op)
                if len(" ".join(t.text for t in run)) >= len(label):
                    break
            if " ".join(t.text for t in run) != label or min(t.size for t in run) < 7.0:
                continue
            boxes = [text_box(t) for t in run]
            bx0, by0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            bx1 = max(b[2] for b in boxes)
            over = left - 0.01 <= (bx0 + bx1) / 2 <= right + 0.01
            led = any(
                abs(low[1] - y1) < 0.5
                and left - 0.01 <= low[0] <= right + 0.01
                and bx0 - 0.01 <= high[0] <= bx1 + 0.01
                and by0 - 3.0 <= high[1] <= by0 + 0.01
                for pts in leaders
                if len(pts) >= 2
                for low, high in [(min(pts, key=lambda p: p[1]), max(pts, key=lambda p: p[1]))]
            )
            if over or led:
                named.append(band)
                break
    return named


def _band_charts(
    dataset: Dataset, style: Style, code: str, language: str
) -> Iterator[tuple[str, RightsChart | ComparisonChart | EsrRightsChart, float]]:
    from reportgen.build import build_model
    from reportgen.layout.document import chart_width, text_width

    _facts, report = build_model(dataset, code, style, language)
    full = text_width(style)
    half = chart_width(style, replace(report.charts()[0], size="half"))
    for chart in report.charts():
        spec = chart.spec
        if isinstance(spec, RightsChart | ComparisonChart | EsrRightsChart):
            for width in (full, half):
                yield chart.id, spec, width


def test_every_band_is_named_in_a_half_width_french_comparison(hrmi: Dataset, style: Style) -> None:
    """Kazakhstan's comparisons in French, half width as a chart row draws them: "très
    mauvais" was dropped for want of room over its band; now it wraps or, where even wrapped
    names cannot all sit over their bands, one is raised with a leader. None is left out."""
    from reportgen.build import build_model
    from reportgen.layout.document import chart_width

    _facts, report = build_model(hrmi, "KAZ", style, "fr")
    charts = [
        c for c in report.charts() if isinstance(c.spec, ComparisonChart) and c.size == "half"
    ]
    assert len(charts) >= 5
    for chart in charts:
        assert isinstance(chart.spec, ComparisonChart)
        width = chart_width(style, chart)
        assert width < 260
        drawing = render_chart(chart.spec, style, width, **chart_numbers("fr"))
        assert _named_bands(drawing, chart.spec) == list(BAND_NAMES), chart.id
        assert not overlaps(drawing), (chart.id, overlaps(drawing))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_band_is_named_in_every_language(demo: Dataset, style: Style, language: str) -> None:
    """Every chart with band names over its plot, in full and half width: each band named."""
    for code in ("XDK", "XAQ"):
        for chart_id, spec, width in _band_charts(demo, style, code, language):
            drawing = render_chart(spec, style, width, **chart_numbers(language))
            name = f"{code} {language} {chart_id} at {width:.0f}"
            assert _named_bands(drawing, spec) == list(BAND_NAMES), name
            assert not overlaps(drawing), (name, overlaps(drawing))


# --- compact forms: lower, the same words at the same sizes, nothing colliding --------------

COMPACT_KINDS = {EsrRightsChart, EsrTrendChart, TrendChart}
"""The kinds of the reports' charts with a compact form (RightsChart has one too)."""


def _marks(drawing: VectorDrawing, style: Style) -> Counter[tuple[object, ...]]:
    """Every shape and line of the drawing by its colours and number of points (where it is
    drawn aside): dots, bars, bands, series lines, gridlines, shading. Leaders (thin muted
    lines from a band name to its band) are left out: a lower plot may need one more."""
    muted = style.colors.muted.rgb
    return Counter(
        (op.fill, op.stroke, len(_points(op)))
        for op in _paths(drawing)
        if op.stroke is None or op.stroke[:3] != muted
    )


def _check_compact(spec: ChartSpec, style: Style, width: float, numbers: ChartNumbers) -> float:
    """The compact form of ``spec`` against its normal form; returns the height ratio."""
    normal = render_chart(spec, style, width, **numbers)
    small = render_chart(spec, style, width, compact=True, **numbers)
    name = type(spec).__name__
    assert small.width == normal.width
    assert sorted(small.texts()) == sorted(normal.texts()), name
    assert sorted((op.text, op.size) for op in small.ops if isinstance(op, TextOp)) == sorted(
        (op.text, op.size) for op in normal.ops if isinstance(op, TextOp)
    ), f"{name}: a text changed size"
    assert not small_texts(small), name
    assert not overlaps(small), (name, overlaps(small))
    assert not outside(small), (name, outside(small)[:3])
    assert _marks(small, style) == _marks(normal, style), f"{name}: not the same marks"
    return small.height / normal.height


def test_compact_forms_of_real_reports(hrmi: Dataset, style: Style) -> None:
    """Kazakhstan, Argentina, the United States, in English and French: every chart with a
    compact form is at most 0.8 times as tall in it, with the same words at the same sizes (none
    under 7 pt), no two texts overlapping, the same marks; other charts have none."""
    from reportgen.build import build_model
    from reportgen.layout.document import chart_width

    seen: set[type] = set()
    for code in ("KAZ", "ARG", "USA"):
        for language in ("en", "fr"):
            _facts, report = build_model(hrmi, code, style, language)
            numbers = chart_numbers(language)
            for chart in report.charts():
                spec, width = chart.spec, chart_width(style, chart)
                if not compactable(spec):  # the compact form is the normal one
                    normal = render_chart(spec, style, width, **numbers)
                    assert render_chart(spec, style, width, compact=True, **numbers) == normal
                    continue
                ratio = _check_compact(spec, style, width, numbers)
                assert ratio <= 0.8, f"{code} {language} {chart.id}: {ratio:.2f}"
                seen.add(type(spec))
    assert seen == COMPACT_KINDS


@pytest.mark.parametrize("language", LANGUAGES)
def test_compact_forms_of_demo_reports(demo: Dataset, style: Style, language: str) -> None:
    """The demo countries in every language: the same as for the real reports."""
    from reportgen.build import build_model
    from reportgen.layout.document import chart_width

    seen: set[type] = set()
    for code in DEMO:
        _facts, report = build_model(demo, code, style, language)
        for chart in report.charts():
            if compactable(chart.spec):
                width = chart_width(style, chart)
                ratio = _check_compact(chart.spec, style, width, chart_numbers(language))
                assert ratio <= 0.8, f"{code} {language} {chart.id}: {ratio:.2f}"
                seen.add(type(chart.spec))
    assert seen == COMPACT_KINDS


def test_compact_marks_sit_at_their_values(demo: Dataset, style: Style) -> None:
    """The compact bars and dots are where their values fall, as in the normal form."""
    from tests.test_charts import EDGE_CASES

    specs = [*EDGE_CASES.values(), *_specs(demo, style, "XDK")]
    checked = set()
    for spec in specs:
        if isinstance(spec, EsrRightsChart):
            _check_esr(spec, style, compact=True)
        elif isinstance(spec, RightsChart):
            _check_rights(spec, style, compact=True)
        else:
            continue
        checked.add(type(spec))
    assert checked == {EsrRightsChart, RightsChart}


@pytest.mark.parametrize("width", [481.0, 234.0])
def test_compact_edge_cases_read_well(style: Style, width: float) -> None:
    """The hand-made edge cases (one year, seven series, a long legend, a missing benchmark):
    each compact form reads as well as the normal one, and is lower."""
    from tests.test_charts import EDGE_CASES

    kinds = set()
    for name, spec in EDGE_CASES.items():
        if not compactable(spec):
            continue
        small = render_chart(spec, style, width, compact=True)
        assert_reads_well(spec, small, style, width)
        ratio = _check_compact(spec, style, width, NUMBERS)
        assert ratio < 0.9, f"{name}: {ratio:.2f}"
        kinds.add(type(spec))
    assert kinds == COMPACT_KINDS | {RightsChart}
