"""A goal's history chart and its caption tell the days recorded once each day ended from the days
back-filled later (before the goal was created, or nobody looked): a new goal showed a "Recorded
daily" line back to its period start under "Daily values are recorded once, at the end of each day,
and never recomputed", though every point before its creation day was computed at creation."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd

from components import goal_charts
from components.goal_views import history_caption

TZ = "America/New_York"


def snaps(rows) -> pd.DataFrame:
    """(day, value, computed at as UTC 'YYYY-MM-DD HH:MM')."""
    return pd.DataFrame({"goal_id": 1, "snapshot_date": pd.to_datetime([d for d, _, _ in rows]),
                         "value": [v for _, v, _ in rows],
                         "computed_at": pd.to_datetime([c for _, _, c in rows]).tz_localize("UTC")})


# created on 6 Nov (New York) at 15:00 UTC: 1-5 Nov computed then; 6 Nov recorded on 7 Nov;
# 7-8 Nov nobody looked, filled on 11 Nov; 9-10 Nov computed on 11 Nov, the day after 10 Nov
CREATED = datetime(2026, 11, 6, 15, 0, tzinfo=timezone.utc)
ROWS = [(f"2026-11-0{d}", float(d), "2026-11-06 15:00") for d in range(1, 6)] + [
    ("2026-11-06", 6.0, "2026-11-07 13:00"), ("2026-11-07", 7.0, "2026-11-11 13:00"),
    ("2026-11-08", 8.0, "2026-11-11 13:00"), ("2026-11-09", 9.0, "2026-11-10 13:00"),
    ("2026-11-10", 10.0, "2026-11-11 13:00")]


def test_back_filled_days_are_the_days_before_creation_and_those_computed_late():
    late = goal_charts.filled_later(snaps(ROWS), TZ, date(2026, 11, 6))
    assert late.tolist() == [True] * 5 + [False, True, True, False, False]
    # 03:30 UTC on 7 Nov is still 6 Nov in New York: 5 Nov's value computed then is on time
    edge = snaps([("2026-11-05", 1.0, "2026-11-07 03:30")])
    assert goal_charts.filled_later(edge, TZ).tolist() == [False]
    assert goal_charts.filled_later(edge, "UTC").tolist() == [True]
    # without when they were computed (or a zone) nothing is called back-filled
    assert not goal_charts.filled_later(snaps(ROWS).drop(columns="computed_at"), TZ).any()


def test_the_chart_draws_back_filled_days_dotted_apart_from_the_recorded_ones():
    fig = goal_charts.history_chart(snaps(ROWS), unit="count", target=20, start=date(2026, 11, 1),
                                    end=date(2026, 11, 30), cumulative=True, lower_is_better=False,
                                    today=date(2026, 11, 11), today_value=11.0, projected=None, tz=TZ,
                                    created=date(2026, 11, 6))
    traces = {t.name: t for t in fig.data}
    filled, recorded = traces["Back-filled"], traces["Recorded daily"]
    assert filled.line.dash == "dot" and recorded.line.dash is None
    assert list(filled.y) == [1.0, 2.0, 3.0, 4.0, 5.0, None, 7.0, 8.0, None, None]
    assert list(recorded.y) == [None] * 5 + [6.0, None, None, 9.0, 10.0]
    assert list(filled.customdata)[:5] == ["06 Nov"] * 5   # each point's hover says when it was computed


def test_a_history_recorded_day_by_day_keeps_one_line_and_says_so():
    rows = [("2026-11-06", 6.0, "2026-11-07 13:00"), ("2026-11-07", 7.0, "2026-11-08 13:00")]
    fig = goal_charts.history_chart(snaps(rows), unit="count", target=20, start=date(2026, 11, 1),
                                    end=date(2026, 11, 30), cumulative=True, lower_is_better=False,
                                    today=date(2026, 11, 8), today_value=8.0, projected=None, tz=TZ,
                                    created=date(2026, 11, 6))
    assert "Back-filled" not in {t.name for t in fig.data} and "Recorded daily" in {t.name for t in fig.data}
    assert history_caption(snaps(rows), TZ, CREATED).startswith(
        "Daily values: each day's value is recorded once, after the day ends, and never recomputed")


def test_the_caption_says_which_days_were_computed_when():
    text = history_caption(snaps(ROWS), TZ, CREATED)
    assert text.startswith("Dotted (back-filled): values up to 05 Nov were computed on 06 Nov, when the goal was "
                           "created; values for 07 Nov–08 Nov were computed on 11 Nov, from the data as it was then")
    assert "Solid: each day's value is recorded once" in text
    assert "never recomputed" in text.split("Solid:")[1]   # not said of the dotted days


def test_a_goal_created_after_its_period_is_all_back_filled():
    rows = [(f"2026-03-{d:02d}", float(d), "2026-11-25 15:00") for d in range(29, 32)]
    created = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
    text = history_caption(snaps(rows), TZ, created)
    assert text.startswith("Dotted (back-filled): values up to 31 Mar were computed on 25 Nov, when the goal was "
                           "created")
    assert "Solid" not in text and "Otherwise, each day's value is recorded once" in text
