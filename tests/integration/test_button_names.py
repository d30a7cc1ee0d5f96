"""Buttons repeated on each row of a list are told apart by their names: five "Done" buttons on the
meeting page's action items read "Done, button" five times to a screen reader, and a test could
not pick one. components.widgets.row_button names each for its row (the visible label first, the
row's words after it, hidden from sight). Here: on the pages with such lists, no two buttons share
a label, on the demo data (and two more criteria proposals, so each side has two of a kind)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from components.widgets import ROW_NAME_CHARS, row_name
from tests.apptest import open_page

pytestmark = pytest.mark.one_backend  # page tests: see tests/conftest.py


def shared_labels(at) -> list[str]:
    return [label for label, n in Counter(b.label for b in at.button).items() if n > 1]


def rows_named(at, label: str) -> list[str]:
    """The labels of the row buttons shown as ``label``."""
    return [b.label for b in at.button if b.label.startswith(f"{label} *— ")]


@pytest.fixture
def demo(seeded_app_db_rw, monkeypatch):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    return seeded_app_db_rw


def test_the_meeting_pages_lists_name_each_rows_buttons(demo):
    from queries import meetings

    listing = open_page("executive", "meeting")
    assert not shared_labels(listing), shared_labels(listing)
    assert len(rows_named(listing, "Open")) >= 2 and len(rows_named(listing, "Present")) >= 2
    frame = meetings.list_meetings()
    seen_done = 0
    for meeting_id in frame["id"]:
        items = meetings.agenda(int(meeting_id))
        for section in (1, len(items)):   # open actions of earlier meetings; this meeting's outcomes
            for present in ("0", "1"):   # the control room, and the presentation
                at = open_page("executive", "meeting",
                               query={"meeting": int(meeting_id), "section": section, "present": present})
                assert not shared_labels(at), (meeting_id, section, present, shared_labels(at))
                seen_done += len(rows_named(at, "Done"))
    assert seen_done >= 2, "the demo meetings show no list of open actions: the test checks nothing"


def test_goal_cards_and_key_results_name_their_open_buttons(demo):
    from queries import goals

    at = open_page("executive", "goals")
    assert not shared_labels(at), shared_labels(at)
    assert len(rows_named(at, "Open goal")) >= 2
    parents = {g.parent_id for g in goals.list_goals(None) if g.parent_id is not None}
    assert parents, "the demo has no key results"
    for goal_id in parents:
        at = open_page("executive", "goals", query={"goal": goal_id})
        assert not shared_labels(at), shared_labels(at)
        assert rows_named(at, "Open"), f"goal {goal_id}: no key result's Open button"


def test_two_criteria_proposals_each_name_their_withdraw_button(demo):
    from queries import qualification, users
    from queries.criteria_rules import Criteria

    lead = users.by_username("marketing_lead")
    for n in (1, 2):   # beside the demo's sales proposal: two of marketing's own
        qualification.propose(lead, qualification.Draft(f"Marketing's take {n}", Criteria(min_score=44 + n),
                                                        _in_days(40 + n), "Another proposal"))
    for username in ("marketing_lead", "sales_lead"):   # each withdraws their own, declines the other's
        at = open_page(username, "criteria")
        assert not shared_labels(at), (username, shared_labels(at))
        assert len([b for b in at.button if (b.key or "").startswith("cr_withdraw_")]) == 3


def _in_days(days: int):
    from queries import settings
    from queries.periods import local_today

    return local_today(settings.company_timezone()) + timedelta(days=days)


def test_a_row_name_starts_with_the_label_and_shows_the_rows_words_as_typed():
    assert row_name("Done", "Send the deck", "Ada, 3 Dec") == "Done *— Send the deck \\(Ada, 3 Dec\\)*"
    assert row_name("Open", "   ") == "Open"
    long = row_name("Open", "x" * 200)
    assert long.count("x") == ROW_NAME_CHARS - 1 and long.endswith("…*")
    hostile = row_name("Done", "**loud** [a](https://evil) <b>x</b>\nnext line")
    assert hostile.startswith("Done *— ") and "\\*\\*loud\\*\\*" in hostile and "<b>" not in hostile
    assert "\n" not in hostile
