"""Reject a hand-off with a reason through the real UI: the SDR opens the card, is told a reason is
required, picks one, types half a comment, looks at another card and comes back to find the draft
still there, finishes the comment and records the decision; the lead_event row carries the user."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, choose_option, settle, sign_in, wait_for_app

#: Each step reruns the whole page; on a loaded shared CI box that has taken over 30 s.
STEP_MS = 90_000


def _hand_off(conn, rep_id: int, account_id: int, first_name: str, last_name: str, handed: datetime) -> tuple[int, int]:
    """A lead of our own handed to ``rep_id`` at ``handed``: (lead id, hand-off id)."""
    lead_id = conn.execute(sa.text(
        "insert into lead (account_id, first_name, last_name, email, job_function, seniority, source, score, "
        "created_at) values (:a, :fn, :ln, :e, 'Marketing', 'director', 'webinar', 71, :t) returning id"),
        {"a": account_id, "fn": first_name, "ln": last_name, "e": f"{first_name}.{last_name}@example.com".lower(),
         "t": handed - timedelta(days=1)}).scalar_one()
    for event in ("mql", "handed_off"):
        conn.execute(sa.text("insert into lead_event (lead_id, event_type, occurred_at, owner_id) "
                             "values (:l, :e, :t, :o)"),
                     {"l": lead_id, "e": event, "t": handed, "o": rep_id if event == "handed_off" else None})
    handoff_id = conn.execute(sa.text("select id from handoff where lead_id = :l"), {"l": lead_id}).scalar_one()
    return lead_id, handoff_id


@pytest.fixture
def fresh_handoffs(app_db_url):
    """Two leads of our own, handed to the demo SDR a few minutes ago (other tests' data untouched)."""
    engine = sa.create_engine(app_db_url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if app_db_url.startswith("postgresql://") else app_db_url)
    last_name = f"Browsertest{uuid.uuid4().hex[:8]}"
    handed = datetime.now(timezone.utc) - timedelta(minutes=5)
    with engine.begin() as conn:
        rep_id, user_id = conn.execute(sa.text("select rep_id, id from app_user where username = 'sdr'")).one()
        account_id = conn.execute(sa.text("select min(id) from account")).scalar_one()
        rita = _hand_off(conn, rep_id, account_id, "Rita", last_name, handed)
        otto = _hand_off(conn, rep_id, account_id, "Otto", last_name, handed - timedelta(minutes=1))
    yield {"lead_id": rita[0], "handoff_id": rita[1], "name": f"Rita {last_name}",
           "other_lead_id": otto[0], "other_handoff_id": otto[1], "other_name": f"Otto {last_name}",
           "user_id": user_id, "engine": engine}
    engine.dispose()


def open_card(page, name: str) -> None:
    card_picker = page.get_by_test_id("stSelectbox").filter(has_text="Hand-off card")
    card_picker.get_by_role("combobox").click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=STEP_MS)


def decision_fields(page, handoff_id: int):
    """The card's decision fields: the container keyed ho_decide_<hand-off id> (our key, so its
    st-key class is ours, not one of Streamlit's build)."""
    return page.locator(f".st-key-ho_decide_{handoff_id}")


COMMENT = "Comment (required for 'Other')"


def test_reject_with_a_reason_through_the_card(page, fresh_handoffs):
    lead = fresh_handoffs
    sign_in(page, "sdr", path="/my_handoffs")
    page.goto("/my_handoffs")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="My hand-offs")).to_be_visible(timeout=STEP_MS)

    open_card(page, lead["name"])
    box = decision_fields(page, lead["handoff_id"])
    # the label of the "Decision" radio group's option (a run re-drawing the card can show the old
    # and the new radio for a moment: name the group, not just any "Reject" text in the card)
    box.get_by_role("radiogroup", name="Decision").get_by_text("Reject", exact=True).click()
    wait_for_app(page)
    box.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    expect(page.get_by_text("Choose why you reject: pick a reason from the list.")).to_be_visible(timeout=STEP_MS)

    # half a decision: a reason and part of a comment, then a look at another card
    choose_option(page, box.get_by_test_id("stSelectbox").filter(has_text="Rejection reason").get_by_role("combobox"),
                  "Wrong contact")
    # settled, not only finished: a run that follows the reason's re-draws the card, and text typed
    # into the box as it was replaced was lost (a CI run under load, after 1 in 6 before the blur below)
    settle(page)
    box.get_by_role("textbox", name=COMMENT).fill("Intern; the buyer is")
    expect(box.get_by_role("textbox", name=COMMENT)).to_have_value("Intern; the buyer is")
    # a text area sends its text when it loses focus; a person looks away before picking another card,
    # while the test's next click came as that run started: on a busy CI machine the card changed
    # inside it and the typed text never reached the server (1 run in 6)
    box.get_by_role("textbox", name=COMMENT).blur()
    settle(page)
    open_card(page, lead["other_name"])
    other = decision_fields(page, lead["other_handoff_id"])
    expect(other.get_by_role("textbox", name=COMMENT)).to_have_value("")   # nothing carried over
    expect(other.get_by_role("radio", name="Reject")).not_to_be_checked()
    expect(box).to_have_count(0)

    # back on the first card: the draft is still there
    open_card(page, lead["name"])
    expect(box.get_by_role("textbox", name=COMMENT)).to_have_value("Intern; the buyer is", timeout=STEP_MS)
    expect(box.get_by_role("radio", name="Reject")).to_be_checked()
    expect(box.get_by_role("combobox", name="Rejection reason (when rejecting)")).to_have_value("Wrong contact")
    with lead["engine"].connect() as conn:   # nothing recorded on either lead meanwhile
        assert conn.execute(sa.text("select count(*) from lead_event where lead_id in (:a, :b) "
                                    "and event_type in ('accepted', 'rejected')"),
                            {"a": lead["lead_id"], "b": lead["other_lead_id"]}).scalar_one() == 0

    box.get_by_role("textbox", name=COMMENT).fill("Intern; the buyer is their RevOps lead")
    box.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Rejected {lead['name']}.")).to_be_visible(timeout=STEP_MS)
    assert_no_exception(page)

    with lead["engine"].connect() as conn:
        row = conn.execute(sa.text(
            "select e.rejection_reason, e.comment, e.actor_user_id, h.decision "
            "from lead_event e join handoff h on h.id = e.handoff_id "
            "where e.lead_id = :l and e.event_type = 'rejected'"), {"l": lead["lead_id"]}).one()
        assert conn.execute(sa.text("select decision from handoff where lead_id = :l"),
                            {"l": lead["other_lead_id"]}).scalar_one() is None
    assert tuple(row) == ("wrong_contact", "Intern; the buyer is their RevOps lead", lead["user_id"], "rejected")
