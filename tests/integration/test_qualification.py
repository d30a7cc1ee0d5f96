"""Qualification and hand-off on real PostgreSQL: two-lead approval, the criteria version on MQL
events, replay against an independent pandas computation, accept/reject validation, the
double-decision race, permissions, bulk decisions, the hand-off card, sales feedback."""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from queries import handoffs, metrics, qualification, users
from queries.criteria_rules import Criteria, CriteriaError
from queries.handoffs import AlreadyDecided, HandoffError, NotAllowed
from queries.periods import Period
from queries.qualification import Draft, FeedbackError, StaleEdit
from queries.sqlfiles import q
from queries.users import UserInput
from tests.factories import at, post_twice_at_once

PASSWORD = "correct horse battery"


def password_hash() -> str:
    return users.hash_password(PASSWORD)  # hashed once per session (tests/conftest.py)

TOMORROW = date.today() + timedelta(days=1)
ICP = Criteria(industries=("Software", "Financial services"), tiers=(1, 2), min_score=50)


@pytest.fixture
def org(world):
    """Three teams, reps, and users: both leads, a second marketing lead, reps, a marketer."""
    mkt, sdr_team, sales = world.team("marketing", "marketing"), world.team("sales_development", "sdr"), \
        world.team("sales", "sales")
    reps = {"mia": world.rep(mkt, "Mia Marketer"), "hugo": world.rep(mkt, "Hugo Head of Marketing"),
            "sam": world.rep(sdr_team, "Sam SDR"), "sid": world.rep(sdr_team, "Sid SDR"),
            "ada": world.rep(sales, "Ada AE"), "vic": world.rep(sales, "Vic VP Sales")}

    def user(username, roles, team, rep=None):
        if username == "sdr":  # one user through the real write path
            return users.create(None, UserInput(username, "Sdr", f"{username}@example.com", roles, team_id=team,
                                                rep_id=rep), PASSWORD)
        with world.engine.begin() as conn:  # the rest without paying bcrypt each time
            return conn.execute(q("user_insert"), {
                "username": username, "display_name": username.replace("_", " ").title(),
                "email": f"{username}@example.com", "password_hash": password_hash(), "roles": roles,
                "team_id": team, "rep_id": rep}).scalar_one()

    for name, roles, team, rep in (("marketing_lead", ["marketing_lead"], mkt, reps["hugo"]),
                                   ("marketing_lead2", ["marketing_lead"], mkt, None),
                                   ("sales_lead", ["sales_lead"], sales, reps["vic"]),
                                   ("marketer", ["marketer"], mkt, reps["mia"]),
                                   ("sdr", ["sdr"], sdr_team, reps["sam"]),
                                   ("sdr2", ["sdr"], sdr_team, reps["sid"]),
                                   ("ae", ["ae"], sales, reps["ada"]),
                                   ("admin", ["admin"], None, None)):
        user(name, roles, team, rep)
    return {"reps": reps, "teams": {"mkt": mkt, "sdr": sdr_team, "sales": sales},
            "u": {name: users.by_username(name) for name in ("marketing_lead", "marketing_lead2", "sales_lead",
                                                              "marketer", "sdr", "sdr2", "ae", "admin")}}


def count(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def draft(criteria=ICP, title="ICP v1", day=TOMORROW, rationale="Focus on our best segments"):
    return Draft(title, criteria, day, rationale)


def seed_options(world):
    """criteria_options reads the values present in the data: make the ICP's values exist."""
    for industry in ("Software", "Financial services", "Retail"):
        world.account(industry=industry)


# =========================================================================== two-lead approval


def test_two_lead_approval_keeps_both_names_and_times(world, org, app_db):
    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft())
    v = qualification.by_id(vid)
    assert (v.status, v.number, v.proposed_side, v.proposed_by_name) == ("proposed", 1, "marketing", "Marketing Lead")
    assert qualification.in_force() is None and qualification.pending()[0].id == vid

    with pytest.raises(CriteriaError, match="You proposed this version"):
        qualification.approve(u["marketing_lead"], vid, v.version)
    with pytest.raises(CriteriaError, match="a lead from the other team must approve"):
        qualification.approve(u["marketing_lead2"], vid, v.version)
    with pytest.raises(CriteriaError, match="Only the marketing and sales leads approve"):
        qualification.approve(u["sdr"], vid, v.version)
    assert qualification.by_id(vid).status == "proposed"

    approved = qualification.approve(u["sales_lead"], vid, v.version)
    assert approved.status == "active"
    assert (approved.approved_by_name, approved.approved_side) == ("Sales Lead", "sales")
    assert approved.approved_at >= approved.proposed_at
    assert approved.effective_at == qualification.effective_instant(TOMORROW, "UTC")
    # approved in advance: in force from its date, not before
    assert qualification.in_force() is None
    assert qualification.in_force(approved.effective_at).id == vid
    assert qualification.scheduled()[0].id == vid
    with app_db.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text("select action from audit_log order by id"))]
    assert actions[-2:] == ["criteria.propose", "criteria.approve"]


def test_the_database_refuses_a_same_side_or_self_approval(world, org, app_db):
    seed_options(world)
    vid = qualification.propose(org["u"]["marketing_lead"], draft())
    for side, approver in (("marketing", org["u"]["marketing_lead2"].id), ("sales", org["u"]["marketing_lead"].id)):
        with pytest.raises(sa.exc.IntegrityError):
            with app_db.begin() as conn:
                conn.execute(sa.text("update criteria_version set status = 'active', approved_by_user_id = :u, "
                                     "approved_by_name = 'x', approved_side = :s, approved_at = now() where id = :id"),
                             {"u": approver, "s": side, "id": vid})


def test_stale_or_decided_proposals_cannot_be_approved(world, org):
    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["sales_lead"], draft(title="Sales first"))
    seen = qualification.by_id(vid).version
    with pytest.raises(StaleEdit, match="changed since you loaded it"):
        qualification.approve(u["marketing_lead"], vid, seen + 1)
    assert qualification.withdraw(u["sales_lead"], vid, seen) == "withdrawn"
    with pytest.raises(StaleEdit, match="no longer awaiting approval"):
        qualification.approve(u["marketing_lead"], vid, seen)
    assert qualification.by_id(vid).status == "withdrawn"


def test_declining_someone_elses_proposal_needs_a_note(world, org):
    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft())
    seen = qualification.by_id(vid).version
    with pytest.raises(CriteriaError, match="Say why you decline"):
        qualification.withdraw(u["sales_lead"], vid, seen)
    assert qualification.withdraw(u["sales_lead"], vid, seen, note="Tier 2 retail floods the SDRs") == "declined"
    v = qualification.by_id(vid)
    assert (v.status, v.withdrawn_by_name, v.withdrawn_note) == ("withdrawn", "Sales Lead",
                                                                 "Tier 2 retail floods the SDRs")


def test_only_the_other_sides_lead_declines_a_proposal(world, org, app_db):
    """A proposal is withdrawn by its author or declined by a lead of the other side
    (docs/qualification.md), as only the other side approves it. A second marketing lead could
    decline (end) the first one's proposal: the server held decliners to nothing but a note."""
    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft())
    seen = qualification.by_id(vid).version
    before = count(app_db, "select count(*) from audit_log")
    with pytest.raises(CriteriaError, match="only a lead from the other team declines it"):
        qualification.withdraw(u["marketing_lead2"], vid, seen, note="Not like this")
    assert qualification.by_id(vid).status == "proposed"
    assert count(app_db, "select count(*) from audit_log") == before


def test_two_versions_can_not_take_effect_at_once_and_the_messages_say_which_and_what_to_do(world, org, app_db):
    """Sales approved marketing's v1 for a date ahead; approving v2 (same date) told the marketing
    lead to "withdraw this proposal", which only its author can, without naming the version in the
    way; and a new proposal for that very date (the form's default: the 1st of next month) was taken
    only to fail at its approval."""
    seed_options(world)
    u = org["u"]
    first = qualification.propose(u["marketing_lead"], draft())
    second = qualification.propose(u["sales_lead"], draft(title="Score only", criteria=Criteria(min_score=70)))
    qualification.approve(u["sales_lead"], first, qualification.by_id(first).version)
    with pytest.raises(CriteriaError) as err:
        qualification.approve(u["marketing_lead"], second, qualification.by_id(second).version)
    message = str(err.value)
    assert "v1 ('ICP v1') is already approved" in message and f"{TOMORROW:%d %b %Y}" in message
    assert "Decline this proposal" in message and "Withdraw" not in message
    assert qualification.by_id(second).status == "proposed"
    versions = qualification.versions()
    assert qualification.same_instant_approved(qualification.by_id(second).effective_at, versions,
                                               other_than=second).id == first
    with pytest.raises(CriteriaError, match="v1 .* is already approved to take effect on .* Choose another date"):
        qualification.propose(u["sales_lead"], draft(title="Tiers only", criteria=Criteria(tiers=(1,))))
    assert count(app_db, "select count(*) from criteria_version") == 2
    qualification.propose(u["sales_lead"], draft(title="Tiers only", criteria=Criteria(tiers=(1,)),
                                                 day=TOMORROW + timedelta(days=1)))   # another day is fine


def test_a_declined_proposal_reads_as_declined_not_withdrawn(world, org, app_db):
    """The sales lead declined marketing's proposal, and the history said "Withdrawn · withdrawn by
    Sales Lead", as if its author had given it up."""
    from components.criteria_view import status_text, versions_table

    seed_options(world)
    u = org["u"]
    declined = qualification.propose(u["marketing_lead"], draft())
    qualification.withdraw(u["sales_lead"], declined, qualification.by_id(declined).version, note="Too narrow")
    withdrawn = qualification.propose(u["marketing_lead"], draft(criteria=Criteria(tiers=(1,), min_score=70)))
    qualification.withdraw(u["marketing_lead"], withdrawn, qualification.by_id(withdrawn).version)
    versions = qualification.versions()
    by_id = {v.id: v for v in versions}
    now = datetime.now(timezone.utc)
    assert (by_id[declined].declined, by_id[withdrawn].declined) == (True, False)
    assert status_text(by_id[declined], versions, now) == "Declined"
    assert status_text(by_id[withdrawn], versions, now) == "Withdrawn"
    table = versions_table(versions, now, "UTC").set_index("Version")
    assert table.loc[f"v{by_id[declined].number}", "Approved by"] == "declined by Sales Lead"
    assert table.loc[f"v{by_id[withdrawn].number}", "Approved by"] == "withdrawn by Marketing Lead"
    actions = dict(app_db.connect().execute(sa.text(
        "select entity_id::int, action from audit_log where action like 'criteria.%' and action <> 'criteria.propose'"
    )).all())
    assert actions == {declined: "criteria.decline", withdrawn: "criteria.withdraw"}


@pytest.mark.parametrize("bad, message", [
    (draft(title="  "), "short title"),
    (draft(day=date.today() - timedelta(days=1)), "in the past"),
    (draft(criteria=Criteria()), "restrict nothing"),
    (draft(criteria=Criteria(industries=("Softwre",))), "not in the data"),
    (draft(criteria=Criteria(min_score=120)), "between 0 and 100"),
])
def test_invalid_proposals_are_refused_and_nothing_is_stored(world, org, app_db, bad, message):
    seed_options(world)
    with pytest.raises(CriteriaError, match=message):
        qualification.propose(org["u"]["marketing_lead"], bad)
    assert count(app_db, "select count(*) from criteria_version") == 0


def test_only_leads_propose_and_duplicates_are_refused(world, org):
    seed_options(world)
    u = org["u"]
    with pytest.raises(CriteriaError, match="Only the marketing and sales leads"):
        qualification.propose(u["marketer"], draft())
    vid = qualification.propose(u["marketing_lead"], draft())
    with pytest.raises(CriteriaError, match="already proposed as v1"):
        qualification.propose(u["sales_lead"], draft(title="Same again"))
    qualification.approve(u["sales_lead"], vid, qualification.by_id(vid).version)


def test_a_proposal_form_submitted_twice_proposes_once(world, org, app_db):
    """A double click on "Propose for approval" reached the server as two submissions of the form:
    the first proposed, the second was refused in red, "The same criteria are already proposed as
    v4" -- the user's own proposal. The form's key (queries.submissions) is claimed under the
    criteria lock, before the twin check: the second post proposes nothing and raises
    AlreadySubmitted (the form reads it as saved), also when both race; a post refused inside the
    write does not use the key up."""
    from queries import submissions

    seed_options(world)
    u, key = org["u"], submissions.new_key()
    theirs = qualification.propose(u["sales_lead"], draft(title="Theirs"))
    with pytest.raises(CriteriaError, match="already proposed as v1"):   # refused after the claim: given back
        qualification.propose(u["marketing_lead"], draft(), submission=key)
    qualification.withdraw(u["sales_lead"], theirs, qualification.by_id(theirs).version)
    mine = qualification.propose(u["marketing_lead"], draft(), submission=key)
    with pytest.raises(submissions.AlreadySubmitted):
        qualification.propose(u["marketing_lead"], draft(), submission=key)
    assert count(app_db, "select count(*) from criteria_version where status = 'proposed'") == 1
    assert qualification.by_id(mine).number == 2

    outcomes = post_twice_at_once(lambda key: qualification.propose(
        u["marketing_lead"], draft(Criteria(tiers=(1,)), title="Tier 1"), submission=key), (CriteriaError,))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert count(app_db, "select count(*) from criteria_version where title = 'Tier 1'") == 1
    with app_db.connect() as conn:
        kinds = conn.execute(sa.text("select kind, count(*) from form_submission group by kind")).all()
    assert dict(kinds) == {"criteria.propose": 2}


def test_withdrawing_or_declining_twice_does_it_once_and_says_done(world, org, app_db):
    """A double click on "Withdraw the proposal" or "Decline the proposal" reached the server twice:
    the first withdrew (declined) it, the second said in red "v1 is no longer awaiting approval.
    Reload the page." -- its own first one. The button's key is claimed under the proposal's row
    lock, before the status check: the second post, one after the other or at the same moment,
    changes nothing and raises AlreadySubmitted (the page repeats the first one's message). A
    decline refused for want of a note gives the key back; a proposal someone else decided
    meanwhile is still refused."""
    from queries import submissions

    seed_options(world)
    u, ids = org["u"], []

    def proposed(n):
        ids.append(qualification.propose(u["marketing_lead"], draft(Criteria(min_score=10 * n), title=f"Score {n}")))
        return ids[-1], qualification.by_id(ids[-1]).version

    def twice(write):
        key = submissions.new_key()
        first = write(key)
        with pytest.raises(submissions.AlreadySubmitted):
            write(key)
        return first

    def race(write):
        outcomes = post_twice_at_once(write, (CriteriaError,))
        assert [o for o in outcomes if o == "AlreadySubmitted"] == ["AlreadySubmitted"], outcomes
        return next(o for o in outcomes if o != "AlreadySubmitted")

    vid, seen = proposed(1)
    assert twice(lambda k: qualification.withdraw(u["marketing_lead"], vid, seen, submission=k)) == "withdrawn"
    vid, seen = proposed(2)
    assert race(lambda k: qualification.withdraw(u["marketing_lead"], vid, seen, submission=k)) == "withdrawn"
    vid, seen = proposed(3)
    key = submissions.new_key()
    with pytest.raises(CriteriaError, match="Say why you decline"):   # refused after the claim: the key given back
        qualification.withdraw(u["sales_lead"], vid, seen, submission=key)
    assert qualification.withdraw(u["sales_lead"], vid, seen, "Too narrow", submission=key) == "declined"
    with pytest.raises(submissions.AlreadySubmitted):
        qualification.withdraw(u["sales_lead"], vid, seen, "Too narrow", submission=key)
    vid, seen = proposed(4)
    assert race(lambda k: qualification.withdraw(u["sales_lead"], vid, seen, "Too wide", submission=k)) == "declined"
    # decided by someone else meanwhile: this lead's own post is still refused
    vid, seen = proposed(5)
    qualification.withdraw(u["marketing_lead"], vid, seen, submission=submissions.new_key())
    with pytest.raises(StaleEdit, match="no longer awaiting approval"):
        qualification.withdraw(u["sales_lead"], vid, seen, "Late", submission=submissions.new_key())
    vid, seen = proposed(6)
    qualification.approve(u["sales_lead"], vid, seen)
    with pytest.raises(StaleEdit, match="no longer awaiting approval"):
        qualification.withdraw(u["marketing_lead"], vid, seen, submission=submissions.new_key())
    with app_db.connect() as conn:
        actions = dict(conn.execute(sa.text("select action, count(*) from audit_log where action in "
                                            "('criteria.withdraw', 'criteria.decline') group by action")).all())
        kinds = dict(conn.execute(sa.text("select kind, count(*) from form_submission group by kind")).all())
    assert actions == {"criteria.withdraw": 3, "criteria.decline": 2}
    assert kinds == {"criteria.withdraw": 3, "criteria.decline": 2}
    assert [qualification.by_id(v).status for v in ids] == ["withdrawn"] * 5 + ["active"]


def test_a_later_approval_supersedes_and_same_as_in_force_is_refused(world, org, app_db):
    seed_options(world)
    u = org["u"]
    # v1 approved today: in force at once
    v1 = qualification.propose(u["marketing_lead"], draft(day=date.today()))
    qualification.approve(u["sales_lead"], v1, qualification.by_id(v1).version)
    assert qualification.in_force().id == v1
    with pytest.raises(CriteriaError, match="same as the version in force"):
        qualification.propose(u["sales_lead"], draft(title="No change"))
    v2 = qualification.propose(u["sales_lead"], draft(Criteria(industries=("Software",), tiers=(1, 2), min_score=60),
                                                      title="Tighter score"))
    qualification.approve(u["marketing_lead"], v2, qualification.by_id(v2).version)
    first, second = qualification.by_id(v1), qualification.by_id(v2)
    assert (first.status, first.superseded_by_id, first.superseded_at) == ("superseded", v2, second.effective_at)
    assert second.status == "active"
    # v1 stays in force until v2's date
    assert qualification.in_force().id == v1
    assert qualification.in_force(second.effective_at).id == v2
    lines = qualification.version_diff_text(first, second)
    assert lines == ["Industries: removed Financial services", "Minimum score raised from 50 to 60"]


# =========================================================================== criteria version on MQL events


def test_mql_events_record_the_version_in_force_at_their_time(world, org, app_db):
    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft(day=date.today()))
    qualification.approve(u["sales_lead"], vid, qualification.by_id(vid).version)
    v = qualification.by_id(vid)
    acc = world.account()
    before, after = world.lead(at("2026-01-01 09:00"), acc), world.lead(at("2026-01-01 09:00"), acc)
    world.event(before, "mql", v.effective_at - timedelta(minutes=1))
    world.event(after, "mql", v.effective_at + timedelta(seconds=1))
    with app_db.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "select lead_id, criteria_version_id from lead_event where event_type = 'mql'")).all())
    assert rows == {before: None, after: vid}
    # only MQL events carry a version
    with pytest.raises(sa.exc.IntegrityError, match="lead_event_criteria_only_mql"):
        with app_db.begin() as conn:
            conn.execute(sa.text("insert into lead_event (lead_id, event_type, occurred_at, owner_id, "
                                 "criteria_version_id) values (:l, 'handed_off', now(), :o, :v)"),
                         {"l": after, "o": org["reps"]["sam"], "v": vid})
    # and the log stays append-only
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with app_db.begin() as conn:
            conn.execute(sa.text("update lead_event set criteria_version_id = null where lead_id = :l"), {"l": after})


def test_seed_backfill_stamps_by_effective_date(world, org, app_db):
    """The seeder's one set-based backfill (trigger disabled inside its transaction only)."""
    from seeds.demo_qualification import backfill_mql_versions

    seed_options(world)
    acc = world.account()
    leads = [world.lead(at("2025-01-01 09:00"), acc) for _ in range(3)]
    for lead, ts in zip(leads, ("2025-02-01 10:00", "2025-06-01 10:00", "2025-09-01 10:00")):
        world.event(lead, "mql", at(ts))
    ml, sl = org["u"]["marketing_lead"].id, org["u"]["sales_lead"].id
    ids = []
    for n, eff in ((1, "2025-03-01 00:00"), (2, "2025-08-01 00:00")):
        ids.append(world._insert(
            "insert into criteria_version (number, title, min_score, effective_at, status, proposed_by_user_id, "
            "proposed_by_name, proposed_side, proposed_at, approved_by_user_id, approved_by_name, approved_side, "
            "approved_at) values (:n, 't', 10, :e, 'active', :ml, 'M', 'marketing', :p, :sl, 'S', 'sales', :a) "
            "returning id", {"n": n, "e": at(eff), "ml": ml, "sl": sl, "p": at(eff) - timedelta(days=9),
                             "a": at(eff) - timedelta(days=2)}))
    with app_db.begin() as conn:
        assert backfill_mql_versions(conn) == 2
    with app_db.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "select lead_id, criteria_version_id from lead_event where event_type = 'mql'")).all())
    assert rows == {leads[0]: None, leads[1]: ids[0], leads[2]: ids[1]}
    enabled = count(app_db, "select tgenabled from pg_trigger where tgname = 'lead_event_append_only'")
    assert enabled == "O"  # re-enabled


# =========================================================================== replay


INDUSTRIES = ["Software", "Financial services", "Retail", "Healthcare"]
BANDS = ["1-49", "50-199", "200-999", "1000-4999", "5000+"]
COUNTRIES = [("US", "NA"), ("DE", "EMEA"), ("BR", "LATAM"), ("JP", "APAC"), ("GB", "EMEA")]
FUNCTIONS = ["Marketing", "IT", "Finance", "HR"]
SENIORITY = ["entry", "manager", "director", "vp", "c_level"]
SOURCES = ["webinar", "paid_search", "partner", "content"]


@pytest.fixture
def replay_world(world, org):
    """~70 leads with varied attributes, some handed off, decided, turned into opportunities."""
    rng = random.Random(5)
    reps = org["reps"]
    accounts = []
    for i in range(14):
        country, region = COUNTRIES[i % len(COUNTRIES)]
        acc = world.account(tier=rng.choice([1, 2, 3]), industry=INDUSTRIES[i % 4], country=country, region=region)
        world.execute("update account set employee_band = :b where id = :a", {"b": BANDS[i % 5], "a": acc})
        accounts.append(acc)
    t0 = at("2026-02-01 09:00")
    for i in range(72):
        created = t0 + timedelta(days=i % 50, hours=i % 7) if i < 66 else at("2026-05-10 09:00")  # 6 outside
        acc = accounts[i % len(accounts)]
        lead = world.lead(created, acc, source=SOURCES[i % 4])
        world.execute("update lead set job_function = :f, seniority = :s, score = :sc where id = :l",
                      {"f": FUNCTIONS[i % 4], "s": SENIORITY[(i * 3) % 5], "sc": rng.randint(0, 100), "l": lead})
        roll = rng.random()
        if roll < 0.75:
            world.hand_off(lead, created + timedelta(hours=1), reps["sam"])
            if roll < 0.45:
                world.decide(lead, "accepted", created + timedelta(hours=3), actor=reps["sam"])
                if roll < 0.3:
                    closed = created + timedelta(days=30)
                    stage = "closed_won" if roll < 0.18 else "closed_lost"
                    world.opportunity(acc, reps["ada"], 1000.0 + i * 100, created + timedelta(days=2), stage=stage,
                                      closed_at=closed, lead_id=lead)
                    if i % 5 == 0:  # a second, open opportunity from the same lead
                        world.opportunity(acc, reps["ada"], 500.0, created + timedelta(days=3), lead_id=lead)
            elif roll < 0.65:
                world.decide(lead, "rejected", created + timedelta(hours=3), actor=reps["sam"], reason="bad_fit")
                if i % 3 == 0:  # handed off again: accepted the second time (not "rejected"), or awaiting
                    world.hand_off(lead, created + timedelta(days=1), reps["sid"], mql=False)
                    if i % 2 == 0:
                        world.decide(lead, "accepted", created + timedelta(days=1, hours=2), actor=reps["sid"])
    return accounts


def pandas_replay(engine, rules: Criteria, current: Criteria | None, start, end) -> dict:
    """The replay recomputed from raw rows with pandas (no SQL logic shared)."""
    with engine.connect() as conn:
        leads = pd.read_sql(sa.text("select l.id, l.created_at, l.mql_at, l.job_function, l.seniority, l.score, "
                                    "l.source, a.industry, a.country, a.region, a.employee_band, a.tier "
                                    "from lead l join account a on a.id = l.account_id"), conn)
        hos = pd.read_sql(sa.text("select lead_id, decision from handoff"), conn)
        opps = pd.read_sql(sa.text("select lead_id, stage, amount from opportunity where lead_id is not null"), conn)
    leads = leads[(leads.created_at >= start) & (leads.created_at < end)]

    def passes(c: Criteria | None) -> pd.Series:
        if c is None:
            return pd.Series(False, index=leads.index)
        ok = pd.Series(True, index=leads.index)
        for col, values in (("industry", c.industries), ("employee_band", c.employee_bands),
                            ("job_function", c.job_functions), ("seniority", c.seniorities), ("tier", c.tiers)):
            if values:
                ok &= leads[col].isin(values)
        if c.countries or c.regions:
            ok &= leads.country.isin(c.countries) | leads.region.isin(c.regions)
        ok &= leads.score >= c.min_score
        if c.excluded_sources:
            ok &= ~leads.source.isin(c.excluded_sources)
        return ok

    p, cur = passes(rules), passes(current)
    out = {}
    for name, mask in (("proposed", p), ("current", cur), ("gained", p & ~cur), ("lost", ~p & cur),
                       ("both", p & cur)):
        ids = set(leads.id[mask])
        h = hos[hos.lead_id.isin(ids)]
        accepted = set(h.lead_id[h.decision == "accepted"])
        rejected = set(h.lead_id[h.decision == "rejected"]) - accepted
        awaiting = set(h.lead_id) - set(h.lead_id[h.decision.notna()])  # no decision on any hand-off
        o = opps[opps.lead_id.isin(ids)]
        won, lost = int((o.stage == "closed_won").sum()), int((o.stage == "closed_lost").sum())
        out[name] = {"leads": len(ids), "handed_off": h.lead_id.nunique(), "accepted": len(accepted),
                     "rejected": len(rejected), "awaiting": len(awaiting),
                     "with_opportunity": o.lead_id.nunique(), "won": won, "lost": lost,
                     "revenue": float(o.amount[o.stage == "closed_won"].astype(float).sum()),
                     "actual_mqls": int(leads.mql_at[mask].notna().sum())}
    fails = {"Industry": int((~leads.industry.isin(rules.industries)).sum()) if rules.industries else 0,
             "Minimum score": int((leads.score < rules.min_score).sum())}
    return {"segments": out, "fails": fails, "leads": len(leads)}


@pytest.mark.parametrize("rules, current", [
    (Criteria(industries=("Software", "Financial services"), min_score=40),
     Criteria(tiers=(1, 2), min_score=30)),
    (Criteria(regions=("EMEA",), countries=("US",), employee_bands=("200-999", "1000-4999", "5000+"),
              seniorities=("director", "vp", "c_level"), excluded_sources=("partner",)),
     Criteria(job_functions=("Marketing", "IT"), min_score=55)),
    (Criteria(min_score=70), None),
])
def test_replay_matches_an_independent_pandas_computation(app_db, replay_world, rules, current):
    period = Period(date(2026, 2, 1), date(2026, 3, 31), "UTC")
    result = qualification.replay(rules, period, current=current)
    expected = pandas_replay(app_db, rules, current, period.start_at, period.end_at)
    assert result.leads_in_period == expected["leads"] == 66
    for segment, values in expected["segments"].items():
        row = result.row(segment)
        for key, value in values.items():
            assert row[key] == pytest.approx(value), (segment, key)
        h, a = values["handed_off"], values["accepted"]
        assert row["acceptance_rate"] == (pytest.approx(a / h) if h else pytest.approx(float("nan"), nan_ok=True))
        closed = values["won"] + values["lost"]
        if closed:
            assert row["win_rate"] == pytest.approx(values["won"] / closed)
    fails = result.rule_failures.set_index("rule")["leads"]
    for rule, n in expected["fails"].items():
        assert fails[rule] == n
    assert result.has_current == (current is not None)
    # sanity: the scenario exercises every segment with real outcomes
    if current is not None:
        assert result.row("gained")["leads"] > 0 and result.row("lost")["leads"] > 0
        assert result.row("proposed")["handed_off"] > 0 and result.row("current")["accepted"] > 0
    # ... and every hand-off outcome, including leads rejected then accepted on a second hand-off
    everyone = pandas_replay(app_db, Criteria(), None, period.start_at, period.end_at)["segments"]["proposed"]
    assert everyone["leads"] == 66 and everyone["rejected"] > 0 and everyone["awaiting"] > 0
    assert everyone["accepted"] + everyone["rejected"] + everyone["awaiting"] < everyone["handed_off"] + 1
    with app_db.connect() as conn:
        assert conn.execute(sa.text(
            "select count(*) from lead where rejected_at is not null and sal_at > rejected_at")).scalar() > 0


def test_replay_defaults_to_the_version_in_force(world, org, replay_world):
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft(Criteria(tiers=(1,)), day=date.today()))
    qualification.approve(u["sales_lead"], vid, qualification.by_id(vid).version)
    period = Period(date(2026, 2, 1), date(2026, 3, 31), "UTC")
    res = qualification.replay(Criteria(tiers=(1, 2)), period)
    assert res.has_current
    assert res.row("lost")["leads"] == 0  # the draft is wider than tier 1 only
    assert res.row("current")["leads"] == res.row("both")["leads"]


def test_sql_and_python_rules_agree_lead_by_lead(app_db, replay_world):
    """The SQL fragments' failure bits equal criteria_rules.evaluate's, for every lead."""
    from queries.criteria_rules import LeadProfile, evaluate
    from queries.sqlfiles import get

    rules = Criteria(industries=("Software",), regions=("EMEA",), countries=("US",), employee_bands=("200-999",),
                     job_functions=("IT", "HR"), seniorities=("vp", "c_level"), tiers=(2, 3), min_score=45,
                     excluded_sources=("partner",))
    # the replay adds the account rules' bits (once per account) to the lead rules' bits
    fragment = f"({get('_criteria_account_failures').sql}) + ({get('_criteria_lead_failures').sql})"
    for part in (get("_criteria_account_failures").sql, get("_criteria_lead_failures").sql):
        assert part in get("criteria_replay").sql  # the replay uses these very fragments
    sql = ("with r0 as (select cast(:p_industries as text[]) as industries, cast(:p_countries as text[]) as countries, "
           "cast(:p_regions as text[]) as regions, cast(:p_employee_bands as text[]) as employee_bands, "
           "cast(:p_job_functions as text[]) as job_functions, cast(:p_seniorities as text[]) as seniorities, "
           "cast(:p_tiers as smallint[]) as tiers, cast(:p_min_score as integer) as min_score, "
           "cast(:p_excluded_sources as text[]) as excluded_sources) "
           f"select l.id, l.job_function, l.seniority, l.score, l.source, a.industry, a.country, a.region, "
           f"a.employee_band, a.tier, {fragment} as failed from lead l join account a on a.id = l.account_id, r0 r")
    with app_db.connect() as conn:
        rows = conn.execute(sa.text(sql), rules.params("p_")).mappings().all()
    assert len(rows) == 72
    for row in rows:
        assert row["failed"] == evaluate(rules, LeadProfile.from_row(row)).failure_bits, row


# =========================================================================== decisions


@pytest.fixture
def inbox_world(world, org):
    acc = world.account(tier=2)
    t = datetime.now(timezone.utc) - timedelta(hours=2)
    reps = org["reps"]
    leads = {}
    for name, owner in (("a", "sam"), ("b", "sam"), ("c", "sam"), ("d", "sid"), ("e", "ada")):
        lead = world.lead(t - timedelta(days=1), acc)
        leads[name] = (lead, world.hand_off(lead, t, reps[owner]))
    return leads


def events(engine, lead_id):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select event_type, actor_rep_id, actor_user_id, rejection_reason, comment from lead_event "
            "where lead_id = :l order by id"), {"l": lead_id}).mappings()]


def test_my_sla_open_list_drops_a_lead_the_moment_it_is_decided(app_db, org, inbox_world):
    """Decide on My hand-offs, open My SLA: the lead was still listed 'Accept or reject' for up to
    half a minute (a cached list, read as of the start of the 30-second slot)."""
    from queries import sla

    sdr = org["u"]["sdr"]
    _, hid = inbox_world["a"]
    assert hid in set(sla.open_handoffs(sdr)["handoff_id"])
    handoffs.decide(sdr, hid, "rejected", reason="bad_fit")
    assert hid not in set(sla.open_handoffs(sdr)["handoff_id"])


def test_accept_writes_an_event_with_rep_and_user(app_db, org, inbox_world):
    lead, hid = inbox_world["a"]
    sdr = org["u"]["sdr"]
    msg = handoffs.decide(sdr, hid, "accepted", comment="  Good timing, budget confirmed  ")
    assert msg.startswith("Accepted Pat Lead")
    last = events(app_db, lead)[-1]
    assert last == {"event_type": "accepted", "actor_rep_id": org["reps"]["sam"], "actor_user_id": sdr.id,
                    "rejection_reason": None, "comment": "Good timing, budget confirmed"}
    with app_db.connect() as conn:
        h = conn.execute(sa.text("select decision, decided_by_rep_id from handoff where id = :i"), {"i": hid}).one()
        audit = conn.execute(sa.text("select action, entity_id from audit_log order by id desc limit 1")).one()
    assert tuple(h) == ("accepted", org["reps"]["sam"])
    assert tuple(audit) == ("handoff.accept", str(hid))


def test_reject_with_recycle_records_both_events(app_db, org, inbox_world):
    lead, hid = inbox_world["b"]
    msg = handoffs.decide(org["u"]["sdr"], hid, "rejected", reason="no_budget", comment="Next fiscal year",
                          recycle=True)
    assert "recycled to nurture" in msg
    assert [e["event_type"] for e in events(app_db, lead)][-2:] == ["rejected", "recycled"]
    with app_db.connect() as conn:
        row = conn.execute(sa.text("select decision, rejection_reason, rejection_comment, recycled_at is not null "
                                   "from handoff where id = :i"), {"i": hid}).one()
    assert tuple(row) == ("rejected", "no_budget", "Next fiscal year", True)


@pytest.mark.parametrize("kwargs, message", [
    ({"decision": "maybe"}, "Choose Accept or Reject"),
    ({"decision": "rejected"}, "Choose why you reject"),
    ({"decision": "rejected", "reason": "too_small"}, "not a rejection reason"),
    ({"decision": "rejected", "reason": "other"}, "'Other' needs a comment"),
    ({"decision": "rejected", "reason": "other", "comment": "   "}, "'Other' needs a comment"),
    ({"decision": "accepted", "reason": "bad_fit"}, "only goes with Reject"),
    ({"decision": "accepted", "recycle": True}, "Only a rejected lead can be recycled"),
    ({"decision": "rejected", "reason": "bad_fit", "comment": "x" * 2001}, "too long"),
])
def test_invalid_decisions_are_refused_and_nothing_is_stored(app_db, org, inbox_world, kwargs, message):
    lead, hid = inbox_world["a"]
    before = events(app_db, lead)
    with pytest.raises(HandoffError, match=message):
        handoffs.decide(org["u"]["sdr"], hid, **kwargs)
    assert events(app_db, lead) == before
    assert handoffs.card(hid).facts["decision"] is None


def test_other_with_a_comment_is_accepted(app_db, org, inbox_world):
    lead, hid = inbox_world["a"]
    handoffs.decide(org["u"]["sdr"], hid, "rejected", reason="other", comment="Student doing research")
    assert events(app_db, lead)[-1]["rejection_reason"] == "other"


def test_a_second_decision_says_who_decided_first(app_db, org, inbox_world):
    lead, hid = inbox_world["a"]
    handoffs.decide(org["u"]["sdr"], hid, "accepted")
    with pytest.raises(AlreadyDecided, match=r"Already accepted by Sdr at \d{2} \w{3} \d{4} \d{2}:\d{2} \(UTC\)"):
        handoffs.decide(org["u"]["sdr"], hid, "rejected", reason="bad_fit")
    assert [e["event_type"] for e in events(app_db, lead)].count("accepted") == 1


def test_the_double_decision_race_resolves_to_one_decision(app_db, org, inbox_world, monkeypatch):
    """Two sessions (the AE's sales lead and... here: the SDR in two tabs) read the open hand-off at
    the same time, then both insert: the trigger lets one through and the other gets AB002."""
    lead, hid = inbox_world["e"]  # Ada's (AE) hand-off: Ada and her sales lead may both decide
    barrier = threading.Barrier(2, timeout=20)
    original = handoffs._check

    def check_then_wait(conn, user, handoff_id):
        row = original(conn, user, handoff_id)
        barrier.wait()  # both have seen it open before either writes
        return row

    monkeypatch.setattr(handoffs, "_check", check_then_wait)
    results: dict[str, object] = {}

    def run(name, user, decision, reason=None):
        try:
            results[name] = handoffs.decide(user, hid, decision, reason=reason)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[name] = exc

    threads = [threading.Thread(target=run, args=("ae", org["u"]["ae"], "accepted")),
               threading.Thread(target=run, args=("lead", org["u"]["sales_lead"], "rejected", "bad_fit"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [k for k, v in results.items() if isinstance(v, str)]
    losers = [v for v in results.values() if isinstance(v, AlreadyDecided)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner_name = {"ae": "Ae", "lead": "Sales Lead"}[winners[0]]
    assert f"by {winner_name} at" in str(losers[0])
    decisions = [e["event_type"] for e in events(app_db, lead) if e["event_type"] in ("accepted", "rejected")]
    assert len(decisions) == 1


def test_the_race_without_synchronisation_also_stores_one_decision(app_db, org, inbox_world):
    lead, hid = inbox_world["e"]
    outcomes = []

    def run(user):
        try:
            outcomes.append((user.username, handoffs.decide(user, hid, "accepted")))
        except AlreadyDecided as exc:
            outcomes.append((user.username, exc))

    threads = [threading.Thread(target=run, args=(u,)) for u in (org["u"]["ae"], org["u"]["sales_lead"]) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [e["event_type"] for e in events(app_db, lead)].count("accepted") == 1
    recorded = [who for who, o in outcomes if isinstance(o, str) and o.startswith("Accepted")]
    assert len(recorded) == 1, outcomes
    # the winner's second try is told it is done; the other person's two are told who was first
    assert sorted(type(o).__name__ for who, o in outcomes if who == recorded[0]) == ["str", "str"]
    assert any(o.startswith("You already accepted") for who, o in outcomes if who == recorded[0])
    assert all(isinstance(o, AlreadyDecided) for who, o in outcomes if who != recorded[0])


def test_the_same_decision_twice_by_the_same_person_is_confirmed_not_refused(app_db, org, inbox_world):
    """A double click on 'Record decision' (or the same choice in a second tab) read 'Already
    accepted by <yourself>' in red, as if the decision had failed."""
    sdr = org["u"]["sdr"]
    (la, a), (lb, b) = inbox_world["a"], inbox_world["b"]
    handoffs.decide(sdr, a, "accepted")
    assert handoffs.decide(sdr, a, "accepted").startswith("You already accepted Pat Lead")
    with pytest.raises(AlreadyDecided, match="Already accepted by Sdr"):   # a different decision: refused
        handoffs.decide(sdr, a, "rejected", reason="bad_fit")
    handoffs.decide(org["u"]["sales_lead"], inbox_world["e"][1], "accepted")
    with pytest.raises(AlreadyDecided, match="Already accepted by Sales Lead"):   # by someone else: refused
        handoffs.decide(org["u"]["ae"], inbox_world["e"][1], "accepted")
    handoffs.decide(sdr, b, "rejected", reason="bad_fit", recycle=True)
    assert handoffs.decide(sdr, b, "rejected", reason="bad_fit", recycle=True).startswith("You already rejected")
    with pytest.raises(AlreadyDecided):                                    # another reason is another decision
        handoffs.decide(sdr, b, "rejected", reason="duplicate")
    assert [e["event_type"] for e in events(app_db, la)].count("accepted") == 1
    assert [e["event_type"] for e in events(app_db, lb)].count("rejected") == 1


# =========================================================================== permissions


def test_a_rep_decides_only_on_their_own_handoffs(app_db, org, inbox_world):
    lead, hid = inbox_world["d"]  # Sid's
    with pytest.raises(NotAllowed, match="handed to Sid SDR"):
        handoffs.decide(org["u"]["sdr"], hid, "accepted")
    with pytest.raises(NotAllowed, match="Your role cannot"):
        handoffs.decide(org["u"]["marketer"], hid, "accepted")
    with pytest.raises(NotAllowed):
        handoffs.decide(org["u"]["admin"], hid, "accepted")
    # the sales lead leads the sales team, not the SDR team
    with pytest.raises(NotAllowed):
        handoffs.decide(org["u"]["sales_lead"], hid, "accepted")
    assert [e["event_type"] for e in events(app_db, lead)] == ["mql", "handed_off"]
    handoffs.decide(org["u"]["sdr2"], hid, "accepted")


def test_a_sales_lead_decides_for_their_team(app_db, org, inbox_world):
    lead, hid = inbox_world["e"]  # Ada (AE, sales team)
    handoffs.decide(org["u"]["sales_lead"], hid, "rejected", reason="duplicate")
    last = events(app_db, lead)[-1]
    assert (last["actor_rep_id"], last["actor_user_id"]) == (org["reps"]["vic"], org["u"]["sales_lead"].id)


def test_only_the_latest_handoff_of_a_lead_can_be_decided(world, app_db, org, inbox_world):
    lead, old = inbox_world["a"]
    handoffs.decide(org["u"]["sdr"], old, "rejected", reason="no_response")
    world.hand_off(lead, datetime.now(timezone.utc) - timedelta(minutes=5), org["reps"]["sam"])
    with pytest.raises(AlreadyDecided):
        handoffs.decide(org["u"]["sdr"], old, "accepted")
    with pytest.raises(HandoffError, match="handed off again since"):
        handoffs.recycle(org["u"]["sdr"], old)
    # each card says which hand-off it is (the first one read 'Hand-off 2 of this lead')
    metrics.clear_caches()
    new = handoffs.inbox([org["reps"]["sam"]]).query("lead_id == @lead and decision.isna()").handoff_id.item()
    assert [(handoffs.card(h).facts["handoff_number"], handoffs.card(h).facts["handoffs_of_lead"])
            for h in (old, new)] == [(1, 2), (2, 2)]


def test_recycle_later_and_not_twice(app_db, org, inbox_world):
    lead, hid = inbox_world["c"]
    handoffs.decide(org["u"]["sdr"], hid, "rejected", reason="not_interested")
    assert "back in nurture" in handoffs.recycle(org["u"]["sdr"], hid, comment="Try again in Q3")
    with pytest.raises(HandoffError, match="already recycled"):
        handoffs.recycle(org["u"]["sdr"], hid)
    accepted_lead, accepted = inbox_world["b"]
    handoffs.decide(org["u"]["sdr"], accepted, "accepted")
    with pytest.raises(HandoffError, match="Only a rejected lead"):
        handoffs.recycle(org["u"]["sdr"], accepted)


def test_bulk_decisions_report_each_outcome(app_db, org, inbox_world):
    a, b, d = inbox_world["a"][1], inbox_world["b"][1], inbox_world["d"][1]
    handoffs.decide(org["u"]["sdr"], b, "accepted")
    outcomes = handoffs.decide_many(org["u"]["sdr"], [a, b, d, a], "rejected", reason="wrong_contact")
    assert [(o.handoff_id, o.ok) for o in outcomes] == [(a, True), (b, False), (d, False)]
    assert "Already accepted by Sdr" in outcomes[1].message
    assert "handed to Sid SDR" in outcomes[2].message
    with app_db.connect() as conn:   # each outcome names its lead, for the 'skipped' list
        names = dict(conn.execute(sa.text("select h.id, l.first_name || ' ' || l.last_name from handoff h "
                                          "join lead l on l.id = h.lead_id")).all())
    assert [o.lead_name for o in outcomes[1:]] == [names[b], names[d]]
    assert handoffs.decide_many(org["u"]["sdr"], [424242], "accepted")[0].lead_name is None
    with pytest.raises(HandoffError, match="Select at least one"):
        handoffs.decide_many(org["u"]["sdr"], [], "accepted")
    with pytest.raises(HandoffError, match="'Other' needs a comment"):
        handoffs.decide_many(org["u"]["sdr"], [a], "rejected", reason="other")


def test_a_bulk_decision_posted_twice_with_its_key_records_once(app_db, org, inbox_world):
    from queries import submissions

    a, c = inbox_world["a"][1], inbox_world["c"][1]
    key = submissions.new_key()
    with pytest.raises(HandoffError, match="Choose why you reject"):   # refused input claims no key
        handoffs.decide_many(org["u"]["sdr"], [a, c], "rejected", submission=key)
    assert all(o.ok for o in handoffs.decide_many(org["u"]["sdr"], [a, c], "accepted", submission=key))
    with pytest.raises(submissions.AlreadySubmitted):
        handoffs.decide_many(org["u"]["sdr"], [a, c], "accepted", submission=key)
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from audit_log where action = 'handoff.accept'")).scalar() == 2


# =========================================================================== inbox and card


def test_inbox_scopes_and_sla_clock(org, inbox_world):
    u = org["u"]
    mine = handoffs.inbox(handoffs.owner_scope(u["sdr"], "mine"))
    assert set(mine.handoff_id) == {inbox_world[k][1] for k in "abc"}
    team = handoffs.inbox(handoffs.owner_scope(u["sales_lead"], "team"))
    assert set(team.handoff_id) == {inbox_world["e"][1]}
    assert set(handoffs.inbox(handoffs.owner_scope(u["admin"], "all")).handoff_id) == \
        {v[1] for v in inbox_world.values()}
    assert handoffs.owner_scope(u["marketing_lead2"], "mine") is None  # no rep record
    row = mine.iloc[0]
    # handed off 2 h ago, 48 h decision window, 240 min first-touch window
    assert row.decision_status == "due soon" or row.minutes_to_decision_due > 24 * 60
    assert row.touch_status == "pending"
    later = handoffs.with_clock(mine, datetime.now(timezone.utc) + timedelta(days=3))
    assert set(later.decision_status) == {"overdue"} and set(later.touch_status) == {"not touched, breached"}


def test_the_inbox_counts_every_open_hand_off_and_lists_the_most_urgent(world, org, monkeypatch):
    """Past INBOX_LIMIT open hand-offs the page counted the listed rows ("500 awaiting" of 625) and
    the list, oldest due first, dropped the ones still in time, which it promises first. Counts
    come from SQL over all of them; the list keeps in-time first, then the most recently overdue."""
    reps = org["reps"]
    acc = world.account(tier=2)
    now = datetime.now(timezone.utc)
    ids = {}
    for name, ago in (("fresh", timedelta(hours=1)), ("recent_overdue", timedelta(days=3)),
                      ("old_overdue", timedelta(days=30)), ("ancient", timedelta(days=90))):
        lead = world.lead(now - ago - timedelta(days=1), acc)
        ids[name] = world.hand_off(lead, now - ago, reps["sam"])
    decided = world.lead(now - timedelta(days=3), acc)
    world.hand_off(decided, now - timedelta(days=2), reps["sam"])
    world.decide(decided, "accepted", now - timedelta(days=1), reps["sam"])
    sam = [reps["sam"]]
    metrics.clear_caches()
    counts = handoffs.inbox_summary(sam)
    assert (counts.awaiting, counts.overdue, counts.due_soon, counts.decided, counts.accepted) == (4, 3, 0, 1, 1)
    assert counts.untouched_breached == 3   # none touched; the 4-hour window has passed but for the fresh one
    monkeypatch.setattr(handoffs, "INBOX_LIMIT", 2)
    metrics.clear_caches()
    listed = handoffs.inbox(sam)
    open_ids = list(listed[listed.decision.isna()].handoff_id)
    assert open_ids == [ids["fresh"], ids["recent_overdue"]]   # in time first, then the latest overdue
    assert len(listed[listed.decision.notna()]) == 1            # decided ones are listed on their own cap
    assert handoffs.inbox_summary(sam) == counts                 # the counts do not depend on the cap


def test_my_hand_offs_and_my_sla_count_the_same_open_hand_offs(world, org):
    """My SLA said "36 open hand-offs" where My hand-offs said "24 awaiting decision": the other 12
    were accepted and never contacted, which the inbox (a list of decisions) does not show. Its
    summary counts them, whenever they were accepted, so awaiting + accepted_untouched is My SLA's
    open list; a lead touched, or rejected, is in neither."""
    from queries import sla

    reps = org["reps"]
    acc = world.account(tier=2)
    now = datetime.now(timezone.utc)

    def handed(days_ago):
        lead = world.lead(now - timedelta(days=days_ago + 1), acc)
        world.hand_off(lead, now - timedelta(days=days_ago), reps["sam"])
        return lead

    handed(1)                                                        # awaiting a decision
    handed(40)                                                       # awaiting, long overdue
    old = handed(60)                                                 # accepted 59 days ago, never touched
    world.decide(old, "accepted", now - timedelta(days=59), reps["sam"])
    fresh = handed(2)                                                # accepted yesterday, never touched
    world.decide(fresh, "accepted", now - timedelta(days=1), reps["sam"])
    called = handed(3)                                               # accepted and touched: done
    world.decide(called, "accepted", now - timedelta(days=2), reps["sam"])
    world.touch(called, now - timedelta(days=2), reps["sam"])
    rejected = handed(4)                                             # rejected untouched: done
    world.decide(rejected, "rejected", now - timedelta(days=3), reps["sam"], reason="bad_fit")
    metrics.clear_caches()

    counts = handoffs.inbox_summary([reps["sam"]])
    assert (counts.awaiting, counts.accepted_untouched) == (2, 2)
    assert (counts.decided, counts.accepted) == (3, 2)               # decisions of the last 14 days only
    open_now = sla.open_handoffs(org["u"]["sdr"])
    assert len(open_now) == counts.awaiting + counts.accepted_untouched
    assert set(open_now.loc[open_now["status"] == "accepted", "lead_id"]) == {old, fresh}


def test_the_cards_engagement_reads_every_activity_not_the_timelines_newest_rows(world, org, app_db):
    """First and last marketing touch and the 90-day counts came from the timeline's newest 300
    rows: a lead with a long history after its hand-off lost its first touch and its engagement."""
    reps = org["reps"]
    acc = world.account()
    t = datetime.now(timezone.utc) - timedelta(days=2)
    lead = world.lead(t - timedelta(days=200), acc)
    world.touch(lead, t - timedelta(days=150), None, "content_download")   # first; before the 90 days
    world.touch(lead, t - timedelta(days=30), None, "webinar")
    world.touch(lead, t - timedelta(days=1), None, "form_fill")            # last before the hand-off
    hid = world.hand_off(lead, t, reps["ada"])
    with app_db.begin() as conn:   # a nurture stream after the hand-off: more rows than the timeline lists
        conn.execute(sa.text("insert into activity (lead_id, activity_type, occurred_at, is_automated) "
                             "select :lead, 'email_click', cast(:t as timestamptz) + g * interval '1 minute', true "
                             "from generate_series(1, 320) g"), {"lead": lead, "t": t})
    c = handoffs.card(hid)
    assert len(c.timeline) == 300   # the timeline itself stays capped
    assert (c.first_touch["what"], c.last_touch["what"]) == ("content_download", "form_fill")
    assert c.first_touch["occurred_at"] == t - timedelta(days=150)
    assert c.engagement == {"form_fill": 1, "webinar": 1}


def test_the_card_has_everything_a_rep_needs(world, org, app_db):
    reps = org["reps"]
    acc = world.account(tier=1, industry="Software", country="DE", region="EMEA")
    camp = world.campaign("webinar", name="Alignment webinar")
    t = datetime.now(timezone.utc) - timedelta(days=1)
    lead = world.lead(t - timedelta(days=10), acc, source="webinar", campaign_id=camp, marketer_id=reps["mia"])
    world.touch(lead, t - timedelta(days=9), None, "web_visit")
    world.touch(lead, t - timedelta(days=3), None, "webinar")
    world.touch(lead, t - timedelta(hours=1), None, "form_fill")
    other = world.lead(t - timedelta(days=30), acc)
    world.opportunity(acc, reps["ada"], 42000, t - timedelta(days=20), stage="proposal")
    world.opportunity(acc, reps["ada"], 9000, t - timedelta(days=200), stage="closed_won",
                      closed_at=t - timedelta(days=100))
    hid = world.hand_off(lead, t, reps["ada"])
    world.touch(lead, t + timedelta(minutes=30), reps["ada"], "call")
    world.touch(lead, t + timedelta(minutes=6), None, "web_visit")   # after the hand-off: not "before" it
    c = handoffs.card(hid)
    assert (c.facts["campaign_name"], c.facts["source_label"], c.facts["tier"]) == ("Alignment webinar", "Webinar", 1)
    assert c.first_touch["what"] == "web_visit" and c.last_touch["what"] == "form_fill"
    assert c.engagement == {"web_visit": 1, "webinar": 1, "form_fill": 1}
    assert list(c.contacts.lead_id) == [other]
    assert list(c.open_opportunities.amount.astype(float)) == [42000.0]
    assert c.won_revenue == 9000.0
    assert c.facts["first_touch_at"] is not None
    assert c.facts["first_touch_business"] is False   # no SLA policy: the company default, wall-clock here
    assert {"mql", "handed_off"} <= set(c.timeline.what)
    # a reassignment names the new owner (the timeline is where a lead sees who held it when)
    world.event(lead, "reassigned", t + timedelta(hours=2), owner_id=reps["sam"])
    metrics.clear_caches()   # a write from outside the app (a CRM sync): the card waits for its TTL
    events = handoffs.card(hid).timeline.query("kind == 'event'").set_index("what")["detail"]
    assert (events["handed_off"], events["reassigned"]) == ("to Ada AE", "to Sam SDR")
    assert handoffs.card(999999) is None


def test_the_card_counts_every_contact_and_deal_of_a_big_account(world, org, app_db, monkeypatch):
    """The card lists a few rows, but its counts and sums cover the whole account (a 306-lead
    demo account read 'Other contacts at the account: 50')."""
    reps = org["reps"]
    monkeypatch.setattr(handoffs, "CARD_CONTACTS_LIMIT", 2)
    monkeypatch.setattr(handoffs, "CARD_OPPORTUNITIES_LIMIT", 2)
    acc = world.account(tier=1, industry="Software")
    t = datetime.now(timezone.utc) - timedelta(days=1)
    lead = world.lead(t - timedelta(days=3), acc)
    for i in range(4):
        world.lead(t - timedelta(days=10 + i), acc)
    for amount in (1000, 2000, 3000):   # open; the two closing soonest are listed
        world.opportunity(acc, reps["ada"], amount, t - timedelta(days=20), stage="proposal")
    for amount in (500, 700):            # won: sorted after the open ones, beyond the listing
        world.opportunity(acc, reps["ada"], amount, t - timedelta(days=200), stage="closed_won",
                          closed_at=t - timedelta(days=100))
    hid = world.hand_off(lead, t, reps["ada"])
    metrics.clear_caches()
    c = handoffs.card(hid)
    assert len(c.contacts) == 2 and c.contacts_count == 4
    assert len(c.opportunities) == 2
    assert (c.open_count, c.open_amount, c.won_revenue) == (3, 6000.0, 1200.0)
    lonely = world.account(tier=2, industry="Retail")
    alone = world.lead(t - timedelta(days=3), lonely)
    c = handoffs.card(world.hand_off(alone, t, reps["ada"]))
    assert (c.contacts_count, c.open_count, c.open_amount, c.won_revenue) == (0, 0, 0.0, 0.0)


# =========================================================================== feedback


def test_rating_leads_and_campaigns(world, app_db, org, inbox_world):
    u = org["u"]
    lead, hid = inbox_world["a"]
    other_lead, _ = inbox_world["d"]  # Sid's, never Sam's
    with pytest.raises(FeedbackError, match="needs an insight"):
        qualification.rate_lead(u["sdr"], lead, 2)
    with pytest.raises(FeedbackError, match="never handed to you"):
        qualification.rate_lead(u["sdr"], other_lead, 4)
    with pytest.raises(FeedbackError, match="from 1 \\(poor\\) to 5"):
        qualification.rate_lead(u["sdr"], lead, 6)
    with pytest.raises(FeedbackError, match="Only sales reps"):
        qualification.rate_lead(u["marketer"], lead, 4)
    assert qualification.rate_lead(u["sdr"], lead, 2, "Student, no buying power").startswith("Saved")
    assert qualification.rate_lead(u["sdr"], lead, 4, "Actually a real project").startswith("Updated")
    assert count(app_db, "select count(*) from lead_feedback") == 1
    assert count(app_db, "select quality from lead_feedback") == 4
    # rating again without an insight (the form empties it after each save) keeps the insight
    assert "earlier insight is kept" in qualification.rate_lead(u["sdr"], lead, 5, "  ")
    assert count(app_db, "select insight from lead_feedback") == "Actually a real project"
    assert count(app_db, "select quality from lead_feedback") == 5
    camp = world.campaign("paid_social", name="Social Q1")
    with pytest.raises(FeedbackError, match="Add an insight"):
        qualification.rate_campaign(u["ae"], camp, 2)
    qualification.rate_campaign(u["ae"], camp, 2, "Mostly students from the lookalike audience")
    with pytest.raises(FeedbackError, match="does not exist"):
        qualification.rate_campaign(u["ae"], 424242, 3, "x")
    # one form submitted twice (a double click) is saved once: its key is claimed with the insert
    from queries import submissions

    key = submissions.new_key()
    qualification.rate_campaign(u["ae"], camp, 3, "Better since the new form", submission=key)
    with pytest.raises(submissions.AlreadySubmitted):
        qualification.rate_campaign(u["ae"], camp, 3, "Better since the new form", submission=key)
    reply = submissions.new_key()
    qualification.reply(u["marketer"], "Added a company-size question", campaign_id=camp, submission=reply)
    with pytest.raises(submissions.AlreadySubmitted):
        qualification.reply(u["marketer"], "Added a company-size question", campaign_id=camp, submission=reply)
    assert count(app_db, "select count(*) from lead_feedback where campaign_id = :c", c=camp) == 2
    assert count(app_db, "select count(*) from feedback_reply where campaign_id = :c", c=camp) == 1
    # the admin's audit log names the lead or campaign a rating is about (it said "lead feedback 12")
    from queries import audit

    lead_name = count(app_db, "select first_name || ' ' || last_name from lead where id = :l", l=lead)
    subjects = {audit.subject_text(e.entity, e.entity_id, e.subject_username, e.old, e.new, e.entity_title)
                for e in audit.search().query("entity == 'lead_feedback'").itertuples()}
    assert subjects == {f"lead feedback “{lead_name}”", "lead feedback “Social Q1”"}


def test_a_sales_lead_rates_their_teams_leads_only_and_as_stored_now(world, app_db, org, inbox_world):
    """The picker offers a sales lead their team's hand-offs; the server held them to nothing (any
    lead in the database could be rated), and read the sales-lead role from the page's User, so a
    lead demoted to AE meanwhile could still rate other reps' leads."""
    vic = org["u"]["sales_lead"]             # the sales team's lead
    ada_lead, _ = inbox_world["e"]           # handed to Ada, on Vic's team
    sam_lead, _ = inbox_world["a"]           # handed to Sam, on the SDR team
    assert qualification.rate_lead(vic, ada_lead, 4, "Solid").startswith("Saved")
    before = count(app_db, "select count(*) from audit_log")
    with pytest.raises(FeedbackError, match="never handed to you or your team"):
        qualification.rate_lead(vic, sam_lead, 4, "Not my team's")
    world.execute("update app_user set roles = array['ae'] where id = :i", {"i": vic.id})
    assert vic.has("sales_lead")             # what the open page still holds
    with pytest.raises(FeedbackError, match="never handed to you;"):
        qualification.rate_lead(vic, ada_lead, 3, "Demoted meanwhile")
    assert count(app_db, "select count(*) from lead_feedback where quality = 3") == 0
    assert count(app_db, "select count(*) from audit_log") == before


def test_marketing_replies_and_trends(world, app_db, org, inbox_world):
    u = org["u"]
    camp = world.campaign("paid_social", name="Social Q1")
    world.execute("update lead set campaign_id = :c where id = :l", {"c": camp, "l": inbox_world["a"][0]})
    qualification.rate_lead(u["sdr"], inbox_world["a"][0], 1, "Wrong persona")
    qualification.rate_lead(u["sdr"], inbox_world["b"][0], 5, "Great")
    qualification.rate_campaign(u["ae"], camp, 3, "Mixed bag")
    fid = int(count(app_db, "select id from lead_feedback where quality = 1"))
    with pytest.raises(FeedbackError, match="Replies come from marketing"):
        qualification.reply(u["sdr"], "We changed it", campaign_id=camp)
    with pytest.raises(FeedbackError, match="Write what you changed"):
        qualification.reply(u["marketer"], "  ", campaign_id=camp)
    with pytest.raises(FeedbackError, match="Choose what the reply answers"):
        qualification.reply(u["marketer"], "Changed", campaign_id=camp, source="webinar")
    with pytest.raises(FeedbackError, match="not a source"):
        qualification.reply(u["marketer"], "Changed", source="tiktok")
    qualification.reply(u["marketer"], "Excluded students from the audience", feedback_id=fid)
    qualification.reply(u["marketing_lead"], "Paused lookalikes", campaign_id=camp)

    today = date.today()
    period = Period(today - timedelta(days=6), today, "UTC")
    by_campaign = qualification.feedback_trend(period, dim="campaign").set_index("dim_label")
    assert by_campaign.loc["Social Q1", "ratings"] == 2  # the lead rating + the campaign rating
    assert by_campaign.loc["Social Q1", "avg_quality"] == pytest.approx(2.0)
    assert by_campaign.loc["No campaign", "ratings"] == 1
    by_tier = qualification.feedback_trend(period, dim="tier")
    assert by_tier.ratings.sum() == 2  # campaign ratings have no account tier
    listed = qualification.feedback_list(period)
    assert listed.set_index("feedback_id").loc[fid, "replies"] == 1
    # the AE sees their campaign rating and no other rep's lead ratings; the SDR their own two
    # lead ratings and the AE's campaign rating; a lead sees all three
    assert list(qualification.feedback_list(period, viewer=u["ae"])["subject_kind"]) == ["campaign"]
    assert len(qualification.feedback_list(period, viewer=u["sdr"])) == 3
    assert len(qualification.feedback_list(period, viewer=u["marketing_lead"])) == 3
    assert (qualification.feedback_list(period, viewer=u["ae"])["rep_id"] == u["ae"].rep_id).all()
    assert len(qualification.replies(period)) == 2
    summary = qualification.feedback_summary(period)
    assert (summary["ratings"], summary["poor"], summary["good"], summary["replied"]) == (3, 1, 1, 1)


# =========================================================================== demo seed


def test_demo_seed_is_idempotent_and_follows_the_apps_rules(world, org, app_db, monkeypatch):
    from seeds import demo_qualification

    reps = org["reps"]
    acc = world.account(tier=2)
    camp = world.campaign("paid_social", name="Social")
    now = datetime.now(timezone.utc)
    for i in range(40):
        t = now - timedelta(days=60 - i)
        lead = world.lead(t - timedelta(hours=5), acc, source="paid_social", campaign_id=camp)
        world.hand_off(lead, t, reps["sam"] if i % 2 else reps["ada"])
        if i % 3 == 0:
            world.decide(lead, "accepted", t + timedelta(hours=1), actor=reps["sam"] if i % 2 else reps["ada"])
        elif i < 36:
            world.decide(lead, "rejected", t + timedelta(hours=1), actor=reps["sam"] if i % 2 else reps["ada"],
                         reason="other" if i % 5 == 0 else "bad_fit", comment="x" if i % 5 == 0 else None)
    monkeypatch.setattr(demo_qualification, "MIN_CAMPAIGN_HANDOFFS", 5)
    with app_db.begin() as conn:
        demo_qualification.load(conn)
    snapshot = "select (select count(*) from criteria_version), (select count(*) from lead_feedback), " \
               "(select count(*) from feedback_reply), " \
               "(select count(*) from lead_event where event_type = 'mql' and criteria_version_id is null)"
    with app_db.connect() as conn:
        first = conn.execute(sa.text(snapshot)).one()
    with app_db.begin() as conn:
        demo_qualification.load(conn)
    with app_db.connect() as conn:
        assert conn.execute(sa.text(snapshot)).one() == first
    assert first[0] == 3 and first[1] > 0 and first[2] > 0 and first[3] == 0
    versions = {v.number: v for v in qualification.versions()}
    assert (versions[1].status, versions[2].status, versions[3].status) == ("active", "withdrawn", "proposed")
    assert versions[1].proposed_side != versions[1].approved_side
    assert qualification.in_force().number == 1
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from lead_feedback where quality <= 2 and insight is null")
                            ).scalar() == 0
        assert conn.execute(sa.text("select count(*) from lead_feedback where created_at > now()")).scalar() == 0
        # the versions' history is in the audit log, dated when each step happened
        trail = conn.execute(sa.text(
            "select a.action, a.at = coalesce(case a.action when 'criteria.propose' then v.proposed_at "
            "when 'criteria.approve' then v.approved_at else v.withdrawn_at end, now()) "
            "from audit_log a join criteria_version v on v.id::text = a.entity_id "
            "where a.entity = 'criteria_version' order by v.number, a.at")).all()
    assert [action for action, _ in trail] == ["criteria.propose", "criteria.approve", "criteria.propose",
                                               "criteria.withdraw", "criteria.propose"]   # v2: its author withdrew it
    assert all(dated for _, dated in trail)


# =========================================================================== hostile text


def test_nul_characters_from_a_paste_never_fail_a_save(world, org, app_db, inbox_world):
    """PostgreSQL text cannot hold NUL (U+0000): every free-text field drops it and keeps the rest
    (before, each of these writes failed with a DataError traceback)."""
    from queries import qualification

    seed_options(world)
    u = org["u"]
    vid = qualification.propose(u["marketing_lead"], draft(title="ICP\x00 v1", rationale="Fo\x00cus"))
    v = qualification.by_id(vid)
    assert (v.title, v.rationale) == ("ICP v1", "Focus")
    assert qualification.withdraw(u["sales_lead"], vid, v.version, "No\x00 thanks") == "declined"
    with pytest.raises(CriteriaError, match="short title"):
        qualification.propose(u["marketing_lead"], draft(title="\x00"))
    lead, hid = inbox_world["a"]
    handoffs.decide(u["sdr"], hid, "rejected", reason="other", comment="Stu\x00dent")
    assert events(app_db, lead)[-1]["comment"] == "Student"
    qualification.rate_lead(u["sdr"], lead, 1, "Agen\x00cy")
    reply = qualification.reply(u["marketer"], "Fi\x00xed", source="webinar")
    assert reply.startswith("Reply posted")
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select insight from lead_feedback")).scalar() == "Agency"
        assert conn.execute(sa.text("select body from feedback_reply")).scalar() == "Fixed"


def test_ten_thousand_characters_are_refused_with_a_message_and_nothing_is_stored(world, org, app_db, inbox_world):
    u, (lead, hid) = org["u"], inbox_world["a"]
    long = "ש🎉" * 5000   # 10,000 characters of RTL text and emoji
    with pytest.raises(HandoffError, match="too long \\(10,000 characters; at most 2,000\\)"):
        handoffs.decide(u["sdr"], hid, "rejected", reason="other", comment=long)
    with pytest.raises(HandoffError, match="too long"):
        handoffs.decide_many(u["sdr"], [hid], "rejected", reason="other", comment=long)
    with pytest.raises(FeedbackError, match="too long \\(10,000 characters; at most 4,000\\)"):
        qualification.rate_lead(u["sdr"], lead, 1, long)
    with pytest.raises(FeedbackError, match="too long"):
        qualification.reply(u["marketer"], long, source="webinar")
    assert count(app_db, "select count(*) from lead_event where event_type in ('accepted', 'rejected')") == 0
    assert count(app_db, "select count(*) from lead_feedback") == 0
    assert count(app_db, "select count(*) from feedback_reply") == 0
    # within the limit, the same characters are stored exactly
    handoffs.decide(u["sdr"], hid, "rejected", reason="other", comment=long[:2000])
    assert count(app_db, "select comment from lead_event where event_type = 'rejected'") == long[:2000]
