"""Progress, pace, projection and status of goals; parsing targets; goal periods. Pure, no database."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from queries import goal_math as gm
from queries.goal_math import GoalError, evaluate
from queries.periods import Period


# --------------------------------------------------------------------------- progress and projection


def test_accumulating_goal_projects_the_run_rate():
    # $400k of a $1M target, 40% of the quarter gone: exactly on pace.
    p = evaluate(400_000, 1_000_000, pace=0.4)
    assert p.attainment == pytest.approx(0.4)
    assert p.expected == pytest.approx(400_000)
    assert p.projected == pytest.approx(1_000_000)
    assert p.projected_attainment == pytest.approx(1.0)
    assert p.status == p.data_status == "on_track"


@pytest.mark.parametrize("value, status", [
    (380_000, "on_track"),    # projects 950k = 95%: the on-track threshold is inclusive
    (379_000, "at_risk"),     # 947.5k
    (320_000, "at_risk"),     # 800k = 80%: at-risk threshold inclusive
    (319_000, "off_track"),
])
def test_status_thresholds(value, status):
    assert evaluate(value, 1_000_000, pace=0.4).status == status


def test_level_goal_projects_its_current_value():
    # acceptance rate 62% against 70%: the rate to date is the projection, whatever the pace.
    p = evaluate(0.62, 0.70, pace=0.3, cumulative=False)
    assert p.projected == pytest.approx(0.62)
    assert p.expected is None
    assert p.attainment == pytest.approx(0.62 / 0.70)
    assert p.status == "at_risk"  # 0.886


def test_lower_is_better_flips_the_maths():
    # median time to first touch 45 min against a 30 min target: two thirds of the way.
    slow = evaluate(45, 30, pace=0.5, lower_is_better=True, cumulative=False)
    assert slow.attainment == pytest.approx(30 / 45)
    assert slow.status == "off_track"
    fast = evaluate(20, 30, pace=0.5, lower_is_better=True, cumulative=False)
    assert fast.attainment == pytest.approx(1.5)
    assert fast.status == "on_track"
    near = evaluate(31, 30, pace=0.5, lower_is_better=True, cumulative=False)
    assert near.status == "on_track"  # 30/31 = 0.968
    risky = evaluate(36, 30, pace=0.5, lower_is_better=True, cumulative=False)
    assert risky.status == "at_risk"  # 0.833


def test_lower_is_better_cannot_be_a_running_total():
    with pytest.raises(GoalError, match="level"):
        evaluate(10, 5, pace=0.5, lower_is_better=True, cumulative=True)


def test_zero_targets():
    # "at most 0" (e.g. zero untouched leads): met only at 0, and 0 is not a division by zero.
    assert gm.attainment(0, 0, lower_is_better=True) == 1.0
    assert gm.attainment(3, 0, lower_is_better=True) == 0.0
    assert evaluate(0, 0, pace=0.5, lower_is_better=True, cumulative=False).status == "on_track"
    assert evaluate(2, 0, pace=0.5, lower_is_better=True, cumulative=False).status == "off_track"
    # "at least 0" is met by anything.
    assert gm.attainment(0, 0, lower_is_better=False) == 1.0
    assert evaluate(0, 0, pace=0.5).status == "on_track"
    # a lower-is-better value of 0 against a positive target is capped, not infinite
    assert gm.attainment(0, 30, lower_is_better=True) == gm.ATTAINMENT_CAP


def test_attainment_is_capped():
    assert gm.attainment(50, 1, lower_is_better=False) == gm.ATTAINMENT_CAP


def test_before_the_start_and_without_data():
    p = evaluate(None, 100, pace=0.0)
    assert p.status == "not_started" and p.projected is None
    p = evaluate(None, 0.7, pace=0.5, cumulative=False)
    assert p.status == "no_data" and p.attainment is None and p.projected is None
    assert evaluate(float("nan"), 0.7, pace=0.5, cumulative=False).status == "no_data"


def test_too_early_for_an_accumulating_goal_unless_already_met():
    assert evaluate(0, 1_000_000, pace=0.05).status == "too_early"
    assert evaluate(1_200_000, 1_000_000, pace=0.05).status == "on_track"
    # levels are judged at once: a rate is a rate
    assert evaluate(0.5, 0.7, pace=0.05, cumulative=False).status == "off_track"
    # from EARLY_PACE on, the projection decides
    assert evaluate(0, 1_000_000, pace=gm.EARLY_PACE).status == "off_track"


def test_after_the_end_achieved_or_missed():
    assert evaluate(1_000_000, 1_000_000, pace=1.0).status == "achieved"
    assert evaluate(999_999, 1_000_000, pace=1.0).status == "missed"
    done = evaluate(900_000, 1_000_000, pace=1.0)
    assert done.projected == 900_000 and done.ended
    assert evaluate(25, 30, pace=1.0, lower_is_better=True, cumulative=False).status == "achieved"


def test_confidence_overrides_while_the_period_runs():
    p = evaluate(400_000, 1_000_000, pace=0.4, confidence="at_risk")
    assert p.data_status == "on_track" and p.status == "at_risk" and p.overridden
    same = evaluate(400_000, 1_000_000, pace=0.4, confidence="on_track")
    assert not same.overridden
    # once the period has ended the data decides
    final = evaluate(400_000, 1_000_000, pace=1.0, confidence="on_track")
    assert final.status == "missed" and not final.overridden
    # an override also applies to "too early" and "no data"
    assert evaluate(None, 0.7, pace=0.5, cumulative=False, confidence="off_track").status == "off_track"
    with pytest.raises(GoalError):
        evaluate(1, 2, pace=0.5, confidence="great")


def test_pace_is_clamped_and_comes_from_the_period():
    assert evaluate(1, 10, pace=1.7).pace == 1.0
    assert evaluate(1, 10, pace=-1).pace == 0.0
    q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "America/New_York")
    half_way = q4.start_at + (q4.end_at - q4.start_at) / 2
    assert q4.elapsed_share(half_way) == pytest.approx(0.5)
    assert q4.elapsed_share(datetime(2026, 9, 30, tzinfo=timezone.utc)) == 0.0


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize("kind, day, expected", [
    ("month", date(2026, 2, 17), (date(2026, 2, 1), date(2026, 2, 28))),
    ("quarter", date(2026, 11, 20), (date(2026, 10, 1), date(2026, 12, 31))),
    ("quarter", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
    ("half", date(2026, 7, 1), (date(2026, 7, 1), date(2026, 12, 31))),
    ("half", date(2026, 6, 30), (date(2026, 1, 1), date(2026, 6, 30))),
    ("year", date(2028, 2, 29), (date(2028, 1, 1), date(2028, 12, 31))),
])
def test_period_bounds(kind, day, expected):
    assert gm.period_bounds(kind, day) == expected


def test_custom_period_end_before_start_is_refused():
    assert gm.period_bounds("custom", date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 3, 1), date(2026, 3, 1))
    with pytest.raises(GoalError, match="end date .* is before the start date"):
        gm.period_bounds("custom", date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(GoalError, match="end date"):
        gm.period_bounds("custom", date(2026, 3, 2), None)
    with pytest.raises(GoalError, match="start date"):
        gm.period_bounds("quarter", None)


def test_describe_period():
    assert gm.describe_period("quarter", date(2026, 10, 1), date(2026, 12, 31)) == "Q4 2026"
    assert gm.describe_period("half", date(2026, 7, 1), date(2026, 12, 31)) == "H2 2026"
    assert gm.describe_period("month", date(2026, 2, 1), date(2026, 2, 28)) == "February 2026"
    assert gm.describe_period("custom", date(2026, 2, 3), date(2026, 3, 4)) == "03 Feb – 04 Mar 2026"


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, unit, expected", [
    ("1200000", "currency", 1_200_000), ("1,200,000", "currency", 1_200_000), ("$1.2M", "currency", 1_200_000),
    ("850k", "currency", 850_000), ("€ 2.5 m", "currency", 2_500_000), ("1bn", "currency", 1e9),
    ("900", "count", 900), ("1.5k", "count", 1500),
    ("85", "percent", 0.85), ("85%", "percent", 0.85), ("12.5 %", "percent", 0.125),
    ("30", "minutes", 30), ("90m", "minutes", 90), ("1.5h", "minutes", 90), ("2 hours", "minutes", 120),
    ("1d", "minutes", 1440), (42, "count", 42.0), (70, "percent", 0.7),
])
def test_parse_amount(text, unit, expected):
    assert gm.parse_amount(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text, unit, message", [
    ("", "currency", "empty"), ("   ", "count", "empty"), (None, "count", "empty"),
    ("lots", "currency", "must be a number"), ("1.2.3", "count", "must be a number"),
    ("85 pts", "percent", "must be a number"), ("3 weeks", "minutes", "minutes"),
    ("12x", "count", "must be a number"), ("-5", "count", "negative"), ("1e400", "count", "must be a number"),
    ("nan", "count", "must be a number"), (float("inf"), "count", "finite"),
    ("1,5", "count", "ambiguous"), ("12,34", "currency", "ambiguous"),   # a decimal comma is not 15 or 1234
])
def test_parse_amount_refuses_what_is_not_a_number(text, unit, message):
    with pytest.raises(GoalError, match=message):
        gm.parse_amount(text, unit)


def test_input_text_round_trips():
    for value, unit in ((0.85, "percent"), (1_200_000.0, "currency"), (37.5, "minutes"), (0.125, "percent")):
        assert gm.parse_amount(gm.input_text(value, unit), unit) == pytest.approx(value)
    assert gm.input_text(None, "count") == ""
    # as people type them (the edit form showed "10000000" for a $10M target)
    shown = {10_000_000: "10M", 1_250_000: "1.25M", 2_500: "2.5k", 12_345: "12.345k", 3e9: "3B", 999: "999",
             1_234_567: "1234567", 1_500.5: "1500.5"}
    for value, text in shown.items():
        assert gm.input_text(value, "currency") == text
        assert gm.parse_amount(text, "currency") == value
    assert gm.input_text(900, "count") == "900" and gm.input_text(12_000, "count") == "12k"


# --------------------------------------------------------------------------- chart builders (pure)


def test_progress_bar_marks_pace_and_projection_only_for_running_totals():
    from components import goal_charts, theme

    running = goal_charts.progress_bar_chart(evaluate(300, 1000, pace=0.5))
    shapes = [s.x0 for s in running.layout.shapes]
    assert 1.0 in shapes and 0.5 in shapes  # target line and even-pace marker
    fill = running.data[1]
    assert fill.x[0] == pytest.approx(0.3) and fill.marker.color == theme.BAD  # projects 60%: off track
    assert any(t.type == "scatter" and t.x[0] == pytest.approx(0.6) for t in running.data)
    level = goal_charts.progress_bar_chart(evaluate(0.6, 0.7, pace=0.5, cumulative=False))
    assert [s.x0 for s in level.layout.shapes] == [1.0]
    assert not [t for t in level.data if t.type == "scatter"]


def test_history_chart_reads_long_durations_in_hours():
    import pandas as pd

    from components import goal_charts

    snaps = pd.DataFrame({"goal_id": [1, 1], "snapshot_date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
                          "value": [180.0, 150.0]})
    fig = goal_charts.history_chart(snaps, unit="minutes", target=120, start=date(2026, 10, 1),
                                    end=date(2026, 12, 31), cumulative=False, lower_is_better=True,
                                    today=date(2026, 10, 3), today_value=135.0, projected=None)
    recorded = next(t for t in fig.data if t.name == "Recorded daily")
    assert list(recorded.y) == [3.0, 2.5] and fig.layout.yaxis.ticksuffix == " h"
    assert next(t for t in fig.data if t.name.startswith("Target")).y[0] == 2.0
    short = goal_charts.sparkline_chart(snaps.assign(value=[20.0, 25.0]), unit="minutes", target=30)
    assert list(short.data[0].y) == [20.0, 25.0]


def test_the_sides_a_shared_goal_still_needs_an_owner_from():
    from queries.goals import missing_sides
    assert missing_sides([]) == ["marketing", "sales or sales development"]
    assert missing_sides(["marketing", "marketing"]) == ["sales or sales development"]
    assert missing_sides(["sales_development"]) == ["marketing"]
    assert missing_sides(["sales", "marketing"]) == []


def test_a_target_too_large_to_store_says_the_limit_whatever_its_size():
    """Just over the storage limit said "too large to store (at most 999,999,999,999)"; ten times
    over it said only "too large"."""
    for raw in ("2000000000000", "5000B"):
        with pytest.raises(GoalError, match=r"too large to store \(at most 999,999,999,999\)"):
            gm.parse_amount(raw, "currency", "The target")


@pytest.mark.parametrize("text, currency, expected", [
    ("¥5M", "JPY", 5e6), ("￥5,000,000", "JPY", 5e6), ("JPY 5000000", "JPY", 5e6), ("5M JPY", "JPY", 5e6),
    ("€2.5M", "EUR", 2.5e6), ("2.5M €", "EUR", 2.5e6), ("EUR 2,500,000", "EUR", 2.5e6),
    ("₹5M", "INR", 5e6), ("INR 50,00,000", "INR", 5e6), ("1,00,000", "INR", 1e5), ("Rs 2.5M", "INR", 2.5e6),
    ("£1.2m", "GBP", 1.2e6), ("5,000,000", "GBP", 5e6), ("5 000 000", "EUR", 5e6), ("5\u00a0000\u00a0000", "EUR", 5e6),
    ("$3M", "AUD", 3e6), ("A$3M", "AUD", 3e6), ("CHF 2M", "CHF", 2e6), ("¥5M", None, 5e6), ("5M EUR", None, 5e6),
])
def test_parse_amount_reads_the_company_currency_as_typed(text, currency, expected):
    """A company outside the US types its own currency's sign or code, before or after the number."""
    assert gm.parse_amount(text, "currency", currency=currency) == pytest.approx(expected)


@pytest.mark.parametrize("text, currency", [
    ("$5M", "JPY"), ("€2.5M", "JPY"), ("5M EUR", "GBP"), ("INR 5M", "EUR"), ("£1M", "USD"), ("A$3M", "USD"),
])
def test_parse_amount_refuses_another_currency(text, currency):
    """'$5M' typed in a yen company is not ¥5M: a clear message instead of a target 150× too small."""
    with pytest.raises(GoalError, match=f"another currency: amounts here are in {currency}"):
        gm.parse_amount(text, "currency", currency=currency)


@pytest.mark.parametrize("text", ["2,5M", "5.000.000", "€", "EUR", "5 apples"])
def test_parse_amount_refuses_european_decimals_with_a_message(text):
    with pytest.raises(GoalError, match="ambiguous|must be a number|empty"):
        gm.parse_amount(text, "currency", currency="EUR")


def test_spread_days_keeps_the_ends_and_spreads_the_rest():
    from datetime import date, timedelta

    from queries.goals import spread_days

    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(55)]
    picked = spread_days(days, 31)
    assert len(picked) == 31 and picked[0] == days[0] and picked[-1] == days[-1]
    assert picked == sorted(set(picked)) and max((b - a).days for a, b in zip(picked, picked[1:])) == 2
    assert spread_days(days[:10], 31) == days[:10]          # under the cap: every day
    assert spread_days(days, 1) == [days[-1]] and spread_days(days, 2) == [days[0], days[-1]]


@pytest.mark.parametrize("unit", list(gm.UNITS))
def test_the_target_placeholder_suggests_what_its_unit_accepts(unit):
    """The Target field suggested "e.g. 1.2M, 85%, 90m, 900" for every unit, and a manual count goal
    refused the "85%" it suggested ("'85%' is not a number")."""
    from components.goal_forms import target_placeholder

    text = target_placeholder(unit)
    assert text.startswith("e.g. ")
    for example in text.removeprefix("e.g. ").split(" or "):
        assert gm.parse_amount(example, unit, currency="USD") > 0, example
    if unit != "percent":
        assert "%" not in text


def test_the_target_placeholder_for_a_count_is_a_count():
    from components.goal_forms import target_placeholder

    assert target_placeholder("count") == "e.g. 1,200"
    assert target_placeholder("percent") == "e.g. 85%"
    assert gm.parse_amount("1,200", "count") == 1200
