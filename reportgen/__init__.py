"""reportgen: publication-quality PDF country reports from HRMI human-rights data.

The pipeline runs one way: load → facts → narrative → model → (charts, layout) → PDF →
compendium / distribution. Each stage is one module; see DESIGN.md.
"""

__version__ = "0.1.0"
