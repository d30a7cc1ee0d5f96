"""Chart builders for the scoreboard. Each takes DataFrames from ``queries.scoreboard`` and returns
a styled ``plotly.graph_objects.Figure``; none calls st.*. Colours come from ``components.theme``:
marketing violet, sales blue, shared teal; good green, warn amber, bad red.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components import format as fmt
from components import theme

#: Trend x-axis labels by bucket size.
_TICK_FORMAT = {"day": "%d %b", "week": "%d %b", "month": "%b %Y", "quarter": "Q%q %Y", "year": "%Y"}
_BUCKET_WORD = {"day": "", "week": "Week of ", "month": "", "quarter": "", "year": ""}
_HOVER_DATE = {"day": "%a %d %b %Y", "week": "%d %b %Y", "month": "%B %Y", "quarter": "Q%q %Y", "year": "%Y"}


def _bucket_text(bucket, grain: str) -> str:
    stamp = pd.Timestamp(bucket)
    if grain == "quarter":
        return f"Q{stamp.quarter} {stamp.year}"
    return _BUCKET_WORD.get(grain, "") + stamp.strftime(_HOVER_DATE.get(grain, "%d %b %Y"))


def _currency_prefix(currency: str) -> str:
    """The symbol fmt.money puts before amounts ("$", "€", "CHF ")."""
    return fmt.money(0, currency).removesuffix("0")


def _time_axis(fig: go.Figure, grain: str, buckets: pd.Series) -> None:
    fig.update_xaxes(tickformat=_TICK_FORMAT.get(grain, "%d %b"), type="date")
    if grain in ("month", "quarter", "year"):
        fig.update_xaxes(tickvals=list(pd.to_datetime(buckets)))
    elif grain == "week" and len(buckets) <= 16:
        fig.update_xaxes(tickvals=list(pd.to_datetime(buckets)))


# --------------------------------------------------------------------------- revenue & pipeline


def revenue_pipeline_chart(money: pd.DataFrame, grain: str, currency: str = "USD", *, height: int = 400) -> go.Figure:
    """Two panels on one time axis, each with its own scale: revenue won (top) and pipeline
    created (bottom), both split into marketing-sourced (violet) and other sources (blue).

    ``money``: bucket, revenue, marketing_sourced_revenue, pipeline_created, marketing_sourced_pipeline.
    """
    frame = money.sort_values("bucket")
    when = [_bucket_text(b, grain) for b in frame["bucket"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=("Revenue won", "Pipeline created"))
    panels = ((1, "revenue", "marketing_sourced_revenue", "won"),
              (2, "pipeline_created", "marketing_sourced_pipeline", "created"))
    for row, total_col, marketing_col, verb in panels:
        total = frame[total_col]
        parts = (("Marketing-sourced", frame[marketing_col], theme.MARKETING),
                 ("Other sources", total - frame[marketing_col], theme.SALES))
        for name, values, color in parts:
            fig.add_bar(x=frame["bucket"], y=values, name=name, marker_color=color, legendgroup=name,
                        showlegend=row == 1, row=row, col=1,
                        customdata=list(zip(when, [fmt.money(v, currency) for v in values],
                                            [fmt.money(v, currency) for v in total])),
                        hovertemplate="%{customdata[0]}<br>" + name + ": <b>%{customdata[1]}</b>"
                                      "<br>of %{customdata[2]} " + verb + "<extra></extra>")
        fig.update_yaxes(tickprefix=_currency_prefix(currency), tickformat="~s", rangemode="tozero",
                         nticks=4, row=row, col=1)
    fig.update_layout(barmode="stack", bargap=0.25, hovermode="closest")
    fig.update_annotations(font=dict(size=13, color=theme.NEUTRAL), x=0, xanchor="left")
    _time_axis(fig, grain, frame["bucket"])
    return theme.style(fig, "Revenue and pipeline, by source", height=height)


# --------------------------------------------------------------------------- acceptance by source


def acceptance_trend_chart(by_source: pd.DataFrame, overall: pd.DataFrame, grain: str, *,
                           height: int = 400) -> go.Figure:
    """Lead acceptance rate per bucket: one line per source plus the overall rate (thick, dark).

    ``by_source``: bucket, dim_label, handed_off, accepted, awaiting, acceptance_rate.
    ``overall``: bucket, handed_off, accepted, awaiting, acceptance_rate.
    Recent buckets still have hand-offs awaiting a decision; the hover says how many.
    """
    fig = go.Figure()
    labels = (by_source.groupby("dim_label", sort=False)["handed_off"].sum().sort_values(ascending=False).index
              if not by_source.empty else [])
    for i, label in enumerate(labels):
        rows = by_source[by_source["dim_label"] == label].sort_values("bucket")
        other = label == "Other sources"
        fig.add_scatter(x=rows["bucket"], y=rows["acceptance_rate"], name=str(label), mode="lines+markers",
                        line=dict(color=theme.MUTED if other else theme.SEQUENCE[i % len(theme.SEQUENCE)], width=2,
                                  dash="dot" if other else "solid"),
                        marker=dict(size=5), customdata=_acceptance_hover(rows, grain),
                        hovertemplate="%{customdata}<extra>" + str(label) + "</extra>")
    rows = overall.sort_values("bucket")
    fig.add_scatter(x=rows["bucket"], y=rows["acceptance_rate"], name="All sources", mode="lines+markers",
                    line=dict(color=theme.NEUTRAL, width=4), marker=dict(size=8), connectgaps=False,
                    customdata=_acceptance_hover(rows, grain), hovertemplate="%{customdata}<extra>All sources</extra>")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.04])
    fig.update_layout(hovermode="closest", legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0,
                                                       font=dict(size=12)))
    if not rows.empty:
        _time_axis(fig, grain, rows["bucket"])
    return theme.style(fig, "Lead acceptance rate by source", height=height)


def _acceptance_hover(rows: pd.DataFrame, grain: str) -> list[str]:
    out = []
    for r in rows.itertuples():
        text = (f"{_bucket_text(r.bucket, grain)}<br>Accepted <b>{fmt.pct(r.acceptance_rate)}</b>: "
                f"{fmt.number(r.accepted)} of {fmt.number(r.handed_off)} handed off")
        if r.awaiting:
            text += f"<br>{fmt.number(r.awaiting)} still awaiting a decision"
        out.append(text)
    return out


# --------------------------------------------------------------------------- time to first touch


def band_label(lower: float, upper: float) -> str:
    """'< 5m', '5–15m', '30m–1h', '1–2h', '8h–1d', '3d+': the unit is written once when both edges share it."""
    if lower == 0:
        return f"< {fmt.duration_short(upper)}"
    if math.isinf(upper):
        return f"{fmt.duration_short(lower)}+"
    lo, up = fmt.duration_short(lower), fmt.duration_short(upper)
    if lo[-1] == up[-1]:
        lo = lo[:-1]
    return f"{lo}–{up}"


def band_color(lower: float, upper: float, sla_minutes: float) -> str:
    """Inside the SLA window: good; beyond it: bad; a band the window ends inside: warn."""
    if upper <= sla_minutes:
        return theme.GOOD
    if lower >= sla_minutes:
        return theme.BAD
    return theme.WARN


def first_touch_chart(distribution: pd.DataFrame, sla_minutes: float, *, height: int = 400) -> go.Figure:
    """Hand-offs per time-to-first-touch band against the SLA window; untouched hand-offs last.

    ``distribution``: band, lower_minutes, upper_minutes, handoffs (band −1 = untouched).
    """
    rows = distribution.sort_values("band")
    touched = rows[rows["band"] >= 0]
    untouched = rows[rows["band"] < 0]
    total = int(rows["handoffs"].sum())
    labels = [band_label(lo, up) for lo, up in zip(touched["lower_minutes"], touched["upper_minutes"])]
    colors = [band_color(lo, up, sla_minutes) for lo, up in zip(touched["lower_minutes"], touched["upper_minutes"])]
    counts = list(touched["handoffs"])
    if not untouched.empty:
        labels.append("Untouched")
        colors.append(theme.PENDING)
        counts.append(int(untouched["handoffs"].sum()))
    shares = [c / total if total else None for c in counts]
    fig = go.Figure(go.Bar(
        x=labels, y=counts, marker_color=colors, text=[fmt.pct(s) if c else "" for s, c in zip(shares, counts)],
        textposition="outside", cliponaxis=False, textfont=dict(size=12, color=theme.NEUTRAL),
        customdata=[f"{fmt.number(c)} hand-offs ({fmt.pct(s)})" for c, s in zip(counts, shares)],
        hovertemplate="First touch %{x}<br>%{customdata}<extra></extra>", showlegend=False))
    # Mark where the SLA window ends: on a band edge, between two bars; inside a band, on it.
    edges = list(touched["upper_minutes"])
    if sla_minutes in edges:
        position = edges.index(sla_minutes) + 0.5
    else:
        inside = [i for i, (lo, up) in enumerate(zip(touched["lower_minutes"], touched["upper_minutes"]))
                  if lo < sla_minutes < up]
        position = inside[0] if inside else None
    if position is not None:
        fig.add_vline(x=position, line=dict(color=theme.NEUTRAL, width=2, dash="dash"))
        fig.add_annotation(x=position, y=1.0, yref="paper", text=f"SLA window {fmt.duration(sla_minutes)}",
                           showarrow=False, xanchor="left", yanchor="top", xshift=5,
                           font=dict(size=13, color=theme.NEUTRAL), bgcolor="rgba(255,255,255,0.85)")
    for name, color in (("Within SLA", theme.GOOD), ("Beyond SLA", theme.BAD), ("Untouched", theme.PENDING)):
        fig.add_scatter(x=[None], y=[None], mode="markers", marker=dict(size=11, color=color, symbol="square"),
                        name=name, showlegend=True, hoverinfo="skip")
    fig.update_xaxes(type="category", title_text="Time from hand-off to first rep touch", tickfont=dict(size=12))
    fig.update_yaxes(title_text="Hand-offs", rangemode="tozero")
    fig.update_yaxes(range=[0, max(counts or [0]) * 1.22 or 1])
    fig.update_layout(bargap=0.15)
    return theme.style(fig, "Time to first touch against the SLA window", height=height)


# --------------------------------------------------------------------------- funnel

STAGE_LABELS = {"MQL": "MQL", "SAL": "Accepted (SAL)", "SQL": "Opportunity (SQL)", "Won": "Won"}
STAGE_COLORS = {"MQL": theme.MARKETING, "SAL": theme.SHARED, "SQL": theme.SALES, "Won": theme.SALES}


def funnel_chart(funnel: pd.DataFrame, *, height: int = 400) -> go.Figure:
    """MQL → Won as left-aligned bars, each labelled with its count, its step conversion (from the
    previous stage) and its cumulative conversion from MQL.
    ``funnel``: stage, reached, step_rate, of_mql (see calc.funnel_from_mql)."""
    rows = funnel.reset_index(drop=True)
    text = []
    for i, r in rows.iterrows():
        if i == 0:
            text.append(f"<b>{fmt.number(r.reached)}</b> · {fmt.pct(r.step_rate)} of leads created")
        else:
            of_mql = fmt.pct(r.of_mql, 1 if (r.of_mql or 0) < 0.1 else 0)
            text.append(f"<b>{fmt.number(r.reached)}</b> · {fmt.pct(r.step_rate)} step · {of_mql} of MQLs")
    labels = [STAGE_LABELS.get(s, s) for s in rows["stage"]]
    top = float(rows["reached"].max()) if not rows.empty else 1.0
    fig = go.Figure(go.Bar(
        y=labels, x=rows["reached"], orientation="h", text=text, textposition="outside", cliponaxis=False,
        marker_color=[STAGE_COLORS.get(s, theme.NEUTRAL) for s in rows["stage"]],
        textfont=dict(size=13, color="#1E293B"), customdata=text,
        hovertemplate="%{y}<br>%{customdata}<extra></extra>", showlegend=False))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=14), showgrid=False)
    fig.update_xaxes(range=[0, (top or 1.0) * 2.1], showticklabels=False, showgrid=False, showline=False, ticks="")
    fig.update_layout(bargap=0.3)
    return theme.style(fig, "Funnel: leads created in the period, MQL to won", height=height)
