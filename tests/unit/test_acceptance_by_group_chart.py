"""The Sales feedback page's acceptance per group: parts that add up to each group's hand-offs."""

from __future__ import annotations

import pandas as pd
import pytest

from components import qualification_charts as qc
from components import theme

pytestmark = pytest.mark.unit


def frame(rows):
    return pd.DataFrame(rows, columns=["dim_label", "handed_off", "accepted", "rejected", "awaiting"])


def test_each_group_is_split_into_accepted_rejected_and_awaiting_shares():
    fig = qc.acceptance_by_group_chart(frame([("Webinar", 10, 6, 3, 1), ("Paid search", 4, 1, 1, 2)]), "Source")
    assert [t.name for t in fig.data] == ["Accepted", "Rejected", "Awaiting decision"]
    assert [t.marker.color for t in fig.data] == [theme.GOOD, theme.BAD, theme.PENDING]
    by_name = {t.name: dict(zip(t.y, t.x)) for t in fig.data}
    assert by_name["Accepted"] == {"Webinar  (10)": 0.6, "Paid search  (4)": 0.25}
    assert by_name["Awaiting decision"]["Paid search  (4)"] == 0.5
    for label in by_name["Accepted"]:   # the parts fill each bar
        assert sum(parts[label] for parts in by_name.values()) == pytest.approx(1.0)
    # the lowest acceptance is drawn last, at the top of the horizontal chart
    assert list(fig.data[0].y) == ["Webinar  (10)", "Paid search  (4)"]
    assert list(fig.data[0].text) == ["60%", "25%"] and set(fig.data[1].text) == {""}


def test_only_the_groups_with_most_hand_offs_are_drawn():
    rows = [(f"Campaign {i:02d}", 100 - i, 50, 50 - i, 0) for i in range(20)]
    fig = qc.acceptance_by_group_chart(frame(rows), "Campaign", top=5)
    assert sorted(fig.data[0].y) == [f"Campaign {i:02d}  ({100 - i})" for i in range(5)]


def test_no_hand_offs_draws_an_explained_empty_chart():
    fig = qc.acceptance_by_group_chart(frame([("Webinar", 0, 0, 0, 0)]), "Source")
    assert not fig.data
    assert any("No hand-offs in this period" in a.text for a in fig.layout.annotations)
