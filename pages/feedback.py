"""Sales feedback: reps rate the leads and campaigns marketing sends; marketing sees rejection
reasons and ratings as trends and replies with what it changed; leads read it all in one view."""

import streamlit as st

from components import feedback_views as views
from components.filters import filter_bar
from components.shell import page_user
from components.widgets import page_header
from queries import calc, dimensions, metrics, qualification, settings
from queries.periods import grain_for

user = page_user("feedback")
# The period defaults to this quarter, as on every other page (the filters carry from page to page,
# so a different default here changed the scoreboard's period for a session that started here).
period, filters = filter_bar(show=("source", "campaign", "industry", "country", "tier"))
page_header("Sales feedback", "How sales rates the leads marketing sends, why leads are rejected, and what "
                              "marketing changed in response.")
tz = settings.company_timezone()
campaigns = dimensions.campaigns()
channels = dimensions.channels()
campaign_names = dict(zip(campaigns["id"], campaigns["name"]))
source_labels = dict(zip(channels["code"], channels["label"]))
tabs = views.tabs(user)

with tabs["Weekly review"]:
    week = qualification.review_period()
    now_ = metrics.now_minute()
    # the seven days before, up to the same time of day (today is not over), read as they stood a
    # week ago: equally mature (calc.comparison_period, calc.comparison_as_of)
    before = calc.comparison_period(week, week.end, now_)
    # no changes against days before the data starts, as on the scoreboard (calc.comparison_before_data)
    before_data = calc.comparison_before_data(before, dimensions.data_start(week.tz))
    views.week_caption(week, before_data)
    week_replies = qualification.replies(week)
    views.week_tiles(metrics.acceptance(week, as_of=now_),
                     metrics.acceptance(before, as_of=calc.comparison_as_of(week, before, now_)),
                     qualification.feedback_summary(week), qualification.feedback_summary(before),
                     week_replies, before_data)
    # what sales said (reasons, insights), which campaigns it rated low (across the page: their names
    # were cut in a half column at 1366 px), what marketing changed
    left, right = st.columns(2, gap="large")
    with left:
        views.week_rejections(metrics.rejection_reasons(week))
    with right:
        views.week_insights(user, qualification.feedback_list(week, viewer=user))
    views.week_low_rated(qualification.feedback_trend(week, dim="campaign"))
    views.week_changes(week_replies, tz)

with tabs["Trends"]:
    groups = views.breakdowns(user)
    dim = views.breakdown_picker(groups)
    grain = grain_for(period)
    st.caption(f"{period.describe()} · hand-offs and ratings in the period · filters in the sidebar")
    by_sales = views.by_sales(dim)   # the hand-off's owner: ratings are not grouped that way
    views.trend_charts(grain, groups[dim],
                       rejections=metrics.rejection_reasons(period, filters, grain=grain),
                       quality=qualification.feedback_trend(period, filters, grain=grain),
                       acceptance=metrics.acceptance(period, filters, dim=dim),
                       reasons=metrics.rejection_reasons(period, filters, dim=dim),
                       quality_by=None if by_sales else qualification.feedback_trend(period, filters, dim=dim),
                       segment=dim not in ("campaign", "source") and not by_sales)
    views.ratings_list(user, qualification.feedback_list(period, filters, viewer=user), period, tz)

if "Rate leads and campaigns" in tabs:
    with tabs["Rate leads and campaigns"]:
        if user.rep_id is None:
            views.no_rep_record()
        else:
            team = user.team_id if user.has("sales_lead") else None   # a sales lead rates the team's leads too
            views.rate_forms(user, qualification.lead_choices(user.rep_id, team_id=team), campaign_names, tz)
            views.my_ratings(qualification.feedback_list(period, rep_id=user.rep_id), tz)

if "Reply: what we changed" in tabs:
    with tabs["Reply: what we changed"]:
        kind = views.reply_kind_picker()
        ratings = qualification.feedback_list(period, filters) if kind == "feedback" else None
        views.reply_form(user, kind, ratings=ratings, campaign_names=campaign_names, source_labels=source_labels)
        views.replies_table(qualification.replies(period), tz)
