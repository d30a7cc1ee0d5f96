"""Auto-advance in the presentation (meeting_view.auto_advance_tick), run in Streamlit's AppTest
without a database: it moves on once the section has had its time, and never while the presenter
has the decision or action dialog open (the room's slide changed under the dialog)."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest


def _tick_script():
    from components import meeting_view

    meeting_view.auto_advance_tick(2, 5, 20)


def _run(session: dict) -> AppTest:
    at = AppTest.from_function(_tick_script, default_timeout=30)
    at.query_params["section"] = "2"
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_moves_on_once_the_section_has_had_its_time():
    at = _run({"mtg_entered": time.monotonic() - 25})
    assert at.query_params["section"] == "3"


def test_stays_until_the_section_has_had_its_time():
    at = _run({"mtg_entered": time.monotonic() - 5})
    assert at.query_params["section"] == "2"


def test_stays_while_the_presenter_records_a_decision_or_an_action():
    for kind in ("decision", "action"):
        started = time.monotonic() - 60
        at = _run({"mtg_entered": started, "mtg_dialog": kind})
        assert at.query_params["section"] == "2", kind
        # and once the dialog closes, the section gets its full time again
        assert at.session_state["mtg_entered"] > started + 50


def _goals_tick_script():
    from components import meeting_view

    meeting_view.auto_advance_tick(3, 8, 20, item_id=41, screens=2)   # the goals slide, two screens of goals


def test_on_the_goals_slide_it_shows_the_next_screen_of_goals_before_the_next_section():
    """Auto-advance moved on from the first screen of goals: the goals on the second were never shown."""
    def run(session):
        at = AppTest.from_function(_goals_tick_script, default_timeout=30)
        at.query_params["section"] = "3"
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    at = run({"mtg_entered": time.monotonic() - 25})
    assert at.query_params["section"] == "3"
    assert at.session_state["mtg_goals_screen"] == (41, 1)
    assert at.session_state["mtg_entered"] > time.monotonic() - 5   # the second screen gets its full time
    at = run({"mtg_entered": time.monotonic() - 25, "mtg_goals_screen": (41, 1)})
    assert at.query_params["section"] == "4"
    assert "mtg_goals_screen" not in at.session_state   # the next goals slide starts on its first screen


def test_the_tick_fragment_checks_every_few_seconds_not_once_an_interval():
    """The fragment's timer restarts on every full run; ticking once an interval let a click just
    before it fired hold the slide a whole interval more (queries.meeting_rules.auto_tick_seconds)."""
    import inspect

    from components import meeting_view

    assert "@st.fragment(run_every=auto_tick_seconds(every))" in inspect.getsource(meeting_view.auto_advance)
