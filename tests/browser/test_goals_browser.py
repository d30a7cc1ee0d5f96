"""A lead creates a shared goal through the real form, then posts a check-in on it, in chromium."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, sign_in, wait_for_app


def _owner_labels(db_url: str) -> dict[str, str]:
    """The owners picker shows 'Full name · Team'; read the demo leads' rep records."""
    rows = _rows(db_url, "select u.username, r.full_name, t.name from app_user u join rep r on r.id = u.rep_id "
                         "join team t on t.id = r.team_id where u.username in ('marketing_lead', 'sales_lead')", {})
    return {u: f"{name} · {team}" for u, name, team in rows}


def _pick(page, label: str, option: str) -> None:
    """Choose an option of a multiselect by typing it (Streamlit's select is a combobox)."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    box.click()
    page.keyboard.type(option.split(" · ")[0])
    page.get_by_role("option", name=option).click()
    page.keyboard.press("Escape")


def _in_viewport(page, slot: str) -> None:
    """The save's message (components.notices) is drawn, whole, inside the window."""
    notice = page.locator(f".st-key-notice_{slot}")
    expect(notice).to_be_visible()
    page.wait_for_timeout(300)   # the script that scrolls it into view runs just after it is drawn
    box = notice.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)


def _rows(db_url: str, sql: str, params: dict) -> list:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def test_lead_creates_a_goal_and_checks_in(page, app_db_url):
    owners = _owner_labels(app_db_url)
    title = f"Joint case studies {uuid.uuid4().hex[:6]}"
    page.set_viewport_size({"width": 1366, "height": 768})   # the laptop screen QA measured on
    sign_in(page, "marketing_lead", path="/goals")
    page.goto("/goals")
    wait_for_app(page)
    page.get_by_role("button", name="New goal").click()
    wait_for_app(page)
    expect(page.get_by_text("New shared goal")).to_be_visible()

    form = page.get_by_test_id("stForm")
    # saved with no title: the refusal is under the button, in view (it was drawn where nobody looked)
    form.get_by_role("button", name="Create goal").click()
    wait_for_app(page)
    _in_viewport(page, "goal_form")
    form.get_by_role("textbox", name="Title").fill(title)
    form.get_by_role("textbox", name="Target", exact=True).fill("4")
    form.get_by_role("textbox", name="Unit label (optional)").fill("case studies")
    _pick(page, "Owners", owners["marketing_lead"])
    _pick(page, "Owners", owners["sales_lead"])
    form.get_by_role("button", name="Create goal").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text("created", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    checkin = page.get_by_test_id("stForm").filter(has_text="Post a check-in")
    checkin.get_by_text("At risk", exact=True).click()
    checkin.get_by_role("textbox", name="Current value (number)").fill("1")
    checkin.get_by_role("textbox", name="What moved since the last check-in").fill(
        "First story drafted with the customer's approval.")
    checkin.get_by_role("button", name="Post check-in").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text("Check-in posted")).to_be_visible()
    _in_viewport(page, f"checkin_{page.url.split('goal=')[1].split('&')[0]}")
    expect(page.get_by_text("First story drafted with the customer's approval.").first).to_be_visible()

    [(goal_id, target, owners_n)] = _rows(app_db_url, (
        "select g.id, g.target, (select count(*) from goal_owner o where o.goal_id = g.id) "
        "from goal g where g.title = :t"), {"t": title})
    assert float(target) == 4.0 and owners_n == 2
    [(confidence, value)] = _rows(app_db_url, "select confidence, value from goal_checkin where goal_id = :g",
                                  {"g": goal_id})
    assert confidence == "at_risk" and float(value) == 1.0


def test_editing_from_a_link_changes_only_what_was_edited(page, app_db_url):
    """Open a metric goal's edit form by URL (a fresh session, signed in from the cookie), change the
    title, save: the measure, period, scope and target stay as they were."""
    from datetime import date

    from queries.goal_math import period_bounds

    start, end = period_bounds("quarter", date.today())
    title = f"Bookings together {uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(app_db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            goal_id = conn.execute(sa.text(
                "insert into goal (title, period_kind, start_date, end_date, metric, unit, target, cumulative, "
                "scope_sources) values (:t, 'quarter', :s, :e, 'win_rate', 'percent', 0.35, false, "
                "'{webinar,content}') returning id"), {"t": title, "s": start, "e": end}).scalar()
            conn.execute(sa.text(
                "insert into goal_owner (goal_id, rep_id) select :g, rep_id from app_user "
                "where username in ('marketing_lead', 'sales_lead')"), {"g": goal_id})
    finally:
        engine.dispose()

    sign_in(page, "marketing_lead")
    page.goto(f"/goals?goal={goal_id}&mode=edit")
    wait_for_app(page)
    form = page.get_by_test_id("stForm")
    expect(form.get_by_role("textbox", name="Title")).to_have_value(title)
    form.get_by_role("textbox", name="Title").fill(title + " (Q)")
    form.get_by_role("button", name="Save changes").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text("Changes saved; the goal runs")).to_be_visible()
    [row] = _rows(app_db_url, "select title, metric, period_kind, end_date, target, scope_sources, version "
                              "from goal where id = :g", {"g": goal_id})
    assert row[0] == title + " (Q)"
    assert (row[1], row[2], row[3], float(row[4]), sorted(row[5]), row[6]) == (
        "win_rate", "quarter", end, 0.35, ["content", "webinar"], 2)
