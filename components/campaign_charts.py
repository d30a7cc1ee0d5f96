"""Chart builders for campaign returns. Each takes frames from ``queries.campaigns`` and returns a
styled Plotly figure; none calls st.*."""

from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme
from components.qualification_charts import short

#: Spend is marketing's money; revenue is the number both teams own.
SPEND_COLOR = theme.MARKETING
REVENUE_COLOR = theme.SHARED


#: A return with spend and nothing won: the chart's label and the tables' cell ("0.0×" read as a
#: verdict on campaigns whose deals are still open).
NOTHING_WON = "nothing won yet"


def return_cell(roi, nothing: str = NOTHING_WON) -> str:
    """A table's Return cell: '2.4×', ``nothing`` for spend that has won nothing (a return of 0; a
    narrow table passes the dash and says what it means), or "—" without spend. (pure)"""
    if roi is not None and not pd.isna(roi) and float(roi) == 0:
        return nothing
    return fmt.ratio(roi)


def _return_text(won, roi, currency: str) -> str:
    if roi is None or pd.isna(roi):
        return f"{fmt.money(won, currency)} · no spend"
    if not won:
        return NOTHING_WON
    return f"{fmt.money(won, currency)} · {fmt.ratio(roi)} return"


def _spend_text(allocated, spend, currency: str, allocated_to: str | None) -> str:
    """'$8.64k spent', or under a filter that cuts the leads '$2.1k of $8.64k allocated to Tier 1'."""
    if not allocated_to:
        return f"{fmt.money(spend, currency)} spent"
    return f"{fmt.money(allocated, currency)} of {fmt.money(spend, currency)} allocated to {allocated_to}"


#: Right margin (px) of the channel chart, where the longest bar's return label ends.
RETURN_LABEL_MARGIN = 64


def channel_returns_chart(channels: pd.DataFrame, currency: str = "USD", *, height: int | None = None,
                          allocated_to: str | None = None) -> go.Figure:
    """Spend and revenue won per channel, side by side, with the return (revenue ÷ spend) written
    at the end of each pair; best return on top.

    ``channels``: rows of ``campaigns.by_channel`` (channel, spend, allocated_spend, won_revenue, roi,
    campaigns). ``allocated_to``: what the spend was allocated to when a filter cut the campaigns'
    leads ("Tier 1"); the bars are then the allocated spend, and the title and hover say so.
    """
    allocated_to = theme.plain(allocated_to) if allocated_to else None   # a filter's values are typed names
    spend_name = f"Spend allocated to {allocated_to}" if allocated_to else "Spend"
    title = f"{spend_name} and revenue won, by channel"
    if channels.empty:
        return theme.empty_figure(title, "No campaign ran in this period.", height or 320)
    rows = channels.iloc[::-1]   # plotly draws the first category at the bottom
    labels = [theme.plain(str(c)) for c in rows["channel"]]   # Plotly renders tags in labels
    fig = go.Figure()
    fig.add_bar(y=labels, x=rows["allocated_spend"], name=spend_name, orientation="h", marker_color=SPEND_COLOR,
                customdata=[_spend_text(a, s, currency, allocated_to) + f" on {n} campaign{'s' if n != 1 else ''}"
                            for a, s, n in zip(rows["allocated_spend"], rows["spend"], rows["campaigns"])],
                hovertemplate="%{y}: %{customdata}<extra></extra>")
    fig.add_bar(y=labels, x=rows["won_revenue"], name="Revenue won", orientation="h", marker_color=REVENUE_COLOR,
                text=[_return_text(w, r, currency) for w, r in zip(rows["won_revenue"], rows["roi"])],
                textposition="outside", cliponaxis=False, textfont=dict(size=13, color=theme.INK),
                customdata=[fmt.money(w, currency) for w in rows["won_revenue"]],
                hovertemplate="%{y}: %{customdata} won<extra></extra>")
    top = float(max(rows["allocated_spend"].max(), rows["won_revenue"].max()) or 1)
    # the label after the longest bar ("$102k · 5.9× return") has the room beside it and a margin:
    # with only the room (range × 1.45) it ran off a half-width chart on a 1280 px screen
    fig.update_xaxes(title_text=None, range=[0, top * 1.6], tickprefix=fmt.money(0, currency).rstrip("0"),
                     **theme.MONEY_TICKS)
    # one or two channels: a wider gap, so a lone pair of bars is not a slab across the chart
    fig.update_layout(barmode="group", bargap=max(0.3, 0.75 - 0.15 * len(rows)), bargroupgap=0.05,
                      margin=dict(r=RETURN_LABEL_MARGIN))
    return theme.style(fig, title, height=height or max(300, 90 + 62 * len(rows)))


def _axis_labels(names: pd.Series, ids: pd.Series, limit: int = 48) -> list[str]:
    """Campaign names cut for an axis; two that read the same get their ids, so no bars merge."""
    labels = [short(n, limit) for n in names]
    return [f"{label} (#{i})" if labels.count(label) > 1 else label for label, i in zip(labels, ids)]


def cost_per_sql_chart(frame: pd.DataFrame, currency: str = "USD", *, limit: int = 20,
                       height: int | None = None, allocated_to: str | None = None) -> go.Figure:
    """What each SQL (a lead that became an opportunity) cost, per campaign: cheapest on top, coloured by channel.
    The channel is written beside each bar (and gives its colour). Campaigns that have not produced
    an SQL yet are not drawn as zero: see ``campaigns.without_sql``.

    ``frame``: rows of ``campaigns.returns``. More than ``limit`` priced campaigns (74 over the last 12
    months at 1M leads): the cheapest and the costliest half each, and the title says how many of how
    many; the cheapest 20 alone, under a title that promised every campaign, hid the costly ones.
    ``allocated_to``: as in :func:`channel_returns_chart` (the costs divide the allocated spend).
    """
    allocated_to = theme.plain(allocated_to) if allocated_to else None
    basis = f" on spend allocated to {allocated_to}" if allocated_to else ""
    title = f"Cost per SQL{basis}, by campaign"
    priced = frame[frame["cost_per_sql"].notna()].sort_values(["cost_per_sql", "campaign"])
    if len(priced) > limit:
        cheap = limit // 2
        title = (f"Cost per SQL{basis}: the {cheap} cheapest and {limit - cheap} costliest of "
                 f"{fmt.number(len(priced))} campaigns")
        priced = pd.concat([priced.head(cheap), priced.tail(limit - cheap)])
    if priced.empty:
        return theme.empty_figure(title, "No campaign with spend has produced an opportunity yet.", height or 320)
    rows = priced.iloc[::-1]
    labels = _axis_labels(rows["campaign"], rows["campaign_id"])
    fig = go.Figure()
    for label, (_, r) in zip(labels, rows.iterrows()):
        channel = theme.plain(str(r["channel"]))
        fig.add_bar(y=[label], x=[r["cost_per_sql"]], orientation="h", name=channel,
                    marker_color=theme.source_color(r["channel_code"], channel),
                    text=[f"{fmt.money(r['cost_per_sql'], currency)} · {channel}"], textposition="outside",
                    cliponaxis=False, width=min(0.75, 0.25 * len(rows)),   # a lone campaign: not a slab
                    textfont=dict(size=12, color=theme.INK),
                    customdata=[[theme.plain(str(r["campaign"])),
                                 _spend_text(r["allocated_spend"], r["spend"], currency, allocated_to),
                                 fmt.number(r["sqls"]), fmt.money(r["cost_per_mql"], currency),
                                 fmt.money(r["cost_per_sql"], currency)]],
                    hovertemplate="%{customdata[0]}<br>%{customdata[1]} · %{customdata[2]} SQLs"
                                  "<br>Cost per SQL <b>%{customdata[4]}</b> · per MQL %{customdata[3]}<extra></extra>")
    fig.update_xaxes(title_text=None, rangemode="tozero", range=[0, float(rows["cost_per_sql"].max()) * 1.45],
                     tickprefix=fmt.money(0, currency).rstrip("0"), **theme.MONEY_TICKS)
    fig.update_yaxes(categoryorder="array", categoryarray=labels)
    fig.update_layout(barmode="overlay", bargap=0.25, showlegend=False, margin=dict(r=120))
    return theme.style(fig, title, height=height or max(320, 130 + 34 * len(rows)),
                       title_chars=theme.WIDE_TITLE_CHARS)   # drawn across the page
