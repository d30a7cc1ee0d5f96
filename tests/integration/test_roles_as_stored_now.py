"""Every audited write checks the actor's role as stored *now*, not as the page loaded.

A form callback carries the ``User`` of the page it was clicked on. Someone demoted or deactivated
in another session meanwhile must not be able to finish a write from that open page: each write
re-reads the user (``users.current``) before its permission check. The admin page has its own test
(tests/integration/test_admin.py); this covers the other writes, one stale ``User`` each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from queries import goals, handoffs, meetings, plan, qualification, sla, users
from queries.criteria_rules import Criteria, CriteriaError
from queries.goals import GoalInput
from queries.meeting_rules import MeetingInput
from queries.qualification import Draft
from queries.sqlfiles import q

PASSWORD = "correct horse battery"
TOMORROW = date.today() + timedelta(days=1)
ICP = Criteria(industries=("Software",), tiers=(1, 2), min_score=50)


@pytest.fixture
def org(world):
    """Marketing, SDR and sales teams; a user per role that may write something (and a rep for each
    lead and the SDR), all active and allowed when the page 'loads'."""
    t = {"marketing": world.team("marketing", code="marketing"), "sdr": world.team("sales_development", code="sdr"),
         "sales": world.team("sales", code="sales")}
    reps = {"marketing_lead": world.rep(t["marketing"], "Mia Lead"), "sales_lead": world.rep(t["sales"], "Sal Lead"),
            "sdr": world.rep(t["sdr"], "Sam SDR")}
    team_of = {"marketing_lead": "marketing", "sales_lead": "sales", "sdr": "sdr", "executive": None}
    with world.engine.begin() as conn:
        for role, team in team_of.items():
            conn.execute(q("user_insert"), {"username": role.replace("_", "-"), "display_name": f"{role.title()} Person",
                                            "email": f"{role}@example.com",
                                            "password_hash": users.hash_password(PASSWORD), "roles": [role],
                                            "team_id": t[team] if team else None, "rep_id": reps.get(role)})
    acct = world.account(industry="Software")   # criteria options read the values present in the data
    world.opportunity(acct, reps["sales_lead"], 1000, datetime(2026, 1, 5, 10, tzinfo=timezone.utc), "closed_won",
                      datetime(2026, 1, 10, 10, tzinfo=timezone.utc))   # a revenue goal needs deals in its scope
    return {"teams": t, "reps": reps,
            "u": {role: users.by_username(role.replace("_", "-")) for role in team_of}}


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def revenue_goal(org, title="Q1 revenue together") -> GoalInput:
    return GoalInput(title=title, why="One number.", period_kind="quarter", start=date(2026, 2, 10),
                     metric="revenue", target="5k",
                     owner_rep_ids=[org["reps"]["marketing_lead"], org["reps"]["sales_lead"]])


# Each case: (who, a setup made while they are still allowed → state, the write with the stale User,
# the error it must raise, SQL whose value must not change). The setup runs before the demotion.

def _goal_create(world, org):
    return None, lambda u, _: goals.create(u, revenue_goal(org)), goals.NotAllowed, "select count(*) from goal"


def _goal_edit(world, org):
    gid = goals.create(org["u"]["marketing_lead"], revenue_goal(org))
    return gid, lambda u, g: goals.update(u, g, revenue_goal(org, title="Renamed meanwhile"), 1), goals.NotAllowed, \
        "select string_agg(title || ' v' || version, ',') from goal"


def _meeting_create(world, org):
    presenter = org["u"]["executive"].id
    return None, lambda u, _: meetings.create(u, MeetingInput("Weekly alignment", datetime.now(timezone.utc),
                                                              presenter)), \
        meetings.NotAllowed, "select count(*) from meeting"


def _sla_commitment(world, org):
    return None, lambda u, _: sla.save_commitment(u, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31),
                                                                         900)), \
        sla.NotAllowed, "select count(*) from sla_commitment"


def _sla_policy(world, org):
    return None, lambda u, _: sla.save_policy(u, sla.PolicyInput(
        name="Tier 1 fast lane", first_touch_minutes=30, first_touch_business=False, decision_minutes=240,
        decision_business=False, effective_from=date(2026, 1, 1), rank=10, tiers=[1]),
        expected_version=None, tz="UTC"), \
        sla.NotAllowed, "select count(*) from sla_policy"


def _plan_target(world, org):
    return None, lambda u, _: plan.set_target(u, plan.Quarter(2026, 4), "4M", expected=None), plan.NotAllowed, \
        "select count(*) from app_setting where key like '%2026%'"


def _criteria_propose(world, org):
    return None, lambda u, _: qualification.propose(u, Draft("ICP v1", ICP, TOMORROW, "Our best segments")), \
        CriteriaError, "select count(*) from criteria_version"


def _criteria_approve(world, org):
    vid = qualification.propose(org["u"]["marketing_lead"], Draft("ICP v1", ICP, TOMORROW, "Our best segments"))
    return vid, lambda u, v: qualification.approve(u, v, qualification.by_id(v).version), CriteriaError, \
        "select string_agg(status || ' v' || version, ',') from criteria_version"


def _handoff(world, org):
    lead = world.lead(datetime.now(timezone.utc) - timedelta(days=1), world.account())
    return world.hand_off(lead, datetime.now(timezone.utc) - timedelta(hours=2), org["reps"]["sdr"])


def _handoff_decide(world, org):
    return _handoff(world, org), lambda u, h: handoffs.decide(u, h, "accepted"), handoffs.NotAllowed, \
        "select count(*) from lead_event where event_type in ('accepted', 'rejected')"


def _handoff_decide_many(world, org):
    def decide_many(u, h):
        (outcome,) = handoffs.decide_many(u, [h], "accepted")   # reports each hand-off instead of raising
        assert not outcome.ok
        raise handoffs.NotAllowed(outcome.message)
    return _handoff(world, org), decide_many, handoffs.NotAllowed, \
        "select count(*) from lead_event where event_type in ('accepted', 'rejected')"


WRITES = [
    ("marketing_lead", _goal_create, "Only team leads and admins can create goals"),
    ("marketing_lead", _goal_edit, "Only team leads and admins can edit goals"),
    ("marketing_lead", _meeting_create, "does not allow planning meetings"),
    ("marketing_lead", _sla_commitment, "does not allow changing the SLA commitment"),
    ("sales_lead", _sla_policy, "does not allow changing SLA policies"),
    ("executive", _plan_target, "Only executives and admins set the revenue plan"),
    ("marketing_lead", _criteria_propose, "Only the marketing and sales leads propose"),
    ("sales_lead", _criteria_approve, "Only the marketing and sales leads approve"),
    ("sdr", _handoff_decide, "Your role cannot accept or reject hand-offs"),
    ("sdr", _handoff_decide_many, "Your role cannot accept or reject hand-offs"),
]


@pytest.mark.parametrize("change", ["demoted", "deactivated"])
@pytest.mark.parametrize("who, case, message", WRITES, ids=[c.__name__.strip("_") for _, c, _ in WRITES])
def test_a_user_demoted_or_deactivated_meanwhile_cannot_write_from_an_open_page(world, org, who, case, message,
                                                                              change):
    """The User object the page loaded still carries the role; the database no longer does.
    Demoted to marketer (no write here needs it), or deactivated keeping the role: either way the
    write is refused, and neither the data nor the audit log changes."""
    stale = org["u"][who]
    state, write, error, stored = case(world, org)
    before = (count(world.engine, stored), count(world.engine, "select count(*) from audit_log"))
    if change == "demoted":
        world.execute("update app_user set roles = array['marketer'] where id = :i", {"i": stale.id})
    else:
        world.execute("update app_user set active = false where id = :i", {"i": stale.id})
    assert stale.roles == frozenset({who}) and stale.active   # what the open page still holds
    with pytest.raises(error, match=message):
        write(stale, state)
    assert (count(world.engine, stored), count(world.engine, "select count(*) from audit_log")) == before


@pytest.mark.parametrize("who, case, message", WRITES, ids=[c.__name__.strip("_") for _, c, _ in WRITES])
def test_the_same_writes_succeed_while_the_role_is_still_stored(world, org, who, case, message):
    """The control for the test above: the same User, untouched in the database, may write — so
    the refusal there comes from the fresh read, not from a setup the write rejects anyway."""
    stale = org["u"][who]
    state, write, error, stored = case(world, org)
    before = count(world.engine, stored)
    if case is _handoff_decide_many:
        assert handoffs.decide_many(stale, [state], "accepted")[0].ok
    else:
        write(stale, state)
    assert count(world.engine, stored) != before


# ----------------------------------------------------------------------------- owners, not roles
# Check-ins and an action item's status are allowed by ownership (the user's rep record, or the
# user named as the action's owner), not by a role: they were checked against the page's User, so
# an owner deactivated, or unlinked from their rep record, in another session could still post.

from queries.goals import CheckInInput   # noqa: E402
from queries.meeting_rules import ActionInput, owner_key   # noqa: E402

CHECKIN = CheckInInput(confidence="on_track", narrative="Pipeline reviewed with sales.")


@pytest.mark.parametrize("change", ["deactivated", "unlinked from the rep record"])
def test_a_goal_owner_deactivated_or_unlinked_meanwhile_cannot_check_in(world, org, change):
    owner = org["u"]["marketing_lead"]    # their rep owns the goal
    gid = goals.create(owner, revenue_goal(org))
    goals.check_in(owner, gid, CHECKIN)   # the control: allowed while stored so
    before = (count(world.engine, "select count(*) from goal_checkin"),
              count(world.engine, "select count(*) from audit_log"))
    if change == "deactivated":
        world.execute("update app_user set active = false where id = :i", {"i": owner.id})
    else:
        world.execute("update app_user set rep_id = null where id = :i", {"i": owner.id})
    with pytest.raises(goals.NotAllowed, match="Only the goal's owners"):
        goals.check_in(owner, gid, CHECKIN)
    assert (count(world.engine, "select count(*) from goal_checkin"),
            count(world.engine, "select count(*) from audit_log")) == before


def test_a_rep_removed_from_a_goals_owners_meanwhile_cannot_check_in(world, org, monkeypatch):
    """The owners are checked again inside the check-in's transaction, as stored then."""
    lead = org["u"]["marketing_lead"]
    gid = goals.create(lead, revenue_goal(org))
    stale_goal = goals.get(gid)
    assert stale_goal.owned_by(users.current(lead))
    other = world.rep(org["teams"]["marketing"], "Max Marketer")   # marketing keeps an owner
    world.execute("insert into goal_owner (goal_id, rep_id) values (:g, :r)", {"g": gid, "r": other})
    world.execute("delete from goal_owner where goal_id = :g and rep_id = :r",
                  {"g": gid, "r": org["reps"]["marketing_lead"]})
    # the check before the transaction read the goal before the owner went (a click racing an edit)
    monkeypatch.setattr(goals, "get", lambda goal_id: stale_goal)
    with pytest.raises(goals.NotAllowed, match="no longer one of this goal's owners"):
        goals.check_in(lead, gid, CHECKIN)
    assert count(world.engine, "select count(*) from goal_checkin") == 0


@pytest.mark.parametrize("owner", ["user", "rep"])
def test_an_action_owner_deactivated_meanwhile_cannot_change_its_status(world, org, owner):
    exec_ = org["u"]["executive"]
    sdr = org["u"]["sdr"]
    mid = meetings.create(exec_, MeetingInput("Weekly alignment", datetime.now(timezone.utc), exec_.id))
    key = owner_key("u", sdr.id) if owner == "user" else owner_key("r", org["reps"]["sdr"])
    aid = meetings.record_action(exec_, mid, ActionInput("Call the top 10 accounts", key, date.today()))
    version = meetings.set_action_status(sdr, aid, "done", 1)   # the control: the owner may
    before = count(world.engine, "select count(*) from audit_log")
    world.execute("update app_user set active = false where id = :i", {"i": sdr.id})
    with pytest.raises(meetings.NotAllowed, match="Only the action's owner or a presenter"):
        meetings.set_action_status(sdr, aid, "open", version)
    assert count(world.engine, "select status from meeting_action where id = :i", i=aid) == "done"
    assert count(world.engine, "select count(*) from audit_log") == before


def test_a_presenter_demoted_meanwhile_no_longer_moves_the_live_timer(world, org):
    exec_ = org["u"]["executive"]
    mid = meetings.create(exec_, MeetingInput("Weekly alignment", datetime.now(timezone.utc), exec_.id))
    meetings.set_status(exec_, mid, "live", 1)
    meeting = meetings.get(mid)
    items = meetings.agenda(mid)
    assert meetings.move_to(exec_, meeting, items[1].id)   # the control
    meeting = meetings.get(mid)
    world.execute("update app_user set roles = array['marketer'] where id = :i", {"i": exec_.id})
    assert not meetings.move_to(exec_, meeting, items[2].id)
    assert meetings.get(mid).current_item_id == items[1].id


def test_a_lead_moved_to_the_other_side_meanwhile_cannot_change_their_old_sides_promise(world, org):
    """Each lead changes only their own side's terms of the SLA commitment, judged by their roles.
    Those roles came from the page's User: a marketing lead moved to sales lead (still allowed to
    edit the commitment) could still change marketing's MQL volume from a page open before."""
    mia = org["u"]["marketing_lead"]
    cid = sla.save_commitment(mia, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 900))
    world.execute("update app_user set roles = array['sales_lead'] where id = :i", {"i": mia.id})
    before = count(world.engine, "select count(*) from audit_log")
    with pytest.raises(sla.NotAllowed, match="The MQL volume is marketing's promise"):
        sla.save_commitment(mia, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 1200), cid, 1)
    assert count(world.engine, "select mql_volume from sla_commitment where id = :i", i=cid) == 900
    assert count(world.engine, "select count(*) from audit_log") == before
