"""The shared-goals panel beside the scoreboard's KPIs: the goals both teams own for the period,
as compact cards (status, value against target, progress bar), the ones needing attention first."""

from __future__ import annotations

import streamlit as st

from components import goal_card
from components.filters import describe
from components.goal_views import attention_rank
from components.widgets import empty_state
from queries import goals, settings
from queries.access import User
from queries.filters import Filters
from queries.periods import Period

#: how many objectives the panel shows as cards; the link under them counts the goals it leaves out.
#: Two whole compact cards fit beside the KPI tiles at 1366×768 and 1920×1080 (a box of five that
#: scrolled cut the second card in half at 1366×768).
MAX_GOALS = 2
#: how the summary line orders statuses: running goals first, then ended ones, then the rest
STATUS_ORDER = ("on_track", "at_risk", "off_track", "achieved", "missed", "too_early", "no_data", "not_started")


def panel_goals(period: Period, filters: Filters) -> list[goals.Evaluated]:
    """The goals the panel shows: the period's goals of the filtered teams and owners."""
    return goals.evaluated(period, team_ids=filters.team_ids, owner_ids=filters.owner_ids)


def panel_cards(evs: list[goals.Evaluated]) -> list[tuple[goals.Evaluated, str | None]]:
    """The objectives the panel lists, each with what its key results need (or None), the ones
    needing attention first: an objective ranks by the worse of its own status and its key
    results', so an objective on track whose key results are off track is not buried below the
    fold, and its card says so ("2 key results off track"). Goals whose objective is not among
    ``evs`` (another period's) are listed on their own."""
    ids = {e.goal.id for e in evs}
    children: dict[int, list[goals.Evaluated]] = {}
    for e in evs:
        if e.goal.parent_id in ids:
            children.setdefault(e.goal.parent_id, []).append(e)
    top = [e for e in evs if e.goal.parent_id not in ids]

    def attention(e: goals.Evaluated) -> str | None:
        krs = [k.progress.status for k in children.get(e.goal.id, [])]
        counts = [(krs.count(s), goals.status_label(s).lower()) for s in ("off_track", "at_risk") if krs.count(s)]
        if not counts:
            return None
        (n, first), rest = counts[0], counts[1:]
        return f"{n} key result{'s' if n > 1 else ''} {first}" + "".join(f", {m} {label}" for m, label in rest)

    ordered = sorted(top, key=lambda e: (attention_rank(e, children.get(e.goal.id, [])), e.goal.title))
    return [(e, attention(e)) for e in ordered]


def owners_text(filters: Filters) -> str | None:
    """The team and owner filters in words ("Sales development and Priya Shah"), or None."""
    owners = Filters(team_ids=filters.team_ids, owner_ids=filters.owner_ids)
    return None if owners.is_empty else describe(owners).replace(" · ", " and ")


def scope_note(filters: Filters) -> str | None:
    """What the sidebar's filters do to the panel, or None without filters: team and owner filters
    pick the goals those teams or people own; no filter changes a goal's value, which is measured
    over the goal's own scope (so a team's tile and a company-wide goal beside it can differ)."""
    if filters.is_empty:
        return None
    whose = owners_text(filters)
    return (f"Goals owned by {whose}; " if whose else "All goals; ") + \
        "each measured over its own scope, not the sidebar's filters."


def status_summary(statuses: list[str]) -> str:
    """'18 goals: 6 on track, 1 at risk, 2 off track, 5 achieved, 4 missed': every status, so the
    parts add up to the count (a year's panel holds ended goals too). (pure)"""
    order = list(STATUS_ORDER) + sorted(set(statuses) - set(STATUS_ORDER))
    parts = [f"{statuses.count(s)} {goals.status_label(s).lower()}" for s in order if statuses.count(s)]
    n = len(statuses)
    return f"{n} goal{'s' if n != 1 else ''}" + (": " + ", ".join(parts) if parts else "")


def more_label(total: int, shown: int) -> str:
    """The link under the cards: '+7 more goals →' (every goal of the panel's summary line that is
    not a card, key results included), or 'All goals →' when every goal has its card. (pure)"""
    more = total - shown
    return f"+{more} more goal{'s' if more != 1 else ''} →" if more > 0 else "All goals →"


def render(period: Period, evs: list[goals.Evaluated], user: User, filters: Filters | None = None) -> None:
    """The panel for ``evs`` (from :func:`panel_goals`, which the page may run beside its other
    reads); ``filters`` are the page's, to say what they did to it."""
    cur = settings.currency()
    filters = filters or Filters()
    with st.container(border=True, key="goals_panel"):
        st.markdown("**Shared goals**")
        if not evs:
            picked = owners_text(filters)
            whose = f" owned by {picked}" if picked else ""
            empty_state(f"No shared goals{whose} for {period.describe()}.",
                        ("Clear the team and owner filters to see every shared goal." if whose else
                         "Team leads set them on the Shared goals page." if not user.can("goals.edit") else
                         "Set one with the other team on the Shared goals page."))
            st.page_link("pages/goals.py", label="Shared goals", icon=":material/flag:")
            return
        # The page's subtitle names the period; the panel's own line stays short (narrow screens).
        st.caption(status_summary([e.progress.status for e in evs]))
        note = scope_note(filters)
        if note:
            st.caption(note)
        cards = panel_cards(evs)[:MAX_GOALS]
        for e, attention in cards:
            other = (e.goal.start, e.goal.end) != (period.start, period.end)
            goal_card.compact_card(e, currency=cur, key=str(e.goal.id), link="pages/goals.py", show_period=other,
                                   attention=attention)
        st.page_link("pages/goals.py", label=more_label(len(evs), len(cards)), icon=":material/flag:",
                     help="Every shared goal of the period, with its key results and check-ins, on the Shared "
                          "goals page.")
