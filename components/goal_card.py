"""Goal cards: the goal's numbers, progress bar, sparkline, owners and latest check-in.

Formatting helpers are pure; ``card`` and ``compact_card`` render with st.* and take what the
page already loaded (evaluated goals, snapshots), so they run no queries of their own except the
cached lookups used to name a scope.
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st

from components import format as fmt
from components import goal_charts, theme
from components.widgets import row_button
from queries import dimensions, settings
from queries.goal_math import CONFIDENCE, STATUSES
from queries.goals import Evaluated, Goal

BADGE_COLORS = {"on_track": "green", "at_risk": "orange", "off_track": "red", "achieved": "green",
                "missed": "red", "too_early": "gray", "no_data": "gray", "not_started": "gray"}


# --------------------------------------------------------------------------- pure formatting


def value_text(value, goal: Goal, currency: str = "USD", *, label: bool = True, estimate: bool = False) -> str:
    """A goal value in the goal's unit: $1.2M, 62%, 45 min, 4 case studies. ``estimate``: a
    projection, so a count is rounded to a whole number (not "1,647.3 MQLs")."""
    if value is None or (isinstance(value, float) and value != value):
        return fmt.DASH
    if goal.unit == "currency":
        return fmt.money(value, currency)
    if goal.unit == "percent":
        return fmt.pct(value, 1 if abs(value * 100 - round(value * 100)) >= 0.05 else 0)
    if goal.unit == "minutes":
        return fmt.duration(value)
    text = fmt.number(value, 0 if estimate or float(value).is_integer() else 1)
    return f"{text} {fmt.unit_label(value, goal.unit_label)}" if label and goal.unit_label else text


def target_text(goal: Goal, currency: str = "USD") -> str:
    prefix = "≤ " if goal.lower_is_better else ""
    return prefix + value_text(goal.target, goal, currency)


def measure_text(goal: Goal) -> str:
    """What the value is: the metric's name, or how the manual goal is measured."""
    if goal.spec is not None:
        return goal.spec.label
    kind = "running total" if goal.cumulative else "level"
    direction = "lower is better" if goal.lower_is_better else "higher is better"
    return f"Manual · {kind}, {direction}"


def scope_text(goal: Goal) -> str:
    """The scope in words ('Team Sales · Webinar, Content'), or '' when the goal is unscoped."""
    s = goal.scope
    if goal.is_manual or s.is_empty:
        return ""
    parts = []
    if s.team_ids:
        teams = dimensions.teams()
        names = dict(zip(teams["id"], teams["name"]))
        parts.append(", ".join(str(names.get(t, t)) for t in s.team_ids))
    if s.sources:
        channels = dimensions.channels()
        labels = dict(zip(channels["code"], channels["label"]))
        parts.append(", ".join(labels.get(c, c) for c in s.sources))
    if s.industries:
        parts.append(", ".join(s.industries))
    if s.countries:
        parts.append(fmt.countries(s.countries))
    if s.tiers:
        parts.append(", ".join(f"Tier {t}" for t in s.tiers))
    return " · ".join(parts)


def owners_html(goal: Goal) -> str:
    """Owner names coloured by side (marketing violet, sales blue)."""
    spans = [f'<span style="color:{theme.SIDE_COLORS[o.side]};font-weight:600">{fmt.md_text(o.name)}</span>'
             f'<span style="color:#64748B"> · {html.escape(o.team_name)}</span>' for o in goal.owners]
    return ", ".join(spans) or "—"


def status_chip_html(status: str) -> str:
    """A large status pill for a page header."""
    color = theme.status_color({"achieved": "on_track", "missed": "off_track"}.get(status, status)
                               if status in ("achieved", "missed", *theme.STATUS_COLORS) else "pending")
    label = html.escape(STATUSES.get(status, status))
    return (f'<span style="display:inline-block;padding:0.25rem 0.9rem;border-radius:999px;font-weight:700;'
            f'font-size:1.05rem;color:{color};background:{color}1A;border:1.5px solid {color}">{label}</span>')


def badge(status: str) -> str:
    """Markdown badge for a status or a confidence."""
    label = STATUSES.get(status) or CONFIDENCE.get(status) or status
    return f":{BADGE_COLORS.get(status, 'gray')}-badge[{label}]"


def progress_line(ev: Evaluated, currency: str) -> str:
    """'62% of target · projected $1.7M · 54% of the period gone'."""
    p, g = ev.progress, ev.goal
    bits = []
    if p.attainment is not None:
        bits.append(f"**{fmt.attainment(min(p.attainment, 9.99))}** of target")
    if p.projected is not None and not p.ended and g.cumulative:
        bits.append(f"projected {value_text(p.projected, g, currency, estimate=True)}")
    if p.data_status == "not_started":
        bits.append(f"starts {g.start:%d %b}")
    elif p.ended:
        bits.append("period ended")
    else:
        bits.append(f"{fmt.pct(p.pace)} of the period gone")
    return " · ".join(bits)


def progress_bar_html(p, height: int = 14) -> str:
    """The card's progress bar as light HTML (a card list would otherwise carry a Plotly chart per
    goal): filled = attainment in the data's status colour and pattern (theme.status_fill_css), black
    line = target, dotted line = even pace today, diamond = projected at the end. Same reading as
    goal_charts.progress_bar_chart."""
    status = {"achieved": "on_track", "missed": "off_track"}.get(p.data_status, p.data_status)
    status = status if status in theme.STATUS_COLORS else "pending"
    color = theme.status_color(status)
    att = p.attainment or 0.0
    proj = p.projected_attainment if p.expected is not None and 0 < p.pace < 1 else None
    top = max(1.0, min(1.5, max(att, proj or 0.0)))

    def x(v: float) -> str:
        return f"{min(max(v, 0.0), top) / top * 100:.2f}%"

    marks = [f'<div style="position:absolute;left:{x(1.0)};top:-3px;bottom:-3px;border-left:2px solid #0F172A"></div>']
    if p.expected is not None and 0 < p.pace < 1:
        marks.append(f'<div style="position:absolute;left:{x(p.pace)};top:-3px;bottom:-3px;'
                     f'border-left:2px dotted {theme.NEUTRAL}"></div>')
    if proj is not None:
        marks.append(f'<div style="position:absolute;left:calc({x(proj)} - 6px);top:50%;width:10px;height:10px;'
                     f'background:#fff;border:2px solid {color};transform:translateY(-50%) rotate(45deg)"></div>')
    title = f"Progress {fmt.attainment(att)}" + (f" · projected {fmt.attainment(proj)}" if proj is not None else "")
    return (f'<div title="{title}" role="img" aria-label="{title}" style="position:relative;height:{height}px;'
            f'background:{theme.MUTED};border-radius:3px;margin:6px 0 10px 0">'
            f'<div style="width:{x(att)};height:100%;{theme.status_fill_css(status)}border-radius:3px 0 0 3px"></div>'
            + "".join(marks) + "</div>")


def status_caption(ev: Evaluated) -> str | None:
    """When the owners' confidence overrides the data, say what the data says."""
    p = ev.progress
    if p.overridden:
        return f"Owners' call at the last check-in; the data says {STATUSES[p.data_status].lower()}."
    return None


def excerpt(text: str, limit: int = 170) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --------------------------------------------------------------------------- renderers


def _plot(fig, key: str) -> None:
    st.plotly_chart(fig, config=goal_charts.STATIC, key=key, width="stretch")


def goal_series(snaps: pd.DataFrame, goal_id: int) -> pd.DataFrame:
    return snaps[snaps["goal_id"] == goal_id] if not snaps.empty else snaps


def card(ev: Evaluated, snaps: pd.DataFrame, *, currency: str, today: date, key: str, on_open=None,
         key_results: list[Evaluated] | None = None) -> None:
    """The full goal card used on the goals list."""
    g, p = ev.goal, ev.progress
    with st.container(border=True, key=f"goalcard_{key}"):
        head, badge_col = st.columns([5, 2], vertical_alignment="top")
        with head:
            st.markdown(f"#### {fmt.md_text(g.title)}")
            if g.parent_title:
                st.caption(f"Key result of **{fmt.md_text(g.parent_title)}**")
        with badge_col:   # an archived goal has no live status (the list counts it apart too)
            st.markdown(":gray-badge[Archived]" if g.archived else badge(p.status))
        caption = status_caption(ev)
        meta = [g.describe_period(), measure_text(g)]
        scope = scope_text(g)
        if scope:
            meta.append(scope)
        if g.archived:
            meta.append(f"archived {fmt.local_date(g.archived_at, settings.company_timezone())}")
        st.caption(" · ".join(meta))
        st.markdown(f"<div style='font-size:0.92rem'>{owners_html(g)}</div>", unsafe_allow_html=True)

        numbers, spark = st.columns([3, 2], vertical_alignment="center")
        with numbers:
            st.markdown(f"<span style='font-size:1.7rem;font-weight:700'>"
                        f"{value_text(p.value, g, currency, label=False)}</span>"
                        f"<span style='color:#475569;font-size:1.05rem'> of {target_text(g, currency)}</span>",
                        unsafe_allow_html=True)
            st.markdown(progress_line(ev, currency))
        with spark:
            series = goal_series(snaps, g.id)
            if not series.dropna(subset=["value"]).empty or p.value is not None:
                _plot(goal_charts.sparkline_chart(series, unit=g.unit, target=g.target, today=today,
                                                  today_value=p.value if not p.ended else None,
                                                  currency=currency), f"spark_{key}")
        st.markdown(progress_bar_html(p), unsafe_allow_html=True)
        if caption:
            st.caption(caption)
        if key_results:
            for kr in key_results:
                kr_line(kr, currency)
        last = g.last_checkin
        if last is not None:
            needs = (f"  \n**Needs:** {fmt.md_text(excerpt(last.needs, 120))}" if last.needs else "") \
                + (f"  \n**Blocked by:** {fmt.md_text(excerpt(last.blockers, 120))}" if last.blockers else "")
            st.markdown(f"{badge(last.confidence)} **{fmt.md_text(last.author)}**, {fmt.ago(last.created_at, settings.company_timezone())}: "
                        f"{fmt.md_text(excerpt(last.narrative))}{needs}")
        else:
            st.caption("No check-in yet.")
        if on_open is not None:
            row_button(st, "Open goal", about=g.title, key=f"open_{key}", on_click=on_open, args=(g.id,),
                       icon=":material/open_in_full:", type="tertiary")


def kr_line(ev: Evaluated, currency: str) -> None:
    """One key result as a line inside its objective's card."""
    g, p = ev.goal, ev.progress
    att = fmt.attainment(min(p.attainment, 9.99)) if p.attainment is not None else fmt.DASH
    st.markdown(f"{badge(p.status)} &nbsp;{fmt.md_text(g.title)} — **{value_text(p.value, g, currency)}** of "
                f"{target_text(g, currency)} ({att})")


def compact_card(ev: Evaluated, *, currency: str, key: str, link: str | None = None,
                 show_period: bool = False, attention: str | None = None) -> None:
    """The small card on the scoreboard's goals panel: title, status, value against target and the
    progress bar. With ``link`` (the goals page's path) the title is the link to the goal (its
    tooltip the progress sentence; it wraps, components.shell's CSS), so the card needs no row of
    its own for an "Open goal" link.
    ``show_period``: name the goal's own period (when it is not the period the page shows, e.g.
    a quarter's goal in a year view). ``attention``: a line about key results that need it
    (goals_panel.panel_cards), shown in the off-track colour."""
    g, p = ev.goal, ev.progress
    with st.container(border=True, key=f"goalmini_{key}", gap="xsmall"):
        if link is not None:
            st.page_link(link, label=f"**{fmt.md_text(g.title)}**", query_params={"goal": str(g.id)},
                         help=progress_line(ev, currency).replace("**", ""))
        else:
            st.markdown(f"**{fmt.md_text(g.title)}**")
        call = " · owners' call" if p.overridden else ""
        when = (f"<br><span style='color:#475569;font-size:0.8rem'>{html.escape(g.describe_period())}</span>"
                if show_period else "")
        st.markdown(f"{badge(p.status)}<span style='color:#475569;font-size:0.8rem'>{call}</span> &nbsp;"
                    f"<span style='font-size:1.1rem;font-weight:700'>"
                    f"{value_text(p.value, g, currency, label=False)}</span>"
                    f"<span style='color:#475569'> of {target_text(g, currency)}</span>{when}",
                    unsafe_allow_html=True)
        st.markdown(progress_bar_html(p, height=8), unsafe_allow_html=True)
        if attention:
            st.markdown(f":red[:material/warning: {attention}]")
