"""Renderers for qualification criteria: the version in force, the history with its diffs, the
replay result, the SLA terms. Charts come from components.qualification_charts; data from
queries.qualification. The proposals and forms are in components.criteria_forms."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import format as fmt
from components import qualification_charts as charts
from components.kpi_tiles import SIDE_TITLES
from components.widgets import chart, data_table, empty_state, kpi, records_table
from queries.criteria_rules import Criteria, describe
from queries.qualification import STATUS_LABELS, Replay, Version, in_force_among, previous_of, version_diff_text


def day(ts, tz: str) -> str:
    if ts is None or pd.isna(ts):
        return fmt.DASH
    return pd.Timestamp(ts).tz_convert(tz).strftime("%d %b %Y")


def status_text(v: Version, versions: list[Version], now: datetime) -> str:
    current = in_force_among(versions, now)
    if current is not None and current.id == v.id:
        return "In force"
    if v.approved and v.effective_at > now:
        return "Approved, takes effect later"
    return STATUS_LABELS[v.outcome]


def rules_frame(criteria: Criteria, source_labels: dict) -> pd.DataFrame:
    """A version's rules, one readable requirement per rule. (pure)"""
    return pd.DataFrame(describe(criteria, source_labels=source_labels), columns=["Rule", "Requirement"])


def in_force(current: Version | None, versions: list[Version], now: datetime, tz: str, source_labels: dict) -> None:
    """The version in force (who proposed and approved it, its rules, why), and those approved to
    take effect later."""
    if current is None:
        empty_state("No criteria are in force yet.", "Propose the first version; a lead from the other team "
                                                     "approves it.")
    else:
        st.markdown(f"#### In force: v{current.number} · {fmt.md_text(current.title)}")
        st.caption(f"Since {day(current.effective_at, tz)} · proposed by {fmt.md_text(current.proposed_by_name)} "
                   f"({current.proposed_side}) on {day(current.proposed_at, tz)} · approved by "
                   f"{fmt.md_text(current.approved_by_name)} ({current.approved_side}) on "
                   f"{day(current.approved_at, tz)} · "
                   f"{fmt.number(current.mqls)} MQLs made under it")
        data_table(rules_frame(current.criteria, source_labels))
        if current.rationale:
            st.caption(f"Why: {fmt.md_text(current.rationale)}")
    for v in (v for v in versions if v.approved and v.effective_at > now):
        st.info(f"Approved in advance: v{v.number} · {fmt.md_text(v.title)} takes effect on {day(v.effective_at, tz)}.",
                icon=":material/event:")


def history(versions: list[Version], now: datetime, tz: str, source_labels: dict) -> None:
    """Every version in a table, then each in an expander: its changes against the one before, why,
    who withdrew or declined it, and its rules."""
    render_versions(versions, now, tz, key="criteria_versions")
    for v in versions:
        previous = previous_of(v, versions)
        with st.expander(f"v{v.number} · {fmt.md_text(v.title)} — {status_text(v, versions, now)}"):
            compared = f"v{previous.number}" if previous else "nothing (first version)"
            st.markdown(f"**Changes against {compared}**\n" + "\n".join(
                f"- {c}" for c in version_diff_text(previous, v, source_labels)))
            if v.rationale:
                st.markdown(f"**Why:** {fmt.md_lines(v.rationale)}")
            if v.status == "withdrawn":
                note = f": {fmt.md_text(v.withdrawn_note)}" if v.withdrawn_note else ""
                st.markdown(f"**{'Declined' if v.declined else 'Withdrawn'}** by {fmt.md_text(v.withdrawn_by_name)} "
                            f"on {day(v.withdrawn_at, tz)}{note}")
            data_table(rules_frame(v.criteria, source_labels))


def versions_table(versions: list[Version], now: datetime, tz: str) -> pd.DataFrame:
    """Every version: number, title, status, when it was in force, who proposed and approved, MQLs made."""
    rows = []
    for v in versions:
        if v.approved:
            until = day(v.superseded_at, tz) if v.status == "superseded" else ""
            in_force = f"{day(v.effective_at, tz)} – {until}".strip()
        else:
            in_force = fmt.DASH
        if v.approved:
            approved = f"{v.approved_by_name} ({v.approved_side})"
        elif v.status == "withdrawn":
            approved = f"{v.outcome} by {v.withdrawn_by_name}"
        else:
            approved = "awaiting"
        rows.append({"Version": f"v{v.number}", "Title": v.title, "Status": status_text(v, versions, now),
                     "In force": in_force, "Proposed by": f"{v.proposed_by_name} ({v.proposed_side})",
                     "Approved by": approved, "MQLs": v.mqls})
    return pd.DataFrame(rows, columns=["Version", "Title", "Status", "In force", "Proposed by", "Approved by", "MQLs"])


#: The versions table's columns on screen, in widths that add up to less than the page's width on a
#: 1366 px screen (~900 px): all seven columns scrolled sideways there. Who proposed and approved
#: each version is in an expander under it, and the CSV download holds every column.
VERSIONS_SHOWN = ["Version", "Title", "Status", "In force", "MQLs"]
VERSIONS_CONFIG = {"Version": st.column_config.TextColumn(width=60), "Title": st.column_config.TextColumn(width=320),
                   "Status": st.column_config.TextColumn(width=180), "In force": st.column_config.TextColumn(width=175),
                   "MQLs": st.column_config.NumberColumn(width=80, format="localized")}
PEOPLE_SHOWN = ["Version", "Title", "Proposed by", "Approved by"]
PEOPLE_CONFIG = {"Version": VERSIONS_CONFIG["Version"], "Title": VERSIONS_CONFIG["Title"],
                 "Proposed by": st.column_config.TextColumn(width=230),
                 "Approved by": st.column_config.TextColumn(width=230)}


def render_versions(versions: list[Version], now: datetime, tz: str, *, key: str) -> None:
    """Every version as a table that fits a 1366 px screen (number, title, status, when in force, MQLs
    made), who proposed and approved each in an expander, and a CSV of all of it."""
    table = versions_table(versions, now, tz)
    records_table(table[VERSIONS_SHOWN], title="criteria versions", key=key, column_config=VERSIONS_CONFIG, csv=table)
    if not table.empty:
        with st.expander("Who proposed and approved each version"):
            data_table(table[PEOPLE_SHOWN], column_config=PEOPLE_CONFIG)


def render_sla_terms(terms, commitments: dict[str, str]) -> None:
    """The SLA terms in force (``queries.sla.definitions_summary()``), one readable line per policy
    in the order they are tried, then the calendar, each team's commitment
    (``definitions_text.commitments_by_team``: marketing's MQLs and their acceptance, sales' follow-up
    and decisions, each under the team that owns it) and the version history."""
    st.caption(terms.matching)
    lines = []
    # numbered in the order tried (1., 2., ...): the ranks themselves (10, 20, 30) read as list numbers
    # that skipped, "10. Strategic accounts"; the default, tried last, says so instead of a number
    tried = 0
    for r in terms.policies.itertuples():
        if r.rank == "default":
            head = f"Otherwise, **{fmt.md_text(r.policy)}** (the default)"
        else:
            tried += 1
            head = f"{tried}. **{fmt.md_text(r.policy)}**"
        lines.append(f"{head} · {fmt.md_text(r.applies_to)} — first touch within **{r.first_touch_window}**, "
                     f"accept or reject within **{r.decision_window}** (v{r.version}, since "
                     f"{r.effective_from:%d %b %Y})")
    if lines:
        st.markdown("\n\n".join(lines))
    for line in terms.calendars:
        st.caption(line)
    if not terms.policies["rank"].eq("default").any():   # otherwise the matching rule already says it
        st.caption(terms.fallback)
    if terms.scheduled:
        st.markdown("**Scheduled changes:**\n" + "\n".join(f"- {fmt.md_text(line)}" for line in terms.scheduled))
    for side, text in commitments.items():
        st.markdown(f"**{SIDE_TITLES[side]} commits to** {text}")
    if terms.versions:
        with st.expander(f"Policy versions ({len(terms.versions)})"):
            st.markdown("\n".join(f"- {line}" for line in terms.versions))


def render_replay(result: Replay, currency: str, *, key: str) -> None:
    """KPIs (draft vs version in force), the outcome chart, the rule chart, the numbers table."""
    p = result.row("proposed")
    c = result.row("current") if result.has_current else None
    st.caption(f"Leads created {result.period.describe()}: {fmt.number(result.leads_in_period)}, of which "
               f"{fmt.number(result.actual_mqls)} actually became MQLs. Outcomes to date.")

    def delta(a, b, kind):
        return fmt.change(a, b, kind) if c is not None else None

    cur = (lambda col: c[col]) if c is not None else (lambda col: None)
    cols = st.columns(5)
    tiles = [
        ("Would qualify", fmt.number(p["leads"]), delta(p["leads"], cur("leads"), "relative"), "neutral",
         "Leads created in the period that pass every rule of the draft."),
        ("Acceptance", fmt.pct(p["acceptance_rate"]), delta(p["acceptance_rate"], cur("acceptance_rate"), "points"),
         "up", "Leads accepted by sales ÷ leads handed off, among the leads the draft qualifies."),
        ("Opportunity rate", fmt.pct(p["opportunity_rate"], 1 if (p["opportunity_rate"] or 0) < 0.1 else 0),
         delta(p["opportunity_rate"], cur("opportunity_rate"), "points"), "up",
         "Leads with an opportunity ÷ leads the draft qualifies."),
        ("Win rate", fmt.pct(p["win_rate"]), delta(p["win_rate"], cur("win_rate"), "points"), "up",
         "Won ÷ (won + lost) opportunities from the leads the draft qualifies."),
        ("Revenue won", fmt.money(p["revenue"], currency), delta(p["revenue"], cur("revenue"), "relative"), "up",
         "Closed-won amount from the leads the draft qualifies, to date."),
    ]
    for col, (label, value, d, good, help_text) in zip(cols, tiles):
        with col:
            kpi(label, value, delta=d, good_when=good, help=help_text)
    if c is not None:
        g, lost = result.row("gained"), result.row("lost")

        def part(verb, r):
            if not r["leads"]:
                return f"{verb} no leads"
            return (f"**{verb} {fmt.number(r['leads'])} leads** (handed off {fmt.number(r['handed_off'])}, accepted "
                    f"{fmt.pct(r['acceptance_rate'])} of those, {fmt.money(r['revenue'], currency)} won)")

        st.markdown(f"Against the version in force, the draft {part('adds', g)} and {part('drops', lost)}.")
    rows = ["current", "proposed", "gained", "lost"] if c is not None else ["proposed"]
    seg = result.segments.set_index("segment").loc[rows]
    names = {"current": "Version in force", "proposed": "Draft", "gained": "Added by the draft",
             "lost": "Dropped by the draft"}
    # four rows to read, not to sort: formatted as on the tiles ("—" where a rate has no leads)
    data_table(pd.DataFrame({
        "Leads": [names[k] for k in rows], "Qualify": [fmt.number(v) for v in seg["leads"]],
        "Handed off": [fmt.number(v) for v in seg["handed_off"]],
        "Acceptance": [fmt.pct(v, 1) for v in seg["acceptance_rate"]],
        "Opportunity rate": [fmt.pct(v, 1) for v in seg["opportunity_rate"]],
        "Win rate": [fmt.pct(v, 1) for v in seg["win_rate"]],
        "Revenue won": [fmt.money(v, currency, compact=False) for v in seg["revenue"]]}),
        column_config={c: st.column_config.TextColumn(alignment="right") for c in
                     ("Qualify", "Handed off", "Acceptance", "Opportunity rate", "Win rate", "Revenue won")})
    left, right = st.columns([1.3, 1], gap="medium")
    with left:
        chart(charts.replay_rates_chart(result.segments, has_current=result.has_current),
                        width="stretch", key=f"{key}_rates")
    with right:
        chart(charts.rule_failures_chart(result.rule_failures, result.leads_in_period),
                        width="stretch", key=f"{key}_rules")
    table = result.segments if result.has_current else result.segments[result.segments["segment"] == "proposed"]
    view = pd.DataFrame({
        "Leads": table["label"], "Qualify": table["leads"], "Actually MQL": table["actual_mqls"],
        "Handed off": table["handed_off"], "Accepted": table["accepted"], "Rejected": table["rejected"],
        "Awaiting": table["awaiting"], "Acceptance": table["acceptance_rate"],
        "With opportunity": table["with_opportunity"], "Opportunity rate": table["opportunity_rate"],
        "Won": table["won"], "Lost": table["lost"], "Win rate": table["win_rate"], "Revenue": table["revenue"]})
    pct = st.column_config.NumberColumn(format="percent")
    count = st.column_config.NumberColumn(format="localized")
    with st.expander("The numbers behind the replay"):
        data_table(view, column_config={
            **{c: count for c in ("Qualify", "Actually MQL", "Handed off", "Accepted", "Rejected", "Awaiting",
                                  "With opportunity", "Won", "Lost")},
            "Acceptance": pct, "Opportunity rate": pct, "Win rate": pct,
            # whole amounts with the company currency, as every other amount
            "Revenue": st.column_config.NumberColumn(format=fmt.money_column(currency))})
        st.caption("Acceptance = leads with an accepted hand-off ÷ leads handed off. Opportunity rate = leads with an "
                   "opportunity ÷ leads that qualify. Win rate = won ÷ (won + lost) opportunities from those leads. "
                   "Leads are judged on their current attributes (score, account) and outcomes to date; leads the "
                   "version in force did not qualify were mostly never handed off, so their acceptance is unknown.")
