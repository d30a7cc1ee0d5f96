"""Campaign returns' downloads: the tables as a spreadsheet reads them, under the headers the page
shows (not the query's column names), amounts to the cent, rates in points to a tenth, campaign
dates as dates. (pure: no streamlit)"""

from __future__ import annotations

import pandas as pd


def _date(values: pd.Series) -> pd.Series:
    """Dates as dates ("2026-09-15"): a datetime column would be written with a midnight time."""
    return pd.to_datetime(values).dt.date.astype("object").where(values.notna(), None)


def every_campaign_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The every-campaign table (``campaigns.returns`` columns plus ``accepted_pct``) in its
    on-screen order; the whole and the allocated spend side by side (equal without a segment
    filter)."""
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
