"""Editorial files: an editor's words placed at anchors, numbers checked against the data.

The spotlight test writes its own editorial file in the reference spotlight's structure (an
angle in the title, a lede, a context section with a bullet list, two quotes with their
sources, data sentences) and reads what the PDF shows: its text and order (pdfium), its
bookmarks (pypdf) and its structure tree (pikepdf). The numbers it expects come from the CSV
files, read by ``tests/independent.py``, or from the hand-written reference spotlight.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import page
import pikepdf
import pytest

from reportgen.batch import run_batch
from reportgen.build import BuiltReport, build_country, build_model, build_profile
from reportgen.editorial import EditorialError
from reportgen.load import Dataset
from reportgen.manifest import read_manifest
from reportgen.style import Style
from tests import independent as ind

from .conftest import DEMO_DIR
from .pdfcheck import outline, page_texts

SPOTLIGHT = """+++
title = "Kazakhstan: a promise still to keep"
lede = "A new president promised to protect every citizen's rights. The data show how far there is to go."
+++

## after: key-findings
### A president's promise

When he took office in 2019 the president said he would *protect the rights of every
citizen*. An open letter from [Steppe Rights Watch](https://example.org/letter) listed what
he would have to change:

- interference in elections;
- limits on **freedom of assembly**; and
- laws used against civil society.

> Promises are measured by what changes in the courts and on the streets.

— Steppe Rights Watch, 2019

## before: empowerment
Empowerment scores {{ score("empowerment") }} in {{ year("empowerment") }}, in the
{{ band("empowerment") }} range.

## after: assembly
Journalists were named at risk by {{ share("assembly", "journalists") }} of the experts.

> Every protest we cover ends with someone detained.

— Union of Independent Reporters, 2020
"""


@pytest.fixture(scope="module")
def spotlight_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("editorial")
    (folder / "KAZ.md").write_text(SPOTLIGHT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def spotlight(hrmi: Dataset, style: Style, spotlight_dir: Path) -> BuiltReport:
    return build_country(hrmi, "KAZ", style, "en", spotlight_dir)


@pytest.fixture(scope="module")
def release(hrmi_dir: Path) -> ind.Release:
    return ind.load(hrmi_dir)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_spotlight_reads_in_order_with_the_datas_numbers(
    spotlight: BuiltReport, release: ind.Release
) -> None:
    texts = [_flat(t) for t in page_texts(spotlight.pdf)]
    whole = " ".join(texts)
    # the angle is the title, the country's name under it, the editor's lede on the cover
    assert "Kazakhstan: a promise still to keep" in texts[0]
    assert "A new president promised to protect every citizen’s rights" in texts[0]
    # the context section follows the key findings, before the scorecard
    order = [
        "Key findings",
        "A president’s promise",  # (the editor's straight apostrophe made typographic)
        "When he took office in 2019",
        "interference in elections",
        "Promises are measured by what changes",
        "— Steppe Rights Watch, 2019",
        "Every right at a glance",
    ]
    at = [whole.find(words) for words in order]
    assert all(a >= 0 for a in at) and at == sorted(at), dict(zip(order, at, strict=True))
    # the placeholders print what the data say (2.5/10 is also the reference spotlight's)
    empowerment = ind.cpr_dimension(release, "KAZ", "empower")
    assert empowerment is not None and empowerment.printed == "2.5"
    band = {"very_bad": "very bad"}.get(empowerment.band, empowerment.band)
    assert f"Empowerment scores 2.5/10 in {empowerment.year}, in the ‘{band}’ range." in whole
    risk = ind.at_risk(release, "KAZ", "assem")
    assert risk is not None
    journalists = next(p for code, _, p in risk.groups if code == 17)
    assert (
        f"Journalists were named at risk by {ind.printed_share(journalists)}% of the experts."
        in whole
    )
    # the data sentence goes under its anchor, before the generated text of the section
    empower_at = whole.find("Empowerment scores 2.5/10")
    assert whole.find("Civil and political rights", whole.find("Every right")) < empower_at
    assert empower_at < whole.find("Kazakhstan’s empowerment score of 2.5/10")
    # the editor's section is bookmarked where it stands
    titles = [item.title for item in outline(spotlight.pdf)]
    assert titles[titles.index("Key findings") + 1] == "A president’s promise"


@dataclass
class _Element:
    """A structure element as read: its role, /ID, its kids' roles, and the annotations
    (URL, /Contents, has /StructParent) of its object references."""

    role: str
    ident: str
    kids: list[str]
    annots: list[tuple[str, str, bool]]


def _elements(pdf: bytes) -> list[_Element]:
    """Every structure element, depth first."""
    found: list[_Element] = []

    def kids_of(element: pikepdf.Object) -> list[pikepdf.Object]:
        kids = element.get("/K")
        return list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]

    def walk(element: pikepdf.Object) -> None:
        kids = kids_of(element)
        roles = [str(k.S)[1:] for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        annots = [
            (
                str(k.Obj.A.get("/URI", "")),
                str(k.Obj.get("/Contents", "")),
                "/StructParent" in k.Obj,
            )
            for k in kids
            if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR" and "/A" in k.Obj
        ]
        found.append(_Element(str(element.S)[1:], str(element.get("/ID", "")), roles, annots))
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for top in kids_of(doc.Root.StructTreeRoot):
            walk(top)
    return found


def test_quotes_lists_and_links_are_tagged(spotlight: BuiltReport) -> None:
    elements = _elements(spotlight.pdf)
    # each quote is one BlockQuote: its paragraph, then its source
    assert [e.kids for e in elements if e.role == "BlockQuote"] == [["P", "P"], ["P", "P"]]
    # the editor's section: its heading, paragraph, list of three items and quote, in order
    section = next(e for e in elements if e.ident == "section:editorial-1")
    assert section.kids == ["H1", "P", "L", "BlockQuote"]
    start = elements.index(section)
    items = next(e for e in elements[start:] if e.role == "L")
    assert items.kids == ["LI", "LI", "LI"]
    # the link: a Link element of its paragraph holding the annotation, which describes it
    links = [a for e in elements if e.role == "Link" for a in e.annots]
    letter = [a for a in links if a[0] == "https://example.org/letter"]
    assert letter and all(
        "Steppe Rights Watch" in contents and parent for _, contents, parent in letter
    )
    result = page.validate_pdf_bytes(spotlight.pdf, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]


def test_a_wrong_number_is_refused_with_its_file_line_and_the_datas_value(
    hrmi_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "editorial"
    folder.mkdir()
    wrong = SPOTLIGHT.replace(
        'Empowerment scores {{ score("empowerment") }}', "Empowerment scores 2.7/10"
    )
    (folder / "KAZ.md").write_text(wrong, encoding="utf-8")
    line = 1 + wrong.splitlines().index(next(x for x in wrong.splitlines() if "2.7/10" in x))
    out = tmp_path / "out"
    for command in (
        ["build", "KAZ", "--data", str(hrmi_dir), "--editorial", str(folder), "--out", str(out)],
        ["check-editorial", str(folder), "--data", str(hrmi_dir)],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "reportgen", *command],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        message = " ".join(result.stderr.split())
        assert f"KAZ.md, line {line}: '2.7/10' beside 'Empowerment'" in message, message
        assert "2.5/10 in 2019" in message and "Traceback" not in message
    assert not out.exists() or not list(out.glob("*.pdf"))


def _read(demo: Dataset, style: Style, tmp_path: Path, body: str, code: str = "XAQ") -> str:
    """Build ``code``'s report with an editorial file of ``body``; its text (or the error)."""
    folder = tmp_path / "ed"
    folder.mkdir(exist_ok=True)
    (folder / f"{code}.md").write_text(body, encoding="utf-8")
    from reportgen.textrender import render_text

    _, report = build_model(demo, code, style, "en", folder)
    return render_text(report)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('+++\ntitel = "x"\n+++\n', "unknown key 'titel' (did you mean 'title'?)"),
        ("+++\ntitle = 3\n+++\n", "'title' must be text in quotes"),
        ('+++\ntitle = "x"\n', "the front matter opened by '+++' is not closed"),
        ("Some text.\n\n## after: summary\nMore.\n", "line 1: text before the first"),
        ("## after: sumary\nText.\n", "anchor 'sumary' is not a section"),
        ("## after: sumary\nText.\n", "(did you mean 'summary'?)"),
        ("## beside: summary\nText.\n", "line 1: '## beside: summary' is not a place for text"),
        ("## after: summary\n", "has no text under it"),
        ("## after: summary\n> A quote.\n", "a quote needs its source"),
        ("## after: summary\n> A quote.\n\nNot a source.\n", "a quote needs its source"),
        ("## after: summary\n[x](ftp://example.org/x)\n", "is not a web or mail address"),
        ("## after: summary\n![a](x.png)\n", "images cannot be placed"),
        ("## after: summary\n# Big\n", "a heading '#' cannot be placed"),
        ("## after: summary\nText.\n\n### Late\n", "must come first in its block"),
        ("## after: summary\n- a\n  - b\n", "a list inside a list"),
        ("## after: summary\n{% if x %}y{% endif %}\n", "template code"),
        ('## after: summary\n{{ scor("assembly") }}\n', "unknown placeholder 'scor'"),
        ('## after: summary\n{{ score("asembly") }}\n', "(did you mean 'assembly'?)"),
        ("## after: summary\n{{ score(assembly) }}\n", "must be names in quotes"),
        ('## after: summary\n{{ share("assembly") }}\n', "share() takes 2 names"),
        ('## after: summary\n{{ share("assembly", "pirates") }}\n', "no expert named the group"),
        ("## after: summary\n{{ __class__ }}\n", "is not a placeholder"),
        ("## after: summary\nAssembly and association scores 4.3/10.\n", "'4.3/10' beside"),
        ("## after: summary\nQuality of life is 93.8%.\n", "'93.8%' beside 'Quality of life'"),
        ("## after: summary\nQuality of life is 9.4/10.\n", "scored in per cent"),
        (
            "## after: summary\nFor assembly and association 99% of experts named everyone.\n",
            "'99%' beside 'assembly and association'",
        ),
    ],
)
def test_what_cannot_be_used_is_refused_with_its_line(
    demo: Dataset, style: Style, tmp_path: Path, body: str, error: str
) -> None:
    with pytest.raises(EditorialError) as caught:
        _read(demo, style, tmp_path, body)
    assert "XAQ.md" in str(caught.value) and error in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("body", "printed"),
    [
        # the data's own values, as written by an editor, pass: the score, its band's ends
        ("Assembly and association scores 4.2/10.", "scores 4.2/10"),
        ("Quality of life is 93.9%, food 92.8%.", "food 92.8%"),
        # a figure that is not HRMI's: a whole per cent not about experts, or in backticks
        ("Food prices rose 12% for the right to food.", "rose 12%"),
        ("Housing costs rose `12.5%` in housing.", "rose 12.5% in"),
        # raw HTML is printed as written, never interpreted
        ("A <b>bold</b> claim & more.", "A <b>bold</b> claim & more."),
        # a link that would run something is no link: printed as written
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        # a comment is the editor's note: it is not printed
        ("Seen. <!-- not this -->", "Seen."),
        # straight quotes and apostrophes set as the report's own
        ('He said "no" and it\'s done.', "He said “no” and it’s done."),
    ],
)
def test_what_may_be_written_is_printed_as_written(
    demo: Dataset, style: Style, tmp_path: Path, body: str, printed: str
) -> None:
    text = _read(demo, style, tmp_path, f"## after: summary\n{body}\n")
    assert printed in text
    assert "not this" not in text


def test_a_quotes_source_may_follow_it_on_the_next_line(
    demo: Dataset, style: Style, tmp_path: Path
) -> None:
    text = _read(
        demo, style, tmp_path, "## after: summary\n> Words.\n> More words.\n— A source, 2020\n"
    )
    assert "> Words. More words.\n\n— A source, 2020" in text


def test_the_profile_shows_the_blocks_at_its_anchors(
    demo: Dataset, style: Style, tmp_path: Path
) -> None:
    folder = Path(__file__).resolve().parent.parent / "examples" / "editorial"
    built = build_profile(demo, "XAQ", style, "en", folder)
    text = _flat(" ".join(page_texts(built.pdf)))
    assert built.pages == 2
    assert "The Kestrel Islands: open seas, closing doors" in text
    assert "A harbour law under review" in text and "Kestrel Fishers’ Collective" in text
    # blocks anchored to sections only the full report has are left out
    assert "the chance to move it" not in text
    report = build_country(demo, "XAQ", style, "en", folder)
    assert "the chance to move it" in _flat(" ".join(page_texts(report.pdf)))


def test_a_file_for_another_language_leaves_the_report_alone(
    demo: Dataset, style: Style, tmp_path: Path
) -> None:
    body = '+++\nlanguage = "fr"\ntitle = "Un titre"\n+++\n## after: summary\nTexte.\n'
    assert "Un titre" not in _read(demo, style, tmp_path, body)
    (tmp_path / "ed" / "XAQ.md").unlink()
    (tmp_path / "ed" / "XAQ.fr.md").write_text("## after: summary\nTexte.\n", encoding="utf-8")
    from reportgen.textrender import render_text

    _, french = build_model(demo, "XAQ", style, "fr", tmp_path / "ed")
    _, english = build_model(demo, "XAQ", style, "en", tmp_path / "ed")
    assert "Texte." in render_text(french) and "Texte." not in render_text(english)


def test_batch_places_the_files_and_rebuilds_a_country_whose_file_changed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ed"
    folder.mkdir()
    (folder / "XAQ.md").write_text("## after: summary\nFirst words.\n", encoding="utf-8")
    out = tmp_path / "out"
    codes = ["XAQ", "XAT"]
    first = run_batch(DEMO_DIR, out, codes, ("en",), jobs=1, editorial=folder)
    assert {o.status for o in first.outcomes} == {"built"}
    again = run_batch(DEMO_DIR, out, codes, ("en",), jobs=1, editorial=folder)
    assert {o.status for o in again.outcomes} == {"unchanged"}
    (folder / "XAQ.md").write_text("## after: summary\nOther words.\n", encoding="utf-8")
    third = run_batch(DEMO_DIR, out, codes, ("en",), jobs=1, editorial=folder)
    status = {o.code: o.status for o in third.outcomes}
    assert status == {"XAQ": "built", "XAT": "unchanged"}
    entry = read_manifest(out).get("XAQ", "en")
    assert entry is not None
    assert "Other words." in " ".join(page_texts((out / entry.file).read_bytes()))
    (folder / "XAQQ.md").write_text("## after: summary\nx\n", encoding="utf-8")
    with pytest.raises(EditorialError, match=r"'XAQQ' is not a country of the release"):
        run_batch(DEMO_DIR, out, codes, ("en",), jobs=1, editorial=folder)


def test_anchors_lists_the_places_of_a_report() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "anchors", "XAQ"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    names = [line[0] for line in lines]
    assert names[:3] == ["key-findings", "scorecard", "civil-political"]
    assert {"assembly", "assembly-risk", "quality-of-life", "summary", "sources"} <= set(names)
    assert "(also in the profile)" in result.stdout.splitlines()[0]


def test_the_demo_example_is_clean() -> None:
    folder = Path(__file__).resolve().parent.parent / "examples" / "editorial"
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "check-editorial", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "1 editorial file(s) checked: no problem." in result.stdout
