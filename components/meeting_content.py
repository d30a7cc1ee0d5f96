"""What each meeting section says, as plain values: tiles, rows and sentences built from a
section's payload (queries.meetings). Pure: no st.*, no database. The presentation
(components.meeting_view) and the export (components.meeting_export) both render these, so the
exported file holds exactly the numbers shown on screen.
"""

from __future__ import annotations

import html
import numbers
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

import pandas as pd

from components import format as fmt
from components.goal_card import value_text
from components.kpi_tiles import VS_PREVIOUS, Tile, against
from queries import calc
from queries.goal_math import CONFIDENCE, STATUSES
from queries.goal_math import attainment as attainment_of
from queries.meeting_rules import SECTIONS, frame_from_json
from queries.periods import Period
from queries.sla_math import RECENT_SLIP_MINUTES

STATUS_TONE = {"on_track": "good", "achieved": "good", "at_risk": "warn", "off_track": "bad", "missed": "bad"}


delta = fmt.change  # the scoreboard's KPI delta text (an ASCII '-' is what st.metric reads as 'down')


def _ts(value) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp


def local_time(value, tz: str, pattern: str = "%H:%M") -> str:
    stamp = _ts(value)
    if stamp is None:
        return fmt.DASH
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(tz).strftime(pattern)


# --------------------------------------------------------------------------- dates


def date_text(day: date, today: date | None, *, weekday: bool = False) -> str:
    """The one date format of meeting mode: '16 Nov' ('Mon 16 Nov' with ``weekday``), with the year
    only when it is not ``today``'s ('16 Nov 2025'); ``today=None`` always names the year (a file
    read later)."""
    text = f"{day:%a %d %b}" if weekday else f"{day:%d %b}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def local_date_text(value, tz: str, today: date | None, *, weekday: bool = False, clock: bool = False) -> str:
    """A moment as a local date in the same format, 'Mon 16 Nov, 09:30' with ``clock``."""
    stamp = _ts(value)
    if stamp is None:
        return fmt.DASH
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    local = stamp.tz_convert(tz)
    text = date_text(local.date(), today, weekday=weekday)
    return f"{text}, {local:%H:%M}" if clock else text


def meeting_when_text(scheduled_at, started_at, tz: str, today: date | None, *, weekday: bool = True,
                      clock: bool = True) -> str:
    """When a meeting is: its planned time, or, held (started) on another day than planned, when it
    was held with the plan beside it ('held Wed 25 Nov, 08:32 (planned Mon 30 Nov, 09:30)'): a
    meeting held early kept its future date in the list, on its slides and in its export."""
    planned = local_date_text(scheduled_at, tz, today, weekday=weekday, clock=clock)
    held, plan = _ts(started_at), _ts(scheduled_at)
    if held is None or plan is None:
        return planned
    held_day, plan_day = (local_today_of(t, tz) for t in (held, plan))
    if held_day == plan_day:
        return planned
    return f"held {local_date_text(held, tz, today, weekday=weekday, clock=clock)} (planned {planned})"


def period_text(period: dict, today: date | None) -> str:
    """A payload's period ('01 Oct – 31 Dec') in the meeting's date format."""
    start, end = pd.Timestamp(period["start"]).date(), pd.Timestamp(period["end"]).date()
    if start == end:
        return date_text(start, today)
    if start.year == end.year:
        return f"{start:%d %b} – {date_text(end, today)}"
    return f"{date_text(start, None)} – {date_text(end, None)}"


# --------------------------------------------------------------------------- live, frozen, or today's


#: A frozen section computed this long after its as-of moment says so (see computed_late).
COMPUTED_LATE = pd.Timedelta(minutes=10)


def computed_late(payload: dict) -> bool:
    """Frozen numbers computed well after the freeze (a meeting frozen before its numbers were stored,
    e.g. the demo's past meeting)."""
    computed, as_of = _ts(payload.get("computed_at")), _ts(payload.get("as_of"))
    return computed is not None and as_of is not None and computed - as_of > COMPUTED_LATE


@dataclass(frozen=True)
class NumbersState:
    """What the numbers on screen are: ``text`` for the chip, ``tone`` ('live', 'frozen', 'today':
    live numbers of a meeting already held) and ``note``, the sentence that explains (or None)."""
    text: str
    tone: str
    note: str | None = None


def numbers_state(payload: dict, tz: str, *, frozen: bool, today: date | None = None,
                  held_on: datetime | None = None) -> NumbersState:
    """Live, frozen (and when those numbers were stored late, how far they hold), or — for a meeting
    already held (``held_on``: when) that was never frozen — today's numbers, not the meeting's."""
    moment = payload.get("as_of")
    if frozen:
        text = f"Frozen · as of {local_time(moment, tz)}, {local_date_text(moment, tz, today, weekday=True)}"
        if not computed_late(payload):
            return NumbersState(text, "frozen")
        # "on 23 Nov", or "at 19:49 that day" when stored on the freeze's own day (the date twice was noise)
        same_day = local_today_of(payload["computed_at"], tz) == local_today_of(moment, tz)
        stored = (f"at {local_time(payload['computed_at'], tz)} that day" if same_day
                  else f"on {local_date_text(payload['computed_at'], tz, today)}")
        text += f" · computed {stored.removeprefix('on ')}"
        if payload.get("events_until") and payload.get("decisions_as_of"):
            note = (f"Stored {stored} for the freeze: leads, MQLs, hand-offs, deals and accept/reject decisions "
                    f"after {local_time(moment, tz)} on {local_date_text(moment, tz, today, weekday=True)} are left "
                    f"out; deal amounts are as they stood {stored}, and goal values as they stood at "
                    f"{local_time(moment, tz)}.")
        elif payload.get("events_until"):
            note = (f"Stored {stored} for the freeze: leads, MQLs, hand-offs and deals after "
                    f"{local_time(moment, tz)} on {local_date_text(moment, tz, today, weekday=True)} are left out; "
                    f"decisions on earlier hand-offs and deal amounts are as they stood {stored}, and goal "
                    f"values as they stood at {local_time(moment, tz)}.")
        else:
            note = (f"Stored {stored}, after the freeze: counts that do not depend on time (MQLs, acceptance, "
                    "pipeline) include what happened since.")
        return NumbersState(text, "frozen", note)
    if held_on is not None:
        return NumbersState(f"Today's numbers · as of {local_time(moment, tz)}", "today",
                            f"Not this meeting's: it was held on {local_date_text(held_on, tz, today, weekday=True)} "
                            "and its numbers were not frozen.")
    return NumbersState(f"Live · as of {local_time(moment, tz)}", "live")


def as_of_text(payload_or_moment, tz: str, frozen: bool, today: date | None = None) -> str:
    """'Live · as of 14:32' or 'Frozen · as of 14:32, Fri 20 Nov' (+ ' · computed 22 Nov' when late)."""
    payload = payload_or_moment if isinstance(payload_or_moment, dict) else {"as_of": payload_or_moment}
    today = today or local_today_of(payload.get("as_of"), tz)
    return numbers_state(payload, tz, frozen=frozen, today=today).text


def local_today_of(moment, tz: str) -> date | None:
    stamp = _ts(moment)
    if stamp is None:
        return None
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert(tz).date()


# --------------------------------------------------------------------------- scoreboard


def comparison_text(p: dict, today: date | None) -> str:
    """The comparison period's dates in the meeting's format (snapshots stored before it was kept:
    as they were written)."""
    period = p.get("comparison_period")
    return period_text(period, today) if period else p["comparison"]


def before_data_note(p: dict, today: date | None = None) -> str | None:
    """Why a slide shows no changes (its comparison period starts before the data), or None."""
    if not p.get("comparison_before_data"):
        return None
    return (f"No changes shown: {comparison_text(p, today)} starts before the data does "
            f"({p.get('data_start') or 'no data'}).")


def scoreboard_note(p: dict, today: date | None = None) -> str:
    if p.get("comparison_before_data"):
        return before_data_note(p, today)
    same = " (the same point in the previous period)" if p.get("comparison_same_point") else ""
    return f"Changes compare with {comparison_text(p, today)}{same}."


# --------------------------------------------------------------------------- goals


#: The goal bars' legend, worded as on the Shared goals page (the bars are goal_card's).
BAR_LEGEND = ("Bars: filled = progress to the target (the black line); dotted = where an even pace would be "
              "today; ◇ = projected at the end of the period.")


#: Goals on one screen of the goals slide: two rows of three cards fit a 720p projector whole (three
#: rows ran past its bottom edge); the slide pages through the rest (components.meeting_view).
GOALS_PER_SCREEN = 6


def goal_screens(count: int, per_screen: int = GOALS_PER_SCREEN) -> list[range]:
    """The goals slide's screens: ``count`` goals (in goal_lines' order) on as few screens of at most
    ``per_screen`` as there must be, evened out (9 goals: 5 and 4, not 6 and 3); one empty screen
    when there are none."""
    if count <= 0:
        return [range(0)]
    screens = -(-count // per_screen)
    size = -(-count // screens)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


#: Decisions, and action items, on one screen of the "Decisions and actions" slide (and a topic's):
#: each clamped to two lines and a line of who/when, six a column (each on two lines) fit 1280×720
#: under a header on three lines, with the paging line under them, and 1920×1080 (measured in
#: chromium: tests/browser/test_meeting_browser.py). The slide's type grows with the screen's width
#: (clamp(…, vw, …)), so a 16:9 full-HD projector has about as many lines' room as a 720p one: one
#: count serves both, and the server, which pages, never needs the screen's size.
OUTCOMES_PER_SCREEN = 6


def outcome_screens(decisions: int, actions: int, per_screen: int = OUTCOMES_PER_SCREEN) -> list[tuple[range, range]]:
    """The screens of a slide of decisions and action items: as few as the longer list needs at
    ``per_screen`` a column, each list filling its column on a screen before it spills onto the
    next (4 decisions and 7 actions: 4 + 6, then the 7th action alone), so the first screen, the one
    the room reads, holds as much as fits. A list that runs out earlier leaves its column empty on
    the later screens; one screen when both are empty."""
    screens = max(-(-decisions // per_screen), -(-actions // per_screen), 1)

    def parts(count: int) -> list[range]:
        return [range(min(i * per_screen, count), min((i + 1) * per_screen, count)) for i in range(screens)]

    return list(zip(parts(decisions), parts(actions)))


def outcomes_screen_text(index: int, screens: list[tuple[range, range]], decisions: int, actions: int) -> str:
    """'Screen 1 of 2: decisions 1–3 of 5 · action items 1–4 of 7' (the paging line)."""
    d, a = screens[index]
    bits = ([f"decision{'' if len(d) == 1 else 's'} {goals_range_text(d)} of {decisions}"] if len(d) else []) + \
           ([f"action item{'' if len(a) == 1 else 's'} {goals_range_text(a)} of {actions}"] if len(a) else [])
    return f"Screen {index + 1} of {len(screens)}: " + " · ".join(bits)


def goals_range_text(screen: range) -> str:
    """'1–5' (a screen of goals, counted from one); '6' for a screen of one."""
    first, last = screen.start + 1, screen.stop
    return str(first) if first == last else f"{first}–{last}"


def goals_screen_text(screen: range, count: int) -> str:
    """'Goals 1–5 of 9' (the paging line of the goals slide), 'Goal 9 of 9'."""
    return f"Goal{'' if len(screen) == 1 else 's'} {goals_range_text(screen)} of {count}"


@dataclass(frozen=True)
class GoalBar:
    """What components.goal_card.progress_bar_html reads of a goal's progress (goal_math.Progress)."""
    data_status: str
    attainment: float | None
    projected_attainment: float | None
    expected: float | None
    pace: float


@dataclass(frozen=True)
class GoalLine:
    id: int
    title: str
    parent_title: str | None
    status: str
    status_label: str
    tone: str                   # good / warn / bad / neutral: of ``status`` (the owners' call when they made one)
    value: str
    target: str
    attainment: str
    progress: float | None      # 0..1 for the bar (attainment, capped)
    pace: float | None
    detail: str                 # "62% of target · projected $1.7M · 54% of the period gone"
    owners: list[dict] = field(default_factory=list)
    checkin: str | None = None  # "At risk · Priya Shah, 3 days ago: narrative…"
    checkin_confidence: str | None = None
    needs: str | None = None         # what the owners need from the other team (last check-in)
    blockers: str | None = None      # what blocks them (last check-in)
    data_tone: str = "neutral"  # the bar's colour: what the data says, as on the Shared goals page
    data_note: str | None = None  # "owners' call; the data says at risk" when the two differ
    bar: GoalBar | None = None  # the progress bar's marks (target, even pace, projection)
    checkin_by: str | None = None  # "Priya Shah, 3 days ago"
    checkin_text: str | None = None  # the whole narrative (screens clip it to fit: clip())
    period_note: str | None = None   # the goal's own period ('Q4 2026') when it is not the meeting's


def goal_period_note(g: dict, period: dict) -> str | None:
    """The goal's period in words when it differs from the meeting's: a "This month" meeting shows
    the quarter's goals with quarter-to-date values, beside a scoreboard slide of the month."""
    if not g.get("start") or not g.get("end"):   # goals frozen before the payload named their dates
        return None
    if (g["start"], g["end"]) == (period.get("start"), period.get("end")):
        return None
    return g.get("period_text")


def goal_lines(p: dict, now: datetime | None = None, *, dated: bool = False) -> list[GoalLine]:
    """The goals slide's lines. ``dated``: check-ins name their date ('12 Nov 2026'), not 'today'
    — a file is read on another day (the export)."""
    cur = p.get("currency", "USD")
    out = []
    for g in p["goals"]:
        unit = SimpleNamespace(unit=g["unit"], unit_label=g["unit_label"])
        att = g["attainment"]
        bits = []
        if att is not None:
            bits.append(f"{fmt.attainment(min(att, 9.99))} of target")
        if g["projected"] is not None and g["cumulative"] and (g["pace"] or 0) < 1:
            bits.append(f"projected {value_text(g['projected'], unit, cur, estimate=True)}")
        if g["pace"] is not None:
            bits.append("period ended" if g["pace"] >= 1 else f"{fmt.pct(g['pace'])} of the period gone")
        checkin = needs = blockers = confidence = checkin_by = checkin_text = None
        last = g.get("last_checkin")
        if last:
            confidence = last["confidence"]
            zone_name = p['period'].get('tz', 'UTC')
            when = (local_date_text(last['at'], zone_name, None) if dated else
                    _ago(last['at'], now or datetime.fromisoformat(p['as_of']), zone_name))
            checkin_by = f"{last['author']}, {when}"
            checkin_text = " ".join((last["narrative"] or "").split())
            checkin = f"{checkin_by}: {clip(checkin_text, 160)}"
            needs = clip(last["needs"], 120) if last.get("needs") else None
            blockers = clip(last["blockers"], 120) if last.get("blockers") else None
        data_status = g.get("data_status") or g["status"]
        pace = g["pace"]
        bar = GoalBar(data_status=data_status, attainment=att,
                      projected_attainment=attainment_of(g["projected"], g["target"], g["lower_is_better"]),
                      expected=(g["target"] * pace if pace is not None and g["cumulative"] and not g["lower_is_better"]
                                else None),
                      pace=pace if pace is not None else 0.0)
        out.append(GoalLine(
            id=g["id"], title=g["title"], parent_title=g.get("parent_title"), status=g["status"],
            status_label=g["status_label"], tone=STATUS_TONE.get(g["status"], "neutral"),
            value=value_text(g["value"], unit, cur, label=False),
            target=("≤ " if g["lower_is_better"] else "") + value_text(g["target"], unit, cur),
            attainment=fmt.attainment(min(att, 9.99)) if att is not None else fmt.DASH,
            progress=None if att is None else max(0.0, min(att, 1.0)), pace=g["pace"], detail=" · ".join(bits),
            owners=g["owners"], checkin=checkin, checkin_confidence=confidence, needs=needs, blockers=blockers,
            data_tone=STATUS_TONE.get(data_status, "neutral"),
            data_note=(f"owners' call; the data says {STATUSES.get(data_status, data_status).lower()}"
                       if data_status != g["status"] else None),
            bar=bar, checkin_by=checkin_by, checkin_text=checkin_text,
            period_note=goal_period_note(g, p["period"])))
    return out


_SENTENCE_END = (".", "!", "?", "…")


def clip(text: str | None, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole if it fits, else cut after a whole word, with
    '…' only when the cut is mid-sentence ('(3 case studies).' stays as is, never '(3 case studies).…')."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]  # room for the '…'
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]  # drop the word that was cut
    head = head.rstrip(" ,;:–—-(")
    if head.rstrip(")\"'”’»").endswith(_SENTENCE_END):
        return head
    return head + "…"


def _ago(moment: str, now: datetime, tz: str) -> str:
    """fmt.ago (calendar days where the company is) in meeting mode's date format."""
    return fmt.ago(pd.Timestamp(moment).to_pydatetime(), tz, pd.Timestamp(now).to_pydatetime(), date_text=date_text)


def confidence_label(code: str | None) -> str:
    return CONFIDENCE.get(code or "", "")


# --------------------------------------------------------------------------- acceptance


def acceptance_tiles(p: dict) -> list[Tile]:
    t = p["total"]
    rate = t.get("acceptance_rate")
    floor = p.get("min_acceptance_rate")
    caption = f"agreed minimum {fmt.pct(floor)}" if floor is not None else "no agreed minimum"
    change = against(delta(rate, p.get("previous_rate"), "points"), VS_PREVIOUS)
    return [
        Tile("acceptance_rate", "Lead acceptance", fmt.pct(rate), change, caption=caption, side="marketing"),
        Tile("handed_off", "Handed off", fmt.number(t.get("handed_off", 0)), good_when="neutral", side="marketing",
             caption=f"{fmt.number(t.get('accepted', 0))} accepted"),
        Tile("rejected", "Rejected", fmt.number(t.get("rejected", 0)), good_when="neutral", side="sales",
             caption=f"{fmt.pct(_share(t.get('rejected'), t.get('handed_off')))} of hand-offs"),
        Tile("awaiting", "Awaiting decision", fmt.number(t.get("awaiting", 0)), good_when="neutral", side="sales",
             caption="not final yet"),
    ]


def _share(part, whole):
    return None if not whole else (part or 0) / whole


def reasons_frame(p: dict) -> pd.DataFrame:
    frame = frame_from_json(p["reasons"])
    frame["label"] = frame["reason"].map(fmt.reason_label)
    return frame


def sources_frame(p: dict) -> pd.DataFrame:
    return frame_from_json(p["by_source"])


def acceptance_note(p: dict, today: date | None = None) -> str:
    # "(the same point …)" as under the scoreboard slide: both compare with the same stretch
    same = " (the same point in the previous period)" if (p.get("comparison_period") or {}).get(
        "label", "").startswith("same") else ""
    return f"{acceptance_headline(p)} " + (before_data_note(p, today)
                                           or f"Acceptance compares with {comparison_text(p, today)}{same}.")


def acceptance_headline(p: dict) -> str:
    reasons = reasons_frame(p)
    if reasons.empty:
        return "No hand-off was rejected in the period."
    top = reasons.iloc[0]
    return (f"Top rejection reason: {top['label']} — {fmt.pct(top['share'])} of "
            f"{fmt.number(reasons['rejected'].sum())} rejections.")


# --------------------------------------------------------------------------- the SLA, both sides
# (its tiles, statuses and notes: components.sla_tiles, as on the two-sided SLA page)


def _pace_chart_dates(p: dict) -> tuple[Period, date | None]:
    period = p["period"]
    first = p.get("data_start_day")
    return (Period(date.fromisoformat(period["start"]), date.fromisoformat(period["end"]), period["tz"],
                   period.get("label") or ""),
            date.fromisoformat(first) if first else None)


def pace_chart_start(p: dict) -> date:
    """The first day the SLA slide's MQL pace chart draws: the period's start, or the data's first
    day when the period starts before it (calc.trend_start, the scoreboard's and the two-sided SLA
    page's rule: "last 12 months" over eight months of data drew four months of a flat line at 0).
    Numbers frozen before the data's first day was kept: the period's start, as then."""
    return calc.trend_start(*_pace_chart_dates(p))


def pace_chart_note(p: dict) -> str | None:
    """Why the MQL pace chart starts after the period does (the two-sided SLA page's caption), or None."""
    return calc.trend_start_text(*_pace_chart_dates(p), "The MQL chart starts")


# --------------------------------------------------------------------------- leads slipping through


SLIPPING_HEADERS = {"lead": "Lead", "owner": "Owner", "situation": "Situation", "overdue": "Overdue by",
                    "action": "What to do"}


def slipping_tiles(p: dict) -> list[Tile]:
    # 'truncated': only snapshots stored before 23 Nov 2026 counted the capped list ("5,000+")
    total = f"{fmt.number(p['total'])}{'+' if p.get('truncated') else ''}"
    kinds = p.get("kinds", {})
    # every hand-off ever handed off, not the meeting's period (the SLA slide's "overdue" is the
    # period's): say so, or the two slides' numbers read as a contradiction
    tiles = [Tile("slipping_total", "Leads slipping through", total, good_when="neutral",
                  caption=f"{fmt.number(p.get('recent', 0))} in the last 7 days · any period",
                  help="Every hand-off still slipping now, whenever it was handed off; the SLA slide counts "
                       "the meeting's period only.")]
    for kind, n in p["by_kind"].items():
        tiles.append(Tile(f"slipping_{kind}", kinds.get(kind, kind), fmt.number(n), good_when="neutral", side="sales"))
    return tiles


def slipping_rows(p: dict, owner_id: int | None = None) -> pd.DataFrame:
    """The most overdue leads (all, or one owner's), with readable columns."""
    frame = frame_from_json(p["rows"])
    if owner_id is not None:
        frame = frame[frame["owner_id"] == owner_id]
    out = pd.DataFrame({
        "lead": [f"{n} · {a}" for n, a in zip(frame["lead_name"], frame["account"])], "owner": frame["owner"],
        "situation": frame["situation"], "overdue": [fmt.duration(m) for m in frame["overdue_minutes"]],
        "action": frame["action"]})
    return out.reset_index(drop=True)


def slipping_note(p: dict, shown: int) -> str:
    """The line under the ``shown`` most recent slips (everyone's), true to their age: only slips of
    the last 7 days are called savable."""
    total = fmt.number(p["total"]) + ("+" if p.get("truncated") else "")
    ages = frame_from_json(p["rows"])["overdue_minutes"].head(shown)
    recent = ages <= RECENT_SLIP_MINUTES
    if len(ages) and recent.all():
        said = "all slipped in the last 7 days: they can still be saved."
    elif recent.any():
        said = "those overdue less than 7 days can still be saved; the others have slipped for longer."
    else:
        said = "none slipped in the last 7 days: each has been overdue for a week or more."
    return (f"The most recent slips of {total}, newest first; {said} "
            "The full list, sortable and exportable, is on the Leads slipping through page.")


#: The owners' table's columns (the slide leaves out the team). The rows come most slips in the
#: last 7 days first (``sla.slipping_summary``): the header's arrow and :data:`SLIPPING_OWNERS_ORDER`
#: say so, or a room reads the first row as the owner with the most slipping leads.
SLIPPING_OWNER_HEADERS = {"owner": "Owner", "team": "Team", "leads": "Slipping", "recent": "Last 7 days ↓"}
SLIPPING_OWNERS_ORDER = "Owners with the most slips in the last 7 days first, then the most slipping."


def slipping_owners(p: dict, top: int | None = None) -> pd.DataFrame:
    """Slipping leads per owner: all of them, and those that slipped in the last 7 days. With
    ``top``, the first ``top`` owners and one row adding up the rest ('+8 more owners'), so the
    column still sums to the tile's count."""
    frame = frame_from_json(p["owners"])
    out = pd.DataFrame({"owner": frame["owner"], "team": frame["team"], "leads": frame["leads"],
                        "recent": frame["recent"]})
    if top is None or len(out) <= top + 1:
        return out
    rest = out.iloc[top:]
    more = pd.DataFrame([{"owner": f"+{len(rest)} more owners", "team": "", "leads": int(rest["leads"].sum()),
                          "recent": int(rest["recent"].sum())}])
    return pd.concat([out.iloc[:top], more], ignore_index=True)


# --------------------------------------------------------------------------- actions and decisions


@dataclass(frozen=True)
class ActionLine:
    id: int
    version: int
    body: str
    owner: str
    owner_side: str
    due: str
    due_state: str           # 'overdue', 'today', 'soon', 'later', 'done'
    meeting: str
    link: str | None
    status: str
    owner_user_id: int | None
    owner_rep_id: int | None


def _side(function) -> str:
    if function == "marketing":
        return "marketing"
    if function in ("sales", "sales_development"):
        return "sales"
    return "shared"


def link_text(row) -> str | None:
    parts = []
    goal = row.get("goal_title")
    if goal is not None and goal == goal:
        parts.append(f"Goal: {goal}")
    number = row.get("criteria_number")
    if number is not None and number == number:
        parts.append(f"Criteria v{int(number)}: {row.get('criteria_title')}")
    return " · ".join(parts) or None


def due_state(due: date, today: date, status: str = "open") -> str:
    if status == "done":
        return "done"
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    return "soon" if (due - today).days <= 7 else "later"


def due_text(due: date, today: date, status: str = "open", *, year_always: bool = False) -> str:
    """'18 Nov · 2 days overdue', '20 Nov · due today', '24 Nov' (the year only when not this year's,
    or always with ``year_always``: a file read later)."""
    state = due_state(due, today, status)
    day = date_text(due, None if year_always else today)
    if state == "overdue":
        days = (today - due).days
        return f"{day} · {days} day{'s' if days != 1 else ''} overdue"
    if state == "today":
        return f"{day} · due today"
    return day


def action_lines(frame: pd.DataFrame, today: date, tz: str, *, year_always: bool = False) -> list[ActionLine]:
    out = []
    for r in frame.to_dict("records"):
        due = r["due_date"] if isinstance(r["due_date"], date) else pd.Timestamp(r["due_date"]).date()
        # the day the meeting was held (started), not the one it was planned for ("from Weekly, 03 Dec"
        # for a meeting held on 24 Nov); a frame without the column (older callers) names the planned day
        held = r.get("meeting_held_at")
        meeting_at = local_date_text(r["meeting_at"] if held is None or pd.isna(held) else held, tz,
                                     None if year_always else today)
        out.append(ActionLine(
            id=int(r["id"]), version=int(r["version"]), body=r["body"], owner=fmt.text_or(r["owner"], fmt.DASH),
            owner_side=_side(r.get("owner_function")), due=due_text(due, today, r["status"], year_always=year_always),
            due_state=due_state(due, today, r["status"]), meeting=f"{r['meeting_title']}, {meeting_at}",
            link=link_text(r), status=r["status"],
            owner_user_id=None if pd.isna(r.get("owner_user_id")) else int(r["owner_user_id"]),
            owner_rep_id=None if pd.isna(r.get("owner_rep_id")) else int(r["owner_rep_id"])))
    return out


@dataclass(frozen=True)
class DecisionLine:
    id: int
    version: int
    body: str
    by: str
    at: str
    link: str | None
    agenda_item_id: int | None


def decision_lines(frame: pd.DataFrame, tz: str, *, dated: bool = False) -> list[DecisionLine]:
    """``dated``: when a decision was recorded names the day too (the export is read later)."""
    return [DecisionLine(int(r["id"]), int(r["version"]), r["body"], r["created_by"],
                         (f"{local_date_text(r['created_at'], tz, None)}, " if dated else "")
                         + local_time(r["created_at"], tz, "%H:%M"), link_text(r),
                         None if pd.isna(r.get("agenda_item_id")) else int(r["agenda_item_id"]))
            for r in frame.to_dict("records")]


def section_title(kind: str, title: str | None = None) -> str:
    return title if kind == "topic" and title else SECTIONS[kind].title


def esc(text) -> str:
    """Text for HTML markup (meeting mode's ``st.markdown(..., unsafe_allow_html=True)`` blocks and
    the export): HTML-escaped, each line break a ``<br>``. A line break left in the markup could
    end its HTML block at a blank line, and Markdown then read what followed: a decision typed as
    two paragraphs showed ``$x$`` as maths and ``# …`` as a heading.

    A ``:`` that could open a shortcode or directive (one followed by a letter, ``_``, ``+`` or ``-``:
    ``:material/home:``, ``:smile:``, ``:red[…]``, ``:+1:``) is the entity ``&#58;``: Streamlit's markdown turns ``:material/home:`` into
    ``:material_home:`` in the whole source before parsing, HTML included (StreamlitMarkdown's
    ``source.replaceAll(":material/", ":material_")``, an icon only outside HTML), and loads its
    emoji plugin when the source has ``:word:`` anywhere; a decision typed with one showed
    ``:material_home:`` on the slide. With the entity the source holds no such pattern, and the
    browser shows the colon as typed (the export is plain HTML: the same)."""
    return _LINE_BREAK.sub("<br>", _DIRECTIVE_COLON.sub("&#58;", html.escape(str(text if text is not None else ""))))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Colons that could start a Streamlit shortcode (esc); "09:34", "Needs: …" and "https://" stay as they are.
_DIRECTIVE_COLON = re.compile(r":(?=[A-Za-z_+\-])")


def cell(value) -> str:
    """A table cell's text, escaped: whole numbers with thousands separators ("14,634", as on the
    tiles above the table; the slide's "+34 more owners" row read "14634"), the rest as is."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    return esc(value)
