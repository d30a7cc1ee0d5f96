"""Ranking campaigns by sales' ratings when one campaign has a single rating and another twenty
(pure: no database, no Streamlit).

A plain average put a campaign rated once, 1 ★, above one rated 2 ★ twenty times: the smallest
samples led the weekly review's list of poorly rated campaigns. Each campaign's average is weighed
instead with :data:`PRIOR_RATINGS` ratings at the average of every campaign's ratings (a Bayesian
average): many ratings move a campaign far from the overall average, one rating only a little.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: How many ratings at the overall average each campaign's own ratings are weighed with. With 10, a
#: single 1 ★ against an overall 3.4 ★ weighs in at 3.2 ★; ten ratings of 2 ★ at 2.7 ★; forty at
#: 2.3 ★. The empirical-Bayes weight (the variance of single ratings within a campaign over the
#: variance of campaigns' true averages) came to 10 on the demo data at 1M leads: 1.58 against 0.16
#: over 42 campaigns with 20+ ratings in 180 days. A product call to tune; one constant.
PRIOR_RATINGS = 10


def overall_average(frame: pd.DataFrame) -> float | None:
    """The average of every rating in ``frame`` (rows of ``ratings`` and ``avg_quality`` per group):
    each group weighed by its number of ratings. None when there is none."""
    n = float(frame["ratings"].sum()) if len(frame) else 0.0
    if n <= 0:
        return None
    return float((frame["avg_quality"] * frame["ratings"]).sum()) / n


def weighted_rating(avg_quality: float, ratings: int, overall: float, prior: float = PRIOR_RATINGS) -> float:
    """``avg_quality`` over ``ratings`` ratings, pulled toward ``overall`` as if ``prior`` more
    ratings at ``overall`` had been given: (avg × n + overall × prior) ÷ (n + prior)."""
    if prior < 0 or ratings < 0:
        raise ValueError("ratings and the prior weight cannot be negative")
    if ratings + prior == 0:
        return float(overall)
    return (float(avg_quality) * ratings + float(overall) * prior) / (ratings + prior)


@dataclass(frozen=True)
class LowRated:
    rows: pd.DataFrame        # the first ``top`` of them: dim_key, dim_label, ratings, avg_quality, weighted
    overall: float | None     # the average of every campaign rating the ranking weighed toward
    rated: int                # campaigns with a rating
    low: int                  # of them, averaging ``at_most`` stars or fewer (rows holds the first ``top``)


def low_rated(frame: pd.DataFrame, at_most: float = 3, *, prior: float = PRIOR_RATINGS, top: int = 6) -> LowRated:
    """Campaigns whose average rating is ``at_most`` stars or fewer, lowest weighted rating first
    (:func:`weighted_rating` toward the average of every row's ratings), then the most rated, then
    by name. ``frame``: one row per campaign with ``dim_key``, ``dim_label``, ``ratings``,
    ``avg_quality`` (``qualification.feedback_trend(..., dim="campaign")`` without its 'none' row)."""
    rated = frame[frame["ratings"] > 0]
    overall = overall_average(rated)
    low = rated[rated["avg_quality"] <= at_most]
    out = low[["dim_key", "dim_label", "ratings", "avg_quality"]].copy()
    out["weighted"] = [weighted_rating(a, int(n), overall, prior) for a, n in zip(out["avg_quality"], out["ratings"])]
    out = out.sort_values(["weighted", "ratings", "dim_label"], ascending=[True, False, True], kind="stable")
    return LowRated(out.head(top).reset_index(drop=True), overall, len(rated), len(out))
