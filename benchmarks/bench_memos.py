"""Benchmark: the layout's memos on and off, built alternately in one process.

Usage: python benchmarks/bench_memos.py [RELEASE_DIR] [--countries N] [--pairs P]
       (default: $HRMI_DATA_DIR, else the demo release; every country; 3 pairs)

Two memos keep what reportlab would compute again: the parsed markup of a paragraph
(``reportgen.layout.tagging.marking.PARSE_MEMO``) and a font's split of a text into subset
codes (``reportgen.layout._fonts.SPLIT_MEMO``, with the shortcut that splits a text of known
characters by ``str.translate``). For each, every report of the release is
built with it off, then on, P times; the script prints the on/off time ratio of each pair
(the machine's speed drifts: a ratio taken pair by pair, and their median, survive it) and
how many PDFs differ between the two states (it must be none: a memo that changed a byte
would be wrong). Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

import reportgen.layout._fonts as fonts
import reportgen.layout.tagging.marking as marking
from reportgen.build import build_country
from reportgen.errors import NoDataError
from reportgen.load import Dataset, load_release
from reportgen.style import Style, load_style

ROOT = Path(__file__).resolve().parent.parent


def _build_all(dataset: Dataset, style: Style, codes: list[str]) -> tuple[dict[str, bytes], float]:
    out: dict[str, bytes] = {}
    started = time.perf_counter()
    for code in codes:
        with contextlib.suppress(NoDataError):  # (a country without data has no report)
            out[code] = build_country(dataset, code, style).pdf
    return out, time.perf_counter() - started


def main() -> None:
    """Time each memo off and on, alternately, and count the PDFs that differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("release", nargs="?", default=None)
    parser.add_argument("--countries", type=int, default=0, help="only the first N (0: all)")
    parser.add_argument("--pairs", type=int, default=3, help="off/on pairs (default 3)")
    args = parser.parse_args()
    hrmi = os.environ.get("HRMI_DATA_DIR")
    directory = Path(args.release or hrmi or ROOT / "data" / "demo")
    dataset, style = load_release(directory), load_style()
    codes = sorted(dataset.countries["country"])
    if args.countries:
        codes = codes[: args.countries]
    build_country(dataset, codes[0], style)  # (imports, fonts, first figures)
    print(f"release:   {directory} ({len(codes)} countries)")
    for name, module, flag in (
        ("paragraph markup", marking, "PARSE_MEMO"),
        ("font splits", fonts, "SPLIT_MEMO"),
    ):
        ratios: list[float] = []
        differ = 0
        for _ in range(args.pairs):
            # a pair: off, then on (the machine's speed drifts; the ratio is taken pair by pair)
            setattr(module, flag, False)
            reference, off = _build_all(dataset, style, codes)
            setattr(module, flag, True)
            built, on = _build_all(dataset, style, codes)
            ratios.append(on / off)
            differ += sum(1 for code, pdf in built.items() if reference.get(code) != pdf)
        print(
            f"{name + ':':18s} on/off per pair {' '.join(f'{r:.3f}' for r in ratios)}, "
            f"median {statistics.median(ratios):.3f}; PDFs that differ: {differ}"
        )


if __name__ == "__main__":
    main()
