"""Colour contrast and colour meaning of every shipped style, measured as WCAG 2.2 measures it.

The formulas are written out here, independently of the code under test (WCAG 2.2,
"relative luminance" and "contrast ratio"; CIE 1976 L*a*b* for colour distances):

* relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B, where each of R, G, B is the sRGB
  component c (0..1) linearised: c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4;
* contrast ratio (L1 + 0.05) / (L2 + 0.05), L1 the lighter of the two.

Text (``text``, ``muted``) must reach 4.5:1 on white, on ``panel`` and on every band tint (a
label may sit on shading); marks (band solids, ``highlight``, ``others``, ``global_best``,
``female``, ``male``, ``accent``) 3:1 on white (non-text contrast). The band tints must be
visibly distinct from white and from each other, the band solids distinct in greyscale and
each able to carry a label (white or ``text`` at 4.5:1: the compendium sets scores on them).
The highlight ("this country") and the colours of other meanings (second benchmark, women,
men) must not be near any band's colour. ``test_a_planted_bad_colour_fails`` shows each check
failing on a colour that breaks it.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import pytest

from reportgen.resources import styles_dir
from reportgen.style import BAND_NAMES, Style, load_style

STYLES = sorted(p.stem for p in styles_dir().glob("*.toml"))

TEXT_MIN = 4.5  # WCAG 2.2 SC 1.4.3 (AA), normal text
MARK_MIN = 3.0  # WCAG 2.2 SC 1.4.11, non-text contrast
TINT_VS_WHITE_MIN = 1.2  # a tint must show on white paper (the old 'bad' tint was 1.09)
TINT_DELTA_E_MIN = 10.0  # two tints (or a tint and white) apart by at least this (CIE76)
GREY_MIN = 1.4  # band solids apart in greyscale: luminance contrast between any two
OTHER_MEANING_DELTA_E_MIN = 20.0  # highlight, benchmark, women, men: this far from a band
NEUTRAL_CHROMA = 8.0  # a colour this grey has no hue to mistake for a band's


# --- the formulas (WCAG 2.2 and CIE 1976), on "#rrggbb" strings ----------------------------------


def _channels(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance."""
    r, g, b = (_linear(c) for c in _channels(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIE 1976 L*a*b* (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in _channels(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    """CIE76 colour difference (about 2.3 is just noticeable; 10 plainly different)."""
    return math.dist(lab(a), lab(b))


def chroma(hex_colour: str) -> float:
    _l, a, b = lab(hex_colour)
    return math.hypot(a, b)


def hue_angle(hex_colour: str) -> float:
    _l, a, b = lab(hex_colour)
    return math.degrees(math.atan2(b, a)) % 360


WHITE = "#ffffff"


# --- the checks, each returning what breaks it (empty: fine) -----------------------------------


def text_problems(style: Style) -> list[str]:
    c = style.colors
    grounds = {"white": WHITE, "panel": c.panel.hex}
    grounds |= {f"band_tint.{b}": c.band_tint[b].hex for b in BAND_NAMES}
    found = []
    for name, colour in (("text", c.text.hex), ("muted", c.muted.hex)):
        for ground_name, ground in grounds.items():
            ratio = contrast(colour, ground)
            if ratio < TEXT_MIN:
                found.append(f"{name} on {ground_name}: {ratio:.2f}:1 < {TEXT_MIN}")
    # The highlight prints this country's value and the accent this country's values (trend
    # ends, cloud words), on white and on the tints.
    for name, colour in (("highlight", c.highlight.hex), ("accent", c.accent.hex)):
        for ground_name, ground in grounds.items():
            ratio = contrast(colour, ground)
            if ratio < TEXT_MIN:
                found.append(f"{name} on {ground_name}: {ratio:.2f}:1 < {TEXT_MIN}")
    return found


def mark_colours(style: Style) -> dict[str, str]:
    c = style.colors
    marks = {f"band.{b}": c.band[b].hex for b in BAND_NAMES}
    marks |= {
        "highlight": c.highlight.hex,
        "others": c.others.hex,
        "global_best": c.global_best.hex,
        "female": c.female.hex,
        "male": c.male.hex,
        "accent": c.accent.hex,
    }
    return marks


def mark_problems(style: Style) -> list[str]:
    found = []
    for name, colour in mark_colours(style).items():
        ratio = contrast(colour, WHITE)
        if ratio < MARK_MIN:
            found.append(f"{name} on white: {ratio:.2f}:1 < {MARK_MIN}")
    return found


def tint_problems(style: Style) -> list[str]:
    tints = {b: style.colors.band_tint[b].hex for b in BAND_NAMES}
    found = []
    for band, tint in tints.items():
        if contrast(tint, WHITE) < TINT_VS_WHITE_MIN:
            found.append(f"band_tint.{band} vs white: {contrast(tint, WHITE):.2f}:1")
        if delta_e(tint, WHITE) < TINT_DELTA_E_MIN:
            found.append(f"band_tint.{band} vs white: ΔE {delta_e(tint, WHITE):.1f}")
    for a, b in combinations(BAND_NAMES, 2):
        if delta_e(tints[a], tints[b]) < TINT_DELTA_E_MIN:
            found.append(f"band_tint.{a} vs band_tint.{b}: ΔE {delta_e(tints[a], tints[b]):.1f}")
    return found


def band_problems(style: Style) -> list[str]:
    c = style.colors
    solids = {b: c.band[b].hex for b in BAND_NAMES}
    found = []
    for a, b in combinations(BAND_NAMES, 2):
        ratio = contrast(solids[a], solids[b])
        if ratio < GREY_MIN:
            found.append(f"band.{a} vs band.{b} in greyscale: {ratio:.2f}:1 < {GREY_MIN}")
    for band, solid in solids.items():
        label = max(contrast(solid, WHITE), contrast(solid, c.text.hex))
        if label < TEXT_MIN:
            found.append(f"band.{band} carries no label at 4.5:1 (best {label:.2f}:1)")
    return found


def meaning_problems(style: Style) -> list[str]:
    """Colours of other meanings must not be mistaken for a band (solid or tint)."""
    c = style.colors
    bands = {f"band.{b}": c.band[b].hex for b in BAND_NAMES}
    others = {
        "highlight": c.highlight.hex,
        "global_best": c.global_best.hex,
        "female": c.female.hex,
        "male": c.male.hex,
    }
    found = []
    for name, colour in others.items():
        for band_name, band in bands.items():
            distance = delta_e(colour, band)
            if distance < OTHER_MEANING_DELTA_E_MIN:
                found.append(f"{name} is {distance:.1f} ΔE from {band_name}")
            # A coloured (not grey) mark of another meaning must not share a band's hue.
            gap = abs((hue_angle(colour) - hue_angle(band) + 180) % 360 - 180)
            if chroma(colour) >= NEUTRAL_CHROMA and gap < 25:
                found.append(f"{name} has {band_name}'s hue ({gap:.0f}° apart)")
    if delta_e(c.female.hex, c.male.hex) < OTHER_MEANING_DELTA_E_MIN:
        found.append("female and male look alike")
    return found


CHECKS = (text_problems, mark_problems, tint_problems, band_problems, meaning_problems)


@pytest.mark.parametrize("name", STYLES)
@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_shipped_styles_pass(name: str, check: object) -> None:
    assert callable(check)
    problems = check(load_style(name))
    assert not problems, f"{name}: {problems}"


def test_formulas_match_wcag_reference_values() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert luminance("#808080") == pytest.approx(0.2159, abs=1e-4)
    assert delta_e("#ff0000", "#ff0000") == 0.0


def test_the_old_palette_is_refused() -> None:
    """The palette before this check: a red highlight in the 'very bad' hue, a 'bad' band too
    light for a mark, band shading nearly white, grey others under 3:1."""
    old = load_style("base")
    c = old.colors
    bad = {
        "highlight": "#d1495b",
        "others": "#9aa5b1",
        "band.bad": "#f4a582",
        "band.very_bad": "#b2182b",
        # the old shading: each band colour at 13% over white
        "band_tint.bad": "#fdf1ec",
    }
    assert contrast(bad["band.bad"], WHITE) < MARK_MIN
    assert contrast(bad["others"], WHITE) < MARK_MIN
    assert contrast(bad["band_tint.bad"], WHITE) < TINT_VS_WHITE_MIN
    assert delta_e(bad["highlight"], bad["band.very_bad"]) < 30
    assert abs(hue_angle(bad["highlight"]) - hue_angle(bad["band.very_bad"])) < 25
    assert c.highlight.hex != bad["highlight"]


def _planted(tmp_path: Path, body: str) -> Style:
    path = tmp_path / "planted.toml"
    path.write_text('inherit = "base"\n' + body, encoding="utf-8")
    return load_style(path)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ('[colors]\nmuted = "#8a929c"\n', text_problems),  # muted too light: 3.2:1
        ('[colors]\naccent = "#5b8fd0"\n', text_problems),  # accent values under 4.5:1
        ('[colors]\npanel = "#b8c0c8"\n', text_problems),  # muted on a dark panel
        ('[colors.band_tint]\ngood = "#7fb0c4"\n', text_problems),  # muted on a dark tint
        ('[colors]\nothers = "#b8c0c8"\n', mark_problems),  # other countries too pale
        ('[colors.band]\nbad = "#f4a582"\n', mark_problems),  # the old 'bad': 2:1
        ('[colors]\nmale = "#9ccc65"\n', mark_problems),
        ('[colors.band_tint]\nbad = "#fdf1ec"\n', tint_problems),  # nearly white
        ('[colors.band_tint]\ngood = "#d3ece6"\n', tint_problems),  # the same as 'fair'
        ('[colors.band]\ngood = "#1f8270"\n', band_problems),  # 'fair' again
        ('[colors.band]\nfair = "#3a86c8"\n', band_problems),  # carries no label at 4.5:1
        ('[colors]\nhighlight = "#8c1030"\n', meaning_problems),  # 'very bad' red
        ('[colors]\nhighlight = "#d1495b"\n', meaning_problems),  # the old red highlight
        ('[colors]\nfemale = "#0c5670"\n', meaning_problems),  # 'good' blue
        ('[colors]\nglobal_best = "#e07a2f"\n', meaning_problems),  # 'bad' orange
    ],
)
def test_a_planted_bad_colour_fails(tmp_path: Path, body: str, check: object) -> None:
    assert callable(check)
    assert check(_planted(tmp_path, body)), f"{body!r} passed {getattr(check, '__name__', '')}"


def tint_table(style: Style) -> str:
    """The band tints' contrast against white and against each other, as a table."""
    tints = {b: style.colors.band_tint[b].hex for b in BAND_NAMES}
    head = f"{'':>9} {'hex':>8} {'white':>6} " + " ".join(f"{b:>8}" for b in BAND_NAMES)
    lines = [head]
    for a in BAND_NAMES:
        cells = " ".join(
            f"{'':>8}"
            if a == b
            else f"{contrast(tints[a], tints[b]):>5.2f}/{delta_e(tints[a], tints[b]):<2.0f}"
            for b in BAND_NAMES
        )
        lines.append(f"{a:>9} {tints[a]:>8} {contrast(tints[a], WHITE):>6.2f} {cells}")
    return "\n".join(lines)


def test_tint_table_is_printable(capsys: pytest.CaptureFixture[str]) -> None:
    """``pytest -s tests/test_contrast.py -k table`` prints the tints' contrast (ratio/ΔE)."""
    for name in STYLES:
        print(f"\n{name}: band tints, contrast ratio / CIE76 ΔE\n{tint_table(load_style(name))}")
    assert "very_bad" in capsys.readouterr().out
