"""The report model: what a country report says and shows, as frozen data.

In:  nothing (types only); ``reportgen.narrative`` builds a ``Report`` from facts and phrases.
Out: ``Report``: a cover, sections of headings and blocks (paragraphs with emphasised
     figures, bullet lists, key-figure panels, tables, chart slots), and metadata.

No rendering library is imported here. A chart slot carries a ``ChartSpec``: the data to
plot and every word printed on it, already in the report's language; the charts stage
draws it and the layout stage places it. Text is plain Unicode: escaping for a rendering
format is the renderer's job, so labels such as ``Trinidad & Tobago <2>`` pass intact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reportgen.style import BandName


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text; ``strong`` marks a key figure, ``emphasis`` an editor's emphasis and
    ``href`` a link's target (an http, https or mailto URL: editorial text only)."""

    text: str
    strong: bool = False
    emphasis: bool = False
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of running text."""

    spans: tuple[Span, ...]
    role: Literal["body", "lead", "note", "caveat"] = "body"

    @property
    def text(self) -> str:
        """The paragraph as plain text."""
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True)
class BulletList:
    """A bulleted list; each item is a paragraph's spans."""

    items: tuple[tuple[Span, ...], ...]

    @property
    def texts(self) -> tuple[str, ...]:
        """The items as plain text."""
        return tuple("".join(s.text for s in item) for item in self.items)


@dataclass(frozen=True, slots=True)
class Quote:
    """A pull quote from an editorial file: its paragraphs and the source it is attributed
    to ("Human Rights Watch, 2019"), set apart from the running text."""

    paragraphs: tuple[tuple[Span, ...], ...]
    attribution: str

    @property
    def text(self) -> str:
        """The quote as plain text, paragraphs separated by a blank line."""
        return "\n\n".join("".join(s.text for s in p) for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One headline figure: ``label`` (e.g. "Empowerment"), ``value`` ("2.5/10"), its band."""

    label: str
    value: str
    band: BandName | None
    band_label: str
    target: str | None = None  # id of the section that explains it (for links)


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """A highlighted panel of headline figures."""

    figures: tuple[KeyFigure, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table of text cells; ``header`` is repeated if the table breaks across pages."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # right-align these columns
    caption: str = ""


# --- chart specifications (data + words; no drawing) ------------------------------------


@dataclass(frozen=True, slots=True)
class ChartTexts:
    """Every word a chart prints, in the report's language."""

    title: str
    axis: str  # value-axis label with its unit
    source: str
    band_labels: dict[BandName, str] = field(default_factory=dict)
    legend: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BandScaleSpec:
    """Band limits of a scale, for shading: (band, lower, upper)."""

    bands: tuple[tuple[BandName, float, float], ...]
    maximum: float
    unit: str  # "/10" or "%"


@dataclass(frozen=True, slots=True)
class HeadlineItem:
    """One bar of the overview chart."""

    label: str
    value: float | None
    band: BandName | None
    scale: BandScaleSpec
    value_text: str


@dataclass(frozen=True, slots=True)
class HeadlineChart:
    """Overview: the three headline scores, each against its four bands."""

    items: tuple[HeadlineItem, ...]
    texts: ChartTexts


@dataclass(frozen=True, slots=True)
class RangeItem:
    """A score with its 10th–90th percentile band."""

    label: str
    mean: float
    lo: float
    hi: float
    band: BandName
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class RightsChart:
    """A dimension's rights (civil and political), each with its uncertainty band."""

    items: tuple[RangeItem, ...]
    scale: BandScaleSpec
    texts: ChartTexts


@dataclass(frozen=True, slots=True)
class ComparisonChart:
    """One right across every survey country, sorted, this country highlighted.

    ``metric`` and ``year`` identify the cross-country data, which is the same for every
    country of a release: only ``highlight`` changes.
    """

    metric: str
    year: int
    items: tuple[RangeItem, ...]  # best first
    highlight: str  # label of the highlighted row
    scale: BandScaleSpec
    texts: ChartTexts


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """One right's (or dimension's) scores over the survey years."""

    label: str
    years: tuple[int, ...]
    mean: tuple[float, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TrendChart:
    """Civil and political scores over the survey years, a small panel per series."""

    series: tuple[TrendSeries, ...]
    scale: BandScaleSpec
    texts: ChartTexts


@dataclass(frozen=True, slots=True)
class EsrTrendChart:
    """Quality of life over all years under both benchmarks."""

    years: tuple[int, ...]
    income_adjusted: tuple[float, ...]
    global_best: tuple[float, ...]
    scale: BandScaleSpec
    texts: ChartTexts  # legend keys: "income_adjusted", "global_best"


@dataclass(frozen=True, slots=True)
class EsrRightItem:
    """One quality of life right under both benchmarks, and women/men where published."""

    label: str
    income_adjusted: float
    global_best: float | None
    band: BandName
    female: float | None = None
    male: float | None = None


@dataclass(frozen=True, slots=True)
class EsrRightsChart:
    """Quality of life rights under both benchmarks (legend keys as ``EsrTrendChart``)."""

    items: tuple[EsrRightItem, ...]
    scale: BandScaleSpec
    texts: ChartTexts
    by_sex: bool = False  # draw women/men instead of the two benchmarks


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    """One row of the scorecard: a right, or a dimension's or the overall score (``headline``).

    ``value_text`` is the score as the text prints it; ``lo``/``hi`` its uncertainty band
    (civil and political rights only). ``change`` is the printed earlier score the change is
    measured from (e.g. "3.2 in 2018"), empty when there is none; ``direction`` and ``clear``
    say which way it moved and whether the move is outside the earlier uncertainty band.
    """

    label: str
    value: float
    value_text: str
    band: BandName
    band_text: str
    lo: float | None = None
    hi: float | None = None
    change: str = ""
    direction: Literal["up", "down", "flat", "none"] = "none"
    clear: bool = False
    headline: bool = False


@dataclass(frozen=True, slots=True)
class ScorecardPanel:
    """The rows of one scale (civil and political out of 10, or quality of life in %)."""

    title: str
    rows: tuple[ScorecardRow, ...]
    scale: BandScaleSpec


@dataclass(frozen=True, slots=True)
class Scorecard:
    """Every right of a country in one graphic: score, band, uncertainty and change.

    ``texts.legend`` keys: "right", "score", "change" (column heads), "up", "down", "flat",
    "clear", "slight" (the change marks' legend).
    """

    panels: tuple[ScorecardPanel, ...]
    texts: ChartTexts


@dataclass(frozen=True, slots=True)
class ShareItem:
    """A group and the share of experts naming it (0–1)."""

    label: str
    share: float


@dataclass(frozen=True, slots=True)
class AtRiskChart:
    """People at risk: the exact shares of the top groups as bars.

    ``cloud`` (every group named) feeds a word cloud beside the bars only when the style asks
    for one (``charts.word_cloud``); its words are then sized by absolute share.
    """

    bars: tuple[ShareItem, ...]  # top groups, largest first
    cloud: tuple[ShareItem, ...]  # every group named, for the word cloud
    texts: ChartTexts


ChartSpec = (
    HeadlineChart
    | RightsChart
    | ComparisonChart
    | TrendChart
    | EsrTrendChart
    | EsrRightsChart
    | AtRiskChart
    | Scorecard
)


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart slot: what to draw, a caption, and a sentence for readers who cannot see it."""

    id: str
    spec: ChartSpec
    caption: str
    alt: str
    size: Literal["full", "half", "wide"] = "full"


@dataclass(frozen=True, slots=True)
class ChartRow:
    """Charts set side by side (each of ``size="half"``), read left to right."""

    charts: tuple[Chart, ...]


Block = Paragraph | BulletList | Quote | KeyFigures | Table | Chart | ChartRow


@dataclass(frozen=True, slots=True)
class Section:
    """A headed section; ``level`` 1–3; ``id`` is stable (anchors, bookmarks, links)."""

    id: str
    title: str
    level: int
    blocks: tuple[Block, ...]
    children: tuple[Section, ...] = ()

    def walk(self) -> list[Section]:
        """This section and every descendant, in reading order."""
        out = [self]
        for child in self.children:
            out += child.walk()
        return out


@dataclass(frozen=True, slots=True)
class Brand:
    """The publisher's logo: its file (SVG or PNG), what it says (its alternative text) and
    its bytes' SHA-256 (a changed logo is a changed report)."""

    logo: str
    alt: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Cover:
    """The cover page."""

    kicker: str  # e.g. "Country report · 2020"
    title: str  # the country's name
    subtitle: str
    lede: str  # the report's finding in a sentence or two, set large on the cover
    figures: KeyFigures
    intro: tuple[Span, ...] = ()  # an editor's short paragraph (editorial ``lede``), or none
    publisher: str = ""  # "Published by …" when the publisher is not the data's author


@dataclass(frozen=True, slots=True)
class Metadata:
    """Document metadata; ``created`` is derived from the release, for reproducible files."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str  # BCP 47, e.g. "en-GB"
    created: str  # ISO date "YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class Report:
    """One country report, or its two-page profile (``format``)."""

    country: str  # ISO3
    country_name: str
    language: str
    release_year: int
    cover: Cover
    sections: tuple[Section, ...]
    metadata: Metadata
    running_head: str
    page_label: str  # "page {page} of {pages}" (str.format fields filled by the layout)
    illustrative_mark: str | None  # printed on every page when the data are illustrative
    # "report": the full publication; "profile": the same facts on two pages
    format: Literal["report", "profile"] = "report"
    brand: Brand | None = None  # the publisher's logo, on the cover and the running head

    def walk(self) -> list[Section]:
        """Every section in reading order."""
        return [s for top in self.sections for s in top.walk()]

    def charts(self) -> list[Chart]:
        """Every chart in reading order."""
        out: list[Chart] = []
        for s in self.walk():
            for b in s.blocks:
                if isinstance(b, Chart):
                    out.append(b)
                elif isinstance(b, ChartRow):
                    out += b.charts
        return out
