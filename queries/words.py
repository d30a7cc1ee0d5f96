"""The domain's words for codes, shared by messages written in ``queries/`` (a criteria check, a
validation error naming a country) and the pages, which read them through ``components.format``:
country names ('DE' → 'Germany'), the dash for a missing value. Pure: no database, no Streamlit;
queries/ never imports components/ (tests/unit/test_layers.py)."""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

DASH = "—"


def too_long(what: str, length: int, limit: int) -> str:
    """Every too-long message in one wording, naming the length, so a paste can be cut to fit:
    'The note is too long (3,012 characters; at most 2,000).'"""
    return f"{what} is too long ({length:,} characters; at most {limit:,})."


def is_missing(x) -> bool:
    """None, NaN, NaT, pd.NA: a value to show as the dash."""
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or x != x
    except TypeError:
        return False


def text_or(value, default: str = "") -> str:
    """A nullable text column's value as text, ``default`` when it is missing. A SQL NULL in a text
    column comes back as NaN once pandas reads the column as strings, and NaN is truthy:
    ``f" · {r.team}" if r.team else ""`` showed "Demo Admin · nan" for a user without a team."""
    try:
        if value is None or bool(value != value):   # NaN (and NaT) differ from themselves
            return default
    except TypeError:   # pd.NA: neither equal nor unequal
        return default
    text = str(value)
    return text if text else default


#: Readable names where pycountry's ISO 3166 name is written for an index ("Congo, The Democratic
#: Republic of the") and it has no common name of its own; and Kosovo, whose code XK is not in ISO
#: 3166 but CRMs use it. pycountry's common names (Bolivia, Iran, Laos, Moldova, North and South
#: Korea, Syria, Taiwan, Tanzania, Venezuela, Vietnam) come first; a unit test checks that no name
#: shown is an inverted index form, so an upgrade that adds one says so.
_COUNTRY_NAMES = {
    "RU": "Russia",                      # ISO: Russian Federation
    "CD": "Democratic Republic of the Congo",
    "PS": "Palestine",
    "FM": "Micronesia",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "XK": "Kosovo",
}


def country(code) -> str:
    """A country's name from its ISO 3166-1 alpha-2 code, as stored ('DE' → 'Germany', 'TW' →
    'Taiwan', 'KR' → 'South Korea'); a code no list knows (a legacy 'UK', a typo) as typed, and a
    missing one as a dash. Case and surrounding spaces do not matter ('de ' → 'Germany')."""
    text = text_or(code)
    if not text.strip():
        return DASH
    return _country_name(text)


@lru_cache(maxsize=1024)
def _country_name(text: str) -> str:
    key = text.strip().upper()
    if key in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[key]
    if len(key) != 2 or not key.isascii() or not key.isalpha():
        return text
    import pycountry   # ~0.1 s on first use: only pages that show a country pay it

    found = pycountry.countries.get(alpha_2=key)
    if found is None:
        return text
    return getattr(found, "common_name", None) or found.name


def country_sort_key(code) -> tuple[str, str]:
    """Sorts codes by the name :func:`country` shows, accents aside ('Åland Islands' among the As,
    'Türkiye' before 'Uganda'), so a picker reads alphabetically."""
    name = unicodedata.normalize("NFKD", country(code))
    return "".join(ch for ch in name if not unicodedata.combining(ch)).casefold(), str(code)
