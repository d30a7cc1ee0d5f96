"""The scoreboard's goals panel: which objectives it lists first, and what their key results need."""

from __future__ import annotations

from types import SimpleNamespace

from components import goals_panel
from components.goals_panel import panel_cards


def ev(goal_id: int, status: str, title: str, parent: int | None = None):
    return SimpleNamespace(goal=SimpleNamespace(id=goal_id, parent_id=parent, title=title),
                           progress=SimpleNamespace(status=status))


def listed(evs):
    return [(e.goal.title, attention) for e, attention in panel_cards(evs)]


def test_an_objective_on_track_with_key_results_off_track_comes_first_and_says_so():
    evs = [ev(1, "on_track", "Close the revenue plan"),
           ev(2, "on_track", "Raise lead acceptance"),
           ev(3, "off_track", "Cut the median time to first touch", parent=2),
           ev(4, "off_track", "Meet the follow-up SLA", parent=2),
           ev(5, "on_track", "Grow marketing-sourced revenue"),
           ev(6, "at_risk", "Create marketing-sourced pipeline", parent=5),
           ev(7, "on_track", "Deliver MQLs sales can work", parent=5)]
    assert listed(evs) == [("Raise lead acceptance", "2 key results off track"),
                           ("Grow marketing-sourced revenue", "1 key result at risk"),
                           ("Close the revenue plan", None)]


def test_own_status_counts_too_and_ties_go_by_title():
    evs = [ev(1, "on_track", "B"), ev(2, "at_risk", "C"), ev(3, "on_track", "A"),
           ev(4, "off_track", "D"), ev(5, "at_risk", "E kr", parent=1), ev(6, "off_track", "F kr", parent=1)]
    assert listed(evs) == [("B", "1 key result off track, 1 at risk"), ("D", None), ("C", None), ("A", None)]


def test_a_key_result_whose_objective_is_not_shown_is_listed_on_its_own():
    """Its objective belongs to another period (not among the panel's goals)."""
    assert listed([ev(8, "at_risk", "Orphan", parent=99), ev(9, "on_track", "Top")]) == [
        ("Orphan", None), ("Top", None)]
    assert panel_cards([]) == []


def test_the_goals_page_ranks_an_objective_by_its_worst_key_result_too():
    from components.goal_views import attention_rank

    objective = ev(1, "on_track", "O")
    assert attention_rank(objective, []) > attention_rank(objective, [ev(2, "at_risk", "K", parent=1)])
    assert attention_rank(objective, [ev(2, "at_risk", "K", parent=1), ev(3, "off_track", "L", parent=1)]) == \
        attention_rank(ev(4, "off_track", "X"), [])


def test_the_summary_counts_every_status_so_the_parts_add_up():
    """'18 goals: 6 on track, 1 at risk, 2 off track' left out a year's 9 ended goals."""
    statuses = ["on_track"] * 6 + ["at_risk"] + ["off_track"] * 2 + ["achieved"] * 5 + ["missed"] * 4
    assert goals_panel.status_summary(statuses) == \
        "18 goals: 6 on track, 1 at risk, 2 off track, 5 achieved, 4 missed"
    assert goals_panel.status_summary(["too_early"]) == "1 goal: 1 too early to tell"


def test_the_link_under_the_cards_counts_every_goal_without_a_card():
    """Two cards beside the KPIs (a box of five scrolled, cutting the second card at 1366×768); the
    link says how many goals the Shared goals page has besides them."""
    assert goals_panel.MAX_GOALS == 2
    assert goals_panel.more_label(9, 2) == "+7 more goals →"
    assert goals_panel.more_label(3, 2) == "+1 more goal →"
    assert goals_panel.more_label(2, 2) == "All goals →"
