"""Benchmark: the layout's memos on and off, built alternately in one process.

Usage: python benchmarks/bench_memos.py [RELEASE_DIR] [--countries N]
       (default: $HRMI_DATA_DIR, else the demo release; every country)

Two memos keep what reportlab would compute again: the parsed markup of a paragraph
(``reportgen.layout.tagging.marking.PARSE_MEMO``) and a font's split of a text into subset
codes (``reportgen.layout._fonts.SPLIT_MEMO``). Each is switched off and on in turn (off, on,
off, on) while every report of the release is built; the script prints the time of each
state, the ratio, and how many PDFs differ between the two states (it must be none: a memo
that changed a byte would be wrong). Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
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
        seconds = {False: 0.0, True: 0.0}
        differ = 0
        reference: dict[str, bytes] = {}
        for state in (False, True, False, True):
            setattr(module, flag, state)
            built, took = _build_all(dataset, style, codes)
            seconds[state] += took
            if not state:
                reference = built
            else:
                differ += sum(1 for code, pdf in built.items() if reference.get(code) != pdf)
        setattr(module, flag, True)
        print(
            f"{name + ':':18s} off {seconds[False]:6.2f} s, on {seconds[True]:6.2f} s, "
            f"on/off {seconds[True] / seconds[False]:.3f}; PDFs that differ: {differ}"
        )


if __name__ == "__main__":
    main()
