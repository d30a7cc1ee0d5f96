"""Shared goals: goals both teams own, with live progress, check-ins and history."""

import streamlit as st

from components import format as fmt
from components import goal_forms, goal_views, plan_forms
from components.filters import filter_bar
from components.shell import page_user
from components.widgets import page_header
from queries import goals, settings
from queries.periods import local_today

user = page_user("goals")
period, filters = filter_bar(show=("team", "owner"))
route = goal_forms.route()
goal_forms.flash()
asked_parent = route.parent_id if route.view == "new" else None
note = goal_views.link_note(route, st.query_params.get("goal"), st.query_params.get("parent"),
                            goals.get(asked_parent) if asked_parent is not None else None)
if note:   # a link that cannot be opened as written: say so, not only show the list or a blank form
    st.warning(note, icon=":material/link_off:")

if route.view == "new":
    page_header("New shared goal", "Both teams commit to the same number: owners from marketing and from sales.")
    st.button("All goals", icon=":material/arrow_back:", on_click=goal_forms.show_list, type="tertiary")
    goal_forms.goal_form(user, None, route.parent_id)
elif route.view == "edit":
    goal = goals.get(route.goal_id)
    page_header("Edit goal", fmt.md_text(goal.title) if goal else None)   # as typed, never as Markdown
    st.button("Back to the goal", icon=":material/arrow_back:", on_click=goal_forms.open_goal,
              args=(route.goal_id,), type="tertiary")
    if goal is None:
        st.warning("There is no goal with this link.")
    else:
        goal_forms.goal_form(user, goal)
elif route.view == "detail":
    goal_views.goal_detail(user, route.goal_id)
else:
    page_header("Shared goals", f"{period.describe()} · goals marketing and sales own together, with live progress")
    goal_views.goal_list(user, period, filters)
    with st.expander("Revenue plan · the quarterly targets pipeline coverage is measured against",
                     icon=":material/flag:", expanded=False):
        plan_forms.revenue_plan(user, local_today(settings.company_timezone()), settings.currency())
