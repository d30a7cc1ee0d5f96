"""Goal chart builders: progress bar, sparkline and history. They take values and return Plotly
figures styled with the Alignboard theme; they never call st.*."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import theme
from queries.goal_math import Progress

#: Plotly config for the small charts on cards: no toolbar, no zoom.
STATIC = {"displayModeBar": False, "staticPlot": False, "scrollZoom": False}


def _prefix(currency: str) -> str:
    """The symbol fmt.money puts before amounts of the company currency ("$", "€", "CHF ")."""
    return fmt.money(0, currency).removesuffix("0")


def _axis_format(unit: str, big: bool = False, currency: str = "USD") -> dict:
    if unit == "percent":
        return {"tickformat": ".0%"}
    if unit == "currency":
        return {"tickprefix": _prefix(currency), **theme.MONEY_TICKS}
    if unit == "minutes":
        return {"ticksuffix": " min", "tickformat": ",.0f"}
    if unit == "hours":
        return {"ticksuffix": " h", "tickformat": ",.1~f"}
    # counts: "1,500", "3.86M" (",~g" wrote 3,860,000 as "1e+6, 2e+6"); small and fractional
    # ones as they are (SI prefixes would write 0.5 as "500m")
    return {"tickformat": ",.3~s" if big else ",~g"}


def _hover(unit: str, currency: str = "USD") -> str:
    return {"percent": "%{y:.1%}", "currency": _prefix(currency) + "%{y:,.0f}", "minutes": "%{y:,.0f} min",
            "hours": "%{y:,.1f} h"}.get(unit, "%{y:,.2~f}")   # 3,860,000, not 3.86e+6


def _scale(unit: str, values: list, target: float) -> tuple[str, float]:
    """Durations read in hours once they pass two hours (as components.format.duration does)."""
    if unit == "minutes" and max([v for v in values if v is not None] + [target]) >= 120:
        return "hours", 60.0
    return unit, 1.0


def filled_later(snapshots: pd.DataFrame, tz: str | None, created: date | None = None) -> pd.Series:
    """Which snapshots were back-filled rather than recorded once their day had ended: the days
    before the goal was ``created`` (a local date; computed at its creation) and days computed
    later than the day after them, in the company time zone ``tz`` (days nobody looked at, filled at
    the next look). All False without ``computed_at`` or ``tz``."""
    if tz is None or "computed_at" not in snapshots.columns or snapshots.empty:
        return pd.Series(False, index=snapshots.index)
    computed = pd.to_datetime(snapshots["computed_at"], utc=True).dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    day = pd.to_datetime(snapshots["snapshot_date"]).dt.normalize()
    late = computed > day + pd.Timedelta(days=1)
    if created is not None:
        late |= day < pd.Timestamp(created)
    return late.fillna(False).astype(bool)


def progress_bar_chart(progress: Progress, *, height: int = 46) -> go.Figure:
    """A horizontal bar of attainment (100% = target met) in its status's colour and pattern, with
    the even-pace marker (accumulating goals) and the projected end (diamond)."""
    status = {"achieved": "on_track", "missed": "off_track"}.get(progress.data_status, progress.data_status)
    status = status if status in theme.STATUS_COLORS else "pending"
    color = theme.status_color(status)
    att = progress.attainment or 0.0
    proj = progress.projected_attainment
    top = max(1.0, min(1.5, max(att, proj or 0.0)))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[top], y=[""], orientation="h", marker=dict(color=theme.MUTED), hoverinfo="skip",
                         width=0.6, showlegend=False))
    fig.add_trace(go.Bar(x=[min(att, top)], y=[""], orientation="h", marker=theme.status_marker(status), width=0.6,
                         showlegend=False, hovertemplate=f"Progress {fmt.attainment(att)}<extra></extra>"))
    fig.add_shape(type="line", x0=1.0, x1=1.0, y0=-0.45, y1=0.45, line=dict(color="#0F172A", width=2))
    if progress.expected is not None and 0 < progress.pace < 1:
        fig.add_shape(type="line", x0=progress.pace, x1=progress.pace, y0=-0.45, y1=0.45,
                      line=dict(color=theme.NEUTRAL, width=2, dash="dot"))
    if proj is not None and progress.expected is not None and 0 < progress.pace < 1:
        fig.add_trace(go.Scatter(x=[min(proj, top)], y=[""], mode="markers", showlegend=False,
                                 marker=dict(symbol="diamond", size=11, color="white",
                                             line=dict(color=color, width=2)),
                                 hovertemplate=f"Projected {fmt.attainment(proj)} of target<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0, margin=dict(l=0, r=0, t=0, b=0), height=height,
                      xaxis=dict(range=[0, top * 1.01], visible=False, fixedrange=True),
                      yaxis=dict(visible=False, fixedrange=True), showlegend=False)
    theme.style(fig, height=height)
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=0))
    return fig


def sparkline_chart(snapshots: pd.DataFrame, *, unit: str, target: float, today: date | None = None,
                    today_value: float | None = None, height: int = 70, color: str = theme.SHARED,
                    currency: str = "USD") -> go.Figure:
    """The goal's daily snapshots (and today's live value, hollow) with the target as a dotted line;
    money in ``currency`` (the company's, as the card beside it)."""
    frame = snapshots.dropna(subset=["value"]).sort_values("snapshot_date")
    fig = go.Figure()
    x = list(pd.to_datetime(frame["snapshot_date"]))
    y = list(frame["value"])
    if today is not None and today_value is not None:
        x.append(pd.Timestamp(today))
        y.append(today_value)
    unit, div = _scale(unit, y, target)
    y, target = [v / div for v in y], target / div
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color, width=2), fill="tozeroy",
                             fillcolor=theme.tint(color, 0.08), hovertemplate=f"%{{x|%d %b}}: {_hover(unit, currency)}"
                             "<extra></extra>", showlegend=False))
    if x:
        fig.add_trace(go.Scatter(x=[x[-1]], y=[y[-1]], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(size=6, color="white", line=dict(color=color, width=2))))
    fig.add_hline(y=target, line=dict(color=theme.NEUTRAL, width=1, dash="dot"))
    lo = min([0.0] + y) if unit != "percent" else 0.0
    hi = max(y + [target]) * 1.08 if y else target * 1.08
    theme.style(fig, height=height)
    fig.update_layout(margin=dict(l=0, r=0, t=2, b=0), showlegend=False,
                      xaxis=dict(visible=False, fixedrange=True),
                      yaxis=dict(visible=False, fixedrange=True, range=[lo, hi or 1]))
    return fig


def history_chart(snapshots: pd.DataFrame, *, unit: str, target: float, start: date, end: date,
                  cumulative: bool, lower_is_better: bool, today: date, today_value: float | None,
                  projected: float | None, height: int = 340, title: str | None = None,
                  currency: str = "USD", tz: str | None = None, created: date | None = None) -> go.Figure:
    """The goal over its period: daily values — recorded once the day ended (solid), or computed
    later (dotted, :func:`filled_later` in ``tz``: the days before the goal was ``created``, days
    nobody looked at) — today's live value, the target, the even pace to it (accumulating goals) and the
    projection to the period end; money in ``currency``."""
    frame = snapshots.dropna(subset=["value"]).sort_values("snapshot_date")
    late = filled_later(frame, tz, created).tolist()
    x = list(pd.to_datetime(frame["snapshot_date"]))
    unit, div = _scale(unit, list(frame["value"]) + [today_value, projected], target)
    y = [v / div for v in frame["value"]]
    target = target / div
    today_value = None if today_value is None else today_value / div
    projected = None if projected is None else projected / div
    fig = go.Figure()
    if cumulative and not lower_is_better:
        fig.add_trace(go.Scatter(x=[pd.Timestamp(start), pd.Timestamp(end)], y=[0, target], mode="lines",
                                 name="Even pace to target", line=dict(color=theme.MUTED, width=2, dash="dot"),
                                 hovertemplate=f"Even pace: {_hover(unit, currency)}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[pd.Timestamp(start), pd.Timestamp(end)], y=[target, target], mode="lines",
                             name="Target" + (" (at most)" if lower_is_better else ""),
                             line=dict(color=theme.NEUTRAL, width=1.5, dash="dash"),
                             hovertemplate=f"Target: {_hover(unit, currency)}<extra></extra>"))
    if any(late):
        # the back-filled days apart, dotted, each saying when it was computed; a day between runs is
        # None, so the dotted and the solid line do not join across days of the other kind
        computed = pd.to_datetime(frame["computed_at"], utc=True).dt.tz_convert(tz)
        fig.add_trace(go.Scatter(x=x, y=[v if f else None for v, f in zip(y, late)], mode="lines+markers",
                                 name="Back-filled", line=dict(color=theme.SHARED, width=2, dash="dot"),
                                 marker=dict(size=5, color="white", line=dict(color=theme.SHARED, width=1.5)),
                                 customdata=[f"{c:%d %b}" for c in computed],
                                 hovertemplate=f"%{{x|%d %b}}: {_hover(unit, currency)} (computed %{{customdata}})"
                                               "<extra></extra>"))
    recorded = [v if not f else None for v, f in zip(y, late)]
    if not late or not all(late):
        fig.add_trace(go.Scatter(x=x, y=recorded, mode="lines+markers" if len(x) < 20 else "lines",
                                 name="Recorded daily", line=dict(color=theme.SHARED, width=3), marker=dict(size=5),
                                 hovertemplate=f"%{{x|%d %b}}: {_hover(unit, currency)}<extra></extra>"))
    if today_value is not None and start <= today <= end:
        fig.add_trace(go.Scatter(x=[pd.Timestamp(today)], y=[today_value], mode="markers", name="Now (live)",
                                 marker=dict(size=11, color="white", line=dict(color=theme.SHARED, width=3)),
                                 hovertemplate=f"Now: {_hover(unit, currency)}<extra></extra>"))
        if projected is not None and today < end:
            fig.add_trace(go.Scatter(x=[pd.Timestamp(today), pd.Timestamp(end)], y=[today_value, projected],
                                     mode="lines+markers", name="Projected",
                                     line=dict(color=theme.SHARED, width=2, dash="dash"),
                                     marker=dict(size=[0, 9], symbol="diamond"),
                                     hovertemplate=f"Projected: {_hover(unit, currency)}<extra></extra>"))
    theme.style(fig, title, height=height)   # titled: the legend gets its own row under the title
    fig.update_layout(hovermode="x unified" if len(x) > 1 else "closest",
                      xaxis=dict(range=[pd.Timestamp(start) - timedelta(days=1), pd.Timestamp(end) + timedelta(days=1)]),
                      yaxis=dict(rangemode="tozero", **_axis_format(
                          unit, big=max([abs(v) for v in y + [target, today_value, projected] if v is not None]) >= 10_000,
                          currency=currency)),
                      margin=dict(l=8, r=8, b=8, t=fig.layout.margin.t if title else 36))
    return fig
