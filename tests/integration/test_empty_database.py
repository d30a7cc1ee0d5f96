"""A new install (schema, users, no CRM data yet): every page of numbers says there is no data yet,
instead of advising to clear filters nobody set."""

from __future__ import annotations

import pytest

from queries import users
from queries.users import UserInput
from tests.apptest import open_page


@pytest.fixture
def new_install(app_db, monkeypatch):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    users.create(None, UserInput("executive", "Eve Executive", "eve@example.com", ["executive"]),
                 "correct horse battery")


@pytest.mark.one_backend
@pytest.mark.parametrize("page", ["scoreboard", "campaigns", "sla_scorecard", "sla_two_sided"])
def test_pages_of_numbers_say_there_is_no_data_yet(new_install, page):
    at = open_page("executive", page)
    infos = [i.value for i in at.info]
    assert any(i.startswith("No data yet") for i in infos), infos
    assert not any("filters" in i for i in infos), infos
    assert not at.metric
