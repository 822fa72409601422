"""Styles: every key is used or refused with the nearest valid name; themes inherit."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import StyleError
from reportgen.style import load_style


def _style(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "house.toml"
    path.write_text('inherit = "base"\n' + body, encoding="utf-8")
    return path


def test_shipped_styles_load() -> None:
    assert load_style("base").page.size == "A4"
    slate = load_style("letter-slate")
    assert slate.page.size == "Letter" and slate.fonts.body_size == 10
    assert slate.colors.accent.hex == "#36454f"
    assert slate.colors.text == load_style("base").colors.text  # inherited, not restated


def test_a_theme_overrides_one_value(tmp_path: Path) -> None:
    style = load_style(_style(tmp_path, '[colors]\naccent = "#112233"\n'))
    assert style.colors.accent.hex == "#112233"
    assert style.colors.muted == load_style("base").colors.muted


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[colours]\ntext = "#000000"\n', r"unknown setting 'colours'\. Did you mean 'colors'\?"),
        ("[fonts]\nbody_sise = 9\n", r"'fonts\.body_sise'\. Did you mean 'fonts\.body_size'\?"),
        ('[colors.band]\nverybad = "#000000"\n', r"Did you mean 'colors\.band\.very_bad'\?"),
        ("[chart]\ndpi_preview = 100\n", r"unknown setting 'chart'"),
        ("[bands.cpr]\nvery_bad = 3.0\n", r"'bands'\. Remove it: band thresholds are the method"),
        ('[colors.band_tint]\ngod = "#000000"\n', r"Did you mean 'colors\.band_tint\.good'\?"),
        ('[colors.band_tints]\ngood = "#000000"\n', r"Did you mean 'colors\.band_tint'\?"),
        ('[colors]\nfemal = "#000000"\n', r"Did you mean 'colors\.female'\?"),
        ("[charts]\nwordcloud = true\n", r"Did you mean 'charts\.word_cloud'\?"),
    ],
)
def test_unknown_keys_name_the_file_and_the_nearest_key(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(StyleError, match=message) as info:
        load_style(_style(tmp_path, body))
    assert "house.toml" in str(info.value)


def test_a_font_that_is_not_shipped_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StyleError, match=r"fonts\.family = 'Arial' is not available"):
        load_style(_style(tmp_path, '[fonts]\nfamily = "Arial"\n'))


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StyleError, match=r"'colors\.accent' must be a colour"):
        load_style(_style(tmp_path, '[colors]\naccent = "blue"\n'))
    with pytest.raises(StyleError, match=r"'colors\.band_tint\.bad' must be a colour"):
        load_style(_style(tmp_path, '[colors.band_tint]\nbad = "#fff"\n'))
    with pytest.raises(StyleError, match=r"page\.size must be"):
        load_style(_style(tmp_path, '[page]\nsize = "A5"\n'))
    with pytest.raises(StyleError, match=r"'fonts' must be a table"):
        load_style(_style(tmp_path, "fonts = 3\n"))


def test_new_colours_and_switches_load() -> None:
    base = load_style("base")
    assert base.charts.word_cloud is False  # bars only, unless a style asks for the cloud
    assert (
        set(base.colors.band_tint)
        == set(base.colors.band)
        == {
            "very_bad",
            "bad",
            "fair",
            "good",
        }
    )
    assert base.colors.female != base.colors.male
    assert base.colors.highlight not in base.colors.band.values()


def test_the_word_cloud_switch(tmp_path: Path) -> None:
    assert load_style(_style(tmp_path, "[charts]\nword_cloud = true\n")).charts.word_cloud
    for value in ('"yes"', "1", '"true"'):
        with pytest.raises(StyleError, match=r"'charts\.word_cloud' must be true or false"):
            load_style(_style(tmp_path, f"[charts]\nword_cloud = {value}\n"))


def test_chart_text_under_7pt_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StyleError, match=r"'fonts\.chart_size' must be a number ≥ 7"):
        load_style(_style(tmp_path, "[fonts]\nchart_size = 6.5\n"))
    assert load_style(_style(tmp_path, "[fonts]\nchart_size = 7\n")).fonts.chart_size == 7
