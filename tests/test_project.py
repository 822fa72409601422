"""The project file: a publisher's name, logo, colours, citation and phrases on every report,
the data still credited to its author; unknown keys refused, naming the nearest.

The branded demo (``examples/brand``) is built and read back: metadata (pikepdf), text
(pdfium), the colours drawn in the page streams, the logo's figure in the structure tree.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import page
import pikepdf
import pytest

from reportgen.batch import run_batch
from reportgen.build import BuiltReport, build_country, build_profile
from reportgen.compendium import build_compendium
from reportgen.errors import ReportgenError, TemplateError
from reportgen.load import Dataset
from reportgen.project import Project, ProjectError, branded_style, load_project
from reportgen.style import Style

from .conftest import DEMO_DIR
from .pdfcheck import page_texts, unembedded_fonts

BRAND = Path(__file__).resolve().parent.parent / "examples" / "brand"
NAME = "Lighthouse Rights Collective"
ACCENT = (0x7A, 0x1F, 0x5C)  # examples/brand/reportgen.toml's accent
LOGO_GOLD = (0xE0, 0xA8, 0x00)  # a colour only the logo has (examples/brand/logo.svg)


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(BRAND / "reportgen.toml")


@pytest.fixture(scope="module")
def branded(demo: Dataset, style: Style, project: Project) -> BuiltReport:
    return build_country(demo, "XAQ", branded_style(style, project), "en", project=project)


def _flat(pdf: bytes) -> str:
    return " ".join(" ".join(page_texts(pdf)).split())


def _fills(pdf: bytes, number: int) -> set[tuple[int, ...]]:
    """The RGB fill colours (0–255) set in one page's content and in its forms."""
    found: set[tuple[int, ...]] = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pdf_page = doc.pages[number]
        streams: list[pikepdf.Object] = [pdf_page.obj]
        resources = pdf_page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is not None:
            streams += [xobjects[key] for key in xobjects.keys()]  # noqa: SIM118 (pikepdf)
        for stream in streams:
            try:
                instructions = pikepdf.parse_content_stream(stream)
            except pikepdf.PdfError:
                continue
            for instruction in instructions:
                if str(instruction.operator) == "rg":
                    found.add(tuple(round(float(v) * 255) for v in instruction.operands))
    return found


def test_the_publisher_is_named_and_the_data_still_credited(branded: BuiltReport) -> None:
    text = _flat(branded.pdf)
    first = " ".join(page_texts(branded.pdf)[0].split())
    assert f"Published by {NAME} · https://lighthouse-rights.example" in first
    assert "Country brief · 2026" in first  # the project's own phrase (phrases-en.toml)
    # the citation by the publisher, the data credited to their author
    assert (
        f"Cite as: {NAME} (2026). Kestrel Islands: human rights country report. "
        "Data: reportgen demo, Demonstration release." in text
    )
    assert "Data: reportgen demo, Demonstration release." in text  # the sources' data credit
    # every page's footer names the publisher
    assert all(NAME in p for p in page_texts(branded.pdf))
    with pikepdf.open(io.BytesIO(branded.pdf)) as doc:
        assert str(doc.docinfo["/Author"]) == NAME
        assert "Demonstration release" in str(doc.docinfo["/Subject"])


def test_the_logo_and_colours_are_drawn(branded: BuiltReport) -> None:
    # the accent colour: the cover band and the headings; the logo on the cover and on the
    # running head of a body page
    assert ACCENT in _fills(branded.pdf, 0) and ACCENT in _fills(branded.pdf, 1)
    assert LOGO_GOLD in _fills(branded.pdf, 0) and LOGO_GOLD in _fills(branded.pdf, 1)
    assert (0x1D, 0x4E, 0x89) not in _fills(branded.pdf, 0)  # the base style's accent
    # the cover's logo is a figure saying what it shows
    with pikepdf.open(io.BytesIO(branded.pdf)) as doc:
        alts = []

        def walk(element: pikepdf.Object) -> None:
            if str(element.get("/S")) == "/Figure":
                alts.append(str(element.get("/Alt", "")))
            kids = element.get("/K")
            for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid)

        root = doc.Root.StructTreeRoot.K
        for top in list(root) if isinstance(root, pikepdf.Array) else [root]:
            walk(top)
    assert alts[0] == NAME
    assert unembedded_fonts(branded.pdf) == []
    result = page.validate_pdf_bytes(branded.pdf, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]


def test_without_a_project_nothing_changes(demo: Dataset, style: Style) -> None:
    plain = build_country(demo, "XAQ", style)
    assert plain.pdf == build_country(demo, "XAQ", style, project=load_project(None, DEMO_DIR)).pdf
    text = _flat(plain.pdf)
    assert "Published by" not in text
    assert "Cite as: reportgen demo (2026)." in text


def test_a_png_logo_and_a_citation_form(demo: Dataset, style: Style, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (60, 20), (0xE0, 0xA8, 0x00)).save(tmp_path / "logo.png")
    (tmp_path / "reportgen.toml").write_text(
        '[publisher]\nname = "Derechos Ya"\nlogo = "logo.png"\nlogo_alt = "Derechos Ya"\n'
        'citation = "{publisher}, {title} ({year}), with data by {data}."\n',
        encoding="utf-8",
    )
    project = load_project(None, tmp_path)  # found in the working directory
    built = build_profile(demo, "XAQ", style, "en", project=project)
    text = _flat(built.pdf)
    assert (
        "Cite as: Derechos Ya, Kestrel Islands: human rights country profile 2026 (2026), with "
        "data by reportgen demo." in text
    )
    with pikepdf.open(io.BytesIO(built.pdf)) as doc:
        images = [
            x
            for p in doc.pages
            for x in (p.obj.Resources.get("/XObject") or pikepdf.Dictionary()).values()
            if x.get("/Subtype") == "/Image"
        ]
        assert images and str(doc.docinfo["/Author"]) == "Derechos Ya"


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            '[publisher]\nnam = "X"\n',
            "unknown key 'publisher.nam' (did you mean 'publisher.name'?)",
        ),
        ('[colours]\naccent = "#000000"\n', "unknown key 'colours' (did you mean 'colors'?)"),
        (
            '[publisher]\nname = "X"\n[colors]\nacent = "#000000"\n',
            "(did you mean 'colors.accent'?)",
        ),
        ('[colors]\naccent = "blue"\n', 'must be a colour like "#1d4e89"'),
        ('[colors]\naccent = "#ffe000"\n', "text needs 4.5:1"),
        ('[colors.band]\nfair = "#f0f0f0"\n', "marks need 3.0:1"),
        ('[publisher]\nurl = "x"\n', "[publisher] needs a name"),
        ('[publisher]\nname = "X"\nlogo = "logo.svg"\n', "needs logo_alt"),
        ('[publisher]\nname = "X"\nlogo = "missing.png"\nlogo_alt = "X"\n', "does not exist"),
        ('[publisher]\nname = "X"\ncitation = "{titel}"\n', "uses {titel} (did you mean 'title'?)"),
        ('[defaults]\nlanguage = "en"\n', "(did you mean 'defaults.lang'?)"),
        ('[phrases]\nfrench = "x.toml"\n', "'french' is not a language"),
        ("publisher = 3\n", "'publisher' must be a table"),
        ("[publisher\n", "not valid TOML"),
    ],
)
def test_what_a_project_file_cannot_say(
    style: Style, tmp_path: Path, toml: str, error: str
) -> None:
    shutil.copy(BRAND / "logo.svg", tmp_path / "logo.svg")
    path = tmp_path / "reportgen.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        branded_style(style, load_project(path))
    assert str(path) in str(caught.value) and error in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("override", "error"),
    [
        (
            '[cover]\nkiker = "x"\n',
            "'cover.kiker' is no phrase of the en phrase book. Did you mean 'cover.kicker'?",
        ),
        ('[cover]\nkicker = "{{ year "\n', "is not a valid template"),
        ('locale = "fr"\n', "'locale' is the language's own"),
    ],
)
def test_a_phrase_override_must_be_a_phrase(
    demo: Dataset, style: Style, tmp_path: Path, override: str, error: str
) -> None:
    (tmp_path / "mine.toml").write_text(override, encoding="utf-8")
    (tmp_path / "reportgen.toml").write_text('[phrases]\nen = "mine.toml"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match=None) as caught:
        build_country(demo, "XAQ", style, project=load_project(tmp_path / "reportgen.toml"))
    assert error in str(caught.value), str(caught.value)


def test_the_projects_defaults_apply_unless_an_option_is_given(tmp_path: Path) -> None:
    """examples/brand sets the editorial folder: `build` with --config uses it."""

    def build(*more: str) -> str:
        out = tmp_path / "out"
        shutil.rmtree(out, ignore_errors=True)
        result = subprocess.run(
            [sys.executable, "-m", "reportgen", "build", "XAQ", "--out", str(out), *more],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return _flat((out / "XAQ-kestrel-islands-2026-en.pdf").read_bytes())

    config = str(BRAND / "reportgen.toml")
    assert "A harbour law under review" in build("--config", config)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "A harbour law under review" not in build("--config", config, "--editorial", str(empty))


def test_a_batch_brands_every_report_and_its_book(tmp_path: Path, project: Project) -> None:
    out = tmp_path / "out"
    result = run_batch(
        DEMO_DIR, out, ["XAQ", "XAT"], ("en",), jobs=1, project=project, formats=("profile",)
    )
    assert {o.status for o in result.outcomes} == {"built"}
    for outcome in result.outcomes:
        assert outcome.entry is not None
        with pikepdf.open(out / outcome.entry.file) as doc:
            assert str(doc.docinfo["/Author"]) == NAME
    book = build_compendium(out, "en")
    text = _flat(book.read_bytes())
    assert NAME in text and "Data: reportgen demo, Demonstration release." in text
    assert f"Data: {NAME}" not in text  # (the book's own pages credit the data's author too)
    # a changed project file changes every report
    edited = tmp_path / "brand"
    shutil.copytree(BRAND, edited)
    config = edited / "reportgen.toml"
    config.write_text(config.read_text().replace("#7a1f5c", "#5c1f7a"), encoding="utf-8")
    again = run_batch(
        DEMO_DIR,
        out,
        ["XAQ", "XAT"],
        ("en",),
        jobs=1,
        project=load_project(config),
        formats=("profile",),
    )
    assert {o.status for o in again.outcomes} == {"built"}


def test_a_project_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReportgenError, match="Project file not found"):
        load_project(tmp_path / "nope.toml")


def _plan_bodies(tmp_path: Path, project: Project, language: str = "en") -> list[str]:
    """The mails a dry run of ``distribute`` would send one recipient (Kestrel Islands)."""
    from reportgen.distribute import distribute, parse_sender

    from .test_distribute import make_reports

    tmp_path.mkdir(parents=True, exist_ok=True)
    reports = make_reports(tmp_path / "reports")
    if language != "en":  # (the stand-in reports, listed as built in that language)
        manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["reports"]:
            entry["language"] = language
        (reports / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    recipients = tmp_path / "r.csv"
    recipients.write_text(
        f"name,email,language,countries\nAna,ana@example.org,{language},XAQ\n", encoding="utf-8"
    )
    seen: list[str] = []
    distribute(
        recipients,
        reports,
        None,
        tmp_path / "l.sqlite",
        parse_sender("Reports <reports@example.org>"),
        on_plan=lambda plan: seen.extend(m.subject + "\n" + m.body for m in plan.messages),
        project=project,
    )
    return seen


def test_mails_are_signed_by_the_publisher_in_its_own_words(tmp_path: Path) -> None:
    plain = _plan_bodies(tmp_path / "a", load_project(None, tmp_path))
    assert len(plain) == 1
    assert "you asked for HRMI reports on these countries." in plain[0]
    branded = _plan_bodies(tmp_path / "b", load_project(BRAND / "reportgen.toml"))
    assert f"you asked for {NAME} reports on these countries." in branded[0]
    assert "Questions about these reports: reports@lighthouse-rights.example" in branded[0]
    # the data are still credited to their author
    assert "of the Human Rights Measurement Initiative (HRMI)" in branded[0]
    # a mail template of one's own, checked against the package's keys
    own = tmp_path / "own"
    own.mkdir()
    (own / "mail-en.toml").write_text(
        '[mail]\nsubject = "Your {{ reports|length }} report(s) from {{ publisher }}"\n',
        encoding="utf-8",
    )
    (own / "reportgen.toml").write_text(
        '[publisher]\nname = "Derechos Ya"\n[mail]\nen = "mail-en.toml"\n', encoding="utf-8"
    )
    mine = _plan_bodies(tmp_path / "c", load_project(own / "reportgen.toml"))
    assert mine[0].startswith("Your 1 report(s) from Derechos Ya\n")
    (own / "mail-en.toml").write_text('[mail]\nsubjet = "x"\n', encoding="utf-8")
    with pytest.raises(
        TemplateError, match=r"'mail.subjet' is no key .* Did you mean 'mail.subject'"
    ):
        _plan_bodies(tmp_path / "d", load_project(own / "reportgen.toml"))


@pytest.mark.parametrize("language", ["es", "fr", "pt"])
def test_mails_in_other_languages_name_the_publisher(tmp_path: Path, language: str) -> None:
    seen = _plan_bodies(tmp_path, load_project(BRAND / "reportgen.toml"), language)
    assert f"de {NAME} " in seen[0] and "HRMI sobre" not in seen[0]
    assert "reports@lighthouse-rights.example" in seen[0]


def _serif_project(tmp_path: Path) -> Project:
    """A project whose text face is DejaVu Serif (shipped with matplotlib: free to embed)."""
    from reportgen.layout._fonts import font_dir

    faces = font_dir()
    (tmp_path / "reportgen.toml").write_text(
        f'[font]\nregular = "{faces / "DejaVuSerif.ttf"}"\nbold = "{faces / "DejaVuSerif-Bold.ttf"}"\n',
        encoding="utf-8",
    )
    return load_project(tmp_path / "reportgen.toml")


def _faces(pdf: bytes, number: int) -> set[str]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fonts = doc.pages[number].obj.Resources.get("/Font") or pikepdf.Dictionary()
        return {str(f.BaseFont).split("+")[-1] for f in fonts.values()}


def test_the_text_is_set_in_the_publishers_face(
    demo: Dataset, style: Style, tmp_path: Path
) -> None:
    project = _serif_project(tmp_path)
    built = build_country(demo, "XAQ", branded_style(style, project), project=project)
    # running text in the serif (its bold for the figures), charts and folios in DejaVu Sans
    assert {"DejaVuSerif", "DejaVuSerif-Bold"} <= _faces(built.pdf, 0)
    assert "DejaVuSans" in _faces(built.pdf, 1)  # the scorecard's chart and the folio
    assert unembedded_fonts(built.pdf) == []
    plain = build_country(demo, "XAQ", style)
    assert "DejaVuSerif" not in _faces(plain.pdf, 0)
    # a book of such reports binds: its folios are renumbered in the folio's own face
    out = tmp_path / "out"
    run_batch(DEMO_DIR, out, ["XAQ", "XAT"], ("en",), jobs=1, project=project)
    book = build_compendium(out, "en", format="report")
    bound = book.read_bytes()
    with pikepdf.open(io.BytesIO(bound)) as doc:
        pages = len(doc.pages)
    assert any("DejaVuSerif" in _faces(bound, n) for n in range(pages))
    result = page.validate_pdf_bytes(built.pdf, profile="ua1")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]


def test_a_font_that_is_not_truetype_is_refused(tmp_path: Path) -> None:
    (tmp_path / "face.ttf").write_bytes(b"not a font")
    (tmp_path / "reportgen.toml").write_text('[font]\nregular = "face.ttf"\n', encoding="utf-8")
    with pytest.raises(ProjectError, match="is not a TrueType font that can be embedded"):
        load_project(tmp_path / "reportgen.toml")
    (tmp_path / "reportgen.toml").write_text('[font]\nbold = "face.ttf"\n', encoding="utf-8")
    with pytest.raises(ProjectError, match=r"\[font\] needs regular"):
        load_project(tmp_path / "reportgen.toml")


def _box_height(pdf: bytes, words: str) -> float:
    """The height of the first character of ``words`` on page 1 (its box, in points)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        text = doc[0].get_textpage()
        at = text.get_text_range().find(words)
        assert at >= 0, words
        _, bottom, _, top = text.get_charbox(at)
        return float(top - bottom)
    finally:
        doc.close()


@pytest.mark.parametrize("build", [build_country, build_profile])
def test_the_cover_grows_for_what_a_publisher_adds_rather_than_shrink_its_text(
    demo: Dataset, style: Style, project: Project, build: object
) -> None:
    """The logo, the publisher's line, an editor's title and lede: the band makes room, and
    the generated lede is set no smaller than without them."""
    assert callable(build)
    plain = build(demo, "XAQ", style)
    branded = build(
        demo,
        "XAQ",
        branded_style(style, project),
        "en",
        editorial=BRAND.parent / "editorial",
        project=project,
    )
    lede = "The Kestrel Islands scores a low"
    assert _box_height(branded.pdf, lede) >= 0.98 * _box_height(plain.pdf, lede)
