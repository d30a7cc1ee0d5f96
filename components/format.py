"""Number formats used everywhere (pure functions, no Streamlit). NaN/None render as an em dash.

The words queries/ also writes with (country names, the dash) live in ``queries.words`` and are
re-exported here, so pages and components keep one import."""

from __future__ import annotations

import math
import re

from queries.goal_math import AT_RISK_AT, ON_TRACK_AT
from queries.words import DASH, country, country_sort_key, text_or  # noqa: F401 (re-exported)
from queries.words import is_missing as _missing

#: the attainment lines a goal's status turns on, in percent: attainment() never rounds up onto one
_STATUS_LINES = (round(AT_RISK_AT * 100), round(ON_TRACK_AT * 100), 100)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "AUD": "A$", "CAD": "C$"}


def money(x, currency: str = "USD", compact: bool = True) -> str:
    """Three significant digits: $2.03M, $11.4M, $845k, $950 ($2,034,900 read "$2M", which hid
    $34,900 the check-in beside it talked about); trailing zeros dropped ($2M, $2.5M). Full:
    $1,234,567."""
    if _missing(x):
        return DASH
    sym = _SYMBOLS.get(currency, currency + " ")
    x = float(x)
    sign = "−" if x < 0 else ""
    x = abs(x)
    if not compact:
        return f"{sign}{sym}{x:,.0f}"
    units = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
    for i, (div, suffix) in enumerate(units):
        if x >= div or (x >= div * 0.9995 and x < div):   # 999,950 is $1M, not $1,000k
            v = x / div
            digits = 2 if v < 9.995 else 1 if v < 99.95 else 0
            text = f"{v:,.{digits}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{sign}{sym}{text}{suffix}"
    return f"{sign}{sym}{x:,.0f}"


def money_column(currency: str = "USD") -> str:
    """A printf format for a table column of whole amounts, e.g. '$%,.0f' (st.column_config)."""
    return money(0, currency)[:-1].replace("%", "%%") + "%,.0f"


def pct(x, digits: int = 0) -> str:
    """0.623 → '62%'."""
    if _missing(x):
        return DASH
    return f"{float(x) * 100:.{digits}f}%"


def attainment(x) -> str:
    """Progress towards a target, to the nearest percent (4 of 6 → '67%', 1,074 of 1,250 → '86%'),
    except that it never rounds up onto a status line it has not reached: 94.8% reads '94%', not
    the 95% that on track needs, 99.7% '99%', not achieved, 79.6% '79%', not at risk. (Rounded
    down everywhere, '4 of 6 · 66%' read as an arithmetic slip in a meeting.)"""
    if _missing(x):
        return DASH
    value = float(x) * 100
    shown = math.floor(value + 0.5 + 1e-9)
    if any(value < line <= shown for line in _STATUS_LINES):
        shown = math.floor(value + 1e-9)
    return f"{shown:.0f}%"


def number(x, digits: int = 0) -> str:
    if _missing(x):
        return DASH
    return f"{float(x):,.{digits}f}"


def counted(n, noun: str, plural: str | None = None) -> str:
    """A count with its noun agreeing: "1 campaign", "2 campaigns", "0 owners", "1,204 leads"
    (``plural``: for nouns not made with -s, "1 country" / "2 countries")."""
    if _missing(n):
        return f"{DASH} {plural or noun + 's'}"
    return f"{number(n)} {noun if float(n) == 1 else plural or noun + 's'}"


def duration(minutes) -> str:
    """Minutes → '45 min', '2.5 h', '3.2 days', '544 days'."""
    if _missing(minutes):
        return DASH
    m = float(minutes)
    if m < 1:
        return f"{m * 60:.0f} s"
    if m < 90:
        return f"{m:.0f} min"
    if m < 48 * 60:
        h = m / 60
        return f"{h:.1f} h".replace(".0 h", " h")
    d = m / 1440
    if d >= 10:   # "544 days", not "543.8 days": a tenth of a day is noise at that age
        return f"{d:,.0f} days"
    return f"{d:.1f} days".replace(".0 days", " days")


def duration_short(minutes) -> str:
    """Band edges: 5 → '5m', 60 → '1h', 1440 → '1d'."""
    if _missing(minutes):
        return DASH
    m = float(minutes)
    if m < 60:
        return f"{m:g}m"
    if m < 1440:
        return f"{m / 60:g}h"
    return f"{m / 1440:g}d"


def days(x) -> str:
    if _missing(x):
        return DASH
    return f"{float(x):.0f} days" if float(x) >= 10 else f"{float(x):.1f} days"


def unit_label(value, label: str) -> str:
    """A typed unit label agreeing with its number: "1 case study", "4 case studies", "1 demo"
    (people type the plural: "case studies", "demos"). English plurals in -ies and -s only;
    anything else is left as typed."""
    if _missing(value) or float(value) != 1 or not label:
        return label
    head, _, last = label.rpartition(" ")
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 2:
        last = last[:-1]
    return f"{head} {last}" if head else last


def ratio(x) -> str:
    """Coverage-style multiples: 2.35 → '2.4×'."""
    if _missing(x):
        return DASH
    return f"{float(x):.1f}×"


def coverage_gap(coverage, needed) -> str | None:
    """Pipeline coverage against what the win rate needs: '-2.1× vs needed' (a KPI delta; the tile's
    caption says how much is needed, :func:`coverage_needed`). '-2.1× vs 4.0× needed' was cut to
    '-2.1× vs 4.0× nee…' on a 1280 px scoreboard. The difference of the two numbers as shown
    (2.1× beside 4.0× needed reads -1.9×, not the -2.0× of 2.05 − 4.04)."""
    if _missing(coverage) or _missing(needed) or not needed:
        return None
    return f"{_tenths(coverage) - _tenths(needed):+.1f}× vs needed"


def _tenths(x) -> float:
    """``x`` as :func:`ratio` shows it (the same rounding)."""
    return float(f"{float(x):.1f}")


def coverage_needed(needed) -> str:
    """The coverage tile's caption: '4.0× needed' (≈ 1 ÷ win rate), or that there is no win rate yet."""
    if _missing(needed) or not needed:
        return "no win rate yet"
    return f"{ratio(needed)} needed"


def sourced_share(share, nothing: str) -> str:
    """A money tile's caption: '46% mkt-sourced', or ``nothing`` ('no deals won') when there is no
    amount to take a share of ('— mkt-sourced' read as a missing number). (pure)"""
    if _missing(share):
        return nothing
    return f"{pct(share)} mkt-sourced"


def within_p90(minutes) -> str:
    """The first-touch tile's caption: '90% within 5 h', or that no hand-off was touched ('90% within
    —' read as a missing number). (pure)"""
    if _missing(minutes):
        return "no hand-off touched"
    return f"90% within {duration(minutes)}"


def change(current, previous, kind: str = "relative") -> str | None:
    """Text for a KPI delta, or None when there is nothing to compare.

    kind 'relative': +12% (for amounts and counts; one decimal under 1%, so a small fall never
    reads '-0%'); 'points': +3.2 pts (for rates); 'minutes': +14 min (for durations); 'score':
    +0.3 (for a rating on a 1–5 scale). No change
    at the shown precision reads '±0%', '±0 pts', '±0 min' (see ``is_no_change``). Negative
    deltas start with an ASCII '-', which is how st.metric tells a fall from a rise (a
    typographic minus would be read as a rise).
    """
    if _missing(current) or _missing(previous):
        return None
    current, previous = float(current), float(previous)
    if kind == "points":
        d = round((current - previous) * 100, 1)
        return "±0 pts" if d == 0 else f"{d:+.1f} pts"
    if kind == "score":   # a difference on a small scale (a 1–5 rating): +0.3, not a percentage
        d = round(current - previous, 1)
        return "±0.0" if d == 0 else f"{d:+.1f}"
    if kind == "minutes":
        d = current - previous
        if abs(d) < 0.5:
            return "±0 min"
        sign = "+" if d >= 0 else "-"
        return f"{sign}{duration(abs(d))}"
    if previous == 0:
        return None if current == 0 else "new"
    d = (current - previous) / abs(previous) * 100
    if round(d, 1) == 0:
        return "±0%"
    return f"{d:+.1f}%" if abs(d) < 0.95 else f"{d:+.0f}%"


def is_no_change(delta: str | None) -> bool:
    """True for the '±0…' text ``change`` gives when nothing moved (shown without an arrow)."""
    return isinstance(delta, str) and delta.startswith("±")


def reason_label(code: str) -> str:
    return REJECTION_REASONS.get(code, code.replace("_", " ").capitalize() if isinstance(code, str) else DASH)


REJECTION_REASONS = {
    "bad_fit": "Bad fit",
    "no_budget": "No budget",
    "wrong_contact": "Wrong contact",
    "duplicate": "Duplicate",
    "no_response": "No response",
    "not_interested": "Not interested",
    "other": "Other",
}


def countries(codes, limit: int | None = None) -> str:
    """Codes as their names, by name, comma-separated ('DE', 'AT' → 'Austria, Germany'); past
    ``limit`` names, 'and N more'."""
    names = [country(c) for c in sorted(codes, key=country_sort_key)]
    if limit is not None and len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:>])")


def md_text(text) -> str:
    """User-written text (a title, a comment, a name) made safe to put into ``st.markdown``: it
    shows as typed, never as a heading, link, image, LaTeX (``$x$``), colour directive or HTML.
    HTML-sensitive characters become entities (also inside ``unsafe_allow_html`` markup) and
    Markdown punctuation is backslash-escaped."""
    if text is None:
        return ""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # and the slash of ":material/": Streamlit rewrites that string to ":material_" in the whole
    # source before parsing, escaped colon or not (meeting_content.esc says more)
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\\:material/", "\\:material\\/")


def md_lines(text) -> str:
    """:func:`md_text` for several lines (a check-in, a rationale): each line break typed stays a
    line break (Markdown joins single lines into one paragraph, so a list typed as lines ran together)."""
    if text is None:
        return ""
    return "  \n".join(md_text(line) for line in str(text).splitlines())


def local_date(moment, tz: str) -> str:
    """'23 Nov 2026': the company-time-zone date of a stored instant (UTC in the database; a
    check-in at 19:39 in New York is on the 23rd, not the 24th)."""
    from queries.periods import zone

    if moment is None:
        return DASH
    return moment.astimezone(zone(tz)).strftime("%d %b %Y")


def ago(moment, tz: str, now=None, date_text=None) -> str:
    """'today', 'yesterday', '5 days ago' by calendar days in ``tz``, else 'on 02 Mar 2026'
    (``date_text(day, today)`` formats that date instead, e.g. meeting mode's '02 Mar')."""
    from datetime import datetime, timezone

    from queries.periods import zone

    if moment is None:
        return ""
    local = zone(tz)
    today = (now or datetime.now(timezone.utc)).astimezone(local).date()
    days = (today - moment.astimezone(local).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 45:
        return f"{days} days ago"
    if date_text is not None:
        return f"on {date_text(moment.astimezone(local).date(), today)}"
    return f"on {local_date(moment, tz)}"
