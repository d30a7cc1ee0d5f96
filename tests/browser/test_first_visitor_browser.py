"""The first visitor after a server (re)start: what they type into the sign-in form the moment it
appears is kept. (Streamlit runs a new process's first script run in its legacy multipage mode,
which gave the form other widget ids than later runs; app.py starts that run over.)"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, AppServer, assert_no_exception, password_box, sign_out_button


@contextmanager
def fresh_server(browser, app_db_url):
    """A browser context on a newly started app process (nothing has run in it yet)."""
    server = AppServer(app_db_url)
    try:
        url = server.start()
    except Exception as err:
        server.stop()
        pytest.fail(f"{err}\n--- streamlit log ---\n{server.log_tail()}", pytrace=False)
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    try:
        yield context
    finally:
        context.close()
        server.stop()
        server.log_path.unlink(missing_ok=True)


@pytest.mark.parametrize("attempt", [1, 2])
def test_first_visitor_signs_in_at_once(browser, app_db_url, attempt):
    with fresh_server(browser, app_db_url) as context:
        page = context.new_page()
        page.goto("/")  # no warm-up: this is the process's first session
        user_box = page.get_by_role("textbox", name="Username", exact=True)
        user_box.wait_for(timeout=60_000)
        user_box.fill("executive")  # at once, while the first runs may still be going
        password_box(page).fill("alignboard-demo")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(sign_out_button(page)).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()
        assert_no_exception(page)


@pytest.mark.parametrize("path, username, heading", [("/goals", "executive", "Shared goals"),
                                                     ("/admin", "admin", "Users & audit")])
def test_a_deep_link_as_the_first_request_after_a_start_signs_in_and_opens_its_page(browser, app_db_url, path,
                                                                                    username, heading):
    """Before app.py has run once, Streamlit runs a linked page's file itself (legacy multipage
    mode, where a page's address is its file name): the visitor still gets the sign-in form, then
    the page the link named. (/admin once answered "Page not found" here, a dialog that blocked the
    form, while its file was pages/admin_users.py.)"""
    with fresh_server(browser, app_db_url) as context:
        page = context.new_page()
        page.goto(path)  # no warm-up: the process's first session asks for a page
        user_box = page.get_by_role("textbox", name="Username", exact=True)
        user_box.wait_for(timeout=60_000)
        user_box.fill(username)
        password_box(page).fill("alignboard-demo")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(sign_out_button(page)).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert_no_exception(page)
