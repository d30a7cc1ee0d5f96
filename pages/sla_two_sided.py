"""The two-sided SLA: marketing's half (MQLs delivered against the commitment, with pace, and their
acceptance rate) next to sales' half (follow-up compliance and on-time decisions), each in its
owner's colour."""

import streamlit as st

from components import sla_charts, sla_tiles, sla_views, theme
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import chart, nothing_in_period, page_header, tile
from queries import calc, dimensions, metrics, sla
from queries.periods import grain_for, zone

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

daily = metrics.mql_first_days(period, filters)
numbers = sla.two_sided_numbers(period, commitment, as_of, mqls=mqls, acceptance=acceptance, compliance=compliance,
                                decisions=decisions, mql_days=daily, filters=filters)
sides = sla_tiles.sla_sides(numbers, explain=True)

# --------------------------------------------------------------------------- the agreement
agreement = sla_tiles.agreement_text(numbers)
if agreement is None:
    hint = "Leads can record it on the SLA policies page." if user.can("sla.edit") else "Ask a team lead to record it."
    st.warning(f"No commitment covers {period.describe()}: the numbers below have nothing to be measured against. "
               + hint, icon=":material/handshake:")
else:
    st.markdown(agreement)
if not filters.is_empty:
    st.caption("Commitments are company-wide; with filters active the comparison is indicative only.")

st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
halves = dict(zip(sla_tiles.SIDES, st.columns(2, gap="large")))
for key, half in halves.items():   # each half: its heading and status, its tiles, the counts behind them
    side = sides[key]
    half.markdown(sla_tiles.heading_html(side), unsafe_allow_html=True)
    for column, t in zip(half.columns(len(side.tiles)), side.tiles):
        with column:
            tile(t)
    half.caption("  \n".join(side.notes))

# --------------------------------------------------------------------------- marketing's half
with halves["marketing"]:
    data_start = dimensions.data_start(tz)
    chart(sla_charts.mql_pace_chart(daily, period.start, period.end, commitment.daily if commitment else None,
                                    as_of.astimezone(zone(tz)), shown_from=calc.trend_start(period, data_start)),
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
with halves["sales"]:
    # by team, as on the scorecard and in meeting mode: one line named "Sales" for every sales team
    # read as the AE team's line there, at a different level
    weekly = metrics.sla_compliance(period, filters, grain=trend_grain, dim="team", as_of=as_of)
    if weekly["compliance_rate"].notna().any():
        chart(sla_charts.compliance_trend_chart(weekly, target=commitment.follow_up_target_rate if commitment else None,
                                                title=f"Follow-up compliance by team and {trend_grain}",
                                                grain=trend_grain),
              width="stretch", key="two_compliance")
    weekly_dec = sla.decision_timeliness(period, filters, grain=trend_grain, as_of=as_of)
    if not weekly_dec.empty:
        chart(sla_charts.decision_chart(weekly_dec, grain=trend_grain), width="stretch", key="two_decisions")

st.caption(f"As of {as_of.astimezone(zone(tz)):%d %b %Y, %H:%M} {tz}. Each half is owned by its team: "
           "violet numbers by marketing, blue numbers by sales.")
