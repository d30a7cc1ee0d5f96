"""Shared goals: reads (cached), values from the metric layer, daily snapshots, audited writes.

A goal linked to a metric takes its value from the metric functions in :mod:`queries.metrics`
over the goal's period and scope (never typed); a manual goal takes the number entered at its
latest check-in. :mod:`queries.goal_math` turns value + target + share of the period elapsed into
progress, projection and status. Snapshots (one per goal per local day, written once) keep the
history the sparklines draw; see :func:`record_due_snapshots` and docs/goals.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, metrics, settings, submissions, users
from queries.access import User
from queries.db import get_engine
from queries.filters import Filters
from queries.goal_math import (CONFIDENCE, MAX_TEXT, MAX_TITLE, MAX_UNIT_LABEL, STATUSES, UNITS,
                               GoalError, Progress, describe_period, evaluate, parse_amount, period_bounds)
from queries.parallel import fetch
from queries.periods import Period, events_cut, local_today, zone
from queries.sqlfiles import q
from queries.words import too_long

#: Seconds a goals list may be reused (writes in this process clear it at once).
GOALS_TTL = 30
#: How far back the scope check looks for data besides the goal's own period.
SCOPE_LOOKBACK_DAYS = 365
#: Metrics that cannot be composed from daily buckets (medians, rates whose facts settle later) are
#: back-filled one query per day, for at most this many missing days per look: when more are missing
#: (a goal created late in its period, or nobody looked for weeks), days spread evenly over the gap,
#: its first and last day included, so the history spans the whole gap at a coarser step.
MAX_DAILY_QUERIES = 31

__all__ = ["GoalError", "StaleGoal", "NotAllowed", "METRICS", "Goal", "GoalInput", "CheckInInput", "Evaluated"]


#: The largest amount ``numeric(16, 4)`` (targets, check-in values, snapshots) holds.
MAX_STORED = 999_999_999_999.9999


def _text(value) -> str:
    """Typed text without NUL (U+0000), which a paste can carry and PostgreSQL text cannot hold."""
    return str(value or "").replace("\x00", "")


def _amount(text, unit: str, what: str) -> float:
    """:func:`parse_amount`, then rounded as stored and refused when the column cannot hold it."""
    number = round(parse_amount(_text(text) if isinstance(text, str) else text, unit, what,
                                currency=settings.currency() if unit == "currency" else None), 4)
    if number > MAX_STORED:
        raise GoalError(f"{what} is too large to store"
                        + (" (at most 999,999,999,999)." if unit != "percent" else "."))
    return number


class StaleGoal(GoalError):
    """Someone else changed the goal since the editor loaded it."""


class NotAllowed(GoalError):
    """The user's role or ownership does not allow this change."""


# --------------------------------------------------------------------------- metric catalogue


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    unit: str
    lower_is_better: bool
    cumulative: bool
    source: str                    # function in queries.metrics
    value: str                     # its column holding the value
    num: tuple[str, ...] | None    # columns summed for the numerator when composing daily buckets; None: not composable
    den: tuple[str, ...]           # columns summed for the denominator (rates); () for totals
    basis: tuple[str, ...]         # columns counting the facts behind the value (the scope check)
    fact: str                      # what those facts are called, for messages
    needs_as_of: bool = False
    marketing_sourced: bool = False
    help: str = ""
    #: a named query of per-day counts that add up to the value (bucket, the ``num`` column), for a
    #: metric whose daily buckets of its own do not (a distinct count); None: the metric's own
    daily: str | None = None


METRICS: dict[str, MetricSpec] = {s.key: s for s in (
    MetricSpec("revenue", "Revenue (bookings)", "currency", False, True, "closed_deals", "revenue",
               ("revenue",), (), ("won", "lost"), "closed deals",
               help="Amount of opportunities closed-won with close date in the goal's period."),
    MetricSpec("marketing_sourced_revenue", "Marketing-sourced revenue", "currency", False, True, "closed_deals",
               "marketing_sourced_revenue", ("marketing_sourced_revenue",), (), ("won", "lost"), "closed deals",
               marketing_sourced=True,
               help="Closed-won revenue whose originating lead came through a marketing channel."),
    MetricSpec("pipeline_created", "Pipeline created", "currency", False, True, "pipeline_created", "amount",
               ("amount",), (), ("opportunities",), "opportunities",
               help="Amount of opportunities created in the goal's period."),
    MetricSpec("marketing_sourced_pipeline", "Marketing-sourced pipeline", "currency", False, True,
               "pipeline_created", "marketing_sourced_amount", ("marketing_sourced_amount",), (),
               ("marketing_sourced_opportunities",), "marketing-sourced opportunities", marketing_sourced=True,
               help="Pipeline created from opportunities whose originating lead came through a marketing channel."),
    # every opportunity, sales-created ones included and a lead's second deal again: not SQLs, which
    # are leads with an opportunity (docs/metrics.md, the funnel and cost per SQL)
    MetricSpec("opportunities_created", "Opportunities created", "count", False, True, "pipeline_created",
               "opportunities", ("opportunities",), (), ("opportunities",), "opportunities",
               help="Number of opportunities created in the goal's period, including those sales created "
                    "without a lead."),
    # composed from each lead's first MQL day: distinct leads per day summed counted a lead that
    # re-qualifies within the period twice (the history ended at 1,213 where the goal read 1,205)
    MetricSpec("mqls_delivered", "MQLs delivered", "count", False, True, "mqls_delivered", "mqls",
               ("mqls",), (), ("mqls",), "MQLs", daily="sla_mql_first_days",
               help="Distinct leads that became MQLs in the goal's period."),
    MetricSpec("acceptance_rate", "Lead acceptance rate", "percent", False, False, "acceptance", "acceptance_rate",
               ("accepted",), ("handed_off",), ("handed_off",), "hand-offs", needs_as_of=True,
               help="Leads accepted ÷ leads handed off, hand-offs in the goal's period."),
    MetricSpec("sla_compliance", "SLA compliance", "percent", False, False, "sla_compliance", "compliance_rate",
               ("met",), ("met", "breached"), ("handed_off",), "hand-offs", needs_as_of=True,
               help="Share of hand-offs with a known outcome touched within the SLA window."),
    MetricSpec("median_first_touch", "Median time to first touch", "minutes", True, False, "first_touch",
               "median_minutes", None, (), ("touched",), "touched hand-offs", needs_as_of=True,
               help="Median minutes from hand-off to the first rep touch (business minutes where the lead's SLA "
                    "policy counts business hours). Lower is better."),
    MetricSpec("win_rate", "Win rate", "percent", False, False, "closed_deals", "win_rate",
               ("won",), ("won", "lost"), ("won", "lost"), "closed deals",
               help="Won ÷ (won + lost), deals closed in the goal's period."),
)}


# --------------------------------------------------------------------------- the stored goal


@dataclass(frozen=True)
class Owner:
    rep_id: int
    name: str
    team_id: int
    team_name: str
    function: str

    @property
    def side(self) -> str:
        return "marketing" if self.function == "marketing" else "sales"


@dataclass(frozen=True)
class CheckIn:
    id: int
    goal_id: int
    created_at: datetime
    confidence: str
    narrative: str
    blockers: str
    needs: str
    value: float | None
    author: str
    author_function: str | None = None


@dataclass(frozen=True)
class Goal:
    id: int
    parent_id: int | None
    parent_title: str | None
    title: str
    why: str
    period_kind: str
    start: date
    end: date
    metric: str | None
    unit: str
    unit_label: str
    target: float
    lower_is_better: bool
    cumulative: bool
    scope: Filters
    archived_at: datetime | None
    version: int
    measure_version: int
    created_at: datetime
    updated_at: datetime
    owners: tuple[Owner, ...] = ()
    last_checkin: CheckIn | None = None
    manual_value: float | None = None
    key_results: int = 0

    @property
    def is_manual(self) -> bool:
        return self.metric is None

    @property
    def spec(self) -> MetricSpec | None:
        return METRICS.get(self.metric) if self.metric else None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def owner_rep_ids(self) -> tuple[int, ...]:
        return tuple(o.rep_id for o in self.owners)

    def period(self, tz: str) -> Period:
        return Period(self.start, self.end, tz, label=self.describe_period())

    def describe_period(self) -> str:
        return describe_period(self.period_kind, self.start, self.end)

    def owned_by(self, user: User | None) -> bool:
        return user is not None and user.rep_id is not None and user.rep_id in self.owner_rep_ids


def _goal_from_row(r) -> Goal:
    owners = tuple(Owner(*o) for o in zip(r["owner_rep_ids"], r["owner_names"], r["owner_team_ids"],
                                          r["owner_team_names"], r["owner_functions"]))
    last = None
    if r["checkin_id"] is not None:
        last = CheckIn(id=r["checkin_id"], goal_id=r["id"], created_at=r["checkin_at"],
                       confidence=r["checkin_confidence"], narrative=r["checkin_narrative"],
                       blockers=r["checkin_blockers"], needs=r["checkin_needs"], value=_float(r["checkin_value"]),
                       author=r["checkin_author"])
    scope = Filters(team_ids=r["scope_team_ids"], sources=r["scope_sources"], industries=r["scope_industries"],
                    countries=r["scope_countries"], tiers=r["scope_tiers"])
    return Goal(id=r["id"], parent_id=r["parent_id"], parent_title=r["parent_title"], title=r["title"], why=r["why"],
                period_kind=r["period_kind"], start=r["start_date"], end=r["end_date"], metric=r["metric"],
                unit=r["unit"], unit_label=r["unit_label"], target=float(r["target"]),
                lower_is_better=r["lower_is_better"], cumulative=r["cumulative"], scope=scope,
                archived_at=r["archived_at"], version=r["version"], measure_version=r["measure_version"],
                created_at=r["created_at"], updated_at=r["updated_at"], owners=owners, last_checkin=last,
                manual_value=_float(r["manual_value"]), key_results=int(r["key_results"]))


def _float(x) -> float | None:
    return None if x is None else float(x)


# --------------------------------------------------------------------------- reads


def list_goals(period: Period | None = None, *, team_ids=(), owner_ids=(), include_archived: bool = False,
               goal_ids=()) -> tuple[Goal, ...]:
    """Goals whose period overlaps ``period`` (None: any), with an owner in ``team_ids`` / ``owner_ids``."""
    start, end = (period.start, period.end) if period is not None else (None, None)
    return _list(start, end, tuple(sorted(set(team_ids))), tuple(sorted(set(owner_ids))), bool(include_archived),
                 tuple(sorted(set(goal_ids))))


@st.cache_data(ttl=GOALS_TTL, show_spinner=False)
def _list(start, end, team_ids, owner_ids, include_archived, goal_ids) -> tuple[Goal, ...]:
    with get_engine().connect() as conn:
        return query_goals(conn, start=start, end=end, team_ids=team_ids, owner_ids=owner_ids,
                           include_archived=include_archived, goal_ids=goal_ids)


def query_goals(conn: sa.Connection, *, start: date | None = None, end: date | None = None, team_ids=(),
                owner_ids=(), include_archived: bool = False, goal_ids=()) -> tuple[Goal, ...]:
    """Uncached read on the caller's connection (seeding, writes)."""
    rows = conn.execute(q("goals_list"), {"start_date": start, "end_date": end, "team_ids": list(team_ids),
                                          "owner_ids": list(owner_ids), "include_archived": include_archived,
                                          "goal_ids": list(goal_ids)}).mappings().all()
    return tuple(_goal_from_row(r) for r in rows)


def get(goal_id: int) -> Goal | None:
    """One goal, read fresh (forms must start from the stored version)."""
    with get_engine().connect() as conn:
        found = query_goals(conn, include_archived=True, goal_ids=(int(goal_id),))
    return found[0] if found else None


def checkins(goal_id: int) -> tuple[CheckIn, ...]:
    """A goal's check-ins, newest first."""
    return _checkins(int(goal_id))


@st.cache_data(ttl=GOALS_TTL, show_spinner=False)
def _checkins(goal_id: int) -> tuple[CheckIn, ...]:
    with get_engine().connect() as conn:
        rows = conn.execute(q("goal_checkins"), {"goal_id": goal_id}).mappings().all()
    return tuple(CheckIn(id=r["id"], goal_id=r["goal_id"], created_at=r["created_at"], confidence=r["confidence"],
                         narrative=r["narrative"], blockers=r["blockers"], needs=r["needs"],
                         value=_float(r["value"]), author=r["author"], author_function=r["author_function"])
                 for r in rows)


SNAPSHOT_SCHEMA = {"goal_id": "int64", "snapshot_date": "datetime64[us]", "value": "float64",
                   "computed_at": "datetime64[us, UTC]"}


def snapshots(goal_ids) -> pd.DataFrame:
    """Daily snapshots of the goals' current measure: goal_id, snapshot_date, value (NaN = no data that
    day), computed_at (when it was written: the day after, or later for a back-filled day)."""
    return _snapshots(tuple(sorted(set(int(i) for i in goal_ids))))


@st.cache_data(ttl=GOALS_TTL, show_spinner=False)
def _snapshots(goal_ids: tuple[int, ...]) -> pd.DataFrame:
    with get_engine().connect() as conn:
        result = conn.execute(q("goal_snapshots"), {"goal_ids": list(goal_ids)})
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return metrics.typed(frame, SNAPSHOT_SCHEMA)


def history(goal_id: int, limit: int = 50) -> pd.DataFrame:
    """The goal's audit trail (who changed what, old → new), newest first."""
    with get_engine().connect() as conn:
        result = conn.execute(q("goal_audit"), {"entity_id": str(int(goal_id)), "limit": limit})
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# --------------------------------------------------------------------------- values and progress


def company_tz() -> str:
    return settings.company_timezone()


def end_of_day(day: date, tz: str) -> datetime:
    """The first instant after local ``day``, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), zone(tz)).astimezone(timezone.utc)


def _fetch(spec: MetricSpec, period: Period, scope: Filters, *, grain: str, as_of: datetime,
           conn: sa.Connection | None = None) -> pd.DataFrame:
    """The metric through the metric layer: its cached function, or (given ``conn``, e.g. while
    seeding inside an uncommitted transaction) the same named query run on that connection."""
    if conn is None:
        fn = getattr(metrics, spec.source)
        kwargs = {"grain": grain}
        if spec.needs_as_of:
            kwargs["as_of"] = as_of
        return fn(period, scope, **kwargs)
    extra = {"as_of": as_of} if spec.needs_as_of else {}
    return metrics.run(spec.source, metrics.params(period, scope, grain, "total", **extra), conn)


def _fetch_daily(spec: MetricSpec, period: Period, scope: Filters, *, as_of: datetime,
                 conn: sa.Connection | None = None) -> pd.DataFrame:
    """Per-day values of the metric whose running totals give its value up to each day: its own
    daily buckets, or the spec's ``daily`` query (bucket and the ``num`` columns)."""
    if spec.daily is None:
        return _fetch(spec, period, scope, grain="day", as_of=as_of, conn=conn)
    return metrics.run(spec.daily, metrics.params(period, scope), conn)


def metric_value(goal: Goal, *, upto: date | None = None, as_of: datetime | None = None,
                 tz: str | None = None, conn: sa.Connection | None = None) -> float | None:
    """The linked metric over the goal's period (cut at the end of ``upto`` if given) and scope."""
    spec = goal.spec
    if spec is None:
        raise ValueError("manual goals have no metric")
    tz = tz or company_tz()
    end = goal.end if upto is None else min(goal.end, upto)
    if end < goal.start:
        return None
    as_of = as_of or metrics.now_minute()
    # a value asked for a past moment counts only what had happened by then (a frozen meeting
    # shows the same MQLs on its goals slide as on its SLA slide)
    period = events_cut(Period(goal.start, end, tz), as_of)
    frame = _fetch(spec, period, goal.scope, grain="none", as_of=as_of, conn=conn)
    if frame.empty or pd.isna(frame[spec.value].iloc[0]):
        return 0.0 if spec.cumulative else None
    return float(frame[spec.value].iloc[0])


def current_value(goal: Goal, as_of: datetime | None = None, tz: str | None = None) -> float | None:
    """What the goal's card shows at ``as_of`` (default now): the metric over the period up to that
    local day, or the latest entered value."""
    tz = tz or company_tz()
    as_of = as_of or metrics.now_minute()
    today = local_today(tz, as_of)
    if goal.start > today and not goal.is_manual:   # a value entered before the start (a baseline) still shows
        return None
    if goal.is_manual:
        if _posted_after(goal.last_checkin, as_of):   # a moment already past: the value entered by then
            return next((c.value for c in checkins(goal.id) if not _posted_after(c, as_of) and c.value is not None),
                        None)
        return goal.manual_value
    return metric_value(goal, upto=today, as_of=as_of, tz=tz)


def _posted_after(checkin: CheckIn | None, as_of: datetime) -> bool:
    """Posted after the as-of minute ("as of 14:32" includes 14:32:59)."""
    return checkin is not None and checkin.created_at >= as_of + timedelta(minutes=1)


def checkin_as_of(goal: Goal, as_of: datetime) -> CheckIn | None:
    """The goal's last check-in posted by the as-of minute (a frozen meeting's moment, say): the
    owners' call then, not one posted since."""
    if not _posted_after(goal.last_checkin, as_of):
        return goal.last_checkin
    return next((c for c in checkins(goal.id) if not _posted_after(c, as_of)), None)


@dataclass(frozen=True)
class Evaluated:
    goal: Goal
    progress: Progress


def evaluate_goal(goal: Goal, as_of: datetime | None = None, tz: str | None = None) -> Evaluated:
    tz = tz or company_tz()
    as_of = as_of or metrics.now_minute()
    value = current_value(goal, as_of, tz)
    pace = goal.period(tz).elapsed_share(as_of)
    last = checkin_as_of(goal, as_of)   # the owners' call at as_of, not one posted since
    confidence = last.confidence if last else None
    progress = evaluate(value, goal.target, pace=pace, lower_is_better=goal.lower_is_better,
                        cumulative=goal.cumulative, confidence=confidence)
    return Evaluated(goal, progress)


def evaluated(period: Period | None = None, *, team_ids=(), owner_ids=(), statuses=(), include_archived: bool = False,
              as_of: datetime | None = None, record_snapshots: bool = True) -> list[Evaluated]:
    """Goals in a period with their progress, filtered by status (empty = any).

    Showing goals is also what writes their daily snapshots (see :func:`record_due_snapshots`).
    """
    tz = company_tz()
    goals = list_goals(period, team_ids=team_ids, owner_ids=owner_ids, include_archived=include_archived)
    if record_snapshots:
        ensure_snapshots(goals, tz)
    as_of = as_of or metrics.now_minute()
    # each goal's metric is its own query (own period and scope): run them side by side
    out = list(fetch({i: (lambda g=g: evaluate_goal(g, as_of, tz)) for i, g in enumerate(goals)}).values())
    if statuses:
        out = [e for e in out if e.progress.status in set(statuses)]
    return out


# --------------------------------------------------------------------------- snapshots


def value_series(goal: Goal, days: list[date], tz: str | None = None, *, now: datetime | None = None,
                 max_daily_queries: int | None = MAX_DAILY_QUERIES, sample_every: int = 1,
                 conn: sa.Connection | None = None) -> dict[date, float | None]:
    """The goal's value at the end of each of ``days`` (local dates inside the goal's period).

    Manual goals: the latest value entered before the end of the day. Metric goals whose metric is
    a sum, or a ratio of sums, of facts fixed when they happen (revenue, win rate; MQLs, each lead on
    its first MQL day: MetricSpec.daily) compose one daily-bucketed query (running totals up to each day). Others run one query per day, cut at
    the end of that day, for only every ``sample_every``-th day counting back from the last (bulk
    back-fills), and for at most ``max_daily_queries`` days spread evenly from the first to the last
    (:func:`spread_days`; the 31 latest, until 2026-11-25, left a goal created late in its period
    without history for its first weeks, for good): medians, and rates whose
    facts settle later (acceptance counts decisions made by then, SLA compliance touches and
    deadlines passed by then), which a query cut at the last day would count for every earlier day.
    """
    tz = tz or company_tz()
    now = now or datetime.now(timezone.utc)
    days = sorted(d for d in set(days) if goal.start <= d <= goal.end)
    if not days:
        return {}
    if goal.is_manual:
        if conn is not None:
            entered = conn.execute(q("goal_manual_values"), {"goal_id": goal.id}).all()
        else:
            with get_engine().connect() as c:
                entered = c.execute(q("goal_manual_values"), {"goal_id": goal.id}).all()
        out = {}
        for d in days:
            cutoff = end_of_day(d, tz)
            before = [float(v) for at, v in entered if at < cutoff]
            out[d] = before[-1] if before else None
        return out
    spec = goal.spec
    per_day = spec.num is None or spec.needs_as_of
    if per_day or len(days) <= 3:
        if per_day and sample_every > 1:
            days = days[::-1][::sample_every][::-1]
        if per_day and max_daily_queries is not None:
            days = spread_days(days, max_daily_queries)
        return {d: metric_value(goal, upto=d, as_of=min(end_of_day(d, tz), now).replace(second=0, microsecond=0),
                                tz=tz, conn=conn) for d in days}
    last = days[-1]
    as_of = min(end_of_day(last, tz), now).replace(second=0, microsecond=0)
    frame = _fetch_daily(spec, Period(goal.start, last, tz), goal.scope, as_of=as_of, conn=conn)
    cols = list(dict.fromkeys(spec.num + spec.den))
    every_day = [goal.start + timedelta(days=i) for i in range((last - goal.start).days + 1)]
    if frame.empty:
        running = pd.DataFrame(0.0, index=every_day, columns=cols)
    else:
        daily = frame.assign(day=frame["bucket"].dt.date).groupby("day")[cols].sum()
        running = daily.reindex(every_day, fill_value=0).astype("float64").cumsum()
    num = dict(zip(every_day, running[list(spec.num)].sum(axis=1).tolist()))
    if not spec.den:
        return {d: num[d] for d in days}
    den = dict(zip(every_day, running[list(spec.den)].sum(axis=1).tolist()))
    return {d: (num[d] / den[d] if den[d] else None) for d in days}


def spread_days(days: list[date], most: int) -> list[date]:
    """At most ``most`` of the sorted ``days``, spread evenly, the first and the last kept."""
    if len(days) <= most:
        return days
    if most <= 1:
        return days[-most:] if most == 1 else []
    step = (len(days) - 1) / (most - 1)
    return [days[round(i * step)] for i in range(most)]


def record_due_snapshots(goals, tz: str | None = None, *, today: date | None = None, now: datetime | None = None,
                         max_daily_queries: int | None = MAX_DAILY_QUERIES, sample_every: int = 1,
                         conn: sa.Connection | None = None, as_recorded: bool = False) -> int:
    """Write the end-of-day snapshots of ``goals`` due before ``today``: every day after the latest
    snapshot of the goal's current measure (or from the period start) up to yesterday.

    A day gets its snapshot the first time anyone looks at the goal after that day has ended (no
    scheduler needed). Insert-or-ignore under the primary key: if two processes race, the first
    row stays and the other insert is a no-op; a stored snapshot is never updated, so later
    corrections of the source data do not rewrite history. Returns the number of rows offered.
    ``as_recorded`` (the demo seed, simulating months of use): each day stamped as computed at
    06:00 the next morning (no later than ``now``), as a live app records it, not at seeding.
    """
    tz = tz or company_tz()
    now = now or datetime.now(timezone.utc)
    today = today or local_today(tz, now)
    due = [g for g in goals if not g.archived and g.start < today]
    if not due:
        return 0
    ids = [g.id for g in due]

    def run(c: sa.Connection) -> int:
        latest = dict(c.execute(q("goal_snapshot_latest"), {"goal_ids": ids}).all())
        rows = []
        for g in due:
            first = max(g.start, latest[g.id] + timedelta(days=1)) if g.id in latest else g.start
            last = min(g.end, today - timedelta(days=1))
            missing = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            if not missing:
                continue
            series = value_series(g, missing, tz, now=now, max_daily_queries=max_daily_queries,
                                  sample_every=sample_every, conn=c if conn is not None else None)
            for d, v in series.items():
                stamp = (min(datetime.combine(d + timedelta(days=1), time(6), zone(tz)), now)
                         if as_recorded else None)
                rows.append((g.id, g.measure_version, d, None if v is None else round(float(v), 4), stamp))
        if rows:
            gid, mv, days, values, stamps = (list(x) for x in zip(*rows))
            c.execute(q("goal_snapshot_insert"), {"goal_ids": gid, "measure_versions": mv, "days": days,
                                                  "snapshot_values": [None if v is None else str(v) for v in values],
                                                  "computed_ats": stamps})
        return len(rows)

    if conn is not None:
        written = run(conn)
    else:
        with get_engine().begin() as c:
            written = run(c)
    if written:
        _snapshots.clear()
    return written


def ensure_snapshots(goals, tz: str | None = None) -> int:
    """:func:`record_due_snapshots` at most once per process per day for a given set of goals."""
    tz = tz or company_tz()
    key = tuple(sorted((g.id, g.measure_version) for g in goals if not g.archived))
    if not key:
        return 0
    return _ensure(key, local_today(tz), tz, goals)


@st.cache_data(ttl=6 * 3600, show_spinner=False)
def _ensure(key, today, tz, _goals) -> int:
    return record_due_snapshots(_goals, tz, today=today)


# --------------------------------------------------------------------------- input and validation


@dataclass
class GoalInput:
    """What the goal form submits. ``target`` may be text as typed ("1.2M", "85%")."""

    title: str = ""
    why: str = ""
    period_kind: str = "quarter"
    start: date | None = None
    end: date | None = None
    metric: str | None = None
    target: str | float = ""
    unit: str = "count"
    unit_label: str = ""
    lower_is_better: bool = False
    cumulative: bool = True
    owner_rep_ids: list[int] = field(default_factory=list)
    parent_id: int | None = None
    scope_team_ids: list[int] = field(default_factory=list)
    scope_sources: list[str] = field(default_factory=list)
    scope_industries: list[str] = field(default_factory=list)
    scope_countries: list[str] = field(default_factory=list)
    scope_tiers: list[int] = field(default_factory=list)

    def cleaned(self) -> dict:
        """The database parameters, or GoalError listing every problem found without the database."""
        problems: list[str] = []
        title = " ".join(_text(self.title).split())
        if not title:
            problems.append("Give the goal a title.")
        elif len(title) > MAX_TITLE:
            problems.append(too_long("The title", len(title), MAX_TITLE))
        why = _text(self.why).strip()
        if len(why) > MAX_TEXT:
            problems.append(too_long("'Why it matters'", len(why), MAX_TEXT))
        start = end = None
        try:
            start, end = period_bounds(self.period_kind, self.start, self.end)
        except GoalError as err:
            problems.append(str(err))
        metric = self.metric or None
        spec = METRICS.get(metric) if metric else None
        if metric and spec is None:
            problems.append(f"Unknown metric '{metric}'.")
        if spec is not None:
            unit, lower, cumulative, unit_label = spec.unit, spec.lower_is_better, spec.cumulative, ""
        else:
            unit, lower, cumulative = self.unit, bool(self.lower_is_better), bool(self.cumulative)
            unit_label = " ".join(_text(self.unit_label).split())
            if unit not in UNITS:
                problems.append(f"Choose a unit: {', '.join(UNITS.values())}.")
                unit = "count"
            if lower and cumulative:
                problems.append("A 'lower is better' goal must be a level measured at each check-in (a rate, a "
                                "median, a cost), not a running total: choose 'a level' or 'higher is better'.")
            if len(unit_label) > MAX_UNIT_LABEL:
                problems.append(too_long("The unit label", len(unit_label), MAX_UNIT_LABEL))
        target = None
        try:
            target = _amount(self.target, unit, "The target")   # as stored (numeric(16, 4)): 0.00001 is 0
        except GoalError as err:
            problems.append(str(err))
        if target is not None:
            if target == 0 and not lower:
                typed = parse_amount(_text(self.target) if isinstance(self.target, str) else self.target, unit)
                problems.append("A target of 0 is met by doing nothing: set a target above 0." if typed == 0 else
                                f"The target '{_text(self.target).strip()}' is 0 as stored (targets keep 4 decimal "
                                "places), and a target of 0 is met by doing nothing: set a larger target.")
            if unit == "percent" and target > 1 and spec is not None:
                problems.append(f"{spec.label} can't exceed 100%.")
        owners = sorted({int(r) for r in (self.owner_rep_ids or [])})
        if not owners:
            problems.append("Pick the goal's owners: at least one from marketing and one from sales or sales "
                            "development.")
        if problems:
            raise GoalError("\n".join(f"- {p}" for p in problems) if len(problems) > 1 else problems[0])
        scoped = spec is not None
        return {"title": title, "why": why, "period_kind": self.period_kind, "start_date": start, "end_date": end,
                "metric": metric, "unit": unit, "unit_label": unit_label, "target": target,
                "lower_is_better": lower, "cumulative": cumulative,
                "parent_id": int(self.parent_id) if self.parent_id else None,
                **self._scope(scoped), "owner_rep_ids": owners}

    def _scope(self, scoped: bool = True) -> dict:
        """The scope columns (empty for a manual goal: it has no metric to scope)."""
        return {"scope_team_ids": sorted({int(x) for x in self.scope_team_ids}) if scoped else [],
                "scope_sources": sorted(set(self.scope_sources)) if scoped else [],
                "scope_industries": sorted(set(self.scope_industries)) if scoped else [],
                "scope_countries": sorted(set(self.scope_countries)) if scoped else [],
                "scope_tiers": sorted({int(x) for x in self.scope_tiers}) if scoped else []}

    def measure(self) -> dict | None:
        """The metric, period and scope alone, when those are valid (else None): what the scope check
        needs, so that it runs in the same save as the checks of the other fields."""
        if not self.metric or self.metric not in METRICS:
            return None
        try:
            start, end = period_bounds(self.period_kind, self.start, self.end)
        except GoalError:
            return None
        return {"metric": self.metric, "start_date": start, "end_date": end, **self._scope()}


@dataclass
class CheckInInput:
    confidence: str | None = None
    narrative: str = ""
    blockers: str = ""
    needs: str = ""
    value: str | float | None = None


_MEASURE_FIELDS = ("metric", "unit", "cumulative", "lower_is_better", "start_date", "end_date", "scope_team_ids",
                   "scope_sources", "scope_industries", "scope_countries", "scope_tiers")


def scope_filters(params: dict) -> Filters:
    return Filters(team_ids=params["scope_team_ids"], sources=params["scope_sources"],
                   industries=params["scope_industries"], countries=params["scope_countries"],
                   tiers=params["scope_tiers"])


def scope_has_data(metric: str, scope: Filters, start: date, end: date, tz: str | None = None) -> bool:
    """Whether the metric's facts exist in this scope, in the period or the year before it."""
    spec = METRICS[metric]
    tz = tz or company_tz()
    window = Period(start - timedelta(days=SCOPE_LOOKBACK_DAYS), end, tz)
    frame = _fetch(spec, window, scope, grain="none", as_of=metrics.now_minute())
    return not frame.empty and float(frame[list(spec.basis)].to_numpy().sum()) > 0


def _check_scope(params: dict) -> None:
    spec = METRICS.get(params["metric"]) if params["metric"] else None
    if spec is None:
        return
    scope = scope_filters(params)
    if spec.marketing_sourced and scope.sources:
        from queries import dimensions

        channels = dimensions.channels()
        marketing = set(channels.loc[channels["is_marketing"], "code"])
        if not marketing.intersection(scope.sources):
            raise GoalError(f"None of the chosen sources is a marketing channel, so {spec.label.lower()} would "
                            "always be 0. Pick a marketing source, or choose another metric.")
    if not scope_has_data(spec.key, scope, params["start_date"], params["end_date"]):
        where = "this scope" if not scope.is_empty else "the database"
        raise GoalError(f"The scope matches no data: no {spec.fact} in {where} during the goal's period or the "
                        f"{SCOPE_LOOKBACK_DAYS} days before it. Check the team, source and segment choices.")


def _validated(data: "GoalInput") -> dict:
    """``data.cleaned()`` with the two-team owner rule and the metric's scope checked as well, so one
    save lists every problem (a bad target, dates the wrong way round, a missing sales owner and a
    scope without data took four saves)."""
    problems: list[str] = []
    params = None
    try:
        params = data.cleaned()
    except GoalError as err:
        problems += [line.removeprefix("- ") for line in str(err).splitlines()]
    owners = sorted({int(r) for r in (data.owner_rep_ids or [])})
    if owners:
        try:
            with get_engine().connect() as conn:
                _check_owners(conn, owners)
        except GoalError as err:
            problems.append(str(err))
    measure = params if params is not None else data.measure()
    if measure is not None:
        try:
            _check_scope(measure)
        except GoalError as err:
            problems.append(str(err))
    if problems:
        raise GoalError("\n".join(f"- {p}" for p in problems) if len(problems) > 1 else problems[0])
    return params


def _check_owners(conn: sa.Connection, rep_ids: list[int]) -> None:
    reps = conn.execute(q("goal_owner_reps"), {"rep_ids": rep_ids}).mappings().all()
    missing = set(rep_ids) - {r["id"] for r in reps}
    if missing:
        raise GoalError("Some chosen owners no longer exist; pick the owners again.")
    inactive = [r["full_name"] for r in reps if not r["active"]]
    if inactive:
        raise GoalError(f"{', '.join(inactive)} {'is' if len(inactive) == 1 else 'are'} no longer active; "
                        "pick current team members as owners.")
    missing = missing_sides(r["team_function"] for r in reps)
    if missing:
        raise GoalError(f"Add an owner from {missing[0]}: a shared goal needs at least one owner from marketing "
                        "and one from sales or sales development.")


#: The two sides a shared goal needs an owner from, and the team functions that count for each.
OWNER_SIDES = {"marketing": {"marketing"}, "sales or sales development": {"sales", "sales_development"}}


def missing_sides(team_functions) -> list[str]:
    """The sides (keys of OWNER_SIDES) none of these team functions belongs to, in order."""
    present = set(team_functions)
    return [side for side, functions in OWNER_SIDES.items() if not present & functions]


def _check_title(conn: sa.Connection, params: dict, goal_id: int | None) -> None:
    """Two live goals of one title in overlapping periods read as one goal in lists, the goals panel
    and meeting mode (a lead re-created "Close the revenue plan together" beside the existing one)."""
    same = conn.execute(q("goal_same_title"), {"title": params["title"], "start_date": params["start_date"],
                                               "end_date": params["end_date"], "id": goal_id}).mappings().first()
    if same is not None:
        raise GoalError(f"A goal called “{same['title']}” already runs {same['start_date']:%d %b %Y} – "
                        f"{same['end_date']:%d %b %Y}, overlapping this one: update that goal, or give this one "
                        "a title that tells them apart.")


def _check_parent(conn: sa.Connection, params: dict, goal_id: int | None) -> None:
    parent_id = params["parent_id"]
    if goal_id is not None:
        children = conn.execute(q("goal_active_children"), {"id": goal_id}).mappings().all()
        if parent_id is not None and children:
            raise GoalError("This goal has key results of its own, so it can't become a key result.")
        outside = [c for c in children if c["start_date"] < params["start_date"] or c["end_date"] > params["end_date"]]
        if outside:
            raise GoalError(f"{len(outside)} key result(s) of this goal would fall outside its new period; "
                            "change their dates first.")
    if parent_id is None:
        return
    if parent_id == goal_id:
        raise GoalError("A goal can't be its own key result.")
    parent = conn.execute(q("goal_parent_check"), {"id": parent_id}).mappings().first()
    if parent is None:
        raise GoalError("The objective you picked no longer exists.")
    if parent["parent_id"] is not None:
        raise GoalError(f"'{parent['title']}' is itself a key result; key results hang under an objective.")
    if parent["archived_at"] is not None:
        raise GoalError(f"The objective '{parent['title']}' is archived; restore it first.")
    if params["start_date"] < parent["start_date"] or params["end_date"] > parent["end_date"]:
        raise GoalError(f"A key result's period must lie within its objective's "
                        f"({parent['start_date']:%d %b %Y} – {parent['end_date']:%d %b %Y}).")


def _translate(exc: sa.exc.IntegrityError) -> GoalError:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    if name == "goal_owners_two_teams":
        return GoalError("A shared goal needs at least one owner from marketing and one from sales or sales "
                         "development.")
    return GoalError(f"The database refused the change: {str(exc.orig).splitlines()[0]}")


def _require_editor(actor: User, verb: str) -> None:
    if actor is None or not users.current(actor).can("goals.edit"):   # as stored now, not as the page loaded
        raise NotAllowed(f"Only team leads and admins can {verb} goals.")


def _audit_view(row: dict) -> dict:
    view = {k: row[k] for k in ("title", "why", "period_kind", "start_date", "end_date", "metric", "unit",
                                "unit_label", "lower_is_better", "cumulative", "parent_id", "scope_team_ids",
                                "scope_sources", "scope_industries", "scope_countries", "scope_tiers")}
    view["target"] = float(row["target"])
    view["owner_rep_ids"] = sorted(int(r) for r in row["owner_rep_ids"])
    for k in ("scope_team_ids", "scope_sources", "scope_industries", "scope_countries", "scope_tiers"):
        view[k] = sorted(view[k])
    return view


# --------------------------------------------------------------------------- writes (audited)


def create(actor: User, data: GoalInput) -> int:
    """Create a goal (team leads and admins). Returns its id."""
    _require_editor(actor, "create")
    params = _validated(data)
    try:
        with get_engine().begin() as conn:
            _check_owners(conn, params["owner_rep_ids"])
            _check_title(conn, params, None)
            _check_parent(conn, params, None)
            goal_id = conn.execute(q("goal_insert"), {**params, "actor_id": actor.id}).scalar_one()
            conn.execute(q("goal_owners_add"), {"goal_id": goal_id, "rep_ids": params["owner_rep_ids"]})
            audit.record(conn, actor.id, "goal.create", "goal", goal_id, None, _audit_view(params))
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    metrics.clear_caches()
    return goal_id


def update(actor: User, goal_id: int, data: GoalInput, version: int) -> int:
    """Save an edit made on the goal at ``version``; StaleGoal if it changed since. Returns the new version."""
    _require_editor(actor, "edit")
    params = _validated(data)
    try:
        with get_engine().begin() as conn:
            old = conn.execute(q("goal_row_for_update"), {"id": goal_id}).mappings().first()
            if old is None:
                raise GoalError("That goal no longer exists.")
            if old["archived_at"] is not None:
                raise GoalError("This goal is archived; restore it before editing.")
            if old["version"] != version:
                raise _stale()
            _check_owners(conn, params["owner_rep_ids"])
            if any(_norm(old[k]) != _norm(params[k]) for k in ("title", "start_date", "end_date")):
                _check_title(conn, params, goal_id)   # an edit elsewhere is not blocked by an old twin
            _check_parent(conn, params, goal_id)
            measure_changed = any(_norm(old[k]) != _norm(params[k]) for k in _MEASURE_FIELDS)
            new_version = conn.execute(q("goal_update"), {**params, "id": goal_id, "version": version,
                                                          "actor_id": actor.id,
                                                          "measure_changed": measure_changed}).scalar()
            if new_version is None:
                raise _stale()
            conn.execute(q("goal_owners_remove_others"), {"goal_id": goal_id, "rep_ids": params["owner_rep_ids"]})
            conn.execute(q("goal_owners_add"), {"goal_id": goal_id, "rep_ids": params["owner_rep_ids"]})
            audit.record(conn, actor.id, "goal.update", "goal", goal_id, _audit_view(dict(old)), _audit_view(params))
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    metrics.clear_caches()
    return new_version


def _norm(v):
    if isinstance(v, (list, tuple)):
        return tuple(sorted(v))
    return v


def _stale() -> StaleGoal:
    return StaleGoal("Someone else saved this goal while you were editing it, so your changes were not saved. "
                     "Your input is still in the form: compare it with their version below, then either load "
                     "their version or keep your changes on top of theirs.")


def set_archived(actor: User, goal_id: int, version: int, archive: bool = True) -> int:
    """Archive (or restore) a goal; archiving an objective archives its key results too, and restoring
    it restores the ones archived with it (not those archived on their own before). Never deletes."""
    _require_editor(actor, "archive" if archive else "restore")
    with get_engine().begin() as conn:
        old = conn.execute(q("goal_row_for_update"), {"id": goal_id}).mappings().first()
        if old is None:
            raise GoalError("That goal no longer exists.")
        if (old["archived_at"] is not None) == archive:
            raise GoalError("This goal is already archived." if archive else "This goal is not archived.")
        if old["version"] != version:
            raise _stale()
        if not archive and old["parent_id"] is not None:
            parent = conn.execute(q("goal_parent_check"), {"id": old["parent_id"]}).mappings().first()
            if parent["archived_at"] is not None:
                raise GoalError(f"Its objective '{parent['title']}' is archived; restore the objective first.")
        if not archive:   # a live goal of the same title may have been created meanwhile
            _check_title(conn, dict(old), goal_id)
        new_version = conn.execute(q("goal_set_archived"), {"id": goal_id, "version": version, "archive": archive,
                                                            "actor_id": actor.id}).scalar()
        if new_version is None:
            raise _stale()
        action = "goal.archive" if archive else "goal.restore"
        audit.record(conn, actor.id, action, "goal", goal_id, {"archived": not archive}, {"archived": archive})
        children = (conn.execute(q("goal_active_children"), {"id": goal_id}) if archive else
                    conn.execute(q("goal_children_archived_with"), {"id": goal_id, "archived_at": old["archived_at"]}))
        for child in children.mappings().all():
            conn.execute(q("goal_set_archived"), {"id": child["id"], "version": child["version"], "archive": archive,
                                                  "actor_id": actor.id})
            audit.record(conn, actor.id, action, "goal", child["id"], {"archived": not archive},
                         {"archived": archive, "with_objective": goal_id})
    metrics.clear_caches()
    return new_version


def archive(actor: User, goal_id: int, version: int) -> int:
    return set_archived(actor, goal_id, version, True)


def restore(actor: User, goal_id: int, version: int) -> int:
    return set_archived(actor, goal_id, version, False)


def check_in(actor: User, goal_id: int, data: CheckInInput, as_of: datetime | None = None,
             submission: str | None = None) -> int:
    """Post an owner's check-in. Manual goals take their new value here; metric goals record the
    computed value at the time. Returns the check-in id. ``submission``: the form's key
    (queries.submissions): a second post of the same form raises AlreadySubmitted and saves nothing."""
    goal = get(goal_id)
    if goal is None:
        raise GoalError("That goal no longer exists.")
    if goal.archived:
        raise GoalError("This goal is archived; restore it before checking in.")
    # As stored now: the page's User may predate a deactivation or an unlinked rep record.
    actor = users.current(actor)
    if not actor.active or not goal.owned_by(actor):
        names = ", ".join(o.name for o in goal.owners)
        raise NotAllowed(f"Only the goal's owners ({names}) can post check-ins.")
    problems = []
    if data.confidence not in CONFIDENCE:
        problems.append("Say how confident you are: on track, at risk or off track.")
    narrative, blockers, needs = (_text(t).strip() for t in (data.narrative, data.blockers, data.needs))
    if not narrative:
        problems.append("Write a short update: what moved since the last check-in.")
    for label, text in (("The update", narrative), ("Blockers", blockers),
                        ("What you need from the other team", needs)):
        if len(text.strip()) > MAX_TEXT:
            problems.append(too_long(label, len(text.strip()), MAX_TEXT))
    value = None
    if goal.is_manual:
        try:
            value = _amount(data.value, goal.unit, "The current value")
        except GoalError as err:
            problems.append(str(err))
    if problems:
        raise GoalError("\n".join(f"- {p}" for p in problems) if len(problems) > 1 else problems[0])
    if not goal.is_manual:
        value = current_value(goal, as_of)
    row = {"goal_id": goal_id, "author_user_id": actor.id, "confidence": data.confidence, "narrative": narrative,
           "blockers": blockers, "needs": needs,
           "value": None if value is None else round(float(value), 4)}
    with get_engine().begin() as conn:
        locked = conn.execute(q("goal_row_for_update"), {"id": goal_id}).mappings().first()
        if locked is None or locked["archived_at"] is not None:
            raise GoalError("This goal was archived or removed meanwhile; nothing was posted.")
        if actor.rep_id not in locked["owner_rep_ids"]:   # owners changed since the goal was read
            raise NotAllowed("You are no longer one of this goal's owners; nothing was posted.")
        submissions.claim(conn, submission, "goal.checkin")   # under the goal's row lock: one of two posts waits
        checkin_id = conn.execute(q("goal_checkin_insert"), row).scalar_one()
        audit.record(conn, actor.id, "goal.checkin", "goal", goal_id, None,
                     {k: v for k, v in row.items() if k not in ("goal_id", "author_user_id")} | {"checkin_id": checkin_id})
    metrics.clear_caches()
    return checkin_id




def status_label(status: str) -> str:
    return STATUSES.get(status, status)
