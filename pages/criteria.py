"""Qualification criteria: the version in force, proposals awaiting the other team's lead, the
replay that argues with data, the propose form, and the history with readable diffs."""

from datetime import datetime, timezone

import streamlit as st

from components import criteria_forms, criteria_view
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import empty_state, page_header
from queries import dimensions, qualification, settings

user = page_user("criteria")
now = datetime.now(timezone.utc)
tz = settings.company_timezone()
currency = settings.currency()
channels = dimensions.channels()
source_labels = dict(zip(channels["code"], channels["label"]))

link_filters_ignored(shows="A replay picks its own period of leads below.")
page_header("Qualification criteria",
            "The ideal customer profile and MQL rule both teams work to. A lead of one team proposes, a lead of the "
            "other approves; replay a draft over past leads before agreeing.")
versions = qualification.versions()
current = qualification.in_force_among(versions, now)
waiting = sorted((v for v in versions if v.status == "proposed"), key=lambda v: v.number)
side = qualification.side_of(user)

labels = [f"In force and proposals ({len(waiting)} awaiting)" if waiting else "In force and proposals", "Replay",
          "Propose a change", "History"]
# keyed, so a message doesn't reset it; and a proposal, approval or withdrawal changes the first tab's
# count, which makes the tabs a new widget that opened on the first tab (the proposer never saw
# "Proposed v7"): the tab the reader was on, by name, stays open
opened = st.session_state.get("criteria_tab")
tab_now, tab_replay, tab_propose, tab_history = st.tabs(
    labels, key="criteria_tab", on_change="rerun", default=opened if opened in labels[1:] else None)

with tab_now:
    left, right = st.columns([1, 1.2], gap="large")
    with left:
        criteria_view.in_force(current, versions, now, tz, source_labels)
    with right:
        criteria_forms.proposals(user, waiting, versions, current, side, now, tz, source_labels)

with tab_replay:
    candidates = criteria_forms.replay_candidates(versions, current)
    period, chosen = criteria_forms.replay_pickers(candidates, versions, now, tz)
    if not candidates:
        empty_state("There is no version to replay yet.", "Propose a change, or replay a draft on the "
                                                          "*Propose a change* tab.")
    else:
        version = next((v for v in candidates if v.id == chosen), candidates[0])
        st.markdown(f"**What v{version.number} would have done** with the leads created {period.describe()}, "
                    + (f"next to v{current.number} (in force)" if current else "(no version in force to compare)"))
        with st.spinner("Replaying…"):
            result = qualification.replay(version.criteria, period)
        criteria_view.render_replay(result, currency, key="cr_replay")

with tab_propose:
    if not user.can("criteria.propose"):
        empty_state("Only the marketing and sales leads propose criteria.",
                    "The versions, proposals and the replay are open to you on the other tabs.")
    else:
        criteria_forms.propose_form(user, versions, current, qualification.options(), source_labels, tz)
        if criteria_forms.draft_replay_asked():
            draft = criteria_forms.draft_from_form()
            criteria_forms.draft_replay_heading(draft, period)
            with st.spinner("Replaying…"):
                criteria_view.render_replay(qualification.replay(draft.criteria, period), currency, key="cr_draft")

with tab_history:
    criteria_view.history(versions, now, tz, source_labels)
