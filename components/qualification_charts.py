"""Chart builders for qualification (criteria replay) and the sales feedback loop. Each takes
DataFrames from ``queries.qualification`` / ``queries.metrics`` and returns a styled Plotly figure;
none calls st.*."""

from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme
from queries.criteria_rules import failure_label

#: One colour per rejection reason, the same on every chart: theme.REASON_COLORS, a palette that
#: shares no colour with the sources', the teams' or the statuses' (see there).
REASON_COLORS = theme.REASON_COLORS
REASON_ORDER = list(REASON_COLORS)


def reason_color(reason: str) -> str:
    """A reason's colour; a reason added later gets a stable colour of the reasons' palette, never a
    source's or a semantic one."""
    return REASON_COLORS.get(reason) or theme.REASON_PALETTE[sum(map(ord, str(reason))) % len(theme.REASON_PALETTE)]

#: The replay's segments are categories too: colours from theme.CATEGORICAL, not good/bad (leads
#: the draft adds are not good by being added; the chart shows how they fared).
SEGMENT_COLORS = {"current": "#3D1A84", "proposed": "#AA4499", "gained": "#999933", "lost": "#CC6677"}
SEGMENT_NAMES = {"current": "Version in force", "proposed": "Draft", "gained": "Leads the draft adds",
                 "lost": "Leads the draft drops"}



def short(label, limit: int = 42) -> str:
    """Long campaign names cut for an axis (the hover keeps the full name), HTML-escaped: Plotly
    renders tags such as <b> and <a href> in labels, and a name is typed by a person."""
    text = str(label)
    return theme.plain(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


# --------------------------------------------------------------------------- replay


#: Below this many leads (or closed deals) a replay rate's bar label gives its count too.
SMALL_BASE = 30
#: …on a second line in this size (px), under the rate.
SMALL_BASE_FONT = 11


def replay_rates_chart(segments: pd.DataFrame, *, has_current: bool = True, height: int = 380) -> go.Figure:
    """How the leads of each segment actually fared: acceptance, opportunity and win rates side by
    side for the version in force, the draft, and the leads the draft adds or drops.

    ``segments``: segment, leads, handed_off, accepted, with_opportunity, won, lost, acceptance_rate,
    opportunity_rate, win_rate (see qualification.Replay.segments).
    """
    metrics = (("acceptance_rate", "Accepted by sales", "accepted", "handed_off", "handed off"),
               ("opportunity_rate", "Became an opportunity", "with_opportunity", "leads", "leads"),
               ("win_rate", "Win rate (won ÷ closed)", "won", None, "closed"))
    order = ["current", "proposed", "gained", "lost"] if has_current else ["proposed"]
    rows = segments.set_index("segment")
    fig = go.Figure()
    for seg in order:
        if seg not in rows.index or (seg in ("gained", "lost") and rows.loc[seg, "leads"] == 0):
            continue
        r = rows.loc[seg]
        ys, texts, hovers = [], [], []
        for col, label, num, den, den_word in metrics:
            value = r[col]
            denominator = (r["won"] + r["lost"]) if den is None else r[den]
            ys.append(value)
            # a rate from a handful of leads says so on the bar: "100%" from one won deal stood as
            # tall as the rates of a thousand leads beside it
            small = pd.notna(value) and 0 < denominator < SMALL_BASE
            # the count on a second, smaller line: one line ("38% (10 of 26)") is wider than a bar
            texts.append(f"{fmt.pct(value)}<br><span style='font-size:{SMALL_BASE_FONT}px'>"
                         f"({fmt.number(r[num])} of {fmt.number(denominator)})</span>" if small
                         else fmt.pct(value))
            hovers.append(f"{SEGMENT_NAMES[seg]}<br>{label}: <b>{fmt.pct(value)}</b><br>"
                          f"{fmt.number(r[num])} of {fmt.number(denominator)} {den_word}")
        fig.add_bar(x=[m[1] for m in metrics], y=ys, name=f"{SEGMENT_NAMES[seg]} ({fmt.number(r['leads'])} leads)",
                    marker_color=SEGMENT_COLORS[seg], text=texts, textposition="outside", cliponaxis=False,
                    # never shrunk to the bar's width: Plotly drew "38% (10 of 26)" ~5 px high at 1366 px
                    constraintext="none", textfont=dict(size=12, color=theme.NEUTRAL), customdata=hovers,
                    hovertemplate="%{customdata}<extra></extra>")
    # room above the tallest bar for its label (two lines with a count), without a tick past 100 %
    tallest = max([float(y) for bar in fig.data for y in bar.y if pd.notna(y)] or [0]) or 1.0
    top = tallest * 1.25
    fig.update_yaxes(tickformat=".0%", range=[0, top], title_text=None,
                     **({"tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0]} if top > 1 else {}))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05,
                      legend=dict(orientation="h", yanchor="top", y=-0.1, xanchor="left", x=0))
    return theme.style(fig, "How those leads actually fared", height=height)


def rule_failures_chart(failures: pd.DataFrame, leads_in_period: int, *, height: int = 320) -> go.Figure:
    """Leads each rule of the draft turns away (a lead failing two rules counts under both), each
    labelled with why (``criteria_rules.failure_label``: "Source excluded", not the rule's name)."""
    rows = failures[failures["leads"] > 0].sort_values("leads")
    if rows.empty:
        return theme.empty_figure("What each rule turns away", "No rule turns any lead away in this period.", height)
    shares = [n / leads_in_period if leads_in_period else None for n in rows["leads"]]
    fig = go.Figure(go.Bar(
        x=rows["leads"], y=[failure_label(r) for r in rows["rule"]], orientation="h", marker_color=theme.SHARED,
        text=[f"{fmt.number(n)} ({fmt.pct(s)})" for n, s in zip(rows["leads"], shares)], textposition="outside",
        cliponaxis=False, textfont=dict(size=12, color=theme.NEUTRAL),
        hovertemplate="%{y}: %{x:,} leads turned away<extra></extra>", showlegend=False))
    fig.update_xaxes(title_text="Leads created in the period that fail the rule", rangemode="tozero")
    fig.update_layout(margin=dict(r=90))
    return theme.style(fig, "What each rule of the draft turns away", height=height)


# --------------------------------------------------------------------------- rejection reasons


def rejection_trend_chart(reasons: pd.DataFrame, grain: str, *, height: int = 360) -> go.Figure:
    """Rejected hand-offs per bucket, stacked by reason (hover: count and share of the bucket).

    ``reasons``: bucket, reason, rejected, share (metrics.rejection_reasons with a grain).
    """
    if reasons.empty:
        return theme.empty_figure("Rejection reasons over time", "No rejected hand-offs in this period.", height)
    fig = go.Figure()
    present = [r for r in REASON_ORDER if r in set(reasons["reason"])]
    for reason in present:
        rows = reasons[reasons["reason"] == reason].sort_values("bucket")
        fig.add_bar(x=rows["bucket"], y=rows["rejected"], name=fmt.reason_label(reason),
                    marker_color=reason_color(reason),
                    customdata=[f"{fmt.number(n)} ({fmt.pct(s)} of rejections)" for n, s in
                                zip(rows["rejected"], rows["share"])],
                    hovertemplate="%{x|" + theme.hover_date(grain) + "}<br>" + fmt.reason_label(reason)
                                  + ": %{customdata}<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0.2,
                      legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    fig.update_xaxes(**theme.time_axis(reasons["bucket"], grain))
    top = float(reasons.groupby("bucket")["rejected"].sum().max() or 1)
    # the tallest bar clear of the top; whole hand-offs (a small slice had ticks at 0.5 and 1.5)
    fig.update_yaxes(title_text="Rejected hand-offs", **{"range": [0, top * 1.1], **theme.count_axis(top)})
    return theme.style(fig, "Rejection reasons over time", height=height)


#: The parts of a group's hand-offs, in the order they are stacked (left to right).
#: Each drawn in its status's colour and fill pattern (theme.status_marker).
DECISION_PARTS = (("accepted", "Accepted", "on_track"), ("rejected", "Rejected", "off_track"),
                  ("awaiting", "Awaiting decision", "pending"))


def acceptance_by_group_chart(acc: pd.DataFrame, group_title: str, *, top: int = 12,
                              height: int | None = None) -> go.Figure:
    """Lead acceptance per group (campaign, source, segment, team, owner): each group's hand-offs
    split into accepted, rejected and awaiting a decision (100 % stacked, so the accepted part is
    the acceptance rate as defined: accepted ÷ handed off). The ``top`` groups by hand-offs, the
    lowest acceptance at the top, where a weekly review starts.

    ``acc``: dim_label, handed_off, accepted, rejected, awaiting (metrics.acceptance with a dim).
    """
    rows = acc[acc["handed_off"] > 0]
    title = f"Lead acceptance by {group_title.lower()} (share of hand-offs; count in brackets)"
    if rows.empty:
        return theme.empty_figure(title, "No hand-offs in this period.", height or 300)
    rows = rows.sort_values(["handed_off", "dim_label"], ascending=[False, True], kind="stable").head(top)
    rows = rows.assign(rate=rows["accepted"] / rows["handed_off"]).sort_values(
        ["rate", "dim_label"], ascending=[False, False], kind="stable")   # the lowest rate drawn last: on top
    labels = [f"{short(g)}  ({fmt.number(n)})" for g, n in zip(rows["dim_label"], rows["handed_off"])]
    fig = go.Figure()
    for column, name, status in DECISION_PARTS:
        share = rows[column] / rows["handed_off"]
        fig.add_bar(y=labels, x=share, orientation="h", name=name, marker=theme.status_marker(status),
                    text=[fmt.pct(v) if column == "accepted" else "" for v in share], textposition="inside",
                    insidetextanchor="start", textfont_color="#FFFFFF",
                    customdata=[f"{theme.plain(g)}<br>{fmt.number(k)} of {fmt.number(n)} hand-offs"
                                for g, k, n in zip(rows["dim_label"], rows[column], rows["handed_off"])],
                    hovertemplate=name + ": <b>%{x:.0%}</b><br>%{customdata}<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0.3, margin=dict(b=84),
                      legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
                                  traceorder="normal"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.001], tickvals=[0, 0.25, 0.5, 0.75, 1])
    return theme.style(fig, title, height=height or max(300, 70 + 34 * len(rows)))


def reasons_by_group_chart(reasons: pd.DataFrame, group_title: str, *, top: int = 12,
                           height: int | None = None) -> go.Figure:
    """Share of each rejection reason within each group (campaign, source, segment), as 100 %
    stacked bars; the groups with the most rejections first.

    ``reasons``: dim_label, reason, rejected, share (metrics.rejection_reasons with a dim).
    """
    if reasons.empty:
        return theme.empty_figure(f"Rejection reasons by {group_title.lower()}", "No rejected hand-offs in this period.",
                      height or 320)
    totals = reasons.groupby("dim_label")["rejected"].sum().sort_values(ascending=False).head(top)
    groups = list(totals.index)[::-1]  # largest at the top of a horizontal chart
    labels = {g: f"{short(g)}  ({fmt.number(totals[g])})" for g in groups}
    fig = go.Figure()
    rows = reasons[reasons["dim_label"].isin(groups)]
    for reason in [r for r in REASON_ORDER if r in set(rows["reason"])]:
        part = rows[rows["reason"] == reason].set_index("dim_label").reindex(groups)
        fig.add_bar(y=[labels[g] for g in groups], x=part["share"].fillna(0), orientation="h",
                    name=fmt.reason_label(reason), marker_color=reason_color(reason),
                    customdata=[f"{theme.plain(g)}<br>{fmt.number(n) if pd.notna(n) else 0} rejected"
                                for g, n in zip(groups, part["rejected"])],
                    hovertemplate=fmt.reason_label(reason)
                                  + ": <b>%{x:.0%}</b><br>%{customdata}<extra></extra>")
    # The legend at the foot of the figure, clear of the share axis's tick labels above it (a
    # fraction of the plot height put it on them in short charts).
    fig.update_layout(barmode="stack", bargap=0.3, margin=dict(b=84),
                      legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
                                  traceorder="normal"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.001], tickvals=[0, 0.25, 0.5, 0.75, 1])
    return theme.style(fig, f"Rejection reasons by {group_title.lower()} (share of rejected; count in brackets)",
                       height=height or max(300, 70 + 34 * len(groups)), title_chars=theme.WIDE_TITLE_CHARS)


# --------------------------------------------------------------------------- feedback ratings


def quality_status(avg: float) -> str:
    """The status an average rating reads as: below 2.5 off track, below 3.5 at risk, else on track."""
    if pd.isna(avg):
        return "pending"
    if avg < 2.5:
        return "off_track"
    if avg < 3.5:
        return "at_risk"
    return "on_track"


def quality_by_group_chart(trend: pd.DataFrame, group_title: str, *, top: int = 12, min_ratings: int = 1,
                           height: int | None = None) -> go.Figure:
    """Average lead-quality rating (1-5) per group, lowest first; the bar text gives the number of
    ratings so a 1.0 from one rating is read for what it is.

    ``trend``: dim_label, ratings, avg_quality, poor, good (qualification.feedback_trend, grain none).
    """
    rows = trend[trend["ratings"] >= min_ratings]
    if rows.empty:
        return theme.empty_figure(f"Lead quality by {group_title.lower()}", "No ratings in this period.", height or 300)
    rows = rows.sort_values(["ratings"], ascending=False).head(top).sort_values("avg_quality", ascending=False)
    fig = go.Figure(go.Bar(
        x=rows["avg_quality"], y=[short(v) for v in rows["dim_label"]], orientation="h",
        marker=theme.status_marker([quality_status(a) for a in rows["avg_quality"]]),
        text=[f"{a:.1f}  ·  {fmt.number(n)} rating{'s' if n != 1 else ''}" for a, n in
              zip(rows["avg_quality"], rows["ratings"])],
        textposition="outside", cliponaxis=False, textfont=dict(size=12, color=theme.NEUTRAL),
        customdata=[f"{theme.plain(label)}<br>{fmt.number(p)} poor or weak, {fmt.number(g)} good or excellent" for label, p, g in
                    zip(rows["dim_label"], rows["poor"], rows["good"])],
        hovertemplate="Average <b>%{x:.2f}</b> of 5<br>%{customdata}<extra></extra>", showlegend=False))
    fig.update_xaxes(range=[0, 5.9], tickvals=[1, 2, 3, 4, 5], title_text="Average rating (1 poor – 5 excellent)")
    fig.add_vline(x=3, line=dict(color=theme.MUTED, width=1, dash="dot"))
    fig.update_layout(margin=dict(r=40))
    return theme.style(fig, f"Lead quality rated by sales, by {group_title.lower()}",
                       height=height or max(280, 80 + 32 * len(rows)), title_chars=theme.WIDE_TITLE_CHARS)


def quality_trend_chart(trend: pd.DataFrame, grain: str, *, height: int = 320) -> go.Figure:
    """Average rating per bucket (line, right axis) over the number of ratings (bars, left axis)."""
    if trend.empty:
        return theme.empty_figure("Lead quality over time", "No ratings in this period.", height)
    rows = trend.sort_values("bucket")
    fig = go.Figure()
    fig.add_bar(x=rows["bucket"], y=rows["ratings"], name="Ratings", marker_color=theme.MUTED,
                hovertemplate="%{y} ratings<extra></extra>")
    fig.add_scatter(x=rows["bucket"], y=rows["avg_quality"], name="Average rating", mode="lines+markers",
                    line=dict(color=theme.SALES, width=3), marker=dict(size=7), yaxis="y2",
                    hovertemplate="Average <b>%{y:.2f}</b> of 5<extra></extra>")
    most = float(rows["ratings"].max() or 1)
    # whole ratings (a slice with one rating per bucket had ticks at 0.2 … 0.8)
    fig.update_layout(yaxis=dict(title_text="Ratings", showgrid=False,
                                 **{"range": [0, most * 1.15], **theme.count_axis(most)}),
                      yaxis2=dict(overlaying="y", side="right", range=[1, 5.2], tickvals=[1, 2, 3, 4, 5],
                                  title_text="Average rating", gridcolor="#E2E8F0"),
                      legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    fig.update_xaxes(**theme.time_axis(rows["bucket"], grain))
    return theme.style(fig, "Lead quality over time", height=height)
