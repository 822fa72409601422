"""Generate the synthetic, fictional demo release shipped with reportgen.

In:  nothing but the fixed seed below (no real data is read or copied; every country, name
     and number is invented).
Out: ``data/demo/`` (or the directory given as the first argument) holding, in the CSV format
     of the HRMI 2020 release:

     - ``countries_demo.csv``      like ``countries_v3-1.csv`` (UTF-8 BOM)
     - ``country-names_demo.csv``  our own: country_code,name_en,en_article,en_plural and the
      fr/es/pt article, plural and feminine flags of names that take an article
     - ``cpr-scores_demo.csv``     civil and political rights, 0-10, survey years 2023-2025
     - ``esr-scores_demo.csv``     quality of life, %, 2015-2025, Core and HiY (UTF-8 BOM)
     - ``people-at-risk_demo.csv`` expert survey, 2025
     - ``release.toml``            our release metadata (illustrative = true)

The output is byte-identical on every run (one seeded generator, fixed iteration order).
Country codes come from ISO 3166's user-assigned range (``XAA``, ``XAB``, ...).

Usage: ``python scripts/make_demo_data.py [OUT_DIR]``
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEED = 20260214
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "demo"

CPR_YEARS = (2023, 2024, 2025)
ESR_YEARS = tuple(range(2015, 2026))
RISK_YEAR = 2025
Z90 = 1.2816  # 90th percentile of the standard normal: bounds = mean -/+ Z90 * sd

EMPOWER = ("assem", "express", "polpart")
PHYSINT = ("arrest", "disap", "dpex", "exkill", "tort")
# Row order of the real cpr-scores file: metric blocks, then country, then year.
CPR_ORDER = (
    "disap",
    "dpex",
    "exkill",
    "arrest",
    "tort",
    "assem",
    "express",
    "polpart",
    "physint",
    "empower",
)
CPR_OFFSET = {
    "assem": 0.0,
    "express": -0.3,
    "polpart": 0.2,
    "arrest": -0.5,
    "disap": 1.0,
    "dpex": -1.5,
    "exkill": 0.3,
    "tort": -0.8,
}

ESR_RIGHTS = ("Education", "Food", "Health", "Housing", "Work")
ESR_OFFSET = {"Education": -3.0, "Food": 2.0, "Health": 0.0, "Housing": -2.0, "Work": -1.0}

RISK_RIGHTS = (
    "arrest",
    "assem",
    "disap",
    "dpex",
    "educ",
    "exkill",
    "express",
    "food",
    "health",
    "house",
    "job",
    "polpart",
    "tort",
)
PEOPLE_CODES = tuple(range(34))  # labels/people_at_risk_codes.csv, December 2020 codes 0-33
# Groups that many experts name for each right (codes of people_at_risk_codes.csv).
PROMINENT = {
    "arrest": (16, 17, 18, 20, 21, 23),
    "assem": (16, 17, 18, 19, 20, 29),
    "disap": (16, 17, 18, 20, 21, 22),
    "dpex": (21, 22, 23, 24),
    "exkill": (21, 22, 23, 27, 33),
    "express": (11, 16, 17, 18, 29),
    "polpart": (3, 6, 16, 20, 24),
    "tort": (21, 22, 23, 24, 25),
    "educ": (2, 10, 14, 26, 27, 33),
    "food": (13, 14, 25, 26, 27, 33),
    "health": (13, 14, 15, 24, 26, 27),
    "house": (2, 24, 25, 26, 27, 33),
    "job": (10, 13, 14, 24, 26, 28),
}

PACIFIC = ("east-asia-pacific", "pacific")
CARIBBEAN = ("americas", "")
EUROPE = ("europe-central-asia", "europe")
# (region, subregion): how many fictional countries, how many of them high-income.
REGION_SLOTS: tuple[tuple[str, str, int, int], ...] = (
    ("americas", "", 40, 10),
    ("east-asia-pacific", "east-asia", 18, 6),
    ("east-asia-pacific", "pacific", 20, 3),
    ("europe-central-asia", "europe", 46, 25),
    ("europe-central-asia", "central-asia", 7, 0),
    ("middle-east-north-africa", "middle-east", 12, 5),
    ("middle-east-north-africa", "north-africa", 6, 0),
    ("south-asia", "", 7, 0),
    ("sub-saharan-africa", "", 44, 1),
)

# Invented names: (name_en, en_article, en_plural, region hint or None).
SPECIAL_NAMES: tuple[tuple[str, int, int, tuple[str, str] | None], ...] = (
    ("Republic of Vessaria", 1, 0, None),
    ("Kestrel Islands", 1, 1, PACIFIC),
    ("Aurelian Islands", 1, 1, CARIBBEAN),
    ("Halvard Islands", 1, 1, EUROPE),
    ("Lantern Cays", 1, 1, CARIBBEAN),
    ("Moalani Reefs", 1, 1, PACIFIC),
    ("Îles d'Ambrine", 1, 1, PACIFIC),
    ("Emerald Marches", 1, 1, None),
    ("Amber Coast", 1, 0, None),
    ("Central Ambrosian Republic", 1, 0, None),
    ("Free State of Kelverin", 1, 0, None),
    ("Serene Republic of Ondavia", 1, 0, EUROPE),
    ("Federated Isles of Saint Amaranth and the Grenadas", 1, 1, CARIBBEAN),
    ("Commonwealth of the Northern Halcyon Isles", 1, 0, PACIFIC),
    ("United Lowland Provinces of Erevandia", 1, 1, EUROPE),
    ("Democratic Union of Tarsovia and Belmarre", 1, 0, None),
    ("Grand Duchy of Castelmare-sur-Lisène", 1, 0, EUROPE),
    ("Saint Orlaith and the Vennarine Cays", 0, 0, CARIBBEAN),
    ("Sãovélia", 0, 0, None),
    ("Łorvanna", 0, 0, EUROPE),
    ("Türkavia", 0, 0, None),
    ("Côte de Mirelle", 0, 0, None),
    ("Ærlund", 0, 0, EUROPE),
    ("Đorava", 0, 0, None),
    ("Șaravena", 0, 0, None),
    ("Erdőmár", 0, 0, None),
    ("Ørnholm", 0, 0, EUROPE),
    ("Nuñavera", 0, 0, None),
    ("Čarovna", 0, 0, None),
    ("Mérovie", 0, 0, None),
    ("Skålvøy", 0, 0, EUROPE),
    ("Ébrassa", 0, 0, None),
    ("Tolombé", 0, 0, None),
    ("Upper Velmora", 0, 0, None),
    ("North Caldora", 0, 0, None),
    ("New Varrow", 0, 0, None),
    ("Saint Elsmere", 0, 0, CARIBBEAN),
)
PACIFIC_NAMES = (
    "Fetuana",
    "Manuvai",
    "Kaluani",
    "Oriwa",
    "Aloreva",
    "Pelekai",
    "Tavaloa",
    "Nukerei",
)
PLAIN_NAMES = (
    "Aldmere",
    "Amberra",
    "Andravia",
    "Arvelle",
    "Baltrena",
    "Belcaria",
    "Borvania",
    "Brisca",
    "Caldessa",
    "Calvera",
    "Carmendy",
    "Castrelle",
    "Cendara",
    "Corvessa",
    "Dalmora",
    "Darvonia",
    "Delvaria",
    "Drovenna",
    "Duvessa",
    "Elmaris",
    "Estmark",
    "Evandria",
    "Faldera",
    "Felmora",
    "Galvessa",
    "Garrowind",
    "Gelvania",
    "Glenmarra",
    "Halvessa",
    "Harrowmere",
    "Idrovia",
    "Ilvaine",
    "Istrella",
    "Jorvandia",
    "Jessara",
    "Kaldovia",
    "Karveth",
    "Kelmora",
    "Korvane",
    "Lantara",
    "Liravia",
    "Luvanne",
    "Maldessa",
    "Marveth",
    "Melkaria",
    "Meridora",
    "Mirovia",
    "Morvaine",
    "Nalvora",
    "Nuvessa",
    "Olvaria",
    "Orlenza",
    "Ostmere",
    "Palvania",
    "Pelloria",
    "Quessany",
    "Ravensa",
    "Rellmark",
    "Rovania",
    "Salvessa",
    "Sarnovia",
    "Selvaren",
    "Solvara",
    "Surmanda",
    "Talvora",
    "Telmarra",
    "Tevarra",
    "Trastovia",
    "Ulvenna",
    "Umbrasia",
    "Valdessa",
    "Varrowen",
    "Vethmoor",
    "Verdania",
    "Virelle",
    "Vondaria",
    "Wessmark",
    "Yselda",
    "Zalvora",
    "Zemoria",
    "Zorvanne",
    "Ambalu",
    "Kesseru",
    "Moranga",
    "Inkavel",
    "Oyasso",
    "Baluma",
    "Ketunda",
    "Lomari",
    "Savuna",
    "Tamboru",
    "Zentara",
    "Makerra",
    "Nabessa",
    "Kivora",
    "Ombessa",
    "Halmira",
    "Ravuka",
    "Sembara",
    "Tarenga",
    "Ulumba",
    "Wenduri",
    "Yamboro",
    "Dunmoor",
    "Thornvale",
    "Greymarch",
    "Silverhythe",
    "Highcrest",
    "Amaril",
    "Bessarin",
    "Dorvasse",
    "Elbaran",
    "Fennick",
    "Gaudessa",
    "Hestria",
    "Ivorra",
    "Jalvenne",
    "Lemvasse",
    "Mordessa",
    "Nivalle",
    "Ostrena",
    "Pravessa",
    "Quarrow",
    "Rhosmere",
    "Sarabel",
    "Trevanne",
    "Uskaria",
    "Valsaria",
    "Wyndra",
    "Xantheria",
    "Yarrowin",
    "Zephira",
    "Abrennia",
    "Corsaline",
    "Dravonia",
    "Falcaria",
    "Galdoria",
    "Hydrena",
    "Iskaveth",
    "Jovessa",
    "Lunaria",
    "Mistrelle",
    "Nordhaven",
    "Obrenza",
    "Parvessa",
    "Quintara",
    "Rosmarra",
    "Sylvanor",
    "Taronesse",
    "Ulvestad",
    "Varnessa",
    "Brevonia",
    "Caskara",
    "Delmarre",
    "Eskarra",
)
SURVEY_NAMES = (
    "Republic of Vessaria",
    "Kestrel Islands",
    "Łorvanna",
    "Sãovélia",
    "Federated Isles of Saint Amaranth and the Grenadas",
)
TERRITORY_STATUSES = (
    "unincorporated",
    "associated",
    "collectivity_overseas",
    "selfgoverning",
    "nonselfgoverning",
    "commonwealth_politicalunion",
    "associated",
    "collectivity_special",
)


@dataclass
class Country:
    """One fictional country and the hidden traits its scores are drawn from."""

    code: str
    name: str
    article: int
    plural: int
    region: str
    subregion: str
    high_income: bool = False
    status: str = ""
    related: str = ""
    groups: str = "not-oecd"
    treaties: str = "icescr,iccpr"
    gov_respondents: str = ""
    cpr_quality: float = 5.0  # latent 0-10 level of civil and political rights
    esr_quality: float = 80.0  # latent % level of quality of life
    survey_years: tuple[int, ...] = ()
    has_esr: bool = True
    abolitionist: bool = False
    missing_cpr: dict[str, tuple[int, ...]] = field(default_factory=dict)


# --------------------------------------------------------------------------- formatting


def fmt_g(value: float) -> str:
    """Write a number as the release does: 8 significant digits, no leading zero (".5469")."""
    if value == 0:
        return "0"
    text = f"{value:.8g}"
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text


def sig8(value: float) -> float:
    """Round to the 8 significant digits that ``fmt_g`` writes."""
    return float(f"{value:.8g}")


def fmt_pct(value: float) -> str:
    """Write a percentage with one decimal, as the release does ("94.2", "100.0")."""
    return f"{value:.1f}"


def fmt_avg(value: float) -> str:
    """Write average_immediate_duty_wrt_global_best as the release does ("100", "95.74316614")."""
    return "100" if value >= 100 else f"{value:.8f}".rstrip("0").rstrip(".")


def round1(value: float) -> float:
    """Round half up to one decimal (stable, unlike banker's rounding of binary floats)."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


# How the invented names that take an article behave in French, Spanish and Portuguese:
# (article, plural, feminine) per language, in the order of GRAMMAR_COLUMNS. Names not
# listed leave the columns empty (no article; singular; masculine).
GRAMMAR_COLUMNS = (
    "fr_article",
    "fr_plural",
    "fr_feminine",
    "es_article",
    "es_plural",
    "es_feminine",
    "pt_article",
    "pt_plural",
    "pt_feminine",
)
GRAMMAR = {
    "Amber Coast": "101101101",
    "Aurelian Islands": "111111111",
    "Central Ambrosian Republic": "101101101",
    "Commonwealth of the Northern Halcyon Isles": "100100100",
    "Côte de Mirelle": "101101101",
    "Democratic Union of Tarsovia and Belmarre": "101101101",
    "Emerald Marches": "111111111",
    "Federated Isles of Saint Amaranth and the Grenadas": "111111111",
    "Free State of Kelverin": "100100100",
    "Grand Duchy of Castelmare-sur-Lisène": "100100100",
    "Halvard Islands": "111111111",
    "Kestrel Islands": "111111111",
    "Lantern Cays": "111110110",
    "Moalani Reefs": "110110110",
    "Republic of Vessaria": "101101101",
    "Serene Republic of Ondavia": "101101101",
    "United Lowland Provinces of Erevandia": "111111111",
    "Îles d'Ambrine": "111111111",
}


def _grammar(name: str) -> list[str]:
    """The fr/es/pt grammar flags of a name, empty where the defaults apply."""
    flags = GRAMMAR.get(name)
    return list(flags) if flags else [""] * len(GRAMMAR_COLUMNS)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], bom: bool) -> None:
    """Write a comma-separated UTF-8 file with LF line ends, quoting only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    path.write_bytes(text.encode("utf-8"))


# --------------------------------------------------------------------------- countries


def country_code(index: int) -> str:
    """Return the index-th code of ISO 3166's user-assigned range XAA-XZZ."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "X" + letters[index // 26] + letters[index % 26]


def all_names() -> list[tuple[str, int, int, tuple[str, str] | None]]:
    """Every invented name with its grammar and region hint; checks that names are unique."""
    names = list(SPECIAL_NAMES)
    names += [(name, 0, 0, PACIFIC) for name in PACIFIC_NAMES]
    names += [(name, 0, 0, None) for name in PLAIN_NAMES]
    labels = [n[0].casefold() for n in names]
    if len(set(labels)) != len(labels):
        raise SystemExit("duplicated country name in make_demo_data.py")
    return names


def build_countries(rng: np.random.Generator) -> list[Country]:
    """Draw regions, income, groups, treaties and hidden score levels for every country."""
    names = all_names()
    slots = [(region, sub) for region, sub, count, _ in REGION_SLOTS for _ in range(count)]
    if len(slots) != len(names):
        raise SystemExit(f"{len(names)} names for {len(slots)} region slots")
    placed: list[tuple[str, int, int, str, str]] = []
    free = list(slots)
    for name, article, plural, hint in names:
        if hint is not None:
            free.remove(hint)
            placed.append((name, article, plural, *hint))
    unhinted = [n for n in names if n[3] is None]
    order = rng.permutation(len(free))
    for (name, article, plural, _), slot_index in zip(unhinted, order, strict=True):
        placed.append((name, article, plural, *free[int(slot_index)]))
    # Codes are given in a shuffled order, so that code and name order are unrelated.
    shuffle = rng.permutation(len(placed))
    countries = [Country(country_code(i), *placed[int(j)]) for i, j in enumerate(shuffle)]

    for region, sub, _, rich in REGION_SLOTS:
        members = [c for c in countries if (c.region, c.subregion) == (region, sub)]
        for k in rng.choice(len(members), size=rich, replace=False):
            members[int(k)].high_income = True

    for c in countries:
        oic_share = {
            "middle-east-north-africa": 0.85,
            "central-asia": 0.8,
            "south-asia": 0.45,
            "sub-saharan-africa": 0.3,
            "europe": 0.03,
        }.get(c.region if c.region != "europe-central-asia" else c.subregion, 0.02)
        groups = []
        if c.subregion == "east-asia" and rng.random() < 0.5:
            groups.append("asean")
        if rng.random() < oic_share:
            groups.append("oic")
        oecd = c.high_income and c.region in (
            "europe-central-asia",
            "americas",
            "east-asia-pacific",
        )
        oecd = (oecd and rng.random() < 0.75) or (not c.high_income and rng.random() < 0.02)
        groups.append("oecd" if oecd else "not-oecd")
        c.groups = ",".join(groups)
        draw = rng.random()
        c.treaties = (
            "icescr,iccpr"
            if draw < 0.76
            else ""
            if draw < 0.95
            else "iccpr"
            if draw < 0.98
            else "icescr"
        )
        if c.high_income:
            c.cpr_quality = float(rng.uniform(5.0, 9.4))
            c.esr_quality = float(rng.uniform(90.0, 99.5))
        else:
            c.cpr_quality = float(rng.uniform(0.6, 8.8))
            band = rng.random()
            low, high = (
                (48.0, 74.0)
                if band < 0.22
                else (74.0, 85.0)
                if band < 0.5
                else (85.0, 95.0)
                if band < 0.85
                else (95.0, 99.0)
            )
            c.esr_quality = float(rng.uniform(low, high))

    # A few dependent territories in the Pacific and the Caribbean, tied to a rich country.
    small = [c for c in countries if c.subregion == "pacific" or c.region == "americas"]
    picks = rng.choice(len(small), size=len(TERRITORY_STATUSES), replace=False)
    territories = [small[int(k)] for k in picks]
    sovereigns = [
        c
        for c in countries
        if c.high_income
        and c not in territories
        and c.region in ("europe-central-asia", "americas")
    ]
    for status, territory in zip(TERRITORY_STATUSES, territories, strict=True):
        territory.status = status
        territory.related = sovereigns[int(rng.integers(len(sovereigns)))].code
        territory.groups = "not-oecd"
    pacific = [c for c in countries if c.subregion == "pacific"]
    for k in rng.choice(len(pacific), size=5, replace=False):
        pacific[int(k)].gov_respondents = "1"
    return countries


# --------------------------------------------------------------------------- survey design


def choose_survey(rng: np.random.Generator, countries: list[Country]) -> None:
    """Pick the 48 survey countries, their years, their gaps and their death-penalty status."""
    # Names that exercise article, plural, non-ASCII and long-name handling in reports.
    forced = [c for c in countries if c.name in SURVEY_NAMES]
    territories = [c for c in countries if c.status and c not in forced]
    others = [c for c in countries if not c.status and c not in forced]
    drawn = [territories[int(k)] for k in rng.choice(len(territories), size=4, replace=False)]
    drawn += [
        others[int(k)] for k in rng.choice(len(others), size=48 - 4 - len(forced), replace=False)
    ]
    drawn = [drawn[int(k)] for k in rng.permutation(len(drawn))]
    # The first seven get the gaps below; the named countries come right after, surveyed
    # in every year.
    chosen = drawn[:7] + forced + drawn[7:]
    patterns = [CPR_YEARS] * 34 + [(2024, 2025)] * 10 + [(2023, 2025)] * 2 + [(2023, 2024)] * 2
    for c, years in zip(chosen, patterns, strict=True):
        c.survey_years = years
        c.abolitionist = bool(rng.random() < (0.9 if c.high_income else 0.5))
    full = [c for c in chosen if c.survey_years == CPR_YEARS]
    # Gaps: some rights never measured in a country, some missing in one year only.
    for c in full[0:3]:
        c.missing_cpr["dpex"] = CPR_YEARS
        c.abolitionist = False
    full[3].missing_cpr["polpart"] = (2023,)
    for right in EMPOWER:
        full[4].missing_cpr[right] = CPR_YEARS
    full[5].missing_cpr["tort"] = (2025,)
    full[6].missing_cpr["exkill"] = (2024,)
    # Territories surveyed without quality-of-life data (as some real ones are).
    for c in chosen:
        if c.status and c not in forced and sum(not o.has_esr for o in countries) < 3:
            c.has_esr = False
    unsurveyed = [c for c in countries if not c.survey_years and c.has_esr]
    for k in rng.choice(len(unsurveyed), size=5, replace=False):
        unsurveyed[int(k)].has_esr = False


# --------------------------------------------------------------------------- civil & political


def trend_kind(rng: np.random.Generator, country_kind: str) -> str:
    """Return rise, fall or flat for one right, following the country's overall tendency."""
    if country_kind != "mixed":
        return country_kind if rng.random() < 0.8 else str(rng.choice(["rise", "fall", "flat"]))
    return str(rng.choice(["rise", "fall", "flat"]))


def cpr_series(
    rng: np.random.Generator, base: float, kind: str, years: Sequence[int]
) -> dict[int, float]:
    """Means of one right over the years: clearly rising, clearly falling, or flat at 0.1."""
    if kind == "flat":
        centre = min(9.7, max(0.3, round1(base)))
        return {y: sig8(centre + rng.uniform(-0.04, 0.04)) for y in years}
    slope = rng.uniform(0.3, 0.8) * (1 if kind == "rise" else -1)
    values = {}
    for y in years:
        value = base + slope * (y - 2024) + rng.normal(0, 0.08)
        values[y] = sig8(soft_clip(value))
    return values


def soft_clip(value: float, low: float = 0.5, high: float = 9.5, room: float = 0.45) -> float:
    """Squash a score into (low - room, high + room) smoothly, keeping its order (no ties)."""
    if value > high:
        return high + room * (1 - math.exp(-(value - high) / room))
    if value < low:
        return low - room * (1 - math.exp(-(low - value) / room))
    return value


def cpr_rows(rng: np.random.Generator, countries: list[Country]) -> list[list[str]]:
    """Civil and political rows: seven rights, dpex, and the two averages."""
    table: dict[tuple[str, str, int], tuple[float, float]] = {}
    for c in countries:
        if not c.survey_years:
            continue
        kinds = ["rise", "fall", "flat", "mixed"]
        country_kind = str(rng.choice(kinds, p=[0.25, 0.2, 0.2, 0.35]))
        sd_level = rng.uniform(0.15, 0.8)
        emp_level = c.cpr_quality + rng.normal(0, 1.0)
        phys_level = c.cpr_quality + rng.normal(0, 1.0)
        for metric in (*PHYSINT, *EMPOWER):
            level = emp_level if metric in EMPOWER else phys_level
            base = min(9.7, max(0.3, level + CPR_OFFSET[metric] + rng.normal(0, 0.7)))
            series = cpr_series(rng, base, trend_kind(rng, country_kind), c.survey_years)
            for year in c.survey_years:
                sd = sig8(min(1.0, max(0.1, sd_level + rng.normal(0, 0.12))))
                if year in c.missing_cpr.get(metric, ()):
                    continue
                if metric == "dpex" and c.abolitionist:
                    table[(c.code, metric, year)] = (10.0, 0.0)
                else:
                    table[(c.code, metric, year)] = (series[year], sd)
        for year in c.survey_years:
            for total, parts in (("physint", PHYSINT), ("empower", EMPOWER)):
                found = [table.get((c.code, m, year)) for m in parts]
                if any(f is None for f in found):
                    continue
                means = np.array([f[0] for f in found if f is not None])
                sds = np.array([f[1] for f in found if f is not None])
                sd = math.sqrt(float(np.mean(sds**2)) + 0.04 * float(np.var(means)))
                table[(c.code, total, year)] = (
                    sig8(float(np.mean(means))),
                    sig8(min(1.0, max(0.1, sd))),
                )
    rows = []
    for metric in CPR_ORDER:
        for (code, m, year), (mean, sd) in sorted(table.items()):
            if m != metric:
                continue
            rows.append(
                [
                    str(year),
                    code,
                    metric,
                    fmt_g(mean),
                    fmt_g(sd),
                    fmt_g(mean - Z90 * sd),
                    fmt_g(mean + Z90 * sd),
                ]
            )
    return rows


# --------------------------------------------------------------------------- quality of life


@dataclass
class EsrCell:
    """One score pair and its benchmark ratio."""

    adj: float
    best: float
    avg: float


def esr_plan(rng: np.random.Generator, c: Country) -> dict[str, tuple[int, ...]]:
    """Years in which each right has data for this country (gaps are realistic, not random)."""
    start = 2015 if rng.random() < 0.85 else int(rng.choice([2016, 2017, 2019]))
    years = tuple(y for y in ESR_YEARS if y >= start)
    plan = dict.fromkeys(ESR_RIGHTS, years)
    draw = rng.random()
    if draw < 0.09:  # one right never measured: no overall score at all
        del plan[str(rng.choice(["Housing", "Work", "Food"]))]
    elif draw < 0.17:  # one right measured late: overall score only from then on
        right = str(rng.choice(["Work", "Housing"]))
        plan[right] = tuple(y for y in years if y >= 2019)
    elif draw < 0.23:  # the latest year not yet published for one right
        right = str(rng.choice(["Food", "Housing"]))
        plan[right] = tuple(y for y in years if y < 2025)
    return plan


def esr_series(rng: np.random.Generator, base: float) -> dict[int, float]:
    """Yearly income-adjusted scores: mostly rising slowly, some falling, some flat."""
    draw = rng.random()
    if draw < 0.22:
        value = round1(min(100.0, base))
        return dict.fromkeys(ESR_YEARS, value)
    slope = rng.uniform(0.15, 0.9) * (-1 if draw < 0.37 else 1)
    return {
        y: round1(min(100.0, max(5.0, base + slope * (y - 2025) + rng.normal(0, 0.35))))
        for y in ESR_YEARS
    }


def esr_rows(rng: np.random.Generator, countries: list[Country]) -> list[list[str]]:
    """Quality of life rows: Core for every country with data, HiY too for high-income ones."""
    rows: list[list[str]] = []
    for c in countries:
        if not c.has_esr:
            continue
        plan = esr_plan(rng, c)
        gender_rights = [r for r, p in (("Education", 0.8), ("Food", 0.5)) if rng.random() < p]
        female_gap = rng.normal(0, 2.5)
        cells: dict[tuple[int, str, str, str], EsrCell] = {}
        standards = ("Core", "HiY") if c.high_income else ("Core",)
        for standard in standards:
            rights = [r for r in ESR_RIGHTS if r in plan]
            if standard == "HiY" and "Housing" in rights and rng.random() < 0.3:
                rights.remove("Housing")
            for right in rights:
                if standard == "Core":
                    base = c.esr_quality + ESR_OFFSET[right] + rng.normal(0, 5)
                    base = min(100.0, max(20.0, base))
                else:
                    core = cells.get((2025, right, "All", "Core"))
                    core_adj = core.adj if core is not None else c.esr_quality
                    base = max(20.0, core_adj - rng.uniform(3, 18))
                adj = esr_series(rng, base)
                if standard == "Core" and c.high_income:
                    ratio = dict.fromkeys(ESR_YEARS, 100.0)
                else:
                    top = 100.0 if standard == "Core" else 99.8
                    start = rng.uniform(85 if standard == "HiY" else 62, top)
                    exact = standard == "Core" and rng.random() < 0.3
                    drift = rng.uniform(-0.2, 0.4)
                    ratio = {
                        y: 100.0 if exact else min(top, start + drift * (y - 2025))
                        for y in ESR_YEARS
                    }
                for year in plan[right]:
                    best = round1(adj[year] * ratio[year] / 100)
                    cells[(year, right, "All", standard)] = EsrCell(adj[year], best, ratio[year])
                    if right not in gender_rights:
                        continue
                    for group, sign in (("Female", 1), ("Male", -1)):
                        shift = sign * female_gap + rng.normal(0, 0.6)
                        g_adj = round1(min(100.0, max(0.0, adj[year] + shift)))
                        g_best = round1(g_adj * ratio[year] / 100)
                        cells[(year, right, group, standard)] = EsrCell(g_adj, g_best, ratio[year])
            for year in ESR_YEARS:
                parts = [cells.get((year, r, "All", standard)) for r in ESR_RIGHTS]
                present = [p for p in parts if p is not None]
                if len(present) < len(ESR_RIGHTS):
                    continue
                cells[(year, "SER_Average", "All", standard)] = EsrCell(
                    round1(sum(p.adj for p in present) / len(present)),
                    round1(sum(p.best for p in present) / len(present)),
                    sum(p.avg for p in present) / len(present),
                )
        rank = {"Core": 0, "HiY": 1}
        for (year, metric, group, standard), cell in sorted(
            cells.items(), key=lambda item: (item[0][0], rank[item[0][3]], item[0][1], item[0][2])
        ):
            rows.append(
                [
                    c.code,
                    str(year),
                    metric,
                    group,
                    standard,
                    fmt_pct(cell.adj),
                    fmt_pct(cell.best),
                    fmt_avg(cell.avg),
                ]
            )
    return rows


# --------------------------------------------------------------------------- people at risk


def risk_rows(rng: np.random.Generator, countries: list[Country]) -> list[list[str]]:
    """Expert survey rows: how many respondents named each group as at risk, per right."""
    rows: list[list[str]] = []
    for c in countries:
        if RISK_YEAR not in c.survey_years:
            continue
        respondents = int(rng.integers(5, 41))
        repression = max(0.0, (6.0 - c.cpr_quality) / 6.0)
        for right in RISK_RIGHTS:
            total = max(5, respondents - int(rng.integers(0, 3)))
            prominent = PROMINENT[right]
            named = set(rng.choice(prominent, size=int(rng.integers(2, 5)), replace=False).tolist())
            counts: list[int] = []
            for code in PEOPLE_CODES:
                if code == 0:
                    p = rng.uniform(0.0, 0.45) * (1 - repression)
                elif code == 1:
                    high = rng.random() < 0.12 + 0.3 * repression
                    p = rng.uniform(0.35, 0.8) if high else rng.uniform(0.0, 0.08)
                elif code in named:
                    p = rng.uniform(0.35, 0.9)
                elif code in prominent:
                    p = rng.uniform(0.05, 0.3)
                else:
                    p = 0.0 if rng.random() < 0.5 else rng.uniform(0.01, 0.12)
                counts.append(int(rng.binomial(total, p)))
            if right == "dpex" and c.abolitionist:
                counts = [0] * len(PEOPLE_CODES)
            for code, count in zip(PEOPLE_CODES, counts, strict=True):
                rows.append(
                    [
                        str(RISK_YEAR),
                        c.code,
                        f"{right}_atrisk",
                        str(code),
                        str(count),
                        fmt_g(count / total),
                        str(total),
                    ]
                )
    return rows


# --------------------------------------------------------------------------- output


def release_toml() -> str:
    """Our release metadata (not part of real HRMI releases)."""
    return (
        "[release]\n"
        'title = "Demonstration release"\n'
        "# The title as sentences of other languages name it.\n"
        'title_es = "la edición de demostración"\n'
        'title_fr = "l’édition de démonstration"\n'
        'title_pt = "a edição de demonstração"\n'
        "publication_year = 2026\n"
        "illustrative = true\n"
        'publisher = "reportgen demo"\n'
        f'note = "Synthetic, fictional data generated by scripts/make_demo_data.py (seed {SEED}).'
        ' Not real measurements."\n'
    )


def make(out_dir: Path) -> list[Path]:
    """Generate every file of the demo release into ``out_dir``; return the paths written."""
    rng = np.random.default_rng(SEED)
    countries = build_countries(rng)
    choose_survey(rng, countries)
    cpr = cpr_rows(rng, countries)
    esr = esr_rows(rng, countries)
    risk = risk_rows(rng, countries)

    out_dir.mkdir(parents=True, exist_ok=True)
    by_code = sorted(countries, key=lambda c: c.code)
    paths = {
        "countries": out_dir / "countries_demo.csv",
        "names": out_dir / "country-names_demo.csv",
        "cpr": out_dir / "cpr-scores_demo.csv",
        "esr": out_dir / "esr-scores_demo.csv",
        "risk": out_dir / "people-at-risk_demo.csv",
        "meta": out_dir / "release.toml",
    }
    write_csv(
        paths["countries"],
        [
            "country_code",
            "country_status",
            "related_country_code",
            "high_income_country",
            "region_code",
            "subregion_code",
            "group_codes",
            "treaty_codes",
            "OECD_country",
            "gov_respondents",
        ],
        (
            [
                c.code,
                c.status,
                c.related,
                str(int(c.high_income)),
                c.region,
                c.subregion,
                c.groups,
                c.treaties,
                "",
                c.gov_respondents,
            ]
            for c in by_code
        ),
        bom=True,
    )
    write_csv(
        paths["names"],
        ["country_code", "name_en", "en_article", "en_plural", *GRAMMAR_COLUMNS],
        ([c.code, c.name, str(c.article), str(c.plural), *_grammar(c.name)] for c in by_code),
        bom=False,
    )
    write_csv(
        paths["cpr"],
        ["year", "country_code", "metric_code", "mean", "sd", "lobound_10", "upbound_90"],
        cpr,
        bom=False,
    )
    write_csv(
        paths["esr"],
        [
            "country_code",
            "year",
            "metric_code",
            "group",
            "standard",
            "score_wrt_immediate_duty",
            "score_wrt_global_best",
            "average_immediate_duty_wrt_global_best",
        ],
        esr,
        bom=True,
    )
    write_csv(
        paths["risk"],
        [
            "year",
            "country_code",
            "metric_code",
            "people_code",
            "count",
            "proportion",
            "total_respondents",
        ],
        risk,
        bom=False,
    )
    paths["meta"].write_bytes(release_toml().encode("utf-8"))
    return list(paths.values())


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the demo release and list the files with their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output directory (default: {DEFAULT_OUT})",
    )
    args = parser.parse_args(argv)
    for path in make(args.out_dir):
        print(f"{path.stat().st_size:>9,d}  {path}")


if __name__ == "__main__":
    main()
