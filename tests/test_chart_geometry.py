"""Chart geometry: every mark sits where its value falls on the chart's own axis.

The axis mapping is read back from the drawing itself (its gridlines and their tick labels),
the marks (dots, uncertainty bands, bars) are found among the drawing's paths, and each
mark's position is compared with the mapping of the value it stands for. The drawing is what
the layout replays into the PDF, operation for operation. A dot drawn at 80% of the score, a
bar cut short or a band drawn unclipped fails here even when its label is right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from reportgen.charts import render_chart
from reportgen.codebook import load_codebook
from reportgen.facts import compute_facts
from reportgen.load import Dataset
from reportgen.model import AtRiskChart, ChartSpec, ComparisonChart, EsrRightsChart, RightsChart
from reportgen.narrative import build_report
from reportgen.style import Style
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
    values = [v for item in spec.items for k in keys if (v := getattr(item, k)) is not None]
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
    else:
        return None
    return type(spec).__name__


@pytest.mark.parametrize("code", DEMO)
def test_marks_sit_at_their_values(demo: Dataset, style: Style, code: str) -> None:
    checked = {_check(spec, style) for spec in _specs(demo, style, code)}
    assert checked >= {"RightsChart", "ComparisonChart", "EsrRightsChart", "AtRiskChart"}


def test_marks_sit_at_their_values_kazakhstan(hrmi: Dataset, style: Style) -> None:
    checked = {_check(spec, style) for spec in _specs(hrmi, style, "KAZ")}
    assert checked >= {"RightsChart", "ComparisonChart", "EsrRightsChart", "AtRiskChart"}


def test_word_cloud_names_everyone_the_experts_named(demo: Dataset, style: Style) -> None:
    """The cloud holds every group named, "All people" included when experts chose it."""
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
                drawn = " ".join(render_chart(chart.spec, style, WIDTH).texts())
                assert everyone.split()[0] in drawn
    assert seen_all_people > 0
