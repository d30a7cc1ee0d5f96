"""Ranking campaigns by sales' ratings with small samples weighed toward the overall average
(queries/rating_math.py)."""

import pandas as pd
import pytest

from queries.rating_math import PRIOR_RATINGS, low_rated, overall_average, weighted_rating


def campaigns(*rows) -> pd.DataFrame:
    """(name, ratings, average) per campaign, as feedback_trend(dim="campaign") returns them."""
    return pd.DataFrame({"dim_key": [str(i) for i in range(len(rows))], "dim_label": [r[0] for r in rows],
                         "ratings": [r[1] for r in rows], "avg_quality": [float(r[2]) for r in rows]})


def test_one_poor_rating_no_longer_leads_many():
    """The review at 1M leads: a campaign with a single 1 ★ led the list above ones rated 2 ★ a dozen times."""
    frame = campaigns(("Once, 1 star", 1, 1.0), ("Often, 2 stars", 12, 2.0), ("Liked", 20, 4.5))
    low = low_rated(frame, 3)
    assert list(low.rows["dim_label"]) == ["Often, 2 stars", "Once, 1 star"]
    assert list(low.rows["ratings"]) == [12, 1] and list(low.rows["avg_quality"]) == [2.0, 1.0]
    assert low.overall == pytest.approx((1 + 24 + 90) / 33)
    assert low.rows["weighted"].iloc[0] == pytest.approx((24 + 10 * low.overall) / 22)
    assert (low.rated, low.low) == (3, 2)


def test_the_weighted_rating_is_the_average_with_prior_ratings_at_the_overall_average():
    assert weighted_rating(1.0, 1, 3.4) == pytest.approx(35 / 11)         # the module's own examples: 3.2
    assert weighted_rating(2.0, 10, 3.4) == pytest.approx(54 / 20)        # 2.7
    assert weighted_rating(2.0, 10, 3.4, 5) == pytest.approx(37 / 15)
    assert weighted_rating(2.0, 10, 3.4, 0) == 2.0                       # no prior: the plain average
    assert weighted_rating(2.0, 0, 3.4, 5) == pytest.approx(3.4)          # no ratings: the overall average
    assert weighted_rating(2.0, 0, 3.4, 0) == pytest.approx(3.4)
    many = [weighted_rating(2.0, n, 3.4) for n in (1, 5, 50, 5000)]
    assert many == sorted(many, reverse=True) and many[-1] == pytest.approx(2.0, abs=0.01)   # more ratings, nearer 2
    with pytest.raises(ValueError):
        weighted_rating(2.0, 3, 3.4, -1)
    assert PRIOR_RATINGS == 10


def test_only_campaigns_averaging_at_most_the_threshold_are_listed_but_all_set_the_overall_average():
    frame = campaigns(("Good", 30, 4.8), ("Edge", 4, 3.0), ("Just above", 4, 3.25))
    low = low_rated(frame, 3)
    assert list(low.rows["dim_label"]) == ["Edge"]
    assert low.overall == pytest.approx((144 + 12 + 13) / 38)   # the good campaign counts in the average
    assert low.rows["weighted"].iloc[0] > 3.0                    # pulled up toward it, still listed: its average is 3


def test_ties_put_the_most_rated_first_then_the_name():
    frame = campaigns(("B", 2, 2.0), ("A", 2, 2.0), ("C", 4, 2.0), ("D", 0, 0.0))
    low = low_rated(frame, 3, prior=0)   # plain averages: all tie at 2.0
    assert list(low.rows["dim_label"]) == ["C", "A", "B"]   # the unrated row is no campaign rated
    assert low.rated == 3


def test_top_keeps_the_lowest_and_counts_them_all():
    frame = campaigns(*[(f"Campaign {i:02d}", 3, 1.0 + i / 10) for i in range(10)])
    low = low_rated(frame, 3, top=6)
    assert len(low.rows) == 6 and low.low == 10 and low.rows["dim_label"].iloc[0] == "Campaign 00"
    assert low.rows["weighted"].is_monotonic_increasing


def test_no_ratings():
    empty = campaigns()
    low = low_rated(empty, 3)
    assert low.rows.empty and low.overall is None and (low.rated, low.low) == (0, 0)
    assert overall_average(empty) is None
    assert list(low.rows.columns) == ["dim_key", "dim_label", "ratings", "avg_quality", "weighted"]
