"""Scoreboard: both teams' shared numbers side by side (first cut; charts and goals to follow)."""

import streamlit as st

from components import format as fmt
from components.filters import filter_bar
from components.shell import page_user
from components.widgets import empty_state, kpi, page_header
from queries import metrics, settings

user = page_user("scoreboard")
period, filters = filter_bar()
page_header("Scoreboard", f"{period.describe()} · shared revenue, pipeline and hand-off numbers")

acc = metrics.acceptance(period, filters)
deals = metrics.closed_deals(period, filters)
if acc.empty and deals.empty:
    empty_state("No hand-offs or closed deals in this period for these filters.",
                "Try a longer period or clear some filters.")
    st.stop()

cur = settings.currency()
a = acc.iloc[0] if not acc.empty else None
d = deals.iloc[0] if not deals.empty else None
cols = st.columns(4)
with cols[0]:
    kpi("Revenue", fmt.money(d.revenue if d is not None else 0, cur))
with cols[1]:
    kpi("Lead acceptance", fmt.pct(a.acceptance_rate if a is not None else None),
        caption=f"{a.awaiting if a is not None else 0} awaiting decision")
with cols[2]:
    kpi("Win rate", fmt.pct(d.win_rate if d is not None else None))
with cols[3]:
    kpi("Hand-offs", fmt.number(a.handed_off if a is not None else 0))
