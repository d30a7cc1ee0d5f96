"""Hand-offs as a rep works them: the inbox, the hand-off card, accept / reject / recycle.

A decision is a ``lead_event`` row (``accepted`` / ``rejected`` / ``recycled``) carrying the acting
rep (``actor_rep_id``) and the signed-in user (``actor_user_id``); the projection trigger updates
``handoff``. This module never updates ``handoff`` itself.

Who may decide: a rep on the hand-offs owned by their own rep record; a sales lead also on those
of the reps of their team. Two people (or two tabs) deciding the same hand-off: the first wins,
the second gets :class:`AlreadyDecided` ("Already decided by <name> at <time>"), from the trigger's
SQLSTATE AB002, and nothing is stored for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, metrics, settings, submissions, users
from queries.access import User
from queries.db import get_engine
from queries.periods import zone
from queries.sqlfiles import q
from queries.words import too_long

INBOX_TTL = 30
CARD_TTL = 30
#: Decided hand-offs stay in the inbox this long (so the rep sees what happened).
RECENT_DAYS = 14
INBOX_LIMIT = 500
MAX_COMMENT_CHARS = 2000
MAX_BULK = 200
#: rows the hand-off card lists; its counts and sums cover them all
CARD_CONTACTS_LIMIT = 50
CARD_OPPORTUNITIES_LIMIT = 100

REASONS = ("bad_fit", "no_budget", "wrong_contact", "duplicate", "no_response", "not_interested", "other")
DECISIONS = ("accepted", "rejected")
#: activity types that are marketing engagement (first / last touch of a lead's journey)
ENGAGEMENT_TYPES = ("form_fill", "webinar", "content_download", "email_click", "web_visit")
#: The card counts each kind of engagement over this many days before the hand-off.
ENGAGEMENT_DAYS = 90


class HandoffError(ValueError):
    """A decision that cannot be recorded; the message is shown to the user as is."""


class NotAllowed(HandoffError):
    """The user may not decide on this hand-off."""


class AlreadyDecided(HandoffError):
    """Somebody decided first (another person, another tab, the CRM)."""


# --------------------------------------------------------------------------- pure helpers


def may_decide(user: User, owner_id: int, owner_team_id: int | None) -> bool:
    """A rep on their own hand-offs; a sales lead also on their team's."""
    if not user.can("handoffs.decide"):
        return False
    if user.rep_id is not None and owner_id == user.rep_id:
        return True
    return user.has("sales_lead") and user.team_id is not None and owner_team_id == user.team_id


def clean_decision(decision: str, reason: str | None, comment: str | None, recycle: bool) -> tuple[str | None, str | None]:
    """Validate a decision's inputs; returns (reason, comment) normalised. Raises HandoffError."""
    if decision not in DECISIONS:
        raise HandoffError("Choose Accept or Reject.")
    comment = str(comment or "").replace("\x00", "").strip() or None  # NUL (a paste) cannot be stored
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise HandoffError(too_long("The comment", len(comment), MAX_COMMENT_CHARS))
    if decision == "accepted":
        if reason:
            raise HandoffError("A rejection reason only goes with Reject.")
        if recycle:
            raise HandoffError("Only a rejected lead can be recycled to nurture.")
        return None, comment
    if not reason:
        raise HandoffError("Choose why you reject: pick a reason from the list.")
    if reason not in REASONS:
        raise HandoffError(f"'{reason}' is not a rejection reason.")
    if reason == "other" and not comment:
        raise HandoffError("'Other' needs a comment saying why, so marketing can act on it.")
    return reason, comment


def when(ts: datetime | None) -> str:
    """A timestamp as people read it, in the company time zone."""
    if ts is None:
        return "an unknown time"
    tz = settings.company_timezone()
    return ts.astimezone(zone(tz)).strftime("%d %b %Y %H:%M") + f" ({tz})"


# --------------------------------------------------------------------------- reads


def _frame(result) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def owner_scope(user: User, scope: str) -> list[int] | None:
    """Rep ids whose hand-offs the user looks at; [] = everybody; None = nobody (no rep record)."""
    if scope == "all" and (user.has("admin") or user.can("see_all_reps")):
        return []
    if scope == "team" and user.team_id is not None and (user.has("sales_lead") or user.has("admin")):
        return _team_rep_ids(user.team_id)
    return [user.rep_id] if user.rep_id is not None else None


@st.cache_data(ttl=INBOX_TTL, show_spinner=False)   # a rep moved to a team by a sync shows with the inbox
def _team_rep_ids(team_id: int) -> list[int]:
    with get_engine().connect() as conn:
        return list(conn.execute(q("team_rep_ids"), {"team_id": team_id}).scalars())


INBOX_SCHEMA = {"handoff_id": "int64", "lead_id": "int64", "lead_name": "string", "job_title": "string",
                "account_name": "string", "tier": "int64", "source": "string", "campaign": "string",
                "score": "int64", "priority": "string", "owner_id": "int64", "owner_name": "string", "owner_team_id": "int64",
                "handed_off_at": "datetime64[us, UTC]", "sla_deadline_at": "datetime64[us, UTC]",
                "decision_due_at": "datetime64[us, UTC]", "first_touch_at": "datetime64[us, UTC]",
                "decision": "string", "decided_at": "datetime64[us, UTC]", "rejection_reason": "string",
                "recycled_at": "datetime64[us, UTC]"}


def inbox(owner_ids: list[int], as_of: datetime | None = None) -> pd.DataFrame:
    """Open hand-offs of these owners plus those decided in the last RECENT_DAYS days, with the
    SLA clock at ``as_of``: ``decision_status`` (overdue / due soon / open / accepted / rejected),
    ``minutes_to_decision_due`` and ``touch_status`` (touched / breached / pending)."""
    as_of = as_of or metrics.now_minute()
    return _inbox(tuple(sorted(owner_ids)), as_of)


@st.cache_data(ttl=INBOX_TTL, show_spinner=False)
def _inbox(owner_ids: tuple[int, ...], as_of: datetime) -> pd.DataFrame:
    with get_engine().connect() as conn:
        frame = _frame(conn.execute(q("handoff_inbox"), {
            "owner_ids": list(owner_ids), "since": as_of - timedelta(days=RECENT_DAYS), "as_of": as_of,
            "limit": INBOX_LIMIT}))
    frame = frame.reindex(columns=list(INBOX_SCHEMA))
    for col, dtype in INBOX_SCHEMA.items():
        if dtype == "int64":
            frame[col] = pd.to_numeric(frame[col]).fillna(0).astype("int64")
        elif dtype.startswith("datetime"):
            frame[col] = pd.to_datetime(frame[col], utc=True).astype(dtype)
        else:
            frame[col] = frame[col].astype(dtype)
    return with_clock(frame, as_of)


@dataclass(frozen=True)
class InboxSummary:
    """Counts over every hand-off an inbox covers; the list shows at most INBOX_LIMIT of each kind."""
    awaiting: int
    overdue: int
    due_soon: int
    untouched_breached: int
    decided: int
    accepted: int
    #: accepted and never contacted: still open on My SLA, not in this inbox (it lists decisions)
    accepted_untouched: int


def inbox_summary(owner_ids: list[int], as_of: datetime | None = None) -> InboxSummary:
    """The inbox's tiles: open hand-offs of these owners (awaiting, overdue, due within 24 h,
    untouched past the SLA) and decisions of the last RECENT_DAYS days, counted in SQL."""
    as_of = as_of or metrics.now_minute()
    return _inbox_summary(tuple(sorted(owner_ids)), as_of)


@st.cache_data(ttl=INBOX_TTL, show_spinner=False)
def _inbox_summary(owner_ids: tuple[int, ...], as_of: datetime) -> InboxSummary:
    with get_engine().connect() as conn:
        row = conn.execute(q("handoff_inbox_summary"), {
            "owner_ids": list(owner_ids), "since": as_of - timedelta(days=RECENT_DAYS), "as_of": as_of}).mappings().one()
    return InboxSummary(**{k: int(v or 0) for k, v in row.items()})


def with_clock(frame: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Add the SLA clock columns to inbox rows (pure; also used by tests)."""
    out = frame.copy()
    now = pd.Timestamp(as_of)
    due_min = (out["decision_due_at"] - now).dt.total_seconds() / 60
    sla_min = (out["sla_deadline_at"] - now).dt.total_seconds() / 60
    out["minutes_to_decision_due"] = due_min.astype("float64")
    out["minutes_to_sla_deadline"] = sla_min.astype("float64")
    open_ = out["decision"].isna()
    status = pd.Series("open", index=out.index, dtype="string")
    status[open_ & (due_min <= 0)] = "overdue"
    status[open_ & (due_min > 0) & (due_min <= 24 * 60)] = "due soon"
    status[~open_] = out.loc[~open_, "decision"]
    out["decision_status"] = status
    touched = out["first_touch_at"].notna() & (out["first_touch_at"] <= now)
    touch = pd.Series("pending", index=out.index, dtype="string")
    touch[touched & (out["first_touch_at"] <= out["sla_deadline_at"])] = "touched in time"
    touch[touched & (out["first_touch_at"] > out["sla_deadline_at"])] = "touched late"
    touch[~touched & (sla_min <= 0)] = "not touched, breached"
    out["touch_status"] = touch
    # Work order: hand-offs still inside their decision window, soonest due first; then overdue
    # ones, most recently overdue first (months-old ones last); then those decided, newest first.
    rank = pd.Series(0, index=out.index)
    rank[status == "overdue"] = 1
    rank[~open_] = 2
    key = due_min.where(rank == 0, -due_min)
    key[~open_] = -(out.loc[~open_, "decided_at"] - now).dt.total_seconds()
    out = out.assign(_rank=rank, _key=key).sort_values(["_rank", "_key", "handoff_id"]).drop(columns=["_rank", "_key"])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Card:
    """The hand-off card's data: one row of facts plus the frames around it."""

    facts: dict
    timeline: pd.DataFrame
    contacts: pd.DataFrame
    opportunities: pd.DataFrame
    first_touch: dict | None = None
    last_touch: dict | None = None
    engagement: dict = field(default_factory=dict)

    @property
    def open_opportunities(self) -> pd.DataFrame:
        """The open opportunities listed (at most the query's limit; ``open_count`` counts them all)."""
        return self.opportunities[self.opportunities["closed_at"].isna()]

    @property
    def open_count(self) -> int:
        return _total(self.opportunities, "open_total")

    @property
    def open_amount(self) -> float:
        return float(self.opportunities["open_amount_total"].iloc[0]) if len(self.opportunities) else 0.0

    @property
    def won_revenue(self) -> float:
        """Closed-won amount of every opportunity of the account (not only the rows listed)."""
        return float(self.opportunities["won_total"].iloc[0]) if len(self.opportunities) else 0.0

    @property
    def contacts_count(self) -> int:
        """Every other contact at the account; ``contacts`` lists the newest of them."""
        return _total(self.contacts, "contacts_total")


def _total(frame: pd.DataFrame, column: str) -> int:
    """A whole-set count carried on every row (a window count before the listing's limit)."""
    return int(frame[column].iloc[0]) if len(frame) else 0


def card(handoff_id: int) -> Card | None:
    """The hand-off card for one hand-off (None if it does not exist)."""
    return _card(int(handoff_id))


@st.cache_data(ttl=CARD_TTL, show_spinner=False)
def _card(handoff_id: int) -> Card | None:
    with get_engine().connect() as conn:
        facts = conn.execute(q("handoff_card"), {"handoff_id": handoff_id}).mappings().first()
        if facts is None:
            return None
        facts = dict(facts)
        timeline = _frame(conn.execute(q("lead_timeline"), {"lead_id": facts["lead_id"], "limit": 300}))
        contacts = _frame(conn.execute(q("account_contacts"), {"account_id": facts["account_id"],
                                                                "lead_id": facts["lead_id"],
                                                                "limit": CARD_CONTACTS_LIMIT}))
        opps = _frame(conn.execute(q("account_opportunities"), {"account_id": facts["account_id"],
                                                                     "limit": CARD_OPPORTUNITIES_LIMIT}))
        engaged = _frame(conn.execute(q("lead_engagement_before_handoff"), {
            "lead_id": facts["lead_id"], "handed_off_at": facts["handed_off_at"], "types": list(ENGAGEMENT_TYPES),
            "days": ENGAGEMENT_DAYS}))
    if timeline.empty:
        timeline = pd.DataFrame(columns=["occurred_at", "kind", "what", "detail", "who", "is_automated", "is_touch"])
    if opps.empty:
        opps = pd.DataFrame(columns=["id", "name", "stage", "amount", "created_at", "expected_close_date",
                                     "closed_at", "owner_name", "open_total", "open_amount_total", "won_total"])
    timeline["occurred_at"] = pd.to_datetime(timeline["occurred_at"], utc=True)
    records = engaged.to_dict("records")
    first = next((r for r in records if r["part"] == "first"), None)
    last = next((r for r in records if r["part"] == "last"), None)
    # the ENGAGEMENT_DAYS *before* the hand-off, as the card says; most frequent first
    counts = sorted((r for r in records if r["part"] == "count"), key=lambda r: (-r["n"], r["what"]))
    engagement = {r["what"]: int(r["n"]) for r in counts}
    return Card(facts, timeline, contacts, opps, first, last, engagement)




# --------------------------------------------------------------------------- writes


def _already_decided(conn: sa.Connection, user: User, handoff_id: int, lead_name: str, decision: str,
                     reason: str | None, recycle: bool) -> str:
    """A hand-off found decided. The very decision this user asks for, made by them (a double click
    on the button, a second tab): a confirmation, as nothing is left to record. Anything else
    raises AlreadyDecided naming who decided and when. (A double click read 'Already accepted
    by <yourself>' in red, as if the acceptance had failed.)"""
    row = conn.execute(q("handoff_decided_by"), {"handoff_id": handoff_id}).mappings().first()
    if row is None or row["decision"] is None:
        raise AlreadyDecided("Someone else changed this hand-off at the same moment. Reload to see it.")
    same = (row["actor_user_id"] == user.id and row["decision"] == decision
            and (decision == "accepted"
                 or (row["rejection_reason"] == reason and (row["recycled_at"] is not None) == bool(recycle))))
    if same:
        return f"You already {decision} {lead_name} at {when(row['decided_at'])}: nothing more to record."
    raise AlreadyDecided(f"Already {row['decision']} by {row['decided_by']} at {when(row['decided_at'])}.")


def _is_sqlstate(exc: sa.exc.DBAPIError, code: str) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == code


def _check(conn: sa.Connection, user: User, handoff_id: int):
    """``user`` as stored now (the callers pass ``users.current(user)``, read once per call)."""
    row = conn.execute(q("handoff_for_decision"), {"handoff_id": handoff_id}).mappings().first()
    if row is None:
        raise HandoffError("That hand-off does not exist (any more). Reload the inbox.")
    if not may_decide(user, row["owner_id"], row["owner_team_id"]):
        if not user.can("handoffs.decide"):
            raise NotAllowed("Your role cannot accept or reject hand-offs.")
        raise NotAllowed(f"{row['lead_name']} is handed to {row['owner_name']}: only they"
                         " or their team's sales lead can decide.")
    return row


def decide(user: User, handoff_id: int, decision: str, reason: str | None = None, comment: str | None = None,
           recycle: bool = False) -> str:
    """Accept or reject one hand-off (optionally recycling a rejected lead to nurture).

    Returns a confirmation for the user. Raises HandoffError (NotAllowed, AlreadyDecided) with a
    message for the user; nothing is stored then.
    """
    reason, comment = clean_decision(decision, reason, comment, recycle)
    user = users.current(user)   # roles and rep as stored now, not as the page loaded
    with get_engine().connect() as conn:
        message = _decide(conn, user, int(handoff_id), decision, reason, comment, recycle)
    _after_write()
    return message


def _decide(conn: sa.Connection, user: User, handoff_id: int, decision: str, reason, comment, recycle) -> str:
    """One decision in its own transaction on ``conn``."""
    try:
        with conn.begin():
            row = _check(conn, user, handoff_id)
            if row["decision"] is not None:
                return _already_decided(conn, user, handoff_id, row["lead_name"], decision, reason, recycle)
            if not row["is_latest"]:
                raise HandoffError(f"{row['lead_name']} was handed off again after this hand-off; "
                                   "decide on the newer one.")
            event = conn.execute(q("handoff_decision_insert"), {
                "lead_id": row["lead_id"], "event_type": decision, "actor_rep_id": user.rep_id,
                "actor_user_id": user.id, "reason": reason, "comment": comment}).mappings().one()
            if event["handoff_id"] != handoff_id:  # the lead moved on between our read and the insert
                raise HandoffError(f"{row['lead_name']} was handed off again meanwhile; nothing was recorded. "
                                   "Reload the inbox.")
            if recycle:
                conn.execute(q("handoff_recycle_insert"), {"lead_id": row["lead_id"], "actor_rep_id": user.rep_id,
                                                           "actor_user_id": user.id, "comment": None})
            audit.record(conn, user.id, f"handoff.{'accept' if decision == 'accepted' else 'reject'}", "handoff",
                         handoff_id, {"decision": None},
                         {"decision": decision, "rejection_reason": reason, "comment": comment,
                          "recycled": bool(recycle), "lead_event_id": event["id"]})
    except sa.exc.DBAPIError as exc:
        if _is_sqlstate(exc, "AB002"):  # decided by someone else between our read and our insert
            with conn.begin():
                return _already_decided(conn, user, handoff_id, row["lead_name"], decision, reason, recycle)
        raise
    verb = "Accepted" if decision == "accepted" else "Rejected"
    tail = " and recycled to nurture" if recycle else ""
    return f"{verb} {row['lead_name']}{tail}."


@dataclass(frozen=True)
class Outcome:
    handoff_id: int
    ok: bool
    message: str
    lead_name: str | None = None  # which lead (for 'skipped' lists); None when the hand-off does not exist


def check_many(handoff_ids: list[int], decision: str, reason: str | None = None, comment: str | None = None,
               recycle: bool = False) -> tuple[list[int], str | None, str | None]:
    """Validate a bulk decision's inputs without recording anything: (ids without repeats, reason,
    comment) as :func:`decide_many` records them. Raises HandoffError. (pure)"""
    reason, comment = clean_decision(decision, reason, comment, recycle)
    ids = list(dict.fromkeys(int(i) for i in handoff_ids))
    if not ids:
        raise HandoffError("Select at least one hand-off.")
    if len(ids) > MAX_BULK:
        raise HandoffError(f"Decide on at most {MAX_BULK} hand-offs at once.")
    return ids, reason, comment


def decide_many(user: User, handoff_ids: list[int], decision: str, reason: str | None = None,
                comment: str | None = None, recycle: bool = False, submission: str | None = None) -> list[Outcome]:
    """The same decision on several hand-offs. Each is its own transaction: those that can be
    recorded are, the others report why (already decided, not yours).

    ``submission``: the bulk form's key (queries.submissions), claimed once the inputs are valid, in
    a transaction of its own before the first decision (each decision has its own): a double
    click's second post raises AlreadySubmitted and records nothing. (Without it, a second post
    found each hand-off decided by the same user and said so, recording nothing either; the key
    also holds when the second post comes without the first one's session changes.)"""
    ids, reason, comment = check_many(handoff_ids, decision, reason, comment, recycle)
    outcomes = []
    user = users.current(user)   # once for the batch, not once per hand-off
    with get_engine().connect() as conn:
        with conn.begin():
            submissions.claim(conn, submission, "handoff.bulk")
        for hid in ids:
            try:
                outcomes.append(Outcome(hid, True, _decide(conn, user, hid, decision, reason, comment, recycle)))
            except HandoffError as err:
                with conn.begin():
                    row = conn.execute(q("handoff_for_decision"), {"handoff_id": hid}).mappings().first()
                outcomes.append(Outcome(hid, False, str(err), row["lead_name"] if row else None))
    if any(o.ok for o in outcomes):
        _after_write()
    return outcomes


def recycle(user: User, handoff_id: int, comment: str | None = None) -> str:
    """Send a rejected lead back to nurture."""
    comment = str(comment or "").replace("\x00", "").strip() or None  # NUL (a paste) cannot be stored
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise HandoffError(too_long("The comment", len(comment), MAX_COMMENT_CHARS))
    user = users.current(user)
    with get_engine().connect() as conn:
        try:
            with conn.begin():
                row = _check(conn, user, int(handoff_id))
                if row["decision"] != "rejected":
                    raise HandoffError("Only a rejected lead can be recycled to nurture.")
                if not row["is_latest"]:
                    raise HandoffError(f"{row['lead_name']} was handed off again since; nothing to recycle here.")
                if row["recycled_at"] is not None:
                    raise HandoffError(f"{row['lead_name']} was already recycled at {when(row['recycled_at'])}.")
                event = conn.execute(q("handoff_recycle_insert"), {
                    "lead_id": row["lead_id"], "actor_rep_id": user.rep_id, "actor_user_id": user.id,
                    "comment": comment}).mappings().one()
                audit.record(conn, user.id, "handoff.recycle", "handoff", int(handoff_id), {"recycled": False},
                             {"recycled": True, "lead_event_id": event["id"]})
        except sa.exc.DBAPIError as exc:
            if _is_sqlstate(exc, "AB003"):
                raise HandoffError("This lead was recycled or handed off again meanwhile. Reload the inbox.") from None
            raise
    _after_write()
    return f"{row['lead_name']} is back in nurture."


def _after_write() -> None:
    metrics.clear_caches()   # every cached read: the inbox, cards, metrics and the feedback views' rejection reasons
