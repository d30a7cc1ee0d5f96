"""The time-to-first-touch chart splits each band by the hand-offs' own SLA outcome."""

from __future__ import annotations

import pandas as pd

from components import charts, sla_charts, theme


def distribution() -> pd.DataFrame:
    bands = pd.DataFrame({"band": [-1, 0, 1, 2], "lower_minutes": [float("nan"), 0.0, 30.0, 240.0],
                          "upper_minutes": [float("nan"), 30.0, 240.0, float("inf")]})
    # band 1 (30 min–4 h) holds both: 4-hour leads in time, 30-minute strategic leads late
    return bands.assign(handoffs=[7, 10, 8, 5], in_time=[0, 10, 6, 0], past_deadline=[4, 0, 0, 0])


def test_bars_stack_to_the_band_counts_in_the_sla_pages_colours():
    fig = charts.first_touch_chart(distribution())
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {sla_charts.KIND_NAMES[k] for k in ("met", "late", "breach", "pending")}
    met, late = by_name[sla_charts.KIND_NAMES["met"]], by_name[sla_charts.KIND_NAMES["late"]]
    assert list(met.x) == ["< 30m", "30m–4h", "4h+", "Untouched"]
    assert list(met.y) == [10, 6, 0, 0] and list(late.y) == [0, 2, 5, 0]
    assert list(by_name[sla_charts.KIND_NAMES["breach"]].y) == [0, 0, 0, 4]
    assert list(by_name[sla_charts.KIND_NAMES["pending"]].y) == [0, 0, 0, 3]
    assert met.marker.color == theme.GOOD and late.marker.color == theme.WARN
    assert [a.text for a in fig.layout.annotations] == ["33%", "27%", "17%", "23%"]   # of 30 hand-offs


def test_a_period_with_no_untouched_and_no_late_hand_off():
    frame = distribution().assign(handoffs=[0, 10, 0, 0], in_time=[0, 10, 0, 0], past_deadline=0)
    fig = charts.first_touch_chart(frame)
    assert [t.name for t in fig.data] == [sla_charts.KIND_NAMES["met"]]
    assert [a.text for a in fig.layout.annotations] == ["100%"]


def test_bands_past_a_day_are_in_hours_and_the_axis_says_which_hours():
    """Where the SLA policy counts business hours, the minutes are business minutes: "1d" read as a
    calendar day for 24 business hours (about three working days)."""
    assert [charts.band_label(lo, up) for lo, up in ((0, 5), (30, 60), (480, 1440), (1440, 4320),
                                                      (4320, float("inf")))] == \
        ["< 5m", "30m–1h", "8–24h", "24–72h", "72h+"]
    title = charts.first_touch_chart(distribution()).layout.xaxis.title.text
    assert title == "Business hours where the lead's SLA policy counts them"
