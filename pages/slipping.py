"""Leads slipping through: hand-offs with no decision past the decision window and accepted leads
never contacted past their deadline, with age, owner and what to do; sortable, exportable, and
reassignable in one click by sales leads."""

import streamlit as st

from components import format as fmt
from components import notices
from components import reassign_form, sla_views
from components.filters import ids_to_link, link_filters_ignored, link_ids, link_ids_refused
from components.shell import page_user
from components.widgets import csv_download, data_table, empty_state, kpi, page_header, selection_key, table_height
from queries import dimensions, settings, sla

user = page_user("slipping")
tz = settings.company_timezone()
FLASH = "slip_reassign"   # the reassign button's components.notices slot

# --------------------------------------------------------------------------- filters (sidebar)
teams = dimensions.teams()
teams = teams[teams["function"].isin(["sales", "sales_development"])]
reps = dimensions.reps()
# A shared link's team and owner (?team=3&owner=12, as the filter bar writes them) preset the
# pickers; the pickers write their choice back, so this page's address can be shared too.
link_teams, bad_teams = link_ids("team", teams["id"])
with st.sidebar:
    team_ids = st.multiselect("Team", list(teams["id"]), default=link_teams,
                              format_func=dict(zip(teams["id"], teams["name"])).get,
                              placeholder="All sales teams", key="slip_team")
    owners = reps[reps["team_id"].isin(team_ids or list(teams["id"]))]
    link_owners, bad_owners = link_ids("owner", owners["id"])
    owner_ids = st.multiselect("Owner", list(owners["id"]), default=link_owners,
                               format_func=dict(zip(reps["id"], reps["full_name"])).get,
                               placeholder="Everyone", key="slip_owner")
    kinds = st.multiselect("Situation", list(sla.KINDS), format_func=sla.KINDS.get, placeholder="Both situations",
                           key="slip_kind")
    ages = {0: "Any time", 7: "Slipped in the last 7 days", 30: "Slipped in the last 30 days",
            90: "Slipped in the last 90 days"}   # 0, not None: a None choice would show as a clearable blank
    max_days = st.selectbox("Overdue for", list(ages), index=0, format_func=ages.get, key="slip_age",
                            help="Every slipping lead by default, as meeting mode counts them. Fresh slips are the "
                                 "ones still worth saving; old ones need a decision or recycling.")

ids_to_link("team", team_ids, link_teams)
ids_to_link("owner", owner_ids, link_owners)
link_filters_ignored(reads=("team", "owner"),
                     shows="It lists every lead slipping through as of now; its team, owner and situation filters are "
                           "in the sidebar.")
if team_ids == link_teams and owner_ids == link_owners:   # else the reader has picked: the link is theirs now
    link_ids_refused({"team": bad_teams, "owner": bad_owners}, "sales and sales-development teams and their reps")
page_header("Leads slipping through",
            "Hand-offs nobody decided within the decision window, and accepted leads nobody contacted by their "
            f"deadline · as of now · times in {tz}")

frame = sla.slipping(user, team_ids=tuple(team_ids), owner_ids=tuple(owner_ids), kinds=tuple(kinds),
                     max_overdue_days=max_days or None)
if frame.empty:
    empty_state("No lead is slipping through: every hand-off is decided or still inside its window, and every "
                "accepted lead was contacted in time.", "Filters in the sidebar may hide some." if
                (team_ids or owner_ids or kinds or max_days) else None)
    notices.show(FLASH)
    st.stop()

summary = sla.slipping_summary(user, team_ids=tuple(team_ids), owner_ids=tuple(owner_ids), kinds=tuple(kinds),
                              max_overdue_days=max_days or None)
n_undecided, median_undecided = summary.kind("decision_overdue")
n_silent, median_silent = summary.kind("untouched_after_accept")
cols = st.columns(4)
with cols[0]:
    kpi("Slipping leads", fmt.number(summary.total), good_when="down",
        caption=f"{fmt.number(summary.recent)} in the last 7 days · {fmt.counted(len(summary.by_owner), 'owner')}")
with cols[1]:
    kpi("No decision, overdue", fmt.number(n_undecided), good_when="down",
        caption=f"median {fmt.duration(median_undecided)} overdue" if n_undecided else None)
with cols[2]:
    kpi("Accepted, never contacted", fmt.number(n_silent), good_when="down",
        caption=f"median {fmt.duration(median_silent)} overdue" if n_silent else None)
with cols[3]:
    kpi("Oldest", fmt.duration(summary.max_age_minutes), good_when="down", caption="since the hand-off")

view = sla_views.slipping_view(frame, tz)
if summary.total > len(frame):
    st.info(f"The list shows the {len(frame):,} most recently slipped of {summary.total:,} leads; the counts above "
            "cover them all. Narrow the filters (or the age) to list the rest.", icon=":material/filter_list:")
can_reassign = user.can("handoffs.reassign")
st.caption("Most recently slipped first; click a column header to sort."
           + (" Select rows to reassign them." if can_reassign else ""))
column_config = {
    "Overdue (days)": st.column_config.NumberColumn("Overdue (days)", format="%.1f", help="Days past the deadline"),
    "Age (days)": st.column_config.NumberColumn("Age (days)", format="%.1f", help="Days since the hand-off"),
    "What to do": st.column_config.TextColumn(
        "What to do", width="large", help="The next step; 'lead active 3× since': the lead's own activity (visits, "
                                          "clicks, form fills) since the hand-off, a sign it is still warm"),
    "Tier": st.column_config.NumberColumn("Tier", format="%d"),
}
selectable = {"on_select": "rerun", "selection_mode": "multi-row"} if can_reassign else {}
event = data_table(view, height=table_height(len(view), 520),
                   column_config=column_config, key=selection_key("slip_table"), **selectable)
csv_download(sla_views.slipping_view(frame, tz, for_csv=True), title="leads slipping through", key="slip_csv",
             tz=tz)

# --------------------------------------------------------------------------- one-click reassign
if can_reassign:
    selected = list(event.selection.rows) if event and event.selection else []
    reassign_form.render(user, frame.iloc[selected] if selected else frame.iloc[0:0], flash=FLASH, table="slip_table")
