"""The frame: sign-in gate, the real sign-in form, roles -> pages, deactivated users, bad config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from components import auth
from components.auth import COOKIE_DAYS, COOKIE_NAME
from queries import settings, users
from queries.access import PAGE_ROLES, ROLES, User
from queries.users import UserInput
from tests.factories import World

pytestmark = pytest.mark.one_backend  # page tests: see tests/conftest.py

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def people(app_db, cookie_key):
    world = World(app_db)
    team = world.team("sales_development", code="sdr")
    rep = world.rep(team, "Sam SDR")
    ids = {}
    for role in ROLES:
        ids[role] = users.create(None, UserInput(role, f"{role} person", f"{role}@example.com",
                                                 [role], team_id=team, rep_id=rep if role == "sdr" else None),
                                 PASSWORD)
    return ids


def _text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(str(e.value) for e in at.caption)


def level_one_headings(at: AppTest) -> list[str]:
    """The h1 headings a run drew: markdown "# Title" or a raw <h1>."""
    return [m.value for m in at.markdown if m.value.startswith("# ") or "<h1" in m.value]


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    inputs = at.text_input
    inputs[0].input(username)
    inputs[1].input(password)
    at.button(key="FormSubmitter:Login-Sign in").click().run()
    return at


def test_signed_out_visitor_sees_only_the_sign_in_form(people):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.metric  # no page content
    assert "Sign in" in [s.value for s in at.subheader]
    assert len(level_one_headings(at)) == 1 and "ab-brand" in level_one_headings(at)[0]   # the brand is the h1


def test_real_form_signs_in_and_wrong_password_is_refused(people):
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "sdr", "wrong password!")
    assert not at.exception
    assert any("incorrect" in e.value for e in at.error)
    assert not at.session_state["authentication_status"]

    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "sdr")
    assert not at.exception, at.exception
    assert at.session_state["authentication_status"] is True
    assert at.session_state["user"].username == "sdr"
    assert not at.text_input  # the form is gone


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_can_reach_exactly_its_pages(people, role):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = role
    at.run()
    assert not at.exception, at.exception
    for key, roles in PAGE_ROLES.items():
        path = f"pages/{key}.py"  # app.py registers page <key> from pages/<key>.py
        if not (ROOT / path).exists():
            continue
        if role in roles:
            at.switch_page(path).run()
            assert not at.exception, (role, key, at.exception)
            # one h1 per page, its title: what a screen reader lists first and jumps to
            assert len(level_one_headings(at)) == 1, (role, key, level_one_headings(at))
        else:
            with pytest.raises(ValueError):
                at.switch_page(path)


def test_deactivated_user_is_signed_out(people, app_db):
    admin = users.by_username("admin")
    sdr = users.by_username("sdr")
    users.update(admin, sdr.id, UserInput("sdr", sdr.display_name, sdr.email, ["sdr"], sdr.team_id, sdr.rep_id,
                                          active=False), version=1)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "sdr"
    at.run()
    assert not at.exception
    assert any("not active" in w.value for w in at.warning)
    assert not at.metric
    # the sign-in form is on that same screen (it was missing until a reload)
    assert {"Username", "Password"} <= {t.label for t in at.text_input}


def test_missing_cookie_key_outside_demo_mode_is_explained(app_db, monkeypatch):
    monkeypatch.delenv("ALIGNBOARD_COOKIE_KEY", raising=False)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("ALIGNBOARD_COOKIE_KEY" in e.value for e in at.error)


@pytest.mark.parametrize("key", ["changethis", "Zq8-random-but-short", " " * 40])
def test_placeholder_or_short_cookie_key_is_refused(app_db, monkeypatch, key):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", key)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("placeholder or shorter than 32 bytes" in e.value and "token_urlsafe" in e.value for e in at.error)
    assert not at.text_input   # no sign-in form with a key anyone could guess


def test_no_users_yet_says_how_to_create_the_first_admin(app_db, cookie_key):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("create-admin" in w.value for w in at.warning)


def _components(at: AppTest) -> list[str]:
    """The custom components a run rendered, as their JSON arguments."""
    return [el.proto.json_args for el in at.get("component_instance")]


def _cookie_scripts(at: AppTest) -> list[str]:
    return [el.proto.body for el in at.get("html") if "document.cookie" in el.proto.body]


def test_the_sign_in_cookie_is_read_from_the_request_and_written_by_a_script(people):
    """No cookie component at all: a component reports back a moment after it renders, which
    starts another run and stopped the one a click had just started (the "Sign in" click, or
    the first click on the scoreboard). Cookies are read from the request and written by a
    script in the page (components/auth.py, _CookieManager)."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert _components(at) == [] and _cookie_scripts(at) == []
    sign_in(at, "executive")
    assert at.session_state["authentication_status"] is True
    assert _components(at) == [], _components(at)
    [script] = _cookie_scripts(at)
    token = re.search(rf'"{COOKIE_NAME}=([A-Za-z0-9._-]+); expires=([^;]+); path=/; SameSite=Strict"', script)
    assert token, script
    # The token is the library's: the signed-in user, expiring in COOKIE_DAYS.
    claims = jwt.decode(token.group(1), settings.cookie_key(), algorithms=["HS256"])
    assert claims["username"] == "executive"
    expires = parsedate_to_datetime(token.group(2))
    assert abs(expires - (datetime.now(timezone.utc) + timedelta(days=COOKIE_DAYS))) < timedelta(minutes=5)

    # Signing out deletes it the same way: an expiry in the past.
    at.sidebar.button(key="sign_out").click().run()
    assert at.session_state["authentication_status"] is None
    [script] = _cookie_scripts(at)
    assert f'"{COOKIE_NAME}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; SameSite=Strict"' in script


def test_cookie_text_that_could_break_out_of_the_cookie_or_script_is_refused():
    for value in ('a"b', "a;b", "a</script>", "a b", "a\nb"):
        with pytest.raises(ValueError):
            auth._write_cookie(COOKIE_NAME, value, "/", datetime.now())


def _other_process(url: str, *args: str, password: str) -> None:
    """``python -m queries.users ...`` in a process of its own (as another app process or an
    operator's terminal would write): this process's caches know nothing of it."""
    env = {**os.environ, "DATABASE_URL": url, "ALIGNBOARD_ADMIN_PASSWORD": password}
    done = subprocess.run([sys.executable, "-m", "queries.users", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr


def test_a_user_created_or_reset_elsewhere_signs_in_at_once(app_db, migrated_url, cookie_key):
    """The first admin opened the sign-in page, created their account in a terminal, and was told
    "Username or password is incorrect" for the next 30 s (the cached user list of this process
    had no users); the same after a password reset in another app process."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "first", "no such user yet")   # the form read the users: none
    assert any("incorrect" in e.value for e in at.error)
    _other_process(migrated_url, "create-admin", "first", "--email", "first@example.com", "--name", "First",
                   password=PASSWORD)
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "first")
    assert not at.exception, at.exception
    assert at.session_state["authentication_status"] is True

    # another process resets the password: its write reaches the table, not this process's caches
    with app_db.begin() as conn:
        conn.execute(sa.text("update app_user set password_hash = :h where username = 'first'"),
                     {"h": users.hash_password("a brand new passphrase")})
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "first")   # the old password stops working at once
    assert at.session_state["authentication_status"] is False
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "first", "a brand new passphrase")
    assert at.session_state["authentication_status"] is True


@pytest.mark.parametrize("change, sql", [
    ("deactivated", "update app_user set active = false where username = 'sales_lead'"),
    ("demoted", "update app_user set roles = array['ae'] where username = 'sales_lead'"),
    ("unlinked", "update app_user set team_id = null where username = 'sales_lead'"),
])
def test_a_self_refreshing_fragment_notices_a_user_changed_meanwhile(people, app_db, change, sql):
    """Fragments with run_every (My SLA's countdowns, meeting mode's live body and heartbeat) rerun
    without app.py, so nothing else re-read the user: a sales lead demoted to AE kept getting
    another rep's open leads refreshed on My SLA, and a deactivated viewer kept a live meeting.
    shell.keep_fragment_current reruns the whole app when the stored user differs."""
    from components import shell

    loaded = users.by_username("sales_lead")
    assert not shell.user_changed(loaded)
    World(app_db).execute(sql)
    users.by_username.clear()   # an admin's save clears it in its process; others within USER_TTL
    assert shell.user_changed(loaded)


def test_every_self_refreshing_fragment_that_shows_data_re_reads_the_user():
    """Pins the call in each run_every fragment that renders data (the auto-advance tick renders none)."""
    for path, fragment in (("pages/my_sla.py", "def live_open_list"),
                           ("components/meeting_view.py", "def _body"),
                           ("components/meeting_view.py", "def _beat")):
        source = (ROOT / path).read_text()
        body = source[source.index(fragment):].split("\n\n", 1)[0]
        assert "keep_fragment_current(user)" in body, (path, fragment)


def test_a_password_reset_signs_out_the_users_open_sessions(people, app_db):
    """A reset (say, of an account someone else had used) changed the password, but every session
    already signed in as that user stayed signed in, and its sign-in cookie kept working for
    COOKIE_DAYS. Sessions signed in before the change now end on their next run, saying why."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "sdr"
    at.run()
    assert not at.exception and at.session_state["authentication_status"] is True
    admin = users.by_username("admin")
    users.reset_password(admin, users.by_username("sdr").id, "sdr", "a brand new secret")
    at.run()
    assert not at.exception
    assert at.session_state["authentication_status"] is None
    assert any("Your password was changed" in w.value for w in at.warning)
    assert {"Username", "Password"} <= {t.label for t in at.text_input}
    sign_in(at, "sdr", "a brand new secret")   # the new password signs in, and stays signed in
    at.run()
    assert at.session_state["authentication_status"] is True
    assert not any("Your password was changed" in w.value for w in at.warning)


def test_a_session_signed_in_after_the_reset_is_not_affected(people, app_db):
    admin = users.by_username("admin")
    users.reset_password(admin, users.by_username("sdr").id, "sdr", "a brand new secret")
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "sdr", "a brand new secret")
    at.run()
    assert at.session_state["authentication_status"] is True
    assert not at.warning or not any("password was changed" in w.value for w in at.warning)


def _cookie_sign_in_ended(written_at: float) -> bool:
    """A session's first signed-in run, signed in by a sign-in cookie written at ``written_at``
    (the library's cookie carries its expiry, COOKIE_DAYS after it was written): is it ended?"""
    def script():
        from types import SimpleNamespace

        import streamlit as st

        from components import auth
        from queries import users

        written = st.session_state["written"]
        cookie = SimpleNamespace(get_cookie=lambda: {"username": "sdr",
                                                     "exp_date": written + auth.COOKIE_DAYS * 86400})
        st.session_state["ended"] = auth._signed_in_before_password_change(
            users.by_username("sdr"), SimpleNamespace(cookie_controller=cookie), False)

    at = AppTest.from_function(script, default_timeout=30)
    at.session_state["written"] = written_at
    at.run()
    assert not at.exception, at.exception
    return at.session_state["ended"]


def test_a_sign_in_cookie_written_before_a_password_reset_no_longer_signs_in(people):
    """A copied sign-in cookie kept working for COOKIE_DAYS whatever the password became."""
    import time

    users.by_username.clear()
    before = time.time()   # the user exists (and has their password) by now
    assert not _cookie_sign_in_ended(before)   # no reset since: the cookie signs in
    time.sleep(0.01)
    users.reset_password(users.by_username("admin"), users.by_username("sdr").id, "sdr", "a brand new secret")
    assert _cookie_sign_in_ended(before)
    assert not _cookie_sign_in_ended(time.time() + 1)   # written after the reset (signed in with the new one)


def test_a_user_demoted_while_on_a_page_loses_it_on_the_next_run(people, app_db):
    """The sales lead is on Leads slipping through (everyone's leads) when an admin makes them an
    AE: the next run of that open session no longer runs the page, lists it, or lets it be opened."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "sales_lead"
    at.run()
    at.switch_page("pages/slipping.py").run()
    assert not at.exception, at.exception
    assert "Leads slipping through" in " ".join(level_one_headings(at)), level_one_headings(at)
    lead = users.by_username("sales_lead")
    users.update(users.by_username("admin"), lead.id,
                 UserInput("sales_lead", lead.display_name, lead.email, ["ae"], lead.team_id, lead.rep_id),
                 version=1)
    at.run()
    assert not at.exception, at.exception
    assert any("Not available for your role" in h for h in level_one_headings(at)), level_one_headings(at)
    assert any("Leads slipping through" in w.value for w in at.warning)
    with pytest.raises(ValueError):
        at.switch_page("pages/slipping.py")
