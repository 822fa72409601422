"""Load stage: an HRMI release directory → a validated, typed ``Dataset``.

In:  a directory in the data portal's published CSV format (``cpr-scores*.csv``,
     ``esr-scores*.csv``, ``people-at-risk*.csv``, ``countries*.csv``; optional
     ``country-names*.csv`` and ``release.toml`` of our own), any release year.
Out: ``Dataset`` with four tidy tables under fixed column names, the release metadata,
     and every note found. Any error raises ``DataValidationError`` listing **all**
     problems at once, each naming file, row (as a spreadsheet counts: header = row 1),
     column, value and what to do. Past ``LISTED`` rows with the same problem in one file,
     the rest are counted, not listed: the error count is always the true one.

Nothing is invented and nothing is dropped without a word. The rules:

- Files: each file matching a pattern must be a readable regular file (a folder, a broken
  link, a named pipe or an unreadable file is one error, and a pipe is never opened for
  reading), UTF-8, comma-separated, with one header row whose names are unique and rows no
  longer than it. No cell holds a control character (C0 or C1, but tab; a line break inside
  a cell; U+2028/U+2029). Rows left wholly empty are skipped; row numbers stay the
  spreadsheet's. The same row (same key columns) may be given once, across all files of a
  kind.
- Cells: every cell the reports use is filled in. HRMI releases leave out the row of a
  missing score, so an empty cell or ``NaN``/``NA`` written as text is an error, never a gap
  (nor a value borrowed from another column). Numbers are finite; years whole and from
  ``FIRST_YEAR`` to the release's publication year (``release.toml``), or to the current
  year when the release does not give one.
- Codes: every country code is in the countries file; ``high_income_country`` (it picks
  a country's standard) is 0 or 1, never empty (no default is assumed); ``group``,
  ``standard`` and the people codes (codebook ``[groups]``) are known; the country-names
  file's flags are yes/no. Metric and region codes the codebook does not know are kept and
  named in a note, with their file and first row.
- Scores: civil and political means and bands on 0–10 (bands may reach past it: a note),
  the 10th percentile not above the 90th, the mean inside its own band, standard deviations
  ≥ 0; quality of life scores 0–100, the score against the income-adjusted benchmark not
  below the one against the global best.
- People at risk: counts and respondents whole (respondents ≥ 1), count ≤ respondents,
  the proportion count/respondents to the decimals written (at least two: reports print
  whole percentages; up to 1e-7 of single-precision noise, as HRMI writes .071428575 for
  1/14), one number of respondents per country, year and right; and the answers belong to
  the latest survey year: every year is a civil and political year, and no civil and
  political year is later than the latest people-at-risk year. The release and survey years
  therefore never come from one stray row.

Batch mode (``isolate_bad_rows``) leaves out the rows of the score files that have an
error and refuses their countries (``Dataset.rejected``); any other error (a file, a
header, the countries or names file, release.toml, an unknown country code) stops the load.

One module per job: ``tables`` (what each file is; the loaded shapes; the collector of
problems), ``files`` (reading), ``checks`` (per file and across files), ``release``
(``release.toml``), ``assemble`` (the load). Past this package the data is trusted: numbers are
floats, years and counts ints, codes strings.
"""

from reportgen.load.assemble import is_missing, load_release
from reportgen.load.tables import LISTED, Dataset, ReleaseInfo

__all__ = ["LISTED", "Dataset", "ReleaseInfo", "is_missing", "load_release"]
