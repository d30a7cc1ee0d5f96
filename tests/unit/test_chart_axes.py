"""Trend charts label their x-axis at the buckets' own starts (weeks on the Monday they start on),
so charts side by side agree; Plotly's automatic weekly ticks fall on Sundays."""

from __future__ import annotations

import pandas as pd

from components import charts, sla_charts, theme

MONDAYS = pd.date_range("2026-09-28", periods=13, freq="7D")   # a quarter of weeks


def test_time_axis_ticks_sit_on_buckets_and_are_thinned():
    axis = theme.time_axis(MONDAYS, "week")
    ticks = axis["tickvals"]
    assert ticks[0] == MONDAYS[0] and len(ticks) <= 8
    assert all(t in set(MONDAYS) and t.day_of_week == 0 for t in ticks)
    assert axis["tickformat"] == "%d %b" and axis["type"] == "date"
    few = theme.time_axis(MONDAYS[:5], "week")
    assert list(few["tickvals"]) == list(MONDAYS[:5])
    assert "tickvals" not in theme.time_axis([], "week")


def test_scoreboard_and_sla_week_charts_share_monday_ticks():
    money = pd.DataFrame({"bucket": MONDAYS, "revenue": 1.0, "marketing_sourced_revenue": 0.5,
                          "pipeline_created": 2.0, "marketing_sourced_pipeline": 1.0})
    revenue = charts.revenue_pipeline_chart(money, "week")
    weekly = pd.DataFrame({"bucket": MONDAYS, "dim_label": "Sales", "compliance_rate": 0.8, "met": 8,
                           "breached": 2, "pending": 0})
    sla = sla_charts.compliance_trend_chart(weekly, title="Compliance by week")
    ticks = [pd.Timestamp(t) for t in revenue.layout.xaxis.tickvals]
    assert ticks == [pd.Timestamp(t) for t in sla.layout.xaxis.tickvals]
    assert all(t.day_of_week == 0 for t in ticks)
