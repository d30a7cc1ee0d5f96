"""Chart titles, legends and labels keep out of each other's way in a half-width column (a tablet,
a 1280 px screen) as well as on a wide screen: titles wrap, a legend above the plot has rows of
its own under the title, a legend below the plot sits under the tick labels, and bar labels have
room beside the longest bar. (tests/browser/test_chart_layout_browser.py measures the drawn
charts.)"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from components import campaign_charts, charts, meeting_charts, sla_charts, theme

WEEKS = pd.date_range("2026-09-28", periods=9, freq="7D")


def _title_bottom(fig: go.Figure) -> float:
    """Pixels from the figure's top to the bottom of its title (theme's model of Plotly's)."""
    size = fig.layout.title.font.size or 17
    return theme.TITLE_TOP + theme.title_lines(fig) * theme.TITLE_LINE * size


def _legend_top(fig: go.Figure) -> float:
    assert fig.layout.legend.yref == "container" and fig.layout.legend.yanchor == "top"
    return (1 - fig.layout.legend.y) * fig.layout.height


def _trend(target=0.9) -> go.Figure:
    frame = pd.DataFrame({"bucket": list(WEEKS) * 2, "dim_label": ["Sales"] * 9 + ["Sales development"] * 9,
                          "compliance_rate": [0.5] * 18, "met": [5] * 18, "breached": [5] * 18, "pending": [0] * 18})
    return sla_charts.compliance_trend_chart(frame, target=target, title="Follow-up compliance by team and week",
                                             grain="week")


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize("title", ["Time to first touch, and whether each hand-off met its SLA",
                                   "Funnel: leads created in the period, MQL to won",
                                   "Rejection reasons by source (share of rejected; count in brackets)",
                                   "Time to first touch against each lead's window"])
def test_a_long_title_wraps_into_balanced_lines_that_fit_a_half_width_column(title):
    wrapped = theme.wrap_title(title)
    lines = wrapped.split("<br>")
    assert len(lines) == 2
    assert all(len(line) <= theme.TITLE_CHARS for line in lines)
    assert " ".join(lines) == title                                    # every word, in order
    assert abs(len(lines[0]) - len(lines[1])) <= 12                    # no one-word last line
    assert theme.wrap_title(wrapped) == wrapped                        # once is enough


def test_a_short_title_and_one_with_markup_stay_as_they_are():
    assert theme.wrap_title("Revenue and pipeline, by source") == "Revenue and pipeline, by source"
    assert theme.wrap_title("Lead acceptance rate by source, week by week, <b>all</b> sources") \
        == "Lead acceptance rate by source, week by week, <b>all</b> sources"
    # an escaped name counts as the characters it shows ("&amp;" is one)
    assert theme.wrap_title("Marketing &amp; sales " * 2 + "xx") == "Marketing &amp; sales " * 2 + "xx"


def test_a_chart_builders_long_title_is_wrapped():
    dist = pd.DataFrame({"band": [0, 1, -1], "lower_minutes": [0, 5, 0], "upper_minutes": [5, 15, 0],
                         "handoffs": [10, 5, 3], "in_time": [9, 4, 0], "past_deadline": [0, 0, 2]})
    fig = charts.first_touch_chart(dist)
    assert fig.layout.title.text == "Time to first touch, and whether<br>each hand-off met its SLA"
    assert fig.layout.margin.t >= _title_bottom(fig)


def test_a_chart_drawn_across_the_page_keeps_its_title_on_one_line():
    fig = go.Figure()
    theme.style(fig, "Time to first touch against each lead's window", title_chars=theme.WIDE_TITLE_CHARS)
    assert theme.title_lines(fig) == 1
    assert theme.title_lines(theme.style(go.Figure(), "Time to first touch against each lead's window")) == 2


# --------------------------------------------------------------------------- legends


def test_a_legend_above_the_plot_has_its_own_rows_under_the_title():
    fig = _trend()
    assert fig.layout.title.yref == "container"
    assert _legend_top(fig) >= _title_bottom(fig) + 4                  # under the title, not beside it
    # the plot starts under one row of legend; more rows push it down (Plotly's automargin), as
    # the legend is anchored by its top and grows downwards
    assert fig.layout.margin.t >= _legend_top(fig) + 2 * 13
    wrapped = theme.style(go.Figure(data=fig.data, layout=fig.layout), "A title long enough to need two lines of its own")
    assert theme.title_lines(wrapped) == 2 and _legend_top(wrapped) >= _title_bottom(wrapped) + 4


def test_a_legend_below_the_plot_goes_to_the_foot_of_the_figure():
    """Placed a fixed fraction under the plot, it ran into tick labels turned sideways on a narrow
    chart ("Decisions against the decision window" on a tablet)."""
    frame = pd.DataFrame({"bucket": WEEKS, "on_time": [5] * 9, "late": [1] * 9, "overdue": [1] * 9, "pending": [1] * 9})
    fig = sla_charts.decision_chart(frame, grain="week")
    legend = fig.layout.legend
    assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")


def test_the_projector_size_lays_out_the_top_again():
    """meeting mode enlarges the type after theme.style: the legend moves down under the larger
    title, and the margin grows with it."""
    fig = _trend()
    small_margin = fig.layout.margin.t
    meeting_charts.for_projector(fig)
    assert fig.layout.title.font.size == 22
    assert _legend_top(fig) >= _title_bottom(fig) + 4
    assert fig.layout.margin.t >= _legend_top(fig) + 2 * 16 and fig.layout.margin.t > small_margin


def test_a_chart_that_sets_its_own_top_margin_keeps_it():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2]))
    fig.update_layout(margin=dict(t=5))
    assert theme.style(fig, "Title").layout.margin.t == 5


def test_no_legend_and_no_title_leave_the_template_margin():
    fig = theme.style(go.Figure(go.Bar(x=[1], y=[1])))
    assert fig.layout.margin.t is None and fig.layout.legend.y is None


# --------------------------------------------------------------------------- labels


def test_the_revenue_panels_titles_sit_inside_the_plot_clear_of_the_legend_row():
    money = pd.DataFrame({"bucket": WEEKS, "revenue": [100.0] * 9, "marketing_sourced_revenue": [40.0] * 9,
                          "pipeline_created": [300.0] * 9, "marketing_sourced_pipeline": [100.0] * 9})
    fig = charts.revenue_pipeline_chart(money, "week")
    panel = {a.text: a for a in fig.layout.annotations}
    top = fig.layout.yaxis.domain[1]
    assert panel["Revenue won"].y >= top and panel["Revenue won"].y < 1     # over its panel, under the legend
    assert panel["Pipeline created"].y >= fig.layout.yaxis2.domain[1]
    assert panel["Pipeline created"].y < fig.layout.yaxis.domain[0]
    assert fig.layout.legend.x is None                                     # the template's left, in its own row


def test_the_funnel_labels_take_two_short_lines_beside_bars_a_third_wide():
    from queries import calc

    metric = pd.DataFrame({"stage_order": [1, 2, 3, 4, 5], "stage": ["Created", "MQL", "SAL", "SQL", "Won"],
                           "reached": [2719, 872, 525, 148, 2],
                           "step_rate": [1.0, 872 / 2719, 525 / 872, 148 / 525, 2 / 148],
                           "cumulative_rate": [1.0, 872 / 2719, 525 / 2719, 148 / 2719, 2 / 2719]})
    fig = charts.funnel_chart(calc.funnel_from_mql(metric))
    for label in fig.data[0].text:
        lines = label.replace("<b>", "").replace("</b>", "").split("<br>")
        assert len(lines) == 2 and max(map(len, lines)) <= 21, label
    assert fig.layout.xaxis.range[1] == pytest.approx(872 * charts.FUNNEL_RANGE)


def test_the_channel_chart_leaves_a_margin_for_the_longest_bars_label():
    frame = pd.DataFrame({"channel": ["Content", "Webinar"], "spend": [17_000.0, 16_000.0],
                          "allocated_spend": [17_000.0, 16_000.0],
                          "won_revenue": [102_000.0, 17_000.0], "roi": [6.0, 1.06], "campaigns": [3, 2]})
    fig = campaign_charts.channel_returns_chart(frame)
    assert fig.layout.margin.r == campaign_charts.RETURN_LABEL_MARGIN
    assert fig.layout.xaxis.range[1] >= 102_000 * 1.6
