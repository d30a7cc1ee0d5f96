"""Pure helpers behind the scoreboard: changes against a comparison period, pipeline coverage,
revenue-target proration, trend buckets and the MQL→won funnel. No database, no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from queries.periods import Period, PeriodUntil, bucket_start, bucket_starts, quarter_start, zone  # noqa: F401 (bucket_* re-exported)

#: app_setting key that holds a quarter's revenue target (the revenue plan, queries/plan.py).
TARGET_KEY = "revenue_target_{year}-Q{quarter}"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def relative_change(current, previous) -> float | None:
    """(current − previous) ÷ |previous|; None when either is missing or previous is 0."""
    if _missing(current) or _missing(previous) or float(previous) == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


def point_change(current, previous) -> float | None:
    """Difference of two rates (0.62 − 0.58 = 0.04, i.e. +4 points); None when either is missing."""
    if _missing(current) or _missing(previous):
        return None
    return float(current) - float(previous)


def share(part, whole) -> float | None:
    """part ÷ whole, or None when the whole is 0 or missing."""
    if _missing(part) or _missing(whole) or float(whole) == 0:
        return None
    return float(part) / float(whole)


# --------------------------------------------------------------------------- comparison period


def comparison_period(period: Period, today: date, as_of: datetime | None = None) -> Period:
    """The period a KPI's change is measured against.

    A finished (or future) period compares with the whole previous period of the same shape. A
    period in progress — today is one of its days, the last one included — compares with the
    previous period *up to the same point*: on day 51 of this quarter, with the first 51 days of
    last quarter, so amounts that are still growing are not set against a complete period. Given
    ``as_of``, the point is a moment, not a day: at 09:00 on the last of "the last 7 days", the
    7 days before up to 09:00 on their last day (a whole last day against a morning read +9% for
    +20%).
    """
    previous = period.previous()
    if not (period.start <= today <= period.end):
        return previous
    elapsed_days = (today - period.start).days + 1
    same_day = previous.start + timedelta(days=elapsed_days - 1)
    end = min(same_day, previous.end)
    label = "same point in the previous period"
    if as_of is None or same_day > previous.end:   # no such day (30 March against February): all of it
        return Period(previous.start, end, period.tz, label=label)
    # the same local time of day on that day (not the same time elapsed since the start: across a
    # clock change that was an hour off)
    tz = zone(period.tz)
    until = datetime.combine(end, as_of.astimezone(tz).time(), tzinfo=tz).astimezone(timezone.utc)
    return PeriodUntil(previous.start, end, period.tz, label, until=until)


def comparison_as_of(period: Period, comparison: Period, as_of: datetime) -> datetime:
    """The moment to read ``comparison``'s time-dependent numbers at (decisions, touches, SLA
    outcomes): as long after its start as ``as_of`` is after ``period``'s, so both are equally
    mature. Read "now", a finished comparison period has had months longer for its hand-offs to be
    decided and touched than the period in progress, and the change mostly measured that."""
    return as_of - (period.start_at - comparison.start_at)


def comparison_text(comparison: Period) -> str:
    """'01 Jul – 23 Aug 2026 (the same point in the previous period)': how pages name it."""
    return f"{comparison.describe()} (the {comparison.label})"


def comparison_before_data(comparison: Period, data_start: date | None) -> bool:
    """The comparison period starts before the data does (or there is no data): its numbers would
    be a ramp-up, not a baseline, so no change is shown against it. The one rule for every page
    and slide that shows changes (scoreboard, team scorecard, meeting slides): "last 12 months" of
    18 months of data read "Revenue +365%" against six months of ramp-up."""
    return data_start is None or comparison.start < data_start


def before_data_text(comparison: Period, data_start: date | None) -> str:
    """Why no changes are shown (:func:`comparison_before_data`), in the pages' words."""
    if data_start is None:
        return "No changes shown: there is no data to compare with yet."
    return (f"No changes shown: the period to compare with ({comparison.describe()}) starts before the data does "
            f"({data_start:%d %b %Y}), so it would compare with a ramp-up, not a baseline.")


def not_started(period: Period, as_of: datetime) -> bool:
    """The period has not begun at ``as_of`` (a custom period next year): every number in it is
    zero, so no change is shown against its comparison period (it read "−100%" in red on MQLs,
    revenue and pipeline created). With :func:`comparison_before_data`, the rule for changes."""
    return as_of < period.start_at


def not_started_text(period: Period) -> str:
    """Why no changes are shown (:func:`not_started`), in the pages' words."""
    return (f"No changes shown: this period starts on {period.start:%d %b %Y}, so nothing has happened in it yet "
            "(open pipeline and coverage are as of now).")


def trend_start(period: Period, data_start: date | None) -> date:
    """The first day a trend over ``period`` covers: the period's start, or the data's first day
    when the period starts before the data does. A custom 2017–2026 period over 18 months of data
    drew eight years of zero buckets nobody measured and squeezed the data into the right-hand
    eighth of every chart. (The data's first day is the first lead's or opportunity's,
    ``dimensions.data_start``: every MQL, hand-off and deal follows a lead or is an opportunity.)"""
    if data_start is None or not (period.start < data_start <= period.end):
        return period.start
    return data_start


def trend_period(period: Period, data_start: date | None) -> Period:
    """``period`` from :func:`trend_start` on: what a trend reads and draws (its grain and buckets
    follow the span with data, not the years before it)."""
    start = trend_start(period, data_start)
    return period if start == period.start else Period(start, period.end, period.tz, period.label)


def trend_start_text(period: Period, data_start: date | None, what: str = "The charts start") -> str | None:
    """Why a trend starts after its period does (:func:`trend_start`), in the pages' words; None
    when it starts with the period."""
    start = trend_start(period, data_start)
    if start == period.start:
        return None
    return (f"{what} on {start:%d %b %Y}, where the data does: the period starts on {period.start:%d %b %Y}, "
            "before the first lead or opportunity.")


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Coverage:
    """Pipeline coverage = open pipeline expected to close in the period ÷ (target − won so far).

    status: ``no_target`` (no revenue target for the period), ``filtered`` (filters are set: the
    target is the company's, so a slice's pipeline over it is no coverage), ``target_met`` (won so
    far reached the target: nothing left to cover), ``missed`` (the period is over short of the
    target: ``remaining`` is by how much, and there is nothing left to cover it with), ``ok``
    (ratio is set).
    """

    status: str
    ratio: float | None
    target: float | None
    remaining: float | None
    open_in_period: float
    won_so_far: float


def pipeline_coverage(open_in_period: float, won_so_far: float, target: float | None, *,
                      filtered: bool = False, finished: bool = False) -> Coverage:
    """Coverage of the period's revenue target. ``filtered``: the numbers are a slice (a source, a
    team, an owner) while the target is company-wide, so no ratio: Webinar's pipeline over the
    whole plan read "0.1×, −5.6× vs needed" in red. ``finished``: the period is over, its deals due
    in it all closed, so what is left is a miss, not pipeline to find (last quarter read "0.0×"
    beside $3.72M won of a $3.78M plan)."""
    open_in_period = 0.0 if _missing(open_in_period) else float(open_in_period)
    won_so_far = 0.0 if _missing(won_so_far) else float(won_so_far)
    if target is None or _missing(target) or float(target) <= 0:
        return Coverage("no_target", None, None, None, open_in_period, won_so_far)
    target = float(target)
    remaining = target - won_so_far
    if filtered:
        return Coverage("filtered", None, target, None, open_in_period, won_so_far)
    if remaining <= 0:
        return Coverage("target_met", None, target, 0.0, open_in_period, won_so_far)
    if finished:
        return Coverage("missed", None, target, remaining, open_in_period, won_so_far)
    return Coverage("ok", open_in_period / remaining, target, remaining, open_in_period, won_so_far)


def coverage_needed(win_rate) -> float | None:
    """The coverage a team needs to close the gap at its win rate: about 1 ÷ win rate."""
    if _missing(win_rate) or float(win_rate) <= 0:
        return None
    return 1.0 / float(win_rate)


# --------------------------------------------------------------------------- revenue targets


@dataclass(frozen=True)
class QuarterSlice:
    key: str            # app_setting key of the quarter's target
    label: str          # "2026-Q4"
    overlap_days: int   # days of the period inside the quarter
    quarter_days: int


def quarter_slices(period: Period) -> list[QuarterSlice]:
    """The calendar quarters a period touches, and how many of its days fall in each."""
    out = []
    start = quarter_start(period.start)
    while start <= period.end:
        next_start = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
        end = next_start - timedelta(days=1)
        overlap = (min(end, period.end) - max(start, period.start)).days + 1
        quarter = (start.month - 1) // 3 + 1
        out.append(QuarterSlice(TARGET_KEY.format(year=start.year, quarter=quarter), f"{start.year}-Q{quarter}",
                                overlap, (end - start).days + 1))
        start = next_start
    return out


def target_value(raw) -> float | None:
    """A stored target (JSON number) as a positive float; anything else counts as 'not set'."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    value = float(raw)
    return value if math.isfinite(value) and value > 0 else None


def prorated_target(period: Period, targets: dict[str, float | None]) -> float | None:
    """The period's revenue target from quarterly targets (``targets``: key → value).

    A whole quarter takes its target; part of a quarter takes the same share of it as of its
    days. None when a quarter the period touches has no target.
    """
    total = 0.0
    for piece in quarter_slices(period):
        value = target_value(targets.get(piece.key))
        if value is None:
            return None
        total += value * piece.overlap_days / piece.quarter_days
    return total


def is_whole_quarters(period: Period) -> bool:
    return all(p.overlap_days == p.quarter_days for p in quarter_slices(period))


# --------------------------------------------------------------------------- trend buckets


def fill_buckets(frame: pd.DataFrame, buckets: list[date], fill: dict[str, float]) -> pd.DataFrame:
    """One row per bucket for a total-level trend (one row per bucket in ``frame``). Buckets with
    no row get ``fill`` values (e.g. 0 revenue); other columns stay missing (a rate without a
    cohort has no value)."""
    index = pd.DatetimeIndex([pd.Timestamp(b) for b in buckets], name="bucket").as_unit("us")
    keyed = frame.assign(bucket=pd.to_datetime(frame["bucket"]).dt.as_unit("us")).set_index("bucket")
    out = keyed[~keyed.index.duplicated()].reindex(index)
    for col, value in fill.items():
        if col in out:
            out[col] = pd.to_numeric(out[col]).fillna(value)
    return out.reset_index()


# --------------------------------------------------------------------------- funnel


FUNNEL_FROM = "MQL"


def funnel_from_mql(funnel: pd.DataFrame) -> pd.DataFrame:
    """The MQL → Won part of the funnel metric (one cohort, ``dim='total'``).

    Keeps the metric's ``step_rate`` (reached ÷ previous stage; for MQL that is ÷ leads created)
    and adds ``of_mql`` = reached ÷ MQLs, the cumulative conversion from the funnel's entry.
    """
    cols = ["stage_order", "stage", "reached", "step_rate", "cumulative_rate", "of_mql"]
    if funnel.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    rows = funnel.sort_values("stage_order")
    start = rows.loc[rows["stage"] == FUNNEL_FROM]
    if start.empty:
        raise ValueError("the funnel has no MQL stage")
    mql_reached = float(start["reached"].iloc[0])
    rows = rows[rows["stage_order"] >= int(start["stage_order"].iloc[0])].copy()
    rows["of_mql"] = rows["reached"] / mql_reached if mql_reached else float("nan")
    return rows[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- re-bucketing counts


def bucket_starts_of(days: pd.Series, grain: str) -> pd.Series:
    """:func:`bucket_start` for a column of local dates (vectorised)."""
    days = pd.to_datetime(days)
    if grain == "day":
        return days
    if grain == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if grain in ("month", "quarter", "year"):
        return days.dt.to_period({"month": "M", "quarter": "Q", "year": "Y"}[grain]).dt.start_time
    raise ValueError(f"unknown grain {grain!r}")


def regrain(frame: pd.DataFrame, grain: str, keys: list[str], counts: list[str]) -> pd.DataFrame:
    """Sum per-day counts into coarser buckets (``bucket`` holds local dates, as the metrics return
    them at ``grain='day'``). Exact: a day belongs to exactly one week, month or quarter."""
    if frame.empty:
        return frame[["bucket", *keys, *counts]].copy()
    out = frame.assign(bucket=bucket_starts_of(frame["bucket"], grain))
    out = out.groupby(["bucket", *keys], as_index=False, sort=True)[counts].sum()
    out["bucket"] = out["bucket"].astype("datetime64[us]")
    return out


def reliable_grain(cells: pd.DataFrame, grains: list[str], min_count: int, share: float = 0.75) -> str:
    """The finest of ``grains`` at which at least ``share`` of the (key, bucket) cells hold
    ``min_count`` or more (``cells``: per-day rows with bucket, key columns and a ``count``
    column). Falls back to the coarsest grain."""
    keys = [c for c in cells.columns if c not in ("bucket", "count")]
    for grain in grains:
        summed = regrain(cells, grain, keys, ["count"])
        if summed.empty or (summed["count"] >= min_count).mean() >= share:
            return grain
    return grains[-1]
