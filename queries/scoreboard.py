"""The scoreboard's reads: KPI assembly with changes against a comparison period, trends for the
charts, the revenue target, and the record lists behind each number.

Every number comes from a metric function in :mod:`queries.metrics` (the single definition of
each metric); this module only picks periods and moments and puts the results together. Record
lists (``sql/drilldown.sql``) select exactly the rows those metrics count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from queries import calc, dimensions, metrics, settings
from queries.access import User
from queries.db import get_engine
from queries.filters import NO_FILTERS, Filters
from queries.meeting_rules import json_number
from queries.parallel import fetch
from queries.periods import Period, grain_for, local_today
from queries.sqlfiles import q

#: Most rows a record list returns (the total is always counted). Enough to scan and export a
#: team's quarter; beyond it, narrower filters are the better tool.
ROW_LIMIT = 5000

#: Number of sources drawn in the acceptance trend; the rest are summed into "Other sources".
TREND_SOURCES = 4


# --------------------------------------------------------------------------- revenue target


def revenue_target(period: Period) -> float | None:
    """The revenue target for ``period``, or None when none is set.

    The revenue plan's quarterly targets (:mod:`queries.plan`: app settings
    ``revenue_target_<YYYY>-Q<n>``, a JSON number). A period that is not a whole quarter takes
    the share of each quarter's target that its days cover; a quarter without a target means
    no target. This function is the one place coverage gets its target from.
    """
    return calc.prorated_target(period, {s.key: settings.get(s.key) for s in calc.quarter_slices(period)})


# --------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class Scoreboard:
    """The KPI values for a period and filters, each with its comparison-period value (``*_prev``)."""

    period: Period
    comparison: Period
    as_of: datetime            # time-dependent numbers (touches, SLA) are as known at this moment
    open_as_of: datetime       # open pipeline is measured at the end of the period, or now
    comparison_open_as_of: datetime
    # revenue and pipeline
    revenue: float
    revenue_prev: float
    marketing_revenue: float
    won: int
    lost: int
    win_rate: float | None
    win_rate_prev: float | None
    pipeline_created: float
    pipeline_created_prev: float
    marketing_pipeline_created: float
    opportunities_created: int
    open_pipeline: float
    open_pipeline_prev: float
    open_deals: int
    coverage: calc.Coverage
    coverage_needed: float | None
    # marketing → sales hand-off
    mqls: int
    mqls_prev: int
    handed_off: int
    accepted: int
    rejected: int
    awaiting: int
    acceptance_rate: float | None
    acceptance_rate_prev: float | None
    touched: int
    untouched: int
    median_minutes: float | None
    median_minutes_prev: float | None
    p90_minutes: float | None
    p90_minutes_prev: float | None
    sla_met: int
    sla_breached: int
    sla_pending: int
    sla_compliance: float | None
    sla_compliance_prev: float | None
    data_start: date | None = None   # the first lead's or opportunity's local date (None: no data)

    @property
    def comparison_before_data(self) -> bool:
        """The comparison period starts before the data does (or there is none): its numbers would
        be a ramp-up, not a baseline, so no changes are shown against it."""
        return calc.comparison_before_data(self.comparison, self.data_start)

    @property
    def not_started(self) -> bool:
        """The period begins after ``as_of``: nothing has happened in it, so no changes are shown."""
        return calc.not_started(self.period, self.as_of)

    @property
    def shows_changes(self) -> bool:
        return _shows_changes(self.period, self.comparison, self.as_of, self.data_start)

    @property
    def marketing_revenue_share(self) -> float | None:
        return calc.share(self.marketing_revenue, self.revenue)

    @property
    def marketing_pipeline_share(self) -> float | None:
        return calc.share(self.marketing_pipeline_created, self.pipeline_created)

    @property
    def is_empty(self) -> bool:
        """Nothing at all for these filters: no MQLs, hand-offs, deals or pipeline."""
        return not (self.mqls or self.handed_off or self.won or self.lost or self.opportunities_created
                    or self.open_deals)


def numbers(sb: Scoreboard) -> dict:
    """The KPIs as a JSON-ready mapping: what components.kpi_tiles draws the tiles from, on the page
    and on a meeting's slide (which stores it with its frozen numbers). ``values``: every number of
    :class:`Scoreboard` (NaN as None); ``coverage``: its parts; moments as ISO text."""
    values = {f.name: json_number(getattr(sb, f.name)) for f in fields(sb)
              if isinstance(getattr(sb, f.name), (int, float)) or getattr(sb, f.name) is None}
    cov = sb.coverage
    return {
        "values": values,
        "marketing_revenue_share": json_number(sb.marketing_revenue_share),
        "marketing_pipeline_share": json_number(sb.marketing_pipeline_share),
        "coverage": {k: json_number(getattr(cov, k)) if k != "status" else cov.status
                     for k in ("status", "ratio", "target", "remaining", "open_in_period", "won_so_far")},
        "comparison": sb.comparison.describe(),
        "comparison_same_point": sb.comparison.label.startswith("same"),
        "comparison_before_data": sb.comparison_before_data,
        "not_started": sb.not_started,
        "data_start": None if sb.data_start is None else f"{sb.data_start:%d %b %Y}",
        "open_as_of": sb.open_as_of.isoformat(),
        "comparison_open_as_of": sb.comparison_open_as_of.isoformat(),
        "tz": sb.period.tz,
        "is_empty": sb.is_empty,
    }


def _row(frame: pd.DataFrame) -> dict:
    """The single total row of a ``dim='total', grain='none'`` metric, or {} when it has none."""
    return frame.iloc[0].to_dict() if not frame.empty else {}


def _num(row: dict, col: str, default=None):
    value = row.get(col, default)
    if value is None or (isinstance(value, float) and value != value):
        return default
    return value


def moments(period: Period, as_of: datetime) -> tuple[Period, datetime, datetime]:
    """Comparison period, and the moments open pipeline is measured at for the period and for it:
    now, or — for a period already over — its last instant. (Not ``end_at``, the first instant of
    the next period: a deal created at 00:00 on the next period's first day, common in date-only CRM
    imports, would count in this period's closing pipeline, and one closed then would not.)"""
    comparison = calc.comparison_period(period, local_today(period.tz, as_of), as_of)
    # the comparison's own end: its cut for a period in progress (PeriodUntil.bounds), else its last
    # instant (a finished February's January was read at 29 Jan)
    return (comparison, min(as_of, _last_instant(period)),
            min(comparison.bounds()["end_at"], _last_instant(comparison)))


def _last_instant(period: Period) -> datetime:
    return period.end_at - timedelta(microseconds=1)   # timestamptz resolution


def _scoreboard_reads(period: Period, filters: Filters, as_of: datetime,
                      data_start: date | None) -> dict[str, Callable[[], object]]:
    """The KPIs' reads, to run side by side. The comparison period's (``*_prev``) only when its
    changes will be shown (:func:`_shows_changes`): one that starts before the data
    (:func:`calc.comparison_before_data`: "last 12 months" of 18 months of data) shows none, and its
    reads were half the database work of a year-long scoreboard."""
    comparison, open_at, comparison_open_at = moments(period, as_of)
    prev_as_of = calc.comparison_as_of(period, comparison, as_of)   # equally mature (see there)
    reads = {
        "deals": lambda: metrics.closed_deals(period, filters),
        "created": lambda: metrics.pipeline_created(period, filters),
        "open": lambda: metrics.open_pipeline(open_at, filters),
        "coverage": lambda: metrics.coverage_inputs(period, filters, as_of=open_at),
        "mqls": lambda: metrics.mqls_delivered(period, filters),
        "acc": lambda: metrics.acceptance(period, filters, as_of=as_of),
        "touch": lambda: metrics.first_touch(period, filters, as_of=as_of),
        "sla": lambda: metrics.sla_compliance(period, filters, as_of=as_of),
        "target": lambda: revenue_target(period),
    }
    if _shows_changes(period, comparison, as_of, data_start):
        reads.update({
            "deals_prev": lambda: metrics.closed_deals(comparison, filters),
            "created_prev": lambda: metrics.pipeline_created(comparison, filters),
            "open_prev": lambda: metrics.open_pipeline(comparison_open_at, filters),
            "mqls_prev": lambda: metrics.mqls_delivered(comparison, filters),
            "acc_prev": lambda: metrics.acceptance(comparison, filters, as_of=prev_as_of),
            "touch_prev": lambda: metrics.first_touch(comparison, filters, as_of=prev_as_of),
            "sla_prev": lambda: metrics.sla_compliance(comparison, filters, as_of=prev_as_of),
        })
    return reads


def _shows_changes(period: Period, comparison: Period, as_of: datetime, data_start: date | None) -> bool:
    """Whether changes against ``comparison`` are shown (and read): not against a comparison period
    from before the data, nor for a period that has not started (:attr:`Scoreboard.shows_changes`)."""
    return not (calc.comparison_before_data(comparison, data_start) or calc.not_started(period, as_of))


def _assemble_scoreboard(period: Period, as_of: datetime, got: dict, data_start: date | None,
                         filters: Filters) -> Scoreboard:
    comparison, open_at, comparison_open_at = moments(period, as_of)
    r = {k: _row(v) if isinstance(v, pd.DataFrame) else v for k, v in got.items()}
    for name in ("deals_prev", "created_prev", "open_prev", "mqls_prev", "acc_prev", "touch_prev", "sla_prev"):
        r.setdefault(name, {})   # not read: no changes are shown against this comparison
    deals, deals_prev, created, created_prev = r["deals"], r["deals_prev"], r["created"], r["created_prev"]
    open_now, open_prev, cov_in = r["open"], r["open_prev"], r["coverage"]
    acc, acc_prev, touch, touch_prev, sla, sla_prev = (r["acc"], r["acc_prev"], r["touch"], r["touch_prev"],
                                                       r["sla"], r["sla_prev"])
    win_rate = _num(deals, "win_rate")
    sb = Scoreboard(
        period=period, comparison=comparison, as_of=as_of, open_as_of=open_at, comparison_open_as_of=comparison_open_at,
        revenue=float(_num(deals, "revenue", 0.0)), revenue_prev=float(_num(deals_prev, "revenue", 0.0)),
        marketing_revenue=float(_num(deals, "marketing_sourced_revenue", 0.0)),
        won=int(_num(deals, "won", 0)), lost=int(_num(deals, "lost", 0)),
        win_rate=win_rate, win_rate_prev=_num(deals_prev, "win_rate"),
        pipeline_created=float(_num(created, "amount", 0.0)),
        pipeline_created_prev=float(_num(created_prev, "amount", 0.0)),
        marketing_pipeline_created=float(_num(created, "marketing_sourced_amount", 0.0)),
        opportunities_created=int(_num(created, "opportunities", 0)),
        open_pipeline=float(_num(open_now, "amount", 0.0)), open_pipeline_prev=float(_num(open_prev, "amount", 0.0)),
        open_deals=int(_num(open_now, "opportunities", 0)),
        # the target is the company's: no coverage for a slice; a finished period's gap is a miss
        coverage=calc.pipeline_coverage(_num(cov_in, "open_in_period", 0.0), _num(cov_in, "won_so_far", 0.0),
                                        r["target"], filtered=not filters.is_empty, finished=as_of >= period.end_at),
        coverage_needed=calc.coverage_needed(win_rate),
        mqls=int(_num(r["mqls"], "mqls", 0)), mqls_prev=int(_num(r["mqls_prev"], "mqls", 0)),
        handed_off=int(_num(acc, "handed_off", 0)), accepted=int(_num(acc, "accepted", 0)),
        rejected=int(_num(acc, "rejected", 0)), awaiting=int(_num(acc, "awaiting", 0)),
        acceptance_rate=_num(acc, "acceptance_rate"), acceptance_rate_prev=_num(acc_prev, "acceptance_rate"),
        touched=int(_num(touch, "touched", 0)), untouched=int(_num(touch, "untouched", 0)),
        median_minutes=_num(touch, "median_minutes"), median_minutes_prev=_num(touch_prev, "median_minutes"),
        p90_minutes=_num(touch, "p90_minutes"), p90_minutes_prev=_num(touch_prev, "p90_minutes"),
        sla_met=int(_num(sla, "met", 0)), sla_breached=int(_num(sla, "breached", 0)),
        sla_pending=int(_num(sla, "pending", 0)),
        sla_compliance=_num(sla, "compliance_rate"), sla_compliance_prev=_num(sla_prev, "compliance_rate"),
        data_start=data_start,
    )
    if not sb.shows_changes:   # "+365%" against months with no data yet, "−100%" before the start: no change
        sb = replace(sb, **{f.name: None for f in fields(sb) if f.name.endswith("_prev")})
    return sb


def scoreboard(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> Scoreboard:
    """All KPI values for the page, each from its metric function (cached there)."""
    as_of = as_of or metrics.now_minute()
    data_start = dimensions.data_start(period.tz)   # whether the comparison is read at all (cached)
    return _assemble_scoreboard(period, as_of, fetch(_scoreboard_reads(period, filters, as_of, data_start)),
                                data_start, filters)


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class Trends:
    grain: str                 # buckets of the money trend (grain_for the period)
    money: pd.DataFrame        # bucket, revenue, marketing_sourced_revenue, pipeline_created, marketing_sourced_pipeline
    acceptance_grain: str      # buckets of the acceptance trend: coarser when sources are thin
    acceptance: pd.DataFrame   # bucket, handed_off, accepted, awaiting, acceptance_rate (all sources)
    by_source: pd.DataFrame    # bucket, dim_key, dim_label, counts, acceptance_rate: top sources + "Other sources"
    starts: date | None = None  # the first day the trends cover (calc.trend_start): the period's or the data's


#: Finest buckets the acceptance trend may use after the page's own grain, coarsest last.
_COARSER = {"day": ["day", "week", "month"], "week": ["week", "month"], "month": ["month", "quarter"]}
#: A source-bucket with fewer hand-offs than this makes a noisy rate (see reliable_grain).
MIN_COHORT = 10


def _coarser_within(period: Period, grain: str) -> list[str]:
    """The grains the acceptance trend may pool into: a coarser one only while the period spans
    more than one of its buckets, so the trend keeps two points or more (a one-day period pooled
    into its month read "Nov 2026"; three days pooled into their week, one "w/c" point)."""
    grains = [grain]
    for coarser in _COARSER.get(grain, [grain])[1:]:
        if len(calc.bucket_starts(period, coarser)) <= 1:
            break
        grains.append(coarser)
    return grains


def _trend_reads(period: Period, filters: Filters, as_of: datetime,
                 data_start: date | None) -> dict[str, Callable[[], object]]:
    period = calc.trend_period(period, data_start)   # no buckets before the data (drawn as zeros)
    grain = grain_for(period)
    return {
        "deals_trend": lambda: metrics.closed_deals(period, filters, grain=grain),
        "created_trend": lambda: metrics.pipeline_created(period, filters, grain=grain),
        # per day, so the chart can sum the days into weeks or months without another query
        "acc_by_source": lambda: metrics.acceptance(period, filters, grain="day", dim="source", as_of=as_of),
    }


def _assemble_trends(period: Period, as_of: datetime, got: dict, data_start: date | None) -> Trends:
    period = calc.trend_period(period, data_start)
    grain = grain_for(period)
    today = local_today(period.tz, as_of)
    buckets = calc.bucket_starts(period, grain, until=today)
    deals = got["deals_trend"][["bucket", "revenue", "marketing_sourced_revenue"]]
    created = got["created_trend"][["bucket", "amount", "marketing_sourced_amount"]].rename(
        columns={"amount": "pipeline_created", "marketing_sourced_amount": "marketing_sourced_pipeline"})
    money = calc.fill_buckets(deals, buckets, {"revenue": 0.0, "marketing_sourced_revenue": 0.0})
    money = money.merge(calc.fill_buckets(created, buckets, {"pipeline_created": 0.0,
                                                             "marketing_sourced_pipeline": 0.0}), on="bucket")

    # Acceptance: the finest buckets at which most of the top sources' points rest on enough
    # hand-offs. Per-day counts are summed into those buckets: the by-source cohorts partition
    # each bucket's hand-offs, so the counts add up and rate = accepted ÷ handed off as defined.
    days = got["acc_by_source"]
    counts = ["handed_off", "accepted", "awaiting"]
    top = _top_sources(days)
    cells = top[top["dim_key"] != "other"][["bucket", "dim_key", "handed_off"]].rename(columns={"handed_off": "count"})
    acc_grain = calc.reliable_grain(cells, _coarser_within(period, grain), MIN_COHORT)
    by_source = calc.regrain(top, acc_grain, ["dim_key", "dim_label"], counts)
    by_source["acceptance_rate"] = by_source["accepted"] / by_source["handed_off"]
    overall = calc.regrain(days, acc_grain, [], counts)
    overall["acceptance_rate"] = overall["accepted"] / overall["handed_off"]
    acceptance = calc.fill_buckets(overall, calc.bucket_starts(period, acc_grain, until=today),
                                   {"handed_off": 0, "accepted": 0, "awaiting": 0})
    return Trends(grain, money, acc_grain, acceptance, by_source, period.start)


def trends(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> Trends:
    """Per-bucket series for the trend charts, from the metric functions.

    Buckets run from the period's start to today (or its end); a bucket with no deals shows 0,
    a bucket with no hand-offs has no rate. A period that starts before the data does is read and
    drawn from the data's first day (:func:`calc.trend_period`), its grain chosen for that span.
    """
    as_of = as_of or metrics.now_minute()
    data_start = dimensions.data_start(period.tz)
    return _assemble_trends(period, as_of, fetch(_trend_reads(period, filters, as_of, data_start)), data_start)


def _top_sources(frame: pd.DataFrame, top: int = TREND_SOURCES) -> pd.DataFrame:
    """Keep the ``top`` sources by hand-offs; sum the others into one 'Other sources' line."""
    cols = ["bucket", "dim_key", "dim_label", "handed_off", "accepted", "awaiting", "acceptance_rate"]
    if frame.empty:
        return frame[cols]
    volume = frame.groupby("dim_key")["handed_off"].sum().sort_values(ascending=False, kind="stable")
    keep = set(volume.index[:top])
    kept = frame[frame["dim_key"].isin(keep)][cols]
    rest = frame[~frame["dim_key"].isin(keep)]
    if rest.empty:
        return kept.reset_index(drop=True)
    other = rest.groupby("bucket", as_index=False)[["handed_off", "accepted", "awaiting"]].sum()
    other["acceptance_rate"] = other["accepted"] / other["handed_off"]
    other["dim_key"], other["dim_label"] = "other", "Other sources"
    other = other.astype({"dim_key": "string", "dim_label": "string"})
    return pd.concat([kept, other[cols]], ignore_index=True)


# --------------------------------------------------------------------------- the whole page


@dataclass(frozen=True)
class Overview:
    """Everything the scoreboard shows above the record lists."""

    scoreboard: Scoreboard
    trends: Trends
    touch_distribution: pd.DataFrame   # band, lower_minutes, upper_minutes, handoffs
    funnel: pd.DataFrame               # MQL → Won (calc.funnel_from_mql)


#: KPI totals that are the sums of a trend read over the same rows, and the counts summed: when the
#: trend covers the whole period (:func:`calc.trend_period`), the page reads the trend only.
#: Revenue, win rate, pipeline created and acceptance read a year's deals and hand-offs twice
#: otherwise (the same metric query, once per bucket and once in total).
TOTALS_FROM_TRENDS = {
    "deals": ("deals_trend", ("won", "lost", "revenue", "marketing_sourced_revenue")),
    "created": ("created_trend", ("opportunities", "amount", "marketing_sourced_amount",
                                  "marketing_sourced_opportunities")),
    "acc": ("acc_by_source", ("handed_off", "accepted", "rejected", "awaiting")),
}


def _summed(frame: pd.DataFrame, counts: tuple[str, ...]) -> dict:
    """One total row of a bucketed metric frame, as :func:`_row` reads a total: {} when the frame
    has no row (the total query returns none), the rates recomputed from the summed counts exactly
    as the metric's SQL computes them (win rate = won ÷ closed, acceptance = accepted ÷ handed off).
    The sales cycle, a median, cannot be summed: the scoreboard does not show it."""
    if frame.empty:
        return {}
    # money to the cent, as stored (numeric(14, 2)): the float sum of the buckets' sums then equals
    # the float of the exact total
    row = {c: (round(float(frame[c].sum()), 2) if pd.api.types.is_float_dtype(frame[c]) else int(frame[c].sum()))
           for c in counts}
    if "won" in row:
        closed = row["won"] + row["lost"]
        row["win_rate"] = row["won"] / closed if closed else None
    if "handed_off" in row:
        row["acceptance_rate"] = row["accepted"] / row["handed_off"] if row["handed_off"] else None
    return row


def overview_reads(period: Period, filters: Filters, as_of: datetime,
                   data_start: date | None) -> tuple[dict[str, Callable[[], object]], bool]:
    """Every read of the page, and whether the KPI totals of :data:`TOTALS_FROM_TRENDS` are to be
    summed from the trends (then not read on their own)."""
    reads = {**_scoreboard_reads(period, filters, as_of, data_start), **_trend_reads(period, filters, as_of, data_start),
             "distribution": lambda: metrics.first_touch_distribution(period, filters, as_of=as_of),
             "funnel": lambda: metrics.funnel(period, filters)}
    from_trends = calc.trend_period(period, data_start) == period
    if from_trends:
        for name in TOTALS_FROM_TRENDS:
            del reads[name]
    return reads, from_trends


def _totals_from_trends(got: dict) -> dict:
    return {name: _summed(got[trend], counts) for name, (trend, counts) in TOTALS_FROM_TRENDS.items()}


def overview(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> Overview:
    """All the page's reads at once: the independent metric queries run side by side
    (:func:`fetch`), so a cold page waits for the slowest few, not for the sum of all."""
    as_of = as_of or metrics.now_minute()
    # the trends' first bucket and whether the comparison is read depend on it (cached)
    data_start = dimensions.data_start(period.tz)
    reads, from_trends = overview_reads(period, filters, as_of, data_start)
    got = fetch(reads)
    if from_trends:
        got.update(_totals_from_trends(got))
    return Overview(_assemble_scoreboard(period, as_of, got, data_start, filters), _assemble_trends(period, as_of, got, data_start),
                    got["distribution"], calc.funnel_from_mql(got["funnel"]))


# --------------------------------------------------------------------------- funnel and touch bands


def funnel(period: Period, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """MQL → Won for leads created in the period (from the funnel metric)."""
    return calc.funnel_from_mql(metrics.funnel(period, filters))


def touch_distribution(period: Period, filters: Filters = NO_FILTERS, *, as_of: datetime | None = None) -> pd.DataFrame:
    return metrics.first_touch_distribution(period, filters, as_of=as_of)


# --------------------------------------------------------------------------- record lists


@dataclass(frozen=True)
class Drill:
    """A record list: which query, which subset, what it explains."""

    key: str
    label: str          # shown in the picker
    query: str          # named query in sql/drilldown.sql
    subset: str
    explains: str       # one sentence: which rows, which metric

    @property
    def owner_basis(self) -> str:
        """Whose hand-offs the list's owner filter selects, as the metric it explains counts them:
        the owner at the first touch or deadline for the speed and SLA lists, the owner now for
        lead acceptance (metrics.OWNER_BASES)."""
        return "first_touch" if self.subset in _FIRST_TOUCH_SUBSETS else "current"


_FIRST_TOUCH_SUBSETS = frozenset({"touched", "untouched", "sla_breached", "sla_pending"})

DRILLS: dict[str, Drill] = {d.key: d for d in (
    Drill("revenue", "Revenue — deals won", "drill_opportunities", "won",
          "Opportunities closed-won with a close date in the period: their amounts add up to revenue."),
    Drill("win_rate", "Win rate — deals closed (won and lost)", "drill_opportunities", "closed",
          "Opportunities closed in the period, won or lost: win rate = won ÷ these."),
    Drill("pipeline_created", "Pipeline created — new opportunities", "drill_opportunities", "created",
          "Opportunities created in the period: their amounts add up to pipeline created."),
    Drill("open_pipeline", "Open pipeline — open opportunities", "drill_opportunities", "open",
          "Opportunities open at the moment shown: their amounts add up to open pipeline."),
    Drill("coverage", "Pipeline coverage — open deals expected to close in the period", "drill_opportunities",
          "coverage", "Open opportunities whose expected close date is in the period: coverage's numerator."),
    Drill("mqls", "MQLs delivered — marketing-qualified leads", "drill_mqls", "all",
          "Leads that became MQLs in the period, with the hand-off that followed."),
    Drill("handoffs", "Lead acceptance — all hand-offs", "drill_handoffs", "all",
          "Leads handed to sales in the period: acceptance rate = accepted ÷ these."),
    Drill("awaiting", "Awaiting decision — hand-offs not yet accepted or rejected", "drill_handoffs", "awaiting",
          "Hand-offs in the period that sales has neither accepted nor rejected yet."),
    Drill("rejected", "Rejected hand-offs", "drill_handoffs", "rejected",
          "Hand-offs in the period that sales rejected, with the reason given."),
    Drill("first_touch", "Time to first touch — touched hand-offs, slowest first", "drill_handoffs", "touched",
          "Hand-offs in the period with a rep's first touch: the median and p90 are taken over these."),
    Drill("untouched", "Untouched hand-offs", "drill_handoffs", "untouched",
          "Hand-offs in the period no rep has touched yet (not part of the median)."),
    Drill("sla_breached", "SLA breaches", "drill_handoffs", "sla_breached",
          "Hand-offs first touched after their SLA deadline, or still untouched past it."),
    Drill("sla_pending", "SLA pending — untouched, deadline still ahead", "drill_handoffs", "sla_pending",
          "Untouched hand-offs whose SLA deadline has not passed: not counted in compliance yet."),
)}

_TS = "datetime64[us, UTC]"
DRILL_SCHEMAS: dict[str, dict[str, str]] = {
    "drill_handoffs": {
        "handoff_id": "int64", "lead_id": "int64", "lead_name": "string", "account": "string", "source": "string",
        "campaign": "string", "owner": "string", "team": "string", "tier": "int64", "handed_off_at": _TS,
        "decision": "string", "decided_at": _TS, "rejection_reason": "string", "recycled_at": _TS,
        "first_touch_at": _TS, "minutes_to_first_touch": "float64", "sla_deadline_at": _TS,
        "sla_outcome": "string", "total_rows": "int64"},
    "drill_opportunities": {
        "opportunity_id": "int64", "opportunity": "string", "account": "string", "owner": "string",
        "team": "string", "source": "string", "marketing_sourced": "boolean", "amount": "float64",
        "stage": "string", "created_at": _TS, "expected_close_date": "datetime64[us]", "closed_at": _TS,
        "lost_reason": "string", "total_rows": "int64", "total_amount": "float64"},
    "drill_mqls": {
        "lead_id": "int64", "lead_name": "string", "account": "string", "source": "string", "campaign": "string",
        "marketer": "string", "score": "int64", "mql_at": _TS, "handed_off_at": _TS, "owner": "string",
        "decision": "string", "total_rows": "int64"},
}


@dataclass(frozen=True)
class Records:
    drill: Drill
    rows: pd.DataFrame      # at most ROW_LIMIT rows, typed per DRILL_SCHEMAS, timestamps in the company zone
    total_rows: int         # every matching row
    total_amount: float | None  # opportunity lists: sum of amount over every matching row

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)


def own_records_only(viewer: User) -> bool:
    """Record lists are lead-level data: team leads, executives and admins see everyone's; anyone
    else (SDRs, AEs, marketers) only their own, as on My SLA."""
    return not viewer.is_lead


def records(key: str, period: Period, filters: Filters = NO_FILTERS, *, viewer: User,
            as_of: datetime | None = None, row_limit: int = ROW_LIMIT) -> Records:
    """The records behind a number (``key`` from :data:`DRILLS`), measured like the scoreboard:
    open-pipeline lists at the end of the period (or now), touch and SLA lists as of now. For a
    ``viewer`` who may see only their own records (:func:`own_records_only`) the list is cut to the
    records they own (their rep's): none when the filters name only other owners, or without a
    rep record."""
    drill = DRILLS.get(key)
    if drill is None:
        raise ValueError(f"There is no record list called '{key}'.")
    if own_records_only(viewer):   # the filters' records that are the viewer's own (0: no rep's id)
        mine = viewer.rep_id is not None and (not filters.owner_ids or viewer.rep_id in filters.owner_ids)
        filters = filters.replace(owner_ids=(viewer.rep_id if mine else 0,))
    as_of = as_of or metrics.now_minute()
    if drill.query == "drill_opportunities":   # the moment the open-pipeline numbers are measured at
        as_of = min(as_of, _last_instant(period))
    return _records(drill, period, filters, as_of, int(row_limit))


@st.cache_data(ttl=metrics.METRIC_TTL, show_spinner=False)
def _records(drill: Drill, period: Period, filters: Filters, as_of: datetime, row_limit: int) -> Records:
    params = metrics.params(period, filters, owner_basis=drill.owner_basis, as_of=as_of, subset=drill.subset,
                            row_limit=row_limit)
    with get_engine().connect() as conn:
        result = conn.execute(q(drill.query), params)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    frame = _typed(frame, DRILL_SCHEMAS[drill.query], period.tz)
    total_rows = int(frame["total_rows"].iloc[0]) if not frame.empty else 0
    total_amount = None
    if "total_amount" in frame:
        total_amount = float(frame["total_amount"].iloc[0]) if not frame.empty else 0.0
    frame = frame.drop(columns=[c for c in ("total_rows", "total_amount") if c in frame])
    return Records(drill, frame.reset_index(drop=True), total_rows, total_amount)


def _typed(frame: pd.DataFrame, schema: dict[str, str], tz: str) -> pd.DataFrame:
    """Declared dtypes (also for an empty result); instants shown in the company time zone."""
    frame = frame.reindex(columns=list(schema))
    for col, dtype in schema.items():
        if dtype == _TS:
            frame[col] = pd.to_datetime(frame[col], utc=True).dt.as_unit("us").dt.tz_convert(tz)
        elif dtype == "boolean":
            frame[col] = frame[col].astype("boolean")
        else:
            frame[col] = metrics.typed(frame[[col]], {col: dtype})[col]
    return frame
