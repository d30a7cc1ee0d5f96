"""The shared numbers are defined once (components/definitions_text.py): every scoreboard tile is on
the Definitions page's list, under the same side and label, in the words of the tile's help; the SLA
commitment is said per team that owns each part of it."""

from __future__ import annotations

import os
from datetime import date

import pandas as pd

from components import definitions_text as defs
from components import kpi_tiles
from tests.unit.test_meeting_content import scoreboard_payload


def test_every_scoreboard_tile_is_defined_on_the_definitions_page_in_the_tiles_words():
    """MQLs delivered, Pipeline created, Open pipeline and Pipeline coverage were defined only in the
    tiles' tooltips."""
    listed = {label: (side, text) for side, label, text, _ in defs.SCOREBOARD_NUMBERS}
    for status in ("ok", "target_met", "no_target"):
        tiles = kpi_tiles.scoreboard_tiles(scoreboard_payload(status=status), explain=True)
        for side, row in tiles.items():
            for tile in row:
                assert tile.label in listed, tile.label
                assert listed[tile.label][0] == side, tile.label
                if status == "ok" or tile.key != "coverage":
                    # the tile's help opens with the page's definition (then this view's numbers)
                    shared = os.path.commonprefix([listed[tile.label][1], tile.help])
                    assert len(shared) >= 25, (tile.label, tile.help)
    assert len(listed) == sum(len(row) for row in tiles.values())


def test_the_general_definitions_are_the_tiles_help_without_this_views_numbers():
    assert defs.WIN_RATE in {t.help for t in kpi_tiles.scoreboard_tiles(scoreboard_payload(), explain=True)["sales"]}
    assert "Coverage needed ≈ 1 ÷ win rate" in defs.coverage()
    assert defs.coverage().startswith(defs.COVERAGE_RULE)
    assert "Untouched leads still inside their window are pending" in defs.sla_compliance()
    assert defs.sla_compliance("12").startswith(defs.sla_compliance().split(" Untouched")[0])
    assert "12 untouched leads still inside their window" in defs.sla_compliance("12")
    assert "{" not in defs.first_touch() and "p90" in defs.first_touch()
    # no-plan coverage help: the rule, then why it is missing
    tile = kpi_tiles.scoreboard_tiles(scoreboard_payload(status="no_target"), explain=True)["shared"][2]
    assert tile.help == f"{defs.COVERAGE_RULE} {defs.NO_PLAN}"


def _commitments(**rates) -> pd.DataFrame:
    row = {"id": 1, "start_date": date(2026, 10, 1), "end_date": date(2026, 12, 31), "mql_volume": 1250,
           "min_acceptance_rate": 0.55, "follow_up_target_rate": 0.9, "decision_target_rate": 0.85, **rates}
    return pd.DataFrame([row])


def test_each_commitment_is_said_under_the_team_that_owns_it():
    """Marketing's commitment listed sales' follow-up and decision rates too."""
    by_team = defs.commitments_by_team(_commitments(), date(2026, 11, 20))
    assert by_team == {"marketing": "1,250 MQLs from 01 Oct to 31 Dec 2026, with at least 55% of them accepted "
                                    "by sales.",
                       "sales": "follow up 90% of hand-offs within the SLA and accept or reject 85% on time."}
    assert "90%" not in by_team["marketing"] and "55%" not in by_team["sales"]


def test_a_team_that_promised_nothing_is_left_out_and_no_commitment_says_nothing():
    only_marketing = _commitments(follow_up_target_rate=float("nan"), decision_target_rate=float("nan"),
                                  min_acceptance_rate=float("nan"))
    assert defs.commitments_by_team(only_marketing, date(2026, 11, 20)) == {
        "marketing": "1,250 MQLs from 01 Oct to 31 Dec 2026."}
    assert defs.commitments_by_team(_commitments(), date(2027, 1, 1)) == {}
    assert defs.commitments_by_team(_commitments().iloc[0:0], date(2026, 11, 20)) == {}
