"""Golden-text snapshots of a report, one file per top-level section.

``REPORTGEN_UPDATE_SNAPSHOTS=1`` rewrites them instead of comparing; read the diff after.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportgen.model import Report
from reportgen.textrender import render_section

SNAPSHOTS = Path(__file__).parent / "snapshots" / "text"
UPDATE = os.environ.get("REPORTGEN_UPDATE_SNAPSHOTS") == "1"


def check_text_snapshots(case: str, report: Report) -> None:
    """Compare each section's text with ``snapshots/text/<case>/NN-<id>.md`` (or rewrite them)."""
    folder = SNAPSHOTS / case
    sections = [
        (f"{i:02d}-{s.id}", render_section(s) + "\n") for i, s in enumerate(report.sections)
    ]
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.md"):
            old.unlink()
        for name, text in sections:
            (folder / f"{name}.md").write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no snapshots for {case}: run with REPORTGEN_UPDATE_SNAPSHOTS=1"
    assert sorted(p.stem for p in folder.glob("*.md")) == [n for n, _ in sections]
    for name, text in sections:
        expected = (folder / f"{name}.md").read_text(encoding="utf-8")
        assert text == expected, (
            f"section {name} of {case} changed (refresh with REPORTGEN_UPDATE_SNAPSHOTS=1)"
        )
