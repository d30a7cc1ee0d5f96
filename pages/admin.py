"""Users & audit (admins only): who may sign in with which roles, and every change, with who,
what and when."""

import streamlit as st

from components import shell, user_admin
from components.filters import link_filters_ignored
from components.widgets import page_header
from queries import dimensions, users

user = shell.page_user("admin")
link_filters_ignored()
page_header("Users & audit", "Who can sign in, with which roles, team and rep record — and every change made in "
                             "Alignboard, with who made it and when.")

people, teams, reps = users.all_users(), dimensions.teams(), dimensions.reps()
tab_users, tab_add, tab_audit = st.tabs(["Users", "Add a user", "Audit log"], key="admin_tab", on_change="rerun")
with tab_users:
    user_admin.paused_clients_notice(users.paused_clients())
    user_admin.users_table(people)
    user_admin.edit_user(user, people, teams, reps)
with tab_add:
    user_admin.add_user_form(user, people, teams, reps)
with tab_audit:
    user_admin.audit_log(people, teams, reps)
