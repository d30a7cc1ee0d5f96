"""Meeting mode's forms: plan or edit a meeting, edit its agenda, start/end it, and record
decisions and action items (inline in the control room, in a dialog during the presentation).

Every write goes through queries.meetings; a refused input shows the domain message where it was
typed and keeps what the user entered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import streamlit as st

from components import format as fmt
from components.meeting_content import esc, section_title
from components.meeting_view import DIALOG, fail, flash, go, tz
from components.widgets import date_field, form_generation, icon_button, next_form, submission_key
from queries import meetings, submissions
from queries.access import User
from queries.meeting_rules import (MEETING_PRESETS, SECTIONS, ActionInput, AgendaItemInput,
                                   DecisionInput, MeetingError, MeetingInput, StaleMeeting, insert_at, meeting_time,
                                   minutes_problem, owner_key, planned_total, topic_title)
from queries.periods import local_today, zone

PRESET_LABELS = MEETING_PRESETS
NEW_KINDS = [k for k in SECTIONS if k != "open_actions"]


# --------------------------------------------------------------------------- plan / edit a meeting


def meeting_form(user: User, meeting: meetings.Meeting | None = None, *, key: str = "mtg_details") -> None:
    """Plan a new meeting (with the default agenda) or edit one's title, time, presenter and period."""
    zone_name = tz()
    presenters = meetings.presenter_choices()
    names = dict(zip(presenters["id"], presenters["name"]))
    if meeting is not None and meeting.presenter_user_id is not None and meeting.presenter_user_id not in names:
        names[meeting.presenter_user_id] = meeting.presenter or f"user {meeting.presenter_user_id}"
    local = (meeting.scheduled_at.astimezone(zone(zone_name)) if meeting else
             datetime.combine(local_today(zone_name) + timedelta(days=1), time(9, 0)))
    g = form_generation(key)
    with st.form(f"{key}_{g}", border=meeting is None):
        # no max_chars, here and below: a paste over the limit was thrown away without a word; the save
        # says how long the text is and what fits, and the text stays in the field
        title = st.text_input("Title", value=meeting.title if meeting else "Weekly sales & marketing alignment",
                              key=f"{key}_title_{g}")
        c1, c2 = st.columns(2)
        day = date_field(c1, "Date", value=local.date(), key=f"{key}_date_{g}")
        at = c2.time_input("Time", value=local.time().replace(second=0, microsecond=0), step=900, key=f"{key}_time_{g}")
        options = [None, *names]
        default = meeting.presenter_user_id if meeting else (user.id if user.id in names else None)
        presenter = st.selectbox("Presenter", options, index=options.index(default) if default in options else 0,
                                 format_func=lambda i: "Nobody in particular" if i is None else names[i],
                                 key=f"{key}_presenter_{g}",
                                 help="The agenda timer follows the presenter's screen.")
        presets = list(PRESET_LABELS)
        preset = st.selectbox("Numbers for", presets, format_func=PRESET_LABELS.get,
                              index=presets.index(meeting.period_preset if meeting else "this_quarter"),
                              key=f"{key}_preset_{g}",
                              help="The period every section reports on, counted from the day the numbers are "
                                   "shown (or frozen).")
        st.caption(f"Times are in the company time zone, {zone_name}.")
        submitted = st.form_submit_button("Save changes" if meeting else "Plan meeting", type="primary")
    if not submitted:
        return
    try:
        # a clock time the daylight-saving change skips is refused; one it repeats is the first (noted)
        when, twice = meeting_time(day, at, zone_name) if day and at else (None, None)
        data = MeetingInput(title, when, presenter, preset)
        note = f" {twice}" if twice else ""
        if meeting is None:
            try:
                new_id = meetings.create(user, data, submission=submission_key(key, g))
            except submissions.AlreadySubmitted:   # planned already (a double click): it is in the list
                new_id = None
            next_form(key, g)
            if new_id is not None:
                go(new_id)
            # the date as saved, in words: a date half typed into the field is not sent, and the
            # field's old one is saved (Known limits); the message is where that shows
            flash(f"Meeting planned for {when:%a %d %b %Y, %H:%M} with the standard agenda; adjust it under "
                  "“Edit the agenda”." + note + _same_time_note(when, new_id))
        else:
            meetings.update(user, meeting.id, data, meeting.version)
            flash(f"Meeting details saved: {when:%a %d %b %Y, %H:%M}.{note}" + _same_time_note(when, meeting.id))
        st.rerun()
    except MeetingError as err:
        st.error(str(err), icon=":material/error:")


def _same_time_note(when: datetime, meeting_id: int | None) -> str:
    """' Also planned then: “Board prep”.' when other meetings share the moment, else ''."""
    others = meetings.same_time(when, meeting_id)
    if not others:
        return ""
    return " Also planned then: " + ", ".join(f"“{fmt.md_text(t)}”" for t in others) + "."


def status_buttons(user: User, meeting: meetings.Meeting, item) -> None:
    """Start / end / cancel / re-open, as the meeting's status allows."""
    moves = {"planned": [("live", "Start meeting", ":material/play_circle:"),
                         ("cancelled", "Cancel meeting", ":material/event_busy:")],
             "live": [("done", "End meeting", ":material/stop_circle:")],
             "done": [("live", "Re-open", ":material/replay:")],
             "cancelled": [("planned", "Re-plan", ":material/event_repeat:")]}[meeting.status]
    for status, label, icon in moves:
        st.button(label, key=f"mtg_status_{status}", on_click=_set_status, args=(user, meeting, status, item.id),
                  icon=icon)


def _set_status(user: User, meeting: meetings.Meeting, status: str, item_id: int) -> None:
    try:
        meetings.set_status(user, meeting.id, status, meeting.version, current_item_id=item_id)
        flash({"live": "The meeting is live: the agenda timer follows the presenter.",
               "done": "Meeting ended. Its open actions will open the next meeting.",
               "cancelled": "Meeting cancelled.", "planned": "Meeting planned again."}[status])
    except MeetingError as err:
        fail(err)


# --------------------------------------------------------------------------- agenda editor


def _staged_key(meeting: meetings.Meeting) -> str:
    return f"mtg_agenda_{meeting.id}"


def _load(meeting: meetings.Meeting, items) -> list[dict]:
    rows = [{"uid": f"i{i.id}", "id": i.id, "kind": i.kind, "title": i.title, "minutes": i.planned_minutes}
            for i in items]
    st.session_state[_staged_key(meeting)] = {"version": meeting.version, "rows": rows, "next": 0}
    for r in rows:
        st.session_state[f"mtg_ag_min_{r['uid']}"] = r["minutes"]
        if r["kind"] == "topic":
            st.session_state[f"mtg_ag_title_{r['uid']}"] = r["title"] or ""
    return rows


def _move(key: str, index: int, delta: int) -> None:
    rows = st.session_state[key]["rows"]
    j = index + delta
    if 0 <= j < len(rows):
        rows[index], rows[j] = rows[j], rows[index]


def _remove(key: str, index: int) -> None:
    st.session_state[key]["rows"].pop(index)


ADD_ERROR = "mtg_ag_add_error"


def _add(key: str) -> None:
    """Stage the picked section or topic: before "Decisions and actions" when that is last (the
    meeting ends on its summary), else at the end. A topic's title is checked here with the save's
    words (a title too long was taken, and refused only at Save); the text stays in the field."""
    staged = st.session_state[key]
    st.session_state.pop(ADD_ERROR, None)
    kind = st.session_state.get("mtg_ag_new_kind")
    if kind is None:
        st.session_state[ADD_ERROR] = "Pick a section or “Topic” to add."
        return
    rows = staged["rows"]
    at = insert_at([r["kind"] for r in rows])
    title = None
    if kind == "topic":
        try:
            title = topic_title(st.session_state.get("mtg_ag_new_title"), at + 1)
        except MeetingError as err:
            st.session_state[ADD_ERROR] = str(err)
            return
    staged["next"] += 1
    uid = f"n{staged['next']}"
    rows.insert(at, {"uid": uid, "id": None, "kind": kind, "title": title,
                     "minutes": SECTIONS[kind].default_minutes})
    st.session_state[f"mtg_ag_min_{uid}"] = SECTIONS[kind].default_minutes
    if kind == "topic":
        st.session_state[f"mtg_ag_title_{uid}"] = title or ""
    st.session_state["mtg_ag_new_title"] = ""


def _discard(meeting_id: int) -> None:
    st.session_state.pop(f"mtg_agenda_{meeting_id}", None)
    st.session_state.pop(ADD_ERROR, None)


def agenda_editor(user: User, meeting: meetings.Meeting, items) -> None:
    """Sections, order and minutes; saved in one go (or discarded). "Open actions" always opens."""
    key = _staged_key(meeting)
    staged = st.session_state.get(key)
    if staged is None:
        rows = _load(meeting, items)
    else:
        rows = staged["rows"]
        if staged["version"] != meeting.version:
            st.warning("Someone changed this meeting since you started editing the agenda. Saving will be refused; "
                       "discard your changes to load theirs.", icon=":material/sync_problem:")
    for index, r in enumerate(rows):
        fixed = r["kind"] == "open_actions"
        c = st.columns([5, 2.2, 0.8, 0.8, 0.8], vertical_alignment="center")
        with c[0]:
            if r["kind"] == "topic":
                st.text_input("Topic", key=f"mtg_ag_title_{r['uid']}", label_visibility="collapsed",
                              placeholder="Topic title")
            else:
                st.markdown(f"{index + 1}. {esc(section_title(r['kind']))}" + (" *(always first)*" if fixed else ""))
        # a label of its own per row: a screen reader announced every field as just "Minutes". No
        # min/max: a number outside them was kept from the save without a word (clean_agenda says why)
        c[1].number_input(f"Minutes for item {index + 1}", step=1, key=f"mtg_ag_min_{r['uid']}",
                          label_visibility="collapsed")
        # icon-only, each named for its row ("Move item 3 up"), not after its icon
        icon_button(c[2], f"Move item {index + 1} up", key=f"mtg_ag_up_{r['uid']}", icon=":material/arrow_upward:",
                    on_click=_move, args=(key, index, -1), disabled=fixed or index <= 1, help="Move up")
        icon_button(c[3], f"Move item {index + 1} down", key=f"mtg_ag_down_{r['uid']}",
                    icon=":material/arrow_downward:", on_click=_move, args=(key, index, +1),
                    disabled=fixed or index == len(rows) - 1, help="Move down")
        icon_button(c[4], f"Remove item {index + 1}", key=f"mtg_ag_del_{r['uid']}", icon=":material/delete:",
                    on_click=_remove, args=(key, index), disabled=fixed, help="Remove")
    # the minutes as typed, each checked at once (the save refuses with the same words)
    shown = [st.session_state.get(f"mtg_ag_min_{r['uid']}", r["minutes"]) for r in rows]
    problems = [p for p in (minutes_problem(i, section_title(r["kind"], st.session_state.get(
        f"mtg_ag_title_{r['uid']}") if r["kind"] == "topic" else None), m)
        for i, (r, m) in enumerate(zip(rows, shown), start=1)) if p]
    for problem in problems:
        st.error(problem, icon=":material/error:")
    st.caption(f"{planned_total(shown)} minutes planned.")
    used = {r["kind"] for r in rows}
    addable = [k for k in NEW_KINDS if k == "topic" or k not in used]
    # the picker on a row of its own: beside the title field it was cut to "Add a se…" at 1280 px
    st.selectbox("Add", addable, format_func=lambda k: SECTIONS[k].title, key="mtg_ag_new_kind", index=None,
                 placeholder="Add a section or topic…")
    b, c = st.columns([2.6, 1.4], vertical_alignment="bottom")
    b.text_input("Topic title", key="mtg_ag_new_title", placeholder="Topic title (topics only)")
    c.button("Add", key="mtg_ag_add", on_click=_add, args=(key,), icon=":material/add:")
    if st.session_state.get(ADD_ERROR):
        st.error(st.session_state[ADD_ERROR], icon=":material/error:")
    save, discard = st.columns(2)
    if save.button("Save agenda", key="mtg_ag_save", type="primary", icon=":material/save:"):
        inputs = [AgendaItemInput(r["kind"], st.session_state.get(f"mtg_ag_min_{r['uid']}", r["minutes"]),
                                  st.session_state.get(f"mtg_ag_title_{r['uid']}") if r["kind"] == "topic" else None,
                                  r["id"]) for r in rows]
        try:
            meetings.save_agenda(user, meeting.id, inputs, staged["version"] if staged else meeting.version)
            _discard(meeting.id)
            flash("Agenda saved.")
            st.rerun()
        except StaleMeeting as err:
            st.error(str(err), icon=":material/sync_problem:")
        except MeetingError as err:
            st.error(str(err), icon=":material/error:")
    discard.button("Discard changes", key="mtg_ag_discard", on_click=_discard, args=(meeting.id,))


# --------------------------------------------------------------------------- decisions and actions


def _links(key: str, g: int):
    goals = meetings.goal_choices()
    criteria = meetings.criteria_choices()
    goal_names = dict(zip(goals["id"], goals["title"]))
    crit_names = {r.id: f"v{r.number}: {r.title}" for r in criteria.itertuples()}
    c1, c2 = st.columns(2)
    goal_id = c1.selectbox("Linked goal", [None, *goal_names], key=f"{key}_goal_{g}",
                           format_func=lambda i: "No goal" if i is None else goal_names[i])
    crit_id = c2.selectbox("Linked criteria version", [None, *crit_names], key=f"{key}_criteria_{g}",
                           format_func=lambda i: "No criteria version" if i is None else crit_names[i])
    return goal_id, crit_id


def _item_picker(items, item, key: str, g: int):
    ids = [i.id for i in items]
    labels = {i.id: f"{i.position}. {section_title(i.kind, i.title)}" for i in items}
    return st.selectbox("Agenda item", ids, index=ids.index(item.id) if item.id in ids else 0,
                        format_func=labels.get, key=f"{key}_item_{g}")


def decision_form(user: User, meeting: meetings.Meeting, items, item, *, key: str, in_dialog: bool = False) -> None:
    g = form_generation(key)
    with st.form(f"{key}_{g}", border=not in_dialog):
        if not in_dialog:
            st.markdown("**Decision**")
        body = st.text_area("Decision", key=f"{key}_body_{g}", height=100,
                            placeholder="What was decided, in one or two sentences")
        goal_id, crit_id = _links(key, g)
        item_id = _item_picker(items, item, key, g)
        submitted = st.form_submit_button("Record decision", type="primary", icon=":material/gavel:")
    if submitted:
        try:
            try:
                meetings.record_decision(user, meeting.id, DecisionInput(body, goal_id, crit_id, item_id),
                                         submission=submission_key(key, g))
            except submissions.AlreadySubmitted:
                pass   # this form was recorded already (a double click): once is what was meant
            next_form(key, g)
            flash("Decision recorded.")
            st.session_state.pop(DIALOG, None)
            st.rerun()
        except MeetingError as err:
            st.error(str(err), icon=":material/error:")


def _owner_options():
    frame = meetings.owner_choices()
    labels = {}
    for r in frame.itertuples():
        team = fmt.text_or(r.team)   # NULL (a user without a team) is NaN here, and NaN is truthy
        team = f" · {team}" if team else ""
        extra = " (no user account)" if r.kind == "r" else ""
        labels[owner_key(r.kind, r.id)] = f"{r.name}{team}{extra}"
    return labels


def action_form(user: User, meeting: meetings.Meeting, items, item, *, key: str, in_dialog: bool = False) -> None:
    g = form_generation(key)
    owners = _owner_options()
    today = local_today(tz())
    with st.form(f"{key}_{g}", border=not in_dialog):
        if not in_dialog:
            st.markdown("**Action item**")
        body = st.text_area("Action", key=f"{key}_body_{g}", height=100,
                            placeholder="Who does what — one concrete next step")
        c1, c2 = st.columns([3, 2])
        owner = c1.selectbox("Owner", list(owners), format_func=owners.get, index=None, key=f"{key}_owner_{g}",
                             placeholder="Who will do it?")
        due = date_field(c2, "Due date", value=today + timedelta(days=7), key=f"{key}_due_{g}")
        goal_id, crit_id = _links(key, g)
        item_id = _item_picker(items, item, key, g)
        submitted = st.form_submit_button("Record action", type="primary", icon=":material/assignment_add:")
    if submitted:
        try:
            try:
                meetings.record_action(user, meeting.id, ActionInput(body, owner, due if isinstance(due, date) else None,
                                                                     goal_id, crit_id, item_id), today=today,
                                       submission=submission_key(key, g))
            except submissions.AlreadySubmitted:
                pass   # recorded already (a double click)
            next_form(key, g)
            flash(f"Action item recorded, due {due:%a %d %b %Y}: it will open the next meeting until it is done.")
            st.session_state.pop(DIALOG, None)
            st.rerun()
        except MeetingError as err:
            st.error(str(err), icon=":material/error:")


def _close_dialog() -> None:
    st.session_state.pop(DIALOG, None)


@st.dialog("Record a decision", width="large", on_dismiss=_close_dialog)
def _decision_dialog(user, meeting, items, item):
    decision_form(user, meeting, items, item, key="mtg_dlg_decision", in_dialog=True)


@st.dialog("Record an action item", width="large", on_dismiss=_close_dialog)
def _action_dialog(user, meeting, items, item):
    action_form(user, meeting, items, item, key="mtg_dlg_action", in_dialog=True)


def record_dialog(user: User, meeting: meetings.Meeting, items, item) -> None:
    """The dialog the presenter opened with "Decision" or "Action item" (open until saved or dismissed)."""
    kind = st.session_state.get(DIALOG)
    if kind == "decision":
        _decision_dialog(user, meeting, items, item)
    elif kind == "action":
        _action_dialog(user, meeting, items, item)
