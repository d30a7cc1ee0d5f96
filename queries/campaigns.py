"""Campaign returns: what each campaign cost and what it brought back.

Reads two metrics of the metric layer and puts them side by side, per campaign whose dates overlap
the period:

* ``metrics.campaign_performance`` — lifetime attribution: the campaign's whole spend and the spend
  allocated to the filters (its share of the campaign's leads, when an industry, country, tier,
  owner or team filter cuts them), the leads it sourced, how many became MQLs and SQLs (leads with
  an opportunity), the revenue won from them, cost per MQL / SQL and ROI on the allocated spend
  (docs/metrics.md);
* ``metrics.acceptance`` by campaign — the acceptance rate of its leads *handed off in the period*
  (sales' verdict on the leads the money bought).

Totals across campaigns and per channel are ratios of sums (:func:`totals`, :func:`by_channel`):
a lead belongs to one campaign, so the sums never count a lead, deal or dollar twice. Costs and
returns divide the allocated spend (the whole spend when nothing is cut).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries import dimensions, metrics
from queries.filters import NO_FILTERS, Filters
from queries.periods import Period

#: Columns of :func:`returns` (one row per campaign).
COLUMNS = ["campaign_id", "campaign", "channel_code", "channel", "start_date", "end_date", "spend",
           "allocated_spend", "spend_allocated", "leads", "mqls", "cost_per_mql", "sqls", "cost_per_sql",
           "won_revenue", "roi", "handed_off", "accepted", "awaiting", "acceptance_rate"]

_SUMS = ("spend", "allocated_spend", "leads", "mqls", "sqls", "won_revenue", "handed_off", "accepted", "awaiting")


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


@dataclass(frozen=True)
class Totals:
    """All campaigns of a view together: sums, and ratios of those sums (never means of ratios).
    ``spend`` is the campaigns' whole spend; ``allocated_spend`` the part of it allocated to the
    filters (equal to ``spend`` when ``spend_allocated`` is false), which costs and return divide."""

    campaigns: int
    spend: float
    allocated_spend: float
    spend_allocated: bool
    leads: int
    mqls: int
    sqls: int
    won_revenue: float
    handed_off: int
    accepted: int
    awaiting: int

    @property
    def cost_per_mql(self) -> float | None:
        return _ratio(self.allocated_spend, self.mqls) if self.allocated_spend else None

    @property
    def cost_per_sql(self) -> float | None:
        return _ratio(self.allocated_spend, self.sqls) if self.allocated_spend else None

    @property
    def roi(self) -> float | None:
        """Revenue won ÷ allocated spend; none without it (like the per-campaign ROI)."""
        return _ratio(self.won_revenue, self.allocated_spend)

    @property
    def acceptance_rate(self) -> float | None:
        return _ratio(self.accepted, self.handed_off)


def join_acceptance(performance: pd.DataFrame, acceptance: pd.DataFrame,
                    channel_codes: dict[int, str] | None = None) -> pd.DataFrame:
    """Per-campaign performance with the acceptance of its leads handed off in the period (zero
    hand-offs: counts 0, rate empty). Pure: the two frames come from the metric layer."""
    frame = performance.copy()
    acc = acceptance[acceptance["dim_key"].astype(str).str.fullmatch(r"\d+")].copy()
    acc["campaign_id"] = acc["dim_key"].astype("int64")
    acc = acc.set_index("campaign_id")[["handed_off", "accepted", "awaiting"]]
    frame = frame.join(acc, on="campaign_id")
    for col in ("handed_off", "accepted", "awaiting"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["acceptance_rate"] = [_ratio(a, h) for a, h in zip(frame["accepted"], frame["handed_off"])]
    frame["acceptance_rate"] = frame["acceptance_rate"].astype("float64")
    codes = channel_codes or {}
    frame["channel_code"] = [codes.get(int(i)) for i in frame["campaign_id"]]
    return frame.reindex(columns=COLUMNS)


def returns(period: Period, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row per campaign whose dates overlap the period (columns: :data:`COLUMNS`)."""
    performance = metrics.campaign_performance(period, filters)
    acceptance = metrics.acceptance(period, filters, dim="campaign")
    campaigns = dimensions.campaigns()
    codes = dict(zip(campaigns["id"].astype("int64"), campaigns["channel_code"]))
    return join_acceptance(performance, acceptance, codes)


def totals(frame: pd.DataFrame) -> Totals:
    """The campaigns of ``frame`` (rows of :func:`returns`) together."""
    sums = {col: frame[col].sum() if len(frame) else 0 for col in _SUMS}
    return Totals(campaigns=len(frame), spend=float(sums["spend"]), allocated_spend=float(sums["allocated_spend"]),
                  spend_allocated=spend_is_allocated(frame), leads=int(sums["leads"]),
                  mqls=int(sums["mqls"]), sqls=int(sums["sqls"]), won_revenue=float(sums["won_revenue"]),
                  handed_off=int(sums["handed_off"]), accepted=int(sums["accepted"]),
                  awaiting=int(sums["awaiting"]))


def by_channel(frame: pd.DataFrame) -> pd.DataFrame:
    """Per channel: campaigns, the sums, and cost per MQL / SQL, ROI and acceptance as ratios of
    those sums; highest ROI first (channels without spend last)."""
    cols = ["channel_code", "channel", "campaigns", *_SUMS, "cost_per_mql", "cost_per_sql", "roi",
            "acceptance_rate"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    grouped = (frame.assign(channel_code=frame["channel_code"].fillna(frame["channel"]))
               .groupby(["channel_code", "channel"], as_index=False, dropna=False)
               .agg(campaigns=("campaign_id", "count"), **{c: (c, "sum") for c in _SUMS}))
    spend = grouped["allocated_spend"]
    grouped["cost_per_mql"] = [_ratio(s, m) if s else None for s, m in zip(spend, grouped["mqls"])]
    grouped["cost_per_sql"] = [_ratio(s, q) if s else None for s, q in zip(spend, grouped["sqls"])]
    grouped["roi"] = [_ratio(w, s) for w, s in zip(grouped["won_revenue"], spend)]
    grouped["acceptance_rate"] = [_ratio(a, h) for a, h in zip(grouped["accepted"], grouped["handed_off"])]
    for col in ("cost_per_mql", "cost_per_sql", "roi", "acceptance_rate"):
        grouped[col] = grouped[col].astype("float64")
    return grouped.sort_values(["roi", "channel"], ascending=[False, True], na_position="last")[cols] \
        .reset_index(drop=True)


def without_sql(frame: pd.DataFrame) -> pd.DataFrame:
    """Campaigns with (allocated) spend and no SQL (a lead with an opportunity) yet: they have no cost
    per SQL. Under a filter, a campaign with none of its leads in it has nothing allocated and is
    not among them."""
    return frame[frame["cost_per_sql"].isna() & (frame["allocated_spend"] > 0)]


def spend_is_allocated(frame: pd.DataFrame) -> bool:
    """Whether the rows' spend was allocated to a filter that cuts the campaigns' leads (the metric
    says so on every row; docs/metrics.md)."""
    return bool(len(frame)) and bool(frame["spend_allocated"].fillna(False).any())
