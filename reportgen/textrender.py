"""Plain-text renderer: ``Report`` → Markdown-style text, for review and diffs between releases.

In:  a ``Report``. Out: text with ``#`` headings, paragraphs, ``-`` bullets, tables as
pipes, and each chart as its caption and alternative text (what a reader who cannot see
the chart is told).
"""

from __future__ import annotations

from reportgen.model import (
    BulletList,
    Chart,
    ChartRow,
    KeyFigures,
    Paragraph,
    Report,
    Section,
    Table,
)


def _block(block: object, heading: str = "") -> str:
    """One block as text; ``heading`` (its section's title) names an untitled chart."""
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, BulletList):
        return "\n".join(f"- {item}" for item in block.texts)
    if isinstance(block, KeyFigures):
        return "\n".join(f"- {f.label}: {f.value} ({f.band_label})" for f in block.figures)
    if isinstance(block, Table):
        lines = [" | ".join(block.header), " | ".join("---" for _ in block.header)]
        lines += [" | ".join(row) for row in block.rows]
        return "\n".join(lines) + (f"\n\n{block.caption}" if block.caption else "")
    if isinstance(block, ChartRow):
        return "\n\n".join(_block(chart) for chart in block.charts)
    if isinstance(block, Chart):
        head = f"[Chart: {block.spec.texts.title or heading}] {block.alt}"
        return f"{head}\n{block.caption}" if block.caption else head
    raise TypeError(f"unknown block {type(block).__name__}")


def render_section(section: Section) -> str:
    """Render one section and its children."""
    parts = [f"{'#' * section.level} {section.title}"]
    parts += [_block(b, section.title) for b in section.blocks]
    text = "\n\n".join(parts)
    for child in section.children:
        text += "\n\n" + render_section(child)
    return text


def render_text(report: Report) -> str:
    """Render the whole report, cover first."""
    cover = report.cover
    head = [f"# {cover.title}", cover.kicker, cover.subtitle, cover.lede]
    if report.illustrative_mark:
        head.append(f"**{report.illustrative_mark}**")
    head.append(_block(cover.figures))
    return (
        "\n\n".join(head) + "\n\n" + "\n\n".join(render_section(s) for s in report.sections) + "\n"
    )
