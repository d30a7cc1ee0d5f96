"""Campaign returns on the seeded database: the per-campaign rows and totals against an independent
pandas computation over the raw tables, and the page (AppTest) against the query functions."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from components import format as fmt
from queries import campaigns, settings
from queries.filters import Filters
from queries.periods import Period
from tests.apptest import HALF_WIDTH_1366, PAGE_WIDTH_1366, fits_without_scrolling, open_page
from tests.integration.test_metrics_vs_pandas import in_period, raw  # noqa: F401  (raw: the seeded rows, a fixture)

Q2 = {"period": "custom", "from": "2026-04-01", "to": "2026-06-30"}


def expected_rows(raw, period: Period, channels: set[str] | None = None) -> pd.DataFrame:
    c = raw["campaign"]
    ends = c.end_date.fillna(date.max)   # no end date: still running
    camps = c[(c.start_date <= period.end) & (ends >= period.start)]
    if channels:
        camps = camps[camps.channel_code.isin(channels)]
    leads = raw["lead"][raw["lead"].campaign_id.isin(camps.id)]
    mql = set(raw["event"].loc[raw["event"].event_type == "mql", "lead_id"])
    opps = raw["opp"].merge(leads, left_on="lead_id", right_on="id")
    hand = raw["handoff"].merge(leads, left_on="lead_id", right_on="id")
    hand = hand[in_period(hand.handed_off_at, period)]
    out = camps.set_index("id")[["channel_code", "spend"]].assign(
        mqls=leads[leads.id.isin(mql)].groupby("campaign_id").size(),
        sqls=opps.groupby("campaign_id").lead_id.nunique(),   # leads that reached SQL, as in the funnel
        won_revenue=opps[opps.stage == "closed_won"].groupby("campaign_id").amount.sum().astype(float),
        handed_off=hand.groupby("campaign_id").size(),
        accepted=hand[hand.decision == "accepted"].groupby("campaign_id").size(),
    )
    return out.fillna({k: 0 for k in ("mqls", "sqls", "won_revenue", "handed_off", "accepted")}).sort_index()


@pytest.mark.parametrize("channels", [None, {"webinar", "paid_search"}], ids=["all", "two-channels"])
def test_rows_and_totals_match_an_independent_computation(raw, seeded_app_db, channels):
    quarter = Period(date(2026, 4, 1), date(2026, 6, 30), raw["tz"])
    expected = expected_rows(raw, quarter, channels)
    got = campaigns.returns(quarter, Filters(sources=sorted(channels or ()))).set_index("campaign_id").sort_index()
    assert list(got.index) == list(expected.index) and len(got) > 3
    assert got.channel_code.tolist() == expected.channel_code.tolist()
    for col in ("mqls", "sqls", "handed_off", "accepted"):
        assert got[col].tolist() == expected[col].astype(int).tolist(), col
    assert np.allclose(got.spend, expected.spend.astype(float))
    assert np.allclose(got.won_revenue, expected.won_revenue)
    assert expected.handed_off.sum() > 20 and expected.sqls.sum() > 0

    total = campaigns.totals(got)
    assert total.spend == pytest.approx(float(expected.spend.sum()))
    assert total.cost_per_sql == pytest.approx(float(expected.spend.sum()) / expected.sqls.sum())
    assert total.roi == pytest.approx(expected.won_revenue.sum() / float(expected.spend.sum()))
    assert total.acceptance_rate == pytest.approx(expected.accepted.sum() / expected.handed_off.sum())


def _metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


def test_page_shows_the_totals_of_the_query_functions(seeded_app_db, monkeypatch):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    at = open_page("marketer", "campaigns", query=Q2)
    period = Period(date(2026, 4, 1), date(2026, 6, 30), settings.company_timezone())
    rows = campaigns.returns(period)
    total = campaigns.totals(rows)
    cur = settings.currency()
    assert _metric(at, "Spend").value == fmt.money(total.spend, cur)
    assert _metric(at, "Cost per MQL").value == fmt.money(total.cost_per_mql, cur)
    assert _metric(at, "Cost per SQL").value == fmt.money(total.cost_per_sql, cur)
    assert _metric(at, "Return").value == fmt.ratio(total.roi)
    assert _metric(at, "Accepted by sales").value == fmt.pct(total.acceptance_rate)
    tables = [df.value for df in at.dataframe]
    every = next(t for t in tables if "campaign" in t.columns)
    assert sorted(every["campaign"]) == sorted(rows["campaign"])
    assert at.get("download_button")  # the table exports to CSV
    # nothing cut: the whole spend, said plainly; the CSV still has both spend columns (equal here)
    shown = next(d for d in at.dataframe if "campaign" in d.value.columns)
    assert "allocated_spend" not in shown.proto.column_order and "spend" in shown.proto.column_order
    assert (every["allocated_spend"] == every["spend"]).all()
    assert not any("allocated" in m.value.lower() for m in at.markdown)
    # By channel: amounts in three digits like the tiles, in widths that fit the half column of a
    # 1366 px screen ("$3,092,777" at 1M leads scrolled it sideways)
    by_channel = next(d for d in at.dataframe if "Per SQL" in d.value.columns and "Channel" in d.value.columns)
    channels = campaigns.by_channel(rows)
    assert list(by_channel.value["Channel"]) == list(channels["channel"])
    assert list(by_channel.value["Spend"]) == [fmt.money(v, cur) for v in channels["spend"]]
    assert list(by_channel.value["Per SQL"]) == [fmt.money(v, cur) for v in channels["cost_per_sql"]]
    assert fits_without_scrolling(by_channel, HALF_WIDTH_1366)
    assert len(at.get("download_button")) == 2   # its CSV holds the amounts in full
    # a channel that has won nothing yet: a dash the caption explains, as the chart's "nothing won yet"
    # (was "0.0×")
    nothing = channels["roi"] == 0
    assert nothing.any() and (by_channel.value["Return"][nothing.to_numpy()] == "—").all()
    assert "0.0×" not in set(by_channel.value["Return"])
    assert any("— where nothing is won yet" in c.value for c in at.caption)
    # Every campaign: amounts as on the tiles, the charts and the channel table ($73.1k, not "$73,117"),
    # a campaign without revenue "nothing won yet"; the cells stay numbers (they sort as numbers)
    shown_text = _display_values(shown)
    for col in ("spend", "cost_per_mql", "cost_per_sql", "won_revenue"):
        assert every[col].dtype == "float64"
        assert list(shown_text[col]) == [fmt.money(v, cur) for v in every[col]], col
    won_nothing = (every["won_revenue"] == 0) & (every["spend"] > 0)
    assert won_nothing.any() and (shown_text["roi"][won_nothing.to_numpy()] == "nothing won yet").all()
    assert "0.0×" not in set(shown_text["roi"])
    config = json.loads(shown.proto.columns)
    assert all("format" not in config[c].get("type_config", {}) for c in ("spend", "won_revenue", "roi"))
    # at 1366 px: the pinned name and every column up to Accepted in view, then the channel, whose
    # column the first view ends in (the next one, "Handed off", was cut to "Ha…"), the counts and dates after
    order = list(shown.proto.column_order)
    assert order[:9] == ["campaign", "spend", "won_revenue", "roi", "cost_per_mql", "cost_per_sql",
                         "accepted_pct", "channel", "handed_off"]
    assert config["campaign"]["pinned"] is True
    assert sum(config[c]["width"] for c in order[:7]) + 100 <= PAGE_WIDTH_1366
    assert sum(config[c]["width"] for c in order[:8]) > PAGE_WIDTH_1366 + 4
    assert set(order) == set(every.columns) - {"allocated_spend"}


def _display_values(table) -> pd.DataFrame:
    """The text an ``st.dataframe`` (an AppTest element) drawn from a Styler shows in each cell."""
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)


def test_page_with_a_tier_filter_divides_the_spend_allocated_to_the_tier(seeded_app_db, monkeypatch):
    """QA: /campaigns?tier=1 showed the whole spend and divided it by tier 1's MQLs (cost per MQL 4x
    the overall). The tiles, tables and charts now use the spend allocated to tier 1 and say so; the
    CSV holds the whole spend and the allocated spend."""
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    at = open_page("marketer", "campaigns", query={**Q2, "tier": "1"})
    period = Period(date(2026, 4, 1), date(2026, 6, 30), settings.company_timezone())
    rows = campaigns.returns(period, Filters(tiers=[1]))
    total, whole = campaigns.totals(rows), campaigns.totals(campaigns.returns(period))
    cur = settings.currency()
    assert total.spend_allocated and 0 < total.allocated_spend < total.spend == whole.spend
    assert _metric(at, "Spend allocated").value == fmt.money(total.allocated_spend, cur)
    assert _metric(at, "Spend allocated").proto.delta_description.startswith(f"of {fmt.money(total.spend, cur)} on ")
    assert _metric(at, "Cost per MQL").value == fmt.money(total.allocated_spend / total.mqls, cur)
    assert _metric(at, "Return").value == fmt.ratio(total.won_revenue / total.allocated_spend)
    assert any("Spend allocated to Tier 1** by its share of each campaign's leads" in m.value for m in at.markdown)
    charts = [json.loads(c.proto.spec)["layout"]["title"]["text"].replace("<br>", " ") for c in at.get("plotly_chart")]
    assert "Spend allocated to Tier 1 and revenue won, by channel" in charts
    assert any(t.startswith("Cost per SQL on spend allocated to Tier 1") for t in charts), charts
    by_channel = next(d for d in at.dataframe if "Channel" in d.value.columns)
    assert "Allocated" in by_channel.value.columns and "Spend" not in by_channel.value.columns
    assert fits_without_scrolling(by_channel, HALF_WIDTH_1366)
    every = next(d for d in at.dataframe if "campaign" in d.value.columns)
    assert {"spend", "allocated_spend"} <= set(every.value.columns)
    assert "allocated_spend" in json.loads(every.proto.columns)
    order = list(every.proto.column_order)
    assert order[1:3] == ["spend", "allocated_spend"]   # "Allocated" shown beside "Spend"
    assert sum(json.loads(every.proto.columns)[c]["width"] for c in order[:order.index("channel") + 1]) \
        > PAGE_WIDTH_1366 + 4   # the first view at 1366 px still ends inside the channel's column
    assert set(order) == set(every.value.columns)
    # the CSV is this table: both spends, in full
    assert np.allclose(sorted(every.value.allocated_spend), sorted(rows.allocated_spend))
    assert np.allclose(sorted(every.value.spend), sorted(rows.spend))
    # an empty cost or return reads "—" like every other empty cell, not a grey "None"; the cells stay
    # numbers and sort as numbers (was infinity behind a Styler's text): the Styler only writes them
    # as the tiles do
    assert every.proto.placeholder == "—"
    empty = every.value.cost_per_sql.isna()
    assert empty.any() and every.value.cost_per_sql.dtype == "float64" and np.isfinite(every.value.roi.dropna()).all()
    assert sorted(every.value.cost_per_sql[~empty]) == sorted(rows.cost_per_sql.dropna())
    text = _display_values(every)
    assert (text["cost_per_sql"][empty.to_numpy()] == "—").all()
    assert list(text["allocated_spend"]) == [fmt.money(v, cur) for v in every.value.allocated_spend]


def test_page_explains_a_period_without_campaigns(seeded_app_db, monkeypatch):
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    at = open_page("executive", "campaigns", query={"period": "custom", "from": "2001-01-01", "to": "2001-03-31"})
    assert any("No campaign ran" in i.value for i in at.info)
    # a period before the data: the hint says where the data starts, not "clear some filters"
    assert any("The data starts on" in i.value and "filters" not in i.value for i in at.info), \
        [i.value for i in at.info]
    assert not at.metric


def test_a_campaign_that_has_won_nothing_reads_the_same_on_tiles_and_tables(seeded_app_db, monkeypatch):
    """QA (one campaign in January 2025, nothing won): the Return tile said "0.0×" where the chart
    and Every campaign said "nothing won yet" and the channel table a dash its caption explains; the
    Spend tile said "1 campaigns". The numbers are as defined (ROI 0 with spend and nothing won)."""
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    period = Period(date(2026, 4, 1), date(2026, 6, 30), settings.company_timezone())
    rows = campaigns.returns(period)
    [camp] = rows[(rows.won_revenue == 0) & (rows.spend > 0)].head(1).campaign_id.tolist()
    at = open_page("executive", "campaigns", query={**Q2, "campaign": str(camp)})
    assert not at.exception
    assert campaigns.totals(campaigns.returns(period, Filters(campaign_ids=(camp,)))).roi == 0   # as defined
    ret = _metric(at, "Return")
    assert (ret.value, ret.proto.delta_description) == ("—", "nothing won yet")
    assert _metric(at, "Spend").proto.delta_description == "1 campaign"
    by_channel = next(d for d in at.dataframe if "Per SQL" in d.value.columns and "Channel" in d.value.columns)
    assert list(by_channel.value["Return"]) == ["—"]
    assert any("— where nothing is won yet" in c.value for c in at.caption)
    every = next(d for d in at.dataframe if "campaign" in d.value.columns)
    assert list(_display_values(every)["roi"]) == ["nothing won yet"]
    assert not any("0.0×" in str(m.value) for m in at.metric)
