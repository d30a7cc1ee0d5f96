"""Sales feedback's pure builders: option labels, the rating and reply tables, the breakdowns a user
may pick (components/feedback_views.py)."""

from __future__ import annotations

import pandas as pd

from components import feedback_views as fv
from components.widgets import table_height
from queries.access import User

AT = pd.Timestamp("2026-11-20T23:30Z")


def ratings(**extra) -> pd.DataFrame:
    frame = pd.DataFrame({
        "feedback_id": [1, 2, 3], "created_at": [AT, AT - pd.Timedelta(days=1), AT - pd.Timedelta(days=2)],
        "rep_name": ["Sam", "Sam", "Kim"], "subject_kind": ["lead", "campaign", "lead"],
        "lead_name": ["Ana", None, "Ben"], "account_name": ["Acme", None, None],
        "campaign_name": ["Webinar", "Webinar", None], "source_label": ["Webinar", None, None],
        "quality": [2, 1, 4], "insight": ["Student", None, "x" * 100], "replies": [0, 0, 2],
        "last_reply_by": [None, None, "Mia"], "last_reply": [None, None, "Fixed the form"]})
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_labels_alike_carry_their_key():
    assert fv.distinct({1: "Webinar", 2: "Webinar", 3: "Ads"}) == {1: "Webinar · #1", 2: "Webinar · #2", 3: "Ads"}


def test_day_labels_carry_the_year_only_before_this_one():
    assert fv.day_label(AT, "Europe/Berlin", this_year=2026) == "21 Nov"   # Berlin's day, not UTC's
    assert fv.day_label(AT, "UTC", this_year=2027) == "20 Nov 2026"


def test_the_feedback_table_says_what_each_rating_is_about():
    view = fv.feedback_view(ratings(), "UTC")
    assert view["About"].tolist() == ["Ana · Acme", "Campaign: Webinar", "Ben · "]
    assert view["Campaign"].tolist() == ["Webinar", "Webinar", "—"]
    assert view["Insight"].tolist()[:2] == ["Student", ""]
    assert view["When"].iloc[0] == pd.Timestamp("2026-11-20 23:30")


def test_a_reps_own_ratings_show_marketings_reply_beside_them():
    view = fv.my_feedback_view(ratings(), "UTC")
    assert list(view.columns) == ["When", "About", "Rating", "Insight", "Marketing's reply"]
    assert view["Marketing's reply"].tolist() == ["", "", "Mia: Fixed the form"]


def test_the_reply_form_lists_unanswered_and_lowest_ratings_first():
    labels = fv.rating_labels(ratings())
    assert list(labels) == [2, 1, 3]
    assert labels[2] == "★ Sam: no insight (Webinar)"
    assert labels[3] == f"★★★★ Kim: {'x' * 80} (Ben) · answered"


def test_insights_first_keeps_those_with_an_insight_poorest_first():
    assert fv.insights_first(ratings())["feedback_id"].tolist() == [1, 3]


def test_lead_labels_name_the_day_and_the_reps_own_rating():
    choices = pd.DataFrame({"lead_id": [7, 8], "lead_name": ["Ana", "Ana"], "account_name": ["Acme", "Acme"],
                            "handed_off_at": [AT, AT], "my_quality": [None, 3]})
    assert fv.lead_labels(choices, "UTC", this_year=2026) == {7: "Ana · Acme · 20 Nov",
                                                              8: "Ana · Acme · 20 Nov · you rated 3"}
    same = choices.assign(my_quality=[None, None])
    assert fv.lead_labels(same, "UTC", this_year=2026) == {7: "Ana · Acme · 20 Nov · #7", 8: "Ana · Acme · 20 Nov · #8"}


def test_replies_name_what_they_answer():
    answered = pd.DataFrame({"created_at": [AT, AT], "author_name": ["Mia", "Mia"],
                             "subject_kind": ["campaign", "source"], "campaign_name": ["Webinar", None],
                             "source_label": [None, "Paid search"], "body": ["a", "b"]})
    view = fv.replies_view(answered, "UTC")
    assert view["On"].tolist() == ["Campaign", "Source"]
    assert view["Campaign or source"].tolist() == ["Webinar", "Paid search"]


def test_reply_targets_and_breakdowns():
    assert fv.reply_target("feedback", "4") == {"feedback_id": 4}
    assert fv.reply_target("campaign", 9) == {"campaign_id": 9}
    assert fv.reply_target("source", "webinar") == {"source": "webinar"}
    rep = User(id=1, username="s", display_name="S", email="s@example.com", roles=frozenset({"sdr"}))
    lead = User(id=2, username="l", display_name="L", email="l@example.com", roles=frozenset({"marketing_lead"}))
    assert "owner" not in fv.breakdowns(rep) and fv.breakdowns(lead)["owner"] == "Sales owner"
    assert fv.by_sales("team") and fv.by_sales("owner") and not fv.by_sales("campaign")


def test_the_ratings_list_puts_the_insight_in_view_and_is_as_tall_as_its_rows():
    """QA at 1366 px: the insight, last, was cut off at the table's right edge; three ratings sat in
    a 360 px table with ~8 empty rows under them."""
    view = fv.ratings_list_view(ratings(), "UTC")
    assert list(view.columns) == ["When", "Rating", "Insight", "About", "Campaign", "Rep", "Replies"]
    assert view["Insight"].tolist()[:2] == ["Student", ""]
    assert table_height(3, fv.RATINGS_LIST_HEIGHT) == 38 + 3 * 35
    assert table_height(500, fv.RATINGS_LIST_HEIGHT) == fv.RATINGS_LIST_HEIGHT
    assert fv.FEEDBACK_CONFIG["Insight"]["width"] == "large"
