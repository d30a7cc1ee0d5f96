"""Propose a criteria change through the real form: the proposer stays on the Propose tab and reads
the confirmation. The first tab's label counts the proposals awaiting approval, so a proposal
changed the tabs and the page opened on the first one: the "Proposed v…" message was never seen
(a browser-only behaviour: AppTest does not model which tab is open)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, sign_in, wait_for_app

STEP_MS = 90_000


def test_a_proposal_keeps_the_propose_tab_open_with_its_confirmation(page, app_db_url):
    title = f"Browser proposal {uuid.uuid4().hex[:8]}"
    sign_in(page, "marketing_lead", path="/criteria")
    page.goto("/criteria")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Qualification criteria")).to_be_visible(timeout=STEP_MS)
    first_tab = page.get_by_role("tab").first
    before = first_tab.inner_text()

    page.get_by_role("tab", name="Propose a change").click()
    wait_for_app(page)
    page.get_by_role("textbox", name="Title").fill(title)
    page.get_by_role("spinbutton", name="Minimum score (0 = none)").fill("67")
    page.get_by_role("textbox", name="Why (the other team reads this)").fill("Proposed by the browser test.")
    page.get_by_role("button", name="Propose for approval").click()
    wait_for_app(page)

    expect(page.get_by_text(f"· {title}, to take effect on")).to_be_visible(timeout=STEP_MS)
    expect(page.get_by_role("tab", name="Propose a change")).to_have_attribute("aria-selected", "true")
    expect(first_tab).not_to_have_text(before)   # the count moved: the tabs changed under the reader
    assert_no_exception(page)

    engine = sa.create_engine(app_db_url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if app_db_url.startswith("postgresql://") else app_db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select status, min_score from criteria_version where title = :t"),
                                {"t": title}).one() == ("proposed", 67)
    finally:
        engine.dispose()
