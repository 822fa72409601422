"""Charts recorded straight from their primitives equal charts drawn by matplotlib, op for op.

A chart's ``Sheet`` writes its drawing operations itself (``Sheet.record``); matplotlib, drawing
the same primitives through the recording renderer (``drawn_by_matplotlib``), is the reference.
Every chart of the report and the profile of demo and real countries, in their normal and
compact forms and in two languages (the comma decimal sign changes every width), must give
the same ops to the last bit: the same PDF either way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reportgen.build import build_model, chart_numbers, profile_model
from reportgen.charts import compactable, render_chart, scores
from reportgen.charts._kit import Sheet, drawn_by_matplotlib
from reportgen.layout.document import chart_width
from reportgen.load import Dataset
from reportgen.model import Chart
from reportgen.style import Style, profile_style
from reportgen.vector import PathOp, TextOp, VectorDrawing


def _charts(
    dataset: Dataset, code: str, style: Style, language: str
) -> Iterator[tuple[Chart, Style, bool]]:
    facts, report = build_model(dataset, code, style, language)
    profile = profile_model(dataset, facts, style, language)
    for model, model_style in ((report, style), (profile, profile_style(style))):
        for chart in model.charts():
            for compact in (False, True):
                if not compact or compactable(chart.spec):
                    yield chart, model_style, compact


def _both(chart: Chart, style: Style, compact: bool, language: str) -> tuple[VectorDrawing, ...]:
    numbers = chart_numbers(language)
    width = chart_width(style, chart)
    drawings = []
    for drawn in (False, True):
        scores._BASES.clear()  # (each way draws its own base of the cross-country charts)
        if drawn:
            with drawn_by_matplotlib():
                drawings.append(render_chart(chart.spec, style, width, **numbers, compact=compact))
        else:
            drawings.append(render_chart(chart.spec, style, width, **numbers, compact=compact))
    return tuple(drawings)


def _check(dataset: Dataset, code: str, style: Style) -> int:
    count = 0
    for language in ("en", "fr"):
        for chart, model_style, compact in _charts(dataset, code, style, language):
            direct, drawn = _both(chart, model_style, compact, language)
            where = f"{code} {language} {chart.id}{' (compact)' if compact else ''}"
            assert (direct.width, direct.height) == (drawn.width, drawn.height), where
            assert len(direct.ops) == len(drawn.ops), where
            for k, (mine, theirs) in enumerate(zip(direct.ops, drawn.ops, strict=True)):
                assert mine == theirs, f"{where}: op {k}"
            count += 1
    return count


@pytest.mark.parametrize("code", ["XAB", "XAQ", "XBQ"])
def test_demo_charts_equal_matplotlibs(demo: Dataset, style: Style, code: str) -> None:
    assert _check(demo, code, style) > 10


@pytest.mark.parametrize("code", ["KAZ", "ARG", "COD", "VCT"])
def test_real_charts_equal_matplotlibs(hrmi: Dataset, style: Style, code: str) -> None:
    # A survey country (every chart kind), one with quality of life only, two long names.
    assert _check(hrmi, code, style) > 2


def test_each_primitive_is_one_op_in_group_order() -> None:
    sheet = Sheet()
    sheet.begin(300.0, 200.0)
    sheet.tag = "t"
    sheet.text(10.0, 10.0, "Last drawn", 9.0, (0.0, 0.0, 0.0), ha="right")
    sheet.dots([50.0], [50.0], (1.0, 0.0, 0.0), 5.0)
    sheet.line([0.0, 100.0], [0.0, 100.0], (0.0, 0.0, 1.0), 1.0, dashes=(2.0, 1.0))
    sheet.segments([((0.0, 5.0), (300.0, 5.0))], (0.5, 0.5, 0.5), 0.5)
    sheet.rect(20.0, 20.0, 30.0, 10.0, (0.0, 1.0, 0.0))
    sheet.rect(0.0, 0.0, 300.0, 200.0, (0.9, 0.9, 0.9), front=False)
    sheet.rect(5.0, 5.0, 1.0, 1.0, (0.9, 0.9, 0.9), alpha=0.0)  # invisible: no op
    drawing = sheet.record()
    kinds = [(type(op).__name__, op.fill if isinstance(op, PathOp) else None) for op in drawing.ops]
    assert kinds == [
        ("PathOp", (0.9, 0.9, 0.9, 1.0)),  # back shape
        ("PathOp", (0.0, 1.0, 0.0, 1.0)),  # shape
        ("PathOp", None),  # segment
        ("PathOp", None),  # line
        ("PathOp", (1.0, 0.0, 0.0, 1.0)),  # marker
        ("TextOp", None),
    ]
    line = drawing.ops[3]
    assert isinstance(line, PathOp) and line.dash == (2.0, 1.0) and line.line_join == "round"
    text = drawing.ops[-1]
    assert isinstance(text, TextOp) and text.x < 10.0  # right-aligned: ends at x = 10
    assert sheet.tagged is not None and sheet.tagged.ends == (1, 1, 2, 3, 4, 5, 6)
    with drawn_by_matplotlib():
        assert sheet.record() == drawing


def test_a_line_leaving_the_canvas_is_clipped_as_matplotlib_clips_it() -> None:
    sheet = Sheet()
    sheet.begin(200.0, 100.0)
    sheet.line([-50.0, 100.0, 250.0], [50.0, 120.0, 50.0], (0.0, 0.0, 0.0), 1.0)
    sheet.segments([((-10.0, 10.0), (210.0, 10.0))], (0.0, 0.0, 0.0), 1.0)
    direct = sheet.record()
    with drawn_by_matplotlib():
        drawn = sheet.record()
    assert direct == drawn
    xs = [
        x for op in direct.ops if isinstance(op, PathOp) for s in op.segments for x, _ in s.points
    ]
    assert min(xs) >= -1.0 and max(xs) <= 201.0  # clipped to the canvas (and its 1 pt margin)
