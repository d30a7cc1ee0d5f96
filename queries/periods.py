"""Reporting periods cut in the company's time zone. Pure functions, no database, no Streamlit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

GRAINS = ("day", "week", "month", "quarter", "year")

#: The dates a period may span: far enough for any CRM history and plan, near enough that the
#: previous period, its buckets and time-zone arithmetic stay inside Python's calendar.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)

#: The dates a record typed into a form may carry (a goal's period, a commitment, a meeting): the
#: domain checks refuse others with :func:`date_problem`'s message, and most use narrower rules.
RECORD_EARLIEST, RECORD_LATEST = date(2000, 1, 1), date(2099, 12, 31)

PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "this_year": "This year",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "last_12_months": "Last 12 months",
    "custom": "Custom dates",
}


class PeriodError(ValueError):
    """Bad period input; the message is meant for the user."""


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise PeriodError(f"'{tz}' is not a time zone name (use e.g. 'Europe/Berlin' or 'America/New_York').") from None


def date_problem(day: date | None, what: str, earliest: date = RECORD_EARLIEST, latest: date = RECORD_LATEST,
                 why: str = "") -> str | None:
    """The message for a typed ``day`` outside ``earliest``..``latest`` (None inside, or no day): it
    names the date typed, so the user can match it with the field. ``why``: the rule, in a clause."""
    if day is None or earliest <= day <= latest:
        return None
    return f"{what} ({day:%d %b %Y}) must be between {earliest:%d %b %Y} and {latest:%d %b %Y}{why}."


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end`` inclusive, in the company time zone ``tz``."""

    start: date
    end: date
    tz: str = "UTC"
    label: str = ""

    def __post_init__(self):
        if not (EARLIEST <= self.start and self.end <= LATEST):
            raise PeriodError(f"Pick dates between {EARLIEST.year} and {LATEST.year} "
                              f"({self.start.isoformat()} – {self.end.isoformat()} is outside them).")   # year 1 as 0001
        if self.end < self.start:
            raise PeriodError(f"The period ends ({self.end:%d %b %Y}) before it starts ({self.start:%d %b %Y}).")
        zone(self.tz)

    @property
    def start_at(self) -> datetime:
        """First instant of the period, in UTC (so that arithmetic across DST changes is exact)."""
        return datetime.combine(self.start, time(0), zone(self.tz)).astimezone(timezone.utc)

    @property
    def end_at(self) -> datetime:
        """First instant after the period, in UTC (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), zone(self.tz)).astimezone(timezone.utc)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same shape just before this one (month→month, quarter→quarter)."""
        if _is_whole_months(self.start, self.end):
            months = _month_index(self.end) - _month_index(self.start) + 1
            start = _add_months(self.start, -months)
            end = self.start - timedelta(days=1)
        else:
            end = self.start - timedelta(days=1)
            start = end - timedelta(days=self.days - 1)
        return Period(start, end, self.tz, label="previous period")

    def elapsed_share(self, now: datetime) -> float:
        """Share of the period elapsed at ``now`` (0..1)."""
        total = (self.end_at - self.start_at).total_seconds()
        done = (min(max(now, self.start_at), self.end_at) - self.start_at).total_seconds()
        return done / total if total else 1.0

    def bounds(self) -> dict:
        """Bound parameters every period-scoped query takes."""
        return {"start_at": self.start_at, "end_at": self.end_at, "start_date": self.start,
                "end_date": self.end, "tz": self.tz}

    def buckets(self, grain: str) -> dict:
        """Bound parameters that cut the period into ``grain`` buckets in its time zone:
        ``bucket_starts``, the first instant of each bucket (UTC), and ``bucket_dates``, the local
        date that names it (the first day of the day/week/month/quarter/year, weeks starting on
        Monday), so that SQL finds a row's bucket with one binary search,
        ``(:bucket_dates)[width_bucket(ts, :bucket_starts)]``, instead of converting every row to
        local time. ``grain='none'`` gives empty lists (the bucket is then null). Only valid for
        instants inside the period."""
        if grain == "none":
            return {"bucket_starts": [], "bucket_dates": []}
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}")
        dates = bucket_starts(self, grain)
        tz = zone(self.tz)
        starts = [datetime.combine(d, time(0), tz).astimezone(timezone.utc) for d in dates]
        return {"bucket_starts": starts, "bucket_dates": dates}

    def describe(self) -> str:
        if self.start == self.end:
            return f"{self.start:%d %b %Y}"
        if self.start.year == self.end.year:
            return f"{self.start:%d %b} – {self.end:%d %b %Y}"
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


@dataclass(frozen=True)
class PeriodUntil(Period):
    """A period whose events are cut at ``until`` (UTC, exclusive): what was known at that moment.

    The period keeps its dates (its label, its pace, the commitment and the comparison period are
    those of the whole period); only the bounds the metric queries read (``bounds()['end_at']``)
    stop at ``until``, so MQLs, hand-offs, opportunities created and deals closed after it are
    not counted. Used for numbers computed after their as-of moment (see :func:`events_cut`).
    """

    until: datetime | None = None

    def bounds(self) -> dict:
        out = super().bounds()
        if self.until is not None and self.until < out["end_at"]:
            out["end_at"] = max(self.until, out["start_at"])
        return out


def minute_floor(moment: datetime) -> datetime:
    """The start of ``moment``'s minute, in UTC."""
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def events_cut(period: Period, as_of: datetime, now: datetime | None = None) -> Period:
    """``period`` with its events cut at the end of the ``as_of`` minute ("as of 14:32" includes
    14:32:59), when that moment is past. Numbers for the current minute use the plain period (nothing
    happened after it yet), so they are the pages' own cached reads."""
    until = minute_floor(as_of) + timedelta(minutes=1)
    now = now or datetime.now(timezone.utc)
    if until > now or until >= period.end_at:
        return period
    return PeriodUntil(period.start, period.end, period.tz, period.label, until=until)


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _add_months(d: date, months: int) -> date:
    idx = _month_index(d) + months
    year, month = divmod(idx, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _is_whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def bucket_start(d: date, grain: str) -> date:
    """The bucket a local date falls in, as PostgreSQL's date_trunc cuts it (weeks start Monday)."""
    if grain == "day":
        return d
    if grain == "week":
        return d - timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    if grain == "quarter":
        return quarter_start(d)
    if grain == "year":
        return date(d.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def bucket_starts(period: Period, grain: str, until: date | None = None) -> list[date]:
    """Every bucket from the period's start up to ``until`` (default: its end), in order."""
    last = min(period.end, until) if until else period.end
    if last < period.start:
        return []
    out, current = [], bucket_start(period.start, grain)
    while current <= last:
        out.append(current)
        if grain == "day":
            current += timedelta(days=1)
        elif grain == "week":
            current += timedelta(days=7)
        else:
            current = _add_months(current, {"month": 1, "quarter": 3, "year": 12}[grain])
    return out


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def preset_period(preset: str, today: date, tz: str, custom: tuple[date, date] | None = None) -> Period:
    """Resolve a named preset relative to ``today`` (a local date in ``tz``)."""
    label = PRESETS.get(preset)
    if label is None:
        raise PeriodError(f"Unknown period '{preset}'. Choose one of: {', '.join(PRESETS.values())}.")
    if preset == "this_month":
        start, end = today.replace(day=1), month_end(today)
    elif preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    elif preset == "this_quarter":
        start = quarter_start(today)
        end = _add_months(start, 3) - timedelta(days=1)
    elif preset == "last_quarter":
        end = quarter_start(today) - timedelta(days=1)
        start = quarter_start(end)
    elif preset == "this_year":
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    elif preset.startswith("last_") and preset.endswith("_days"):
        n = int(preset.split("_")[1])
        start, end = today - timedelta(days=n - 1), today
    elif preset == "last_12_months":
        start = _add_months(today.replace(day=1), -11)
        end = month_end(today)
    else:  # custom
        if not custom or custom[0] is None or custom[1] is None:
            raise PeriodError("Pick both a start and an end date for a custom period.")
        start, end = custom
        period = Period(start, end, tz, label=label)
        try:
            period.previous()
        except PeriodError:
            raise PeriodError(f"{period.describe()} leaves no room before it for the period it is compared with "
                              f"(changes are measured against as long a stretch just before it, which would start "
                              f"before {EARLIEST:%d %b %Y}). Pick a later start or a shorter period.") from None
        return period
    return Period(start, end, tz, label=label)


def local_today(tz: str, now: datetime | None = None) -> date:
    now = now or datetime.now(zone(tz))
    return now.astimezone(zone(tz)).date()


def grain_for(period: Period) -> str:
    """A sensible trend bucket for a period's length."""
    if period.days <= 31:
        return "day"
    if period.days <= 120:
        return "week"
    return "month"
