"""The shared numbers' definitions, written once: the scoreboard tiles' ⓘ help
(components/kpi_tiles.py) and the Definitions page say each number in these words. A function
with this view's numbers gives the tile's help; called without them it gives the general
definition the Definitions page shows. Pure: no st.*, no database.
"""

from __future__ import annotations

import pandas as pd

MQLS = ("Leads that became marketing-qualified in the period. Handed off: hand-offs to sales in the period "
        "(a recycled lead handed off again counts again).")
ACCEPTANCE = ("Accepted ÷ handed off, for leads handed to sales in the period: the quality half of marketing's "
              "commitment, owned by both teams. Leads awaiting a decision count in the denominator, so recent "
              "periods are not final.")
PIPELINE_CREATED = ("Amount of opportunities created in the period; the share whose lead came through a marketing "
                    "channel is marketing-sourced.")
WIN_RATE = "Won ÷ (won + lost), deals closed in the period. Not won ÷ all opportunities."
REVENUE = ("Bookings: amount of opportunities closed-won with a close date in the period. Marketing-sourced: the "
           "deal's lead came through a marketing channel.")
NEEDED = "Coverage needed ≈ 1 ÷ win rate."
COVERAGE_RULE = ("Open pipeline expected to close in the period ÷ what is left to win: the period's revenue target "
                 "− revenue won so far.")
#: Why a period has no coverage: the tile's help when no revenue plan covers it
NO_PLAN = ("A quarter this period touches has no revenue target: executives set the plan on Shared goals → "
           "Revenue plan.")

# Only on the Definitions page: numbers the scoreboard shows in its charts and other pages' numbers.
MARKETING_SOURCED = ("The lead's first touch came through a marketing channel (paid search, paid social, organic, "
                     "content, webinar, events, email nurture); each deal counts once, sourced or not.")
FUNNEL = ("Follows the leads created in the period to the furthest stage each reached (MQL, SAL, SQL, Won): "
          "step rate = reached ÷ reached at the stage before; cumulative = reached ÷ leads created.")
CAMPAIGN_COST = ("A campaign's spend ÷ its leads that became MQLs / opportunities; return = "
                 "revenue won from its leads ÷ spend (everything the campaign brought, whenever it happened). "
                 "Under an industry, country or tier filter the spend is the campaign's share for that segment: "
                 "its spend × its leads in the segment ÷ all its leads.")
SLA_OWNER = ("Per rep, a hand-off counts for whoever held the lead when it was touched or its deadline passed: a lead "
             "reassigned after a missed deadline stays a breach of the rep who missed it. A rejection does not stop "
             "the clock: a lead rejected without a contact is a breach once its deadline passes.")


def first_touch(p90: str | None = None, p90_change: str | None = None, untouched: str | None = None) -> str:
    """Median time to first touch; with this view's p90 (and its change) and untouched count: the tile's help."""
    text = ("Median time from hand-off to a rep's first call, e-mail, meeting or LinkedIn message (automated sends "
            "don't count), in business minutes where the lead's SLA policy counts business hours. ")
    if p90 is None:
        return text + ("p90: the time within which 90% were touched. Untouched leads are counted apart, not in the "
                       "median.")
    return text + (f"p90: 90% were touched within {p90} ({p90_change} vs the comparison period). {untouched} "
                   "untouched leads are counted apart, not in the median.")


def sla_compliance(pending: str | None = None) -> str:
    """SLA compliance; with this view's number of pending hand-offs: the tile's help."""
    return ("Touched within the SLA window of the policy in force at the hand-off ÷ hand-offs whose outcome is known "
            "(touched, or deadline passed). "
            + (f"{pending} untouched leads" if pending is not None else "Untouched leads")
            + " still inside their window are pending and not counted.")


def open_pipeline(at: str | None = None, then: str | None = None) -> str:
    """Open pipeline; with the moment it is measured at (and the comparison's): the tile's help."""
    if at is None:
        return "Amount of opportunities open at the end of the period, or now while the period runs."
    return (f"Amount of opportunities open on {at} (the end of the period, or now)"
            + (f", compared with {then}." if then else "."))


def coverage(open_in_period: str | None = None, target: str | None = None, won: str | None = None) -> str:
    """Pipeline coverage; with this view's amounts: the tile's help."""
    if open_in_period is None:
        return f"{COVERAGE_RULE} {NEEDED}"
    return (f"Open pipeline expected to close in the period ({open_in_period}) ÷ what is left to win: target "
            f"{target} − won so far {won}. {NEEDED}")


# --------------------------------------------------------------------------- commitments


def commitments_by_team(commitments: pd.DataFrame, today) -> dict[str, str]:
    """The SLA commitment in force ``today`` (``queries.sla.commitments()`` rows) as what each team
    promised: marketing the MQL volume and how many sales accepts, sales its follow-up and decision
    rates, each to follow "Marketing commits to" / "Sales commits to". Empty when none is in force;
    a team that promised nothing is left out."""
    live = [c for c in commitments.itertuples() if c.start_date <= today <= c.end_date]
    if not live:
        return {}
    c = live[-1]
    marketing = [f"{c.mql_volume:,} MQLs from {c.start_date:%d %b} to {c.end_date:%d %b %Y}"]
    if pd.notna(c.min_acceptance_rate):
        marketing.append(f"at least {float(c.min_acceptance_rate):.0%} of them accepted by sales")
    sales = []
    if pd.notna(c.follow_up_target_rate):
        sales.append(f"follow up {float(c.follow_up_target_rate):.0%} of hand-offs within the SLA")
    if pd.notna(c.decision_target_rate):
        sales.append(f"accept or reject {float(c.decision_target_rate):.0%} on time")
    out = {"marketing": ", with ".join(marketing) + "."}
    if sales:
        out["sales"] = " and ".join(sales) + "."
    return out


# --------------------------------------------------------------------------- the Definitions page

#: The scoreboard's nine numbers as the Definitions page lists them: (side, the tile's label, its
#: definition, a note the tile has no room for or None), by side in the scoreboard's order.
SCOREBOARD_NUMBERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("marketing", "MQLs delivered", MQLS,
     "A lead that qualifies twice in one period counts once."),
    ("marketing", "Lead acceptance", ACCEPTANCE, "The awaiting count is shown beside it."),
    ("marketing", "Pipeline created", PIPELINE_CREATED, None),
    ("sales", "Median first touch", first_touch(), "The median and p90, never the mean: a few very late touches "
                                                  "would drag a mean."),
    ("sales", "SLA compliance", sla_compliance(), SLA_OWNER),
    ("sales", "Win rate", WIN_RATE, None),
    ("shared", "Revenue", REVENUE, None),
    ("shared", "Open pipeline", open_pipeline(), None),
    ("shared", "Pipeline coverage", coverage(), "Shown for periods the revenue plan covers (executives set it on "
                                                "Shared goals → Revenue plan); \"Target met\" once revenue won reaches "
                                                "the target."),
)

#: Numbers other views show (the scoreboard's funnel, the captions' marketing-sourced share,
#: Campaign returns): (name, definition).
MORE_NUMBERS: tuple[tuple[str, str], ...] = (
    ("Marketing-sourced", MARKETING_SOURCED),
    ("Funnel conversion", FUNNEL),
    ("Cost per MQL / SQL and return", CAMPAIGN_COST),
)
