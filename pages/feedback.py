"""Sales feedback: reps rate the leads and campaigns marketing sends; marketing sees rejection
reasons and ratings as trends and replies with what it changed; leads read it all in one view."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components import qualification_charts as charts
from components.filters import filter_bar
from components.shell import page_user
from components.widgets import chart, data_table, empty_state, kpi, page_header, records_table
from queries import calc, dimensions, metrics, qualification, rating_math, settings
from queries.periods import grain_for
from queries.qualification import QUALITY_LABELS, FeedbackError

user = page_user("feedback")
#: components.notices slots: each form's message under its own button
RATE_LEAD, RATE_CAMPAIGN, REPLY = "fb_rate_lead", "fb_rate_campaign", "fb_reply"
#: The weekly review lists campaigns averaging this many stars or fewer (3 = "OK" on the 1-5 scale).
LOW_RATING = 3
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


def flash(slot: str, kind: str, text: str) -> None:
    # the messages carry lead, campaign and source names: shown as typed
    notices.leave(slot, kind, fmt.md_text(text))


def rate_lead() -> None:
    s = st.session_state
    if s.get("fb_lead") is None:
        flash(RATE_LEAD, "error", "Choose the lead you rate.")
        return
    try:
        flash(RATE_LEAD, "success", qualification.rate_lead(user, int(s["fb_lead"]), s.get("fb_lead_quality"),
                                                            s.get("fb_lead_insight")))
        s["fb_lead_insight"] = ""
    except FeedbackError as err:
        flash(RATE_LEAD, "error", str(err))


def rate_campaign() -> None:
    s = st.session_state
    if s.get("fb_campaign") is None:
        flash(RATE_CAMPAIGN, "error", "Choose the campaign you rate.")
        return
    try:
        flash(RATE_CAMPAIGN, "success", qualification.rate_campaign(user, int(s["fb_campaign"]),
                                                                   s.get("fb_campaign_quality"),
                                                                   s.get("fb_campaign_insight")))
        s["fb_campaign_insight"] = ""
    except FeedbackError as err:
        flash(RATE_CAMPAIGN, "error", str(err))


def send_reply(kind: str) -> None:
    s = st.session_state
    target = s.get(f"fb_reply_{kind}")
    if target is None:
        flash(REPLY, "error", "Choose what the reply answers.")
        return
    args = {"feedback_id": int(target)} if kind == "feedback" else \
        {"campaign_id": int(target)} if kind == "campaign" else {"source": str(target)}
    try:
        flash(REPLY, "success", qualification.reply(user, s.get("fb_reply_body"), **args))
        s["fb_reply_body"] = ""
    except FeedbackError as err:
        flash(REPLY, "error", str(err))



def distinct(labels: dict) -> dict:
    """Option labels made unique: Streamlit finds a selected option by its label, so two campaigns
    (or leads, or ratings) labelled alike would save against the same one."""
    repeated = pd.Series(list(labels.values()), dtype="object").value_counts()
    return {k: f"{v} · #{k}" if repeated.get(v, 0) > 1 else v for k, v in labels.items()}


def day_label(moment) -> str:
    """'20 Aug' this year, '20 Aug 2025' before (the lead picker goes back many months)."""
    day = pd.Timestamp(moment).tz_convert(tz)
    return f"{day:%d %b}" if day.year == pd.Timestamp.now(tz=tz).year else f"{day:%d %b %Y}"


def when(series: pd.Series) -> pd.Series:
    return series.dt.tz_convert(tz).dt.tz_localize(None)


def about(frame: pd.DataFrame) -> pd.Series:
    lead = frame["lead_name"].fillna("") + " · " + frame["account_name"].fillna("")
    camp = "Campaign: " + frame["campaign_name"].fillna("")
    return lead.where(frame["subject_kind"] == "lead", camp)


def feedback_view(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"When": when(frame["created_at"]), "Rep": frame["rep_name"], "About": about(frame),
                         "Campaign": frame["campaign_name"].fillna("—"), "Source": frame["source_label"].fillna("—"),
                         "Rating": frame["quality"], "Insight": frame["insight"].fillna(""),
                         "Replies": frame["replies"]})


FEEDBACK_CONFIG = {"When": st.column_config.DatetimeColumn(format="D MMM YYYY"),
                   "Rating": st.column_config.NumberColumn(format="%d ★", width="small"),
                   "Insight": st.column_config.TextColumn(width="large")}

campaign_choices = distinct(campaign_names)
tab_names = ["Weekly review", "Trends"]
if user.can("feedback.give"):
    tab_names.append("Rate leads and campaigns")
if user.can("feedback.reply"):
    tab_names.append("Reply: what we changed")
# keyed and stateful: a save's rerun does not send the reader back to the first tab
tabs = dict(zip(tab_names, st.tabs(tab_names, key="feedback_tab", on_change="rerun")))

# --------------------------------------------------------------------------- weekly review

with tabs["Weekly review"]:
    week = qualification.review_period()
    now_ = metrics.now_minute()
    # the seven days before, up to the same time of day (today is not over), read as they stood a
    # week ago: equally mature (calc.comparison_period, calc.comparison_as_of)
    before = calc.comparison_period(week, week.end, now_)
    # no changes against days before the data starts, as on the scoreboard (calc.comparison_before_data)
    before_data = calc.comparison_before_data(before, dimensions.data_start(week.tz))
    st.caption(f"The last seven days ({week.describe()}), "
               + ("with no changes shown: the seven before start before the data does. " if before_data else
                  "against the seven before up to the same time of day. ")
               + "All teams and sources; the period and filters in the sidebar apply to Trends.")
    acc = metrics.acceptance(week, as_of=now_)
    acc_before = metrics.acceptance(before, as_of=calc.comparison_as_of(week, before, now_))
    a = acc.iloc[0] if not acc.empty else None
    b = acc_before.iloc[0] if not acc_before.empty else None
    summary, summary_before = qualification.feedback_summary(week), qualification.feedback_summary(before)
    week_replies = qualification.replies(week)
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
        kpi("Marketing replies", fmt.number(len(week_replies)), good_when="neutral",
            caption=f"{summary['replied']} answered")

    left, right = st.columns(2, gap="large")
    with left:
        # the hand-off cohort (docs/metrics.md), as the "Rejected" tile beside it counts them
        st.markdown("**Why sales rejected this week's hand-offs**")
        reasons = metrics.rejection_reasons(week)
        if reasons.empty:
            st.caption("None of this week's hand-offs has been rejected.")
        else:
            view = pd.DataFrame({"Reason": reasons["reason"].map(fmt.reason_label), "Rejected": reasons["rejected"],
                                 "Share": reasons["share"] * 100, "Recycled": reasons["recycled"]})
            data_table(view, column_config={"Share": st.column_config.ProgressColumn(format="%.0f%%", min_value=0,
                                                                                    max_value=100)})
    with right:
        st.markdown(f"**Campaigns sales rated {LOW_RATING} ★ or lower this week**")
        by_campaign = qualification.feedback_trend(week, dim="campaign")
        # the poorly rated only ("rated lowest" listed campaigns averaging 5.0 in a good week), ranked by
        # a weighted rating, not the plain average: one 1 ★ rating led the list above twenty 2 ★ ones
        low = rating_math.low_rated(by_campaign[by_campaign["dim_key"] != "none"], LOW_RATING)
        if low.rows.empty:
            st.caption(f"No campaign averaged {LOW_RATING} ★ or lower this week"
                       + (f" ({fmt.number(low.rated)} rated)." if low.rated else " (none was rated)."))
        else:
            data_table(pd.DataFrame({"Campaign": low.rows["dim_label"], "Average": low.rows["avg_quality"],
                                     "Ratings": low.rows["ratings"], "Weighted": low.rows["weighted"]}),
                       # widths that fit the half column of a 1366 px screen (~420 px) and share what is
                       # left over: the campaign's name, not three short numbers, takes the room
                       column_config={"Campaign": st.column_config.TextColumn(width=200),
                                      "Average": st.column_config.NumberColumn(format="%.1f ★", width=64),
                                      "Ratings": st.column_config.NumberColumn(width=60),
                                      "Weighted": st.column_config.NumberColumn(
                                          format="%.1f ★", width=70,
                                          help=f"The average as if {rating_math.PRIOR_RATINGS} more ratings at "
                                               "this week's average over all campaigns had been given")})
            shown = (f"The {len(low.rows)} lowest of {fmt.number(low.low)}. " if low.low > len(low.rows) else "")
            st.caption(f"{shown}Lowest weighted rating first: each campaign's average is weighed with "
                       f"{rating_math.PRIOR_RATINGS} ratings at this week's average over all campaigns "
                       f"({fmt.number(low.overall, 1)} ★), so many poor ratings rank above a single one.")

    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Latest insights from sales**")
        latest = qualification.feedback_list(week, viewer=user)
        latest = latest[latest["insight"].notna()].sort_values(["quality", "created_at"], ascending=[True, False])
        if latest.empty:
            st.caption("No insights this week.")
        for r in latest.head(6).itertuples():
            subject = fmt.md_text(f"{r.lead_name} ({r.account_name})" if r.subject_kind == "lead"
                                  else f"campaign {r.campaign_name}")
            replied = f" · :green[{r.replies} repl{'y' if r.replies == 1 else 'ies'}]" if r.replies else ""
            st.markdown(f"{'★' * r.quality}{'☆' * (5 - r.quality)} **{fmt.md_text(r.rep_name)}** on {subject}{replied}"
                        f"  \n{fmt.md_text(r.insight)}")
    with right:
        st.markdown("**What marketing changed**")
        if week_replies.empty:
            st.caption("No replies this week.")
        for r in week_replies.head(6).itertuples():
            target = r.campaign_name if isinstance(r.campaign_name, str) else r.source_label
            st.markdown(f"**{fmt.md_text(r.author_name)}** on {fmt.md_text(target) if isinstance(target, str) else 'a rating'} "
                        f"({pd.Timestamp(r.created_at).tz_convert(tz):%d %b})  \n{fmt.md_text(r.body)}")

# --------------------------------------------------------------------------- trends

with tabs["Trends"]:
    groups = {"campaign": "Campaign", "source": "Source", "industry": "Industry", "region": "Region", "tier": "Tier",
              "team": "Sales team"}
    if user.can("see_all_reps"):   # a rep reads other reps' numbers only as their team's
        groups["owner"] = "Sales owner"
    dim = st.segmented_control("Break down by", list(groups), format_func=groups.get, default="campaign",
                               key="fb_dim") or "campaign"
    by_sales = dim in ("team", "owner")   # the hand-off's owner: ratings are not grouped that way
    grain = grain_for(period)
    st.caption(f"{period.describe()} · hand-offs and ratings in the period · filters in the sidebar")
    left, right = st.columns(2, gap="medium")
    with left:
        chart(charts.rejection_trend_chart(metrics.rejection_reasons(period, filters, grain=grain), grain),
                        width="stretch")
    with right:
        chart(charts.quality_trend_chart(qualification.feedback_trend(period, filters, grain=grain), grain),
                        width="stretch")
    chart(charts.acceptance_by_group_chart(metrics.acceptance(period, filters, dim=dim), groups[dim]),
          width="stretch")
    chart(charts.reasons_by_group_chart(metrics.rejection_reasons(period, filters, dim=dim), groups[dim]),
                    width="stretch")
    if by_sales:
        st.caption("Lead-quality ratings are the sales owners' own judgement, so they are broken down by "
                   "campaign, source and segment, not by sales team or owner.")
    else:
        chart(charts.quality_by_group_chart(qualification.feedback_trend(period, filters, dim=dim), groups[dim]),
              width="stretch")
    if dim not in ("campaign", "source") and not by_sales:
        st.caption("Campaign ratings belong to no single lead or account, so segment views count lead ratings only.")
    listed = qualification.feedback_list(period, filters, viewer=user)
    st.markdown(f"**Ratings and insights ({len(listed)})**")
    if not user.can("see_all_reps"):
        st.caption("Yours, and every rep's ratings of campaigns; other reps' ratings of their own leads stay theirs.")
    records_table(feedback_view(listed).drop(columns=["Source"]), title=f"sales feedback {period.describe()}",
                  key="fb_all",
                  column_config=FEEDBACK_CONFIG, height=360)

# --------------------------------------------------------------------------- rate

if "Rate leads and campaigns" in tabs:
    with tabs["Rate leads and campaigns"]:
        if user.rep_id is None:
            empty_state("Your user is not linked to a rep record, so ratings cannot be attributed to you.",
                        "Ask an admin to link your user to your rep record.")
        else:
            left, right = st.columns(2, gap="large")
            choices = qualification.lead_choices(user.rep_id,
                                                 team_id=user.team_id if user.has("sales_lead") else None)
            with left, st.form("rate_lead", border=True):
                st.markdown("**Rate a lead you (or your team) were handed**" if user.has("sales_lead")
                            else "**Rate a lead you were handed**")
                lead_labels = {int(r.lead_id): f"{r.lead_name} · {r.account_name} · {day_label(r.handed_off_at)}"
                                               + (f" · you rated {int(r.my_quality)}" if pd.notna(r.my_quality) else "")
                               for r in choices.itertuples()}
                lead_labels = distinct(lead_labels)
                st.selectbox("Lead", list(lead_labels), format_func=lead_labels.get, index=None,
                             placeholder="Choose a lead" if lead_labels else "No leads handed to you yet",
                             key="fb_lead")
                st.radio("Quality", list(QUALITY_LABELS), format_func=QUALITY_LABELS.get, index=2, horizontal=True,
                         key="fb_lead_quality")
                st.text_area("Insight (required for a poor or weak rating)", key="fb_lead_insight", height=100,
                             placeholder="What should marketing know about this lead?")
                st.form_submit_button("Save rating", type="primary", on_click=rate_lead)
                notices.show(RATE_LEAD)
            with right, st.form("rate_campaign", border=True):
                st.markdown("**Tell marketing about a campaign's leads**")
                st.selectbox("Campaign", list(campaign_names), format_func=campaign_choices.get, index=None,
                             placeholder="Choose a campaign", key="fb_campaign")
                st.radio("Quality of its leads", list(QUALITY_LABELS), format_func=QUALITY_LABELS.get, index=2,
                         horizontal=True, key="fb_campaign_quality")
                st.text_area("Insight (required)", key="fb_campaign_insight", height=100,
                             placeholder="E.g. 'Mostly students; the offer attracts researchers, not buyers.'")
                st.form_submit_button("Send to marketing", type="primary", on_click=rate_campaign)
                notices.show(RATE_CAMPAIGN)
            mine = qualification.feedback_list(period, rep_id=user.rep_id)
            answered_n = int((mine["replies"] > 0).sum())
            st.markdown(f"**Your ratings in the period ({len(mine)})**"
                        + (f" · marketing answered {answered_n}" if answered_n else ""))
            view = feedback_view(mine).drop(columns=["Rep", "Campaign", "Source", "Replies"])
            # marketing's answer beside the rating it answers (a count alone told the rep nothing)
            view["Marketing's reply"] = (mine["last_reply_by"].fillna("") + ": " + mine["last_reply"].fillna("")) \
                .where(mine["last_reply"].notna(), "").to_numpy()
            # insight and reply side by side, both on a laptop screen (the reply sat off to the right)
            records_table(view, title="my feedback", key="fb_mine", height=300,
                          column_config={**FEEDBACK_CONFIG, "About": st.column_config.TextColumn(width="medium"),
                                         "Insight": st.column_config.TextColumn(width="medium"),
                                         "Marketing's reply": st.column_config.TextColumn(width="medium")})

# --------------------------------------------------------------------------- reply

if "Reply: what we changed" in tabs:
    with tabs["Reply: what we changed"]:
        targets = {"feedback": "A rating", "campaign": "A campaign", "source": "A source"}
        target_kind = st.segmented_control("Reply to", list(targets), format_func=targets.get, default="feedback",
                                           key="fb_reply_kind") or "feedback"
        with st.form("reply", border=True):
            if target_kind == "feedback":
                open_items = qualification.feedback_list(period, filters)
                open_items = open_items.sort_values(["replies", "quality", "created_at"], ascending=[True, True, False])
                labels = {int(r.feedback_id): f"{'★' * r.quality} {r.rep_name}: "
                                              f"{r.insight[:80] if isinstance(r.insight, str) else 'no insight'} "
                                              f"({r.lead_name if r.subject_kind == 'lead' else r.campaign_name})"
                                              + (" · answered" if r.replies else "")
                          for r in open_items.head(200).itertuples()}
                labels = distinct(labels)
                st.selectbox("Rating (unanswered and lowest first)", list(labels), format_func=labels.get, index=None,
                             placeholder="Choose a rating" if labels else "No ratings in the period",
                             key="fb_reply_feedback")
            elif target_kind == "campaign":
                st.selectbox("Campaign", list(campaign_names), format_func=campaign_choices.get, index=None,
                             placeholder="Choose a campaign", key="fb_reply_campaign")
            else:
                st.selectbox("Source", list(source_labels), format_func=source_labels.get, index=None,
                             placeholder="Choose a source", key="fb_reply_source")
            st.text_area("What we changed (or will change)", key="fb_reply_body", height=100)
            st.form_submit_button("Post reply", type="primary", on_click=send_reply, args=(target_kind,))
            notices.show(REPLY)
        answered = qualification.replies(period)
        st.markdown(f"**Replies in the period ({len(answered)})**")
        if answered.empty:
            st.caption("No replies yet.")
        else:
            data_table(pd.DataFrame({
                "When": when(answered["created_at"]), "By": answered["author_name"],
                "On": answered["subject_kind"].map({"feedback": "Rating", "campaign": "Campaign", "source": "Source"}),
                "Campaign or source": answered["campaign_name"].fillna(answered["source_label"]).fillna("—"),
                "Reply": answered["body"]}), column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY")})
