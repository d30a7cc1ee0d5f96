"""The admin page (Users & audit) driven through AppTest on a real database, and the
``python -m queries.users`` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from queries import audit, users
from queries.users import UserInput
from tests.apptest import EXPANDER_WIDTH_1366, PAGE_WIDTH_1366, fits_without_scrolling
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/admin.py"
ADMIN_PW = "admin password 1"
PW = "correct horse battery"


pytestmark = pytest.mark.usefixtures("cheap_bcrypt")


@pytest.fixture
def world(app_db, cookie_key):
    w = World(app_db)
    w.sdr_team = w.team("sales_development", code="sdr_team")
    w.mkt_team = w.team("marketing", code="mkt_team")
    w.rep_a = w.rep(w.sdr_team, "Sam Sdr")
    w.rep_b = w.rep(w.sdr_team, "Robin Rep")
    w.admin_id = users.create(None, UserInput("boss", "Bo Boss", "boss@example.com", ["admin"]), ADMIN_PW)
    w.sam_id = users.create(None, UserInput("sam", "Sam Sdr", "sam@example.com", ["sdr"], w.sdr_team, w.rep_a), PW)
    return w


def rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


def user_row(engine, username: str) -> dict | None:
    found = rows(engine, "select * from app_user where username = :u", u=username)
    return found[0] if found else None


def audit_rows(engine, action: str | None = None) -> list[dict]:
    return rows(engine, "select * from audit_log where (cast(:a as text) is null or action = :a) order by id",
                a=action)


def open_admin(username: str = "boss") -> AppTest:
    """Signed in as ``username`` on the admin page.

    The first run is signed out (every page is registered, hidden, and only the sign-in screen
    runs), so the test does not pay for rendering the scoreboard before reaching this page.
    """
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def errors(at: AppTest) -> list[str]:
    return texts(at.error)


def successes(at: AppTest) -> list[str]:
    return texts(at.success)


# --------------------------------------------------------------------------- add


def fill_add(at: AppTest, username="newbie", name="Nia New", email="nia@example.com", roles=("marketer",),
             team=None, rep=None, pw1=PW, pw2=None) -> AppTest:
    at.text_input(key="au_username").input(username)
    at.text_input(key="au_name").input(name)
    at.text_input(key="au_email").input(email)
    at.multiselect(key="au_roles").set_value(list(roles))
    at.selectbox(key="au_team").set_value(team)
    at.selectbox(key="au_rep").set_value(rep)
    at.text_input(key="au_pw1").input(pw1)
    at.text_input(key="au_pw2").input(pw1 if pw2 is None else pw2)
    return at


def submit_add(at: AppTest) -> AppTest:
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.one_backend
def test_an_empty_add_form_lists_every_missing_field_at_once(world):
    """Saving the empty form said only "Usernames have 2–32 characters…"; the name, the e-mail
    ("'' is not an e-mail address"), the role and the password came one save at a time."""
    at = submit_add(fill_add(open_admin(), username="", name="", email="", roles=(), pw1="", pw2=""))
    [error] = errors(at)
    for part in ("Usernames have 2–32 characters", "Enter the person's name.", "Enter the person's e-mail address.",
                 "Give the user at least one role.", "Enter a password."):
        assert part in error, error
    assert "'' is not an e-mail address" not in error
    at = submit_add(fill_add(at, username="nia", email="nia@example.com", pw1="long enough pw", pw2="other pw!!"))
    [error] = errors(at)
    assert error == "The two passwords do not match. Type the same password in both fields.", error
    assert user_row(world.engine, "nia") is None


@pytest.mark.one_backend
def test_admin_adds_a_user_who_can_then_sign_in(world):
    at = open_admin()
    assert any("Users & audit" in m.value for m in at.markdown)
    submit_add(fill_add(at, team=world.mkt_team))
    assert any("Added Nia New (@newbie)" in s for s in successes(at)), successes(at)
    row = user_row(world.engine, "newbie")
    assert row["roles"] == ["marketer"] and row["team_id"] == world.mkt_team and row["active"]
    assert users.check_password(PW, row["password_hash"])
    assert at.text_input(key="au_username").value == ""  # the form is cleared for the next one
    entry = audit_rows(world.engine, "user.create")[-1]
    assert entry["actor_user_id"] == world.admin_id and entry["entity_id"] == str(row["id"])
    assert entry["new"]["username"] == "newbie" and "password" not in entry["new"]
    assert sign_in_works("newbie", PW)


@pytest.mark.one_backend
def test_the_users_table_fits_a_1366_px_screen_and_its_csv_holds_every_column(world, monkeypatch):
    """All nine columns scrolled sideways at 1366 px: who signs in as what is on screen, e-mail and the
    two dates in an expander under it, and the CSV keeps every column."""
    from components import widgets

    exported = []
    real = widgets.csv_bytes
    monkeypatch.setattr(widgets, "csv_bytes", lambda frame, tz: exported.append(frame) or real(frame, tz))
    at = open_admin()
    users_view, detail = at.dataframe[0], next(d for d in at.dataframe if "E-mail" in d.value.columns)
    assert list(users_view.value.columns) == ["Name", "Username", "Roles", "Team", "Rep record", "Status"]
    assert fits_without_scrolling(users_view, PAGE_WIDTH_1366)
    assert list(detail.value.columns) == ["Name", "Username", "E-mail", "Password changed", "Last change"]
    assert fits_without_scrolling(detail, EXPANDER_WIDTH_1366)
    assert detail.value.set_index("Username").loc["sam", "E-mail"] == "sam@example.com"
    assert "E-mail, password changed and last change" in [e.label for e in at.expander]
    sam = users_view.value.set_index("Username").loc["sam"]
    assert (sam["Name"], sam["Team"], sam["Rep record"], sam["Status"]) == ("Sam Sdr", "Sdr Team", "Sam Sdr", "Active")
    [csv] = [f for f in exported if "Username" in f.columns]
    assert list(csv.columns) == ["Name", "Username", "E-mail", "Roles", "Team", "Rep record", "Status",
                                 "Password changed", "Last change"]
    assert set(csv["Username"]) == {"boss", "sam"}


@pytest.mark.one_backend
def test_add_form_says_where_teams_come_from_on_a_new_install(app_db, cookie_key):
    """Before the CRM sync has written teams, the Team and Rep record pickers were empty without a word."""
    users.create(None, UserInput("boss", "Bo Boss", "boss@example.com", ["admin"]), ADMIN_PW)
    at = open_admin()
    notes = " ".join(i.value for i in at.info)
    assert "No teams yet" in notes and "CRM sync" in notes and "docs/data-model.md" in notes


def test_add_form_does_not_explain_teams_that_exist(world):
    assert not any("CRM sync" in i.value for i in open_admin().info)


@pytest.mark.one_backend
@pytest.mark.parametrize("change", ["demoted", "deactivated"])
def test_an_admin_demoted_meanwhile_cannot_add_users_from_an_open_page(world, change):
    """The form's callback carried the User of the page it was clicked on: an admin demoted (or
    deactivated) in another session could still create admins from a page already open."""
    users.create(None, UserInput("deputy", "Dee Deputy", "dee@example.com", ["admin", "marketer"]), ADMIN_PW)
    at = open_admin("deputy")
    fill_add(at, username="sneaky", roles=("admin",))
    boss = users.by_username("boss")
    deputy = users.by_username("deputy")
    if change == "demoted":
        users.update(boss, deputy.id, UserInput("deputy", "Dee Deputy", "dee@example.com", ["marketer"]),
                     version=user_row(world.engine, "deputy")["version"])
    else:
        users.update(boss, deputy.id, UserInput("deputy", "Dee Deputy", "dee@example.com", ["admin", "marketer"],
                                                active=False), version=user_row(world.engine, "deputy")["version"])
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    assert user_row(world.engine, "sneaky") is None
    assert not audit_rows(world.engine, "user.create") or all(
        r["new"].get("username") != "sneaky" for r in audit_rows(world.engine, "user.create"))
    with pytest.raises(users.UserError, match="Only active administrators"):   # and at the write function
        users.create(deputy, UserInput("sneaky2", "S", "s2@example.com", ["admin"]), PW)


BAD_ADDS = [
    ({"username": "Bad Name!"}, "Usernames have 2–32 characters"),
    ({"name": "   "}, "Enter the person's name."),
    ({"email": "not-an-email"}, "is not an e-mail address"),
    ({"roles": ()}, "at least one role"),
    ({"pw1": "short"}, "at least 10 characters"),
    ({"pw1": "é" * 37}, "accented letters"),  # 37 characters, 74 bytes
    ({"pw1": "newbie.long", "username": "newbie.long"}, "must not be the username"),
    ({"pw2": "something else entirely"}, "do not match"),
    ({"username": "sam"}, "That username is taken."),
    ({"email": "SAM@example.com"}, "Another user already has that e-mail address."),
]


@pytest.mark.one_backend
def test_bad_input_is_refused_with_its_message_and_kept_in_the_form(world):
    at = open_admin()
    for change, message in BAD_ADDS:
        submit_add(fill_add(at, **change))
        assert any(message in e for e in errors(at)), (change, message, errors(at))
        assert not successes(at)
        assert at.text_input(key="au_username").value == change.get("username", "newbie")  # input kept
        assert at.text_input(key="au_email").value == change.get("email", "nia@example.com")
        assert at.multiselect(key="au_roles").value == list(change.get("roles", ("marketer",)))
    assert rows(world.engine, "select count(*) as n from app_user")[0]["n"] == 2  # nothing stored
    assert len(audit_rows(world.engine, "user.create")) == 2  # only the fixture's two creations


@pytest.mark.one_backend
def test_a_rep_record_belongs_to_one_user(world):
    at = open_admin()
    submit_add(fill_add(at, rep=world.rep_a))
    assert any("already belongs to another user" in e for e in errors(at)), errors(at)
    assert user_row(world.engine, "newbie") is None
    labels = at.selectbox(key="au_rep").options
    assert any("Sam Sdr" in o and "already @sam" in o for o in labels), labels


# --------------------------------------------------------------------------- edit


def pick(at: AppTest, user_id: int) -> AppTest:
    at.selectbox(key="admin_edit_user").set_value(user_id).run()
    assert not at.exception, at.exception
    return at


def save_edit(at: AppTest, user_id: int) -> AppTest:
    at.button(key=f"FormSubmitter:ue{user_id}_form-Save changes").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.one_backend
def test_admin_edits_roles_team_and_rep(world):
    at = pick(open_admin(), world.sam_id)
    p = f"ue{world.sam_id}_"
    assert at.text_input(key=p + "name").value == "Sam Sdr"
    at.multiselect(key=p + "roles").set_value(["sdr", "sales_lead"])
    at.selectbox(key=p + "team").set_value(world.mkt_team)
    at.selectbox(key=p + "rep").set_value(world.rep_b)
    save_edit(at, world.sam_id)
    assert any("Saved the changes to @sam" in s for s in successes(at)), (successes(at), errors(at))
    row = user_row(world.engine, "sam")
    assert row["roles"] == ["sales_lead", "sdr"] or sorted(row["roles"]) == ["sales_lead", "sdr"]
    assert row["team_id"] == world.mkt_team and row["rep_id"] == world.rep_b and row["version"] == 2
    entry = audit_rows(world.engine, "user.update")[-1]
    assert entry["actor_user_id"] == world.admin_id
    assert entry["old"]["roles"] == ["sdr"] and set(entry["new"]["roles"]) == {"sdr", "sales_lead"}
    assert entry["old"]["rep_id"] == world.rep_a and entry["new"]["rep_id"] == world.rep_b
    assert "display_name" not in entry["new"]  # only what changed
    # The form shows the saved values (re-loaded, new version): a second save is not stale.
    at.text_input(key=p + "name").input("Sam S. Sdr")
    save_edit(at, world.sam_id)
    assert user_row(world.engine, "sam")["display_name"] == "Sam S. Sdr"


@pytest.mark.one_backend
def test_invalid_edit_is_refused_and_kept(world):
    at = pick(open_admin(), world.sam_id)
    p = f"ue{world.sam_id}_"
    at.multiselect(key=p + "roles").set_value([])
    at.text_input(key=p + "email").input("sam-at-example")
    save_edit(at, world.sam_id)
    assert any("is not an e-mail address" in e for e in errors(at)), errors(at)
    assert at.text_input(key=p + "email").value == "sam-at-example"
    assert user_row(world.engine, "sam")["version"] == 1


@pytest.mark.one_backend
def test_admin_cannot_remove_their_own_admin_role(world):
    at = pick(open_admin(), world.admin_id)
    at.checkbox(key=f"ue{world.admin_id}_active").uncheck()
    save_edit(at, world.admin_id)
    assert any("cannot remove your own admin role or deactivate yourself" in e for e in errors(at))
    assert user_row(world.engine, "boss")["active"]


@pytest.mark.one_backend
def test_deactivated_user_can_no_longer_sign_in_and_can_be_reactivated(world):
    assert sign_in_works("sam", PW)
    at = pick(open_admin(), world.sam_id)
    at.checkbox(key=f"ue{world.sam_id}_active").uncheck()
    save_edit(at, world.sam_id)
    assert any("can no longer sign in" in s for s in successes(at)), (successes(at), errors(at))
    assert not user_row(world.engine, "sam")["active"]
    assert not sign_in_works("sam", PW)
    entry = audit_rows(world.engine, "user.update")[-1]
    assert entry["old"] == {"active": True} and entry["new"] == {"active": False}
    # The table says so; reactivating restores sign-in.
    assert at.checkbox(key=f"ue{world.sam_id}_active").value is False
    at.checkbox(key=f"ue{world.sam_id}_active").check()
    save_edit(at, world.sam_id)
    assert user_row(world.engine, "sam")["active"]
    assert sign_in_works("sam", PW)


@pytest.mark.one_backend
def test_stale_edit_keeps_the_admins_input_and_changes_nothing(world):
    at = pick(open_admin(), world.sam_id)
    p = f"ue{world.sam_id}_"
    at.text_input(key=p + "name").input("Samantha")
    at.multiselect(key=p + "roles").set_value(["ae"])
    # Meanwhile another admin changes Sam.
    other = users.by_username("boss")
    users.update(other, world.sam_id, UserInput("sam", "Sam Sdr", "sam@example.com", ["sdr", "marketer"],
                                                world.sdr_team, world.rep_a), version=1)
    save_edit(at, world.sam_id)
    assert any("Someone else changed this user" in e for e in errors(at)), errors(at)
    assert at.text_input(key=p + "name").value == "Samantha"  # input kept
    assert at.multiselect(key=p + "roles").value == ["ae"]
    assert any("roles: SDR" in w or "roles: sdr" in w for w in texts(at.warning)), texts(at.warning)
    row = user_row(world.engine, "sam")
    assert row["display_name"] == "Sam Sdr" and sorted(row["roles"]) == ["marketer", "sdr"]  # theirs stands
    # "Load the current values" discards the admin's edit and loads the new version.
    at.button(key=p + "reload").click().run()
    assert at.text_input(key=p + "name").value == "Sam Sdr"
    assert sorted(at.multiselect(key=p + "roles").value) == ["marketer", "sdr"]
    at.text_input(key=p + "name").input("Samantha")
    save_edit(at, world.sam_id)
    assert user_row(world.engine, "sam")["display_name"] == "Samantha"


# --------------------------------------------------------------------------- passwords


def reset(at: AppTest, user_id: int, pw1: str, pw2: str | None = None) -> AppTest:
    p = f"ue{user_id}_"
    at.text_input(key=p + "pw1").input(pw1)
    at.text_input(key=p + "pw2").input(pw1 if pw2 is None else pw2)
    at.button(key=f"FormSubmitter:{p}pwform-Reset password").click().run()
    assert not at.exception, at.exception
    return at


def sign_in_works(username: str, password: str) -> bool:
    """Through the real sign-in form, in a fresh session."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button(key="FormSubmitter:Login-Sign in").click().run()
    assert not at.exception, at.exception
    return at.session_state["authentication_status"] is True


@pytest.mark.one_backend
def test_reset_password_old_fails_new_works(world):
    at = pick(open_admin(), world.sam_id)
    new = "a brand new secret"
    reset(at, world.sam_id, new)
    assert any("New password set for @sam" in s for s in successes(at)), (successes(at), errors(at))
    assert at.text_input(key=f"ue{world.sam_id}_pw1").value == ""
    assert audit_rows(world.engine, "user.password_reset")[-1]["new"] == {"password": "(changed)"}
    assert not sign_in_works("sam", PW)
    assert sign_in_works("sam", new)
    # The reset bumped the row's version; an edit made afterwards in the same form is not "stale".
    at.text_input(key=f"ue{world.sam_id}_name").input("Sam after reset")
    save_edit(at, world.sam_id)
    assert user_row(world.engine, "sam")["display_name"] == "Sam after reset", errors(at)


BAD_NEW_PASSWORDS = [
    ("short", None, "at least 10 characters"),
    ("日本語のパスワードです" * 3, None, "accented letters, non-Latin scripts and emoji"),  # 33 chars, 99 bytes
    ("x" * 80, None, "Use a shorter password"),
    ("Sam", None, "at least 10 characters"),
    ("long enough one", "long enough two", "do not match"),
]


@pytest.mark.one_backend
def test_bad_new_passwords_are_refused(world):
    before = user_row(world.engine, "sam")["password_hash"]
    at = pick(open_admin(), world.sam_id)
    for pw1, pw2, message in BAD_NEW_PASSWORDS:
        reset(at, world.sam_id, pw1, pw2)
        assert any(message in e for e in errors(at)), (message, errors(at))
    assert user_row(world.engine, "sam")["password_hash"] == before
    assert not audit_rows(world.engine, "user.password_reset")
    # Long enough, but the username (in any case): refused.
    uid = users.create(None, UserInput("longusername", "L U", "lu@example.com", ["ae"]), PW)
    at.run()  # the page lists the user created behind its back
    at = reset(pick(at, uid), uid, "LongUsername")
    assert any("must not be the username" in e for e in errors(at)), errors(at)


# --------------------------------------------------------------------------- audit and access


@pytest.mark.one_backend
def test_audit_log_shows_who_what_when_and_filters_by_user(world):
    at = pick(open_admin(), world.sam_id)
    at.multiselect(key=f"ue{world.sam_id}_roles").set_value(["sdr", "ae"])
    save_edit(at, world.sam_id)
    submit_add(fill_add(at))
    frame = at.dataframe[-1].value  # the audit log table is the last one on the page
    assert list(frame.columns) == ["When", "Who", "What", "About", "Change (old → new)"]
    top = frame.iloc[0]
    assert top["What"] == "User created" and top["About"] == "@newbie" and top["Who"] == "Bo Boss (@boss)"
    changed = frame[frame["What"] == "User changed"].iloc[0]
    assert changed["About"] == "@sam" and changed["Change (old → new)"] == "roles: sdr → sdr, ae"
    assert (frame["Who"] == "The system").sum() == 2  # the fixture's two users, created without an actor
    # Filter: about Sam only.
    at.selectbox(key="audit_about").set_value(world.sam_id).run()
    frame = at.dataframe[-1].value
    assert set(frame["About"]) == {"@sam"} and len(frame) == 2  # created + changed
    # Filter: made by the system only.
    at.selectbox(key="audit_about").set_value(None)
    at.selectbox(key="audit_actor").set_value(-1).run()
    frame = at.dataframe[-1].value
    assert set(frame["Who"]) == {"The system"} and len(frame) == 2
    # Reaching back: entries up to a day before everything here, none; up to today, all
    at.selectbox(key="audit_actor").set_value(None)
    at.date_input(key="audit_until").set_value(date.today() - timedelta(days=2)).run()
    assert any("No changes recorded for this filter." in i.value for i in at.info)
    with world.engine.begin() as conn:   # an older entry (the log is append-only: inserted back-dated)
        audit.record(conn, None, "user.update", "user", world.sam_id, {"active": True}, {"active": False},
                     at=datetime.now(timezone.utc) - timedelta(days=10))
    at.run()
    frame = at.dataframe[-1].value
    assert list(frame["Change (old → new)"]) == ["active: yes → no"]


@pytest.mark.one_backend
def test_audit_filter_with_no_entries_explains(world):
    at = open_admin()
    at.selectbox(key="audit_actor").set_value(world.sam_id).run()  # Sam never changed anything
    assert any("No changes recorded for this filter." in i.value for i in at.info)


def test_non_admins_cannot_reach_the_page(world):
    for role in ("executive", "sales_lead", "marketing_lead", "marketer", "sdr", "ae"):
        username = f"u-{role}".replace("_", "-")
        users.create(None, UserInput(username, role, f"{role}@example.com", [role]), PW)
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.run()
        assert not at.exception, (role, at.exception)
        with pytest.raises(ValueError):  # not registered for this role: no URL reaches it
            at.switch_page(PAGE)


def test_page_run_alone_by_a_non_admin_stops(world):
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "sam"
    at.run()
    assert not at.exception
    assert any("role does not include this page" in w.value for w in at.warning)
    assert not at.text_input  # nothing of the page rendered


def test_writes_refuse_a_non_admin_actor(world):
    sam = users.by_username("sam")
    with pytest.raises(users.UserError, match=r"Only active administrators can manage users\."):
        users.create(sam, UserInput("x-user", "X", "x@example.com", ["ae"]), PW)
    with pytest.raises(users.UserError, match=r"Only active administrators can manage users\."):
        users.reset_password(sam, world.admin_id, "boss", "taking over the admin")
    assert users.check_password(ADMIN_PW, user_row(world.engine, "boss")["password_hash"])


# --------------------------------------------------------------------------- command line


def test_cli_create_admin(app_db, monkeypatch, capsys):
    monkeypatch.setenv("ALIGNBOARD_ADMIN_PASSWORD", "first admin secret")
    assert users.main(["create-admin", "Ada", "--email", "ada@example.com", "--name", "Ada Admin"]) == 0
    assert "Created administrator 'ada'" in capsys.readouterr().out
    row = user_row(app_db, "ada")
    assert row["roles"] == ["admin"] and row["display_name"] == "Ada Admin"
    assert users.check_password("first admin secret", row["password_hash"])
    entry = audit_rows(app_db, "user.create")[-1]
    assert entry["actor_user_id"] is None and entry["new"]["roles"] == ["admin"]
    # Same username again: refused, exit 2.
    assert users.main(["create-admin", "ada", "--email", "ada2@example.com", "--name", "Ada Two"]) == 2
    assert "That username is taken." in capsys.readouterr().err
    # set-password
    monkeypatch.setenv("ALIGNBOARD_ADMIN_PASSWORD", "second admin secret")
    assert users.main(["set-password", "ada"]) == 0
    assert users.check_password("second admin secret", user_row(app_db, "ada")["password_hash"])
    assert users.main(["set-password", "nobody"]) == 2
    assert "There is no user 'nobody'" in capsys.readouterr().err


CLI_BAD = [
    (["create-admin", "ok-name", "--email", "nope", "--name", "N"], "long enough pw", "is not an e-mail address"),
    (["create-admin", "UPPER CASE", "--email", "a@b.co", "--name", "N"], "long enough pw", "Usernames have"),
    (["create-admin", "ok-name", "--email", "a@b.co", "--name", " "], "long enough pw", "Enter the person's name"),
    (["create-admin", "ok-name", "--email", "a@b.co", "--name", "N"], "short", "at least 10 characters"),
    (["create-admin", "ok-name", "--email", "a@b.co", "--name", "N"], "ü" * 40, "accented letters"),
    (["create-admin", "ok-name", "--email", "a@b.co", "--name", "N"], "OK-NAME", "at least 10 characters"),
    (["create-admin", "ok-name", "--email", "a@b.co", "--name", "N"], None, "ALIGNBOARD_ADMIN_PASSWORD"),
    (["create-admin", "ok-name"], "long enough pw", "--email"),
    (["delete-everything"], "long enough pw", "invalid choice"),
    ([], "long enough pw", "the following arguments are required"),
]


def test_cli_bad_input_exits_2_with_a_message(app_db, monkeypatch, capsys):
    for argv, env_password, message in CLI_BAD:
        if env_password is None:
            monkeypatch.delenv("ALIGNBOARD_ADMIN_PASSWORD", raising=False)
            monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
        else:
            monkeypatch.setenv("ALIGNBOARD_ADMIN_PASSWORD", env_password)
        assert users.main(argv) == 2, argv
        assert message in capsys.readouterr().err, (argv, message)
    assert rows(app_db, "select count(*) as n from app_user")[0]["n"] == 0


def test_cli_prompts_twice_and_refuses_a_mismatch(app_db, monkeypatch, capsys):
    monkeypatch.delenv("ALIGNBOARD_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["typed once here", "typed twice wrong"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert users.main(["create-admin", "ada", "--email", "ada@example.com", "--name", "Ada"]) == 2
    assert "do not match" in capsys.readouterr().err
    answers = iter(["the same both times", "the same both times"])
    assert users.main(["create-admin", "ada", "--email", "ada@example.com", "--name", "Ada"]) == 0


def test_cli_as_a_real_process(migrated_url):
    env = {**os.environ, "DATABASE_URL": migrated_url, "ALIGNBOARD_ADMIN_PASSWORD": "process admin pw"}
    done = subprocess.run([sys.executable, "-m", "queries.users", "create-admin", "procadmin", "--email",
                           "p@example.com", "--name", "Proc Admin"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "Created administrator 'procadmin'" in done.stdout
    assert "No runtime found" not in done.stderr  # a clean terminal
    bad = subprocess.run([sys.executable, "-m", "queries.users", "create-admin", "x"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and "--email" in bad.stderr
    down = subprocess.run([sys.executable, "-m", "queries.users", "create-admin", "someone", "--email", "s@e.co",
                           "--name", "S"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}, stdin=subprocess.DEVNULL)
    assert down.returncode == 1 and "Cannot connect to PostgreSQL" in down.stderr
    assert "Traceback" not in down.stderr


@pytest.mark.one_backend
@pytest.mark.parametrize("name, email, message", [
    ("Zoë\x00 Ünal", "zoe@example.com", None),                    # NUL from a paste is dropped
    ("N" * 100, "long@example.com", None),                         # the widget stops at 100 (max_chars)
    ("Nia", "nia\x00@example.com", "is not an e-mail address"),
    ("# Nia ![px](https://evil.example/p.png)", "md@example.com", None),
])
def test_hostile_names_and_emails_in_the_add_form(world, name, email, message):
    at = submit_add(fill_add(open_admin(), username="hostile", name=name, email=email))
    if message:
        assert any(message in e for e in errors(at)), errors(at)
        assert user_row(world.engine, "hostile") is None
        assert at.text_input(key="au_name").value == name  # the input is kept
        return
    assert not errors(at), errors(at)
    assert user_row(world.engine, "hostile")["display_name"] == name.replace("\x00", "")
    added = [s for s in successes(at) if s.startswith("Added")]
    assert added and "](https://evil" not in added[0] and not added[0].startswith("Added #"), added


def test_two_admins_demoting_each_other_at_once_leave_one_admin(world):
    """Each admin may demote the other, never themselves. Both demotions at the same moment each
    passed the permission check made before their transaction, and the install was left with no
    admin at all. Now a user write locks the active admins and re-checks its actor there: the
    second demotion waits for the first, then is refused."""
    import threading
    import time

    deputy_id = users.create(None, UserInput("deputy", "Dee Deputy", "dee@example.com", ["admin"]), PW)
    boss, deputy = users.by_username("boss"), users.by_username("deputy")
    engine = world.engine
    outcome = {}
    with engine.connect() as first:
        tx = first.begin()   # the boss's demotion of the deputy, in flight
        users._lock_admins(first, boss)
        first.execute(sa.text("update app_user set roles = array['marketer'], version = version + 1 "
                              "where id = :i"), {"i": deputy_id})

        def deputy_demotes_boss():
            try:
                users.update(deputy, boss.id, UserInput("boss", "Bo Boss", "boss@example.com", ["marketer"]),
                             version=user_row(engine, "boss")["version"])
                outcome["result"] = "saved"
            except users.UserError as err:
                outcome["result"] = str(err)

        thread = threading.Thread(target=deputy_demotes_boss)
        thread.start()
        for _ in range(200):   # until the deputy's write waits on the admins' lock
            waiting = rows(engine, "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock'")
            if waiting[0]["n"]:
                break
            time.sleep(0.05)
        assert waiting[0]["n"] == 1, "the second write should be waiting for the first"
        tx.commit()
    thread.join(30)
    assert "Only active administrators" in outcome["result"]
    admins = rows(engine, "select username from app_user where active and 'admin' = any(roles)")
    assert [a["username"] for a in admins] == ["boss"]
    assert not [r for r in audit_rows(engine, "user.update") if r["entity_id"] == str(boss.id)]


@pytest.mark.one_backend
def test_an_admin_resetting_their_own_password_stays_signed_in_here(world):
    """A reset signs out the sessions signed in before it (tests/integration/test_app_shell.py);
    the admin's own reset keeps the session they made it from, and says so."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "boss"
    at.run()   # through app.py: the session's sign-in moment is kept
    assert not at.exception and at.session_state["authentication_status"] is True
    at.switch_page(PAGE).run()
    at = reset(pick(at, world.admin_id), world.admin_id, "the boss's new secret")
    assert any("Your other sessions are signed out; this one stays signed in" in s for s in successes(at)), \
        (successes(at), errors(at))
    at.run()   # the next run, through the frame's sign-in check
    assert not at.exception, at.exception
    assert at.session_state["authentication_status"] is True
    assert not any("password was changed" in w.value for w in at.warning)
    # another session of the boss, signed in before the reset, is signed out on its next run
    other = AppTest.from_file(APP, default_timeout=60)
    other.session_state["authentication_status"] = True
    other.session_state["username"] = "boss"
    other.session_state["_auth_since"] = 0.0   # signed in long before
    other.run()
    assert other.session_state["authentication_status"] is None
    assert any("Your password was changed" in w.value for w in other.warning)


@pytest.mark.one_backend
def test_saving_a_rep_without_a_rep_record_or_a_sales_lead_without_a_team_says_what_they_will_miss(world):
    """Saved all the same (the CRM sync may add the rep later), but said: such an SDR saw only
    "not linked" notices, and nobody had told the admin who set them up."""
    at = open_admin()
    submit_add(fill_add(at, username="ned", name="Ned New", email="ned@example.com", roles=("sdr",)))
    assert any("Added Ned New (@ned)" in s for s in successes(at)), (successes(at), errors(at))
    assert any("No rep record is linked: as SDR they see no hand-offs" in w.value for w in at.warning)
    submit_add(fill_add(at, username="lea", name="Lea Lead", email="lea@example.com", roles=("sales_lead",)))
    assert any("No team is set: as Sales lead" in w.value for w in at.warning)
    submit_add(fill_add(at, username="rob", name="Rob Rep", email="rob@example.com", roles=("ae",),
                        team=world.sdr_team, rep=world.rep_b))
    assert any("Added Rob Rep (@rob)" in s for s in successes(at))
    assert not [w for w in at.warning if "No rep record" in w.value or "No team" in w.value
                or "another team" in w.value]
    # a rep record on one team, the user on another
    at = pick(at, world.sam_id)   # Sam: rep record on the SDR team
    at.selectbox(key=f"ue{world.sam_id}_team").set_value(world.mkt_team)
    save_edit(at, world.sam_id)
    assert any("Their rep record is on" in w.value and "another team" in w.value for w in at.warning), \
        [w.value for w in at.warning]
    # the edit form says it too, when a rep record is taken away
    at = pick(at, world.sam_id)
    at.selectbox(key=f"ue{world.sam_id}_rep").set_value(None)
    save_edit(at, world.sam_id)
    assert any("Saved the changes to @sam" in s for s in successes(at)), errors(at)
    assert any("No rep record is linked" in w.value for w in at.warning)


@pytest.mark.one_backend
def test_the_audit_log_names_the_people_records_and_teams_an_entry_holds_by_id(world):
    """A meeting's presenter read 'presenter user id: 2', an action's owner 'owner: u:2', a goal's
    scope 'scope team ids: 3, 4': each is now named as the pickers name it."""
    from datetime import datetime as dt

    from queries import meetings
    from queries.meeting_rules import ActionInput, MeetingInput, owner_key

    boss = users.by_username("boss")
    mid = meetings.create(boss, MeetingInput("Weekly alignment", dt.now(timezone.utc), boss.id))
    meetings.record_action(boss, mid, ActionInput("Call the top accounts", owner_key("r", world.rep_a),
                                                  date.today()))
    at = open_admin()
    frame = at.dataframe[-1].value   # the audit log: rendered in its tab on every run
    changes = dict(zip(frame["What"], frame["Change (old → new)"]))
    assert "presenter: Bo Boss (@boss)" in changes["Meeting planned"], changes
    assert "owner: Sam Sdr" in changes["Action item recorded"], changes
    assert "u:" not in changes["Action item recorded"] and "presenter user id" not in changes["Meeting planned"]
