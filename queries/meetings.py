"""Meeting mode: meetings and their agenda, decisions and action items (audited writes), and the
numbers each section shows, live or frozen.

Numbers come from the other features' read functions (scoreboard, metrics, goals, sla); this
module only picks the period and the moment, and packs the results into a JSON-able *payload*
per section, which the presentation and the export both render (so they cannot disagree).

Live: a section is computed at ``as_of`` = now floored to the minute, for the meeting's period
preset resolved on that day; cached for ``METRIC_TTL`` (the interval the presentation refreshes
at). Frozen: :func:`freeze` stores ``frozen_at`` in the meeting row and, in the same transaction,
the payload of every data section computed with ``as_of = frozen_at`` (``meeting_snapshot``,
append-only). Every viewer then reads the same stored numbers. See docs/meetings.md.

Numbers computed for a moment already past (a freeze stored late, as the demo's past meeting's is)
leave out what happened after that moment: the period's leads, MQLs, hand-offs and deals are cut
at the end of the as-of minute (:class:`PeriodUntil`), and goals created later are left out.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, calc, dimensions, goals, metrics, scoreboard, settings, sla, sqlfiles, submissions, users
from queries.access import ACTIONS, User
from queries.db import get_engine
from queries.goal_math import ATTENTION, STATUSES
from queries.meeting_rules import (DATA_SECTIONS, SECTIONS, ActionInput, AgendaItemInput,
                                   DecisionInput, MeetingError, MeetingInput, NotAllowed, StaleMeeting,
                                   check_meeting_day, clean_agenda, default_agenda, frame_to_json, json_number, minute_floor, parse_owner)
from queries.periods import Period, events_cut, local_today, preset_period, zone
from queries.sqlfiles import q

__all__ = ["MeetingError", "StaleMeeting", "NotAllowed", "Meeting", "AgendaItem"]

#: Choices for pickers (owners, goals, criteria) may be this many seconds old.
CHOICES_TTL = 60
#: Frozen payloads never change; keep them in the process this long.
FROZEN_TTL = 3600
#: Lead-level rows of "leads slipping through" kept in a payload (the counts cover every lead).
SLIPPING_ROWS = 25
#: The meeting computes team-wide numbers once for every viewer. Lead-level rows are filtered per
#: viewer when shown (components.meeting_view.visible_slipping), as the SLA pages do.
_TEAM_READER = User(id=0, username="meeting", display_name="Meeting (team-wide read)", email="",
                    roles=frozenset({"executive"}))


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class Meeting:
    id: int
    title: str
    scheduled_at: datetime
    status: str
    period_preset: str
    presenter_user_id: int | None
    presenter: str | None
    frozen_at: datetime | None
    frozen_by: str | None
    started_at: datetime | None
    ended_at: datetime | None
    current_item_id: int | None
    current_item_since: datetime | None
    version: int

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_live(self) -> bool:
        return self.status == "live"

    @property
    def held_at(self) -> datetime:
        """When it was held (started), else planned: the order of meetings (open actions)."""
        return self.started_at or self.scheduled_at

    def as_of(self, now: datetime | None = None) -> datetime:
        """The moment the numbers are measured at: the freeze, or now (whole minute)."""
        return self.frozen_at or minute_floor(now or datetime.now(timezone.utc))


@dataclass(frozen=True)
class AgendaItem:
    id: int
    kind: str
    title: str | None
    position: int
    planned_minutes: int
    used_seconds: int

    @property
    def label(self) -> str:
        return self.title if self.kind == "topic" and self.title else SECTIONS[self.kind].title

    def as_input(self) -> AgendaItemInput:
        return AgendaItemInput(self.kind, self.planned_minutes, self.title, self.id)


def _meeting(row) -> Meeting:
    return Meeting(**{f.name: row[f.name] for f in dataclasses.fields(Meeting)})


def list_meetings() -> pd.DataFrame:
    """Every meeting, newest first: id, title, scheduled_at, status, presenter, frozen_at, counts."""
    frame = sqlfiles.frame("meetings_list")
    if not frame.empty:
        frame["scheduled_at"] = pd.to_datetime(frame["scheduled_at"], utc=True)
    return frame


def get(meeting_id: int) -> Meeting | None:
    """The meeting as stored now (uncached: freeze and presenter position are shared state)."""
    with get_engine().connect() as conn:
        row = conn.execute(q("meeting_get"), {"id": int(meeting_id)}).mappings().first()
    return None if row is None else _meeting(row)


def agenda(meeting_id: int) -> tuple[AgendaItem, ...]:
    with get_engine().connect() as conn:
        rows = conn.execute(q("meeting_agenda"), {"meeting_id": int(meeting_id)}).mappings().all()
    return tuple(AgendaItem(r["id"], r["kind"], r["title"], r["position"], r["planned_minutes"], r["used_seconds"])
                 for r in rows)


_ACTION_TS = ("meeting_at", "meeting_held_at", "done_at", "created_at")


def _actions_frame(name: str, params: dict) -> pd.DataFrame:
    frame = sqlfiles.frame(name, params)
    for col in _ACTION_TS:
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def decisions(meeting_id: int) -> pd.DataFrame:
    frame = sqlfiles.frame("meeting_decisions", {"meeting_id": int(meeting_id)})
    if "created_at" in frame:
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def actions(meeting_id: int) -> pd.DataFrame:
    return _actions_frame("meeting_actions", {"meeting_id": int(meeting_id)})


def open_actions(meeting: Meeting) -> pd.DataFrame:
    """Open action items from meetings held (else planned) before this one, most overdue first."""
    return _actions_frame("meeting_open_actions_before", {"meeting_id": meeting.id, "held_at": meeting.held_at})


def done_since_last(meeting: Meeting) -> pd.DataFrame:
    """Earlier meetings' action items marked done since the previous meeting."""
    return _actions_frame("meeting_actions_done_since", {"meeting_id": meeting.id, "held_at": meeting.held_at})


@st.cache_data(ttl=CHOICES_TTL, show_spinner=False)
def owner_choices() -> pd.DataFrame:
    """kind ('u' user / 'r' rep without a user), id, name, team, function."""
    return sqlfiles.frame("meeting_owner_choices")


@st.cache_data(ttl=CHOICES_TTL, show_spinner=False)
def presenter_choices() -> pd.DataFrame:
    return sqlfiles.frame("meeting_presenter_choices", {"roles": sorted(ACTIONS["meeting.present"])})


@st.cache_data(ttl=CHOICES_TTL, show_spinner=False)
def goal_choices() -> pd.DataFrame:
    return sqlfiles.frame("meeting_goal_choices")


@st.cache_data(ttl=CHOICES_TTL, show_spinner=False)
def criteria_choices() -> pd.DataFrame:
    return sqlfiles.frame("meeting_criteria_choices")


# --------------------------------------------------------------------------- the numbers


def period_for(meeting: Meeting, as_of: datetime, tz: str | None = None) -> Period:
    """The meeting's reporting period, resolved on the as-of day in the company time zone."""
    tz = tz or settings.company_timezone()
    return preset_period(meeting.period_preset, local_today(tz, as_of), tz)


def section_numbers(meeting: Meeting, kind: str, as_of: datetime | None = None) -> dict:
    """A data section's payload: the stored one when the meeting is frozen, else computed live."""
    if kind not in DATA_SECTIONS:
        raise ValueError(f"'{kind}' is not a data section")
    if meeting.is_frozen:
        stored = frozen_numbers(meeting.id, meeting.frozen_at)
        if kind in stored:
            return stored[kind]
        # Frozen before this section existed, or never stored (the demo's past meeting): compute
        # it for the frozen moment (events after it left out: compute_section) and store it once,
        # so every viewer gets the same numbers from now on.
        payload = compute_section(kind, period_for(meeting, meeting.frozen_at), meeting.frozen_at)
        with get_engine().begin() as conn:
            _store_snapshot(conn, meeting.id, meeting.frozen_at, kind, payload, None)
        frozen_numbers.clear()
        return frozen_numbers(meeting.id, meeting.frozen_at).get(kind, payload)
    as_of = as_of or meeting.as_of()
    return live_numbers(kind, period_for(meeting, as_of), as_of)


@st.cache_data(ttl=metrics.METRIC_TTL, show_spinner=False)
def live_numbers(kind: str, period: Period, as_of: datetime) -> dict:
    """A section's payload at ``as_of``, shared by every viewer for one refresh interval."""
    return compute_section(kind, period, as_of)


@st.cache_data(ttl=FROZEN_TTL, show_spinner=False)
def frozen_numbers(meeting_id: int, frozen_at: datetime) -> dict[str, dict]:
    """The stored payloads of one freeze: section → payload."""
    with get_engine().connect() as conn:
        rows = conn.execute(q("meeting_snapshots_of"), {"meeting_id": meeting_id, "frozen_at": frozen_at}).all()
    return {section: payload for section, payload in rows}


def compute_section(kind: str, period: Period, as_of: datetime, now: datetime | None = None) -> dict:
    """A section's payload at ``as_of``. When ``as_of`` is past (a freeze stored late), events after it
    are left out (:func:`events_cut`); the payload's ``events_until`` says where they were cut.
    Decisions on hand-offs are read as of ``as_of`` (``decisions_as_of``)."""
    builders = {"scoreboard": _scoreboard_numbers, "goals": _goals_numbers, "acceptance": _acceptance_numbers,
                "sla": _sla_numbers, "slipping": _slipping_numbers}
    now = now or datetime.now(timezone.utc)
    cut = events_cut(period, as_of, now)
    payload = builders[kind](cut, as_of)
    until = getattr(cut, "until", None)
    payload.update(kind=kind, as_of=as_of.isoformat(), period=_period_json(period),
                   events_until=None if until is None else until.isoformat(),
                   decisions_as_of=True,  # accept/reject decisions read as of as_of (older payloads: as computed)
                   computed_at=now.replace(microsecond=0).isoformat())
    return json.loads(json.dumps(payload, default=_json_default))  # exactly what a snapshot stores


def _json_default(value):
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    number = json_number(value)
    if number is value:
        raise TypeError(f"cannot store a {type(value).__name__} in a meeting payload")
    return number


def _period_json(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "tz": period.tz,
            "label": period.label, "text": period.describe()}


def _row(frame: pd.DataFrame) -> dict:
    return {k: json_number(v) for k, v in frame.iloc[0].to_dict().items()} if not frame.empty else {}


def _scoreboard_numbers(period: Period, as_of: datetime) -> dict:
    sb = scoreboard.scoreboard(period, as_of=as_of)
    return {**scoreboard.numbers(sb), "comparison_period": _period_json(sb.comparison),
            "sla_minutes": settings.sla_first_touch_minutes(), "currency": settings.currency()}


def _goals_numbers(period: Period, as_of: datetime) -> dict:
    until = getattr(period, "until", None)
    if until is None:
        evaluated = goals.evaluated(period, as_of=as_of, record_snapshots=False)
    else:  # the goals as they were at that moment: not those set later, but those archived since
        evaluated = [e for e in goals.evaluated(period, as_of=as_of, record_snapshots=False, include_archived=True)
                     if e.goal.created_at < until and (e.goal.archived_at is None or e.goal.archived_at >= until)]
    order = {s: i for i, s in enumerate(ATTENTION)}
    rows = []
    for ev in sorted(evaluated, key=lambda e: (e.goal.parent_id is not None, order.get(e.progress.status, 9),
                                               e.goal.title)):
        g, p = ev.goal, ev.progress
        last = goals.checkin_as_of(g, as_of)
        rows.append({
            "id": g.id, "title": g.title, "parent_id": g.parent_id, "parent_title": g.parent_title,
            "metric": g.metric, "metric_label": g.spec.label if g.spec else None,
            "unit": g.unit, "unit_label": g.unit_label, "lower_is_better": g.lower_is_better,
            "cumulative": g.cumulative, "target": g.target, "value": json_number(p.value),
            "attainment": json_number(p.attainment), "pace": json_number(p.pace),
            "projected": json_number(p.projected), "status": p.status, "data_status": p.data_status,
            "status_label": STATUSES.get(p.status, p.status), "period_text": g.describe_period(),
            "start": g.start.isoformat(), "end": g.end.isoformat(),   # the goal's own period (not the meeting's)
            "owners": [{"name": o.name, "team": o.team_name, "side": o.side} for o in g.owners],
            "last_checkin": None if last is None else {
                "at": last.created_at.isoformat(), "confidence": last.confidence, "author": last.author,
                "narrative": last.narrative, "blockers": last.blockers, "needs": last.needs},
        })
    return {"goals": rows, "currency": settings.currency()}


def _acceptance_numbers(period: Period, as_of: datetime) -> dict:
    comparison = calc.comparison_period(period, local_today(period.tz, as_of), as_of)
    data_start = dimensions.data_start(period.tz)
    before_data = calc.comparison_before_data(comparison, data_start)   # no change shown, as on the scoreboard slide
    total = _row(metrics.acceptance(period, as_of=as_of))
    previous = {} if before_data else _row(metrics.acceptance(comparison,
                                                              as_of=calc.comparison_as_of(period, comparison, as_of)))
    by_source = metrics.acceptance(period, dim="source", as_of=as_of)[
        ["dim_key", "dim_label", "handed_off", "accepted", "rejected", "awaiting", "acceptance_rate"]]
    by_source = by_source.sort_values(["handed_off", "dim_label"], ascending=[False, True]).reset_index(drop=True)
    reasons = metrics.rejection_reasons(period, as_of=as_of)[["reason", "rejected", "share", "recycled"]]
    reasons = reasons.sort_values(["rejected", "reason"], ascending=[False, True]).reset_index(drop=True)
    commitment = sla.commitment_for(period)
    return {
        "total": total, "previous_rate": previous.get("acceptance_rate"), "comparison": comparison.describe(),
        "comparison_period": _period_json(comparison), "comparison_before_data": before_data,
        "data_start": None if data_start is None else f"{data_start:%d %b %Y}",
        "by_source": frame_to_json(by_source), "reasons": frame_to_json(reasons),
        "min_acceptance_rate": json_number(commitment.min_acceptance_rate) if commitment else None,
    }


def _sla_numbers(period: Period, as_of: datetime) -> dict:
    """The two-sided SLA page's numbers (sla.two_sided_numbers, over the whole company), with the
    slide's median first touch, the frames its charts draw and the SLA windows in force."""
    daily = metrics.mql_first_days(period)[["bucket", "mqls"]].sort_values("bucket")
    windows = sla.first_touch_windows(as_of, as_of=as_of)
    by_team = metrics.sla_compliance(period, grain="week", dim="team", as_of=as_of)[
        ["bucket", "dim_key", "dim_label", "handed_off", "met", "breached", "pending", "compliance_rate"]]
    by_team = by_team.sort_values(["dim_label", "bucket"]).reset_index(drop=True)
    data_start = dimensions.data_start(period.tz)
    return {
        **sla.two_sided_numbers(period, sla.commitment_for(period), as_of, mqls=metrics.mqls_delivered(period),
                                acceptance=metrics.acceptance(period, as_of=as_of),
                                compliance=metrics.sla_compliance(period, as_of=as_of),
                                decisions=sla.decision_timeliness(period, as_of=as_of), mql_days=daily,
                                first_touch=metrics.first_touch(period, as_of=as_of)),
        "mql_days": frame_to_json(daily.reset_index(drop=True)),
        # the data's first day: the MQL pace chart starts there when the period starts before it
        # (calc.trend_start, as on the scoreboard and the two-sided SLA page)
        "data_start_day": None if data_start is None else data_start.isoformat(),
        "weekly_by_team": frame_to_json(by_team),
        "sla_minutes": settings.sla_first_touch_minutes(),
        # the first-touch windows of the policies in force at as_of, shortest first: leads are measured
        # against their own policy's, so one window is only the truth when all agree; with whether each
        # counts business hours ("4 h" on a projector reads as clock time). Snapshots frozen before
        # 2026-11-25 have only the minutes, as sla_windows.
        "sla_windows": sorted({minutes for minutes, _ in windows}),
        "sla_window_terms": [[minutes, business] for minutes, business in windows],
    }


def _slipping_numbers(period: Period, as_of: datetime) -> dict:
    """Every slipping lead counted (by situation, by owner, how many slipped in the last week:
    sla.slipping_summary, not capped like the list); the rows kept are the most recent slips
    first: the ones the team can still save."""
    summary = sla.slipping_summary(_TEAM_READER, as_of=as_of)
    by_kind = {k: summary.kind(k)[0] for k in sla.KINDS}
    owners = summary.by_owner[["owner_id", "owner", "team", "leads", "recent"]].reset_index(drop=True)
    cols = ["handoff_id", "lead_id", "kind", "situation", "lead_name", "account", "tier", "source", "owner_id",
            "owner", "team", "handed_off_at", "due_at", "age_minutes", "overdue_minutes", "action"]
    top = sla.slipping(_TEAM_READER, as_of=as_of, limit=SLIPPING_ROWS)   # most recently slipped first
    top = top.sort_values(["overdue_minutes", "handoff_id"])[cols].reset_index(drop=True)
    return {"total": summary.total, "recent": summary.recent,
            "by_kind": by_kind, "kinds": dict(sla.KINDS), "owners": frame_to_json(owners),
            "rows": frame_to_json(top)}


# --------------------------------------------------------------------------- writes


def _require_presenter(actor: User, what: str) -> None:
    if actor is None or not users.current(actor).can("meeting.present"):   # as stored now
        raise NotAllowed(f"Your role does not allow {what}. Presenters (executives, team leads, admins) can.")


def _stale(action: str | None = None) -> StaleMeeting:
    """The message for a write based on an old version: a form's input is kept; a button's
    ``action`` ('freezing the numbers') is simply not done."""
    if action:
        return StaleMeeting(f"Someone else changed this meeting a moment ago, so {action} was not done. The page "
                            "now shows their change: check it, then try again if it is still needed.")
    return StaleMeeting("Someone else changed this meeting since you loaded it; nothing was saved. "
                        "Reload to see their change, then try again (your input is still in the form).")


def _lock(conn: sa.Connection, meeting_id: int, version: int | None = None, action: str | None = None) -> dict:
    row = conn.execute(q("meeting_for_update"), {"id": int(meeting_id)}).mappings().first()
    if row is None:
        raise MeetingError("That meeting does not exist (any more). Pick one from the list.")
    if version is not None and row["version"] != version:
        raise _stale(action)
    return dict(row)


def _check_links(conn: sa.Connection, goal_id: int | None, criteria_version_id: int | None,
                 agenda_item_id: int | None, meeting_id: int) -> None:
    if goal_id is not None and conn.execute(q("meeting_goal_linkable"),
                                            {"i": goal_id}).first() is None:
        raise MeetingError("The linked goal no longer exists or was archived; pick another or none.")
    if criteria_version_id is not None and conn.execute(q("meeting_criteria_exists"),
                                                        {"i": criteria_version_id}).first() is None:
        raise MeetingError("The linked criteria version does not exist; pick another or none.")
    if agenda_item_id is not None and conn.execute(
            q("meeting_item_on_agenda"),
            {"i": agenda_item_id, "m": meeting_id}).first() is None:
        raise MeetingError("That agenda item is no longer on this meeting's agenda. Reload the meeting.")


def _write_agenda(conn: sa.Connection, meeting_id: int, items: list[AgendaItemInput]) -> list[dict]:
    """Replace a meeting's agenda with ``items`` (kept items keep their used time)."""
    existing = {r["id"]: dict(r) for r in conn.execute(q("meeting_agenda"), {"meeting_id": meeting_id}).mappings()}
    keep = [i.id for i in items if i.id is not None]
    unknown = set(keep) - set(existing)
    if unknown:
        raise _stale()
    conn.execute(q("meeting_agenda_delete_others"), {"meeting_id": meeting_id, "keep_ids": keep})
    out = []
    for position, item in enumerate(items, start=1):
        params = {"meeting_id": meeting_id, "kind": item.kind, "title": item.title, "position": position,
                  "planned_minutes": item.planned_minutes}
        if item.id is None:
            item_id = conn.execute(q("meeting_agenda_insert"), params).scalar_one()
        else:
            item_id = conn.execute(q("meeting_agenda_update"), {**params, "id": item.id}).scalar_one()
        out.append({"id": item_id, "kind": item.kind, "title": item.title, "position": position,
                    "planned_minutes": item.planned_minutes})
    return out


def _agenda_view(rows) -> list[dict]:
    return [{"kind": r["kind"], "title": r["title"], "minutes": r["planned_minutes"]} for r in rows]


def create(actor: User, data: MeetingInput, items: list[AgendaItemInput] | None = None,
           submission: str | None = None) -> int:
    """A new meeting with its agenda (the default agenda when none is given). ``submission`` as for
    :func:`record_decision`: the same form planned twice (a double click) plans one meeting."""
    _require_presenter(actor, "planning meetings")
    data = data.cleaned()
    _check_day(data.scheduled_at)
    items = clean_agenda(items if items is not None else default_agenda())
    with get_engine().begin() as conn:
        _check_presenter(conn, data.presenter_user_id)
        submissions.claim(conn, submission, "meeting.create")
        meeting_id = conn.execute(q("meeting_insert"), {
            "title": data.title, "scheduled_at": data.scheduled_at, "presenter_user_id": data.presenter_user_id,
            "period_preset": data.period_preset, "actor_user_id": actor.id}).scalar_one()
        written = _write_agenda(conn, meeting_id, items)
        audit.record(conn, actor.id, "meeting.create", "meeting", meeting_id, None,
                     {**dataclasses.asdict(data), "agenda": _agenda_view(written)})
    return meeting_id


def same_time(scheduled_at: datetime, exclude_id: int | None = None) -> list[str]:
    """Titles of the other meetings planned (or running) at ``scheduled_at``: two meetings at one
    moment may be meant (two rooms) or a slip, so the planner is told, not refused."""
    with get_engine().connect() as conn:
        return list(conn.execute(q("meeting_same_time"), {"scheduled_at": scheduled_at,
                                                          "exclude_id": exclude_id}).scalars())


def _check_day(scheduled_at: datetime) -> None:
    tz = settings.company_timezone()
    check_meeting_day(scheduled_at.astimezone(zone(tz)).date(), local_today(tz))


def _check_presenter(conn: sa.Connection, user_id: int | None) -> None:
    if user_id is None:
        return
    row = conn.execute(q("meeting_user_roles"), {"i": user_id}).first()
    if row is None or not row.active:
        raise MeetingError("The presenter is not an active user; pick another.")
    if not set(row.roles) & ACTIONS["meeting.present"]:
        raise MeetingError("The presenter must be an executive, a team lead or an admin.")


def update(actor: User, meeting_id: int, data: MeetingInput, version: int) -> int:
    """Change title, time, presenter or period. Returns the new version."""
    _require_presenter(actor, "editing meetings")
    data = data.cleaned()
    with get_engine().begin() as conn:
        old = _lock(conn, meeting_id, version)
        if data.scheduled_at != old["scheduled_at"]:
            _check_day(data.scheduled_at)
        _check_presenter(conn, data.presenter_user_id)
        new_version = conn.execute(q("meeting_update"), {
            "id": meeting_id, "version": version, "title": data.title, "scheduled_at": data.scheduled_at,
            "presenter_user_id": data.presenter_user_id, "period_preset": data.period_preset,
            "actor_user_id": actor.id}).scalar()
        if new_version is None:
            raise _stale()
        keys = ("title", "scheduled_at", "presenter_user_id", "period_preset")
        audit.record(conn, actor.id, "meeting.update", "meeting", meeting_id, {k: old[k] for k in keys},
                     {k: getattr(data, k) for k in keys})
    return new_version


def save_agenda(actor: User, meeting_id: int, items: list[AgendaItemInput], version: int) -> int:
    """Replace the agenda (order, sections, minutes) in one transaction. Returns the new version."""
    _require_presenter(actor, "editing the agenda")
    items = clean_agenda(items)
    with get_engine().begin() as conn:
        _lock(conn, meeting_id, version)
        before = conn.execute(q("meeting_agenda"), {"meeting_id": meeting_id}).mappings().all()
        written = _write_agenda(conn, meeting_id, items)
        new_version = conn.execute(q("meeting_bump"), {"id": meeting_id, "version": version,
                                                       "actor_user_id": actor.id}).scalar()
        audit.record(conn, actor.id, "meeting.agenda", "meeting", meeting_id, {"agenda": _agenda_view(before)},
                     {"agenda": _agenda_view(written)})
    return new_version


def _close_stretch(conn: sa.Connection, row: dict, now: datetime) -> None:
    """Add the running stretch of the current item to its used time."""
    if row["current_item_id"] is not None and row["current_item_since"] is not None:
        seconds = max(0, int((now - row["current_item_since"]).total_seconds()))
        conn.execute(q("meeting_agenda_add_used"), {"id": row["current_item_id"], "meeting_id": row["id"],
                                                    "seconds": seconds})


STATUS_MOVES = {"planned": {"live", "cancelled"}, "live": {"done", "planned"}, "done": {"live"},
                "cancelled": {"planned"}}


def set_status(actor: User, meeting_id: int, status: str, version: int, *, current_item_id: int | None = None,
               now: datetime | None = None) -> int:
    """Start (live), end (done), cancel or re-plan a meeting. Starting puts the timer on
    ``current_item_id`` (default: the first item); leaving "live" books the running stretch."""
    _require_presenter(actor, "running meetings")
    now = now or datetime.now(timezone.utc)
    with get_engine().begin() as conn:
        row = _lock(conn, meeting_id, version, {"live": "starting the meeting", "done": "ending the meeting",
                                                 "cancelled": "cancelling the meeting"}.get(status, "that change"))
        if status not in STATUS_MOVES.get(row["status"], ()):
            raise MeetingError(f"A {row['status']} meeting cannot become {status}.")
        if row["status"] == "live":
            _close_stretch(conn, row, now)
        new_version = conn.execute(q("meeting_set_status"), {"id": meeting_id, "version": version, "status": status,
                                                             "now": now, "actor_user_id": actor.id}).scalar()
        if new_version is None:
            raise _stale()
        if status == "live":
            items = conn.execute(q("meeting_agenda"), {"meeting_id": meeting_id}).mappings().all()
            ids = [r["id"] for r in items]
            start_on = current_item_id if current_item_id in ids else (ids[0] if ids else None)
            if start_on is not None:
                conn.execute(q("meeting_set_current"), {"id": meeting_id, "item_id": start_on, "now": now})
        audit.record(conn, actor.id, f"meeting.{status}", "meeting", meeting_id, {"status": row["status"]},
                     {"status": status})
    return new_version


def move_to(actor: User, meeting: Meeting, item_id: int, now: datetime | None = None) -> bool:
    """The presenter shows another agenda item: book the time spent on the previous one.

    Only while the meeting is live, and only the meeting's presenter (any presenter when none is
    named) drives the timer; other viewers navigate freely without touching it. Timer bookkeeping
    is not audited (it is not an edit). Returns True when the timer moved.
    """
    if not meeting.is_live or actor is None or not actor.can("meeting.present") \
            or meeting.current_item_id == item_id:
        return False
    if meeting.presenter_user_id is not None and meeting.presenter_user_id != actor.id:
        return False
    if not users.current(actor).can("meeting.present"):   # demoted or deactivated since the page loaded
        return False
    now = now or datetime.now(timezone.utc)
    with get_engine().begin() as conn:
        row = _lock(conn, meeting.id)
        if row["status"] != "live" or row["current_item_id"] == item_id:
            return False
        if conn.execute(q("meeting_item_on_agenda"),
                        {"i": item_id, "m": meeting.id}).first() is None:
            return False
        _close_stretch(conn, row, now)
        conn.execute(q("meeting_set_current"), {"id": meeting.id, "item_id": item_id, "now": now})
    return True


#: Why an ended meeting's numbers can't be frozen or unfrozen: they are its record (an unfreeze
#: then a freeze would stamp today's numbers with that meeting's name).
ENDED = ("This meeting has ended, so its numbers stay as they are: they are its record. "
         "Re-open the meeting first if they really must change.")


def freeze(actor: User, meeting_id: int, version: int, now: datetime | None = None) -> tuple[int, datetime]:
    """Freeze the numbers at now (whole minute): store ``frozen_at`` and every data section's
    payload computed with ``as_of = frozen_at``, in one transaction. Returns (version, frozen_at)."""
    _require_presenter(actor, "freezing the numbers")
    meeting = get(meeting_id)
    if meeting is None:
        raise MeetingError("That meeting does not exist (any more). Pick one from the list.")
    if meeting.version != version:
        raise _stale("freezing the numbers")
    if meeting.status == "cancelled":
        raise MeetingError("This meeting was cancelled; re-plan it first.")
    if meeting.status == "done":
        raise MeetingError(ENDED)
    if meeting.is_frozen:
        local = meeting.frozen_at.astimezone(zone(settings.company_timezone()))
        raise MeetingError(f"The numbers are already frozen (as of {local:%H:%M}, {settings.company_timezone()}).")
    frozen_at = minute_floor(now or datetime.now(timezone.utc))
    period = period_for(meeting, frozen_at)
    # The same cached payloads the live screen showed for this minute, so freezing keeps what the room saw.
    payloads = {kind: live_numbers(kind, period, frozen_at) for kind in DATA_SECTIONS}
    with get_engine().begin() as conn:
        _lock(conn, meeting_id, version)
        new_version = conn.execute(q("meeting_freeze"), {"id": meeting_id, "version": version,
                                                         "frozen_at": frozen_at, "actor_user_id": actor.id}).scalar()
        for kind, payload in payloads.items():
            _store_snapshot(conn, meeting_id, frozen_at, kind, payload, actor.id)
        audit.record(conn, actor.id, "meeting.freeze", "meeting", meeting_id, {"frozen_at": None},
                     {"frozen_at": frozen_at, "period": period.describe()})
    frozen_numbers.clear()
    return new_version, frozen_at


def _store_snapshot(conn, meeting_id: int, frozen_at: datetime, kind: str, payload: dict, actor_id) -> None:
    conn.execute(q("meeting_snapshot_insert"), {"meeting_id": meeting_id, "frozen_at": frozen_at, "section": kind,
                                                "payload": json.dumps(payload), "actor_user_id": actor_id})


def unfreeze(actor: User, meeting_id: int, version: int) -> int:
    """Back to live numbers. The frozen snapshot stays stored (history; the export of that freeze)."""
    _require_presenter(actor, "unfreezing the numbers")
    with get_engine().begin() as conn:
        old = _lock(conn, meeting_id, version, "unfreezing the numbers")
        if old["status"] == "done":
            raise MeetingError(ENDED)
        if old["frozen_at"] is None:
            raise MeetingError("The numbers are live already.")
        new_version = conn.execute(q("meeting_freeze"), {"id": meeting_id, "version": version, "frozen_at": None,
                                                         "actor_user_id": actor.id}).scalar()
        audit.record(conn, actor.id, "meeting.unfreeze", "meeting", meeting_id, {"frozen_at": old["frozen_at"]},
                     {"frozen_at": None})
    return new_version


def _open_for_outcomes(row: dict) -> None:
    if row["status"] == "cancelled":
        raise MeetingError("This meeting was cancelled: nothing can be recorded in it. Re-plan it first.")


def record_decision(actor: User, meeting_id: int, data: DecisionInput, submission: str | None = None) -> int:
    """Record a decision; ``submission``: the form's key (queries.submissions): a second submission
    of the same form raises AlreadySubmitted and records nothing."""
    _require_presenter(actor, "recording decisions")
    data = data.cleaned()
    with get_engine().begin() as conn:
        _open_for_outcomes(_lock(conn, meeting_id))
        _check_links(conn, data.goal_id, data.criteria_version_id, data.agenda_item_id, meeting_id)
        submissions.claim(conn, submission, "meeting.decision")
        decision_id = conn.execute(q("meeting_decision_insert"), {
            "meeting_id": meeting_id, "agenda_item_id": data.agenda_item_id, "body": data.body,
            "goal_id": data.goal_id, "criteria_version_id": data.criteria_version_id,
            "actor_user_id": actor.id, "created_at": None}).scalar_one()
        audit.record(conn, actor.id, "meeting.decision", "meeting_decision", decision_id, None,
                     {"meeting_id": meeting_id, **dataclasses.asdict(data)})
    return decision_id


def record_action(actor: User, meeting_id: int, data: ActionInput, today: date | None = None,
                  submission: str | None = None) -> int:
    """Record an action item; ``submission`` as for :func:`record_decision`."""
    _require_presenter(actor, "recording action items")
    today = today or local_today(settings.company_timezone())
    data = data.cleaned(today)
    owner_user_id, owner_rep_id = parse_owner(data.owner)
    with get_engine().begin() as conn:
        _open_for_outcomes(_lock(conn, meeting_id))
        _check_links(conn, data.goal_id, data.criteria_version_id, data.agenda_item_id, meeting_id)
        _check_owner(conn, owner_user_id, owner_rep_id)
        submissions.claim(conn, submission, "meeting.action")
        action_id = conn.execute(q("meeting_action_insert"), {
            "meeting_id": meeting_id, "agenda_item_id": data.agenda_item_id, "body": data.body,
            "owner_user_id": owner_user_id, "owner_rep_id": owner_rep_id, "due_date": data.due_date,
            "goal_id": data.goal_id, "criteria_version_id": data.criteria_version_id,
            "actor_user_id": actor.id, "created_at": None}).scalar_one()
        audit.record(conn, actor.id, "meeting.action", "meeting_action", action_id, None,
                     {"meeting_id": meeting_id, **dataclasses.asdict(data)})
    return action_id


def _check_owner(conn: sa.Connection, user_id: int | None, rep_id: int | None) -> None:
    if user_id is not None:
        ok = conn.execute(q("meeting_user_active"), {"i": user_id}).scalar()
    else:
        ok = conn.execute(q("meeting_rep_active"), {"i": rep_id}).scalar()
    if not ok:
        raise MeetingError("The owner is not active (any more); pick someone else.")


def may_update_action(actor: User, action: dict) -> bool:
    """Presenters, and the action's owner (as a user or through their rep record); active users only."""
    if actor is None or not actor.active:
        return False
    if actor.can("meeting.present"):
        return True
    return (action.get("owner_user_id") is not None and action["owner_user_id"] == actor.id) or \
        (action.get("owner_rep_id") is not None and actor.rep_id is not None and action["owner_rep_id"] == actor.rep_id)


def set_action_status(actor: User, action_id: int, status: str, version: int, now: datetime | None = None) -> int:
    """Mark an action done (or open again). Returns its new version."""
    if status not in ("open", "done"):
        raise MeetingError("An action is either open or done.")
    now = now or datetime.now(timezone.utc)
    with get_engine().begin() as conn:
        row = conn.execute(q("meeting_action_for_update"), {"id": int(action_id)}).mappings().first()
        if row is None or row["withdrawn_at"] is not None:
            raise MeetingError("That action item was withdrawn or does not exist. Reload the list.")
        if not may_update_action(users.current(actor), dict(row)):   # as stored now, not as the page loaded
            raise NotAllowed("Only the action's owner or a presenter can change its status.")
        if row["version"] != version:
            raise StaleMeeting("Someone else updated this action since you loaded it; reload to see its status.")
        if row["status"] == status:
            return row["version"]
        new_version = conn.execute(q("meeting_action_set_status"), {
            "id": action_id, "version": version, "status": status, "now": now, "actor_user_id": actor.id}).scalar()
        if new_version is None:
            raise StaleMeeting("Someone else updated this action since you loaded it; reload to see its status.")
        audit.record(conn, actor.id, f"meeting_action.{status}", "meeting_action", action_id,
                     {"status": row["status"]}, {"status": status})
    return new_version


def withdraw(actor: User, kind: str, outcome_id: int, version: int, now: datetime | None = None) -> None:
    """Withdraw a decision or an action recorded by mistake (kept, hidden, audited)."""
    _require_presenter(actor, "withdrawing decisions and actions")
    if kind not in ("decision", "action"):
        raise ValueError(f"unknown outcome kind {kind!r}")
    now = now or datetime.now(timezone.utc)
    with get_engine().begin() as conn:
        row = conn.execute(q(f"meeting_{kind}_for_update"), {"id": int(outcome_id)}).mappings().first()
        if row is None or row["withdrawn_at"] is not None:
            raise MeetingError(f"That {kind} was already withdrawn. Reload the list.")
        if conn.execute(q(f"meeting_{kind}_withdraw"), {"id": outcome_id, "version": version, "now": now,
                                                        "actor_user_id": actor.id}).scalar() is None:
            raise StaleMeeting(f"Someone else changed this {kind} since you loaded it; reload and try again.")
        audit.record(conn, actor.id, f"meeting_{kind}.withdraw", f"meeting_{kind}", outcome_id,
                     {"body": row["body"]}, {"withdrawn": True})
