"""reportgen: publication-quality PDF country reports from HRMI human-rights data.

The pipeline runs one way: load → facts → narrative → model → (charts, layout) → PDF →
compendium / distribution. Each stage is one module; see DESIGN.md.

The public API (``docs/api.md``), imported on first use so that ``import reportgen`` stays
light: ``load_release``, ``report``, ``write_report``, ``run_batch`` and the types ``Dataset``,
``BuiltReport`` and ``BatchResult`` (``reportgen.api``). Everything else is internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "BatchResult",
    "BuiltReport",
    "Dataset",
    "__version__",
    "load_release",
    "report",
    "run_batch",
    "write_report",
]

if TYPE_CHECKING:
    from reportgen.api import (
        BatchResult,
        BuiltReport,
        Dataset,
        load_release,
        report,
        run_batch,
        write_report,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        # By name, not an import statement: the drawing code's digest follows the package's
        # import statements (``reportgen.build.drawing_modules``), and no drawing code asks
        # the package for these names.
        api = importlib.import_module("reportgen.api")
        return getattr(api, name)
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
