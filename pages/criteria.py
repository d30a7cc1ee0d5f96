"""Qualification criteria: the version in force, proposals awaiting the other team's lead, the
replay that argues with data, the propose form, and the history with readable diffs."""

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components.criteria_view import day, render_replay, render_versions, status_text
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import ROW_NAMED, data_table, date_field, empty_state, page_header, row_button, row_name
from queries import dimensions, qualification, settings
from queries.criteria_rules import (EMPLOYEE_BANDS, FIELD_LABELS, REGIONS, SENIORITIES, TIERS, Criteria,
                                    CriteriaError, describe)
from queries.periods import PRESETS, PeriodError, local_today, preset_period

user = page_user("criteria")
#: Where a save's message goes (components.notices): under the propose form's buttons, or under the
#: proposal a lead approved, withdrew or declined (or, once it left the list, above the list).
PROPOSE, DECIDED = "cr_propose", "cr_decided"
#: The propose form's fields: emptied after a proposal, so the next one starts from the version in force.
FORM_KEYS = ("cr_title", "cr_effective", "cr_industries", "cr_countries", "cr_regions", "cr_employee_bands",
             "cr_job_functions", "cr_seniorities", "cr_tiers", "cr_min_score", "cr_excluded_sources", "cr_rationale")
now = datetime.now(timezone.utc)
tz = settings.company_timezone()
currency = settings.currency()
channels = dimensions.channels()
source_labels = dict(zip(channels["code"], channels["label"]))


def decided_slot(version_id: int) -> str:
    return f"{DECIDED}_{version_id}"


def approve(version_id: int, seen: int) -> None:
    try:
        v = qualification.approve(user, version_id, seen)
    except CriteriaError as err:   # the proposal stays in the list: said under its buttons
        notices.leave(decided_slot(version_id), "error", str(err))
        return
    when = "now" if v.effective_at <= datetime.now(timezone.utc) else f"on {day(v.effective_at, tz)}"
    notices.leave(DECIDED, "success", f"Approved v{v.number}. It is in force {when}; every MQL from then on "
                                      "records it.")


def withdraw(version_id: int, seen: int, name: str) -> None:
    try:
        what = qualification.withdraw(user, version_id, seen, st.session_state.get(f"cr_note_{version_id}"))
    except CriteriaError as err:
        notices.leave(decided_slot(version_id), "error", str(err))
        return
    notices.leave(DECIDED, "success", f"You withdrew {name}." if what == "withdrawn" else
                  f"You declined {name}; its author sees your note.")


def draft_from_form() -> qualification.Draft:
    s = st.session_state
    criteria = Criteria(industries=s.get("cr_industries"), countries=s.get("cr_countries"), regions=s.get("cr_regions"),
                        employee_bands=s.get("cr_employee_bands"), job_functions=s.get("cr_job_functions"),
                        seniorities=s.get("cr_seniorities"), tiers=s.get("cr_tiers"),
                        min_score=s.get("cr_min_score") or 0, excluded_sources=s.get("cr_excluded_sources"))
    return qualification.Draft(s.get("cr_title") or "", criteria, s.get("cr_effective"), s.get("cr_rationale"))


def propose() -> None:
    try:
        vid = qualification.propose(user, draft_from_form())
    except CriteriaError as err:
        notices.leave(PROPOSE, "error", str(err))
        return
    v = qualification.by_id(vid)
    other = "sales" if v.proposed_side == "marketing" else "marketing"
    notices.leave(PROPOSE, "success", f"Proposed v{v.number} · {fmt.md_text(v.title)}, to take effect on "
                                      f"{day(v.effective_at, tz)} once a {other} lead approves it (or on "
                                      "approval, if that comes later).")
    st.session_state["cr_show_draft_replay"] = False
    for key in FORM_KEYS:   # the draft is stored: a new, empty form (the same draft twice is no use)
        st.session_state.pop(key, None)


def show_draft_replay() -> None:
    st.session_state["cr_show_draft_replay"] = True


link_filters_ignored(shows="A replay picks its own period of leads below.")
page_header("Qualification criteria",
            "The ideal customer profile and MQL rule both teams work to. A lead of one team proposes, a lead of the "
            "other approves; replay a draft over past leads before agreeing.")
versions = qualification.versions()
current = qualification.in_force_among(versions, now)
waiting = sorted((v for v in versions if v.status == "proposed"), key=lambda v: v.number)
side = qualification.side_of(user)

tab_now, tab_replay, tab_propose, tab_history = st.tabs(
    [f"In force and proposals ({len(waiting)} awaiting)" if waiting else "In force and proposals", "Replay",
     "Propose a change", "History"], key="criteria_tab", on_change="rerun")   # keyed: a message doesn't reset it


def rules_frame(criteria: Criteria) -> pd.DataFrame:
    return pd.DataFrame(describe(criteria, source_labels=source_labels), columns=["Rule", "Requirement"])


# --------------------------------------------------------------------------- in force and proposals

with tab_now:
    left, right = st.columns([1, 1.2], gap="large")
    with left:
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
            data_table(rules_frame(current.criteria))
            if current.rationale:
                st.caption(f"Why: {fmt.md_text(current.rationale)}")
        for v in (v for v in versions if v.approved and v.effective_at > now):
            st.info(f"Approved in advance: v{v.number} · {fmt.md_text(v.title)} takes effect on {day(v.effective_at, tz)}.",
                    icon=":material/event:")
    with right:
        st.markdown("#### Awaiting approval")
        notices.show(DECIDED)   # the proposal decided on has left the list: its message heads it
        if not waiting:
            st.caption("No proposal is waiting. Use *Propose a change* to start one.")
        for v in waiting:
            other = "sales" if v.proposed_side == "marketing" else "marketing"
            with st.container(border=True):
                st.markdown(f"**v{v.number} · {fmt.md_text(v.title)}**  \n:orange-badge[Awaiting a {other} lead] "
                            f":gray[proposed by {fmt.md_text(v.proposed_by_name)} ({v.proposed_side}) on "
                            f"{day(v.proposed_at, tz)}]")
                effective = f"Takes effect on {day(v.effective_at, tz)}"
                if v.effective_at <= now:
                    effective = f"Proposed to take effect on {day(v.effective_at, tz)}: approving makes it effective now"
                st.caption(effective)
                taken = qualification.same_instant_approved(v.effective_at, versions, other_than=v.id, now=now)
                if taken is not None:
                    st.warning(f"v{taken.number} is already approved to take effect at the same moment, so this "
                               "proposal can't be approved as it is: " +
                               ("withdraw it and propose it again with another date." if v.proposed_by_user_id == user.id
                                else "decline it with a note asking for another date."), icon=":material/event_busy:")
                if v.rationale:
                    st.markdown("\n".join(f"> {fmt.md_text(line)}" for line in v.rationale.splitlines()))
                # against what it would replace: the version in force on its own effective date (a
                # version approved in advance may come in between)
                replaces = qualification.in_force_among(versions, max(v.effective_at, now))
                changes = qualification.version_diff_text(replaces, v, source_labels)
                against = ("the version in force" if replaces is current else
                           f"v{replaces.number}, in force from {day(replaces.effective_at, tz)}, which it would replace"
                           if replaces else "no version")
                st.markdown(f"**Changes against {against}**\n" + "\n".join(f"- {c}" for c in changes))
                may_approve = user.can("criteria.approve") and side is not None and side != v.proposed_side \
                    and v.proposed_by_user_id != user.id
                if may_approve:
                    st.button(f"Approve v{v.number}", key=f"cr_approve_{v.id}", type="primary",
                              on_click=approve, args=(v.id, v.version), icon=":material/handshake:")
                elif user.can("criteria.approve"):
                    st.caption(f"A {other} lead approves this version" +
                               (" (you proposed it)." if v.proposed_by_user_id == user.id else "."))
                own = v.proposed_by_user_id == user.id
                if user.can("criteria.propose") and (own or may_approve):   # the author withdraws; the other side declines
                    # one per proposal waiting: named for it (widgets.row_button)
                    about = f"v{v.number} {v.title}"
                    with st.container(key=f"{ROW_NAMED}cr_pop_{v.id}", width="content"), \
                            st.popover(row_name("Withdraw" if own else "Decline", about), icon=":material/undo:"):
                        st.text_input("Note" + ("" if own else " (required: why do you decline?)"),
                                      key=f"cr_note_{v.id}")
                        row_button(st, "Withdraw the proposal" if own else "Decline the proposal", about=about,
                                   key=f"cr_withdraw_{v.id}", on_click=withdraw,
                                   args=(v.id, v.version, f"v{v.number} “{fmt.md_text(v.title)}”"))
                st.caption("Replay it on the Replay tab before deciding.")
                notices.show(decided_slot(v.id))

# --------------------------------------------------------------------------- replay

with tab_replay:
    candidates = [v for v in versions if current is None or v.id != current.id]
    candidates.sort(key=lambda v: (v.status != "proposed", -v.number))
    presets = ["last_quarter", "last_90_days", "last_12_months", "this_year", "last_month", "custom"]
    a, b, c = st.columns([2, 1, 1])
    with b:
        preset = st.selectbox("Leads created", presets, format_func=PRESETS.get, key="cr_period")
    with c:
        custom = None
        today = local_today(tz)
        if preset == "custom":
            custom = date_field(st, "From – to", value=(today - timedelta(days=90), today), key="cr_custom")
    try:
        pair = tuple(custom) if custom else None
        if pair is not None and len(pair) == 1:
            pair = (pair[0], pair[0])
        period = preset_period(preset, today, tz, pair)
    except PeriodError as err:
        st.error(str(err))
        period = preset_period("last_quarter", today, tz)
    candidate_ids = [v.id for v in candidates]
    if st.session_state.get("cr_replay_version") not in candidate_ids:
        # the remembered choice is gone (the first proposal after none; the version replayed was approved
        # and is now in force): start from the first candidate instead of keeping a value not offered
        st.session_state["cr_replay_version"] = candidate_ids[0] if candidate_ids else None
    with a:
        chosen = st.selectbox("Version to replay", candidate_ids,
                              format_func=lambda i: next(f"v{v.number} · {v.title} ({status_text(v, versions, now)})"
                                                         for v in candidates if v.id == i),
                              key="cr_replay_version", placeholder="No other version yet")
    if not candidates:
        empty_state("There is no version to replay yet.", "Propose a change, or replay a draft on the "
                                                          "*Propose a change* tab.")
    else:
        version = next((v for v in candidates if v.id == chosen), candidates[0])
        st.markdown(f"**What v{version.number} would have done** with the leads created {period.describe()}, "
                    + (f"next to v{current.number} (in force)" if current else "(no version in force to compare)"))
        with st.spinner("Replaying…"):
            result = qualification.replay(version.criteria, period)
        render_replay(result, currency, key="cr_replay")

# --------------------------------------------------------------------------- propose

with tab_propose:
    if not user.can("criteria.propose"):
        empty_state("Only the marketing and sales leads propose criteria.",
                    "The versions, proposals and the replay are open to you on the other tabs.")
    else:
        options = qualification.options()
        # start from the newest approved version: one approved in advance replaces the one in force
        latest = qualification.in_force_among(versions, datetime.max.replace(tzinfo=timezone.utc))
        base = latest.criteria if latest else Criteria()
        defaults = {"cr_industries": list(base.industries), "cr_countries": list(base.countries),
                    "cr_regions": list(base.regions), "cr_employee_bands": list(base.employee_bands),
                    "cr_job_functions": list(base.job_functions), "cr_seniorities": list(base.seniorities),
                    "cr_tiers": list(base.tiers), "cr_min_score": int(base.min_score),
                    "cr_excluded_sources": list(base.excluded_sources), "cr_title": "", "cr_rationale": "",
                    "cr_effective": (today.replace(day=1) + timedelta(days=32)).replace(day=1)}
        for k in FORM_KEYS:
            st.session_state.setdefault(k, defaults[k])
        st.caption((f"Starts from v{latest.number} (in force). " if latest is current and latest else
                    f"Starts from v{latest.number}, approved to take effect on {day(latest.effective_at, tz)}. "
                    if latest else "")
                   + "Empty lists do not restrict (any). Replay the draft before proposing it.")
        with st.form("propose", border=True):
            a, b = st.columns([2, 1])
            with a:
                # no max_chars (nor min/max below): a paste past the limit was thrown away without a
                # word; the save says what is too long, and the input stays
                st.text_input("Title", key="cr_title",
                              placeholder="What changes, e.g. 'Add EMEA mid-market'")
            with b:
                # no min_value: a typed past date would be refused in the field and the old one saved silently;
                # the save says why a past date is refused
                date_field(st, "Takes effect on", key="cr_effective")
            st.markdown("**Who we sell to (ICP)**")
            a, b = st.columns(2)
            with a:
                st.multiselect(FIELD_LABELS["industries"], sorted(set(options["industries"]) | set(base.industries)),
                               key="cr_industries", placeholder="Any industry")
                st.multiselect(FIELD_LABELS["regions"], list(REGIONS), format_func=REGIONS.get, key="cr_regions",
                               placeholder="Any region (or pick countries)")
                st.multiselect(FIELD_LABELS["job_functions"],
                               sorted(set(options["job_functions"]) | set(base.job_functions)),
                               key="cr_job_functions", placeholder="Any function")
                st.multiselect(FIELD_LABELS["tiers"], list(TIERS), format_func=TIERS.get, key="cr_tiers",
                               placeholder="Any tier")
            with b:
                st.multiselect(FIELD_LABELS["employee_bands"], list(EMPLOYEE_BANDS), key="cr_employee_bands",
                               placeholder="Any size")
                st.multiselect(FIELD_LABELS["countries"], sorted(set(options["countries"]) | set(base.countries)),
                               key="cr_countries", placeholder="Any country (or pick regions)",
                               help="A lead passes the geography rule when its country OR its region is listed.")
                st.multiselect(FIELD_LABELS["seniorities"], list(SENIORITIES), format_func=SENIORITIES.get,
                               key="cr_seniorities", placeholder="Any seniority")
            st.markdown("**When the lead is ready (MQL)**")
            a, b = st.columns(2)
            with a:
                st.number_input("Minimum score (0 = none)", step=5, key="cr_min_score", help="From 0 to 100.")
            with b:
                st.multiselect(FIELD_LABELS["excluded_sources"], list(source_labels), format_func=source_labels.get,
                               key="cr_excluded_sources", placeholder="No source excluded")
            st.text_area("Why (the other team reads this)", key="cr_rationale", height=90)
            a, b, _ = st.columns([1, 1, 2])
            with a:
                st.form_submit_button("Replay this draft", on_click=show_draft_replay, icon=":material/replay:")
            with b:
                st.form_submit_button("Propose for approval", type="primary", on_click=propose,
                                      icon=":material/send:")
            notices.show(PROPOSE)   # under the buttons, inside the form: where the reader is looking
        if st.session_state.get("cr_show_draft_replay"):
            draft = draft_from_form()
            if not draft.criteria.restricts_anything:
                st.warning("This draft restricts nothing: every lead would qualify.")
            st.markdown(f"**Replay of the draft** over the leads created {period.describe()} "
                        "(change the period on the Replay tab)")
            with st.spinner("Replaying…"):
                render_replay(qualification.replay(draft.criteria, period), currency, key="cr_draft")

# --------------------------------------------------------------------------- history

with tab_history:
    render_versions(versions, now, tz, key="criteria_versions")
    for v in versions:
        previous = qualification.previous_of(v, versions)
        with st.expander(f"v{v.number} · {fmt.md_text(v.title)} — {status_text(v, versions, now)}"):
            compared = f"v{previous.number}" if previous else "nothing (first version)"
            st.markdown(f"**Changes against {compared}**\n" + "\n".join(
                f"- {c}" for c in qualification.version_diff_text(previous, v, source_labels)))
            if v.rationale:
                st.markdown(f"**Why:** {fmt.md_lines(v.rationale)}")
            if v.status == "withdrawn":
                note = f": {fmt.md_text(v.withdrawn_note)}" if v.withdrawn_note else ""
                st.markdown(f"**{'Declined' if v.declined else 'Withdrawn'}** by {fmt.md_text(v.withdrawn_by_name)} on {day(v.withdrawn_at, tz)}{note}")
            data_table(rules_frame(v.criteria))
