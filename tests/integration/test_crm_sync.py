"""A CRM sync written only from docs/data-model.md: plain SQL through psycopg (no app code, no
factories), upserting by ``crm_id`` and looking foreign keys up by it, as the contract says. Then the
app's read functions must show exactly what those rows imply: acceptance, rejection reasons, time
to first touch, SLA compliance, MQLs, the funnel, pipeline, revenue, campaign returns and the
rep's hand-off list.

The scenario (UTC, the default company time zone; no SLA policy, so the default 240-minute first
touch and 48-hour decision windows), read at 24 Nov 2026 12:00:

- L1 (webinar campaign): MQL and hand-off to Sam 2 Nov 10:00; an automated e-mail at 10:05 (never a
  touch), Sam's call at 10:30 (30 min, in time); accepted 12:00. Its opportunity (Ada, 30,000) opened
  5 Nov 10:00, won 20 Nov 14:00 (15 days 4 hours), with its stage history.
- L2 (webinar campaign): handed off 3 Nov 09:00, never touched, rejected (no budget) 15:00, recycled
  4 Nov; qualifies again and is handed off 10 Nov 09:00, called 15:00 (360 min, late), accepted 16:00.
- L3 (referral): handed off 20 Nov 09:00, untouched, undecided: past its SLA and overdue.
- L4 (webinar campaign): handed off 21 Nov 10:00, called 10:10, rejected 11:00 ("other": a student).
- A lead-less opportunity (5,000) opened 22 Nov, still open.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import psycopg
import pytest

from queries import handoffs, metrics
from queries.filters import Filters
from queries.periods import Period

NOV = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def ts(s: str) -> datetime:
    """A timestamp with its zone, as the contract asks ("send them with a zone")."""
    return datetime.fromisoformat(s).replace(tzinfo=timezone.utc)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --------------------------------------------------------------------------- the sync, from the doc

UPSERT_TEAM = """
insert into team (crm_id, code, name, function) values (%(crm_id)s, %(code)s, %(name)s, %(function)s)
on conflict (crm_id) do update set code = excluded.code, name = excluded.name, function = excluded.function"""
UPSERT_REP = """
insert into rep (crm_id, full_name, email, team_id)
values (%(crm_id)s, %(full_name)s, %(email)s, (select id from team where crm_id = %(team)s))
on conflict (crm_id) do update set full_name = excluded.full_name, email = excluded.email, team_id = excluded.team_id"""
UPSERT_ACCOUNT = """
insert into account (crm_id, name, domain, industry, country, region, employee_band, tier, owner_id)
values (%(crm_id)s, %(name)s, %(domain)s, %(industry)s, %(country)s, %(region)s, %(band)s, %(tier)s,
        (select id from rep where crm_id = %(owner)s))
on conflict (crm_id) do update set name = excluded.name, tier = excluded.tier, owner_id = excluded.owner_id"""
UPSERT_CAMPAIGN = """
insert into campaign (crm_id, name, channel_code, start_date, end_date, spend, owner_id)
values (%(crm_id)s, %(name)s, %(channel)s, %(start)s, %(end)s, %(spend)s, (select id from rep where crm_id = %(owner)s))
on conflict (crm_id) do update set name = excluded.name, spend = excluded.spend, end_date = excluded.end_date"""
UPSERT_LEAD = """
insert into lead (crm_id, account_id, first_name, last_name, email, job_title, job_function, seniority, source,
                  campaign_id, marketer_id, score, priority, created_at)
values (%(crm_id)s, (select id from account where crm_id = %(account)s), %(first)s, %(last)s, %(email)s,
        %(title)s, %(function)s, %(seniority)s, %(source)s, (select id from campaign where crm_id = %(campaign)s),
        (select id from rep where crm_id = %(marketer)s), %(score)s, 'normal', %(created_at)s)
on conflict (crm_id) do update set first_name = excluded.first_name, last_name = excluded.last_name,
                                   email = excluded.email, score = excluded.score"""
INSERT_EVENT = """
insert into lead_event (lead_id, event_type, occurred_at, owner_id, actor_rep_id, rejection_reason, comment)
select l.id, %(type)s, %(at)s, (select id from rep where crm_id = %(owner)s), (select id from rep where crm_id = %(actor)s),
       %(reason)s, %(comment)s
  from lead l
 where l.crm_id = %(lead)s
   and not exists (select 1 from lead_event e
                    where e.lead_id = l.id and e.event_type = %(type)s and e.occurred_at = %(at)s)"""
UPSERT_ACTIVITY = """
insert into activity (crm_id, lead_id, account_id, rep_id, activity_type, is_automated, occurred_at, subject)
values (%(crm_id)s, (select id from lead where crm_id = %(lead)s), (select id from account where crm_id = %(account)s),
        (select id from rep where crm_id = %(rep)s), %(type)s, %(automated)s, %(at)s, %(subject)s)
on conflict (crm_id) do update set occurred_at = excluded.occurred_at, subject = excluded.subject"""
UPSERT_OPPORTUNITY = """
insert into opportunity (crm_id, account_id, lead_id, owner_id, name, amount, created_at, expected_close_date, stage,
                         closed_at)
values (%(crm_id)s, (select id from account where crm_id = %(account)s), (select id from lead where crm_id = %(lead)s),
        (select id from rep where crm_id = %(owner)s), %(name)s, %(amount)s, %(created_at)s, %(expected)s, %(stage)s,
        %(closed_at)s)
on conflict (crm_id) do update set amount = excluded.amount, stage = excluded.stage, closed_at = excluded.closed_at,
                                   expected_close_date = excluded.expected_close_date"""
INSERT_STAGE = """
insert into opportunity_stage_change (opportunity_id, stage, amount, changed_at, changed_by_rep_id)
select o.id, %(stage)s, %(amount)s, %(at)s, (select id from rep where crm_id = %(rep)s)
  from opportunity o
 where o.crm_id = %(opp)s
   and not exists (select 1 from opportunity_stage_change c
                    where c.opportunity_id = o.id and c.stage = %(stage)s and c.changed_at = %(at)s)"""

def event(lead, type_, at, owner=None, actor=None, reason=None, comment=None) -> dict:
    return {"lead": lead, "type": type_, "at": ts(at), "owner": owner, "actor": actor, "reason": reason,
            "comment": comment}


def touch(crm_id, lead, at, rep="R-SAM", type_="call", automated=False) -> dict:
    return {"crm_id": crm_id, "lead": lead, "account": "A-ACME", "rep": rep, "type": type_, "automated": automated,
            "at": ts(at), "subject": f"{type_} {crm_id}"}


def lead(crm_id, created_at, source="webinar", campaign="C-WEB") -> dict:
    return {"crm_id": crm_id, "account": "A-ACME", "first": f"First {crm_id}", "last": "Lead",
            "email": f"{crm_id.lower()}@acme.example", "title": "Head of Data", "function": "IT",
            "seniority": "director", "source": source, "campaign": campaign, "marketer": "R-MIA", "score": 70,
            "created_at": ts(created_at)}


def sync(url: str) -> None:
    """What a sync job does, in the doc's order: reference rows, leads, events in time order,
    activities, opportunities and their stage history; each table upserted by ``crm_id``."""
    with psycopg.connect(libpq(url)) as conn, conn.cursor() as cur:
        for team in ({"crm_id": "T-MKT", "code": "marketing", "name": "Marketing", "function": "marketing"},
                     {"crm_id": "T-SDR", "code": "sdr", "name": "SDRs", "function": "sales_development"},
                     {"crm_id": "T-AE", "code": "ae", "name": "Account executives", "function": "sales"}):
            cur.execute(UPSERT_TEAM, team)
        for rep in ({"crm_id": "R-MIA", "full_name": "Mia Marketer", "email": "mia@example.com", "team": "T-MKT"},
                    {"crm_id": "R-SAM", "full_name": "Sam SDR", "email": "sam@example.com", "team": "T-SDR"},
                    {"crm_id": "R-ADA", "full_name": "Ada AE", "email": "ada@example.com", "team": "T-AE"}):
            cur.execute(UPSERT_REP, rep)
        cur.execute(UPSERT_ACCOUNT, {"crm_id": "A-ACME", "name": "Acme GmbH", "domain": "acme.example",
                                     "industry": "Software", "country": "DE", "region": "EMEA", "band": "200-999",
                                     "tier": 1, "owner": "R-ADA"})
        cur.execute(UPSERT_CAMPAIGN, {"crm_id": "C-WEB", "name": "November webinar", "channel": "webinar",
                                      "start": date(2026, 11, 1), "end": date(2026, 11, 30), "spend": 1200,
                                      "owner": "R-MIA"})
        for row in (lead("L1", "2026-11-02 09:00"), lead("L2", "2026-11-03 08:00"),
                    lead("L3", "2026-11-20 08:00", source="referral", campaign=None), lead("L4", "2026-11-21 09:00")):
            cur.execute(UPSERT_LEAD, row)
        for row in (
            event("L1", "mql", "2026-11-02 10:00"),
            event("L1", "handed_off", "2026-11-02 10:00", owner="R-SAM"),
            event("L1", "accepted", "2026-11-02 12:00", actor="R-SAM"),
            event("L2", "mql", "2026-11-03 09:00"),
            event("L2", "handed_off", "2026-11-03 09:00", owner="R-SAM"),
            event("L2", "rejected", "2026-11-03 15:00", actor="R-SAM", reason="no_budget"),
            event("L2", "recycled", "2026-11-04 09:00"),
            event("L2", "mql", "2026-11-10 09:00"),
            event("L2", "handed_off", "2026-11-10 09:00", owner="R-SAM"),
            event("L2", "accepted", "2026-11-10 16:00", actor="R-SAM"),
            event("L3", "mql", "2026-11-20 08:00"),
            event("L3", "handed_off", "2026-11-20 09:00", owner="R-SAM"),
            event("L4", "mql", "2026-11-21 09:30"),
            event("L4", "handed_off", "2026-11-21 10:00", owner="R-SAM"),
            event("L4", "rejected", "2026-11-21 11:00", actor="R-SAM", reason="other", comment="A student"),
        ):
            cur.execute(INSERT_EVENT, row)
        # one multi-row statement, as the doc advises for many activities
        cur.executemany(UPSERT_ACTIVITY, [
            touch("X1", "L1", "2026-11-02 10:05", type_="email", automated=True, rep=None),
            touch("X2", "L1", "2026-11-02 10:30"),
            touch("X3", "L1", "2026-11-01 18:00", type_="webinar", rep=None),   # engagement before: never a touch
            touch("X4", "L2", "2026-11-10 15:00"),
            touch("X5", "L4", "2026-11-21 10:10", type_="email"),
        ])
        cur.execute(UPSERT_OPPORTUNITY, {"crm_id": "O1", "account": "A-ACME", "lead": "L1", "owner": "R-ADA",
                                         "name": "Acme platform", "amount": 30000, "created_at": ts("2026-11-05 10:00"),
                                         "expected": date(2026, 11, 30), "stage": "discovery", "closed_at": None})
        cur.execute(INSERT_STAGE, {"opp": "O1", "stage": "discovery", "amount": 30000,
                                   "at": ts("2026-11-05 10:00"), "rep": "R-ADA"})
        cur.execute(INSERT_STAGE, {"opp": "O1", "stage": "proposal", "amount": 30000,
                                   "at": ts("2026-11-10 10:00"), "rep": "R-ADA"})
        # won: the opportunity row itself moves (the metrics read it), and the history gets its row
        cur.execute(UPSERT_OPPORTUNITY, {"crm_id": "O1", "account": "A-ACME", "lead": "L1", "owner": "R-ADA",
                                         "name": "Acme platform", "amount": 30000, "created_at": ts("2026-11-05 10:00"),
                                         "expected": date(2026, 11, 30), "stage": "closed_won",
                                         "closed_at": ts("2026-11-20 14:00")})
        cur.execute(INSERT_STAGE, {"opp": "O1", "stage": "closed_won", "amount": 30000,
                                   "at": ts("2026-11-20 14:00"), "rep": "R-ADA"})
        cur.execute(UPSERT_OPPORTUNITY, {"crm_id": "O2", "account": "A-ACME", "lead": None, "owner": "R-ADA",
                                         "name": "Acme add-on", "amount": 5000, "created_at": ts("2026-11-22 10:00"),
                                         "expected": date(2026, 12, 15), "stage": "discovery", "closed_at": None})


@pytest.fixture
def synced(app_db, migrated_url):
    sync(migrated_url)
    sync(migrated_url)   # a second run of the same sync changes nothing: upserts, and events sent once
    return migrated_url


def rep_id(url: str, crm_id: str) -> int:
    with psycopg.connect(libpq(url)) as conn:
        return conn.execute("select id from rep where crm_id = %s", (crm_id,)).fetchone()[0]


# --------------------------------------------------------------------------- what the app shows



def one(frame) -> dict:
    assert len(frame) == 1, frame
    return frame.iloc[0].to_dict()


def test_the_lead_metrics_show_what_the_synced_events_imply(synced):
    acceptance = one(metrics.acceptance(NOV, as_of=AS_OF))
    assert (acceptance["handed_off"], acceptance["accepted"], acceptance["rejected"], acceptance["awaiting"]) == (5, 2, 2, 1)
    assert acceptance["acceptance_rate"] == pytest.approx(2 / 5)
    reasons = metrics.rejection_reasons(NOV, as_of=AS_OF).set_index("reason")
    assert reasons["rejected"].to_dict() == {"no_budget": 1, "other": 1}
    assert reasons["recycled"].to_dict() == {"no_budget": 1, "other": 0}
    touch = one(metrics.first_touch(NOV, as_of=AS_OF))
    # touched: L1 30 min (the automated e-mail and the webinar before it are no touch), L4 10, L2's second 360
    assert (touch["touched"], touch["untouched"]) == (3, 2)
    assert touch["median_minutes"] == pytest.approx(30)
    assert touch["p90_minutes"] == pytest.approx(30 + 0.8 * (360 - 30))
    sla = one(metrics.sla_compliance(NOV, as_of=AS_OF))
    # met: L1, L4; late: L2's second; untouched past the 240-minute window: L2's first, L3
    assert (sla["met"], sla["breached_late"], sla["breached_untouched"], sla["pending"]) == (2, 1, 2, 0)
    assert sla["compliance_rate"] == pytest.approx(2 / 5)
    assert one(metrics.mqls_delivered(NOV))["mqls"] == 4   # L2 qualified twice: once in the month
    funnel = metrics.funnel(NOV).set_index("stage")["reached"].to_dict()
    assert list(funnel.values()) == [4, 4, 2, 1, 1]   # created, MQL, SAL (L1, L2), SQL and won (L1)


def test_the_opportunity_metrics_show_the_synced_opportunities(synced):
    created = one(metrics.pipeline_created(NOV))
    assert (created["opportunities"], created["amount"], created["marketing_sourced_amount"]) == (2, 35_000, 30_000)
    closed = one(metrics.closed_deals(NOV))
    assert (closed["won"], closed["lost"], closed["revenue"], closed["marketing_sourced_revenue"]) == (1, 0, 30_000, 30_000)
    assert closed["win_rate"] == 1.0
    assert closed["median_cycle_days"] == pytest.approx(15 + 4 / 24)   # 5 Nov 10:00 -> 20 Nov 14:00
    opened = one(metrics.open_pipeline(AS_OF))
    assert (opened["opportunities"], opened["amount"], opened["marketing_sourced_amount"]) == (1, 5_000, 0)
    campaign = one(metrics.campaign_performance(NOV))
    assert (campaign["campaign"], campaign["leads"], campaign["mqls"], campaign["sqls"]) == ("November webinar", 3, 3, 1)
    assert (campaign["cost_per_mql"], campaign["cost_per_sql"], campaign["won_revenue"]) == (400, 1200, 30_000)
    assert campaign["roi"] == pytest.approx(30_000 / 1200)
    webinar = one(metrics.acceptance(NOV, Filters(sources=("webinar",)), as_of=AS_OF))
    assert (webinar["handed_off"], webinar["accepted"]) == (4, 2)


def test_the_reps_hand_off_list_shows_the_synced_hand_offs(synced):
    sam = rep_id(synced, "R-SAM")
    inbox = handoffs.inbox([sam], as_of=AS_OF)
    rows = {(r.lead_name, r.decision_status, r.touch_status) for r in inbox.itertuples()}
    assert rows == {("First L3 Lead", "overdue", "not touched, breached"),   # the open one first
                    ("First L4 Lead", "rejected", "touched in time"),
                    ("First L2 Lead", "accepted", "touched late")}          # decided within 14 days; L1 is older
    assert inbox.iloc[0]["lead_name"] == "First L3 Lead"
    summary = handoffs.inbox_summary([sam], as_of=AS_OF)
    assert (summary.awaiting, summary.overdue, summary.untouched_breached, summary.decided, summary.accepted) == \
        (1, 1, 1, 2, 1)


def test_running_the_sync_again_changes_nothing(synced):
    """The doc's pattern: upserts by crm_id, and events and stage changes sent once (guarded by
    their lead, type and time), so a re-run after a failure neither duplicates nor is refused."""
    with psycopg.connect(libpq(synced)) as conn:
        counts = conn.execute("select (select count(*) from lead_event), (select count(*) from handoff), "
                              "(select count(*) from activity), (select count(*) from opportunity_stage_change), "
                              "(select count(*) from lead)").fetchone()
    assert counts == (15, 5, 5, 3, 4)


SETTINGS = [
    ("currency", "5", False),                 # stopped every page with a TypeError
    ("currency", '"EUR"', True),
    ("company_timezone", "1", False),
    ("company_timezone", '"Europe/Berlin"', True),
    ("sla_first_touch_minutes", '"abc"', False),   # made every new hand-off fail inside the trigger
    ("sla_first_touch_minutes", "1.5", False),
    ("sla_decision_hours", "0", False),
    ("sla_decision_hours", "24", True),
    ("revenue_target_2026-Q4", '"1200000"', False),   # was read as "no target", silently
    ("revenue_target_2026-Q4", "-5", False),
    ("revenue_target_2026-Q4", "1200000", True),
    ("revenue_target_2026-Q9", "1200000", False),
    ("demo_data", '"yes"', False),
    ("some_feature_setting", '"anything"', True),
]


@pytest.mark.parametrize("key, value, accepted", SETTINGS, ids=[f"{k}={v}" for k, v, _ in SETTINGS])
def test_settings_a_sync_writes_must_have_the_shape_the_app_reads(migrated_url, key, value, accepted):
    """Migration 0016: the documented app_setting keys refuse values the app cannot read."""
    with psycopg.connect(libpq(migrated_url)) as conn:
        before = dict(conn.execute("select key, value::text from app_setting").fetchall())
        write = ("insert into app_setting (key, value) values (%s, %s::jsonb) "
                 "on conflict (key) do update set value = excluded.value")
        if accepted:
            conn.execute(write, (key, value))
            return
        with pytest.raises(psycopg.errors.CheckViolation, match="app_setting_value_shape"):
            conn.execute(write, (key, value))
        conn.rollback()
        assert dict(conn.execute("select key, value::text from app_setting").fetchall()) == before


def test_a_hand_off_sent_again_is_refused_not_a_second_hand_off(synced):
    """Migration 0017. L1's hand-off (2 Nov 10:00, accepted since) re-sent by a sync without the
    doc's guard: it became a second hand-off at the same moment, awaiting a decision for good."""
    plain = INSERT_EVENT.split("select l.id")[0] + "values ((select id from lead where crm_id = %(lead)s), %(type)s, " \
        "%(at)s, (select id from rep where crm_id = %(owner)s), null, null, null)"
    with psycopg.connect(libpq(synced)) as conn:
        with pytest.raises(psycopg.DatabaseError) as err:
            conn.execute(plain, event("L1", "handed_off", "2026-11-02 10:00", owner="R-SAM"))
        assert err.value.sqlstate == "AB005" and "sent twice" in str(err.value)
        conn.rollback()
        assert conn.execute("select count(*) from handoff h join lead l on l.id = h.lead_id "
                            "where l.crm_id = 'L1'").fetchone()[0] == 1
        # a real second hand-off, later, still works (after L4's rejection and recycling)
        conn.execute(plain, event("L4", "recycled", "2026-11-22 09:00"))
        conn.execute(plain, event("L4", "handed_off", "2026-11-23 09:00", owner="R-SAM"))
    acceptance = one(metrics.acceptance(NOV, as_of=AS_OF))
    assert (acceptance["handed_off"], acceptance["awaiting"]) == (6, 2)


def test_a_currency_stored_before_the_check_does_not_stop_the_pages(app_db, migrated_url):
    """An install whose currency was stored as a number before migration 0016 (the check is NOT VALID
    for rows already there) shows amounts in USD instead of a TypeError on every page."""
    from queries import settings

    with psycopg.connect(libpq(migrated_url)) as conn:
        conn.execute("alter table app_setting drop constraint app_setting_value_shape")
        conn.execute("update app_setting set value = '5' where key = 'currency'")
        conn.execute("alter table app_setting add constraint app_setting_value_shape "
                     "check (app_setting_value_ok(key, value)) not valid")
    settings.all_settings.clear()
    assert settings.currency() == "USD"
