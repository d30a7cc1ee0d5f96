"""The scoreboard's record lists ("Records behind the numbers") as a person reads them: labels
for codes, columns in reading order, date, amount and duration formats. Builds the frame and its
column config; the page draws them (widgets.records_table)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import format as fmt
from queries.scoreboard import Records

#: Tallest a record list is drawn (px; about eleven rows, then it scrolls): a shorter list gets a
#: table its own size (widgets.table_height), not four records above empty grid rows.
MOST_HEIGHT = 420

DECISIONS = {"accepted": "Accepted", "rejected": "Rejected"}
SLA_OUTCOMES = {"met": "Met", "late": "Breached (late)", "untouched": "Breached (untouched)", "pending": "Pending"}
STAGES = {"discovery": "Discovery", "qualification": "Qualification", "proposal": "Proposal",
          "negotiation": "Negotiation", "closed_won": "Won", "closed_lost": "Lost"}
HEADERS = {
    "lead_name": "Lead", "account": "Account", "source": "Source", "campaign": "Campaign", "owner": "Owner",
    "team": "Team", "tier": "Tier", "handed_off_at": "Handed off", "decision": "Decision", "decided_at": "Decided",
    "rejection_reason": "Rejection reason", "recycled_at": "Recycled", "first_touch_at": "First touch",
    "minutes_to_first_touch": "Minutes to first touch", "sla_deadline_at": "SLA deadline", "sla_outcome": "SLA",
    "opportunity": "Opportunity", "amount": "Amount", "stage": "Stage",
    "marketing_sourced": "Marketing-sourced", "created_at": "Created", "expected_close_date": "Expected close",
    "closed_at": "Closed", "lost_reason": "Lost reason", "marketer": "Marketer", "score": "Score",
    "mql_at": "MQL", "lead_id": "Lead ID", "handoff_id": "Hand-off ID", "opportunity_id": "Opportunity ID",
}


def records_view(recs: Records, currency: str) -> tuple[pd.DataFrame, dict]:
    """Readable labels and column formats for a record list (the CSV gets the same columns, its times
    in the company's time zone as on screen, named in their headers): the frame to show and its column
    config."""
    headers = {**HEADERS, "amount": f"Amount ({currency})"}
    frame = recs.rows.copy()
    if recs.drill.query == "drill_handoffs":
        frame["decision"] = frame["decision"].map(DECISIONS).fillna("Awaiting decision")
        frame["rejection_reason"] = frame["rejection_reason"].map(fmt.reason_label, na_action="ignore")
        frame["sla_outcome"] = frame["sla_outcome"].map(SLA_OUTCOMES)
        first = ["lead_name", "account", "owner", "handed_off_at", "decision", "first_touch_at",
                 "minutes_to_first_touch", "sla_outcome"]
    elif recs.drill.query == "drill_opportunities":
        frame["stage"] = frame["stage"].map(STAGES)
        # a calendar day, the same in every time zone: its CSV column is written as the day, without a
        # zone in its header (the instants' columns name the company's; widgets.csv_bytes)
        frame["expected_close_date"] = frame["expected_close_date"].dt.date
        first = ["opportunity", "account", "amount", "stage", "owner", "source", "marketing_sourced"]
    else:
        frame["decision"] = (frame["decision"].map(DECISIONS).fillna("Awaiting decision")
                             .where(frame["handed_off_at"].notna(), "Not handed off"))
        first = ["lead_name", "account", "source", "campaign", "mql_at", "handed_off_at", "owner", "decision"]
    frame = frame[first + [c for c in frame.columns if c not in first]].rename(columns=headers)
    config = {}
    for col in frame.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            config[col] = st.column_config.DatetimeColumn(col, format="D MMM YYYY, HH:mm")
    # the app's own whole-amount format in every currency (Streamlit's "dollar"/"euro" presets showed
    # cents, and any other currency — GBP, INR — fell back to a bare number)
    config[headers["amount"]] = st.column_config.NumberColumn(format=fmt.money_column(currency))
    config[headers["minutes_to_first_touch"]] = st.column_config.NumberColumn(format="%.0f min")
    if headers["expected_close_date"] in frame:
        config[headers["expected_close_date"]] = st.column_config.DateColumn(format="D MMM YYYY")
    return frame, config
