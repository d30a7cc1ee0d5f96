"""Campaign returns' downloads: the tables as a spreadsheet reads them, under the headers the page
shows (not the query's column names), amounts to the cent, rates in points to a tenth, campaign
dates as dates; and the every-campaign table's columns on screen. (pure: no streamlit)"""

from __future__ import annotations

import pandas as pd


#: Every campaign's columns on screen: the pinned name, what it cost and returned, then its channel,
#: then the counts and dates, scrolled to (the CSV holds every column).
EVERY_CAMPAIGN_ORDER = ["campaign", "spend", "allocated_spend", "won_revenue", "roi", "cost_per_mql", "cost_per_sql",
                        "accepted_pct", "channel", "handed_off", "leads", "mqls", "sqls", "start_date", "end_date"]
#: Their widths in px, but the name's, which takes what the first view leaves (:func:`every_campaign_columns`).
EVERY_CAMPAIGN_WIDTHS = {"channel": 120, "spend": 64, "allocated_spend": 72, "won_revenue": 64, "roi": 112,
                         "cost_per_mql": 66, "cost_per_sql": 66, "accepted_pct": 96, "handed_off": 84, "leads": 60,
                         "mqls": 60, "sqls": 60, "start_date": 100, "end_date": 100}
#: Where the table's first view ends on a 1366 px screen with the sidebar open (904 px in chromium),
#: a few px on: inside the Channel column, whose name and labels sit in its first ~100 px. The column
#: cut at the edge was "Handed off", read as "Ha…".
FIRST_VIEW_1366 = 910


def every_campaign_columns(allocated: bool) -> tuple[list[str], dict[str, int]]:
    """The every-campaign table's columns in order (the allocated spend only under a filter that
    cuts the campaigns' leads) and their widths: the name as wide as the first view at 1366 px leaves
    once the amounts, acceptance and the channel are in it, so that view ends inside the channel's
    column, with nothing after it half in view."""
    order = [c for c in EVERY_CAMPAIGN_ORDER if c != "allocated_spend" or allocated]
    first_view = order[1:order.index("channel") + 1]
    name = FIRST_VIEW_1366 - sum(EVERY_CAMPAIGN_WIDTHS[c] for c in first_view)
    return order, {"campaign": name, **{c: EVERY_CAMPAIGN_WIDTHS[c] for c in order[1:]}}


def _date(values: pd.Series) -> pd.Series:
    """Dates as dates ("2026-09-15"): a datetime column would be written with a midnight time."""
    return pd.to_datetime(values).dt.date.astype("object").where(values.notna(), None)


def every_campaign_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The every-campaign table (``campaigns.returns`` columns plus ``accepted_pct``) under its
    on-screen headers, each campaign's channel beside its name (on screen it ends the first view);
    the whole and the allocated spend side by side (equal without a segment filter)."""
    return pd.DataFrame({
        "Campaign": table["campaign"], "Channel": table["channel"],
        "Spend": table["spend"].round(2), "Allocated spend": table["allocated_spend"].round(2),
        "Won": table["won_revenue"].round(2), "Return": table["roi"].round(2),
        "Per MQL": table["cost_per_mql"].round(2), "Per SQL": table["cost_per_sql"].round(2),
        "Accepted (%)": table["accepted_pct"].round(1), "Handed off": table["handed_off"],
        "Leads": table["leads"], "MQLs": table["mqls"], "SQLs": table["sqls"],
        "Starts": _date(table["start_date"]), "Ends": _date(table["end_date"]),
    }).reset_index(drop=True)


def by_channel_csv(channels: pd.DataFrame) -> pd.DataFrame:
    """The by-channel table (``campaigns.by_channel``), best return first."""
    return pd.DataFrame({
        "Channel": channels["channel"], "Spend": channels["spend"].round(2),
        "Allocated spend": channels["allocated_spend"].round(2),
        "Per MQL": channels["cost_per_mql"].round(2), "Per SQL": channels["cost_per_sql"].round(2),
        "Return": channels["roi"].round(2), "Accepted (%)": (channels["acceptance_rate"] * 100).round(1),
    }).reset_index(drop=True)
