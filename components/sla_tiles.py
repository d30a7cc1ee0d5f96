"""The two-sided SLA's tiles, statuses and notes as plain values, written once: the two-sided SLA
page, the meeting's SLA slide and the meeting export all draw them from :func:`sla_sides`, so a
label, delta, caption or note cannot differ between the page and the slide. Pure: no st.*, no
database.

The input is the SLA's numbers as a JSON-ready mapping (:func:`queries.sla.two_sided_numbers`; a
meeting stores the same mapping, with its charts' frames, when it freezes its numbers). Keys added
to it later are read with a default, so a snapshot frozen before them still draws its slide.
"""

from __future__ import annotations

from dataclasses import dataclass

from components import definitions_text as defs
from components import format as fmt
from components import theme
from components.kpi_tiles import Tile, against
from queries.sla_math import STATUS_LABELS, Pace, rate_status, sales_side_status, volume_pace

SIDES = ("marketing", "sales")
SIDE_TITLES = {"marketing": "Marketing · delivers qualified leads", "sales": "Sales · follows up in time"}


@dataclass(frozen=True)
class Side:
    """One team's half of the agreement: its heading, the status its chip shows (a key of
    queries.sla_math.STATUS_LABELS; None: no chip, nothing agreed to measure against), its tiles
    and the lines of counts under them."""
    key: str
    title: str
    status: str | None
    tiles: list[Tile]
    notes: list[str]

    @property
    def status_label(self) -> str | None:
        return None if self.status is None else STATUS_LABELS[self.status]


def sla_sides(p: dict, *, explain: bool = False) -> dict[str, Side]:
    """Marketing's half (MQLs delivered against the pace, accepted by sales against the minimum) and
    sales' half (contacted in time and decided on time against their targets; the median first touch
    when the mapping holds it, as a meeting's does). ``explain``: each tile's help, the metric's
    definition (the page's ⓘ; a slide has no room for it)."""
    c = p.get("commitment") or {}
    acc, comp, timely = p.get("acceptance") or {}, p.get("compliance") or {}, p.get("timeliness") or {}
    floor, follow, decide = (c.get("min_acceptance_rate"), c.get("follow_up_target_rate"),
                             c.get("decision_target_rate"))
    pace = _pace(p)

    def why(text: str) -> str | None:
        return text if explain else None

    marketing = [
        Tile("mqls_delivered", "MQLs delivered", fmt.number(p.get("mqls") or 0),
             None if pace is None or pace.vs_pace is None else f"{pace.vs_pace * 100:+.0f}% vs pace",
             caption=f"of {fmt.number(c['mql_volume'])} committed" if c.get("mql_volume") else "no commitment",
             side="marketing",
             help=why("Distinct leads that became MQLs in the period. Pace: each commitment spread evenly over its "
                      "days; only the days a commitment covers count.")),
        Tile("mql_acceptance", "Accepted by sales", fmt.pct(acc.get("acceptance_rate")),
             _vs(acc.get("acceptance_rate"), floor, "minimum"), side="marketing",
             caption=f"minimum {fmt.pct(floor)}" if floor is not None else "no agreed minimum",
             help=why(defs.ACCEPTANCE)),
    ]
    sales = [
        Tile("follow_up", "Contacted in time", fmt.pct(comp.get("compliance_rate")),
             _vs(comp.get("compliance_rate"), follow, "target"), side="sales",
             caption=f"target {fmt.pct(follow)}" if follow is not None else "no target",
             help=why(defs.sla_compliance() + " The scoreboard's SLA compliance, and In time on the team "
                      "scorecard.")),
        Tile("decided_on_time", "Decided on time", fmt.pct(timely.get("on_time_rate")),
             _vs(timely.get("on_time_rate"), decide, "target"), side="sales",
             caption=f"target {fmt.pct(decide)}" if decide is not None else "no target",
             help=why("Hand-offs accepted or rejected within the decision window ÷ those whose outcome is known.")),
    ]
    touch = p.get("first_touch")
    if touch is not None:
        sales.append(Tile("median_touch", "Median first touch", fmt.duration(touch.get("median_minutes")),
                          good_when="down", side="sales", caption=_windows_text(p)))

    # hand-offs in the period (a mapping without the count, which no stored one lacks: some, when a rate is known)
    handoffs = acc.get("handed_off", 0 if acc.get("acceptance_rate") is None else 1) or 0
    worst = sales_side_status(handoffs, rate_status(comp.get("compliance_rate"), follow),
                              rate_status(timely.get("on_time_rate"), decide))
    return {
        "marketing": Side("marketing", SIDE_TITLES["marketing"], None if pace is None else pace.status, marketing,
                          _marketing_notes(p, pace, handoffs)),
        "sales": Side("sales", SIDE_TITLES["sales"], worst if c or worst == "none" else None, sales,
                      _sales_notes(p, handoffs)),
    }


def _pace(p: dict) -> Pace | None:
    """MQLs against the commitment over the days commitments cover (``delivery``, as
    queries.sla.delivery measured them); numbers frozen before 2026-11-24 have only the period's
    MQLs and the share of it gone, and before 2026-11-25 not what the covered days commit (the
    volume: the same sum). None without a committed volume."""
    volume = (p.get("commitment") or {}).get("mql_volume")
    if not volume:
        return None
    d = p.get("delivery") or {}
    if d:
        return volume_pace(d.get("delivered") or 0, d.get("committed") or volume, d.get("elapsed_share") or 0.0)
    return volume_pace(p.get("mqls") or 0, volume, p.get("pace") or 0.0)


def _vs(value, target, what: str) -> str | None:
    """'+4.0 pts vs minimum', '-27.6 pts vs target' (st.metric colours by the sign; '±0 pts vs target'
    when it is met exactly)."""
    return against(fmt.change(value, target, "points"), f"vs {what}")


def _marketing_notes(p: dict, pace: Pace | None, handoffs: int) -> list[str]:
    c, acc = p.get("commitment") or {}, p.get("acceptance") or {}
    partly = (c.get("coverage") or 1) < 1
    if pace is None:
        notes = [f"{fmt.pct(p.get('pace') or 0.0)} of the period gone; no MQL commitment covers it"]
    else:
        # a share of a target is an attainment, rounded as on the goals slide (fmt.attainment): 969 of 1,300 MQLs
        # read "75% of the commitment" here and "74%" on the MQL goal with the same target
        notes = [f"{fmt.attainment(pace.delivered / pace.committed)} of the commitment with "
                 f"{fmt.pct(pace.elapsed_share)} of {'its volume due' if partly else 'the period gone'}"
                 + ("" if pace.projected is None else f" · on pace for {fmt.number(pace.projected)}")]
        if partly:
            notes.append(f"Commitments cover {fmt.pct(c['coverage'])} of the period: pace counts the "
                         f"{fmt.number(pace.delivered)} MQLs of those days")
    if handoffs:
        notes.append(f"{fmt.number(acc.get('accepted'))} of {fmt.number(acc.get('handed_off'))} hand-offs accepted, "
                     f"{fmt.number(acc.get('awaiting'))} awaiting a decision")
    else:
        notes.append("None handed to sales yet, so no acceptance rate")
    return notes


def _sales_notes(p: dict, handoffs: int) -> list[str]:
    comp, timely, touch = p.get("compliance") or {}, p.get("timeliness") or {}, p.get("first_touch")
    if not handoffs:   # blank tiles: say why, instead of leaving "—" to be read as "not yet"
        return [f"No lead was handed to sales in {(p.get('period') or {}).get('text', 'the period')}"
                + (" with these filters" if p.get("filtered") else "") + ": nothing to follow up or decide."]
    met, breached = comp.get("met"), comp.get("breached")
    known = None if met is None or breached is None else met + breached
    notes = [f"{fmt.number(met)} of {fmt.number(known)} contacted in time, "
             f"{fmt.number(comp.get('pending'))} still inside their window",
             f"{fmt.number(timely.get('on_time'))} decided on time, {fmt.number(timely.get('late'))} late, "
             f"{fmt.number(timely.get('overdue'))} overdue without a decision"]
    if touch is not None:
        notes.append(f"p90 first touch {fmt.duration(touch.get('p90_minutes'))}")
    return notes


def _windows_text(p: dict) -> str:
    """'SLA windows 30 min – 4 h, business hours' when the policies in force differ (each lead is
    measured against its own); one window when they agree or before policies (frozen numbers without
    the list). Business hours said when the windows count them (not in snapshots frozen before the
    payload kept that)."""
    terms = p.get("sla_window_terms")
    windows = sorted({int(m) for m, _ in terms}) if terms else (p.get("sla_windows") or [p.get("sla_minutes")])
    text = (f"SLA windows {fmt.duration(windows[0])} – {fmt.duration(windows[-1])}" if len(windows) > 1
            else f"SLA window {fmt.duration(windows[0])}")
    business = {bool(b) for _, b in terms or []}
    if business == {True}:
        return f"{text}, business hours"
    return f"{text}, some in business hours" if business == {True, False} else text


def agreement_text(p: dict) -> str | None:
    """The agreement for the period in one Markdown sentence (the page's lead), or None without a
    commitment: what marketing delivers and sales accepts, how many sales contacts and decides on
    time, and where the volume was pro-rated from."""
    c = p.get("commitment")
    if not c:
        return None
    text = f"marketing delivers **{fmt.number(c['mql_volume'])} MQLs**"
    if c.get("min_acceptance_rate") is not None:
        text += f" of which sales accepts at least **{fmt.pct(c['min_acceptance_rate'])}**"
    sales = []
    if c.get("follow_up_target_rate") is not None:
        sales.append(f"contacts **{fmt.pct(c['follow_up_target_rate'])}** within the SLA window")
    if c.get("decision_target_rate") is not None:
        sales.append(f"accepts or rejects **{fmt.pct(c['decision_target_rate'])}** on time")
    text = "**The agreement for this period:** " + text + (("; sales " + " and ".join(sales)) if sales else "") + "."
    coverage = c.get("coverage") or 1
    if c.get("prorated") or coverage < 1:
        text += (f" Volume pro-rated by day from {', '.join(c.get('sources') or ['the commitments'])}"
                 + (f"; commitments cover {fmt.pct(coverage)} of the period" if coverage < 1 else "") + ".")
    return text


def heading_html(s: Side, css_class: str | None = None) -> str:
    """The side's heading in its team's colour, with its status chip: the page's style, or a class
    that styles it (meeting mode's ``mtg-side``)."""
    color = theme.SIDE_COLORS[s.key]
    style = f"color:{color}" if css_class else f"font-weight:650;font-size:1.15rem;margin-bottom:0.3rem;color:{color}"
    chip = "" if s.status is None else (
        f'<span style="background:{theme.status_color(s.status)};color:white;border-radius:10px;padding:1px 9px;'
        f'font-size:0.8rem;font-weight:600;margin-left:8px;white-space:nowrap">{s.status_label}</span>')
    named = f' class="{css_class}"' if css_class else ""
    return f'<div{named} style="{style}">{s.title}{chip}</div>'
