"""The reassign form's rep picker order (components.reassign_form.target_order)."""

import pandas as pd

from components.reassign_form import target_order

TARGETS = pd.DataFrame({"id": [1, 2, 3, 4, 5], "full_name": ["Ann", "Bo", "Cy", "Di", "Ed"],
                        "team_id": [10, 10, 20, 10, 20], "open_handoffs": [7, 2, 0, 2, 1]})


def test_teammates_with_fewest_open_hand_offs_first_then_everyone_else_by_name_owners_left_out():
    picked = pd.DataFrame({"team_id": [10, 20], "owner_id": [1, 5]})   # Ann's and Ed's leads
    # team 10 without Ann: Bo and Di (2 open each, by name), then the rest by name: Cy
    assert target_order(picked, TARGETS) == [2, 4, 3]


def test_a_lead_of_another_team_puts_that_team_first():
    picked = pd.DataFrame({"team_id": [20], "owner_id": [3]})
    assert target_order(picked, TARGETS) == [5, 1, 2, 4]
