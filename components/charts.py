"""Chart builders for the scoreboard. Each takes DataFrames from ``queries.scoreboard`` and returns
a styled ``plotly.graph_objects.Figure``; none calls st.*. Colours come from ``components.theme``:
marketing violet, sales blue, shared teal; good green, warn amber, bad red.

Figures are built in one pass (trace dicts and one layout dict): Plotly validates every
``add_*``/``update_*`` call separately, which made incremental building the slowest part of a
cached scoreboard render.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import sla_charts, theme

_BUCKET_WORD = {"day": "", "week": "Week of ", "month": "", "quarter": "", "year": ""}
_HOVER_DATE = {"day": "%a %d %b %Y", "week": "%d %b %Y", "month": "%B %Y", "quarter": "Q%q %Y", "year": "%Y"}
_BUCKET_NAME = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
_PANEL_TITLE = dict(size=13, color=theme.NEUTRAL)


def _bucket_text(bucket, grain: str) -> str:
    stamp = pd.Timestamp(bucket)
    if grain == "quarter":
        return f"Q{stamp.quarter} {stamp.year}"
    return _BUCKET_WORD.get(grain, "") + stamp.strftime(_HOVER_DATE.get(grain, "%d %b %Y"))


def _currency_prefix(currency: str) -> str:
    """The symbol fmt.money puts before amounts ("$", "€", "CHF ")."""
    return fmt.money(0, currency).removesuffix("0")


def _time_axis(grain: str, buckets: pd.Series, **extra) -> dict:
    return theme.time_axis(buckets, grain, max_ticks=16 if grain in ("quarter", "year") else 8, **extra)


def _figure(data: list[dict], layout: dict, title: str, height: int) -> go.Figure:
    return theme.style(go.Figure(data=data, layout=layout), title, height=height)


# --------------------------------------------------------------------------- revenue & pipeline


def revenue_pipeline_chart(money: pd.DataFrame, grain: str, currency: str = "USD", *, height: int = 400) -> go.Figure:
    """Two panels on one time axis, each with its own scale: revenue won (top) and pipeline
    created (bottom), both split into marketing-sourced (violet) and other sources (blue).

    ``money``: bucket, revenue, marketing_sourced_revenue, pipeline_created, marketing_sourced_pipeline.
    """
    frame = money.sort_values("bucket")
    when = [_bucket_text(b, grain) for b in frame["bucket"]]
    x = list(frame["bucket"])
    data = []
    panels = (("y", "revenue", "marketing_sourced_revenue", "won"),
              ("y2", "pipeline_created", "marketing_sourced_pipeline", "created"))
    for axis, total_col, marketing_col, verb in panels:
        total = frame[total_col]
        totals = [fmt.money(v, currency) for v in total]
        for name, values, color in (("Marketing-sourced", frame[marketing_col], theme.MARKETING),
                                    ("Other sources", total - frame[marketing_col], theme.SALES)):
            data.append(dict(
                type="bar", x=x, y=list(values), name=name, marker=dict(color=color), legendgroup=name,
                width=theme.bar_width(grain),
                showlegend=axis == "y", xaxis="x", yaxis=axis,
                customdata=[[w, fmt.money(v, currency), t] for w, v, t in zip(when, values, totals)],
                hovertemplate="%{customdata[0]}<br>" + name + ": <b>%{customdata[1]}</b><br>of %{customdata[2]} "
                              + verb + "<extra></extra>"))
    def money_axis(values: pd.Series) -> dict:   # a panel's stacked totals; ticks written alike
        return theme.money_ticks(values.fillna(0).max(), _currency_prefix(currency))

    layout = dict(
        barmode="stack", bargap=0.25, hovermode="closest",
        xaxis=_time_axis(grain, frame["bucket"], anchor="y2"),
        # each panel's title sits in the plot area, over its panel: above the top panel it met the
        # legend's row (theme.style puts the legend between the chart's title and the plot)
        yaxis=dict(domain=[0.55, 0.89], **money_axis(frame["revenue"])),
        yaxis2=dict(domain=[0.0, 0.4], **money_axis(frame["pipeline_created"])),
        annotations=[dict(text=text, x=0, xref="paper", xanchor="left", y=y, yref="paper", yanchor="bottom",
                          showarrow=False, font=_PANEL_TITLE)
                     for text, y in (("Revenue won", 0.9), ("Pipeline created", 0.41))]
        + [dict(text=text, x=0.5, xref="paper", y=y, yref="paper", showarrow=False, font=dict(color=theme.NEUTRAL))
           for text, y, col in (("No revenue won in the period", 0.72, "revenue"),
                                ("No pipeline created in the period", 0.2, "pipeline_created"))
           if not (frame[col].fillna(0) > 0).any()],
    )
    return _figure(data, layout, "Revenue and pipeline, by source", height)


# --------------------------------------------------------------------------- acceptance by source


#: A rate in a bucket with fewer hand-offs than this is noise (one lead swings it 10+ points): the
#: point is left out of its line, a source's and the all-sources one alike (a quarter's partial first
#: week, 1–3 Oct, read 100% under the note "weeks with 10+ hand-offs").
MIN_COHORT = 10


def acceptance_trend_chart(by_source: pd.DataFrame, overall: pd.DataFrame, grain: str, *,
                           height: int = 400, min_cohort: int = MIN_COHORT) -> go.Figure:
    """Lead acceptance rate per bucket: one line per source plus the overall rate (thick, dark).

    ``by_source``: bucket, dim_label, handed_off, accepted, awaiting, acceptance_rate.
    ``overall``: bucket, handed_off, accepted, awaiting, acceptance_rate.
    Recent buckets still have hand-offs awaiting a decision; the hover says how many.
    """
    data = []
    by_source = _reliable_rates(by_source, min_cohort)
    labels = (by_source.groupby("dim_label", sort=False)["handed_off"].sum().sort_values(ascending=False).index
              if not by_source.empty else [])
    # one source (the source filter set to it): its line is the all-sources line, drawn once and
    # named after it (two identical lines hid the source's under "All sources")
    alone = (str(labels[0]) if len(labels) == 1 and labels[0] != "Other sources"
             and by_source["handed_off"].sum() == overall["handed_off"].sum() else None)
    # a source with no bucket of min_cohort+ hand-offs has no point: left out of the legend too (a
    # one-day period listed five sources beside an empty plot), and counted in the legend's title
    drawn = [label for label in labels if by_source.loc[by_source["dim_label"] == label, "acceptance_rate"].notna().any()
             and alone is None]
    for label in drawn:
        rows = by_source[by_source["dim_label"] == label].sort_values("bucket")
        other = label == "Other sources"
        code = rows["dim_key"].iloc[0] if "dim_key" in rows else None
        # each source in its own colour and marker on every chart (theme.SOURCE_COLORS), whatever
        # its rank in this period; the lumped rest muted and dotted
        color = theme.MUTED if other else theme.source_color(code, str(label))
        data.append(dict(
            type="scatter", x=list(rows["bucket"]), y=list(rows["acceptance_rate"]), name=theme.plain(label),
            mode="lines+markers",
            marker=dict(size=5 if other else 7, symbol="circle" if other else theme.source_symbol(code, str(label))),
            line=dict(color=color, width=2, dash="dot" if other else "solid"),
            customdata=_acceptance_hover(rows, grain), hovertemplate="%{customdata}<extra>%{fullData.name}</extra>"))
    rows = _reliable_rates(overall.sort_values("bucket"), min_cohort)
    name = alone or "All sources"
    # the one source in its own colour, as on every chart (theme.SOURCE_COLORS)
    color = theme.source_color(by_source["dim_key"].iloc[0] if "dim_key" in by_source else None, alone) \
        if alone else theme.NEUTRAL
    bucket = _BUCKET_NAME.get(grain, "bucket")
    settled, open_ = split_unsettled(rows)
    data.append(dict(
        type="scatter", x=list(settled["bucket"]), y=list(settled["acceptance_rate"]), name=theme.plain(name),
        mode="lines+markers", line=dict(color=color, width=4), marker=dict(size=8), connectgaps=False,
        customdata=_acceptance_hover(settled, grain), hovertemplate="%{customdata}<extra>%{fullData.name}</extra>"))
    if not open_.empty:
        # the latest buckets, still waiting for many decisions: the rate can only rise as leads are
        # accepted, so it is drawn as provisional instead of as a plunge
        joined = pd.concat([settled.tail(1), open_])
        data.append(dict(
            type="scatter", x=list(joined["bucket"]), y=list(joined["acceptance_rate"]),
            name=theme.plain(f"{name}, decisions still coming"), mode="lines+markers",
            line=dict(color=color, width=3, dash="dot"),
            marker=dict(size=9, symbol="circle-open", line=dict(width=2)),
            customdata=_acceptance_hover(joined, grain),
            hovertemplate="%{customdata}<extra>" + theme.plain(name) + "</extra>"))
    title = (f"{theme.plain(alone)}: {bucket}s with {min_cohort}+ hand-offs " if alone
             else _sources_title(len(labels), len(drawn), bucket, min_cohort))
    layout = dict(
        # shown with one line too, when its title says why no source is drawn (Plotly hides a lone trace's)
        hovermode="closest", yaxis=dict(tickformat=".0%", range=[0, 1.04]), showlegend=True,
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0, font=dict(size=12),
                    title=dict(text=title, font=dict(size=12, color=theme.NEUTRAL))))
    if not rows.empty:
        layout["xaxis"] = _time_axis(grain, rows["bucket"])
    if rows["acceptance_rate"].isna().all():   # every bucket too thin for a rate: said on the plot, no legend
        layout.update(showlegend=False, annotations=[dict(
            text=f"No {bucket} had {min_cohort}+ hand-offs: too few for a rate", x=0.5, xref="paper", y=0.5,
            yref="paper", showarrow=False, font=dict(color=theme.NEUTRAL))])
    return _figure(data, layout, "Lead acceptance rate, " + theme.plain(alone) if alone
                   else "Lead acceptance rate by source", height)


def _reliable_rates(rows: pd.DataFrame, min_cohort: int) -> pd.DataFrame:
    """``rows`` with the rate of each bucket under ``min_cohort`` hand-offs left out (not drawn)."""
    return rows.assign(acceptance_rate=rows["acceptance_rate"].where(rows["handed_off"] >= min_cohort))


def _sources_title(sources: int, drawn: int, bucket: str, min_cohort: int) -> str:
    """The acceptance legend's title: which points are drawn, and how many sources have none."""
    if sources and not drawn:
        return f"No source had {min_cohort}+ hand-offs in a {bucket}, so none is drawn "
    rest = sources - drawn
    return (f"Sources: {bucket}s with {min_cohort}+ hand-offs"
            + (f"; {rest} more {'source has' if rest == 1 else 'sources have'} none " if rest else " "))


#: A bucket whose hand-offs are still this share (or more) awaiting a decision is provisional.
UNSETTLED_SHARE = 0.1


def split_unsettled(rows: pd.DataFrame, share: float = UNSETTLED_SHARE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(settled, unsettled): the trailing buckets (sorted by bucket) in which at least ``share`` of
    the hand-offs still await a decision, apart from the ones before them. Only trailing ones: an
    old bucket with stragglers is what it is."""
    n = len(rows)
    awaiting = (rows["awaiting"] / rows["handed_off"].where(rows["handed_off"] > 0)).fillna(0).to_numpy()
    cut = n
    while cut > 0 and awaiting[cut - 1] >= share:
        cut -= 1
    return rows.iloc[:cut], rows.iloc[cut:]


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


def _band_edge(minutes: float) -> str:
    """5 → '5m', 60 → '1h', 1440 → '24h': hours past a day too. Where the lead's SLA policy counts
    business hours, 1,440 minutes are 24 business hours (about three working days): '1d' read as a
    calendar day."""
    return f"{minutes:g}m" if minutes < 60 else f"{minutes / 60:g}h"


def band_label(lower: float, upper: float) -> str:
    """'< 5m', '5–15m', '30m–1h', '1–2h', '8–24h', '72h+': the unit is written once when both edges share it."""
    if lower == 0:
        return f"< {_band_edge(upper)}"
    if math.isinf(upper):
        return f"{_band_edge(lower)}+"
    lo, up = _band_edge(lower), _band_edge(upper)
    if lo[-1] == up[-1]:
        lo = lo[:-1]
    return f"{lo}–{up}"


#: The time-to-first-touch axis: its minutes are business minutes where the hand-off's SLA policy
#: counts business hours (handoff.minutes_to_first_touch; docs/metrics.md), clock minutes elsewhere.
#: Short enough for a half-width chart at 1280 px (the chart's title names the measure).
TOUCH_AXIS_TITLE = "Business hours where the lead's SLA policy counts them"


def first_touch_chart(distribution: pd.DataFrame, *, height: int = 400) -> go.Figure:
    """Hand-offs per time-to-first-touch band, each bar split by whether those hand-offs met their
    own SLA (leads have different windows: 30 business minutes for a strategic account, 4 hours
    for most), so one band can hold both; untouched hand-offs last, past their deadline or not yet.
    Colours and fill patterns as on the SLA pages.

    ``distribution``: band, lower_minutes, upper_minutes, handoffs, in_time, past_deadline
    (band −1 = untouched; see metrics.first_touch_distribution).
    """
    rows = distribution.sort_values("band")
    touched = rows[rows["band"] >= 0]
    untouched = rows[rows["band"] < 0]
    labels = [band_label(lo, up) for lo, up in zip(touched["lower_minutes"], touched["upper_minutes"])]
    met = [int(v) for v in touched["in_time"]]
    late = [int(n - m) for n, m in zip(touched["handoffs"], touched["in_time"])]
    past = pending = 0
    if not untouched.empty:
        labels.append("Untouched")
        past = int(untouched["past_deadline"].sum())
        pending = int(untouched["handoffs"].sum()) - past
    total = sum(met) + sum(late) + past + pending
    n = len(touched)
    series = (("met", met + [0] * (len(labels) - n)), ("late", late + [0] * (len(labels) - n)),
              ("breach", [0] * n + ([past] if len(labels) > n else [])),
              ("pending", [0] * n + ([pending] if len(labels) > n else [])))
    data = []
    for kind, counts in series:
        if not any(counts):
            continue
        data.append(dict(
            type="bar", x=labels, y=counts, name=sla_charts.KIND_NAMES[kind],
            marker=theme.status_marker(sla_charts.KIND_STATUS[kind]),
            customdata=[f"{fmt.number(c)} hand-offs ({fmt.pct(c / total if total else None)} of all)" for c in counts],
            hovertemplate="First touch %{x}<br>" + sla_charts.KIND_NAMES[kind] + ": %{customdata}<extra></extra>"))
    heights = [a + b + c + d for a, b, c, d in zip(*(c for _, c in series))]
    layout = dict(
        barmode="stack", bargap=0.15,
        # four entries: below the bands (on top they wrapped into the title in a half-width column)
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0, traceorder="normal"),
        xaxis=dict(type="category", tickfont=dict(size=12),
                   title=dict(text=TOUCH_AXIS_TITLE, font=dict(size=12, color=theme.NEUTRAL))),
        # room above the tallest bar for its share label
        yaxis=dict(title=dict(text="Hand-offs"), **{**theme.count_axis(max(heights or [0])),
                                                     "range": [0, (max(heights or [0]) * 1.22) or 1]}),
        annotations=[dict(x=x, y=h, text=fmt.pct(h / total), showarrow=False, yanchor="bottom",
                          font=dict(size=12, color=theme.NEUTRAL)) for x, h in zip(labels, heights) if h and total])
    return _figure(data, layout, "Time to first touch, and whether each hand-off met its SLA", height)


# --------------------------------------------------------------------------- funnel

STAGE_LABELS = {"MQL": "MQL", "SAL": "Accepted (SAL)", "SQL": "Opportunity (SQL)", "Won": "Won"}
STAGE_COLORS = {"MQL": theme.MARKETING, "SAL": theme.SHARED, "SQL": theme.SALES, "Won": theme.SALES}


#: The funnel's x range as a multiple of its longest bar.
FUNNEL_RANGE = 3.0


def funnel_chart(funnel: pd.DataFrame, *, height: int = 400) -> go.Figure:
    """MQL → Won as left-aligned bars, each labelled with its count, its step conversion (from the
    previous stage) and its cumulative conversion as the metric defines it: reached ÷ leads that
    entered the funnel (created in the period); the hover adds the share of MQLs.
    ``funnel``: stage, reached, step_rate, cumulative_rate, of_mql (see calc.funnel_from_mql)."""
    rows = funnel.reset_index(drop=True)
    text, hover = [], []
    for i, r in rows.iterrows():
        cumulative = fmt.pct(r.cumulative_rate, 1 if (r.cumulative_rate or 0) < 0.1 else 0)
        # on two lines, the longest "5.4% of leads created": on one line it ran off a half-width
        # chart on a 1280 px screen
        if i == 0:
            text.append(f"<b>{fmt.number(r.reached)}</b><br>{cumulative} of leads created")
            hover.append(text[-1])
        else:
            text.append(f"<b>{fmt.number(r.reached)}</b> · {fmt.pct(r.step_rate)} step<br>{cumulative} of leads created")
            hover.append(text[-1] + f"<br>{fmt.pct(r.of_mql, 1 if (r.of_mql or 0) < 0.1 else 0)} of MQLs")
    top = float(rows["reached"].max()) if not rows.empty else 1.0
    data = [dict(
        type="bar", orientation="h", y=[STAGE_LABELS.get(s, s) for s in rows["stage"]], x=list(rows["reached"]),
        text=text, textposition="outside", cliponaxis=False, textfont=dict(size=13, color="#1E293B"),
        marker=dict(color=[STAGE_COLORS.get(s, theme.NEUTRAL) for s in rows["stage"]]), showlegend=False,
        customdata=hover, hovertemplate="%{y}<br>%{customdata}<extra></extra>")]
    layout = dict(
        bargap=0.3,
        yaxis=dict(autorange="reversed", tickfont=dict(size=14), showgrid=False),
        # the longest bar takes a third of the width, its label the room beside it
        xaxis=dict(range=[0, (top or 1.0) * FUNNEL_RANGE], showticklabels=False, showgrid=False, showline=False, ticks=""))
    return _figure(data, layout, "Funnel: leads created in the period, MQL to won", height)
