"""Pure helpers for the two-sided SLA: pace against a commitment and the status of each half.
No database, no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

#: How far below a rate target still counts as "at risk" rather than "off track" (points).
RATE_MARGIN = 0.05
#: Projected volume at or above this share of the commitment is "at risk", below "off track".
VOLUME_MARGIN = 0.9
#: A lead that slipped less than this long ago (minutes past its due time) counts as a recent slip,
#: one the team can still save (the slipping summary, meeting mode).
RECENT_SLIP_MINUTES = 7 * 1440


@dataclass(frozen=True)
class Pace:
    delivered: float
    committed: float
    elapsed_share: float
    expected_by_now: float
    projected: float | None
    status: str  # on_track / at_risk / off_track / pending

    @property
    def vs_pace(self) -> float | None:
        """Delivered ÷ expected by now − 1 (+0.05 = 5 % ahead of pace)."""
        return self.delivered / self.expected_by_now - 1 if self.expected_by_now else None


def volume_pace(delivered: float, committed: float, elapsed_share: float) -> Pace:
    """Delivered so far against a commitment for a period of which ``elapsed_share`` has passed.

    The projection extrapolates the run rate to the end of the period. Status: on track when the
    projection reaches the commitment, at risk when it reaches ``VOLUME_MARGIN`` of it, off track
    otherwise; pending before any time has passed.
    """
    elapsed_share = min(max(elapsed_share, 0.0), 1.0)
    expected = committed * elapsed_share
    if elapsed_share <= 0:
        return Pace(delivered, committed, 0.0, 0.0, None, "pending")
    projected = delivered / elapsed_share
    if committed <= 0 or projected >= committed:
        status = "on_track"
    elif projected >= VOLUME_MARGIN * committed:
        status = "at_risk"
    else:
        status = "off_track"
    return Pace(delivered, committed, elapsed_share, expected, projected, status)


def delivery_pace(mqls_by_day: Mapping[date, float], committed_by_day: Mapping[date, float],
                  elapsed_by_day: Mapping[date, float]) -> Pace | None:
    """MQLs delivered against commitments that may cover only part of a period, day by day.

    ``committed_by_day``: the MQLs committed for each day (a commitment's volume spread evenly over
    its days; 0 or absent where no commitment runs); ``elapsed_by_day``: the share of each day gone
    (1 for past days, absent for days ahead). Only MQLs of covered days count, and the pace is the
    share of the committed volume whose days have passed — so a period that runs past its
    commitments is not measured with its uncovered days' MQLs against the covered days' volume.
    None when nothing is committed.
    """
    covered = {d for d, v in committed_by_day.items() if v > 0}
    committed = sum(committed_by_day[d] for d in covered)
    if not committed:
        return None
    delivered = sum(n for d, n in mqls_by_day.items() if d in covered)
    expected = sum(committed_by_day[d] * min(max(elapsed_by_day.get(d, 0.0), 0.0), 1.0) for d in covered)
    return volume_pace(delivered, committed, expected / committed)


def rate_status(rate: float | None, target: float | None) -> str:
    """on_track at or above target, at_risk within RATE_MARGIN below it, off_track further below;
    pending when either is unknown."""
    if rate is None or target is None or rate != rate:
        return "pending"
    if rate >= target:
        return "on_track"
    return "at_risk" if rate >= target - RATE_MARGIN else "off_track"


STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track", "pending": "Too early to say",
                 "none": "No hand-offs"}

#: Worst first is last: a half shows the worse of its two statuses.
_STATUS_ORDER = ("pending", "on_track", "at_risk", "off_track")


def sales_side_status(handoffs: int, compliance_status: str, decision_status: str) -> str:
    """The status of sales' half of the SLA: the worse of follow-up and decisions, or "none" when
    the period and filters hold no hand-off at all — nothing for sales to do is not "too early to
    say" (a filter on the marketing team, or on a source sales was never handed)."""
    if not handoffs:
        return "none"
    return max((compliance_status, decision_status), key=_STATUS_ORDER.index)
