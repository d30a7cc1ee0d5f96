"""What meeting sections say (components.meeting_content) and the export document built from it
(components.meeting_export.build_html), from hand-made payloads: no database."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from components import format as fmt
from components import goal_card, kpi_tiles
from components import meeting_content as mc
from components import meeting_export, sla_tiles
from queries.access import User
from queries.meeting_rules import frame_to_json
from queries.meetings import AgendaItem, Meeting
from tests.unit.test_sla_tiles import sla_payload   # the SLA slide's payload

UTC = timezone.utc
AS_OF = "2026-11-20T14:32:00+00:00"
PERIOD = {"start": "2026-10-01", "end": "2026-12-31", "tz": "America/New_York", "label": "This quarter",
          "text": "01 Oct – 31 Dec 2026"}
VALUES = dict(revenue=2_275_200.0, revenue_prev=1_500_000.0, marketing_revenue=1_410_500.0, won=62, lost=161,
              win_rate=0.278, win_rate_prev=0.247, pipeline_created=11_200_000.0, pipeline_created_prev=8_400_000.0,
              marketing_pipeline_created=5_300_000.0, opportunities_created=180, open_pipeline=9_900_000.0,
              open_pipeline_prev=8_400_000.0, open_deals=185, coverage_needed=3.6, mqls=961, mqls_prev=663,
              handed_off=947, accepted=536, rejected=349, awaiting=62, acceptance_rate=0.566,
              acceptance_rate_prev=0.587, touched=870, untouched=77, median_minutes=53.8, median_minutes_prev=41.2,
              p90_minutes=311.3, p90_minutes_prev=290.0, sla_met=550, sla_breached=385, sla_pending=12,
              sla_compliance=0.588, sla_compliance_prev=0.642)


def scoreboard_payload(**coverage) -> dict:
    cov = {"status": "ok", "ratio": 1.9, "target": 3_900_000.0, "remaining": 1_624_800.0,
           "open_in_period": 3_100_000.0, "won_so_far": 2_275_200.0, **coverage}
    return {"kind": "scoreboard", "as_of": AS_OF, "period": PERIOD, "values": VALUES, "coverage": cov,
            "marketing_revenue_share": 0.62, "marketing_pipeline_share": 0.47, "comparison": "01 Jul – 22 Aug 2026",
            "comparison_same_point": True, "is_empty": False, "currency": "USD"}


def test_scoreboard_tiles_use_the_scoreboard_formats_and_sides():
    groups = kpi_tiles.scoreboard_tiles(scoreboard_payload())
    flat = {t.key: t for side in groups.values() for t in side}
    assert [t.key for t in groups["marketing"]] == ["mqls", "acceptance", "pipeline_created"]
    vs = "vs previous period"
    assert (flat["mqls"].value, flat["mqls"].delta, flat["mqls"].caption) == ("961", f"+45% {vs}", "947 handed off")
    assert (flat["acceptance"].value, flat["acceptance"].delta) == ("57%", f"-2.1 pts {vs}")
    assert flat["revenue"].value == "$2.28M" and flat["revenue"].caption == "62% mkt-sourced"
    assert flat["first_touch"].good_when == "down" and flat["first_touch"].delta == f"+13 min {vs}"
    assert (flat["coverage"].value, flat["coverage"].delta, flat["coverage"].caption) == \
        ("1.9×", "-1.7× vs needed", "3.6× needed")
    assert mc.scoreboard_note(scoreboard_payload()).endswith("(the same point in the previous period).")


def test_scoreboard_tiles_with_nothing_won_touched_or_created_say_so_not_dash():
    payload = scoreboard_payload()
    payload.update(marketing_revenue_share=None, marketing_pipeline_share=None,
                   values={**VALUES, "revenue": 0.0, "pipeline_created": 0.0, "p90_minutes": None})
    flat = {t.key: t for side in kpi_tiles.scoreboard_tiles(payload).values() for t in side}
    assert flat["revenue"].caption == "no deals won"           # was "— mkt-sourced"
    assert flat["pipeline_created"].caption == "no pipeline created"
    assert flat["first_touch"].caption == "no hand-off touched"  # was "90% within —"


def test_the_page_draws_the_same_tiles_bare_and_explained():
    """The scoreboard page and the slide draw one set of tiles (components.kpi_tiles): the page
    with bare changes (its note under the tiles names the comparison) and each tile's definition
    with this view's numbers as its help; the slide says what each change compares with and has no
    help. Labels, values and captions are the same."""
    payload = {**scoreboard_payload(), "tz": "America/New_York", "open_as_of": "2026-11-20T14:32:00+00:00",
               "comparison_open_as_of": "2026-08-22T14:32:00+00:00"}
    slide = {t.key: t for side in kpi_tiles.scoreboard_tiles(payload).values() for t in side}
    page = {t.key: t for side in kpi_tiles.scoreboard_tiles(payload, vs=None, explain=True).values() for t in side}
    assert [(t.label, t.value, t.caption, t.side) for t in slide.values()] == \
        [(t.label, t.value, t.caption, t.side) for t in page.values()]
    assert all(t.help is None for t in slide.values()) and all(t.help for t in page.values())
    assert (page["mqls"].delta, slide["mqls"].delta) == ("+45%", "+45% vs previous period")
    assert page["coverage"].delta == slide["coverage"].delta == "-1.7× vs needed"   # against what it needs
    assert "20 Nov 2026, 09:32" in page["open_pipeline"].help          # the company's clock, not UTC
    assert "compared with 22 Aug 2026, 10:32" in page["open_pipeline"].help
    assert "77 untouched leads" in page["first_touch"].help and "12 untouched leads" in page["sla"].help
    assert "target $3.9M − won so far $2.28M" in page["coverage"].help


@pytest.mark.parametrize("status, value, caption", [
    ("target_met", "Target met", "of $3.9M"),
    ("no_target", "—", "No revenue plan for this period"),
])
def test_coverage_without_a_ratio_says_why(status, value, caption):
    tile = kpi_tiles.scoreboard_tiles(scoreboard_payload(status=status, ratio=None))["shared"][-1]
    assert (tile.value, tile.caption) == (value, caption)


def test_coverage_with_filters_set_shows_no_ratio_and_says_why():
    """Source = Webinar read "0.1×, -5.6× vs needed" in red: a slice over the company's target."""
    payload = scoreboard_payload(status="filtered", ratio=None, remaining=None)
    tile = kpi_tiles.scoreboard_tiles(payload, vs=None, explain=True)["shared"][-1]
    assert (tile.value, tile.delta, tile.caption) == ("—", None, kpi_tiles.FILTERED_COVERAGE)
    assert "Company-wide" in tile.caption and "only without filters" in tile.help
    assert kpi_tiles.delta_tone(tile) == "neutral"


def test_a_finished_period_that_missed_its_target_says_by_how_much():
    """Last quarter read "0.0×, ↓ -3.1× vs needed" beside $3.72M won of a $3.78M plan."""
    payload = scoreboard_payload(status="missed", ratio=None, target=3_780_000.0, remaining=57_100.0,
                                 won_so_far=3_722_900.0, open_in_period=0.0)
    for tile in (kpi_tiles.scoreboard_tiles(payload)["shared"][-1],
                 kpi_tiles.scoreboard_tiles(payload, vs=None, explain=True)["shared"][-1]):
        assert (tile.value, tile.delta, tile.caption) == ("Missed", None, "by $57.1k of $3.78M")
        assert kpi_tiles.delta_tone(tile) == "neutral"


def test_every_delta_on_a_slide_says_what_it_compares_with():
    """The scoreboard and acceptance slides compare with the previous period, the SLA slide with the
    agreed minimum, the targets and the pace: each delta says which, so opposite arrows on two
    slides are not read as a contradiction."""
    whole = {**scoreboard_payload(), "comparison_same_point": False}
    tiles = [t for side in kpi_tiles.scoreboard_tiles(whole).values() for t in side]
    tiles += [t for side in sla_tiles.sla_sides(sla_payload()).values() for t in side.tiles]
    tiles += mc.acceptance_tiles(acceptance_payload())
    compared = [t for t in tiles if t.delta]
    assert len(compared) == 9 + 4 + 1
    for t in compared:
        assert re.search(r" vs (previous period|minimum|target|pace|needed)$",
                         t.delta), (t.key, t.delta)
    flat = {t.key: t.delta for t in compared}
    assert flat["mqls"] == "+45% vs previous period"
    assert flat["acceptance_rate"] == "+20.0 pts vs previous period"
    assert flat["mql_acceptance"] == "+5.0 pts vs minimum" and flat["follow_up"] == "-10.0 pts vs target"


def goals_payload() -> dict:
    base = {"parent_id": None, "parent_title": None, "metric": "acceptance_rate", "metric_label": "Lead acceptance rate",
            "unit": "percent", "unit_label": "", "lower_is_better": False, "cumulative": False,
            "period_text": "Q4 2026", "owners": [{"name": "Aaron Miller", "team": "Marketing", "side": "marketing"}]}
    return {"kind": "goals", "as_of": AS_OF, "period": PERIOD, "currency": "USD", "goals": [
        {**base, "id": 1, "title": "Raise lead acceptance", "target": 0.63, "value": 0.566, "attainment": 0.898,
         "pace": 0.57, "projected": 0.566, "status": "at_risk", "data_status": "at_risk", "status_label": "At risk",
         "last_checkin": {"at": "2026-11-08T15:00:00+00:00", "confidence": "at_risk", "author": "Aaron Miller",
                          "narrative": "Three webinars land late in the quarter.", "blockers": "",
                          "needs": "Sales: reasons within 48 h."}},
        {**base, "id": 2, "title": "Close the revenue plan", "unit": "currency", "cumulative": True,
         "target": 3_900_000.0, "value": None, "attainment": None, "pace": 0.57, "projected": None,
         "status": "no_data", "data_status": "no_data", "status_label": "No data yet", "last_checkin": None},
    ]}


def test_goal_lines():
    first, second = mc.goal_lines(goals_payload())
    assert (first.value, first.target, first.attainment, first.tone) == ("56.6%", "63%", "90%", "warn")  # 89.8%: no status line at 90
    assert first.checkin == "Aaron Miller, 12 days ago: Three webinars land late in the quarter."  # 8 Nov → 20 Nov in New York: calendar days
    assert first.needs == "Sales: reasons within 48 h."
    assert first.progress == pytest.approx(0.898)
    assert (second.value, second.attainment, second.progress, second.checkin) == ("—", "—", None, None)
    assert second.target == "$3.9M"
    assert (first.data_tone, first.data_note) == ("warn", None)


def test_a_projected_count_is_a_whole_number():
    """An export read "projected 1,647.3 MQLs" and "projected 6.8 case studies"."""
    payload = goals_payload()
    payload["goals"][1].update(title="MQLs delivered", unit="count", unit_label="MQLs", metric="mqls_delivered",
                               value=940.0, target=1_500.0, attainment=940 / 1_500, projected=1_647.3,
                               status="on_track", data_status="on_track", status_label="On track")
    line = mc.goal_lines(payload)[1]
    assert "projected 1,647 MQLs" in line.detail and "1,647.3" not in line.detail
    assert line.value == "940"


def test_goal_line_bar_shows_the_data_when_the_owners_call_differs():
    payload = goals_payload()
    payload["goals"][0].update(status="on_track", status_label="On track")   # owners' confidence, data at risk
    line = mc.goal_lines(payload)[0]
    assert (line.tone, line.data_tone) == ("good", "warn")
    assert line.data_note == "owners' call; the data says at risk"


def test_due_dates():
    today = date(2026, 11, 20)
    assert mc.due_state(date(2026, 11, 18), today) == "overdue"
    assert mc.due_text(date(2026, 11, 18), today) == "18 Nov · 2 days overdue"
    assert mc.due_text(date(2026, 11, 19), today) == "19 Nov · 1 day overdue"
    assert mc.due_text(today, today) == "20 Nov · due today"
    assert mc.due_state(date(2026, 11, 25), today) == "soon"
    assert mc.due_state(date(2026, 12, 25), today) == "later"
    assert mc.due_state(date(2026, 11, 1), today, "done") == "done"


def test_as_of_text():
    assert mc.as_of_text(AS_OF, "America/New_York", False) == "Live · as of 09:32"
    assert mc.as_of_text(AS_OF, "America/New_York", True) == "Frozen · as of 09:32, Fri 20 Nov"
    on_time = {"as_of": AS_OF, "computed_at": "2026-11-20T14:32:40+00:00"}
    late = {"as_of": AS_OF, "computed_at": "2026-11-22T10:00:00+00:00"}
    assert mc.as_of_text(on_time, "America/New_York", True) == "Frozen · as of 09:32, Fri 20 Nov"
    assert mc.as_of_text(late, "America/New_York", True) == "Frozen · as of 09:32, Fri 20 Nov · computed 22 Nov"
    assert mc.as_of_text(late, "America/New_York", False) == "Live · as of 09:32"


def test_a_past_meeting_never_frozen_says_its_numbers_are_todays():
    payload = {"as_of": "2026-11-23T11:21:00+00:00"}
    held = datetime(2026, 11, 9, 14, 30, tzinfo=UTC)
    state = mc.numbers_state(payload, "America/New_York", frozen=False, today=date(2026, 11, 23), held_on=held)
    assert (state.text, state.tone) == ("Today's numbers · as of 06:21", "today")
    assert state.note == "Not this meeting's: it was held on Mon 09 Nov and its numbers were not frozen."
    assert "Live" not in state.text
    live = mc.numbers_state(payload, "America/New_York", frozen=False, today=date(2026, 11, 23))
    assert (live.text, live.tone, live.note) == ("Live · as of 06:21", "live", None)


def test_frozen_numbers_stored_late_say_how_far_they_hold():
    late = {"as_of": "2026-11-16T14:34:00+00:00", "computed_at": "2026-11-23T11:00:00+00:00",
            "events_until": "2026-11-16T14:35:00+00:00"}
    state = mc.numbers_state(late, "America/New_York", frozen=True, today=date(2026, 11, 23))
    assert state.text == "Frozen · as of 09:34, Mon 16 Nov · computed 23 Nov"
    assert "after 09:34 on Mon 16 Nov are left out" in state.note
    assert "decisions on earlier hand-offs and deal amounts are as they stood on 23 Nov" in state.note
    # Stored since decisions are read as of the freeze too.
    now_kind = mc.numbers_state({**late, "decisions_as_of": True}, "America/New_York", frozen=True,
                                today=date(2026, 11, 23))
    assert now_kind.note == ("Stored on 23 Nov for the freeze: leads, MQLs, hand-offs, deals and accept/reject "
                             "decisions after 09:34 on Mon 16 Nov are left out; deal amounts are as they stood on "
                             "23 Nov, and goal values as they stood at 09:34.")
    # Stored later on the freeze's own day: the time, not the same date twice.
    same_day = mc.numbers_state({**late, "computed_at": "2026-11-16T19:49:00+00:00", "decisions_as_of": True},
                                "America/New_York", frozen=True, today=date(2026, 11, 23))
    assert same_day.text == "Frozen · as of 09:34, Mon 16 Nov · computed at 14:49 that day"
    assert same_day.note.startswith("Stored at 14:49 that day for the freeze: ")
    assert "deal amounts are as they stood at 14:49 that day" in same_day.note
    # A snapshot stored late before events were cut (older releases) does not claim they were.
    old = mc.numbers_state({k: v for k, v in late.items() if k != "events_until"}, "America/New_York", frozen=True,
                           today=date(2026, 11, 23))
    assert "include what happened since" in old.note
    # Another year's freeze names its year.
    assert mc.numbers_state(late, "America/New_York", frozen=True, today=date(2027, 1, 5)).text.startswith(
        "Frozen · as of 09:34, Mon 16 Nov 2026 · computed 23 Nov 2026")


def test_one_date_format_with_the_year_only_when_it_is_not_this_one():
    today = date(2026, 11, 23)
    assert mc.date_text(date(2026, 11, 24), today) == "24 Nov"
    assert mc.date_text(date(2027, 1, 4), today) == "04 Jan 2027"
    assert mc.date_text(date(2026, 11, 16), today, weekday=True) == "Mon 16 Nov"
    assert mc.date_text(date(2026, 11, 16), None) == "16 Nov 2026"  # a file read later
    assert mc.local_date_text("2026-11-16T14:30:00+00:00", "America/New_York", today, weekday=True,
                              clock=True) == "Mon 16 Nov, 09:30"
    assert mc.period_text(PERIOD, today) == "01 Oct – 31 Dec"
    assert mc.period_text({"start": "2026-12-01", "end": "2027-02-28"}, today) == "01 Dec 2026 – 28 Feb 2027"
    # Due dates and an action's meeting on the first slide: one format, as on the same line.
    assert mc.due_text(date(2026, 11, 24), today) == "24 Nov"
    assert mc.due_text(date(2027, 1, 4), today) == "04 Jan 2027"
    assert mc.due_text(date(2026, 11, 24), today, year_always=True) == "24 Nov 2026"
    row = {"id": 1, "version": 1, "body": "x", "owner": "A", "owner_function": "sales", "due_date": date(2026, 11, 18),
           "status": "open", "meeting_title": "Weekly", "meeting_at": pd.Timestamp("2026-11-16T14:30Z"),
           "goal_title": None, "criteria_number": None, "criteria_title": None, "owner_user_id": 1,
           "owner_rep_id": None}
    line = mc.action_lines(pd.DataFrame([row]), today, "America/New_York")[0]
    assert (line.due, line.meeting) == ("18 Nov · 5 days overdue", "Weekly, 16 Nov")


@pytest.mark.parametrize("text, limit, expected", [
    ("Short enough.", 40, "Short enough."),
    # the cut falls right after a sentence: no '…' after its period
    ("Ahead of where we expected at this point (3 case studies). Keeping the pace.", 60,
     "Ahead of where we expected at this point (3 case studies)."),
    ("Trending to plan. $1.47M so far; the weekly pipeline review keeps us honest.", 18, "Trending to plan."),
    # mid-sentence: cut after a whole word, trailing punctuation dropped, then '…'
    ("Behind pace ($3.99M). Two big deals slipped to next month; we pull two forward.", 60,
     "Behind pace ($3.99M). Two big deals slipped to next month…"),
    ("The data says behind, but three large webinars land late in the quarter.", 25, "The data says behind…"),
    ("  spaces\n  and   lines  ", 40, "spaces and lines"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
])
def test_clip_cuts_on_a_word_and_never_doubles_the_punctuation(text, limit, expected):
    clipped = mc.clip(text, limit)
    assert clipped == expected
    assert len(clipped) <= limit
    assert not re.search(r"[.!?,;:]…$", clipped)


def test_check_ins_on_goal_cards_are_clipped_without_double_punctuation():
    from components import meeting_view

    payload = goals_payload()
    payload["goals"][0]["last_checkin"]["narrative"] = (
        "Ahead of where we expected at this point (3 case studies). Keeping the weekly review with both "
        "teams until the end of the quarter.")
    line = mc.goal_lines(payload)[0]
    assert line.checkin_by == "Aaron Miller, 12 days ago" and line.checkin_text.startswith("Ahead of where")
    card = meeting_view.goal_card_html(line, big=True, columns=3)
    assert "(3 case studies)." in card and ".…" not in card
    assert "Aaron Miller, 12 days ago" in card


def test_goal_bars_use_the_goal_pages_marks():
    """Black line = target, dotted = even pace, ◇ = projected: goal_card's bar, not a second one."""
    from types import SimpleNamespace

    from components import meeting_view

    payload = goals_payload()
    payload["goals"][1].update(value=1_500_000.0, attainment=1_500_000 / 3_900_000, projected=1_500_000 / 0.57,
                               status="at_risk", data_status="at_risk", status_label="At risk")
    line = mc.goal_lines(payload)[1]
    assert line.bar.expected == pytest.approx(3_900_000 * 0.57)  # a running total: even pace and projection
    card = meeting_view.goal_card_html(line, big=True)
    expected_bar = goal_card.progress_bar_html(SimpleNamespace(
        data_status="at_risk", attainment=1_500_000 / 3_900_000, expected=3_900_000 * 0.57, pace=0.57,
        projected_attainment=(1_500_000 / 0.57) / 3_900_000), height=14)
    assert expected_bar in card
    assert "border-left:2px solid #0F172A" in card  # the target line
    assert "dotted" in card and "rotate(45deg)" in card  # even pace, projected
    rate = meeting_view.goal_card_html(mc.goal_lines(payload)[0], big=True)  # a level: no pace, no projection
    assert "border-left:2px solid #0F172A" in rate and "dotted" not in rate and "rotate(45deg)" not in rate
    assert mc.BAR_LEGEND.startswith("Bars: filled = progress to the target (the black line); dotted = where an even "
                                    "pace would be today; ◇ = projected")


def slipping_payload(overdue_minutes: list[float]) -> dict:
    rows = pd.DataFrame({"handoff_id": range(len(overdue_minutes)), "lead_name": "Ann", "account": "Acme",
                         "owner_id": 1, "owner": "Bo", "situation": "Decision overdue",
                         "overdue_minutes": overdue_minutes, "action": "Decide"})
    return {"total": 371, "recent": sum(m <= 7 * 1440 for m in overdue_minutes), "truncated": False,
            "by_kind": {}, "rows": frame_to_json(rows)}


def test_the_slipping_note_only_calls_recent_slips_savable():
    recent = mc.slipping_note(slipping_payload([3900.0, 4000.0]), 2)
    assert "all slipped in the last 7 days: they can still be saved" in recent and "of 371" in recent
    mixed = mc.slipping_note(slipping_payload([3900.0, 20 * 1440.0]), 2)
    assert "those overdue less than 7 days can still be saved" in mixed
    old = mc.slipping_note(slipping_payload([300 * 1440.0, 400 * 1440.0]), 2)
    assert "can still be saved" not in old and "none slipped in the last 7 days" in old


# --------------------------------------------------------------------------- the export document


def acceptance_payload() -> dict:
    sources = pd.DataFrame({"dim_key": ["webinar"], "dim_label": ["Webinar"], "handed_off": [10], "accepted": [7],
                            "rejected": [2], "awaiting": [1], "acceptance_rate": [0.7]})
    reasons = pd.DataFrame({"reason": ["bad_fit"], "rejected": [2], "share": [1.0], "recycled": [0]})
    return {"kind": "acceptance", "as_of": AS_OF, "period": PERIOD, "previous_rate": 0.5, "comparison": "Q3",
            "total": {"handed_off": 10, "accepted": 7, "rejected": 2, "awaiting": 1, "acceptance_rate": 0.7},
            "by_source": frame_to_json(sources), "reasons": frame_to_json(reasons), "min_acceptance_rate": None}


def meeting(frozen: bool = True) -> Meeting:
    when = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    return Meeting(1, "Weekly <alignment>", when, "done", "this_quarter", 2, "Naledi Harris",
                   datetime(2026, 11, 20, 14, 32, tzinfo=UTC) if frozen else None, "Naledi Harris" if frozen else None,
                   when, when, None, None, 4)


ITEMS = (AgendaItem(1, "open_actions", None, 1, 5, 310), AgendaItem(2, "scoreboard", None, 2, 10, 700),
         AgendaItem(3, "acceptance", None, 3, 10, 0), AgendaItem(4, "topic", "Budget & targets", 4, 10, 0))
VIEWER = User(id=2, username="executive", display_name="Naledi Harris", email="x@example.com",
              roles=frozenset({"executive"}))


def empty(columns: str) -> pd.DataFrame:
    return pd.DataFrame(columns=columns.split())


ACTION_COLS = ("id version body owner owner_function due_date status meeting_title meeting_at goal_title "
               "criteria_number criteria_title owner_user_id owner_rep_id agenda_item_id")


def test_build_html_holds_the_tiles_charts_and_outcomes():
    actions = pd.DataFrame([{"id": 9, "version": 1, "body": "Nominate <two> customers", "owner": "Zoë Gonzalez",
                             "owner_function": "sales", "due_date": date(2026, 11, 18), "status": "open",
                             "meeting_title": "Weekly", "meeting_at": pd.Timestamp("2026-11-16T14:30Z"),
                             "goal_title": None, "criteria_number": None, "criteria_title": None,
                             "owner_user_id": 5, "owner_rep_id": None, "agenda_item_id": 2}])
    decisions = pd.DataFrame([{"id": 3, "version": 1, "body": "Keep the 4 h SLA", "created_by": "Naledi Harris",
                               "created_at": pd.Timestamp("2026-11-23T14:50Z"), "goal_title": "Raise acceptance",
                               "criteria_number": None, "criteria_title": None, "agenda_item_id": 2}])
    numbers = {"scoreboard": scoreboard_payload(), "acceptance": acceptance_payload()}
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    document = meeting_export.build_html(meeting(), ITEMS, numbers, decisions, actions, actions, viewer=VIEWER,
                                         tz="America/New_York", images={"acceptance-sources": b"\x89PNG fake"},
                                         generated_at=now)
    assert document.startswith("<!doctype html>") and "<title>Weekly &lt;alignment&gt;</title>" in document
    assert 'data-frozen="true"' in document and "Numbers frozen as of 09:32 on Fri 20 Nov 2026" in document
    for key, value in (("revenue", "$2.28M"), ("mqls", "961"), ("acceptance_rate", "70%"), ("handed_off", "10")):
        assert re.search(rf'data-kpi="{key}"><div class="label">[^<]+</div><div class="value">{re.escape(value)}<',
                         document), key
    assert document.count('data-chart="acceptance-') == 2
    assert document.count('class="chart-static"') == 1  # only the chart an image was given for
    assert "Nominate &lt;two&gt; customers" in document and "5 days overdue" in document  # at the export's date
    assert "Keep the 4 h SLA" in document and "Goal: Raise acceptance" in document
    assert "Budget &amp; targets" in document
    assert "Open actions from previous meetings — 5:10 of 5 min · 0:10 over" in document
    assert "<two>" not in document and "<alignment>" not in document  # user text is never markup


def test_a_live_export_says_so_and_notes_missing_images():
    document = meeting_export.build_html(meeting(frozen=False), ITEMS[:2], {"scoreboard": scoreboard_payload()},
                                         empty("id version body created_by created_at goal_title criteria_number "
                                               "criteria_title agenda_item_id"), empty(ACTION_COLS),
                                         empty(ACTION_COLS), viewer=VIEWER, tz="UTC",
                                         image_note="Charts are interactive only: kaleido is not installed.")
    assert 'data-frozen="false"' in document and "Live numbers as of 14:32" in document
    assert "Charts are interactive only" in document
    assert document.count('<p class="note">None.</p>') == 3  # no open actions, no decisions, no actions


def test_the_export_file_is_named_after_the_meeting_then_its_numbers():
    """Named after the freeze alone, the file of the meeting of 30 Nov frozen on 23 Nov read as the
    23 Nov meeting's."""
    from dataclasses import replace

    frozen = meeting()
    later = replace(frozen, scheduled_at=frozen.scheduled_at + timedelta(days=7), started_at=None)
    name = meeting_export.file_name(later, "America/New_York")
    held = later.scheduled_at.astimezone(ZoneInfo("America/New_York"))
    numbers = later.frozen_at.astimezone(ZoneInfo("America/New_York"))
    assert name == f"weekly-alignment-{held:%Y-%m-%d}-numbers-{numbers:%Y-%m-%d-%H%M}.html"


def test_the_slipping_owners_table_adds_up_to_the_tile():
    """The slide listed 8 of 16 owners (287 of 376 leads) without a word."""
    owners = [{"owner_id": i, "owner": f"Rep {i}", "team": "SDR", "leads": 40 - i, "recent": i % 3}
              for i in range(16)]
    table = mc.slipping_owners({"owners": frame_to_json(pd.DataFrame(owners))}, top=6)
    assert len(table) == 7 and table.iloc[-1]["owner"] == "+10 more owners"
    assert table["leads"].sum() == sum(o["leads"] for o in owners)
    assert table["recent"].sum() == sum(o["recent"] for o in owners)
    assert len(mc.slipping_owners({"owners": frame_to_json(pd.DataFrame(owners[:7]))}, top=6)) == 7   # no '+1 more'


def test_the_slipping_owners_table_writes_thousands_like_the_tiles(monkeypatch):
    """At 1M leads the slide's '+34 more owners' row read '14634' beside the tile's '19,176'."""
    from components import meeting_export, meeting_view

    owners = [{"owner_id": i, "owner": f"Rep {i}", "team": "SDR", "leads": 2_000 + i, "recent": 150 + i}
              for i in range(16)]
    table = mc.slipping_owners({"owners": frame_to_json(pd.DataFrame(owners))}, top=6)
    headers = {c: h for c, h in mc.SLIPPING_OWNER_HEADERS.items() if c != "team"}
    shown = []
    monkeypatch.setattr(meeting_view, "_html", shown.append)
    meeting_view._table(table, headers, key="mtg-slipping-owners")
    exported = meeting_export._table(table, headers, "slipping-owners")
    for markup in (shown[0], exported):
        assert '<td data-col="leads">2,000</td>' in markup
        assert '<td data-col="leads">20,105</td>' in markup and '<td data-col="recent">1,605</td>' in markup
        assert "20105" not in markup
    assert mc.cell(True) == "True" and mc.cell("R&D") == "R&amp;D" and mc.cell(2.5) == "2.5"


def test_the_scoreboard_slide_says_why_it_shows_no_changes():
    p = {**scoreboard_payload(), "comparison_before_data": True, "data_start": "25 May 2025"}
    assert mc.scoreboard_note(p).startswith("No changes shown:") and "25 May 2025" in mc.scoreboard_note(p)


def test_the_export_colours_changes_by_which_way_is_good_and_dates_what_it_quotes():
    """Mailed, '+7 min' read neutral, 'Off track' was black, and a check-in said 'today'."""
    assert kpi_tiles.delta_tone(kpi_tiles.Tile("t", "Median first touch", "49 min", "+7 min", good_when="down")) == "bad"
    assert kpi_tiles.delta_tone(kpi_tiles.Tile("r", "Revenue", "$2.03M", "-4%")) == "bad"
    assert kpi_tiles.delta_tone(kpi_tiles.Tile("r", "Revenue", "$2.03M", "+4%")) == "good"
    assert kpi_tiles.delta_tone(kpi_tiles.Tile("r", "Revenue", "$2.03M", "±0%")) == "neutral"
    payload = goals_payload()
    dated = [g.checkin_by for g in mc.goal_lines(payload, dated=True) if g.checkin_by]
    assert dated and all(re.search(r", \d{2} \w{3} \d{4}$", by) for by in dated), dated


def test_goal_cards_on_the_projector_show_what_each_team_needs_and_what_blocks_them():
    """The asks between teams are what the meeting is for: the presentation's cards showed only
    "Off track · Aaron Miller, today" although the check-in named a blocker and an ask."""
    from components import meeting_view

    payload = goals_payload()
    payload["goals"][0]["last_checkin"]["blockers"] = "Budget freeze until January"
    line = mc.goal_lines(payload)[0]
    assert (line.needs, line.blockers) == ("Sales: reasons within 48 h.", "Budget freeze until January")
    for big in (True, False):
        card = meeting_view.goal_card_html(line, big=big, columns=3)
        assert 'class="mtg-goal-note mtg-needs"><b>Needs:</b> Sales: reasons within 48 h.' in card
        assert 'class="mtg-goal-note mtg-blockers"><b>Blocked by:</b> Budget freeze until January' in card
    no_asks = mc.goal_lines(goals_payload())[1]   # no check-in: no empty lines
    assert "Needs" not in meeting_view.goal_card_html(no_asks, big=True) and "Blocked" not in \
        meeting_view.goal_card_html(no_asks, big=True)
    old = goals_payload()   # frozen before blockers were kept in the payload
    del old["goals"][0]["last_checkin"]["blockers"]
    assert mc.goal_lines(old)[0].blockers is None


def test_the_export_lists_what_each_goal_needs_and_what_blocks_it_as_the_cards_do():
    """The projector's goal cards said "Blocked by: Routing rules send EMEA leads to the NA queue";
    the mailed file left it out."""
    payload = goals_payload()
    payload["goals"][0]["last_checkin"]["blockers"] = "Budget freeze until <January>"
    items = (ITEMS[0], AgendaItem(5, "goals", None, 2, 15, 0))
    document = meeting_export.build_html(meeting(), items, {"goals": payload},
                                         empty("id version body created_by created_at goal_title criteria_number "
                                               "criteria_title agenda_item_id"), empty(ACTION_COLS),
                                         empty(ACTION_COLS), viewer=VIEWER, tz="UTC")
    assert "<b>Needs:</b> Sales: reasons within 48 h." in document
    assert "<b>Blocked by:</b> Budget freeze until &lt;January&gt;" in document
    assert document.count("Blocked by:") == 1   # only the goal whose check-in names a blocker


def test_the_sla_slide_and_the_goals_slide_read_one_share_of_one_target_alike():
    """969 MQLs of a 1,300 commitment read "75% of the commitment" on the SLA slide and "74%" on
    the MQL goal with the same target, one slide before (74.5%: both are attainments)."""
    sla = {**sla_payload(), "mqls": 969, "delivery": {"delivered": 969, "elapsed_share": 0.59}}
    goal = {**goals_payload()["goals"][0], "metric": "mqls_delivered", "unit": "count", "unit_label": None,
            "cumulative": True, "lower_is_better": False, "target": 1300.0, "value": 969.0,
            "attainment": 969 / 1300}
    line = mc.goal_lines({**goals_payload(), "goals": [goal]})[0]
    assert line.attainment == "75%"
    assert sla_tiles.sla_sides(sla)["marketing"].notes[0].startswith(f"{line.attainment} of the commitment")


def test_the_acceptance_slide_names_its_comparison_as_the_scoreboard_slide_does():
    p = {**acceptance_payload(), "comparison_period": {"start": "2026-07-01", "end": "2026-08-24", "tz": "UTC",
                                                       "label": "same point in the previous period"}}
    assert mc.acceptance_note(p, date(2026, 11, 24)).endswith(
        "Acceptance compares with 01 Jul – 24 Aug (the same point in the previous period).")



def test_the_acceptance_slide_charts_every_source_so_its_counts_add_up_to_the_handed_off_tile():
    """The chart kept the eight sources with most hand-offs and dropped the rest without a word: with
    ten sources, the two smallest (paid social, the worst, among them) were missing and the bars'
    counts fell short of the "Handed off" tile beside them. Every source is drawn (the slide and the
    export both build the chart through meeting_view.meeting_charts_for)."""
    from components import meeting_view

    names = ["Paid search", "Webinar", "Content", "SDR outbound", "Referral", "Events", "Organic / SEO", "Partner",
             "Email nurture", "Paid social"]
    handed = [167, 149, 124, 107, 98, 96, 95, 83, 80, 69]
    accepted = [90, 118, 74, 81, 86, 66, 51, 52, 50, 20]
    sources = pd.DataFrame({"dim_key": [n.lower() for n in names], "dim_label": names, "handed_off": handed,
                            "accepted": accepted, "rejected": [h - a for h, a in zip(handed, accepted)],
                            "awaiting": 0, "acceptance_rate": [a / h for h, a in zip(handed, accepted)]})
    p = {**acceptance_payload(), "by_source": frame_to_json(sources), "min_acceptance_rate": 0.55,
         "total": {"handed_off": sum(handed), "accepted": sum(accepted), "rejected": sum(handed) - sum(accepted),
                   "awaiting": 0, "acceptance_rate": sum(accepted) / sum(handed)}}
    tile = next(t for t in mc.acceptance_tiles(p) if t.key == "handed_off")
    for big in (True, False):
        fig = dict(meeting_view.meeting_charts_for("acceptance", p, big=big))["sources"]
        assert sorted(fig.data[0].y) == sorted(names)
        assert "Paid social" in fig.data[0].y
        counts = [int(a.text.rsplit(" of ", 1)[1].replace(",", "")) for a in fig.layout.annotations]
        assert fmt.number(sum(counts)) == tile.value == "1,068"

def test_the_goals_slide_pages_through_every_goal_on_screens_of_at_most_six():
    """Nine goal cards in three rows ran past the bottom of a 720p projector: a screen holds at most
    GOALS_PER_SCREEN, the screens are evened out, and together they hold every goal once, in order."""
    assert mc.GOALS_PER_SCREEN == 6
    for count in range(0, 40):
        screens = mc.goal_screens(count)
        assert [i for s in screens for i in s] == list(range(count))   # none dropped, none twice
        assert all(len(s) <= mc.GOALS_PER_SCREEN for s in screens)
        assert len(screens) == max(1, -(-count // mc.GOALS_PER_SCREEN))   # no more screens than needed
        sizes = [len(s) for s in screens]   # evened out: equal screens, the last one a little shorter at most
        assert len(set(sizes[:-1])) <= 1 and sizes[0] - sizes[-1] < len(screens)
    assert [len(s) for s in mc.goal_screens(9)] == [5, 4]
    assert [len(s) for s in mc.goal_screens(7)] == [4, 3]
    assert [len(s) for s in mc.goal_screens(6)] == [6]
    nine = mc.goal_screens(9)
    assert [mc.goals_screen_text(s, 9) for s in nine] == ["Goals 1–5 of 9", "Goals 6–9 of 9"]
    assert mc.goals_range_text(nine[1]) == "6–9"
    assert mc.goals_screen_text(mc.goal_screens(7, per_screen=3)[-1], 7) == "Goal 7 of 7"


def test_the_mql_pace_chart_starts_where_the_data_does_with_the_two_sided_pages_caption():
    """Meeting mode's MQL pace chart drew a "last 12 months" period over eight months of data from
    the period's start: four months of a flat line at 0, while the scoreboard and the two-sided SLA
    page start their trends where the data does (calc.trend_start) and say so."""
    from components.meeting_view import meeting_charts_for

    year = {"start": "2025-12-01", "end": "2026-11-30", "tz": "America/New_York", "label": "Last 12 months",
            "text": "01 Dec 2025 – 30 Nov 2026"}
    days = pd.DataFrame({"bucket": pd.to_datetime(["2026-04-10", "2026-04-11", "2026-06-01"]), "mqls": [3, 2, 4]})
    teams = pd.DataFrame(columns=["bucket", "dim_key", "dim_label", "handed_off", "met", "breached", "pending",
                                  "compliance_rate"])
    p = {**sla_payload(), "period": year, "mql_days": frame_to_json(days), "weekly_by_team": frame_to_json(teams),
         "data_start_day": "2026-04-10"}
    p["commitment"] = {**p["commitment"], "daily": [4.0] * 365}
    assert mc.pace_chart_start(p) == date(2026, 4, 10)
    note = mc.pace_chart_note(p)
    assert note == ("The MQL chart starts on 10 Apr 2026, where the data does: the period starts on 01 Dec 2025, "
                    "before the first lead or opportunity.")
    for big in (False, True):
        figs = dict(meeting_charts_for("sla", p, big=big))
        pace, delivered = figs["mql_pace"].data
        assert pd.Timestamp(delivered.x[0]) == pd.Timestamp(pace.x[0]) == pd.Timestamp("2026-04-10")
        assert list(delivered.y[:2]) == [3, 5]
        assert pace.y[0] == 4.0 * (date(2026, 4, 10) - date(2025, 12, 1)).days + 4.0   # the days before still count
    # the file mailed afterwards says it under the charts too
    html = meeting_export.build_html(meeting(), (AgendaItem(1, "sla", None, 1, 10, 0),), {"sla": p}, empty("id version body created_by created_at "
                                     "goal_title criteria_number criteria_title agenda_item_id"), empty(ACTION_COLS),
                                     empty(ACTION_COLS), viewer=VIEWER, tz="UTC")
    assert "The MQL chart starts on 10 Apr 2026, where the data does" in html
    # each side as on the slide and the page: its heading and status, its tiles, its counts line by line
    assert "<h3>Sales · follows up in time · <span class=\"status bad\" data-status=\"off_track\">Off track</span></h3>" in html
    assert 'data-kpi="decided_on_time"' in html and 'data-kpi="median_touch"' in html
    assert "400 of 500 contacted in time, 5 still inside their window<br>450 decided on time" in html
    # a period inside the data, or numbers frozen before the data's first day was kept: as before
    for inside in ({**p, "data_start_day": "2024-01-01"}, {k: v for k, v in p.items() if k != "data_start_day"}):
        assert mc.pace_chart_start(inside) == date(2025, 12, 1) and mc.pace_chart_note(inside) is None
        pace, delivered = dict(meeting_charts_for("sla", inside, big=False))["mql_pace"].data
        assert pd.Timestamp(delivered.x[0]) == pd.Timestamp("2025-12-01")


def test_a_meeting_held_on_another_day_than_planned_says_when_it_was_held():
    """QA: a meeting planned for Mon 30 Nov and held on Wed 25 Nov showed 'Mon 30 Nov, 09:30 ·
    Done' in the list, on its slides and in its export."""
    tz, today = "America/New_York", date(2026, 11, 25)
    planned = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    assert mc.meeting_when_text(planned, None, tz, today) == "Mon 30 Nov, 09:30"
    assert mc.meeting_when_text(planned, datetime(2026, 11, 30, 14, 41, tzinfo=UTC), tz, today) == "Mon 30 Nov, 09:30"
    early = datetime(2026, 11, 25, 13, 32, tzinfo=UTC)
    assert mc.meeting_when_text(planned, early, tz, today) == "held Wed 25 Nov, 08:32 (planned Mon 30 Nov, 09:30)"
    assert mc.meeting_when_text(planned, early, tz, None, clock=False) == \
        "held Wed 25 Nov 2026 (planned Mon 30 Nov 2026)"
    assert mc.meeting_when_text(planned, pd.NaT, tz, today) == "Mon 30 Nov, 09:30"   # a list row never started


def test_a_snapshot_without_the_numbers_only_the_page_help_reads_still_draws():
    """The slide draws from snapshots frozen long ago; numbers the page's help reads (untouched,
    pending) may be missing from them, and must not break the slide or the help."""
    old = {k: v for k, v in VALUES.items() if k not in ("untouched", "sla_pending", "p90_minutes_prev")}
    payload = {**scoreboard_payload(), "values": old}
    assert kpi_tiles.scoreboard_tiles(payload)["sales"][0].value == "54 min"
    helped = kpi_tiles.scoreboard_tiles(payload, vs=None, explain=True)["sales"]
    assert "— untouched leads" in helped[0].help and "— untouched leads still inside" in helped[1].help
