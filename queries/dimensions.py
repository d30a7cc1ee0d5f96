"""Lookup lists for filters and pickers (channels, campaigns, segments, reps, teams)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from queries import sqlfiles
from queries.db import get_engine
from queries.periods import zone
from queries.sqlfiles import q

#: like the metrics: a campaign, rep or team a CRM sync adds shows in the pickers within a minute
LOOKUP_TTL = 60


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def channels() -> pd.DataFrame:
    return sqlfiles.frame("dim_channels")


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def campaigns() -> pd.DataFrame:
    return sqlfiles.frame("dim_campaigns")


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def segments() -> pd.DataFrame:
    """Distinct (industry, country, region) values present on accounts."""
    return sqlfiles.frame("dim_segments")


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def teams() -> pd.DataFrame:
    return sqlfiles.frame("teams_list")


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def reps() -> pd.DataFrame:
    return sqlfiles.frame("reps_list")


@st.cache_data(ttl=LOOKUP_TTL, show_spinner=False)
def data_start(tz: str) -> date | None:
    """The local date of the first lead or opportunity (None: the database holds no data yet)."""
    with get_engine().connect() as conn:
        first = conn.execute(q("data_start")).scalar()
    return None if first is None else first.astimezone(zone(tz)).date()


def clear() -> None:
    for fn in (channels, campaigns, segments, teams, reps, data_start):
        fn.clear()
