"""Chart builders for the follow-up SLA pages. Each takes DataFrames from ``queries.sla`` or
``queries.metrics`` and returns a styled ``plotly.graph_objects.Figure``; none calls st.*.
Colours from ``components.theme``: marketing violet, sales blue, each team its own colour
(theme.team_color); good green, warn amber, bad red, each with its fill pattern (theme.status_marker).
Targets and agreed minimums are dashed grey lines named in the legend (theme.reference_line), never
labelled over the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme

#: A hand-off's follow-up outcome, as the status whose colour and pattern it is drawn in (theme.status_marker).
KIND_STATUS = {"met": "on_track", "late": "at_risk", "breach": "off_track", "pending": "pending"}
KIND_COLORS = {kind: theme.status_color(status) for kind, status in KIND_STATUS.items()}
KIND_NAMES = {"met": "Touched within the window", "late": "Touched late", "breach": "Untouched past deadline",
              "pending": "Untouched, still inside the window"}


def touch_vs_window_chart(bands: pd.DataFrame, *, height: int = 380) -> go.Figure:
    """Hand-offs by time to first touch as a share of their own SLA window (policies differ), the
    untouched ones at the end. ``bands``: band, label, kind (met/late/breach/pending), handoffs."""
    touched = bands[bands["band"] >= 0].sort_values("band")
    untouched = bands[bands["band"] < 0].sort_values("band", ascending=False)
    rows = pd.concat([touched, untouched])
    total = int(rows["handoffs"].sum())
    labels = list(touched["label"]) + ["Untouched<br>past deadline" if b == -1 else "Untouched<br>in window"
                                       for b in untouched["band"]]
    shares = [c / total if total else None for c in rows["handoffs"]]
    fig = go.Figure(go.Bar(
        x=labels, y=list(rows["handoffs"]), marker=theme.status_marker([KIND_STATUS[k] for k in rows["kind"]]),
        text=[fmt.pct(s) if c else "" for s, c in zip(shares, rows["handoffs"])], textposition="outside",
        cliponaxis=False, textfont=dict(size=12, color=theme.NEUTRAL),
        customdata=[f"{fmt.number(c)} hand-offs ({fmt.pct(s)})" for c, s in zip(rows["handoffs"], shares)],
        hovertemplate="%{x}<br>%{customdata}<extra></extra>", showlegend=False))
    within = int((touched["band"] <= touched.loc[touched["kind"] == "met", "band"].max()).sum()) \
        if (touched["kind"] == "met").any() else 0
    if within:
        fig.add_vline(x=within - 0.5, line=dict(color=theme.NEUTRAL, width=2, dash="dash"))
        fig.add_annotation(x=within - 0.5, y=1.0, yref="paper", text="End of the SLA window", showarrow=False,
                           xanchor="left", yanchor="top", xshift=5, font=dict(size=13, color=theme.NEUTRAL),
                           bgcolor="rgba(255,255,255,0.85)")
    theme.status_legend(fig, [(KIND_STATUS[kind], KIND_NAMES[kind]) for kind in ("met", "late", "breach", "pending")])
    fig.update_xaxes(type="category", title_text="Time to first touch, as a share of the lead's SLA window",
                     tickfont=dict(size=12), tickangle=0)
    largest = max(list(rows["handoffs"]) or [0])
    fig.update_yaxes(title_text="Hand-offs", **{**theme.count_axis(largest), "range": [0, largest * 1.22 or 1]})
    fig.update_layout(bargap=0.15)
    # drawn across the page (the scorecard), so its title needs no second line
    return theme.style(fig, "Time to first touch against each lead's window", height=height,
                       title_chars=theme.WIDE_TITLE_CHARS)


#: A bucket's compliance over fewer hand-offs with a known outcome than this is noise (one lead swings
#: it 10+ points; a Monday-morning meeting's current week has one or two): drawn as a hollow point
#: off its team's line, its counts in the hover. As the scoreboard's acceptance chart (charts.MIN_COHORT).
MIN_KNOWN = 10


def compliance_trend_chart(frame: pd.DataFrame, *, target: float | None = None, title: str,
                           height: int = 340, colors: dict[str, str] | None = None,
                           grain: str | None = None, min_known: int = MIN_KNOWN) -> go.Figure:
    """Compliance per bucket, one line per group (sales teams: each in its team's colour,
    theme.team_color, unless ``colors`` names one). ``frame``: bucket, dim_label, compliance_rate,
    met, breached, pending. ``target``: the agreed compliance (dashed line, named in the legend).
    ``grain``: the bucket size (else read from the spacing of the buckets, which misreads sparse
    weeks); a line breaks over buckets without data. A bucket with fewer than ``min_known``
    hand-offs of known outcome (met + breached) is a hollow point off the line, and the legend's
    title says what hollow means."""
    fig = go.Figure()
    data = frame.dropna(subset=["bucket"]).sort_values("bucket")
    grain = grain or theme.infer_grain(data["bucket"])
    when = theme.hover_date(grain)
    thin_any = False
    for label, rows in data.groupby("dim_label", sort=True):
        color = (colors or {}).get(label) or theme.team_color(str(label))
        known = rows["met"] + rows["breached"]
        thin = rows["compliance_rate"].notna() & (known < min_known)
        text = [f"{fmt.pct(r)} · {m} met, {b} breached, {p} pending" for r, m, b, p in
                zip(rows["compliance_rate"], rows["met"], rows["breached"], rows["pending"])]
        x, y, hover = theme.break_gaps(grain, rows["bucket"], [None if f else r for r, f in
                                                                 zip(rows["compliance_rate"], thin)], text)
        fig.add_scatter(
            x=x, y=y, mode="lines+markers", name=theme.plain(label), connectgaps=False,
            line=dict(color=color, width=2.5), marker=dict(size=6), customdata=hover,
            hovertemplate="%{x|" + when + "}<br>%{customdata}<extra>%{fullData.name}</extra>")
        if thin.any():
            thin_any = True
            few = rows[thin]
            fig.add_scatter(
                x=few["bucket"], y=few["compliance_rate"], mode="markers", name=theme.plain(label), showlegend=False,
                marker=dict(size=8, symbol="circle-open", color=color, line=dict(width=2)),
                customdata=[f"{t} · only {k} with a known outcome: too few to read"
                            for t, k in zip([t for t, f in zip(text, thin) if f], known[thin])],
                hovertemplate="%{x|" + when + "}<br>%{customdata}<extra>%{fullData.name}</extra>")
    if thin_any:
        bucket = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters"}.get(grain, "buckets")
        fig.update_layout(legend_title=dict(text=f"Hollow: {bucket} with under {min_known} known outcomes ",
                                            font=dict(size=12, color=theme.NEUTRAL)))
    if target is not None:
        theme.reference_line(fig, target, theme.reference_label("Target", target))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], title_text="Compliance")
    fig.update_xaxes(**theme.time_axis(data["bucket"], grain))
    return theme.style(fig, title, height=height)


def breaches_by_chart(frame: pd.DataFrame, *, title: str, height: int = 320, order: str = "breaches") -> go.Figure:
    """Horizontal bars per group (source, tier, ...): met, touched late, untouched; the share
    breached in the label ('Tier 1 · 63% breached': under a title about breaches, a bare '37%' — the
    compliance it showed — read as the breaches). ``frame``: dim_label, met, breached_late,
    breached_untouched, breached, compliance_rate. ``order``: 'breaches' (most at the top) or 'label'
    (alphabetical, top to bottom)."""
    rows = (frame.sort_values(["breached", "dim_label"], ascending=[True, False]) if order == "breaches"
            else frame.sort_values("dim_label", ascending=False))
    labels = [f"{theme.plain(lab)} · {fmt.pct(1 - rate)} breached" if pd.notna(rate) else theme.plain(lab)
              for lab, rate in zip(rows["dim_label"], rows["compliance_rate"])]
    fig = go.Figure()
    for col, name, status in (("met", "Within the window", "on_track"), ("breached_late", "Touched late", "at_risk"),
                              ("breached_untouched", "Untouched", "off_track")):
        fig.add_bar(y=labels, x=rows[col], name=name, orientation="h", marker=theme.status_marker(status),
                    hovertemplate="%{y}<br>" + name + ": %{x:,}<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0.25, legend=dict(traceorder="normal"))
    fig.update_xaxes(title_text="Hand-offs with a known outcome",
                     **theme.count_axis(rows[["met", "breached_late", "breached_untouched"]].sum(axis=1).max()
                                        if len(rows) else 0))
    fig.update_yaxes(tickfont=dict(size=12))
    return theme.style(fig, title, height=max(height, 70 + 34 * len(rows)))


def mql_pace_chart(daily: pd.DataFrame, start: date, end: date, committed: Sequence[float] | None, as_of: datetime,
                   *, height: int = 360, shown_from: date | None = None) -> go.Figure:
    """Cumulative MQLs delivered (violet) against the commitment's pace (dashed: the MQLs committed
    up to each day, flat on days no commitment covers). ``daily``: bucket (day), mqls;
    ``committed``: MQLs committed for each day from ``start`` to ``end``. ``shown_from``: the first
    day drawn (the data's first day, calc.trend_start, for a period that starts years before it);
    the days before it still count in both running totals."""
    days = pd.date_range(start, end, freq="D")
    counts = daily.set_index(pd.to_datetime(daily["bucket"]))["mqls"].reindex(days, fill_value=0) \
        if not daily.empty else pd.Series(0, index=days)
    today = pd.Timestamp(as_of.date())
    shown = days >= pd.Timestamp(min(max(shown_from or start, start), end))
    delivered = counts.cumsum()[(days <= today) & shown]
    fig = go.Figure()
    if committed is not None and len(committed) == len(days) and sum(committed) > 0:
        pace = pd.Series(list(committed), index=days).cumsum()[shown]
        fig.add_scatter(x=pace.index, y=pace, mode="lines" if len(pace) > 1 else "markers",
                        name=f"Commitment pace ({fmt.number(sum(committed))})",
                        line=dict(color=theme.MARKETING, width=2, dash="dash"), opacity=0.55,
                        hovertemplate="%{x|%d %b}: %{y:,.0f} expected by now<extra></extra>")
    fig.add_scatter(x=delivered.index, y=delivered.values, mode="lines" if len(delivered) > 1 else "markers",
                    name="MQLs delivered", marker=dict(size=10),
                    line=dict(color=theme.MARKETING, width=3), fill="tozeroy", fillcolor=theme.tint(theme.MARKETING, 0.08),
                    hovertemplate="%{x|%d %b}: %{y:,} delivered<extra></extra>")
    if len(delivered):
        fig.add_annotation(x=delivered.index[-1], y=delivered.iloc[-1], text=f"{fmt.number(delivered.iloc[-1])}",
                           showarrow=False, xanchor="left", xshift=6, font=dict(size=13, color=theme.MARKETING))
    first = days[shown][0]
    # a year's ticks read "%d %b" as "01 Jan, 01 Jan, 01 Jan": name the year when the axis spans years
    fig.update_xaxes(range=[first - timedelta(days=1), days[-1] + timedelta(days=2)],
                     tickformat="%d %b" if (days[-1] - first).days <= 200 else "%b %Y")
    fig.update_yaxes(title_text="MQLs (cumulative)", rangemode="tozero")
    return theme.style(fig, "MQLs delivered against the commitment", height=height)


def decision_chart(frame: pd.DataFrame, *, height: int = 360, grain: str | None = None) -> go.Figure:
    """Decision timeliness per bucket: decided on time, late, overdue (no decision past due),
    pending. ``frame``: bucket, on_time, late, overdue, pending. ``grain``: the bucket size."""
    rows = frame.dropna(subset=["bucket"]).sort_values("bucket")
    grain = grain or theme.infer_grain(rows["bucket"])
    when = theme.hover_date(grain)
    fig = go.Figure()
    for col, name, status in (("on_time", "Decided on time", "on_track"), ("late", "Decided late", "at_risk"),
                              ("overdue", "No decision, overdue", "off_track"), ("pending", "Not due yet", "pending")):
        fig.add_bar(x=rows["bucket"], y=rows[col], name=name, marker=theme.status_marker(status),
                    width=theme.bar_width(grain),
                    hovertemplate="%{x|" + when + "}<br>" + name + ": %{y:,}<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0.2, legend=dict(orientation="h", y=-0.12, x=0, xanchor="left",
                                                                 yanchor="top", traceorder="normal"),
                      margin=dict(b=70))
    fig.update_xaxes(**theme.time_axis(rows["bucket"], grain))
    totals = rows[["on_time", "late", "overdue", "pending"]].sum(axis=1)
    fig.update_yaxes(title_text="Hand-offs", **theme.count_axis(totals.max() if len(totals) else 0))
    return theme.style(fig, "Decisions against the decision window", height=height + 30)


def acceptance_chart(frame: pd.DataFrame, minimum: float | None, *, height: int = 360,
                     grain: str | None = None) -> go.Figure:
    """Acceptance rate per bucket (violet: marketing owns lead quality) against the agreed minimum
    (dashed, named in the legend). Hand-offs still awaiting a decision are in the rate's denominator
    (docs/metrics.md), so a recent bucket is not final: their share is stacked on its bar in the
    pending grey, up to the rate the bucket would reach if all were accepted.
    ``frame``: bucket, acceptance_rate, accepted, rejected, awaiting. ``grain``: the bucket size."""
    rows = frame.dropna(subset=["bucket"]).sort_values("bucket")
    grain = grain or theme.infer_grain(rows["bucket"])
    when = theme.hover_date(grain)
    counts = list(zip(rows["accepted"], rows["rejected"], rows["awaiting"]))
    text = [f"{a} accepted, {r} rejected, {w} awaiting" for a, r, w in counts]
    fig = go.Figure(go.Bar(
        x=rows["bucket"], y=rows["acceptance_rate"], marker_color=theme.MARKETING, name="Accepted by sales",
        showlegend=False, width=theme.bar_width(grain), customdata=text,
        hovertemplate="%{x|" + when + "}<br>%{y:.0%} · %{customdata}<extra></extra>"))
    waiting = [w / (a + r + w) if a + r + w else 0.0 for a, r, w in counts]
    if any(waiting):
        fig.add_bar(x=rows["bucket"], y=waiting, marker=theme.status_marker("pending"), name="Awaiting a decision",
                    width=theme.bar_width(grain), customdata=text,
                    hovertemplate="%{x|" + when + "}<br>%{y:.0%} still awaiting a decision · %{customdata}"
                                  "<extra></extra>")
        fig.update_layout(barmode="stack")
    if minimum is not None:
        theme.reference_line(fig, minimum, theme.reference_label("Agreed minimum", minimum))
    else:
        fig.update_layout(showlegend=any(waiting))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], title_text="Acceptance rate")
    fig.update_xaxes(**theme.time_axis(rows["bucket"], grain))
    return theme.style(fig, "Acceptance rate of the MQLs handed off", height=height)


def rep_weekly_chart(frame: pd.DataFrame, rep_name: str, team_name: str, target: float | None,
                     *, height: int = 300, team_function: str | None = None) -> go.Figure:
    """A rep's weekly compliance against the team's: the team in its own colour (as on the
    scorecard, theme.team_color), the rep in ink with markers, the target dashed and named in the
    legend. ``frame``: bucket, compliance_rate, team_compliance_rate."""
    rows = frame.sort_values("bucket")
    when = theme.hover_date("week")
    x, team, mine = theme.break_gaps("week", rows["bucket"], rows["team_compliance_rate"], rows["compliance_rate"])
    fig = go.Figure()
    fig.add_scatter(x=x, y=team, mode="lines" if len(rows) > 1 else "markers", name=theme.plain(team_name),
                    line=dict(color=theme.team_color(team_name, team_function), width=3), connectgaps=False,
                    hovertemplate="%{x|" + when + "}: %{y:.0%}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=x, y=mine, mode="lines+markers", name=theme.plain(rep_name), connectgaps=False,
                    line=dict(color=theme.INK, width=3), marker=dict(size=7),
                    hovertemplate="%{x|" + when + "}: %{y:.0%}<extra>%{fullData.name}</extra>")
    if target is not None:
        theme.reference_line(fig, target, theme.reference_label("Target", target))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    fig.update_xaxes(**theme.time_axis(rows["bucket"], "week"))
    return theme.style(fig, "Compliance by week", height=height)
