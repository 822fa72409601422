"""The error every part of distribution raises when it cannot start or go on.

In:  what went wrong and how to fix it. Out: ``DistributionError``, which the CLI prints as
one line and exit code 1 (a ``ReportgenError``).
"""

from __future__ import annotations

from reportgen.errors import ReportgenError


class DistributionError(ReportgenError):
    """Distribution cannot start: missing manifest, bad option, unusable ledger or server."""
