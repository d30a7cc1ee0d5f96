"""The scoreboard's nine KPI tiles as plain values, written once: the scoreboard page, the meeting's
scoreboard slide and the meeting export all draw them from :func:`scoreboard_tiles`, so a label,
format or caption cannot differ between the page and the slide. Pure: no st.*, no database.

The input is the scoreboard's numbers as a JSON-ready mapping (:func:`queries.scoreboard.numbers`;
a meeting stores the same mapping when it freezes its numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from components import definitions_text as defs
from components import format as fmt
from queries.periods import zone

#: What a change against the comparison period is measured against, said on a slide's tile (the
#: note under the tiles names the dates, and whether they stop at the same point of that period).
VS_PREVIOUS = "vs previous period"

#: The coverage tile's caption with filters set (the revenue target is company-wide).
FILTERED_COVERAGE = "Company-wide target: shown unfiltered"

SIDES = ("marketing", "sales", "shared")
SIDE_TITLES = {"marketing": "Marketing", "sales": "Sales", "shared": "Together"}


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    delta: str | None = None
    good_when: str = "up"        # 'up', 'down' or 'neutral'
    caption: str | None = None
    side: str = "shared"
    help: str | None = None


def delta_tone(t: Tile) -> str:
    """'good', 'bad' or 'neutral' for a tile's change, as st.metric colours it on screen (an ASCII
    '-' is a fall; ``good_when`` says which way is good)."""
    if not t.delta or t.good_when == "neutral" or fmt.is_no_change(t.delta):
        return "neutral"
    fell = t.delta.startswith("-")
    return "good" if fell == (t.good_when == "down") else "bad"


def against(text: str | None, what: str | None) -> str | None:
    """A delta that names what it compares with: '-2.6 pts vs previous period' (``what`` None: as is)."""
    return text if text is None or what is None else f"{text} {what}"


def _local(moment: str | None, tz: str | None) -> str | None:
    if not moment:
        return None
    stamp = datetime.fromisoformat(moment)
    return (stamp.astimezone(zone(tz)) if tz else stamp).strftime("%d %b %Y, %H:%M")


def scoreboard_tiles(p: dict, *, vs: str | None = VS_PREVIOUS, explain: bool = False) -> dict[str, list[Tile]]:
    """The nine KPIs by the side that owns them (marketing, sales, shared), three each, in the
    scoreboard's order. ``vs``: what each change is said to compare with (None: the bare change, as
    on the page, whose note under the tiles says it). ``explain``: each tile's help, the metric's
    definition with this view's numbers (the page's ⓘ; a slide has no room for it)."""
    v, cur, cov = p["values"], p.get("currency", "USD"), p["coverage"]

    def delta(name: str, kind: str = "relative") -> str | None:
        return against(fmt.change(v[name], v[f"{name}_prev"], kind), vs)

    def why(text: str) -> str | None:
        return text if explain else None

    # v.get: what only the help reads, which a meeting's snapshot frozen long ago may not hold
    p90_change = fmt.change(v.get("p90_minutes"), v.get("p90_minutes_prev"), "minutes") or "no change"
    open_at = _local(p.get("open_as_of"), p.get("tz"))
    open_then = _local(p.get("comparison_open_as_of"), p.get("tz"))
    return {
        "marketing": [
            Tile("mqls", "MQLs delivered", fmt.number(v["mqls"]), delta("mqls"),
                 caption=f"{fmt.number(v['handed_off'])} handed off", side="marketing",
                 help=why(defs.MQLS)),
            Tile("acceptance", "Lead acceptance", fmt.pct(v["acceptance_rate"]), delta("acceptance_rate", "points"),
                 caption=f"{fmt.number(v['awaiting'])} awaiting", side="marketing",
                 help=why(defs.ACCEPTANCE)),
            Tile("pipeline_created", "Pipeline created", fmt.money(v["pipeline_created"], cur),
                 delta("pipeline_created"),
                 caption=fmt.sourced_share(p.get("marketing_pipeline_share"), "no pipeline created"), side="marketing",
                 help=why(defs.PIPELINE_CREATED)),
        ],
        "sales": [
            Tile("first_touch", "Median first touch", fmt.duration(v["median_minutes"]),
                 delta("median_minutes", "minutes"), good_when="down", caption=fmt.within_p90(v["p90_minutes"]),
                 side="sales",
                 help=why(defs.first_touch(fmt.duration(v['p90_minutes']), p90_change,
                                          fmt.number(v.get('untouched'))))),
            Tile("sla", "SLA compliance", fmt.pct(v["sla_compliance"]), delta("sla_compliance", "points"),
                 caption=f"{fmt.number(v['sla_breached'])} breached", side="sales",
                 help=why(defs.sla_compliance(fmt.number(v.get('sla_pending'))))),
            Tile("win_rate", "Win rate", fmt.pct(v["win_rate"]), delta("win_rate", "points"),
                 caption=f"{fmt.number(v['won'])} of {fmt.number(v['won'] + v['lost'])} won", side="sales",
                 help=why(defs.WIN_RATE)),
        ],
        "shared": [
            Tile("revenue", "Revenue", fmt.money(v["revenue"], cur), delta("revenue"),
                 caption=fmt.sourced_share(p.get("marketing_revenue_share"), "no deals won"),
                 help=why(defs.REVENUE)),
            Tile("open_pipeline", "Open pipeline", fmt.money(v["open_pipeline"], cur), delta("open_pipeline"),
                 caption=f"{fmt.number(v['open_deals'])} deal{'' if v['open_deals'] == 1 else 's'}",
                 help=why(defs.open_pipeline(open_at or "the end of the period", open_then))),
            _coverage_tile(cov, v.get("coverage_needed"), cur, explain),
        ],
    }


def _coverage_tile(cov: dict, needed, cur: str, explain: bool) -> Tile:
    if cov["status"] == "ok":
        return Tile("coverage", "Pipeline coverage", fmt.ratio(cov["ratio"]), fmt.coverage_gap(cov["ratio"], needed),
                    caption=fmt.coverage_needed(needed),   # the help says needed = 1 ÷ win rate
                    help=defs.coverage(fmt.money(cov['open_in_period'], cur), fmt.money(cov['target'], cur),
                                       fmt.money(cov['won_so_far'], cur)) if explain else None)
    if cov["status"] == "filtered":
        # the target is the company's: one source's or owner's pipeline over it read "0.1×" in red
        return Tile("coverage", "Pipeline coverage", fmt.DASH, caption=FILTERED_COVERAGE,
                    help=f"{defs.COVERAGE_RULE} The revenue target ({fmt.money(cov['target'], cur)}) is the whole "
                         "company's, so a slice of the pipeline set against it would read as a shortfall that is not one: coverage is "
                         "shown only without filters." if explain else None)
    if cov["status"] == "target_met":
        return Tile("coverage", "Pipeline coverage", "Target met", caption=f"of {fmt.money(cov['target'], cur)}",
                    help=f"Revenue won so far ({fmt.money(cov['won_so_far'], cur)}) has reached the period's "
                         "target." if explain else None)
    if cov["status"] == "missed":
        # the period is over: what it fell short by, not the 0.0× its closed pipeline would read
        # "Missed by $57.1k" was cut to "Missed by …" in a tile at 1366 px: the amount goes in the caption
        return Tile("coverage", "Pipeline coverage", "Missed",
                    caption=f"by {fmt.money(cov['remaining'], cur)} of {fmt.money(cov['target'], cur)}",
                    help=f"The period is over: revenue won ({fmt.money(cov['won_so_far'], cur)}) fell short of its "
                         f"target ({fmt.money(cov['target'], cur)}) by {fmt.money(cov['remaining'], cur)}. Every "
                         "deal due in it has closed, so there is no pipeline left to cover the gap with."
                    if explain else None)
    return Tile("coverage", "Pipeline coverage", fmt.DASH, caption="No revenue plan for this period",
                help=f"{defs.COVERAGE_RULE} {defs.NO_PLAN}" if explain else None)
