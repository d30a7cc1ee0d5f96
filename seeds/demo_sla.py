"""Demo SLA terms: a company calendar with US holidays, versioned policies, quarterly commitments.

``load(conn)`` runs after the core demo data and the demo users exist. Deterministic (everything
derives from the loaded hand-offs and the demo anchor) and idempotent (existing calendars,
policy versions, holidays and commitments are left alone). It ends by recomputing every
hand-off's policy, deadlines and minutes to first touch (``refresh_handoff_sla``).

The story the demo tells: the company works Monday to Friday, 09:00–18:00 New York time, closed
on US public holidays. Strategic (tier 1) accounts and high-priority leads must be contacted
within an hour of working time; two quarters before the anchor the leads agreed to tighten that
to 30 business minutes (version 2). Paid-channel leads get 2 business hours, everyone else 4.
Sales decides (accept or reject) within two working days. Marketing commits a quarterly MQL
volume a little above the previous quarter's (a growth target) and a 55 % minimum acceptance rate.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa  # noqa: F401  (the connection type)

from queries import audit
from queries.sla import insert_calendar, rebuilding_days_once
from queries.periods import quarter_start
from queries.sqlfiles import q

TZ = "America/New_York"
CALENDAR = "Company calendar (New York)"
OPEN, CLOSE = time(9), time(18)
#: US federal holidays a typical US company closes on (Columbus Day and Veterans Day stay working days).
CLOSED_ON = ("New Year's Day", "Martin Luther King Jr. Day", "Washington's Birthday", "Memorial Day",
             "Juneteenth National Independence Day", "Independence Day", "Labor Day", "Thanksgiving Day",
             "Christmas Day")
DECISION_MINUTES = 2 * 9 * 60  # two working days of nine hours


def load(conn: sa.Connection) -> None:
    span = conn.execute(q("sla_seed_span"), {"tz": TZ}).mappings().one()
    today = datetime.now(timezone.utc).date()
    anchor = span["anchor"] or span["last_day"] or today
    first = span["first_day"] or anchor - timedelta(days=548)

    calendar_id = _calendar(conn, range(first.year - 1, max(anchor.year, today.year) + 3))
    _policies(conn, calendar_id, first, anchor)
    _commitments(conn, first, max(anchor, today))
    conn.execute(q("sla_no_statement_timeout"))
    conn.execute(q("sla_refresh"), {"lead_ids": None, "reaching": None})


def _calendar(conn, holiday_years) -> int:
    """The demo calendar with its hours and holidays (its working days built once)."""
    cal_id = conn.execute(q("sla_seed_calendar_id"), {"name": CALENDAR}).scalar()
    if cal_id is None:
        cal_id = insert_calendar(conn, CALENDAR, TZ)
    with rebuilding_days_once(conn, cal_id):
        if not conn.execute(q("sla_seed_has_schedule"), {"calendar_id": cal_id}).scalar():
            schedule_id = conn.execute(q("sla_schedule_upsert"), {"calendar_id": cal_id,
                                                                  "effective_from": date(2000, 1, 1)}).scalar_one()
            conn.execute(q("sla_schedule_days_insert"), {"schedule_id": schedule_id, "isodows": [1, 2, 3, 4, 5],
                                                         "start_times": [OPEN] * 5, "end_times": [CLOSE] * 5})
        _holidays(conn, cal_id, holiday_years)
    return cal_id


def us_company_holidays(years) -> dict[date, str]:
    """US federal holidays (observed dates) the company closes on, plus the day after Thanksgiving."""
    import holidays as pyholidays

    out: dict[date, str] = {}
    for day, names in pyholidays.US(years=list(years)).items():
        for name in names.split("; "):
            base = name.replace(" (observed)", "")
            if base in CLOSED_ON:
                out[day] = name
        if "Thanksgiving Day" in names:
            out[day + timedelta(days=1)] = "Day after Thanksgiving"
    return dict(sorted(out.items()))


def _holidays(conn, calendar_id: int, years) -> None:
    days = us_company_holidays(years)
    conn.execute(q("sla_seed_holidays_if_absent"), {"calendar_id": calendar_id, "days": list(days),
                                                    "names": list(days.values())})


def _policies(conn, calendar_id: int, first: date, anchor: date) -> None:
    """Version 1 of each policy from the first month of data; the 30-minute tightening (version 2
    of the strategic and high-priority policies) two quarters before the anchor, when the data
    reaches back that far."""
    start_on = first.replace(day=1)
    start = datetime.combine(start_on, time(0), ZoneInfo(TZ)).astimezone(timezone.utc)
    tightened_on = quarter_start(quarter_start(anchor) - timedelta(days=100))
    tightened = datetime.combine(tightened_on, time(0), ZoneInfo(TZ)).astimezone(timezone.utc)
    common = {"first_touch_business": True, "decision_minutes": DECISION_MINUTES, "decision_business": True,
              "calendar_id": calendar_id, "retired": False, "actor_user_id": None, "tiers": None, "sources": None,
              "segments": None, "priorities": None, "is_default": False}
    strategic = {**common, "code": "strategic_accounts", "name": "Strategic accounts", "rank": 10, "tiers": [1]}
    high = {**common, "code": "high_priority", "name": "High-priority leads", "rank": 20, "priorities": ["high"]}
    versions = [
        {**strategic, "version": 1, "first_touch_minutes": 60, "effective_at": start,
         "note": "Tier 1 accounts: first contact within an hour of working time."},
        {**high, "version": 1, "first_touch_minutes": 60, "effective_at": start,
         "note": "Scored 80+ or flagged high priority by marketing."},
        {**common, "code": "paid_channels", "version": 1, "name": "Paid channels", "rank": 30,
         "sources": ["paid_search", "paid_social"], "first_touch_minutes": 120, "effective_at": start,
         "note": "Paid clicks go cold fastest after the strategic ones."},
        {**common, "code": "default", "version": 1, "name": "Standard follow-up", "rank": 999, "is_default": True,
         "first_touch_minutes": 240, "effective_at": start, "note": "Every lead no other policy covers."},
    ]
    if tightened_on > start_on:
        note = f"Tightened to 30 business minutes from {tightened_on:%d %b %Y} after the speed-to-lead review."
        versions += [{**strategic, "version": 2, "first_touch_minutes": 30, "effective_at": tightened, "note": note},
                     {**high, "version": 2, "first_touch_minutes": 30, "effective_at": tightened, "note": note}]
    for v in versions:
        if not conn.execute(q("sla_seed_policy_exists"), {"code": v["code"], "version": v["version"]}).scalar():
            policy_id = conn.execute(q("sla_policy_insert"), v).scalar_one()
            # as sla.save_policy audits a version, by "the system" (demo data), when it took effect
            audit.record(conn, None, "sla_policy.version", "sla_policy", v["code"],
                         {"version": v["version"] - 1} if v["version"] > 1 else None,
                         {**{k: val for k, val in v.items() if k != "actor_user_id"}, "id": policy_id},
                         at=v["effective_at"])


def _commitments(conn, first: date, last: date) -> None:
    """One commitment per quarter from the first complete quarter of data to the quarter after
    ``last``: 6 % above the latest complete quarter before it (rounded to 50)."""
    actual = {r.quarter_start: r.mqls for r in conn.execute(q("sla_seed_quarterly_mqls"), {"tz": TZ})}

    def next_quarter(d: date) -> date:
        return quarter_start(d + timedelta(days=95))

    complete = []  # (quarter start, MQLs) of quarters fully inside the data
    qs = quarter_start(first)
    while qs <= last:
        if qs >= first and next_quarter(qs) <= last and qs in actual:
            complete.append((qs, actual[qs]))
        qs = next_quarter(qs)
    if not complete:
        return
    qs = complete[0][0]
    while qs <= next_quarter(quarter_start(last)):
        before = [m for start, m in complete if start < qs]
        base = before[-1] * 1.06 if before else actual[qs]
        conn.execute(q("sla_seed_commitment_if_free"), {
            "start_date": qs, "end_date": next_quarter(qs) - timedelta(days=1),
            "mql_volume": max(50, int(round(base / 50.0)) * 50), "min_acceptance_rate": 0.55,
            "follow_up_target_rate": 0.90, "decision_target_rate": 0.85,
            "note": "Quarterly target: about 6 % above the last complete quarter's MQLs."
            if before else "First quarter of the agreement: this quarter's run rate."})
        qs = next_quarter(qs)
