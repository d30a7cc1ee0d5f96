"""Alignboard — the frame and the router.

Page config, the database check, the sign-in gate, and navigation built from the pages the
signed-in user's roles allow (see queries/access.py). Pages live in pages/ and stay thin.
"""

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Alignboard", page_icon=":material/handshake:", layout="wide",
                   initial_sidebar_state="auto")   # collapsed on a phone, where it covered the numbers

from components import shell  # noqa: E402  (set_page_config must come first)
from queries.access import may_see  # noqa: E402

#: Every page: key (see access.PAGE_ROLES; the file is pages/<key>.py) -> (section, title, icon, url path).
PAGES = {
    "scoreboard": ("Together", "Scoreboard", ":material/leaderboard:", "scoreboard"),
    "goals": ("Together", "Shared goals", ":material/flag:", "goals"),
    "definitions": ("Together", "Definitions", ":material/menu_book:", "definitions"),
    "meeting": ("Together", "Meeting mode", ":material/co_present:", "meeting"),
    "my_handoffs": ("Leads", "My hand-offs", ":material/inbox:", "my_handoffs"),
    "criteria": ("Leads", "Qualification criteria", ":material/rule:", "criteria"),
    "feedback": ("Leads", "Sales feedback", ":material/forum:", "feedback"),
    "campaigns": ("Leads", "Campaign returns", ":material/campaign:", "campaigns"),
    "admin": ("Admin", "Users & audit", ":material/manage_accounts:", "admin"),
    "my_sla": ("Follow-up SLA", "My SLA", ":material/timer:", "my_sla"),
    "sla_scorecard": ("Follow-up SLA", "Team SLA scorecard", ":material/scoreboard:", "sla_scorecard"),
    "sla_two_sided": ("Follow-up SLA", "The two-sided SLA", ":material/handshake:", "sla_two_sided"),
    "slipping": ("Follow-up SLA", "Leads slipping through", ":material/running_with_errors:", "slipping"),
    "sla_policies": ("Follow-up SLA", "SLA policies", ":material/policy:", "sla_policies"),
}
SECTIONS = ("Together", "Leads", "Follow-up SLA", "Admin")


def page(key: str) -> st.Page:
    section, title, icon, url_path = PAGES[key]
    return st.Page(Path(__file__).parent / "pages" / f"{key}.py", title=title, icon=icon, url_path=url_path)


def _home() -> None:
    """The root URL opens the scoreboard at its own address, with the link's filters. (Were the
    scoreboard the default page, Streamlit would serve it only at "/" and answer a shared or
    typed /scoreboard link with "Page not found".)"""
    st.switch_page(page("scoreboard"), query_params=st.query_params.to_dict())


HOME = st.Page(_home, title="Alignboard", url_path="home", default=True, visibility="hidden")


def every_page_hidden() -> None:
    """Register every page, hidden, and run none: so a deep link finds its page."""
    st.navigation([HOME, *(page(key) for key in PAGES)], position="hidden")


if shell.first_run_of_process():
    # Streamlit runs a new server process in its legacy multipage mode (there is a pages/
    # folder) until st.navigation has been called once, and that first run's widgets get other
    # ids than every later run's: the sign-in form it drew was replaced a second later, losing
    # what the first visitor after a (re)start had typed. Switch modes, then start over.
    every_page_hidden()
    st.rerun()

shell.boot()
with shell.database_guard():
    user = shell.sign_in()

if user is None:
    # A signed-out deep link finds its page (no "page not found" popup), but no page runs: the
    # sign-in screen is all a signed-out visitor gets.
    every_page_hidden()
    st.stop()

allowed = {key: page(key) for key in PAGES if may_see(user, key)}
if "scoreboard" not in allowed:
    raise RuntimeError("every role must see the scoreboard (the root URL opens it)")
sections = {s: [p for key, p in allowed.items() if PAGES[key][0] == s] for s in SECTIONS}
sections[SECTIONS[0]].insert(0, HOME)  # hidden: the root URL, which opens the scoreboard
# Hidden too: the address of each page the user may not see answers with who it is for (a shared
# link), instead of Streamlit's "Page not found"; the page's own file is not registered for them.
sections[SECTIONS[0]] += [st.Page(lambda key=key: shell.no_access(user, PAGES[key][1], key), title=PAGES[key][1],
                                  url_path=PAGES[key][3], visibility="hidden") for key in PAGES if key not in allowed]
# expanded: every page the user may open is listed (collapsed, Streamlit hides all but the first
# ten behind "View more", and an admin has fourteen).
current = st.navigation({s: ps for s, ps in sections.items() if ps}, expanded=True)
shell.restore_deep_link(current, {p.url_path: p for p in allowed.values()})
shell.identity(user)
st.session_state["user"] = user
with shell.database_guard():
    current.run()
