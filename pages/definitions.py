"""Definitions: what MQL, SAL, SQL, the ICP and the SLA mean right now, with their versions."""

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from components import definitions_text as defs
from components import format as fmt
from components import kpi_tiles, theme
from components.criteria_view import render_sla_terms, render_versions
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import data_table, page_header
from queries import dimensions, qualification, settings, sla
from queries.criteria_rules import describe
from queries.periods import zone

user = page_user("definitions")
link_filters_ignored()
page_header("Definitions", "One source of truth for both teams: what each stage and number means, "
                           "which version is in force, and who agreed to it.")

now = datetime.now(timezone.utc)
versions = qualification.versions()
current = qualification.in_force_among(versions, now)
channels = dimensions.channels()
source_labels = dict(zip(channels["code"], channels["label"]))
tz = settings.company_timezone()


def day(ts) -> str:
    return pd.Timestamp(ts).tz_convert(tz).strftime("%d %b %Y")


# --------------------------------------------------------------------------- the lead's path

st.markdown("#### The lead's path")
if current is not None:
    agreed = f"the criteria in force (**v{current.number}**, since {day(current.effective_at)})"
else:
    agreed = "the qualification criteria (**none agreed yet**; the leads agree them on the Criteria page)"
stages = [
    ("MQL", "Marketing qualified lead", f"Meets {agreed}. Each MQL records the version that made it."),
    # whenever accepted, as lead acceptance counts it; deciding in the window is the SLA terms' part
    ("SAL", "Sales accepted lead", "Sales accepted the hand-off (its owner or their sales lead), whenever they "
                                   "did. A rejection needs a structured reason and may send the lead back to nurture."),
    ("SQL", "Sales qualified lead", "An opportunity was created from the lead."),
    ("Won", "Closed-won", "The opportunity was won: its amount is revenue on its close date."),
]
cols = st.columns(4)
for col, (short, name, text) in zip(cols, stages):
    with col, st.container(border=True):
        st.markdown(f"**{short}** · {name}")
        st.markdown(text)

# --------------------------------------------------------------------------- the shared numbers

st.markdown("#### The shared numbers")
st.caption("The scoreboard's numbers, under the team that owns each, in the same words as each tile's help. "
           f"Periods are cut in the company time zone, **{tz}**.")
cols = st.columns(3, gap="medium")
for col, side in zip(cols, kpi_tiles.SIDES):
    with col:
        st.markdown(theme.side_heading_html(side, kpi_tiles.SIDE_TITLES[side]), unsafe_allow_html=True)
        for _, label, text, note in (n for n in defs.SCOREBOARD_NUMBERS if n[0] == side):
            with st.container(border=True):
                st.markdown(f"**{label}**  \n{text}")
                if note:
                    st.caption(note)
st.markdown("**Also on the pages**")
for col, (name, text) in zip(st.columns(3, gap="medium"), defs.MORE_NUMBERS):
    with col, st.container(border=True):
        st.markdown(f"**{name}**  \n{text}")

# --------------------------------------------------------------------------- ICP and MQL rule

left, right = st.columns([1.1, 1], gap="large")
with left:
    if current is None:
        st.markdown("#### Ideal customer profile and MQL rule")
        st.info("No criteria are in force yet.", icon=":material/info:")
    else:
        st.markdown(f"#### Ideal customer profile and MQL rule · v{current.number}")
        st.caption(f"{fmt.md_text(current.title)}. In force since {day(current.effective_at)}: proposed by "
                   f"{current.proposed_by_name} ({current.proposed_side}) on {day(current.proposed_at)}, approved by "
                   f"{current.approved_by_name} ({current.approved_side}) on {day(current.approved_at)}.")
        rows = describe(current.criteria, source_labels=source_labels)
        icp, ready = rows[:6], rows[6:]
        st.markdown("**Who we sell to (ICP)** — a lead must match every rule; *any* does not restrict")
        data_table(pd.DataFrame(icp, columns=["Rule", "Requirement"]))
        st.markdown("**When the lead is ready (MQL)**")
        data_table(pd.DataFrame(ready, columns=["Rule", "Requirement"]))
        if current.rationale:
            st.caption(f"Why: {fmt.md_text(current.rationale)}")
    upcoming = [v for v in versions if v.approved and v.effective_at > now]
    waiting = [v for v in versions if v.status == "proposed"]
    for v in upcoming:
        st.info(f"Approved in advance: **v{v.number} · {fmt.md_text(v.title)}** takes effect on {day(v.effective_at)}.",
                icon=":material/event:")
    for v in waiting:
        st.caption(f"Proposed: v{v.number} · {fmt.md_text(v.title)} ({v.proposed_by_name}, {v.proposed_side}) awaits a "
                   f"{'sales' if v.proposed_side == 'marketing' else 'marketing'} lead's approval.")

with right:
    st.markdown("#### SLA terms")
    render_sla_terms(sla.definitions_summary(tz=tz),
                     defs.commitments_by_team(sla.commitments(), now.astimezone(zone(tz)).date()))

# --------------------------------------------------------------------------- rejection reasons

st.markdown("#### Rejection reasons")
meanings = {
    "bad_fit": "Outside the ideal customer profile (size, industry, region, role).",
    "no_budget": "A real need, but no budget in the foreseeable future.",
    "wrong_contact": "Right company, wrong person: no influence on the purchase.",
    "duplicate": "Already known: an open opportunity or another lead for the same person.",
    "no_response": "No answer after the agreed touch sequence.",
    "not_interested": "Reached, and not interested in buying.",
    "other": "Anything else; a comment saying why is required.",
}
reasons = [f"- **{fmt.reason_label(k)}**: {v}" for k, v in meanings.items()]
for col, part in zip(st.columns(2, gap="large"), (reasons[:4], reasons[4:])):
    col.markdown("\n".join(part))

st.markdown("#### Criteria versions")
render_versions(versions, now, tz, key="definitions_versions")
