"""A state never rests on colour alone: about 1 man in 12 cannot tell the good green, the warn amber
and the bad red apart, and a meeting export may be printed in grey. Every bar drawn in a status
colour carries that status's fill pattern (theme.STATUS_PATTERNS), the same on every chart, and the
legends that explain the colours show the patterns."""

from __future__ import annotations

import pandas as pd
import pytest

from components import charts, goal_card, goal_charts, meeting_charts, qualification_charts, sla_charts, theme
from queries.goal_math import Progress
from tests.unit.test_first_touch_chart import distribution   # the same bands: met, late, untouched, pending

MONDAYS = pd.date_range("2026-09-28", periods=3, freq="7D")
#: The status each status colour stands for.
STATUS_OF = {theme.GOOD: "on_track", theme.WARN: "at_risk", theme.BAD: "off_track", theme.PENDING: "pending"}


def _bars(fig):
    """(colour, pattern shape, trace) for each bar of each bar trace that has bars."""
    for trace in fig.data:
        if trace.type != "bar":
            continue
        n = max(len(trace.x) if trace.x is not None else 0, len(trace.y) if trace.y is not None else 0)
        colors = trace.marker.color
        shapes = trace.marker.pattern.shape
        for i in range(n):
            color = colors[i] if isinstance(colors, (list, tuple)) else colors
            shape = shapes[i] if isinstance(shapes, (list, tuple)) else shapes
            yield color, shape, trace


def _patterned_states(fig) -> set[str]:
    """The states the figure's bars show; asserts each status-coloured bar has its status's pattern."""
    seen = set()
    for color, shape, trace in _bars(fig):
        if color in STATUS_OF:
            status = STATUS_OF[color]
            assert shape == theme.STATUS_PATTERNS[status], (trace.name, color, shape)
            if shape:   # light lines over the colour, never a pattern in place of it
                assert trace.marker.pattern.fillmode == "overlay"
                assert trace.marker.pattern.fgopacity is not None and trace.marker.pattern.fgopacity <= 0.6
            seen.add(status)
    return seen


def _legend_patterns(fig) -> dict[str, str]:
    """Legend entry → the pattern its swatch shows (a bar's), for the entries that are traces."""
    shown = [t for t in fig.data if t.showlegend is not False and t.name]
    return {t.name: (t.marker.pattern.shape if t.type == "bar" else None) for t in shown}


def test_each_state_has_its_own_pattern_and_good_is_plain():
    patterns = theme.STATUS_PATTERNS
    assert set(theme.STATUS_COLORS) <= set(patterns)
    assert patterns["on_track"] == ""
    main = [patterns[s] for s in ("on_track", "at_risk", "off_track", "pending")]
    assert len(set(main)) == 4 and all(p in ("", "/", "\\", "x", "-", "|", "+", ".") for p in main)
    assert patterns["none"] == patterns["pending"]


def test_status_marker_one_status_or_one_per_bar():
    one = theme.status_marker("at_risk")
    assert one["color"] == theme.WARN and one["pattern"]["shape"] == "/"
    many = theme.status_marker(["on_track", "off_track", "pending"])
    assert many["color"] == [theme.GOOD, theme.BAD, theme.PENDING]
    assert many["pattern"]["shape"] == ["", "x", "."]


# --------------------------------------------------------------------------- time to first touch


def test_first_touch_met_late_untouched_and_pending_each_have_their_pattern():
    """Scoreboard: met within the window, touched late, untouched past the deadline, untouched in it."""
    fig = charts.first_touch_chart(distribution())
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track", "pending"}
    names = sla_charts.KIND_NAMES
    assert _legend_patterns(fig) == {names["met"]: "", names["late"]: "/", names["breach"]: "x", names["pending"]: "."}


def test_touch_vs_window_bars_and_legend_carry_the_patterns():
    """The team scorecard's bands: one bar trace coloured bar by bar, its legend drawn as swatches."""
    bands = pd.DataFrame({"band": [0, 1, 2, -2, -1], "label": ["≤ 50%", "≤ 100%", "> 100%", "in", "past"],
                          "kind": ["met", "met", "late", "pending", "breach"], "handoffs": [12, 8, 5, 2, 3]})
    fig = sla_charts.touch_vs_window_chart(bands)
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track", "pending"}
    bars = fig.data[0]
    assert list(bars.marker.pattern.shape) == ["", "", "/", "x", "."]   # touched by band, then untouched
    names = sla_charts.KIND_NAMES
    assert _legend_patterns(fig) == {names["met"]: "", names["late"]: "/", names["breach"]: "x", names["pending"]: "."}
    # the swatches are empty bars of the chart's own orientation: they take no place beside the data
    for swatch in fig.data[1:]:
        assert swatch.orientation in (None, "v") and list(swatch.x) == [None] and swatch.hoverinfo == "skip"


def test_breaches_by_tier_and_source_are_patterned():
    frame = pd.DataFrame({"dim_label": ["Strategic", "Standard"], "met": [8, 20], "breached_late": [2, 4],
                          "breached_untouched": [1, 3], "breached": [3, 7], "compliance_rate": [8 / 11, 20 / 27]})
    fig = sla_charts.breaches_by_chart(frame, title="Breaches by tier")
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track"}
    assert _legend_patterns(fig) == {"Within the window": "", "Touched late": "/", "Untouched": "x"}
    # the label says the share breached, as the title promises (it showed the compliance, "Strategic  73%")
    assert sorted(fig.data[0].y) == ["Standard · 26% breached", "Strategic · 27% breached"]


# --------------------------------------------------------------------------- the two-sided SLA


def test_decisions_against_the_decision_window_are_patterned():
    frame = pd.DataFrame({"bucket": MONDAYS, "on_time": [5, 6, 4], "late": [1, 0, 2], "overdue": [0, 1, 1],
                          "pending": [0, 0, 3]})
    fig = sla_charts.decision_chart(frame, grain="week")
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track", "pending"}
    assert _legend_patterns(fig) == {"Decided on time": "", "Decided late": "/", "No decision, overdue": "x",
                                     "Not due yet": "."}


def test_hand_offs_awaiting_a_decision_are_dotted_on_the_acceptance_chart():
    frame = pd.DataFrame({"bucket": MONDAYS, "acceptance_rate": [0.6, 0.5, 0.3], "accepted": [6, 5, 3],
                          "rejected": [4, 5, 3], "awaiting": [0, 0, 4]})
    fig = sla_charts.acceptance_chart(frame, 0.55, grain="week")
    assert _patterned_states(fig) == {"pending"}
    assert _legend_patterns(fig)["Awaiting a decision"] == "."


# --------------------------------------------------------------------------- sales feedback


def test_acceptance_by_group_accepted_rejected_awaiting_are_patterned():
    acc = pd.DataFrame([("Webinar", 10, 6, 3, 1), ("Paid search", 4, 1, 1, 2)],
                       columns=["dim_label", "handed_off", "accepted", "rejected", "awaiting"])
    fig = qualification_charts.acceptance_by_group_chart(acc, "Source")
    assert _patterned_states(fig) == {"on_track", "off_track", "pending"}
    assert _legend_patterns(fig) == {"Accepted": "", "Rejected": "x", "Awaiting decision": "."}


def test_lead_quality_bars_are_patterned_by_their_band():
    trend = pd.DataFrame({"dim_label": ["A", "B", "C"], "ratings": [5, 5, 5], "avg_quality": [4.2, 3.0, 1.8],
                          "poor": [0, 2, 4], "good": [5, 2, 0]})
    fig = qualification_charts.quality_by_group_chart(trend, "Source")
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track"}


# --------------------------------------------------------------------------- meeting mode


def _sources() -> pd.DataFrame:
    rows = [("paid_search", "Paid search", 100, 46), ("content", "Content", 100, 55), ("webinar", "Webinar", 100, 70),
            ("event", "Events", 100, 52)]
    frame = pd.DataFrame(rows, columns=["dim_key", "dim_label", "handed_off", "accepted"])
    return frame.assign(awaiting=0, acceptance_rate=frame["accepted"] / frame["handed_off"])


@pytest.mark.parametrize("big", [False, True])
def test_the_meeting_acceptance_slide_patterns_its_bars_and_legend(big):
    fig = meeting_charts.acceptance_by_source_chart(_sources(), 0.58, minimum=0.55, big=big)
    if big:
        fig = meeting_charts.for_projector(fig)
    assert _patterned_states(fig) == {"on_track", "at_risk", "off_track"}
    assert _legend_patterns(fig) == {"At or above the minimum": "", "Up to 5 pts below": "/",
                                     "More than 5 pts below": "x"}
    for swatch in fig.data[1:]:   # horizontal, as the chart's bars: no place taken beside them
        assert swatch.orientation == "h" and list(swatch.y) == [None]


def test_the_meeting_acceptance_slide_without_a_minimum_has_no_status_pattern():
    fig = meeting_charts.acceptance_by_source_chart(_sources(), 0.58)
    assert _patterned_states(fig) == set()
    assert not fig.data[0].marker.pattern.shape


# --------------------------------------------------------------------------- goals


def _progress(data_status: str) -> Progress:
    return Progress(value=300, target=1000, pace=0.5, attainment=0.3, expected=500, projected=600,
                    projected_attainment=0.6, data_status=data_status, status=data_status)


@pytest.mark.parametrize("data_status, status", [("on_track", "on_track"), ("at_risk", "at_risk"),
                                                 ("off_track", "off_track"), ("achieved", "on_track"),
                                                 ("missed", "off_track"), ("not_started", "pending")])
def test_a_goal_progress_bar_has_its_status_pattern(data_status, status):
    fig = goal_charts.progress_bar_chart(_progress(data_status))
    fill = fig.data[1]
    assert fill.marker.color == theme.STATUS_COLORS[status]
    assert fill.marker.pattern.shape == theme.STATUS_PATTERNS[status]
    # the goal cards' light HTML bar: the same colour, and the pattern as a CSS background
    bar = goal_card.progress_bar_html(_progress(data_status))
    assert f"background-color:{theme.STATUS_COLORS[status]};" in bar
    assert ("background-image:" in bar) == bool(theme.STATUS_PATTERNS[status])


def test_the_css_patterns_follow_the_plotly_shapes():
    assert "background-image" not in theme.status_fill_css("on_track")
    hatched, crossed, dotted = (theme.status_fill_css(s) for s in ("at_risk", "off_track", "pending"))
    assert hatched.count("repeating-linear-gradient") == 1
    assert crossed.count("repeating-linear-gradient") == 2
    assert "radial-gradient" in dotted and "background-size" in dotted
