"""The admin's user management: users table, add and edit forms, password reset, the audit log.

Form handlers run as callbacks (before the script reruns), so a saved form can be cleared and
re-loaded from the database, while a refused one keeps everything the admin typed, with the
reason shown above it. Widget state lives under one prefix per form (``au_`` for the add form,
``ue<id>_`` for the edit form of user <id>).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components.widgets import data_table, date_field, empty_state, records_table
from queries import audit, dimensions, goals, settings, sign_in_policy, users
from queries.access import ROLES, User
from queries.periods import zone
from queries.users import StaleEdit, UserError, UserInput

ROLE_OPTIONS = list(ROLES)
NONE_LABEL = "— none —"
SYSTEM_ACTOR = -1  # "made by": changes without a signed-in user (command line, demo seeding)
PASSWORD_HELP = (f"At least {users.MIN_PASSWORD_CHARS} characters and at most {users.MAX_PASSWORD_BYTES} bytes "
                 "(accented letters and emoji count 2–4 bytes each); not the username.")
EDIT_FIELDS = ("name", "email", "roles", "team", "rep", "active")
ADD_DEFAULTS = {"username": "", "name": "", "email": "", "roles": [], "team": None, "rep": None, "pw1": "", "pw2": ""}


def role_label(role: str) -> str:
    return ROLES.get(role, role)


# --------------------------------------------------------------------------- messages


def _flash(slot: str, kind: str, text: str, *notes: str) -> None:
    """A message for the next run, with ``notes`` (warnings: saved, but something the user will miss),
    shown under the form's button (components.notices)."""
    notices.leave(f"admin_{slot}", kind, text, *notes)


def _show_flash(slot: str) -> None:
    notices.show(f"admin_{slot}")


def setup_notes(data: UserInput) -> list[str]:
    """What a saved user will miss for want of a rep record or a team (a rep without a rep record
    saw only "not linked" notices, and nobody told the admin who set them up)."""
    notes = []
    reps = [ROLES[r] for r in ("sdr", "ae") if r in data.roles]
    if reps and data.rep_id is None and data.active:
        notes.append(f"No rep record is linked: as {' and '.join(reps)} they see no hand-offs, SLA or ratings "
                     "of their own until one is (the rep they are in the CRM data).")
    if "sales_lead" in data.roles and data.team_id is None and data.active:
        notes.append("No team is set: as Sales lead they have no “My team” view of hand-offs and cannot decide "
                     "on their team's leads until one is.")
    if data.rep_id is not None and data.team_id is not None:
        reps = dimensions.reps()
        rep = reps[reps["id"] == data.rep_id]
        if not rep.empty and int(rep.iloc[0]["team_id"]) != int(data.team_id):
            notes.append(f"Their rep record is on {rep.iloc[0]['team_name']}, but the user is set on another team: "
                         "the leads handed to them follow the rep record, while “My team” views and the side they "
                         "speak for follow the user's team. Usually both are the same team.")
    return notes


# --------------------------------------------------------------------------- lookups


def _team_names(teams: pd.DataFrame) -> dict:
    return {int(r.id): str(r.name) for r in teams.itertuples()}


def _calendar_names() -> dict:
    from queries import sla

    return {int(r.id): str(r.name) for r in sla.calendars_frame().itertuples()}


def _rep_names(reps: pd.DataFrame) -> dict:
    return {int(r.id): str(r.full_name) for r in reps.itertuples()}


def _rep_labels(reps: pd.DataFrame, people: pd.DataFrame, for_user: int | None = None) -> dict:
    """'Full name · Team · title', marked when another user already is that rep."""
    linked = {int(r.rep_id): str(r.username) for r in people.itertuples()
              if pd.notna(r.rep_id) and (for_user is None or int(r.id) != for_user)}
    labels = {}
    for r in reps.itertuples():
        text = " · ".join(str(x) for x in (r.full_name, r.team_name, r.title) if isinstance(x, str) and x)
        if not r.active:
            text += " (inactive rep)"
        if int(r.id) in linked:
            text += f" — already @{linked[int(r.id)]}"
        labels[int(r.id)] = text
    return labels


def _user_label(row) -> str:
    return f"{row.display_name} (@{row.username})" + ("" if row.active else " — deactivated")


def _local(ts, tz: str):
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert(tz)


def _none_or_int(value):
    return None if value is None or pd.isna(value) else int(value)


# --------------------------------------------------------------------------- users table


#: The users table's columns on screen, in widths that add up to less than the page on a 1366 px
#: screen (~900 px; all nine columns scrolled sideways there), and the expander's under it.
USERS_SHOWN = ["Name", "Username", "Roles", "Team", "Rep record", "Status"]
USERS_DETAIL = ["Name", "Username", "E-mail", "Password changed", "Last change"]
USERS_CONFIG = {
    "Name": st.column_config.TextColumn(width=140), "Username": st.column_config.TextColumn(width=120),
    "Roles": st.column_config.TextColumn(width=150), "Team": st.column_config.TextColumn(width=130),
    "Rep record": st.column_config.TextColumn(width=140),
    "Status": st.column_config.TextColumn(width=180, help="Sign-in paused after failed passwords: until when "
                                                          "(the notice above the table says more)"),
    "E-mail": st.column_config.TextColumn(width=280),
    "Password changed": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm", width=150),
    "Last change": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm", width=150),
}


def users_table(people: pd.DataFrame) -> None:
    if people.empty:
        empty_state("There are no users yet.", "Add the first one in the “Add a user” tab.")
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    search = left.text_input("Find", key="admin_search", placeholder="Name, username or e-mail",
                             label_visibility="collapsed")
    show_inactive = right.toggle("Show deactivated", value=True, key="admin_show_inactive")
    frame = people
    if not show_inactive:
        frame = frame[frame["active"]]
    needle = (search or "").strip().lower()
    if needle:
        hay = (frame["display_name"].str.lower() + " " + frame["username"] + " " + frame["email"].str.lower())
        frame = frame[hay.str.contains(needle, regex=False)]
    if frame.empty:
        empty_state("No user matches.", "Clear the search, or switch on “Show deactivated”.")
        return
    tz = settings.company_timezone()
    _paused_notice(people, tz)
    view = pd.DataFrame({
        "Name": frame["display_name"],
        "Username": frame["username"],
        "E-mail": frame["email"],
        "Roles": frame["roles"].map(lambda rs: ", ".join(role_label(r) for r in ROLE_OPTIONS if r in rs)),
        "Team": frame["team_name"].fillna(fmt.DASH),
        "Rep record": frame["rep_name"].fillna(fmt.DASH),
        "Status": [("Active" if active else "Deactivated") + _paused_text(until, tz, " · paused until ")
                   for active, until in zip(frame["active"], frame["sign_in_paused_until"])],
        "Password changed": frame["password_changed_at"].map(lambda t: _local(t, tz)),
        "Last change": frame["updated_at"].map(lambda t: _local(t, tz)),
    })
    active = int(people["active"].sum())
    st.caption(f"{active} active · {len(people) - active} deactivated · times in {tz}")
    # who signs in as what on screen, e-mail and the two dates in an expander, every column in the CSV
    records_table(view[USERS_SHOWN], title="users", key="admin_users", csv=view, column_config=USERS_CONFIG)
    with st.expander("E-mail, password changed and last change"):
        data_table(view[USERS_DETAIL], column_config=USERS_CONFIG)


def _paused_text(until, tz: str, prefix: str) -> str:
    """``prefix`` + the local time password sign-in opens again, or "" when it is not paused."""
    local = _local(until, tz)
    return "" if local is None else f"{prefix}{local:%H:%M}"


def _paused_notice(people: pd.DataFrame, tz: str) -> None:
    """Which accounts have password sign-in paused after too many failed attempts, and until when."""
    paused = people[people["sign_in_paused_until"].notna()]
    if paused.empty:
        return
    who = ", ".join(f"@{r.username}{_paused_text(r.sign_in_paused_until, tz, ' until ')}"
                    for r in paused.itertuples())
    minutes = int(sign_in_policy.WINDOW.total_seconds() // 60)
    st.warning(f"**Password sign-in paused** after {sign_in_policy.MAX_FAILURES} failed attempts within {minutes} "
               f"minutes: {who} ({tz}). It opens again by itself then; resetting the password (Edit a user, "
               "below) opens it at once. Sessions already signed in, and sign-in cookies, are not affected.",
               icon=":material/lock_clock:")


def paused_clients_notice(clients: pd.DataFrame, shown: int = 10) -> None:
    """Which clients (network addresses) password sign-in is paused from after too many failed attempts
    across usernames (``users.paused_clients``), and until when; nothing when none is."""
    if clients.empty:
        return
    tz = settings.company_timezone()
    listed = [f"{r.client}{_paused_text(r.paused_until, tz, ' until ')}" for r in clients.head(shown).itertuples()]
    more = f" and {len(clients) - shown} more" if len(clients) > shown else ""
    minutes = int(sign_in_policy.WINDOW.total_seconds() // 60)
    count = f"{len(clients)} network{'s' if len(clients) != 1 else ''}"
    st.warning(f"**Password sign-in paused from {count}** after {sign_in_policy.CLIENT_MAX_FAILURES} failed "
               f"attempts across usernames within {minutes} minutes: {', '.join(listed)}{more} ({tz}). Every "
               "username is refused from there until then (usually someone trying one password on many "
               "usernames; many people behind one office address can reach it too). Sessions already signed "
               "in, and sign-in cookies, are not affected.", icon=":material/lock_clock:")


# --------------------------------------------------------------------------- add a user


def _add(actor: User) -> None:
    ss = st.session_state
    try:
        problems = []
        try:
            data = UserInput(ss["au_username"], ss["au_name"], ss["au_email"], list(ss["au_roles"]),
                             ss["au_team"], ss["au_rep"]).cleaned()
        except UserError as err:
            problems += [line.removeprefix("- ") for line in str(err).splitlines()]
        try:   # the password's problems in the same message as the other fields'
            users.check_new_password(ss["au_pw1"], ss["au_pw2"], (ss["au_username"] or "").strip().lower())
        except UserError as err:
            problems += [line.removeprefix("- ") for line in str(err).splitlines()]
        if problems:
            raise UserError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
        users.create(actor, data, ss["au_pw1"])
    except UserError as err:
        _flash("add", "error", str(err))
        return
    for key, value in ADD_DEFAULTS.items():
        ss[f"au_{key}"] = value
    _flash("add", "success", f"Added {fmt.md_text(' '.join(data.display_name.split()))} (@{data.username}). They can "
                             "sign in now with the password you set; tell them through a safe channel.",
           *setup_notes(data))


def add_user_form(actor: User, people: pd.DataFrame, teams: pd.DataFrame, reps: pd.DataFrame) -> None:
    for key, value in ADD_DEFAULTS.items():
        st.session_state.setdefault(f"au_{key}", value)
    team_names = _team_names(teams)
    rep_labels = _rep_labels(reps, people)
    if teams.empty or reps.empty:   # a new install before its CRM sync
        st.info(f"No {'teams' if teams.empty else 'reps'} yet: teams and the reps in them come from your CRM sync "
                "(the `team` and `rep` tables, docs/data-model.md). Add team leads and reps once they are there, "
                "or now without a team and link them later.", icon=":material/info:")
    with st.form("add_user", border=True):
        left, right = st.columns(2)
        # no max_chars on names: a paste past the limit was thrown away without a word; the save says why
        left.text_input("Username", key="au_username",
                        help="2–32 characters: lower-case letters, digits, '.', '_' or '-'. Cannot be changed later.")
        right.text_input("Name", key="au_name", help="As shown in the app.")
        left.text_input("E-mail", key="au_email")
        right.multiselect("Roles", ROLE_OPTIONS, format_func=role_label, key="au_roles",
                          help="What the user sees and may do; several are allowed.")
        left.selectbox("Team", [None, *team_names], format_func=lambda t: NONE_LABEL if t is None else team_names[t],
                       key="au_team")
        right.selectbox("Rep record", [None, *rep_labels],
                        format_func=lambda r: NONE_LABEL if r is None else rep_labels[r], key="au_rep",
                        help="The rep this user is in the data (their hand-offs, SLA and pipeline).")
        left.text_input("Password", type="password", key="au_pw1", help=PASSWORD_HELP)
        right.text_input("Password again", type="password", key="au_pw2")
        st.form_submit_button("Add user", type="primary", icon=":material/person_add:", on_click=_add, args=(actor,))
        _show_flash("add")


# --------------------------------------------------------------------------- edit a user


def _edit_values(row) -> dict:
    return {"name": row.display_name, "email": row.email, "roles": [r for r in ROLE_OPTIONS if r in row.roles],
            "team": _none_or_int(row.team_id), "rep": _none_or_int(row.rep_id), "active": bool(row.active)}


def _load_edit(prefix: str, row) -> None:
    """Fill the edit form from the database row, and remember the version it had."""
    ss = st.session_state
    values = _edit_values(row)
    for field in EDIT_FIELDS:
        ss[prefix + field] = values[field]
    ss[prefix + "version"] = int(row.version)
    ss[prefix + "loaded"] = values
    ss[prefix + "stale"] = False


def _save_edit(actor: User, user_id: int, username: str, prefix: str) -> None:
    ss = st.session_state
    data = UserInput(username, ss[prefix + "name"], ss[prefix + "email"], list(ss[prefix + "roles"]),
                     ss[prefix + "team"], ss[prefix + "rep"], bool(ss[prefix + "active"]))
    try:
        users.update(actor, user_id, data, ss[prefix + "version"])
    except StaleEdit as err:
        ss[prefix + "stale"] = True
        _flash(prefix, "error", str(err))
        return
    except UserError as err:
        _flash(prefix, "error", str(err))
        return
    for field in EDIT_FIELDS:  # re-load from the database (new version) on the next run
        ss.pop(prefix + field, None)
    state = "" if data.active else " They can no longer sign in."
    _flash(prefix, "success", f"Saved the changes to @{username}.{state}", *setup_notes(data))


def _discard_edit(prefix: str) -> None:
    for field in EDIT_FIELDS:
        st.session_state.pop(prefix + field, None)


def _reset_password(actor: User, user_id: int, username: str, prefix: str) -> None:
    ss = st.session_state
    try:
        users.check_new_password(ss[prefix + "pw1"], ss[prefix + "pw2"], username)
        new_version = users.reset_password(actor, user_id, username, ss[prefix + "pw1"])
    except UserError as err:
        _flash(prefix + "pw", "error", str(err))
        return
    if user_id == actor.id:   # their own: every other session of theirs ends, not this one
        from components import auth

        auth.password_changed_here(username)
    ss[prefix + "pw1"] = ss[prefix + "pw2"] = ""
    if ss.get(prefix + "version") == new_version - 1:  # only our own reset changed the row since loading
        ss[prefix + "version"] = new_version
    if user_id == actor.id:
        _flash(prefix + "pw", "success", "Your new password is set. Your other sessions are signed out; this one "
                                         "stays signed in.")
    else:
        _flash(prefix + "pw", "success", f"New password set for @{username}. Their old password no longer works and "
                                         "any session they have open is signed out; tell them the new one through a "
                                         "safe channel.")


def edit_user(actor: User, people: pd.DataFrame, teams: pd.DataFrame, reps: pd.DataFrame) -> None:
    st.markdown("#### Edit a user")
    if people.empty:
        return
    rows = {int(r.id): r for r in people.itertuples()}
    user_id = st.selectbox("User", list(rows), format_func=lambda i: _user_label(rows[i]), index=None,
                           placeholder="Choose a user to edit roles, team, rep record, status or password",
                           key="admin_edit_user")
    if user_id is None:
        return
    row = rows[user_id]
    prefix = f"ue{user_id}_"
    if prefix + "name" not in st.session_state:  # first time (or after a save/discard): load it
        _load_edit(prefix, row)
    team_names = _team_names(teams)
    rep_labels = _rep_labels(reps, people, for_user=user_id)
    tz = settings.company_timezone()

    if st.session_state.get(prefix + "stale"):
        since = audit.describe_change(st.session_state[prefix + "loaded"], _edit_values(row),
                                      names={"team": team_names, "rep": _rep_names(reps)})
        st.warning(f"Saved now: {since}. Your edits are still in the form below; “Load the current values” "
                   "discards them.", icon=":material/sync_problem:")
        st.button("Load the current values", key=prefix + "reload", on_click=_discard_edit, args=(prefix,),
                  icon=":material/refresh:")

    with st.form(prefix + "form", border=True):
        st.caption(f"@{row.username} · created {_local(row.created_at, tz):%d %b %Y} · "
                   f"password changed {_local(row.password_changed_at, tz):%d %b %Y, %H:%M} ({tz})"
                   + _paused_text(row.sign_in_paused_until, tz,
                                  " · password sign-in paused after too many failed attempts until ")
                   + (" (a password reset lifts the pause)" if _local(row.sign_in_paused_until, tz) else ""))
        left, right = st.columns(2)
        # a name stored before the limit existed must still fit (and be shortened on saving)
        left.text_input("Name", key=prefix + "name")
        right.text_input("E-mail", key=prefix + "email")
        st.multiselect("Roles", ROLE_OPTIONS, format_func=role_label, key=prefix + "roles")
        left, right = st.columns(2)
        left.selectbox("Team", [None, *team_names], format_func=lambda t: NONE_LABEL if t is None else team_names[t],
                       key=prefix + "team")
        right.selectbox("Rep record", [None, *rep_labels],
                        format_func=lambda r: NONE_LABEL if r is None else rep_labels[r], key=prefix + "rep")
        st.checkbox("Active: can sign in", key=prefix + "active",
                    help="Deactivated users cannot sign in (their open sessions end within a minute); "
                         "everything they recorded stays.")
        st.form_submit_button("Save changes", type="primary", icon=":material/save:", on_click=_save_edit,
                              args=(actor, user_id, row.username, prefix))
        _show_flash(prefix)

    st.markdown("##### Reset the password")
    with st.form(prefix + "pwform", border=True):
        left, right = st.columns(2)
        left.text_input("New password", type="password", key=prefix + "pw1", help=PASSWORD_HELP)
        right.text_input("New password again", type="password", key=prefix + "pw2")
        st.form_submit_button("Reset password", icon=":material/key:", on_click=_reset_password,
                              args=(actor, user_id, row.username, prefix))
        _show_flash(prefix + "pw")


# --------------------------------------------------------------------------- audit log


def _percent_keys(entity, entity_id, old, new, percent_goals: set[str]) -> tuple[str, ...]:
    """A percent goal's target and check-in values are stored as fractions (0.67): shown as 67%."""
    units = {d.get("unit") for d in (old, new) if isinstance(d, dict)}
    if entity == "goal" and ("percent" in units or str(entity_id) in percent_goals):
        return ("target", "value")
    return ()


def audit_log(people: pd.DataFrame, teams: pd.DataFrame, reps: pd.DataFrame) -> None:
    rows = {int(r.id): r for r in people.itertuples()}
    about_col, by_col, until_col, limit_col = st.columns([2, 2, 1.3, 1])
    about = about_col.selectbox("About user", [None, *rows], key="audit_about",
                                format_func=lambda i: "Any user or record" if i is None else _user_label(rows[i]))
    actor = by_col.selectbox("Made by", [None, SYSTEM_ACTOR, *rows], key="audit_actor",
                             format_func=lambda i: "Anyone" if i is None else
                             "The system (command line, demo data, sign-in pauses)" if i == SYSTEM_ACTOR
                             else _user_label(rows[i]))
    limit = limit_col.selectbox("Show", [50, 200, 1000], index=1, key="audit_limit",
                                format_func=lambda n: f"latest {n}")
    tz = settings.company_timezone()
    until = date_field(until_col, "Up to and including", value=None, key="audit_until",
                       help="Reach back past the latest entries: those made on or before this day.")
    before = None if until is None else datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone(tz))
    frame = audit.search(about_user_id=about, actor_user_id=None if actor in (None, SYSTEM_ACTOR) else actor,
                         system_only=actor == SYSTEM_ACTOR, limit=limit, before=before)
    if frame.empty:
        empty_state("No changes recorded for this filter.",
                    "Every change made in Alignboard (users, goals, criteria, SLA policies, hand-off decisions) "
                    "appears here with who made it and when.")
        return
    rep_names = _rep_names(reps)
    all_goals = goals.list_goals(None, include_archived=True)
    percent_goals = {str(g.id) for g in all_goals if g.unit == "percent"}
    team_names = _team_names(teams)
    user_names = {int(r.id): f"{r.display_name} (@{r.username})" for r in people.itertuples()}
    goal_titles = {g.id: g.title for g in all_goals}
    # ids in an entry named as people read them (a goal's scope read 'scope team ids: 3, 4', a
    # meeting's presenter 'presenter user id: 7', an action's owner 'owner: u:12')
    names = {"team_id": team_names, "rep_id": rep_names, "owner_rep_ids": rep_names, "owner_id": rep_names,
             "owner_rep_id": rep_names, "scope_team_ids": team_names,
             "parent_id": goal_titles, "goal_id": goal_titles,
             "presenter_user_id": user_names, "owner_user_id": user_names,
             "owner": {**{f"u:{i}": n for i, n in user_names.items()}, **{f"r:{i}": n for i, n in rep_names.items()}},
             "calendar_id": _calendar_names(),
             "campaign_id": {int(r.id): str(r.name) for r in dimensions.campaigns().itertuples()},
             "metric": {key: spec.label for key, spec in goals.METRICS.items()}}
    view = pd.DataFrame({
        "When": frame["at"].map(lambda t: _local(t, tz)),
        "Who": [f"{n} (@{u})" if isinstance(u, str) else "The system" for n, u in
                zip(frame["actor_name"], frame["actor_username"])],
        "What": frame["action"].map(audit.action_label),
        "About": [audit.subject_text(e, i, s, o, n, t) for e, i, s, o, n, t in
                  zip(frame["entity"], frame["entity_id"], frame["subject_username"], frame["old"], frame["new"],
                      frame["entity_title"])],
        "Change (old → new)": [audit.describe_change(o, n, names, _percent_keys(e, i, o, n, percent_goals))
                               for e, i, o, n in zip(frame["entity"], frame["entity_id"], frame["old"], frame["new"])],
    })
    st.caption(f"{len(view)} most recent entries{f' up to {until:%d %b %Y}' if until else ''}, newest first · "
               f"times in {tz}" + (" · pick an earlier day to see older ones" if len(view) == limit else ""))
    # the change is what the reader came for: it gets the room, the others a fixed width (at 1366 px
    # a long record title pushed it out of sight, behind a sideways scroll)
    data_table(view, column_config={
        "When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss", width=150),
        "Who": st.column_config.TextColumn(width=190),
        "What": st.column_config.TextColumn(width=170),
        "About": st.column_config.TextColumn(width=220),
        "Change (old → new)": st.column_config.TextColumn(width="large"),
    })
