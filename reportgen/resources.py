"""Where the project's own data files live: styles, the demo release, codebooks, phrases.

In:  nothing. Out: paths. In a source checkout the files sit beside the package; in an
installed wheel they are bundled under ``reportgen/_bundled`` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent
_BUNDLED = PACKAGE_DIR / "_bundled"


def styles_dir() -> Path:
    """Return the directory of the shipped style files (``*.toml``)."""
    source = _SOURCE_ROOT / "styles"
    return source if source.is_dir() else _BUNDLED / "styles"


def demo_data_dir() -> Path:
    """Return the directory of the shipped synthetic demo release."""
    source = _SOURCE_ROOT / "data" / "demo"
    return source if source.is_dir() else _BUNDLED / "demo"


def i18n_dir() -> Path:
    """Return the directory holding one sub-directory of codebook and phrases per language."""
    return PACKAGE_DIR / "i18n"


def docs_dir() -> Path:
    """Return the directory of the user documentation shipped with the package (``docs/``)."""
    source = _SOURCE_ROOT / "docs"
    return source if source.is_dir() else _BUNDLED / "docs"


def examples_dir() -> Path:
    """Return the directory of the shipped examples (editorial files, a branded project)."""
    source = _SOURCE_ROOT / "examples"
    return source if source.is_dir() else _BUNDLED / "examples"
