"""What meeting sections say (components.meeting_content) and the export document built from it
(components.meeting_export.build_html), from hand-made payloads: no database."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from components import meeting_content as mc
from components import meeting_export
from queries.access import User
from queries.meeting_rules import frame_to_json
from queries.meetings import AgendaItem, Meeting

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
    groups = mc.scoreboard_tiles(scoreboard_payload())
    flat = {t.key: t for side in groups.values() for t in side}
    assert [t.key for t in groups["marketing"]] == ["mqls", "acceptance", "pipeline_created"]
    assert (flat["mqls"].value, flat["mqls"].delta, flat["mqls"].caption) == ("961", "+45%", "947 handed off")
    assert (flat["acceptance"].value, flat["acceptance"].delta) == ("57%", "-2.1 pts")
    assert flat["revenue"].value == "$2.3M" and flat["revenue"].caption == "62% mkt-sourced"
    assert flat["first_touch"].good_when == "down" and flat["first_touch"].delta == "+13 min"
    assert (flat["coverage"].value, flat["coverage"].delta) == ("1.9×", "-1.7× vs 3.6× needed")
    assert mc.scoreboard_note(scoreboard_payload()).endswith("(the same point in the previous period).")


@pytest.mark.parametrize("status, value, caption", [
    ("target_met", "Target met", "of $3.9M"),
    ("no_target", "—", "No revenue target for the period"),
])
def test_coverage_without_a_ratio_says_why(status, value, caption):
    tile = mc.scoreboard_tiles(scoreboard_payload(status=status, ratio=None))["shared"][-1]
    assert (tile.value, tile.caption) == (value, caption)


def sla_payload(commitment: bool = True) -> dict:
    return {"kind": "sla", "as_of": AS_OF, "period": PERIOD, "pace": 0.5, "mqls": 700,
            "acceptance": {"acceptance_rate": 0.6, "awaiting": 40}, "sla_minutes": 240,
            "compliance": {"compliance_rate": 0.8, "breached": 100, "pending": 5},
            "timeliness": {"on_time_rate": 0.9, "overdue": 7},
            "first_touch": {"median_minutes": 45.0, "p90_minutes": 300.0},
            "commitment": {"mql_volume": 1300.0, "min_acceptance_rate": 0.55, "follow_up_target_rate": 0.9,
                           "decision_target_rate": 0.85, "coverage": 1.0, "prorated": False} if commitment else None}


def test_the_sla_tiles_measure_each_side_against_its_commitment():
    groups = mc.sla_tiles(sla_payload())
    mqls, acc = groups["marketing"]
    assert (mqls.value, mqls.delta, mqls.caption) == ("700", "+8% vs pace", "of 1,300 committed")  # 700 vs 650
    assert (acc.value, acc.delta, acc.caption) == ("60%", "+5.0 pts", "minimum 55%")
    follow, decided, touch = groups["sales"]
    assert (follow.label, follow.value, follow.delta) == ("Contacted in time", "80%", "-10.0 pts")
    assert (decided.value, decided.delta, decided.caption) == ("90%", "+5.0 pts", "target 85%")
    assert touch.caption == "SLA window 4 h"
    notes = mc.sla_notes(sla_payload())
    assert notes["marketing"].startswith("54% of the commitment with 50% of the period gone")
    assert "100 SLA breaches, 5 pending · 7 decisions overdue" in notes["sales"]


def test_without_a_commitment_nothing_is_compared():
    groups = mc.sla_tiles(sla_payload(commitment=False))
    assert all(t.delta is None for t in groups["marketing"] + groups["sales"][:2])
    assert groups["marketing"][0].caption == "no commitment"
    assert "no MQL commitment covers it" in mc.sla_notes(sla_payload(commitment=False))["marketing"]


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
    assert (first.value, first.target, first.attainment, first.tone) == ("56.6%", "63%", "90%", "warn")
    assert first.checkin == "Aaron Miller, 11 days ago: Three webinars land late in the quarter."
    assert first.needs == "Sales: reasons within 48 h."
    assert first.progress == pytest.approx(0.898)
    assert (second.value, second.attainment, second.progress, second.checkin) == ("—", "—", None, None)
    assert second.target == "$3.9M"
    assert (first.data_tone, first.data_note) == ("warn", None)


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
    for key, value in (("revenue", "$2.3M"), ("mqls", "961"), ("acceptance_rate", "70%"), ("handed_off", "10")):
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
