"""The revenue plan (queries/plan.py, components/plan_forms.py): quarterly revenue targets that
pipeline coverage is measured against — set by executives and admins, audited, compare-and-set."""

from __future__ import annotations

from datetime import date

import pytest

from queries import audit, plan, scoreboard, settings, users
from queries.periods import Period
from queries.users import UserInput
from tests.apptest import open_page
from tests.factories import World

Q4 = plan.Quarter(2026, 4)
PASSWORD = "correct horse battery"


@pytest.fixture
def people(app_db, cookie_key):
    for role in ("executive", "admin", "sales_lead", "marketing_lead"):
        users.create(None, UserInput(role, f"{role.title()} Person", f"{role}@example.com", [role]), PASSWORD)
    return {role: users.by_username(role) for role in ("executive", "admin", "sales_lead", "marketing_lead")}


def test_quarters_know_their_dates_and_neighbours():
    assert (Q4.key, Q4.label, Q4.start, Q4.end) == ("revenue_target_2026-Q4", "Q4 2026", date(2026, 10, 1),
                                                     date(2026, 12, 31))
    assert Q4.shifted(1) == plan.Quarter(2027, 1) and Q4.shifted(-4) == plan.Quarter(2025, 4)
    assert plan.Quarter.of(date(2026, 2, 28)) == plan.Quarter(2026, 1)
    listed = plan.quarters(date(2026, 11, 24))
    assert listed[0] == plan.Quarter(2025, 4) and listed[-1] == plan.Quarter(2027, 4) and len(listed) == 9


def test_an_executive_sets_the_plan_and_coverage_reads_it(people):
    exec_ = people["executive"]
    assert plan.set_target(exec_, Q4, "4.2M", expected=None) == 4_200_000
    assert scoreboard.revenue_target(Period(Q4.start, Q4.end, "UTC")) == 4_200_000
    november = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
    assert scoreboard.revenue_target(november) == pytest.approx(4_200_000 * 30 / 92)
    assert plan.set_target(exec_, Q4, "$4,500,000", expected=4_200_000) == 4_500_000
    assert plan.set_target(people["admin"], Q4, "", expected=4_500_000) is None     # removed
    assert scoreboard.revenue_target(Period(Q4.start, Q4.end, "UTC")) is None
    log = audit.search(actor_user_id=None, limit=10)
    log = log[log["entity"] == "revenue_plan"].reset_index(drop=True)
    assert list(log["action"]) == ["revenue_target.clear", "revenue_target.set", "revenue_target.set"]
    assert "4,200,000 → 4,500,000" in audit.describe_change(log.iloc[1]["old"], log.iloc[1]["new"], {})
    assert set(log["entity_id"]) == {"Q4 2026"}


@pytest.mark.parametrize("text, message", [
    ("lots", "must be a number"), ("-5", "can't be negative"), ("0", "more than 0"), ("1,2", "ambiguous"),
])
def test_bad_amounts_are_refused_and_nothing_changes(people, text, message):
    plan.set_target(people["executive"], Q4, "3M", expected=None)
    with pytest.raises(plan.PlanError, match=message):
        plan.set_target(people["executive"], Q4, text, expected=3_000_000)
    assert plan.target(Q4) == 3_000_000


def test_only_executives_and_admins_set_the_plan(people):
    for lead in ("sales_lead", "marketing_lead"):
        with pytest.raises(plan.NotAllowed, match="executives and admins"):
            plan.set_target(people[lead], Q4, "1M", expected=None)
    assert plan.target(Q4) is None


def test_a_stale_form_does_not_overwrite_someone_elses_target(people):
    plan.set_target(people["admin"], Q4, "4M", expected=None)              # while the executive's form showed none
    with pytest.raises(plan.StalePlan, match="changed the Q4 2026 target to 4,000,000"):
        plan.set_target(people["executive"], Q4, "5M", expected=None)
    assert plan.target(Q4) == 4_000_000


def test_the_plan_form_on_the_goals_page(people, app_db):
    World(app_db).setting(plan.Quarter.of(date.today()).key, 1_000_000)
    settings.all_settings.clear()
    at = open_page("executive", "goals")
    here = plan.Quarter.of(date.today())
    assert at.selectbox(key="plan_quarter").value == here.label
    assert at.text_input(key="plan_amount").value == "1M"
    at.text_input(key="plan_amount").input("banana")
    at.button(key="plan_save").click().run()
    assert any("must be a number" in e.value for e in at.error)
    assert plan.target(here) == 1_000_000 and at.text_input(key="plan_amount").value == "banana"   # input kept
    at.text_input(key="plan_amount").input("1.25M")
    at.button(key="plan_save").click().run()
    assert any(f"{here.label} target set to $1,250,000" in s.value for s in at.success)
    assert plan.target(here) == 1_250_000
    nxt = here.shifted(1)
    at.selectbox(key="plan_quarter").set_value(nxt.label).run()
    assert at.text_input(key="plan_amount").value == ""                     # that quarter has none
    # a sales lead reads the plan but gets no form
    lead = open_page("sales_lead", "goals")
    assert not [w for w in lead.text_input if w.key == "plan_amount"]
    assert any("Executives and admins set the plan" in c.value for c in lead.caption)
