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
from dataclasses import dataclass, replace
from itertools import combinations, pairwise
from pathlib import Path
from typing import Literal, get_args

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Spacer

from reportgen.charts import MAX_HEIGHT, ChartNumbers, render_chart
from reportgen.charts._primitives import _measure
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
    Scorecard,
    ScorecardPanel,
    ScorecardRow,
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


NUMBERS = ChartNumbers(decimal=".", percent="{}%")


def chart_numbers(language: str) -> ChartNumbers:
    """How ``language``'s charts print numbers, as the build gives them to ``render_chart``."""
    from reportgen.build import chart_numbers as numbers

    found = numbers(language)
    return ChartNumbers(decimal=found["decimal"], percent=found["percent"])


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
    named += [c.illustrative, c.others, c.global_best, c.female, c.male]
    named += [*c.band.values(), *c.band_tint.values()]
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
    if isinstance(spec, Scorecard):
        rows = [row for panel in spec.panels for row in panel.rows]
        return [t for row in rows for t in (row.value_text, row.band_text, row.change) if t]
    return [f"{printed_share(b.share)}%" for b in spec.bars]


def band_marks(spec: ChartSpec) -> set[BandName]:
    """The bands whose solid colour the chart may draw: those of its band-coloured marks."""
    if isinstance(spec, HeadlineChart):  # a bar for every score above 0
        return {i.band for i in spec.items if i.band is not None and (i.value or 0) > 0}
    if isinstance(spec, RightsChart):
        return {i.band for i in spec.items}
    if isinstance(spec, Scorecard):
        return {row.band for panel in spec.panels for row in panel.rows}
    return set()  # others draw bands as shading (tints) only


def solid_bands_drawn(drawing: VectorDrawing, style: Style) -> set[BandName]:
    """The bands whose solid colour appears in the drawing (fill, stroke or text)."""
    found: set[BandName] = set()
    for op in drawing.ops:
        colours = [op.color] if isinstance(op, TextOp) else []
        if isinstance(op, PathOp):
            colours = [c for c in (op.fill, op.stroke) if c is not None]
        for rgba in colours:
            for band in BAND_NAMES:
                solid = style.colors.band[band].rgb
                if all(abs(a - b) < 1e-6 for a, b in zip(rgba[:3], solid, strict=True)):
                    found.add(band)
    return found


def badly_coloured_texts(drawing: VectorDrawing, style: Style) -> list[str]:
    """Texts in a colour that is not a text colour (text, muted, highlight, accent: the ones
    tests/test_contrast.py holds to 4.5:1 on white, panel and the band tints)."""
    c = style.colors
    ok = [c.text.rgb, c.muted.rgb, c.highlight.rgb, c.accent.rgb]
    return [
        op.text
        for op in texts_of(drawing)
        if not any(all(abs(a - b) < 1e-6 for a, b in zip(op.color[:3], k, strict=True)) for k in ok)
        or op.color[3] < 1.0
    ]


def cut_texts(drawing: VectorDrawing) -> list[str]:
    """Texts cut short: ending in an ellipsis (labels wrap, never end in "…")."""
    return [t for t in drawing.texts() if t.rstrip().endswith(("…", "..."))]


def small_texts(drawing: VectorDrawing) -> list[tuple[str, float]]:
    """Texts set under 7 pt (the house style's floor for chart text)."""
    return [(op.text, op.size) for op in texts_of(drawing) if op.size < 7.0 - 1e-9]


def assert_reads_well(spec: ChartSpec, drawing: VectorDrawing, style: Style, width: float) -> None:
    """Everything a reader must see is there, nothing collides or spills, style colours only."""
    name = type(spec).__name__
    assert drawing.width == pytest.approx(width)
    assert 40 < drawing.height <= MAX_HEIGHT, f"{name}: height {drawing.height:.0f}"
    words = joined(drawing)
    texts = drawing.texts()
    assert spec.texts.title in words, f"{name}: title missing"
    assert spec.texts.source in words, f"{name}: source missing"
    if spec.texts.axis and not isinstance(spec, Scorecard):  # its panels carry their units
        assert spec.texts.axis in words, f"{name}: axis label missing"
    for value in expected_values(spec):
        assert value in texts, f"{name}: value label {value!r} missing from {texts}"
    assert not overlaps(drawing), f"{name}: overlapping texts {overlaps(drawing)}"
    assert not outside(drawing), f"{name}: outside the drawing {outside(drawing)[:5]}"
    assert not foreign_colours(drawing, style), f"{name}: colours not in the style"
    assert not cut_texts(drawing), f"{name}: texts cut short {cut_texts(drawing)}"
    bad_ink = badly_coloured_texts(drawing, style)
    assert not bad_ink, f"{name}: texts not in a text colour {bad_ink[:5]}"
    assert not small_texts(drawing), f"{name}: texts under 7 pt {small_texts(drawing)[:5]}"
    drawn = solid_bands_drawn(drawing, style)
    assert drawn == band_marks(spec), (
        f"{name}: solid band colours {drawn} for marks of {band_marks(spec)}"
    )


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
    """The demo reports and the hand-made edge cases together draw every chart type."""
    kinds = {type(s) for specs in demo_specs.values() for s in specs}
    kinds |= {type(s) for s in EDGE_CASES.values()}
    assert kinds == set(get_args(ChartSpec))


def test_comparison_highlights_the_country(
    demo_specs: dict[str, list[ChartSpec]], style: Style
) -> None:
    for specs in demo_specs.values():
        for spec in specs:
            if not isinstance(spec, ComparisonChart):
                continue
            drawing = render_chart(spec, style, A4_WIDTH)
            assert_highlighted(spec, drawing, style)


def assert_highlighted(spec: ComparisonChart, drawing: VectorDrawing, style: Style) -> None:
    """This country in full and in bold (its lines rejoined), every other country named in
    full; this country's dot and a light row behind it in the neutral highlight ink."""
    ink = style.colors.text.rgb
    bold = " ".join(
        op.text
        for op in texts_of(drawing)
        if op.font.bold and op.color[:3] == ink and op.size < 9  # not the title, not the value
    )
    assert bold == spec.highlight, f"{spec.highlight!r} not shown in full, in bold: {bold!r}"
    words = joined(drawing)
    for item in spec.items:
        assert item.label in words, f"{item.label!r} not named in full"
    highlight = style.colors.highlight.rgb
    fills = [op.fill for op in drawing.ops if isinstance(op, PathOp) and op.fill is not None]
    assert any(f[:3] == highlight and f[3] == 1.0 for f in fills), "no dot in the highlight"
    assert any(f[:3] == highlight and f[3] < 0.2 for f in fills), "no highlighted row"


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


@dataclass(frozen=True)
class _CardWords:
    """Every word of a hand-made scorecard, in one language."""

    title: str
    source: str
    legend: dict[str, str]
    bands: dict[BandName, str]
    panels: tuple[str, str]
    cpr: tuple[str, ...]
    esr: tuple[str, ...]
    since: str  # "in"
    decimal: str
    percent: str


CARD_LEGEND_EN = {
    "right": "Right",
    "score": "Score",
    "change": "Change",
    "up": "up",
    "down": "down",
    "flat": "no change",
    "clear": "clear change",
    "slight": "slight change",
}

_SCORECARD_WORDS = {
    "en": _CardWords(
        title="Kazakhstan: every right at a glance, 2019",
        source=SOURCE,
        legend=CARD_LEGEND_EN,
        bands=BAND_LABELS,
        panels=(
            "Civil and political rights (out of 10)",
            "Quality of life (% of what is feasible)",
        ),
        cpr=(
            "Civil and political rights",
            "Empowerment",
            "Assembly and association",
            "Opinion and expression",
            "Participation in government",
            "Safety from the state",
            "Freedom from arbitrary arrest",
            "Freedom from disappearance",
            "Freedom from the death penalty",
            "Freedom from extrajudicial killing",
            "Freedom from torture",
        ),
        esr=("Quality of life", "Education", "Food", "Health", "Housing", "Work"),
        since="in",
        decimal=".",
        percent="{}%",
    ),
    "fr": _CardWords(
        title="Kazakhstan : tous les droits en un coup d’œil, 2019",
        source="Source\u00a0: Édition 2020 des données HRMI",
        legend={
            "right": "Droit",
            "score": "Score",
            "change": "Évolution",
            "up": "en hausse",
            "down": "en baisse",
            "flat": "stable",
            "clear": "évolution nette",
            "slight": "évolution légère",
        },
        bands={"very_bad": "très mauvais", "bad": "mauvais", "fair": "passable", "good": "bon"},
        panels=(
            "Droits civils et politiques (sur 10)",
            "Qualité de vie (% de ce qui est réalisable)",
        ),
        cpr=(
            "Droits civils et politiques",
            "Autonomisation",
            "Liberté de réunion et d’association",
            "Liberté d’opinion et d’expression",
            "Participation aux affaires publiques",
            "Sécurité face à l’État",
            "Protection contre l’arrestation arbitraire",
            "Protection contre la disparition forcée",
            "Protection contre la peine de mort",
            "Droit de ne pas être victime d'exécutions extrajudiciaires",
            "Protection contre la torture et les mauvais traitements",
        ),
        esr=("Qualité de vie", "Éducation", "Alimentation", "Santé", "Logement", "Travail"),
        since="en",
        decimal=",",
        percent="{}\u202f%",
    ),
}

Direction = Literal["up", "down", "flat", "none"]

# (value, lo, hi, earlier value or None, direction, clear, headline) per row, civil and
# political first; scores 0 and 10 and bands beyond the axis included.
_CPR_ROWS: tuple[
    tuple[float, float | None, float | None, float | None, Direction, bool, bool], ...
] = (
    (3.9, None, None, 3.6, "up", False, True),
    (2.5, None, None, 2.0, "up", True, True),
    (2.1, 1.6, 2.6, 1.2, "up", True, False),
    (0.0, -0.8, 0.9, 0.4, "down", False, False),
    (2.3, 1.8, 3.0, 2.3, "flat", False, False),
    (5.4, None, None, 6.1, "down", True, True),
    (4.9, 4.1, 5.6, None, "none", False, False),
    (7.6, 6.9, 8.3, 7.2, "up", False, False),
    (10.0, 9.1, 11.2, 10.0, "flat", False, False),
    (7.2, 6.1, 8.0, 8.0, "down", True, False),
    (3.5, 2.8, 4.4, 3.1, "up", False, False),
)
_ESR_ROWS: tuple[tuple[float, float | None, Direction, bool, bool], ...] = (
    (86.5, 84.1, "up", True, True),
    (77.4, 77.0, "flat", False, False),
    (88.9, 87.2, "up", False, False),
    (79.2, 80.9, "down", True, False),
    (100.0, None, "none", False, False),
    (0.0, 2.5, "down", False, False),
)


_NO_CHANGE_ROWS: tuple[tuple[str, float, BandName], ...] = (
    ("Quality of life", 80.0, "bad"),
    ("Food", 96.0, "good"),
)


def _band_of(v: float, scale: BandScaleSpec) -> BandName:
    return next(b for b, _lo, hi in scale.bands if v < hi or hi == scale.maximum)


def scorecard_spec(lang: str = "en") -> Scorecard:
    """A scorecard of 11 civil and political rows (3 headline) and 6 quality of life rows (1
    headline) in English or French, made by hand: no narrative involved."""
    w = _SCORECARD_WORDS[lang]

    def score(v: float) -> str:
        return printed_score(v).replace(".", w.decimal)

    def pct(v: float) -> str:
        return w.percent.format(printed_pct(v).replace(".", w.decimal))

    cpr = []
    for label, (v, lo, hi, before, direction, clear, head) in zip(w.cpr, _CPR_ROWS, strict=True):
        band = _band_of(v, CPR)
        change = "" if before is None else f"{score(before)} {w.since} 2017"
        cpr.append(
            ScorecardRow(
                label, v, score(v), band, w.bands[band], lo, hi, change, direction, clear, head
            )
        )
    esr = []
    for label, (v, before, direction, clear, head) in zip(w.esr, _ESR_ROWS, strict=True):
        band = _band_of(v, ESR)
        change = "" if before is None else f"{pct(before)} {w.since} 2015"
        esr.append(
            ScorecardRow(
                label,
                v,
                pct(v),
                band,
                w.bands[band],
                change=change,
                direction=direction,
                clear=clear,
                headline=head,
            )
        )
    return Scorecard(
        (
            ScorecardPanel(w.panels[0], tuple(cpr), CPR),
            ScorecardPanel(w.panels[1], tuple(esr), ESR),
        ),
        ChartTexts(w.title, "", w.source, dict(w.bands), dict(w.legend)),
    )


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
    french = tuple(
        ShareItem(label, share)
        for label, share in (
            ("Personnes impliquées dans des violences politiques ou soupçonnées de l’être", 0.86),
            ("Personnes qui manifestent ou mènent une activité politique non violente", 0.45),
            ("Personnes ayant certaines croyances ou pratiques religieuses", 0.31),
            ("Personnes de faible statut social ou économique", 0.17),
            ("Enfants des rues et jeunes sans abri", 0.1),
            ("Journalistes", 0.07),
            ("Personnes détenues ou accusées d’infractions", 1 / 27),
        )
    )
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
        "at risk long French groups": AtRiskChart(
            french[:6],
            french,
            _texts(
                "Protection contre l’exécution extrajudiciaire\u00a0: personnes exposées, 2019",
                "Part des experts (%)",
            ),
        ),
        "scorecard": scorecard_spec("en"),
        "scorecard in French": scorecard_spec("fr"),
        "scorecard without change or uncertainty": Scorecard(
            (
                ScorecardPanel(
                    "Quality of life",
                    tuple(
                        ScorecardRow(name, v, f"{v:.1f}%", b, BAND_LABELS[b], headline=k == 0)
                        for k, (name, v, b) in enumerate(_NO_CHANGE_ROWS)
                    ),
                    ESR,
                ),
            ),
            _texts("Quality of life at a glance", "", right="Right", score="Score"),
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
        assert_highlighted(spec, drawing, style)
        assert not cut_texts(drawing)


def test_clipped_uncertainty_is_marked(style: Style) -> None:
    drawing = render_chart(EDGE_CASES["rights 0 and 10 beyond the axis"], style, A4_WIDTH)
    triangles = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp) and len(op.segments) == 4 and op.segments[-1].code == "Z"
    ]
    assert len(triangles) == 2  # one below 0, one above 10


def test_word_cloud_sizes_by_absolute_share() -> None:
    """Type size is a fixed function of the share: linear from 7 pt at 0 to 16 pt at 100%."""
    from reportgen.charts._cloud import MAX_SIZE, MIN_SIZE, PROTECTED, cloud_size, layout_cloud
    from reportgen.charts._text import text_width

    assert (cloud_size(0.0), cloud_size(1.0)) == (MIN_SIZE, MAX_SIZE) == (7.0, 16.0)
    assert cloud_size(0.5) == 11.5 and cloud_size(1 / 27) == 7.25 and cloud_size(0.86) == 14.75
    cloud = _cloud(34)
    laid = layout_cloud([(s.label, s.share) for s in cloud], 240, 320, text_width)
    assert laid.complete  # the largest are all shown
    assert {label for label, _s in [(c.label, c.share) for c in cloud[:PROTECTED]]} <= {
        p.label for p in laid.placed
    }
    assert all(p.size == cloud_size(p.share) for p in laid.placed)
    by_share = sorted(laid.placed, key=lambda p: -p.share)
    assert all(a.size >= b.size for a, b in pairwise(by_share))
    # A group named by 1 expert in 27 is set small whatever else is in the cloud: alone (the
    # most named of its right) as beside a group named by 86%, never as large as that one.
    alone = layout_cloud([("Academics", 1 / 27)], 200, 150, text_width)
    beside = layout_cloud([("Journalists", 0.86), ("Academics", 1 / 27)], 200, 150, text_width)
    size = {p.label: p.size for p in beside.placed}
    assert alone.placed[0].size == size["Academics"] == 7.25
    assert size["Journalists"] == 14.75 > size["Academics"]


def test_cloud_layout_is_deterministic_and_disjoint() -> None:
    from reportgen.charts._cloud import layout_cloud
    from reportgen.charts._text import text_width

    items = [(s.label, s.share) for s in _cloud(34)]
    a = layout_cloud(items, 200, 180, text_width).placed
    b = layout_cloud(items, 200, 180, text_width).placed
    assert a == b and a
    for p, q in combinations(a, 2):
        assert (
            p.x + p.width <= q.x
            or q.x + q.width <= p.x
            or p.y + p.height <= q.y
            or q.y + q.height <= p.y
        )
    assert all(p.x >= 0 and p.x + p.width <= 200 and p.y >= 0 and p.y + p.height <= 180 for p in a)


@pytest.fixture(scope="module")
def cloud_style(tmp_path_factory: pytest.TempPathFactory) -> Style:
    """The base style with the word cloud switched on."""
    path = tmp_path_factory.mktemp("styles") / "cloud.toml"
    path.write_text('inherit = "base"\n[charts]\nword_cloud = true\n', encoding="utf-8")
    return load_style(path)


def _risk_pair() -> tuple[AtRiskChart, AtRiskChart]:
    """Two at-risk charts: 'Academics' named by 1 expert in 27, in the cloud beside a group
    named by 86% (a bar) and alone (no bars): the most named group of its cloud."""
    journalists, academics = ShareItem("Journalists", 0.86), ShareItem("Academics", 1 / 27)
    return (
        AtRiskChart(
            (journalists,),
            (journalists, academics),
            _texts("Who is at risk", "Share of experts (%)"),
        ),
        AtRiskChart((), (academics,), _texts("Who is at risk", "")),
    )


def test_at_risk_has_no_cloud_by_default(style: Style) -> None:
    """Bars only, across the full width, every share printed; no word of the cloud."""
    assert style.charts.word_cloud is False
    crowd, _alone = _risk_pair()
    drawing = render_chart(crowd, style, A4_WIDTH)
    assert "Academics" not in drawing.texts()  # named in the cloud only
    assert "86%" in drawing.texts() and "Journalists" in drawing.texts()
    hundred = next(op for op in texts_of(drawing) if op.text == "100")
    assert hundred.x > A4_WIDTH - 40  # the bars' scale runs to the right edge
    for spec in EDGE_CASES.values():
        if isinstance(spec, AtRiskChart):
            texts = render_chart(spec, style, A4_WIDTH).texts()
            words = {item.label for item in spec.cloud} - {item.label for item in spec.bars}
            assert not words & set(texts)


def test_word_cloud_when_on_sizes_by_absolute_share(cloud_style: Style) -> None:
    from reportgen.charts._cloud import cloud_size

    crowd, alone = _risk_pair()
    sizes = {}
    for name, spec in (("crowd", crowd), ("alone", alone)):
        drawing = render_chart(spec, cloud_style, A4_WIDTH)
        assert_reads_well(spec, drawing, cloud_style, A4_WIDTH)
        # 'Academics' is named in the cloud only; 'Journalists' in the cloud and on a bar
        (academics,) = [op.size for op in texts_of(drawing) if op.text == "Academics"]
        sizes[name] = academics
        if name == "crowd":
            journalists = max(op.size for op in texts_of(drawing) if op.text == "Journalists")
            assert journalists == cloud_size(0.86) == 14.75
    assert sizes["crowd"] == sizes["alone"] == cloud_size(1 / 27) == 7.25  # not scaled up alone
    hundred = next(
        op for op in texts_of(render_chart(crowd, cloud_style, A4_WIDTH)) if op.text == "100"
    )
    assert hundred.x < A4_WIDTH * 0.6  # the bars give the cloud the right of the chart


@pytest.mark.parametrize("width", [A4_WIDTH, LETTER_WIDTH])
def test_word_cloud_edge_cases_read_well(cloud_style: Style, width: float) -> None:
    for spec in EDGE_CASES.values():
        if isinstance(spec, AtRiskChart):
            assert_reads_well(spec, render_chart(spec, cloud_style, width), cloud_style, width)


# --- the scorecard --------------------------------------------------------------------------

A4_TEXT_HEIGHT = 841.89 - (22 + 20) * 72 / 25.4  # the base style's A4 text column height


def _markers(drawing: VectorDrawing, colour: tuple[float, float, float]) -> list[PathOp]:
    """Round markers (filled paths of many points, square box) of ``colour``, top first."""
    found = []
    for op in drawing.ops:
        if not isinstance(op, PathOp) or op.fill is None or op.fill[:3] != colour:
            continue
        pts = [pt for seg in op.segments for pt in seg.points]
        xs, ys = [pt[0] for pt in pts], [pt[1] for pt in pts]
        if len(pts) > 8 and abs((max(xs) - min(xs)) - (max(ys) - min(ys))) < 0.5:
            found.append(op)
    return sorted(found, key=lambda op: -max(pt[1] for seg in op.segments for pt in seg.points))


def _centre_y(op: PathOp) -> float:
    ys = [pt[1] for seg in op.segments for pt in seg.points]
    return (min(ys) + max(ys)) / 2


def test_scorecard_fits_two_thirds_of_a_page(style: Style) -> None:
    """17 rows (8 + 3 headline civil and political, 5 + 1 quality of life) in French: under
    two-thirds of the A4 text column at 481 pt, rows of one line 15–17 pt apart."""
    spec = scorecard_spec("fr")
    assert sum(len(p.rows) for p in spec.panels) == 17
    drawing = render_chart(spec, style, 481.0, decimal=",", percent="{}\u202f%")
    assert_reads_well(spec, drawing, style, 481.0)
    assert drawing.height < A4_TEXT_HEIGHT * 2 / 3, drawing.height
    dots = _markers(drawing, style.colors.highlight.rgb)
    assert len(dots) == 17
    gaps = [_centre_y(a) - _centre_y(b) for a, b in pairwise(dots)]
    assert 15.0 <= sorted(gaps)[len(gaps) // 2] <= 17.0, gaps  # the usual row: one line


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [260.0, 300.0, 340.0, 400.0, 481.0, LETTER_WIDTH])
def test_scorecard_reads_well_from_half_a_page_to_a_column(
    style: Style, lang: str, width: float
) -> None:
    spec = scorecard_spec(lang)
    numbers = ChartNumbers(decimal=",", percent="{}\u202f%") if lang == "fr" else NUMBERS
    drawing = render_chart(spec, style, width, **numbers)
    assert_reads_well(spec, drawing, style, width)
    words = joined(drawing)
    for panel in spec.panels:
        assert panel.title in words
        for row in panel.rows:
            assert row.label in words, f"{row.label!r} not in full at {width}"


def test_scorecard_marks_change_and_headlines(style: Style) -> None:
    """An arrow per move, filled when clear and outlined when slight, pointing the way the
    score moved; a dash for no change; nothing without an earlier score. Headline rows bold,
    a rule above each."""
    spec = scorecard_spec("en")
    rows = [row for panel in spec.panels for row in panel.rows]
    drawing = render_chart(spec, style, A4_WIDTH)
    ink = style.colors.text.rgb
    filled = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp) and op.fill is not None and op.fill[:3] == ink
    ]
    outlined = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp)
        and op.fill is None
        and op.stroke is not None
        and op.stroke[:3] == ink
        and len([pt for seg in op.segments for pt in seg.points]) >= 8
    ]
    legend = spec.texts.legend
    # the legend shows one clear (filled) and one slight (outlined) mark, and the dash
    clear = [r for r in rows if r.direction in ("up", "down") and r.clear]
    slight = [r for r in rows if r.direction in ("up", "down") and not r.clear]
    assert len(filled) == len(clear) + 1 and len(outlined) == len(slight) + 1
    dashes = [op for op in texts_of(drawing) if op.text == "–"]
    assert len(dashes) == sum(r.direction == "flat" for r in rows) + 1
    # each arrow points the way its row moved: its tip (the extreme point) above or below
    dots = _markers(drawing, style.colors.highlight.rgb)
    marks = sorted(filled + outlined, key=lambda op: -_centre_y(op))
    moved = [r for r in rows if r.direction in ("up", "down")]
    row_marks = [op for op in marks if any(abs(_centre_y(op) - _centre_y(d)) < 1 for d in dots)]
    assert len(row_marks) == len(moved)
    for row, op in zip(moved, row_marks, strict=True):
        pts = [pt for seg in op.segments for pt in seg.points]
        top = max(pts, key=lambda pt: pt[1])
        bottom = min(pts, key=lambda pt: pt[1])
        centre_x = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2
        tip = top if row.direction == "up" else bottom
        assert abs(tip[0] - centre_x) < 0.01, (row.label, row.direction)  # a point, not a stem
        assert (op.fill is not None) == row.clear, row.label
    # every change text, and no mark for the row without an earlier score
    for row in rows:
        if row.change:
            assert row.change in drawing.texts()
    assert all(legend[k] in drawing.texts() for k in ("flat", "clear", "slight"))
    # headline rows bold, the others regular, a rule above each headline row
    fonts = {op.text: op.font.bold for op in texts_of(drawing)}
    for row in rows:
        assert fonts[row.label] == row.headline, row.label
    rules = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp)
        and op.stroke is not None
        and op.stroke[:3] == style.colors.rule.rgb
        and (box := [pt for seg in op.segments for pt in seg.points])
        and box[0][1] == box[-1][1]
        and abs(box[-1][0] - box[0][0]) > A4_WIDTH - 1
    ]
    assert len(rules) == sum(r.headline for r in rows) + 1  # and one under the heads
    for head in ("Right", "Score", "Change"):
        assert head in drawing.texts()


# --- every report, every language -------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_no_label_is_cut_in_any_language(demo: Dataset, style: Style, language: str) -> None:
    """Every chart of French, Spanish and Portuguese reports: no text ends with "…", every
    text and path inside the drawing, nothing under 7 pt."""
    from reportgen.build import build_model

    numbers = chart_numbers(language)
    for code in ("XDK", "XAQ", "XGF"):
        _facts, report = build_model(demo, code, style, language)
        for chart in report.charts():
            drawing = render_chart(chart.spec, style, A4_WIDTH, **numbers)
            name = f"{code} {language} {chart.id}"
            assert not cut_texts(drawing), f"{name}: {cut_texts(drawing)}"
            assert not outside(drawing), f"{name}: {outside(drawing)[:3]}"
            assert not small_texts(drawing), f"{name}: {small_texts(drawing)[:3]}"
            assert not overlaps(drawing), f"{name}: {overlaps(drawing)[:3]}"


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_no_label_is_cut_kazakhstan(hrmi: Dataset, style: Style, language: str) -> None:
    """Kazakhstan's report, whose long group names were cut in French, Spanish, Portuguese."""
    from reportgen.build import build_model

    numbers = chart_numbers(language)
    _facts, report = build_model(hrmi, "KAZ", style, language)
    charts = report.charts()
    assert len(charts) > 10
    for chart in charts:
        for width in (A4_WIDTH, LETTER_WIDTH):
            drawing = render_chart(chart.spec, style, width, **numbers)
            name = f"KAZ {language} {chart.id} at {width}"
            assert not cut_texts(drawing), f"{name}: {cut_texts(drawing)}"
            assert not outside(drawing), f"{name}: {outside(drawing)[:3]}"
            assert not small_texts(drawing), f"{name}: {small_texts(drawing)[:3]}"


@pytest.mark.parametrize("name", ["base", "letter-slate"])
def test_every_chart_size_is_at_least_7pt(name: str) -> None:
    from reportgen.charts._kit import Sizes

    sizes = Sizes.of(load_style(name))
    assert min(sizes.label, sizes.title, sizes.tick, sizes.value, sizes.small, sizes.source) >= 7


def test_a_label_wider_than_its_column_wraps_and_is_never_cut() -> None:
    from reportgen.charts._text import text_width, wrap

    long = "Droit de ne pas être victime d'exécutions extrajudiciaires"
    lines = wrap(long, 8.0, 100.0)
    assert len(lines) >= 3 and " ".join(lines) == long
    assert all(text_width(line, 8.0) <= 100.0 for line in lines)
    word = "Supercalifragilisticexpialidocious-Micronesia"  # wider than the column
    pieces = wrap(word, 8.0, 60.0)
    assert "".join(pieces) == word and all(text_width(p, 8.0) <= 60.0 for p in pieces)
    assert wrap("Source\u00a0: HRMI", 8.0, 45.0) == ("Source\u00a0:", "HRMI")  # no break at NBSP
    assert wrap("a b", 8.0, 100.0) == ("a b",) and wrap("", 8.0, 10.0) == ()


# --- the comparison chart, compact ------------------------------------------------------------

SURVEY_NAMES = (
    "New Zealand",
    "Cook Islands",
    "Niue",
    "Guam",
    "Nauru",
    "Samoa",
    "Australia",
    "South Korea",
    "Solomon Islands",
    "Tonga",
    "American Samoa",
    "Northern Mariana Islands",
    "Fiji",
    "Liberia",
    "Kyrgyzstan",
    "Marshall Islands",
    "Mozambique",
    "Federated States of Micronesia",
    "Papua New Guinea",
    "Democratic Republic of the Congo",
    "Angola",
    "Nepal",
    "Kazakhstan",
    "Vietnam",
    "Mexico",
    "United States",
    "Saudi Arabia",
    "Brazil",
    "Venezuela",
    "Jordan",
    "United Kingdom",
    "New Caledonia",
    "Tuvalu",
)


def test_comparison_of_33_countries_is_compact(style: Style) -> None:
    """33 countries at 481 pt: at most ~330 pt tall, rows 8.5–9.5 pt apart, this country in the
    neutral highlight (bold name, a light row, its dot), the band tints behind."""
    assert len(SURVEY_NAMES) == 33
    spec = replace(
        _comparison(33, highlight_index=22),
        items=tuple(
            replace(item, label=name, highlight=k == 22)
            for k, (item, name) in enumerate(zip(_comparison(33).items, SURVEY_NAMES, strict=True))
        ),
        highlight="Kazakhstan",
    )
    drawing = render_chart(spec, style, 481.0)
    assert_reads_well(spec, drawing, style, 481.0)
    assert drawing.height <= 330.5, drawing.height
    assert_highlighted(spec, drawing, style)
    others = _markers(drawing, style.colors.others.rgb)
    highlight = _markers(drawing, style.colors.highlight.rgb)
    assert len(others) == 32 and len(highlight) == 1
    ys = sorted((_centre_y(op) for op in others + highlight), reverse=True)
    assert all(7.9 <= a - b <= 8.6 for a, b in pairwise(ys)), [a - b for a, b in pairwise(ys)]
    fills = {op.fill[:3] for op in drawing.ops if isinstance(op, PathOp) and op.fill}
    assert {style.colors.band_tint[b].rgb for b in BAND_NAMES} <= fills
    # the light row lies behind this country's name, its dot and its value
    (row,) = [
        op
        for op in drawing.ops
        if isinstance(op, PathOp)
        and op.fill is not None
        and op.fill[:3] == style.colors.highlight.rgb
        and op.fill[3] < 0.2
    ]
    ry = [pt[1] for seg in row.segments for pt in seg.points]
    assert min(ry) < _centre_y(highlight[0]) < max(ry)
    name = next(op for op in texts_of(drawing) if op.text == "Kazakhstan")
    assert name.font.bold and min(ry) < name.y < max(ry)


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


@st.composite
def _scorecards(draw: st.DrawFn) -> Scorecard:
    panels = []
    for title, scale in (("Civil and political rights", CPR), ("Quality of life", ESR)):
        rows = []
        for k, name in enumerate(draw(st.lists(_names, min_size=1, max_size=9))):
            top = scale.maximum
            v = draw(st.floats(0, top))
            spread = draw(st.none() | st.floats(0, top * 0.3))
            direction: Direction = draw(st.sampled_from(["up", "down", "flat", "none"]))
            change = "" if direction == "none" else f"{draw(st.floats(0, top)):.1f} in 2017"
            rows.append(
                ScorecardRow(
                    name,
                    v,
                    f"{v:.1f}",
                    draw(st.sampled_from(BAND_NAMES)),
                    draw(st.sampled_from(list(BAND_LABELS.values()))),
                    None if spread is None else v - spread,
                    None if spread is None else v + spread,
                    change,
                    direction,
                    draw(st.booleans()),
                    k == 0,
                )
            )
        panels.append(ScorecardPanel(title, tuple(rows), scale))
    return Scorecard(tuple(panels), _texts("Random scorecard", "", **CARD_LEGEND_EN))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_scorecards(), width=st.floats(255, 520))
def test_random_scorecards_never_collide_or_spill(spec: Scorecard, width: float) -> None:
    style = load_style("base")
    drawing = render_chart(spec, style, width)
    assert not overlaps(drawing), overlaps(drawing)
    assert not outside(drawing), outside(drawing)
    assert not foreign_colours(drawing, style)
    assert not cut_texts(drawing)


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
    assert not cut_texts(drawing), cut_texts(drawing)
    assert not small_texts(drawing), small_texts(drawing)


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
    """Shading in the four band tints; solid band colours only for the marks of their band."""
    spec = EDGE_CASES["rights 0 and 10 beyond the axis"]
    assert isinstance(spec, RightsChart)
    drawing = render_chart(spec, style, A4_WIDTH)
    fills = {op.fill[:3] for op in drawing.ops if isinstance(op, PathOp) and op.fill}
    assert {style.colors.band_tint[b].rgb for b in BAND_NAMES} <= fills
    assert solid_bands_drawn(drawing, style) == {i.band for i in spec.items} != set(BAND_NAMES)
    for item in spec.items:  # each dot in its own band's colour
        colour = style.colors.band[item.band].rgb
        assert any(
            op.fill is not None and op.fill[:3] == colour and op.fill[3] == 1.0
            for op in drawing.ops
            if isinstance(op, PathOp) and len(op.segments) > 8
        )
