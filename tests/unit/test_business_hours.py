"""Business-hours arithmetic (queries/business_hours.py): weekends, holidays, DST both ways,
hand-offs outside hours, windows spanning days, schedule versions, several time zones."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from queries.business_hours import (Calendar, CalendarError, Schedule, add_business_minutes,
                                    business_minutes_between, describe_window, elapsed_minutes,
                                    format_hhmm, local_instant, parse_hhmm, window_end)

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
THANKSGIVING = {date(2026, 11, 26), date(2026, 11, 27)}


def ny(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=NY)


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture
def office() -> Calendar:
    """Mon–Fri 09:00–18:00 New York, Thanksgiving and the day after closed."""
    return Calendar("America/New_York", (Schedule.weekdays("09:00", "18:00"),), frozenset(THANKSGIVING))


def add(cal, start, minutes):
    return add_business_minutes(cal, start, minutes)


# --------------------------------------------------------------------------- inside and outside hours


@pytest.mark.parametrize("start,minutes,expected", [
    ("2026-11-16 10:00", 30, "2026-11-16 10:30"),    # Monday, inside hours
    ("2026-11-16 17:30", 60, "2026-11-17 09:30"),    # runs past closing into the next morning
    ("2026-11-16 17:00", 60, "2026-11-16 18:00"),    # ends exactly at closing: ends then
    ("2026-11-16 07:00", 30, "2026-11-16 09:30"),    # before opening: counts from 09:00
    ("2026-11-16 20:00", 30, "2026-11-17 09:30"),    # after closing: counts from the next opening
    ("2026-11-16 18:00", 30, "2026-11-17 09:30"),    # exactly at closing
    ("2026-11-16 09:00", 540, "2026-11-16 18:00"),   # one full working day
    ("2026-11-16 09:00", 541, "2026-11-17 09:01"),
])
def test_single_day_and_outside_hours(office, start, minutes, expected):
    assert add(office, ny(start), minutes) == ny(expected)


@pytest.mark.parametrize("start,minutes,expected", [
    ("2026-11-13 17:30", 60, "2026-11-16 09:30"),    # Friday evening → Monday
    ("2026-11-14 11:00", 30, "2026-11-16 09:30"),    # handed off on Saturday
    ("2026-11-15 23:59", 1, "2026-11-16 09:01"),     # Sunday night
])
def test_weekends_do_not_count(office, start, minutes, expected):
    assert add(office, ny(start), minutes) == ny(expected)


def test_holidays_do_not_count(office):
    # Wednesday before Thanksgiving, 17:00 + 2 h: 1 h on Wednesday, Thursday and Friday closed,
    # the weekend too, 1 h on Monday.
    assert add(office, ny("2026-11-25 17:00"), 120) == ny("2026-11-30 10:00")
    plain = Calendar("America/New_York", (Schedule.weekdays("09:00", "18:00"),))
    assert add(plain, ny("2026-11-25 17:00"), 120) == ny("2026-11-26 10:00")
    # Handed off on the holiday itself.
    assert add(office, ny("2026-11-26 12:00"), 30) == ny("2026-11-30 09:30")


def test_windows_spanning_several_days(office):
    # Two business days of 9 h = 1080 business minutes: Monday 10:00 → Wednesday 10:00.
    assert add(office, ny("2026-11-16 10:00"), 1080) == ny("2026-11-18 10:00")
    # Over a weekend: Thursday 15:00 → Monday 15:00.
    assert add(office, ny("2026-11-19 15:00"), 1080) == ny("2026-11-23 15:00")
    # Over Thanksgiving: Wednesday 10:00 → Tuesday 10:00.
    assert add(office, ny("2026-11-25 10:00"), 1080) == ny("2026-12-01 10:00")
    # A week of working time.
    assert add(office, ny("2026-12-07 09:00"), 5 * 540) == ny("2026-12-11 18:00")


def test_zero_and_negative_windows_return_the_start(office):
    saturday = ny("2026-11-14 11:00")
    assert add(office, saturday, 0) == saturday
    assert add(office, saturday, -5) == saturday


# --------------------------------------------------------------------------- DST


def test_spring_forward_in_new_york(office):
    """8 March 2026: clocks go from 02:00 EST to 03:00 EDT. Office hours keep their local times."""
    # Friday 17:00 EST (22:00 UTC) + 2 h → Monday 10:00 EDT (14:00 UTC).
    end = add(office, ny("2026-03-06 17:00"), 120)
    assert end == utc("2026-03-09 14:00")
    assert end.astimezone(NY).hour == 10
    # Monday's day is still 9 hours long in UTC.
    start, stop = office.interval(date(2026, 3, 9))
    assert (start, stop) == (utc("2026-03-09 13:00"), utc("2026-03-09 22:00"))
    assert office.interval(date(2026, 3, 6)) == (utc("2026-03-06 14:00"), utc("2026-03-06 23:00"))


def test_fall_back_in_new_york(office):
    """1 November 2026: clocks go from 02:00 EDT back to 01:00 EST."""
    end = add(office, ny("2026-10-30 17:00"), 120)  # Friday EDT → Monday EST
    assert end == utc("2026-11-02 15:00")
    assert end.astimezone(NY) == ny("2026-11-02 10:00")


def test_working_on_the_dst_days_counts_real_minutes():
    """A 24/7-style calendar: the spring-forward day has 23 hours, the fall-back day 25."""
    cal = Calendar("America/New_York", (Schedule.weekdays("00:00", "23:59", days=(1, 2, 3, 4, 5, 6, 7)),))
    spring = cal.interval(date(2026, 3, 8))
    fall = cal.interval(date(2026, 11, 1))
    assert spring[1] - spring[0] == timedelta(hours=22, minutes=59)
    assert fall[1] - fall[0] == timedelta(hours=24, minutes=59)
    assert business_minutes_between(cal, ny("2026-03-08 00:00"), ny("2026-03-08 12:00")) == 11 * 60
    assert business_minutes_between(cal, ny("2026-11-01 00:00"), ny("2026-11-01 12:00")) == 13 * 60


def test_hours_that_contain_the_transition():
    """Night hours 01:00–04:00: 3 h on a normal Sunday, 2 h in spring, 3 h in autumn (01:00 is
    ambiguous on the fall-back day and resolves to the later instant, 01:00 EST)."""
    cal = Calendar("America/New_York", (Schedule.weekdays("01:00", "04:00", days=(7,)),))
    s, e = cal.interval(date(2026, 3, 8))
    assert (s, e) == (utc("2026-03-08 06:00"), utc("2026-03-08 08:00"))
    s, e = cal.interval(date(2026, 11, 1))
    assert (s, e) == (utc("2026-11-01 06:00"), utc("2026-11-01 09:00"))
    s, e = cal.interval(date(2026, 11, 8))
    assert e - s == timedelta(hours=3)


def test_nonexistent_and_ambiguous_local_times_resolve_to_the_later_instant():
    # 02:30 does not exist on 8 March 2026 in New York: 02:30 EST = 07:30 UTC (PostgreSQL's choice).
    assert local_instant(date(2026, 3, 8), time(2, 30), NY) == utc("2026-03-08 07:30")
    # 01:30 occurs twice on 1 November 2026: the later one, 01:30 EST = 06:30 UTC.
    assert local_instant(date(2026, 11, 1), time(1, 30), NY) == utc("2026-11-01 06:30")
    assert local_instant(date(2026, 6, 1), time(9, 0), NY) == utc("2026-06-01 13:00")


@pytest.mark.parametrize("tz,friday,monday_utc_open", [
    ("Europe/London", date(2026, 3, 27), utc("2026-03-30 08:00")),      # BST starts 29 March
    ("Europe/London", date(2026, 10, 23), utc("2026-10-26 09:00")),     # BST ends 25 October
    ("Australia/Sydney", date(2026, 4, 3), utc("2026-04-05 23:00")),    # AEDT ends 5 April
    ("Australia/Sydney", date(2026, 10, 2), utc("2026-10-04 22:00")),   # AEDT starts 4 October
])
def test_dst_in_other_zones(tz, friday, monday_utc_open):
    cal = Calendar(tz, (Schedule.weekdays("09:00", "17:00"),))
    closing = local_instant(friday, time(16, 0), ZoneInfo(tz))
    # One hour left on Friday, then the second hour starts at Monday's opening.
    end = add(cal, closing, 120)
    assert end == monday_utc_open + timedelta(hours=1)
    assert end.astimezone(ZoneInfo(tz)).time() == time(10, 0)


# --------------------------------------------------------------------------- schedules


def test_schedule_versions_change_hours_from_their_date():
    cal = Calendar("America/New_York", (
        Schedule.weekdays("09:00", "18:00"),
        Schedule.weekdays("08:00", "16:00", effective_from=date(2026, 6, 1)),
    ))
    assert cal.hours_on(date(2026, 5, 29)) == (time(9), time(18))
    assert cal.hours_on(date(2026, 6, 1)) == (time(8), time(16))
    # Friday 29 May 17:00 + 2 h → 1 h on Friday (old hours), 1 h from Monday 08:00 (new hours).
    assert add(cal, ny("2026-05-29 17:00"), 120) == ny("2026-06-01 09:00")


def test_before_the_first_schedule_nothing_works():
    cal = Calendar("UTC", (Schedule.weekdays("09:00", "17:00", effective_from=date(2026, 1, 5)),))
    assert cal.interval(date(2026, 1, 2)) is None
    assert add(cal, utc("2026-01-01 10:00"), 60) == utc("2026-01-05 10:00")


def test_uneven_days():
    # Friday is short.
    hours = tuple((d, time(9), time(17)) for d in (1, 2, 3, 4)) + ((5, time(9), time(13)),)
    cal = Calendar("UTC", (Schedule(date(2000, 1, 1), hours),))
    assert add(cal, utc("2026-11-20 12:00"), 120) == utc("2026-11-23 10:00")
    assert cal.schedules[0].describe() == "Mon–Thu 09:00–17:00, Fri 09:00–13:00"
    assert cal.schedules[0].weekly_minutes() == 4 * 480 + 240


# --------------------------------------------------------------------------- minutes between


def test_minutes_between(office):
    assert business_minutes_between(office, ny("2026-11-16 10:00"), ny("2026-11-16 10:45")) == 45
    assert business_minutes_between(office, ny("2026-11-13 17:00"), ny("2026-11-16 10:00")) == 120
    assert business_minutes_between(office, ny("2026-11-16 19:00"), ny("2026-11-17 08:00")) == 0
    assert business_minutes_between(office, ny("2026-11-17 08:00"), ny("2026-11-16 19:00")) == 0
    assert business_minutes_between(office, ny("2026-11-25 17:00"), ny("2026-11-30 10:00")) == 120
    assert business_minutes_between(office, ny("2026-11-16 10:00"), ny("2026-11-16 10:00:30")) == 0.5


def test_adding_then_measuring_gives_back_the_window(office):
    rng = random.Random(6)
    base = ny("2026-01-01 00:00")
    for _ in range(400):
        start = base + timedelta(minutes=rng.randrange(0, 365 * 1440), seconds=rng.randrange(60))
        minutes = rng.choice([1, 15, 30, 120, 240, 539, 540, 541, 1080, 2700, rng.randrange(1, 5000)])
        end = add(office, start, minutes)
        assert end >= start
        assert business_minutes_between(office, start, end) == pytest.approx(minutes, abs=1e-6)
        # ...and the window really ends when it has used its minutes: a moment earlier, it had not.
        assert business_minutes_between(office, start, end - timedelta(seconds=1)) < minutes
        local_end = end.astimezone(NY)
        assert local_end.isoweekday() <= 5 and local_end.date() not in THANKSGIVING
        assert time(9) < local_end.time() <= time(18)


def test_wall_clock_windows(office):
    start = ny("2026-11-13 17:30")
    assert window_end(None, False, start, 240) == start + timedelta(hours=4)
    assert window_end(office, True, start, 60) == ny("2026-11-16 09:30")
    assert elapsed_minutes(None, False, start, start + timedelta(hours=2)) == 120
    assert elapsed_minutes(office, True, start, ny("2026-11-16 09:30")) == 60
    with pytest.raises(CalendarError):
        window_end(None, True, start, 60)


# --------------------------------------------------------------------------- input checks and labels


def test_bad_input_gives_readable_errors():
    with pytest.raises(CalendarError, match="not a time zone"):
        Calendar("Mars/Olympus", (Schedule.weekdays(),))
    with pytest.raises(CalendarError, match="HH:MM"):
        parse_hhmm("25:00")
    with pytest.raises(CalendarError, match="ends"):
        Schedule.weekdays("18:00", "09:00")
    with pytest.raises(CalendarError, match=r"^On Monday the day ends \(09:00\) before it starts \(18:00\)\.$"):
        Schedule.weekdays("18:00", "09:00")
    # QA: 09:00–09:00 said "the day ends (09:00) before it starts (09:00)"
    with pytest.raises(CalendarError) as equal:
        Schedule.weekdays("09:00", "09:00", days=(1,))
    assert str(equal.value) == ("On Monday the day ends when it starts (09:00): give it some working hours, or "
                                "leave Monday out if it is not a working day.")
    assert Schedule.weekdays("00:00", "00:00", days=(1,)).on(1) is not None   # 00:00–24:00, a whole day
    with pytest.raises(CalendarError, match="at least one"):
        Schedule(date(2026, 1, 1), ())
    with pytest.raises(CalendarError, match="aware"):
        add_business_minutes(Calendar("UTC", (Schedule.weekdays(),)), datetime(2026, 1, 1), 5)
    with pytest.raises(CalendarError, match="no working time"):
        add_business_minutes(Calendar("UTC", (Schedule.weekdays(effective_from=date(2090, 1, 1)),)),
                             utc("2026-01-01 00:00"), 5)
    assert parse_hhmm(" 9.30 ") == time(9, 30)


def test_descriptions():
    assert Schedule.weekdays("09:00", "18:00").describe() == "Mon–Fri 09:00–18:00"
    assert describe_window(30, True) == "30 business minutes"
    assert describe_window(240, True) == "4 business hours"
    assert describe_window(60, False) == "1 hour"
    assert describe_window(150, False) == "2.5 hours"


# --------------------------------------------------------------------------- days that end at midnight (24:00)


def around_the_clock(days=(1, 2, 3, 4, 5), tz="America/New_York") -> Calendar:
    return Calendar(tz, (Schedule.weekdays("00:00", "24:00", days=days),))


def test_24_00_ends_a_day_at_midnight():
    assert parse_hhmm("24:00", end=True) == time(0)        # the end of the day
    assert parse_hhmm("00:00", end=True) == time(0)        # "until 00:00" is the same midnight
    assert format_hhmm(parse_hhmm("24:00", end=True), end=True) == "24:00"
    assert format_hhmm(time(0)) == "00:00" and format_hhmm(time(9, 5)) == "09:05"
    with pytest.raises(CalendarError, match="only end a day"):
        parse_hhmm("24:00")                                # a day cannot start at 24:00
    for bad in ("24:01", "24:30", "25:00"):
        with pytest.raises(CalendarError, match="HH:MM"):
            parse_hhmm(bad, end=True)
    schedule = Schedule.weekdays("00:00", "24:00")
    assert schedule.describe() == "Mon–Fri 00:00–24:00"
    assert schedule.weekly_minutes() == 5 * 24 * 60
    assert Schedule.weekdays("18:00", "24:00").weekly_minutes() == 5 * 6 * 60


def test_a_24_hour_weekday_calendar_skips_the_weekend():
    cal = around_the_clock()
    # Monday 00:00 to Tuesday 00:00 local: the whole day, nothing lost at 23:59.
    assert cal.interval(date(2026, 11, 16)) == (ny("2026-11-16 00:00").astimezone(UTC),
                                                ny("2026-11-17 00:00").astimezone(UTC))
    assert add_business_minutes(cal, ny("2026-11-16 23:30"), 60) == ny("2026-11-17 00:30")
    assert add_business_minutes(cal, ny("2026-11-16 12:00"), 24 * 60) == ny("2026-11-17 12:00")
    # Friday 23:30 + 1 h: 30 minutes on Friday, the weekend is closed, 30 minutes on Monday.
    assert add_business_minutes(cal, ny("2026-11-13 23:30"), 60) == ny("2026-11-16 00:30")
    # Friday's window ends exactly at midnight: it ends then.
    assert add_business_minutes(cal, ny("2026-11-13 23:00"), 60) == ny("2026-11-14 00:00")
    # Handed off outside hours (Saturday afternoon): counting starts at Monday 00:00.
    assert add_business_minutes(cal, ny("2026-11-14 15:00"), 90) == ny("2026-11-16 01:30")
    assert business_minutes_between(cal, ny("2026-11-13 22:00"), ny("2026-11-16 02:00")) == 240


def test_a_day_ending_at_midnight_across_dst():
    cal = around_the_clock(days=(1, 2, 3, 4, 5, 6, 7))
    # Spring forward (Sunday 8 March 2026): the day has 23 hours; fall back (1 November): 25.
    start, end = cal.interval(date(2026, 3, 8))
    assert (end - start) == timedelta(hours=23)
    start, end = cal.interval(date(2026, 11, 1))
    assert (end - start) == timedelta(hours=25)
    # 24 business hours from Saturday noon before spring forward end at Sunday 13:00 local (wall-clock
    # 24 hours too: the calendar works every real minute).
    assert add_business_minutes(cal, ny("2026-03-07 12:00"), 24 * 60) == ny("2026-03-08 13:00")
    evenings = Calendar("Europe/London", (Schedule.weekdays("18:00", "24:00", days=tuple(range(1, 8))),))
    # The last Sunday of March, London: 18:00–24:00 is still six hours (the jump is at 01:00).
    start, end = evenings.interval(date(2026, 3, 29))
    assert end - start == timedelta(hours=6)
    assert add_business_minutes(evenings, datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("Europe/London")), 120) == \
        datetime(2026, 3, 29, 19, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.parametrize("tz, country", [
    ("Pacific/Auckland", "NZ"), ("Asia/Kolkata", "IN"), ("Asia/Calcutta", "IN"), ("Europe/Berlin", "DE"),
    ("America/St_Johns", "CA"), ("America/New_York", "US"), ("UTC", None), ("Etc/GMT+3", None), ("Mars/Olympus", None),
])
def test_the_holiday_import_defaults_to_the_calendars_country(tz, country):
    """A calendar in Auckland imports New Zealand's holidays by default, not the US's."""
    import zoneinfo
    from pathlib import Path

    from queries.business_hours import country_of_zone

    if not any((Path(root) / "zone.tab").is_file() for root in zoneinfo.TZPATH):
        pytest.skip("no zone.tab on this machine (the form then leaves the country empty)")
    assert country_of_zone(tz) == country
