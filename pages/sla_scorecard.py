"""Team SLA scorecard: compliance per team and per rep with their trend, time to first touch
against each lead's window, breaches by source and tier, and the untouched leads behind them."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import sla_charts, sla_views, theme
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import chart, data_table, kpi, nothing_in_period, page_header, records_table, table_height
from queries import dimensions, settings, sla

user = page_user("sla_scorecard")
period, filters = filter_bar()
tz = period.tz
page_header("Team SLA scorecard", f"{sla_views.period_caption(period, tz)} · {describe(filters)}")

card = sla.scorecard(period, filters)
if card.total.handed_off == 0:
    nothing_in_period("No hand-offs", period, filters, dimensions.data_start(tz))
    st.stop()

commitment = sla.commitment_for(period)
target = sla_views.target_or_default(commitment.follow_up_target_rate if commitment else None)
t, prev = card.total, card.previous


def vs_previous(attr: str, kind: str = "relative") -> str | None:
    """The change of a total against the comparison period; none when that starts before the data."""
    return None if prev is None else fmt.change(getattr(t, attr), getattr(prev, attr), kind)


cols = st.columns(5)
with cols[0]:
    kpi("In time", fmt.pct(t.compliance_rate), delta=vs_previous("compliance_rate", "points"),
        help=f"Hand-offs first touched by their SLA deadline ÷ those whose outcome is known "
             f"({fmt.number(t.met)} of {fmt.number(t.met + t.breached)}; {fmt.number(t.pending)} pending). "
             f"Target {fmt.pct(target)}. The scoreboard's SLA compliance.")
with cols[1]:
    kpi("Median to touch", fmt.duration(t.median_minutes), good_when="down",
        delta=vs_previous("median_minutes", "minutes"),
        help="Median time from hand-off to the first rep touch, in business minutes where the lead's policy "
             "counts business hours. Untouched hand-offs are not in it.")
with cols[2]:
    kpi("9 in 10 within", fmt.duration(t.p90_minutes), good_when="down",
        delta=vs_previous("p90_minutes", "minutes"),
        help="9 in 10 touched hand-offs were first touched within this time.")
with cols[3]:
    kpi("Breaches", fmt.number(t.breached), good_when="down", delta=vs_previous("breached"),
        help=f"{fmt.number(t.breached_late)} touched late, {fmt.number(t.breached_untouched)} never touched past "
             f"the deadline. {fmt.number(t.untouched)} hand-offs in the period have no touch yet, pending included.")
with cols[4]:
    kpi("Decided on time", fmt.pct(card.decisions.on_time_rate),
        help=f"Accepted or rejected within the decision window ÷ hand-offs whose decision outcome is known. "
             f"{fmt.number(card.decisions.overdue)} are overdue without a decision.")
st.caption(f"{card.comparison_note} Each hand-off is measured against the SLA policy in force when it was handed "
           "off; the SLA policies page lists the terms.")

# --------------------------------------------------------------------------- per team and per rep


def table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    out = pd.DataFrame({name: frame["dim_label"]})
    if "team" in frame and name != "Team":
        out["Team"] = frame["team"]
    return out.assign(**{
        "Compliance": frame["compliance_rate"] * 100, "Trend": frame["trend"], "Hand-offs": frame["handed_off"],
        "Breaches": frame["breached"], "Untouched": frame["breached_untouched"],
        "Median": frame["median_minutes"].map(fmt.duration), "p90": frame["p90_minutes"].map(fmt.duration)})


# Widths that fit every column at 1366 px (a wide column pushed the median and p90 out of view).
column_config = {
    "Rep": st.column_config.TextColumn("Rep", width=150), "Team": st.column_config.TextColumn("Team", width=140),
    "Compliance": st.column_config.ProgressColumn("In time", format="%.0f%%", min_value=0.0, max_value=100.0,
                                                  color=theme.SALES, help="Contacted by the deadline ÷ outcomes known",
                                                  width=115),
    "Trend": st.column_config.LineChartColumn("Weekly trend", y_min=0.0, y_max=1.0, width=110, color=theme.SALES),
    "Hand-offs": st.column_config.NumberColumn("Hand-offs", format="%,d", width=78),   # 3,630 as on the tiles
    "Breaches": st.column_config.NumberColumn("Breaches", format="%,d", width=74),
    # the breaches never touched (My SLA's "never contacted"): not every untouched hand-off, which the
    # scoreboard counts as untouched pending ones included (60 there beside 59 here read as a mismatch)
    "Untouched": st.column_config.NumberColumn("No contact", format="%,d", width=80,
                                               help="Breaches never touched: the deadline passed with no rep "
                                                    "touch. Untouched hand-offs still inside their window are "
                                                    "pending and not counted."),
    "Median": st.column_config.TextColumn("Median", width=70, help="Median time to first touch"),
    "p90": st.column_config.TextColumn("9 in 10", width=70,
                                       help="90% of touched hand-offs were first touched within this time (p90)"),
}
st.markdown("#### By team")
data_table(table(card.by_team, "Team"), column_config=column_config)
left, right = st.columns([1.3, 1], gap="large")
with left:
    chart(sla_charts.compliance_trend_chart(card.team_trend, target=target, title="Compliance by week",
                                                      grain="week"),
                    width="stretch", key="sc_team_trend")
with right:
    chart(sla_charts.breaches_by_chart(card.by_tier, title="Breaches by tier", order="label"),
                    width="stretch", key="sc_tier")

st.markdown("#### By rep")
ordered = card.by_rep.sort_values(["compliance_rate", "dim_label"], na_position="last")
REP_ROWS_MOST = 560   # px: 15 rows
data_table(table(ordered, "Rep"), column_config=column_config, height=table_height(len(ordered), REP_ROWS_MOST))
# the table shows 15 rows at most: say how many it holds (39 reps this quarter at 1M leads read as the 15 in view)
st.caption(f"{fmt.number(len(ordered))} rep{'' if len(ordered) == 1 else 's'}, lowest compliance first"
           + ("; scroll the table for the rest" if table_height(len(ordered)) > REP_ROWS_MOST else "")
           + "; the trend is each rep's compliance per week of the period.")

chart(sla_charts.touch_vs_window_chart(card.bands), width="stretch", key="sc_bands")
# the windows of the policies in force during the period, never numbers written here (they went stale
# when a policy changed)
st.caption(sla_views.windows_caption(sla.first_touch_windows(period.start_at, period.end_at),
                                     settings.sla_first_touch_minutes(), period.describe()))
chart(sla_charts.breaches_by_chart(card.by_source, title="Breaches by source"), width="stretch",
                key="sc_source")

st.markdown("#### Untouched leads past their deadline")
untouched = sla.untouched(user, period, filters)
if untouched.empty:
    st.success("Every hand-off past its deadline was touched.", icon=":material/verified:")
else:
    untouched = untouched.reset_index(drop=True)
    # who has to act and how late first: what a laptop screen shows without scrolling sideways
    shown = pd.DataFrame({
        "Lead": untouched["lead_name"], "Owner": untouched["owner"],
        "Overdue (days)": (untouched["overdue_minutes"] / 1440).round(1),
        "Deadline": sla_views.local_times(untouched["sla_deadline_at"], tz),
        "Decision": untouched["status"].str.capitalize(), "Account": untouched["account"],
        "Tier": untouched["tier"], "Source": untouched["source"], "Team": untouched["team"],
        "Handed off": sla_views.local_times(untouched["handed_off_at"], tz), "E-mail": untouched["email"]})
    more = f" (newest {sla.UNTOUCHED_LIMIT:,} shown)" if len(untouched) >= sla.UNTOUCHED_LIMIT else ""
    inside = f"; {fmt.number(t.pending)} more untouched are still inside their window" if t.pending else ""
    st.caption(f"{fmt.number(t.breached_untouched)} hand-offs in the period are past their deadline without a touch"
               f"{inside}{more}. "
               "Accepted ones are also on Leads slipping through, where leads can reassign them; those awaiting a "
               "decision join them there once the decision is overdue.")
    records_table(shown, title=f"untouched leads {period.describe()}", key="sc_untouched",
                  height=360 if len(shown) > 9 else "auto",   # a fixed height left 2 rows in 8 empty ones
                  csv=shown.assign(**{"Deadline": sla_views.csv_times(untouched["sla_deadline_at"], tz),
                                      "Handed off": sla_views.csv_times(untouched["handed_off_at"], tz)}), tz=tz)
