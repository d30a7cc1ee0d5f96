"""Trend charts label their x-axis at the buckets' own starts (weeks on the Monday they start on),
so charts side by side agree; Plotly's automatic weekly ticks fall on Sundays. A week's tick says
"w/c 28 Sep": the first week of a quarter that begins on 1 Oct starts on Monday 28 Sep, and a bare
"28 Sep" read as data from before the quarter."""

from __future__ import annotations

import pandas as pd
import pytest

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
    # the legend has its own row under the title, the plot starts under it (test_chart_layout.py)
    assert (1 - fig.layout.legend.y) * fig.layout.height >= theme.TITLE_TOP + 1.3 * 17
    assert fig.layout.margin.t >= (1 - fig.layout.legend.y) * fig.layout.height + 2 * 13
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
    assert labels[0] == "<b>872</b><br>32% of leads created"
    assert labels[2] == "<b>148</b> · 28% step<br>5.4% of leads created"
    assert fig.data[0].customdata[2].endswith("<br>17% of MQLs")     # still there, on hover


# ----------------------------------------------------------------------------- sparse and tiny data


def test_a_lone_bucket_gets_a_bar_you_can_see():
    """A one-day period has one bucket: Plotly sized its date bars from the spacing of the x values
    and drew them zero-wide while the tiles above said $110k."""
    day = pd.DataFrame({"bucket": [pd.Timestamp("2026-11-22")], "revenue": [110_000.0],
                        "marketing_sourced_revenue": [50_000.0], "pipeline_created": [159_000.0],
                        "marketing_sourced_pipeline": [9_000.0]})
    fig = charts.revenue_pipeline_chart(day, "day")
    assert {bar.width for bar in fig.data} == {0.8 * 86_400_000}
    low, high = fig.layout.xaxis.range
    assert pd.Timestamp(high) - pd.Timestamp(low) >= pd.Timedelta(days=1.6)   # room for the bar
    week = pd.DataFrame({"bucket": [pd.Timestamp("2026-11-16")], "on_time": [5], "late": [1], "overdue": [0],
                         "pending": [0]})
    decisions = sla_charts.decision_chart(week, grain="week")
    assert {bar.width for bar in decisions.data} == {theme.bar_width("week")} == {7 * 0.8 * 86_400_000}
    assert decisions.layout.xaxis.tickformat == "w/c %d %b"   # "w/c 16 Nov", not "16 Nov" for a 22 Nov period
    acc = pd.DataFrame({"bucket": [pd.Timestamp("2026-11-16")], "acceptance_rate": [0.5], "accepted": [1],
                        "rejected": [1], "awaiting": [0]})
    assert sla_charts.acceptance_chart(acc, 0.55, grain="week").data[0].width == theme.bar_width("week")


def test_nothing_won_reads_nothing_won_not_milli_dollars():
    money = pd.DataFrame({"bucket": MONDAYS[:3], "revenue": 0.0, "marketing_sourced_revenue": 0.0,
                          "pipeline_created": [0.0, 5_000.0, 0.0], "marketing_sourced_pipeline": 0.0})
    fig = charts.revenue_pipeline_chart(money, "week")
    assert list(fig.layout.yaxis.tickvals) == [0] and list(fig.layout.yaxis.range) == [0, 1]
    assert list(fig.layout.yaxis2.ticktext) == ["$0", "$2k", "$4k"]   # pipeline was created: its own scale
    notes = [a.text for a in fig.layout.annotations]
    assert "No revenue won in the period" in notes and "No pipeline created in the period" not in notes


def test_ticks_of_sparse_days_keep_apart():
    """QA: a small slice of Sales feedback had data on 11, 18, 19, 22, 26 and 30 Oct; ticks on every
    bucket put "18 Oct" into "19 Oct". A tick closer than a share of the span to a later one is
    left out; the latest stays labelled, and regular buckets keep every tick they had."""
    days = pd.to_datetime(["2026-10-11", "2026-10-18", "2026-10-19", "2026-10-22", "2026-10-26", "2026-10-30"])
    ticks = list(theme.time_axis(days, "day")["tickvals"])
    assert ticks == list(pd.to_datetime(["2026-10-11", "2026-10-19", "2026-10-22", "2026-10-26", "2026-10-30"]))
    daily = pd.date_range("2026-10-01", "2026-10-31", freq="D")
    assert len(theme.time_axis(daily, "day")["tickvals"]) == 8 and theme.time_axis(MONDAYS, "week")["tickvals"][-1] == MONDAYS[-1]


def test_sparse_weeks_stay_weeks_and_lines_break_over_missing_ones():
    """Tier 1 + one source + one rep: four weeks with data in a quarter. Told its grain, the chart
    labels weeks (it guessed months from the gaps), and the line breaks over the empty weeks
    instead of drawing a trend nobody measured."""
    weeks = [MONDAYS[0], MONDAYS[1], MONDAYS[8], MONDAYS[9]]
    frame = pd.DataFrame({"bucket": weeks, "dim_label": "Sales", "compliance_rate": [1.0, 0.0, 1.0, 1.0],
                          "met": [1, 0, 1, 1], "breached": [0, 1, 0, 0], "pending": 0})
    fig = sla_charts.compliance_trend_chart(frame, title="t", grain="week", min_known=1)
    assert fig.layout.xaxis.tickformat == "w/c %d %b"
    line = fig.data[0]
    assert list(line.y) == [1.0, 0.0, None, 1.0, 1.0] and line.connectgaps is False
    x, y = theme.break_gaps("week", MONDAYS[:3], [1, 2, 3])
    assert list(x) == list(MONDAYS[:3]) and y == [1, 2, 3]   # nothing missing, nothing inserted
    x, y = theme.break_gaps("month", pd.to_datetime(["2026-01-01", "2026-02-01", "2026-04-01"]), [1, 2, 3])
    assert y == [1, 2, None, 3]


def test_a_week_with_few_known_outcomes_is_a_hollow_point_off_the_line():
    """QA: a Monday-morning meeting froze the current week with one Sales hand-off, breached: the
    line plunged to 0% (and Sales development's to 100% on two). Under 10 known outcomes a week is
    a hollow point off the line, its counts in the hover, and the legend says what hollow means."""
    frame = pd.DataFrame({"bucket": MONDAYS[:3], "dim_label": "Sales", "compliance_rate": [0.7, 0.65, 0.0],
                          "met": [28, 26, 0], "breached": [12, 14, 1], "pending": [0, 0, 3]})
    fig = sla_charts.compliance_trend_chart(frame, title="t", grain="week")
    line, hollow = fig.data
    assert list(line.y) == [0.7, 0.65, None]
    assert list(hollow.y) == [0.0] and hollow.marker.symbol == "circle-open" and hollow.showlegend is False
    assert hollow.marker.color == line.line.color
    assert "only 1 with a known outcome" in hollow.customdata[0] and "1 breached, 3 pending" in hollow.customdata[0]
    assert "Hollow: weeks with under 10 known outcomes" in fig.layout.legend.title.text
    settled = sla_charts.compliance_trend_chart(frame.iloc[:2], title="t", grain="week")
    assert len(settled.data) == 1 and not settled.layout.legend.title.text   # nothing hollow, nothing said


def test_counts_of_hand_offs_have_whole_number_ticks():
    small = theme.count_axis(2)
    assert small["dtick"] == 1 and small["tickformat"] == ",d" and small["range"][0] == 0 and small["range"][1] > 2
    assert theme.count_axis(0)["dtick"] == 1 and theme.count_axis(float("nan"))["dtick"] == 1
    assert "dtick" not in theme.count_axis(40) and theme.count_axis(40)["tickformat"] == ",d"
    week = pd.DataFrame({"bucket": [MONDAYS[0]], "on_time": [1], "late": [1], "overdue": [0], "pending": [0]})
    assert sla_charts.decision_chart(week, grain="week").layout.yaxis.dtick == 1


def test_the_acceptance_trend_shows_what_still_awaits_a_decision():
    """docs/metrics.md: hand-offs awaiting a decision stay in the rate's denominator, so a recent
    bucket is not final. The two-sided SLA's trend stacked nothing on the bar: a week with 4 of 10
    accepted and 5 awaiting read as a failing 40 %. Its awaiting share is stacked in pending grey."""
    frame = pd.DataFrame({"bucket": MONDAYS[:2], "acceptance_rate": [0.6, 0.4], "accepted": [6, 4],
                          "rejected": [4, 1], "awaiting": [0, 5]})
    fig = sla_charts.acceptance_chart(frame, 0.55, grain="week")
    rate, waiting = fig.data
    assert list(rate.y) == [0.6, 0.4] and list(waiting.y) == [0.0, 0.5]
    assert waiting.name == "Awaiting a decision" and waiting.marker.color == theme.PENDING
    assert fig.layout.barmode == "stack" and fig.layout.showlegend is True
    settled = sla_charts.acceptance_chart(frame.assign(awaiting=0, rejected=[4, 6]), None, grain="week")
    assert len(settled.data) == 1 and settled.layout.showlegend is False


def test_goal_charts_write_money_in_the_company_currency():
    """A revenue goal's card reads "€2.03M of €3.86M" (fmt.money with the currency setting); its
    history chart and sparkline wrote "$" on the axis and in every hover whatever the setting."""
    from datetime import date

    from components import goal_charts

    snaps = pd.DataFrame({"snapshot_date": pd.date_range("2026-10-01", periods=5), "value": [1e5, 2e5, 3e5, 4e5, 5e5]})
    fig = goal_charts.history_chart(snaps, unit="currency", target=2e6, start=date(2026, 10, 1),
                                    end=date(2026, 12, 31), cumulative=True, lower_is_better=False,
                                    today=date(2026, 10, 6), today_value=5.5e5, projected=1.1e6, currency="EUR")
    assert fig.layout.yaxis.tickprefix == "€"
    hovers = [trace.hovertemplate for trace in fig.data]
    assert hovers and all("€%{y" in h and "$" not in h for h in hovers)
    spark = goal_charts.sparkline_chart(snaps, unit="currency", target=2e6, currency="CHF")
    assert "CHF %{y" in spark.data[0].hovertemplate and "$" not in spark.data[0].hovertemplate
    dollars = goal_charts.history_chart(snaps, unit="currency", target=2e6, start=date(2026, 10, 1),
                                        end=date(2026, 12, 31), cumulative=True, lower_is_better=False,
                                        today=date(2026, 10, 6), today_value=5.5e5, projected=1.1e6)
    assert dollars.layout.yaxis.tickprefix == "$"


def test_a_replay_rate_from_few_leads_gives_its_count_on_the_bar():
    """The leads a draft drops showed "100%" win rate, as tall as the rates beside it, from one won
    deal; a meeting screenshot has no hover to say so."""
    import pandas as pd

    from components.qualification_charts import replay_rates_chart

    segments = pd.DataFrame([
        {"segment": "current", "leads": 1221, "handed_off": 1205, "accepted": 738, "with_opportunity": 300,
         "won": 57, "lost": 243, "acceptance_rate": 738 / 1205, "opportunity_rate": 300 / 1221, "win_rate": 0.19},
        {"segment": "proposed", "leads": 1175, "handed_off": 1159, "accepted": 724, "with_opportunity": 299,
         "won": 56, "lost": 243, "acceptance_rate": 724 / 1159, "opportunity_rate": 299 / 1175,
         "win_rate": 56 / 299},
        {"segment": "lost", "leads": 46, "handed_off": 46, "accepted": 14, "with_opportunity": 1, "won": 1,
         "lost": 0, "acceptance_rate": 14 / 46, "opportunity_rate": 1 / 46, "win_rate": 1.0},
    ])
    fig = replay_rates_chart(segments)
    texts = {bar.name.split(" (")[0]: list(bar.text) for bar in fig.data}
    dropped = next(v for k, v in texts.items() if "drops" in k)
    assert dropped == ["30%", "2%", "100%<br><span style='font-size:11px'>(1 of 1)</span>"], dropped   # 1 closed deal: its count
    small = fig.data[-1]
    assert small.constraintext == "none" and small.cliponaxis is False   # never shrunk to the bar (QA: ~5 px high)
    assert fig.layout.yaxis.range[1] >= 1.2 and max(fig.layout.yaxis.tickvals) == 1.0   # room for it; no 120% tick
    assert all("(" not in t for k, v in texts.items() if "drops" not in k for t in v)


def test_money_axes_write_billions_as_b_with_the_company_currency():
    """Yen and rupee revenue reaches billions: the axes read '¥1.2B', not d3's '¥1.2G'."""
    money = pd.DataFrame({"bucket": MONDAYS[:2], "revenue": [1.2e9, 2.6e9], "marketing_sourced_revenue": [0.5e9, 1e9],
                          "pipeline_created": [4e9, 5e9], "marketing_sourced_pipeline": [1e9, 2e9]})
    fig = charts.revenue_pipeline_chart(money, "week", "JPY")
    assert list(fig.layout.yaxis.ticktext) == ["¥0", "¥1B", "¥2B"]
    assert list(fig.layout.yaxis2.ticktext) == ["¥0", "¥2B", "¥4B"]


@pytest.mark.parametrize("largest, ticks", [
    (1_600_000, ["$0", "$0.5M", "$1.0M", "$1.5M"]),   # Plotly's own read "$0.5M" beside "$1M"
    (3_720_000, ["$0", "$1M", "$2M", "$3M"]),
    (850_000, ["$0", "$200k", "$400k", "$600k", "$800k"]),
    (1_020_000, ["$0", "$0.5M", "$1.0M"]),            # the top tick in millions: every tick in millions
    (420, ["$0", "$100", "$200", "$300", "$400"]),
    (1.2e9, ["$0", "$0.5B", "$1.0B"]),
    (0, ["$0"]),
])
def test_money_ticks_are_written_alike(largest, ticks):
    axis = theme.money_ticks(largest, "$")
    assert axis["ticktext"] == ticks
    assert axis["range"][0] == 0 and axis["range"][1] >= largest and axis["tickvals"][-1] <= axis["range"][1]


def test_the_revenue_trend_writes_its_ticks_alike_in_the_company_currency():
    money = pd.DataFrame({"bucket": MONDAYS[:3], "revenue": [0.4e6, 1.6e6, 0.9e6],
                          "marketing_sourced_revenue": [0.1e6, 0.6e6, 0.3e6],
                          "pipeline_created": [2e6, 3.72e6, 1e6], "marketing_sourced_pipeline": [1e6, 1e6, 0.5e6]})
    fig = charts.revenue_pipeline_chart(money, "week", "EUR")
    assert list(fig.layout.yaxis.ticktext) == ["€0", "€0.5M", "€1.0M", "€1.5M"]
    assert list(fig.layout.yaxis2.ticktext) == ["€0", "€1M", "€2M", "€3M"]


def test_the_mql_pace_chart_draws_from_the_data_and_counts_what_came_before():
    """A 2017-2026 period over 18 months of data drew eight years of a flat line at 0 ("01 Jan"
    ticks for each year). Drawn from the data's first day, the running totals still count every
    day of the period."""
    from datetime import date, datetime, timezone

    daily = pd.DataFrame({"bucket": pd.to_datetime(["2016-12-31", "2025-06-01", "2025-06-03"]), "mqls": [4, 2, 3]})
    start, end = date(2016, 1, 1), date(2025, 6, 30)
    days = (end - start).days + 1
    committed = [1.0] * days
    fig = sla_charts.mql_pace_chart(daily, start, end, committed, datetime(2025, 6, 3, 12, tzinfo=timezone.utc),
                                    shown_from=date(2025, 6, 1))
    pace, delivered = fig.data
    assert pd.Timestamp(delivered.x[0]) == pd.Timestamp("2025-06-01")
    assert list(delivered.y) == [6, 6, 9]    # the 4 from 2016 are in the running total
    assert pd.Timestamp(pace.x[0]) == pd.Timestamp("2025-06-01")
    assert pace.y[0] == (date(2025, 6, 1) - start).days + 1
    assert pd.Timestamp(fig.layout.xaxis.range[0]) == pd.Timestamp("2025-05-31")
    assert fig.layout.xaxis.tickformat == "%d %b"   # a month drawn: days
    whole = sla_charts.mql_pace_chart(daily, start, end, committed, datetime(2025, 6, 3, 12, tzinfo=timezone.utc))
    assert pd.Timestamp(whole.data[1].x[0]) == pd.Timestamp("2016-01-01")
    assert whole.layout.xaxis.tickformat == "%b %Y"   # years drawn: each tick names its year


def test_the_feedback_trends_count_whole_hand_offs_and_ratings():
    """QA on a small slice (/feedback?period=last_month&source=webinar&tier=2): the rejection chart's
    axis read 0.5 and 1.5 rejected hand-offs, the ratings axis 0.2 … 0.8 ratings."""
    from components.qualification_charts import quality_trend_chart, rejection_trend_chart

    days = pd.date_range("2026-10-06", periods=3, freq="D")
    reasons = pd.DataFrame({"bucket": [days[0], days[0], days[2]], "reason": ["bad_fit", "no_response", "bad_fit"],
                            "rejected": [1, 1, 1], "share": [0.5, 0.5, 1.0]})
    axis = rejection_trend_chart(reasons, "day").layout.yaxis
    assert (axis.tickformat, axis.dtick) == (",d", 1) and axis.range[1] > 2
    quality = pd.DataFrame({"bucket": days, "ratings": [1, 1, 1], "avg_quality": [4.0, 3.0, 2.0]})
    fig = quality_trend_chart(quality, "day")
    assert (fig.layout.yaxis.tickformat, fig.layout.yaxis.dtick) == (",d", 1) and fig.layout.yaxis.range[1] > 1
    assert list(fig.layout.yaxis2.tickvals) == [1, 2, 3, 4, 5]          # the average keeps its 1-5 scale
    many = quality.assign(ratings=[40, 80, 120])
    assert quality_trend_chart(many, "day").layout.yaxis.tickformat == ",d"
