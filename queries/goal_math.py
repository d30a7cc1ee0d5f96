"""Goal maths: progress, pace, projection, status, and parsing what people type. Pure: no database,
no Streamlit. docs/goals.md explains every rule here in words.

Vocabulary
----------
value        the goal's current value (a metric over the goal's period and scope, or the number
             entered at the latest check-in of a manual goal). ``None`` = no data yet.
attainment   how close the value is to the target, 1.0 = target met. Higher-is-better:
             value ÷ target. Lower-is-better: target ÷ value (so 45 min against a 30 min target
             is 0.67, and 20 min is 1.5). Capped at ATTAINMENT_CAP.
pace         the share of the goal's period elapsed (0 before it starts, 1 once it has ended).
expected     for goals that accumulate over the period (revenue, MQLs): target × pace, where an
             even pace would put the value by now. Levels (rates, medians) have no expected value.
projected    the value extrapolated to the end of the period. Accumulating goals: value ÷ pace (the
             run rate so far, continued). Levels: the current value (a rate to date is already the
             best estimate of the rate at the end).
status       from the projected attainment: on track ≥ ON_TRACK_AT, at risk ≥ AT_RISK_AT, off track
             below. Before the start: not started; without data: no data yet; an accumulating goal
             in its first EARLY_PACE of the period that has not met its target yet: too early to
             tell (one slow morning would read as "off track"). After the end: achieved / missed.
             While the period runs, the confidence of the owners' latest check-in overrides the
             status computed from data (both are shown).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from queries.periods import RECORD_EARLIEST, RECORD_LATEST, _add_months, date_problem, month_end, quarter_start

#: Projected attainment at or above which a goal is on track.
ON_TRACK_AT = 0.95
#: Projected attainment at or above which a goal is at risk (below: off track).
AT_RISK_AT = 0.80
#: Accumulating goals are "too early to tell" during this first share of their period.
EARLY_PACE = 0.10
#: Attainment is capped here (a lower-is-better value of 0 would otherwise be infinite).
ATTAINMENT_CAP = 10.0

CONFIDENCE = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
STATUSES = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "achieved": "Achieved",
    "missed": "Missed",
    "too_early": "Too early to tell",
    "no_data": "No data yet",
    "not_started": "Not started",
}
#: statuses that mean "this needs attention" (sorting, summary).
ATTENTION = ("off_track", "at_risk", "missed")

PERIOD_KINDS = {"month": "Month", "quarter": "Quarter", "half": "Half-year", "year": "Year", "custom": "Custom dates"}
UNITS = {"currency": "Money", "count": "Count", "percent": "Percent", "minutes": "Minutes"}

MAX_TITLE = 200
MAX_TEXT = 2000
MAX_UNIT_LABEL = 40
MAX_TARGET = 1e12


class GoalError(ValueError):
    """A goal input or change that cannot be accepted; the message is shown to the user as is."""


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    value: float | None
    target: float
    pace: float
    attainment: float | None
    expected: float | None
    projected: float | None
    projected_attainment: float | None
    data_status: str
    status: str
    confidence: str | None = None

    @property
    def overridden(self) -> bool:
        """True when the owners' confidence replaced the status the data gives."""
        return self.status != self.data_status

    @property
    def ended(self) -> bool:
        return self.pace >= 1.0


def attainment(value: float | None, target: float, lower_is_better: bool) -> float | None:
    """1.0 = target met. Higher is better: value ÷ target; lower is better: target ÷ value.

    Zero targets: "at least 0" is met by any value; "at most 0" is met only by 0 (attainment 1.0),
    and any positive value gives 0.
    """
    if value is None or _nan(value):
        return None
    value, target = float(value), float(target)
    if lower_is_better:
        if value <= 0:
            return 1.0 if target <= 0 else ATTAINMENT_CAP
        return min(max(target, 0.0) / value, ATTAINMENT_CAP)
    if target <= 0:
        return 1.0
    return min(max(value, 0.0) / target, ATTAINMENT_CAP)


def project(value: float | None, pace: float, cumulative: bool) -> float | None:
    """The value extrapolated to the end of the period (see module doc)."""
    if value is None or _nan(value) or pace <= 0:
        return None
    if not cumulative or pace >= 1:
        return float(value)
    return float(value) / pace


def status_from(projected_attainment: float | None) -> str:
    if projected_attainment is None:
        return "no_data"
    if projected_attainment >= ON_TRACK_AT:
        return "on_track"
    if projected_attainment >= AT_RISK_AT:
        return "at_risk"
    return "off_track"


def evaluate(value: float | None, target: float, *, pace: float, lower_is_better: bool = False,
             cumulative: bool = True, confidence: str | None = None) -> Progress:
    """Everything a goal card shows, from the value, the target and the share of the period elapsed."""
    if lower_is_better and cumulative:
        raise GoalError("A 'lower is better' goal must be a level (a rate, a median, a cost), not a running total.")
    if confidence is not None and confidence not in CONFIDENCE:
        raise GoalError(f"Unknown confidence {confidence!r}.")
    pace = min(max(float(pace), 0.0), 1.0)
    target = float(target)
    if _nan(value):
        value = None
    att = attainment(value, target, lower_is_better)
    expected = target * pace if cumulative and not lower_is_better else None
    projected = project(value, pace, cumulative)
    projected_att = attainment(projected, target, lower_is_better)

    if pace <= 0:
        data_status = "not_started"
    elif value is None:
        data_status = "no_data"
    elif pace >= 1:
        data_status = "achieved" if att is not None and att >= 1 else "missed"
    elif cumulative and pace < EARLY_PACE and (att is None or att < 1):
        data_status = "too_early"
    else:
        data_status = status_from(projected_att)

    status = confidence if confidence and pace < 1 else data_status
    return Progress(value=None if value is None else float(value), target=target, pace=pace, attainment=att,
                    expected=expected, projected=projected, projected_attainment=projected_att,
                    data_status=data_status, status=status, confidence=confidence)


def _nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


# --------------------------------------------------------------------------- periods


def period_bounds(kind: str, start: date | None, end: date | None = None) -> tuple[date, date]:
    """The goal's dates. Month/quarter/half/year: the one containing ``start``; custom: start..end."""
    if kind not in PERIOD_KINDS:
        raise GoalError(f"Choose a period: {', '.join(PERIOD_KINDS.values())}.")
    if start is None:
        raise GoalError("Pick the goal's start date (any day in the month, quarter, half or year).")
    for what, day in (("The start date", start), ("The end date", end if kind == "custom" else None)):
        problem = date_problem(day, what, RECORD_EARLIEST, RECORD_LATEST)
        if problem:
            raise GoalError(problem)
    if kind == "month":
        return start.replace(day=1), month_end(start)
    if kind == "quarter":
        first = quarter_start(start)
        return first, _add_months(first, 3) - timedelta(days=1)
    if kind == "half":
        first = date(start.year, 1 if start.month <= 6 else 7, 1)
        return first, _add_months(first, 6) - timedelta(days=1)
    if kind == "year":
        return date(start.year, 1, 1), date(start.year, 12, 31)
    if end is None:
        raise GoalError("Pick the end date of the custom period.")
    if end < start:
        raise GoalError(f"The end date ({end:%d %b %Y}) is before the start date ({start:%d %b %Y}).")
    return start, end


def describe_period(kind: str, start: date, end: date) -> str:
    if kind == "month":
        return f"{start:%B %Y}"
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if kind == "half":
        return f"H{1 if start.month <= 6 else 2} {start.year}"
    if kind == "year":
        return f"{start.year}"
    if start.year == end.year:
        return f"{start:%d %b} – {end:%d %b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


# --------------------------------------------------------------------------- parsing input

_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
_DURATIONS = {"": 1.0, "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
              "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
              "d": 1440.0, "day": 1440.0, "days": 1440.0}
_THOUSANDS = re.compile(r"(\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})+,\d{3})(\.\d*)?")   # 1,500,000 or 15,00,000
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-z%]*)$")
EXAMPLES = {"currency": "1200000, 1.2M or 850k", "count": "900", "percent": "85 (for 85%)",
            "minutes": "30, 90m or 1.5h"}


#: Currency signs people type, and the ISO codes each may stand for ("$" for any dollar: an
#: Australian company writes "$5M" for A$5M).
_SIGNS = {"$": {"USD", "AUD", "CAD", "NZD", "SGD", "HKD", "MXN"}, "us$": {"USD"}, "a$": {"AUD"},
          "au$": {"AUD"}, "c$": {"CAD"}, "ca$": {"CAD"}, "nz$": {"NZD"}, "s$": {"SGD"}, "hk$": {"HKD"},
          "€": {"EUR"}, "£": {"GBP"}, "¥": {"JPY", "CNY"}, "￥": {"JPY", "CNY"}, "₹": {"INR"}, "rs": {"INR"},
          "rs.": {"INR"}, "fr.": {"CHF"}}
_CODES = {"usd", "eur", "gbp", "jpy", "inr", "chf", "aud", "cad", "nzd", "cny", "sgd", "hkd", "sek", "nok", "dkk",
          "pln", "brl", "mxn", "zar"}
_SIGN_RE = "|".join(re.escape(s) for s in sorted(_SIGNS, key=len, reverse=True))
_LEADING = re.compile(rf"^(?:{_SIGN_RE}|[a-z]{{3}}(?=[\d.+-]))")
_TRAILING = re.compile(rf"(?<=[\d.kmb])(?:{_SIGN_RE}|[a-z]{{3}})$")


def _without_currency(cleaned: str, raw: str, currency: str | None, what: str, unit: str = "currency") -> str:
    """``cleaned`` without one currency sign or ISO code before or after the number ("¥5M",
    "JPY 5,000,000", "5M €", "2.5M EUR"). With the company ``currency`` known, a sign or code of
    another currency is refused rather than read as an amount in the company's currency ("$5M"
    typed in a yen company is not ¥5M). In any other ``unit`` a currency sign is refused: "$5M"
    as a count target was read as 5,000,000 of whatever the goal counts."""
    for pattern in (_LEADING, _TRAILING):
        m = pattern.search(cleaned)
        if not m:
            continue
        marker = m.group(0)
        if marker in _SIGNS:
            means = _SIGNS[marker]
        elif marker in _CODES or (currency and marker == currency.lower()):
            means = {marker.upper()}
        else:
            continue   # "5 bn", "90 min": a suffix, not a currency
        if unit != "currency":
            raise GoalError(f"{what} '{raw}' names a currency, but the goal's unit is "
                            f"{UNITS[unit].lower()}, not money: type the number alone, e.g. {EXAMPLES[unit]}.")
        if currency and currency.upper() not in means:
            raise GoalError(f"{what} '{raw}' is in another currency: amounts here are in {currency.upper()}. "
                            f"Type the amount in {currency.upper()}, e.g. 1.2M or 850k.")
        return cleaned[:m.start()] + cleaned[m.end():]
    return cleaned


def parse_amount(text, unit: str, what: str = "The target", currency: str | None = None) -> float:
    """Read a number the way people type it, in ``unit``'s base form.

    Money and counts accept thousands separators (also the Indian 1,00,000 grouping) and k/M/B
    suffixes; money also a currency sign or ISO code before or after the number (with ``currency``,
    the company's, a sign of another currency is refused); any other unit refuses a currency sign. Percent takes percentage points ("85" or
    "85%" → 0.85); minutes accept m/h/d suffixes ("1.5h" → 90).
    """
    if unit not in UNITS:
        raise GoalError(f"Unknown unit {unit!r}.")
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        number = float(text)
        if unit == "percent":
            number /= 100.0
        return _checked(number, what)
    raw = str(text or "").strip()
    if not raw:
        raise GoalError(f"{what} is empty: enter a number, e.g. {EXAMPLES[unit]}.")
    cleaned = raw.lower().replace("_", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    cleaned = _without_currency(cleaned, raw, currency, what, unit)
    digits = re.match(r"[+-]?[\d,]*(\.\d*)?", cleaned).group(0).lstrip("+-")
    if "," in digits:
        if not _THOUSANDS.fullmatch(digits):
            raise GoalError(f"{what} '{raw}' is ambiguous: write decimals with a point (1.5) and use commas only "
                            "between thousands (1,500).")
        cleaned = cleaned.replace(",", "")
    m = _NUMBER.match(cleaned)
    if not m:
        raise GoalError(f"{what} must be a number, e.g. {EXAMPLES[unit]}; '{raw}' is not.")
    number, suffix = float(m.group(1)), m.group(2)
    if unit == "percent":
        if suffix not in ("", "%"):
            raise GoalError(f"{what} must be a number, e.g. {EXAMPLES[unit]}; '{raw}' is not.")
        number /= 100.0
    elif unit == "minutes":
        if suffix not in _DURATIONS:
            raise GoalError(f"{what} must be a number of minutes, e.g. {EXAMPLES[unit]}; '{raw}' is not.")
        number *= _DURATIONS[suffix]
    elif suffix:
        if suffix not in _MULTIPLIERS:
            raise GoalError(f"{what} must be a number, e.g. {EXAMPLES[unit]}; '{raw}' is not.")
        number *= _MULTIPLIERS[suffix]
    return _checked(number, what)


def _checked(number: float, what: str) -> float:
    if math.isnan(number) or math.isinf(number):
        raise GoalError(f"{what} must be a finite number.")
    if number < 0:
        raise GoalError(f"{what} can't be negative.")
    if number > MAX_TARGET:   # the same words as the storage limit just under it (goals._amount)
        raise GoalError(f"{what} is too large to store (at most 999,999,999,999).")
    return number


def input_text(value: float | None, unit: str) -> str:
    """The reverse of :func:`parse_amount`: a stored value as a form would show it."""
    if value is None or _nan(value):
        return ""
    value = float(value)
    if unit == "percent":
        value *= 100.0
    elif unit in ("currency", "count") and value >= 1000:
        # the way people type it, 10000000 → "10M", 1250000 → "1.25M", 2500 → "2.5k" (parse_amount
        # reads these back exactly); a value with more digits than the suffix shows keeps them all
        for factor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            scaled = value / factor
            if scaled >= 1 and (scaled < 1000 or suffix == "B") and abs(round(scaled, 3) * factor - value) < 1e-6:
                return f"{round(scaled, 3):.3f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.4f}".rstrip("0").rstrip(".")
