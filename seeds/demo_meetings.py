"""Demo meetings: two weekly alignment meetings already held (with decisions and action items, some
done, some still open, one overdue) and the next one, planned, with its agenda.

Runs inside the demo-load transaction after the demo users (and, when present, the demo goals and
criteria, which decisions and actions link to): ``load(conn)`` never commits. Idempotent: a
meeting with the same title and time is left alone. Deterministic: times are fixed offsets from
the demo's anchor day (as the goals seed does).

The last meeting was frozen a few minutes after it started. Its numbers cannot be computed inside
this (uncommitted) load transaction, so they are computed the first time someone opens it
(queries.meetings.section_numbers) and stored from then on — for the freeze moment: the leads,
MQLs, hand-offs and deals of the week after it are left out (queries.periods.events_cut), so the
"Frozen · as of 09:34, Mon …" label matches its numbers. The earlier meeting was not frozen: its
screens say they show today's numbers, not the meeting's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from queries.meeting_rules import SECTIONS, default_agenda
from queries.periods import local_today, zone
from queries.sqlfiles import q
from seeds.demo_goals import demo_anchor, stored_setting

log = logging.getLogger("alignboard.seeds")

TITLE = "Weekly sales & marketing alignment"
USERNAMES = ("executive", "marketing_lead", "sales_lead", "marketer", "sdr", "ae")
START = time(9, 30)


@dataclass(frozen=True)
class DemoAction:
    body: str
    owner: str                 # a demo username, or "rep" (a rep without a user account)
    due_in_days: int           # after the meeting
    done_after_days: int | None = None
    goal: str | None = None
    criteria: bool = False
    item: str = "scoreboard"


# (weeks before the next meeting, decisions [(text, goal title, criteria?, agenda kind)], actions)
HELD = (
    (2,
     [("Webinar attendees are routed to SDRs the same day, not the next morning.", "Cut the median time to first touch",
       False, "sla"),
      ("Rejections without a reason are sent back to the rep: every rejection carries one.", "Raise lead acceptance",
       False, "acceptance")],
     [DemoAction("Switch webinar lead routing to same-day assignment", "marketing_lead", 5, 3,
                 goal="Cut the median time to first touch", item="sla"),
      DemoAction("Coach the SDR team on rejection reasons (no more 'other' without a comment)", "sales_lead", 7, 6,
                 goal="Raise lead acceptance", item="acceptance"),
      # still open, days past due whenever the demo is opened: the next meeting's first screen
      # always has an overdue action to chase
      DemoAction("List the ten oldest undecided hand-offs and decide them", "sdr", 3, item="slipping")]),
    (1,
     [("Student and competitor sign-ups are excluded from the MQL feed from next week.", None, True, "acceptance"),
      ("The follow-up SLA stays at 4 hours; we review it again at the end of the quarter.", "Meet the follow-up SLA",
       False, "sla"),
      ("Two customer case studies are co-written by marketing and the account's AE.",
       "Publish joint customer case studies", False, "goals")],
     [DemoAction("Propose criteria v-next excluding student and competitor domains", "marketing_lead", 8,
                 criteria=True, item="acceptance"),
      DemoAction("Call back every accepted lead untouched for more than a day", "sdr", 2, item="slipping"),
      DemoAction("Nominate two customers for case studies", "ae", 10, goal="Publish joint customer case studies",
                 item="goals"),
      DemoAction("Share a one-page battle card for the new pricing", "marketer", 6, 5, item="goals"),
      DemoAction("Check the EMEA routing rule that sends leads to the NA queue", "rep", 9, item="sla")]),
)
#: seconds used per agenda kind in a held meeting (over and under the plan, as meetings go)
USED = {"open_actions": 380, "scoreboard": 540, "goals": 1090, "acceptance": 720, "sla": 655, "slipping": 810,
        "wrap_up": 240, "topic": 600}
NEXT_TOPIC = ("Q1 webinar plan: budget and target accounts", 10)


def _at(day: date, tz: str, clock: time = START) -> datetime:
    return datetime.combine(day, clock, zone(tz)).astimezone(timezone.utc)


def load(conn: sa.Connection) -> None:
    """Create the demo meetings (idempotent). ``conn`` is inside the caller's transaction: never commits."""
    users = {r["username"]: r for r in conn.execute(q("meeting_demo_users"), {"usernames": list(USERNAMES)}).mappings()}
    missing = set(USERNAMES) - set(users)
    if missing:
        log.warning("demo meetings skipped: demo users %s are missing", sorted(missing))
        return
    tz = stored_setting(conn, "company_timezone", "UTC")
    now = min(datetime.now(timezone.utc), _at(demo_anchor(conn, tz), tz, time(0)))
    today = local_today(tz, now)
    outsider = conn.execute(q("meeting_demo_rep_without_user")).mappings().first()
    criteria_id = conn.execute(q("meeting_demo_criteria")).scalar()
    presenter = users["executive"]["id"]

    def goal_id(title):
        return None if title is None else conn.execute(q("meeting_demo_goal"), {"title": title}).scalar()

    def owner(name):
        if name == "rep":
            return (None, outsider["id"]) if outsider else (users["sales_lead"]["id"], None)
        return users[name]["id"], None

    # The weekly meeting is on Mondays: the held ones on the latest Mondays whose meeting is over
    # (at least 3 h ago), the planned one on the Monday after.
    last_held = today - timedelta(days=today.weekday())
    if _at(last_held, tz) > now - timedelta(hours=3):
        last_held -= timedelta(weeks=1)
    next_monday = last_held + timedelta(weeks=1)
    for weeks_back, decisions, actions in HELD:
        day = next_monday - timedelta(weeks=weeks_back)
        held_at = _at(day, tz)
        if conn.execute(q("meeting_demo_exists"), {"title": TITLE, "scheduled_at": held_at}).first():
            continue
        meeting_id, items = _meeting(conn, held_at, presenter, default_agenda())
        ended = held_at + timedelta(seconds=sum(USED.get(k, 300) for k in items))
        conn.execute(q("meeting_demo_history"), {
            "id": meeting_id, "status": "done", "started_at": held_at, "ended_at": ended,
            "frozen_at": held_at + timedelta(minutes=4) if weeks_back == 1 else None,
            "frozen_by_user_id": presenter if weeks_back == 1 else None, "created_at": held_at - timedelta(days=3)})
        for kind, item_id in items.items():
            conn.execute(q("meeting_agenda_add_used"), {"id": item_id, "meeting_id": meeting_id,
                                                        "seconds": USED.get(kind, 300)})
        for i, (text, goal, criteria, kind) in enumerate(decisions):
            conn.execute(q("meeting_decision_insert"), {
                "meeting_id": meeting_id, "agenda_item_id": items.get(kind), "body": text, "goal_id": goal_id(goal),
                "criteria_version_id": criteria_id if criteria else None, "actor_user_id": presenter,
                "created_at": held_at + timedelta(minutes=12 + 9 * i)})
        for i, a in enumerate(actions):
            owner_user_id, owner_rep_id = owner(a.owner)
            action_id = conn.execute(q("meeting_action_insert"), {
                "meeting_id": meeting_id, "agenda_item_id": items.get(a.item), "body": a.body,
                "owner_user_id": owner_user_id, "owner_rep_id": owner_rep_id,
                "due_date": day + timedelta(days=a.due_in_days), "goal_id": goal_id(a.goal),
                "criteria_version_id": criteria_id if a.criteria else None, "actor_user_id": presenter,
                "created_at": held_at + timedelta(minutes=15 + 7 * i)}).scalar_one()
            if a.done_after_days is not None:
                done_at = min(_at(day + timedelta(days=a.done_after_days), tz, time(16, 0)), now)
                conn.execute(q("meeting_action_set_status"), {"id": action_id, "version": 1, "status": "done",
                                                              "now": done_at,
                                                              "actor_user_id": owner_user_id or presenter})

    upcoming = _at(next_monday, tz)
    if conn.execute(q("meeting_demo_exists"), {"title": TITLE, "scheduled_at": upcoming}).first() is None:
        agenda = default_agenda()
        topic = type(agenda[0])("topic", NEXT_TOPIC[1], NEXT_TOPIC[0])
        agenda.insert(len(agenda) - 1, topic)
        _meeting(conn, upcoming, users["marketing_lead"]["id"], agenda)


def _meeting(conn, scheduled_at: datetime, presenter_id: int, agenda) -> tuple[int, dict[str, int]]:
    meeting_id = conn.execute(q("meeting_insert"), {
        "title": TITLE, "scheduled_at": scheduled_at, "presenter_user_id": presenter_id,
        "period_preset": "this_quarter", "actor_user_id": presenter_id}).scalar_one()
    items = {}
    for position, item in enumerate(agenda, start=1):
        items[item.kind] = conn.execute(q("meeting_agenda_insert"), {
            "meeting_id": meeting_id, "kind": item.kind, "title": item.title, "position": position,
            "planned_minutes": item.planned_minutes or SECTIONS[item.kind].default_minutes}).scalar_one()
    return meeting_id, items
