"""One visual language: colours that mean the same thing on every page, and a Plotly template
readable on a projector. Pure: builds figures' layout, never calls st.*."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

# Who owns a number.
MARKETING = "#7C3AED"   # violet
SALES = "#0284C7"       # blue
SHARED = "#0F766E"      # teal: jointly owned

# How a number is doing.
GOOD = "#16A34A"
WARN = "#D97706"
BAD = "#DC2626"
PENDING = "#94A3B8"
NEUTRAL = "#475569"
MUTED = "#CBD5E1"

STATUS_COLORS = {"on_track": GOOD, "at_risk": WARN, "off_track": BAD, "pending": PENDING}
SIDE_COLORS = {"marketing": MARKETING, "sales": SALES, "shared": SHARED}
#: Lines for several sales teams or reps on one chart: shades of the sales side, never marketing violet.
SALES_LINES = [SALES, "#7DD3FC", NEUTRAL, "#0369A1", MUTED]

#: Categorical sequence for breakdowns (sources, campaigns...), colour-blind friendly.
SEQUENCE = ["#0284C7", "#7C3AED", "#0F766E", "#D97706", "#DB2777", "#65A30D", "#475569", "#0891B2",
            "#9333EA", "#CA8A04"]

FONT = "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

TEMPLATE_NAME = "alignboard"

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=14, color="#1E293B"),
        title=dict(font=dict(size=17, color="#0F172A"), x=0, xanchor="left", y=0.97),
        colorway=SEQUENCE,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin=dict(l=8, r=8, t=48, b=8),
        xaxis=dict(showgrid=False, automargin=True, linecolor="#CBD5E1", ticks="outside", tickcolor="#CBD5E1",
                   tickfont=dict(size=13), title=dict(font=dict(size=13))),
        yaxis=dict(gridcolor="#E2E8F0", automargin=True, zeroline=False, tickfont=dict(size=13), title=dict(font=dict(size=13))),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=13),
                    bgcolor="rgba(0,0,0,0)"),
        hoverlabel=dict(font=dict(family=FONT, size=13)),
        separators=".,",
    )
)


def style(fig: go.Figure, title: str | None = None, height: int = 340) -> go.Figure:
    """Apply the Alignboard template and a height; returns the same figure.

    A titled chart whose legend sits above the plot (the template's place for it) gets a taller
    top margin, so the legend has its own row under the title: side by side they overlapped
    once a column was narrow (1366 px screens, 1280 px projectors)."""
    fig.update_layout(template=TEMPLATE_NAME, height=height)
    if title:
        fig.update_layout(title_text=title)
        if _legend_on_top(fig) and fig.layout.margin.t is None:
            size = fig.layout.title.font.size or 17
            fig.update_layout(margin_t=48 + 2 * size)
    return fig


def _legend_on_top(fig: go.Figure) -> bool:
    if fig.layout.showlegend is False:
        return False
    if fig.layout.legend.y is not None and fig.layout.legend.y < 0.5:   # the chart put it below
        return False
    shown = [t for t in fig.data if t.showlegend is not False]
    return fig.layout.showlegend is True or len(shown) > 1


#: Trend x-axis labels by bucket size.
TICK_FORMAT = {"day": "%d %b", "week": "%d %b", "month": "%b %Y", "quarter": "Q%q %Y", "year": "%Y"}


def time_axis(buckets, grain: str = "week", *, max_ticks: int = 8, **extra) -> dict:
    """X-axis settings for a trend whose points sit at bucket starts: ticks on the buckets
    themselves (every k-th, at most ``max_ticks``), so weeks are labelled by the Monday they start
    on. Plotly's automatic ticks fall on Sundays, which put side-by-side charts a day apart."""
    stamps = sorted(set(pd.to_datetime(pd.Series(list(buckets))).dropna()))
    axis = dict(type="date", tickformat=TICK_FORMAT.get(grain, "%d %b"), **extra)
    if stamps:
        step = -(-len(stamps) // max_ticks)
        axis["tickvals"] = stamps[::step]
    return axis


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, NEUTRAL)


def kpi_accent_css() -> str:
    """CSS that gives a KPI tile the colour of the side that owns its number: put the tile in
    ``st.container(key="kpi-<marketing|sales|shared>-<name>")`` and emit this once per page."""
    rules = "".join(
        f'div[class*="st-key-kpi-{side}-"] [data-testid="stMetric"] {{ border-top: 4px solid {color}; }}'
        for side, color in SIDE_COLORS.items())
    # Let a tile's caption wrap instead of ending in an ellipsis on narrow screens.
    rules += ('div[class*="st-key-kpi-"] [data-testid="stMetricDeltaDescription"], '
              'div[class*="st-key-kpi-"] [data-testid="stMetricDeltaDescription"] * '
              '{ white-space: normal; overflow: visible; text-overflow: clip; }')
    return f"<style>{rules}</style>"


def side_heading_html(side: str, title: str) -> str:
    """A column heading in the colour of the side that owns the numbers under it."""
    color = SIDE_COLORS.get(side, NEUTRAL)
    return (f'<div style="font-weight:650;font-size:1.05rem;color:{color};margin:0 0 -0.3rem 0;'
            f'letter-spacing:0.01em">{title}</div>')
