"""Campaign returns: what each campaign running in the period cost, the leads, MQLs, SQLs and
revenue it brought, and how sales judged its leads — the money half of the conversation between
marketing and sales."""

import pandas as pd
import streamlit as st

from components import campaign_charts, campaign_views
from components import format as fmt
from components.filters import describe, filter_bar
from components.shell import page_user
from components.widgets import chart, csv_download, data_table, kpi, nothing_in_period, page_header, records_table
from queries import campaigns, dimensions, settings

user = page_user("campaigns")
period, filters = filter_bar(show=("source", "campaign", "industry", "country", "tier"))
cur = settings.currency()
page_header("Campaign returns", f"Campaigns running in {period.describe()} · {describe(filters)}")

frame = campaigns.returns(period, filters)
if frame.empty:
    nothing_in_period("No campaign ran", period, filters, dimensions.data_start(period.tz))
    st.stop()

total = campaigns.totals(frame)
# A segment filter (industry, country, tier) cuts each campaign's leads: its spend is then allocated
# to the leads in the filter by their share of all its leads (docs/metrics.md), and every figure that
# divides spend says so. The source and campaign filters choose whole campaigns and cut nothing.
# plain text (the charts' titles escape it their way; Markdown below goes through fmt.md_text)
allocated_to = describe(filters.replace(sources=(), campaign_ids=()), markdown=False) if total.spend_allocated else None
spend_word = "Allocated spend" if allocated_to else "Spend"
cols = st.columns(5)
with cols[0]:
    if allocated_to:
        kpi("Spend allocated", fmt.money(total.allocated_spend, cur),
            caption=f"of {fmt.money(total.spend, cur)} on {fmt.counted(total.campaigns, 'campaign')}",
            help=f"Each campaign's spend × its leads in {fmt.md_text(allocated_to)} ÷ all its leads, added up. "
                 f"A campaign with no leads in {fmt.md_text(allocated_to)} is allocated nothing.")
    else:
        kpi("Spend", fmt.money(total.spend, cur), caption=fmt.counted(total.campaigns, "campaign"),
            help="The whole spend of every campaign whose dates overlap the period (a campaign running past "
                 "its end counts in full).")
with cols[1]:
    kpi("Cost per MQL", fmt.money(total.cost_per_mql, cur), caption=fmt.counted(total.mqls, "MQL"),
        help=f"{spend_word} ÷ the campaigns' leads that became MQLs, whenever they did.")
with cols[2]:
    kpi("Cost per SQL", fmt.money(total.cost_per_sql, cur), caption=fmt.counted(total.sqls, "SQL"),
        help=f"{spend_word} ÷ the campaigns' leads that became an opportunity (SQL), whenever they did: the "
             "earlier signal while deals are still open.")
with cols[3]:
    # spend that has won nothing: a dash and the words the chart and the tables use, not "0.0×"
    # (a verdict on campaigns whose deals are still open)
    nothing_won = campaign_charts.return_cell(total.roi) == campaign_charts.NOTHING_WON
    kpi("Return", fmt.DASH if nothing_won else fmt.ratio(total.roi),
        caption=campaign_charts.NOTHING_WON if nothing_won else f"{fmt.money(total.won_revenue, cur)} won",
        help=f"Revenue won from the campaigns' leads ÷ {spend_word.lower()}. Campaigns still running have had "
             "little time to close deals, so their return grows.")
with cols[4]:
    kpi("Accepted by sales", fmt.pct(total.acceptance_rate),
        caption=f"{fmt.number(total.accepted)} of {fmt.counted(total.handed_off, 'hand-off')}",
        help="Accepted ÷ handed off, for the campaigns' leads handed to sales in the period "
             f"({fmt.number(total.awaiting)} still awaiting a decision).")

if allocated_to:
    st.markdown(f"**Spend allocated to {fmt.md_text(allocated_to)}** by its share of each campaign's leads: "
                f"{fmt.money(total.allocated_spend, cur)} of the campaigns' {fmt.money(total.spend, cur)}. Cost per "
                f"MQL, cost per SQL and return divide this allocated spend; a campaign with no leads in "
                f"{fmt.md_text(allocated_to)} is allocated nothing.")
st.caption("Lifetime attribution: a campaign's leads, MQLs, opportunities and revenue count whenever they "
           "happened, so a campaign is judged on everything it brought. Acceptance counts its leads handed "
           "off in the period. So these are not the scoreboard's MQLs delivered, revenue or lead acceptance, "
           "which count what happened in the period from every source, with a campaign or without.")

channels = campaigns.by_channel(frame)
left, right = st.columns(2, gap="large")
with left:
    chart(campaign_charts.channel_returns_chart(channels, cur, allocated_to=allocated_to), width="stretch",
          key="campaign_channels")
with right:
    st.markdown("#### By channel")
    # formatted text (the table is in its reading order already, best return first): amounts in three
    # digits like the tiles ($3.09M, $8.64k), which no number column format writes, in widths that add
    # up to less than the half column of a 1366 px screen (~420 px): at 1M leads "$3,092,777" scrolled
    # it sideways. A channel without MQLs, SQLs or spend reads "—" there, and so does the return of one
    # that has won nothing yet ("nothing won yet" in the chart; "0.0×" read as a verdict, and the
    # words do not fit the column; the caption says what the dash means). The CSV download holds the
    # amounts in full.
    # Under a segment filter the spend shown is the allocated spend, headed "Allocated"; the CSV holds
    # the whole spend beside it.
    amounts = {"allocated_spend": "Allocated" if allocated_to else "Spend", "cost_per_mql": "Per MQL",
               "cost_per_sql": "Per SQL"}
    shown = pd.DataFrame({
        "Channel": channels["channel"],
        **{label: [fmt.money(v, cur) for v in channels[col]] for col, label in amounts.items()},
        "Return": [campaign_charts.return_cell(v, fmt.DASH) for v in channels["roi"]],
        "Accepted": [fmt.pct(v) for v in channels["acceptance_rate"]]})
    full = campaign_views.by_channel_csv(channels)
    widths = {"Channel": 96, **dict.fromkeys(amounts.values(), 62), "Return": 54, "Accepted": 66}
    widths[amounts["allocated_spend"]] = 70
    records_table(shown, title=f"campaign returns by channel {period.describe()}", key="campaign_channels_table",
                  csv=full, tz=period.tz, column_config={c: st.column_config.TextColumn(width=w) for c, w in widths.items()})
    st.caption(f"Best return first. Return = revenue won ÷ {spend_word.lower()} (— where nothing is won yet); "
               "accepted = the channel's campaign leads sales accepted, of those handed off in the period.")
chart(campaign_charts.cost_per_sql_chart(frame, cur, allocated_to=allocated_to), width="stretch",
      key="campaign_cost_per_sql")
unpriced = campaigns.without_sql(frame)
if len(unpriced):
    spent = f"{fmt.money(unpriced['allocated_spend'].sum(), cur)} {'allocated' if allocated_to else 'spent'}"
    st.caption(f"Not drawn: {fmt.number(len(unpriced))} campaign{'s' if len(unpriced) != 1 else ''} without an "
               f"opportunity yet ({spent}): "
               + ", ".join(fmt.md_text(name) for name in unpriced["campaign"].head(5))
               + (" …" if len(unpriced) > 5 else "") + ".")

# Biggest spend first (allocated, under a segment filter).
table = frame.sort_values(["allocated_spend", "spend", "campaign"], ascending=[False, False, True])[
    ["campaign", "channel", "start_date", "end_date", "spend", "allocated_spend", "leads", "mqls", "cost_per_mql",
     "sqls", "cost_per_sql", "won_revenue", "roi", "handed_off"]]
# in points, drawn whole like every other rate ("76%"; the built-in percent format read "75.86%")
table = table.assign(accepted_pct=frame["acceptance_rate"] * 100)
# Amounts in three digits like the tiles, the charts and the channel table ($73.1k, not "$73,117"),
# and a return without revenue in the chart's words ("nothing won yet", not "0.0×"): a Styler's text
# over the numbers, which a number column without a format shows, so the cells stay numbers and sort
# as numbers. Cost per MQL / SQL and return are empty without MQLs, SQLs or spend and read "—". The
# CSV holds the amounts in full, and the whole and the allocated spend (equal when no filter cuts the
# campaigns' leads).
amount_columns = ["spend", "allocated_spend", "cost_per_mql", "cost_per_sql", "won_revenue"]
styled = table.style.format({**{c: (lambda v: fmt.money(v, cur)) for c in amount_columns},
                             "roi": campaign_charts.return_cell})
# What a campaign cost and returned first, then its counts and dates: at 1366 px (~900 px of table)
# the name (pinned while the rest scrolls sideways) and every column up to Accepted are in view.
order = ["campaign", "channel", "spend", "allocated_spend", "won_revenue", "roi", "cost_per_mql", "cost_per_sql",
         "accepted_pct", "handed_off", "leads", "mqls", "sqls", "start_date", "end_date"]
st.markdown("#### Every campaign")
data_table(
    styled,
    column_order=[c for c in order if c != "allocated_spend" or allocated_to],
    column_config={
        "campaign": st.column_config.TextColumn("Campaign", width=320, pinned=True),
        "channel": st.column_config.TextColumn("Channel", width=96),
        "start_date": st.column_config.DateColumn("Starts", format="DD MMM YYYY", width=100),
        "end_date": st.column_config.DateColumn("Ends", format="DD MMM YYYY", width=100),
        "spend": st.column_config.NumberColumn("Spend", width=64, help="The campaign's whole spend"),
        "allocated_spend": st.column_config.NumberColumn(
            "Allocated", width=72,
            help=f"Spend allocated to {fmt.md_text(allocated_to)}: spend × the campaign's leads in it ÷ all its leads"
            if allocated_to else None),
        "leads": st.column_config.NumberColumn("Leads", format="%,d", width=60),
        "mqls": st.column_config.NumberColumn("MQLs", format="%,d", width=60),
        "cost_per_mql": st.column_config.NumberColumn("Per MQL", width=66, help=f"{spend_word} ÷ MQLs"),
        "sqls": st.column_config.NumberColumn("SQLs", format="%,d", width=60),
        "cost_per_sql": st.column_config.NumberColumn("Per SQL", width=66, help=f"{spend_word} ÷ SQLs"),
        "won_revenue": st.column_config.NumberColumn("Won", width=64),
        "roi": st.column_config.NumberColumn("Return", width=112, help=f"Revenue won ÷ {spend_word.lower()}"),
        "handed_off": st.column_config.NumberColumn("Handed off", format="%,d", width=84,
                                                    help="The campaign's leads handed to sales in the period"),
        "accepted_pct": st.column_config.ProgressColumn("Accepted", format="%.0f%%", min_value=0, max_value=100,
                                                        width=96, help="Accepted ÷ handed off in the period"),
    })
# records_table's download, for a table drawn from a Styler
csv_download(campaign_views.every_campaign_csv(table), title=f"campaign returns {period.describe()}",
             key="csv_campaigns", tz=period.tz)
