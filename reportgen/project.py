"""The project file: the publisher's identity and the defaults of a team's runs.

In:  ``reportgen.toml`` in the working directory, or the file given by ``--config``.
Out: ``Project``: who publishes the reports (distinct from who made the data: the release's
     author, HRMI, keeps the data credit everywhere), the logo, colours and citation form,
     phrase overrides per language, and the defaults of the command-line options.

::

    [publisher]
    name = "Derechos Ya"                        # required in [publisher]
    address = "Calle Mayor 1, Madrid"
    url = "https://derechosya.example"
    logo = "brand/logo.svg"                     # SVG or PNG, relative to this file
    logo_alt = "Derechos Ya"                    # required with a logo: what it says
    mail_logo = "brand/logo-mail.png"           # PNG for mails (clients do not show SVG);
                                                # default: the logo, when it is a PNG
    citation = "{publisher} ({year}). {title}. Data: {data}, {release}."
    contact = "Questions: reports@derechosya.example"   # the mails' contact line

    [colors]                                    # any colour of the style
    accent = "#7a1f5c"

    [defaults]                                  # of the command-line options
    data = "hrmi/release-2020"
    style = "base"
    lang = "en,es"
    format = "report,profile"
    editorial = "editorial"
    out = "output"

    [font]                                      # the running text's face (TrueType)
    regular = "fonts/Face-Regular.ttf"          # bold, italic, bold_italic: optional
    bold = "fonts/Face-Bold.ttf"

    [phrases]                                   # phrase overrides, per language
    en = "phrases/en.toml"

    [mail]                                      # mail template overrides, per language
    en = "mail/en.toml"                         # [mail] subject and body, as mail.toml's

Paths are relative to the project file. Every key is checked: an unknown one is an error
naming the nearest valid key; so is a phrase override for a key the phrase book does not have.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.style import Color, Style

__all__ = [
    "CITATION_FIELDS",
    "PROJECT_FILE",
    "Project",
    "ProjectError",
    "Publisher",
    "load_project",
]

PROJECT_FILE = "reportgen.toml"
CITATION_FIELDS = ("publisher", "year", "title", "country", "data", "release", "url")
_SCHEMA: dict[str, Any] = {
    "publisher": {
        "name": str,
        "address": str,
        "url": str,
        "logo": str,
        "logo_alt": str,
        "mail_logo": str,
        "citation": str,
        "contact": str,
    },
    "colors": dict,  # checked against the style's colour names when applied
    "defaults": {
        "data": str,
        "style": str,
        "lang": str,
        "format": str,
        "editorial": str,
        "out": str,
    },
    "phrases": dict,
    "mail": dict,
    "font": {"regular": str, "bold": str, "italic": str, "bold_italic": str},
}
FONT_SUFFIXES = (".ttf",)
LOGO_SUFFIXES = (".svg", ".png")
MAIL_LOGO_BYTES = 200_000


class ProjectError(ReportgenError):
    """The project file is missing, malformed, or names something that does not exist."""


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the reports: their name everywhere, the rest where given."""

    name: str
    address: str = ""
    url: str = ""
    logo: Path | None = None
    logo_alt: str = ""
    citation: str = ""  # the citation form (``CITATION_FIELDS``); "" for the phrase book's
    contact: str = ""
    mail_logo: Path | None = None  # a PNG for the HTML mail (else the logo, if a PNG)

    @property
    def mail_image(self) -> Path | None:
        """The PNG the HTML mail shows at its top (alt text: ``logo_alt``), if any."""
        if self.mail_logo is not None:
            return self.mail_logo
        if self.logo is not None and self.logo.suffix.lower() == ".png":
            return self.logo
        return None


@dataclass(frozen=True, slots=True)
class Project:
    """A project file as read (``path`` None: there is none; every field its default)."""

    path: Path | None = None
    publisher: Publisher | None = None
    colors: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, Path] = field(default_factory=dict)
    mail: dict[str, Path] = field(default_factory=dict)  # mail template overrides, per language
    font: tuple[Path, ...] = ()  # the text face: regular, bold, italic, bold italic (TrueType)

    def default(self, option: str, given: Any, fallback: Any) -> Any:
        """An option's value: ``given`` on the command line, else the project's default
        (paths relative to the project file), else ``fallback``."""
        if given is not None:
            return given
        value = self.defaults.get(option)
        if value is None:
            return fallback
        if option in ("data", "editorial", "out") and self.path is not None:
            return (self.path.parent / value).resolve()
        return value

    def digest(self) -> str:
        """What a report takes from the project, as hex digits: the file, its logo and its
        phrase files (a report is rebuilt when one changes)."""
        h = hashlib.sha256()
        for path in self.files():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()[:32]

    def files(self) -> list[Path]:
        """The project file and every file it names."""
        if self.path is None:
            return []
        found = [self.path]
        if self.publisher is not None:
            found += [p for p in (self.publisher.logo, self.publisher.mail_logo) if p is not None]
        found += [self.phrases[lang] for lang in sorted(self.phrases)]
        return found + [self.mail[lang] for lang in sorted(self.mail)] + list(self.font)


NO_PROJECT = Project()


def load_project(config: Path | None = None, cwd: Path | None = None) -> Project:
    """The project file ``config``, else ``reportgen.toml`` in ``cwd`` (default: the working
    directory), else no project (``NO_PROJECT``). ``ProjectError`` names the file, the key and
    what to write instead."""
    path = config
    if path is None:
        candidate = (cwd or Path.cwd()) / PROJECT_FILE
        if not candidate.is_file():
            return NO_PROJECT
        path = candidate
    if not path.is_file():
        raise ProjectError(f"Project file not found: {path}. Give --config an existing file.")
    path = path.resolve()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: not valid TOML ({exc}).") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror}).") from None
    _check(data, _SCHEMA, path, "")
    base = path.parent
    publisher = _publisher(data.get("publisher"), path, base)
    colors = {str(k): v for k, v in data.get("colors", {}).items()}
    _check_colors(colors, path)
    phrases = _per_language(data.get("phrases", {}), "phrases", path, base)
    mail = _per_language(data.get("mail", {}), "mail", path, base)
    defaults = {k: str(v) for k, v in data.get("defaults", {}).items()}
    return Project(path, publisher, colors, defaults, phrases, mail, _font(data, path, base))


def _font(data: dict[str, Any], path: Path, base: Path) -> tuple[Path, ...]:
    """The ``[font]`` faces as (regular, bold, italic, bold italic), each a TrueType file that
    loads; a face not given takes the regular's (bold italic: the bold's)."""
    table = data.get("font")
    if not table:
        return ()
    if "regular" not in table:
        raise ProjectError(f'{path}: [font] needs regular = "path/to/Face-Regular.ttf".')
    faces: dict[str, Path] = {}
    for key in ("regular", "bold", "italic", "bold_italic"):
        if key not in table:
            continue
        face = _existing(base / table[key], path, f"font.{key}")
        if face.suffix.lower() not in FONT_SUFFIXES:
            raise ProjectError(f"{path}: font.{key} {face.name} must be a TrueType (.ttf) file.")
        try:
            from reportlab.pdfbase.ttfonts import TTFontFile

            TTFontFile(str(face))
        except Exception as exc:  # reportlab raises its own TTFError and others
            raise ProjectError(
                f"{path}: font.{key} {face.name} is not a TrueType font that can be embedded "
                f"({exc})."
            ) from None
        faces[key] = face
    regular = faces["regular"]
    bold = faces.get("bold", regular)
    italic = faces.get("italic", regular)
    return (regular, bold, italic, faces.get("bold_italic", bold))


def _per_language(table: dict[str, Any], name: str, path: Path, base: Path) -> dict[str, Path]:
    """A ``[phrases]`` or ``[mail]`` table: a file per language, each checked to exist."""
    from reportgen.phrases import available_languages

    files: dict[str, Path] = {}
    for language, value in table.items():
        if language not in available_languages():
            raise ProjectError(
                f"{path}: [{name}] '{language}' is not a language"
                f"{_nearest(language, available_languages())}. Languages: "
                f"{', '.join(available_languages())}."
            )
        if not isinstance(value, str):
            raise ProjectError(f"{path}: {name}.{language} must be a file path in quotes.")
        files[language] = _existing(base / value, path, f"{name}.{language}")
    return files


def _publisher(table: dict[str, Any] | None, path: Path, base: Path) -> Publisher | None:
    if table is None:
        return None
    name = str(table.get("name", "")).strip()
    if not name:
        raise ProjectError(f'{path}: [publisher] needs a name (name = "...").')
    logo = None
    if "logo" in table:
        logo = _existing(base / table["logo"], path, "publisher.logo")
        if logo.suffix.lower() not in LOGO_SUFFIXES:
            raise ProjectError(f"{path}: publisher.logo {logo.name} must be an SVG or a PNG file.")
        if not str(table.get("logo_alt", "")).strip():
            raise ProjectError(
                f"{path}: publisher.logo needs logo_alt, the words a reader who cannot see the "
                f'logo is given (logo_alt = "{name}").'
            )
    mail_logo = None
    if "mail_logo" in table:
        mail_logo = _existing(base / table["mail_logo"], path, "publisher.mail_logo")
        head = mail_logo.read_bytes()[:8]
        if head != b"\x89PNG\r\n\x1a\n":
            raise ProjectError(
                f"{path}: publisher.mail_logo {mail_logo.name} is not a PNG file: mail clients "
                "show PNG images (not SVG). Export the logo as a PNG about 320 pixels wide."
            )
        if mail_logo.stat().st_size > MAIL_LOGO_BYTES:
            raise ProjectError(
                f"{path}: publisher.mail_logo {mail_logo.name} is "
                f"{mail_logo.stat().st_size / 1000:.0f} kB; a mail's logo should be at most "
                f"{MAIL_LOGO_BYTES // 1000} kB (every mail carries it). Export it smaller."
            )
        if not str(table.get("logo_alt", "")).strip():
            raise ProjectError(
                f"{path}: publisher.mail_logo needs logo_alt, the words a reader who cannot "
                f'see the logo is given (logo_alt = "{name}").'
            )
    citation = str(table.get("citation", ""))
    if citation:
        try:
            used = [f for _, f, _, _ in string.Formatter().parse(citation) if f is not None]
        except ValueError as exc:
            raise ProjectError(f"{path}: publisher.citation is not a form ({exc}).") from None
        wrong = [f for f in used if f not in CITATION_FIELDS]
        if wrong:
            raise ProjectError(
                f"{path}: publisher.citation uses {{{wrong[0]}}}"
                f"{_nearest(wrong[0], CITATION_FIELDS)}; its fields are "
                f"{', '.join('{' + f + '}' for f in CITATION_FIELDS)}."
            )
    return Publisher(
        name=name,
        address=str(table.get("address", "")),
        url=str(table.get("url", "")),
        logo=logo,
        logo_alt=str(table.get("logo_alt", "")).strip(),
        citation=citation,
        contact=str(table.get("contact", "")),
        mail_logo=mail_logo,
    )


def _check(data: dict[str, Any], schema: dict[str, Any], path: Path, prefix: str) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in schema:
            valid = ", ".join(f"{prefix}{k}" for k in schema)
            raise ProjectError(
                f"{path}: unknown key '{dotted}'{_nearest(key, schema, prefix)}. Valid here: "
                f"{valid}."
            )
        expected = schema[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ProjectError(f"{path}: '{dotted}' must be a table ([{dotted}]).")
            if expected:
                _check(value, expected, path, dotted + ".")
        elif expected is dict:
            if not isinstance(value, dict):
                raise ProjectError(f"{path}: '{dotted}' must be a table ([{dotted}]).")
        elif not isinstance(value, expected):
            raise ProjectError(f"{path}: '{dotted}' must be text in quotes, not {value!r}.")


def _check_colors(colors: dict[str, Any], path: Path) -> None:
    from reportgen.style import _COLOR_NAMES, BAND_NAMES

    names = [*_COLOR_NAMES, *(f"band.{b}" for b in BAND_NAMES)]
    names += [f"band_tint.{b}" for b in BAND_NAMES]
    flat: dict[str, Any] = {}
    for key, value in colors.items():
        if isinstance(value, dict):
            flat |= {f"{key}.{k}": v for k, v in value.items()}
        else:
            flat[key] = value
    for key, value in flat.items():
        if key not in names:
            raise ProjectError(
                f"{path}: unknown colour 'colors.{key}'{_nearest(key, names, 'colors.')}. "
                f"Colours: {', '.join(names)}."
            )
        if not isinstance(value, str) or not _is_hex(value):
            raise ProjectError(
                f'{path}: colors.{key} must be a colour like "#1d4e89", not {value!r}.'
            )


def _is_hex(value: str) -> bool:
    return len(value) == 7 and value[0] == "#" and all(c in string.hexdigits for c in value[1:])


def _existing(file: Path, path: Path, key: str) -> Path:
    if not file.is_file():
        raise ProjectError(f"{path}: {key} names {file}, which does not exist.")
    return file.resolve()


def _nearest(word: str, choices: Any, prefix: str = "") -> str:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{prefix}{found[0]}'?)" if found else ""


# --- the project's colours in a style ---------------------------------------------------------

TEXT_CONTRAST = 4.5  # text colours on white and on the panel (WCAG 2.2, AA)
MARK_CONTRAST = 3.0  # marks on white (band solids, highlight, others, ...)
_TEXT_COLORS = ("text", "muted", "accent")
_PAPER = ("white", "panel")


def branded_style(style: Style, project: Project) -> Style:
    """``style`` with the project's text face (``[font]``) and colours (``[colors]``);
    ``ProjectError`` when a colour would make text or marks too faint to read: text under
    4.5:1 against white or the panel, a mark under 3:1 against white."""
    if project.font:
        fonts = dataclasses.replace(style.fonts, text_faces=tuple(str(p) for p in project.font))
        style = dataclasses.replace(style, fonts=fonts)
    if not project.colors:
        return style
    from reportgen.style import Color

    flat: dict[str, str] = {}
    for key, value in project.colors.items():
        if isinstance(value, dict):
            flat |= {f"{key}.{k}": str(v).lower() for k, v in value.items()}
        else:
            flat[key] = str(value).lower()
    c = style.colors
    plain = {k: Color(v) for k, v in flat.items() if "." not in k}
    band = dict(c.band) | {
        k.split(".")[1]: Color(v) for k, v in flat.items() if k.startswith("band.")
    }
    tint = dict(c.band_tint) | {
        k.split(".")[1]: Color(v) for k, v in flat.items() if k.startswith("band_tint.")
    }
    colors = dataclasses.replace(c, **plain, band=band, band_tint=tint)  # type: ignore[arg-type]
    white = Color("#ffffff")
    for name in _TEXT_COLORS:
        for paper, against in (("white", white), ("panel", colors.panel)):
            ratio = contrast(getattr(colors, name), against)
            if ratio < TEXT_CONTRAST and (name in flat or "panel" in flat):
                raise ProjectError(
                    f"{project.path}: colors.{name} {getattr(colors, name).hex} reads at "
                    f"{ratio:.2f}:1 on {paper} ({against.hex}); text needs {TEXT_CONTRAST}:1. "
                    "Choose a darker colour."
                )
    marks = [("highlight", colors.highlight), ("others", colors.others)]
    marks += [(f"band.{b}", colors.band[b]) for b in colors.band]
    for name, color in marks:
        ratio = contrast(color, white)
        if name in flat and ratio < MARK_CONTRAST:
            raise ProjectError(
                f"{project.path}: colors.{name} {color.hex} stands at {ratio:.2f}:1 on white; "
                f"marks need {MARK_CONTRAST}:1. Choose a darker colour."
            )
    return dataclasses.replace(style, colors=colors)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2.2 contrast ratio of two colours (1 to 21)."""

    def luminance(color: Color) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(v) for v in color.rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
