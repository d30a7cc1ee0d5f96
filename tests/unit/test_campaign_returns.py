"""Campaign returns: joining acceptance onto campaign performance, totals and per-channel ratios
(ratios of sums, never means of ratios), and the chart builders. Pure: hand-built frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from components import campaign_charts
from queries import campaigns


def performance(*rows, allocated: list[float] | None = None) -> pd.DataFrame:
    """rows: (id, name, channel label, spend, leads, mqls, sqls, won) as the metric returns them;
    ``allocated``: the spend allocated to a filter that cut the leads, per row (none: the whole spend)."""
    frame = pd.DataFrame(rows, columns=["campaign_id", "campaign", "channel", "spend", "leads", "mqls", "sqls",
                                        "won_revenue"])
    frame["start_date"] = date(2026, 1, 1)
    frame["end_date"] = date(2026, 3, 31)
    frame["allocated_spend"] = frame["spend"] if allocated is None else pd.Series(allocated, dtype="float64")
    frame["spend_allocated"] = pd.array([allocated is not None] * len(frame), dtype="boolean")
    spend = frame["allocated_spend"]
    frame["cost_per_mql"] = [s / m if m else None for s, m in zip(spend, frame.mqls)]
    frame["cost_per_sql"] = [s / q if q else None for s, q in zip(spend, frame.sqls)]
    frame["roi"] = [w / s if s else None for w, s in zip(frame.won_revenue, spend)]
    for col in ("cost_per_mql", "cost_per_sql", "roi"):
        frame[col] = frame[col].astype("float64")
    return frame


def acceptance(*rows) -> pd.DataFrame:
    """rows: (dim_key, handed_off, accepted, awaiting); dim_key 'none' = leads without a campaign."""
    return pd.DataFrame([{"bucket": pd.NaT, "dim_key": k, "dim_label": str(k), "handed_off": h, "accepted": a,
                          "rejected": h - a - w, "awaiting": w, "acceptance_rate": a / h} for k, h, a, w in rows],
                        columns=["bucket", "dim_key", "dim_label", "handed_off", "accepted", "rejected", "awaiting",
                                 "acceptance_rate"])


CODES = {1: "webinar", 2: "webinar", 3: "paid_search", 4: "event"}


@pytest.fixture
def frame() -> pd.DataFrame:
    perf = performance(
        (1, "Webinar A", "Webinar", 1000.0, 100, 40, 10, 5000.0),
        (2, "Webinar B", "Webinar", 3000.0, 50, 10, 0, 0.0),       # no SQL yet
        (3, "Brand search", "Paid search", 2000.0, 80, 20, 4, 1000.0),
        (4, "Free event", "Events", 0.0, 10, 5, 1, 800.0),           # no spend
    )
    acc = acceptance(("1", 20, 15, 1), ("3", 10, 2, 3), ("none", 99, 50, 0), ("77", 5, 5, 0))
    return campaigns.join_acceptance(perf, acc, CODES)


def test_join_keeps_every_campaign_and_only_campaigns(frame):
    assert list(frame.columns) == campaigns.COLUMNS
    assert frame.campaign_id.tolist() == [1, 2, 3, 4]     # 'none' and campaign 77 (not in the period) left out
    by_id = frame.set_index("campaign_id")
    assert by_id.loc[1, ["handed_off", "accepted", "awaiting"]].tolist() == [20, 15, 1]
    assert by_id.loc[1, "acceptance_rate"] == pytest.approx(0.75)
    assert by_id.loc[2, ["handed_off", "accepted"]].tolist() == [0, 0]   # no hand-off: zero, and no rate
    assert pd.isna(by_id.loc[2, "acceptance_rate"])
    assert by_id.channel_code.tolist() == ["webinar", "webinar", "paid_search", "event"]


def test_totals_are_ratios_of_sums(frame):
    t = campaigns.totals(frame)
    assert (t.campaigns, t.spend, t.mqls, t.sqls, t.won_revenue) == (4, 6000.0, 75, 15, 6800.0)
    assert t.allocated_spend == 6000.0 and not t.spend_allocated
    assert t.cost_per_mql == pytest.approx(6000 / 75)
    assert t.cost_per_sql == pytest.approx(6000 / 15)
    assert t.roi == pytest.approx(6800 / 6000)
    assert t.acceptance_rate == pytest.approx(17 / 30)   # not the mean of 0.75 and 0.2
    assert t.awaiting == 4


def test_totals_of_nothing_are_empty_not_zero():
    t = campaigns.totals(campaigns.join_acceptance(performance(), acceptance(), {}))
    assert (t.campaigns, t.spend, t.mqls) == (0, 0.0, 0)
    assert t.cost_per_mql is None and t.cost_per_sql is None and t.roi is None and t.acceptance_rate is None


def test_totals_without_spend_have_no_cost_or_return():
    t = campaigns.totals(campaigns.join_acceptance(performance((4, "Free", "Events", 0.0, 10, 5, 1, 800.0)),
                                                   acceptance(), CODES))
    assert t.cost_per_mql is None and t.cost_per_sql is None and t.roi is None


def test_by_channel_sums_then_divides_and_ranks_by_return(frame):
    ch = campaigns.by_channel(frame).set_index("channel")
    assert ch.loc["Webinar", "campaigns"] == 2
    assert ch.loc["Webinar", "spend"] == 4000.0
    assert ch.loc["Webinar", "cost_per_sql"] == pytest.approx(4000 / 10)
    assert ch.loc["Webinar", "roi"] == pytest.approx(5000 / 4000)
    assert ch.loc["Webinar", "acceptance_rate"] == pytest.approx(15 / 20)
    assert pd.isna(ch.loc["Events", "roi"]) and pd.isna(ch.loc["Events", "cost_per_mql"])
    assert list(ch.index) == ["Webinar", "Paid search", "Events"]   # best return first, no spend last


def test_without_sql_lists_campaigns_with_spend_and_no_opportunity(frame):
    assert campaigns.without_sql(frame).campaign.tolist() == ["Webinar B"]


def test_cost_per_sql_chart_puts_the_cheapest_on_top_and_leaves_out_unpriced(frame):
    fig = campaign_charts.cost_per_sql_chart(frame)
    drawn = [bar.y[0] for bar in fig.data]
    assert "Webinar B" not in drawn                    # no SQL: not drawn as a zero bar
    assert list(fig.layout.yaxis.categoryarray)[-1] == "Free event"   # cost 0: cheapest, drawn last = on top
    assert list(fig.layout.yaxis.categoryarray)[0] == "Brand search"  # $500 per SQL, at the bottom
    assert any("Paid search" in bar.text[0] for bar in fig.data)      # the channel is written beside its bar


def test_a_lone_campaign_or_channel_is_not_drawn_as_a_slab():
    """One campaign in a month: its bar filled the chart's whole height (a 200 px slab)."""
    one = performance((1, "Solo", "Webinar", 800.0, 10, 5, 2, 0.0))
    joined = campaigns.join_acceptance(one, acceptance(), CODES)
    assert {bar.width for bar in campaign_charts.cost_per_sql_chart(joined).data} == {0.25}
    assert campaign_charts.channel_returns_chart(campaigns.by_channel(joined)).layout.bargap == pytest.approx(0.6)
    many = performance(*[(i, f"C{i:02d}", "Webinar", 100.0 * (i + 1), 10, 5, 1, 0.0) for i in range(6)])
    assert {bar.width for bar in campaign_charts.cost_per_sql_chart(
        campaigns.join_acceptance(many, acceptance(), CODES)).data} == {0.75}


def test_cost_per_sql_chart_over_many_campaigns_shows_both_ends_and_says_so():
    """Over 12 months at 1M leads 74 campaigns had an SQL: the chart drew the 20 cheapest under
    'Cost per SQL, by campaign', so the costliest ones (the ones to cut) were nowhere on it."""
    perf = performance(*[(i, f"C{i:02d}", "Webinar", 100.0 * (i + 1), 10, 5, 1, 0.0) for i in range(30)])
    fig = campaign_charts.cost_per_sql_chart(campaigns.join_acceptance(perf, acceptance(), CODES))
    drawn = list(fig.layout.yaxis.categoryarray)
    assert len(drawn) == 20
    assert drawn[-1] == "C00" and "C09" in drawn and "C10" not in drawn and "C19" not in drawn   # cheapest on top
    assert drawn[0] == "C29" and "C20" in drawn                                                  # costliest too
    assert fig.layout.title.text == "Cost per SQL: the 10 cheapest and 10 costliest of 30 campaigns"
    few = campaign_charts.cost_per_sql_chart(campaigns.join_acceptance(perf.head(20), acceptance(), CODES))
    assert len(few.layout.yaxis.categoryarray) == 20 and few.layout.title.text == "Cost per SQL, by campaign"


def test_cost_per_sql_chart_keeps_two_campaigns_with_one_name_apart():
    perf = performance((1, "Webinar", "Webinar", 100.0, 1, 1, 1, 0.0), (2, "Webinar", "Webinar", 200.0, 1, 1, 1, 0.0))
    fig = campaign_charts.cost_per_sql_chart(campaigns.join_acceptance(perf, acceptance(), CODES))
    assert sorted(bar.y[0] for bar in fig.data) == ["Webinar (#1)", "Webinar (#2)"]


def test_charts_explain_an_empty_view():
    empty = campaigns.join_acceptance(performance(), acceptance(), {})
    fig = campaign_charts.cost_per_sql_chart(empty)
    assert not fig.data and "No campaign" in fig.layout.annotations[0].text
    fig = campaign_charts.channel_returns_chart(campaigns.by_channel(empty))
    assert not fig.data and "No campaign" in fig.layout.annotations[0].text


def test_channel_chart_says_nothing_won_yet_rather_than_a_zero_return(frame):
    fig = campaign_charts.channel_returns_chart(campaigns.by_channel(frame))
    revenue = next(t for t in fig.data if t.name == "Revenue won")
    texts = dict(zip(revenue.y, revenue.text))
    assert texts["Webinar"] == "$5k · 1.2× return"
    assert texts["Events"] == "$800 · no spend"
    perf = performance((3, "Brand search", "Paid search", 2000.0, 80, 20, 4, 0.0))
    fig = campaign_charts.channel_returns_chart(campaigns.by_channel(campaigns.join_acceptance(perf, acceptance(),
                                                                                               CODES)))
    assert fig.data[1].text[0] == "nothing won yet"


def test_a_table_says_nothing_won_yet_rather_than_a_zero_return():
    """Visual review: the tables read "0.0×" where the chart said "nothing won yet"."""
    assert campaign_charts.return_cell(0.0) == campaign_charts.NOTHING_WON == "nothing won yet"
    assert campaign_charts.return_cell(0.0, "—") == "—"           # the narrow channel table
    assert campaign_charts.return_cell(2.35) == "2.4×"
    assert campaign_charts.return_cell(0.04) == "0.0×"            # won something: a return, however small
    assert campaign_charts.return_cell(None) == campaign_charts.return_cell(float("nan")) == "—"   # no spend


def test_names_are_shown_as_typed_not_as_html():
    """Plotly renders <b>, <a href> and friends in labels and hovers; names are typed by people."""
    perf = performance((1, "<b>Big</b> <a href='x'>launch</a>", "<i>Web</i>", 100.0, 1, 1, 1, 50.0))
    frame = campaigns.join_acceptance(perf, acceptance(), CODES)
    bar = campaign_charts.cost_per_sql_chart(frame).data[0]
    assert bar.y[0].startswith("&lt;b&gt;Big&lt;/b&gt;") and "<" not in bar.y[0]
    assert "<b>Big" not in bar.customdata[0][0] and "<i>" not in bar.text[0]
    channels = campaign_charts.channel_returns_chart(campaigns.by_channel(frame))
    assert list(channels.data[0].y) == ["&lt;i&gt;Web&lt;/i&gt;"]


def test_cost_per_sql_hover_and_axis_wear_the_company_currency(frame):
    """The hover read 'Cost per SQL 500' with no sign (every other amount beside it had one), and
    the axis wrote billions of yen as '¥1G'."""
    fig = campaign_charts.cost_per_sql_chart(frame, "JPY")
    brand = next(bar for bar in fig.data if bar.y[0] == "Brand search")
    assert "%{x" not in brand.hovertemplate and "¥500" in list(brand.customdata[0])
    assert fig.layout.xaxis.tickprefix == "¥" and fig.layout.xaxis.exponentformat == "B"
    assert fig.layout.xaxis.tickformat is None


# --------------------------------------------------------------------------- spend allocated to a segment


@pytest.fixture
def tier_frame() -> pd.DataFrame:
    """The fixture's campaigns under a tier filter: each one's spend allocated by its share of leads
    (A: 40 of 100 leads, B: 5 of 50, C: none of 80, D: 10 of 10 with no spend)."""
    perf = performance(
        (1, "Webinar A", "Webinar", 1000.0, 40, 20, 5, 3000.0),
        (2, "Webinar B", "Webinar", 3000.0, 5, 1, 0, 0.0),
        (3, "Brand search", "Paid search", 2000.0, 0, 0, 0, 0.0),
        (4, "Free event", "Events", 0.0, 10, 5, 1, 800.0),
        allocated=[400.0, 300.0, 0.0, 0.0])
    return campaigns.join_acceptance(perf, acceptance(("1", 10, 5, 0)), CODES)


def test_totals_under_a_segment_filter_divide_the_allocated_spend(tier_frame):
    t = campaigns.totals(tier_frame)
    assert t.spend_allocated and (t.spend, t.allocated_spend) == (6000.0, 700.0)
    assert t.cost_per_mql == pytest.approx(700 / 26)      # not the whole 6,000 over the tier's MQLs
    assert t.cost_per_sql == pytest.approx(700 / 6)
    assert t.roi == pytest.approx(3800 / 700)


def test_by_channel_under_a_segment_filter_divides_the_allocated_spend(tier_frame):
    ch = campaigns.by_channel(tier_frame).set_index("channel")
    assert ch.loc["Webinar", ["spend", "allocated_spend"]].tolist() == [4000.0, 700.0]
    assert ch.loc["Webinar", "cost_per_mql"] == pytest.approx(700 / 21)
    assert ch.loc["Webinar", "roi"] == pytest.approx(3000 / 700)
    assert pd.isna(ch.loc["Paid search", "roi"]) and pd.isna(ch.loc["Paid search", "cost_per_mql"])  # nothing allocated


def test_without_sql_leaves_out_campaigns_allocated_nothing(tier_frame):
    # Brand search has spend but no lead in the tier: nothing was spent on the tier, so no SQL is missing
    assert campaigns.without_sql(tier_frame).campaign.tolist() == ["Webinar B"]


def test_charts_say_the_spend_is_allocated(tier_frame):
    channels = campaign_charts.channel_returns_chart(campaigns.by_channel(tier_frame), allocated_to="Tier 1")
    assert channels.layout.title.text.replace("<br>", " ") == "Spend allocated to Tier 1 and revenue won, by channel"
    spend = channels.data[0]
    assert spend.name == "Spend allocated to Tier 1"
    assert dict(zip(spend.y, spend.x))["Webinar"] == 700.0
    assert "$700 of $4k allocated to Tier 1 on 2 campaigns" in list(spend.customdata)
    cost = campaign_charts.cost_per_sql_chart(tier_frame, allocated_to="Tier 1")
    assert cost.layout.title.text.replace("<br>", " ") == "Cost per SQL on spend allocated to Tier 1, by campaign"
    webinar = next(bar for bar in cost.data if bar.y[0] == "Webinar A")
    assert webinar.x[0] == 80.0 and webinar.customdata[0][1] == "$400 of $1k allocated to Tier 1"
    plain = campaign_charts.channel_returns_chart(campaigns.by_channel(tier_frame), allocated_to="<b>Retail</b>")
    assert "<b>" not in plain.layout.title.text and "<b>" not in plain.data[0].name


def test_every_campaign_csv_has_the_page_headers_full_amounts_and_plain_dates():
    """QA: the every-campaign CSV had the query's column names (cost_per_mql, accepted_pct), unrounded
    amounts (746.0967346938776) and a midnight on every campaign date ("2026-09-15 00:00"), where
    the channel CSV beside it read like the page."""
    from components import campaign_views
    from components.widgets import csv_bytes

    frame = performance((1, "Webinar Q1", "Webinar", 1000.0, 40, 3, 2, 2500.0),
                        (2, "=cmd|' /C calc'!A0", "Paid search", 700.0, 10, 0, 0, 0.0),
                        allocated=[746.0967346938776, 700.0])
    frame["start_date"] = pd.to_datetime(["2026-09-15", "2026-10-01"])
    frame["end_date"] = pd.to_datetime(["2026-12-31", None])
    frame["handed_off"] = [7, 0]
    frame["accepted_pct"] = [67.045454545, None]
    text = csv_bytes(campaign_views.every_campaign_csv(frame), "Europe/Berlin").decode("utf-8-sig").splitlines()
    assert text[0] == ("Campaign,Channel,Spend,Allocated spend,Won,Return,Per MQL,Per SQL,Accepted (%),"
                       "Handed off,Leads,MQLs,SQLs,Starts,Ends")   # calendar days: no zone in the header
    assert text[1] == "Webinar Q1,Webinar,1000,746.1,2500,3.35,248.7,373.05,67,7,40,3,2,2026-09-15,2026-12-31"
    # no MQL, SQL or win: empty cells; a formula-like name stays text; an open end date is empty
    assert text[2] == "'=cmd|' /C calc'!A0,Paid search,700,700.0,0,0.0,,,,0,10,0,0,2026-10-01,"

    channels = pd.DataFrame({"channel": ["Webinar"], "spend": [1000.0], "allocated_spend": [746.0967346938776],
                             "cost_per_mql": [248.69891], "cost_per_sql": [373.048], "roi": [3.3508],
                             "acceptance_rate": [5 / 7]})
    head = csv_bytes(campaign_views.by_channel_csv(channels), "Europe/Berlin").decode("utf-8-sig").splitlines()
    assert head == ["Channel,Spend,Allocated spend,Per MQL,Per SQL,Return,Accepted (%)",
                    "Webinar,1000,746.1,248.7,373.05,3.35,71.4"]
