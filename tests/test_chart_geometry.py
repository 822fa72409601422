"""Chart geometry: every mark sits where its value falls on the chart's own axis.

The axis mapping is read back from the drawing itself (its gridlines and their tick labels),
the marks (dots, uncertainty bands, bars) are found among the drawing's paths, and each
mark's position is compared with the mapping of the value it stands for. The drawing is what
the layout replays into the PDF, operation for operation. A dot drawn at 80% of the score, a
bar cut short or a band drawn unclipped fails here even when its label is right.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator

import pytest

from reportgen.charts import render_chart
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
    RightsChart,
    Scorecard,
    ScorecardPanel,
    ScorecardRow,
)
from reportgen.narrative import build_report
from reportgen.style import BAND_NAMES, BandName, Style, load_style
from reportgen.vector import PathOp, TextOp, VectorDrawing

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


def _check_rights(spec: RightsChart | ComparisonChart, style: Style) -> None:
    drawing = render_chart(spec, style, WIDTH)
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


def _check_esr(spec: EsrRightsChart, style: Style) -> None:
    drawing = render_chart(spec, style, WIDTH)
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
