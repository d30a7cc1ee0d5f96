"""Period bucket boundaries: the bound parameters SQL uses to find a row's trend bucket."""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from queries.periods import GRAINS, Period, PeriodError, bucket_start


def bucket_of(buckets: dict, instant: datetime):
    """What SQL computes: (:bucket_dates)[width_bucket(ts, :bucket_starts)] (1-based, 0 = none)."""
    i = bisect.bisect_right(buckets["bucket_starts"], instant)
    return buckets["bucket_dates"][i - 1] if i else None


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC",
                                "Australia/Lord_Howe"])
@pytest.mark.parametrize("grain", GRAINS)
def test_every_instant_of_the_period_lands_in_its_local_date_trunc_bucket(tz, grain):
    # a span across both DST changes of the northern and southern hemisphere
    period = Period(date(2025, 10, 15), date(2026, 4, 9), tz)
    buckets = period.buckets(grain)
    assert buckets["bucket_dates"] == sorted(buckets["bucket_dates"])
    local = ZoneInfo(tz)
    instant, step = period.start_at, timedelta(minutes=37)
    while instant < period.end_at:
        expected = bucket_start(instant.astimezone(local).date(), grain)
        assert bucket_of(buckets, instant) == expected, (tz, grain, instant)
        instant += step


def test_bucket_starts_are_local_midnights_in_utc():
    buckets = Period(date(2026, 3, 1), date(2026, 4, 30), "Europe/Berlin").buckets("month")
    assert buckets["bucket_dates"] == [date(2026, 3, 1), date(2026, 4, 1)]
    # March starts at UTC+1, April after the change to summer time at UTC+2
    assert buckets["bucket_starts"] == [datetime(2026, 2, 28, 23, tzinfo=timezone.utc),
                                        datetime(2026, 3, 31, 22, tzinfo=timezone.utc)]


def test_first_bucket_may_start_before_the_period():
    buckets = Period(date(2026, 11, 19), date(2026, 11, 30), "UTC").buckets("week")
    assert buckets["bucket_dates"] == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def test_no_grain_means_no_buckets_and_an_unknown_grain_is_refused():
    assert Period(date(2026, 1, 1), date(2026, 1, 31)).buckets("none") == {"bucket_starts": [], "bucket_dates": []}
    with pytest.raises(ValueError):
        Period(date(2026, 1, 1), date(2026, 1, 31)).buckets("fortnight")


@pytest.mark.parametrize("start,end", [(date(1, 1, 1), date(1, 1, 31)), (date(9999, 12, 1), date(9999, 12, 31))])
def test_dates_far_outside_any_data_are_refused_with_a_message(start, end):
    with pytest.raises(PeriodError, match="Pick dates between 1900 and 2999"):
        Period(start, end, "UTC")


def test_ids_from_urls_are_ascii_whole_numbers_in_postgres_range():
    from queries.filters import MAX_ID, parse_id

    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(MAX_ID) == MAX_ID
    for bad in ("²", "0", "-3", "1e3", "4.0", "", None, "abc", str(MAX_ID + 1), "99999999999999999999999"):
        assert parse_id(bad) is None, bad


@pytest.mark.parametrize("start, end", [(date(1900, 1, 1), date(2026, 1, 1)),     # comparison before 1900
                                        (date(2026, 1, 1), date(2999, 12, 31)),   # 974 years back
                                        (date(1900, 1, 1), date(1900, 1, 1))])    # the day before 1900
def test_a_custom_period_whose_comparison_period_falls_outside_the_calendar_is_refused_with_a_message(start, end):
    from queries.periods import preset_period

    with pytest.raises(PeriodError, match="Pick a later start or a shorter period"):
        preset_period("custom", date(2026, 11, 24), "Europe/Berlin", (start, end))
    # the earliest custom period that still has a comparison period is accepted, and so is its comparison
    ok = preset_period("custom", date(2026, 11, 24), "UTC", (date(1900, 1, 2), date(1900, 1, 2)))
    assert ok.previous().start == date(1900, 1, 1)


def test_the_acceptance_trend_pools_into_coarser_buckets_only_within_the_period():
    """A one-day period stays a day (pooled into its month it read "Nov 2026" for 22 Nov); a
    quarter may pool its weeks into months."""
    from queries.periods import preset_period
    from queries.scoreboard import _coarser_within

    one_day = preset_period("custom", date(2026, 11, 24), "America/New_York", (date(2026, 11, 22), date(2026, 11, 22)))
    assert _coarser_within(one_day, "day") == ["day"]
    three_days = preset_period("custom", date(2026, 11, 24), "America/New_York",
                               (date(2026, 11, 17), date(2026, 11, 19)))
    assert _coarser_within(three_days, "day") == ["day"]   # one week: a trend of one point
    two_weeks = preset_period("custom", date(2026, 11, 24), "America/New_York",
                              (date(2026, 11, 9), date(2026, 11, 22)))
    assert _coarser_within(two_weeks, "day") == ["day", "week"]   # within one month: no month
    quarter = preset_period("this_quarter", date(2026, 11, 24), "America/New_York")
    assert _coarser_within(quarter, "week") == ["week", "month"]
