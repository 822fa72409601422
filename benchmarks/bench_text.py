"""Measure how repetitive reports read: repeated sentence templates and figures said over and over.

Usage: python benchmarks/bench_text.py [--data RELEASE_DIR] [--lang en] [CODE ...]
       (default data: $HRMI_DATA_DIR, else the demo release; default codes: every country)
Prints, per country, the visible sentences, how many belong to a template another sentence of
the same report shares (names, numbers and right names replaced by placeholders: see
``tests/textmetrics.py``), that share, and the figures stated more than twice outside tables;
then the most used templates of the first country. Targets (issue 14): repeated share ≤ 15%,
no figure more than twice. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.codebook import load_codebook  # noqa: E402
from reportgen.facts import compute_facts  # noqa: E402
from reportgen.load import load_release  # noqa: E402
from reportgen.narrative import build_report  # noqa: E402
from reportgen.style import load_style  # noqa: E402
from tests.textmetrics import measure, report_names, subject_names  # noqa: E402


def main() -> None:
    """Print the repetition figures of the countries asked for."""
    parser = argparse.ArgumentParser()
    parser.add_argument("codes", nargs="*")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    hrmi = os.environ.get("HRMI_DATA_DIR")
    data = args.data or (Path(hrmi) if hrmi else ROOT / "data" / "demo")
    dataset = load_release(data)
    style = load_style("base")
    book = load_codebook(args.lang)
    codes = args.codes or sorted(dataset.countries["country"])
    first = None
    print(f"{'country':8} {'sentences':>9} {'repeated':>8} {'share':>6} {'figures>2':>9}")
    shares, survey = [], []
    names, subjects = report_names(book, dataset), subject_names(book)
    for code in codes:
        facts = compute_facts(dataset, code, style)
        if not facts.has_survey and facts.quality_of_life is None:
            continue
        report = build_report(dataset, facts, style, args.lang)
        m = measure(report, names, subjects)
        shares.append(m.repeated_share)
        if facts.has_survey:
            survey.append(m.repeated_share)
        first = first or m
        print(
            f"{code:8} {len(m.sentences):9d} {m.repeated:8d} {m.repeated_share:6.1%} "
            f"{len(m.figures_over_twice):9d}"
        )
    if shares:
        print(f"max share {max(shares):.1%}, mean {sum(shares) / len(shares):.1%}")
    if survey:
        print(
            f"survey countries ({len(survey)}): max share {max(survey):.1%}, "
            f"mean {sum(survey) / len(survey):.1%}"
        )
    if first:
        print("\nmost used templates of the first country:")
        for t, n in first.repeated_templates()[:25]:
            print(f"{n:3d}  {t}")
        for f, n in first.figures_over_twice:
            print(f"figure stated {n} times: {f}")


if __name__ == "__main__":
    main()
