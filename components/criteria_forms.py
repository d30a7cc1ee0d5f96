"""Qualification criteria's forms: a proposal awaiting approval with its approve / withdraw /
decline controls, the replay's pickers, and the propose form (kept in ``cr_*`` session keys), with
the callbacks that save them through ``queries.qualification``.

Read-only renderers (the version in force, the history, the replay result) are in
components.criteria_view; pure helpers here are tested in tests/unit/test_criteria_forms.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import streamlit as st

from components import format as fmt
from components import notices
from components.criteria_view import day, status_text
from components.widgets import ROW_NAMED, date_field, form_generation, next_form, row_button, row_name, submission_key
from queries import qualification, submissions
from queries.access import User
from queries.criteria_rules import EMPLOYEE_BANDS, FIELD_LABELS, REGIONS, SENIORITIES, TIERS, Criteria, CriteriaError
from queries.periods import PRESETS, Period, PeriodError, local_today, preset_period
from queries.qualification import Version

#: Where a save's message goes (components.notices): under the propose form's buttons, or under the
#: proposal a lead approved, withdrew or declined (or, once it left the list, above the list).
PROPOSE, DECIDED = "cr_propose", "cr_decided"
#: The propose form's fields: emptied after a proposal, so the next one starts from the version in force.
FORM_KEYS = ("cr_title", "cr_effective", "cr_industries", "cr_countries", "cr_regions", "cr_employee_bands",
             "cr_job_functions", "cr_seniorities", "cr_tiers", "cr_min_score", "cr_excluded_sources", "cr_rationale")
#: The periods of leads a replay offers
REPLAY_PRESETS = ["last_quarter", "last_90_days", "last_12_months", "this_year", "last_month", "custom"]
SHOW_DRAFT_REPLAY = "cr_show_draft_replay"


def other_side(side: str) -> str:
    """The team whose lead approves what ``side`` proposed. (pure)"""
    return "sales" if side == "marketing" else "marketing"


def decided_slot(version_id: int) -> str:
    return f"{DECIDED}_{version_id}"


# --------------------------------------------------------------------------- callbacks


def approve(user: User, version_id: int, seen: int, tz: str) -> None:
    try:
        v = qualification.approve(user, version_id, seen)
    except CriteriaError as err:   # the proposal stays in the list: said under its buttons
        notices.leave(decided_slot(version_id), "error", str(err))
        return
    when = "now" if v.effective_at <= datetime.now(timezone.utc) else f"on {day(v.effective_at, tz)}"
    notices.leave(DECIDED, "success", f"Approved v{v.number}. It is in force {when}; every MQL from then on "
                                      "records it.")


def withdraw(user: User, version_id: int, seen: int, name: str, own: bool | None = None, gen: int = 0,
             submission: str | None = None) -> None:
    """Withdraw (``own``: the user proposed it) or decline the proposal, with the button's key
    ``submission`` (its instance ``gen``)."""
    try:
        what = qualification.withdraw(user, version_id, seen, st.session_state.get(f"cr_note_{version_id}"),
                                      submission=submission)
    except submissions.AlreadySubmitted:
        # done already (a double click's second post, which used to be refused in red as "no longer
        # awaiting approval" by its own first one): the first one's message
        what = "withdrawn" if own else "declined"
    except CriteriaError as err:
        notices.leave(decided_slot(version_id), "error", str(err))
        return
    next_form(f"cr_withdraw_{version_id}", gen)
    notices.leave(DECIDED, "success", f"You withdrew {name}." if what == "withdrawn" else
                  f"You declined {name}; its author sees your note.")


def draft_from_form() -> qualification.Draft:
    """The propose form's fields as a draft version."""
    s = st.session_state
    criteria = Criteria(industries=s.get("cr_industries"), countries=s.get("cr_countries"), regions=s.get("cr_regions"),
                        employee_bands=s.get("cr_employee_bands"), job_functions=s.get("cr_job_functions"),
                        seniorities=s.get("cr_seniorities"), tiers=s.get("cr_tiers"),
                        min_score=s.get("cr_min_score") or 0, excluded_sources=s.get("cr_excluded_sources"))
    return qualification.Draft(s.get("cr_title") or "", criteria, s.get("cr_effective"), s.get("cr_rationale"))


def propose(user: User, tz: str, gen: int = 0, submission: str | None = None) -> None:
    """Save the propose form (its instance ``gen``, whose key is ``submission``)."""
    try:
        vid = qualification.propose(user, draft_from_form(), submission=submission)
    except submissions.AlreadySubmitted:
        # proposed already (a double click's second submission, which used to be refused as the
        # same criteria "already proposed" by its own first one): the proposal is in the list
        notices.leave(PROPOSE, "success", "Proposed: your proposal is listed under *In force and proposals*, "
                                          "awaiting the other team's lead.")
    except CriteriaError as err:
        notices.leave(PROPOSE, "error", str(err))
        return
    else:
        v = qualification.by_id(vid)
        notices.leave(PROPOSE, "success", f"Proposed v{v.number} · {fmt.md_text(v.title)}, to take effect on "
                                          f"{day(v.effective_at, tz)} once a {other_side(v.proposed_side)} lead "
                                          "approves it (or on approval, if that comes later).")
    next_form("propose", gen)   # a new form, with a key of its own
    st.session_state[SHOW_DRAFT_REPLAY] = False
    for key in FORM_KEYS:   # the draft is stored: a new, empty form (the same draft twice is no use)
        st.session_state.pop(key, None)


def show_draft_replay() -> None:
    st.session_state[SHOW_DRAFT_REPLAY] = True


def draft_replay_asked() -> bool:
    """Whether "Replay this draft" was pressed (and no proposal made since)."""
    return bool(st.session_state.get(SHOW_DRAFT_REPLAY))


# --------------------------------------------------------------------------- a proposal


def may_approve(user: User, v: Version, side: str | None) -> bool:
    """A lead of the other side than the proposal's, who did not propose it. (pure)"""
    return user.can("criteria.approve") and side is not None and side != v.proposed_side \
        and v.proposed_by_user_id != user.id


def effective_text(v: Version, now: datetime, tz: str) -> str:
    """When a proposal would take effect; one dated in the past takes effect on approval. (pure)"""
    if v.effective_at <= now:
        return f"Proposed to take effect on {day(v.effective_at, tz)}: approving makes it effective now"
    return f"Takes effect on {day(v.effective_at, tz)}"


def against_text(replaces: Version | None, current: Version | None, tz: str) -> str:
    """What a proposal's changes are read against: the version it would replace. (pure)"""
    if replaces is None:
        return "no version"
    if replaces is current:
        return "the version in force"
    return f"v{replaces.number}, in force from {day(replaces.effective_at, tz)}, which it would replace"


def proposal(user: User, v: Version, versions: list[Version], current: Version | None, side: str | None,
             now: datetime, tz: str, source_labels: dict) -> None:
    """One proposal awaiting approval: who proposed it when, when it takes effect, why, what it
    changes, and the approve / withdraw / decline controls the user has."""
    other = other_side(v.proposed_side)
    with st.container(border=True):
        st.markdown(f"**v{v.number} · {fmt.md_text(v.title)}**  \n:orange-badge[Awaiting a {other} lead] "
                    f":gray[proposed by {fmt.md_text(v.proposed_by_name)} ({v.proposed_side}) on "
                    f"{day(v.proposed_at, tz)}]")
        st.caption(effective_text(v, now, tz))
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
        st.markdown(f"**Changes against {against_text(replaces, current, tz)}**\n"
                    + "\n".join(f"- {c}" for c in changes))
        approver = may_approve(user, v, side)
        if approver:
            st.button(f"Approve v{v.number}", key=f"cr_approve_{v.id}", type="primary",
                      on_click=approve, args=(user, v.id, v.version, tz), icon=":material/handshake:")
        elif user.can("criteria.approve"):
            st.caption(f"A {other} lead approves this version" +
                       (" (you proposed it)." if v.proposed_by_user_id == user.id else "."))
        own = v.proposed_by_user_id == user.id
        if user.can("criteria.propose") and (own or approver):   # the author withdraws; the other side declines
            # one per proposal waiting: named for it (widgets.row_button)
            about = f"v{v.number} {v.title}"
            with st.container(key=f"{ROW_NAMED}cr_pop_{v.id}", width="content"), \
                    st.popover(row_name("Withdraw" if own else "Decline", about), icon=":material/undo:"):
                st.text_input("Note" + ("" if own else " (required: why do you decline?)"),
                              key=f"cr_note_{v.id}")
                gen = form_generation(f"cr_withdraw_{v.id}")   # a key of its own per button drawn
                row_button(st, "Withdraw the proposal" if own else "Decline the proposal", about=about,
                           key=f"cr_withdraw_{v.id}", on_click=withdraw,
                           args=(user, v.id, v.version, f"v{v.number} “{fmt.md_text(v.title)}”", own, gen,
                                 submission_key(f"cr_withdraw_{v.id}", gen)))
        st.caption("Replay it on the Replay tab before deciding.")
        notices.show(decided_slot(v.id))


def proposals(user: User, waiting: list[Version], versions: list[Version], current: Version | None,
              side: str | None, now: datetime, tz: str, source_labels: dict) -> None:
    """The proposals awaiting approval, the message of the one just decided above them."""
    st.markdown("#### Awaiting approval")
    notices.show(DECIDED)   # the proposal decided on has left the list: its message heads it
    if not waiting:
        st.caption("No proposal is waiting. Use *Propose a change* to start one.")
    for v in waiting:
        proposal(user, v, versions, current, side, now, tz, source_labels)


# --------------------------------------------------------------------------- replay


def replay_candidates(versions: list[Version], current: Version | None) -> list[Version]:
    """The versions a replay offers: every one but the version in force, proposals first, then the
    newest. (pure)"""
    candidates = [v for v in versions if current is None or v.id != current.id]
    candidates.sort(key=lambda v: (v.status != "proposed", -v.number))
    return candidates


def period_pair(custom) -> tuple[date, date] | None:
    """The custom range picked (a single day when only its start is). (pure)"""
    pair = tuple(custom) if custom else None
    if pair is not None and len(pair) == 1:
        pair = (pair[0], pair[0])
    return pair


def replay_pickers(candidates: list[Version], versions: list[Version], now: datetime,
                   tz: str) -> tuple[Period, int | None]:
    """(the period of leads to replay over, the version picked): the version beside the period
    (a preset, or custom dates); a period that cannot be read is said and replaced by last quarter."""
    a, b, c = st.columns([2, 1, 1])
    with b:
        preset = st.selectbox("Leads created", REPLAY_PRESETS, format_func=PRESETS.get, key="cr_period")
    with c:
        custom = None
        today = local_today(tz)
        if preset == "custom":
            custom = date_field(st, "From – to", value=(today - timedelta(days=90), today), key="cr_custom")
    try:
        period = preset_period(preset, today, tz, period_pair(custom))
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
    return period, chosen


# --------------------------------------------------------------------------- propose


def form_defaults(base: Criteria, today: date) -> dict:
    """The propose form's starting values: ``base``'s rules, no title or rationale, taking effect on
    the first of next month. (pure)"""
    return {"cr_industries": list(base.industries), "cr_countries": list(base.countries),
            "cr_regions": list(base.regions), "cr_employee_bands": list(base.employee_bands),
            "cr_job_functions": list(base.job_functions), "cr_seniorities": list(base.seniorities),
            "cr_tiers": list(base.tiers), "cr_min_score": int(base.min_score),
            "cr_excluded_sources": list(base.excluded_sources), "cr_title": "", "cr_rationale": "",
            "cr_effective": (today.replace(day=1) + timedelta(days=32)).replace(day=1)}


def starts_from_text(latest: Version | None, current: Version | None, tz: str) -> str:
    """The caption over the propose form: which version it starts from. (pure)"""
    return ((f"Starts from v{latest.number} (in force). " if latest is current and latest else
             f"Starts from v{latest.number}, approved to take effect on {day(latest.effective_at, tz)}. "
             if latest else "")
            + "Empty lists do not restrict (any). Replay the draft before proposing it.")


def propose_form(user: User, versions: list[Version], current: Version | None, options: dict,
                 source_labels: dict, tz: str) -> None:
    """The propose form, starting from the newest approved version (``options``: the industries,
    countries and job functions found in the data, ``qualification.options()``)."""
    # start from the newest approved version: one approved in advance replaces the one in force
    latest = qualification.in_force_among(versions, datetime.max.replace(tzinfo=timezone.utc))
    base = latest.criteria if latest else Criteria()
    defaults = form_defaults(base, local_today(tz))
    for k in FORM_KEYS:
        st.session_state.setdefault(k, defaults[k])
    st.caption(starts_from_text(latest, current, tz))
    # a form of its own after each proposal (widgets.form_generation): a double click's second
    # submission names the form already proposed; should it still reach the callback, the form's
    # submission key proposes it only once
    gen = form_generation("propose")
    with st.form(f"propose_{gen}", border=True):
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
            st.multiselect(FIELD_LABELS["countries"],
                           sorted(set(options["countries"]) | set(base.countries), key=fmt.country_sort_key),
                           format_func=fmt.country, key="cr_countries", placeholder="Any country (or pick regions)",
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
                                  args=(user, tz, gen, submission_key("propose", gen)), icon=":material/send:")
        notices.show(PROPOSE)   # under the buttons, inside the form: where the reader is looking


def draft_replay_heading(draft: qualification.Draft, period: Period) -> None:
    if not draft.criteria.restricts_anything:
        st.warning("This draft restricts nothing: every lead would qualify.")
    st.markdown(f"**Replay of the draft** over the leads created {period.describe()} "
                "(change the period on the Replay tab)")
