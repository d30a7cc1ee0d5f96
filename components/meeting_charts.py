"""Chart builders for meeting mode. Each takes a section's frames (components.meeting_content)
and returns a styled Plotly figure; none calls st.*. ``big=True`` sizes type for a projector.
Colours: theme (marketing violet, sales blue, shared teal; good/warn/bad) and the rejection-reason
colours of the feedback pages (components.qualification_charts.REASON_COLORS). Reference lines (the
agreed minimum) are named in the legend, never over the bars.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme
from components.qualification_charts import reason_color
from queries.sla_math import RATE_MARGIN, rate_status


def for_projector(fig: go.Figure) -> go.Figure:
    """Larger type for a figure (ours or another feature's builder's) shown on a projector."""
    return _size(fig, True)


def _size(fig: go.Figure, big: bool) -> go.Figure:
    if big:
        fig.update_layout(font=dict(size=18), title=dict(font=dict(size=22)), legend=dict(font=dict(size=16)))
        theme.place_top(fig)   # the title's and the legend's rows at their new size
        fig.update_xaxes(tickfont=dict(size=16), title_font=dict(size=16))
        fig.update_yaxes(tickfont=dict(size=16), title_font=dict(size=16))
    return fig


def _empty(title: str, message: str, height: int, big: bool) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=20 if big else 14, color=theme.NEUTRAL))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _size(theme.style(fig, title, height=height), big)


#: What a source's bar colour says when the agreed minimum is known (queries.sla_math.rate_status,
#: as the two-sided SLA page grades the whole rate).
#: Short enough for two or three to a legend row on a half-width projector chart (the full
#: sentences took a row each and squeezed the eight sources' bars together at 1024–1366 px).
MINIMUM_STATUS_NAMES = {"on_track": "At or above the minimum",
                        "at_risk": f"Up to {RATE_MARGIN * 100:.0f} pts below",
                        "off_track": f"More than {RATE_MARGIN * 100:.0f} pts below"}


def acceptance_by_source_chart(by_source: pd.DataFrame, overall_rate: float | None, *, minimum: float | None = None,
                               height: int = 420, big: bool = False) -> go.Figure:
    """Acceptance rate per source: every source with hand-offs, most hand-offs at the top, so the bars'
    counts add up to the slide's "Handed off" tile (a cap at eight dropped the two smallest sources,
    one of them the worst, without a word; there are about ten channels, which fit).

    With ``minimum`` (the two-sided SLA's agreed minimum acceptance rate) each bar is coloured by
    where it stands against it, as the two-sided SLA page grades the whole rate: green at or above,
    amber (hatched) up to RATE_MARGIN below, red (cross-hatched) further below (theme.status_marker);
    a dashed line marks the minimum and the legend says what the colours and patterns mean. Without
    it the bars are marketing violet (lead quality, as on the two-sided SLA page) against the
    all-sources rate (dashed): a source below the average has not broken any promise, so it is not
    drawn as one.

    ``by_source``: dim_label, handed_off, accepted, awaiting, acceptance_rate.
    """
    title = "Acceptance rate by source"
    rows = by_source[by_source["handed_off"] > 0].sort_values("handed_off", ascending=False)
    if rows.empty:
        return _empty(title, "No hand-offs in the period.", height, big)
    rows = rows.iloc[::-1]  # largest at the top of a horizontal chart
    rates = list(rows["acceptance_rate"])
    if minimum is not None:
        statuses = [rate_status(r, minimum) if pd.notna(r) else "off_track" for r in rates]
        marker = theme.status_marker(statuses)
    else:
        statuses, marker = [], dict(color=[theme.MARKETING] * len(rows))
    shown = [_rate_text(r, minimum) for r in rates]
    # "81% of 162": short enough for the column right of the bars on a 1024 px projector, where
    # "81% · 162 handed off" ran off the figure's edge
    text = [f"<b>{r}</b> of {fmt.number(n)}" for r, n in zip(shown, rows["handed_off"])]
    labels = [theme.plain(s) for s in rows["dim_label"]]
    fig = go.Figure(go.Bar(
        y=labels, x=rows["acceptance_rate"], orientation="h", marker=marker,
        customdata=[f"{fmt.number(a)} accepted, {fmt.number(w)} awaiting" for a, w in
                    zip(rows["accepted"], rows["awaiting"])],
        hovertemplate="%{y}: <b>%{x:.0%}</b> accepted<br>%{customdata}<extra></extra>", showlegend=False))
    # The numbers in a column right of the 100% mark, where the reference line cannot cross them.
    for label, line in zip(labels, text):
        fig.add_annotation(x=1.04, y=label, text=line, showarrow=False, xanchor="left",
                           font=dict(size=16 if big else 13, color=theme.NEUTRAL))
    # What the colours and patterns mean, in the legend under the chart (with the reference line's name).
    theme.status_legend(fig, [(s, MINIMUM_STATUS_NAMES[s]) for s in MINIMUM_STATUS_NAMES if s in statuses],
                        orientation="h")
    if minimum is not None:
        theme.reference_line(fig, minimum, theme.reference_label("Agreed minimum", minimum), axis="x")
    elif overall_rate is not None:
        theme.reference_line(fig, overall_rate, f"All sources {fmt.pct(overall_rate)}", axis="x")
    fig.update_xaxes(tickformat=".0%", range=[0, 1.55], tickvals=[0, 0.25, 0.5, 0.75, 1.0])
    # every bar named: on a 720p projector Plotly otherwise labels only every other source
    fig.update_yaxes(tickmode="array", tickvals=labels)
    # the legend at the foot of the figure, under the axis's tick labels
    fig.update_layout(bargap=0.3, margin=dict(r=20, b=72 if big else 60),
                      legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
                                  traceorder="normal"))
    return _size(theme.style(fig, title, height=height), big)


def _rate_text(rate, minimum: float | None) -> str:
    """'55%'; with a decimal when rounding would make a rate below the minimum read as meeting it."""
    text = fmt.pct(rate)
    if minimum is not None and pd.notna(rate) and rate < minimum and text == fmt.pct(minimum):
        return fmt.pct(rate, 1)
    return text


def rejection_reasons_chart(reasons: pd.DataFrame, *, height: int = 420, big: bool = False) -> go.Figure:
    """Share of each structured rejection reason among rejected hand-offs (count in the label).

    ``reasons``: reason, label, rejected, share.
    """
    title = "Why sales rejected leads"
    rows = reasons[reasons["rejected"] > 0].sort_values("rejected")
    if rows.empty:
        return _empty(title, "No rejected hand-offs in the period.", height, big)
    fig = go.Figure(go.Bar(
        y=list(rows["label"]), x=rows["share"], orientation="h",
        marker_color=[reason_color(r) for r in rows["reason"]],
        text=[f"{fmt.pct(s)}  ·  {fmt.number(n)}" for s, n in zip(rows["share"], rows["rejected"])],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: <b>%{x:.0%}</b> of rejections<extra></extra>", showlegend=False))
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, float(rows["share"].max()) * 1.45 + 0.02)])
    fig.update_layout(bargap=0.3)
    return _size(theme.style(fig, title, height=height), big)
