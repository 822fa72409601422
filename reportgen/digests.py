"""Canonical values to digest: what the batch compares to tell whether a report or a book
would change (``reportgen.build.report_digest``, ``reportgen.batch.compendium_digest``).

In:  values of the model (frozen dataclasses, tuples, dicts, text and numbers) and styles.
Out: canonical JSON bytes (the same value gives the same bytes in any process) and a style's
     resolved settings.

Light on purpose (the standard library only): a batch re-run with nothing changed digests
its compendium without importing the data or drawing stages.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.style import Style


def style_values(style: Style) -> dict[str, object]:
    """The resolved settings of ``style``: everything but its name and the files it came from."""
    return {
        name: getattr(style, name) for name in _field_names(type(style)) if name not in _NOT_DRAWN
    }


_NOT_DRAWN = ("name", "source")  # a style's name and files: never on a page


def canonical_json(value: object) -> bytes:
    """``value`` as canonical JSON: the same value gives the same bytes, in any process.

    Frozen dataclasses become objects with their type's name under ``""`` (a ``TrendChart`` and
    a ``RightsChart`` with equal fields differ), tuples become lists, keys are sorted, floats
    are written exactly (``repr``). Any other type is a ``TypeError``: a value the digest could
    not see, to be taught here rather than ignored.
    """
    return json.dumps(
        _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _plain(value: object) -> object:
    if value is None or isinstance(value, str | int | float):  # a bool is an int
        return value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    plain = {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    plain[""] = type(value).__name__
    return plain


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind):
            raise TypeError(
                f"canonical_json cannot write a {kind.__module__}.{kind.__qualname__}: teach "
                "reportgen.digests._plain that type, or keep the model to dataclasses, tuples, "
                "dicts, text and numbers."
            )
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names
