"""My hand-offs' views: the summary tiles, the inbox tables, the card picker, the decision fields
(drafts kept per card for the session) and the bulk form, with the callbacks that record them.

Table and label builders are pure (tests/unit/test_handoff_views.py); the renderers call st.*,
and the callbacks write through ``queries.handoffs``. The card itself is components.handoff_card.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from components import format as fmt
from components import handoff_card as card_view
from components import notices, sla_views
from components.widgets import (clear_selection, data_table, form_generation, kpi, next_form, selection_key,
                                submission_key, table_height)
from queries import handoffs, submissions
from queries.access import User
from queries.handoffs import AlreadyDecided, HandoffError, NotAllowed

#: components.notices slot of the card's decision and recycle buttons: under the button pressed (or,
#: once the decided card no longer shows it, where it was)
CARD = "ho_card"
BULK_MESSAGE = "ho_bulk"   # the notices slot under the bulk form, where the person is looking
#: A bulk decision on more hand-offs than this asks first (a keyboard user picked all 22 by accident
#: and one click recorded 22 decisions, which the rep cannot undo); this many or fewer record at once.
BULK_CONFIRM_ABOVE = 5
#: The bulk form (widgets.form_generation: a new form, and submission key, after each recorded batch).
BULK_FORM = "ho_bulk"
#: Session State: the bulk decision asked about (its form's generation and the input as shown), and
#: the last recorded batch's message (generation, kind, text), said again to a double click's second post.
_BULK_ASKED, _BULK_DONE = "ho_bulk_asked", "ho_bulk_done"
#: Session State: the question was just asked (scroll it, with its buttons, into view once)
_BULK_NEW_QUESTION = "ho_bulk_new_question"
#: The container of the question and its buttons (CSS class st-key-ho_bulk_question)
BULK_QUESTION = "ho_bulk_question"
#: The inbox table (components.widgets.selection_key names its selection)
TABLE = "ho_table"

#: The decision fields of one card, keyed per hand-off (``ho_dec_<id>`` …). Not a form: a form's
#: values reach the server only on submit, so a half-typed decision was lost when the rep opened
#: another card. Each field keeps its value for the session (``persist_state``) while other cards
#: are shown, and is recorded only by its own card's button.
DRAFT_FIELDS = ("dec", "reason", "recycle", "comment")
DRAFT_KEY = re.compile(r"ho_(?:dec|reason|recycle|comment)_\d+")

STATUS_TEXT = {"overdue": "Overdue", "due soon": "Due within 24 h", "open": "Open", "accepted": "Accepted",
               "rejected": "Rejected"}
TOUCH_TEXT = {"touched in time": "In time", "touched late": "Late", "not touched, breached": "Breached",
              "pending": "Pending"}
DECISIONS = {"Accept": "accepted", "Reject": "rejected"}


def _flash(kind: str, text: str) -> None:
    notices.leave(CARD, kind, fmt.md_text(text))  # the messages carry lead and people names: shown as typed


# --------------------------------------------------------------------------- drafts


def draft(handoff_id: int) -> dict:
    """What the rep has put into a card's decision fields and not recorded (non-empty fields only)."""
    s = st.session_state
    values = {f: s.get(f"ho_{f}_{handoff_id}") for f in DRAFT_FIELDS}
    values["comment"] = str(values["comment"] or "").strip()
    return {f: v for f, v in values.items() if v}


def forget_draft(handoff_id: int) -> None:
    for f in DRAFT_FIELDS:
        st.session_state.pop(f"ho_{f}_{handoff_id}", None)


def forget_other_users_drafts(user: User) -> None:
    """Drafts belong to who typed them: signing out does not end the browser session, so the next
    user signed in here must not find (and record) the last one's half-typed decisions."""
    s = st.session_state
    if s.get("ho_drafts_of") != user.id:
        for key in [k for k in s.keys() if DRAFT_KEY.fullmatch(k)]:
            del s[key]
        s["ho_drafts_of"] = user.id


# --------------------------------------------------------------------------- callbacks


def submit_decision(user: User, handoff_id: int) -> None:
    s = st.session_state
    decision = DECISIONS.get(s.get(f"ho_dec_{handoff_id}"))
    reason = s.get(f"ho_reason_{handoff_id}") if decision == "rejected" else None
    try:
        message = handoffs.decide(user, handoff_id, decision, reason=reason, comment=s.get(f"ho_comment_{handoff_id}"),
                                  recycle=bool(s.get(f"ho_recycle_{handoff_id}")) and decision == "rejected")
    except HandoffError as err:
        text = str(err)
        if isinstance(err, (AlreadyDecided, NotAllowed)):   # the fields go: what was typed would vanish
            typed = draft(handoff_id).get("comment")
            if typed:
                text += f" Your comment was not stored: “{typed}”"
            forget_draft(handoff_id)
        _flash("error", text)
        return
    _flash("success", message)
    forget_draft(handoff_id)
    # The decided lead leaves the table: its selected row number would now open the next lead's
    # card (the card stays on the lead just decided).
    clear_selection(TABLE)
    s.pop("ho_last_pick", None)


def card_picked() -> None:
    """A card chosen in the list below the table: the row ticked in the table is no longer the
    card shown, so untick it (re-ticking the same row did not reopen its card)."""
    clear_selection(TABLE)
    st.session_state.pop("ho_last_pick", None)


def submit_recycle(user: User, handoff_id: int) -> None:
    try:
        _flash("success", handoffs.recycle(user, handoff_id))
    except HandoffError as err:
        _flash("error", str(err))


def bulk_message(outcomes: list, decision: str | None) -> tuple[str, str]:
    """(notice kind, text) for a bulk decision's outcomes (``handoffs.decide_many``): how many were
    recorded, and each skipped one named with why. (pure)"""
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    verb = "Accepted" if decision == "accepted" else "Rejected"
    text = f"{verb} {len(done)} of {len(outcomes)} hand-offs."
    if failed:
        text += f" Skipped {len(failed)}: " + " ".join(
            o.message if o.lead_name and o.message.startswith(o.lead_name)
            else f"{o.lead_name or f'Hand-off #{o.handoff_id}'} — {o.message}" for o in failed)
    return ("warning" if failed else "success"), text


def bulk_question(decision: str, n: int, reason: str | None, recycle: bool) -> str:
    """What a bulk decision above the threshold asks before it records anything. (pure)"""
    what = f"{fmt.number(n)} hand-off{'s' if n != 1 else ''}"
    if decision == "accepted":
        ask = f"Accept {what}?"
    else:
        ask = (f"Reject {what} as '{fmt.reason_label(reason)}'"
               + (" and recycle them to nurture?" if recycle else "?"))
    return f"**{ask}** They are the ones listed above. A decision cannot be undone."


def _bulk_entered() -> dict:
    """The bulk form's input as its callbacks read it: the selection, and the decision with only
    the fields that go with it."""
    s = st.session_state
    decision = DECISIONS.get(s.get("ho_bulk_dec"))
    rejecting = decision == "rejected"
    return {"ids": tuple(int(i) for i in s.get("ho_bulk_ids") or []), "decision": decision,
            "reason": s.get("ho_bulk_reason") if rejecting else None,
            "comment": str(s.get("ho_bulk_comment") or "").strip(),
            "recycle": bool(s.get("ho_bulk_recycle")) and rejecting}


def _bulk_checked(entered: dict) -> bool:
    """Whether the input can be recorded; else its refusal is left under the form."""
    try:
        handoffs.check_many(list(entered["ids"]), entered["decision"], reason=entered["reason"],
                            comment=entered["comment"], recycle=entered["recycle"])
    except HandoffError as err:
        notices.leave(BULK_MESSAGE, "error", fmt.md_text(str(err)))
        return False
    return True


def _said_again(gen: int) -> None:
    """A second post of a form already recorded (a double click): its message again, as the run
    that showed it may have been replaced by this one, and the form as the batch left it (the
    post brought back the selection and comment from before it)."""
    s = st.session_state
    done = s.get(_BULK_DONE)
    if done and done["gen"] == gen:
        notices.leave(BULK_MESSAGE, done["kind"], done["text"])
        if done["decided"]:
            s["ho_bulk_ids"], s["ho_bulk_comment"] = list(done["left"]), ""


def submit_bulk(user: User, gen: int = 0, key: str | None = None) -> None:
    """"Record for all selected": bad input is refused; more than BULK_CONFIRM_ABOVE hand-offs ask
    first (the form then shows the question); fewer are recorded at once."""
    if gen != form_generation(BULK_FORM):
        _said_again(gen)
        return
    entered = _bulk_entered()
    if not _bulk_checked(entered):
        return
    if len(entered["ids"]) > BULK_CONFIRM_ABOVE:
        st.session_state[_BULK_ASKED] = {**entered, "gen": gen}
        st.session_state[_BULK_NEW_QUESTION] = True
        return
    _record_bulk(user, entered, gen, key)


def confirm_bulk(user: User, gen: int, key: str) -> None:
    """"Yes, …": records exactly what the question showed. Input that differs from it (a stale
    page) is asked about again; a second post of a recorded form records nothing and says so."""
    s = st.session_state
    asked = s.get(_BULK_ASKED)
    if asked is None or asked["gen"] != gen:
        _said_again(gen)
        return
    entered = _bulk_entered()
    if {**entered, "gen": gen} != asked:
        s.pop(_BULK_ASKED, None)
        if _bulk_checked(entered):
            s[_BULK_ASKED] = {**entered, "gen": gen}
            s[_BULK_NEW_QUESTION] = True
            notices.leave(BULK_MESSAGE, "warning", "The selection changed since the question: nothing was "
                                                   "recorded. Check the question again.")
        return
    del s[_BULK_ASKED]
    _record_bulk(user, asked, gen, key)


def back_from_bulk() -> None:
    """"Back": no question, nothing recorded; the selection, decision, reason and comment stay."""
    st.session_state.pop(_BULK_ASKED, None)


def _record_bulk(user: User, entered: dict, gen: int, key: str | None) -> None:
    s = st.session_state
    decision = entered["decision"]
    outcomes = None
    try:
        outcomes = handoffs.decide_many(user, list(entered["ids"]), decision, reason=entered["reason"],
                                        comment=entered["comment"], recycle=entered["recycle"], submission=key)
    except submissions.AlreadySubmitted:
        # the first post of this form recorded the batch; its message, with its numbers, may not have been drawn
        kind, text = "success", "Recorded already (by your first click): nothing was recorded twice."
    except HandoffError as err:
        notices.leave(BULK_MESSAGE, "error", fmt.md_text(str(err)))
        return
    else:
        kind, text = bulk_message(outcomes, decision)
        text = fmt.md_text(text)
    decided = [o.handoff_id for o in outcomes if o.ok] if outcomes else []
    left = [o.handoff_id for o in outcomes if not o.ok] if outcomes else []
    if decided:
        s["ho_bulk_ids"], s["ho_bulk_comment"] = left, ""
    next_form(BULK_FORM, gen)   # a new form, with a key of its own
    s[_BULK_DONE] = {"gen": gen, "kind": kind, "text": text, "decided": decided, "left": left}
    notices.leave(BULK_MESSAGE, kind, text)


# --------------------------------------------------------------------------- whose hand-offs


def scopes(user: User) -> dict[str, str]:
    """Whose hand-offs the user may list ({scope: label}): their own; a sales lead's team too; an
    admin everyone's. (pure)"""
    options = {"mine": "Mine"}
    if user.has("sales_lead") and user.team_id is not None:
        options["team"] = "My team"
    if user.has("admin"):
        options = {"all": "Everyone"}
    return options


def scope_picker(options: dict[str, str]) -> str:
    """The scope chosen ("Show" when there is a choice)."""
    scope = "all" if "all" in options else "mine"
    if len(options) > 1:
        scope = st.segmented_control("Show", list(options), format_func=options.get, default="mine",
                                     key="ho_scope") or "mine"
    return scope


def accepted_untouched_caption(n: int) -> str | None:
    """The tile's pointer to the open hand-offs this inbox does not list (pure): accepted, never
    contacted, so My SLA's open count = awaiting here + these."""
    if not n:
        return None
    return f"+ {fmt.number(n)} accepted, not contacted (My SLA)"


def summary_tiles(counts) -> None:
    """The four tiles over every hand-off in scope (``handoffs.inbox_summary``)."""
    cols = st.columns(4)
    with cols[0]:
        # "due within 24 h" under the overdue tile read as a part of the overdue ones; they are not
        kpi("Awaiting decision", fmt.number(counts.awaiting), good_when="neutral",
            caption=f"{fmt.number(counts.due_soon)} due within 24 h",
            help="Hand-offs nobody has accepted or rejected yet; of them, those whose decision is due within "
                 "the next 24 hours.")
    with cols[1]:
        kpi("Decision overdue", fmt.number(counts.overdue), good_when="down",
            caption=f"of the {fmt.number(counts.awaiting)} awaiting" if counts.overdue else None)
    with cols[2]:
        kpi("Untouched past the SLA", fmt.number(counts.untouched_breached), good_when="down",
            caption=accepted_untouched_caption(counts.accepted_untouched),
            help="Awaiting a decision, the first-touch deadline passed, and no rep touch yet (call, email, meeting, "
                 "LinkedIn): the rows whose first touch reads 'Breached'. Those touched late are not counted. "
                 "Accepted leads not contacted yet are decided, so this inbox does not list them: My SLA lists "
                 "them with the hand-offs awaiting a decision, as the open hand-offs.")
    with cols[3]:
        kpi(f"Accepted, last {handoffs.RECENT_DAYS} days",
            fmt.pct(counts.accepted / counts.decided) if counts.decided else fmt.DASH,
            good_when="neutral", caption=f"{fmt.number(counts.accepted)} of {fmt.number(counts.decided)} decided")


# --------------------------------------------------------------------------- the inbox


def _local(moments: pd.Series, tz: str) -> pd.Series:
    return moments.dt.tz_convert(tz).dt.tz_localize(None)


def inbox_table(rows: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The inbox's rows as shown, times in ``tz``. (pure)"""
    # what to act on first (status, due date, first touch): on a laptop's width the last columns
    # sit behind a scroll, and 'First touch: Breached' was among them
    return pd.DataFrame({
        "Lead": rows["lead_name"], "Company": rows["account_name"], "Owner": rows["owner_name"],
        "Status": rows["decision_status"].map(STATUS_TEXT),
        "Decide by": _local(rows["decision_due_at"], tz),
        "First touch": rows["touch_status"].map(TOUCH_TEXT),
        "Handed off": _local(rows["handed_off_at"], tz),
        "Source": rows["source"], "Tier": rows["tier"], "Score": rows["score"],
    })


def decided_table(rows: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Decided hand-offs: when each was decided and why, first (the decision due date and the
    status word said neither). (pure)"""
    out = inbox_table(rows, tz).drop(columns=["Decide by"])
    out["Decided"] = _local(rows["decided_at"], tz).to_numpy()
    out["Reason"] = [fmt.reason_label(r) + (" · recycled" if pd.notna(c) else "") if pd.notna(r) else ""
                     for r, c in zip(rows["rejection_reason"], rows["recycled_at"])]
    first = ["Lead", "Company", "Status", "Reason", "Decided"]   # on a laptop's width, before the scroll
    return out[first + [c for c in out.columns if c not in first]]


def inbox(frame: pd.DataFrame, counts, tz: str, *, hide_owner: bool):
    """The open hand-offs (a table whose row opens its card) and, folded, those decided lately.
    Returns the open table's selection event (None when nothing awaits a decision)."""
    open_rows, recent = frame[frame["decision"].isna()], frame[frame["decision"].notna()]
    # Dates carry the year when any hand-off listed is from another year (an old one must not read as coming).
    when = sla_views.datetime_column_format(pd.concat([frame["handed_off_at"], frame["decision_due_at"]]), tz)
    config = {"Handed off": st.column_config.DatetimeColumn(format=when),
              "Decide by": st.column_config.DatetimeColumn(format=when),
              "Score": st.column_config.NumberColumn(format="%d", width="small"),
              "Tier": st.column_config.NumberColumn(format="%d", width="small")}
    owner = ["Owner"] if hide_owner else []
    st.markdown(f"**Awaiting a decision ({fmt.number(counts.awaiting)})** · still in time first (soonest due), then "
                "overdue (most recently due first) — click a row to open its card")
    if counts.awaiting > len(open_rows):
        st.caption(f"Listing the {fmt.number(len(open_rows))} most urgent of {fmt.number(counts.awaiting)}; the "
                   "tiles count them all. The oldest overdue ones are also on Leads slipping through.")
    if open_rows.empty:
        st.caption("Nothing awaits a decision.")
        selection = None
    else:
        shown = inbox_table(open_rows, tz).drop(columns=owner)
        selection = data_table(shown, column_config=config,
                               on_select="rerun", selection_mode="single-row",
                               key=selection_key(TABLE),
                               height=table_height(len(shown), 320))
    if len(recent):
        with st.expander(f"Decided in the last {handoffs.RECENT_DAYS} days ({fmt.number(counts.decided)}"
                         + (f", newest {fmt.number(len(recent))} listed)" if counts.decided > len(recent) else ")")):
            decided = decided_table(recent, tz).drop(columns=owner)
            data_table(decided, column_config={**config, "Decided": st.column_config.DatetimeColumn(format=when),
                                               "Reason": st.column_config.TextColumn(width="medium")})
    return selection


# --------------------------------------------------------------------------- which card


def card_labels(frame: pd.DataFrame) -> dict[int, str]:
    """{hand-off id: its option label}: lead, company, status. Streamlit finds a selected option by
    its label, so two namesakes at one account would open (and bulk-decide) the same hand-off: a
    label shared by several carries the hand-off number. (pure)"""
    labels = {int(r.handoff_id): f"{r.lead_name} · {r.account_name} · {STATUS_TEXT[r.decision_status]}"
              for r in frame.itertuples()}
    repeated = pd.Series(list(labels.values())).value_counts()
    return {i: f"{text} · #{i}" if repeated[text] > 1 else text for i, text in labels.items()}


def card_picker(frame: pd.DataFrame, selection, labels: dict[int, str]) -> int:
    """The hand-off whose card is open: a row just ticked in the table, else the one chosen in the
    list (the first when that one is gone)."""
    open_rows = frame[frame["decision"].isna()]
    ids = list(labels)
    picked_rows = selection.selection.rows if selection is not None else []
    if picked_rows:
        picked = int(open_rows.iloc[picked_rows[0]]["handoff_id"])
        if st.session_state.get("ho_last_pick") != picked:
            st.session_state["ho_last_pick"] = picked
            st.session_state["ho_open"] = picked
    if st.session_state.get("ho_open") not in labels:
        st.session_state["ho_open"] = ids[0]
    st.divider()
    return st.selectbox("Hand-off card", ids, format_func=labels.get, key="ho_open", on_change=card_picked)


def card(c, as_of, versions: list, current, source_labels: dict, currency: str) -> None:
    """The card in its frame: header, SLA clock, origin beside fit, the account."""
    with st.container(border=True):
        card_view.header(c)
        card_view.sla_clock(c, as_of)
        left, right = st.columns(2, gap="medium")
        with left:
            card_view.origin(c, {v.id: v for v in versions})
        with right:
            card_view.fit(c, current, source_labels)
        card_view.account(c, currency)  # full width: its deals and contacts are tables


# --------------------------------------------------------------------------- decide


def decision_panel(user: User, handoff_id: int, facts: dict, may: bool) -> None:
    """The card's decision fields (when it awaits a decision the user may record), what became of a
    draft left on it, who else decides it, the recycle button, and the card's message."""
    reason_options = list(handoffs.REASONS)
    if facts["decision"] is None and may:
        with st.container(border=True, key=f"ho_decide_{handoff_id}"):
            st.markdown("**Your decision**")
            a, b = st.columns([1, 2])
            with a:
                # Nothing preselected: a decision is a choice, never a default one click records.
                st.radio("Decision", ["Accept", "Reject"], key=f"ho_dec_{handoff_id}", horizontal=True, index=None,
                         persist_state="session")
                st.selectbox("Rejection reason (when rejecting)", reason_options, format_func=fmt.reason_label,
                             index=None, placeholder="Choose a reason", key=f"ho_reason_{handoff_id}",
                             persist_state="session")
                st.checkbox("Recycle to nurture (when rejecting)", key=f"ho_recycle_{handoff_id}",
                            help="Marketing keeps nurturing the lead; it can qualify again later.",
                            persist_state="session")
            with b:
                # no max_chars: a paste past the limit was thrown away without a word; recording says how
                # long the comment is and what fits, and the text stays in the box
                st.text_area("Comment (required for 'Other')", key=f"ho_comment_{handoff_id}", height=122,
                             persist_state="session",
                             placeholder="What should marketing know? E.g. 'Student, no buying role'.")
            st.button("Record decision", key=f"ho_record_{handoff_id}", type="primary", on_click=submit_decision,
                      args=(user, handoff_id))
            notices.show(CARD)
            if draft(handoff_id):
                st.caption("Not recorded yet. This draft stays on this lead's card while you open others.")
    elif draft(handoff_id):
        # decided (or handed to someone else) while the rep's draft waited on another card: say so once
        kept = draft(handoff_id)
        forget_draft(handoff_id)
        typed = f" Your comment was: “{kept['comment']}”" if kept.get("comment") else ""
        st.warning(fmt.md_text("Your draft decision on this lead was not recorded: "
                               + ("it was decided meanwhile." if facts["decision"] is not None
                                  else "you can no longer decide it.") + typed), icon=":material/info:")
    if facts["decision"] is None and not may:
        st.info(f"Handed to {fmt.md_text(facts['owner_name'])}: only they or their team's sales lead can decide.",
                icon=":material/lock:")
    if facts["decision"] == "rejected" and facts["recycled_at"] is None and may:
        st.button("Recycle to nurture", on_click=submit_recycle, args=(user, handoff_id), icon=":material/recycling:",
                  help="Send this rejected lead back to marketing's nurture programme.")
    notices.show(CARD)   # a decision recorded: its fields went, the message stays where they were


def engagement(c) -> None:
    """Under the decision: the lead's engagement and activity timeline."""
    st.markdown("**Engagement and activity**")
    card_view.timeline(c)


# --------------------------------------------------------------------------- bulk


def gone_text(gone: list[int], labels: dict[int, str]) -> str:
    """The warning for hand-offs picked for the bulk form that were decided or moved elsewhere since:
    each named by its lead. (pure)"""
    one = len(gone) == 1
    return (", ".join(labels.get(i, f"Hand-off #{i}").split(" · ")[0] for i in gone)
            + (" was" if one else " were") + " decided or reassigned since you picked "
            + ("it" if one else "them") + ", so the selection no longer holds " + ("it." if one else "them."))


def bulk_section(user: User, frame: pd.DataFrame, labels: dict[int, str]) -> None:
    """Decide on several open hand-offs of ``frame`` at once (when the user may decide more than
    one); the bulk message otherwise stands alone (the form went with the last but one)."""
    decidable = [int(r.handoff_id) for r in frame[frame["decision"].isna()].itertuples()
                 if handoffs.may_decide(user, int(r.owner_id), int(r.owner_team_id))]
    if len(decidable) > 1 and user.can("handoffs.decide"):
        # keyed: the count in the title changes after a bulk decision, and a new title made a new,
        # closed section that hid the result shown inside it
        with st.expander(f"Decide on several at once ({len(decidable)} open)", icon=":material/checklist:",
                         key="ho_bulk_section",
                         expanded=notices.pending(BULK_MESSAGE) or _BULK_ASKED in st.session_state):
            # A label (text) instead of an id: the form sent a choice that is no longer an option (a
            # double click's second post, drawn before the batch its first one recorded): dropped
            # without a word, as the batch's own message says what became of it.
            chosen = [i for i in st.session_state.get("ho_bulk_ids", []) if not isinstance(i, str)]
            done = st.session_state.get(_BULK_DONE) or {}
            # not those this session's last batch decided (a double click's second post brings them back)
            gone = [i for i in chosen if i not in decidable and i not in done.get("decided", ())]
            st.session_state["ho_bulk_ids"] = [i for i in chosen if i in decidable]
            if gone:   # decided (or moved) elsewhere since they were picked: say so, not only drop them
                st.warning(gone_text(gone, labels), icon=":material/info:")
            gen = form_generation(BULK_FORM)
            asked = _asking(gen)
            reason_options = list(handoffs.REASONS)
            # a form of its own after each recorded batch (widgets.form_generation): a double click's
            # second post names a form the next run no longer has; should it still reach a callback,
            # the form's submission key records the batch once
            with st.form(f"bulk_decide_{gen}", border=False):
                # while asking, the input stays editable: "Yes" records what the question says, and input
                # changed since then is asked about again (disabled while asking, the decision radio came
                # back empty after "Back" in AppTest)
                # every value gets a label: a second post's stale choice (text) crashed the serializer
                st.multiselect("Hand-offs", decidable, format_func=lambda i: labels.get(i, str(i)), key="ho_bulk_ids",
                               placeholder="Choose the hand-offs")
                a, b = st.columns([1, 2])
                with a:
                    st.radio("Decision", ["Accept", "Reject"], key="ho_bulk_dec", horizontal=True, index=None)
                    st.selectbox("Rejection reason (when rejecting)", reason_options, format_func=fmt.reason_label,
                                 index=None, placeholder="Choose a reason", key="ho_bulk_reason")
                    st.checkbox("Recycle to nurture (when rejecting)", key="ho_bulk_recycle")
                with b:
                    st.text_area("Comment for all of them", key="ho_bulk_comment", height=122)
                if asked is None:
                    st.form_submit_button("Record for all selected", on_click=submit_bulk,
                                          args=(user, gen, submission_key(BULK_FORM, gen)))
                else:
                    _bulk_question(user, asked, gen)
                notices.show(BULK_MESSAGE)   # under the button: at the top of the page it was off-screen
    else:   # the bulk form went (one or no hand-off left): say it here
        notices.show(BULK_MESSAGE)


def _asking(gen: int) -> dict | None:
    """The bulk decision waiting for its confirmation on the form ``gen``, over the selection as it
    stands (hand-offs decided or moved elsewhere meanwhile left it: the question counts the rest, so
    it is asked again; none left, nothing is asked)."""
    s = st.session_state
    asked = s.get(_BULK_ASKED)
    if asked is None or asked["gen"] != gen:
        s.pop(_BULK_ASKED, None)
        return None
    ids = tuple(int(i) for i in s.get("ho_bulk_ids") or [])
    if not ids:
        del s[_BULK_ASKED]
        return None
    if ids != asked["ids"]:
        asked = s[_BULK_ASKED] = {**asked, "ids": ids}
    return asked


def _bulk_question(user: User, asked: dict, gen: int) -> None:
    """The question in place of the form's button, with the confirm button under it and a way back."""
    verb = "accept" if asked["decision"] == "accepted" else "reject"
    n = len(asked["ids"])
    with st.container(key=BULK_QUESTION):
        st.warning(bulk_question(asked["decision"], n, asked["reason"], asked["recycle"]), icon=":material/help:")
        # the confirm button below the question, not where "Record for all selected" was: a double
        # click's second click lands beside the next form's button, not on it
        yes, back = st.columns([1, 1])
        with yes:
            st.form_submit_button(f"Yes, {verb} {fmt.number(n)} hand-off{'s' if n != 1 else ''}", type="primary",
                                  key=f"ho_bulk_yes_{gen}", on_click=confirm_bulk,
                                  args=(user, gen, submission_key(BULK_FORM, gen)))
        with back:
            st.form_submit_button("Back: change the selection", key=f"ho_bulk_back_{gen}", on_click=back_from_bulk)
        if st.session_state.pop(_BULK_NEW_QUESTION, False):
            # the buttons sat under the bottom edge of a 1366x768 window; as a save's message, once
            notices.scroll_into_view(BULK_QUESTION)
