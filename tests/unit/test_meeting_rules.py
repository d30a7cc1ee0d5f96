"""Meeting mode's pure rules: agenda validation, inputs, navigation, the timer, JSON payload frames."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from queries.meeting_rules import (AUTO_ADVANCE, AUTO_TICK_SECONDS, FIRST_SECTION, SECTIONS, ActionInput, AgendaItemInput, DecisionInput,
                                   MeetingError, MeetingInput, advance_due, auto_tick_seconds, clamp, clean_agenda, clock,
                                   default_agenda, frame_from_json, frame_to_json, json_number, minute_floor,
                                   owner_key, parse_meeting_id, parse_owner, parse_section, step, timer_state,
                                   timer_text, used_seconds)

TODAY = date(2026, 11, 20)
UTC = timezone.utc


# --------------------------------------------------------------------------- agenda


def test_default_agenda_opens_with_open_actions_and_is_valid():
    items = clean_agenda(default_agenda())
    assert items[0].kind == FIRST_SECTION
    assert [i.kind for i in items] == list(dict.fromkeys(i.kind for i in items))  # no duplicates
    assert all(1 <= i.planned_minutes <= 240 for i in items)


def test_open_actions_are_moved_first_or_added():
    moved = clean_agenda([AgendaItemInput("goals", 10), AgendaItemInput("open_actions", 3, id=9)])
    assert [(i.kind, i.planned_minutes, i.id) for i in moved] == [("open_actions", 3, 9), ("goals", 10, None)]
    added = clean_agenda([AgendaItemInput("scoreboard", 10)])
    assert [i.kind for i in added] == ["open_actions", "scoreboard"]
    assert added[0].planned_minutes == SECTIONS["open_actions"].default_minutes


@pytest.mark.parametrize("items, message", [
    ([AgendaItemInput("goals", 10), AgendaItemInput("goals", 5)], "twice"),
    ([AgendaItemInput("goals", 0)], "whole number from 1 to 240"),
    ([AgendaItemInput("goals", 241)], "whole number from 1 to 240"),
    ([AgendaItemInput("goals", 2.5)], "whole number"),
    ([AgendaItemInput("goals", None)], "whole number"),
    ([AgendaItemInput("topic", 10, "   ")], "title is required"),
    ([AgendaItemInput("topic", 10, "x" * 121)], "too long"),
    ([AgendaItemInput("nonsense", 10)], "unknown section"),
    ([AgendaItemInput("open_actions", 5)], "at least one section"),
    ([], "at least one section"),
])
def test_bad_agendas_are_refused_with_a_message(items, message):
    with pytest.raises(MeetingError, match=message):
        clean_agenda(items)


def test_topics_may_repeat_and_keep_their_titles():
    items = clean_agenda([AgendaItemInput("topic", 10, "  Webinar   budget "), AgendaItemInput("topic", 5, "Hiring")])
    assert [i.label for i in items[1:]] == ["Webinar budget", "Hiring"]


def test_too_many_items():
    with pytest.raises(MeetingError, match="at most 20"):
        clean_agenda([AgendaItemInput("topic", 5, f"T{i}") for i in range(21)])


# --------------------------------------------------------------------------- inputs


def test_meeting_input_needs_title_time_and_known_period():
    when = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert MeetingInput("  Weekly   alignment ", when, None).cleaned().title == "Weekly alignment"
    with pytest.raises(MeetingError, match="title is required"):
        MeetingInput(" ", when, None).cleaned()
    with pytest.raises(MeetingError, match="date and time"):
        MeetingInput("Weekly", None, None).cleaned()
    with pytest.raises(MeetingError, match="time zone"):
        MeetingInput("Weekly", datetime(2026, 11, 24, 9, 0), None).cleaned()
    with pytest.raises(MeetingError, match="Unknown period"):
        MeetingInput("Weekly", when, None, "custom").cleaned()


def test_decision_needs_text():
    assert DecisionInput("  Pause the webinar series \n").cleaned().body == "Pause the webinar series"
    with pytest.raises(MeetingError, match="decision's text is required"):
        DecisionInput("   ").cleaned()
    with pytest.raises(MeetingError, match="too long"):
        DecisionInput("x" * 1001).cleaned()


def test_action_validation_paths():
    ok = ActionInput("Call back the Tier 1 leads", owner_key("u", 3), TODAY)
    assert ok.cleaned(TODAY).due_date == TODAY  # today is allowed
    with pytest.raises(MeetingError, match="action's text is required"):
        ActionInput("", owner_key("u", 3), TODAY).cleaned(TODAY)
    with pytest.raises(MeetingError, match="needs an owner"):
        ActionInput("Do it", None, TODAY).cleaned(TODAY)
    with pytest.raises(MeetingError, match="Pick a due date"):
        ActionInput("Do it", owner_key("r", 4), None).cleaned(TODAY)
    with pytest.raises(MeetingError, match="in the past"):
        ActionInput("Do it", owner_key("r", 4), TODAY - timedelta(days=1)).cleaned(TODAY)
    with pytest.raises(MeetingError, match="within the next year"):
        ActionInput("Do it", owner_key("r", 4), TODAY + timedelta(days=400)).cleaned(TODAY)


def test_owner_keys():
    assert parse_owner(owner_key("u", 12)) == (12, None)
    assert parse_owner(owner_key("r", 5)) == (None, 5)
    for bad in ("x:1", "u:", "u:abc", "12"):
        with pytest.raises(MeetingError):
            parse_owner(bad)
    with pytest.raises(ValueError):
        owner_key("z", 1)


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize("raw, count, expected", [
    ("3", 7, 3), ("0", 7, 1), ("99", 7, 7), ("abc", 7, 1), (None, 7, 1), ("-2", 7, 1), ("2", 0, 1),
    ("99999999999999999999", 7, 7), ("²", 7, 1), ("007", 7, 7)])   # past any id, like 99 (QA: opened section 1)
def test_section_from_the_link_is_clamped(raw, count, expected):
    assert parse_section(raw, count) == expected


def test_meeting_id_from_the_link():
    assert parse_meeting_id("12") == 12
    for bad in (None, "", "0", "-3", "1.5", "abc", "99999999999"):
        assert parse_meeting_id(bad) is None


def test_previous_and_next_stay_inside():
    assert step(1, 5, -1) == 1
    assert step(5, 5, +1) == 5
    assert step(2, 5, +1) == 3
    assert clamp(9, 3) == 3


def test_auto_advance():
    assert not advance_due(100.0, 110.0, 0)
    assert not advance_due(100.0, 110.0, 20)
    assert advance_due(100.0, 119.6, 20)


@pytest.mark.parametrize("every", [s for s in AUTO_ADVANCE if s])
@pytest.mark.parametrize("restart", [0.0, 5.0, 19.4, 19.9, 40.0, 44.9, 89.0])
def test_auto_advance_moves_on_soon_after_the_time_is_up_whenever_a_full_run_restarts_its_timer(every, restart):
    """A click's full run (Freeze) restarts the tick fragment's timer: with the interval as the
    timer, a restart just before it fired kept the slide up a whole interval more (58 s under 20 s).
    Ticks every auto_tick_seconds from the restart: the move comes at most one tick after the time."""
    tick = auto_tick_seconds(every)
    restart = min(restart, every - 0.1)
    moved = next(restart + k * tick for k in range(1, 1000) if advance_due(0.0, restart + k * tick, every))
    assert every - 0.5 <= moved <= every + AUTO_TICK_SECONDS, (tick, moved)   # never a whole interval late


# --------------------------------------------------------------------------- timer


def test_used_seconds_adds_the_running_stretch():
    since = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert used_seconds(60, since, since + timedelta(minutes=2, seconds=5)) == 185
    assert used_seconds(60, None, since) == 60
    assert used_seconds(0, since, since - timedelta(seconds=5)) == 0  # clocks never run backwards


def test_timer_text_and_state():
    assert clock(125) == "2:05"
    assert clock(3725) == "1:02:05"
    assert timer_text(272, 10) == "4:32 of 10 min"
    assert timer_text(730, 10) == "12:10 of 10 min · 2:10 over"
    assert timer_state(0, 10) == "ok"
    assert timer_state(480, 10) == "warn"
    assert timer_state(600, 10) == "warn"
    assert timer_state(601, 10) == "over"


def test_minute_floor():
    assert minute_floor(datetime(2026, 11, 20, 9, 14, 59, 999, tzinfo=UTC)) == datetime(2026, 11, 20, 9, 14, tzinfo=UTC)


# --------------------------------------------------------------------------- payload frames


def test_frames_survive_the_json_round_trip_with_their_dtypes():
    frame = pd.DataFrame({
        "label": pd.array(["Webinar", None], dtype="string"),
        "plain": ["a", "b"],
        "n": pd.array([3, 4], dtype="int64"),
        "rate": [0.5, float("nan")],
        "at": pd.to_datetime(["2026-11-20T09:00:00Z", None], utc=True).as_unit("us"),
        "bucket": pd.to_datetime(["2026-11-16", "2026-11-23"]).as_unit("us"),
    })
    obj = frame_to_json(frame)
    import json
    back = frame_from_json(json.loads(json.dumps(obj)))
    assert list(back.dtypes.astype(str)) == list(frame.dtypes.astype(str))
    pd.testing.assert_frame_equal(back, frame)


def test_json_number():
    import numpy as np

    assert json_number(np.int64(3)) == 3 and type(json_number(np.int64(3))) is int
    assert json_number(float("nan")) is None
    assert json_number(pd.NA) is None
    assert json_number(None) is None
    assert json_number(float("inf")) is None
    assert json_number(0.25) == 0.25


def test_the_timer_chip_says_what_its_time_is():
    """A planned meeting not started read "Time (paused) 0:00 of 5 min"."""
    from queries.meeting_rules import timer_label
    assert timer_label(True, "live", 272, 10) == "Time 4:32 of 10 min"
    assert timer_label(False, "planned", 0, 5) == "Planned 5 min"
    assert timer_label(False, "live", 0, 5) == "Planned 5 min"                # an item not reached yet
    assert timer_label(False, "live", 90, 5) == "Time (paused) 1:30 of 5 min"
    assert timer_label(False, "done", 400, 5) == "Time used 6:40 of 5 min · 1:40 over"


# --------------------------------------------------------------------------- agenda editor helpers


def test_minutes_outside_1_to_240_are_named_with_the_save_s_words():
    from queries.meeting_rules import minutes_problem

    for bad in (0, 999, -5, 2.5, None, True, "10"):
        assert minutes_problem(3, "Scoreboard", bad) == \
            "Item 3 (Scoreboard): planned minutes must be a whole number from 1 to 240."
    for good in (1, 15, 240, 15.0):
        assert minutes_problem(3, "Scoreboard", good) is None
    with pytest.raises(MeetingError, match=r"^Item 1 \(Scoreboard\): planned minutes must be a whole number"):
        clean_agenda([AgendaItemInput("scoreboard", 0)])


def test_the_planned_total_adds_up_the_minutes_shown():
    from queries.meeting_rules import planned_total

    # an item showing 0 counted its old minutes: 0 and 999 read 1,049 beside 5 + 45
    assert planned_total([5, 0, 999]) == 1004
    assert planned_total([5, None, 10]) == 15


def test_a_topic_title_is_checked_with_the_save_s_words():
    from queries.meeting_rules import topic_title

    assert topic_title("  Q1   budget ", 4) == "Q1 budget"
    with pytest.raises(MeetingError, match=r"^Item 4: the topic's title is too long \(130 characters; at most 120\)\.$"):
        topic_title("x" * 130, 4)
    with pytest.raises(MeetingError, match=r"^Item 4: the topic's title is required\.$"):
        topic_title("  ", 4)


def test_a_new_item_goes_before_the_summary_when_it_is_last():
    from queries.meeting_rules import insert_at

    assert insert_at(["open_actions", "scoreboard", "wrap_up"]) == 2
    assert insert_at(["open_actions", "wrap_up", "scoreboard"]) == 3   # moved on purpose: new items go last
    assert insert_at(["open_actions", "scoreboard"]) == 2


# --------------------------------------------------------------------------- daylight saving


def test_a_time_the_clocks_skip_is_refused():
    """2027-03-14 02:30 in New York does not exist: it was confirmed as 02:30 and stored as 03:30."""
    from datetime import time

    from queries.meeting_rules import meeting_time

    with pytest.raises(MeetingError) as err:
        meeting_time(date(2027, 3, 14), time(2, 30), "America/New_York")
    assert str(err.value) == ("02:30 does not exist on Sun 14 Mar 2027 in America/New_York: the clocks jump "
                              "forward an hour that night. Pick another time, e.g. 03:30.")
    at, note = meeting_time(date(2027, 3, 14), time(3, 30), "America/New_York")
    assert note is None and at.astimezone(UTC) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    with pytest.raises(MeetingError, match="02:00 does not exist on Sun 29 Mar 2026 in Europe/Berlin"):
        meeting_time(date(2026, 3, 29), time(2, 0), "Europe/Berlin")


def test_a_time_the_clocks_repeat_is_the_first_and_says_so():
    from datetime import time

    from queries.meeting_rules import meeting_time

    at, note = meeting_time(date(2027, 11, 7), time(1, 30), "America/New_York")
    assert at.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)   # 01:30 EDT, before the change
    assert note == ("01:30 happens twice on Sun 07 Nov 2027 in America/New_York (the clocks go back that night); "
                    "this is the first one, EDT (UTC-04:00), before the change (the second is EST (UTC-05:00)).")
    at, note = meeting_time(date(2026, 11, 30), time(9, 0), "America/New_York")
    assert note is None and at.astimezone(UTC) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    _, note = meeting_time(date(2026, 10, 25), time(2, 30), "Europe/Berlin")
    assert "this is the first one, CEST (UTC+02:00)" in note
