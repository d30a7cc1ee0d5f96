"""Demo data for qualification and the feedback loop.

Runs after the core demo data and the demo users exist (see seeds/demo_users.py):

* criteria **v1**, proposed by the marketing lead and approved by the sales lead, in force from
  the first day of the demo data; **v2**, a looser rule marketing proposed and withdrew after
  replaying it; **v3**, a tighter rule the sales lead proposed, awaiting the marketing lead;
* every demo MQL event stamped with the version in force at its time (one set-based update:
  the only place ``lead_event`` history is ever written after the fact, see docs/qualification.md);
* rep ratings and insights on a sample of recent decisions, campaign-level insights on the
  best and worst campaigns, and marketing's replies ("what we changed").

Deterministic (choices are functions of row ids and the data's own dates) and idempotent (each
part is skipped when its rows exist).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from queries import audit
from queries.criteria_rules import Criteria
from queries.periods import zone
from queries.sqlfiles import q
from seeds.generate import MQL_SCORE

#: Ratings cover decisions from the last this many days of the demo data (the feature's age).
FEEDBACK_DAYS = 180
#: A campaign needs this many recent decisions before anyone writes a campaign-level insight.
MIN_CAMPAIGN_HANDOFFS = 12

V1 = Criteria(min_score=MQL_SCORE)   # the rule the generated MQLs follow
V2 = Criteria(min_score=35)
V3 = Criteria(min_score=55, employee_bands=("50-199", "200-999", "1000-4999", "5000+"),
              excluded_sources=("paid_social",))


def load(conn: sa.Connection) -> None:
    """Load the qualification demo data inside the caller's transaction."""
    span = conn.execute(q("seed_demo_span")).mappings().one()
    if span["first_at"] is None:
        return  # no demo leads: nothing to tell a story about
    people = {r["username"]: r for r in conn.execute(q("seed_demo_people")).mappings()}
    missing = {"marketing_lead", "sales_lead", "marketer"} - set(people)
    if missing:
        raise RuntimeError(f"demo_qualification needs the demo users first (missing: {', '.join(sorted(missing))}); "
                           "run seeds.demo_users.create(conn) before it.")
    first_at, now_at = span["first_at"], span["now_at"]
    if conn.execute(q("seed_criteria_count")).scalar_one() == 0:
        _criteria(conn, people, first_at, now_at, span["tz"])
        backfill_mql_versions(conn)
    counts = conn.execute(q("seed_feedback_count")).mappings().one()
    if counts["feedback"] == 0:
        conn.execute(q("seed_lead_feedback"), {"now_at": now_at, "days": FEEDBACK_DAYS})
        conn.execute(q("seed_campaign_feedback"), {"now_at": now_at, "days": FEEDBACK_DAYS,
                                                   "min_handoffs": MIN_CAMPAIGN_HANDOFFS})
    if counts["replies"] == 0:
        m, lead = people["marketer"], people["marketing_lead"]
        conn.execute(q("seed_replies"), {"now_at": now_at, "marketer_user_id": m["user_id"],
                                         "marketer_rep_id": m["rep_id"], "lead_user_id": lead["user_id"],
                                         "lead_rep_id": lead["rep_id"]})


def _criteria(conn: sa.Connection, people: dict, first_at: datetime, now_at: datetime, tz_name: str) -> None:
    ml, sl = people["marketing_lead"], people["sales_lead"]
    tz = zone(tz_name)

    def midnight(ts: datetime) -> datetime:  # start of the local day, as UTC
        local = ts.astimezone(tz)
        return datetime.combine(local.date(), time(0), tz).astimezone(timezone.utc)

    start = midnight(first_at)
    day = midnight(now_at)
    first_of_next = (now_at.astimezone(tz).date().replace(day=1) + timedelta(days=32)).replace(day=1)
    next_month = datetime.combine(first_of_next, time(0), tz).astimezone(timezone.utc)
    versions = [
        dict(number=1, title="Baseline MQL rule: score 40+", criteria=V1,
             rationale="Start from what marketing automation already routes: a lead score of 40 or more. "
                       "We review it once we have a quarter of acceptance data.",
             effective_at=start, status="active", proposed=ml, side="marketing",
             proposed_at=start - timedelta(days=12), approved=sl, approved_side="sales",
             approved_at=start - timedelta(days=3)),
        dict(number=2, title="Lower the bar to score 35 for more volume", criteria=V2,
             rationale="We are behind on the MQL commitment; webinar attendees often score 35-40.",
             effective_at=day - timedelta(days=95), status="withdrawn", proposed=ml, side="marketing",
             proposed_at=day - timedelta(days=110), withdrawn=ml, withdrawn_at=day - timedelta(days=104),
             withdrawn_note="The replay showed a third more MQLs, none of which sales had ever worked, so no "
                            "evidence they would be accepted. Withdrawn; we will fix webinar scoring instead."),
        dict(number=3, title="Focus SDRs: 50+ employees, score 55+, no paid social", criteria=V3,
             rationale="Paid social leads are accepted about one time in four and under-50 companies rarely buy. "
                       "The replay of last quarter keeps most of the revenue with far fewer hand-offs.",
             effective_at=next_month, status="proposed", proposed=sl, side="sales",
             proposed_at=min(now_at, day + timedelta(hours=9)) - timedelta(days=2)),
    ]
    for v in versions:
        approved, withdrawn = v.get("approved"), v.get("withdrawn")
        version_id = conn.execute(q("seed_criteria_insert"), {
            **v["criteria"].params(), "number": v["number"], "title": v["title"], "rationale": v["rationale"],
            "effective_at": v["effective_at"], "status": v["status"],
            "proposed_by_user_id": v["proposed"]["user_id"], "proposed_by_name": v["proposed"]["display_name"],
            "proposed_side": v["side"], "proposed_at": v["proposed_at"],
            "approved_by_user_id": approved["user_id"] if approved else None,
            "approved_by_name": approved["display_name"] if approved else None,
            "approved_side": v.get("approved_side"), "approved_at": v.get("approved_at"),
            "withdrawn_by_user_id": withdrawn["user_id"] if withdrawn else None,
            "withdrawn_by_name": withdrawn["display_name"] if withdrawn else None,
            "withdrawn_at": v.get("withdrawn_at"), "withdrawn_note": v.get("withdrawn_note")}).scalar_one()
        # the audit trail the app would have written, dated when each step happened
        audit.record(conn, v["proposed"]["user_id"], "criteria.propose", "criteria_version", version_id, None,
                     {"number": v["number"], "title": v["title"], "effective_date": v["effective_at"].astimezone(tz).date(),
                      **v["criteria"].as_dict()}, at=v["proposed_at"])
        if approved:
            audit.record(conn, approved["user_id"], "criteria.approve", "criteria_version", version_id,
                         {"status": "proposed", "effective_at": v["effective_at"]},
                         {"status": "active", "effective_at": v["effective_at"]}, at=v["approved_at"])
        if withdrawn:
            audit.record(conn, withdrawn["user_id"], "criteria.withdraw", "criteria_version", version_id,
                         {"status": "proposed"}, {"status": "withdrawn", "note": v["withdrawn_note"]},
                         at=v["withdrawn_at"])


def backfill_mql_versions(conn: sa.Connection) -> int:
    """Stamp MQL events recorded before any criteria existed with the version in force at their
    time; returns how many were stamped.

    ``lead_event`` is append-only. This is the one exception, for history loaded in bulk before
    the criteria were (the bulk load bypasses the insert trigger that stamps new MQL events): the
    append-only trigger is disabled and re-enabled inside the caller's transaction, so no other
    session can write or see the table in between.
    """
    conn.execute(q("seed_lead_event_history_open"))
    # No try/finally: if the update fails, the transaction is aborted and its rollback restores
    # the trigger (ALTER TABLE is transactional).
    stamped = conn.execute(q("seed_backfill_mql_versions")).rowcount
    conn.execute(q("seed_lead_event_history_close"))
    return stamped
