"""Names people type (sources, reps, teams, campaigns, segments) are shown as typed on every chart.

Plotly renders a subset of HTML (<b>, <i>, <a href>, <br>, <span style>) in trace names, axis
labels, annotations and hovers, and reads "%{...}" in a hovertemplate as a placeholder. A source
named "<b>Web</b>" or a rep called "Ann %{y}" must not turn bold or swallow a number.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components import charts, meeting_charts, qualification_charts, sla_charts, theme

NAME = "<b>Ann</b> <a href='x'>%{y}</a> & co"
SAFE = "&lt;b&gt;Ann&lt;/b&gt; &lt;a href='x'&gt;%{y}&lt;/a&gt; &amp; co"

pytestmark = pytest.mark.unit


def _no_markup(fig) -> None:
    """Nothing of the raw name anywhere in the figure, and no hovertemplate carries it."""
    text = json.dumps(fig.to_plotly_json(), default=str)
    assert "<b>Ann" not in text and "<a href" not in text
    for trace in fig.data:
        assert "Ann" not in (getattr(trace, "hovertemplate", None) or "")


def test_plain_escapes_tags_and_ampersands_only():
    assert theme.plain(NAME) == SAFE
    assert theme.plain(None) == "" and theme.plain(12) == "12"
    assert theme.plain("O'Neil \"Jr\"") == "O'Neil \"Jr\""


def test_acceptance_trend_by_source():
    buckets = pd.to_datetime(["2026-09-01", "2026-10-01"])
    by_source = pd.DataFrame({"bucket": buckets, "dim_label": [NAME, NAME], "dim_key": ["x", "x"],
                              "handed_off": [40, 50], "accepted": [20, 30], "awaiting": [0, 2],
                              "acceptance_rate": [0.5, 0.6]})
    overall = by_source.drop(columns=["dim_label", "dim_key"])
    fig = charts.acceptance_trend_chart(by_source, overall, "month", min_cohort=1)
    assert fig.data[0].name == SAFE
    assert "%{fullData.name}" in fig.data[0].hovertemplate
    _no_markup(fig)


def test_compliance_trend_and_breaches_by_rep():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-05", "2026-10-12"]), "dim_label": [NAME, NAME],
                          "compliance_rate": [0.8, 0.9], "met": [8, 9], "breached": [2, 1], "pending": [0, 0]})
    trend = sla_charts.compliance_trend_chart(frame, title="Compliance by rep")
    assert trend.data[0].name == SAFE
    _no_markup(trend)
    bars = sla_charts.breaches_by_chart(pd.DataFrame({
        "dim_label": [NAME], "met": [8], "breached_late": [1], "breached_untouched": [1], "breached": [2],
        "compliance_rate": [0.8]}), title="Breaches by rep")
    assert bars.data[0].y[0].startswith(SAFE)
    _no_markup(bars)


def test_rep_against_team():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-05", "2026-10-12"]),
                          "compliance_rate": [0.8, 0.9], "team_compliance_rate": [0.7, 0.75]})
    fig = sla_charts.rep_weekly_chart(frame, NAME, "<i>Sales</i>", 0.9)
    assert [t.name for t in fig.data[:2]] == ["&lt;i&gt;Sales&lt;/i&gt;", SAFE]
    _no_markup(fig)
    assert "<i>Sales" not in json.dumps(fig.to_plotly_json(), default=str)


def test_meeting_acceptance_by_source():
    by_source = pd.DataFrame({"dim_label": [NAME, "Events"], "handed_off": [40, 30], "accepted": [20, 25],
                              "awaiting": [1, 0], "acceptance_rate": [0.5, 25 / 30]})
    fig = meeting_charts.acceptance_by_source_chart(by_source, 0.6)
    assert SAFE in list(fig.data[0].y)
    assert {a.y for a in fig.layout.annotations if a.y is not None} >= {SAFE}
    _no_markup(fig)


def test_rejection_reasons_by_group():
    reasons = pd.DataFrame({"dim_label": [NAME, NAME], "reason": ["bad_fit", "no_budget"],
                            "rejected": [3, 1], "share": [0.75, 0.25]})
    fig = qualification_charts.reasons_by_group_chart(reasons, "Campaign")
    assert fig.data[0].customdata[0].startswith(SAFE)
    _no_markup(fig)


def test_acceptance_by_group():
    acc = pd.DataFrame({"dim_label": [NAME], "handed_off": [4], "accepted": [2], "rejected": [1], "awaiting": [1]})
    fig = qualification_charts.acceptance_by_group_chart(acc, "Campaign")
    assert fig.data[0].customdata[0].startswith(SAFE)
    _no_markup(fig)
