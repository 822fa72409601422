"""Load a style: ``styles/NAME.toml`` (with ``inherit`` chains) → a validated ``Style``.

In:  a style name (a file in ``styles/``) or a path to a TOML file.
Out: ``Style``, frozen, every colour parsed and every number checked once, here.

A style file may start with ``inherit = "base"``; its tables are merged over the parent's
key by key, so a theme states only what it changes.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from reportgen.errors import StyleError
from reportgen.resources import styles_dir
from reportgen.rules import BAND_NAMES, CPR_BANDS, ESR_BANDS, BandName, BandScale

__all__ = ["BAND_NAMES", "BandName", "BandScale", "ChartOptions", "Color", "Style", "load_style"]

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Color:
    """An sRGB colour; ``hex`` is ``#rrggbb``."""

    hex: str

    @property
    def rgb(self) -> tuple[float, float, float]:
        """Components in 0..1."""
        h = self.hex.lstrip("#")
        return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


@dataclass(frozen=True, slots=True)
class PageStyle:
    """Page size name and margins in millimetres."""

    size: Literal["A4", "Letter"]
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float


@dataclass(frozen=True, slots=True)
class FontStyle:
    """Font family and sizes in points; ``text_faces``: a publisher's own TrueType files for
    running text (regular, bold, italic, bold italic; a project's ``[font]``), or none: the
    family's. Charts, running heads and folios keep the family."""

    family: str
    body_size: float
    leading: float
    h1_size: float
    h2_size: float
    h3_size: float
    small_size: float
    chart_size: float
    text_faces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Colors:
    """Named colours, each meaning one thing.

    ``band`` maps each band to its solid colour (marks: dots, bars, chips; used for bands
    only), ``band_tint`` to its light tint (shading behind data). ``highlight`` marks "this
    country" among others (a neutral ink, no band's hue), ``others`` the other countries,
    ``global_best`` the second benchmark, ``female``/``male`` women and men.
    """

    text: Color
    muted: Color
    accent: Color
    accent_light: Color
    rule: Color
    highlight: Color
    panel: Color
    illustrative: Color
    others: Color
    global_best: Color
    female: Color
    male: Color
    band: dict[BandName, Color]
    band_tint: dict[BandName, Color]


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """Switches of the charts: ``word_cloud`` adds a word cloud beside the people-at-risk bars."""

    word_cloud: bool


@dataclass(frozen=True, slots=True)
class Style:
    """A complete, validated style. ``source`` lists the files merged, base first."""

    name: str
    page: PageStyle
    fonts: FontStyle
    colors: Colors
    charts: ChartOptions
    cpr_bands: BandScale  # the method's bands (reportgen.rules), not a style setting
    esr_bands: BandScale
    source: tuple[Path, ...]


def _read_chain(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], tuple[Path, ...]]:
    if path in seen:
        raise StyleError(
            f"{path.name}: 'inherit' forms a cycle ({' → '.join(p.name for p in seen)})."
        )
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise StyleError(
            f"Style file not found: {path}. Use a name from {styles_dir()} or a path to a .toml file."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise StyleError(f"{path}: not valid TOML ({exc}). Fix the syntax at that line.") from None
    parent_name = data.pop("inherit", None)
    if parent_name is None:
        return data, (path,)
    parent_path = _resolve(str(parent_name), relative_to=path.parent)
    parent, chain = _read_chain(parent_path, (*seen, path))
    return _merge(parent, data), (*chain, path)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(name_or_path: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml":
        if not candidate.is_absolute() and relative_to is not None and not candidate.exists():
            candidate = relative_to / candidate
        return candidate
    local = (relative_to / f"{name_or_path}.toml") if relative_to else None
    if local is not None and local.exists():
        return local
    return styles_dir() / f"{name_or_path}.toml"


def _get(data: dict[str, Any], dotted: str, file: Path) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise StyleError(
                f"{file.name}: missing setting '{dotted}'. Add it or inherit from 'base'."
            )
        node = node[part]
    return node


def _number(data: dict[str, Any], dotted: str, file: Path, minimum: float = 0.0) -> float:
    value = _get(data, dotted, file)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise StyleError(f"{file.name}: '{dotted}' must be a number ≥ {minimum}, not {value!r}.")
    return float(value)


def _bool(data: dict[str, Any], dotted: str, file: Path) -> bool:
    value = _get(data, dotted, file)
    if not isinstance(value, bool):
        raise StyleError(
            f"{file.name}: '{dotted}' must be true or false (TOML booleans, unquoted), "
            f"not {value!r}."
        )
    return value


def _color(data: dict[str, Any], dotted: str, file: Path) -> Color:
    value = _get(data, dotted, file)
    if not isinstance(value, str) or not _HEX.match(value):
        raise StyleError(
            f"{file.name}: '{dotted}' must be a colour like \"#1d4e89\", not {value!r}."
        )
    return Color(value.lower())


_MIN_CHART_SIZE = 7.0  # chart text is never set smaller (house style)
FONT_FAMILIES = ("DejaVu Sans",)  # the faces shipped with the package (through matplotlib)
_FONT_SIZES = ("body_size", "leading", "h1_size", "h2_size", "h3_size", "small_size", "chart_size")
_COLOR_NAMES = (
    "text",
    "muted",
    "accent",
    "accent_light",
    "rule",
    "highlight",
    "panel",
    "illustrative",
    "others",
    "global_best",
    "female",
    "male",
)
# Every key a style may set; anything else is an error naming the nearest of these.
_SCHEMA: dict[str, Any] = {
    "name": None,
    "page": dict.fromkeys(
        ("size", "margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm")
    ),
    "fonts": {"family": None, **dict.fromkeys(_FONT_SIZES)},
    "colors": {
        **dict.fromkeys(_COLOR_NAMES),
        "band": dict.fromkeys(BAND_NAMES),
        "band_tint": dict.fromkeys(BAND_NAMES),
    },
    "charts": {"word_cloud": None},
}


_MOVED = {"bands": "band thresholds are the method's (reportgen/rules.py), not a style setting"}


def _check_keys(data: dict[str, Any], schema: dict[str, Any], file: Path) -> None:
    """Refuse a key the style does not have (``[colours]``, ``body_sise``), naming the nearest."""

    def walk(node: dict[str, Any], allowed: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.5)
                hint = f" Did you mean '{prefix}{close[0]}'?" if close else ""
                if dotted in _MOVED:
                    hint = f" Remove it: {_MOVED[dotted]}."
                valid = ", ".join(f"{prefix}{k}" for k in allowed)
                raise StyleError(f"{file}: unknown setting '{dotted}'.{hint} Valid here: {valid}.")
            if isinstance(allowed[key], dict):
                if not isinstance(value, dict):
                    raise StyleError(f"{file}: '{dotted}' must be a table ([{dotted}]).")
                walk(value, allowed[key], dotted + ".")

    walk(data, schema, "")


def load_style(name_or_path: str | Path = "base") -> Style:
    """Load and validate a style by name (``"base"``) or path; raise ``StyleError`` if invalid.

    Every key is checked: an unknown or misspelt one is an error naming the nearest valid
    key, so no setting is silently ignored. Band thresholds are not a style setting (they are
    the method's, ``reportgen.rules``).
    """
    path = _resolve(str(name_or_path))
    data, chain = _read_chain(path)
    for file in chain:  # each file on its own, so the message names the one to fix
        with file.open("rb") as fh:
            own = tomllib.load(fh)
        own.pop("inherit", None)
        _check_keys(own, _SCHEMA, file)
    family = _get(data, "fonts.family", path)
    if family not in FONT_FAMILIES:
        raise StyleError(
            f"{path.name}: fonts.family = {family!r} is not available; the reports are set in "
            f"{', '.join(FONT_FAMILIES)}, the faces shipped with reportgen. Remove the setting "
            "or write one of those."
        )
    size = _get(data, "page.size", path)
    if size not in ("A4", "Letter"):
        raise StyleError(f'{path.name}: page.size must be "A4" or "Letter", not {size!r}.')
    page = PageStyle(
        size=size,
        **{
            k: _number(data, f"page.{k}", path)
            for k in ("margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm")
        },
    )
    sizes = {
        k: _number(data, f"fonts.{k}", path, minimum=_MIN_CHART_SIZE if k == "chart_size" else 4)
        for k in _FONT_SIZES
    }
    fonts = FontStyle(str(family), **sizes)  # type: ignore[arg-type]
    colors = Colors(
        **{n: _color(data, f"colors.{n}", path) for n in _COLOR_NAMES},
        band={b: _color(data, f"colors.band.{b}", path) for b in BAND_NAMES},
        band_tint={b: _color(data, f"colors.band_tint.{b}", path) for b in BAND_NAMES},
    )
    return Style(
        name=str(data.get("name", path.stem)),
        page=page,
        fonts=fonts,
        colors=colors,
        charts=ChartOptions(word_cloud=_bool(data, "charts.word_cloud", path)),
        cpr_bands=CPR_BANDS,
        esr_bands=ESR_BANDS,
        source=chain,
    )


def profile_style(style: Style) -> Style:
    """``style`` set denser for the two-page profile: body text nine tenths as large (never
    under 7.5 pt) on a tighter leading, headings smaller; charts, colours and page as they are."""
    f = style.fonts
    body = max(7.5, round(f.body_size * 0.9, 2))
    fonts = dataclasses.replace(
        f,
        body_size=body,
        leading=round(body * 1.3, 2),
        h1_size=round(max(f.h2_size, f.h1_size * 0.7), 2),
        h2_size=round(max(f.h3_size, f.h2_size * 0.8), 2),
        h3_size=round(max(body, f.h3_size * 0.9), 2),
    )
    return dataclasses.replace(style, fonts=fonts)
