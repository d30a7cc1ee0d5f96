"""The audit log reads as names, not ids and codes."""

from __future__ import annotations

from queries.audit import describe_change, subject_text

NAMES = {"team_id": {3: "SDR team"}, "owner_rep_ids": {7: "Ada AE", 17: "Sam SDR"},
         "metric": {"median_first_touch": "Median time to first touch"}}


def test_ids_lists_and_codes_are_named():
    text = describe_change(None, {"owner_rep_ids": [7, 17], "metric": "median_first_touch", "team_id": 3}, NAMES)
    assert text == "metric: Median time to first touch; owner reps: Ada AE, Sam SDR; team: SDR team"
    changed = describe_change({"owner_rep_ids": [7]}, {"owner_rep_ids": [7, 99]}, NAMES)
    assert changed == "owner reps: Ada AE → Ada AE, #99"
    assert describe_change({"owner_rep_ids": [7]}, {"owner_rep_ids": []}, NAMES) == "owner reps: Ada AE → (none)"


def test_subject_is_the_user_or_the_records_title():
    assert subject_text("app_user", "4", "ada", None, {"title": "x"}) == "@ada"
    assert subject_text("goal", "16", None, None, {"title": "Raise lead acceptance"}) == "goal “Raise lead acceptance”"
    assert subject_text("sla_policy", "2", None, {"name": "Strategic"}, {"rank": 5}) == "sla policy “Strategic”"
    assert subject_text("goal", "16", None, {"confidence": "at_risk"}, None) == "goal 16"
    assert subject_text("goal", "16", None, None, {"confidence": "at_risk"}, "Cut the median") == "goal “Cut the median”"
    assert subject_text("setting", float("nan"), None, None, None) == "setting"


def test_stored_units_read_as_people_say_them():
    """'decision target rate: 0.85' and 'target: 4200000.0' in the audit log."""
    text = describe_change({"decision_target_rate": 0.85, "target": 4200000.0, "version": 12},
                           {"decision_target_rate": 0.9, "target": 4500000, "version": 13})
    assert text == "decision target rate: 85% → 90%; target: 4,200,000 → 4,500,000; version: 12 → 13"
