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
    Quote,
    Report,
    Section,
    Span,
    Table,
)


def _spans(spans: tuple[Span, ...]) -> str:
    """Spans as Markdown: an editor's emphasis as ``*…*``, links as ``[text](url)``."""
    out = []
    for s in spans:
        text = f"*{s.text}*" if s.emphasis else s.text
        out.append(f"[{text}]({s.href})" if s.href else text)
    return "".join(out)


def _block(block: object, heading: str = "") -> str:
    """One block as text; ``heading`` (its section's title) names an untitled chart."""
    if isinstance(block, Paragraph):
        return _spans(block.spans)
    if isinstance(block, BulletList):
        return "\n".join(f"- {_spans(item)}" for item in block.items)
    if isinstance(block, Quote):
        quoted = "\n>\n".join(f"> {_spans(p)}" for p in block.paragraphs)
        return f"{quoted}\n\n— {block.attribution}"
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
    if cover.intro:
        head.append(_spans(cover.intro))
    if report.illustrative_mark:
        head.append(f"**{report.illustrative_mark}**")
    head.append(_block(cover.figures))
    return (
        "\n\n".join(head) + "\n\n" + "\n\n".join(render_section(s) for s in report.sections) + "\n"
    )
