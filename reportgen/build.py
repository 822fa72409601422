"""Build orchestration for one country: release + country → PDF file, written atomically.

In:  a loaded ``Dataset``, an ISO3 code, a ``Style``, a language, an output directory.
Out: the PDF's path. The pipeline runs one way (facts → narrative → charts → layout); this
module only sequences the stages and writes the result so that a failed or interrupted
run never leaves a half-written file or replaces a good one.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportgen.charts import render_chart
from reportgen.errors import OutputError
from reportgen.facts import CountryFacts, compute_facts
from reportgen.layout.document import render_pdf, text_width
from reportgen.load import Dataset
from reportgen.model import Report
from reportgen.narrative import build_report
from reportgen.phrases import load_phrases
from reportgen.style import Style


@dataclass(frozen=True, slots=True)
class BuiltReport:
    """A report, its PDF bytes and its number of pages."""

    report: Report
    pdf: bytes
    pages: int
    scores: dict[
        str, float | None
    ]  # headline scores: empowerment, safety (/10), quality_of_life (%)

    @property
    def filename(self) -> str:
        """``KAZ-kazakhstan-2020-en.pdf``: code, ASCII slug of the name, release year, language."""
        r = self.report
        return f"{r.country}-{slugify(r.country_name)}-{r.release_year}-{r.language}.pdf"


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: "São Tomé and Príncipe" → "sao-tome-and-principe"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "country"


def build_country(dataset: Dataset, code: str, style: Style, language: str = "en") -> BuiltReport:
    """Run facts → narrative → charts → layout for one country; return the report and PDF bytes."""
    facts = compute_facts(dataset, code, style)
    report = build_report(dataset, facts, style, language)
    width = text_width(style)
    phrases = load_phrases(language)
    numbers = {"decimal": phrases.decimal_symbol, "percent": phrases.percent_template}
    drawings = {
        chart.id: render_chart(chart.spec, style, width, **numbers) for chart in report.charts()
    }
    rendered = render_pdf(report, drawings, style)
    return BuiltReport(report, rendered.data, rendered.pages, headline_scores(facts))


def headline_scores(facts: CountryFacts) -> dict[str, float | None]:
    """The three headline scores of a country (None where not produced)."""
    q = facts.quality_of_life
    return {
        "empowerment": facts.empowerment.score.mean
        if facts.empowerment and facts.empowerment.score
        else None,
        "safety": facts.safety.score.mean if facts.safety and facts.safety.score else None,
        "quality_of_life": q.income_adjusted if q else None,
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    A reader sees the old file or the new one, never a partial one; an interruption leaves at
    most a temporary file (``.*.tmp``), which later runs remove.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(
            f"Cannot write to {path.parent}: {exc.strerror}. Choose another --out."
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files an interrupted run left behind in ``directory``."""
    if directory.is_dir():
        for leftover in directory.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
