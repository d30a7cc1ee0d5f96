"""My SLA: a rep's standing in one glance, the open hand-offs with live countdowns, speed against
the team, and the breaches with the lead behind each. Reps see only their own data; sales leads
pick a rep."""

from datetime import datetime, timezone

import streamlit as st

from components import format as fmt
from components import sla_charts, sla_views
from components.filters import link_filters_ignored
from components.shell import database_guard, keep_fragment_current, page_user
from components.widgets import chart, empty_state, kpi, page_header, records_table, table_height
from queries import dimensions, parallel, settings, sla

user = page_user("my_sla")
tz = settings.company_timezone()

# --------------------------------------------------------------------------- whose SLA
# A lead picks the rep at the top of the page, beside the heading: in the sidebar it came after the
# navigation and the period, below the fold of a 1366×768 screen. Reps see only themselves.
rep_id = user.rep_id
head = None
if user.can("see_all_reps"):
    reps = dimensions.reps()
    reps = reps[reps["team_function"].isin(["sales", "sales_development"]) & reps["active"]]
    mine_first = reps.assign(other_team=reps["team_id"] != user.team_id).sort_values(["other_team", "team_name",
                                                                                      "full_name"])
    options = list(mine_first["id"])
    if options:
        labels = dict(zip(reps["id"], reps["full_name"] + " · " + reps["team_name"]))
        default = options.index(rep_id) if rep_id in options else 0
        head, pick = st.columns([2, 1], vertical_alignment="bottom")
        rep_id = pick.selectbox("Rep", options, index=default, format_func=labels.get, key="mysla_rep",
                                help="As a lead you can look at any rep's SLA.")
if head is None:   # a rep: the heading alone
    head = st.container()
try:
    info = sla.rep_info(sla.rep_scope(user, rep_id))
except sla.SlaError as err:
    with head:
        page_header("My SLA")
    empty_state(str(err))
    st.stop()

link_filters_ignored(reads=("period",), shows=f"It shows {fmt.md_text(info.full_name)}'s own hand-offs.")
period = sla_views.my_period_picker(tz)
week = sla.week_of(sla_views.today_in(tz), tz)
name = fmt.md_text(info.full_name)   # as typed in the rep record: never Markdown
who = "Your" if info.id == user.rep_id else f"{name}'s"
with head:
    page_header("My SLA" if info.id == user.rep_id else f"SLA · {name}",
                f"{name} · {fmt.md_text(info.team_name)} · {sla_views.period_caption(period, tz)}")

# the page's reads side by side (the open list's fragment then finds its read cached)
read = parallel.fetch({"commitment": lambda: sla.commitment_for(period),
                       "standing": lambda: sla.rep_standing(user, period, week, info.id),
                       "open": lambda: sla.open_handoffs(user, info.id),
                       "breaches": lambda: sla.rep_breaches(user, period, info.id)})
commitment, standing, open_now = read["commitment"], read["standing"], read["open"]
target = sla_views.target_or_default(commitment.follow_up_target_rate if commitment else None)
now = datetime.now(timezone.utc)

# --------------------------------------------------------------------------- one glance
if info.id == user.rep_id and user.can("see_all_reps") and not standing.me_period.handed_off and open_now.empty:
    # a lead's own rep record that holds nothing: "Nothing open" and "No breaches" below would read as
    # a clean record rather than an empty one
    st.info(f"You hold no hand-offs yourself in {period.describe()}. As a lead you can read any rep's SLA: pick "
            "them under **Rep** at the top of the page.", icon=":material/person_search:")
else:
    status, sentence = sla_views.standing_message(standing.me_week, standing.team_week, target,
                                                  sla_views.open_summary(open_now, now),
                                                  overdue=sla_views.overdue_count(open_now, now))
    if info.id != user.rep_id:
        sentence = sentence.replace("your hand-offs", f"{name}'s hand-offs")
    sla_views.standing_banner(status, sentence)


def vs_team(mine, team):
    text = fmt.change(mine, team, "points")
    return text + " vs team" if text else None


def minutes_vs_team(mine, team):
    text = fmt.change(mine, team, "minutes")
    return text + " vs team" if text else None


me_w, me_p, team_w, team_p = standing.me_week, standing.me_period, standing.team_week, standing.team_period
cols = st.columns(5)
with cols[0]:
    kpi("This week", fmt.pct(me_w.compliance_rate), delta=vs_team(me_w.compliance_rate, team_w.compliance_rate),
        caption=None if me_w.compliance_rate is not None else
        (f"{me_w.pending} still inside the window" if me_w.pending else "no hand-off yet"),
        help=f"Contacted by the SLA deadline: {me_w.met} of {me_w.met + me_w.breached} hand-offs this week whose "
             f"outcome is known ({me_w.pending} still inside their window are not counted). Team: "
             f"{fmt.pct(team_w.compliance_rate)}.")
with cols[1]:
    kpi(period.label, fmt.pct(me_p.compliance_rate), delta=vs_team(me_p.compliance_rate, team_p.compliance_rate),
        help=f"Contacted by the SLA deadline: {me_p.met} of {me_p.met + me_p.breached} hand-offs in "
             f"{period.describe()} whose outcome is known. Team: {fmt.pct(team_p.compliance_rate)}.")
with cols[2]:
    kpi("Median to touch", fmt.duration(me_p.median_minutes),
        delta=minutes_vs_team(me_p.median_minutes, team_p.median_minutes), good_when="down",
        help=f"Median time from hand-off to your first touch in {period.describe()} (team: "
             f"{fmt.duration(team_p.median_minutes)}). In business minutes when the lead's SLA window is in business "
             "hours. Untouched leads are not in the median; they are counted as untouched.")
with cols[3]:
    kpi("9 in 10 within", fmt.duration(me_p.p90_minutes),
        delta=minutes_vs_team(me_p.p90_minutes, team_p.p90_minutes), good_when="down",
        help=f"9 in 10 of your touched hand-offs were first touched within this time (team: "
             f"{fmt.duration(team_p.p90_minutes)}).")
with cols[4]:
    kpi("Breaches", fmt.number(me_p.breached), good_when="down",
        caption=f"{me_p.breached_untouched} never contacted",   # the period: the tile beside it and the help
        help=f"Hand-offs of {period.describe()} touched after the SLA deadline, or untouched with the deadline "
             "passed (listed below). Open hand-offs above count what is still to do, of any period.")


# --------------------------------------------------------------------------- live open list
st.markdown("#### Open hand-offs")


@st.fragment(run_every=sla.LIVE_REFRESH_SECONDS)
def live_open_list(rep: int) -> None:
    with database_guard():   # reruns on its own, outside app.py's guard
        keep_fragment_current(user)
        moment = datetime.now(timezone.utc)
        sla_views.open_table(sla.open_handoffs(user, rep), moment, tz, holds_none=not standing.me_period.handed_off)


live_open_list(info.id)

# --------------------------------------------------------------------------- breaches and trend
breaches = read["breaches"]
st.markdown(f"#### {who} breaches · {period.label.lower()}")
if breaches.empty and not me_p.handed_off:   # nothing handed off: no breach, but no record to praise either
    st.info(f"No hand-offs in {period.describe()}, so none breached.", icon=":material/inbox:")
elif breaches.empty:
    st.success(f"No breaches in {period.describe()}.", icon=":material/verified:")
else:
    st.caption(sla_views.breaches_caption(breaches))
    records_table(sla_views.breaches_view(breaches, tz), title=f"sla breaches {info.full_name} {period.describe()}",
                  key="mysla_breaches", height=table_height(len(breaches), 320),
                  csv=sla_views.breaches_view(breaches, tz, for_csv=True), tz=tz)

weekly = standing.weekly
if weekly["compliance_rate"].notna().any():
    chart(sla_charts.rep_weekly_chart(weekly, info.full_name, info.team_name, target, height=280,
                                                team_function=info.team_function),
                    width="stretch", key="mysla_weekly")
