"""Chart builders for meeting mode. Each takes a section's frames (components.meeting_content)
and returns a styled Plotly figure; none calls st.*. ``big=True`` sizes type for a projector.
Colours: theme (marketing violet, sales blue, shared teal; good/warn/bad) and the rejection-reason
colours of the feedback pages (components.qualification_charts.REASON_COLORS).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme
from components.qualification_charts import REASON_COLORS


def for_projector(fig: go.Figure) -> go.Figure:
    """Larger type for a figure (ours or another feature's builder's) shown on a projector."""
    return _size(fig, True)


def _size(fig: go.Figure, big: bool) -> go.Figure:
    if big:
        fig.update_layout(font=dict(size=18), title=dict(font=dict(size=22)), legend=dict(font=dict(size=16)))
        if fig.layout.margin.t is not None and fig.layout.legend.y is None:  # theme.style's row for the legend
            fig.update_layout(margin_t=fig.layout.margin.t + 14)
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


def acceptance_by_source_chart(by_source: pd.DataFrame, overall_rate: float | None, *, top: int = 8,
                               height: int = 420, big: bool = False) -> go.Figure:
    """Acceptance rate per source (the sources with most hand-offs), against the overall rate.

    ``by_source``: dim_label, handed_off, accepted, awaiting, acceptance_rate.
    """
    title = "Acceptance rate by source"
    rows = by_source[by_source["handed_off"] > 0].sort_values("handed_off", ascending=False).head(top)
    if rows.empty:
        return _empty(title, "No hand-offs in the period.", height, big)
    rows = rows.iloc[::-1]  # largest at the top of a horizontal chart
    colors = [theme.GOOD if overall_rate is not None and r >= overall_rate else theme.WARN
              for r in rows["acceptance_rate"].fillna(0)]
    text = [f"<b>{fmt.pct(r)}</b>  ·  {fmt.number(n)} handed off"
            for r, n in zip(rows["acceptance_rate"], rows["handed_off"])]
    labels = [str(s) for s in rows["dim_label"]]
    fig = go.Figure(go.Bar(
        y=labels, x=rows["acceptance_rate"], orientation="h", marker_color=colors,
        customdata=[f"{fmt.number(a)} accepted, {fmt.number(w)} awaiting" for a, w in
                    zip(rows["accepted"], rows["awaiting"])],
        hovertemplate="%{y}: <b>%{x:.0%}</b> accepted<br>%{customdata}<extra></extra>", showlegend=False))
    # The numbers in a column right of the 100% mark, where the all-sources line cannot cross them.
    for label, line in zip(labels, text):
        fig.add_annotation(x=1.04, y=label, text=line, showarrow=False, xanchor="left",
                           font=dict(size=16 if big else 13, color=theme.NEUTRAL))
    if overall_rate is not None:
        fig.add_vline(x=overall_rate, line=dict(color=theme.NEUTRAL, width=2, dash="dash"))
        fig.add_annotation(x=overall_rate, y=1.0, yref="paper", text=f"all sources {fmt.pct(overall_rate)}",
                           showarrow=False, xanchor="left", yanchor="bottom", xshift=4,
                           font=dict(size=16 if big else 13, color=theme.NEUTRAL))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.55], tickvals=[0, 0.25, 0.5, 0.75, 1.0])
    fig.update_layout(bargap=0.3, margin=dict(r=20))
    return _size(theme.style(fig, title, height=height), big)


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
        marker_color=[REASON_COLORS.get(r, theme.NEUTRAL) for r in rows["reason"]],
        text=[f"{fmt.pct(s)}  ·  {fmt.number(n)}" for s, n in zip(rows["share"], rows["rejected"])],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: <b>%{x:.0%}</b> of rejections<extra></extra>", showlegend=False))
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, float(rows["share"].max()) * 1.45 + 0.02)])
    fig.update_layout(bargap=0.3)
    return _size(theme.style(fig, title, height=height), big)
