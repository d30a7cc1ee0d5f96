"""The shared-goals panel beside the scoreboard's KPIs: the goals both teams own for the period,
as compact cards (status, value against target, progress bar), the ones needing attention first."""

from __future__ import annotations

import streamlit as st

from components import goal_card
from components.widgets import empty_state
from queries import goals, settings
from queries.access import User
from queries.filters import Filters
from queries.periods import Period

#: how many objectives the panel shows before linking to the goals page
MAX_GOALS = 5
#: the cards scroll inside a box about as tall as the KPI tiles, so the page has no gap beside them
CARDS_HEIGHT = 318
_ORDER = ("off_track", "at_risk", "missed", "too_early", "no_data", "on_track", "achieved", "not_started")


def panel_goals(period: Period, filters: Filters) -> list[goals.Evaluated]:
    """The goals the panel shows: the period's goals of the filtered teams and owners."""
    return goals.evaluated(period, team_ids=filters.team_ids, owner_ids=filters.owner_ids)


def render(period: Period, evs: list[goals.Evaluated], user: User) -> None:
    """The panel for ``evs`` (from :func:`panel_goals`, which the page may run beside its other reads)."""
    cur = settings.currency()
    with st.container(border=True, key="goals_panel"):
        st.markdown("**Shared goals**")
        if not evs:
            empty_state(f"No shared goals for {period.describe()}.",
                        "Team leads set them on the Shared goals page." if not user.can("goals.edit") else
                        "Set one with the other team on the Shared goals page.")
            st.page_link("pages/goals.py", label="Shared goals", icon=":material/flag:")
            return
        statuses = [e.progress.status for e in evs]
        parts = [f"{statuses.count(s)} {goals.status_label(s).lower()}" for s in ("on_track", "at_risk", "off_track")
                 if statuses.count(s)]
        st.caption(f"{len(evs)} goals for {period.describe()}" + (": " + ", ".join(parts) if parts else ""))
        top = [e for e in evs if e.goal.parent_id is None] or evs
        top.sort(key=lambda e: (_ORDER.index(e.progress.status) if e.progress.status in _ORDER else 99,
                                e.goal.title))
        with st.container(height=CARDS_HEIGHT if len(top) > 1 else "content", border=False):
            for e in top[:MAX_GOALS]:
                other = (e.goal.start, e.goal.end) != (period.start, period.end)
                goal_card.compact_card(e, currency=cur, key=str(e.goal.id), link="pages/goals.py", show_period=other)
        more = len(top) - MAX_GOALS
        st.page_link("pages/goals.py", label=f"All goals{f' (+{more})' if more > 0 else ''}",
                     icon=":material/flag:")
