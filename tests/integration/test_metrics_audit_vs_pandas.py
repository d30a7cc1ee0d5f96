"""Metrics the pandas comparison in test_metrics_vs_pandas.py left out, against independent pandas
computations over the same seeded rows: pipeline coverage's inputs, open pipeline's marketing-sourced
part and its owner breakdown, pipeline created per month, and time to first touch and SLA
compliance broken down by source under a tier filter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from queries import metrics
from queries.filters import Filters
from queries.periods import Period
from tests.integration.test_metrics_vs_pandas import (  # noqa: F401  (fixtures)
    _opps, in_period, local_month, period, raw, sql_by_month, with_db_sla)


@pytest.fixture(scope="module")
def expected_close(seeded_url) -> pd.DataFrame:
    engine = sa.create_engine(seeded_url)
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text("select id, expected_close_date from opportunity"), conn)
    engine.dispose()
    return frame


def test_coverage_inputs(raw, expected_close, seeded_app_db):
    """Open at as_of with the expected close date in the quarter (local dates, both ends in), and
    closed-won in the quarter by as_of, for a quarter in progress at as_of."""
    quarter = Period(pd.Timestamp("2026-10-01").date(), pd.Timestamp("2026-12-31").date(), raw["tz"])
    as_of = pd.Timestamp("2026-11-19 12:00", tz="UTC")
    opp = _opps(raw).merge(expected_close, on="id")
    close = pd.to_datetime(opp.expected_close_date).dt.date
    open_ = opp[(opp.created_at <= as_of) & (opp.closed_at.isna() | (opp.closed_at > as_of))
                & (close >= quarter.start) & (close <= quarter.end)]
    won = opp[(opp.stage == "closed_won") & in_period(opp.closed_at, quarter) & (opp.closed_at <= as_of)]
    got = metrics.coverage_inputs(quarter, as_of=as_of.to_pydatetime()).iloc[0]
    assert len(open_) > 10 and len(won) > 5
    assert (close[open_.index] == quarter.end).any()   # the data holds the edge: the last day is in
    assert got.open_in_period == pytest.approx(open_.amount.sum())
    assert got.won_so_far == pytest.approx(won.amount.sum())


def test_open_pipeline_marketing_sourced_and_by_owner(raw, seeded_app_db):
    as_of = pd.Timestamp("2026-06-30 18:00", tz="UTC")
    opp = _opps(raw)
    open_ = opp[(opp.created_at <= as_of) & (opp.closed_at.isna() | (opp.closed_at > as_of))]
    total = metrics.open_pipeline(as_of.to_pydatetime()).iloc[0]
    assert total.marketing_sourced_amount == pytest.approx(open_[open_.marketing].amount.sum())
    assert 0 < total.marketing_sourced_amount < total.amount
    by_owner = metrics.open_pipeline(as_of.to_pydatetime(), dim="owner").assign(
        owner_id=lambda d: d.dim_key.astype(int)).set_index("owner_id").sort_index()
    expected = open_.groupby("owner_id").agg(opportunities=("id", "size"), amount=("amount", "sum"))
    assert by_owner.opportunities.to_dict() == expected.opportunities.to_dict()
    assert np.allclose(by_owner.amount, expected.amount)


def test_pipeline_created_by_month(raw, period, seeded_app_db):
    opp = _opps(raw)
    created = opp[in_period(opp.created_at, period)].assign(bucket=lambda d: local_month(d.created_at, raw["tz"]))
    expected = created.groupby("bucket").agg(
        opportunities=("id", "size"), amount=("amount", "sum"),
        marketing_sourced_opportunities=("marketing", "sum"),
        marketing_sourced_amount=("amount", lambda s: s[created.loc[s.index, "marketing"]].sum()))
    got = sql_by_month(metrics.pipeline_created(period, grain="month"))
    assert got.index.tolist() == expected.index.tolist()
    assert got.opportunities.tolist() == expected.opportunities.tolist()
    assert got.marketing_sourced_opportunities.tolist() == expected.marketing_sourced_opportunities.tolist()
    assert np.allclose(got.amount, expected.amount)
    assert np.allclose(got.marketing_sourced_amount, expected.marketing_sourced_amount)


def test_first_touch_and_sla_by_source_under_a_tier_filter(raw, period, seeded_app_db):
    as_of = pd.Timestamp("2026-11-20 12:00", tz="UTC")
    lead = raw["lead"].merge(raw["account"][["id", "tier"]].rename(columns={"id": "account_id"}), on="account_id")
    h = with_db_sla(raw).merge(lead[["id", "source", "tier"]].rename(columns={"id": "lead_id"}), on="lead_id")
    h = h[in_period(h.handed_off_at, period) & (h.tier == 1)]
    touched = h.first_touch_at.notna() & (h.first_touch_at <= as_of)
    h = h.assign(touched=touched, minutes=h.minutes_to_first_touch.astype(float),
                 outcome=np.select([touched & (h.first_touch_at <= h.sla_deadline_at), touched,
                                    as_of > h.sla_deadline_at], ["met", "late", "untouched"], default="pending"))
    t = h[h.touched]
    expected = pd.DataFrame({
        "handed_off": h.groupby("source").size(),
        "untouched": h.groupby("source").touched.apply(lambda s: int((~s).sum())),
        "median_minutes": t.groupby("source").minutes.median(),
        "p90_minutes": t.groupby("source").minutes.quantile(0.9),
        "met": h.groupby("source").outcome.apply(lambda s: int((s == "met").sum())),
        "breached": h.groupby("source").outcome.apply(lambda s: int(s.isin(["late", "untouched"]).sum())),
        "pending": h.groupby("source").outcome.apply(lambda s: int((s == "pending").sum())),
    })
    tier1 = Filters(tiers=(1,))
    touch = metrics.first_touch(period, tier1, dim="source", as_of=as_of.to_pydatetime()).set_index("dim_key")
    sla = metrics.sla_compliance(period, tier1, dim="source", as_of=as_of.to_pydatetime()).set_index("dim_key")
    touch, sla = touch.sort_index(), sla.sort_index()
    assert list(touch.index) == list(expected.index) and len(expected) > 2
    assert touch.handed_off.tolist() == expected.handed_off.tolist()
    assert touch.untouched.tolist() == expected.untouched.tolist()
    assert np.allclose(touch.median_minutes.astype(float), expected.median_minutes, equal_nan=True)
    assert np.allclose(touch.p90_minutes.astype(float), expected.p90_minutes, equal_nan=True)
    assert sla.met.tolist() == expected.met.tolist()
    assert sla.breached.tolist() == expected.breached.tolist()
    assert sla.pending.tolist() == expected.pending.tolist()
    assert np.allclose(sla.compliance_rate, expected.met / (expected.met + expected.breached))
