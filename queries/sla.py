"""Follow-up SLA: policies (versioned), business calendars, the two-sided commitment, the rep's
own SLA, leads slipping through, and the audited writes that change them.

Deadlines are the database's job (migration 0005): a hand-off is measured against the policy
version in force at its hand-off, in business or wall-clock minutes. Every write that changes a
policy or a calendar recomputes the affected hand-offs (``refresh_handoff_sla``) in the same
transaction, then clears the caches that read them. See docs/sla.md.

Lead-level reads take the signed-in :class:`~queries.access.User` and refuse another rep's data
unless the user may see all reps (``see_all_reps``): the check lives here, not in the pages.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, calc, dimensions, metrics, parallel, sqlfiles, submissions, users
from queries.access import User
from queries.business_hours import (Calendar, CalendarError, Schedule, describe_window, format_hhmm, parse_hhmm,
                                    zone)
from queries.db import get_engine
from queries.filters import NO_FILTERS, Filters
from queries.meeting_rules import json_number
from queries.metrics import now_minute
from queries.periods import RECORD_EARLIEST, RECORD_LATEST, Period, date_problem, local_today
from queries.sqlfiles import q
from queries.sla_math import RECENT_SLIP_MINUTES, Pace, delivery_pace
from queries.words import too_long

#: Seconds SLA reads may be reused (same as the metric layer).
SLA_TTL = 60
#: How often My SLA's live list refreshes; its cache is never older than this.
LIVE_REFRESH_SECONDS = 30
SLIPPING_LIMIT = 5000
UNTOUCHED_LIMIT = 500

#: Touch-vs-window band edges (share of the window). Bands 0..3 are within the window.
WINDOW_BOUNDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
MET_BAND_MAX = WINDOW_BOUNDS.index(1.0)

TIERS = {1: "Tier 1", 2: "Tier 2", 3: "Tier 3"}
SEGMENTS = {"1-49": "1–49 employees", "50-199": "50–199", "200-999": "200–999", "1000-4999": "1,000–4,999",
            "5000+": "5,000+"}
PRIORITIES = {"high": "High", "normal": "Normal", "low": "Low"}
KINDS = {"decision_overdue": "Decision overdue", "untouched_after_accept": "Accepted, never contacted"}
MAX_FIRST_TOUCH_MINUTES = 43200   # 30 days
MAX_DECISION_MINUTES = 129600     # 90 days
#: The days business calendars cover (migration 0005's business_day: deadlines outside are null).
CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY = date(2000, 1, 1), date(2050, 12, 31)
#: How far ahead a policy version (or a retirement) may be scheduled: a version far ahead is almost
#: surely a slip (2040 for 2026), and a scheduled version cannot be undone, only followed.
MAX_POLICY_DAYS_AHEAD = 366
MAX_POLICY_NOTE_CHARS = 300
MAX_HOLIDAY_NAME_CHARS = 80
#: The most MQLs a commitment can promise (per commitment period).
MAX_MQL_VOLUME = 10_000_000


class SlaError(ValueError):
    """A change that cannot be made; the message is shown to the user as is."""


class StaleEdit(SlaError):
    """Someone else changed the same thing since it was loaded."""


class NotAllowed(SlaError):
    """The user's role does not allow this."""


# --------------------------------------------------------------------------- helpers


_INT, _FLOAT, _STR, _BOOL = "int64", "float64", "string", "bool"
_TS = "datetime64[us, UTC]"
_DAY = "datetime64[us]"


def _frame(name: str, params: dict | None = None, schema: dict | None = None, conn=None) -> pd.DataFrame:
    """The named query's rows (sqlfiles.frame), cast to ``schema`` when given."""
    rows = sqlfiles.frame(name, params, conn)
    return _typed(rows, schema) if schema else rows


def _typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """Cast query output to declared dtypes (empty results get the right columns too)."""
    frame = frame.reindex(columns=list(schema))
    out = {}
    for col, dtype in schema.items():
        values = frame[col]
        if dtype == _TS:
            out[col] = pd.to_datetime(values, utc=True).astype(_TS)
        elif dtype == _BOOL:
            out[col] = values.fillna(False).astype(_BOOL)
        elif dtype == _INT:
            out[col] = pd.to_numeric(values).fillna(0).astype(_INT)
        elif dtype == _FLOAT:
            out[col] = pd.to_numeric(values, errors="coerce").astype(_FLOAT)
        elif dtype == _DAY:
            out[col] = pd.to_datetime(values).astype(_DAY)
        elif dtype == "object":
            out[col] = values.astype("object")
        else:
            out[col] = values.astype(dtype)
    return pd.DataFrame(out, index=frame.index)


def _text(value) -> str:
    """Typed text without NUL (U+0000), which a paste can carry and PostgreSQL text cannot hold."""
    return str(value or "").replace("\x00", "")


def _require(user: User, action: str, what: str) -> User:
    """``user`` as stored now (not as the page loaded), if that user may do ``action``."""
    current = users.current(user)
    if not current.can(action):
        raise NotAllowed(f"Your role does not allow {what}.")
    return current


def rep_scope(user: User, rep_id: int | None = None) -> int:
    """The rep whose lead-level SLA data ``user`` asks for; refuses another rep's data to reps."""
    if rep_id is None or rep_id == user.rep_id:
        if user.rep_id is None:
            raise SlaError("Your user is not linked to a rep record, so there is no personal SLA to show. "
                           "Ask an admin to link your user to your rep record.")
        return user.rep_id
    if not user.can("see_all_reps"):
        raise NotAllowed("You can see your own hand-offs only.")
    return int(rep_id)


def week_of(day: date, tz: str) -> Period:
    """The Monday-to-Sunday week containing local ``day``."""
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), tz, label="This week")




# --------------------------------------------------------------------------- calendars (reads)


CALENDAR_SCHEMA = {"id": _INT, "name": _STR, "timezone": _STR, "version": _INT, "updated_at": _TS,
                   "policy_versions": _INT}


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def calendars_frame() -> pd.DataFrame:
    return _frame("sla_calendars", schema=CALENDAR_SCHEMA)


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def schedule_days() -> pd.DataFrame:
    with get_engine().connect() as conn:
        result = conn.execute(q("sla_schedule_days"))   # 24:00 read as 00:00 (see sla.sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def holidays_frame() -> pd.DataFrame:
    return _frame("sla_holidays", schema={"calendar_id": _INT, "day": "object", "name": _STR})


def calendar(calendar_id: int) -> Calendar | None:
    """The calendar as a :class:`~queries.business_hours.Calendar` (for previews and checks)."""
    cals = calendars_frame()
    row = cals[cals["id"] == calendar_id]
    if row.empty:
        return None
    days = schedule_days()
    days = days[days["calendar_id"] == calendar_id]
    schedules = tuple(
        Schedule(eff, tuple((int(r.isodow), r.start_time, r.end_time) for r in grp.itertuples()))
        for eff, grp in days.groupby("effective_from", sort=True))
    hol = holidays_frame()
    if not schedules:
        return None
    return Calendar(str(row.iloc[0]["timezone"]), schedules,
                    frozenset(hol.loc[hol["calendar_id"] == calendar_id, "day"]))


def describe_calendar(calendar_id: int, today: date | None = None) -> str:
    """'Mon–Fri 09:00–18:00 America/New_York · 10 holidays in 2026'."""
    cal = calendar(calendar_id)
    if cal is None:
        return "no working hours set"
    today = today or datetime.now(cal.zone).date()
    schedule = cal.schedule_on(today) or cal.schedules[0]
    n = sum(1 for d in cal.holidays if d.year == today.year)
    return f"{schedule.describe()} {cal.timezone} · {n} holiday{'s' if n != 1 else ''} in {today.year}"


# --------------------------------------------------------------------------- policies (reads)


POLICY_SCHEMA = {"id": _INT, "code": _STR, "version": _INT, "name": _STR, "rank": _INT, "is_default": _BOOL,
                 "tiers": "object", "sources": "object", "segments": "object", "priorities": "object",
                 "first_touch_minutes": _INT, "first_touch_business": _BOOL, "decision_minutes": _INT,
                 "decision_business": _BOOL, "calendar_id": "Int64", "calendar": _STR, "effective_at": _TS,
                 "superseded_at": _TS, "retired": _BOOL, "note": _STR, "created_by": _STR, "created_at": _TS,
                 "in_force": _BOOL, "handoffs": _INT}


def policy_versions(as_of: datetime | None = None) -> pd.DataFrame:
    """Every policy version (rank order), with ``in_force`` at ``as_of`` and hand-offs measured by it."""
    return _policy_versions(as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _policy_versions(as_of: datetime) -> pd.DataFrame:
    frame = _frame("sla_policy_versions", {"as_of": as_of})
    frame["calendar_id"] = pd.array(frame["calendar_id"], dtype="Int64")
    return _typed(frame, POLICY_SCHEMA)



@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _company_defaults() -> dict:
    with get_engine().connect() as conn:
        return dict(conn.execute(q("sla_company_defaults")).mappings().one())


def applies_to(row) -> str:
    """Human summary of a policy's conditions: 'Tier 1 · High priority' or 'Every other lead'."""
    if row["is_default"]:
        return "Every lead no other policy covers"
    parts = []
    if _present(row["tiers"]):
        parts.append(" or ".join(TIERS.get(int(t), str(t)) for t in row["tiers"]))
    if _present(row["sources"]):
        parts.append("source: " + ", ".join(_source_label(s) for s in row["sources"]))
    if _present(row["segments"]):
        parts.append("size: " + ", ".join(SEGMENTS.get(s, s) for s in row["segments"]))
    if _present(row["priorities"]):
        parts.append(" or ".join(PRIORITIES.get(p, p) for p in row["priorities"]) + " priority")
    return " · ".join(parts) if parts else "Every lead"


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and value != value) and len(value) > 0


def _source_label(code: str) -> str:
    from queries import dimensions

    labels = dict(zip(dimensions.channels()["code"], dimensions.channels()["label"]))
    return labels.get(code, code)


def describe_policy_window(minutes: int, business: bool, cal: Calendar | None = None) -> str:
    text = describe_window(int(minutes), bool(business))
    if business and cal is not None:
        day = cal.schedules[-1]
        per_day = day.weekly_minutes() / max(1, len(day.hours))
        if minutes >= per_day and per_day > 0 and minutes % per_day == 0:
            n = int(minutes // per_day)
            text += f" ({n} working day{'s' if n != 1 else ''})"
    return text


@dataclass(frozen=True)
class SlaTerms:
    """The SLA terms in force (for the Definitions page).

    ``policies``: one row per policy in force, in matching order, columns ``rank``, ``policy``,
    ``version``, ``effective_from`` (local date), ``applies_to``, ``first_touch_window``,
    ``decision_window``, ``calendar``. ``calendars``: one line per calendar in use.
    ``fallback``: what applies when no policy matches. ``commitment``: the agreement for the
    period containing ``as_of`` (or None). ``matching``: the rule in one sentence.
    """

    as_of: datetime
    policies: pd.DataFrame
    calendars: tuple[str, ...]
    fallback: str
    commitment: str | None
    matching: str = ("A hand-off is measured against the policy version in force at its hand-off. Policies are "
                     "tried in rank order and the first whose conditions all match the lead wins; the default "
                     "policy covers every other lead.")
    versions: tuple[str, ...] = field(default_factory=tuple)
    scheduled: tuple[str, ...] = field(default_factory=tuple)   # saved to take effect later


def definitions_summary(as_of: datetime | None = None, tz: str | None = None) -> SlaTerms:
    """The SLA terms in force at ``as_of`` (default now), with their versions."""
    from queries import settings

    as_of = as_of or now_minute()
    tz = tz or settings.company_timezone()
    versions = policy_versions(as_of)
    live = versions[versions["in_force"]]
    cals = {int(c): calendar(int(c)) for c in live["calendar_id"].dropna().unique()}
    rows = []
    for _, r in live.iterrows():
        cal = cals.get(int(r["calendar_id"])) if pd.notna(r["calendar_id"]) else None
        rows.append({
            "rank": "default" if r["is_default"] else int(r["rank"]),
            "policy": r["name"], "version": int(r["version"]),
            "effective_from": r["effective_at"].tz_convert(tz).date(),
            "applies_to": applies_to(r),
            "first_touch_window": describe_policy_window(r["first_touch_minutes"], r["first_touch_business"], cal),
            "decision_window": describe_policy_window(r["decision_minutes"], r["decision_business"], cal),
            "calendar": r["calendar"] if pd.notna(r["calendar"]) else "—",
        })
    policies = pd.DataFrame(rows, columns=["rank", "policy", "version", "effective_from", "applies_to",
                                           "first_touch_window", "decision_window", "calendar"])
    cal_lines = tuple(f"{calendars_frame().set_index('id').loc[cid, 'name']}: "
                      f"{describe_calendar(cid, as_of.astimezone(cal.zone).date())}"
                      for cid, cal in cals.items() if cal is not None)
    defaults = _company_defaults()
    has_default = bool(live["is_default"].any())
    fallback = ("The default policy covers every lead no other policy matches." if has_default else
                ("No SLA policy is in force: every hand-off gets" if live.empty else
                 "No default policy is in force: leads no policy matches get") + " the company defaults, "
                f"{describe_window(defaults['first_touch_minutes'], False)} to first touch and "
                f"{describe_window(defaults['decision_minutes'], False)} to decide (wall-clock).")
    today = as_of.astimezone(zone(tz)).date()
    commitment = None
    for c in commitments().itertuples():
        if c.start_date <= today <= c.end_date:
            bits = [f"{c.mql_volume:,} MQLs from {c.start_date:%d %b} to {c.end_date:%d %b %Y}"]
            if pd.notna(c.min_acceptance_rate):
                bits.append(f"at least {float(c.min_acceptance_rate):.0%} accepted by sales")
            if pd.notna(c.follow_up_target_rate):
                bits.append(f"sales follows up {float(c.follow_up_target_rate):.0%} within the SLA")
            if pd.notna(c.decision_target_rate):
                bits.append(f"decides {float(c.decision_target_rate):.0%} on time")
            commitment = bits[0] + ("; " + "; ".join(bits[1:]) if len(bits) > 1 else "") + "."
    history = tuple(f"{r.name} v{r.version}: from {r.effective_at.tz_convert(tz):%d %b %Y}"
                    + (" (replaced before it took effect)" if never_applied(r) else " (retired)" if r.retired else "")
                    for r in versions.sort_values(["name", "version"]).itertuples())
    return SlaTerms(as_of=as_of, policies=policies, calendars=cal_lines, fallback=fallback, commitment=commitment,
                    versions=history, scheduled=scheduled_changes(versions, as_of, tz))


def first_touch_windows(start: datetime, end: datetime | None = None,
                        as_of: datetime | None = None) -> list[tuple[int, bool]]:
    """The first-touch windows ``(minutes, business)`` of the policy versions in force at some
    instant from ``start`` to ``end`` (exclusive; ``end`` None: the instant ``start``), shortest
    first, without repeats: what "each lead has its own window" means for those dates (the Team SLA
    scorecard's caption, meeting mode's SLA tile). Empty when no policy applied: the company default
    (settings.sla_first_touch_minutes, wall-clock) did. Its own read of the policy table: the
    versions list (:func:`policy_versions`) also counts each version's hand-offs, ~0.1 s at 1M leads."""
    end = end if end is not None else start + timedelta(microseconds=1)
    return list(_first_touch_windows(start, end, as_of or now_minute()))


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _first_touch_windows(start: datetime, end: datetime, as_of: datetime) -> tuple[tuple[int, bool], ...]:
    frame = _frame("sla_first_touch_windows", {"start_at": start, "end_at": end})
    return tuple((int(m), bool(b)) for m, b in zip(frame["first_touch_minutes"], frame["first_touch_business"]))


def windows_text(windows: list[tuple[int, bool]], default_minutes: int) -> str:
    """'from 30 business minutes to 4 business hours', '4 business hours' (one window), or the
    company default's when no policy applied. (pure)"""
    if not windows:
        return f"{describe_window(default_minutes, False)} (the company default)"
    if len(windows) == 1:
        return describe_window(*windows[0])
    first, last = windows[0], windows[-1]
    return f"from {describe_window(*first)} to {describe_window(*last)}"


def never_applied(version) -> bool:
    """A version saved again for the same start before it took effect: it never measured anything."""
    return pd.notna(version.superseded_at) and version.superseded_at <= version.effective_at


def scheduled_changes(versions: pd.DataFrame, as_of: datetime, tz: str) -> tuple[str, ...]:
    """Policy versions saved to take effect after ``as_of``, one line each, soonest first: what the
    other team's lead should know before it applies ("From 25 Nov 2026: Standard follow-up v2 —
    first touch within 2 business hours, ..."). A version replaced before its start is left out.
    (pure: ``versions`` as policy_versions returns them)"""
    if versions.empty:
        return ()
    ahead = versions[(versions["effective_at"] > pd.Timestamp(as_of))].sort_values(["effective_at", "name"])
    lines = []
    for r in ahead.itertuples():
        if never_applied(r):
            continue
        by = f" (saved by {r.created_by})" if isinstance(r.created_by, str) and r.created_by else ""
        start = f"From {r.effective_at.tz_convert(tz):%d %b %Y}: {r.name} v{r.version}"
        if r.retired:
            lines.append(f"{start} is retired{by}.")
        else:
            lines.append(f"{start} — first touch within {describe_window(r.first_touch_minutes, r.first_touch_business)}, "
                         f"accept or reject within {describe_window(r.decision_minutes, r.decision_business)}{by}.")
    return tuple(lines)


@dataclass(frozen=True)
class Preview:
    policy_id: int | None
    policy: str
    version: int | None
    sla_deadline_at: datetime
    decision_due_at: datetime
    first_touch: str
    decision: str


@st.cache_data(ttl=SLA_TTL, show_spinner=False)   # the policies page reruns with the same inputs on every click
def preview(at: datetime, tier: int, source: str, segment: str, priority: str) -> Preview:
    """Which policy a lead with these attributes handed off at ``at`` gets, and its deadlines."""
    with get_engine().connect() as conn:
        row = conn.execute(q("sla_policy_preview"), {"at": at, "tier": tier, "source": source, "segment": segment,
                                                     "priority": priority}).mappings().one()
    if row["policy_id"] is None:
        d = _company_defaults()
        return Preview(None, "Company defaults (no policy matches)", None, row["sla_deadline_at"],
                       row["decision_due_at"], describe_window(d["first_touch_minutes"], False),
                       describe_window(d["decision_minutes"], False))
    return Preview(row["policy_id"], row["name"], row["version"], row["sla_deadline_at"], row["decision_due_at"],
                   describe_window(row["first_touch_minutes"], row["first_touch_business"]),
                   describe_window(row["decision_minutes"], row["decision_business"]))


# --------------------------------------------------------------------------- policies (writes)


@dataclass(frozen=True)
class Saved:
    """What a policy write did: the new version row, its number, and hand-offs re-measured."""

    id: int
    version: int
    remeasured: int


@dataclass
class PolicyInput:
    """A new version of a policy (``code`` None = a new policy)."""

    name: str
    first_touch_minutes: int
    first_touch_business: bool
    decision_minutes: int
    decision_business: bool
    effective_from: date
    rank: int = 100
    tiers: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    calendar_id: int | None = None
    note: str = ""
    code: str | None = None
    is_default: bool = False

    def cleaned(self, known_sources: set[str], today: date | None = None) -> "PolicyInput":
        """The input as stored, or SlaError listing every problem at once (one per save took a save
        per mistake: a blank name, then a zero window, then no conditions). ``today`` (the company's):
        the effective date is checked against it (:func:`policy_date_problem`)."""
        problems: list[str] = []
        name = " ".join(_text(self.name).split())
        if not name:
            problems.append("Give the policy a name, e.g. 'Tier 1 fast lane'.")
        elif len(name) > 80:
            problems.append("Keep the policy name under 80 characters.")
        for label, value, top in (("first-touch window", self.first_touch_minutes, MAX_FIRST_TOUCH_MINUTES),
                                  ("decision window", self.decision_minutes, MAX_DECISION_MINUTES)):
            if value is None or int(value) != value or not 1 <= int(value) <= top:
                problems.append(f"The {label} must be a whole number of minutes between 1 and {top:,} "
                                f"({top // 1440} days).")
        if not 1 <= int(self.rank) <= 999:
            problems.append("The rank must be between 1 and 999 (lower ranks are tried first).")
        if self.effective_from is None:
            problems.append("Pick the date the policy takes effect.")
        elif today is not None:
            problem = policy_date_problem(self.effective_from, today, "The date it takes effect")
            if problem:
                problems.append(problem)
        if len(_text(self.note).strip()) > MAX_POLICY_NOTE_CHARS:
            problems.append(too_long("The note", len(_text(self.note).strip()), MAX_POLICY_NOTE_CHARS))
        for label, chosen, known in (("tier(s)", self.tiers, set(TIERS)), ("source(s)", self.sources, known_sources),
                                     ("segment(s)", self.segments, set(SEGMENTS)),
                                     ("priority(ies)", self.priorities, set(PRIORITIES))):
            unknown = set(chosen) - known
            if unknown:
                problems.append(f"Unknown {label}: {', '.join(map(str, sorted(unknown)))}.")
        is_default = self.is_default or self.code == "default"
        if is_default and (self.tiers or self.sources or self.segments or self.priorities):
            problems.append("The default policy covers every lead no other policy matches, so it has no conditions.")
        if not is_default and not (self.tiers or self.sources or self.segments or self.priorities):
            problems.append("Say which leads this policy covers (tier, source, segment or priority). "
                            "The default policy already covers every other lead.")
        if (self.first_touch_business or self.decision_business) and self.calendar_id is None:
            problems.append("A business-hours window needs a calendar: pick one, or use wall-clock time.")
        if problems:
            raise SlaError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
        return PolicyInput(name, int(self.first_touch_minutes), bool(self.first_touch_business),
                           int(self.decision_minutes), bool(self.decision_business), self.effective_from,
                           int(self.rank), sorted(set(self.tiers)), sorted(set(self.sources)),
                           sorted(set(self.segments)), sorted(set(self.priorities)),
                           self.calendar_id if (self.first_touch_business or self.decision_business) else None,
                           _text(self.note).strip(), self.code, is_default)


def policy_date_problem(day: date, today: date, what: str) -> str | None:
    """A policy version's (or retirement's) date: at most a year ahead, and not before the calendars'
    first day. None when it is fine. (Back-dating stays open: a correction from the first day of the
    data is a real use; the save says from which day and how many hand-offs it re-measured.)"""
    latest = min(CALENDAR_LAST_DAY, today + timedelta(days=MAX_POLICY_DAYS_AHEAD))
    return date_problem(day, what, CALENDAR_FIRST_DAY, latest,
                        " (at most a year ahead: a version scheduled later cannot be taken back)")


def _effective_instant(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), zone(tz)).astimezone(timezone.utc)


def _new_code(conn, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "policy"
    if base == "default":
        base = "default_rule"
    taken = set(conn.execute(q("sla_policy_codes")).scalars())
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def name_key(name: str) -> str:
    """What two policy names must not share: compared ignoring case, Unicode width and spacing."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def _check_name_free(conn, code: str, name: str, effective_at: datetime, rank: int | None = None) -> None:
    """Refuse a name — or, for a non-default policy, a rank — another policy has while this version
    is in force (under the ``sla_lock_policy_names`` lock). Two policies on one rank would be tried
    in an order nobody chose. Python, not a constraint: "in force" depends on the versions after a
    row, which a unique index cannot express."""
    key = name_key(name)
    others = conn.execute(q("sla_policy_names_from"), {"code": code, "at": effective_at}).mappings().all()
    for other in others:
        if name_key(other["name"]) == key:
            raise SlaError(f"Another policy is already called “{other['name']}” (names are compared ignoring case "
                           "and spaces). Pick another name, or change that policy instead.")
    for other in others:
        if rank is not None and not other["is_default"] and other["rank"] == rank:
            taken = sorted({int(o["rank"]) for o in others if not o["is_default"]})
            raise SlaError(f"“{other['name']}” already has rank {rank}: policies are tried in rank order, so two on "
                           f"one rank would be tried in an order nobody chose. Pick a free rank (taken: "
                           f"{', '.join(map(str, taken))}).")


def _known_sources() -> set[str]:
    from queries import dimensions

    return set(dimensions.channels()["code"])


def save_policy(actor: User, data: PolicyInput, expected_version: int | None, tz: str,
                submission: str | None = None) -> Saved:
    """Add a version of a policy (or a new policy) taking effect at 00:00 of ``effective_from`` in
    ``tz``; recompute the hand-offs it may change. ``expected_version``: the latest version the
    editor saw (None for a new policy). ``submission``: the form's key (queries.submissions): a
    second submission of the same form raises AlreadySubmitted and saves nothing (it used to be
    refused as a stale edit, or a name already taken, by its own first one)."""
    _require(actor, "sla.edit", "changing SLA policies")
    data = data.cleaned(_known_sources(), local_today(tz))
    effective_at = _effective_instant(data.effective_from, tz)
    try:
        with get_engine().begin() as conn:
            conn.execute(q("sla_lock_policy_names"))
            # under the lock, before the version and name checks: a second post waits, then finds its key
            submissions.claim(conn, submission, "sla_policy.new" if data.code is None else "sla_policy.version")
            code = data.code or ("default" if data.is_default else _new_code(conn, data.name))
            latest = conn.execute(q("sla_policy_latest"), {"code": code}).mappings().first()
            version = _next_version(latest, expected_version, effective_at, tz, new_policy=data.code is None)
            _check_name_free(conn, code, data.name, effective_at, None if data.is_default else int(data.rank))
            params = {**{k: v for k, v in data.__dict__.items() if k not in ("effective_from", "code")},
                      "code": code, "version": version, "effective_at": effective_at, "retired": False,
                      "tiers": data.tiers or None, "sources": data.sources or None,
                      "segments": data.segments or None, "priorities": data.priorities or None,
                      "actor_user_id": actor.id}
            policy_id = conn.execute(q("sla_policy_insert"), params).scalar_one()
            new = {**{k: v for k, v in params.items() if k != "actor_user_id"}, "id": policy_id}
            # old → new: the version it follows, field by field (the entry listed every field as new,
            # so the log could not say which window or rule a new version changed)
            old = None
            if latest:
                before = conn.execute(q("sla_policy_row"), {"id": latest["id"]}).mappings().one()
                old = {k: (list(before[k]) if isinstance(before[k], (list, tuple)) else before[k])
                       for k in new if k in before}
            audit.record(conn, actor.id, "sla_policy.version", "sla_policy", code, old, new)
            remeasured = refresh(conn, reaching=effective_at)
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    metrics.clear_caches()
    return Saved(policy_id, version, remeasured)


def retire_policy(actor: User, code: str, effective_from: date, expected_version: int, tz: str,
                  submission: str | None = None) -> Saved:
    """End a policy from a date on (a 'retired' version); leads it covered fall to later ranks.
    ``submission``: the retire button's key (queries.submissions), claimed under the policy lock
    before the version check: a double click's second post raises AlreadySubmitted and retires
    nothing (it was refused as "someone saved version n", its own first one; two posts at once
    could also fail on the version's unique key, untranslated)."""
    _require(actor, "sla.edit", "changing SLA policies")
    if code == "default":
        raise SlaError("The default policy cannot be retired; change its windows instead.")
    if effective_from is None:
        raise SlaError("Pick the date the policy is retired from.")
    problem = policy_date_problem(effective_from, local_today(tz), "The retirement date")
    if problem:
        raise SlaError(problem)
    effective_at = _effective_instant(effective_from, tz)
    try:
        with get_engine().begin() as conn:
            conn.execute(q("sla_lock_policy_names"))   # as a save: one write to the policies at a time
            # under the lock, before the version check: a second post waits, then finds its key
            submissions.claim(conn, submission, "sla_policy.retire")
            latest = conn.execute(q("sla_policy_latest"), {"code": code}).mappings().first()
            if latest is None:
                raise SlaError("That policy does not exist.")
            version = _next_version(latest, expected_version, effective_at, tz, new_policy=False)
            old = conn.execute(q("sla_policy_row"), {"id": latest["id"]}).mappings().one()
            if old["retired"]:
                raise SlaError("That policy is already retired.")
            params = {k: old[k] for k in ("name", "rank", "is_default", "tiers", "sources", "segments", "priorities",
                                          "first_touch_minutes", "first_touch_business", "decision_minutes",
                                          "decision_business", "calendar_id")}
            params = {**params, "tiers": list(old["tiers"]) if old["tiers"] else None,
                      "code": code, "version": version, "effective_at": effective_at, "retired": True,
                      "note": f"Retired from {effective_from:%d %b %Y}", "actor_user_id": actor.id}
            policy_id = conn.execute(q("sla_policy_insert"), params).scalar_one()
            audit.record(conn, actor.id, "sla_policy.retire", "sla_policy", code, {"version": latest["version"]},
                         {"version": version, "retired": True, "effective_at": effective_at})
            remeasured = refresh(conn, reaching=effective_at)
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    metrics.clear_caches()
    return Saved(policy_id, version, remeasured)


def _next_version(latest, expected_version, effective_at, tz, *, new_policy: bool) -> int:
    if latest is None:
        if expected_version not in (None, 0):
            raise StaleEdit("That policy no longer exists. Reload the page.")
        return 1
    if new_policy:
        raise SlaError("A policy with that name already exists; edit it instead.")
    if expected_version != latest["version"]:
        raise StaleEdit(f"Someone saved version {latest['version']} of this policy while you were editing. "
                        f"Your changes were not saved: compare them with version {latest['version']} in the "
                        "history and save again.")
    if effective_at < latest["effective_at"]:
        raise SlaError(f"Version {latest['version']} takes effect on "
                       f"{latest['effective_at'].astimezone(zone(tz)):%d %b %Y}; a new version must take effect "
                       "on that date or later. To correct it, save a version with that same date.")
    return latest["version"] + 1


def _translate(exc: sa.exc.IntegrityError) -> SlaError:
    text = str(exc.orig)
    if "sla_policy_code_version_key" in text:
        return StaleEdit("Someone saved a version of this policy at the same moment. Reload and try again.")
    if "sla_commitment_no_overlap" in text:
        return SlaError("Another commitment already covers part of these dates. Edit that one, or pick dates "
                        "that do not overlap.")
    if "business_calendar_name_key" in text:
        return SlaError("Another calendar already has that name.")
    return SlaError(f"The database refused the change: {text.splitlines()[0]}")


def refresh(conn: sa.Connection, lead_ids: list[int] | None = None, reaching: datetime | None = None) -> int:
    """Recompute hand-offs' policy, deadlines and minutes (inside the caller's transaction)."""
    conn.execute(q("sla_no_statement_timeout"))
    return conn.execute(q("sla_refresh"), {"lead_ids": lead_ids, "reaching": reaching}).scalar_one()


# --------------------------------------------------------------------------- calendars (writes)


def _lock_calendar(conn, calendar_id: int, expected_version: int, submission: str | None = None,
                   kind: str = "calendar") -> dict:
    """Lock the calendar's row and check it is still at ``expected_version``. ``submission``: the
    form's key, claimed under the lock and before the version check (a double click's second post
    waits for the first, then raises AlreadySubmitted instead of "someone changed this calendar")."""
    row = conn.execute(q("sla_calendar_for_update"), {"id": calendar_id}).mappings().first()
    if row is None:
        raise SlaError("That calendar no longer exists. Reload the page.")
    submissions.claim(conn, submission, kind)
    if row["version"] != expected_version:
        raise StaleEdit("Someone changed this calendar while you were editing. Your changes were not saved; "
                        "reload to see the current calendar and apply them again.")
    return dict(row)


def _bump(conn, calendar_id: int, version: int) -> None:
    conn.execute(q("sla_calendar_touch"), {"id": calendar_id, "version": version})


def create_calendar(actor: User, name: str, timezone_name: str, start: str = "09:00", end: str = "17:00",
                    submission: str | None = None) -> int:
    """A new calendar with Monday–Friday hours from 2000 on. ``submission`` as for :func:`save_policy`
    (a second submission of the form was refused: "another calendar already has that name")."""
    _require(actor, "sla.edit", "changing calendars")
    name = " ".join(_text(name).split())
    if not name:
        raise SlaError("Give the calendar a name.")
    try:
        zone(timezone_name)
        schedule = Schedule.weekdays(start, end)
    except CalendarError as err:
        raise SlaError(str(err)) from None
    try:
        with get_engine().begin() as conn:
            submissions.claim(conn, submission, "calendar.create")   # before the name's unique index is tried
            cal_id = insert_calendar(conn, name, timezone_name)
            with rebuilding_days_once(conn, cal_id):
                _write_schedule(conn, cal_id, schedule)
            audit.record(conn, actor.id, "calendar.create", "business_calendar", cal_id, None,
                         {"name": name, "timezone": timezone_name, "hours": schedule.describe()})
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    metrics.clear_caches()
    return cal_id


def save_calendar(actor: User, calendar_id: int, name: str, timezone_name: str, expected_version: int,
                  submission: str | None = None) -> int:
    """Rename a calendar or change its time zone (recomputes every hand-off). Returns the new version.
    ``submission`` as for :func:`save_policy`."""
    _require(actor, "sla.edit", "changing calendars")
    name = " ".join(_text(name).split())
    if not name:
        raise SlaError("Give the calendar a name.")
    try:
        zone(timezone_name)
    except CalendarError as err:
        raise SlaError(str(err)) from None
    try:
        with get_engine().begin() as conn:
            old = _lock_calendar(conn, calendar_id, expected_version, submission, "calendar.update")
            version = conn.execute(q("sla_calendar_update"), {"id": calendar_id, "name": name,
                                                              "timezone": timezone_name,
                                                              "version": expected_version}).scalar_one()
            audit.record(conn, actor.id, "calendar.update", "business_calendar", calendar_id,
                         {"name": old["name"], "timezone": old["timezone"]}, {"name": name, "timezone": timezone_name})
            if old["timezone"] != timezone_name:
                refresh(conn)
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    except sa.exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "AB020":
            raise SlaError(str(exc.orig).splitlines()[0]) from None
        raise
    metrics.clear_caches()
    return version


def save_schedule(actor: User, calendar_id: int, effective_from: date, hours: dict[int, tuple[str, str] | None],
                  expected_version: int, tz: str, submission: str | None = None) -> int:
    """Weekly working hours from ``effective_from`` on (``hours``: ISO weekday → (start, end) or None).
    Returns how many hand-offs were re-measured. ``submission`` as for :func:`save_policy`."""
    _require(actor, "sla.edit", "changing calendars")
    if effective_from is None:
        raise SlaError("Pick the date the new hours start.")
    problem = calendar_date_problem(effective_from, "The date the new hours start")
    if problem:
        raise SlaError(problem)
    try:
        schedule = Schedule(effective_from, tuple((d, parse_hhmm(s), parse_hhmm(e, end=True))
                                                  for d, pair in sorted(hours.items()) if pair
                                                  for s, e in [pair]))
    except CalendarError as err:
        raise SlaError(str(err)) from None
    with get_engine().begin() as conn:
        _lock_calendar(conn, calendar_id, expected_version, submission, "calendar.hours")
        replaced = _stored_hours(conn, calendar_id, effective_from)   # the same date's hours, overwritten
        with rebuilding_days_once(conn, calendar_id):
            _write_schedule(conn, calendar_id, schedule)
        _bump(conn, calendar_id, expected_version)
        audit.record(conn, actor.id, "calendar.hours", "business_calendar", calendar_id,
                     None if replaced is None else {"effective_from": effective_from, "hours": replaced},
                     {"effective_from": effective_from, "hours": schedule.describe()})
        remeasured = _remeasure_from(conn, effective_from, tz)
    metrics.clear_caches()
    return remeasured


def delete_schedule(actor: User, calendar_id: int, effective_from: date, expected_version: int, tz: str,
                    submission: str | None = None) -> int:
    """Remove the weekly hours that start on ``effective_from``. Returns how many hand-offs were
    re-measured. ``submission``: the remove button's key, as for :func:`save_schedule` (a double
    click's second post was refused: "someone changed this calendar", its own first one)."""
    _require(actor, "sla.edit", "changing calendars")
    with get_engine().begin() as conn:
        _lock_calendar(conn, calendar_id, expected_version, submission, "calendar.hours_removed")
        remaining = conn.execute(q("sla_schedule_count"), {"calendar_id": calendar_id}).scalar_one()
        if remaining <= 1:
            raise SlaError("A calendar needs weekly hours; change them instead of removing the only version.")
        removed = _stored_hours(conn, calendar_id, effective_from)
        if conn.execute(q("sla_schedule_delete"), {"calendar_id": calendar_id,
                                                   "effective_from": effective_from}).first() is None:
            raise SlaError("That version of the working hours no longer exists. Reload the page.")
        _bump(conn, calendar_id, expected_version)
        audit.record(conn, actor.id, "calendar.hours_removed", "business_calendar", calendar_id,
                     {"effective_from": effective_from, "hours": removed}, None)
        remeasured = _remeasure_from(conn, effective_from, tz)
    metrics.clear_caches()
    return remeasured


def _remeasure_from(conn, day: date, tz: str) -> int:
    """Re-measure, in the caller's transaction, the hand-offs a change to a calendar's hours or
    holidays from ``day`` on can alter: those whose measured span reaches the day before it
    (docs/sla.md, refresh_handoff_sla). Returns how many changed."""
    return refresh(conn, reaching=_effective_instant(day, tz) - timedelta(days=1))


def _stored_hours(conn, calendar_id: int, effective_from: date) -> str | None:
    """The weekly hours stored from ``effective_from`` as the audit shows them ('Mon–Fri 09:00–17:00';
    'closed every day' for a version without working days); None when no version starts that day."""
    rows = conn.execute(q("sla_schedule_days_at"), {"calendar_id": calendar_id,
                                                    "effective_from": effective_from}).all()
    if not rows:
        return None
    hours = tuple((int(r.isodow), r.start_time, r.end_time) for r in rows if r.isodow is not None)
    return Schedule(effective_from, hours).describe() if hours else "closed every day"


@contextmanager
def rebuilding_days_once(conn, calendar_id: int):
    """Writes to one calendar's hours, holidays or schedule versions inside the ``with`` block
    rebuild its working days once, at the end of the block, instead of once per statement (saving
    hours is three statements, each a rebuild of 18,628 days; migration 0020). The days are
    current again when the block ends, in the same transaction, before anything reads them; if
    the block raises, the transaction rolls back with the setting (it is transaction-local)."""
    conn.execute(q("sla_defer_business_days"))
    yield
    conn.execute(q("sla_rebuild_business_days"), {"calendar_id": calendar_id})


def insert_calendar(conn, name: str, timezone_name: str) -> int:
    """A new calendar row whose working days are not built yet: follow it with its hours inside
    :func:`rebuilding_days_once`, which builds them once (the insert's own trigger would build a
    closed calendar's days first)."""
    conn.execute(q("sla_defer_business_days"))
    return conn.execute(q("sla_calendar_insert"), {"name": name, "timezone": timezone_name}).scalar_one()


def _write_schedule(conn, calendar_id: int, schedule: Schedule) -> None:
    """A schedule version's hours (call it inside :func:`rebuilding_days_once`: three statements)."""
    schedule_id = conn.execute(q("sla_schedule_upsert"), {"calendar_id": calendar_id,
                                                          "effective_from": schedule.effective_from}).scalar_one()
    conn.execute(q("sla_schedule_days_clear"), {"schedule_id": schedule_id})
    conn.execute(q("sla_schedule_days_insert"), {"schedule_id": schedule_id,
                                                 "isodows": [d for d, _, _ in schedule.hours],
                                                 "start_times": [format_hhmm(s) for _, s, _ in schedule.hours],
                                                 # an end at midnight is stored as 24:00
                                                 "end_times": [format_hhmm(e, end=True) for _, _, e in schedule.hours]})


def calendar_date_problem(day: date, what: str) -> str | None:
    """A calendar's date (holiday, new hours) inside the span business calendars cover, or the message."""
    return date_problem(day, what, CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY, " (the days business calendars cover)")


def save_holidays(actor: User, calendar_id: int, days: dict[date, str], expected_version: int, tz: str,
                  *, rename: bool = False, submission: str | None = None) -> int:
    """Add closed days (``rename``: also rename days already closed, e.g. an import of official
    names; otherwise a day already closed under another name is refused, never silently renamed).
    Returns how many hand-offs were re-measured. ``submission`` as for :func:`save_policy` (a second
    submission was refused as a stale edit, before "nothing changed" could say it was there)."""
    _require(actor, "sla.edit", "changing calendars")
    clean = {}
    for day, name in days.items():
        name = " ".join(_text(name).split())
        if not isinstance(day, date):
            raise SlaError("Pick a date for each holiday.")
        if not name:
            raise SlaError(f"Give the holiday on {day:%d %b %Y} a name.")
        problem = calendar_date_problem(day, "A holiday")
        if problem:
            raise SlaError(problem)
        if len(name) > MAX_HOLIDAY_NAME_CHARS and not rename:   # an import's official name is cut instead
            raise SlaError(too_long("The holiday's name", len(name), MAX_HOLIDAY_NAME_CHARS))
        clean[day] = name[:MAX_HOLIDAY_NAME_CHARS]
    if not clean:
        raise SlaError("Pick at least one date.")
    with get_engine().begin() as conn:
        _lock_calendar(conn, calendar_id, expected_version, submission,
                       "calendar.holidays_imported" if rename else "calendar.holidays_added")
        ordered = sorted(clean.items())
        existing = {r.day: r.name for r in conn.execute(q("sla_holidays_on"), {
            "calendar_id": calendar_id, "days": [d for d, _ in ordered]})}
        renamed = {d: old for d, old in existing.items() if old != clean[d]}
        if renamed and not rename:
            raise SlaError("Already a holiday: " + "; ".join(f"{d:%a %d %b %Y} is {old!r}" for d, old in
                                                             sorted(renamed.items()))
                           + ". Remove it first to give the day another name.")
        changed = [(d, n) for d, n in ordered if existing.get(d) != n]
        if not changed:   # nothing to store: no new calendar version, no re-measure of every hand-off
            raise SlaError("Nothing changed: " + ("; ".join(f"{d:%a %d %b %Y} is already {n!r}" for d, n in ordered)
                                                  if len(ordered) <= 3 else
                                                  f"all {len(ordered)} of these holidays are in the calendar already")
                           + ".")
        conn.execute(q("sla_holidays_upsert"), {"calendar_id": calendar_id, "days": [d for d, _ in changed],
                                                "names": [n for _, n in changed]})
        _bump(conn, calendar_id, expected_version)
        audit.record(conn, actor.id, "calendar.holidays_added", "business_calendar", calendar_id,
                     {d.isoformat(): n for d, n in sorted(renamed.items())} or None,
                     {d.isoformat(): n for d, n in changed})
        remeasured = _remeasure_from(conn, changed[0][0], tz)
    metrics.clear_caches()
    return remeasured


def remove_holiday(actor: User, calendar_id: int, day: date, expected_version: int, tz: str,
                   submission: str | None = None) -> int:
    """Open a closed day again. Returns how many hand-offs were re-measured. ``submission``: the
    remove button's key, as for :func:`save_holidays` (a double click's second post was refused:
    "someone changed this calendar", its own first one)."""
    _require(actor, "sla.edit", "changing calendars")
    with get_engine().begin() as conn:
        _lock_calendar(conn, calendar_id, expected_version, submission, "calendar.holiday_removed")
        name = conn.execute(q("sla_holiday_delete"), {"calendar_id": calendar_id, "day": day}).scalar()
        if name is None:
            raise SlaError("That holiday was already removed. Reload the page.")
        _bump(conn, calendar_id, expected_version)
        audit.record(conn, actor.id, "calendar.holiday_removed", "business_calendar", calendar_id,
                     {day.isoformat(): name}, None)
        remeasured = _remeasure_from(conn, day, tz)
    metrics.clear_caches()
    return remeasured


def public_holidays(country: str, years: list[int], subdivision: str | None = None) -> dict[date, str]:
    """Public holidays from the ``holidays`` package (maintained upstream, 200+ countries)."""
    import holidays as pyholidays

    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip() or None
    table = None
    for subdiv in dict.fromkeys((subdivision, subdivision.upper() if subdivision else None)):  # "ca" is CA
        try:
            table = pyholidays.country_holidays(country, subdiv=subdiv, years=years)
            break
        except (NotImplementedError, KeyError):
            continue
    if table is None:
        raise SlaError(f"No public-holiday list for '{country}'"
                       + (f" / '{subdivision}'" if subdivision else "")
                       + ". Use a two-letter country code such as US, GB or DE.")
    return {d: name for d, name in sorted(table.items())}


# --------------------------------------------------------------------------- commitments


COMMITMENT_SCHEMA = {"id": _INT, "start_date": "object", "end_date": "object", "mql_volume": _INT,
                     "min_acceptance_rate": _FLOAT, "follow_up_target_rate": _FLOAT,
                     "decision_target_rate": _FLOAT, "note": _STR, "version": _INT, "updated_by": _STR,
                     "updated_at": _TS}


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def commitments() -> pd.DataFrame:
    return _frame("sla_commitments", schema=COMMITMENT_SCHEMA)


@dataclass(frozen=True)
class Commitment:
    """The agreement over a reporting period: commitments pro-rated by the days they overlap it."""

    mql_volume: float
    min_acceptance_rate: float | None
    follow_up_target_rate: float | None
    decision_target_rate: float | None
    coverage: float          # share of the period's days covered by commitments
    prorated: bool           # True when some commitment only partly overlaps the period
    sources: tuple[str, ...]
    daily: tuple[float, ...] = ()   # MQLs committed for each day of the period (0 where none runs)


def commitment_for(period: Period) -> Commitment | None:
    """Committed MQLs for ``period`` (pro-rated by overlapping days), with the rates in force."""
    return commitment_over(commitments(), period)


def commitment_over(frame: pd.DataFrame, period: Period) -> Commitment | None:
    volume, covered, prorated, labels = 0.0, 0, False, []
    daily = [0.0] * period.days
    rates: dict[str, list[tuple[float, int]]] = {"min_acceptance_rate": [], "follow_up_target_rate": [],
                                                 "decision_target_rate": []}
    for c in frame.itertuples():
        start, end = max(c.start_date, period.start), min(c.end_date, period.end)
        if end < start:
            continue
        days = (end - start).days + 1
        total = (c.end_date - c.start_date).days + 1
        volume += c.mql_volume * days / total
        for i in range((start - period.start).days, (end - period.start).days + 1):
            daily[i] += c.mql_volume / total
        covered += days
        prorated |= days < total
        labels.append(f"{c.start_date:%d %b %Y} – {c.end_date:%d %b %Y}")
        for k in rates:
            v = getattr(c, k)
            if pd.notna(v):
                rates[k].append((float(v), days))
    if not covered:
        return None

    def weighted(k):
        pairs = rates[k]
        return sum(v * d for v, d in pairs) / sum(d for _, d in pairs) if pairs else None

    return Commitment(volume, weighted("min_acceptance_rate"), weighted("follow_up_target_rate"),
                      weighted("decision_target_rate"), covered / period.days, prorated, tuple(labels), tuple(daily))


def delivery(period: Period, commitment: Commitment | None, mql_days_frame: pd.DataFrame,
             as_of: datetime) -> Pace | None:
    """Marketing's MQLs against the commitment, with pace, over the days commitments cover
    (:func:`queries.sla_math.delivery_pace`); ``mql_days_frame`` from :func:`queries.metrics.mql_first_days`."""
    if commitment is None or not commitment.daily:
        return None
    committed = {period.start + timedelta(days=i): v for i, v in enumerate(commitment.daily)}
    by_day = {}
    if not mql_days_frame.empty:
        by_day = dict(zip(pd.to_datetime(mql_days_frame["bucket"]).dt.date, mql_days_frame["mqls"].astype(float)))
    today = local_today(period.tz, as_of)
    elapsed = {d: 1.0 for d in committed if d < today}
    if today in committed:
        elapsed[today] = Period(today, today, period.tz).elapsed_share(as_of)
    return delivery_pace(by_day, committed, elapsed)


def two_sided_numbers(period: Period, commitment: Commitment | None, as_of: datetime, *, mqls: pd.DataFrame,
                      acceptance: pd.DataFrame, compliance: pd.DataFrame, decisions: pd.DataFrame,
                      mql_days: pd.DataFrame, filters: Filters = NO_FILTERS,
                      first_touch: pd.DataFrame | None = None) -> dict:
    """The two-sided SLA's numbers as a JSON-ready mapping, built from the reads of one period and
    filters at ``as_of`` (totals of metrics.mqls_delivered, acceptance, sla_compliance, first_touch,
    :func:`decision_timeliness`; ``mql_days`` from metrics.mql_first_days). components.sla_tiles
    draws the tiles, statuses and notes from it, on the two-sided SLA page and on a meeting's SLA
    slide, which stores it with its frozen numbers (adding its charts' frames and ``period``).
    ``first_touch``: the slide's median first touch (the page shows none)."""
    pace = delivery(period, commitment, mql_days, as_of)
    return {
        "pace": period.elapsed_share(as_of),
        "mqls": int(mqls["mqls"].sum()) if not mqls.empty else 0,
        "acceptance": _total(acceptance), "compliance": _total(compliance), "timeliness": _total(decisions),
        **({} if first_touch is None else {"first_touch": _total(first_touch)}),
        "commitment": None if commitment is None else {
            "mql_volume": commitment.mql_volume, "min_acceptance_rate": commitment.min_acceptance_rate,
            "follow_up_target_rate": commitment.follow_up_target_rate,
            "decision_target_rate": commitment.decision_target_rate, "coverage": commitment.coverage,
            "prorated": commitment.prorated, "daily": [round(v, 4) for v in commitment.daily],
            "sources": list(commitment.sources)},
        # MQLs of the days commitments cover, what those days commit and the share of it due by as_of
        "delivery": None if pace is None else {"delivered": pace.delivered, "elapsed_share": pace.elapsed_share,
                                               "committed": pace.committed},
        "period": {"text": period.describe()},   # a meeting's payload replaces it with its own, text included
        "filtered": not filters.is_empty,
    }


def _total(frame: pd.DataFrame) -> dict:
    """The single total row of a metric, its numbers JSON-ready; {} when it has none."""
    return {k: json_number(v) for k, v in frame.iloc[0].to_dict().items() if k != "bucket"} if not frame.empty else {}


@dataclass
class CommitmentInput:
    start_date: date
    end_date: date
    mql_volume: int
    min_acceptance_rate: float | None = None
    follow_up_target_rate: float | None = None
    decision_target_rate: float | None = None
    note: str = ""

    def cleaned(self) -> "CommitmentInput":
        if self.start_date is None or self.end_date is None:
            raise SlaError("Pick the first and last day the commitment covers.")
        if self.end_date < self.start_date:
            raise SlaError("The commitment ends before it starts.")
        for what, day in (("The first day", self.start_date), ("The last day", self.end_date)):
            problem = date_problem(day, what, RECORD_EARLIEST, RECORD_LATEST)
            if problem:
                raise SlaError(problem)
        if (self.end_date - self.start_date).days > 366:
            raise SlaError("Commit per month, quarter or year: at most 366 days.")
        if self.mql_volume is None or int(self.mql_volume) != self.mql_volume or self.mql_volume < 1:
            raise SlaError("The committed MQL volume must be a whole number, 1 or more (a commitment of 0 MQLs "
                           "promises nothing; delete the commitment instead).")
        if self.mql_volume > MAX_MQL_VOLUME:
            raise SlaError(f"The committed MQL volume can be at most {MAX_MQL_VOLUME:,}.")
        out = {}
        for k in ("min_acceptance_rate", "follow_up_target_rate", "decision_target_rate"):
            v = getattr(self, k)
            if v is not None:
                v = float(v)
                if v > 1:  # entered as a percentage
                    v = v / 100
                if not 0 <= v <= 1:
                    raise SlaError("Rates are percentages between 0 and 100.")
            out[k] = v
        return CommitmentInput(self.start_date, self.end_date, int(self.mql_volume), note=_text(self.note).strip(),
                               **out)


#: Each side's terms of the commitment: a lead changes their own side's (an admin either).
COMMITMENT_TERMS = {"marketing": ("mql_volume", "min_acceptance_rate"),
                    "sales": ("follow_up_target_rate", "decision_target_rate")}
TERM_NAMES = {"mql_volume": "the MQL volume", "min_acceptance_rate": "the minimum acceptance rate",
              "follow_up_target_rate": "the follow-up target", "decision_target_rate": "the on-time decision target"}


def commitment_sides(actor: User) -> set[str]:
    """The sides of the commitment ``actor`` may change: marketing leads marketing's promise (MQL
    volume and quality), sales leads sales' (follow-up and decisions); admins both."""
    if actor.has("admin"):
        return set(COMMITMENT_TERMS)
    return ({"marketing"} if actor.has("marketing_lead") else set()) | ({"sales"} if actor.has("sales_lead") else set())


def _check_sides(actor: User, old: dict, new: "CommitmentInput") -> None:
    def differs(a, b) -> bool:
        if a is None or b is None:
            return (a is None) != (b is None)
        return abs(float(a) - float(b)) > 1e-9

    for side, terms in COMMITMENT_TERMS.items():
        changed = [t for t in terms if differs(old[t], getattr(new, t))]
        if changed and side not in commitment_sides(actor):
            names = " and ".join(TERM_NAMES[t] for t in changed)
            raise NotAllowed(f"{names[0].upper()}{names[1:]} "
                             f"{'is' if len(changed) == 1 else 'are'} {side}'s promise: a {side} lead (or an "
                             "admin) changes it. Nothing was saved.")


def _same_commitment(old: dict, new: "CommitmentInput") -> bool:
    """Whether the stored commitment ``old`` already says what ``new`` does (a cleaned input)."""
    def same(a, b) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return abs(float(a) - float(b)) < 1e-9

    return (old["start_date"], old["end_date"], int(old["mql_volume"])) == (new.start_date, new.end_date, new.mql_volume) \
        and (old["note"] or "") == (new.note or "") \
        and all(same(old[t], getattr(new, t)) for t in ("min_acceptance_rate", "follow_up_target_rate",
                                                        "decision_target_rate"))


def save_commitment(actor: User, data: CommitmentInput, commitment_id: int | None = None,
                    expected_version: int | None = None, submission: str | None = None) -> int:
    """Create a commitment (either lead may propose one), or change one: each lead only their own
    side's terms (:func:`commitment_sides`); dates and note are shared. ``submission``: the form's
    key (queries.submissions): a double click's second post raises AlreadySubmitted and saves
    nothing (it was refused by its own first one: a new commitment as "another commitment already
    covers part of these dates", a change as "someone changed this commitment")."""
    actor = _require(actor, "sla.edit", "changing the SLA commitment")   # its sides as stored now, too
    data = data.cleaned()
    params = {**data.__dict__, "actor_user_id": actor.id}
    try:
        with get_engine().begin() as conn:
            if commitment_id is None:
                # before the dates' exclusion constraint is tried: a second post at the same moment
                # waits on the key's unique index until the first commits, then finds it claimed
                submissions.claim(conn, submission, "sla_commitment.create")
                commitment_id = conn.execute(q("sla_commitment_insert"), params).scalar_one()
                audit.record(conn, actor.id, "sla_commitment.create", "sla_commitment", commitment_id, None,
                             data.__dict__)
            else:
                old = conn.execute(q("sla_commitment_for_update"), {"id": commitment_id}).mappings().first()
                if old is None:
                    raise SlaError("That commitment was deleted. Reload the page.")
                # under the row lock, before the version check
                submissions.claim(conn, submission, "sla_commitment.update")
                if old["version"] == expected_version and _same_commitment(dict(old), data):
                    # nothing to change: no new version, no audit entry (a double click's second
                    # click can land on the form redrawn with what the first one saved)
                    return commitment_id
                _check_sides(actor, dict(old), data)
                if conn.execute(q("sla_commitment_update"), {**params, "id": commitment_id,
                                                             "version": expected_version}).first() is None:
                    raise StaleEdit("Someone changed this commitment while you were editing. Your changes were "
                                    "not saved; reload it and apply them again.")
                audit.record(conn, actor.id, "sla_commitment.update", "sla_commitment", commitment_id,
                             {k: v for k, v in dict(old).items() if k not in ("id", "version")}, data.__dict__)
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    commitments.clear()
    return commitment_id


def delete_blocked_by(actor: User, commitment) -> list[str]:
    """The sides whose promise a deletion by ``actor`` would remove without being theirs to change
    (each side owns its terms: deleting the commitment, then recording a new one, went round that)."""
    return [side for side, terms in COMMITMENT_TERMS.items()
            if side not in commitment_sides(actor) and any(pd.notna(commitment[t]) for t in terms)]


def delete_commitment(actor: User, commitment_id: int, expected_version: int, submission: str | None = None) -> None:
    """Delete a commitment (who may: :func:`delete_blocked_by`). ``submission``: the delete button's
    key, claimed first: a double click's second post, which found the row gone ("that commitment
    was already deleted"), raises AlreadySubmitted; at the same moment, it waits for the first."""
    actor = _require(actor, "sla.edit", "changing the SLA commitment")   # its sides as stored now
    with get_engine().begin() as conn:
        submissions.claim(conn, submission, "sla_commitment.delete")
        old = conn.execute(q("sla_commitment_for_update"), {"id": commitment_id}).mappings().first()
        if old is None:
            raise SlaError("That commitment was already deleted.")
        blocked = delete_blocked_by(actor, old)
        if blocked:
            whose = " and ".join(f"{side}'s" for side in blocked)
            raise NotAllowed(f"Deleting this commitment would remove {whose} promise too, which a {blocked[0]} lead "
                             "(or an admin) changes. Change your own side's terms instead, or ask them. Nothing "
                             "was deleted.")
        if conn.execute(q("sla_commitment_delete"), {"id": commitment_id, "version": expected_version}).first() is None:
            raise StaleEdit("Someone changed this commitment while you were looking at it; reload and try again.")
        audit.record(conn, actor.id, "sla_commitment.delete", "sla_commitment", commitment_id,
                     {k: v for k, v in dict(old).items() if k not in ("id", "version")}, None)
    commitments.clear()


# --------------------------------------------------------------------------- the rep's own SLA


@dataclass(frozen=True)
class RepInfo:
    id: int
    full_name: str
    team_id: int
    team_name: str
    team_function: str


def rep_info(rep_id: int) -> RepInfo | None:
    return _rep_info(rep_id)


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _rep_info(rep_id: int) -> RepInfo | None:
    with get_engine().connect() as conn:
        row = conn.execute(q("sla_rep_info"), {"rep_id": rep_id}).mappings().first()
    return None if row is None else RepInfo(row["id"], row["full_name"], row["team_id"], row["team_name"],
                                            row["team_function"])


OPEN_SCHEMA = {"handoff_id": _INT, "lead_id": _INT, "lead_name": _STR, "email": _STR, "job_title": _STR,
               "account": _STR, "tier": _INT, "source": _STR, "priority": _STR, "score": _INT,
               "handed_off_at": _TS, "status": _STR, "touch_due_at": _TS, "decide_due_at": _TS, "next_due_at": _TS,
               "policy": _STR}


def open_handoffs(user: User, rep_id: int | None = None, as_of: datetime | None = None) -> pd.DataFrame:
    """The rep's open hand-offs (undecided, or accepted and untouched), most urgent first.

    Live: ``as_of`` defaults to the *end* of the current LIVE_REFRESH_SECONDS slot, cached that
    long. Rounded up, not down: nothing can be handed off, touched or decided after now, and a
    decision just made (My hand-offs clears this cache) counts at once; rounded down, a lead
    accepted a few seconds ago was listed as still to accept or reject for up to half a minute.
    """
    rep = rep_scope(user, rep_id)
    if as_of is None:
        now = datetime.now(timezone.utc)
        slot = now.replace(second=now.second // LIVE_REFRESH_SECONDS * LIVE_REFRESH_SECONDS, microsecond=0)
        as_of = slot + timedelta(seconds=LIVE_REFRESH_SECONDS)
    return _open_handoffs(rep, as_of)


@st.cache_data(ttl=LIVE_REFRESH_SECONDS, show_spinner=False)
def _open_handoffs(rep_id: int, as_of: datetime) -> pd.DataFrame:
    return _frame("sla_open_handoffs", {"rep_id": rep_id, "as_of": as_of}, OPEN_SCHEMA)


BREACH_SCHEMA = {"handoff_id": _INT, "lead_id": _INT, "lead_name": _STR, "email": _STR, "account": _STR, "tier": _INT,
                 "source": _STR, "handed_off_at": _TS, "sla_deadline_at": _TS, "first_touch_at": _TS,
                 "minutes_to_first_touch": _FLOAT, "breach": _STR, "over_minutes": _FLOAT, "window_minutes": _INT,
                 "business": _BOOL, "policy": _STR, "status": _STR, "now_with": _STR}


def rep_breaches(user: User, period: Period, rep_id: int | None = None, as_of: datetime | None = None) -> pd.DataFrame:
    """The rep's breaches among hand-offs in the period (late or untouched), with the lead behind each."""
    return _rep_breaches(rep_scope(user, rep_id), period, as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _rep_breaches(rep_id: int, period: Period, as_of: datetime) -> pd.DataFrame:
    return _frame("sla_rep_breaches", {"rep_id": rep_id, "as_of": as_of, **period.bounds()}, BREACH_SCHEMA)


@dataclass(frozen=True)
class Totals:
    """SLA compliance and speed over a set of hand-offs, by the rules of sla_compliance and
    first_touch: a rep's or their team's week or period (My SLA), or a period's total (the team
    scorecard, which labels it: "this period", the comparison period)."""

    label: str = ""
    handed_off: int = 0
    met: int = 0
    breached_untouched: int = 0
    breached: int = 0           # touched late or untouched past the deadline
    pending: int = 0
    untouched: int = 0
    compliance_rate: float | None = None
    median_minutes: float | None = None
    p90_minutes: float | None = None

    @property
    def breached_late(self) -> int:
        """Breaches touched after their deadline."""
        return self.breached - self.breached_untouched


_TOTALS_COUNTS = ("handed_off", "met", "breached_untouched", "breached", "pending", "untouched")
_TOTALS_MEASURES = ("compliance_rate", "median_minutes", "p90_minutes")


def _none(value):
    return None if value is None or (isinstance(value, float) and value != value) else value


def _totals(row, label: str = "") -> Totals:
    """The :class:`Totals` in a query's row (a mapping or a frame's row), its columns named as the
    fields."""
    def measure(k):
        value = row[k]
        return _none(None if value is None else float(value))

    return Totals(label, **{k: int(row[k]) for k in _TOTALS_COUNTS},
                  **{k: measure(k) for k in _TOTALS_MEASURES})


@dataclass(frozen=True)
class RepStanding:
    me_week: Totals
    me_period: Totals
    team_week: Totals
    team_period: Totals
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)  # bucket, compliance_rate, team_compliance_rate


def rep_standing(user: User, period: Period, week: Period, rep_id: int | None = None,
                 as_of: datetime | None = None) -> RepStanding:
    """The rep's compliance this week and this period, and median / p90 to first touch, vs their
    team; with the weekly compliance over the period (one scan of the team's hand-offs)."""
    rep = rep_scope(user, rep_id)
    info = rep_info(rep)
    if info is None:
        raise SlaError("That rep no longer exists.")
    return _rep_standing(rep, info.team_id, period, week, as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _rep_standing(rep_id: int, team_id: int, period: Period, week: Period, as_of: datetime) -> RepStanding:
    with get_engine().connect() as conn:
        rows = {r["span"]: r for r in conn.execute(q("sla_rep_standing"), {
            "rep_id": rep_id, "team_id": team_id, "as_of": as_of, "tz": period.tz, "start_at": period.start_at,
            "end_at": period.end_at, "week_start_at": week.start_at, "week_end_at": week.end_at}).mappings()}

    row = rows["me_period"]   # every row holds the weekly arrays
    weekly = _typed(pd.DataFrame({"bucket": row["weekly_buckets"] or [], "compliance_rate": row["weekly_me"] or [],
                                  "team_compliance_rate": row["weekly_team"] or []}),
                    {"bucket": _DAY, "compliance_rate": _FLOAT, "team_compliance_rate": _FLOAT})
    return RepStanding(*(_totals(rows[span]) for span in ("me_week", "me_period", "team_week", "team_period")), weekly)


# --------------------------------------------------------------------------- team views


TIMELINESS_SCHEMA = {"bucket": _DAY, "dim_key": _STR, "dim_label": _STR, "handed_off": _INT, "on_time": _INT,
                     "late": _INT, "overdue": _INT, "pending": _INT, "on_time_rate": _FLOAT}


def decision_timeliness(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none", dim: str = "total",
                        as_of: datetime | None = None) -> pd.DataFrame:
    """Share of hand-offs decided (accepted or rejected) by their decision due date."""
    return _decision_timeliness(period, filters, grain, dim, as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _decision_timeliness(period, filters, grain, dim, as_of):
    bound = metrics.params(period, filters, grain, dim, owner_basis="decision", as_of=as_of)
    return _frame("sla_decision_timeliness", bound, TIMELINESS_SCHEMA)


def touch_vs_window(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Hand-offs per band of time-to-first-touch ÷ window: columns band, label, within, handoffs."""
    return _touch_vs_window(period, filters, as_of or now_minute())


def window_bands() -> pd.DataFrame:
    edges = (0.0,) + WINDOW_BOUNDS
    rows = [{"band": -2, "label": "Untouched, inside window", "kind": "pending"},
            {"band": -1, "label": "Untouched, past deadline", "kind": "breach"}]
    for i in range(len(edges)):
        lo = edges[i]
        hi = edges[i + 1] if i + 1 < len(edges) else None
        label = f"< {hi:.0%}" if lo == 0 else (f"{lo:.0%}–{hi:.0%}" if hi else f"≥ {lo:.0%}")
        rows.append({"band": i, "label": label, "kind": "met" if i <= MET_BAND_MAX else "late"})
    return pd.DataFrame(rows)


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _touch_vs_window(period, filters, as_of):
    counts = _frame("sla_touch_vs_window", metrics.params(period, filters, as_of=as_of,
                                                              bounds=list(WINDOW_BOUNDS), met_band_max=MET_BAND_MAX),
                    {"band": _INT, "handoffs": _INT})
    out = window_bands().merge(counts, on="band", how="left")
    out["handoffs"] = out["handoffs"].fillna(0).astype(_INT)
    return out


UNTOUCHED_SCHEMA = {"handoff_id": _INT, "lead_id": _INT, "lead_name": _STR, "email": _STR, "account": _STR,
                    "tier": _INT, "source": _STR, "owner": _STR, "team": _STR, "handed_off_at": _TS,
                    "sla_deadline_at": _TS, "status": _STR, "overdue_minutes": _FLOAT}


def untouched(user: User, period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None,
              limit: int = UNTOUCHED_LIMIT) -> pd.DataFrame:
    """Lead-level list of untouched breaches (newest first); for users who may see every rep. A read:
    ``user`` is who app.py re-read this run (as :func:`rep_scope` checks), not one more read per run."""
    if not user.can("see_all_reps"):
        raise NotAllowed("Your role does not allow seeing other reps' leads.")
    return _untouched(period, filters, as_of or now_minute(), limit)


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _untouched(period, filters, as_of, limit):
    bound = metrics.params(period, filters, owner_basis="first_touch", as_of=as_of, limit=limit)
    return _frame("sla_untouched", bound, UNTOUCHED_SCHEMA)


SCORECARD_SCHEMA = {"slice": _STR, "dim_key": _STR, "dim_label": _STR, "team": _STR, "bucket": _DAY,
                    "handed_off": _INT, "met": _INT, "breached_late": _INT, "breached_untouched": _INT,
                    "breached": _INT, "pending": _INT, "untouched": _INT, "compliance_rate": _FLOAT,
                    "median_minutes": _FLOAT, "p90_minutes": _FLOAT}


@dataclass(frozen=True)
class Decisions:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0
    on_time_rate: float | None = None


@dataclass(frozen=True)
class Scorecard:
    """The team scorecard. Frames have dim_key, dim_label, handed_off, met, breached_late,
    breached_untouched, breached, pending, untouched, compliance_rate, median_minutes, p90_minutes;
    ``by_team`` / ``by_rep`` also ``trend`` (weekly compliance list) and ``by_rep`` ``team``."""

    total: Totals
    previous: Totals | None     # None: the comparison period starts before the data, so no changes
    decisions: Decisions
    by_team: pd.DataFrame
    by_rep: pd.DataFrame
    by_source: pd.DataFrame
    by_tier: pd.DataFrame
    team_trend: pd.DataFrame
    rep_trend: pd.DataFrame
    bands: pd.DataFrame
    comparison: Period | None = None   # the period changes are measured against (the scoreboard's)
    data_start: date | None = None     # the first lead's or opportunity's local date

    @property
    def comparison_note(self) -> str:
        """What the changes compare with, or why none are shown (the scoreboard's wording)."""
        if self.previous is None:
            return calc.before_data_text(self.comparison, self.data_start)
        return (f"Changes compare with {self.previous.label}, read at the same age as this period (decisions and "
                "touches made later are left out).")


def scorecard(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> Scorecard:
    """Everything the team scorecard shows: one scan of the period grouped several ways (incl. the
    touch-vs-window bands), decision timeliness, and the previous period's totals."""
    return _scorecard(period, filters, as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _scorecard(period: Period, filters: Filters, as_of: datetime) -> Scorecard:
    params = metrics.params(period, filters, as_of=as_of, bounds=list(WINDOW_BOUNDS), met_band_max=MET_BAND_MAX)
    # The scoreboard's comparison: a period in progress against the previous one up to the same point.
    # No changes against a comparison period that starts before the data does, as on the scoreboard.
    prev_period = calc.comparison_period(period, local_today(period.tz, as_of), as_of)
    data_start = dimensions.data_start(period.tz)

    def previous_row():
        with get_engine().connect() as conn:
            return conn.execute(q("sla_scorecard_totals"), metrics.params(
                prev_period, filters, as_of=calc.comparison_as_of(period, prev_period, as_of))).mappings().one()

    # Decision timeliness counts each hand-off for the rep who held it at its decision or due time
    # (decision_owner_id), so with owner or team filters it selects other hand-offs than the scan
    # below: the two-sided page's own read, shared through its cache. The three reads side by side.
    reads = {"frame": lambda: _frame("sla_scorecard", params, SCORECARD_SCHEMA),
             "timely": lambda: _decision_timeliness(period, filters, "none", "total", as_of)}
    if not calc.comparison_before_data(prev_period, data_start):
        reads["previous"] = previous_row
    read = parallel.fetch(reads)
    frame = read["frame"]
    part = {name: rows.drop(columns=["slice"]).reset_index(drop=True) for name, rows in frame.groupby("slice")}
    empty = frame.iloc[0:0].drop(columns=["slice"])

    def get(name):
        return part.get(name, empty)

    def with_trend(rows, weekly):
        # Weeks without a known outcome have no rate: left out, as a null in the list would make
        # the table show the list as text instead of a sparkline.
        series = {k: [float(v) for v in g.sort_values("bucket")["compliance_rate"] if _none(v) is not None]
                  for k, g in weekly.groupby("dim_key")}
        rows = rows.copy()
        rows["trend"] = [series.get(k, []) for k in rows["dim_key"]]
        return rows

    total_rows = get("total")
    total = _totals(total_rows.iloc[0], "this period") if not total_rows.empty else Totals(label="this period")
    timely = read["timely"]
    decisions = Decisions()
    if not timely.empty:
        r = timely.iloc[0]
        decisions = Decisions(int(r.on_time), int(r.late), int(r.overdue), int(r.pending), _none(r.on_time_rate))
    previous = _totals(read["previous"], calc.comparison_text(prev_period)) if "previous" in read else None
    counts = get("band")[["dim_key", "handed_off"]].rename(columns={"handed_off": "handoffs"})
    counts["band"] = counts["dim_key"].astype(int)
    bands = window_bands().merge(counts[["band", "handoffs"]], on="band", how="left")
    bands["handoffs"] = bands["handoffs"].fillna(0).astype(_INT)
    tier = get("tier").sort_values("dim_key").reset_index(drop=True)
    return Scorecard(total=total, previous=previous, decisions=decisions,
                     by_team=with_trend(get("team"), get("team_week")), by_rep=with_trend(get("rep"), get("rep_week")),
                     by_source=get("source"), by_tier=tier, team_trend=get("team_week"), rep_trend=get("rep_week"),
                     bands=bands, comparison=prev_period, data_start=data_start)


# --------------------------------------------------------------------------- leads slipping through


SLIPPING_SCHEMA = {"handoff_id": _INT, "lead_id": _INT, "kind": _STR, "lead_name": _STR, "email": _STR,
                   "job_title": _STR, "score": _INT, "priority": _STR, "account": _STR, "tier": _INT, "source": _STR,
                   "campaign": _STR, "owner_id": _INT, "owner": _STR, "team_id": _INT, "team": _STR,
                   "handed_off_at": _TS, "decided_at": _TS, "first_touch_at": _TS, "due_at": _TS,
                   "age_minutes": _FLOAT, "overdue_minutes": _FLOAT, "lead_activity_since_handoff": _INT}


def slipping(user: User, *, team_ids: tuple[int, ...] = (), owner_ids: tuple[int, ...] = (),
             kinds: tuple[str, ...] = (), max_overdue_days: int | None = None, as_of: datetime | None = None,
             limit: int = SLIPPING_LIMIT) -> pd.DataFrame:
    """Leads slipping through, most recently slipped first, with ``action`` (what the owner needs to
    do). ``max_overdue_days``: only those overdue at most that long (None = any).

    Users who may not see every rep get their own hand-offs only.
    """
    return _slipping(*_slipping_args(user, team_ids, owner_ids, kinds, max_overdue_days, as_of), limit)


def _slipping_args(user: User, team_ids, owner_ids, kinds, max_overdue_days, as_of) -> tuple:
    """The cache key of the slipping list and its summary: canonical filters, the visibility rule
    applied (users who may not see every rep get their own hand-offs only), the as-of minute."""
    if not user.can("see_all_reps"):
        owner_ids = (rep_scope(user),)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise SlaError(f"Unknown situation(s): {', '.join(sorted(unknown))}.")
    return (tuple(sorted(int(t) for t in team_ids)), tuple(sorted(int(o) for o in owner_ids)),
            tuple(sorted(kinds)), None if max_overdue_days is None else int(max_overdue_days),
            as_of or now_minute())


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _slipping(team_ids, owner_ids, kinds, max_overdue_days, as_of, limit):
    frame = _frame("sla_slipping", {"team_ids": list(team_ids), "owner_ids": list(owner_ids), "kinds": list(kinds),
                                    "max_overdue_minutes": None if max_overdue_days is None else max_overdue_days * 1440,
                                    "as_of": as_of, "limit": limit}, SLIPPING_SCHEMA)
    frame["situation"] = frame["kind"].map(KINDS).astype(_STR)
    frame["action"] = [action_for(kind, touched, activity) for kind, touched, activity in
                       zip(frame["kind"], frame["first_touch_at"].notna(),
                           frame["lead_activity_since_handoff"].fillna(0))]
    return frame


@dataclass(frozen=True)
class SlippingSummary:
    """Counts of every lead slipping through (the list shows at most SLIPPING_LIMIT of them)."""

    total: int
    recent: int                      # deadline missed at most RECENT_SLIP_MINUTES ago
    max_age_minutes: float | None    # the oldest slipping hand-off's age
    by_kind: pd.DataFrame            # kind, leads, recent, median_overdue_minutes
    by_owner: pd.DataFrame           # owner_id, owner, team, leads, recent (most recent slips first)

    def kind(self, kind: str) -> tuple[int, float | None]:
        """(leads, median minutes past the deadline) of one situation."""
        row = self.by_kind[self.by_kind["kind"] == kind]
        if row.empty:
            return 0, None
        return int(row["leads"].iloc[0]), float(row["median_overdue_minutes"].iloc[0])


def slipping_summary(user: User, *, team_ids: tuple[int, ...] = (), owner_ids: tuple[int, ...] = (),
                     kinds: tuple[str, ...] = (), max_overdue_days: int | None = None,
                     as_of: datetime | None = None) -> SlippingSummary:
    """Counts behind :func:`slipping` with the same filters and visibility, over every slipping lead."""
    return _slipping_summary(*_slipping_args(user, team_ids, owner_ids, kinds, max_overdue_days, as_of))


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def _slipping_summary(team_ids, owner_ids, kinds, max_overdue_days, as_of) -> SlippingSummary:
    frame = _frame("sla_slipping_summary",
                   {"team_ids": list(team_ids), "owner_ids": list(owner_ids), "kinds": list(kinds),
                    "max_overdue_minutes": None if max_overdue_days is None else max_overdue_days * 1440,
                    "as_of": as_of, "recent_minutes": float(RECENT_SLIP_MINUTES)},
                   {"kind": _STR, "owner_id": "Int64", "owner": _STR, "team": _STR, "leads": _INT, "recent": _INT,
                    "median_overdue_minutes": _FLOAT, "max_age_minutes": _FLOAT, "by_kind": _BOOL,
                    "by_owner": _BOOL})
    total = frame[~frame["by_kind"] & ~frame["by_owner"]]
    by_kind = frame[frame["by_kind"]][["kind", "leads", "recent", "median_overdue_minutes"]]
    by_owner = (frame[frame["by_owner"]][["owner_id", "owner", "team", "leads", "recent"]]
                .sort_values(["recent", "leads", "owner"], ascending=[False, False, True]))
    row = total.iloc[0]   # the () grouping set gives its row even when nothing slips (0 leads)
    return SlippingSummary(int(row["leads"]), int(row["recent"]),
                           None if pd.isna(row["max_age_minutes"]) else float(row["max_age_minutes"]),
                           by_kind.reset_index(drop=True), by_owner.reset_index(drop=True))


def action_for(kind: str, touched: bool, activity: int = 0) -> str:
    """What the owner needs to do about a slipping lead (copy for the list; pure). Short enough to
    read whole in the list's column at 1366 px: how long ago is in the Overdue and Age columns
    beside it ('Contact the lead and accept or reject: no decision and no contact 3.2 days after
    the hand-off.' was cut to '... 3.2 days after the hand-')."""
    hint = f"; lead active {int(activity)}× since" if activity else ""
    if kind == "decision_overdue":
        if not touched:
            return f"Contact, then accept or reject (not contacted yet{hint})"
        return f"Accept or reject (contacted, no decision{hint})"
    return f"Call or e-mail now (accepted, never contacted{hint})"


@st.cache_data(ttl=SLA_TTL, show_spinner=False)
def reassign_targets() -> pd.DataFrame:
    return _frame("sla_reassign_targets", schema={"id": _INT, "full_name": _STR, "team_id": _INT, "team_name": _STR,
                                                  "team_function": _STR, "open_handoffs": _INT})


def reassign(actor: User, handoff_ids: list[int], new_owner_id: int, expected_owner_ids: dict[int, int],
             comment: str = "") -> int:
    """Move open hand-offs to another rep: one 'reassigned' lead_event each, audited, all or nothing.

    ``expected_owner_ids``: hand-off id → the owner the user saw; if any changed meanwhile,
    nothing is reassigned. Returns how many hand-offs moved.
    """
    actor = _require(actor, "handoffs.reassign", "reassigning leads")   # its rep signs the events
    handoff_ids = [int(h) for h in handoff_ids]
    new_owner_id = int(new_owner_id)
    expected_owner_ids = {int(k): int(v) for k, v in expected_owner_ids.items()}
    if not handoff_ids:
        raise SlaError("Select at least one lead to reassign.")
    targets = reassign_targets()
    target = targets[targets["id"] == new_owner_id]
    if target.empty:
        raise SlaError("Pick an active rep in a sales or sales-development team.")
    moved = 0
    now = datetime.now(timezone.utc)
    try:
        with get_engine().begin() as conn:
            for hid in sorted(set(handoff_ids)):
                row = conn.execute(q("sla_handoff_for_reassign"), {"handoff_id": hid}).mappings().first()
                if row is None or not row["is_latest"] or row["decision"] == "rejected":
                    raise SlaError("One of the selected leads has been decided or handed off again since the list "
                                   "was loaded; nothing was reassigned. Reload the list.")
                if row["owner_id"] != expected_owner_ids.get(hid, row["owner_id"]):
                    raise StaleEdit("One of the selected leads was reassigned by someone else meanwhile; nothing "
                                    "was reassigned. Reload the list.")
                if row["owner_id"] == new_owner_id:
                    continue
                event_id = conn.execute(q("sla_reassign_event"), {
                    "lead_id": row["lead_id"], "occurred_at": now, "owner_id": new_owner_id,
                    "actor_rep_id": actor.rep_id, "actor_user_id": actor.id,
                    "comment": (comment or "").strip() or None}).scalar_one()
                audit.record(conn, actor.id, "handoff.reassign", "handoff", hid, {"owner_id": row["owner_id"]},
                             {"owner_id": new_owner_id, "lead_event_id": event_id})
                moved += 1
    except sa.exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "AB004":
            raise SlaError("One of the selected leads has no open hand-off any more; nothing was reassigned. "
                           "Reload the list.") from None
        raise
    metrics.clear_caches()
    return moved
