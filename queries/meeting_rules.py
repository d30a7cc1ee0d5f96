"""Meeting mode's pure rules: the section catalogue, input validation, section navigation, the
agenda timer, and the JSON form of frozen numbers. No database, no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd

from queries.filters import parse_id
from queries.periods import PRESETS, date_problem, minute_floor, zone  # noqa: F401 (minute_floor: meeting mode's name)
from queries.words import too_long

MAX_TITLE = 120
MAX_BODY = 1000
MAX_MINUTES = 240
MAX_AGENDA_ITEMS = 20
#: A meeting is planned (or recorded after the fact) within this many days of today, either way.
MAX_MEETING_DAYS_AWAY = 366
#: An action item is due within this many days.
MAX_DUE_DAYS = 366
#: Seconds between refreshes of the live numbers: the metric caches' TTL (queries.metrics.METRIC_TTL),
#: so a refreshed section never shows numbers older than one interval.
LIVE_REFRESH_SECONDS = 60
#: Seconds between checks of the shared meeting state (frozen? where is the presenter?) and timer ticks.
HEARTBEAT_SECONDS = 10
#: Auto-advance choices, seconds per section (0 = off).
AUTO_ADVANCE = (0, 20, 45, 90)
#: Share of the planned time after which the timer turns amber.
TIMER_WARN_AT = 0.8


class MeetingError(ValueError):
    """Input or a change that cannot be accepted; the message is shown to the user as is."""


class StaleMeeting(MeetingError):
    """Someone else changed the meeting (or the action) since it was loaded."""


class NotAllowed(MeetingError):
    """The user's role does not allow this."""


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class SectionKind:
    kind: str
    title: str
    default_minutes: int
    data: bool          # numbers from the metric layer (frozen into snapshots); else meeting records
    about: str


SECTIONS: dict[str, SectionKind] = {s.kind: s for s in (
    SectionKind("open_actions", "Open actions from previous meetings", 5, False,
                "Action items from earlier meetings that are still open, overdue first. Always the first screen."),
    SectionKind("scoreboard", "Scoreboard", 10, True,
                "Both teams' KPIs for the meeting's period, with the change against the comparison period."),
    SectionKind("goals", "Shared goals", 15, True,
                "The goals both teams own for the period: progress, status and the owners' last check-in."),
    SectionKind("acceptance", "Lead acceptance and rejection reasons", 10, True,
                "Accepted ÷ handed off, awaiting decisions, acceptance by source, and why sales rejected leads."),
    SectionKind("sla", "The SLA, both sides", 10, True,
                "Marketing's MQLs against the commitment and their acceptance; sales' follow-up and decisions."),
    SectionKind("slipping", "Leads slipping through", 10, True,
                "Hand-offs past the decision window, accepted leads never contacted: who needs to act."),
    SectionKind("topic", "Topic", 10, False, "A discussion item of your own, with the decisions and actions taken on it."),
    SectionKind("wrap_up", "Decisions and actions", 5, False, "What this meeting decided and who does what by when."),
)}
DATA_SECTIONS = tuple(k for k, s in SECTIONS.items() if s.data)
FIRST_SECTION = "open_actions"
DEFAULT_AGENDA = ("open_actions", "scoreboard", "goals", "acceptance", "sla", "slipping", "wrap_up")
MEETING_PRESETS = {k: v for k, v in PRESETS.items() if k != "custom"}
STATUSES = {"planned": "Planned", "live": "Live", "done": "Done", "cancelled": "Cancelled"}


# --------------------------------------------------------------------------- inputs


def _text(value, what: str, limit: int, *, required: bool = True) -> str | None:
    text = " ".join(str(value or "").split()) if value is not None else ""
    if not text:
        if required:
            raise MeetingError(f"{what} is required.")
        return None
    if len(text) > limit:
        raise MeetingError(too_long(what, len(text), limit))
    return text


def _body(value, what: str) -> str:
    """Free text keeps its line breaks; blank lines at the ends go."""
    text = str(value or "").strip()
    if not text:
        raise MeetingError(f"{what} is required.")
    if len(text) > MAX_BODY:
        raise MeetingError(too_long(what, len(text), MAX_BODY))
    return text


@dataclass(frozen=True)
class MeetingInput:
    title: str
    scheduled_at: datetime | None
    presenter_user_id: int | None
    period_preset: str = "this_quarter"

    def cleaned(self) -> "MeetingInput":
        title = _text(self.title, "A title", MAX_TITLE)
        if self.scheduled_at is None:
            raise MeetingError("Pick the date and time of the meeting.")
        if self.scheduled_at.tzinfo is None:
            raise MeetingError("The meeting time needs a time zone.")
        if self.period_preset not in MEETING_PRESETS:
            raise MeetingError(f"Unknown period '{self.period_preset}'. Choose one of: "
                               f"{', '.join(MEETING_PRESETS.values())}.")
        return replace(self, title=title, scheduled_at=self.scheduled_at.astimezone(timezone.utc))


def meeting_time(day: date, at: time, zone_name: str) -> tuple[datetime, str | None]:
    """The meeting's moment for a local date and clock time in the company's time zone, and a note
    for the confirmation when the clock time is ambiguous.

    A time the clocks skip (02:30 on the night they go forward, 2027-03-14 in New York) does not
    exist: it is refused, suggesting the time it would have become (03:30), instead of being saved as
    03:30 while the confirmation said 02:30. A time the clocks pass twice (01:30 on the night they
    go back) is the first one, before the change -- the one a meeting planned "at 01:30" that night
    reaches first -- and the note says so with both offsets."""
    z = zone(zone_name)
    wall = datetime.combine(day, at.replace(second=0, microsecond=0, fold=0, tzinfo=None))
    first = wall.replace(tzinfo=z)
    moved = first.astimezone(timezone.utc).astimezone(z).replace(tzinfo=None)
    if moved != wall:
        gap = int((moved - wall).total_seconds() // 60)
        jump = "an hour" if gap == 60 else f"{gap} minutes"
        raise MeetingError(f"{wall:%H:%M} does not exist on {day:%a %d %b %Y} in {zone_name}: the clocks jump "
                           f"forward {jump} that night. Pick another time, e.g. {moved:%H:%M}.")
    second = wall.replace(fold=1, tzinfo=z)
    if second.utcoffset() != first.utcoffset():
        return first, (f"{wall:%H:%M} happens twice on {day:%a %d %b %Y} in {zone_name} (the clocks go back "
                       f"that night); this is the first one, {_offset(first)}, before the change "
                       f"(the second is {_offset(second)}).")
    return first, None


def _offset(moment: datetime) -> str:
    name = moment.tzname() or ""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{name} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})".replace(f"{sign}{sign}", sign)


def check_meeting_day(day: date, today: date) -> None:
    """A meeting's (local) date within a year of ``today``: 2040-06-01 is a slip of the keyboard, and
    so is 2016 (checked when the date is set or changed, so an old meeting can still be edited)."""
    problem = date_problem(day, "The meeting's date", today - timedelta(days=MAX_MEETING_DAYS_AWAY),
                           today + timedelta(days=MAX_MEETING_DAYS_AWAY), " (within a year of today)")
    if problem:
        raise MeetingError(problem)


@dataclass(frozen=True)
class AgendaItemInput:
    kind: str
    planned_minutes: int
    title: str | None = None
    id: int | None = None          # an existing item (keeps its used time), or None for a new one

    @property
    def label(self) -> str:
        return self.title if self.kind == "topic" and self.title else SECTIONS[self.kind].title


def clean_agenda(items: list[AgendaItemInput]) -> list[AgendaItemInput]:
    """Validate an agenda and put "open actions" first (added when missing).

    Each data section at most once; topics need a title; minutes are whole numbers 1..240.
    """
    out: list[AgendaItemInput] = []
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        if item.kind not in SECTIONS:
            raise MeetingError(f"Item {i}: unknown section '{item.kind}'.")
        minutes = item.planned_minutes
        problem = minutes_problem(i, SECTIONS[item.kind].title, minutes)
        if problem:
            raise MeetingError(problem)
        title = None
        if item.kind == "topic":
            title = topic_title(item.title, i)
        elif item.kind in seen:
            raise MeetingError(f"'{SECTIONS[item.kind].title}' is on the agenda twice; keep it once.")
        seen.add(item.kind)
        out.append(AgendaItemInput(item.kind, int(minutes), title, item.id))
    if not any(i.kind != FIRST_SECTION for i in out):
        raise MeetingError("Put at least one section or topic on the agenda besides the open actions.")
    if len(out) > MAX_AGENDA_ITEMS:
        raise MeetingError(f"An agenda has at most {MAX_AGENDA_ITEMS} items.")
    first = [i for i in out if i.kind == FIRST_SECTION] or [AgendaItemInput(FIRST_SECTION,
                                                                           SECTIONS[FIRST_SECTION].default_minutes)]
    return first + [i for i in out if i.kind != FIRST_SECTION]


def minutes_problem(index: int, label: str, minutes) -> str | None:
    """What is wrong with an agenda item's planned minutes (whole, 1..MAX_MINUTES), or None. The
    editor says it under the item as it is typed; the save refuses with the same words."""
    if minutes is None or isinstance(minutes, bool) or not isinstance(minutes, (int, float)) \
            or not float(minutes).is_integer() or not 1 <= int(minutes) <= MAX_MINUTES:
        return f"Item {index} ({label}): planned minutes must be a whole number from 1 to {MAX_MINUTES}."
    return None


def topic_title(value, index: int) -> str:
    """A topic's title, cleaned (spaces collapsed), or MeetingError: required, at most MAX_TITLE
    characters. The agenda editor's Add checks it with the same words as the save."""
    return _text(value, f"Item {index}: the topic's title", MAX_TITLE)


def planned_total(minutes) -> int:
    """The minutes planned, added up from the values shown (one per item; one left empty counts 0):
    the editor's total once read 1,049 for items showing 0 and 999, because an empty or 0 field
    counted its item's old minutes."""
    return sum(int(m) for m in minutes if isinstance(m, (int, float)) and not isinstance(m, bool)
               and math.isfinite(m))


def insert_at(kinds: list[str]) -> int:
    """Where the agenda editor's Add puts a new item: before "Decisions and actions" when that is
    last (a meeting ends on its summary), else at the end (a presenter who moved the summary
    elsewhere chose its place; new items then go last)."""
    return len(kinds) - 1 if len(kinds) > 1 and kinds[-1] == "wrap_up" else len(kinds)


def default_agenda() -> list[AgendaItemInput]:
    return [AgendaItemInput(k, SECTIONS[k].default_minutes) for k in DEFAULT_AGENDA]


def owner_key(kind: str, owner_id: int) -> str:
    """'u:12' (a user) or 'r:5' (a rep without a user): one value for the owner picker."""
    if kind not in ("u", "r"):
        raise ValueError(f"unknown owner kind {kind!r}")
    return f"{kind}:{int(owner_id)}"


def parse_owner(key: str | None) -> tuple[int | None, int | None]:
    """(owner_user_id, owner_rep_id) from an owner key; MeetingError when missing or malformed."""
    if not key:
        raise MeetingError("Every action needs an owner: pick who will do it.")
    kind, _, raw = str(key).partition(":")
    owner_id = parse_id(raw)
    if kind not in ("u", "r") or owner_id is None:
        raise MeetingError("Pick the owner from the list.")
    return (owner_id, None) if kind == "u" else (None, owner_id)


@dataclass(frozen=True)
class DecisionInput:
    body: str
    goal_id: int | None = None
    criteria_version_id: int | None = None
    agenda_item_id: int | None = None

    def cleaned(self) -> "DecisionInput":
        return replace(self, body=_body(self.body, "The decision's text"))


@dataclass(frozen=True)
class ActionInput:
    body: str
    owner: str | None                 # owner_key(...)
    due_date: date | None
    goal_id: int | None = None
    criteria_version_id: int | None = None
    agenda_item_id: int | None = None

    def cleaned(self, today: date) -> "ActionInput":
        body = _body(self.body, "The action's text")
        parse_owner(self.owner)
        if self.due_date is None:
            raise MeetingError("Pick a due date for the action.")
        if self.due_date < today:
            raise MeetingError(f"The due date {self.due_date:%d %b %Y} is in the past; pick today "
                               f"({today:%d %b %Y}) or later.")
        if self.due_date > today + timedelta(days=MAX_DUE_DAYS):
            raise MeetingError(f"The due date {self.due_date:%d %b %Y} is more than a year away; pick a due date "
                               f"within the next year (by {today + timedelta(days=MAX_DUE_DAYS):%d %b %Y}).")
        return replace(self, body=body)


# --------------------------------------------------------------------------- navigation


def parse_meeting_id(raw) -> int | None:
    """The meeting id from the query string, or None when absent or not a positive whole number."""
    return parse_id(raw)


def parse_section(raw, count: int) -> int:
    """The 1-based section number from the query string, clamped to 1..count (1 when unreadable;
    the last for any number past it, however long: 99 and 99999999999999999999 alike)."""
    text = str(raw if raw is not None else "").strip()
    if text.isascii() and text.isdigit() and int(text) > count:
        return clamp(count, count)
    return clamp(parse_id(raw) or 1, count)


def clamp(n: int, count: int) -> int:
    return min(max(int(n), 1), max(int(count), 1))


def step(n: int, count: int, delta: int) -> int:
    """Previous (-1) / next (+1) section, staying inside 1..count."""
    return clamp(n + delta, count)


#: Seconds between auto-advance checks. Not the interval itself: any full run (a click on Freeze,
#: a heartbeat's rerun) restarts a fragment's timer, so an interval-long timer restarted just before
#: it fired kept a slide on screen a whole interval more (58 s under 20 s auto-advance); a short
#: check moves on at most this much after the section's time is up.
AUTO_TICK_SECONDS = 2


def auto_tick_seconds(every_seconds: int) -> int:
    """How often auto-advance checks whether the section's time is up."""
    return max(1, min(every_seconds, AUTO_TICK_SECONDS))


def advance_due(entered_at: float, now: float, every_seconds: int) -> bool:
    """Auto-advance: has the section been on screen for ``every_seconds`` (0 = never)?"""
    return every_seconds > 0 and now - entered_at >= every_seconds - 0.5


# --------------------------------------------------------------------------- the agenda timer


def used_seconds(stored_seconds: int, since: datetime | None, now: datetime) -> int:
    """Seconds spent on an item: what is stored, plus the running stretch when it is current."""
    running = max(0, int((now - since).total_seconds())) if since is not None else 0
    return int(stored_seconds) + running


def clock(seconds: int) -> str:
    """125 → '2:05'; 3725 → '1:02:05'."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def timer_state(used: int, planned_minutes: int) -> str:
    """'ok', 'warn' (≥ 80 % of the planned time used) or 'over' (past it)."""
    planned = planned_minutes * 60
    if used > planned:
        return "over"
    if used >= TIMER_WARN_AT * planned:
        return "warn"
    return "ok"


def timer_label(running: bool, status: str, used: int, planned_minutes: int) -> str:
    """The agenda item's time chip: 'Time 4:32 of 10 min' while it runs, 'Planned 10 min' before
    any time was used on it, 'Time used …' once the meeting is over, else 'Time (paused) …'."""
    if running:
        return f"Time {timer_text(used, planned_minutes)}"
    if used <= 0:
        return f"Planned {planned_minutes} min"
    return f"{'Time used' if status == 'done' else 'Time (paused)'} {timer_text(used, planned_minutes)}"


def timer_text(used: int, planned_minutes: int) -> str:
    """'4:32 of 10 min' or '12:10 of 10 min · 2:10 over'."""
    text = f"{clock(used)} of {planned_minutes} min"
    over = used - planned_minutes * 60
    return text + (f" · {clock(over)} over" if over > 0 else "")


# --------------------------------------------------------------------------- as-of moments


# --------------------------------------------------------------------------- frozen numbers as JSON


def json_number(x):
    """A number for a JSON payload: NaN / None / NA → None; numpy scalars → Python."""
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def frame_to_json(frame: pd.DataFrame) -> dict:
    """A DataFrame as {"columns", "dtypes", "rows"} (timestamps as ISO strings, NaN as null)."""
    rows = []
    for rec in frame.itertuples(index=False, name=None):
        row = []
        for v in rec:
            if isinstance(v, (pd.Timestamp, datetime, date)):
                row.append(None if pd.isna(v) else pd.Timestamp(v).isoformat())
            else:
                row.append(json_number(v))
        rows.append(row)
    return {"columns": [str(c) for c in frame.columns], "dtypes": [str(t) for t in frame.dtypes], "rows": rows}


def frame_from_json(obj: dict) -> pd.DataFrame:
    """The inverse of :func:`frame_to_json`, with the same dtypes."""
    frame = pd.DataFrame(obj["rows"], columns=obj["columns"])
    for col, dtype in zip(obj["columns"], obj["dtypes"]):
        if dtype.startswith("datetime64"):
            utc = "UTC" in dtype or "," in dtype
            values = pd.to_datetime(frame[col], utc=utc, format="ISO8601")
            frame[col] = values.astype(dtype)
        elif dtype in ("int64", "Int64"):
            frame[col] = pd.to_numeric(frame[col]).astype("Int64" if frame[col].isna().any() else dtype)
        elif dtype == "float64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        elif dtype in ("bool", "boolean"):
            frame[col] = frame[col].astype("boolean" if frame[col].isna().any() else dtype)
        elif dtype in ("string", "str"):
            frame[col] = frame[col].astype(dtype)
        else:
            frame[col] = frame[col].astype(object)
    return frame
