"""Qualification: criteria versions (propose, approve by the other side's lead, withdraw), the
replay of a draft over a past period, the definitions everybody reads, and the sales feedback
loop (ratings, insights, marketing's replies).

Rule semantics live in :mod:`queries.criteria_rules` (Python) and the ``_criteria_failures``
fragment (SQL); docs/qualification.md states them in words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, metrics, settings, sqlfiles, submissions, users
from queries.access import User
from queries.criteria_rules import Criteria, CriteriaError, diff, validate
from queries.db import get_engine
from queries.filters import DIMENSIONS, NO_FILTERS, Filters
from queries.periods import GRAINS, Period, local_today, zone
from queries.sqlfiles import q
from queries.words import too_long

CRITERIA_TTL = 60
REPLAY_TTL = 300
FEEDBACK_TTL = 60
MAX_TITLE_CHARS = 120
MAX_TEXT_CHARS = 4000
#: How far ahead a criteria version may be set to take effect (2040 for 2026 is a slip of the keyboard).
MAX_EFFECTIVE_DAYS_AHEAD = 366

STATUS_LABELS = {"proposed": "Awaiting approval", "active": "Approved", "superseded": "Superseded",
                 "withdrawn": "Withdrawn", "declined": "Declined"}
QUALITY_LABELS = {1: "1 · Poor", 2: "2 · Weak", 3: "3 · OK", 4: "4 · Good", 5: "5 · Excellent"}


class StaleEdit(CriteriaError):
    """Someone changed the version since it was loaded."""


class FeedbackError(ValueError):
    """Feedback or a reply that cannot be saved; the message says why."""


# =========================================================================== criteria versions


@dataclass(frozen=True)
class Version:
    id: int
    number: int
    title: str
    rationale: str | None
    criteria: Criteria
    effective_at: datetime
    status: str
    proposed_by_user_id: int
    proposed_by_name: str
    proposed_side: str
    proposed_at: datetime
    approved_by_name: str | None
    approved_side: str | None
    approved_at: datetime | None
    superseded_by_id: int | None
    superseded_at: datetime | None
    withdrawn_by_name: str | None
    withdrawn_at: datetime | None
    withdrawn_note: str | None
    version: int
    mqls: int = 0
    withdrawn_by_user_id: int | None = None

    @property
    def label(self) -> str:
        return f"v{self.number} · {self.title}"

    @property
    def declined(self) -> bool:
        """Withdrawn by a lead of the other side (a decline), not by its author. Both are stored as
        status 'withdrawn'; the history says which, so a declined proposal does not read as given up."""
        return (self.status == "withdrawn" and self.withdrawn_by_user_id is not None
                and self.withdrawn_by_user_id != self.proposed_by_user_id)

    @property
    def outcome(self) -> str:
        """The status as people say it: 'declined' for a proposal the other side turned down."""
        return "declined" if self.declined else self.status

    @property
    def approved(self) -> bool:
        return self.status in ("active", "superseded")

    @classmethod
    def from_row(cls, row) -> "Version":
        return cls(id=row["id"], number=row["number"], title=row["title"], rationale=row["rationale"],
                   criteria=Criteria.from_row(row), effective_at=row["effective_at"], status=row["status"],
                   proposed_by_user_id=row["proposed_by_user_id"], proposed_by_name=row["proposed_by_name"],
                   proposed_side=row["proposed_side"], proposed_at=row["proposed_at"],
                   approved_by_name=row["approved_by_name"], approved_side=row["approved_side"],
                   approved_at=row["approved_at"], superseded_by_id=row["superseded_by_id"],
                   superseded_at=row["superseded_at"], withdrawn_by_name=row["withdrawn_by_name"],
                   withdrawn_at=row["withdrawn_at"], withdrawn_note=row["withdrawn_note"], version=row["version"],
                   mqls=int(row.get("mqls") or 0), withdrawn_by_user_id=row.get("withdrawn_by_user_id"))


@st.cache_data(ttl=CRITERIA_TTL, show_spinner=False)
def versions() -> list[Version]:
    """Every criteria version, newest number first."""
    with get_engine().connect() as conn:
        return [Version.from_row(r) for r in conn.execute(q("criteria_versions")).mappings()]


def same_instant_approved(effective_at: datetime, among: list[Version], *, other_than: int | None = None,
                          now: datetime | None = None) -> Version | None:
    """The approved version that already takes effect at ``effective_at`` (still ahead), if any: a
    second version cannot take effect at the same instant (``criteria_version_one_per_instant``)."""
    now = now or datetime.now(timezone.utc)
    if effective_at <= now:    # a date already passed takes effect at the approval instead
        return None
    return next((v for v in among if v.approved and v.id != other_than and v.effective_at == effective_at), None)


def in_force_among(all_versions: list[Version], at: datetime) -> Version | None:
    """The approved version with the latest effective instant at or before ``at`` (pure)."""
    approved = [v for v in all_versions if v.approved and v.effective_at <= at]
    return max(approved, key=lambda v: v.effective_at) if approved else None


def in_force(at: datetime | None = None) -> Version | None:
    return in_force_among(versions(), at or datetime.now(timezone.utc))


def scheduled(at: datetime | None = None) -> list[Version]:
    """Approved versions that take effect after ``at`` (approved in advance)."""
    at = at or datetime.now(timezone.utc)
    return sorted((v for v in versions() if v.approved and v.effective_at > at), key=lambda v: v.effective_at)


def pending() -> list[Version]:
    return sorted((v for v in versions() if v.status == "proposed"), key=lambda v: v.number)


def by_id(version_id: int) -> Version | None:
    return next((v for v in versions() if v.id == version_id), None)


def previous_of(version: Version, all_versions: list[Version] | None = None) -> Version | None:
    """The version a proposal or an approved version is compared with: for an approved one, the
    approved version in force just before it took effect; for a proposal, the one in force now."""
    all_versions = all_versions if all_versions is not None else versions()
    if version.approved:
        earlier = [v for v in all_versions if v.approved and v.effective_at < version.effective_at]
        return max(earlier, key=lambda v: v.effective_at) if earlier else None
    return in_force_among(all_versions, datetime.now(timezone.utc))


@st.cache_data(ttl=300, show_spinner=False)
def options() -> dict[str, list]:
    """Values that exist in the data for the list fields (industries, countries, job functions, sources)."""
    out: dict[str, list] = {"industries": [], "countries": [], "job_functions": [], "excluded_sources": []}
    with get_engine().connect() as conn:
        for field_name, value in conn.execute(q("criteria_options")):
            out[field_name].append(value)
    return out


def side_of(user: User) -> str | None:
    """Which side a lead speaks for: marketing_lead -> marketing, sales_lead -> sales (both: their team)."""
    marketing, sales = user.has("marketing_lead"), user.has("sales_lead")
    if marketing and not sales:
        return "marketing"
    if sales and not marketing:
        return "sales"
    if marketing and sales:
        return user.side
    return None


@dataclass(frozen=True)
class Draft:
    title: str
    criteria: Criteria
    effective_date: date
    rationale: str | None = None


def effective_instant(day: date, tz: str) -> datetime:
    """Start of ``day`` in the company time zone, as UTC."""
    return datetime.combine(day, dtime(0), zone(tz)).astimezone(timezone.utc)


def _text(value) -> str:
    """Typed text without NUL (U+0000), which a paste can carry and PostgreSQL text cannot hold."""
    return str(value or "").replace("\x00", "")


def check_draft(draft: Draft, *, today: date | None = None) -> Draft:
    """Validate a draft (pure apart from the option lists). Raises CriteriaError."""
    title = _text(draft.title).strip()
    if not title:
        raise CriteriaError("Give the version a short title (what changes, e.g. 'Add EMEA mid-market').")
    if len(title) > MAX_TITLE_CHARS:
        raise CriteriaError(too_long("The title", len(title), MAX_TITLE_CHARS))
    rationale = _text(draft.rationale).strip() or None
    if rationale and len(rationale) > MAX_TEXT_CHARS:
        raise CriteriaError(too_long("The rationale", len(rationale), MAX_TEXT_CHARS))
    if draft.effective_date is None:
        raise CriteriaError("Choose the date the new criteria take effect.")
    today = today or local_today(settings.company_timezone())
    if draft.effective_date < today:
        raise CriteriaError(f"The effective date ({draft.effective_date:%d %b %Y}) is in the past: criteria never "
                            "change MQL decisions already made. Choose today or a later date.")
    if draft.effective_date > today + timedelta(days=MAX_EFFECTIVE_DAYS_AHEAD):
        raise CriteriaError(f"The effective date ({draft.effective_date:%d %b %Y}) is more than a year away: "
                            f"choose a date by {today + timedelta(days=MAX_EFFECTIVE_DAYS_AHEAD):%d %b %Y}.")
    known = {k: set(v) for k, v in options().items()}
    validate(draft.criteria, known=known)
    return Draft(title, draft.criteria, draft.effective_date, rationale)


def propose(user: User, draft: Draft, submission: str | None = None) -> int:
    """Propose a new criteria version; it is in force only once the other side's lead approves it.
    ``submission``: the form's key (queries.submissions): a second submission of the same form
    raises AlreadySubmitted and proposes nothing (it used to be refused as a twin of itself)."""
    user = users.current(user)   # roles as stored now: the page may predate a change
    if not user.can("criteria.propose"):
        raise CriteriaError("Only the marketing and sales leads propose qualification criteria.")
    side = side_of(user)
    if side is None:
        raise CriteriaError("Your user is not on the marketing or the sales side; ask an admin to set your team.")
    draft = check_draft(draft)
    tz = settings.company_timezone()
    with get_engine().begin() as conn:
        conn.execute(q("criteria_lock"))
        # under the lock, before the twin check: a second post of the form waits, then finds its key
        submissions.claim(conn, submission, "criteria.propose")
        rows = [Version.from_row(r) for r in conn.execute(q("criteria_versions")).mappings()]
        current = in_force_among(rows, datetime.now(timezone.utc))
        if current is not None and current.criteria == draft.criteria:
            raise CriteriaError(f"These criteria are the same as the version in force (v{current.number}); "
                                "change at least one rule.")
        effective_at = effective_instant(draft.effective_date, tz)
        taken = same_instant_approved(effective_at, rows)
        if taken is not None:
            raise CriteriaError(f"v{taken.number} ('{taken.title}') is already approved to take effect on "
                                f"{draft.effective_date:%d %b %Y}, and two versions can't take effect at the same "
                                "moment. Choose another date.")
        twin = next((v for v in rows if v.status == "proposed" and v.criteria == draft.criteria), None)
        if twin is not None:
            raise CriteriaError(f"The same criteria are already proposed as v{twin.number} ('{twin.title}', "
                                f"by {twin.proposed_by_name}).")
        number = conn.execute(q("criteria_next_number")).scalar_one()
        version_id = conn.execute(q("criteria_insert"), {
            **draft.criteria.params(), "number": number, "title": draft.title, "rationale": draft.rationale,
            "effective_at": effective_at, "user_id": user.id,
            "user_name": user.display_name, "side": side}).scalar_one()
        audit.record(conn, user.id, "criteria.propose", "criteria_version", version_id, None,
                     {"number": number, "title": draft.title, "effective_date": draft.effective_date,
                      **draft.criteria.as_dict()})
    metrics.clear_caches()
    return version_id


def approve(user: User, version_id: int, seen_version: int) -> Version:
    """Approve a proposal from the other side. It takes effect on its date (or now, if that passed)."""
    user = users.current(user)
    if not user.can("criteria.approve"):
        raise CriteriaError("Only the marketing and sales leads approve qualification criteria.")
    side = side_of(user)
    try:
        with get_engine().begin() as conn:
            conn.execute(q("criteria_lock"))
            row = conn.execute(q("criteria_row_for_update"), {"id": version_id}).mappings().first()
            if row is None:
                raise CriteriaError("That criteria version does not exist.")
            if row["status"] != "proposed":
                raise StaleEdit(f"v{row['number']} is no longer awaiting approval "
                                f"({STATUS_LABELS[row['status']].lower()}). Reload the page.")
            if row["proposed_by_user_id"] == user.id:
                raise CriteriaError("You proposed this version: a lead from the other team must approve it.")
            if side is None or side == row["proposed_side"]:
                raise CriteriaError(f"This version was proposed by the {row['proposed_side']} side "
                                    f"({row['proposed_by_name']}): a lead from the other team must approve it.")
            result = conn.execute(q("criteria_approve"), {"id": version_id, "version": seen_version,
                                                          "user_id": user.id, "user_name": user.display_name,
                                                          "side": side}).mappings().first()
            if result is None:
                raise StaleEdit(f"v{row['number']} was changed since you loaded it. Reload the page and review it "
                                "again before approving.")
            conn.execute(q("criteria_restatus"))
            audit.record(conn, user.id, "criteria.approve", "criteria_version", version_id,
                         {"status": "proposed", "effective_at": row["effective_at"]},
                         {"status": "active", "effective_at": result["effective_at"]})
    except sa.exc.IntegrityError as exc:
        if "criteria_version_one_per_instant" in str(exc.orig):
            with get_engine().connect() as conn:   # fresh, not the cached list: it may predate the clash
                rows = [Version.from_row(r) for r in conn.execute(q("criteria_versions")).mappings()]
            mine = next((v for v in rows if v.id == version_id), None)
            taken = mine and same_instant_approved(mine.effective_at, rows, other_than=version_id)
            local = taken and taken.effective_at.astimezone(zone(settings.company_timezone()))
            which = (f"v{taken.number} ('{taken.title}') is already approved to take effect at that moment "
                     f"({local:%d %b %Y})" if taken else
                     "Another approved version takes effect at exactly the same moment")
            raise CriteriaError(f"{which}, and two versions can't take effect at once. Decline this proposal with "
                                "a note asking for another date; its author can then propose it again.") from None
        raise
    metrics.clear_caches()   # every cached read: the versions and the metrics counted under them
    return by_id(version_id)


def withdraw(user: User, version_id: int, seen_version: int, note: str | None = None,
             submission: str | None = None) -> str:
    """Withdraw a proposal (its proposer), or decline it (the other side's lead, with a note).
    Returns what happened: 'withdrawn' or 'declined'. ``submission``: the button's key
    (queries.submissions), claimed under the proposal's row lock before the status check: a double
    click's second post raises AlreadySubmitted and changes nothing (it was refused as "no longer
    awaiting approval", by its own first one)."""
    user = users.current(user)
    if not user.can("criteria.propose"):
        raise CriteriaError("Only the marketing and sales leads can withdraw or decline a proposal.")
    note = _text(note).strip() or None
    if note and len(note) > MAX_TEXT_CHARS:
        raise CriteriaError(too_long("The note", len(note), MAX_TEXT_CHARS))
    with get_engine().begin() as conn:
        row = conn.execute(q("criteria_row_for_update"), {"id": version_id}).mappings().first()
        if row is None:
            raise CriteriaError("That criteria version does not exist.")
        submissions.claim(conn, submission,
                          "criteria.withdraw" if row["proposed_by_user_id"] == user.id else "criteria.decline")
        if row["status"] != "proposed":
            raise StaleEdit(f"v{row['number']} is no longer awaiting approval. Reload the page.")
        if row["proposed_by_user_id"] != user.id:
            side = side_of(user)
            if side is None or side == row["proposed_side"]:   # as approving: the other side's call
                raise CriteriaError(f"This version was proposed by the {row['proposed_side']} side "
                                    f"({row['proposed_by_name']}): only its author withdraws it, and only a lead "
                                    "from the other team declines it.")
            if not note:
                raise CriteriaError("Say why you decline the proposal, so its author can rework it.")
        if conn.execute(q("criteria_withdraw"), {"id": version_id, "version": seen_version, "user_id": user.id,
                                                 "user_name": user.display_name, "note": note}).scalar() is None:
            raise StaleEdit(f"v{row['number']} was changed since you loaded it. Reload the page.")
        what = "withdrawn" if row["proposed_by_user_id"] == user.id else "declined"
        audit.record(conn, user.id, "criteria.withdraw" if what == "withdrawn" else "criteria.decline",
                     "criteria_version", version_id, {"status": "proposed"}, {"status": what, "note": note})
    metrics.clear_caches()
    return what


# =========================================================================== replay

REPLAY_SEGMENTS = {
    "proposed": "Proposed draft",
    "current": "Version in force",
    "gained": "Only under the draft (gained)",
    "lost": "Only under the version in force (lost)",
    "both": "Under both",
}
REPLAY_SCHEMA = {"segment": "string", "label": "string", "leads": "int64", "actual_mqls": "int64",
                 "handed_off": "int64", "accepted": "int64", "rejected": "int64", "awaiting": "int64",
                 "with_opportunity": "int64", "won": "int64", "lost": "int64", "revenue": "float64",
                 "acceptance_rate": "float64", "opportunity_rate": "float64", "win_rate": "float64"}
_COUNTS = ["leads", "actual_mqls", "handed_off", "accepted", "rejected", "awaiting", "with_opportunity", "won",
           "lost", "revenue"]


@dataclass(frozen=True)
class Replay:
    """What a draft would have done over a period, next to the version in force."""

    period: Period
    segments: pd.DataFrame      # one row per REPLAY_SEGMENTS key
    rule_failures: pd.DataFrame  # rule, leads turned away by that rule (a lead can fail several)
    leads_in_period: int
    actual_mqls: int
    has_current: bool
    seconds: float

    def row(self, segment: str) -> pd.Series:
        return self.segments.set_index("segment").loc[segment]


def rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Acceptance = accepted ÷ handed off; opportunity rate = leads with an opportunity ÷ leads;
    win rate = won ÷ (won + lost). Undefined (NaN) when the denominator is 0."""
    out = frame.copy()
    out["acceptance_rate"] = out["accepted"] / out["handed_off"].where(out["handed_off"] > 0)
    out["opportunity_rate"] = out["with_opportunity"] / out["leads"].where(out["leads"] > 0)
    closed = out["won"] + out["lost"]
    out["win_rate"] = out["won"] / closed.where(closed > 0)
    return out


IN_FORCE = "in force"


def replay(draft: Criteria, period: Period, current: Criteria | None | str = IN_FORCE) -> Replay:
    """Evaluate ``draft`` next to ``current`` (default: the version in force now; None: no
    comparison) over the leads created in ``period``; outcomes to date. One set-based query."""
    if current == IN_FORCE:
        v = in_force()
        current = v.criteria if v else None
    return _replay(draft, period, current)


@st.cache_data(ttl=REPLAY_TTL, show_spinner=False)
def _replay(draft: Criteria, period: Period, current: Criteria | None) -> Replay:
    return run_replay(draft, period, current)


def run_replay(draft: Criteria, period: Period, current: Criteria | None, conn: sa.Connection | None = None) -> Replay:
    """The replay query itself (uncached; the benchmark calls it). ``current`` None = no comparison."""
    if conn is None:
        with get_engine().connect() as own:
            return run_replay(draft, period, current, own)
    params = {**draft.params("p_"), **(current or Criteria()).params("c_"), "has_current": current is not None,
              "start_at": period.start_at, "end_at": period.end_at}
    t0 = time.perf_counter()
    conn.execute(q("replay_work_mem"))
    result = conn.execute(q("criteria_replay"), params)
    raw = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    seconds = time.perf_counter() - t0
    return build_replay(raw, period, current is not None, seconds)


def build_replay(raw: pd.DataFrame, period: Period, has_current: bool, seconds: float = 0.0) -> Replay:
    """Turn the query's rows (one per p_ok/c_ok group, with per-group rule failures) into segments."""
    from queries.criteria_rules import RULES

    groups = raw.copy()
    fail_cols = [f"fail_{key}" for key in RULES]
    for col in _COUNTS + fail_cols:
        groups[col] = pd.to_numeric(groups[col]).fillna(0).astype("float64")
    groups["p_ok"] = groups["p_ok"].astype(bool)
    groups["c_ok"] = groups["c_ok"].astype(bool)
    masks = {"proposed": groups["p_ok"], "current": groups["c_ok"], "gained": groups["p_ok"] & ~groups["c_ok"],
             "lost": ~groups["p_ok"] & groups["c_ok"], "both": groups["p_ok"] & groups["c_ok"]}
    rows = []
    for key, label in REPLAY_SEGMENTS.items():
        sums = groups.loc[masks[key], _COUNTS].sum()
        rows.append({"segment": key, "label": label, **{c: sums.get(c, 0) for c in _COUNTS}})
    seg = rates(pd.DataFrame(rows))
    seg = seg.reindex(columns=list(REPLAY_SCHEMA))
    for col, dtype in REPLAY_SCHEMA.items():
        seg[col] = seg[col].astype(dtype)
    failures = pd.DataFrame([{"rule": label, "leads": int(groups[f"fail_{key}"].sum())}
                             for key, (_, label) in RULES.items()])
    return Replay(period, seg, failures, int(groups["leads"].sum()), int(groups["actual_mqls"].sum()), has_current,
                  seconds)


# =========================================================================== definitions


# =========================================================================== feedback


def _rater(user: User) -> User:
    """``user`` as stored now (roles, rep, team), allowed to rate and linked to a rep record."""
    user = users.current(user)
    if not user.can("feedback.give"):
        raise FeedbackError("Only sales reps and sales leads rate leads and campaigns.")
    if user.rep_id is None:
        raise FeedbackError("Your user is not linked to a rep record, so your rating cannot be attributed. "
                            "Ask an admin to link it.")
    return user


def _clean_rating(quality, insight) -> tuple[int, str | None]:
    try:
        quality = int(quality)
    except (TypeError, ValueError):
        raise FeedbackError("Choose a quality rating from 1 (poor) to 5 (excellent).") from None
    if not 1 <= quality <= 5:
        raise FeedbackError("Choose a quality rating from 1 (poor) to 5 (excellent).")
    insight = _text(insight).strip() or None
    if insight and len(insight) > MAX_TEXT_CHARS:
        raise FeedbackError(too_long("The insight", len(insight), MAX_TEXT_CHARS))
    return quality, insight


def rate_lead(user: User, lead_id: int, quality: int, insight: str | None = None) -> str:
    """A rep rates a lead they were handed (rating it again replaces their earlier rating)."""
    user = _rater(user)
    rep_id = user.rep_id
    quality, insight = _clean_rating(quality, insight)
    if quality <= 2 and not insight:
        raise FeedbackError("A poor or weak rating needs an insight: what was wrong with the lead?")
    # a sales lead also rates the leads handed to their team's reps (the picker offers those)
    team_id = user.team_id if user.has("sales_lead") else None
    with get_engine().begin() as conn:
        lead = conn.execute(q("feedback_lead_exists"), {"lead_id": lead_id, "rep_id": rep_id,
                                                        "team_id": team_id}).mappings().first()
        if lead is None:
            raise FeedbackError("That lead does not exist.")
        if not lead["was_owner"] and not lead["was_team"]:
            raise FeedbackError(f"{lead['lead_name']} was never handed to you"
                                + (" or your team" if user.has("sales_lead") else "")
                                + "; rate the leads you worked.")
        old = conn.execute(q("feedback_existing"), {"lead_id": lead_id, "rep_id": rep_id}).mappings().first()
        row = conn.execute(q("feedback_upsert_lead"), {"lead_id": lead_id, "rep_id": rep_id, "user_id": user.id,
                                                       "quality": quality, "insight": insight}).mappings().one()
        audit.record(conn, user.id, "feedback.rate_lead", "lead_feedback", row["id"],
                     dict(old) if old else None, {"id": row["id"], "quality": quality, "insight": row["insight"]})
    metrics.clear_caches()
    kept = " (your earlier insight is kept)" if row["insight"] and not insight else ""
    return f"{'Saved' if row['inserted'] else 'Updated'} your rating of {lead['lead_name']}{kept}."


def rate_campaign(user: User, campaign_id: int, quality: int, insight: str | None = None,
                  submission: str | None = None) -> str:
    """A rep rates the leads a campaign brings, with an insight (several over time are fine).
    ``submission``: the form's key (queries.submissions): a second submission of the same form
    raises AlreadySubmitted and saves nothing."""
    user = _rater(user)
    rep_id = user.rep_id
    quality, insight = _clean_rating(quality, insight)
    if not insight:
        raise FeedbackError("Add an insight: what should marketing know about this campaign's leads?")
    with get_engine().begin() as conn:
        camp = conn.execute(q("campaign_exists"), {"campaign_id": campaign_id}).mappings().first()
        if camp is None:
            raise FeedbackError("That campaign does not exist.")
        submissions.claim(conn, submission, "feedback.rate_campaign")
        fid = conn.execute(q("feedback_insert_campaign"), {"campaign_id": campaign_id, "rep_id": rep_id,
                                                           "user_id": user.id, "quality": quality,
                                                           "insight": insight}).scalar_one()
        audit.record(conn, user.id, "feedback.rate_campaign", "lead_feedback", fid, None,
                     {"campaign_id": campaign_id, "quality": quality, "insight": insight})
    metrics.clear_caches()
    return f"Saved your feedback on {camp['name']}."


#: What a posted reply says (also to a double click's second submission, which posts nothing).
REPLY_POSTED = "Reply posted: sales will see it next to their feedback."


def reply(user: User, body: str, *, feedback_id: int | None = None, campaign_id: int | None = None,
          source: str | None = None, submission: str | None = None) -> str:
    """Marketing answers feedback: what we changed, on one entry, a campaign, or a source.
    ``submission`` as for :func:`rate_campaign`."""
    user = users.current(user)   # as stored now: roles, and the rep record the reply is signed with
    if not user.can("feedback.reply"):
        raise FeedbackError("Replies come from marketing (marketers and the marketing lead).")
    body = _text(body).strip()
    if not body:
        raise FeedbackError("Write what you changed (or will change) before sending the reply.")
    if len(body) > MAX_TEXT_CHARS:
        raise FeedbackError(too_long("The reply", len(body), MAX_TEXT_CHARS))
    targets = [t for t in (feedback_id, campaign_id, source) if t not in (None, "")]
    if len(targets) != 1:
        raise FeedbackError("Choose what the reply answers: one feedback entry, a campaign or a source.")
    with get_engine().begin() as conn:
        if feedback_id is not None and conn.execute(q("feedback_entry_exists"),
                                                    {"feedback_id": feedback_id}).first() is None:
            raise FeedbackError("That feedback entry does not exist.")
        if campaign_id is not None and conn.execute(q("campaign_exists"),
                                                    {"campaign_id": campaign_id}).first() is None:
            raise FeedbackError("That campaign does not exist.")
        if source and conn.execute(q("source_exists"), {"source": source}).first() is None:
            raise FeedbackError(f"'{source}' is not a source.")
        submissions.claim(conn, submission, "feedback.reply")
        rid = conn.execute(q("reply_insert"), {"feedback_id": feedback_id, "campaign_id": campaign_id,
                                               "source": source or None, "body": body, "user_id": user.id,
                                               "rep_id": user.rep_id}).scalar_one()
        audit.record(conn, user.id, "feedback.reply", "feedback_reply", rid, None,
                     {"feedback_id": feedback_id, "campaign_id": campaign_id, "source": source, "body": body})
    metrics.clear_caches()
    return REPLY_POSTED


FEEDBACK_SCHEMA = {"feedback_id": "int64", "created_at": "datetime64[us, UTC]", "updated_at": "datetime64[us, UTC]",
                   "quality": "int64", "insight": "string", "subject_kind": "string", "lead_id": "Int64",
                   "lead_name": "string", "account_name": "string", "campaign_id": "Int64", "campaign_name": "string",
                   "source": "string", "source_label": "string", "rep_id": "int64", "rep_name": "string",
                   "replies": "int64", "last_reply": "string", "last_reply_by": "string",
                   "last_reply_at": "datetime64[us, UTC]"}
TREND_SCHEMA = {"bucket": "datetime64[us]", "dim_key": "string", "dim_label": "string", "ratings": "int64",
                "avg_quality": "float64", "poor": "int64", "good": "int64"}
REPLY_SCHEMA = {"reply_id": "int64", "created_at": "datetime64[us, UTC]", "body": "string", "author_name": "string",
                "subject_kind": "string", "feedback_id": "Int64", "campaign_id": "Int64", "campaign_name": "string",
                "source": "string", "source_label": "string"}


def _typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    frame = frame.reindex(columns=list(schema))
    for col, dtype in schema.items():
        if dtype in ("int64",):
            frame[col] = pd.to_numeric(frame[col]).fillna(0).astype(dtype)
        elif dtype == "Int64":
            frame[col] = pd.to_numeric(frame[col]).astype("Int64")
        elif dtype == "float64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(dtype)
        elif dtype.startswith("datetime64[us, UTC]"):
            frame[col] = pd.to_datetime(frame[col], utc=True).astype(dtype)
        elif dtype.startswith("datetime"):
            frame[col] = pd.to_datetime(frame[col]).astype(dtype)
        else:
            frame[col] = frame[col].astype(dtype)
    return frame


def feedback_list(period: Period, filters: Filters = NO_FILTERS, rep_id: int | None = None,
                  limit: int = 500, *, viewer: User | None = None) -> pd.DataFrame:
    """Ratings and insights given in the period, newest first. For a ``viewer`` who may not see
    every rep (SDRs, AEs): their own, and other reps' ratings of campaigns — not other reps'
    ratings of leads, which are those reps' lead-level data. (The read is cached without the
    viewer, so the page's list and its reply picker, and every viewer, share one read.)"""
    frame = _feedback_rows(period, filters, rep_id, limit)
    if viewer is not None and not viewer.can("see_all_reps"):
        mine = frame["rep_id"] == (viewer.rep_id if viewer.rep_id is not None else -1)
        frame = frame[mine | (frame["subject_kind"] == "campaign")].reset_index(drop=True)
    return frame


@st.cache_data(ttl=FEEDBACK_TTL, show_spinner=False)
def _feedback_rows(period: Period, filters: Filters, rep_id: int | None, limit: int) -> pd.DataFrame:
    return _typed(sqlfiles.frame("feedback_list", {**filters.params(), **period.bounds(), "rep_id": rep_id, "limit": limit}),
                  FEEDBACK_SCHEMA)


@st.cache_data(ttl=FEEDBACK_TTL, show_spinner=False)
def feedback_trend(period: Period, filters: Filters = NO_FILTERS, *, grain: str = "none",
                   dim: str = "total") -> pd.DataFrame:
    """Average quality and number of ratings by bucket and group (rating time in the period)."""
    if grain != "none" and grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}")
    return _typed(sqlfiles.frame("feedback_trend", {**filters.params(), **period.bounds(), **period.buckets(grain),
                                         "grain": grain, "dim": dim}),
                  TREND_SCHEMA)


@st.cache_data(ttl=FEEDBACK_TTL, show_spinner=False)
def replies(period: Period, limit: int = 300) -> pd.DataFrame:
    return _typed(sqlfiles.frame("replies_list", {**period.bounds(), "limit": limit}), REPLY_SCHEMA)


@st.cache_data(ttl=FEEDBACK_TTL, show_spinner=False)
def feedback_summary(period: Period) -> dict:
    frame = sqlfiles.frame("feedback_summary", period.bounds())
    row = frame.iloc[0].to_dict() if not frame.empty else {}
    return {"ratings": int(row.get("ratings") or 0), "avg_quality": row.get("avg_quality"),
            "poor": int(row.get("poor") or 0), "good": int(row.get("good") or 0),
            "replied": int(row.get("replied") or 0)}


@st.cache_data(ttl=FEEDBACK_TTL, show_spinner=False)
def lead_choices(rep_id: int, limit: int = 300, *, team_id: int | None = None) -> pd.DataFrame:
    """Leads handed to the rep (and, with ``team_id``, a sales lead's team: they may rate those),
    most recent first, with the rep's rating if any."""
    return sqlfiles.frame("feedback_lead_choices", {"rep_id": rep_id, "limit": limit, "team_id": team_id})


def review_period(as_of: datetime | None = None, days: int = 7) -> Period:
    """The last ``days`` local days up to today: what a weekly review looks at."""
    tz = settings.company_timezone()
    today = local_today(tz, as_of)
    return Period(today - timedelta(days=days - 1), today, tz, label=f"Last {days} days")




def version_diff_text(old: Version | None, new: Version, source_labels: dict | None = None) -> list[str]:
    """Readable lines for what ``new`` changes compared with ``old``."""
    if old is None:
        return ["First version: everything is new."]
    return [c.text for c in diff(old.criteria, new.criteria, source_labels=source_labels)] or \
        ["No rule changes (only the title, rationale or date)."]
