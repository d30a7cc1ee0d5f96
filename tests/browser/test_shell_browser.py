"""The frame in a real browser: sign-in form, wrong password, deep links (signed in by cookie and
signed out), sign-out."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from components.auth import COOKIE_NAME, DEMO_PASSWORD

from tests.browser.conftest import (
    assert_no_exception,
    fill_sign_in_form,
    nav_link,
    password_box,
    sign_out_button,
    settle,
    sign_in,
    wait_for_app,
    wait_for_cookie,
)

ADMIN_PAGE = "Users & audit"  # pages/admin.py, url path /admin, admin only


def _page_not_found(page):
    return page.get_by_text("Page not found", exact=False)


def _on_admin_page(page) -> None:
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.get_by_role("heading", name=ADMIN_PAGE)).to_be_visible()
    assert_no_exception(page)


def test_sign_in_through_the_real_form(page):
    sign_in(page, "executive")
    expect(page.get_by_role("textbox", name="Username", exact=True)).to_have_count(0)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Signed in as", exact=False)).to_be_visible()
    expect(sidebar.get_by_text("Executive", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()  # the default page
    # The executive is not an admin: the admin page is not registered for them.
    expect(nav_link(page, ADMIN_PAGE)).to_have_count(0)


def test_wrong_password_shows_the_message_and_no_page(page):
    page.goto("/")
    wait_for_app(page)
    fill_sign_in_form(page, "executive", "not-the-password")
    expect(page.get_by_text("Username or password is incorrect.")).to_be_visible()
    wait_for_app(page)
    expect(sign_out_button(page)).to_have_count(0)
    expect(password_box(page)).to_be_visible()
    assert_no_exception(page)


def test_a_paused_username_is_told_how_long_to_wait(page, app_db_url, monkeypatch):
    """Five failed passwords within 15 minutes pause password sign-in for that username, in every
    app process (the failures are rows in PostgreSQL). A username with no account, so that no other
    test's demo user is paused."""
    from queries import db, users
    from queries.sign_in_policy import MAX_FAILURES

    username = f"paused-{time.time_ns()}"
    monkeypatch.setenv("DATABASE_URL", app_db_url)
    db.reset_engine()
    try:
        for _ in range(MAX_FAILURES):
            users.sign_in_failed(users.start_sign_in(username))
    finally:
        db.reset_engine()
    page.goto("/")
    wait_for_app(page)
    fill_sign_in_form(page, username, "whatever it is")
    expect(page.get_by_text("Too many failed sign-ins for this username", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Try again in 1[45] minutes"))).to_be_visible()
    expect(page.get_by_text("Username or password is incorrect.")).to_have_count(0)
    expect(sign_out_button(page)).to_have_count(0)
    assert_no_exception(page)


def test_deep_link_survives_reload_while_signed_in_by_cookie(page):
    sign_in(page, "admin")
    nav_link(page, ADMIN_PAGE).click()
    wait_for_app(page)
    _on_admin_page(page)
    for _ in range(2):  # the cookie component's rerun used to drop the path; make sure it holds
        page.reload()
        wait_for_app(page)
        _on_admin_page(page)
        expect(password_box(page)).to_have_count(0)
    # A new tab on the same browser (same cookie) opening the link directly.
    other = page.context.new_page()
    other.goto("/admin")
    wait_for_app(other)
    _on_admin_page(other)
    expect(_page_not_found(other)).to_have_count(0)


def test_signed_out_deep_link_shows_the_form_then_the_page(page):
    page.goto("/admin")
    wait_for_app(page)
    expect(password_box(page)).to_be_visible()
    expect(_page_not_found(page)).to_have_count(0)
    expect(page.get_by_role("heading", name=ADMIN_PAGE)).to_have_count(0)  # nothing of the page leaks
    assert_no_exception(page)
    fill_sign_in_form(page, "admin", "alignboard-demo")
    expect(sign_out_button(page)).to_be_visible()
    wait_for_app(page)
    _on_admin_page(page)  # signing in lands on the page the link named


def test_deep_link_to_a_page_the_role_may_not_see_says_who_it_is_for(page):
    page.goto("/admin")
    wait_for_app(page)
    fill_sign_in_form(page, "sdr", "alignboard-demo")
    expect(sign_out_button(page)).to_be_visible()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Not available for your role")).to_be_visible()
    expect(page.get_by_text("Users & audit is for Administrator", exact=False)).to_be_visible()
    expect(nav_link(page, ADMIN_PAGE)).to_have_count(0)
    expect(page.get_by_role("heading", name=ADMIN_PAGE)).to_have_count(0)
    expect(_page_not_found(page)).to_have_count(0)
    assert_no_exception(page)


def _record_reruns(page) -> list[str]:
    """What each rerun request the browser sends on the app's websocket carries ("widgets" with
    the ids of triggered widgets, or "page"); must be installed before the page loads."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    sent: list[str] = []

    def frame(payload) -> None:
        if isinstance(payload, str):
            return
        msg = BackMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "rerun_script":
            states = msg.rerun_script.widget_states.widgets
            sent.append(",".join(w.id for w in states if w.WhichOneof("value") == "trigger_value") or "no trigger")

    page.on("websocket", lambda ws: ws.on("framesent", frame))
    return sent


def test_no_run_starts_on_its_own_around_sign_in(page):
    """A run the user did not ask for stops the one their click started, and the click is lost.
    streamlit-authenticator's cookie components asked for one a moment after each page load and
    after sign-in (components/auth.py): the browser asks for a run only when the user acts --
    opening the page, clicking "Sign in"."""
    reruns = _record_reruns(page)
    page.goto("/")
    wait_for_app(page)
    settle(page, quiet_ms=2000)
    assert len(reruns) == 1, reruns  # the page load
    fill_sign_in_form(page, "executive", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()
    wait_for_cookie(page)
    settle(page, quiet_ms=3000)
    assert len(reruns) == 2 and "Login" in reruns[1], reruns  # ... and the sign-in click, nothing else
    assert_no_exception(page)


def test_sign_out_forgets_the_cookie(page):
    sign_in(page, "marketer")
    sign_out_button(page).click()
    expect(password_box(page)).to_be_visible()
    wait_for_app(page)
    expect(sign_out_button(page)).to_have_count(0)
    # The cookie is deleted by a script in the page, a moment after the sign-in form is
    # back; wait for it to be gone (a loaded CI machine reloaded before that and was signed in).
    deadline = time.monotonic() + 15
    while any(c["name"] == COOKIE_NAME for c in page.context.cookies()) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert not any(c["name"] == COOKIE_NAME for c in page.context.cookies()), "sign-out left the cookie"
    page.reload()  # the cookie is gone: still signed out after a reload
    wait_for_app(page)
    expect(password_box(page)).to_be_visible()
    expect(sign_out_button(page)).to_have_count(0)
    assert_no_exception(page)


def test_scoreboard_link_with_filters_opens_as_shared(page):
    """The root URL opens the scoreboard at its own address (/scoreboard), and a shared
    /scoreboard link with filters opens that view -- signed out first, then by cookie."""
    page.goto("/scoreboard?period=last_quarter&source=webinar")
    wait_for_app(page)
    expect(password_box(page)).to_be_visible()
    expect(_page_not_found(page)).to_have_count(0)
    fill_sign_in_form(page, "executive", "alignboard-demo")
    expect(sign_out_button(page)).to_be_visible()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/scoreboard\?period=last_quarter&source=webinar$"))
    expect(page.get_by_text("Last quarter", exact=False).first).to_be_visible()
    expect(_page_not_found(page)).to_have_count(0)
    page.goto("/?period=this_year")  # the root keeps the link's filters on its way to the scoreboard
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"/scoreboard\?period=this_year$"))
    expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()
    expect(_page_not_found(page)).to_have_count(0)
    assert_no_exception(page)


def test_a_page_the_role_does_not_include_says_who_it_is_for(page):
    """A colleague's /admin link, opened by an executive: the address answers with who the page is
    for (not Streamlit's "Page not found"), and the page itself does not run."""
    sign_in(page, "executive")
    page.goto("/admin")
    wait_for_app(page)
    expect(page.get_by_text("Users & audit is for Administrator", exact=False)).to_be_visible()
    expect(page.get_by_text("Your roles (Executive) do not include it", exact=False)).to_be_visible()
    expect(_page_not_found(page)).to_have_count(0)
    expect(page.get_by_role("tab", name="Audit log")).to_have_count(0)   # the admin page never ran
    expect(nav_link(page, ADMIN_PAGE)).to_have_count(0)
    page.get_by_role("link", name="Go to the scoreboard").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Scoreboard")).to_be_visible()
    assert_no_exception(page)
