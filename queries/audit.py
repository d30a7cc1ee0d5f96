"""The audit log: every change made through Alignboard, with who, what and when (old -> new)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from queries import sqlfiles
from queries.sqlfiles import q


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot audit a {type(value).__name__}")


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, default=_default, sort_keys=True)


def record(conn: sa.Connection, actor_user_id: int | None, action: str, entity: str, entity_id,
           old: dict | None = None, new: dict | None = None, *, at: datetime | None = None) -> None:
    """Append an audit entry inside the caller's transaction (so it commits with the change).
    ``at``: when it happened, for history loaded after the fact (demo data); default now."""
    if old is not None and new is not None:  # keep only what changed
        keys = {k for k in set(old) | set(new) if _json(old.get(k)) != _json(new.get(k))}
        old = {k: old.get(k) for k in sorted(keys)}
        new = {k: new.get(k) for k in sorted(keys)}
    conn.execute(q("audit_insert"), {"actor_user_id": actor_user_id, "action": action, "entity": entity,
                                     "entity_id": None if entity_id is None else str(entity_id),
                                     "old": _json(old), "new": _json(new), "at": at})


def recent(entity: str | None = None, entity_id=None, limit: int = 200) -> pd.DataFrame:
    return sqlfiles.frame("audit_recent", {"entity": entity, "limit": limit,
                                           "entity_id": None if entity_id is None else str(entity_id)})


def search(about_user_id: int | None = None, actor_user_id: int | None = None, *, system_only: bool = False,
           limit: int = 200, before: datetime | None = None) -> pd.DataFrame:
    """Latest entries, newest first: about one user (entity 'user') and/or made by one user.

    ``system_only``: only changes made without a signed-in user (command line, demo seeding).
    ``before``: only entries made before this moment (reaching back past the latest ``limit``).
    Columns: id, at, actor_user_id, actor_username, actor_name, action, entity, entity_id,
    subject_username, entity_title (a goal's title), old, new (dicts or None).
    """
    return sqlfiles.frame("audit_search", {"about_user_id": about_user_id, "actor_user_id": actor_user_id,
                                           "system_only": bool(system_only), "limit": int(limit), "before": before})


# --------------------------------------------------------------------------- describing entries (pure)

ACTION_LABELS = {
    "user.create": "User created",
    "user.update": "User changed",
    "user.password_reset": "Password reset",
    "user.sign_in_paused": "Sign-in paused (failed passwords)",
    "sign_in.client_paused": "Sign-in paused from a network (failed passwords)",
    "revenue_target.set": "Revenue target set",
    "revenue_target.clear": "Revenue target removed",
    "setting.set": "Setting changed",
    "goal.create": "Goal created",
    "goal.update": "Goal edited",
    "goal.archive": "Goal archived",
    "goal.restore": "Goal restored",
    "goal.checkin": "Goal check-in posted",
    "criteria.propose": "Criteria proposed",
    "criteria.approve": "Criteria approved",
    "criteria.withdraw": "Criteria proposal withdrawn",
    "criteria.decline": "Criteria proposal declined",
    "handoff.accept": "Hand-off accepted",
    "handoff.reject": "Hand-off rejected",
    "handoff.recycle": "Lead recycled to nurture",
    "handoff.reassign": "Hand-off reassigned",
    "feedback.rate_lead": "Lead rated",
    "feedback.rate_campaign": "Campaign rated",
    "feedback.reply": "Marketing replied to feedback",
    "sla_policy.version": "SLA policy version saved",
    "sla_policy.retire": "SLA policy retired",
    "sla_commitment.create": "SLA commitment created",
    "sla_commitment.update": "SLA commitment changed",
    "sla_commitment.delete": "SLA commitment deleted",
    "calendar.create": "Calendar created",
    "calendar.update": "Calendar changed",
    "calendar.hours": "Working hours set",
    "calendar.hours_removed": "Working hours removed",
    "calendar.holidays_added": "Holidays added",
    "calendar.holiday_removed": "Holiday removed",
    "meeting.create": "Meeting planned",
    "meeting.update": "Meeting changed",
    "meeting.agenda": "Meeting agenda changed",
    "meeting.live": "Meeting started",
    "meeting.done": "Meeting ended",
    "meeting.cancelled": "Meeting cancelled",
    "meeting.planned": "Meeting re-planned",
    "meeting.freeze": "Meeting numbers frozen",
    "meeting.unfreeze": "Meeting numbers unfrozen",
    "meeting.decision": "Decision recorded",
    "meeting.action": "Action item recorded",
    "meeting_action.done": "Action item done",
    "meeting_action.open": "Action item reopened",
    "meeting_decision.withdraw": "Decision withdrawn",
    "meeting_action.withdraw": "Action item withdrawn",
}


def action_label(action: str) -> str:
    """'user.password_reset' → 'Password reset'; unknown actions → 'Goal · checkin'-style text."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    entity, _, verb = (action or "").partition(".")
    words = lambda s: s.replace("_", " ")  # noqa: E731
    return f"{words(entity).capitalize()} · {words(verb)}" if verb else words(entity).capitalize()


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _readable(key: str, value):
    """Stored units as people read them: a rate 0.85 as 85%, whole amounts without '.0', a target
    of 4200000 as 4,200,000."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if key.endswith("_rate") and 0 <= value <= 1:
        return f"{value * 100:.4g}%"
    if float(value).is_integer() and abs(value) >= 10_000 and not key.endswith(("_id", "version")):
        return f"{int(value):,}"
    return int(value) if float(value).is_integer() else value


#: Keys an entry keeps for tracing (the event row a change wrote) but a reader has no use for.
INTERNAL_KEYS = frozenset({"lead_event_id"})


def describe_change(old: dict | None, new: dict | None, names: dict[str, dict] | None = None,
                    percent: tuple[str, ...] = ()) -> str:
    """One line: 'roles: sdr → sdr, ae; active: yes → no'. Creation lists the new values.

    ``names`` turns ids and codes into names for display, e.g. ``{"team_id": {3: "SDR team"}}``
    shows 'team: SDR team' instead of 'team id: 3'; a list of ids (``owner_rep_ids``) is named
    item by item ('owner reps: Ada, Sam'). ``percent`` names keys holding a fraction shown as a
    percentage (a percent goal's ``target`` 0.67 reads '67%').
    """
    old, new = old or {}, new or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return _show(new if new else old)
    names = names or {}

    def name(key, value):
        return names[key].get(value, names[key].get(str(value), f"#{value}"))

    def show(key, value):
        if key in percent and isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value * 100:.4g}%"
        if key in names and isinstance(value, (list, tuple)):
            return ", ".join(name(key, v) for v in value) if value else "(none)"
        if key in names and value is not None:
            return name(key, value)
        return _show(_readable(key, value))

    def label_of(key):
        if key in names and key.endswith("_user_id"):
            return key[:-8].replace("_", " ")          # presenter_user_id -> 'presenter'
        if key in names and key.endswith("_ids"):
            return key[:-4].replace("_", " ") + "s"      # owner_rep_ids -> 'owner reps'
        return (key[:-3] if key in names and key.endswith("_id") else key).replace("_", " ")

    parts = []
    for key in sorted((set(old) | set(new)) - INTERNAL_KEYS):
        label = label_of(key)
        if key not in old:
            parts.append(f"{label}: {show(key, new[key])}")
        elif key not in new:
            parts.append(f"{label}: {show(key, old[key])} → removed")
        elif _json(old[key]) != _json(new[key]):
            parts.append(f"{label}: {show(key, old[key])} → {show(key, new[key])}")
    return "; ".join(parts) if parts else "(no field changed)"


def subject_text(entity: str, entity_id, subject_username: str | None, old: dict | None, new: dict | None,
                 title: str | None = None) -> str:
    """What an entry is about: '@username' for a user, else the record's ``title`` (a goal's, from
    the search) or the title or name the entry holds ('goal “Raise lead acceptance”'), else 'goal 16'."""
    if isinstance(subject_username, str):
        return f"@{subject_username}"
    kind = str(entity).replace("_", " ")
    if isinstance(title, str) and title.strip():
        return f"{kind} “{_show(title.strip())}”"
    for record in (new, old):
        if isinstance(record, dict):
            for key in ("title", "name"):
                if isinstance(record.get(key), str) and record[key].strip():
                    return f"{kind} “{_show(record[key].strip())}”"
    return kind if entity_id is None or entity_id != entity_id else f"{kind} {entity_id}"   # NaN != NaN
