"""Trend charts label their x-axis at the buckets' own starts (weeks on the Monday they start on),
so charts side by side agree; Plotly's automatic weekly ticks fall on Sundays. A week's tick says
"w/c 28 Sep": the first week of a quarter that begins on 1 Oct starts on Monday 28 Sep, and a bare
"28 Sep" read as data from before the quarter."""

from __future__ import annotations

import pandas as pd

from components import charts, sla_charts, theme

MONDAYS = pd.date_range("2026-09-28", periods=13, freq="7D")   # a quarter of weeks


def test_time_axis_ticks_sit_on_buckets_and_are_thinned():
    axis = theme.time_axis(MONDAYS, "week")
    ticks = axis["tickvals"]
    assert ticks[0] == MONDAYS[0] and len(ticks) <= theme.MAX_WEEK_TICKS
    assert all(t in set(MONDAYS) and t.day_of_week == 0 for t in ticks)
    assert axis["tickformat"] == "w/c %d %b" and axis["type"] == "date"
    # thinned from the latest bucket back, so the current week is always named (an even count
    # of weeks used to leave the last one unlabelled)
    assert ticks[-1] == MONDAYS[-1]
    for n in range(2, 14):
        assert theme.time_axis(MONDAYS[:n], "week")["tickvals"][-1] == MONDAYS[n - 1]
    # and the axis leaves room for the first and last labels, which Plotly hides at the very edge
    low, high = axis["range"]
    assert low <= MONDAYS[0] - pd.Timedelta(days=4) and high >= MONDAYS[-1] + pd.Timedelta(days=4)
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


def test_a_weeks_tick_names_the_week_not_a_day_before_the_period():
    first = pd.Timestamp(MONDAYS[0])                       # Monday 28 Sep, the week holding Thursday 1 Oct
    for fig in (sla_charts.rep_weekly_chart(pd.DataFrame({"bucket": MONDAYS, "compliance_rate": 0.9,
                                                          "team_compliance_rate": 0.8}), "Ann", "Sales", 0.9),
                charts.acceptance_trend_chart(pd.DataFrame(columns=["bucket", "dim_key", "dim_label", "handed_off",
                                                                    "accepted", "awaiting", "acceptance_rate"]),
                                              pd.DataFrame({"bucket": MONDAYS, "handed_off": 10, "accepted": 5,
                                                            "awaiting": 0, "acceptance_rate": 0.5}), "week")):
        assert fig.layout.xaxis.tickformat == "w/c %d %b"
        assert pd.Timestamp(fig.layout.xaxis.tickvals[0]) == first
        assert first.strftime("w/c %d %b") == "w/c 28 Sep"


def test_charts_not_told_their_grain_read_it_from_the_buckets():
    months = pd.date_range("2026-01-01", periods=6, freq="MS")
    assert theme.infer_grain(months) == "month" and theme.infer_grain(MONDAYS) == "week"
    assert theme.infer_grain(pd.date_range("2026-10-01", periods=9, freq="D")) == "day"
    assert theme.infer_grain(MONDAYS[:1]) is None
    frame = pd.DataFrame({"bucket": months, "acceptance_rate": 0.6, "accepted": 6, "rejected": 3, "awaiting": 1})
    fig = sla_charts.acceptance_chart(frame, 0.55)
    assert fig.layout.xaxis.tickformat == "%b %Y"            # not "w/c 01 Jan" for a month
    assert "%B %Y" in fig.data[0].hovertemplate and "Week of" not in fig.data[0].hovertemplate


def test_the_goal_history_title_and_legend_do_not_share_a_row():
    """'Progress over the period' was drawn over the legend's first entry (the title was set after
    the chart's fixed 36 px top margin)."""
    from datetime import date

    from components import goal_charts

    snaps = pd.DataFrame({"snapshot_date": pd.date_range("2026-10-01", periods=20), "value": range(20)})
    fig = goal_charts.history_chart(snaps, unit="currency", target=40.0, start=date(2026, 10, 1),
                                    end=date(2026, 12, 31), cumulative=True, lower_is_better=False,
                                    today=date(2026, 10, 21), today_value=21.0, projected=90.0,
                                    title="Progress over the period")
    assert fig.layout.title.text == "Progress over the period"
    assert fig.layout.margin.t >= 48 + 2 * 17
    untitled = goal_charts.history_chart(snaps, unit="currency", target=40.0, start=date(2026, 10, 1),
                                         end=date(2026, 12, 31), cumulative=True, lower_is_better=False,
                                         today=date(2026, 10, 21), today_value=21.0, projected=90.0)
    assert untitled.layout.margin.t == 36


def test_the_funnel_labels_cumulative_conversion_as_defined():
    """Cumulative conversion is reached ÷ leads that entered the funnel (metrics.md); the chart
    said '17% of MQLs' where the defined rate was 5.4%."""
    from queries import calc

    metric = pd.DataFrame({"stage_order": [1, 2, 3, 4, 5], "stage": ["Created", "MQL", "SAL", "SQL", "Won"],
                           "reached": [2719, 872, 525, 148, 2],
                           "step_rate": [1.0, 872 / 2719, 525 / 872, 148 / 525, 2 / 148],
                           "cumulative_rate": [1.0, 872 / 2719, 525 / 2719, 148 / 2719, 2 / 2719]})
    fig = charts.funnel_chart(calc.funnel_from_mql(metric))
    labels = list(fig.data[0].text)
    assert labels[0] == "<b>872</b> · 32% of leads created"
    assert labels[2] == "<b>148</b> · 28% step · 5.4% of leads created"
    assert fig.data[0].customdata[2].endswith("<br>17% of MQLs")     # still there, on hover
