"""Business-hours arithmetic in Python: working intervals per day in UTC from zoneinfo.

Pure: no database, no Streamlit. The database computes SLA deadlines itself (``business_day``
and ``business_add_minutes`` in migrations/versions/0005_sla_policies.py); this module is the
independent implementation the tests check it against, and what forms use to preview a policy
("handed off Friday 17:30 → due Monday 10:00") without a round trip.

Rules (the same in SQL):

* A calendar has a time zone, weekly working hours that can change from a date on (schedule
  versions), and holidays (whole days closed). A day works from ``start`` to ``end`` local time;
  its interval in UTC is exact across DST changes. A local time that does not exist (spring
  forward) or exists twice (fall back) resolves to the *later* instant, as PostgreSQL's
  ``timestamp at time zone`` does.
* ``add_business_minutes(cal, t, n)``: the instant at which ``n`` working minutes have passed
  since ``t``. Time outside working hours does not count, so a hand-off at night starts counting
  at the next opening. A window that ends exactly at closing time ends then, not at the next
  opening. ``n <= 0`` returns ``t``.
* ``business_minutes_between(cal, a, b)``: working minutes in ``[a, b]`` (0 when ``b <= a``).
* A day may work until midnight: its end is typed ``24:00`` (or ``00:00``), stored as ``24:00`` in
  PostgreSQL (whose ``time`` type has it) and held here as ``time(0)`` in the *end* position
  (:data:`MIDNIGHT`; Python's ``time`` has no 24:00). The interval then ends at the next local
  day's 00:00, so ``00:00–24:00`` is the whole day (23 or 25 hours on DST days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc


def country_of_zone(tz: str) -> str | None:
    """The ISO country code of an IANA zone, from the system's ``zone.tab`` ('Pacific/Auckland' →
    'NZ', 'Asia/Kolkata' → 'IN', 'Europe/Berlin' → 'DE'); None for zones that name no one country
    (UTC, Etc/GMT+3) or where no tz database file is found. Used as the holiday import's default
    country, so a company outside the US does not import US holidays by default."""
    import zoneinfo
    from pathlib import Path

    tz = _LINKS.get(tz, tz)
    for root in zoneinfo.TZPATH:
        table = Path(root) / "zone.tab"
        try:
            lines = table.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#") and parts[2] == tz:
                return parts[0]
        return None
    return None


#: Old names still in use, which zone.tab lists only under their current name.
_LINKS = {"Asia/Calcutta": "Asia/Kolkata", "US/Eastern": "America/New_York", "US/Pacific": "America/Los_Angeles",
          "US/Central": "America/Chicago", "NZ": "Pacific/Auckland", "Asia/Katmandu": "Asia/Kathmandu"}
WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
WEEKDAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday",
                 7: "Sunday"}
#: How far the arithmetic searches for working time before giving up (a calendar with no working day).
MAX_SEARCH_DAYS = 3660
_HHMM = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")
#: As the *end* of a day's hours: midnight at the end of the day (typed and stored as 24:00).
MIDNIGHT = time(0)


class CalendarError(ValueError):
    """A calendar that cannot be used as given; the message is meant for the user."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(f"'{name}' is not a time zone name (use e.g. 'America/New_York' or 'Europe/Berlin').") \
            from None


def parse_hhmm(text: str, *, end: bool = False) -> time:
    """'9:00', '09:00', '17.30' → time. Raises CalendarError with a readable message.

    ``end``: the time ends a day's hours, so '24:00' (and '00:00') mean midnight at the end of the
    day, returned as :data:`MIDNIGHT`."""
    m = _HHMM.match(text or "")
    if m and (int(m.group(1)), int(m.group(2))) == (24, 0):
        if not end:
            raise CalendarError("24:00 can only end a day (working until midnight); a day starts at 00:00 at the "
                                "earliest.")
        return MIDNIGHT
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise CalendarError(f"'{text}' is not a time of day; write it as HH:MM, e.g. 09:00 or 17:30"
                            + (" (24:00 for midnight)." if end else "."))
    return time(int(m.group(1)), int(m.group(2)))


def format_hhmm(t: time, *, end: bool = False) -> str:
    """The reverse of :func:`parse_hhmm`: an end at midnight shows as '24:00'."""
    return "24:00" if end and t == MIDNIGHT else f"{t:%H:%M}"


def _minute_of_day(t: time, *, end: bool = False) -> int:
    return 24 * 60 if end and t == MIDNIGHT else t.hour * 60 + t.minute


@dataclass(frozen=True)
class Schedule:
    """Weekly working hours in force from ``effective_from`` (a local date) on.

    ``hours`` maps ISO weekday (1 = Monday) to (start, end); a missing weekday is closed.
    """

    effective_from: date
    hours: tuple[tuple[int, time, time], ...]

    def __post_init__(self):
        rows = tuple(sorted((int(d), s, e) for d, s, e in self.hours))
        seen = set()
        for d, s, e in rows:
            if d not in WEEKDAYS:
                raise CalendarError(f"Weekday {d} does not exist (1 = Monday … 7 = Sunday).")
            if d in seen:
                raise CalendarError(f"{WEEKDAY_NAMES[d]} has two sets of hours.")
            seen.add(d)
            if s.second or s.microsecond or e.second or e.microsecond:
                raise CalendarError(f"Working hours are whole minutes ({WEEKDAY_NAMES[d]}).")
            if _minute_of_day(e, end=True) == _minute_of_day(s):   # 09:00–09:00: no hours, not "before"
                raise CalendarError(f"On {WEEKDAY_NAMES[d]} the day ends when it starts ({s:%H:%M}): give it "
                                    f"some working hours, or leave {WEEKDAY_NAMES[d]} out if it is not a working day.")
            if _minute_of_day(e, end=True) < _minute_of_day(s):
                raise CalendarError(f"On {WEEKDAY_NAMES[d]} the day ends ({format_hhmm(e, end=True)}) before it "
                                    f"starts ({s:%H:%M}).")
        if not rows:
            raise CalendarError("Give at least one working day.")
        object.__setattr__(self, "hours", rows)

    @classmethod
    def weekdays(cls, start: str = "09:00", end: str = "17:00", effective_from: date = date(2000, 1, 1),
                 days: tuple[int, ...] = (1, 2, 3, 4, 5)) -> "Schedule":
        return cls(effective_from, tuple((d, parse_hhmm(start), parse_hhmm(end, end=True)) for d in days))

    def on(self, isodow: int) -> tuple[time, time] | None:
        for d, s, e in self.hours:
            if d == isodow:
                return s, e
        return None

    def weekly_minutes(self) -> int:
        return sum(_minute_of_day(e, end=True) - _minute_of_day(s) for _, s, e in self.hours)

    def describe(self) -> str:
        """'Mon–Fri 09:00–18:00' or 'Mon–Thu 09:00–18:00, Fri 09:00–15:00'."""
        groups: list[list] = []
        for d, s, e in self.hours:
            if groups and groups[-1][1] == d - 1 and groups[-1][2:] == [s, e]:
                groups[-1][1] = d
            else:
                groups.append([d, d, s, e])
        parts = []
        for first, last, s, e in groups:
            days = WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]}–{WEEKDAYS[last]}"
            parts.append(f"{days} {s:%H:%M}–{format_hhmm(e, end=True)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Calendar:
    timezone: str
    schedules: tuple[Schedule, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        zone(self.timezone)
        if not self.schedules:
            raise CalendarError("A calendar needs weekly working hours.")
        object.__setattr__(self, "schedules", tuple(sorted(self.schedules, key=lambda s: s.effective_from)))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    def schedule_on(self, day: date) -> Schedule | None:
        current = None
        for s in self.schedules:
            if s.effective_from <= day:
                current = s
        return current

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Local working hours of ``day`` (None: closed: weekend, holiday, before the first schedule)."""
        if day in self.holidays:
            return None
        schedule = self.schedule_on(day)
        return schedule.on(day.isoweekday()) if schedule else None

    def interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The working interval of local ``day`` in UTC, or None when closed."""
        hours = self.hours_on(day)
        if hours is None:
            return None
        start = local_instant(day, hours[0], self.zone)
        end = local_instant(day + timedelta(days=1) if hours[1] == MIDNIGHT else day, hours[1], self.zone)
        return (start, end) if end > start else None

    def intervals(self, first: date, last: date) -> list[tuple[date, datetime, datetime]]:
        """(day, start UTC, end UTC) for each working day from ``first`` to ``last`` inclusive."""
        out = []
        day = first
        while day <= last:
            iv = self.interval(day)
            if iv:
                out.append((day, *iv))
            day += timedelta(days=1)
        return out

    def local_date(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.zone).date()


def local_instant(day: date, t: time, tz: ZoneInfo) -> datetime:
    """Local ``day`` + ``t`` in ``tz`` as a UTC instant; gaps and overlaps resolve to the later instant."""
    naive = datetime.combine(day, t)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return max(first, second)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise CalendarError("Business-hours arithmetic needs time-zone-aware instants.")
    return instant.astimezone(UTC)


def add_business_minutes(cal: Calendar, start: datetime, minutes: float) -> datetime:
    """The instant ``minutes`` working minutes after ``start`` (see the module doc)."""
    start = _aware(start)
    if minutes <= 0:
        return start
    remaining = timedelta(minutes=minutes)
    day = cal.local_date(start) - timedelta(days=1)  # an interval may begin the local day before
    for _ in range(MAX_SEARCH_DAYS):
        iv = cal.interval(day)
        if iv is not None:
            begin, end = max(iv[0], start), iv[1]
            if end > begin:
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise CalendarError("The calendar has no working time in the next ten years; add working hours.")


def business_minutes_between(cal: Calendar, a: datetime, b: datetime) -> float:
    """Working minutes between ``a`` and ``b`` (0 when ``b <= a``)."""
    a, b = _aware(a), _aware(b)
    if b <= a:
        return 0.0
    total = timedelta(0)
    for _, start, end in cal.intervals(cal.local_date(a) - timedelta(days=1), cal.local_date(b) + timedelta(days=1)):
        overlap = min(end, b) - max(start, a)
        if overlap > timedelta(0):
            total += overlap
    return total.total_seconds() / 60


def window_end(cal: Calendar | None, business: bool, start: datetime, minutes: float) -> datetime:
    """Where a window of ``minutes`` that starts at ``start`` ends (wall-clock unless ``business``)."""
    if business:
        if cal is None:
            raise CalendarError("A business-hours window needs a calendar.")
        return add_business_minutes(cal, start, minutes)
    return _aware(start) + timedelta(minutes=minutes)


def elapsed_minutes(cal: Calendar | None, business: bool, start: datetime, end: datetime) -> float:
    """Minutes from ``start`` to ``end`` as a window measures them."""
    if business:
        if cal is None:
            raise CalendarError("A business-hours window needs a calendar.")
        return business_minutes_between(cal, start, end)
    return (_aware(end) - _aware(start)).total_seconds() / 60


def describe_window(minutes: int, business: bool) -> str:
    """30 → '30 business minutes'; 240 → '4 business hours'; 2880 wall-clock → '48 hours'."""
    unit = "business " if business else ""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} {unit}hour{'s' if hours != 1 else ''}"
    if minutes > 90:
        return f"{minutes / 60:.1f} {unit}hours"
    return f"{minutes} {unit}minute{'s' if minutes != 1 else ''}"
