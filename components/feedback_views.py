"""Sales feedback's views: the weekly review, the trends, the rating forms and marketing's reply
form, with the callbacks that save them.

Table and label builders are pure (tests/unit/test_feedback_views.py); the renderers call st.*,
charts come from components.qualification_charts, and the callbacks write through
``queries.qualification``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components import qualification_charts as charts
from components.widgets import chart, data_table, empty_state, form_generation, kpi, next_form, records_table, submission_key, table_height
from queries import qualification, rating_math, submissions
from queries.access import User
from queries.periods import Period
from queries.qualification import QUALITY_LABELS, FeedbackError

#: components.notices slots: each form's message under its own button
RATE_LEAD, RATE_CAMPAIGN, REPLY = "fb_rate_lead", "fb_rate_campaign", "fb_reply"
#: The weekly review lists campaigns averaging this many stars or fewer (3 = "OK" on the 1-5 scale).
LOW_RATING = 3
#: What a marketing reply answers ("Reply to")
REPLY_TARGETS = {"feedback": "A rating", "campaign": "A campaign", "source": "A source"}
FEEDBACK_CONFIG = {"When": st.column_config.DatetimeColumn(format="D MMM YYYY"),
                   "Rating": st.column_config.NumberColumn(format="%d ★", width="small"),
                   "Insight": st.column_config.TextColumn(width="large")}


def _flash(slot: str, kind: str, text: str) -> None:
    # the messages carry lead, campaign and source names: shown as typed
    notices.leave(slot, kind, fmt.md_text(text))


# --------------------------------------------------------------------------- callbacks


def _rate(user: User, slot: str, subject: str, missing: str, save, gen: int | None = None) -> None:
    """Save the rating form of ``subject`` (its fields ``fb_<subject>``, ``…_quality``, ``…_insight``)
    with ``save``; the insight box is emptied once saved. ``gen``: the form's instance, for forms that
    append (a campaign's ratings); a lead's rating replaces the rater's earlier one."""
    s = st.session_state
    if s.get(f"fb_{subject}") is None:
        _flash(slot, "error", missing)
        return
    try:
        message = save(user, int(s[f"fb_{subject}"]), s.get(f"fb_{subject}_quality"), s.get(f"fb_{subject}_insight"))
    except submissions.AlreadySubmitted:
        # saved already (a double click): say so again, the first run drew its message once (this run
        # may not have the first one's session changes, so nothing of it is kept to repeat)
        message = f"Saved your feedback on this {subject}."
    except FeedbackError as err:
        _flash(slot, "error", str(err))
        return
    _flash(slot, "success", message)
    s[f"fb_{subject}_insight"] = ""
    if gen is not None:
        next_form(f"rate_{subject}", gen)


def rate_lead(user: User) -> None:
    _rate(user, RATE_LEAD, "lead", "Choose the lead you rate.", qualification.rate_lead)


def rate_campaign(user: User, gen: int = 0, submission: str | None = None) -> None:
    def save(u, campaign_id, quality, insight):
        return qualification.rate_campaign(u, campaign_id, quality, insight, submission=submission)

    _rate(user, RATE_CAMPAIGN, "campaign", "Choose the campaign you rate.", save, gen)


def reply_target(kind: str, target) -> dict:
    """The keyword ``qualification.reply`` takes for what a reply answers. (pure)"""
    return {"feedback_id": int(target)} if kind == "feedback" else \
        {"campaign_id": int(target)} if kind == "campaign" else {"source": str(target)}


def send_reply(user: User, kind: str, gen: int = 0, submission: str | None = None) -> None:
    s = st.session_state
    target = s.get(f"fb_reply_{kind}")
    if target is None:
        _flash(REPLY, "error", "Choose what the reply answers.")
        return
    try:
        qualification.reply(user, s.get("fb_reply_body"), submission=submission, **reply_target(kind, target))
    except submissions.AlreadySubmitted:
        pass   # posted already (a double click): say so again, the first run drew it once
    except FeedbackError as err:
        _flash(REPLY, "error", str(err))
        return
    _flash(REPLY, "success", qualification.REPLY_POSTED)
    s["fb_reply_body"] = ""
    next_form("reply", gen)


# --------------------------------------------------------------------------- pure builders


def distinct(labels: dict) -> dict:
    """Option labels made unique: Streamlit finds a selected option by its label, so two campaigns
    (or leads, or ratings) labelled alike would save against the same one. (pure)"""
    repeated = pd.Series(list(labels.values()), dtype="object").value_counts()
    return {k: f"{v} · #{k}" if repeated.get(v, 0) > 1 else v for k, v in labels.items()}


def day_label(moment, tz: str, this_year: int | None = None) -> str:
    """'20 Aug' this year, '20 Aug 2025' before (the lead picker goes back many months).
    ``this_year``: the current year in ``tz`` (default: now's)."""
    day = pd.Timestamp(moment).tz_convert(tz)
    this_year = pd.Timestamp.now(tz=tz).year if this_year is None else this_year
    return f"{day:%d %b}" if day.year == this_year else f"{day:%d %b %Y}"


def _local(series: pd.Series, tz: str) -> pd.Series:
    return series.dt.tz_convert(tz).dt.tz_localize(None)


def about(frame: pd.DataFrame) -> pd.Series:
    """What each rating is about: 'lead · account', or 'Campaign: name'. (pure)"""
    lead = frame["lead_name"].fillna("") + " · " + frame["account_name"].fillna("")
    camp = "Campaign: " + frame["campaign_name"].fillna("")
    return lead.where(frame["subject_kind"] == "lead", camp)


def feedback_view(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Ratings (``qualification.feedback_list``) as listed. (pure)"""
    return pd.DataFrame({"When": _local(frame["created_at"], tz), "Rep": frame["rep_name"], "About": about(frame),
                         "Campaign": frame["campaign_name"].fillna("—"), "Source": frame["source_label"].fillna("—"),
                         "Rating": frame["quality"], "Insight": frame["insight"].fillna(""),
                         "Replies": frame["replies"]})


#: The ratings list's columns, the insight (what sales actually wrote) right after the rating: last,
#: after the campaign's name, it was cut off at the right edge of a 1366 px screen.
RATINGS_LIST_COLUMNS = ["When", "Rating", "Insight", "About", "Campaign", "Rep", "Replies"]
#: The ratings list's most height (px); fewer rows get a table their size, not empty rows under them.
RATINGS_LIST_HEIGHT = 360


def ratings_list_view(listed: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Every rating in the period as the Trends tab lists it (:func:`feedback_view`, without the
    source, which the campaign names, in :data:`RATINGS_LIST_COLUMNS`' order). (pure)"""
    return feedback_view(listed, tz)[RATINGS_LIST_COLUMNS]


def my_feedback_view(mine: pd.DataFrame, tz: str) -> pd.DataFrame:
    """A rep's own ratings, each with marketing's latest reply beside it (a count alone told the rep
    nothing). (pure)"""
    view = feedback_view(mine, tz).drop(columns=["Rep", "Campaign", "Source", "Replies"])
    view["Marketing's reply"] = (mine["last_reply_by"].fillna("") + ": " + mine["last_reply"].fillna("")) \
        .where(mine["last_reply"].notna(), "").to_numpy()
    return view


def replies_view(answered: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Marketing's replies (``qualification.replies``) as listed. (pure)"""
    return pd.DataFrame({
        "When": _local(answered["created_at"], tz), "By": answered["author_name"],
        "On": answered["subject_kind"].map({"feedback": "Rating", "campaign": "Campaign", "source": "Source"}),
        "Campaign or source": answered["campaign_name"].fillna(answered["source_label"]).fillna("—"),
        "Reply": answered["body"]})


def lead_labels(choices: pd.DataFrame, tz: str, this_year: int | None = None) -> dict[int, str]:
    """The lead picker's labels (``qualification.lead_choices``): lead, account, the day handed off,
    and the rep's own rating when there is one; made distinct. (pure)"""
    return distinct({int(r.lead_id): f"{r.lead_name} · {r.account_name} · {day_label(r.handed_off_at, tz, this_year)}"
                                     + (f" · you rated {int(r.my_quality)}" if pd.notna(r.my_quality) else "")
                     for r in choices.itertuples()})


def rating_labels(items: pd.DataFrame, shown: int = 200) -> dict[int, str]:
    """The reply form's ratings, unanswered and lowest first (the first ``shown``): stars, rep, the
    insight's start and what it is about; made distinct. (pure)"""
    items = items.sort_values(["replies", "quality", "created_at"], ascending=[True, True, False])
    return distinct({int(r.feedback_id): f"{'★' * r.quality} {r.rep_name}: "
                                         f"{r.insight[:80] if isinstance(r.insight, str) else 'no insight'} "
                                         f"({r.lead_name if r.subject_kind == 'lead' else r.campaign_name})"
                                         + (" · answered" if r.replies else "")
                     for r in items.head(shown).itertuples()})


def insights_first(ratings: pd.DataFrame) -> pd.DataFrame:
    """Ratings with an insight, the poorest and then the newest first. (pure)"""
    return ratings[ratings["insight"].notna()].sort_values(["quality", "created_at"], ascending=[True, False])


def breakdowns(user: User) -> dict[str, str]:
    """What the trends break down by; the sales owner only for who sees every rep (a rep reads
    other reps' numbers only as their team's). (pure)"""
    groups = {"campaign": "Campaign", "source": "Source", "industry": "Industry", "region": "Region", "tier": "Tier",
              "team": "Sales team"}
    if user.can("see_all_reps"):
        groups["owner"] = "Sales owner"
    return groups


def by_sales(dim: str) -> bool:
    """A breakdown by the hand-off's owner: ratings are not grouped that way. (pure)"""
    return dim in ("team", "owner")


# --------------------------------------------------------------------------- tabs


def tabs(user: User) -> dict:
    """The page's tabs by name: the review and trends for all, rating and replying for who may."""
    names = ["Weekly review", "Trends"]
    if user.can("feedback.give"):
        names.append("Rate leads and campaigns")
    if user.can("feedback.reply"):
        names.append("Reply: what we changed")
    # keyed and stateful: a save's rerun does not send the reader back to the first tab
    return dict(zip(names, st.tabs(names, key="feedback_tab", on_change="rerun")))


# --------------------------------------------------------------------------- weekly review


def week_caption(week: Period, before_data: bool) -> None:
    st.caption(f"The last seven days ({week.describe()}), "
               + ("with no comparison: there is no data from the seven days before. " if before_data else
                  "against the seven before up to the same time of day. ")
               + "All teams and sources; the period and filters in the sidebar apply to Trends.")


def week_tiles(acc: pd.DataFrame, acc_before: pd.DataFrame, summary: dict, summary_before: dict,
               replies: pd.DataFrame, before_data: bool) -> None:
    """Hand-offs, acceptance, rejections, lead quality and replies this week, against the week before
    (no changes when that starts before the data)."""
    a = acc.iloc[0] if not acc.empty else None
    b = acc_before.iloc[0] if not acc_before.empty else None

    def vs_before(current, previous, kind: str = "relative") -> str | None:
        return None if before_data else fmt.change(current, previous, kind)

    cols = st.columns(5)
    with cols[0]:
        kpi("Hand-offs", fmt.number(a.handed_off if a is not None else 0),
            delta=vs_before(a.handed_off if a is not None else 0, b.handed_off if b is not None else 0),
            good_when="neutral")
    with cols[1]:
        kpi("Accepted by sales", fmt.pct(a.acceptance_rate if a is not None else None),
            delta=vs_before(a.acceptance_rate if a is not None else None,
                            b.acceptance_rate if b is not None else None, "points"),
            caption=f"{a.awaiting if a is not None else 0} awaiting")
    with cols[2]:
        kpi("Rejected", fmt.number(a.rejected if a is not None else 0), good_when="down",
            delta=vs_before(a.rejected if a is not None else 0, b.rejected if b is not None else 0))
    with cols[3]:
        kpi("Lead quality (1–5)", fmt.number(summary["avg_quality"], 1),
            delta=vs_before(summary["avg_quality"], summary_before["avg_quality"], "score"),
            caption=f"{summary['ratings']} ratings")
    with cols[4]:
        kpi("Marketing replies", fmt.number(len(replies)), good_when="neutral",
            caption=f"{summary['replied']} answered")


def week_rejections(reasons: pd.DataFrame) -> None:
    # the hand-off cohort (docs/metrics.md), as the "Rejected" tile beside it counts them
    st.markdown("**Why sales rejected this week's hand-offs**")
    if reasons.empty:
        st.caption("None of this week's hand-offs has been rejected.")
        return
    view = pd.DataFrame({"Reason": reasons["reason"].map(fmt.reason_label), "Rejected": reasons["rejected"],
                         "Share": reasons["share"] * 100, "Recycled": reasons["recycled"]})
    data_table(view, column_config={"Share": st.column_config.ProgressColumn(format="%.0f%%", min_value=0,
                                                                            max_value=100)})


#: The low-rated campaigns' name column (px): a 75-character name whole.
LOW_RATED_NAME_WIDTH = 480


def week_low_rated(by_campaign: pd.DataFrame) -> None:
    """The campaigns rated :data:`LOW_RATING` stars or lower (``qualification.feedback_trend`` by
    campaign), lowest weighted rating first."""
    st.markdown(f"**Campaigns sales rated {LOW_RATING} ★ or lower this week**")
    # the poorly rated only ("rated lowest" listed campaigns averaging 5.0 in a good week), ranked by
    # a weighted rating, not the plain average: one 1 ★ rating led the list above twenty 2 ★ ones
    low = rating_math.low_rated(by_campaign[by_campaign["dim_key"] != "none"], LOW_RATING)
    if low.rows.empty:
        st.caption(f"No campaign averaged {LOW_RATING} ★ or lower this week"
                   + (f" ({fmt.number(low.rated)} rated)." if low.rated else " (none was rated)."))
        return
    data_table(pd.DataFrame({"Campaign": low.rows["dim_label"], "Average": low.rows["avg_quality"],
                             "Ratings": low.rows["ratings"], "Weighted": low.rows["weighted"]}),
               # across the page (~900 px at 1366): the campaign's name whole (~75 characters; in
               # a half column, 200 px, it was cut after ~30), not three short numbers, takes the room
               column_config={"Campaign": st.column_config.TextColumn(width=LOW_RATED_NAME_WIDTH),
                              "Average": st.column_config.NumberColumn(format="%.1f ★", width=80),
                              "Ratings": st.column_config.NumberColumn(width=70),
                              "Weighted": st.column_config.NumberColumn(
                                  format="%.1f ★", width=90,
                                  help=f"The average as if {rating_math.PRIOR_RATINGS} more ratings at "
                                       "this week's average over all campaigns had been given")})
    shown = (f"The {len(low.rows)} lowest of {fmt.number(low.low)}. " if low.low > len(low.rows) else "")
    st.caption(f"{shown}Lowest weighted rating first: each campaign's average is weighed with "
               f"{rating_math.PRIOR_RATINGS} ratings at this week's average over all campaigns "
               f"({fmt.number(low.overall, 1)} ★), so many poor ratings rank above a single one.")


#: Under a list of ratings for a viewer who may not see every rep (SDRs, AEs): what it holds.
OWN_ROWS_NOTE = ("Your ratings, and every rep's ratings of campaigns; other reps' ratings of their own leads stay "
                 "theirs (the counts and charts include everyone's).")


def week_insights(user: User, ratings: pd.DataFrame) -> None:
    """The latest insights from sales the user may read (``qualification.feedback_list`` with the
    viewer), the poorest ratings first (six); says so when they are limited to the user's own."""
    st.markdown("**Latest insights from sales**")
    if not user.can("see_all_reps"):
        st.caption(OWN_ROWS_NOTE)
    latest = insights_first(ratings)
    if latest.empty:
        st.caption("No insights this week.")
    for r in latest.head(6).itertuples():
        subject = fmt.md_text(f"{r.lead_name} ({r.account_name})" if r.subject_kind == "lead"
                              else f"campaign {r.campaign_name}")
        replied = f" · :green[{r.replies} repl{'y' if r.replies == 1 else 'ies'}]" if r.replies else ""
        st.markdown(f"{'★' * r.quality}{'☆' * (5 - r.quality)} **{fmt.md_text(r.rep_name)}** on {subject}{replied}"
                    f"  \n{fmt.md_text(r.insight)}")


def week_changes(replies: pd.DataFrame, tz: str) -> None:
    """What marketing changed: the week's replies (six)."""
    st.markdown("**What marketing changed**")
    if replies.empty:
        st.caption("No replies this week.")
    for r in replies.head(6).itertuples():
        target = r.campaign_name if isinstance(r.campaign_name, str) else r.source_label
        st.markdown(f"**{fmt.md_text(r.author_name)}** on {fmt.md_text(target) if isinstance(target, str) else 'a rating'} "
                    f"({pd.Timestamp(r.created_at).tz_convert(tz):%d %b})  \n{fmt.md_text(r.body)}")


# --------------------------------------------------------------------------- trends


def breakdown_picker(groups: dict[str, str]) -> str:
    return st.segmented_control("Break down by", list(groups), format_func=groups.get, default="campaign",
                                key="fb_dim") or "campaign"


def trend_charts(grain: str, group: str, *, rejections: pd.DataFrame, quality: pd.DataFrame,
                 acceptance: pd.DataFrame, reasons: pd.DataFrame, quality_by: pd.DataFrame | None,
                 segment: bool) -> None:
    """Rejection reasons and lead quality over time, then acceptance, reasons and quality by
    ``group`` (``quality_by`` None: broken down by sales, which ratings are not; ``segment``: by a
    segment of leads, which campaign ratings belong to none of)."""
    left, right = st.columns(2, gap="medium")
    with left:
        chart(charts.rejection_trend_chart(rejections, grain), width="stretch")
    with right:
        chart(charts.quality_trend_chart(quality, grain), width="stretch")
    chart(charts.acceptance_by_group_chart(acceptance, group), width="stretch")
    chart(charts.reasons_by_group_chart(reasons, group), width="stretch")
    if quality_by is None:
        st.caption("Lead-quality ratings are the sales owners' own judgement, so they are broken down by "
                   "campaign, source and segment, not by sales team or owner.")
    else:
        chart(charts.quality_by_group_chart(quality_by, group), width="stretch")
    if segment:
        st.caption("Campaign ratings belong to no single lead or account, so segment views count lead ratings only.")


def ratings_list(user: User, listed: pd.DataFrame, period: Period, tz: str) -> None:
    """Every rating in the period the user may read, with a CSV."""
    st.markdown(f"**Ratings and insights ({len(listed)})**")
    if not user.can("see_all_reps"):
        st.caption(OWN_ROWS_NOTE)
    view = ratings_list_view(listed, tz)
    records_table(view, title=f"sales feedback {period.describe()}", key="fb_all", column_config=FEEDBACK_CONFIG,
                  height=table_height(len(view), RATINGS_LIST_HEIGHT))


# --------------------------------------------------------------------------- rate


def no_rep_record() -> None:
    empty_state("Your user is not linked to a rep record, so ratings cannot be attributed to you.",
                "Ask an admin to link your user to your rep record.")


def rate_forms(user: User, choices: pd.DataFrame, campaign_names: dict, tz: str) -> None:
    """Rate a lead handed to the user (or their team) beside rating a campaign's leads."""
    left, right = st.columns(2, gap="large")
    with left, st.form("rate_lead", border=True):
        st.markdown("**Rate a lead you (or your team) were handed**" if user.has("sales_lead")
                    else "**Rate a lead you were handed**")
        leads = lead_labels(choices, tz)
        st.selectbox("Lead", list(leads), format_func=leads.get, index=None,
                     placeholder="Choose a lead" if leads else "No leads handed to you yet",
                     key="fb_lead")
        st.radio("Quality", list(QUALITY_LABELS), format_func=QUALITY_LABELS.get, index=2, horizontal=True,
                 key="fb_lead_quality")
        st.text_area("Insight (required for a poor or weak rating)", key="fb_lead_insight", height=100,
                     placeholder="What should marketing know about this lead?")
        st.form_submit_button("Save rating", type="primary", on_click=rate_lead, args=(user,))
        notices.show(RATE_LEAD)
    gen = form_generation("rate_campaign")
    with right, st.form(f"rate_campaign_{gen}", border=True):
        st.markdown("**Tell marketing about a campaign's leads**")
        st.selectbox("Campaign", list(campaign_names), format_func=distinct(campaign_names).get, index=None,
                     placeholder="Choose a campaign", key="fb_campaign")
        st.radio("Quality of its leads", list(QUALITY_LABELS), format_func=QUALITY_LABELS.get, index=2,
                 horizontal=True, key="fb_campaign_quality")
        st.text_area("Insight (required)", key="fb_campaign_insight", height=100,
                     placeholder="E.g. 'Mostly students; the offer attracts researchers, not buyers.'")
        st.form_submit_button("Send to marketing", type="primary", on_click=rate_campaign,
                              args=(user, gen, submission_key("rate_campaign", gen)))
        notices.show(RATE_CAMPAIGN)


def my_ratings(mine: pd.DataFrame, tz: str) -> None:
    """The user's own ratings in the period, with marketing's answers."""
    answered_n = int((mine["replies"] > 0).sum())
    st.markdown(f"**Your ratings in the period ({len(mine)})**"
                + (f" · marketing answered {answered_n}" if answered_n else ""))
    # insight and reply side by side, both on a laptop screen (the reply sat off to the right)
    records_table(my_feedback_view(mine, tz), title="my feedback", key="fb_mine", height=300,
                  column_config={**FEEDBACK_CONFIG, "About": st.column_config.TextColumn(width="medium"),
                                 "Insight": st.column_config.TextColumn(width="medium"),
                                 "Marketing's reply": st.column_config.TextColumn(width="medium")})


# --------------------------------------------------------------------------- reply


def reply_kind_picker() -> str:
    return st.segmented_control("Reply to", list(REPLY_TARGETS), format_func=REPLY_TARGETS.get, default="feedback",
                                key="fb_reply_kind") or "feedback"


def reply_form(user: User, kind: str, *, ratings: pd.DataFrame | None, campaign_names: dict,
               source_labels: dict) -> None:
    """Marketing's answer to a rating (``ratings``: those in the period, when ``kind`` is
    "feedback"), a campaign or a source."""
    gen = form_generation("reply")
    with st.form(f"reply_{gen}", border=True):
        if kind == "feedback":
            labels = rating_labels(ratings)
            st.selectbox("Rating (unanswered and lowest first)", list(labels), format_func=labels.get, index=None,
                         placeholder="Choose a rating" if labels else "No ratings in the period",
                         key="fb_reply_feedback")
        elif kind == "campaign":
            st.selectbox("Campaign", list(campaign_names), format_func=distinct(campaign_names).get, index=None,
                         placeholder="Choose a campaign", key="fb_reply_campaign")
        else:
            st.selectbox("Source", list(source_labels), format_func=source_labels.get, index=None,
                         placeholder="Choose a source", key="fb_reply_source")
        st.text_area("What we changed (or will change)", key="fb_reply_body", height=100)
        st.form_submit_button("Post reply", type="primary", on_click=send_reply,
                              args=(user, kind, gen, submission_key("reply", gen)))
        notices.show(REPLY)


def replies_table(answered: pd.DataFrame, tz: str) -> None:
    st.markdown(f"**Replies in the period ({len(answered)})**")
    if answered.empty:
        st.caption("No replies yet.")
    else:
        data_table(replies_view(answered, tz),
                   column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY")})
