"""SLA policies in chromium: retiring two policies in a row, the second with a real double click
(two clicks 150 ms apart, as a hand does), shows the retirement's message under the form both times.
Reported: no message on the second. Not reproduced here (24 rounds on the demo data, clicks 0-700 ms
apart: every one showed the message, the second post's "Retired from …" when it reached the
callback); kept as the regression test of the report."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, choose_option, settle, sign_in, wait_for_app

STEP_MS = 90_000


@pytest.fixture
def two_policies(app_db_url, monkeypatch):
    """Two policies of our own, in force from tomorrow: retiring them from tomorrow re-measures no
    hand-off, so the other browser tests' numbers stay as they were."""
    from queries import db, settings, sla, users

    monkeypatch.setenv("DATABASE_URL", app_db_url)
    db.reset_engine()
    try:
        lead = users.by_username("sales_lead")
        tz = settings.company_timezone()
        tomorrow = datetime.now(sla.zone(tz)).date() + timedelta(days=1)
        tag = uuid.uuid4().hex[:6]
        names = [f"Retire me {tag} {n}" for n in ("one", "two")]
        taken = set(sla.policy_versions()["rank"].astype(int))
        free = [r for r in range(600, 999) if r not in taken][:2]   # a rank of their own each
        for rank, name in zip(free, names):
            sla.save_policy(lead, sla.PolicyInput(name, 60, False, 600, False, tomorrow, rank=rank, tiers=[3]), None, tz)
        yield names
    finally:
        db.reset_engine()


def _retire(page, name: str, *, double: bool) -> None:
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Policy to change").get_by_role("combobox")
    choose_option(page, picker, f"{name} (v1)", type_text=name)
    wait_for_app(page)
    settle(page)
    page.get_by_test_id("stExpander").filter(has_text=f"Retire {name}").get_by_text(f"Retire {name}").first.click()
    button = page.get_by_role("button", name=f"Retire {name}")
    expect(button).to_be_visible(timeout=STEP_MS)
    if double:   # a hand's double click: two clicks 150 ms apart (Playwright's dblclick sent one post)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
        page.mouse.click(x, y)
    else:
        button.click()
    wait_for_app(page)
    settle(page)


def test_retiring_two_policies_in_a_row_says_so_each_time(page, two_policies):
    sign_in(page, "sales_lead", path="/sla_policies")
    page.goto("/sla_policies")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="SLA policies")).to_be_visible(timeout=STEP_MS)
    settle(page)
    first, second = two_policies
    notice = page.locator(".st-key-notice_slapol_policy")

    _retire(page, first, double=False)
    expect(notice).to_contain_text("Retired from", timeout=STEP_MS)
    _retire(page, second, double=True)
    expect(notice).to_contain_text("Retired from", timeout=STEP_MS)
    assert_no_exception(page)
