"""A goal's country scope in words: on its card and in its change history, by name."""

from __future__ import annotations

from types import SimpleNamespace

from components import goal_card, goal_views
from queries.filters import Filters


def test_a_goals_country_scope_reads_as_names_by_name():
    goal = SimpleNamespace(is_manual=False, scope=Filters(industries=("Retail",), countries=("US", "DE", "CH"), tiers=(1,)))
    assert goal_card.scope_text(goal) == "Retail · Germany, Switzerland, United States · Tier 1"


def test_a_change_of_country_scope_in_the_history_names_the_countries():
    said = goal_views._describe_change("goal.update", {"scope_countries": ["DE"]},
                                       {"scope_countries": ["NZ", "AU", "XX"]}, goal=None)
    assert said == "country scope: Germany → Australia, New Zealand, XX"
