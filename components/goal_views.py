"""The goals page's two views: the list (filters, summary, cards) and one goal in full
(numbers, history chart, key results, check-ins, edit / archive, change history)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from components import format as fmt
from components import goal_card, goal_charts, goal_forms, notices
from components.widgets import chart, data_table, empty_state, kpi, row_button
from queries import dimensions, goals, settings
from queries.access import User
from queries.filters import Filters
from queries.goal_math import STATUSES
from queries.periods import Period, local_today

STATUS_KEY = "goal_status_filter"
ARCHIVED_KEY = "goal_show_archived"
#: how statuses sort in the list and the status filter
ORDER = ("off_track", "at_risk", "on_track", "too_early", "no_data", "not_started", "missed", "achieved")


def _order(status: str) -> int:
    return ORDER.index(status) if status in ORDER else len(ORDER)


def attention_rank(ev: goals.Evaluated, key_results: list[goals.Evaluated]) -> int:
    """Where an objective sorts among goals needing attention: by the worse of its own status and
    its key results' (:data:`ORDER`), so one on track with key results off track is not buried."""
    return min([_order(ev.progress.status)] + [_order(k.progress.status) for k in key_results])


# --------------------------------------------------------------------------- links


def _asked(text: str) -> str:
    """A link's own value, shortened and shown as typed (never as Markdown)."""
    return fmt.md_text(text if len(text) <= 24 else text[:23] + "…")


def link_note(route: goal_forms.Route, asked_goal: str | None, asked_parent: str | None,
              parent: goals.Goal | None) -> str | None:
    """What a goals link asks for that the page cannot open, in a sentence (None: nothing), as
    meeting mode says of ``?meeting=abc``: ``?goal=abc`` showed the list, and
    ``?goal=new&parent=999999`` an ordinary objective form, without a word. ``parent``: the goal
    ``route.parent_id`` names, as stored (None: none). (pure)"""
    if route.view == "list" and asked_goal:
        return (f"This link points to goal “{_asked(asked_goal)}”, which is not a goal number, so it shows the list "
                "of goals. Pick a goal below.")
    if route.view != "new" or not asked_parent:
        return None
    if route.parent_id is None:
        why = f"goal “{_asked(asked_parent)}”, which is not a goal number"
    elif parent is None:
        why = f"goal {route.parent_id}, which does not exist (any more)"
    elif parent.archived:
        why = f"“{fmt.md_text(parent.title)}”, which is archived"
    elif parent.parent_id is not None:
        why = f"“{fmt.md_text(parent.title)}”, which is itself a key result (key results have none of their own)"
    else:
        return None
    return (f"This link asks for a key result of {why}, so this form sets a new objective. Pick its objective "
            "under **Key result of** to make it a key result.")


# --------------------------------------------------------------------------- list


def goal_list(user: User, period: Period, filters: Filters) -> None:
    cur = settings.currency()
    tz = settings.company_timezone()
    today = local_today(tz)
    tools = st.columns([6, 2, 2], vertical_alignment="center")
    with tools[1]:
        show_archived = st.toggle("Show archived", key=ARCHIVED_KEY)
    with tools[2]:
        if user.can("goals.edit"):
            st.button("New goal", type="primary", icon=":material/add:", on_click=goal_forms.start_new,
                      width="stretch", key="goal_new")

    evs = goals.evaluated(period, team_ids=filters.team_ids, owner_ids=filters.owner_ids,
                          include_archived=show_archived)
    # statuses describe live goals: an archived goal (listed with "Show archived") is no longer at
    # risk or on track, so it is counted apart and a status filter leaves it out
    counts = pd.Series([e.progress.status for e in evs if not e.goal.archived], dtype="string").value_counts().to_dict()
    options = sorted(counts, key=_order)
    with tools[0]:
        # keyed by the options shown: another period with other statuses starts a fresh, empty filter
        chosen = st.pills("Status", options, selection_mode="multi", key=f"{STATUS_KEY}_{'-'.join(options)}",
                          label_visibility="collapsed",
                          format_func=lambda s: f"{STATUSES.get(s, s)} · {counts.get(s, 0)}") or []

    if not evs:
        who = " for these filters" if not filters.is_empty else ""
        hint = ("Use **New goal** to set one with the other team." if user.can("goals.edit")
                else "Team leads set shared goals; try another period.")
        empty_state(f"No shared goals overlap {period.describe()}{who}.", hint)
        return
    _summary(evs)
    shown = [e for e in evs if not chosen or (e.progress.status in chosen and not e.goal.archived)]
    if not shown:
        empty_state("No goals have the chosen status.", "Clear the status filter to see them all.")
        return

    by_parent: dict[int, list[goals.Evaluated]] = {}
    for e in evs:
        if e.goal.parent_id is not None:
            by_parent.setdefault(e.goal.parent_id, []).append(e)
    shown_ids = {e.goal.id for e in shown}
    tops = [e for e in shown if e.goal.parent_id is None or e.goal.parent_id not in shown_ids]
    tops.sort(key=lambda e: (e.goal.archived, e.goal.end < today,
                             attention_rank(e, by_parent.get(e.goal.id, []) if e.goal.parent_id is None else []),
                             e.goal.title))
    st.caption("Bars: filled = progress to the target (the black line); dotted = where an even pace would be "
               "today; ◇ = projected at the end of the period. Sparklines: the value recorded each day.")
    snaps = goals.snapshots([e.goal.id for e in evs])
    left, right = st.columns(2, gap="medium")
    for i, e in enumerate(tops):
        with (left if i % 2 == 0 else right):
            krs = sorted(by_parent.get(e.goal.id, []), key=lambda k: k.goal.title) if e.goal.parent_id is None else None
            goal_card.card(e, snaps, currency=cur, today=today, key=str(e.goal.id), on_open=goal_forms.open_goal,
                           key_results=krs)


def _summary(evs: list[goals.Evaluated]) -> None:
    """Counts by status: the running goals' statuses, and for ended goals achieved / missed; archived
    goals (shown with "Show archived") are counted apart, not in any status."""
    archived = sum(1 for e in evs if e.goal.archived)
    evs = [e for e in evs if not e.goal.archived]
    statuses = [e.progress.status for e in evs]
    krs = sum(1 for e in evs if e.goal.parent_id)
    tiles = [("Shared goals", fmt.number(len(evs)),
              f"{len(evs) - krs} objective{'s' if len(evs) - krs != 1 else ''} + {krs} key result{'s' if krs != 1 else ''}")]
    if any(not e.progress.ended for e in evs):
        tiles += [(STATUSES[s], fmt.number(statuses.count(s)), None) for s in ("on_track", "at_risk", "off_track")]
        other = sum(statuses.count(s) for s in ("too_early", "no_data", "not_started"))
        if other:
            tiles.append(("Not yet measurable", fmt.number(other), "too early, no data or not started"))
    ended = [e for e in evs if e.progress.ended]
    if ended:
        achieved = sum(1 for e in ended if e.progress.status == "achieved")
        tiles += [("Achieved", f"{achieved} of {len(ended)}", "ended goals"),
                  ("Missed", fmt.number(len(ended) - achieved), None)]
    if archived:
        tiles.append(("Archived", fmt.number(archived), "listed below, in no status"))
    for col, (label, value, caption) in zip(st.columns(len(tiles)), tiles):
        with col:
            kpi(label, value, good_when="neutral", caption=caption)


# --------------------------------------------------------------------------- one goal

RECORDED = ("each day's value is recorded once, after the day ends, and never recomputed: corrections to the data "
            "change the current value, not the history.")


def _days(first: date, last: date) -> str:
    return f"{first:%d %b}" if first == last else f"{first:%d %b}–{last:%d %b}"


def created_day(created_at: datetime | None, tz: str) -> date | None:
    """The local day a goal was created on."""
    return pd.Timestamp(created_at).tz_convert(tz).date() if created_at is not None else None


def history_caption(snapshots: pd.DataFrame, tz: str, created_at: datetime | None) -> str:
    """What the history chart's points are: recorded once after each day ended, or — the days before
    the goal was created, days nobody looked at — computed later, from the data as it was then (the
    dotted line). (pure)"""
    frame = snapshots.dropna(subset=["value"]).sort_values("snapshot_date")
    created = created_day(created_at, tz)
    late = goal_charts.filled_later(frame, tz, created)
    if not late.any():
        return "Daily values: " + RECORDED
    days = pd.to_datetime(frame.loc[late, "snapshot_date"]).dt.date
    computed = pd.to_datetime(frame.loc[late, "computed_at"], utc=True).dt.tz_convert(tz).dt.date
    runs = []   # (first day, last day, computed on), in date order: one per day they were computed on
    for on, group in days.groupby(computed, sort=False):
        runs.append((group.min(), group.max(), on))
    runs.sort()
    said = []
    for first, last, on in runs[:3]:
        span = f"up to {last:%d %b}" if first == frame["snapshot_date"].min().date() and not said else \
            f"for {_days(first, last)}"
        why = ", when the goal was created" if on == created else ""
        said.append(f"values {span} were computed on {on:%d %b}{why}")
    more = f"; {len(runs) - 3} more stretches of days were too" if len(runs) > 3 else ""
    dotted = f"Dotted (back-filled): {'; '.join(said)}{more}, from the data as it was then, not recorded day by day."
    return f"{dotted} {'Otherwise,' if late.all() else 'Solid:'} {RECORDED}"


def goal_detail(user: User, goal_id: int) -> None:
    cur = settings.currency()
    tz = settings.company_timezone()
    today = local_today(tz)
    st.button("All goals", icon=":material/arrow_back:", on_click=goal_forms.show_list, type="tertiary",
              key="goal_back")
    goal = goals.get(goal_id)
    if goal is None:
        empty_state("There is no goal with this link.", "It may have been mistyped; pick a goal from the list.")
        return
    goals.ensure_snapshots([goal], tz)
    ev = goals.evaluate_goal(goal, tz=tz)
    p = ev.progress

    head, status = st.columns([5, 2], vertical_alignment="bottom")
    with head:
        st.markdown(f"# {fmt.md_text(goal.title)}")   # the page's heading
    with status:
        st.markdown(goal_card.status_chip_html(p.status), unsafe_allow_html=True)
    if goal.parent_id is not None:
        st.button(f"Key result of: {fmt.md_text(goal.parent_title)}", icon=":material/north_west:", type="tertiary",
                  on_click=goal_forms.open_goal, args=(goal.parent_id,), key="goal_parent_link")
    dates = f"{goal.start:%d %b} – {goal.end:%d %b %Y}"
    label = goal.describe_period()
    meta = [label if label.replace(" ", "") == dates.replace(" ", "") or goal.period_kind == "custom"
            else f"{label} ({dates})", goal_card.measure_text(goal)]
    scope = goal_card.scope_text(goal)
    if scope:
        meta.append("Scope: " + scope)
    if goal.archived:
        meta.append(f"**Archived** {fmt.local_date(goal.archived_at, settings.company_timezone())}")
    st.caption(" · ".join(meta))
    st.markdown(f"Owners: {goal_card.owners_html(goal)}", unsafe_allow_html=True)
    if goal.why:
        st.markdown("\n".join(f"> {fmt.md_text(line)}  " for line in goal.why.splitlines()))

    cols = st.columns(5)
    with cols[0]:
        kpi("Now", goal_card.value_text(p.value, goal, cur), good_when="neutral",
            help="Computed from live data over the goal's period and scope." if goal.spec else
            "The value entered at the latest check-in.")
    with cols[1]:
        kpi("Target", goal_card.target_text(goal, cur), good_when="neutral")
    with cols[2]:
        kpi("Progress", fmt.attainment(min(p.attainment, 9.99)) if p.attainment is not None else fmt.DASH,
            good_when="neutral", help="Value ÷ target (target ÷ value when lower is better).")
    with cols[3]:
        kpi("Projected", goal_card.value_text(p.projected, goal, cur), good_when="neutral",
            help="The value expected at the end of the period. Running totals: the pace so far continued to "
                 "the end. Levels (rates, medians): the current value.")
    with cols[4]:
        if today < goal.start:   # not "0% gone · 38 days left" for a 17-day period starting in 22 days
            days = (goal.start - today).days
            kpi("Period gone", "Not started", good_when="neutral",
                caption=f"starts {goal.start:%d %b}, in {days} day{'s' if days != 1 else ''}")
        else:
            kpi("Period gone", fmt.pct(p.pace), good_when="neutral",
                caption=f"{max((goal.end - today).days, 0)} days left" if not p.ended else "ended")
    st.plotly_chart(goal_charts.progress_bar_chart(p, height=40), config=goal_charts.STATIC, key="goal_bar",
                    width="stretch")
    caption = goal_card.status_caption(ev)
    if caption:
        st.info(caption, icon=":material/record_voice_over:")

    snaps = goals.snapshots([goal.id])
    fig = goal_charts.history_chart(snaps, unit=goal.unit, target=goal.target, start=goal.start, end=goal.end,
                                    cumulative=goal.cumulative, lower_is_better=goal.lower_is_better, today=today,
                                    today_value=p.value, projected=p.projected if goal.cumulative else None,
                                    title="Progress over the period", currency=settings.currency(), tz=tz,
                                    created=created_day(goal.created_at, tz))
    chart(fig, key="goal_history")
    st.caption(history_caption(snaps, tz, goal.created_at))

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("#### Check-ins")
        goal_forms.checkin_form(user, goal, p.value)
        _checkin_history(goal, cur)
    with right:
        _key_results(user, goal, cur, tz)
        if user.can("goals.edit"):
            st.markdown("#### Manage")
            a, b = st.columns(2)
            with a:
                if not goal.archived:
                    st.button("Edit goal", icon=":material/edit:", on_click=goal_forms.start_edit, args=(goal.id,),
                              key="goal_edit", width="stretch")
            with b:
                goal_forms.archive_controls(user, goal)
            notices.show(goal_forms.ARCHIVE)   # across both columns, under the buttons
        with st.expander("Change history", icon=":material/history:"):
            _audit(goal)


def _checkin_history(goal: goals.Goal, cur: str) -> None:
    items = goals.checkins(goal.id)
    if not items:
        st.caption("No check-ins yet.")
        return
    for c in items:
        with st.container(border=True):
            value = f" · value {goal_card.value_text(c.value, goal, cur)}" if c.value is not None else ""
            st.markdown(f"{goal_card.badge(c.confidence)} **{fmt.md_text(c.author)}** · "
                        f"{fmt.local_date(c.created_at, settings.company_timezone())}{value}")
            st.markdown(fmt.md_lines(c.narrative))
            if c.blockers:
                st.markdown(f"**Blockers:** {fmt.md_lines(c.blockers)}")
            if c.needs:
                st.markdown(f"**Needs from the other team:** {fmt.md_lines(c.needs)}")


def _key_results(user: User, goal: goals.Goal, cur: str, tz: str) -> None:
    if goal.parent_id is not None:
        return
    krs = [k for k in goals.list_goals(None, include_archived=goal.archived) if k.parent_id == goal.id]
    st.markdown("#### Key results")
    if krs:
        for k in krs:
            e = goals.evaluate_goal(k, tz=tz)
            with st.container(border=True):
                goal_card.kr_line(e, cur)
                row_button(st, "Open", about=k.title, key=f"kr_open_{k.id}", on_click=goal_forms.open_goal,
                           args=(k.id,), type="tertiary", icon=":material/open_in_full:")
    else:
        st.caption("No key results: this objective is measured by its own number.")
    if user.can("goals.edit") and not goal.archived:
        st.button("Add key result", icon=":material/add:", on_click=goal_forms.start_new, args=(goal.id,),
                  key="goal_add_kr")


def _audit(goal: goals.Goal) -> None:
    trail = goals.history(goal.id)
    if trail.empty:
        st.caption("No changes recorded.")
        return
    rows = [{"When": r.at, "Who": fmt.text_or(r.actor, "system"), "What": _describe_change(r.action, r.old, r.new, goal)}
            for r in trail.itertuples()]
    data_table(pd.DataFrame(rows), column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})


_FIELDS = {"title": "title", "why": "why it matters", "period_kind": "period", "start_date": "start",
           "end_date": "end", "metric": "measure", "unit": "unit", "unit_label": "unit label", "target": "target",
           "lower_is_better": "lower is better", "cumulative": "running total", "parent_id": "objective",
           "scope_team_ids": "team scope", "scope_sources": "source scope", "scope_industries": "industry scope",
           "scope_countries": "country scope", "scope_tiers": "tier scope", "owner_rep_ids": "owners"}


def _value(key: str, value, goal: goals.Goal) -> str:
    if value in (None, [], ""):
        return fmt.DASH
    if key == "owner_rep_ids":
        reps = dimensions.reps()
        names = dict(zip(reps["id"], reps["full_name"]))
        return ", ".join(str(names.get(v, f"#{v}")) for v in value)
    if key == "target":
        return goal_card.value_text(float(value), goal, settings.currency())
    if key == "metric":
        return goals.METRICS[value].label if value in goals.METRICS else str(value)
    if key == "scope_countries":
        return fmt.countries(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _describe_change(action: str, old, new, goal: goals.Goal) -> str:
    old, new = old or {}, new or {}
    if action == "goal.create":
        return "Created the goal"
    if action == "goal.checkin":
        return f"Checked in: {STATUSES.get(new.get('confidence'), '')}"
    if action == "goal.archive":
        return "Archived" + (" with its objective" if new.get("with_objective") else "")
    if action == "goal.restore":
        return "Restored"
    parts = [f"{_FIELDS.get(k, k)}: {_value(k, old.get(k), goal)} → {_value(k, new.get(k), goal)}"
             for k in sorted(set(old) | set(new))]
    return "; ".join(parts) or "Saved without changes"
