"""What every section builder of the narrative needs: the context, and shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportgen.codebook import Codebook
from reportgen.facts import CountryFacts, CprDimension, QualityOfLife
from reportgen.load import Dataset
from reportgen.model import BandScaleSpec, Paragraph
from reportgen.phrases import Country, Phrases
from reportgen.project import Publisher
from reportgen.style import BAND_NAMES, BandName, BandScale, Style


@dataclass(frozen=True)
class Context:
    """What every section builder needs."""

    dataset: Dataset
    facts: CountryFacts
    style: Style
    book: Codebook
    ph: Phrases
    c: Country
    # What the report has already said once (see ``first``) and how often each varied phrase
    # was used (see ``pv``): the only state, local to one report's build.
    _said: set[str] = field(default_factory=set)
    _turns: dict[str, int] = field(default_factory=dict)
    # who publishes the report, when not the data's author (a project's [publisher])
    publisher: Publisher | None = None

    def first(self, what: str) -> bool:
        """True the first time ``what`` is asked about in this report: explain a thing once."""
        if what in self._said:
            return False
        self._said.add(what)
        return True

    def variant(self, key: str, per: str = "") -> str:
        """``key`` or one of its variants ``key_2``, ``key_3``…, taken in turn.

        A sentence the report says of several rights is worded in turn by each variant the
        phrase book has, so the same template is not read again and again; the order is
        fixed, so the text is reproducible. With ``per``, the turns are counted apart for
        each value of ``per``: the trend sentence takes its wordings in turn for each change
        its clause states, and the clause its own, so two sentences on the same change read
        alike only after as many uses as the product of the two counts (when coprime).
        """
        variants = [key]
        while self.ph.has(f"{key}_{len(variants) + 1}"):
            variants.append(f"{key}_{len(variants) + 1}")
        counter = f"{key} per {per}" if per else key
        turn = self._turns.get(counter, 0)
        self._turns[counter] = turn + 1
        return variants[turn % len(variants)]

    def pv(self, key: str, role: str = "body", **values: Any) -> Paragraph:
        """``p`` with the next variant of ``key``."""
        return self.p(self.variant(key), role, **values)

    def country(self, code: str) -> Country:
        return Country.of(self.book.country(code, self.dataset.names))

    def p(self, key: str, role: str = "body", **values: Any) -> Paragraph:
        return Paragraph(self.ph.render(key, c=self.c, **values), role)  # type: ignore[arg-type]

    def t(self, key: str, **values: Any) -> str:
        return self.ph.text(key, c=self.c, **values)

    def alt(self, key: str, **values: Any) -> str:
        """A chart's alternative text: a sentence, so it starts with a capital."""
        return "".join(span.text for span in self.ph.render(key, c=self.c, **values))

    @property
    def release(self) -> str:
        return release_title(self.dataset, self.ph)

    def source(self) -> str:
        return self.t("chart.source", release=self.release)

    def band_labels(self) -> dict[Any, str]:
        return {b: self.book.bands[b] for b in BAND_NAMES}


def band_scale(bands: BandScale, maximum: float) -> BandScaleSpec:
    limits = (0.0, bands.very_bad, bands.bad, bands.fair, maximum)
    return BandScaleSpec(
        tuple((b, limits[i], limits[i + 1]) for i, b in enumerate(BAND_NAMES)), maximum, bands.unit
    )


def slug(*parts: str) -> str:
    return "-".join(p.replace("_", "-") for p in parts)


def at_or_worse(band: BandName, of: BandName) -> bool:
    return BAND_NAMES.index(band) <= BAND_NAMES.index(of)


def threats(
    ctx: Context, dim: CprDimension, words: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """The rights a dimension's sentence may name, so that a list names only what is true:
    ``threats`` scored in its band or worse (for a good band: below good), ``held`` in its
    band or better, ``safe`` scored good. ``words`` turns a right's key into the words the
    sentence uses (default: the codebook's short noun)."""
    word = words or (lambda key: ctx.book.rights[key].short)
    band = dim.band or "very_bad"
    limit: BandName = "fair" if band == "good" else band
    return {
        "threats": [word(r.key) for r in dim.rights if at_or_worse(r.band, limit)],
        "held": [word(r.key) for r in dim.rights if at_or_worse(band, r.band)],
        "safe": [word(r.key) for r in dim.rights if r.band == "good"],
    }


def suggestion(ctx: Context, dim: CprDimension) -> str:
    assert dim.band is not None
    return ctx.t(f"suggest.{dim.key}.{dim.band}", **threats(ctx, dim))


def esr_suggestion(ctx: Context, q: QualityOfLife) -> str:
    """Quality of life suggestion naming the rights scored in the overall band or worse
    (good: the rights scored good)."""
    assert q.band is not None
    band = q.band
    rights = [
        ctx.book.rights[r.key].short
        for r in q.rights
        if (r.band == "good" if band == "good" else at_or_worse(r.band, band))
    ]
    return ctx.t(f"suggest.quality_of_life.{band}", rights=rights)


def standard_note(ctx: Context, standard: str) -> str:
    return ctx.t(f"chart.standard_short_{standard}")


def when(ctx: Context, year: int, standard: str | None) -> str:
    """ "2017", or "2017, core standard" for a figure from the other standard."""
    return ctx.t(
        "overview.esr.when",
        year=year,
        standard=ctx.t(f"qol.standard_name.{standard}") if standard else "",
    )


def dim_short(ctx: Context, key: str) -> str:
    """The dimension's bare noun in a sentence ("a very low 2.5/10 for empowerment")."""
    return ctx.book.dimensions[key].short


def release_title(dataset: Dataset, ph: Phrases) -> str:
    """The release as this language's sentences name it (its own title, or phrase meta.release)."""
    info = dataset.info
    own = info.title_in(ph.language)
    return own if own is not None else ph.release_title(info.title, info.publication_year, False)


def group_label(ctx: Context, code: str) -> str:
    return ctx.book.groups[code].label if code in ctx.book.groups else code
