"""Renderers for the follow-up SLA pages: the rep's standing, the live open list, breach and
slipping tables. Display logic only; data comes from ``queries.sla`` (pure helpers at the top)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import streamlit as st

from components import format as fmt
from components import theme
from components.widgets import data_table, table_height
from queries import sla
from queries.periods import PRESETS, Period, local_today, preset_period, zone

#: Periods offered on personal pages (a rep's view needs no filters).
MY_PERIODS = ("this_month", "last_month", "this_quarter", "last_quarter", "last_30_days", "last_90_days")
DEFAULT_TARGET = 0.9
#: Open hand-offs overdue longer than this are backlog: listed apart from the live countdowns.
BACKLOG_DAYS = 7


# --------------------------------------------------------------------------- pure helpers


def local_time(moment, tz: str, with_day: bool = True) -> str:
    """'Mon 16 Nov, 09:30' in the company time zone ('26 Nov 2025, 10:59' outside the current
    year, so an old date never reads as a coming one); '—' for missing."""
    if moment is None or pd.isna(moment):
        return fmt.DASH
    if not with_day:
        return pd.Timestamp(moment).tz_convert(zone(tz)).strftime("%H:%M")
    return local_times(pd.Series([moment]), tz)[0]   # one definition of the text: _stamp


def local_times(moments: pd.Series, tz: str) -> pd.Series:
    """``local_time`` for a whole column at once."""
    local = pd.to_datetime(moments, utc=True).dt.tz_convert(tz).reset_index(drop=True)
    this_year = (local.dt.year == _this_year(tz)).to_numpy()
    older = local.notna().to_numpy() & ~this_year
    out = np.full(len(local), fmt.DASH, dtype=object)
    out[this_year] = _stamp(local[this_year], with_year=False).to_numpy()
    out[older] = _stamp(local[older], with_year=True).to_numpy()
    return pd.Series(out, dtype="object")


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _stamp(local: pd.Series, *, with_year: bool) -> pd.Series:
    """'Mon 16 Nov, 09:30' / '26 Nov 2025, 10:59' for a column of local times, built from its
    parts: the same text as strftime, ten times faster (My SLA formats hundreds per rerun)."""
    if local.empty:
        return pd.Series([], index=local.index, dtype="object")
    dt = local.dt
    day = dt.day.astype(str).str.zfill(2) + " " + dt.month.map(_MONTHS.__getitem__)
    clock = dt.hour.astype(str).str.zfill(2) + ":" + dt.minute.astype(str).str.zfill(2)
    if with_year:
        return (day + " " + dt.year.astype(str) + ", " + clock).astype("object")
    return (dt.day_of_week.map(_WEEKDAYS.__getitem__) + " " + day + ", " + clock).astype("object")


def _this_year(tz: str) -> int:
    return pd.Timestamp.now(tz=zone(tz)).year


def datetime_column_format(moments: pd.Series, tz: str) -> str:
    """A st.column_config.DatetimeColumn format for a column of moments: with the year when
    any of them is outside the current year."""
    years = pd.to_datetime(moments, utc=True).dt.tz_convert(tz).dt.year.dropna()
    return "D MMM, HH:mm" if years.empty or (years == _this_year(tz)).all() else "D MMM YYYY, HH:mm"


def countdown(due: datetime | pd.Timestamp | None, now: datetime) -> str:
    """'in 12 min', 'in 3.5 h', 'overdue 2 days' (pure)."""
    if due is None or pd.isna(due):
        return fmt.DASH
    minutes = (pd.Timestamp(due) - pd.Timestamp(now)).total_seconds() / 60
    if minutes >= 0:
        return f"in {fmt.duration(minutes)}"
    return f"overdue {fmt.duration(-minutes)}"


def urgency(due, now: datetime, soon_minutes: int = 60) -> str:
    """'overdue', 'due soon' (within ``soon_minutes``), 'on time' or '' (no deadline)."""
    if due is None or pd.isna(due):
        return ""
    minutes = (pd.Timestamp(due) - pd.Timestamp(now)).total_seconds() / 60
    return "overdue" if minutes < 0 else "due soon" if minutes <= soon_minutes else "on time"


def open_summary(frame: pd.DataFrame, now: datetime) -> str:
    """'33 open hand-offs (32 overdue): 3 to act on (2 overdue), 30 in the backlog (overdue for more
    than 7 days); the next deadline in 9.2 h.' Counted as the open list below counts them (:func:`split_backlog`;
    overdue = the next deadline, decision or first touch, has passed), so the banner and the list
    agree. (pure)"""
    if frame.empty:
        return "No open hand-offs."
    at = pd.Timestamp(now)
    live, backlog = split_backlog(frame, now)
    overdue = int((pd.to_datetime(live["next_due_at"], utc=True) < at).sum())
    n = len(frame)
    text = f"{n} open hand-off{'s' if n != 1 else ''}"
    act = f"{len(live)} to act on" + (f" ({overdue} overdue)" if overdue else "")
    if len(backlog):   # every overdue one counted in the headline; after the colon, the open ones split
        # ('46 open hand-offs, 45 overdue: 1 to act on, 45 overdue…' read as 45 = 1 + 45)
        text += (f" ({overdue + len(backlog)} overdue): {act}, {len(backlog)} in the backlog (overdue for more "
                 f"than {BACKLOG_DAYS} days)")
    else:
        text += f" to act on ({overdue} overdue)" if overdue else " to act on"
    due = pd.to_datetime(frame["next_due_at"], utc=True)
    upcoming = due[due >= at]
    if len(upcoming):
        text += f"; the next deadline {countdown(upcoming.min(), now)}"
    return f"{text}. {open_parts(frame)}"


def open_parts(frame: pd.DataFrame) -> str:
    """What the open hand-offs are, in My hand-offs' words (its 'Awaiting decision' tile counts the
    first kind): 'Of them, 24 await a decision and 12 were accepted but not contacted yet.'; one
    kind: 'All await a decision.'; '' for none. (pure)"""
    if frame.empty:
        return ""
    awaiting = int((frame["status"] == "awaiting").sum())
    accepted = len(frame) - awaiting
    if awaiting and accepted:
        return (f"Of them, {awaiting} {'awaits' if awaiting == 1 else 'await'} a decision and {accepted} "
                f"{'was' if accepted == 1 else 'were'} accepted but not contacted yet.")
    one = len(frame) == 1
    if awaiting:
        return "It awaits a decision." if one else "All await a decision."
    return "It was accepted but not contacted yet." if one else "All were accepted but not contacted yet."


def overdue_count(frame: pd.DataFrame, now: datetime) -> int:
    """Open hand-offs whose next deadline has passed (the live list's and the backlog's). (pure)"""
    if frame.empty:
        return 0
    return int((pd.to_datetime(frame["next_due_at"], utc=True) < pd.Timestamp(now)).sum())


def split_backlog(frame: pd.DataFrame, now: datetime, days: int = BACKLOG_DAYS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(live, backlog): backlog = open hand-offs whose next deadline passed more than ``days`` ago."""
    cutoff = pd.Timestamp(now) - pd.Timedelta(days=days)
    old = pd.to_datetime(frame["next_due_at"], utc=True) < cutoff
    return frame[~old], frame[old]


def standing_message(me, team, target: float, open_text: str, overdue: int = 0) -> tuple[str, str]:
    """(status, sentence) for the rep's one-glance banner: status good / warn / bad / none. With
    nothing measured this week but ``overdue`` open hand-offs, a warning, not a neutral note."""
    rate = me.compliance_rate
    if rate is None:
        return ("warn" if overdue else "none"), f"No hand-off with a known outcome yet this week. {open_text}"
    team_text = f"team {fmt.pct(team.compliance_rate)}, " if team.compliance_rate is not None else ""
    if rate >= target:
        status, head = "good", f"On target: {fmt.pct(rate)} of your hand-offs this week were contacted in time"
    elif rate >= target - 0.1:
        status, head = "warn", f"Just below target: {fmt.pct(rate)} contacted in time this week"
    else:
        status, head = "bad", f"Below target: only {fmt.pct(rate)} contacted in time this week"
    return status, f"**{head}** ({team_text}target {fmt.pct(target)}). {open_text}"


#: the open lists' tier column: a number, as in every other list
_TIER_COLUMN = {"Tier": st.column_config.NumberColumn("Tier", format="%d", width="small")}


def open_display(frame: pd.DataFrame, now: datetime, tz: str) -> pd.DataFrame:
    """The open list as shown: countdown to the next deadline first."""
    frame = frame.reset_index(drop=True)
    next_is_touch = frame["touch_due_at"].notna() & (frame["touch_due_at"] == frame["next_due_at"])
    return pd.DataFrame({
        "Due": [countdown(d, now) for d in frame["next_due_at"]],
        "Next step": ["First contact" if t else "Accept or reject" for t in next_is_touch],
        "Lead": frame["lead_name"],
        "Account": frame["account"],
        "Source": frame["source"],
        "Handed off": local_times(frame["handed_off_at"], tz),
        "Contact by": local_times(frame["touch_due_at"], tz),
        "Decide by": local_times(frame["decide_due_at"], tz),
        "E-mail": frame["email"],
        "Tier": frame["tier"],   # a number, as in every other list (it read "Tier 2" here, "2" elsewhere)
        "_urgency": [urgency(d, now) for d in frame["next_due_at"]],
    })


_URGENCY_STYLE = {"overdue": f"color: {theme.BAD_TEXT}; font-weight: 600",
                  "due soon": f"color: {theme.WARN_TEXT}; font-weight: 600", "on time": f"color: {theme.GOOD_TEXT}"}


def _style_due(view: pd.DataFrame):
    urgency = view["_urgency"]
    shown = view.drop(columns=["_urgency"])

    def colour(col):
        return [_URGENCY_STYLE.get(u, "") for u in urgency] if col.name == "Due" else [""] * len(col)

    return shown.style.apply(colour, axis=0)


# --------------------------------------------------------------------------- renderers


def my_period_picker(tz: str, key: str = "mysla_period") -> Period:
    """A compact period choice in the sidebar for personal pages (default: this quarter), kept in
    the URL (``?period=last_month``) so a reload or a shared link keeps it. The link's choice
    reaches the widget as its default (as in ``filters.filter_bar``)."""
    linked = st.query_params.get("period")
    start = linked if linked in MY_PERIODS else "this_quarter"
    choice = st.sidebar.selectbox("Period", MY_PERIODS, format_func=PRESETS.get, index=MY_PERIODS.index(start),
                                  key=key) or "this_quarter"
    if linked is not None and linked not in MY_PERIODS:   # say so: the page showed this quarter without a word
        asked = PRESETS.get(linked) or fmt.md_text(linked if len(linked) <= 40 else linked[:39] + "…")
        st.warning(f"This link asks for the period “{asked}”, which this page does not offer, so it shows "
                   f"{PRESETS[choice]}. Pick a period in the sidebar.", icon=":material/link_off:")
    for stale in ("from", "to"):   # a custom period's dates: this page has none, the link should not carry them
        if stale in st.query_params:
            del st.query_params[stale]
    st.query_params["period"] = choice
    period = preset_period(choice, local_today(tz), tz)
    st.sidebar.caption(f"{period.describe()} · {tz}")
    return period


def standing_banner(status: str, sentence: str) -> None:
    icon = {"good": ":material/check_circle:", "warn": ":material/warning:", "bad": ":material/error:"}.get(status,
                                                                                                          ":material/info:")
    {"good": st.success, "warn": st.warning, "bad": st.error}.get(status, st.info)(sentence, icon=icon)


def open_table(frame: pd.DataFrame, now: datetime, tz: str, *, holds_none: bool = False) -> None:
    """The live list (deadlines ahead or missed within BACKLOG_DAYS, earliest first) and the backlog.
    ``holds_none``: the rep was handed nothing in the period either, so an empty list is said plainly
    (a green "every hand-off is contacted" read as a clean record for a lead who holds none)."""
    live, backlog = split_backlog(frame, now)
    stamp = f"updated {now.astimezone(zone(tz)):%H:%M:%S}, every {sla.LIVE_REFRESH_SECONDS} s"
    if live.empty and len(backlog):
        st.warning(f"Nothing new due, but {len(backlog)} hand-off{'s are' if len(backlog) != 1 else ' is'} overdue "
                   f"for more than {BACKLOG_DAYS} days: see the backlog below.", icon=":material/assignment_late:")
        st.caption(stamp)
    elif live.empty and holds_none:
        st.info("No open hand-offs.", icon=":material/inbox:")
        st.caption(stamp)
    elif live.empty:
        st.success("Nothing open: every hand-off is contacted and decided.", icon=":material/done_all:")
        st.caption(stamp)
    else:
        view = open_display(live, now, tz)
        overdue = int((view["_urgency"] == "overdue").sum())
        soon = int((view["_urgency"] == "due soon").sum())
        st.caption(f"{len(view)} to act on · **{overdue} overdue** · {soon} due within the hour · earliest deadline "
                   f"first · {stamp}")
        data_table(_style_due(view), height=table_height(len(view), 430),
                   column_config={"Due": st.column_config.TextColumn(
                       "Due", help="Time to the hand-off's next deadline: contact by (first touch), else decide by. "
                                   "Overdue here counts a missed first-contact deadline too, so it can exceed the "
                                   "lead's count on Leads slipping through (overdue decisions and accepted leads "
                                   "never contacted)."),
                                  "E-mail": st.column_config.TextColumn("E-mail", width="medium"),
                                  **_TIER_COLUMN})
    if len(backlog):
        with st.expander(f"Backlog: {len(backlog)} hand-off{'s' if len(backlog) != 1 else ''} overdue for more "
                         f"than {BACKLOG_DAYS} days — decide, recycle or ask your lead to reassign",
                         expanded=live.empty):
            view = open_display(backlog.iloc[::-1], now, tz)
            data_table(view.drop(columns=["_urgency"]), height=table_height(len(view), 360),
                       column_config=_TIER_COLUMN)


def csv_times(moments: pd.Series, tz: str) -> pd.Series:
    """Instants in ``tz`` for a CSV (``widgets.csv_bytes`` writes them as YYYY-MM-DD HH:MM and names
    the zone in the header): the screen's "Fri 13 Nov, 06:14" has no year and can't be sorted in a
    spreadsheet."""
    return pd.to_datetime(moments, utc=True).dt.tz_convert(tz).reset_index(drop=True)


def breaches_caption(frame: pd.DataFrame) -> str:
    """My SLA's line above a rep's breaches; when some are leads rejected without a contact, why
    they count (a rep who rejected a duplicate within minutes reads "Never contacted" as a
    mistake otherwise). (pure)"""
    text = "Each breach with the lead behind it: late first contacts and leads never contacted, newest first."
    rejected = int(((frame["breach"] != "late") & (frame["status"] == "rejected")).sum())
    if rejected:
        text += (f" {fmt.number(rejected)} of them {'was' if rejected == 1 else 'were'} rejected without a contact: "
                 "the SLA measures the first contact, and a rejection does not stop its clock (Definitions, SLA "
                 "compliance).")
    return text


def breaches_view(frame: pd.DataFrame, tz: str, *, for_csv: bool = False) -> pd.DataFrame:
    """A rep's breaches as shown (compact: what happened says deadline and delay), or ``for_csv``
    with the times as instants in ``tz`` (see :func:`csv_times`)."""
    times = csv_times if for_csv else local_times

    def what(r):
        if r.breach == "late":
            return f"Contacted {fmt.duration(r.over_minutes)} late"
        return f"Never contacted ({fmt.duration(r.over_minutes)} past)"

    frame = frame.reset_index(drop=True)
    view = pd.DataFrame({
        "Lead": frame["lead_name"], "Account": frame["account"],
        "Handed off": times(frame["handed_off_at"], tz),
        "What happened": [what(r) for r in frame.itertuples()],
        "Window": [sla.describe_window(int(m), bool(b)) for m, b in zip(frame["window_minutes"], frame["business"])],
        "Decision": frame["status"].map({"awaiting": "Awaiting", "accepted": "Accepted", "rejected": "Rejected"}),
        "Deadline": times(frame["sla_deadline_at"], tz),
        "Source": frame["source"], "Policy": frame["policy"], "E-mail": frame["email"],
    })
    # A breach stays with the rep who held the lead at its deadline; if the lead was reassigned
    # since, say to whom (only when some was: an empty column is clutter).
    if "now_with" in frame and frame["now_with"].notna().any():
        view.insert(4, "Now with", frame["now_with"].fillna(""))
    return view


def slipping_view(frame: pd.DataFrame, tz: str, *, for_csv: bool = False) -> pd.DataFrame:
    """Leads slipping through as shown (sortable numeric columns kept numeric), or ``for_csv``:
    with the times as instants in ``tz`` (:func:`csv_times`; "Sun 22 Nov, 20:17" can't be sorted or
    filtered in a spreadsheet)."""
    frame = frame.reset_index(drop=True)
    times = csv_times if for_csv else local_times
    # who and what first: the owner is whom a lead reassigns from, and what to do is the point of
    # the list (seventh, after account and team, it was cut to "Accept or reject: c" at 1366 px)
    return pd.DataFrame({
        "Situation": frame["situation"],
        "Overdue (days)": (frame["overdue_minutes"] / 1440).round(1),
        "Lead": frame["lead_name"], "Owner": frame["owner"], "What to do": frame["action"],
        "Account": frame["account"], "Team": frame["team"],
        "Tier": frame["tier"], "Source": frame["source"], "Campaign": frame["campaign"].fillna(""),
        "Age (days)": (frame["age_minutes"] / 1440).round(1), "Score": frame["score"], "Title": frame["job_title"],
        "Handed off": times(frame["handed_off_at"], tz), "Was due": times(frame["due_at"], tz),
        "E-mail": frame["email"],
    })


def period_caption(period: Period, tz: str) -> str:
    return f"{period.label or 'Period'}: {period.describe()} · times in {tz}"


def target_or_default(value) -> float:
    return float(value) if value is not None and not pd.isna(value) else DEFAULT_TARGET


def today_in(tz: str) -> date:
    return datetime.now(timezone.utc).astimezone(zone(tz)).date()


def windows_caption(windows: list[tuple[int, bool]], default_minutes: int, period_text: str) -> str:
    """The caption of the time-to-first-touch distribution, naming the first-touch windows of the
    policies in force during the period (``sla.first_touch_windows``). (pure)"""
    said = sla.windows_text(windows, default_minutes)
    if len(windows) > 1:
        return (f"Leads have different first-touch windows ({said} under the policies in force {period_text}), so "
                "the distribution shows the time to first touch as a share of each lead's own window.")
    return (f"Every lead had the same first-touch window {period_text} ({said}); the distribution shows the time "
            "to first touch as a share of it.")
