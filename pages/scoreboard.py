"""Scoreboard: both teams' numbers side by side, next to the goals they share.

Thin: reads the filters, asks queries.scoreboard for KPIs, trends and record lists, and renders
them with components (tiles, charts, goals panel, records table).
"""

import streamlit as st

from components import charts, goals_panel, theme
from components import format as fmt
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import chart, empty_state, kpi, nothing_in_period, page_header, records_table
from queries import calc, parallel, scoreboard, settings
from queries.periods import zone

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



def local(moment) -> str:
    return moment.astimezone(zone(period.tz)).strftime("%d %b %Y, %H:%M")


def tile(owner: str, key: str):
    """A container whose key gives its KPI tile the owner's accent colour (theme.kpi_accent_css)."""
    return st.container(key=f"kpi-{owner}-{key}", height="stretch")


st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
cov = sb.coverage
# One row of columns per row of tiles (not one column per team), so tiles side by side share a
# height when a caption wraps on a narrow screen.
for column, (side, heading) in zip(kpi_area.columns(3, gap="small"),
                                   (("marketing", "Marketing"), ("sales", "Sales"), ("shared", "Together"))):
    column.markdown(theme.side_heading_html(side, heading), unsafe_allow_html=True)
(marketing_1, sales_1, together_1), (marketing_2, sales_2, together_2), (marketing_3, sales_3, together_3) = (
    kpi_area.columns(3, gap="small") for _ in range(3))

with marketing_1:
    with tile("marketing", "mqls"):
        kpi("MQLs delivered", fmt.number(sb.mqls), delta=fmt.change(sb.mqls, sb.mqls_prev),
            caption=f"{fmt.number(sb.handed_off)} handed off",
            help="Leads that became marketing-qualified in the period. Handed off: hand-offs to sales "
                 "in the period (a recycled lead handed off again counts again).")
with marketing_2:
    with tile("marketing", "acceptance"):
        kpi("Lead acceptance", fmt.pct(sb.acceptance_rate),
            delta=fmt.change(sb.acceptance_rate, sb.acceptance_rate_prev, "points"),
            caption=f"{fmt.number(sb.awaiting)} awaiting",
            help="Accepted ÷ handed off, for leads handed to sales in the period: the quality half of "
                 "marketing's commitment, owned by both teams. Leads awaiting a decision count in the "
                 "denominator, so recent periods are not final.")
with marketing_3:
    with tile("marketing", "pipeline-created"):
        kpi("Pipeline created", fmt.money(sb.pipeline_created, cur),
            delta=fmt.change(sb.pipeline_created, sb.pipeline_created_prev),
            caption=fmt.sourced_share(sb.marketing_pipeline_share, "no pipeline created"),
            help="Amount of opportunities created in the period; the share whose lead came through a "
                 "marketing channel is marketing-sourced.")

with sales_1:
    with tile("sales", "first-touch"):
        kpi("Median first touch", fmt.duration(sb.median_minutes),
            delta=fmt.change(sb.median_minutes, sb.median_minutes_prev, "minutes"), good_when="down",
            caption=fmt.within_p90(sb.p90_minutes),
            help="Median time from hand-off to a rep's first call, e-mail, meeting or LinkedIn message "
                 "(automated sends don't count), in business minutes where the lead's SLA policy counts "
                 f"business hours. p90: 90% were touched within "
                 f"{fmt.duration(sb.p90_minutes)} ({fmt.change(sb.p90_minutes, sb.p90_minutes_prev, 'minutes') or 'no change'}"
                 f" vs the comparison period). {fmt.number(sb.untouched)} untouched leads are counted apart, "
                 "not in the median.")
with sales_2:
    with tile("sales", "sla"):
        kpi("SLA compliance", fmt.pct(sb.sla_compliance),
            delta=fmt.change(sb.sla_compliance, sb.sla_compliance_prev, "points"),
            caption=f"{fmt.number(sb.sla_breached)} breached",
            help="Touched within the SLA window of the policy in force at the hand-off ÷ hand-offs whose "
                 f"outcome is known (touched, or deadline passed). {fmt.number(sb.sla_pending)} untouched leads "
                 "still inside their window are pending and not counted.")
with sales_3:
    with tile("sales", "win-rate"):
        kpi("Win rate", fmt.pct(sb.win_rate), delta=fmt.change(sb.win_rate, sb.win_rate_prev, "points"),
            caption=f"{fmt.number(sb.won)} of {fmt.number(sb.won + sb.lost)} won",
            help="Won ÷ (won + lost), deals closed in the period. Not won ÷ all opportunities.")

with together_1:
    with tile("shared", "revenue"):
        kpi("Revenue", fmt.money(sb.revenue, cur), delta=fmt.change(sb.revenue, sb.revenue_prev),
            caption=fmt.sourced_share(sb.marketing_revenue_share, "no deals won"),
            help="Bookings: amount of opportunities closed-won with a close date in the period. "
                 "Marketing-sourced: the deal's lead came through a marketing channel.")
with together_2:
    with tile("shared", "open-pipeline"):
        kpi("Open pipeline", fmt.money(sb.open_pipeline, cur), delta=fmt.change(sb.open_pipeline, sb.open_pipeline_prev),
            caption=f"{fmt.number(sb.open_deals)} deal{'' if sb.open_deals == 1 else 's'}",
            help=f"Amount of opportunities open on {local(sb.open_as_of)} (the end of the period, or now), "
                 f"compared with {local(sb.comparison_open_as_of)}.")
with together_3:
    with tile("shared", "coverage"):
        if cov.status == "ok":
            needed = sb.coverage_needed
            kpi("Pipeline coverage", fmt.ratio(cov.ratio),
                delta=fmt.coverage_gap(cov.ratio, needed),
                caption=fmt.coverage_needed(needed),   # the help says needed = 1 ÷ win rate
                help=f"Open pipeline expected to close in the period ({fmt.money(cov.open_in_period, cur)}) ÷ "
                     f"what is left to win: target {fmt.money(cov.target, cur)} − won so far "
                     f"{fmt.money(cov.won_so_far, cur)}. Coverage needed ≈ 1 ÷ win rate.")
        elif cov.status == "target_met":
            kpi("Pipeline coverage", "Target met", caption=f"of {fmt.money(cov.target, cur)}",
                help=f"Revenue won so far ({fmt.money(cov.won_so_far, cur)}) has reached the period's target.")
        else:
            kpi("Pipeline coverage", fmt.DASH, caption="No revenue plan for this period",
                help="Coverage = open pipeline expected to close in the period ÷ (revenue target − won so far). "
                     "A quarter this period touches has no revenue target: executives set the plan on "
                     "Shared goals → Revenue plan.")

if sb.comparison_before_data:
    kpi_area.caption(calc.before_data_text(sb.comparison, sb.data_start))
else:
    kpi_area.caption(f"Changes compare with {calc.comparison_text(sb.comparison)}, read at the same age as this "
                     "period (decisions and touches made later are left out).")

# ----------------------------------------------------------------------------- drill-down
DECISIONS = {"accepted": "Accepted", "rejected": "Rejected"}
SLA_OUTCOMES = {"met": "Met", "late": "Breached (late)", "untouched": "Breached (untouched)", "pending": "Pending"}
STAGES = {"discovery": "Discovery", "qualification": "Qualification", "proposal": "Proposal",
          "negotiation": "Negotiation", "closed_won": "Won", "closed_lost": "Lost"}
HEADERS = {
    "lead_name": "Lead", "account": "Account", "source": "Source", "campaign": "Campaign", "owner": "Owner",
    "team": "Team", "tier": "Tier", "handed_off_at": "Handed off", "decision": "Decision", "decided_at": "Decided",
    "rejection_reason": "Rejection reason", "recycled_at": "Recycled", "first_touch_at": "First touch",
    "minutes_to_first_touch": "Minutes to first touch", "sla_deadline_at": "SLA deadline", "sla_outcome": "SLA",
    "opportunity": "Opportunity", "amount": f"Amount ({cur})", "stage": "Stage",
    "marketing_sourced": "Marketing-sourced", "created_at": "Created", "expected_close_date": "Expected close",
    "closed_at": "Closed", "lost_reason": "Lost reason", "marketer": "Marketer", "score": "Score",
    "mql_at": "MQL", "lead_id": "Lead ID", "handoff_id": "Hand-off ID", "opportunity_id": "Opportunity ID",
}


def records_view(recs):
    """Readable labels and column formats for a record list (the CSV gets the same columns)."""
    frame = recs.rows.copy()
    if recs.drill.query == "drill_handoffs":
        frame["decision"] = frame["decision"].map(DECISIONS).fillna("Awaiting decision")
        frame["rejection_reason"] = frame["rejection_reason"].map(fmt.reason_label, na_action="ignore")
        frame["sla_outcome"] = frame["sla_outcome"].map(SLA_OUTCOMES)
        first = ["lead_name", "account", "owner", "handed_off_at", "decision", "first_touch_at",
                 "minutes_to_first_touch", "sla_outcome"]
    elif recs.drill.query == "drill_opportunities":
        frame["stage"] = frame["stage"].map(STAGES)
        first = ["opportunity", "account", "amount", "stage", "owner", "source", "marketing_sourced"]
    else:
        frame["decision"] = (frame["decision"].map(DECISIONS).fillna("Awaiting decision")
                             .where(frame["handed_off_at"].notna(), "Not handed off"))
        first = ["lead_name", "account", "source", "campaign", "mql_at", "handed_off_at", "owner", "decision"]
    frame = frame[first + [c for c in frame.columns if c not in first]].rename(columns=HEADERS)
    config = {}
    for col in frame.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            config[col] = st.column_config.DatetimeColumn(col, format="D MMM YYYY, HH:mm")
    # the app's own whole-amount format in every currency (Streamlit's "dollar"/"euro" presets showed
    # cents, and any other currency — GBP, INR — fell back to a bare number)
    config[HEADERS["amount"]] = st.column_config.NumberColumn(format=fmt.money_column(cur))
    config[HEADERS["minutes_to_first_touch"]] = st.column_config.NumberColumn(format="%.0f min")
    if HEADERS["expected_close_date"] in frame:
        config[HEADERS["expected_close_date"]] = st.column_config.DateColumn(format="D MMM YYYY")
    return frame, config


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
        frame, config = records_view(recs)
        summary = f"{recs.drill.explains} {fmt.number(recs.total_rows)} record{'' if recs.total_rows == 1 else 's'}"
        if recs.total_amount is not None:
            summary += f", {fmt.money(recs.total_amount, cur, compact=False)} in total"
        st.caption(summary + ".")
        if recs.truncated:
            st.warning(f"Showing the first {fmt.number(len(recs.rows))} of {fmt.number(recs.total_rows)} records "
                       "(and only those in the CSV). Narrow the period or filters to see them all.",
                       icon=":material/filter_alt:")
        records_table(frame, title=f"{recs.drill.label} {period.describe()}", key=f"drill_{key}",
                      column_config=config, height=420)

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
