"""Pure scoreboard helpers: changes, coverage, target proration, trend buckets, the MQL funnel."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from queries import calc
from queries.periods import Period, preset_period

Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "America/New_York")


# --------------------------------------------------------------------------- changes


@pytest.mark.parametrize(("current", "previous", "expected"), [
    (120, 100, 0.2), (80, 100, -0.2), (0, 50, -1.0), (-50, -100, 0.5), (5, 0, None), (None, 10, None),
    (10, float("nan"), None),
])
def test_relative_change(current, previous, expected):
    result = calc.relative_change(current, previous)
    assert result == pytest.approx(expected) if expected is not None else result is None


def test_point_change_is_a_difference_of_rates_not_a_ratio():
    assert calc.point_change(0.62, 0.58) == pytest.approx(0.04)
    assert calc.point_change(0.5, None) is None
    assert calc.point_change(float("nan"), 0.5) is None


def test_share_refuses_an_empty_whole():
    assert calc.share(30, 120) == pytest.approx(0.25)
    assert calc.share(0, 0) is None
    assert calc.share(None, 10) is None


# --------------------------------------------------------------------------- comparison period


def test_finished_period_compares_with_the_whole_previous_period():
    q3 = Period(date(2026, 7, 1), date(2026, 9, 30), "UTC")
    comp = calc.comparison_period(q3, today=date(2026, 11, 20))
    assert (comp.start, comp.end) == (date(2026, 4, 1), date(2026, 6, 30))


def test_period_in_progress_compares_with_the_same_point_of_the_previous_period():
    comp = calc.comparison_period(Q4, today=date(2026, 11, 20))  # day 51 of Q4
    assert (comp.start, comp.end) == (date(2026, 7, 1), date(2026, 8, 20))
    assert comp.days == 51
    assert comp.tz == Q4.tz


def test_same_point_never_runs_past_the_previous_period():
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    comp = calc.comparison_period(march, today=date(2026, 3, 30))  # 30 days in; February has 28
    assert (comp.start, comp.end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_period_ending_today_compares_with_the_previous_period_up_to_the_same_moment():
    """Today is not over: "the last 30 days" at 09:00 compare with the 30 days before up to 09:00 on
    their last day (a whole last day set against a morning read +9% for +20%)."""
    last30 = preset_period("last_30_days", date(2026, 11, 20), "UTC")
    comp = calc.comparison_period(last30, today=date(2026, 11, 20))
    assert (comp.start, comp.end) == (date(2026, 9, 22), date(2026, 10, 21))   # the same days
    nine = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    cut = calc.comparison_period(last30, date(2026, 11, 20), nine)
    assert (cut.start, cut.end, cut.label) == (date(2026, 9, 22), date(2026, 10, 21), "same point in the previous period")
    assert cut.bounds()["end_at"] == datetime(2026, 10, 21, 9, 0, tzinfo=timezone.utc)
    assert cut.bounds()["start_at"] == datetime(2026, 9, 22, tzinfo=timezone.utc)
    # across a clock change, the same local time of day (New York: 09:00 EDT on 10 March against
    # 09:00 EST on 3 March, not 08:00 EST, the same time elapsed since the start)
    week = Period(date(2026, 3, 4), date(2026, 3, 10), "America/New_York")
    morning = datetime(2026, 3, 10, 13, 0, tzinfo=timezone.utc)   # 09:00 EDT
    assert calc.comparison_period(week, date(2026, 3, 10), morning).bounds()["end_at"] == \
        datetime(2026, 3, 3, 14, 0, tzinfo=timezone.utc)         # 09:00 EST
    # a day the previous period does not have (30 March against February): all of February
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    feb = calc.comparison_period(march, date(2026, 3, 30), datetime(2026, 3, 30, 9, tzinfo=timezone.utc))
    assert feb.bounds()["end_at"] == datetime(2026, 3, 1, tzinfo=timezone.utc)
    # a finished period is compared whole, whatever the time
    q3 = Period(date(2026, 7, 1), date(2026, 9, 30), "UTC")
    assert calc.comparison_period(q3, date(2026, 11, 20), nine).bounds()["end_at"] == \
        datetime(2026, 7, 1, tzinfo=timezone.utc)


def test_first_day_of_a_period_compares_with_one_day():
    comp = calc.comparison_period(Q4, today=date(2026, 10, 1))
    assert (comp.start, comp.end) == (date(2026, 7, 1), date(2026, 7, 1))


# --------------------------------------------------------------------------- coverage


def test_coverage_is_open_pipeline_over_the_gap_to_target():
    cov = calc.pipeline_coverage(open_in_period=900_000, won_so_far=400_000, target=700_000)
    assert cov.status == "ok"
    assert cov.remaining == 300_000
    assert cov.ratio == pytest.approx(3.0)


def test_coverage_without_a_target_has_no_ratio():
    for target in (None, 0, -5, float("nan")):
        cov = calc.pipeline_coverage(100.0, 0.0, target)
        assert cov.status == "no_target" and cov.ratio is None


def test_target_already_met_needs_no_coverage():
    cov = calc.pipeline_coverage(500.0, 1_000.0, 1_000.0)
    assert cov.status == "target_met"
    assert cov.ratio is None and cov.remaining == 0


def test_a_filtered_view_has_no_coverage_of_the_company_target():
    """Source = Webinar read "0.1×, −5.6× vs needed": one source's pipeline over the whole plan."""
    cov = calc.pipeline_coverage(900_000, 100_000, 3_780_000, filtered=True)
    assert cov.status == "filtered" and cov.ratio is None and cov.target == 3_780_000
    # no plan at all says so first, filtered or not
    assert calc.pipeline_coverage(900_000, 100_000, None, filtered=True).status == "no_target"


def test_a_finished_period_short_of_its_target_missed_it():
    """Last quarter read "0.0×, -3.1× vs needed": at its end every deal due in it has closed."""
    cov = calc.pipeline_coverage(0.0, 3_722_900, 3_780_000, finished=True)
    assert cov.status == "missed" and cov.ratio is None and cov.remaining == pytest.approx(57_100)
    assert calc.pipeline_coverage(0.0, 3_900_000, 3_780_000, finished=True).status == "target_met"


def test_a_period_that_has_not_started_shows_no_changes():
    next_q = Period(date(2027, 1, 1), date(2027, 3, 31), "America/New_York")
    assert calc.not_started(next_q, datetime(2026, 11, 25, 12, tzinfo=timezone.utc))
    assert not calc.not_started(next_q, datetime(2027, 1, 1, 5, tzinfo=timezone.utc))   # 00:00 in New York
    assert calc.not_started(next_q, datetime(2027, 1, 1, 4, 59, tzinfo=timezone.utc))
    assert not calc.not_started(Q4, datetime(2026, 11, 25, 12, tzinfo=timezone.utc))
    assert "starts on 01 Jan 2027" in calc.not_started_text(next_q)


def test_coverage_needed_is_the_inverse_win_rate():
    assert calc.coverage_needed(0.25) == pytest.approx(4.0)
    assert calc.coverage_needed(0) is None
    assert calc.coverage_needed(None) is None
    assert calc.coverage_needed(float("nan")) is None


# --------------------------------------------------------------------------- targets


def test_quarter_slices_of_a_quarter_a_month_and_a_span():
    [q] = calc.quarter_slices(Q4)
    assert (q.key, q.overlap_days, q.quarter_days) == ("revenue_target_2026-Q4", 92, 92)

    nov = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
    [m] = calc.quarter_slices(nov)
    assert (m.key, m.overlap_days) == ("revenue_target_2026-Q4", 30)

    span = Period(date(2026, 12, 15), date(2027, 1, 10), "UTC")
    assert [(s.label, s.overlap_days, s.quarter_days) for s in calc.quarter_slices(span)] == [
        ("2026-Q4", 17, 92), ("2027-Q1", 10, 90)]


def test_whole_quarter_takes_its_target_and_parts_are_prorated_by_days():
    targets = {"revenue_target_2026-Q4": 920_000, "revenue_target_2027-Q1": 900_000}
    assert calc.prorated_target(Q4, targets) == pytest.approx(920_000)
    nov = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
    assert calc.prorated_target(nov, targets) == pytest.approx(300_000)
    span = Period(date(2026, 12, 15), date(2027, 1, 10), "UTC")
    assert calc.prorated_target(span, targets) == pytest.approx(920_000 * 17 / 92 + 900_000 * 10 / 90)
    assert calc.is_whole_quarters(Q4) and not calc.is_whole_quarters(nov)


def test_a_missing_or_malformed_quarter_target_means_no_target():
    span = Period(date(2026, 12, 15), date(2027, 1, 10), "UTC")
    assert calc.prorated_target(span, {"revenue_target_2026-Q4": 920_000}) is None
    for bad in ("920000", True, None, -1, 0, float("inf"), {"amount": 5}):
        assert calc.prorated_target(Q4, {"revenue_target_2026-Q4": bad}) is None, bad


# --------------------------------------------------------------------------- buckets


def test_buckets_follow_postgres_date_trunc():
    assert calc.bucket_start(date(2026, 11, 20), "week") == date(2026, 11, 16)  # a Friday → Monday
    assert calc.bucket_start(date(2026, 11, 20), "quarter") == date(2026, 10, 1)
    weeks = calc.bucket_starts(Q4, "week", until=date(2026, 10, 20))
    assert weeks == [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
    months = calc.bucket_starts(Period(date(2025, 11, 1), date(2026, 2, 28), "UTC"), "month")
    assert months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert calc.bucket_starts(Q4, "day", until=date(2026, 9, 1)) == []


def test_fill_buckets_adds_zero_amounts_but_leaves_rates_missing():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-05"]).as_unit("us"), "revenue": [100.0],
                          "win_rate": [0.5]})
    out = calc.fill_buckets(frame, [date(2026, 9, 28), date(2026, 10, 5)], {"revenue": 0.0})
    assert out["revenue"].tolist() == [0.0, 100.0]
    assert math.isnan(out["win_rate"].iloc[0]) and out["win_rate"].iloc[1] == 0.5
    empty = calc.fill_buckets(frame.iloc[0:0], [date(2026, 9, 28)], {"revenue": 0.0})
    assert empty["revenue"].tolist() == [0.0]


# --------------------------------------------------------------------------- funnel


def test_funnel_from_mql_keeps_step_rates_and_adds_conversion_from_mql():
    funnel = pd.DataFrame({"stage_order": [1, 2, 3, 4, 5], "stage": ["Created", "MQL", "SAL", "SQL", "Won"],
                           "reached": [1000, 200, 120, 60, 15],
                           "step_rate": [float("nan"), 0.2, 0.6, 0.5, 0.25],
                           "cumulative_rate": [1.0, 0.2, 0.12, 0.06, 0.015]})
    out = calc.funnel_from_mql(funnel)
    assert out["stage"].tolist() == ["MQL", "SAL", "SQL", "Won"]
    assert out["of_mql"].tolist() == pytest.approx([1.0, 0.6, 0.3, 0.075])
    assert out["step_rate"].tolist() == pytest.approx([0.2, 0.6, 0.5, 0.25])


def test_funnel_without_mqls_has_no_conversion_from_mql():
    funnel = pd.DataFrame({"stage_order": [1, 2], "stage": ["Created", "MQL"], "reached": [10, 0],
                           "step_rate": [float("nan"), 0.0], "cumulative_rate": [1.0, 0.0]})
    assert math.isnan(calc.funnel_from_mql(funnel)["of_mql"].iloc[0])
    assert calc.funnel_from_mql(funnel.iloc[0:0]).empty


# --------------------------------------------------------------------------- demo targets


def test_demo_targets_follow_last_year_or_the_recent_mean_and_skip_the_warm_up():
    from seeds.demo_targets import plan

    revenue = {date(2025, 4, 1): 40_000, date(2025, 7, 1): 1_300_000, date(2025, 10, 1): 2_770_000,
               date(2026, 1, 1): 3_980_000, date(2026, 4, 1): 3_830_000, date(2026, 7, 1): 2_980_000,
               date(2026, 10, 1): 2_280_000}
    targets = plan(revenue, first_day=date(2025, 5, 23), last_day=date(2026, 11, 22))
    # Q3 2025 .. Q1 2026: no usable history (quarters in the first six months are warm-up).
    assert set(targets) == {"revenue_target_2026-Q2", "revenue_target_2026-Q3", "revenue_target_2026-Q4",
                            "revenue_target_2027-Q1"}
    assert targets["revenue_target_2026-Q2"] == 4_180_000            # 105% of Q1 2026
    assert targets["revenue_target_2026-Q3"] == 4_100_000            # 105% of mean(Q1, Q2 2026)
    assert targets["revenue_target_2026-Q4"] == 3_780_000            # 105% of mean(Q1..Q3 2026); Q4 in progress
    assert targets["revenue_target_2027-Q1"] == 4_380_000            # 110% of Q1 2026, a usable year-ago quarter


def test_demo_targets_need_data():
    from seeds.demo_targets import plan

    assert plan({}, first_day=date(2026, 1, 1), last_day=date(2026, 2, 1)) == {}


# --------------------------------------------------------------------------- re-bucketing


def test_vectorised_bucket_starts_match_the_scalar_rule():
    days = pd.Series(pd.date_range("2025-12-20", "2027-01-10", freq="D"))
    for grain in ("day", "week", "month", "quarter", "year"):
        vector = calc.bucket_starts_of(days, grain).dt.date.tolist()
        assert vector == [calc.bucket_start(d.date(), grain) for d in days], grain


def test_regrain_sums_days_into_weeks_and_months():
    days = pd.DataFrame({"bucket": pd.to_datetime(["2026-09-30", "2026-10-01", "2026-10-04", "2026-10-05"]),
                         "src": ["a", "a", "a", "b"], "n": [1, 2, 3, 4]})
    weeks = calc.regrain(days, "week", ["src"], ["n"])
    assert weeks.to_dict("list") == {"bucket": [pd.Timestamp("2026-09-28"), pd.Timestamp("2026-10-05")],
                                     "src": ["a", "b"], "n": [6, 4]}
    months = calc.regrain(days, "month", ["src"], ["n"])
    assert list(zip(months["bucket"].dt.strftime("%Y-%m"), months["src"], months["n"])) == [
        ("2026-09", "a", 1), ("2026-10", "a", 5), ("2026-10", "b", 4)]
    assert calc.regrain(days.iloc[0:0], "week", ["src"], ["n"]).empty


def test_reliable_grain_is_the_finest_with_enough_per_cell():
    # 3 a day for 60 days: weeks hold 21 (enough), days 3 (not).
    days = pd.DataFrame({"bucket": pd.date_range("2026-07-06", periods=60, freq="D"), "src": "a", "count": 3})
    assert calc.reliable_grain(days, ["day", "week", "month"], min_count=10) == "week"
    assert calc.reliable_grain(days, ["day", "week", "month"], min_count=50) == "month"
    assert calc.reliable_grain(days, ["day", "week"], min_count=500) == "week"  # coarsest offered


def test_open_pipeline_is_compared_at_the_comparisons_own_moment():
    """A finished February's January is read at January's last instant (reading it as much time
    after its start as now is after February's read it at 29 Jan); a period in progress compares
    with the same local time of day in the previous period."""
    from queries.scoreboard import moments

    feb = Period(date(2026, 2, 1), date(2026, 2, 28), "UTC")
    _, open_at, compared_at = moments(feb, datetime(2026, 3, 1, 10, tzinfo=timezone.utc))
    assert open_at == datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert compared_at == datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    # Q4 in New York, 20 Nov 04:00 EST: day 51, so 20 Aug at 04:00 EDT (08:00 UTC)
    _, open_at, compared_at = moments(Q4, datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    assert open_at == datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
    assert compared_at == datetime(2026, 8, 20, 8, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- trends before the data


LONG = Period(date(2017, 1, 1), date(2026, 11, 24), "UTC", "Custom dates")


def test_a_trend_over_a_period_from_before_the_data_starts_where_the_data_does():
    assert calc.trend_start(LONG, date(2025, 5, 25)) == date(2025, 5, 25)
    clipped = calc.trend_period(LONG, date(2025, 5, 25))
    assert (clipped.start, clipped.end, clipped.tz, clipped.label) == (date(2025, 5, 25), LONG.end, "UTC",
                                                                       "Custom dates")
    text = calc.trend_start_text(LONG, date(2025, 5, 25))
    assert text.startswith("The charts start on 25 May 2025, where the data does")
    assert "01 Jan 2017" in text


@pytest.mark.parametrize("data_start", [None, date(2017, 1, 1), date(2016, 3, 1), date(2027, 1, 1)])
def test_a_trend_starts_with_its_period_when_the_data_is_there_from_the_start_or_not_at_all(data_start):
    # no data, data from the period's first day or earlier, or only after the period (nothing to draw)
    assert calc.trend_start(LONG, data_start) == LONG.start
    assert calc.trend_period(LONG, data_start) is LONG
    assert calc.trend_start_text(LONG, data_start) is None
