"""The metric functions: one per metric, each a named query in ``sql/metrics.sql``.

Every function takes a :class:`~queries.periods.Period` (local dates + company time zone) and
:class:`~queries.filters.Filters`, plus ``grain`` (trend bucket, or ``"none"``) and ``dim``
(breakdown, or ``"total"``), and returns a DataFrame with fixed column dtypes. Results are cached
per process for ``METRIC_TTL`` seconds; writes clear the caches they affect.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import sqlfiles
from queries.db import get_engine
from queries.filters import DIMENSIONS, NO_FILTERS, Filters
from queries.periods import GRAINS, Period

#: Seconds a metric result may be reused. Live views refresh no faster than this.
METRIC_TTL = 60

#: Time-to-first-touch bands (minutes) for the distribution chart.
TOUCH_BANDS = (5, 15, 30, 60, 120, 240, 480, 1440, 4320)

_INT, _FLOAT, _STR, _DATE = "int64", "float64", "string", "datetime64[us]"
_GROUP = {"bucket": _DATE, "dim_key": _STR, "dim_label": _STR}

SCHEMAS: dict[str, dict[str, str]] = {
    "acceptance": {**_GROUP, "handed_off": _INT, "accepted": _INT, "rejected": _INT, "awaiting": _INT,
                   "acceptance_rate": _FLOAT},
    "rejection_reasons": {**_GROUP, "reason": _STR, "rejected": _INT, "share": _FLOAT, "recycled": _INT},
    "first_touch": {**_GROUP, "handed_off": _INT, "touched": _INT, "untouched": _INT,
                    "median_minutes": _FLOAT, "p90_minutes": _FLOAT},
    "first_touch_distribution": {"band": _INT, "handoffs": _INT, "in_time": _INT, "past_deadline": _INT},
    "sla_compliance": {**_GROUP, "handed_off": _INT, "met": _INT, "breached_late": _INT,
                       "breached_untouched": _INT, "breached": _INT, "pending": _INT,
                       "compliance_rate": _FLOAT},
    "mqls_delivered": {**_GROUP, "mqls": _INT},
    "sla_mql_first_days": {"bucket": _DATE, "mqls": _INT},
    "funnel": {**_GROUP, "stage_order": _INT, "stage": _STR, "reached": _INT, "step_rate": _FLOAT,
               "cumulative_rate": _FLOAT},
    "open_pipeline": {"dim_key": _STR, "dim_label": _STR, "opportunities": _INT, "amount": _FLOAT,
                      "marketing_sourced_amount": _FLOAT},
    "pipeline_created": {**_GROUP, "opportunities": _INT, "amount": _FLOAT, "marketing_sourced_amount": _FLOAT,
                         "marketing_sourced_opportunities": _INT},
    "closed_deals": {**_GROUP, "won": _INT, "lost": _INT, "revenue": _FLOAT, "marketing_sourced_revenue": _FLOAT,
                     "win_rate": _FLOAT, "median_cycle_days": _FLOAT},
    "coverage_inputs": {"open_in_period": _FLOAT, "won_so_far": _FLOAT},
    "campaign_performance": {"campaign_id": _INT, "campaign": _STR, "channel": _STR, "start_date": _DATE,
                             "end_date": _DATE, "spend": _FLOAT, "allocated_spend": _FLOAT,
                             "spend_allocated": "boolean", "leads": _INT, "mqls": _INT, "sqls": _INT,
                             "won_revenue": _FLOAT, "cost_per_mql": _FLOAT, "cost_per_sql": _FLOAT,
                             "roi": _FLOAT},
}


def now_minute() -> datetime:
    """Now, floored to the minute: the default ``as_of`` (so cached results can be reused)."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """Cast a frame to the declared dtypes (also gives empty results the right columns): ints with
    missing values as 0, floats with anything not a number as NaN, dates as ``datetime64[us]``,
    text as pandas strings; columns not in ``schema`` are dropped, missing ones added empty."""
    columns = {col: frame[col].to_numpy(dtype=object) for col in schema if col in frame.columns}
    return _typed_columns(columns, len(frame), schema, frame.index)


def _typed_columns(columns: dict, n: int, schema: dict[str, str], index=None) -> pd.DataFrame:
    """:func:`typed` on raw column values (sequences of Python objects, as the driver returns them):
    each column is converted once into an array of its dtype, and the frame is built in one go. A
    pandas cast per column took ~140 ms of a cold scoreboard render (20 small results)."""
    data = {}
    for col, dtype in schema.items():
        values = columns.get(col)
        if values is None:
            values = [None] * n
        if dtype == _INT:
            data[col] = np.fromiter((0 if _missing(v) else v for v in values), dtype=np.int64, count=n)
        elif dtype == _FLOAT:
            data[col] = np.fromiter((_float(v) for v in values), dtype=np.float64, count=n)
        elif dtype == _DATE:
            data[col] = pd.to_datetime(pd.Series(values, dtype=object)).astype(_DATE).to_numpy()
        else:
            data[col] = pd.array(list(values), dtype=dtype)
    return pd.DataFrame(data, index=index if index is not None else pd.RangeIndex(n))


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _float(value) -> float:
    if _missing(value):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def run(name: str, bound: dict, conn: sa.Connection | None = None) -> pd.DataFrame:
    """Execute a named query with bound parameters; return its typed frame. On ``conn`` when given
    (e.g. inside a transaction not committed yet), else on a pooled connection."""
    if conn is None:
        with get_engine().connect() as own:
            return run(name, bound, own)
    result = conn.execute(sqlfiles.get(name).text, bound)
    keys, rows = list(result.keys()), result.fetchall()
    return _typed_columns(dict(zip(keys, zip(*rows))) if rows else {}, len(rows), SCHEMAS[name])


#: Whose record a hand-off counts for, in the owner filters and the owner and team dimensions
#: (``:owner_basis`` in scopes.sql's _handoff_scope; docs/metrics.md, "Filters"): the owner at the
#: first touch or the SLA deadline (speed to lead, SLA compliance), at the decision or its due time
#: (decision timeliness), or now (lead acceptance, rejection reasons).
OWNER_BASES = ("current", "first_touch", "decision")


def params(period: Period | None, filters: Filters, grain: str = "none", dim: str = "total", *,
           owner_basis: str = "current", **extra) -> dict:
    """The bound parameters every metric query takes (filters, grain, dimension, period bounds,
    whose record a hand-off counts for), plus ``extra``; used by the other modules that run
    metric-shaped queries (goals, SLA views)."""
    if grain != "none" and grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}")
    if owner_basis not in OWNER_BASES:
        raise ValueError(f"unknown owner basis {owner_basis!r}")
    bound = {**filters.params(), "grain": grain, "dim": dim, "owner_basis": owner_basis, **extra}
    if period is not None:
        bound.update(period.bounds())
        bound.update(period.buckets(grain))
    elif grain != "none":
        raise ValueError("a grain needs a period to cut into buckets")
    return bound


# --------------------------------------------------------------------------- lead metrics


def acceptance(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none", dim: str = "total",
               as_of: datetime | None = None) -> pd.DataFrame:
    """Lead acceptance rate (accepted ÷ handed off) with awaiting decision, hand-off cohort;
    decisions as made by ``as_of`` (default now)."""
    return _acceptance(period, filters, grain, dim, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _acceptance(period, filters, grain, dim, as_of):
    return run("acceptance", params(period, filters, grain, dim, as_of=as_of))


def rejection_reasons(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none",
                      dim: str = "total", as_of: datetime | None = None) -> pd.DataFrame:
    """Count and share of each rejection reason, hand-off cohort; rejections made by ``as_of`` (default now)."""
    return _rejection_reasons(period, filters, grain, dim, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _rejection_reasons(period, filters, grain, dim, as_of):
    return run("rejection_reasons", params(period, filters, grain, dim, as_of=as_of))


def first_touch(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none", dim: str = "total",
                as_of: datetime | None = None) -> pd.DataFrame:
    """Median and p90 minutes to first touch; untouched counted apart."""
    return _first_touch(period, filters, grain, dim, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _first_touch(period, filters, grain, dim, as_of):
    return run("first_touch", params(period, filters, grain, dim, owner_basis="first_touch", as_of=as_of))


def first_touch_distribution(period: Period, filters: Filters = NO_FILTERS, *,
                             as_of: datetime | None = None) -> pd.DataFrame:
    """Hand-offs per time-to-first-touch band: columns band, lower/upper minutes, handoffs, and of
    them in_time (touched by their own SLA deadline) and past_deadline (untouched, deadline passed)."""
    return _first_touch_distribution(period, filters, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _first_touch_distribution(period, filters, as_of):
    counts = run("first_touch_distribution",
                 params(period, filters, owner_basis="first_touch", as_of=as_of,
                        bounds=[float(b) for b in TOUCH_BANDS]))
    bands = band_table(TOUCH_BANDS)
    out = bands.merge(counts, on="band", how="left")
    for col in ("handoffs", "in_time", "past_deadline"):
        out[col] = out[col].fillna(0).astype(_INT)
    return out


def band_table(bounds: tuple[int, ...]) -> pd.DataFrame:
    """The bands ``width_bucket(minutes, bounds)`` produces, with their edges; band -1 = untouched."""
    edges = (0.0,) + tuple(float(b) for b in bounds) + (float("inf"),)
    rows = [{"band": -1, "lower_minutes": float("nan"), "upper_minutes": float("nan")}]
    rows += [{"band": i, "lower_minutes": edges[i], "upper_minutes": edges[i + 1]} for i in range(len(edges) - 1)]
    return pd.DataFrame(rows)


def sla_compliance(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none", dim: str = "total",
                   as_of: datetime | None = None) -> pd.DataFrame:
    """SLA compliance (met ÷ known outcomes) with pending and breaches."""
    return _sla_compliance(period, filters, grain, dim, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _sla_compliance(period, filters, grain, dim, as_of):
    return run("sla_compliance", params(period, filters, grain, dim, owner_basis="first_touch", as_of=as_of))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def mqls_delivered(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none",
                   dim: str = "total") -> pd.DataFrame:
    """Distinct leads with an MQL event in the period."""
    return run("mqls_delivered", params(period, filters, grain, dim))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def mql_first_days(period: Period, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """MQLs delivered per local day, each lead counted on the day of its first MQL event in the
    period: columns bucket, mqls; their running total is mqls_delivered's distinct count (a lead
    that re-qualifies within the period counts once)."""
    return run("sla_mql_first_days", params(period, filters))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def funnel(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none", dim: str = "total") -> pd.DataFrame:
    """Step and cumulative conversion, cohort = leads created in the period."""
    return run("funnel", params(period, filters, grain, dim))


# --------------------------------------------------------------------------- opportunity metrics


def open_pipeline(as_of: datetime | None = None, filters: Filters = NO_FILTERS, *, dim: str = "total") -> pd.DataFrame:
    """Amount of opportunities open at ``as_of`` (default: now)."""
    return _open_pipeline(as_of or now_minute(), filters, dim)


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _open_pipeline(as_of, filters, dim):
    return run("open_pipeline", params(None, filters, "none", dim, as_of=as_of))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def pipeline_created(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none",
                     dim: str = "total") -> pd.DataFrame:
    """Amount of opportunities created in the period, with the marketing-sourced part."""
    return run("pipeline_created", params(period, filters, grain, dim))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def closed_deals(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none",
                 dim: str = "total") -> pd.DataFrame:
    """Revenue (bookings), marketing-sourced revenue, win rate and sales cycle, by close date."""
    return run("closed_deals", params(period, filters, grain, dim))


def coverage_inputs(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Open pipeline expected to close in the period, and revenue won so far in it."""
    return _coverage_inputs(period, filters, as_of or now_minute())


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def _coverage_inputs(period, filters, as_of):
    return run("coverage_inputs", params(period, filters, as_of=as_of))


@st.cache_data(ttl=METRIC_TTL, show_spinner=False)
def campaign_performance(period: Period, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Spend (whole, and allocated to the filters' share of each campaign's leads), MQLs, SQLs, won
    revenue, cost per MQL/SQL and ROI (on the allocated spend) per campaign active in the period."""
    return run("campaign_performance", params(period, filters))


def clear_caches() -> None:
    """Forget every cached read in this process, after a write.

    Writes are rare and every read derives from the same shared data, so clearing all of them
    (metrics, record lists, goals, SLA views, lookups) is simpler and safer than tracking which
    cached function depends on which table. Other processes catch up within their TTLs.
    """
    st.cache_data.clear()
