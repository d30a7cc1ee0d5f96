"""The two-sided SLA's tiles, statuses and notes (components.sla_tiles), written once for the page,
the meeting's SLA slide and its export, from hand-made mappings as queries.sla.two_sided_numbers
builds them and as meetings froze them before: no database."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pandas as pd

from components import format as fmt
from components import sla_tiles
from queries import sla
from queries.periods import Period
from queries.sla_math import STATUS_LABELS

PERIOD = {"start": "2026-10-01", "end": "2026-12-31", "tz": "America/New_York", "label": "This quarter",
          "text": "This quarter: 01 Oct – 31 Dec 2026"}


def sla_payload(commitment: bool = True) -> dict:
    """A meeting's SLA payload as stored before 2026-11-24 (no per-day ``delivery``): the totals'
    whole rows, the period's MQLs and the share of it gone."""
    return {"kind": "sla", "as_of": "2026-11-20T14:32:00+00:00", "period": PERIOD, "pace": 0.5, "mqls": 700,
            "acceptance": {"handed_off": 500, "accepted": 290, "rejected": 170, "awaiting": 40,
                           "acceptance_rate": 0.6},
            "compliance": {"handed_off": 500, "met": 400, "breached": 100, "pending": 5, "compliance_rate": 0.8},
            "timeliness": {"handed_off": 500, "on_time": 450, "late": 43, "overdue": 7, "pending": 0,
                           "on_time_rate": 0.9},
            "first_touch": {"median_minutes": 45.0, "p90_minutes": 300.0}, "sla_minutes": 240,
            "commitment": {"mql_volume": 1300.0, "min_acceptance_rate": 0.55, "follow_up_target_rate": 0.9,
                           "decision_target_rate": 0.85, "coverage": 1.0, "prorated": False} if commitment else None}


def keyed(sides: dict) -> dict:
    return {t.key: t for side in sides.values() for t in side.tiles}


def test_each_side_is_measured_against_its_half_of_the_agreement():
    sides = sla_tiles.sla_sides(sla_payload())
    mqls, acc = sides["marketing"].tiles
    assert (mqls.label, mqls.value, mqls.delta, mqls.caption) == ("MQLs delivered", "700", "+8% vs pace",
                                                                  "of 1,300 committed")   # 700 vs 650 due
    assert (acc.label, acc.value, acc.delta, acc.caption) == ("Accepted by sales", "60%", "+5.0 pts vs minimum",
                                                              "minimum 55%")
    follow, decided, touch = sides["sales"].tiles
    assert (follow.label, follow.value, follow.delta, follow.caption) == ("Contacted in time", "80%",
                                                                          "-10.0 pts vs target", "target 90%")
    assert (decided.label, decided.value, decided.delta, decided.caption) == ("Decided on time", "90%",
                                                                              "+5.0 pts vs target", "target 85%")
    assert (touch.label, touch.value, touch.good_when, touch.caption) == ("Median first touch", "45 min", "down",
                                                                          "SLA window 4 h")
    assert {t.side for t in sides["marketing"].tiles} == {"marketing"}
    assert {t.side for t in sides["sales"].tiles} == {"sales"}
    # the headings and their chips: marketing on pace (1,400 projected of 1,300), sales under its follow-up target
    assert (sides["marketing"].title, sides["marketing"].status) == ("Marketing · delivers qualified leads", "on_track")
    assert (sides["sales"].title, sides["sales"].status) == ("Sales · follows up in time", "off_track")
    assert sides["sales"].status_label == STATUS_LABELS["off_track"]
    # the counts behind the tiles, one line each
    assert sides["marketing"].notes == ["54% of the commitment with 50% of the period gone · on pace for 1,400",
                                        "290 of 500 hand-offs accepted, 40 awaiting a decision"]
    assert sides["sales"].notes == ["400 of 500 contacted in time, 5 still inside their window",
                                    "450 decided on time, 43 late, 7 overdue without a decision",
                                    "p90 first touch 5 h"]


def test_a_delta_says_what_it_compares_with_and_a_target_met_exactly_reads_no_change():
    compared = [t for t in keyed(sla_tiles.sla_sides(sla_payload())).values() if t.delta]
    assert len(compared) == 4
    assert all(re.search(r" vs (minimum|target|pace)$", t.delta) for t in compared)
    exact = sla_payload()
    exact["compliance"]["compliance_rate"] = 0.9
    follow = keyed(sla_tiles.sla_sides(exact))["follow_up"]
    assert follow.delta == "±0 pts vs target" and fmt.is_no_change(follow.delta)
    for mqls, delta, status in ((620, "-5% vs pace", "at_risk"), (520, "-20% vs pace", "off_track")):
        sides = sla_tiles.sla_sides({**sla_payload(), "mqls": mqls})   # of 650 due: projected 1,240 / 1,040 of 1,300
        assert (sides["marketing"].tiles[0].delta, sides["marketing"].status) == (delta, status)


def test_the_page_explains_each_tile_and_the_slide_does_not():
    bare = sla_tiles.sla_sides(sla_payload())
    explained = sla_tiles.sla_sides(sla_payload(), explain=True)
    for key in ("marketing", "sales"):
        assert all(t.help is None for t in bare[key].tiles)
        assert [(t.label, t.value, t.delta, t.caption) for t in bare[key].tiles] == \
            [(t.label, t.value, t.delta, t.caption) for t in explained[key].tiles]
        assert (bare[key].title, bare[key].status, bare[key].notes) == \
            (explained[key].title, explained[key].status, explained[key].notes)
    helps = {k: t.help for k, t in keyed(explained).items()}
    assert "only the days a commitment covers count" in helps["mqls_delivered"]
    assert "scoreboard's SLA compliance" in helps["follow_up"]
    assert "decision window" in helps["decided_on_time"]


def test_the_slide_names_the_sla_windows_in_force():
    def caption(p: dict) -> str:
        return keyed(sla_tiles.sla_sides(p))["median_touch"].caption

    varied = {**sla_payload(), "sla_windows": [30, 120, 240]}   # policies in force differ: say so
    assert caption(varied) == "SLA windows 30 min – 4 h"         # a snapshot frozen before the terms were kept
    business = {**varied, "sla_window_terms": [[30, True], [120, True], [240, True]]}
    assert caption(business) == "SLA windows 30 min – 4 h, business hours"   # "4 h" alone reads as clock time
    mixed = {**varied, "sla_window_terms": [[30, True], [240, False], [240, True]]}
    assert caption(mixed) == "SLA windows 30 min – 4 h, some in business hours"
    assert caption({**sla_payload(), "sla_window_terms": [[240, False]]}) == "SLA window 4 h"


def test_a_commitment_covering_part_of_the_period_is_measured_on_its_days():
    partly = sla_payload()
    partly["commitment"] = {**partly["commitment"], "coverage": 0.5, "prorated": True, "sources": ["01 Nov 2026 – 31 Dec 2026"]}
    partly["delivery"] = {"delivered": 300, "elapsed_share": 0.25}   # 300 of 1,300 with 325 due: behind
    sides = sla_tiles.sla_sides(partly)
    assert sides["marketing"].tiles[0].delta == "-8% vs pace"
    assert sides["marketing"].tiles[0].value == "700"   # the tile: every MQL of the period
    first, coverage = sides["marketing"].notes[:2]
    assert first.startswith("23% of the commitment with 25% of its volume due")
    assert coverage == "Commitments cover 50% of the period: pace counts the 300 MQLs of those days"
    assert "Volume pro-rated by day from 01 Nov 2026 – 31 Dec 2026; commitments cover 50% of the period." in \
        sla_tiles.agreement_text(partly)
    # what those days commit, kept since 2026-11-25, is what pace is measured against
    partly["delivery"]["committed"] = 600.0
    assert sla_tiles.sla_sides(partly)["marketing"].tiles[0].delta == "+100% vs pace"   # 300 vs 150 due


def test_without_a_commitment_nothing_is_compared_and_no_chip_is_shown():
    sides = sla_tiles.sla_sides(sla_payload(commitment=False))
    tiles = keyed(sides)
    assert all(tiles[k].delta is None for k in ("mqls_delivered", "mql_acceptance", "follow_up", "decided_on_time"))
    assert [tiles[k].caption for k in ("mqls_delivered", "mql_acceptance", "follow_up", "decided_on_time")] == \
        ["no commitment", "no agreed minimum", "no target", "no target"]
    assert sides["marketing"].status is None and sides["sales"].status is None
    assert sides["marketing"].notes[0] == "50% of the period gone; no MQL commitment covers it"
    assert sla_tiles.agreement_text(sla_payload(commitment=False)) is None
    # a commitment with a volume but no rates: the sales half has nothing to be measured against
    bare = sla_payload()
    bare["commitment"] = {**bare["commitment"], "min_acceptance_rate": None, "follow_up_target_rate": None,
                          "decision_target_rate": None}
    sides = sla_tiles.sla_sides(bare)
    assert sides["sales"].status == "pending" and sides["marketing"].status == "on_track"
    assert sla_tiles.agreement_text(bare) == "**The agreement for this period:** marketing delivers **1,300 MQLs**."


def test_no_hand_offs_says_so_instead_of_blank_tiles():
    none = sla_payload()
    none["acceptance"] = {"handed_off": 0, "accepted": 0, "rejected": 0, "awaiting": 0, "acceptance_rate": None}
    none["compliance"] = {"handed_off": 0, "met": 0, "breached": 0, "pending": 0, "compliance_rate": None}
    none["timeliness"] = {"handed_off": 0, "on_time": 0, "late": 0, "overdue": 0, "pending": 0, "on_time_rate": None}
    sides = sla_tiles.sla_sides(none)
    assert [t.value for t in sides["sales"].tiles[:2]] == [fmt.DASH, fmt.DASH]
    assert sides["sales"].status == "none" and sides["sales"].status_label == "No hand-offs"
    assert sides["sales"].notes == ["No lead was handed to sales in This quarter: 01 Oct – 31 Dec 2026: nothing to "
                                    "follow up or decide."]
    assert sides["marketing"].notes[-1] == "None handed to sales yet, so no acceptance rate"
    filtered = sla_tiles.sla_sides({**none, "filtered": True, "commitment": None})
    assert filtered["sales"].status == "none"   # no commitment, still said: nothing for sales to do
    assert filtered["sales"].notes[0].endswith("with these filters: nothing to follow up or decide.")


def test_a_snapshot_frozen_before_the_newer_keys_still_draws():
    """Meetings keep their frozen numbers: a payload without delivery, committed, sources, filtered,
    or without the rows' counts (only rates) reads with defaults, never a KeyError."""
    old = sla_payload()
    old["acceptance"] = {"acceptance_rate": 0.6, "awaiting": 40}
    old["compliance"] = {"compliance_rate": 0.8, "breached": 100, "pending": 5}
    old["timeliness"] = {"on_time_rate": 0.9, "overdue": 7}
    old["commitment"] = {**old["commitment"], "prorated": True}   # no "sources" kept
    sides = sla_tiles.sla_sides(old)
    assert [t.value for t in sides["marketing"].tiles + sides["sales"].tiles] == ["700", "60%", "80%", "90%", "45 min"]
    assert sides["sales"].status == "off_track"   # hand-offs there were: the rates say so
    assert sides["marketing"].notes[-1] == "— of — hand-offs accepted, 40 awaiting a decision"
    assert sides["sales"].notes[0] == "— of — contacted in time, 5 still inside their window"
    assert sla_tiles.agreement_text(old).endswith(" Volume pro-rated by day from the commitments.")
    no_touch = {k: v for k, v in sla_payload().items() if k != "first_touch"}   # the page's mapping
    assert [t.key for t in sla_tiles.sla_sides(no_touch)["sales"].tiles] == ["follow_up", "decided_on_time"]
    assert not any("p90" in n for n in sla_tiles.sla_sides(no_touch)["sales"].notes)


def test_the_numbers_mapping_holds_what_the_tiles_read():
    """queries.sla.two_sided_numbers: the reads' total rows, JSON-ready (NaN as None, no timestamps),
    and the pace over the days commitments cover."""
    period = Period(pd.Timestamp("2026-10-01").date(), pd.Timestamp("2026-10-10").date(), "UTC", "Ten days")
    commitment = sla.Commitment(100.0, 0.5, 0.9, None, 1.0, False, ("01 Oct 2026 – 10 Oct 2026",), (10.0,) * 10)
    total = dict(bucket=[pd.NaT], dim_key=["total"], dim_label=["Total"])
    acceptance = pd.DataFrame({**total, "handed_off": [4], "accepted": [2], "rejected": [1], "awaiting": [1],
                               "acceptance_rate": [0.5]})
    compliance = pd.DataFrame({**total, "handed_off": [4], "met": [1], "breached": [0], "pending": [3],
                               "compliance_rate": [1.0]})
    decisions = pd.DataFrame({**total, "handed_off": [4], "on_time": [0], "late": [0], "overdue": [0],
                              "pending": [4], "on_time_rate": [float("nan")]})
    days = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-01", "2026-10-02"]), "mqls": [20, 10]})
    as_of = datetime(2026, 10, 6, tzinfo=timezone.utc)   # five whole days gone: 50 due
    p = sla.two_sided_numbers(period, commitment, as_of, mqls=pd.DataFrame({**total, "mqls": [30]}),
                              acceptance=acceptance, compliance=compliance, decisions=decisions, mql_days=days)
    assert p["mqls"] == 30 and p["pace"] == 0.5 and p["filtered"] is False and "first_touch" not in p
    assert p["delivery"] == {"delivered": 30.0, "elapsed_share": 0.5, "committed": 100.0}
    assert p["timeliness"]["on_time_rate"] is None and "bucket" not in p["acceptance"]
    assert p["commitment"]["sources"] == ["01 Oct 2026 – 10 Oct 2026"] and p["period"]["text"]
    sides = sla_tiles.sla_sides(p, explain=True)
    assert sides["marketing"].tiles[0].delta == "-40% vs pace" and sides["marketing"].status == "off_track"
    assert sides["sales"].status == "on_track"   # contacted in time; no decision known, nor a target for it
    assert sides["sales"].tiles[1].value == fmt.DASH


def test_the_headings_carry_the_team_colour_and_the_status_chip():
    sides = sla_tiles.sla_sides(sla_payload())
    page = sla_tiles.heading_html(sides["marketing"])
    assert "font-size:1.15rem" in page and "#7C3AED" in page and ">On track</span>" in page
    slide = sla_tiles.heading_html(sides["sales"], "mtg-side")
    assert slide.startswith('<div class="mtg-side" style="color:#0284C7">') and ">Off track</span>" in slide
    none = sla_tiles.sla_sides(sla_payload(commitment=False))
    assert "<span" not in sla_tiles.heading_html(none["marketing"])
