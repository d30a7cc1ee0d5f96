"""Reject a hand-off with a reason through the real UI: the SDR opens the card, is told a reason is
required, picks one, adds a comment, records the decision; the lead_event row carries the user."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, choose_option, sign_in, wait_for_app

#: Each step reruns the whole page; on a loaded shared CI box that has taken over 30 s.
STEP_MS = 90_000


@pytest.fixture
def fresh_handoff(app_db_url):
    """A lead of our own, handed to the demo SDR a few minutes ago (other tests' data untouched)."""
    engine = sa.create_engine(app_db_url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if app_db_url.startswith("postgresql://") else app_db_url)
    last_name = f"Browsertest{uuid.uuid4().hex[:8]}"
    handed = datetime.now(timezone.utc) - timedelta(minutes=5)
    with engine.begin() as conn:
        rep_id, user_id = conn.execute(sa.text("select rep_id, id from app_user where username = 'sdr'")).one()
        account_id = conn.execute(sa.text("select min(id) from account")).scalar_one()
        lead_id = conn.execute(sa.text(
            "insert into lead (account_id, first_name, last_name, email, job_function, seniority, source, score, "
            "created_at) values (:a, 'Rita', :ln, :e, 'Marketing', 'director', 'webinar', 71, :t) returning id"),
            {"a": account_id, "ln": last_name, "e": f"{last_name.lower()}@example.com",
             "t": handed - timedelta(days=1)}).scalar_one()
        for event in ("mql", "handed_off"):
            conn.execute(sa.text("insert into lead_event (lead_id, event_type, occurred_at, owner_id) "
                                 "values (:l, :e, :t, :o)"),
                         {"l": lead_id, "e": event, "t": handed, "o": rep_id if event == "handed_off" else None})
    yield {"lead_id": lead_id, "name": f"Rita {last_name}", "user_id": user_id, "engine": engine}
    engine.dispose()


def test_reject_with_a_reason_through_the_card(page, fresh_handoff):
    sign_in(page, "sdr", path="/my_handoffs")
    page.goto("/my_handoffs")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="My hand-offs")).to_be_visible(timeout=STEP_MS)

    # open our lead's card
    card_picker = page.get_by_test_id("stSelectbox").filter(has_text="Hand-off card")
    card_picker.get_by_role("combobox").click()
    page.keyboard.type(fresh_handoff["name"])
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=fresh_handoff["name"])).to_be_visible(timeout=STEP_MS)

    form = page.get_by_test_id("stForm").filter(has_text="Your decision")
    form.get_by_test_id("stRadio").get_by_text("Reject", exact=True).click()
    form.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    expect(page.get_by_text("Choose why you reject: pick a reason from the list.")).to_be_visible(timeout=STEP_MS)

    form = page.get_by_test_id("stForm").filter(has_text="Your decision")
    choose_option(page, form.get_by_test_id("stSelectbox").filter(has_text="Rejection reason").get_by_role("combobox"),
                  "Wrong contact")
    form.get_by_role("textbox", name="Comment (required for 'Other')").fill("Intern; the buyer is their RevOps lead")
    form.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Rejected {fresh_handoff['name']}.")).to_be_visible(timeout=STEP_MS)
    assert_no_exception(page)

    with fresh_handoff["engine"].connect() as conn:
        row = conn.execute(sa.text(
            "select e.rejection_reason, e.comment, e.actor_user_id, h.decision "
            "from lead_event e join handoff h on h.id = e.handoff_id "
            "where e.lead_id = :l and e.event_type = 'rejected'"), {"l": fresh_handoff["lead_id"]}).one()
    assert tuple(row) == ("wrong_contact", "Intern; the buyer is their RevOps lead", fresh_handoff["user_id"],
                          "rejected")
