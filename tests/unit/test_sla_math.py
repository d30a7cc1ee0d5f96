"""Pace against a commitment and the status of each half of the SLA (queries/sla_math.py)."""

import pytest

from queries.sla_math import rate_status, volume_pace


def test_volume_pace_projects_the_run_rate():
    p = volume_pace(delivered=300, committed=900, elapsed_share=0.25)
    assert p.expected_by_now == 225 and p.projected == 1200 and p.status == "on_track"
    assert p.vs_pace == pytest.approx(300 / 225 - 1)
    assert volume_pace(190, 900, 0.25).status == "off_track"    # projects 760 < 810
    assert volume_pace(205, 900, 0.25).status == "at_risk"      # projects 820 ≥ 810
    assert volume_pace(900, 900, 1.0).status == "on_track"       # exactly met at the end


def test_volume_pace_edges():
    assert volume_pace(0, 900, 0.0).status == "pending"
    assert volume_pace(10, 900, -1).elapsed_share == 0
    assert volume_pace(10, 0, 0.5).status == "on_track"          # nothing committed
    assert volume_pace(450, 900, 1.7).elapsed_share == 1.0       # clamped after the period
    assert volume_pace(0, 900, 0.0).vs_pace is None


@pytest.mark.parametrize("rate,target,status", [
    (0.91, 0.90, "on_track"), (0.90, 0.90, "on_track"), (0.86, 0.90, "at_risk"), (0.85, 0.90, "at_risk"),
    (0.84, 0.90, "off_track"), (None, 0.9, "pending"), (0.5, None, "pending"), (float("nan"), 0.9, "pending"),
])
def test_rate_status(rate, target, status):
    assert rate_status(rate, target) == status
