"""Mail templates: a language's ``mail.toml`` → compiled subject and body, rendered per message.

In:  ``reportgen/i18n/<lang>/mail.toml`` (``locale``; ``[format]`` missing, score_suffix,
     percent_suffix; ``[mail]`` subject and body, Jinja templates).
Out: ``MailTemplates`` whose ``render`` gives a one-line subject and a tidy body, with the
     filters ``score`` and ``pct`` that round and print a number as the reports do. Templates
     are rendered sandboxed with strict undefined values: data never executes, and a value
     a template uses but is not given is a ``TemplateError`` naming the file and the key.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reportgen.errors import TemplateError
from reportgen.phrases import read_toml
from reportgen.resources import i18n_dir
from reportgen.rules import CPR_BANDS, ESR_BANDS, BandScale, round_half_away, score_places


@dataclass(frozen=True, slots=True)
class MailReport:
    """One attached report as a mail template sees it: ``{{ r.name }}``, ``{{ r.safety|score }}``."""

    country: str
    name: str
    file: str
    empowerment: float | None
    safety: float | None
    quality_of_life: float | None


@dataclass(frozen=True, eq=False)
class MailTemplates:
    """The subject and body templates of one language, from its ``mail.toml``."""

    language: str
    path: Path
    subject: jinja2.Template
    body: jinja2.Template

    def render(self, **values: Any) -> tuple[str, str]:
        """Render the subject (one line) and the body; raise ``TemplateError`` naming the key."""
        rendered: list[str] = []
        for key, template in (("subject", self.subject), ("body", self.body)):
            try:
                rendered.append(template.render(**values))
            except jinja2.UndefinedError as exc:
                raise TemplateError(
                    f"{self.path}: mail.{key} uses a value that is not given: {exc.message}. "
                    f"Given: {', '.join(sorted(values))}."
                ) from None
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{self.path}: mail.{key} failed: {exc}.") from None
        # One header line, whatever the template did; no-break spaces (French "rapports :") kept.
        subject = re.sub(r"[ \t\r\n]+", " ", rendered[0]).strip(" ")
        body = re.sub(r"[ \t]+\n", "\n", rendered[1])
        body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
        return subject, body


def mail_languages() -> list[str]:
    """The languages that have mail templates (``reportgen/i18n/<lang>/mail.toml``)."""
    return sorted(p.name for p in i18n_dir().iterdir() if (p / "mail.toml").is_file())


def load_mail_templates(language: str, override: Path | None = None) -> MailTemplates:
    """Load and compile the mail templates of ``language``; raise ``TemplateError`` if broken.

    ``override``: an organisation's own mail file for this language (a project's ``[mail]``),
    whose ``[mail]`` subject and body replace the package's; a key the package's file does
    not have is an error naming the nearest."""
    stamp = override.stat().st_mtime_ns if override is not None else 0
    return _load_mail_templates(language, override, stamp)


@cache
def _load_mail_templates(language: str, override: Path | None, stamp: int) -> MailTemplates:
    path = i18n_dir() / language / "mail.toml"
    if not path.is_file():
        raise TemplateError(
            f"No mail templates for language '{language}' ({path}). "
            f"Available: {', '.join(mail_languages()) or 'none'}."
        )
    data = read_toml(path)
    if override is not None:
        own = read_toml(override)
        for table, values in own.items():
            known = data.get(table)
            if not isinstance(known, dict) or not isinstance(values, dict):
                near = difflib.get_close_matches(
                    table, [k for k in data if isinstance(data[k], dict)], n=1
                )
                hint = f" Did you mean [{near[0]}]?" if near else ""
                raise TemplateError(
                    f"{override}: [{table}] is no table of the mail templates.{hint} "
                    f"Its tables are those of {path}."
                )
            for key, value in values.items():
                if key not in known:
                    near = difflib.get_close_matches(key, list(known), n=1)
                    hint = f" Did you mean '{table}.{near[0]}'?" if near else ""
                    raise TemplateError(
                        f"{override}: '{table}.{key}' is no key of the mail templates.{hint}"
                    )
                known[key] = value
        path = override
    locale = str(data.get("locale", language))
    fmt = data.get("format", {})
    mail = data.get("mail", {})
    if not isinstance(fmt, dict) or not isinstance(mail, dict):
        raise TemplateError(f"{path}: [format] and [mail] must be tables.")
    missing = str(fmt.get("missing", "–"))
    score_suffix = str(fmt.get("score_suffix", "/10"))
    percent_suffix = str(fmt.get("percent_suffix", "%"))

    def number(value: float | None, suffix: str, bands: BandScale) -> str:
        if value is None:
            return missing
        rounded = round_half_away(value, score_places(value, bands))  # as in the reports
        pattern = "0." + "0" * -int(rounded.as_tuple().exponent)
        return str(format_decimal(rounded, format=pattern, locale=locale)) + suffix

    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        score=lambda v: number(v, score_suffix, CPR_BANDS),
        pct=lambda v: number(v, percent_suffix, ESR_BANDS),
    )
    compiled: dict[str, jinja2.Template] = {}
    for key in ("subject", "body"):
        source = mail.get(key)
        if not isinstance(source, str):
            raise TemplateError(f"{path}: mail.{key} is missing. Add it (see the English file).")
        try:
            compiled[key] = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{path}: mail.{key} has a template error at line {exc.lineno}: {exc.message}."
            ) from None
    return MailTemplates(language, path, compiled["subject"], compiled["body"])
