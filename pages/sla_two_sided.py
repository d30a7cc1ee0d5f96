"""The two-sided SLA: marketing's half (MQLs delivered against the commitment, with pace, and their
acceptance rate) next to sales' half (follow-up compliance and on-time decisions), each in its
owner's colour."""

import streamlit as st

from components import format as fmt
from components import sla_charts, sla_views, theme
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import chart, kpi, nothing_in_period, page_header
from queries import calc, dimensions, metrics, sla
from queries.periods import grain_for, zone
from queries.sla_math import STATUS_LABELS, rate_status, sales_side_status

user = page_user("sla_two_sided")
period, filters = filter_bar()
tz = period.tz
page_header("The two-sided SLA", f"{sla_views.period_caption(period, tz)} · {describe(filters)}")

as_of = metrics.now_minute()
commitment = sla.commitment_for(period)
trend_grain = "week" if grain_for(period) != "month" else "month"

mqls = metrics.mqls_delivered(period, filters)
acceptance = metrics.acceptance(period, filters, as_of=as_of)   # the moment the caption names, as below
compliance = metrics.sla_compliance(period, filters, as_of=as_of)
decisions = sla.decision_timeliness(period, filters, as_of=as_of)
if mqls.empty and acceptance.empty:
    nothing_in_period("No MQLs or hand-offs", period, filters, dimensions.data_start(period.tz))
    st.stop()

delivered = int(mqls["mqls"].sum())
daily = metrics.mql_first_days(period, filters)
pace = sla.delivery(period, commitment, daily, as_of)   # over the days commitments cover
acc = acceptance.iloc[0] if not acceptance.empty else None
comp = compliance.iloc[0] if not compliance.empty else None
dec = decisions.iloc[0] if not decisions.empty else None

# --------------------------------------------------------------------------- the agreement
if commitment is None:
    hint = "Leads can record it on the SLA policies page." if user.can("sla.edit") else "Ask a team lead to record it."
    st.warning(f"No commitment covers {period.describe()}: the numbers below have nothing to be measured against. "
               + hint, icon=":material/handshake:")
else:
    parts = [f"marketing delivers **{fmt.number(commitment.mql_volume)} MQLs**"]
    if commitment.min_acceptance_rate is not None:
        parts[0] += f" of which sales accepts at least **{fmt.pct(commitment.min_acceptance_rate)}**"
    sales = []
    if commitment.follow_up_target_rate is not None:
        sales.append(f"contacts **{fmt.pct(commitment.follow_up_target_rate)}** within the SLA window")
    if commitment.decision_target_rate is not None:
        sales.append(f"accepts or rejects **{fmt.pct(commitment.decision_target_rate)}** on time")
    text = "**The agreement for this period:** " + parts[0] + (("; sales " + " and ".join(sales)) if sales else "") + "."
    if commitment.prorated or commitment.coverage < 1:
        text += (f" Volume pro-rated by day from {', '.join(commitment.sources)}"
                 + (f"; commitments cover {fmt.pct(commitment.coverage)} of the period" if commitment.coverage < 1
                    else "") + ".")
    st.markdown(text)
if not filters.is_empty:
    st.caption("Commitments are company-wide; with filters active the comparison is indicative only.")

st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
mkt, sal = st.columns(2, gap="large")


def side_heading(color: str, html: str) -> str:
    return f'<div style="font-weight:650;font-size:1.15rem;color:{color};margin-bottom:0.3rem">{html}</div>'


def chip(status: str) -> str:
    color = theme.status_color(status)
    return (f'<span style="background:{color};color:white;border-radius:10px;padding:1px 9px;font-size:0.8rem;'
            f'font-weight:600;margin-left:8px">{STATUS_LABELS[status]}</span>')


# --------------------------------------------------------------------------- marketing's half
with mkt:
    acc_rate = acc.acceptance_rate if acc is not None else None
    acc_status = rate_status(acc_rate, commitment.min_acceptance_rate if commitment else None)
    heading = "Marketing · delivers qualified leads" + (chip(pace.status) if pace else "")
    st.markdown(side_heading(theme.MARKETING, heading), unsafe_allow_html=True)
    a, b = st.columns(2)
    with a, st.container(key="kpi-marketing-mqls"):
        kpi("MQLs delivered", fmt.number(delivered),
            delta=(f"{pace.vs_pace * 100:+.0f}% vs pace" if pace and pace.vs_pace is not None else None),
            help="Distinct leads that became MQLs in the period. Pace: each commitment spread evenly over its days; "
                 "only the days a commitment covers count.")
    with b, st.container(key="kpi-marketing-acceptance"):
        kpi("Accepted by sales", fmt.pct(acc_rate),
            delta=(fmt.change(acc_rate, commitment.min_acceptance_rate, "points") + " vs minimum"
                   if commitment and commitment.min_acceptance_rate is not None and acc_rate is not None else None),
            help="Accepted ÷ handed off, for hand-offs in the period: the quality half of marketing's commitment. "
                 "Recent hand-offs still awaiting a decision make it provisional.")
    notes = []
    if pace and pace.projected is not None:
        notes.append(f"{fmt.number(pace.committed)} committed · {fmt.number(pace.expected_by_now)} expected by today "
                     f"· {fmt.number(pace.projected)} projected at this pace")
    if pace and commitment.coverage < 1:
        notes.append(f"Pace over the {fmt.number(round(commitment.coverage * period.days))} days commitments cover: "
                     f"{fmt.number(pace.delivered)} MQLs delivered on them")
    elif commitment is None:
        notes.append("No MQL commitment for the period")
    if acc is not None:
        notes.append(f"{fmt.number(acc.accepted)} of {fmt.number(acc.handed_off)} hand-offs accepted, "
                     f"{fmt.number(acc.awaiting)} awaiting a decision")
    else:
        notes.append("None handed to sales yet, so no acceptance rate")
    st.caption("  \n".join(notes))
    data_start = dimensions.data_start(tz)
    chart(sla_charts.mql_pace_chart(daily, period.start, period.end,
                                              commitment.daily if commitment else None,
                                              as_of.astimezone(zone(tz)),
                                              shown_from=calc.trend_start(period, data_start)),
                    width="stretch", key="two_mql_pace")
    starts_later = calc.trend_start_text(period, data_start, "The MQL chart starts")
    if starts_later:   # a custom period from years before the data: a flat line at 0 for years
        st.caption(starts_later)
    weekly_acc = metrics.acceptance(period, filters, grain=trend_grain, as_of=as_of)
    if not weekly_acc.empty:
        chart(sla_charts.acceptance_chart(weekly_acc, commitment.min_acceptance_rate if commitment else None,
                                                    grain=trend_grain),
                        width="stretch", key="two_acceptance")

# --------------------------------------------------------------------------- sales' half
with sal:
    comp_rate = comp.compliance_rate if comp is not None else None
    dec_rate = dec.on_time_rate if dec is not None else None
    comp_status = rate_status(comp_rate, commitment.follow_up_target_rate if commitment else None)
    dec_status = rate_status(dec_rate, commitment.decision_target_rate if commitment else None)
    handoffs = int(acc.handed_off) if acc is not None else 0
    worst = sales_side_status(handoffs, comp_status, dec_status)
    heading = "Sales · follows up in time" + (chip(worst) if commitment or worst == "none" else "")
    st.markdown(side_heading(theme.SALES, heading), unsafe_allow_html=True)
    a, b = st.columns(2)
    with a, st.container(key="kpi-sales-compliance"):
        target = commitment.follow_up_target_rate if commitment else None
        kpi("Contacted in time", fmt.pct(comp_rate),
            delta=(fmt.change(comp_rate, target, "points") + " vs target"
                   if target is not None and comp_rate is not None else None),
            help="Hand-offs first touched by their SLA deadline ÷ those whose outcome is known: the "
                 "scoreboard's SLA compliance, and In time on the team scorecard.")
    with b, st.container(key="kpi-sales-decisions"):
        target = commitment.decision_target_rate if commitment else None
        kpi("Decided on time", fmt.pct(dec_rate),
            delta=(fmt.change(dec_rate, target, "points") + " vs target"
                   if target is not None and dec_rate is not None else None),
            help="Hand-offs accepted or rejected within the decision window ÷ those whose outcome is known.")
    notes = []
    if comp is not None:
        notes.append(f"{fmt.number(comp.met)} of {fmt.number(comp.met + comp.breached)} contacted in time, "
                     f"{fmt.number(comp.pending)} still inside their window")
    if dec is not None:
        notes.append(f"{fmt.number(dec.on_time)} decided on time, {fmt.number(dec.late)} late, "
                     f"{fmt.number(dec.overdue)} overdue without a decision")
    if not handoffs:   # blank tiles and no chart: say why, instead of leaving "—" to be read as "not yet"
        notes.append(f"No lead was handed to sales in {period.describe()}"
                     + ("" if filters.is_empty else " with these filters") + ": nothing to follow up or decide.")
    st.caption("  \n".join(notes))
    # by team, as on the scorecard and in meeting mode: one line named "Sales" for every sales team
    # read as the AE team's line there, at a different level
    weekly = metrics.sla_compliance(period, filters, grain=trend_grain, dim="team", as_of=as_of)
    if weekly["compliance_rate"].notna().any():
        chart(sla_charts.compliance_trend_chart(weekly, target=commitment.follow_up_target_rate
                                                          if commitment else None,
                                                          title=f"Follow-up compliance by team and {trend_grain}",
                                                          grain=trend_grain),
                        width="stretch", key="two_compliance")
    weekly_dec = sla.decision_timeliness(period, filters, grain=trend_grain, as_of=as_of)
    if not weekly_dec.empty:
        chart(sla_charts.decision_chart(weekly_dec, grain=trend_grain), width="stretch", key="two_decisions")

st.caption(f"As of {as_of.astimezone(zone(tz)):%d %b %Y, %H:%M} {tz}. Each half is owned by its team: "
           "violet numbers by marketing, blue numbers by sales.")
