"""Forms of the SLA policies page: policies (versioned), the business calendar (hours, holidays),
the two-sided commitment, and a preview. Each form writes through one ``queries.sla`` function in
a callback, shows its message on the next run under its own button (components.notices), and keeps
the user's input when a save fails."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components.widgets import data_table, date_field, empty_state, form_generation, next_form, submission_key, table_height
from queries import dimensions, sla, submissions
from queries.access import User
from queries.business_hours import WEEKDAY_NAMES, country_of_zone, describe_window, format_hhmm
from queries.periods import quarter_start, zone

NEW = "__new__"
#: The notice slots (components.notices) of the page's forms; the calendar ones end in the calendar's id.
POLICY, HOURS, HOLIDAY, IMPORT, CALENDAR, NEW_CALENDAR, COMMITMENT = (
    "slapol_policy", "slapol_hours_", "slapol_holiday_", "slapol_import_", "slapol_calendar_", "slapol_newcal",
    "slapol_commitment")
UNITS = {"minutes": 1, "hours": 60}
#: How a window is counted, as the form's radios name it.
BASES = ["business hours", "wall-clock time"]


# --------------------------------------------------------------------------- messages


def flash(slot: str, kind: str, text: str) -> None:
    """A message for the next run, shown by the form ``slot`` under its button (components.notices)."""
    notices.leave(slot, kind, text)


def _remeasured(n: int) -> str:
    return f" {fmt.number(n)} hand-off{'s' if n != 1 else ''} re-measured." if n else " No hand-off needed re-measuring."


def _guard(slot, fn, success, on_stale=None, already: str | None = None) -> bool:
    """Run a write; leave its success message or the domain error (never a traceback) for the form
    ``slot``. True when it was saved. ``on_stale(message)``: what to do instead when someone else
    saved meanwhile. ``already``: what to say when the form was saved already (a double click's
    second submission, which saves nothing: queries.submissions) -- the first one's message, with
    its numbers, may not have been drawn, so this one stands in for it."""
    try:
        result = fn()
    except submissions.AlreadySubmitted:
        flash(slot, "success", already or "Saved.")
        return True
    except sla.StaleEdit as err:
        if on_stale is None:
            flash(slot, "error", str(err))
        else:
            on_stale(str(err))
        return False
    except sla.SlaError as err:
        flash(slot, "error", str(err))
        return False
    flash(slot, "success", success(result))
    return True


def split_minutes(minutes: int) -> tuple[float, str]:
    """240 → (4, 'hours'); 30 → (30, 'minutes')."""
    return (minutes / 60, "hours") if minutes % 60 == 0 else (minutes, "minutes")


# --------------------------------------------------------------------------- policies


def policies_in_force(versions: pd.DataFrame, tz: str, fallback: str, can_edit: bool) -> None:
    """Today's policies in the order they are tried, what a lead none of them matches gets
    (``fallback``: sla.definitions_summary), and the changes already scheduled."""
    live = versions[versions["in_force"]]
    if live.empty:
        empty_state(fallback, "Add a default policy below, then more specific ones for strategic leads."
                    if can_edit else None)
    else:
        _policy_table(live, tz)
        st.caption(fallback)
    scheduled = sla.scheduled_changes(versions, datetime.now(tz=zone(tz)), tz)
    if scheduled:
        st.info("**Scheduled changes** (" + ("the table above is" if not live.empty else "the company defaults are")
                + " what applies today):\n" + "\n".join(f"- {fmt.md_text(line)}" for line in scheduled),
                icon=":material/event_upcoming:")


def _policy_table(live: pd.DataFrame, tz: str) -> None:
    cals = {cid: sla.calendar(int(cid)) for cid in live["calendar_id"].dropna().unique()}
    # what a reader compares first (whom each applies to, its two windows) left of what is bookkeeping
    # (hand-offs, since, version): "Decide within" was cut at 1366 px behind them
    shown = pd.DataFrame({
        "Rank": ["default" if d else str(r) for d, r in zip(live["is_default"], live["rank"])],
        "Policy": live["name"],
        "Applies to": [sla.applies_to(r) for _, r in live.iterrows()],
        "First touch within": [sla.describe_policy_window(m, b, cals.get(c)) for m, b, c in
                               zip(live["first_touch_minutes"], live["first_touch_business"], live["calendar_id"])],
        "Decide within": [sla.describe_policy_window(m, b, cals.get(c)) for m, b, c in
                          zip(live["decision_minutes"], live["decision_business"], live["calendar_id"])],
        "Hand-offs": live["handoffs"],
        "Since": [t.tz_convert(tz).strftime("%d %b %Y") for t in live["effective_at"]],
        "Version": live["version"],
    })
    data_table(shown, column_config={"Hand-offs": st.column_config.NumberColumn(format="localized"),
                                     "Applies to": st.column_config.TextColumn(width="medium")})
    st.caption("Policies are tried from the top; the first whose conditions all match the lead wins. Each hand-off "
               "keeps the version in force when it was handed off.")


def version_history(versions: pd.DataFrame, tz: str) -> None:
    shown = pd.DataFrame({
        "Policy": versions["name"], "Version": versions["version"],
        "From": [t.tz_convert(tz).strftime("%d %b %Y") for t in versions["effective_at"]],
        "Until": [t.tz_convert(tz).strftime("%d %b %Y") if pd.notna(t) else "" for t in versions["superseded_at"]],
        "State": ["replaced before it took effect" if sla.never_applied(v) else
                  "retired" if v.retired else "in force" if v.in_force else
                  "superseded" if pd.notna(v.superseded_at) else "scheduled" for v in versions.itertuples()],
        "First touch": [describe_window(m, b) for m, b in zip(versions["first_touch_minutes"],
                                                               versions["first_touch_business"])],
        "Decision": [describe_window(m, b) for m, b in zip(versions["decision_minutes"], versions["decision_business"])],
        "By": versions["created_by"].fillna("demo data"), "Note": versions["note"].fillna(""),
    }).sort_values(["Policy", "Version"])
    data_table(shown)


def policy_form(user: User, versions: pd.DataFrame, tz: str) -> None:
    latest = versions.sort_values("version").groupby("code").tail(1)
    current = latest[~latest["retired"]].sort_values(["is_default", "rank", "name"])
    choices = [NEW] + list(current["code"])
    names = dict(zip(current["code"], current["name"] + " (v" + current["version"].astype(str) + ")"))
    names[NEW] = "New policy…"
    code = st.selectbox("Policy to change", choices, format_func=names.get, key="slapol_pick")
    row = current[current["code"] == code].iloc[0] if code != NEW else None
    version = int(row["version"]) if row is not None else 0
    is_default = bool(row["is_default"]) if row is not None else not (latest["is_default"] & ~latest["retired"]).any()
    k = f"slapol_{code}_{version}_"  # a new version gives fresh widgets with the saved values
    # a form of its own after each save (widgets.form_generation): a double click's second submission
    # names the form already saved; should it still reach the callback, the form's submission key
    # saves it only once (it was refused as "someone saved version n", or the name as taken)
    gen = form_generation(f"slapol_policy_{code}")
    carried = _carried_input(code)

    def init(field: str, default):
        """A widget's starting value: what the editor typed before a stale save, else ``default``."""
        return carried.get(field, default)

    channels = dimensions.channels()
    source_names = dict(zip(channels["code"], channels["label"]))
    cals = sla.calendars_frame()
    cal_names = dict(zip(cals["id"], cals["name"]))
    ft_value, ft_unit = split_minutes(int(row["first_touch_minutes"])) if row is not None else (4, "hours")
    dec_value, dec_unit = split_minutes(int(row["decision_minutes"])) if row is not None else (18, "hours")

    def listed(col):
        return list(row[col]) if row is not None and sla._present(row[col]) else []

    with st.form(f"{k}form_{gen}", border=True):
        if row is None and is_default:
            st.info("There is no default policy yet: this one will cover every lead no other policy matches.")
        c1, c2 = st.columns([2, 1])
        # No widget limits on this form (max_chars, min/max): a value past one was kept from the save
        # without a word (a pasted name dropped, Save doing nothing on rank 5000); PolicyInput.cleaned
        # says what is wrong, and the input stays.
        c1.text_input("Name", value=init("name", row["name"] if row is not None else ""), key=f"{k}name",
                      placeholder="e.g. Strategic accounts")
        c2.number_input("Rank (lower is tried first)", value=init("rank", int(row["rank"]) if row is not None else 50),
                        step=1, key=f"{k}rank", disabled=is_default,
                        help="From 1 to 999. The default policy always comes last.")
        if is_default:
            st.caption("The default policy covers every lead no other policy matches, so it has no conditions.")
        else:
            st.markdown("**Applies to leads that match all of** (leave a list empty for any)")
            a, b, c, d = st.columns(4)
            a.multiselect("Tier", [1, 2, 3], default=init("tiers", listed("tiers")), format_func=sla.TIERS.get, key=f"{k}tiers")
            b.multiselect("Source", list(source_names), default=init("sources", listed("sources")), format_func=source_names.get,
                          key=f"{k}sources")
            c.multiselect("Company size", list(sla.SEGMENTS), default=init("segments", listed("segments")), format_func=sla.SEGMENTS.get,
                          key=f"{k}segments")
            d.multiselect("Priority", list(sla.PRIORITIES), default=init("priorities", listed("priorities")),
                          format_func=sla.PRIORITIES.get, key=f"{k}priorities")
        st.markdown("**Windows**")
        a, b, c = st.columns([1, 1, 1.4])
        a.number_input("First touch within", value=float(init("ft_value", ft_value)), step=0.5,
                       key=f"{k}ft_value", format="%g")
        b.selectbox("Unit", list(UNITS), index=list(UNITS).index(init("ft_unit", ft_unit)), key=f"{k}ft_unit")
        c.radio("Counted in", BASES, horizontal=True, key=f"{k}ft_basis",
                index=BASES.index(init("ft_basis", BASES[0 if row is None or row["first_touch_business"] else 1])))
        a, b, c = st.columns([1, 1, 1.4])
        a.number_input("Accept or reject within", value=float(init("dec_value", dec_value)), step=0.5,
                       key=f"{k}dec_value", format="%g", help="In business hours, 2 working days of 9 h = 18 hours.")
        b.selectbox("Unit ", list(UNITS), index=list(UNITS).index(init("dec_unit", dec_unit)), key=f"{k}dec_unit")
        c.radio("Counted in ", BASES, horizontal=True, key=f"{k}dec_basis",
                index=BASES.index(init("dec_basis", BASES[0 if row is None or row["decision_business"] else 1])))
        a, b, c = st.columns([1.2, 1, 1.8])
        cal_ids = list(cals["id"])
        cal_default = init("calendar", int(row["calendar_id"]) if row is not None and pd.notna(row["calendar_id"])
                           else (cal_ids[0] if cal_ids else None))
        a.selectbox("Business calendar", cal_ids, index=cal_ids.index(cal_default) if cal_default in cal_ids else None,
                    format_func=cal_names.get, key=f"{k}calendar", placeholder="No calendar yet")
        # tomorrow by default: a policy saved at 22:41 "from today" would re-measure the morning's
        # hand-offs against terms nobody had agreed when they were handed off
        date_field(b, "Takes effect on", value=init("effective", datetime.now(zone(tz)).date() + timedelta(days=1)),
                   key=f"{k}effective",
                   help="00:00 in the company time zone; tomorrow by default, so today's hand-offs keep the terms "
                          "they were handed off under. Today or a date in the past re-measures every hand-off "
                          "since 00:00 of that date.")
        c.text_input("Why (kept in the history)", value=init("note", ""), key=f"{k}note")
        st.form_submit_button("Save as a new version" if row is not None else "Create policy", type="primary",
                              on_click=_save_policy, args=(user, k, code, version, is_default, tz, gen,
                                                           submission_key(f"slapol_policy_{code}", gen)))
        notices.show(POLICY)   # a save's or a retirement's message, under the button
    if row is not None and not is_default:
        with st.expander(f"Retire {fmt.md_text(row['name'])}"):
            st.caption("Leads it covered fall to the next matching policy from that date on. Hand-offs before it "
                       "keep this policy.")
            date_field(st, "Retire from", value=datetime.now(zone(tz)).date() + timedelta(days=1), key=f"{k}retire_on",
                       help="Tomorrow by default: today's hand-offs keep this policy.")
            # a key of its own per button drawn (as the forms'): a double click's second post retires nothing
            retire_gen = form_generation(f"slapol_retire_{code}")
            st.button(f"Retire {fmt.md_text(row['name'])}", key=f"{k}retire", on_click=_retire,
                      args=(user, k, code, version, tz, retire_gen, submission_key(f"slapol_retire_{code}", retire_gen)))


def _save_policy(user, k, code, version, is_default, tz, gen=0, key=None):
    s = st.session_state
    unit_problems: list[str] = []

    def minutes(value, unit, label) -> int:
        try:
            return _to_minutes(value, unit, label)
        except sla.SlaError as err:
            unit_problems.append(str(err))
            return 1   # a stand-in, so the other fields are still checked and every problem is listed at once

    try:
        data = sla.PolicyInput(
            name=s.get(f"{k}name", ""),
            first_touch_minutes=minutes(s[f"{k}ft_value"], s[f"{k}ft_unit"], "first-touch window"),
            first_touch_business=s[f"{k}ft_basis"] == "business hours",
            decision_minutes=minutes(s[f"{k}dec_value"], s[f"{k}dec_unit"], "decision window"),
            decision_business=s[f"{k}dec_basis"] == "business hours",
            effective_from=s.get(f"{k}effective"), rank=int(s.get(f"{k}rank", 999)) if not is_default else 999,
            tiers=s.get(f"{k}tiers", []), sources=s.get(f"{k}sources", []), segments=s.get(f"{k}segments", []),
            priorities=s.get(f"{k}priorities", []), calendar_id=s.get(f"{k}calendar"), note=s.get(f"{k}note", ""),
            code=None if code == NEW else code, is_default=is_default)
        if unit_problems:
            problems = list(unit_problems)
            try:
                data.cleaned(set(dimensions.channels()["code"]), datetime.now(zone(tz)).date())
            except sla.SlaError as err:
                problems += [line.removeprefix("- ") for line in str(err).splitlines()]
            raise sla.SlaError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
    except sla.SlaError as err:
        flash(POLICY, "error", str(err))
        return

    def keep_input(message: str) -> None:
        # Someone saved a version meanwhile: the form comes back on the new version's widgets, so
        # carry what this editor typed over to them (the history table shows what the other saved).
        st.session_state[_CARRY] = (code, {f: s[f"{k}{f}"] for f in _FIELDS if f"{k}{f}" in s})
        flash(POLICY, "error", f"{message} (Meanwhile your input is kept in the form.)")

    saved = _guard(POLICY, lambda: sla.save_policy(user, data, None if code == NEW else version, tz, submission=key),
                   lambda r: f"Saved {fmt.md_text(' '.join(data.name.split()))} version {r.version}, in force from "
                             f"{data.effective_from:%a %d %b %Y}."
                             f"{_remeasured(r.remeasured)}{_order_note(data)}", on_stale=keep_input,
                   already=f"Saved {fmt.md_text(' '.join(data.name.split()))}.")
    if saved:
        next_form(f"slapol_policy_{code}", gen)   # the next save is a new submission
    if saved and code == NEW:
        for f in _FIELDS:   # a created policy leaves an empty form (its values looked unsaved)
            s.pop(f"{k}{f}", None)


#: the policy form's fields (widget key suffixes), carried over a stale save
_FIELDS = ("name", "rank", "tiers", "sources", "segments", "priorities", "ft_value", "ft_unit", "ft_basis",
           "dec_value", "dec_unit", "dec_basis", "calendar", "effective", "note")
_CARRY = "slapol_carry"


def _carried_input(code: str) -> dict:
    """Input carried over a stale save, for the widgets of the version now shown: given to them as
    their starting values (set in Session State beside a default, Streamlit warned on every such save)."""
    carried = st.session_state.get(_CARRY)
    if carried and carried[0] == code:
        del st.session_state[_CARRY]
        return dict(carried[1])
    return {}


def _order_note(data: sla.PolicyInput) -> str:
    """A reminder when the decision is due before the first touch (allowed: some teams decide from
    the data alone, but usually a slip of the unit)."""
    same_clock = data.decision_business == data.first_touch_business
    if same_clock and data.decision_minutes < data.first_touch_minutes:
        return (f" Note: the decision is due within {describe_window(data.decision_minutes, data.decision_business)}"
                f", before the first touch ({describe_window(data.first_touch_minutes, data.first_touch_business)})"
                ": reps accept or reject before they are due to call. Save a new version if that was not meant.")
    return ""


def _to_minutes(value, unit, label) -> int:
    minutes = float(value) * UNITS[unit]
    if abs(minutes - round(minutes)) > 1e-9:
        said = f"{value:g} is not" if unit == "minutes" else f"{value:g} {unit} is {minutes:g} minutes"
        raise sla.SlaError(f"The {label} must come to whole minutes ({said}).")
    return int(round(minutes))


def _retire(user, k, code, version, tz, gen=0, key=None):
    day = st.session_state.get(f"{k}retire_on")
    said = f"Retired from {day:%a %d %b %Y}." if day else "Retired."
    if _guard(POLICY, lambda: sla.retire_policy(user, code, day, version, tz, submission=key),
              lambda r: f"{said[:-1]} (version {r.version}).{_remeasured(r.remeasured)}", already=said):
        next_form(f"slapol_retire_{code}", gen)


# --------------------------------------------------------------------------- calendar


def calendar_section(user: User, tz: str, can_edit: bool) -> None:
    cals = sla.calendars_frame()
    if cals.empty:
        st.info("No business calendar yet. Create one to count SLA windows in working hours.")
        if can_edit:
            _new_calendar_form(user, tz)
        return
    cal_id = int(cals["id"].iloc[0])
    if len(cals) > 1:
        cal_id = st.selectbox("Calendar", list(cals["id"]), format_func=dict(zip(cals["id"], cals["name"])).get,
                              key="slapol_cal")
    row = cals[cals["id"] == cal_id].iloc[0]
    cal = sla.calendar(cal_id)
    version = int(row["version"])
    today = datetime.now(zone(row["timezone"])).date()
    st.markdown(f"**{fmt.md_text(row['name'])}** · {sla.describe_calendar(cal_id, today)} · used by "
                f"{int(row['policy_versions'])} policy version{'s' if row['policy_versions'] != 1 else ''}")
    notices.show(CALENDAR + "created")
    hours_tab, holidays_tab, settings_tab = st.tabs(["Working hours", "Holidays", "Name and time zone"],
                                                        key="calendar_tab", on_change="rerun")
    with hours_tab:
        _hours(user, cal_id, cal, version, tz, can_edit)
    with holidays_tab:
        _holidays(user, cal_id, cal, version, tz, can_edit, today)
    with settings_tab:
        if can_edit:
            gen = form_generation(f"slapol_calmeta_{cal_id}")   # a new form, and key, after each save
            with st.form(f"slapol_calmeta_{cal_id}_{version}_{gen}"):
                a, b = st.columns(2)
                a.text_input("Name", value=row["name"], key=f"slapol_calname_{cal_id}_{version}")
                b.text_input("Time zone (IANA name)", value=row["timezone"], key=f"slapol_caltz_{cal_id}_{version}",
                             help="e.g. America/New_York, Europe/Berlin. Changing it re-measures every hand-off.")
                st.form_submit_button("Save", on_click=_save_cal_meta,
                                      args=(user, cal_id, version, gen, submission_key(f"slapol_calmeta_{cal_id}", gen)))
                notices.show(f"{CALENDAR}{cal_id}")
            with st.expander("New calendar"):
                _new_calendar_form(user, tz)
        else:
            st.caption("Only team leads and admins change calendars.")


def _hours(user, cal_id, cal, version, tz, can_edit):
    rows = []
    for s in (cal.schedules if cal else ()):
        rows.append({"From": s.effective_from.strftime("%d %b %Y"), "Hours": s.describe(),
                     "Hours a week": fmt.number(s.weekly_minutes() / 60, 1)})
    if rows:
        data_table(pd.DataFrame(rows))
    if not can_edit:
        return
    current = cal.schedule_on(datetime.now(cal.zone).date()) if cal else None
    k = f"slapol_hours_{cal_id}_{version}_"
    gen = form_generation(f"slapol_hours_{cal_id}")   # a new form, and key, after each save
    with st.form(f"{k}form_{gen}"):
        st.markdown("**New working hours** (a new version from the date below; earlier hand-offs keep the old hours)")
        st.caption("Times as HH:MM in the calendar's time zone; 24:00 works until midnight (00:00–24:00 is the "
                   "whole day).")
        for d in range(1, 8):
            hours = current.on(d) if current else None
            a, b, c = st.columns([1.2, 1, 1])
            a.checkbox(WEEKDAY_NAMES[d], value=hours is not None, key=f"{k}on{d}")
            b.text_input("From", value=(hours[0] if hours else time(9)).strftime("%H:%M"), key=f"{k}start{d}",
                         label_visibility="collapsed")
            c.text_input("To", value=format_hhmm(hours[1] if hours else time(17), end=True), key=f"{k}end{d}",
                         label_visibility="collapsed")
        date_field(st, "From", value=datetime.now(zone(tz)).date() + timedelta(days=1), key=f"{k}from")
        st.form_submit_button("Save working hours", type="primary", on_click=_save_hours,
                              args=(user, cal_id, version, tz, k, gen, submission_key(f"slapol_hours_{cal_id}", gen)))
        notices.show(f"{HOURS}{cal_id}")
    if cal and len(cal.schedules) > 1:
        with st.expander("Remove a version of the working hours"):
            st.selectbox("Version", [s.effective_from for s in cal.schedules[1:]],
                                format_func=lambda d: f"from {d:%d %b %Y}", key=f"{k}remove_pick")
            remove_gen = form_generation(f"slapol_hoursrm_{cal_id}")   # a key of its own per button drawn
            st.button("Remove", key=f"{k}remove", on_click=_remove_hours,
                      args=(user, cal_id, version, tz, k, remove_gen, submission_key(f"slapol_hoursrm_{cal_id}", remove_gen)))


def _save_hours(user, cal_id, version, tz, k, gen=0, key=None):
    s = st.session_state
    hours = {d: (s[f"{k}start{d}"], s[f"{k}end{d}"]) if s[f"{k}on{d}"] else None for d in range(1, 8)}
    said = f"Working hours saved from {s[f'{k}from']:%d %b %Y}." if s.get(f"{k}from") else "Working hours saved."
    if _guard(f"{HOURS}{cal_id}", lambda: sla.save_schedule(user, cal_id, s[f"{k}from"], hours, version, tz,
                                                             submission=key),
              lambda n: f"{said}{_remeasured(n)}", already=said):
        next_form(f"slapol_hours_{cal_id}", gen)


def _remove_hours(user, cal_id, version, tz, k, gen=0, key=None):
    said = "Removed that version of the working hours."
    if _guard(f"{HOURS}{cal_id}", lambda: sla.delete_schedule(user, cal_id, st.session_state[f"{k}remove_pick"], version,
                                                               tz, submission=key),
              lambda n: said + _remeasured(n), already=said):
        next_form(f"slapol_hoursrm_{cal_id}", gen)


def _holidays(user, cal_id, cal, version, tz, can_edit, today):
    days = sorted(cal.holidays) if cal else []
    frame = sla.holidays_frame()
    frame = frame[frame["calendar_id"] == cal_id]
    years = sorted({d.year for d in days} | {today.year})
    year = st.selectbox("Year", years, index=years.index(today.year), key=f"slapol_holyear_{cal_id}")
    shown = frame[[d.year == year for d in frame["day"]]]
    if shown.empty:
        st.caption(f"No holidays in {year}.")
    else:
        data_table(pd.DataFrame({"Date": [d.strftime("%a %d %b %Y") for d in shown["day"]], "Holiday": shown["name"]}),
                   height=table_height(len(shown), 420))
    if not can_edit:
        return
    k = f"slapol_hol_{cal_id}_{version}_"
    # each form a new one, with a key of its own, after each save (widgets.form_generation)
    add_gen, import_gen = form_generation(f"slapol_holiday_{cal_id}"), form_generation(f"slapol_import_{cal_id}")
    a, b = st.columns(2)
    with a, st.form(f"{k}add_{add_gen}"):
        st.markdown("**Add a closed day**")
        date_field(st, "Date", value=None, key=f"{k}day")
        st.text_input("Name", key=f"{k}name", placeholder="e.g. Company offsite")
        st.form_submit_button("Add", on_click=_add_holiday,
                              args=(user, cal_id, version, tz, k, add_gen, submission_key(f"slapol_holiday_{cal_id}", add_gen)))
        notices.show(f"{HOLIDAY}{cal_id}")   # also a removal's message (the list below may be gone)
    with b, st.form(f"{k}import_{import_gen}"):
        st.markdown("**Import public holidays** (from the maintained `holidays` library)")
        c1, c2, c3 = st.columns(3)
        c1.text_input("Country", value=country_of_zone(cal.timezone if cal else tz) or "", key=f"{k}country",
                      max_chars=2, placeholder="e.g. DE", help="Two-letter ISO code; the default is the country of "
                                                                "the calendar's time zone.")
        c2.text_input("State / region", key=f"{k}subdiv", max_chars=6, placeholder="optional")
        c3.number_input("Year", value=today.year + (1 if today.month >= 10 else 0), step=1, key=f"{k}year")
        st.form_submit_button("Import", on_click=_import_holidays,
                              args=(user, cal_id, version, tz, k, import_gen,
                                    submission_key(f"slapol_import_{cal_id}", import_gen)))
        notices.show(f"{IMPORT}{cal_id}")
    if len(shown):
        with st.expander("Remove a holiday"):
            st.selectbox("Holiday", list(shown["day"]),
                                format_func=lambda d: f"{d:%d %b %Y} · {dict(zip(shown['day'], shown['name']))[d]}",
                                key=f"{k}remove_pick")
            remove_gen = form_generation(f"slapol_holrm_{cal_id}")   # a key of its own per button drawn
            st.button("Remove holiday", key=f"{k}remove", on_click=_remove_holiday,
                      args=(user, cal_id, version, tz, k, remove_gen, submission_key(f"slapol_holrm_{cal_id}", remove_gen)))


def _remove_holiday(user, cal_id, version, tz, k, gen=0, key=None):
    if _guard(f"{HOLIDAY}{cal_id}", lambda: sla.remove_holiday(user, cal_id, st.session_state[f"{k}remove_pick"], version,
                                                                tz, submission=key),
              lambda n: "Holiday removed." + _remeasured(n), already="Holiday removed."):
        next_form(f"slapol_holrm_{cal_id}", gen)


def _add_holiday(user, cal_id, version, tz, k, gen=0, key=None):
    s = st.session_state
    day = s.get(f"{k}day")
    said = f"Holiday added: {day:%a %d %b %Y}." if day else "Holiday added."
    if _guard(f"{HOLIDAY}{cal_id}", lambda: sla.save_holidays(user, cal_id, {day: s.get(f"{k}name")} if day else {},
                                                               version, tz, submission=key),
              lambda n: said + _remeasured(n), already=said):
        next_form(f"slapol_holiday_{cal_id}", gen)


def _import_holidays(user, cal_id, version, tz, k, gen=0, key=None):
    s = st.session_state

    def run():
        year = int(s[f"{k}year"])
        if not sla.CALENDAR_FIRST_DAY.year <= year <= sla.CALENDAR_LAST_DAY.year:
            raise sla.SlaError(f"Pick a year from {sla.CALENDAR_FIRST_DAY.year} to {sla.CALENDAR_LAST_DAY.year} (the "
                               f"years business calendars cover); {year} is outside them.")
        found = sla.public_holidays(s[f"{k}country"], [int(s[f"{k}year"])], s[f"{k}subdiv"].strip() or None)
        if not found:
            raise sla.SlaError("That list has no holidays for the year.")
        return len(found), sla.save_holidays(user, cal_id, found, version, tz, rename=True, submission=key)

    if _guard(f"{IMPORT}{cal_id}", run, lambda r: f"Imported {r[0]} public holidays ({fmt.country(s[f'{k}country'])} "
                                                  f"{int(s[f'{k}year'])}); "
                                                  f"review them and remove any your company works on.{_remeasured(r[1])}",
              already=f"Imported the public holidays ({fmt.country(s[f'{k}country'])} {int(s[f'{k}year'])}); "
                      "review them and remove any your company works on."):
        next_form(f"slapol_import_{cal_id}", gen)


def _save_cal_meta(user, cal_id, version, gen=0, key=None):
    s = st.session_state
    if _guard(f"{CALENDAR}{cal_id}", lambda: sla.save_calendar(user, cal_id, s[f"slapol_calname_{cal_id}_{version}"],
                                        s[f"slapol_caltz_{cal_id}_{version}"].strip(), version, submission=key),
              lambda v: "Calendar saved.", already="Calendar saved."):
        next_form(f"slapol_calmeta_{cal_id}", gen)


def _new_calendar_form(user, tz):
    gen = form_generation("slapol_newcal")   # a new form, and key, after each calendar created
    with st.form(f"slapol_newcal_{gen}"):
        a, b, c, d = st.columns([1.5, 1.5, 1, 1])
        a.text_input("Name", key="slapol_newcal_name", placeholder="e.g. EMEA office")
        b.text_input("Time zone", value=tz, key="slapol_newcal_tz")
        c.text_input("Opens", value="09:00", key="slapol_newcal_start")
        d.text_input("Closes", value="17:00", key="slapol_newcal_end", help="24:00 works until midnight.")
        st.form_submit_button("Create calendar (Monday–Friday)", on_click=_create_calendar,
                              args=(user, gen, submission_key("slapol_newcal", gen)))
        notices.show(NEW_CALENDAR)   # a refusal; the new calendar's message goes above its tabs


def _create_calendar(user, gen=0, key=None):
    s = st.session_state
    if _guard(NEW_CALENDAR, lambda: sla.create_calendar(user, s["slapol_newcal_name"], s["slapol_newcal_tz"].strip(),
                                                         s["slapol_newcal_start"], s["slapol_newcal_end"], submission=key),
              lambda _: "Calendar created. Add its holidays next."):
        next_form("slapol_newcal", gen)
        notices.forget(NEW_CALENDAR)
        notices.leave(CALENDAR + "created", "success", "Calendar created. Add its holidays next.")


# --------------------------------------------------------------------------- commitments


def commitments_section(user: User, tz: str, can_edit: bool) -> None:
    frame = sla.commitments()
    if frame.empty:
        st.info("No commitment recorded yet: the two-sided SLA page has nothing to measure against.")
    else:
        data_table(pd.DataFrame({
            "From": [d.strftime("%d %b %Y") for d in frame["start_date"]],
            "To": [d.strftime("%d %b %Y") for d in frame["end_date"]],
            "MQLs committed": frame["mql_volume"],   # 1,350 as on every other page (localized below)
            "Min. acceptance": frame["min_acceptance_rate"].map(fmt.pct),
            "Follow-up target": frame["follow_up_target_rate"].map(fmt.pct),
            "On-time decisions": frame["decision_target_rate"].map(fmt.pct),
            "Note": frame["note"].fillna(""), "Last change by": frame["updated_by"].fillna("demo data"),
        }), column_config={"MQLs committed": st.column_config.NumberColumn(format="localized"),
                           "Note": st.column_config.TextColumn(width="large")})
    if not can_edit:
        return
    labels = {NEW: "New commitment…"}
    labels.update({int(r.id): f"{r.start_date:%d %b %Y} – {r.end_date:%d %b %Y}" for r in frame.itertuples()})
    pick = st.selectbox("Commitment", list(labels), format_func=labels.get, key="slapol_com_pick")
    row = frame[frame["id"] == pick].iloc[0] if pick != NEW else None
    version = int(row["version"]) if row is not None else 0
    k = f"slapol_com_{pick}_{version}_"
    today = datetime.now(zone(tz)).date()
    free_start = _next_free_quarter(frame, today)
    # a form of its own after each save (widgets.form_generation), with a submission key: a double
    # click's second post saves nothing (it was refused by its own first one, in red)
    gen = form_generation(f"slapol_commitment_{pick}")
    with st.form(f"{k}form_{gen}"):
        a, b, c = st.columns(3)
        date_field(a, "From", value=row["start_date"] if row is not None else free_start, key=f"{k}start")
        date_field(b, "To", value=row["end_date"] if row is not None else
                   quarter_start(free_start + timedelta(days=95)) - timedelta(days=1), key=f"{k}end")
        # on a commitment already agreed, each lead changes their own side's terms (sla.commitment_sides)
        sides = sla.commitment_sides(user) if row is not None else set(sla.COMMITMENT_TERMS)
        theirs = {side: None if side in sides else f"{side.capitalize()}'s promise: a {side} lead changes it."
                  for side in sla.COMMITMENT_TERMS}
        # a new commitment starts from the latest one's volume (0, the old default, is refused)
        volume = int(row["mql_volume"]) if row is not None else \
            int(frame.sort_values("start_date")["mql_volume"].iloc[-1]) if not frame.empty else 1
        # no min/max on these numbers: a value past them kept Save from doing anything, without a word;
        # the save says what is allowed (CommitmentInput.cleaned, _save_commitment)
        c.number_input("MQLs marketing commits", value=volume, step=1,
                       key=f"{k}volume", disabled=bool(theirs["marketing"]), help=theirs["marketing"])
        a, b, c = st.columns(3)

        def pct_value(col, default):
            return float(row[col] * 100) if row is not None and pd.notna(row[col]) else default

        a.number_input("Minimum acceptance rate (%)", value=pct_value("min_acceptance_rate", 55.0), step=1.0,
                       key=f"{k}acc", disabled=bool(theirs["marketing"]),
                       help=theirs["marketing"] or "The quality half of marketing's commitment.")
        b.number_input("Follow-up within the SLA (%)", value=pct_value("follow_up_target_rate", 90.0), step=1.0,
                       key=f"{k}fu", disabled=bool(theirs["sales"]), help=theirs["sales"])
        c.number_input("Decisions on time (%)", value=pct_value("decision_target_rate", 85.0), step=1.0,
                       key=f"{k}dec", disabled=bool(theirs["sales"]), help=theirs["sales"])
        st.text_input("Note", value=row["note"] if row is not None and pd.notna(row["note"]) else "", key=f"{k}note")
        st.form_submit_button("Save commitment", type="primary", on_click=_save_commitment,
                              args=(user, None if row is None else int(row["id"]), version, k, gen,
                                    submission_key(f"slapol_commitment_{pick}", gen)))
        notices.show(COMMITMENT)   # also a deletion's message: the form then holds a new commitment
    if row is not None:
        with st.expander("Delete this commitment"):
            blocked = sla.delete_blocked_by(user, row)
            if blocked:   # deleting, then recording a new one, would go round "each side owns its promise"
                st.caption(f"It holds {' and '.join(f'{side}’s' for side in blocked)} promise, which a "
                           f"{blocked[0]} lead (or an admin) changes: they can delete it, or you can change your "
                           "own side's terms above.")
                return
            st.caption("Both teams' promises for these dates go; the two-sided SLA page then has nothing to "
                       "measure them against. The audit log keeps what it said.")
            sure = st.checkbox(f"Yes, delete the commitment for {labels[pick]}", key=f"{k}delete_sure")
            delete_gen = form_generation(f"slapol_comdel_{pick}")   # a key of its own per button drawn
            st.button("Delete this commitment", key=f"{k}delete", disabled=not sure, on_click=_delete_commitment,
                      args=(user, int(row["id"]), version, delete_gen, submission_key(f"slapol_comdel_{pick}", delete_gen)))


def _next_free_quarter(frame: pd.DataFrame, today: date) -> date:
    start = quarter_start(today)
    taken = [(r.start_date, r.end_date) for r in frame.itertuples()]
    for _ in range(12):
        if not any(s <= start <= e for s, e in taken):
            return start
        start = quarter_start(start + timedelta(days=95))
    return start


def _delete_commitment(user, commitment_id, version, gen=0, key=None):
    if _guard(COMMITMENT, lambda: sla.delete_commitment(user, commitment_id, version, submission=key),
              lambda _: "Commitment deleted.", already="Commitment deleted."):
        next_form(f"slapol_comdel_{commitment_id}", gen)


def _save_commitment(user, commitment_id, version, k, gen=0, key=None):
    s = st.session_state
    # checked here, in percent: CommitmentInput reads a rate over 1 as a percentage, so 150 (1.5 once
    # divided) would have been stored as 1.5 %
    if any(not 0 <= s[f"{k}{f}"] <= 100 for f in ("acc", "fu", "dec")):
        flash(COMMITMENT, "error", "Rates are percentages between 0 and 100.")
        return
    data = sla.CommitmentInput(s[f"{k}start"], s[f"{k}end"], s[f"{k}volume"], s[f"{k}acc"] / 100, s[f"{k}fu"] / 100,
                               s[f"{k}dec"] / 100, s[f"{k}note"])
    said = f"Commitment saved for {data.start_date:%d %b %Y} – {data.end_date:%d %b %Y}."
    saved = []
    if _guard(COMMITMENT, lambda: saved.append(sla.save_commitment(user, data, commitment_id,
                                                                   version if commitment_id else None, submission=key)),
              lambda _: said, already=said):
        next_form(f"slapol_commitment_{NEW if commitment_id is None else commitment_id}", gen)
        if commitment_id is None:
            # the form shows the commitment just created, not a new one over the same dates: a double
            # click's second click that lands on the redrawn form then saves nothing new (it was
            # refused, "another commitment already covers part of these dates")
            frame = sla.commitments()
            created = saved[0] if saved else next(
                (int(r.id) for r in frame.itertuples() if r.start_date == data.start_date), None)
            if created is not None:
                st.session_state["slapol_com_pick"] = created


# --------------------------------------------------------------------------- preview


def preview_section(tz: str) -> None:
    st.caption("Which policy a lead would get and when its deadlines fall: computed by the same database functions "
               "that measure real hand-offs.")
    channels = dimensions.channels()
    a, b, c, d, e, f = st.columns([1.2, 0.9, 0.9, 1.3, 1.1, 1])
    now = datetime.now(zone(tz))
    day = date_field(a, "Handed off on", value=now.date(), key="slapol_pv_day")
    at = b.time_input("at", value=now.time().replace(second=0, microsecond=0), key="slapol_pv_time", step=300)
    tier = c.selectbox("Tier", [1, 2, 3], index=1, format_func=sla.TIERS.get, key="slapol_pv_tier")
    source = d.selectbox("Source", list(channels["code"]), format_func=dict(zip(channels["code"],
                                                                                 channels["label"])).get,
                         key="slapol_pv_source")
    segment = e.selectbox("Company size", list(sla.SEGMENTS), index=2, format_func=sla.SEGMENTS.get,
                          key="slapol_pv_segment")
    priority = f.selectbox("Priority", list(sla.PRIORITIES), index=1, format_func=sla.PRIORITIES.get,
                           key="slapol_pv_priority")
    if day is None or at is None:
        st.caption("Pick a date and a time.")
        return
    problem = sla.calendar_date_problem(day, "The hand-off date")
    if problem:
        st.caption(problem)
        return
    moment = datetime.combine(day, at).replace(tzinfo=zone(tz))
    p = sla.preview(moment, tier, source, segment, priority)
    local = zone(tz)
    st.markdown(
        f"**{fmt.md_text(p.policy)}**" + (f" (version {p.version})" if p.version else "") + "  \n"
        f"First touch within {p.first_touch}: due **{p.sla_deadline_at.astimezone(local):%a %d %b %Y, %H:%M}**  \n"
        f"Decision within {p.decision}: due **{p.decision_due_at.astimezone(local):%a %d %b %Y, %H:%M}**")
