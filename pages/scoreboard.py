"""Scoreboard: both teams' numbers side by side, next to the goals they share.

Thin: reads the filters, asks queries.scoreboard for KPIs, trends and record lists, and renders
them with components (tiles, charts, goals panel, records table).
"""

import streamlit as st

from components import charts, goals_panel, kpi_tiles, scoreboard_records, theme
from components import format as fmt
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import (chart, empty_state, nothing_in_period, page_header, records_table, table_height,
                                tile)
from queries import calc, parallel, scoreboard, settings

user = page_user("scoreboard")
# reps (SDRs, AEs) pick only themselves as owner: another rep's standing is the team scorecard's
period, filters = filter_bar(owners=None if user.can("see_all_reps") else
                             () if user.rep_id is None else (user.rep_id,))
cur = settings.currency()

page_header("Scoreboard", f"{period.label or 'Period'}: {period.describe()} · {describe(filters)}")
# the KPIs' reads and the goals' metrics side by side: a cold page waits for the slower of the two
got = parallel.fetch({"view": lambda: scoreboard.overview(period, filters),
                      "goals": lambda: goals_panel.panel_goals(period, filters)}, workers=2)
view, panel_goals = got["view"], got["goals"]
sb, trend = view.scoreboard, view.trends

kpi_area, goals_area = st.columns([3, 1.3], gap="medium")   # room for two goal cards at 1366 px
with goals_area:
    goals_panel.render(period, panel_goals, user, filters)

if sb.is_empty:
    with kpi_area:
        nothing_in_period("Nothing to show: no MQLs, hand-offs, opportunities or open pipeline",
                          period, filters, sb.data_start)
    st.stop()


st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
groups = kpi_tiles.scoreboard_tiles({**scoreboard.numbers(sb), "currency": cur}, vs=None, explain=True)
# One row of columns per row of tiles (not one column per team), so tiles side by side share a
# height when a caption wraps on a narrow screen.
for column, side in zip(kpi_area.columns(3, gap="small"), kpi_tiles.SIDES):
    column.markdown(theme.side_heading_html(side, kpi_tiles.SIDE_TITLES[side]), unsafe_allow_html=True)
for row in range(3):
    for column, side in zip(kpi_area.columns(3, gap="small"), kpi_tiles.SIDES):
        with column:
            tile(groups[side][row])

if sb.not_started:   # every number zero: "−100%" against the previous period is no change
    kpi_area.caption(calc.not_started_text(period))
elif sb.comparison_before_data:
    kpi_area.caption(calc.before_data_text(sb.comparison, sb.data_start))
else:
    kpi_area.caption(f"Changes compare with {calc.comparison_text(sb.comparison)}, read at the same age as this "
                     "period (decisions and touches made later are left out).")

# ----------------------------------------------------------------------------- drill-down
picked = st.session_state.get("sb_drill")
with st.expander("Records behind the numbers", icon=":material/table_rows:", expanded=picked is not None):
    key = st.selectbox("Show the records behind", list(scoreboard.DRILLS),
                       format_func=lambda k: scoreboard.DRILLS[k].label, index=None,
                       placeholder="Choose a number…", key="sb_drill")
    if key:
        recs = scoreboard.records(key, period, filters, viewer=user, as_of=sb.as_of)
        if scoreboard.own_records_only(user):
            st.caption("Record lists show only your own records"
                       + ("" if user.rep_id is not None else " (your account is not linked to a rep record, so none)")
                       + "; team leads and executives see everyone's. The numbers above count everyone in the "
                         "filters.")
        frame, config = scoreboard_records.records_view(recs, cur)
        summary = f"{recs.drill.explains} {fmt.number(recs.total_rows)} record{'' if recs.total_rows == 1 else 's'}"
        if recs.total_amount is not None:
            summary += f", {fmt.money(recs.total_amount, cur, compact=False)} in total"
        st.caption(summary + ".")
        if recs.truncated:
            st.warning(f"Showing the first {fmt.number(len(recs.rows))} of {fmt.number(recs.total_rows)} records "
                       "(and only those in the CSV). Narrow the period or filters to see them all.",
                       icon=":material/filter_alt:")
        records_table(frame, title=f"{recs.drill.label} {period.describe()}", key=f"drill_{key}",
                      column_config=config, height=table_height(len(frame), most=scoreboard_records.MOST_HEIGHT))

# ----------------------------------------------------------------------------- charts
starts_later = calc.trend_start_text(period, sb.data_start, "The revenue, pipeline and acceptance trends start")
if starts_later:   # a custom period from years before the data: its buckets would all be zeros
    st.caption(starts_later)
left, right = st.columns(2, gap="medium")
with left:
    if trend.money[["revenue", "pipeline_created"]].to_numpy().sum() > 0:
        chart(charts.revenue_pipeline_chart(trend.money, trend.grain, cur), width="stretch")
    else:
        empty_state("No revenue won and no pipeline created in this period.")
with right:
    if trend.acceptance["handed_off"].sum() > 0:
        chart(charts.acceptance_trend_chart(trend.by_source, trend.acceptance, trend.acceptance_grain,
                                                   min_cohort=scoreboard.MIN_COHORT), width="stretch")
    else:
        empty_state("No leads were handed to sales in this period, so there is no acceptance rate.")

left, right = st.columns(2, gap="medium")
with left:
    dist = view.touch_distribution
    if dist["handoffs"].sum() > 0:
        chart(charts.first_touch_chart(dist), width="stretch")
    else:
        empty_state("No hand-offs in this period, so no time to first touch.")
with right:
    funnel = view.funnel
    if not funnel.empty and funnel["reached"].iloc[0] > 0:
        chart(charts.funnel_chart(funnel), width="stretch")
        st.caption("Follows the leads created in the period to where they are today, so it differs from the "
                   "tiles, which count what happened in the period (MQLs delivered, deals won).")
    else:
        empty_state("None of the leads created in this period has become an MQL yet.",
                    "The funnel follows the leads created in the period.")
