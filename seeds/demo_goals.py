"""Demo shared goals for the current and the previous quarter, with check-ins and daily snapshots.

Runs inside the demo-load transaction, after the core demo data and the demo users exist
(``load(conn)``); every read and write goes through ``conn``, so it sees the uncommitted data.

* Deterministic: targets come from the demo data itself. Each goal has an ambition per quarter
  applied to that quarter's outcome (final value, or the projection for the running quarter),
  chosen so the demo shows a believable mix (most on track, some at risk, one off track; last
  quarter partly achieved, partly missed) whatever the random data did. Targets are rounded to
  numbers people set; check-in dates, confidences and texts follow fixed rules.
* Idempotent: a goal whose title and start date already exist is left alone (with its check-ins).
* Realistic: objectives with key results, owners from both teams (the demo marketing lead,
  sales lead, marketer and SDR), a manual goal, a scoped goal, a lower-is-better goal; the
  previous quarter's goals ended achieved or missed; check-ins every two weeks whose confidence
  mostly follows the data (once, optimistically, not); snapshots back-filled for every day so far.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import sqlalchemy as sa

from components import format as fmt
from queries import audit, calc, goals, plan, sla
from queries.filters import Filters
from queries.goal_math import evaluate, period_bounds
from queries.periods import Period, local_today, zone
from queries.sqlfiles import q

log = logging.getLogger("alignboard.seeds")

OWNER_USERNAMES = ("marketing_lead", "sales_lead", "marketer", "sdr")
#: days after the period start on which owners check in (every two weeks)
CHECKIN_DAYS = (11, 25, 39, 53, 67, 81)


@dataclass(frozen=True)
class DemoGoal:
    key: str
    title: str
    why: str
    owners: tuple[str, ...]
    metric: str | None = None
    parent: str | None = None
    # target = outcome × ambition ("ratio") or outcome + ambition ("points", for rates);
    # ambitions for (previous quarter, current quarter)
    rule: str = "ratio"
    ambition: tuple[float, float] = (1.0, 1.0)
    sources: tuple[str, ...] = ()
    # the SLA commitment field (seeds.demo_sla) whose value is the target when one covers the
    # quarter: a goal named after the agreement must not show a number the agreement doesn't say
    agreed: str | None = None
    # the target is the quarter's revenue plan (queries.plan, seeds.demo_targets) when it has one:
    # "the revenue plan" must be the number pipeline coverage is measured against
    planned: bool = False
    # manual goals
    unit: str = "count"
    unit_label: str = ""
    target: float | None = None
    manual_path: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # share of target at each check-in
    optimistic: bool = False  # at their latest check-in this quarter, owners are more confident than the data


GOALS: tuple[DemoGoal, ...] = (
    DemoGoal("msr", "Grow marketing-sourced revenue", "Marketing is measured on revenue, not on leads: "
             "this is the number both teams put in the board deck.", ("marketing_lead", "sales_lead"),
             metric="marketing_sourced_revenue", ambition=(0.92, 0.95)),
    DemoGoal("msp", "Create marketing-sourced pipeline", "Next quarter's revenue is this quarter's pipeline.",
             ("marketer", "sales_lead"), metric="marketing_sourced_pipeline", parent="msr", ambition=(1.06, 1.0)),
    DemoGoal("mql", "Deliver MQLs sales can work", "Volume that sales agreed to take, at the agreed definition.",
             ("marketer", "sdr"), metric="mqls_delivered", parent="msr", ambition=(0.97, 1.12),
             agreed="mql_volume"),
    DemoGoal("acc", "Raise lead acceptance", "Only a minority of the leads marketing sends are considered "
             "qualified by sales; every point here is wasted effort saved on both sides.",
             ("marketing_lead", "sdr"), metric="acceptance_rate", rule="points", ambition=(0.03, 0.06),
             optimistic=True),
    DemoGoal("sla", "Meet the follow-up SLA", "Leads contacted within the hour are far likelier to qualify.",
             ("sdr", "marketer"), metric="sla_compliance", parent="acc", rule="points", ambition=(-0.02, 0.02),
             agreed="follow_up_target_rate"),
    DemoGoal("ftt", "Cut the median time to first touch", "Speed-to-lead is the cheapest conversion lever we have.",
             ("sdr", "marketing_lead"), metric="median_first_touch", parent="acc", ambition=(1.1, 0.7)),
    DemoGoal("rev", "Close the revenue plan together", "One revenue number, owned by both teams.",
             ("sales_lead", "marketing_lead"), metric="revenue", ambition=(1.03, 0.97), planned=True),
    DemoGoal("win", "Win more webinar and content deals", "Inbound deals from education content should "
             "close better than cold outbound; prove it.", ("sales_lead", "marketer"), metric="win_rate",
             rule="points", ambition=(-0.03, 0.02), sources=("webinar", "content")),
    DemoGoal("cases", "Publish joint customer case studies", "Sales picks the customers, marketing writes "
             "the stories: proof for late-stage deals.", ("marketer", "sales_lead"), unit="count",
             unit_label="case studies", target=6,
             manual_path=((0.17, 0.33, 0.5, 0.67, 0.83, 1.0), (0.17, 0.33, 0.5, 0.67, 0.83, 1.0))),
)

NARRATIVES = {
    "on_track": (
        "Trending to plan. {value} so far; the weekly pipeline review keeps both teams on the same page.",
        "Good fortnight: {value} to date. The joint account list is paying off.",
        "Ahead of where we expected at this point ({value}). Keeping the cadence, no changes needed.",
    ),
    "at_risk": (
        "Slower than planned: {value} to date. We are re-prioritising the late-stage list together.",
        "Behind pace ({value}). Two big deals slipped to next month; watching them closely.",
        "Holding, not gaining: {value}. Rejections for 'no budget' went up this month.",
    ),
    "off_track": (
        "Well behind at {value}. We need a change of plan, not more of the same.",
        "Off track: {value}. Hand-offs piled up during the event week and follow-up suffered.",
    ),
}
BLOCKERS = {
    "on_track": ("", "", "Event budget for next month not approved yet."),
    "at_risk": ("Two SDRs out for training this fortnight.", "Routing rules send EMEA leads to the NA queue.",
                "CRM sync delays of up to a day on new leads."),
    "off_track": ("Lead routing backlog during the event week.", "No capacity for follow-up on webinar attendees."),
}
NEEDS = {
    "marketing": ("Sales: tell us within 48 h why leads are rejected, with a reason.",
                  "Sales: join the webinar dry run and bring two customer questions.",
                  "Sales: nominate two customers for case studies."),
    "sales": ("Marketing: fewer student and competitor sign-ups in the MQL feed.",
              "Marketing: a one-page battle card for the new pricing.",
              "Marketing: route webinar attendees the same day, not the next morning."),
}


def load(conn: sa.Connection) -> None:
    """Create the demo goals (idempotent). ``conn`` is inside the caller's transaction: never commits."""
    owners = {r["username"]: r for r in conn.execute(q("demo_goal_owner_reps"),
                                                     {"usernames": list(OWNER_USERNAMES)}).mappings()}
    if set(owners) != set(OWNER_USERNAMES):
        log.warning("demo goals skipped: demo users %s are missing", sorted(set(OWNER_USERNAMES) - set(owners)))
        return
    tz = stored_setting(conn, "company_timezone", "UTC")
    anchor = demo_anchor(conn, tz)
    now = min(datetime.now(timezone.utc), datetime.combine(anchor, time(0), zone(tz)).astimezone(timezone.utc))
    today = local_today(tz, now)
    current = period_bounds("quarter", today)
    previous = period_bounds("quarter", current[0] - timedelta(days=1))

    created: list[tuple[int, DemoGoal, int]] = []
    for which, bounds in enumerate((previous, current)):
        ids: dict[str, int] = {}
        for spec in GOALS:
            goal_id = _create(conn, spec, which, bounds, ids, owners, tz, now)
            if goal_id is not None:
                created.append((goal_id, spec, which))
    if not created:
        return
    made = {g.id: g for g in goals.query_goals(conn, goal_ids=[i for i, _, _ in created])}
    for goal_id, spec, which in created:
        _check_ins(conn, made[goal_id], spec, which, owners, tz, now)
    # medians cost one query per day: sample them weekly; the app fills later days daily
    goals.record_due_snapshots(list(made.values()), tz, today=today, now=now, max_daily_queries=None,
                               sample_every=7, conn=conn, as_recorded=True)   # as if recorded daily


def stored_setting(conn, key, default):
    """A company setting as stored, read inside the seeding transaction (not the app's cached copy)."""
    value = conn.execute(q("setting_get"), {"key": key}).scalar()
    return default if value is None else value


def demo_anchor(conn, tz: str) -> date:
    """The last day of the demo data (its seed's anchor), else today."""
    seed = stored_setting(conn, "demo_seed", {}) or {}
    try:
        return date.fromisoformat(seed["anchor"])
    except (KeyError, TypeError, ValueError):
        return local_today(tz)


def _nice(x: float, unit: str) -> float:
    """Round a target the way people set them."""
    if unit == "percent":
        return round(x * 100) / 100
    if unit == "minutes":
        return max(5.0, round(x / 5) * 5)
    if x <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(x)) - 1)
    if unit == "currency":
        step = max(step, 1000)
    return round(x / step) * step


def _target(conn, spec: DemoGoal, which: int, bounds: tuple[date, date], tz: str, now: datetime) -> float | None:
    """The quarter's outcome (final, or projected from the run rate so far) with the goal's ambition."""
    if spec.metric is None:
        return float(spec.target)
    m = goals.METRICS[spec.metric]
    if spec.agreed:
        frame = pd.DataFrame(conn.execute(q("sla_commitments")).mappings().all())
        agreement = sla.commitment_over(frame, Period(bounds[0], bounds[1], tz)) if len(frame) else None
        value = getattr(agreement, spec.agreed, None) if agreement else None
        if value:   # the agreed number itself: rounded "nicely", 1,250 MQLs became 1,200 beside the commitment
            return float(value)
    if spec.planned:
        stored = conn.execute(q("setting_get"), {"key": plan.Quarter.of(bounds[0]).key}).scalar()
        if calc.target_value(stored) is not None:
            return float(stored)
    probe = goals.Goal(id=0, parent_id=None, parent_title=None, title="", why="", period_kind="quarter",
                       start=bounds[0], end=bounds[1], metric=spec.metric, unit=m.unit, unit_label="", target=1.0,
                       lower_is_better=m.lower_is_better, cumulative=m.cumulative,
                       scope=Filters(sources=spec.sources), archived_at=None, version=1, measure_version=1,
                       created_at=now, updated_at=now)
    value = goals.metric_value(probe, as_of=now, tz=tz, conn=conn)
    pace = Period(bounds[0], bounds[1], tz).elapsed_share(now)
    outcome = evaluate(value, 1.0, pace=pace, lower_is_better=m.lower_is_better, cumulative=m.cumulative).projected
    if outcome is None or outcome <= 0:
        return None
    ambition = spec.ambition[which]
    if spec.rule == "points":
        return _nice(min(max(outcome + ambition, 0.05), 0.99), m.unit)
    return _nice(outcome * ambition, m.unit)


def _create(conn, spec: DemoGoal, which: int, bounds, ids: dict, owners: dict, tz: str,
            now: datetime) -> int | None:
    start, end = bounds
    if conn.execute(q("demo_goal_exists"), {"title": spec.title, "start_date": start}).first():
        return None
    if spec.parent is not None and spec.parent not in ids:
        return None
    target = _target(conn, spec, which, bounds, tz, now)
    if target is None:
        log.info("demo goal %r skipped: no data to set a target from", spec.title)
        return None
    m = goals.METRICS.get(spec.metric) if spec.metric else None
    params = {"parent_id": ids.get(spec.parent), "title": spec.title, "why": spec.why, "period_kind": "quarter",
              "start_date": start, "end_date": end, "metric": spec.metric,
              "unit": m.unit if m else spec.unit, "unit_label": "" if m else spec.unit_label, "target": target,
              "lower_is_better": m.lower_is_better if m else False, "cumulative": m.cumulative if m else True,
              "scope_team_ids": [], "scope_sources": sorted(spec.sources), "scope_industries": [],
              "scope_countries": [], "scope_tiers": [], "actor_id": owners["marketing_lead"]["user_id"]}
    goal_id = conn.execute(q("goal_insert"), params).scalar_one()
    rep_ids = sorted(owners[u]["rep_id"] for u in spec.owners)
    conn.execute(q("goal_owners_add"), {"goal_id": goal_id, "rep_ids": rep_ids})
    created_at = datetime.combine(start - timedelta(days=6), time(15), zone(tz)).astimezone(timezone.utc)
    conn.execute(q("demo_goal_backdate"), {"id": goal_id, "created_at": min(created_at, now)})
    view = {k: v for k, v in params.items() if k != "actor_id"} | {"owner_rep_ids": rep_ids}
    # dated when the goal was created, not when the demo was loaded (Q3's goals read as created tonight)
    audit.record(conn, params["actor_id"], "goal.create", "goal", goal_id, None, view, at=min(created_at, now))
    ids[spec.key] = goal_id
    return goal_id


def _check_ins(conn, g: goals.Goal, spec: DemoGoal, which: int, owners: dict, tz: str, now: datetime) -> None:
    days = [g.start + timedelta(days=d) for d in CHECKIN_DAYS if g.start + timedelta(days=d) <= g.end]
    moments = [datetime.combine(d, time(16, 30), zone(tz)).astimezone(timezone.utc) for d in days]
    pairs = [(d, m) for d, m in zip(days, moments) if m < now]
    currency = stored_setting(conn, "currency", "USD")
    currency = currency.strip().upper() if isinstance(currency, str) and currency.strip() else "USD"
    if not pairs:
        return
    period = Period(g.start, g.end, tz)
    if g.is_manual:
        values = {d: float(round(g.target * share)) for (d, _), share in zip(pairs, spec.manual_path[which])}
    else:
        values = goals.value_series(g, [d for d, _ in pairs], tz, now=now, max_daily_queries=None, conn=conn)
    authors = [owners[u] for u in spec.owners]
    for i, (day, moment) in enumerate(pairs):
        value = values.get(day)
        progress = evaluate(value, g.target, pace=period.elapsed_share(moment), lower_is_better=g.lower_is_better,
                            cumulative=g.cumulative)
        confidence = {"too_early": "on_track", "no_data": "at_risk", "not_started": "on_track",
                      "achieved": "on_track", "missed": "off_track"}.get(progress.data_status, progress.data_status)
        optimistic = which == 1 and spec.optimistic and i == len(pairs) - 1 and confidence != "on_track"
        if optimistic:
            confidence = "on_track"  # the owners believe in a late surge the data does not show yet
        author = authors[i % len(authors)]
        side = "marketing" if author["team_function"] == "marketing" else "sales"
        k = (g.id + i) % 3
        texts = NARRATIVES[confidence]
        narrative = texts[k % len(texts)].format(value=_describe(value, g, currency))
        if optimistic:
            narrative = ("The data says behind, but three large webinars land in the last weeks and sales agreed to "
                         "fast-track their attendees. We expect to close the gap.")
        conn.execute(q("demo_checkin_insert"), {
            "goal_id": g.id, "author_user_id": author["user_id"], "created_at": moment, "confidence": confidence,
            "narrative": narrative, "blockers": BLOCKERS[confidence][k % len(BLOCKERS[confidence])],
            "needs": NEEDS[side][k] if confidence != "on_track" or k == 0 else "",
            "value": None if value is None else round(float(value), 4)})


def _describe(value, g: goals.Goal, currency: str = "USD") -> str:
    """A value as an owner writes it in a check-in, amounts in the company's currency ("¥1.68M",
    not a "$" left in a yen company's demo)."""
    if value is None:
        return "no data yet"
    if g.unit == "currency":
        return fmt.money(value, currency)
    if g.unit == "percent":
        return f"{value * 100:.0f}%"
    if g.unit == "minutes":
        return f"{value:.0f} min median"
    return f"{value:,.0f}" + (f" {g.unit_label}" if g.unit_label else "")
