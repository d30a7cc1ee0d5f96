"""The shared-goals panel beside the scoreboard's KPIs.

Until the goals tracker lands, it says so (and what will appear here); the goals tracker
replaces this body with the goals both teams own for the period.
"""

from __future__ import annotations

import streamlit as st

from queries.access import User
from queries.filters import Filters
from queries.periods import Period


def render(period: Period, filters: Filters, user: User) -> None:
    with st.container(border=True):
        st.markdown("**Shared goals**")
        st.info("Shared goals arrive with the goals tracker.", icon=":material/flag:")
        st.caption("Here both teams will see the goals they own together for "
                   f"{period.describe()}: target, progress, pace and status. "
                   "Until then, coverage uses the quarterly revenue targets in the settings.")
