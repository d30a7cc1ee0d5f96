"""The sign-in rate limit on real PostgreSQL: failed password attempts counted per typed username
in ``sign_in_failure`` (shared by every app process), the pause after MAX_FAILURES within WINDOW,
clearing on success and on a password reset, usernames without an account, attempts at once from
many connections, and -- through AppTest -- the sign-in form's messages, a paused user's sign-in
cookie, and the admin page's list of paused accounts."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from components import auth
from queries import audit, settings, users
from queries.sign_in_policy import CLIENT_MAX_FAILURES, MAX_FAILURES, WINDOW
from queries.users import UserInput
from tests.apptest import APP, open_page

PW = "correct horse battery"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("cheap_bcrypt")


@pytest.fixture
def people(app_db, monkeypatch):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    ids = {"boss": users.create(None, UserInput("boss", "Bo Boss", "boss@example.com", ["admin"]), PW),
           "sam": users.create(None, UserInput("sam", "Sam Sdr", "sam@example.com", ["sdr"]), PW)}
    return ids


def fail(username: str, at: datetime | None = None) -> users.SignInAttempt:
    """One failed password attempt for ``username`` at ``at``, as the form makes it."""
    attempt = users.start_sign_in(username, as_of=at)
    if not attempt.refused:
        users.sign_in_failed(attempt)
    return attempt


def stored(engine: sa.Engine, username: str | None = None) -> list[datetime]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("select failed_at from sign_in_failure where cast(:u as text) is null "
                                          "or username = :u order by failed_at"), {"u": username}).scalars())


def paused_entries(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select actor_user_id, entity, entity_id, new from audit_log where action = 'user.sign_in_paused' "
            "order by id")).mappings()]


# --------------------------------------------------------------------------- the data layer


def test_failures_count_until_the_limit_then_attempts_are_refused_and_not_counted(people, app_db):
    for i in range(MAX_FAILURES - 1):
        attempt = fail("sam", T0 + timedelta(minutes=i))
        assert not attempt.refused and len(attempt.failures) == i + 1
        assert users.sign_in_failed(attempt) is None       # not paused yet
    last = users.start_sign_in("sam", as_of=T0 + timedelta(minutes=5))
    assert not last.refused and len(last.failures) == MAX_FAILURES
    assert users.sign_in_failed(last) == users.SignInPause(T0 + WINDOW, "username")   # the pause starts: until the first leaves the window
    refused = users.start_sign_in("sam", as_of=T0 + timedelta(minutes=6))
    assert refused.refused and refused.paused_until == T0 + WINDOW
    assert len(stored(app_db, "sam")) == MAX_FAILURES     # a refused attempt is not counted


def test_the_window_frees_up_without_waiting_in_the_test(people, app_db):
    for i in range(MAX_FAILURES):
        fail("sam", T0 + timedelta(minutes=i))
    assert users.start_sign_in("sam", as_of=T0 + WINDOW - timedelta(seconds=1)).refused
    opened = users.start_sign_in("sam", as_of=T0 + WINDOW)   # the first failure just left the window
    assert not opened.refused
    assert len(opened.failures) == MAX_FAILURES        # the other four and this one: one more failure pauses again
    users.sign_in_failed(opened)
    assert users.start_sign_in("sam", as_of=T0 + WINDOW + timedelta(seconds=1)).paused_until == \
        T0 + timedelta(minutes=1) + WINDOW


def test_attempts_that_left_the_window_are_pruned(people, app_db):
    fail("sam", T0)
    fail("someone-else", T0)
    fail("sam", T0 + WINDOW + timedelta(minutes=1))
    assert stored(app_db) == [T0 + WINDOW + timedelta(minutes=1)]   # every username's old rows went


def test_a_successful_sign_in_clears_the_usernames_failures(people, app_db):
    for i in range(MAX_FAILURES - 1):
        fail("sam", T0 + timedelta(minutes=i))
    fail("boss", T0)
    users.sign_in_succeeded(users.start_sign_in("sam", as_of=T0 + timedelta(minutes=5)))
    assert stored(app_db, "sam") == []
    assert len(stored(app_db, "boss")) == 1              # only that username's


def test_a_password_reset_lifts_the_pause(people, app_db):
    for i in range(MAX_FAILURES):
        fail("sam", T0 + timedelta(minutes=i))
    assert users.start_sign_in("sam", as_of=T0 + timedelta(minutes=6)).refused
    users.reset_password(users.by_username("boss"), people["sam"], "sam", "a brand new secret")
    assert stored(app_db, "sam") == []
    assert not users.start_sign_in("sam", as_of=T0 + timedelta(minutes=7)).refused


def test_the_username_is_counted_as_the_form_compares_it(people, app_db):
    for typed in ("Sam", " sam", "SAM ", "sam", "sAm"):
        fail(typed, T0)
    assert users.start_sign_in("sam", as_of=T0 + timedelta(minutes=1)).refused


def test_usernames_without_an_account_are_counted_and_paused_alike_but_not_audited(people, app_db):
    for i in range(MAX_FAILURES):
        fail("nobody", T0 + timedelta(minutes=i))
    assert users.start_sign_in("nobody", as_of=T0 + timedelta(minutes=6)).paused_until == T0 + WINDOW
    # a password pasted into the username field is text nobody should find in the audit log
    assert paused_entries(app_db) == []
    # long or odd text is kept short and storable
    fail("x" * 500 + "\x00", T0)
    assert users.start_sign_in("x" * 500, as_of=T0).failures


def test_the_failure_that_starts_a_pause_is_audited_once_without_an_actor(people, app_db):
    for i in range(MAX_FAILURES):
        fail("sam", T0 + timedelta(minutes=i))
    fail("sam", T0 + timedelta(minutes=6))   # refused: no second entry
    [entry] = paused_entries(app_db)
    assert entry["actor_user_id"] is None and entry["entity"] == "user" and entry["entity_id"] == str(people["sam"])
    assert entry["new"]["failed_sign_ins"] == MAX_FAILURES and entry["new"]["within_minutes"] == 15
    assert datetime.fromisoformat(entry["new"]["paused_until"]) == T0 + WINDOW
    assert audit.action_label("user.sign_in_paused") == "Sign-in paused (failed passwords)"


def test_attempts_at_once_from_many_connections_check_at_most_the_limit(people, app_db):
    """Ten sessions (or app processes) sending an attempt for the same username at the same moment:
    exactly MAX_FAILURES are counted and may check a password, the rest are refused."""
    results: list[users.SignInAttempt] = []
    start = threading.Barrier(10)

    def attempt():
        start.wait()
        results.append(users.start_sign_in("sam"))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 10
    assert sum(not r.refused for r in results) == MAX_FAILURES
    assert sorted(len(r.failures) for r in results if not r.refused) == list(range(1, MAX_FAILURES + 1))
    assert len(stored(app_db, "sam")) == MAX_FAILURES


def test_the_admin_list_says_whose_sign_in_is_paused_until_when(people, app_db):
    for i in range(MAX_FAILURES):
        fail("sam", T0 + timedelta(minutes=i))
    listed = users.all_users(as_of=T0 + timedelta(minutes=6)).set_index("username")["sign_in_paused_until"]
    assert listed["sam"] == T0 + WINDOW and listed.isna()["boss"]
    assert users.all_users(as_of=T0 + WINDOW).set_index("username")["sign_in_paused_until"].isna().all()


def test_an_unknown_username_is_checked_against_a_real_hash(monkeypatch):
    """An unknown username does the same bcrypt work as a known one with a wrong password (so the
    time taken does not tell whether the account exists), against a real hash made once per
    process (bcrypt.checkpw raises on an invalid one), which no password matches."""
    import bcrypt

    real = users.hash_password("an existing password")
    checked = []
    check = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, hashed: checked.append(hashed) or check(pw, hashed))
    assert not users.check_sign_in_password("a guess at it", real)
    assert not users.check_sign_in_password("a guess at it", None)
    assert not users.check_sign_in_password("", None)
    assert checked[0] == real.encode() and checked[1] == checked[2] == users.decoy_hash().encode()
    assert users.decoy_hash().startswith("$2b$")
    assert users.decoy_hash() == users.decoy_hash()       # once per process
    assert users.check_sign_in_password("an existing password", real)


# --------------------------------------------------------------------------- the form and the page


def sign_in(at: AppTest, username: str, password: str = PW) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button(key="FormSubmitter:Login-Sign in").click().run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


@pytest.mark.one_backend
def test_the_form_warns_then_pauses_and_refuses_even_the_right_password(people, app_db, monkeypatch):
    for _ in range(MAX_FAILURES - 2):
        fail("sam")
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "Sam", "wrong password!")
    assert any("incorrect" in e and "1 more failed attempt" in e for e in errors(at)), errors(at)
    sign_in(at, "sam", "wrong again, sorry")     # the last one: paused from now
    assert any("Too many failed sign-ins" in e and "Try again in 15 minutes" in e for e in errors(at)), errors(at)

    checked = []
    monkeypatch.setattr(users, "check_password", lambda *a: checked.append(a) or True)
    sign_in(at, "sam", PW)                       # the right password: refused without being checked
    assert at.session_state["authentication_status"] is False and not checked
    assert any("Too many failed sign-ins" in e and "ask an admin to reset your password" in e for e in errors(at))
    assert not any("incorrect" in e for e in errors(at))
    assert len(stored(app_db, "sam")) == MAX_FAILURES


@pytest.mark.one_backend
def test_the_form_answers_an_unknown_username_as_a_known_one(people, app_db):
    for _ in range(MAX_FAILURES - 1):
        fail("nobody")
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "nobody", "some password")
    unknown = errors(at)
    for _ in range(MAX_FAILURES - 1):
        fail("sam")
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "sam", "some password")
    assert errors(at) == unknown and any("Too many failed sign-ins" in e for e in unknown)


@pytest.mark.one_backend
def test_an_empty_password_is_not_counted(people, app_db):
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "sam", "")
    assert errors(at) == ["Enter your password."]
    assert stored(app_db) == []


@pytest.mark.one_backend
def test_success_through_the_form_clears_the_failures(people, app_db):
    for _ in range(MAX_FAILURES - 1):
        fail("sam")
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "sam")
    assert at.session_state["authentication_status"] is True
    assert stored(app_db, "sam") == []


@pytest.mark.one_backend
def test_a_paused_user_is_not_signed_out_and_their_sign_in_cookie_still_works(people, app_db, monkeypatch):
    """The pause is on guessing passwords: a session already signed in stays, and a sign-in cookie
    (the library reads it from the request) signs in without the form."""
    signed_in = AppTest.from_file(APP, default_timeout=30)
    signed_in.session_state["authentication_status"] = True
    signed_in.session_state["username"] = "sam"
    signed_in.run()
    for _ in range(MAX_FAILURES):
        fail("sam")
    signed_in.run()
    assert not signed_in.exception and signed_in.session_state["authentication_status"] is True

    token = jwt.encode({"username": "sam", "exp_date": time.time() + auth.COOKIE_DAYS * 86400},
                       settings.cookie_key(), algorithm="HS256")
    monkeypatch.setattr(type(__import__("streamlit").context), "cookies",
                        property(lambda self: {auth.COOKIE_NAME: token}))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.session_state["authentication_status"] is True and at.session_state["user"].username == "sam"
    assert len(stored(app_db, "sam")) == MAX_FAILURES     # still paused for the form


@pytest.mark.one_backend
def test_the_admin_page_lists_paused_accounts_and_the_audit_log_names_the_pause(people, app_db):
    for _ in range(MAX_FAILURES):
        fail("sam")
    for _ in range(MAX_FAILURES):
        fail("nobody")
    at = open_page("boss", "admin")
    notices = [str(w.value) for w in at.warning if "Password sign-in paused" in str(w.value)]
    assert len(notices) == 1 and "@sam until" in notices[0] and "nobody" not in notices[0], notices
    assert "resetting the password" in notices[0]
    users_view = at.dataframe[0].value
    status = users_view.set_index("Username")["Status"]
    assert status["sam"].startswith("Active · paused until ") and status["boss"] == "Active"
    audit_view = at.dataframe[-1].value
    top = audit_view.iloc[0]
    assert top["What"] == "Sign-in paused (failed passwords)" and top["About"] == "@sam" and top["Who"] == "The system"


# --------------------------------------------------------------------------- per client (password spraying)

CLIENT = "203.0.113.7"
OTHER = "198.51.100.20"


def spray(count: int, client: str = CLIENT, at: datetime = T0, step: timedelta = timedelta(seconds=10),
          prefix: str = "guess") -> list[users.SignInAttempt]:
    """``count`` failed attempts from ``client``, each for another username (one common password tried
    on many usernames), ``step`` apart from ``at``."""
    attempts = []
    for i in range(count):
        attempt = users.start_sign_in(f"{prefix}{i}", client=client, as_of=at + i * step)
        attempts.append(attempt)
        if not attempt.refused:
            users.sign_in_failed(attempt)
    return attempts


def stored_clients(engine: sa.Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("select client from sign_in_failure order by id")).scalars())


def client_entries(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select actor_user_id, entity, entity_id, new from audit_log where action = 'sign_in.client_paused' "
            "order by id")).mappings()]


def test_failures_across_usernames_from_one_client_pause_that_client_for_every_username(people, app_db):
    attempts = spray(CLIENT_MAX_FAILURES - 1)
    assert all(not a.refused for a in attempts) and len(attempts[-1].client_failures) == CLIENT_MAX_FAILURES - 1
    last = users.start_sign_in("one-more", client=CLIENT, as_of=T0 + timedelta(minutes=6))
    assert users.sign_in_failed(last) == users.SignInPause(T0 + WINDOW, "client")   # until the oldest leaves
    # from that client every username is refused, an account's too, unchecked and uncounted
    for name in ("sam", "boss", "never-tried"):
        refused = users.start_sign_in(name, client=CLIENT, as_of=T0 + timedelta(minutes=7))
        assert refused.refused and refused.paused_for == "client" and refused.paused_until == T0 + WINDOW
    assert len(stored(app_db)) == CLIENT_MAX_FAILURES
    # another client, and an unknown one (no address), are not paused
    assert not users.start_sign_in("sam", client=OTHER, as_of=T0 + timedelta(minutes=7)).refused
    assert not users.start_sign_in("boss", as_of=T0 + timedelta(minutes=7)).refused
    # the window frees it up
    assert users.start_sign_in("sam", client=CLIENT, as_of=T0 + WINDOW - timedelta(seconds=1)).refused
    assert not users.start_sign_in("sam", client=CLIENT, as_of=T0 + WINDOW).refused


def test_the_username_rule_still_holds_per_username_from_a_client(people, app_db):
    for i in range(MAX_FAILURES):
        fail_from = users.start_sign_in("sam", client=CLIENT, as_of=T0 + timedelta(minutes=i))
        pause = users.sign_in_failed(fail_from)
    assert pause == users.SignInPause(T0 + WINDOW, "username")
    refused = users.start_sign_in("sam", client=OTHER, as_of=T0 + timedelta(minutes=6))   # from anywhere
    assert refused.paused_for == "username"
    assert not users.start_sign_in("boss", client=CLIENT, as_of=T0 + timedelta(minutes=6)).refused
    assert stored_clients(app_db)[:MAX_FAILURES] == [CLIENT] * MAX_FAILURES


def test_a_successful_sign_in_takes_its_usernames_failures_off_the_clients_count(people, app_db):
    """Colleagues behind one office address who mistype and then get in do not add up to a pause."""
    spray(CLIENT_MAX_FAILURES - 4)
    for i in range(3):
        fail_from = users.start_sign_in("sam", client=CLIENT, as_of=T0 + timedelta(minutes=5, seconds=i))
        users.sign_in_failed(fail_from)
    ok = users.start_sign_in("sam", client=CLIENT, as_of=T0 + timedelta(minutes=6))
    assert len(ok.client_failures) == CLIENT_MAX_FAILURES       # 26 + 3 + this one
    users.sign_in_succeeded(ok)
    after = users.start_sign_in("boss", client=CLIENT, as_of=T0 + timedelta(minutes=7))
    assert not after.refused and len(after.client_failures) == CLIENT_MAX_FAILURES - 3


def test_an_ipv6_client_is_counted_by_its_64(people, app_db):
    from queries.sign_in_policy import client_key

    for i in range(CLIENT_MAX_FAILURES):
        address = f"2001:db8:1:2::{i + 1:x}"          # another address each time, one /64
        attempt = users.start_sign_in(f"guess{i}", client=client_key(address), as_of=T0 + timedelta(seconds=i))
        users.sign_in_failed(attempt)
    assert set(stored_clients(app_db)) == {"2001:db8:1:2::/64"}
    assert users.start_sign_in("sam", client=client_key("2001:db8:1:2:ffff::1"), as_of=T0 + timedelta(minutes=1)).refused
    assert not users.start_sign_in("sam", client=client_key("2001:db8:1:3::1"), as_of=T0 + timedelta(minutes=1)).refused


def test_the_failure_that_pauses_a_client_is_audited_once_without_usernames(people, app_db):
    spray(CLIENT_MAX_FAILURES + 5)                       # the last five refused: no second entry
    [entry] = client_entries(app_db)
    assert entry["actor_user_id"] is None and entry["entity"] == "client" and entry["entity_id"] == CLIENT
    assert entry["new"]["failed_sign_ins"] == CLIENT_MAX_FAILURES and entry["new"]["within_minutes"] == 15
    assert datetime.fromisoformat(entry["new"]["paused_until"]) == T0 + WINDOW
    assert "guess" not in str(entry["new"])               # typed usernames stay out of the audit log
    assert paused_entries(app_db) == []                   # no username reached its own limit
    assert audit.action_label("sign_in.client_paused") == "Sign-in paused from a network (failed passwords)"


def test_the_paused_clients_are_listed_until_when(people, app_db):
    spray(CLIENT_MAX_FAILURES)
    spray(CLIENT_MAX_FAILURES - 1, client=OTHER, prefix="other")
    listed = users.paused_clients(as_of=T0 + timedelta(minutes=6))
    assert list(listed["client"]) == [CLIENT] and listed["paused_until"].iloc[0] == T0 + WINDOW
    assert users.paused_clients(as_of=T0 + WINDOW).empty


def test_attempts_at_once_from_one_client_on_many_usernames_check_at_most_the_client_limit(people, app_db):
    """Forty sessions (or app processes) from one address, each trying another username at the same
    moment: exactly CLIENT_MAX_FAILURES are counted and may check a password, the rest are refused."""
    results: list[users.SignInAttempt] = []
    count = CLIENT_MAX_FAILURES + 10
    start = threading.Barrier(count)

    def attempt(i):
        start.wait()
        results.append(users.start_sign_in(f"spray{i}", client=CLIENT))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == count
    assert sum(not r.refused for r in results) == CLIENT_MAX_FAILURES
    assert sorted(len(r.client_failures) for r in results if not r.refused) == list(range(1, CLIENT_MAX_FAILURES + 1))
    assert {r.paused_for for r in results if r.refused} == {"client"}
    assert len(stored(app_db)) == CLIENT_MAX_FAILURES


def test_the_client_column_migration_goes_down_and_up(app_db, migrated_url):
    from alembic import command
    from alembic.config import Config

    from queries.db import ROOT

    fail("sam", T0)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with app_db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0020")
    with app_db.connect() as conn:
        columns = set(conn.execute(sa.text("select column_name from information_schema.columns "
                                           "where table_name = 'sign_in_failure'")).scalars())
        assert "client" not in columns
        assert conn.execute(sa.text("select count(*) from sign_in_failure")).scalar_one() == 1   # rows kept
    with app_db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert stored_clients(app_db) == [None]               # rows from before the column: per username only
    assert users.start_sign_in("sam", client=CLIENT, as_of=T0 + timedelta(minutes=1)).client_failures


# --------------------------------------------------------------------------- per client through the form


@pytest.mark.one_backend
def test_the_form_pauses_a_client_after_spraying_and_refuses_even_the_right_password(people, app_db, monkeypatch):
    monkeypatch.setattr(auth, "client_key", lambda: CLIENT)
    spray(CLIENT_MAX_FAILURES - 1, at=datetime.now(timezone.utc) - timedelta(minutes=10), step=timedelta(seconds=1))
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "yet-another-name", "Summer2026!")
    [message] = errors(at)
    assert "your network or device" in message and "Try again in 5 minutes" in message, message
    checked = []
    real_check = users.check_password
    monkeypatch.setattr(users, "check_password", lambda *a: checked.append(a) or real_check(*a))
    sign_in(at, "sam", PW)                              # an account, the right password: refused unchecked
    assert at.session_state["authentication_status"] is False and not checked
    [again] = errors(at)
    assert "your network or device" in again and "incorrect" not in again and "admin" not in again
    assert len(stored(app_db)) == CLIENT_MAX_FAILURES

    monkeypatch.setattr(auth, "client_key", lambda: OTHER)    # the same account from elsewhere signs in
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "sam")
    assert at.session_state["authentication_status"] is True and checked


@pytest.mark.one_backend
def test_the_form_counts_per_username_only_without_a_client_address(people, app_db):
    """AppTest (like a localhost run) has no client address: the per-client limit does not apply."""
    assert auth.client_key() is None
    sign_in(AppTest.from_file(APP, default_timeout=30).run(), "nobody", "some password")
    assert stored_clients(app_db) == [None]


@pytest.mark.one_backend
def test_the_admin_page_lists_paused_clients_and_the_audit_log_names_the_pause(people, app_db):
    spray(CLIENT_MAX_FAILURES, at=datetime.now(timezone.utc) - timedelta(minutes=1), step=timedelta(seconds=1))
    at = open_page("boss", "admin")
    assert not at.exception, at.exception
    notices = [str(w.value) for w in at.warning if "Password sign-in paused from" in str(w.value)]
    assert len(notices) == 1 and "1 network** after 30 failed attempts" in notices[0] and f"{CLIENT} until" in notices[0]
    assert "guess" not in notices[0]
    top = at.dataframe[-1].value.iloc[0]
    assert top["What"] == "Sign-in paused from a network (failed passwords)" and top["Who"] == "The system"
    assert top["About"] == f"client {CLIENT}"
