"""Database URLs from the environment and secrets.toml (queries/db.py): each shape a person writes
either works or gets a message naming what to fix — never a traceback, never the demo database
instead of theirs."""

from __future__ import annotations

import pytest

from queries import db, settings
from queries.db import DatabaseSetupError


@pytest.mark.parametrize("conns, expected", [
    ({"alignboard": {"url": "postgresql://a@h:5432/x"}}, "postgresql://a@h:5432/x"),
    ({"sql": {"url": " postgresql://a@h/x "}}, "postgresql://a@h/x"),
    ({"alignboard": "postgresql://a@h/x"}, "postgresql://a@h/x"),                      # [connections] alignboard = "…"
    ({"alignboard": {"dialect": "postgresql", "host": "db.example", "port": "6543", "database": "ab",
                     "username": "me", "password": "p@ss"}}, "postgresql://me:p%40ss@db.example:6543/ab"),
    ({}, None),
])
def test_the_shapes_of_connections_that_work(conns, expected):
    assert db._url_in(conns, "secrets.toml") == expected


@pytest.mark.parametrize("conns, says", [
    ("x", "connections must be a table"),
    ({"alignbord": {"url": "postgresql://a@h/x"}}, r"has \[connections.alignbord\] but no database URL"),
    ({"alignboard": {"url": ""}}, r"\[connections.alignboard\] url is empty"),
    ({"alignboard": ""}, "connections.alignboard is empty"),
    ({"alignboard": {"host": "h", "port": "five", "database": "x"}}, "is not a number"),
])
def test_the_shapes_that_fail_say_what_to_fix(conns, says):
    with pytest.raises(DatabaseSetupError, match=says):
        db._url_in(conns, "secrets.toml")


def test_an_at_sign_in_the_password_is_explained_and_not_shown():
    """'postgresql://postgres:p@ss@host/db' showed 'postgres:***@ss@host' — the end of the password."""
    with pytest.raises(DatabaseSetupError) as err:
        db.normalize_url("postgresql://postgres:p@ss@127.0.0.1/alignboard")
    assert "percent-encoded" in str(err.value) and "%40" in str(err.value) and "ss@127" not in str(err.value)
    assert db.normalize_url("postgresql://postgres:p%40ss@127.0.0.1/alignboard").password == "p@ss"


def test_a_cookie_key_written_as_a_number_is_a_key(monkeypatch):
    class Secrets(dict):
        pass
    monkeypatch.setattr(settings.st, "secrets", Secrets(auth={"cookie_key": 12345678}))
    assert settings._secret_cookie_key() == "12345678"
    monkeypatch.setattr(settings.st, "secrets", Secrets(auth="oops"))
    assert settings._secret_cookie_key() is None


@pytest.mark.parametrize("key, value, stored", [
    ("company_timezone", " Europe/Berlin ", "Europe/Berlin"), ("currency", "eur", "EUR"),
    ("company_timezone", "Asia/Kolkata", "Asia/Kolkata"), ("company_timezone", "America/St_Johns", "America/St_Johns"),
    ("currency", "jpy", "JPY"), ("currency", "INR", "INR"),
])
def test_operator_settings_are_checked(key, value, stored):
    assert settings._checked(key, value) == stored


@pytest.mark.parametrize("key, value", [("company_timezone", "Mars/Olympus"), ("currency", "EURO"),
                                        ("currency", "€€€"), ("currency", "yen"), ("currency", "RMB"),
                                        ("company_timezone", "IST"), ("company_timezone", "+05:30")])
def test_bad_operator_settings_are_refused(key, value):
    with pytest.raises(settings.ConfigError):
        settings._checked(key, value)
