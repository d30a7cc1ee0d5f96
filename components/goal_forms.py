"""Goal forms (create / edit, check-in, archive) and the goals page's navigation.

Session state, all under the ``gf_`` (goal form) and ``ci_`` (check-in) prefixes:

* ``gf__for``      what the goal form holds: a goal id, ``("new", parent)``, or None (reload)
* ``gf__values``   the values the form was loaded with (the widgets' defaults)
* ``gf__load``     a counter in every widget key: each load renders *new* widgets
* ``gf__version``  the version of the goal the form was loaded from (the optimistic lock)
* ``gf__stale``    set after a save was refused because someone else saved first
* ``gf_<field>_<load>``  the widgets' keys
* ``ci_<goal>_<n>_<field>``  the check-in form's widgets (``n``: widgets.form_generation("ci_<goal>"))

Messages go through components.notices, next to the button that was pressed: a refused save's under
the form's submit button (slot ``goal_form``), a check-in's under its button (``checkin_<goal>``),
an archive's beside its controls (``goal_archive``); a saved goal's at the top of the goal's page,
which the save opens (``goal_saved``).

Why widgets are never filled through the Session State API here: a value set that way reaches the
browser only with the run that sets it. When that run is cut short (the sign-in cookie's rerun and
the deep-link switch both interrupt a session's first run), the browser later shows, and submits,
the widget's own default: an empty title, the first option of a select. So the loaded values are
passed as the widgets' defaults, and each load gets fresh keys. After a refused save the keys stay,
so the form keeps the user's input.

Saves run in the submit buttons' callbacks, never via st.rerun(): a callback runs before the next
script run, so it may change the URL and the state, and nothing set there is lost.

Navigation lives in the URL (``?goal=<id>``, ``?goal=new&parent=<id>``, ``&mode=edit``) so that a
goal can be shared as a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from components import format as fmt
from components import notices
from components.goal_card import target_text, value_text
from components.widgets import data_table, date_field, form_generation, next_form, submission_key
from queries import dimensions, goals, settings, submissions
from queries.access import User
from queries.goal_math import (CONFIDENCE, EXAMPLES, PERIOD_KINDS, UNITS, describe_period, input_text, parse_amount,
                               period_bounds)
from queries.goals import METRICS, CheckInInput, Goal, GoalError, GoalInput, StaleGoal
from queries.filters import parse_id
from queries.periods import local_today

#: components.notices slots (see the module's doc)
SAVED, FORM, ARCHIVE = "goal_saved", "goal_form", "goal_archive"
MANUAL = "manual"
NO_PARENT = 0  # the "not a key result" choice (a selectbox shows None as "nothing chosen")


# --------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class Route:
    view: str               # "list" | "detail" | "new" | "edit"
    goal_id: int | None = None
    parent_id: int | None = None


def route() -> Route:
    qp = st.query_params
    raw = qp.get("goal")
    if raw == "new":
        parent = qp.get("parent")
        return Route("new", parent_id=parse_id(parent))
    if parse_id(raw) is not None:
        return Route("edit" if qp.get("mode") == "edit" else "detail", goal_id=parse_id(raw))
    return Route("list")


def open_goal(goal_id: int) -> None:
    st.query_params["goal"] = str(goal_id)
    for k in ("mode", "parent"):
        if k in st.query_params:
            del st.query_params[k]


def show_list() -> None:
    for k in ("goal", "mode", "parent"):
        if k in st.query_params:
            del st.query_params[k]


def start_new(parent_id: int | None = None) -> None:
    st.session_state["gf__for"] = None
    st.query_params["goal"] = "new"
    if parent_id is not None:
        st.query_params["parent"] = str(parent_id)
    elif "parent" in st.query_params:
        del st.query_params["parent"]
    if "mode" in st.query_params:
        del st.query_params["mode"]


def start_edit(goal_id: int) -> None:
    st.session_state["gf__for"] = None
    st.query_params["goal"] = str(goal_id)
    st.query_params["mode"] = "edit"


def flash() -> None:
    """Show (once), at the top of the page the save opened, the message a goal's save left behind."""
    notices.show(SAVED)


# --------------------------------------------------------------------------- goal form


def _defaults(goal: Goal | None, parent: Goal | None, today: date) -> dict:
    if goal is None:
        start = parent.start if parent is not None else today
        return {"title": "", "why": "", "period_kind": parent.period_kind if parent else "quarter", "start": start,
                "end": parent.end if parent else start, "metric": MANUAL, "target": "", "unit": "count",
                "unit_label": "", "direction": "higher", "cumulative": "total",
                # a key result starts with its objective's owners (the two-team rule holds already)
                "owners": list(parent.owner_rep_ids) if parent else [],
                "parent": parent.id if parent else NO_PARENT, "teams": [], "sources": [], "industries": [],
                "countries": [], "tiers": []}
    s = goal.scope
    return {"title": goal.title, "why": goal.why, "period_kind": goal.period_kind, "start": goal.start,
            "end": goal.end, "metric": goal.metric or MANUAL, "target": input_text(goal.target, goal.unit),
            "unit": goal.unit, "unit_label": goal.unit_label,
            "direction": "lower" if goal.lower_is_better else "higher",
            "cumulative": "total" if goal.cumulative else "level", "owners": list(goal.owner_rep_ids),
            "parent": goal.parent_id or NO_PARENT, "teams": list(s.team_ids), "sources": list(s.sources),
            "industries": list(s.industries), "countries": list(s.countries), "tiers": list(s.tiers)}


def _load(goal: Goal | None, parent: Goal | None, marker) -> None:
    ss = st.session_state
    ss["gf__values"] = _defaults(goal, parent, local_today(settings.company_timezone()))
    ss["gf__load"] = ss.get("gf__load", 0) + 1
    ss["gf__for"] = marker
    ss["gf__version"] = goal.version if goal is not None else None
    ss.pop("gf__stale", None)


#: The Target field's example in each unit: what parse_amount reads for it.
TARGET_EXAMPLES = {"count": "1,200", "percent": "85%", "currency": "1.2M or 850k", "minutes": "90m or 1.5h"}


def target_placeholder(unit: str) -> str:
    """The Target field's placeholder for a goal measured in ``unit``. (pure)"""
    return f"e.g. {TARGET_EXAMPLES.get(unit, TARGET_EXAMPLES['count'])}"


def _k(field: str) -> str:
    """The widget key of a goal-form field in the current load."""
    return f"gf_{field}_{st.session_state.get('gf__load', 0)}"


def _v(field: str):
    """The field's current value: the widget's, or the loaded one before the widget exists."""
    return st.session_state.get(_k(field), st.session_state.get("gf__values", {}).get(field))


def _reload() -> None:
    st.session_state["gf__for"] = None


def _same_field(field: str, a, b, unit: str) -> bool:
    """Whether two values of a goal-form field are the same input (a target as a value: "50M" and
    "50,000,000" are one target; a title up to its spacing; lists in any order)."""
    if field == "target":
        try:
            return abs(parse_amount(a, unit) - parse_amount(b, unit)) < 1e-9 * max(1.0, abs(parse_amount(b, unit)))
        except GoalError:
            return str(a or "").strip() == str(b or "").strip()
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return sorted(a or []) == sorted(b or [])
    if isinstance(a, str) or isinstance(b, str):
        return " ".join(str(a or "").split()) == " ".join(str(b or "").split())
    return a == b


def _rebase(goal_id: int) -> None:
    """Keep my changes on top of the version saved meanwhile: a field this form changed keeps its
    input; a field it left as loaded takes the other person's value. (Keeping the whole form put back
    the loaded title, period or scope the other person had just changed: their edit was lost on the
    next save, silently where the comparison table does not list the field.)"""
    ss = st.session_state
    current = goals.get(goal_id)
    if current is None:
        return
    loaded = ss.get("gf__values", {})
    theirs = _defaults(current, None, local_today(settings.company_timezone()))
    mine = {field: _v(field) for field in loaded}
    metric = mine.get("metric")
    unit = METRICS[metric].unit if metric in METRICS else (mine.get("unit") or "count")
    merged = {field: theirs[field] if _same_field(field, mine[field], loaded[field], unit) else mine[field]
              for field in loaded}
    ss["gf__values"] = merged
    ss["gf__load"] = ss.get("gf__load", 0) + 1     # new widgets, drawn with the merged values
    ss["gf__version"] = current.version
    ss.pop("gf__stale", None)
    notices.forget(FORM)   # the conflict is settled: its message goes too
    ss["gf__note"] = ("Your changes now sit on top of the version saved meanwhile; the fields you had not "
                      "changed show theirs. Check the form, then save.")


def _input() -> GoalInput:
    metric = _v("metric")
    return GoalInput(
        title=_v("title") or "", why=_v("why") or "", period_kind=_v("period_kind") or "quarter",
        start=_v("start"), end=_v("end"), metric=None if metric == MANUAL else metric, target=_v("target") or "",
        unit=_v("unit") or "count", unit_label=_v("unit_label") or "", lower_is_better=_v("direction") == "lower",
        cumulative=_v("cumulative") == "total", owner_rep_ids=list(_v("owners") or []),
        parent_id=_v("parent") or None, scope_team_ids=list(_v("teams") or []),
        scope_sources=list(_v("sources") or []), scope_industries=list(_v("industries") or []),
        scope_countries=list(_v("countries") or []), scope_tiers=list(_v("tiers") or []))


def goal_form(user: User, goal: Goal | None = None, parent_id: int | None = None) -> None:
    """Create (``goal`` None) or edit a goal. Leads and admins only; the caller checks the role too.

    Every field lives inside one st.form and the save runs in the submit button's callback (no
    st.rerun): widget values then reach the server only on submit, so nothing the browser holds
    outside the form can change a goal behind the user's back.
    """
    if not user.can("goals.edit"):
        st.warning("Only team leads and admins create and edit goals.")
        return
    if goal is not None and goal.archived:
        st.warning("This goal is archived; restore it before editing.")
        return
    objectives = [g for g in goals.list_goals(None) if g.parent_id is None and (goal is None or g.id != goal.id)]
    parent = next((g for g in objectives if g.id == parent_id), None) if goal is None else None
    marker = goal.id if goal is not None else ("new", parent_id)
    if st.session_state.get("gf__for") != marker:
        _load(goal, parent, marker)

    v = st.session_state["gf__values"]
    reps = dimensions.reps()
    reps = reps[reps["active"] | reps["id"].isin(list(v["owners"]) + list(_v("owners") or []))]
    rep_label = {int(r.id): f"{r.full_name} · {r.team_name}" for r in reps.itertuples()}
    unstaffed = goals.missing_sides(reps.loc[reps["active"], "team_function"])
    if unstaffed:   # a new install before its CRM sync: say why the goal cannot be saved yet
        where = "either team" if len(unstaffed) > 1 else f"a {unstaffed[0]} team"
        st.warning(f"A shared goal needs owners from marketing and from sales, and no active rep is in {where} "
                   "yet. Reps and their teams come from your CRM sync "
                   "(the `rep` and `team` tables, docs/data-model.md); once they are there, pick the owners here.",
                   icon=":material/group_off:")
    teams = dimensions.teams()
    team_names = dict(zip(teams["id"], teams["name"]))
    channels = dimensions.channels()
    channel_labels = dict(zip(channels["code"], channels["label"]))
    segments = dimensions.segments()
    industries = sorted(set(segments["industry"]) | set(v["industries"]))
    countries = sorted(set(segments["country"]) | set(v["countries"]), key=fmt.country_sort_key)
    manual = _v("metric") == MANUAL
    scoped = any(_v(k) for k in ("teams", "sources", "industries", "countries", "tiers"))
    metric_options = [MANUAL, *METRICS]

    with st.form("goal_form", border=True, enter_to_submit=False):
        # no max_chars on the text fields: a paste over the limit was thrown away without a word; the
        # save says what is too long, and the text stays in the field to shorten
        st.text_input("Title", value=v["title"], key=_k("title"),
                      placeholder="e.g. Grow marketing-sourced revenue")
        st.text_area("Why it matters", value=v["why"], key=_k("why"), height=80,
                     placeholder="What changes for the company when we hit this, and why both teams own it.")
        st.markdown("**What is measured**")
        cols = st.columns([3, 2])
        with cols[0]:
            st.selectbox("Measure", metric_options, index=metric_options.index(v["metric"]), key=_k("metric"),
                         format_func=lambda k: "Manual: a number the owners enter at each check-in" if k == MANUAL
                         else METRICS[k].label + (" (lower is better)" if METRICS[k].lower_is_better else ""),
                         help="Metric goals compute their value from live data over the goal's period and scope "
                              "(see Definitions); manual goals take the value entered at each check-in.")
        with cols[1]:
            # the example in the unit of the measure drawn (a count refuses "85%", which the one example
            # for every unit suggested); a measure changed in the form shows its example after a save
            unit = METRICS[_v("metric")].unit if _v("metric") in METRICS else _v("unit")
            st.text_input("Target", value=v["target"], key=_k("target"), placeholder=target_placeholder(unit),
                          help="In the measure's unit, typed the way you would say it: money 1.2M or 850k; "
                               "percent 85 or 85%; minutes 90, 90m or 1.5h; counts 1,200 (no % sign).")
        st.markdown("**When**")
        cols = st.columns(3)
        with cols[0]:
            st.selectbox("Period", list(PERIOD_KINDS), index=list(PERIOD_KINDS).index(v["period_kind"]),
                         format_func=PERIOD_KINDS.get, key=_k("period_kind"))
        with cols[1]:
            date_field(st, "Starts (or any day in the period)", value=v["start"], key=_k("start"),
                       help="A month, quarter, half or year runs over the whole one containing this day.")
        with cols[2]:
            date_field(st, "Ends (custom periods)", value=v["end"], key=_k("end"),
                       help="Used only when the period is 'Custom dates'.")
        st.markdown("**Who**")
        st.multiselect("Owners", list(rep_label), default=[r for r in v["owners"] if r in rep_label], key=_k("owners"),
                       format_func=rep_label.get,
                       placeholder="At least one from marketing and one from sales or sales development",
                       help="A shared goal needs owners from both teams. Owners post the check-ins.")
        parent_options = [NO_PARENT, *[g.id for g in objectives]]
        if v["parent"] not in parent_options:
            parent_options.append(v["parent"])
        titles = {g.id: f"{g.title} ({g.describe_period()})" for g in objectives}
        st.selectbox("Key result of", parent_options, index=parent_options.index(v["parent"]), key=_k("parent"),
                     format_func=lambda i: "None: this goal is an objective" if i == NO_PARENT
                     else titles.get(i, f"#{i}"))
        with st.expander("Manual goals: unit and how the value behaves", expanded=manual):
            cols = st.columns([1, 1])
            with cols[0]:
                st.selectbox("Unit", list(UNITS), index=list(UNITS).index(v["unit"]), format_func=UNITS.get,
                             key=_k("unit"))
            with cols[1]:
                st.text_input("Unit label (optional)", value=v["unit_label"], key=_k("unit_label"),
                              placeholder="e.g. case studies")
            cols = st.columns([1, 1])
            with cols[0]:
                st.radio("Direction", ["higher", "lower"], index=["higher", "lower"].index(v["direction"]),
                         key=_k("direction"), horizontal=True,
                         format_func={"higher": "Higher is better", "lower": "Lower is better"}.get)
            with cols[1]:
                st.radio("The value is", ["total", "level"], index=["total", "level"].index(v["cumulative"]),
                         key=_k("cumulative"), horizontal=True,
                         format_func={"total": "A running total", "level": "A level"}.get,
                         help="A running total adds up over the period (case studies published); a level is "
                              "measured at each check-in (a score, a cost).")
            st.caption("Metric goals take their unit and direction from the metric.")
        with st.expander("Scope (metric goals): leave empty for the whole company", expanded=scoped):
            cols = st.columns(5)
            with cols[0]:
                st.multiselect("Team", list(team_names), default=[t for t in v["teams"] if t in team_names],
                               key=_k("teams"), format_func=team_names.get, placeholder="All teams")
            with cols[1]:
                st.multiselect("Source", list(channel_labels), default=[c for c in v["sources"] if c in channel_labels],
                               key=_k("sources"), format_func=channel_labels.get, placeholder="All sources")
            with cols[2]:
                st.multiselect("Industry", industries, default=v["industries"], key=_k("industries"),
                               placeholder="All industries")
            with cols[3]:
                st.multiselect("Country", countries, default=v["countries"], key=_k("countries"),
                               format_func=fmt.country, placeholder="All countries")
            with cols[4]:
                st.multiselect("Tier", [1, 2, 3], default=[t for t in v["tiers"] if t in (1, 2, 3)], key=_k("tiers"),
                               format_func=lambda t: f"Tier {t}", placeholder="All tiers")
        st.form_submit_button("Create goal" if goal is None else "Save changes", type="primary",
                              icon=":material/save:", on_click=_on_goal_submit,
                              args=(user, goal.id if goal is not None else None))
        notices.show(FORM)   # a refused save: under the button, in the form that keeps the input

    note = st.session_state.pop("gf__note", None)
    if note:
        st.info(note, icon=":material/merge:")
    if st.session_state.get("gf__stale") and goal is not None:
        _stale_help(goal)


def _unit_hint(unit: str) -> str:
    return {"currency": settings.currency(), "percent": "%", "minutes": "minutes", "count": "number"}[unit]


def _period_saved(data: GoalInput) -> str:
    """The saved period in words ("Q1 2027", "01 Dec 2026 – 31 Dec 2027"): a date half typed into a
    field is not sent, so the success message is where the dates the save used show."""
    return fmt.md_text(describe_period(data.period_kind, *period_bounds(data.period_kind, data.start, data.end)))


def _on_goal_submit(user: User, goal_id: int | None) -> None:
    """The save, run before the next script run (a callback): on success go to the goal's page."""
    data = _input()
    try:
        if goal_id is None:
            goal_id = goals.create(user, data)
            notices.leave(SAVED, "success", f"Goal “{fmt.md_text(' '.join(data.title.split()))}” created for "
                                            f"{_period_saved(data)}.")
        else:
            goals.update(user, goal_id, data, st.session_state["gf__version"])
            notices.leave(SAVED, "success", f"Changes saved; the goal runs {_period_saved(data)}.")
    except StaleGoal as err:
        st.session_state["gf__stale"] = True
        notices.leave(FORM, "error", str(err), icon=":material/sync_problem:")
        return
    except GoalError as err:
        notices.leave(FORM, "error", str(err))
        return
    st.session_state["gf__for"] = None
    st.session_state.pop("gf__stale", None)
    open_goal(goal_id)


def _stale_help(goal: Goal) -> None:
    current = goals.get(goal.id)
    if current is None:
        return
    cur = settings.currency()
    mine = _input()
    base = st.session_state.get("gf__values", {})   # the goal as this form loaded it
    metric = mine.metric

    def measure(key) -> str:
        return METRICS[key].label if key in METRICS else "Manual"

    def same_target(text: str, target: float, unit: str) -> bool:
        """A target as a value: "10000000" typed and "$10M" saved are the same target."""
        try:
            value = parse_amount(text, unit)
        except GoalError:
            return False
        return abs(value - target) < 1e-9 * max(1.0, abs(target))

    unit = METRICS[metric].unit if metric in METRICS else mine.unit
    compare = [  # field, as loaded, as saved by the other person, your input, (loaded == theirs, yours == theirs)
        ("Title", base.get("title", ""), current.title, " ".join(mine.title.split())),
        ("Why it matters", base.get("why", ""), current.why, mine.why.strip()),
        ("Measure", measure(base.get("metric")), measure(current.metric), measure(metric)),
        ("Target", base.get("target", ""), target_text(current, cur), mine.target),
        ("Owners", ", ".join(sorted(_rep_name(r) for r in base.get("owners", []))),
         ", ".join(sorted(o.name for o in current.owners)), ", ".join(sorted(_rep_name(r) for r in mine.owner_rep_ids))),
    ]
    rows = []
    for label, loaded, theirs, yours in compare:
        if label == "Target":
            they_changed = not same_target(str(loaded), current.target, current.unit)
            you_differ = not same_target(str(yours), current.target, unit)
        else:
            they_changed = str(loaded).strip() != str(theirs).strip()
            you_differ = str(yours).strip() != str(theirs).strip()
        if they_changed or you_differ:
            # who changed what: a field only you edited is not the other person's change
            rows.append({"Field": label, "When you opened it": loaded,
                         "Saved by the other person": theirs if they_changed else "(unchanged)",
                         "Your input": yours if yours != loaded else "(unchanged)"})
    with st.container(border=True):
        st.markdown("**What changed meanwhile**")
        if rows:
            data_table(rows)
        else:
            st.caption("The fields shown here match; other settings (period, scope, owners' order) may differ.")
        a, b = st.columns(2)
        a.button("Load their version (discard my input)", on_click=_reload, icon=":material/refresh:",
                 key="gf_reload")
        b.button("Keep my changes on top of theirs", on_click=_rebase, args=(goal.id,),
                 icon=":material/edit:", key="gf_rebase",
                 help="The fields you changed keep your input; the others take the other person's values. "
                      "Your next 'Save changes' saves that over their version.")


def _rep_name(rep_id: int) -> str:
    reps = dimensions.reps()
    match = reps[reps["id"] == rep_id]
    return str(match["full_name"].iloc[0]) if not match.empty else f"#{rep_id}"


# --------------------------------------------------------------------------- check-in form

def checkin_form(user: User, goal: Goal, current_value: float | None) -> None:
    """Owners post a check-in: confidence, update, blockers, what they need from the other team."""
    if goal.archived:
        return
    if not goal.owned_by(user):
        names = ", ".join(o.name for o in goal.owners)
        st.caption(f"Only the goal's owners post check-ins ({names}).")
        return
    gen = form_generation(f"ci_{goal.id}")   # a new form after each post
    prefix = checkin_prefix(goal.id, gen)
    cur = settings.currency()
    # a form of its own after each post (its key carries the prefix): a double click's second
    # submission names the form already posted, which the next run no longer has, so it is dropped;
    # should it still reach the callback, the form's submission key saves it only once
    with st.form(prefix + "form", border=True, enter_to_submit=False):
        st.markdown("**Post a check-in**")
        st.radio("How confident are you that we hit it?", list(CONFIDENCE), format_func=CONFIDENCE.get,
                 key=prefix + "confidence", horizontal=True, index=None)
        if goal.is_manual:
            st.text_input(f"Current value ({_unit_hint(goal.unit)})", key=prefix + "value",
                          placeholder=EXAMPLES.get(goal.unit, ""),
                          help=f"Target: {target_text(goal, cur)}. The latest value entered is the goal's value.")
        else:
            st.caption(f"The value is computed from live data: {value_text(current_value, goal, cur)} now; "
                       "it is recorded with your check-in.")
        st.text_area("What moved since the last check-in", key=prefix + "narrative", height=90)
        cols = st.columns(2)
        with cols[0]:
            st.text_area("Blockers (optional)", key=prefix + "blockers", height=70)
        with cols[1]:
            other = "sales" if user.side == "marketing" else "marketing"
            st.text_area(f"What we need from {other} (optional)", key=prefix + "needs",
                         height=70)
        st.form_submit_button("Post check-in", type="primary", icon=":material/send:", on_click=_on_checkin,
                              args=(user, goal.id, gen, submission_key(f"ci_{goal.id}", gen)))
        notices.show(checkin_slot(goal.id))


def checkin_slot(goal_id: int) -> str:
    return f"checkin_{goal_id}"


def checkin_prefix(goal_id: int, gen: int) -> str:
    """Key prefix of the widgets of the check-in form's instance ``gen`` (a fresh, empty form after each post)."""
    return f"ci_{goal_id}_{gen}_"


def _on_checkin(user: User, goal_id: int, gen: int, key: str) -> None:
    ss, prefix = st.session_state, checkin_prefix(goal_id, gen)   # the fields of the form submitted
    data = CheckInInput(confidence=ss.get(prefix + "confidence"), narrative=ss.get(prefix + "narrative", ""),
                        blockers=ss.get(prefix + "blockers", ""), needs=ss.get(prefix + "needs", ""),
                        value=ss.get(prefix + "value"))
    try:
        goals.check_in(user, goal_id, data, submission=key)
    except submissions.AlreadySubmitted:
        pass   # this form was posted already (a double click): once is what the user meant
    except GoalError as err:
        notices.leave(checkin_slot(goal_id), "error", str(err))
        return
    next_form(f"ci_{goal_id}", gen)   # the next form is a new, empty one
    notices.leave(checkin_slot(goal_id), "success", "Check-in posted.")


# --------------------------------------------------------------------------- archive / restore


def archive_controls(user: User, goal: Goal) -> None:
    if not user.can("goals.edit"):
        return
    if goal.archived:
        st.caption(f"Archived on {fmt.local_date(goal.archived_at, settings.company_timezone())}. Archived goals keep their check-ins and history.")
        st.button("Restore goal", key=f"restore_{goal.id}", icon=":material/unarchive:", on_click=_on_archive,
                  args=(user, goal.id, goal.version, False))
        return
    with st.popover("Archive…", icon=":material/archive:"):
        extra = f" Its {goal.key_results} key result(s) are archived with it." if goal.key_results else ""
        st.markdown("Archived goals leave the lists and the scoreboard but keep their check-ins, snapshots and "
                    f"history; they can be restored.{extra}")
        st.button("Archive this goal", key=f"archive_{goal.id}", type="primary", on_click=_on_archive,
                  args=(user, goal.id, goal.version, True))


def _on_archive(user: User, goal_id: int, version: int, archive: bool) -> None:
    try:
        goals.set_archived(user, goal_id, version, archive)
    except GoalError as err:
        notices.leave(ARCHIVE, "error", str(err))
        return
    notices.leave(ARCHIVE, "success", "Goal archived." if archive else "Goal restored.")
