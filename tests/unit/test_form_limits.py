"""Form input the widgets used to drop without a word (QA, 2026-11-24): dates outside Streamlit's
default ten-year range, numbers outside a widget's min/max, pastes over max_chars. The fields now
let such input through and the domain checks say what is wrong; these pin the checks and that the
forms keep no widget-level limits where the app has its own."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from components import meeting_content as mc
from components.widgets import DATE_FIELD_MAX, DATE_FIELD_MIN
from queries import sla
from queries.goal_math import GoalError, parse_amount, period_bounds
from queries.meeting_rules import ActionInput, MeetingError, check_meeting_day
from queries.periods import RECORD_EARLIEST, RECORD_LATEST, date_problem

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 24)


def test_date_problem_names_the_date_typed_and_the_range():
    assert date_problem(date(2040, 6, 1), "The date", date(2026, 1, 1), date(2027, 12, 31)) == \
        "The date (01 Jun 2040) must be between 01 Jan 2026 and 31 Dec 2027."
    assert date_problem(date(2027, 12, 31), "The date", date(2026, 1, 1), date(2027, 12, 31)) is None
    assert date_problem(None, "The date") is None
    assert date_problem(date(1999, 12, 31), "X", why=" (because)").endswith("31 Dec 2099 (because).")


def test_date_fields_accept_more_than_any_rule_allows():
    """A date the app refuses must reach the app: the fields' bounds lie outside every domain range."""
    assert DATE_FIELD_MIN < RECORD_EARLIEST < sla.CALENDAR_FIRST_DAY + timedelta(days=1)
    assert DATE_FIELD_MAX > RECORD_LATEST > sla.CALENDAR_LAST_DAY


@pytest.mark.parametrize("day, ok", [(TODAY + timedelta(days=1), True), (TODAY + timedelta(days=366), True),
                                     (TODAY - timedelta(days=366), True), (date(2040, 6, 1), False),
                                     (TODAY + timedelta(days=367), False), (date(2016, 6, 1), False)])
def test_a_meeting_is_planned_within_a_year_of_today(day, ok):
    if ok:
        check_meeting_day(day, TODAY)
    else:
        with pytest.raises(MeetingError, match=f"{day:%d %b %Y}.*within a year of today"):
            check_meeting_day(day, TODAY)


def test_an_action_due_too_far_ahead_names_its_date():
    with pytest.raises(MeetingError, match="The due date 01 Jun 2040 is more than a year away"):
        ActionInput("Call them", "u:1", date(2040, 6, 1)).cleaned(TODAY)


@pytest.mark.parametrize("kind, start, end, message", [
    ("custom", date(2026, 12, 1), date(2150, 1, 1), "The end date (01 Jan 2150) must be between"),
    ("quarter", date(1950, 1, 1), None, "The start date (01 Jan 1950) must be between"),
])
def test_a_goal_period_outside_the_years_the_app_keeps_is_refused(kind, start, end, message):
    with pytest.raises(GoalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        period_bounds(kind, start, end)


def test_a_goal_may_end_in_2040_when_that_was_typed():
    """The repro's date now reaches the save as typed (it used to be swapped for the old one)."""
    assert period_bounds("custom", date(2026, 12, 1), date(2040, 12, 1)) == (date(2026, 12, 1), date(2040, 12, 1))


@pytest.mark.parametrize("text", ["$5M", "€5M", "5M EUR", "USD 900", "£1,000"])
@pytest.mark.parametrize("unit", ["count", "percent", "minutes"])
def test_a_currency_sign_on_a_goal_that_is_not_money_is_refused(text, unit):
    with pytest.raises(GoalError, match="names a currency, but the goal's unit is"):
        parse_amount(text, unit)


@pytest.mark.parametrize("text, unit, value", [("5M", "count", 5e6), ("$5M", "currency", 5e6),
                                               ("90min", "minutes", 90), ("5 bn", "count", 5e9)])
def test_suffixes_that_are_no_currency_still_read(text, unit, value):
    assert parse_amount(text, unit) == value


@pytest.mark.parametrize("day, ok", [(TODAY + timedelta(days=366), True), (date(2040, 1, 1), False),
                                     (date(2016, 1, 1), True), (date(1999, 12, 31), False)])
def test_a_policy_version_takes_effect_at_most_a_year_ahead(day, ok):
    problem = sla.policy_date_problem(day, TODAY, "The date it takes effect")
    assert (problem is None) == ok, problem
    if not ok:
        assert f"({day:%d %b %Y})" in problem


def test_policy_input_lists_a_far_effective_date_with_the_other_problems():
    data = sla.PolicyInput("", 60, False, 60, False, date(2040, 1, 1), rank=5000, tiers=[1])
    with pytest.raises(sla.SlaError) as err:
        data.cleaned(set(), TODAY)
    text = str(err.value)
    assert "Give the policy a name" in text and "rank must be between 1 and 999" in text
    assert "The date it takes effect (01 Jan 2040) must be between" in text


def test_a_policy_note_over_its_limit_is_refused_not_cut():
    data = sla.PolicyInput("Tier 1", 60, False, 60, False, TODAY, tiers=[1], note="x" * 301)
    with pytest.raises(sla.SlaError, match="The note is too long \\(301 characters; at most 300\\)"):
        data.cleaned(set(), TODAY)


def test_calendar_dates_stay_inside_the_calendars_span():
    assert sla.calendar_date_problem(date(2050, 12, 31), "A holiday") is None
    assert "(01 Jan 2051) must be between 01 Jan 2000 and 31 Dec 2050" in sla.calendar_date_problem(date(2051, 1, 1),
                                                                                                      "A holiday")


def test_a_commitment_outside_the_years_kept_or_over_its_volume_is_refused():
    with pytest.raises(sla.SlaError, match="The last day \\(01 Jan 2150\\)"):
        sla.CommitmentInput(date(2099, 12, 1), date(2150, 1, 1), 100).cleaned()
    with pytest.raises(sla.SlaError, match="at most 10,000,000"):
        sla.CommitmentInput(date(2026, 1, 1), date(2026, 3, 31), 10_000_001).cleaned()


# --------------------------------------------------------------------------- meeting text (item 4)


def test_meeting_text_keeps_its_dollars_and_hashes_across_blank_lines():
    """A decision typed as two paragraphs ended the HTML block at the blank line: Markdown then drew
    ``$x$`` as maths and ``# …`` as a heading. Line breaks are now <br>, so the block never ends."""
    out = mc.esc("Budget $x$\n\nthen $y$\r\n# not a heading <b>&")
    assert "\n" not in out and "\r" not in out
    assert out == "Budget $x$<br><br>then $y$<br># not a heading &lt;b&gt;&amp;"


def test_an_action_names_the_day_its_meeting_was_held():
    frame = pd.DataFrame([{
        "id": 1, "version": 1, "body": "Call", "owner": "Sam", "owner_function": "sales", "due_date": date(2026, 12, 5),
        "status": "open", "meeting_title": "Weekly", "meeting_at": pd.Timestamp("2026-12-03T14:30Z"),
        "meeting_held_at": pd.Timestamp("2026-11-24T14:30Z"), "goal_title": None, "criteria_number": None,
        "criteria_title": None, "owner_user_id": None, "owner_rep_id": 3}])
    [line] = mc.action_lines(frame, TODAY, "UTC")
    assert line.meeting.startswith("Weekly, ") and "24 Nov" in line.meeting and "03 Dec" not in line.meeting
    frame["meeting_held_at"] = pd.NaT   # never held: the day it is planned for
    [line] = mc.action_lines(frame, TODAY, "UTC")
    assert "03 Dec" in line.meeting


# --------------------------------------------------------------------------- the forms keep no silent limits


def _calls(names: set[str]):
    for path in sorted([*ROOT.glob("components/*.py"), *ROOT.glob("pages/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
                yield path.relative_to(ROOT).as_posix(), node


#: components/filters.py's custom range (the filter bar) is another change's file; its dates are
#: checked by queries.periods (a notice names what cannot be shown).
DATE_INPUT_ELSEWHERE = {"components/widgets.py"}
#: Codes whose longer paste cannot be meant (a country's two letters, a region's code) and a note
#: the app does not check the length of yet.
MAX_CHARS_KEPT = {("components/sla_forms.py", "Country"), ("components/sla_forms.py", "State / region"),
                  ("components/reassign_form.py", "Note for the new owner (optional)")}


def test_every_date_field_goes_through_date_field():
    stray = [f"{p}:{n.lineno}" for p, n in _calls({"date_input"}) if p not in DATE_INPUT_ELSEWHERE]
    assert not stray, f"use components.widgets.date_field (explicit bounds): {stray}"


def test_no_number_field_keeps_a_min_or_max_from_the_save():
    bounded = [f"{p}:{n.lineno}" for p, n in _calls({"number_input"})
               if len(n.args) > 1 or {k.arg for k in n.keywords} & {"min_value", "max_value"}]
    assert not bounded, f"a number outside the widget's bounds never reaches the save's message: {bounded}"


def test_no_text_field_throws_a_long_paste_away():
    capped = [(p, ast.literal_eval(n.args[0]) if isinstance(n.args[0], ast.Constant) else ast.unparse(n.args[0]))
              for p, n in _calls({"text_input", "text_area"}) if any(k.arg == "max_chars" for k in n.keywords)]
    assert set(capped) <= MAX_CHARS_KEPT, set(capped) - MAX_CHARS_KEPT


def test_every_too_long_message_names_the_length_in_one_wording():
    """QA: "The update is too long (at most 2000 characters)." left the writer guessing how much to
    cut, where other forms said "(3,012 characters; at most 2,000)". Every such message now comes
    from queries.words.too_long; the password's byte limit has a message of its own."""
    from queries.words import too_long

    assert too_long("The update", 3012, 2000) == "The update is too long (3,012 characters; at most 2,000)."
    written_elsewhere = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "queries").glob("*.py"))
                         if path.name not in ("words.py", "users.py")
                         for n, line in enumerate(path.read_text().splitlines(), 1) if "too long" in line
                         and not line.lstrip().startswith("#")]
    assert written_elsewhere == [], written_elsewhere
