"""SLA policies on real PostgreSQL: business-hours arithmetic in SQL against the Python
implementation, policy matching and versioning, deadlines against an independent computation,
refresh after changes, compliance / pending / breach against pandas, permissions, writes."""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st

from queries import business_hours as bh
from queries import calc, metrics, scoreboard, sla, users
from queries.access import User
from queries.filters import Filters
from queries.periods import Period
from queries.users import UserInput
from tests.factories import World, at, post_twice_at_once

UTC = timezone.utc
NY_TZ = "America/New_York"
NY = ZoneInfo(NY_TZ)
THANKSGIVING = {date(2026, 11, 26): "Thanksgiving", date(2026, 11, 27): "Day after Thanksgiving"}
PASSWORD = "correct horse battery"


def ny(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=NY)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def people(world):
    sdr_team = world.team("sales_development", code="sdr")
    ae_team = world.team("sales", code="sales")
    world.team("marketing", code="marketing")
    return {"sdr_team": sdr_team, "ae_team": ae_team,
            "sdr": world.rep(sdr_team, "Sam SDR"), "sdr2": world.rep(sdr_team, "Sid SDR"),
            "ae": world.rep(ae_team, "Ada AE"),
            "t1": world.account(tier=1), "t2": world.account(tier=2), "t3": world.account(tier=3)}


def make_user(role: str, team_id=None, rep_id=None) -> User:
    users.create(None, UserInput(role.replace("_", "-") + str(rep_id or ""), f"{role} person",
                                 f"{role}{rep_id or ''}@example.com", [role], team_id=team_id, rep_id=rep_id),
                 PASSWORD)
    return users.by_username(role.replace("_", "-") + str(rep_id or ""))


@pytest.fixture
def admin(people) -> User:
    return make_user("admin")


@pytest.fixture
def office(admin) -> int:
    """Mon–Fri 09:00–18:00 New York with Thanksgiving closed, created through the app's writes."""
    cal_id = sla.create_calendar(admin, "Office", NY_TZ, "09:00", "18:00")
    sla.save_holidays(admin, cal_id, THANKSGIVING, expected_version=_cal_version(cal_id), tz=NY_TZ)
    return cal_id


def _cal_version(cal_id: int) -> int:
    metrics.clear_caches()
    cals = sla.calendars_frame()
    return int(cals.loc[cals["id"] == cal_id, "version"].iloc[0])


def office_py() -> bh.Calendar:
    return bh.Calendar(NY_TZ, (bh.Schedule.weekdays("09:00", "18:00"),), frozenset(THANKSGIVING))


def policy(admin, cal_id, name, minutes, *, business=True, effective=date(2026, 1, 1), rank=None, code=None,
           expected=None, decision=1080, decision_business=True, **conditions) -> int:
    if rank is None:   # a rank of its own (two policies may not share one), the same for each version
        rank = 100 + zlib.crc32(name.encode()) % 800
    return sla.save_policy(admin, sla.PolicyInput(
        name=name, first_touch_minutes=minutes, first_touch_business=business, decision_minutes=decision,
        decision_business=decision_business, effective_from=effective, rank=rank, calendar_id=cal_id, code=code,
        is_default=code == "default", **conditions), expected_version=expected, tz=NY_TZ).id


def sql_scalar(engine, text: str, params: dict | None = None):
    with engine.connect() as conn:
        return conn.execute(sa.text(text), params or {}).scalar()


# --------------------------------------------------------------------------- the calendar: SQL vs Python


CALENDARS = {
    "new_york_office": (NY_TZ, [(date(2000, 1, 1), {d: ("09:00", "18:00") for d in range(1, 6)})], THANKSGIVING),
    "sydney_six_days": ("Australia/Sydney",
                        [(date(2000, 1, 1), {**{d: ("08:30", "17:00") for d in range(1, 6)}, 6: ("10:00", "14:00")})],
                        {date(2026, 1, 26): "Australia Day"}),
    "london_new_hours": ("Europe/London",
                         [(date(2000, 1, 1), {d: ("09:00", "17:30") for d in range(1, 6)}),
                          (date(2026, 6, 1), {**{d: ("08:00", "16:00") for d in range(1, 5)}, 5: ("08:00", "12:00")})],
                         {}),
    "night_shift_ny": (NY_TZ, [(date(2000, 1, 1), {d: ("00:30", "04:00") for d in range(1, 8)})], {}),
    # days that end at midnight (24:00): around the clock on weekdays, evenings every day across DST
    "around_the_clock_ny": (NY_TZ, [(date(2000, 1, 1), {d: ("00:00", "24:00") for d in range(1, 6)})], THANKSGIVING),
    "evenings_to_midnight_london": ("Europe/London",
                                    [(date(2000, 1, 1), {d: ("18:00", "24:00") for d in range(1, 8)})], {}),
    # companies far from New York: a half-hour offset, southern-hemisphere DST, −03:30 with DST,
    # and a European DST change on other dates than the US one
    "kolkata_office": ("Asia/Kolkata", [(date(2000, 1, 1), {d: ("09:30", "18:30") for d in range(1, 6)})],
                       {date(2026, 1, 26): "Republic Day"}),
    "auckland_office": ("Pacific/Auckland", [(date(2000, 1, 1), {d: ("08:30", "17:00") for d in range(1, 6)})],
                        {date(2026, 2, 6): "Waitangi Day"}),
    "st_johns_office": ("America/St_Johns", [(date(2000, 1, 1), {d: ("09:00", "17:00") for d in range(1, 6)})], {}),
    "berlin_office": ("Europe/Berlin", [(date(2000, 1, 1), {d: ("09:00", "18:00") for d in range(1, 6)})],
                      {date(2026, 10, 3): "Tag der Deutschen Einheit"}),
}


def build_calendar(admin, key: str) -> tuple[int, bh.Calendar]:
    tz, schedules, hols = CALENDARS[key]
    first_eff, first_hours = schedules[0]
    cal_id = sla.create_calendar(admin, key, tz)
    for eff, hours in schedules:
        sla.save_schedule(admin, cal_id, eff, {d: hours.get(d) for d in range(1, 8)}, _cal_version(cal_id), tz)
    if hols:
        sla.save_holidays(admin, cal_id, hols, _cal_version(cal_id), tz)
    py = bh.Calendar(tz, tuple(bh.Schedule(eff, tuple((d, bh.parse_hhmm(s), bh.parse_hhmm(e, end=True))
                                                      for d, (s, e) in hours.items())) for eff, hours in schedules),
                     frozenset(hols))
    return cal_id, py


@pytest.mark.parametrize("key, handed_off, minutes, due", [
    # 17:30 IST on Tue 24 Nov (12:00 UTC): 60 min left today, 60 more from 09:30 Wed = 10:30 IST = 05:00 UTC
    ("kolkata_office", "2026-11-24 12:00", 120, "2026-11-25 05:00"),
    # Fri 16:00 NZDT (03:00 UTC): 60 min to 17:00, then Mon 08:30 + 60 = 09:30 NZDT Mon 30 Nov = 20:30 UTC Sun
    ("auckland_office", "2026-11-27 03:00", 120, "2026-11-29 20:30"),
    # St John's, NDT (−02:30) on Fri 30 Oct, NST (−03:30) from Sun 1 Nov: Fri 16:30 local + 30 min,
    # then Mon 09:00 NST + 30 = 09:30 NST = 13:00 UTC
    ("st_johns_office", "2026-10-30 19:00", 60, "2026-11-02 13:00"),
    # Berlin on CET since 25 Oct while New York is still on EDT: Mon 26 Oct 17:00 CET (16:00 UTC)
    # + 2 h = 1 h today, then Tue 10:00 CET = 09:00 UTC
    ("berlin_office", "2026-10-26 16:00", 120, "2026-10-27 09:00"),
    # Berlin holiday Sat 3 Oct 2026 is a weekend anyway; Fri 2 Oct 17:30 CEST (15:30 UTC) + 60 min
    # = 30 min Fri, then Mon 5 Oct 09:30 CEST = 07:30 UTC
    ("berlin_office", "2026-10-02 15:30", 60, "2026-10-05 07:30"),
])
def test_business_hours_deadlines_by_hand_far_from_new_york(app_db, admin, key, handed_off, minutes, due):
    """Deadlines computed by hand on each calendar's own working hours, in its own zone."""
    cal_id, py = build_calendar(admin, key)
    start = datetime.fromisoformat(handed_off).replace(tzinfo=UTC)
    want = datetime.fromisoformat(due).replace(tzinfo=UTC)
    with app_db.connect() as conn:
        got = conn.execute(sa.text("select business_add_minutes(:c, :s, :m)"),
                           {"c": cal_id, "s": start, "m": minutes}).scalar_one()
    assert got == want == bh.add_business_minutes(py, start, minutes)


@pytest.mark.parametrize("key", list(CALENDARS))
def test_sql_working_days_match_python(app_db, admin, key):
    cal_id, py = build_calendar(admin, key)
    with app_db.connect() as conn:
        rows = conn.execute(sa.text(
            "select day, start_at, end_at, minutes from business_day where calendar_id = :c "
            "and day between '2025-12-01' and '2027-01-31' and minutes > 0 order by day"), {"c": cal_id}).all()
    expected = py.intervals(date(2025, 12, 1), date(2027, 1, 31))
    assert [(r.day, r.start_at, r.end_at) for r in rows] == expected
    for r, (_, s, e) in zip(rows, expected):
        assert float(r.minutes) == (e - s).total_seconds() / 60


@pytest.mark.parametrize("key", list(CALENDARS))
def test_sql_arithmetic_matches_python_on_random_instants(app_db, admin, key):
    cal_id, py = build_calendar(admin, key)
    rng = random.Random(hash(key) % 1000)
    base = datetime(2025, 12, 20, tzinfo=UTC)
    cases = []
    for _ in range(150):
        start = base + timedelta(seconds=rng.randrange(0, 400 * 86400))
        minutes = rng.choice([1, 30, 60, 120, 240, 510, 1080, rng.randrange(1, 6000)])
        end = start + timedelta(seconds=rng.randrange(0, 10 * 86400))
        cases.append((start, minutes, end))
    with app_db.connect() as conn:
        for start, minutes, end in cases:
            got_end, got_between = conn.execute(sa.text(
                "select business_add_minutes(:c, :s, :m), business_minutes_between(:c, :s, :e)"),
                {"c": cal_id, "s": start, "m": minutes, "e": end}).one()
            assert got_end == bh.add_business_minutes(py, start, minutes), (start, minutes)
            assert float(got_between) == pytest.approx(bh.business_minutes_between(py, start, end), abs=1e-6)


def test_a_day_until_midnight_is_stored_as_24_00_and_read_back(app_db, admin):
    cal_id, py = build_calendar(admin, "around_the_clock_ny")
    with app_db.connect() as conn:
        ends = conn.execute(sa.text("select distinct d.end_time::text from business_schedule_day d "
                                    "join business_schedule s on s.id = d.schedule_id where s.calendar_id = :c"),
                            {"c": cal_id}).scalars().all()
        monday = conn.execute(sa.text("select minutes from business_day where calendar_id = :c and day = :d"),
                              {"c": cal_id, "d": date(2026, 11, 16)}).scalar()
    assert ends == ["24:00:00"] and monday == 24 * 60
    metrics.clear_caches()
    assert sla.calendar(cal_id) == py
    assert sla.describe_calendar(cal_id, date(2026, 11, 16)).startswith("Mon–Fri 00:00–24:00 America/New_York")


def test_hand_offs_outside_a_24_hour_weekday_calendar(world, people, admin):
    """Around the clock Monday to Friday: a hand-off on Saturday counts from Monday 00:00; one late
    on Friday night carries its rest over the weekend; every deadline is what Python computes."""
    cal_id, py = build_calendar(admin, "around_the_clock_ny")
    policy(admin, cal_id, "Standard", 60, code="default", decision=24 * 60)
    cases = {ny("2026-11-14 15:00"): ny("2026-11-16 01:00"),   # Saturday afternoon
             ny("2026-11-13 23:30"): ny("2026-11-16 00:30"),   # Friday 23:30: 30 min left on Friday
             ny("2026-11-13 23:00"): ny("2026-11-14 00:00"),   # ends exactly at Friday midnight
             ny("2026-11-25 23:30"): ny("2026-11-30 00:30"),   # Thanksgiving and the day after closed
             ny("2026-03-06 23:30"): ny("2026-03-09 00:30"),   # Friday before spring forward
             ny("2026-10-30 23:30"): ny("2026-11-02 00:30")}   # Friday before fall back
    for moment, due in cases.items():
        lead = world.lead(moment - timedelta(hours=1), people["t2"])
        row = world.handoff_row(world.hand_off(lead, moment.astimezone(UTC), people["sdr"]))
        assert row["sla_deadline_at"] == due == bh.add_business_minutes(py, moment, 60), moment
        assert row["decision_due_at"] == bh.add_business_minutes(py, moment, 24 * 60), moment


def test_calendar_changes_rebuild_the_working_days(app_db, admin, office):
    def minutes_on(day):
        return sql_scalar(app_db, "select minutes from business_day where calendar_id = :c and day = :d",
                          {"c": office, "d": day})

    assert minutes_on(date(2026, 11, 26)) == 0  # Thanksgiving
    assert minutes_on(date(2026, 11, 25)) == 540
    sla.remove_holiday(admin, office, date(2026, 11, 27), _cal_version(office), NY_TZ)
    assert minutes_on(date(2026, 11, 27)) == 540
    sla.save_schedule(admin, office, date(2026, 12, 1), {1: ("08:00", "12:00")}, _cal_version(office), NY_TZ)
    assert minutes_on(date(2026, 12, 7)) == 240      # Monday: new hours
    assert minutes_on(date(2026, 12, 8)) == 0        # Tuesday: closed under the new schedule
    assert minutes_on(date(2026, 11, 30)) == 540     # before the new schedule
    # the admin's audit log names the calendar (it said "business calendar 3")
    from queries import audit

    entries = audit.search().query("entity == 'business_calendar'")
    assert len(entries) >= 3 and {audit.subject_text(e.entity, e.entity_id, e.subject_username, e.old, e.new,
                                                     e.entity_title) for e in entries.itertuples()} \
        == {"business calendar “Office”"}
    # Cumulative minutes stay consistent across the whole range.
    assert sql_scalar(app_db, """select count(*) from (select cum_start, lag(cum_end) over (order by day) as prev
                                  from business_day where calendar_id = :c) x where cum_start <> prev""",
                      {"c": office}) == 0


def test_working_days_are_rebuilt_for_a_new_time_zone_not_a_rename_or_version_bump(app_db, admin, office):
    """A rebuild rewrites 18,628 rows (~0.3 s); a rename or the optimistic-lock bump of every hours
    or holiday save must not trigger one (migration 0013). Rewritten rows get a new xmin."""
    def stamp():
        return sql_scalar(app_db, "select array_agg(distinct xmin::text) from business_day where calendar_id = :c",
                          {"c": office})

    def ten_am_on(day):
        return sql_scalar(app_db, "select start_at from business_day where calendar_id = :c and day = :d",
                          {"c": office, "d": day})

    before = stamp()
    sla.save_calendar(admin, office, "Head office", NY_TZ, _cal_version(office))
    World(app_db).execute("update business_calendar set version = version + 1, updated_at = now() where id = :c",
                          {"c": office})
    assert stamp() == before
    assert ten_am_on(date(2026, 11, 25)) == datetime(2026, 11, 25, 14, tzinfo=UTC)  # 09:00 in New York
    sla.save_calendar(admin, office, "Head office", "Europe/Berlin", _cal_version(office))
    assert stamp() != before
    assert ten_am_on(date(2026, 11, 25)) == datetime(2026, 11, 25, 8, tzinfo=UTC)   # 09:00 in Berlin


def test_a_calendar_save_rebuilds_its_days_once_and_other_writers_still_rebuild(app_db, office):
    """Saving hours is three statements, each of which rebuilt the calendar's 18,628 days; inside
    ``rebuilding_days_once`` they rebuild once, at the end (migration 0020). A writer that does not
    use it (a sync job, psql) still gets the per-statement rebuilds, and both leave the same days."""
    monday_mornings = bh.Schedule(date(2026, 12, 1), ((1, time(8), time(12)),))

    def days(conn):
        return conn.execute(sa.text("select day, start_at, end_at, minutes, cum_start, cum_end from business_day "
                                    "where calendar_id = :c order by day"), {"c": office}).all()

    def rebuilds(conn) -> int:   # calls in this transaction (track_functions is set for it alone)
        return conn.execute(sa.text("select coalesce(sum(calls), 0) from pg_stat_xact_user_functions "
                                    "where funcname = 'rebuild_business_days'")).scalar_one()

    with app_db.connect() as conn:
        before = days(conn)
        conn.rollback()
        results = {}
        for how in ("once", "per statement"):
            with conn.begin() as tx:
                conn.exec_driver_sql("set local track_functions = 'all'")
                if how == "once":
                    with sla.rebuilding_days_once(conn, office):
                        sla._write_schedule(conn, office, monday_mornings)
                else:
                    sla._write_schedule(conn, office, monday_mornings)
                results[how] = (rebuilds(conn), days(conn))
                tx.rollback()
    assert results["once"][0] == 1
    assert results["per statement"][0] >= 3
    assert results["once"][1] == results["per statement"][1] != before
    changed = {r.day: r.minutes for r in results["once"][1]}
    assert (changed[date(2026, 12, 7)], changed[date(2026, 12, 8)], changed[date(2026, 11, 30)]) == (240, 0, 540)


def test_outside_the_calendar_range_falls_back_to_wall_clock(app_db, office):
    start = datetime(2051, 3, 1, 10, tzinfo=UTC)
    assert sql_scalar(app_db, "select business_add_minutes(:c, :s, 60)", {"c": office, "s": start}) is None
    assert sql_scalar(app_db, "select sla_window_end(:c, true, :s, 60)", {"c": office, "s": start}) \
        == start + timedelta(hours=1)


def test_bad_time_zone_is_refused_by_the_database_and_the_app(app_db, admin, office):
    with pytest.raises(sa.exc.DBAPIError) as err:
        World(app_db).execute("update business_calendar set timezone = 'Mars/Olympus' where id = :c", {"c": office})
    assert err.value.orig.sqlstate == "AB020"
    with pytest.raises(sla.SlaError, match="not a time zone"):
        sla.save_calendar(admin, office, "Office", "Mars/Olympus", _cal_version(office))
    with pytest.raises(sla.SlaError, match="HH:MM"):
        sla.save_schedule(admin, office, date(2026, 12, 1), {1: ("9", "17:00")}, _cal_version(office), NY_TZ)
    with pytest.raises(sla.SlaError, match="ends"):
        sla.save_schedule(admin, office, date(2026, 12, 1), {1: ("17:00", "09:00")}, _cal_version(office), NY_TZ)
    # Nothing stored changed.
    assert sla_calendar_row(app_db, office)["timezone"] == NY_TZ
    assert sql_scalar(app_db, "select count(*) from business_schedule where calendar_id = :c", {"c": office}) == 1


def sla_calendar_row(engine, cal_id):
    with engine.connect() as conn:
        return conn.execute(sa.text("select * from business_calendar where id = :c"), {"c": cal_id}).mappings().one()


def test_stale_calendar_edit_is_refused(admin, office):
    version = _cal_version(office)
    sla.save_holidays(admin, office, {date(2026, 12, 24): "Christmas Eve"}, version, NY_TZ)
    with pytest.raises(sla.StaleEdit):
        sla.save_holidays(admin, office, {date(2026, 12, 31): "New Year's Eve"}, version, NY_TZ)
    assert date(2026, 12, 31) not in sla.calendar(office).holidays


def holiday_name(engine, cal_id, day):
    with engine.connect() as conn:
        return conn.execute(sa.text("select name from business_holiday where calendar_id = :c and day = :d"),
                            {"c": cal_id, "d": day}).scalar()


def test_adding_a_holiday_on_a_closed_day_does_not_rename_it(admin, office, app_db):
    day = date(2027, 1, 5)
    sla.save_holidays(admin, office, {day: "Company offsite"}, _cal_version(office), NY_TZ)
    with pytest.raises(sla.SlaError, match="Already a holiday: Tue 05 Jan 2027 is 'Company offsite'"):
        sla.save_holidays(admin, office, {day: "Board meeting"}, _cal_version(office), NY_TZ)
    assert holiday_name(app_db, office, day) == "Company offsite"
    version = _cal_version(office)
    # the same name again changes nothing: said so, no new calendar version, no re-measure
    with pytest.raises(sla.SlaError, match="Nothing changed: Tue 05 Jan 2027 is already 'Company offsite'"):
        sla.save_holidays(admin, office, {day: "Company offsite"}, version, NY_TZ)
    assert _cal_version(office) == version
    many = {date(2027, 2, d): f"Day {d}" for d in range(1, 6)}
    sla.save_holidays(admin, office, many, version, NY_TZ, rename=True)
    with pytest.raises(sla.SlaError, match="all 5 of these holidays are in the calendar already"):
        sla.save_holidays(admin, office, many, _cal_version(office), NY_TZ, rename=True)   # an import run twice
    sla.save_holidays(admin, office, {day: "Board meeting"}, _cal_version(office), NY_TZ, rename=True)  # an import
    assert holiday_name(app_db, office, day) == "Board meeting"
    with app_db.connect() as conn:
        log = conn.execute(sa.text("select old, new from audit_log where action = 'calendar.holidays_added' "
                                   "order by id desc limit 1")).mappings().one()
    assert log["old"] == {"2027-01-05": "Company offsite"} and log["new"] == {"2027-01-05": "Board meeting"}


def _twice(write, key):
    """``write(key)`` once, then again with the same key: the second must raise AlreadySubmitted."""
    from queries import submissions

    first = write(key)
    with pytest.raises(submissions.AlreadySubmitted):
        write(key)
    return first


def _race(write) -> list:
    return post_twice_at_once(write, (sla.SlaError,))


def test_calendar_forms_submitted_twice_save_once(admin, office, app_db):
    """A double click on a calendar form's button reached the server as two submissions: the first
    saved, the second was refused in red, "Someone changed this calendar while you were editing"
    (its own first one had bumped the version), or "Another calendar already has that name". Each
    form's key (queries.submissions) is claimed under the calendar's row lock, before the version
    check: the second post saves nothing and raises AlreadySubmitted, also when both race; a post
    refused inside the write (a stale version) does not use the key up."""
    from queries import submissions

    def audits(action):
        return sql_scalar(app_db, "select count(*) from audit_log where action = :a", {"a": action})

    # a new calendar
    branch = _twice(lambda k: sla.create_calendar(admin, "Branch", NY_TZ, submission=k), submissions.new_key())
    assert sql_scalar(app_db, "select count(*) from business_calendar where name like 'Branch%'") == 1
    raced = _race(lambda k: sla.create_calendar(admin, "Branch two", NY_TZ, submission=k))
    assert [o for o in raced if isinstance(o, str)] == ["AlreadySubmitted"] and len(raced) == 2, raced
    assert sql_scalar(app_db, "select count(*) from business_calendar where name like 'Branch%'") == 2
    # its name and time zone
    version = _cal_version(branch)
    _twice(lambda k: sla.save_calendar(admin, branch, "Branch office", NY_TZ, version, submission=k),
           submissions.new_key())
    assert audits("calendar.update") == 1 and _cal_version(branch) == version + 1
    # weekly hours (a stale version first: refused, the key stays free for the corrected post)
    hours = {d: ("08:00", "16:00") for d in range(1, 6)}
    key, version = submissions.new_key(), _cal_version(office)
    with pytest.raises(sla.StaleEdit):
        sla.save_schedule(admin, office, date(2027, 1, 4), hours, version - 1, NY_TZ, submission=key)
    _twice(lambda k: sla.save_schedule(admin, office, date(2027, 1, 4), hours, version, NY_TZ, submission=k), key)
    assert audits("calendar.hours") == 1 and _cal_version(office) == version + 1
    version = _cal_version(office)
    raced = _race(lambda k: sla.save_schedule(admin, office, date(2027, 3, 1), hours, version, NY_TZ, submission=k))
    assert [o for o in raced if isinstance(o, str)] == ["AlreadySubmitted"] and len(raced) == 2, raced
    assert audits("calendar.hours") == 2 and _cal_version(office) == version + 1
    # a closed day, and an import
    version = _cal_version(office)
    _twice(lambda k: sla.save_holidays(admin, office, {date(2027, 1, 8): "Offsite"}, version, NY_TZ, submission=k),
           submissions.new_key())
    version = _cal_version(office)
    raced = _race(lambda k: sla.save_holidays(admin, office, {date(2027, 7, 5): "Independence Day (observed)",
                                                              date(2027, 12, 24): "Christmas Eve"},
                                              version, NY_TZ, rename=True, submission=k))
    assert [o for o in raced if isinstance(o, str)] == ["AlreadySubmitted"] and len(raced) == 2, raced
    assert audits("calendar.holidays_added") == 3   # the fixture's Thanksgiving, the closed day, the import
    assert _cal_version(office) == version + 1
    with app_db.connect() as conn:
        kinds = dict(conn.execute(sa.text("select kind, count(*) from form_submission group by kind")).all())
    assert kinds == {"calendar.create": 2, "calendar.update": 1, "calendar.hours": 2, "calendar.holidays_added": 1,
                     "calendar.holidays_imported": 1}


def test_a_policy_form_submitted_twice_saves_once(admin, office, app_db):
    """A double click on "Create policy" stored the policy and then said in red that "another
    policy is already called" its name; on "Save as a new version" it stored the version and said
    "Someone saved version 3 of this policy while you were editing". The form's key is claimed
    under the policy lock, before the version and name checks: the second post saves nothing."""
    from queries import submissions

    def save(name, rank, key, code=None, expected=None, minutes=30):
        return sla.save_policy(admin, sla.PolicyInput(
            name=name, first_touch_minutes=minutes, first_touch_business=True, decision_minutes=600,
            decision_business=True, effective_from=date(2026, 1, 1), rank=rank, tiers=[1], calendar_id=office,
            code=code), expected, NY_TZ, submission=key)

    def rows(code):
        return sql_scalar(app_db, "select count(*) from sla_policy where code = :c", {"c": code})

    save("First", 40, None)
    key = submissions.new_key()
    with pytest.raises(sla.SlaError, match="already has rank 40"):   # refused after the claim: given back
        save("Twice", 40, key)
    created = _twice(lambda k: save("Twice", 41, k), key)
    code = sql_scalar(app_db, "select code from sla_policy where id = :i", {"i": created.id})
    assert rows(code) == 1 and sql_scalar(app_db, "select count(*) from sla_policy where name = 'Twice'") == 1
    _twice(lambda k: save("Twice", 41, k, code, 1, 20), submissions.new_key())
    assert rows(code) == 2
    raced = _race(lambda k: save("Twice", 41, k, code, 2, 15))
    assert [o for o in raced if isinstance(o, str)] == ["AlreadySubmitted"] and len(raced) == 2, raced
    assert rows(code) == 3


def test_a_retirement_posted_twice_retires_once(admin, office, app_db):
    """A double click on "Retire …" reached the server twice: the first retired the policy, the
    second said in red "Someone saved version 2 of this policy while you were editing" (its own
    first one); two posts at the same moment could also fail on the version's unique key with a
    traceback. The button's key is claimed under the policy lock, before the version check: the
    second post retires nothing and raises AlreadySubmitted. A retirement by someone else, or a
    version saved meanwhile, is still refused as a stale edit."""
    from queries import submissions

    other = _second_editor()

    def code_of(name):
        return sql_scalar(app_db, "select code from sla_policy where name = :n limit 1", {"n": name})

    def rows(code):
        return sql_scalar(app_db, "select count(*) from sla_policy where code = :c", {"c": code})

    for rank, name in enumerate(("Once", "Raced", "Theirs"), start=10):
        policy(admin, office, name, 60, rank=rank, tiers=[1])
    once, raced, theirs = code_of("Once"), code_of("Raced"), code_of("Theirs")
    saved = _twice(lambda k: sla.retire_policy(admin, once, date(2027, 1, 1), 1, NY_TZ, submission=k),
                   submissions.new_key())
    assert saved.version == 2 and rows(once) == 2
    outcomes = _race(lambda k: sla.retire_policy(admin, raced, date(2027, 1, 1), 1, NY_TZ, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert rows(raced) == 2
    # someone else's retirement (or any version) meanwhile: this editor's post, with its own key, is refused
    sla.retire_policy(other, theirs, date(2027, 1, 1), 1, NY_TZ, submission=submissions.new_key())
    with pytest.raises(sla.StaleEdit, match="Someone saved version 2 of this policy"):
        sla.retire_policy(admin, theirs, date(2027, 2, 1), 1, NY_TZ, submission=submissions.new_key())
    assert rows(theirs) == 2
    assert sql_scalar(app_db, "select count(*) from audit_log where action = 'sla_policy.retire'") == 3


def test_removing_a_holiday_or_hours_posted_twice_removes_once(admin, office, app_db):
    """A double click on "Remove holiday" or on "Remove" (a version of the weekly hours) reached the
    server twice: the first removed it, the second said in red "Someone changed this calendar while
    you were editing" (its own first one had bumped the version). The button's key is claimed under
    the calendar's row lock, before the version check: the second post, one after the other or at
    the same moment, removes nothing and raises AlreadySubmitted; someone else's change meanwhile
    is still refused."""
    from queries import submissions

    other = _second_editor()

    def audits(action):
        return sql_scalar(app_db, "select count(*) from audit_log where action = :a", {"a": action})

    sla.save_holidays(admin, office, {date(2027, 1, 8): "A", date(2027, 1, 11): "B", date(2027, 1, 12): "C"},
                      _cal_version(office), NY_TZ)
    version = _cal_version(office)
    _twice(lambda k: sla.remove_holiday(admin, office, date(2027, 1, 8), version, NY_TZ, submission=k),
           submissions.new_key())
    assert _cal_version(office) == version + 1 and audits("calendar.holiday_removed") == 1
    version = _cal_version(office)
    outcomes = _race(lambda k: sla.remove_holiday(admin, office, date(2027, 1, 11), version, NY_TZ, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert _cal_version(office) == version + 1 and audits("calendar.holiday_removed") == 2
    # someone else removed it (a change of theirs) meanwhile: refused as before, the key free again
    version, key = _cal_version(office), submissions.new_key()
    sla.remove_holiday(other, office, date(2027, 1, 12), version, NY_TZ, submission=submissions.new_key())
    with pytest.raises(sla.StaleEdit, match="Someone changed this calendar"):
        sla.remove_holiday(admin, office, date(2027, 1, 12), version, NY_TZ, submission=key)
    assert audits("calendar.holiday_removed") == 3
    assert holiday_name(app_db, office, date(2027, 1, 11)) is None

    hours = {d: ("08:00", "16:00") for d in range(1, 6)}
    for day in (date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 5)):
        sla.save_schedule(admin, office, day, hours, _cal_version(office), NY_TZ)
    version = _cal_version(office)
    _twice(lambda k: sla.delete_schedule(admin, office, date(2027, 2, 1), version, NY_TZ, submission=k),
           submissions.new_key())
    assert _cal_version(office) == version + 1 and audits("calendar.hours_removed") == 1
    version = _cal_version(office)
    outcomes = _race(lambda k: sla.delete_schedule(admin, office, date(2027, 3, 1), version, NY_TZ, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert _cal_version(office) == version + 1 and audits("calendar.hours_removed") == 2
    version = _cal_version(office)
    sla.save_holidays(other, office, {date(2027, 5, 3): "Theirs"}, version, NY_TZ, submission=submissions.new_key())
    with pytest.raises(sla.StaleEdit, match="Someone changed this calendar"):
        sla.delete_schedule(admin, office, date(2027, 4, 5), version, NY_TZ, submission=submissions.new_key())
    assert audits("calendar.hours_removed") == 2
    assert sql_scalar(app_db, "select count(*) from business_schedule where calendar_id = :c",
                      {"c": office}) == 2   # the first hours and 5 Apr 2027's
    with app_db.connect() as conn:
        kinds = dict(conn.execute(sa.text("select kind, count(*) from form_submission group by kind")).all())
    assert kinds == {"calendar.holiday_removed": 3, "calendar.hours_removed": 2, "calendar.holidays_added": 1}


def test_a_commitment_saved_or_deleted_twice_is_written_once(admin, office, app_db):
    """A double click on "Save commitment" reached the server twice: a new commitment was stored and
    the second post said in red "Another commitment already covers part of these dates" (the first
    one's); a change said "Someone changed this commitment while you were editing"; a second
    "Delete this commitment", "That commitment was already deleted." The form's (the button's) key
    is claimed first (a new one, a deletion) or under the row lock (a change): the second post
    writes nothing and raises AlreadySubmitted. Someone else's change meanwhile is still refused,
    and a new commitment over taken dates still says so."""
    from queries import submissions

    other = _second_editor()

    def count():
        return sql_scalar(app_db, "select count(*) from sla_commitment")

    def audits(action):
        return sql_scalar(app_db, "select count(*) from audit_log where action = :a", {"a": action})

    q1 = sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 500)
    first = _twice(lambda k: sla.save_commitment(admin, q1, submission=k), submissions.new_key())
    assert count() == 1
    q2 = sla.CommitmentInput(date(2027, 4, 1), date(2027, 6, 30), 500)
    outcomes = _race(lambda k: sla.save_commitment(admin, q2, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert count() == 2
    with pytest.raises(sla.SlaError, match="Another commitment already covers"):   # another form: still refused
        sla.save_commitment(admin, q1, submission=submissions.new_key())
    # a change, twice, then twice at once
    _twice(lambda k: sla.save_commitment(admin, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 600),
                                         first, 1, submission=k), submissions.new_key())
    outcomes = _race(lambda k: sla.save_commitment(admin, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31),
                                                                              700), first, 2, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert audits("sla_commitment.update") == 2
    assert sql_scalar(app_db, "select (mql_volume, version)::text from sla_commitment where id = :i",
                      {"i": first}) == "(700,3)"
    # the same terms again (a second click on the form redrawn with them): no new version, no audit entry
    assert sla.save_commitment(admin, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 700), first, 3,
                               submission=submissions.new_key()) == first
    assert audits("sla_commitment.update") == 2
    # someone else's change meanwhile: refused as before
    sla.save_commitment(other, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 800), first, 3,
                        submission=submissions.new_key())
    with pytest.raises(sla.StaleEdit, match="Someone changed this commitment"):
        sla.save_commitment(admin, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 900), first, 3,
                            submission=submissions.new_key())
    # deleted twice: once, the second says done; someone else's deletion is still said
    _twice(lambda k: sla.delete_commitment(admin, first, 4, submission=k), submissions.new_key())
    second = int(sql_scalar(app_db, "select id from sla_commitment"))
    outcomes = _race(lambda k: sla.delete_commitment(admin, second, 1, submission=k))
    assert [o for o in outcomes if isinstance(o, str)] == ["AlreadySubmitted"] and len(outcomes) == 2, outcomes
    assert count() == 0 and audits("sla_commitment.delete") == 2
    with pytest.raises(sla.SlaError, match="already deleted"):
        sla.delete_commitment(other, second, 1, submission=submissions.new_key())
    with app_db.connect() as conn:
        kinds = dict(conn.execute(sa.text("select kind, count(*) from form_submission group by kind")).all())
    assert kinds == {"sla_commitment.create": 2, "sla_commitment.update": 4, "sla_commitment.delete": 2}


def _second_editor() -> User:
    """Another admin, for "someone else changed it meanwhile"."""
    users.create(None, UserInput("admin-two", "Second admin", "admin2@example.com", ["admin"]), PASSWORD)
    return users.by_username("admin-two")


# --------------------------------------------------------------------------- policy matching and versions


def test_no_policy_means_company_defaults_wall_clock(world, people):
    world.setting("sla_first_touch_minutes", 45)
    lead = world.lead(at("2026-03-06 20:00"), people["t2"])
    h = world.hand_off(lead, at("2026-03-06 22:30"), people["sdr"])  # Friday evening
    row = world.handoff_row(h)
    assert row["sla_policy_id"] is None
    assert row["sla_deadline_at"] == at("2026-03-06 23:15")
    assert row["decision_due_at"] == at("2026-03-08 22:30")


def test_first_match_by_rank_wins_and_default_comes_last(world, people, admin, office):
    strategic = policy(admin, office, "Strategic", 30, rank=10, tiers=[1])
    high_paid = policy(admin, office, "High paid", 60, rank=20, priorities=["high"],
                       sources=["paid_search", "paid_social"])
    paid = policy(admin, office, "Paid", 120, rank=30, sources=["paid_search", "paid_social"])
    big = policy(admin, office, "Enterprise", 180, rank=40, segments=["1000-4999", "5000+"])
    default = policy(admin, office, "Standard", 240, code="default", rank=1)  # rank is ignored for the default

    def pick(account, source, priority):
        lead = world.lead(at("2026-03-02 13:00"), account, source=source, priority=priority)
        return world.handoff_row(world.hand_off(lead, ny("2026-03-02 10:00"), people["sdr"]))

    assert pick(people["t1"], "paid_search", "high")["sla_policy_id"] == strategic   # rank 10 beats 20 and 30
    assert pick(people["t2"], "paid_search", "high")["sla_policy_id"] == high_paid   # both conditions hold
    assert pick(people["t2"], "webinar", "high")["sla_policy_id"] == default        # only one of two holds
    assert pick(people["t2"], "paid_social", "low")["sla_policy_id"] == paid
    assert pick(people["t3"], "webinar", "normal")["sla_policy_id"] == default
    assert big not in {pick(people["t2"], "webinar", "normal")["sla_policy_id"]}    # 200-999 employees
    row = pick(people["t1"], "webinar", "normal")
    assert row["sla_deadline_at"] == ny("2026-03-02 10:30")
    assert row["decision_due_at"] == ny("2026-03-04 10:00")   # 18 business hours = two working days


def test_versions_apply_by_handoff_time_and_retired_policies_stop(world, people, admin, office):
    v1 = policy(admin, office, "Strategic", 60, rank=10, tiers=[1], effective=date(2026, 1, 1))
    code = sla.policy_versions().set_index("id").loc[v1, "code"]
    v2 = policy(admin, office, "Strategic", 30, rank=10, tiers=[1], effective=date(2026, 4, 1), code=code, expected=1)
    default = policy(admin, office, "Standard", 240, code="default", effective=date(2026, 1, 1))
    sla.retire_policy(admin, code, date(2026, 7, 1), expected_version=2, tz=NY_TZ)

    def handed(moment):
        lead = world.lead(moment - timedelta(hours=1), people["t1"])
        return world.handoff_row(world.hand_off(lead, moment, people["sdr"]))

    before = handed(ny("2026-03-31 23:59"))  # v1 still (new versions start at 00:00 New York time)
    after = handed(ny("2026-04-01 00:00"))   # v2 (counts from 09:00)
    retired = handed(ny("2026-07-01 10:00"))
    ancient = handed(ny("2025-12-31 10:00"))  # before any policy: company defaults
    assert (before["sla_policy_id"], after["sla_policy_id"], retired["sla_policy_id"]) == (v1, v2, default)
    assert ancient["sla_policy_id"] is None
    assert before["sla_deadline_at"] == ny("2026-04-01 10:00")
    assert after["sla_deadline_at"] == ny("2026-04-01 09:30")
    assert retired["sla_deadline_at"] == ny("2026-07-01 14:00")

    versions = sla.policy_versions(ny("2026-05-01 12:00"))
    in_force = versions[versions["in_force"]]
    assert set(in_force["id"]) == {v2, default}
    assert versions.set_index("id").loc[v1, "superseded_at"] == pd.Timestamp(ny("2026-04-01 00:00"))


def test_policy_versions_are_append_only_and_validated(world, people, admin, office):
    pid = policy(admin, office, "Strategic", 60, rank=10, tiers=[1])
    with pytest.raises(sa.exc.DBAPIError) as err:
        world.execute("update sla_policy set first_touch_minutes = 5 where id = :i", {"i": pid})
    assert err.value.orig.sqlstate == "AB010"
    count = len(sla.policy_versions())
    bad = [
        (dict(name=" "), "name"),
        (dict(first_touch_minutes=0), "between 1"),
        (dict(first_touch_minutes=10.5), "whole number"),
        (dict(tiers=[], sources=[]), "Say which leads"),
        (dict(sources=["carrier_pigeon"]), "Unknown source"),
        (dict(calendar_id=None), "needs a calendar"),
        (dict(rank=0), "rank"),
    ]
    for change, message in bad:
        args = dict(name="Other", first_touch_minutes=60, first_touch_business=True, decision_minutes=600,
                    decision_business=True, effective_from=date(2026, 1, 1), tiers=[2], calendar_id=office)
        args.update(change)
        with pytest.raises(sla.SlaError, match=message):
            sla.save_policy(admin, sla.PolicyInput(**args), None, NY_TZ)
    code = sla.policy_versions().set_index("id").loc[pid, "code"]
    with pytest.raises(sla.StaleEdit):  # someone else saved version 2 first
        policy(admin, office, "Strategic", 45, rank=10, tiers=[1], code=code, expected=0)
    with pytest.raises(sla.SlaError, match="on that date or later"):
        policy(admin, office, "Strategic", 45, rank=10, tiers=[1], code=code, expected=1,
               effective=date(2025, 6, 1))
    policy(admin, office, "Standard", 240, code="default")
    with pytest.raises(sla.SlaError, match="already exists"):  # a second default policy
        sla.save_policy(admin, sla.PolicyInput("Another default", 60, True, 600, True, date(2026, 1, 1),
                                               calendar_id=office, is_default=True), None, NY_TZ)
    assert len(sla.policy_versions()) == count + 1  # only the default above was added


def test_two_policies_cannot_share_a_name(world, people, admin, office, app_db):
    """Names are compared ignoring case, surrounding and repeated spaces and Unicode width; a policy
    keeps its own name across versions; a retired policy's name is free again once it has ended."""
    strategic = policy(admin, office, "Strategic accounts", 60, rank=10, tiers=[1])
    policy(admin, office, "Standard", 240, code="default")
    count = len(sla.policy_versions())
    for clash in ("Strategic accounts", "  strategic   ACCOUNTS ", "Ｓｔｒａｔｅｇｉｃ accounts", "STANDARD"):
        with pytest.raises(sla.SlaError, match="already called"):
            policy(admin, office, clash, 30, rank=20, tiers=[2])
    assert len(sla.policy_versions()) == count
    # renaming another policy to a taken name is refused too
    paid = policy(admin, office, "Paid", 120, rank=20, sources=["paid_search"])
    paid_code = sla.policy_versions().set_index("id").loc[paid, "code"]
    with pytest.raises(sla.SlaError, match="already called"):
        policy(admin, office, "strategic accounts", 120, rank=20, sources=["paid_search"], code=paid_code, expected=1)
    # a policy's own new version may keep (or re-case) its name
    code = sla.policy_versions().set_index("id").loc[strategic, "code"]
    policy(admin, office, "Strategic  Accounts", 45, rank=10, tiers=[1], code=code, expected=1)
    assert sla.policy_versions().query("code == @code")["name"].tolist()[-1] == "Strategic Accounts"
    # retired from a date on: the name is free for a policy that starts then, not before
    sla.retire_policy(admin, code, date(2026, 7, 1), expected_version=2, tz=NY_TZ)
    with pytest.raises(sla.SlaError, match="already called"):
        policy(admin, office, "Strategic accounts", 30, rank=10, tiers=[1], effective=date(2026, 6, 1))
    policy(admin, office, "Strategic accounts", 30, rank=10, tiers=[1], effective=date(2026, 7, 1))


def test_two_saves_of_the_same_name_at_the_same_moment(people, admin, office, app_db):
    """The check and the insert run under one lock: a save waiting for another sees its policy."""
    import threading

    outcome = {}

    def save():
        try:
            policy(admin, office, "Racing", 30, rank=20, tiers=[2])
            outcome["saved"] = True
        except sla.SlaError as err:
            outcome["refused"] = str(err)

    with app_db.connect() as other:
        tx = other.begin()
        other.execute(sa.text("select pg_advisory_xact_lock(hashtext('alignboard.sla_policy.names'))"))
        other.execute(sa.text(
            "insert into sla_policy (code, version, name, rank, tiers, first_touch_minutes, first_touch_business, "
            "decision_minutes, decision_business, effective_at) values ('racing_first', 1, 'RACING', 10, '{1}', 60, "
            "false, 600, false, '2026-01-01')"))
        worker = threading.Thread(target=save)
        worker.start()
        worker.join(timeout=1.5)
        assert worker.is_alive()  # waiting for the lock
        tx.commit()
    worker.join(timeout=30)
    assert "already called “RACING”" in outcome.get("refused", ""), outcome


def test_nul_characters_from_a_paste_never_fail_a_save(admin, office, app_db):
    """PostgreSQL text cannot hold NUL: policy names and notes, calendar and holiday names and
    commitment notes drop it (each of these writes failed with a DataError traceback before)."""
    pid = sla.save_policy(admin, sla.PolicyInput("Fast\x00 lane", 30, False, 600, False, date(2026, 1, 1),
                                                 tiers=[1], note="be\x00cause"), None, NY_TZ).id
    row = sla.policy_versions().set_index("id").loc[pid]
    assert (row["name"], row["note"]) == ("Fast lane", "because")
    cal = sla.create_calendar(admin, "Ber\x00lin", "Europe/Berlin")
    sla.save_calendar(admin, cal, "Berlin\x00 office", "Europe/Berlin", _cal_version(cal))
    sla.save_holidays(admin, cal, {date(2026, 10, 3): "Tag der\x00 Einheit"}, _cal_version(cal), NY_TZ)
    sla.save_commitment(admin, sla.CommitmentInput(date(2026, 1, 1), date(2026, 3, 31), 100, 0.5, 0.9, 0.8,
                                                   "Q1\x00 plan"))
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select name from business_calendar where id = :c"), {"c": cal}).scalar() == \
            "Berlin office"
        assert conn.execute(sa.text("select name from business_holiday where calendar_id = :c"),
                            {"c": cal}).scalar() == "Tag der Einheit"
        assert conn.execute(sa.text("select note from sla_commitment")).scalar() == "Q1 plan"


def test_a_same_day_version_corrects_the_previous_one(world, people, admin, office):
    v1 = policy(admin, office, "Strategic", 60, rank=10, tiers=[1], effective=date(2026, 3, 1))
    code = sla.policy_versions().set_index("id").loc[v1, "code"]
    v2 = policy(admin, office, "Strategic", 20, rank=10, tiers=[1], effective=date(2026, 3, 1), code=code, expected=1)
    lead = world.lead(ny("2026-03-02 09:00"), people["t1"])
    row = world.handoff_row(world.hand_off(lead, ny("2026-03-02 10:00"), people["sdr"]))
    assert row["sla_policy_id"] == v2 and row["sla_deadline_at"] == ny("2026-03-02 10:20")


def test_preview_uses_the_same_rules(world, people, admin, office):
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1])
    policy(admin, office, "Standard", 240, code="default")
    p = sla.preview(ny("2026-11-25 17:45"), 1, "webinar", "200-999", "normal")  # 15 min left on Wednesday
    assert p.policy == "Strategic" and p.sla_deadline_at == ny("2026-11-30 09:15")
    p = sla.preview(ny("2026-11-25 17:00"), 3, "webinar", "200-999", "normal")
    assert p.policy == "Standard" and p.sla_deadline_at == ny("2026-11-30 12:00")
    assert p.decision_due_at == bh.add_business_minutes(office_py(), ny("2026-11-25 17:00"), 1080)


# --------------------------------------------------------------------------- deadlines vs an independent computation


def test_deadlines_and_minutes_match_python_across_weekends_holidays_and_dst(world, people, admin, office):
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1])
    policy(admin, office, "Paid", 120, rank=20, sources=["paid_search"])
    policy(admin, office, "Wall clock", 90, rank=30, business=False, decision=2880, decision_business=False,
           priorities=["low"])
    policy(admin, office, "Standard", 240, code="default")
    cal = office_py()
    windows = {1: (30, True, 1080, True), "paid": (120, True, 1080, True), "low": (90, False, 2880, False),
               None: (240, True, 1080, True)}
    rng = random.Random(11)
    moments = [ny("2026-03-06 17:45"), ny("2026-03-08 02:30"), ny("2026-10-30 17:30"), ny("2026-11-01 01:30"),
               ny("2026-11-25 16:00"), ny("2026-11-26 11:00"), ny("2026-11-28 23:00"), ny("2026-12-31 20:00")]
    moments += [ny("2026-02-01 00:00") + timedelta(minutes=rng.randrange(0, 300 * 1440)) for _ in range(40)]
    checked = 0
    for i, moment in enumerate(moments):
        moment = moment.astimezone(UTC)  # aware arithmetic in New York time would be wall-clock across DST
        kind = [1, "paid", "low", None][i % 4]
        account = people["t1"] if kind == 1 else people["t2"]
        lead = world.lead(moment - timedelta(hours=2), account, source="paid_search" if kind == "paid" else "webinar",
                          priority="low" if kind == "low" else "normal")
        hid = world.hand_off(lead, moment, people["sdr"])
        touch = moment + timedelta(minutes=rng.choice([3, 45, 200, 900, 3000, 9000]))
        world.touch(lead, touch, people["sdr"])
        row = world.handoff_row(hid)
        ft, ft_biz, dec, dec_biz = windows[kind]
        assert row["sla_deadline_at"] == bh.window_end(cal, ft_biz, moment, ft), (kind, moment)
        assert row["decision_due_at"] == bh.window_end(cal, dec_biz, moment, dec), (kind, moment)
        assert row["minutes_to_first_touch"] is not None, (kind, moment, touch, row)
        assert float(row["minutes_to_first_touch"]) == pytest.approx(
            round(bh.elapsed_minutes(cal, ft_biz, moment, touch), 2), abs=0.006)
        checked += 1
    assert checked == len(moments)


def test_refresh_recomputes_retroactive_changes_and_matches_the_trigger(world, people, admin, office, app_db):
    """Hand-offs first (company defaults), then a retroactive policy: refresh gives exactly what the
    trigger gives to hand-offs recorded after the policy."""
    rng = random.Random(5)
    moments = [ny("2026-02-02 08:00") + timedelta(minutes=rng.randrange(0, 120 * 1440)) for _ in range(30)]
    early = []
    for m in moments:
        lead = world.lead(m - timedelta(hours=1), people["t1"] if rng.random() < 0.5 else people["t2"],
                          source=rng.choice(["paid_search", "webinar"]))
        world.hand_off(lead, m, people["sdr"])
        world.touch(lead, m + timedelta(minutes=rng.randrange(1, 4000)), people["sdr"])
        early.append(lead)
    assert sql_scalar(app_db, "select count(*) from handoff where sla_policy_id is not null") == 0
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1], effective=date(2026, 1, 1))
    policy(admin, office, "Paid", 120, rank=20, sources=["paid_search"], effective=date(2026, 1, 1))
    policy(admin, office, "Standard", 240, code="default", effective=date(2026, 1, 1))
    # save_policy refreshed every affected hand-off; now build twins through the trigger.
    twins = {}
    with app_db.connect() as conn:
        originals = conn.execute(sa.text("""
            select h.lead_id, h.handed_off_at, h.first_touch_at, l.account_id, l.source
              from handoff h join lead l on l.id = h.lead_id order by h.id""")).mappings().all()
    for o in originals:
        lead = world.lead(o["handed_off_at"] - timedelta(hours=1), o["account_id"], source=o["source"])
        world.hand_off(lead, o["handed_off_at"], people["sdr2"])
        world.touch(lead, o["first_touch_at"], people["sdr2"])
        twins[o["lead_id"]] = lead
    cols = "sla_policy_id, sla_deadline_at, decision_due_at, minutes_to_first_touch"
    with app_db.connect() as conn:
        def row(lead_id):
            return tuple(conn.execute(sa.text(f"select {cols} from handoff where lead_id = :l"), {"l": lead_id}).one())
        for original, twin in twins.items():
            assert row(original) == row(twin)
    # A refresh with nothing changed changes nothing; after corrupting rows it restores them.
    with app_db.begin() as conn:
        assert sla.refresh(conn) == 0
        conn.execute(sa.text("update handoff set sla_deadline_at = handed_off_at, minutes_to_first_touch = 0"))
        assert sla.refresh(conn, lead_ids=early[:5]) == 5
        assert sla.refresh(conn) == len(originals) * 2 - 5
    with app_db.connect() as conn:
        for original, twin in twins.items():
            assert row(original) == row(twin)


def test_refresh_matches_the_trigger_at_the_edges_of_the_calendar(world, people, admin, office, app_db):
    """Hand-offs whose windows run past the calendar's range (2050) fall back to wall-clock, a
    second calendar is walked separately, and the result is the same either way it is computed."""
    second = sla.create_calendar(admin, "Sydney", "Australia/Sydney", "08:00", "16:00")
    policy(admin, office, "Standard", 240, code="default", effective=date(2026, 1, 1))
    policy(admin, second, "Strategic in Sydney", 120, rank=10, tiers=[1], effective=date(2026, 1, 1))
    moments = [ny("2050-12-30 17:00"), ny("2050-12-31 20:00"), ny("2051-01-03 10:00"), ny("2026-11-25 17:30")]
    leads = []
    for m in moments:
        for account in (people["t1"], people["t2"]):
            lead = world.lead(m - timedelta(hours=1), account)
            world.hand_off(lead, m, people["sdr"])
            world.touch(lead, m + timedelta(hours=30), people["sdr"])
            leads.append(lead)
    cols = "sla_policy_id, sla_deadline_at, decision_due_at, minutes_to_first_touch"
    with app_db.connect() as conn:
        before = conn.execute(sa.text(f"select id, {cols} from handoff order by id")).all()
    with app_db.begin() as conn:
        conn.execute(sa.text("update handoff set sla_deadline_at = handed_off_at, decision_due_at = handed_off_at, "
                             "minutes_to_first_touch = null"))
        assert sla.refresh(conn) == len(before)
    with app_db.connect() as conn:
        assert conn.execute(sa.text(f"select id, {cols} from handoff order by id")).all() == before
    row = world.handoff_row(sql_scalar(app_db, "select max(id) from handoff where handed_off_at > '2051-01-01'"))
    assert row["sla_deadline_at"] - row["handed_off_at"] in (timedelta(hours=4), timedelta(hours=2))


def test_refresh_reaching_skips_hand_offs_a_change_cannot_alter(world, people, admin, office, app_db):
    policy(admin, office, "Standard", 240, code="default", effective=date(2026, 1, 1))
    old = world.lead(ny("2026-03-01 09:00"), people["t2"])
    world.hand_off(old, ny("2026-03-02 10:00"), people["sdr"])
    new = world.lead(ny("2026-11-24 09:00"), people["t2"])
    hid = world.hand_off(new, ny("2026-11-25 15:00"), people["sdr"])
    # Wednesday 15:00 + 4 h: 3 h on Wednesday, Thanksgiving and the day after closed, 1 h on Monday.
    assert world.handoff_row(hid)["sla_deadline_at"] == ny("2026-11-30 10:00")
    with app_db.begin() as conn:
        conn.execute(sa.text("update handoff set sla_deadline_at = handed_off_at"))
        assert sla.refresh(conn, reaching=ny("2026-11-26 00:00")) == 1  # only the November hand-off
    sla.remove_holiday(admin, office, date(2026, 11, 27), _cal_version(office), NY_TZ)
    assert world.handoff_row(hid)["sla_deadline_at"] == ny("2026-11-27 10:00")


# --------------------------------------------------------------------------- compliance vs pandas


def independent_outcomes(engine, as_of: datetime, cal: bh.Calendar, windows: dict[int, tuple[int, bool]]):
    """From raw rows only: first touch from activity, deadline from the Python calendar."""
    with engine.connect() as conn:
        h = pd.DataFrame(conn.execute(sa.text("""
            select h.id, h.lead_id, h.owner_id, h.handed_off_at, a.tier, r.team_id
              from handoff h join lead l on l.id = h.lead_id join account a on a.id = l.account_id
              join rep r on r.id = h.owner_id""")).mappings().all())
        acts = pd.DataFrame(conn.execute(sa.text(
            "select lead_id, occurred_at, activity_type, is_automated from activity")).mappings().all())
    touches = acts[acts["activity_type"].isin(["call", "email", "meeting", "linkedin"]) & ~acts["is_automated"]]
    rows = []
    for r in h.itertuples():
        minutes, business = windows[r.tier]
        deadline = bh.window_end(cal, business, r.handed_off_at.to_pydatetime(), minutes)
        mine = touches[(touches["lead_id"] == r.lead_id) & (touches["occurred_at"] >= r.handed_off_at)]
        first = mine["occurred_at"].min() if len(mine) else None
        if first is not None and first <= as_of:
            outcome = "met" if first <= deadline else "late"
            elapsed = bh.elapsed_minutes(cal, business, r.handed_off_at.to_pydatetime(), first.to_pydatetime())
        else:
            outcome = "untouched" if as_of > deadline else "pending"
            elapsed = None
        rows.append({"id": r.id, "owner_id": r.owner_id, "team_id": r.team_id, "handed_off_at": r.handed_off_at,
                     "outcome": outcome, "minutes": elapsed})
    return pd.DataFrame(rows)


def summarize(frame: pd.DataFrame) -> dict:
    counts = frame["outcome"].value_counts()
    known = counts.get("met", 0) + counts.get("late", 0) + counts.get("untouched", 0)
    touched = frame["minutes"].dropna().astype(float)
    return {"handed_off": len(frame), "met": counts.get("met", 0),
            "breached": counts.get("late", 0) + counts.get("untouched", 0), "pending": counts.get("pending", 0),
            "rate": counts.get("met", 0) / known if known else None,
            "median": touched.quantile(0.5) if len(touched) else None,
            "p90": touched.quantile(0.9) if len(touched) else None}


@pytest.fixture
def busy_week(world, people, admin, office):
    """60 hand-offs over two weeks around Thanksgiving, touched at random delays or not at all."""
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1])
    policy(admin, office, "Standard", 240, code="default")
    rng = random.Random(2026)
    reps = [people["sdr"], people["sdr2"], people["ae"]]
    for i in range(60):
        moment = ny("2026-11-16 07:00") + timedelta(minutes=rng.randrange(0, 14 * 1440))
        account = [people["t1"], people["t2"], people["t3"]][i % 3]
        lead = world.lead(moment - timedelta(hours=1), account)
        world.hand_off(lead, moment, reps[i % 3])
        if rng.random() < 0.8:
            world.touch(lead, moment + timedelta(minutes=rng.choice([2, 20, 40, 200, 300, 1500, 5000])), reps[i % 3])
        if rng.random() < 0.1:
            world.touch(lead, moment + timedelta(minutes=5), None, "email", automated=True)
    return {1: (30, True), 2: (240, True), 3: (240, True)}


def test_scorecard_sparklines_hold_only_weeks_with_a_rate(world, people, admin, office):
    """A week whose hand-offs are all still pending has no rate: the rep's sparkline leaves it out
    (a null in the list made the table print the list as text)."""
    policy(admin, office, "Standard", 240, business=False, code="default")
    rep = people["sdr"]
    met = world.lead(ny("2026-11-09 08:00"), people["t2"])
    world.hand_off(met, ny("2026-11-09 09:00"), rep)
    world.touch(met, ny("2026-11-09 09:30"), rep)
    late = world.lead(ny("2026-11-10 08:00"), people["t2"])
    world.hand_off(late, ny("2026-11-10 09:00"), rep)
    world.touch(late, ny("2026-11-10 19:00"), rep)
    pending = world.lead(ny("2026-11-16 08:00"), people["t2"])
    world.hand_off(pending, ny("2026-11-16 09:00"), rep)
    as_of = ny("2026-11-16 10:00")
    period = Period(date(2026, 11, 1), date(2026, 11, 30), NY_TZ)
    weekly = metrics.sla_compliance(period, grain="week", dim="owner", as_of=as_of)
    assert list(weekly["compliance_rate"].isna()) == [False, True]   # the data has the gap
    card = sla.scorecard(period, as_of=as_of)
    assert list(card.by_rep["trend"]) == [[0.5]]
    assert list(card.by_team["trend"]) == [[0.5]]


@pytest.mark.parametrize("as_of", ["2026-11-27 12:00", "2026-12-01 10:00", "2026-12-20 00:00"])
def test_compliance_pending_and_breaches_match_pandas(app_db, world, people, busy_week, as_of):
    as_of = ny(as_of)
    truth = independent_outcomes(app_db, as_of, office_py(), busy_week)
    period = Period(date(2026, 11, 1), date(2026, 12, 31), NY_TZ)
    got = metrics.sla_compliance(period, as_of=as_of).iloc[0]
    want = want_total = summarize(truth)
    assert (got.handed_off, got.met, got.breached, got.pending) == \
        (want["handed_off"], want["met"], want["breached"], want["pending"])
    assert got.compliance_rate == pytest.approx(want["rate"])
    speed = metrics.first_touch(period, as_of=as_of).iloc[0]
    assert speed.median_minutes == pytest.approx(want["median"], abs=0.01)
    assert speed.p90_minutes == pytest.approx(want["p90"], abs=0.01)

    # The rep's standing (one SQL pass) agrees, for the rep and the team, week and period.
    sdr = make_user("sdr", people["sdr_team"], people["sdr"])
    week = sla.week_of(date(2026, 11, 23), NY_TZ)
    standing = sla.rep_standing(sdr, period, week, as_of=as_of)
    in_week = (truth["handed_off_at"] >= week.start_at) & (truth["handed_off_at"] < week.end_at)
    team = truth["team_id"] == people["sdr_team"]
    mine = truth["owner_id"] == people["sdr"]
    for got_s, mask in ((standing.me_period, mine), (standing.me_week, mine & in_week),
                        (standing.team_period, team), (standing.team_week, team & in_week)):
        want = summarize(truth[mask])
        assert (got_s.handed_off, got_s.met, got_s.breached, got_s.pending) == \
            (want["handed_off"], want["met"], want["breached"], want["pending"])
        assert got_s.compliance_rate == pytest.approx(want["rate"]) if want["rate"] is not None \
            else got_s.compliance_rate is None
        if want["median"] is not None:
            assert got_s.median_minutes == pytest.approx(want["median"], abs=0.01)
            assert got_s.p90_minutes == pytest.approx(want["p90"], abs=0.01)

    # The weekly series matches the metric layer's weekly compliance for the rep and the team.
    mine_weekly = metrics.sla_compliance(period, Filters(owner_ids=[people["sdr"]]), grain="week", as_of=as_of)
    team_weekly = metrics.sla_compliance(period, Filters(team_ids=[people["sdr_team"]]), grain="week", as_of=as_of)
    got_weekly = standing.weekly.set_index("bucket")
    assert list(got_weekly.index) == list(team_weekly["bucket"])
    assert list(got_weekly["team_compliance_rate"].fillna(-1)) == \
        pytest.approx(list(team_weekly["compliance_rate"].fillna(-1)))
    mine_rates = got_weekly["compliance_rate"].reindex(mine_weekly["bucket"])
    assert list(mine_rates.fillna(-1)) == pytest.approx(list(mine_weekly["compliance_rate"].fillna(-1)))

    # The rep's breach list is exactly the rep's late and untouched hand-offs.
    breaches = sla.rep_breaches(sdr, period, as_of=as_of)
    expected = truth[mine & truth["outcome"].isin(["late", "untouched"])]
    assert sorted(breaches["handoff_id"]) == sorted(expected["id"])
    assert dict(zip(breaches["handoff_id"], breaches["breach"])) == dict(zip(expected["id"], expected["outcome"]))

    # The scorecard's single grouped pass agrees with the metric layer on every slice.
    card = sla.scorecard(period, as_of=as_of)
    assert (card.total.handed_off, card.total.met, card.total.breached, card.total.pending) == \
        (want_total["handed_off"], want_total["met"], want_total["breached"], want_total["pending"])
    for dim, frame in (("team", card.by_team), ("owner", card.by_rep), ("source", card.by_source),
                       ("tier", card.by_tier)):
        ref = metrics.sla_compliance(period, dim=dim, as_of=as_of).set_index("dim_key")
        mine = frame.set_index("dim_key")
        assert sorted(mine.index) == sorted(ref.index), dim
        for col in ("handed_off", "met", "breached_late", "breached_untouched", "pending"):
            assert list(mine.loc[ref.index, col]) == list(ref[col]), (dim, col)
    for dim, frame in (("team", card.by_team), ("owner", card.by_rep)):
        ref = metrics.first_touch(period, dim=dim, as_of=as_of).set_index("dim_key")
        mine = frame.set_index("dim_key").loc[ref.index]
        assert list(mine["untouched"]) == list(ref["untouched"])
        assert list(mine["median_minutes"].fillna(-1)) == pytest.approx(list(ref["median_minutes"].fillna(-1)))
        assert list(mine["p90_minutes"].fillna(-1)) == pytest.approx(list(ref["p90_minutes"].fillna(-1)))
    weekly = metrics.sla_compliance(period, grain="week", dim="owner", as_of=as_of)
    assert len(card.rep_trend) == len(weekly)
    assert sorted(card.rep_trend["compliance_rate"].fillna(-1)) == pytest.approx(
        sorted(weekly["compliance_rate"].fillna(-1)))
    dec = sla.decision_timeliness(period, as_of=as_of).iloc[0]
    assert (card.decisions.on_time, card.decisions.late, card.decisions.overdue, card.decisions.pending) == \
        (dec.on_time, dec.late, dec.overdue, dec.pending)
    # The data starts in November, after the comparison period does: no changes, as on the scoreboard.
    assert card.previous is None and card.comparison_note.startswith("No changes shown")
    assert scoreboard.scoreboard(period, as_of=as_of).sla_compliance_prev is None
    # With data before it (a lead of January, never handed off), deltas compare with the scoreboard's
    # comparison period (the same point of the previous period while this one is in progress), so the
    # two pages agree on a metric's change.
    world.lead(ny("2026-01-05 09:00"), people["t2"])
    st.cache_data.clear()
    card = sla.scorecard(period, as_of=as_of)
    comparison = calc.comparison_period(period, as_of.astimezone(NY).date(), as_of)
    previous = sla.scorecard(comparison, as_of=as_of).total
    assert (card.previous.handed_off, card.previous.met) == (previous.handed_off, previous.met)
    assert card.previous.label == calc.comparison_text(comparison)
    assert card.previous.compliance_rate == scoreboard.scoreboard(period, as_of=as_of).sla_compliance_prev
    assert (comparison.end < period.previous().end) == (period.start <= as_of.date() < period.end)

    # Touch-vs-window bands add up and split exactly at met / late, the same from both queries.
    bands = sla.touch_vs_window(period, as_of=as_of)
    kinds = bands.groupby("kind")["handoffs"].sum()
    counts = truth["outcome"].value_counts()
    assert kinds.get("met", 0) == counts.get("met", 0) and kinds.get("late", 0) == counts.get("late", 0)
    assert kinds.get("breach", 0) == counts.get("untouched", 0) and kinds.get("pending", 0) == counts.get("pending", 0)
    assert list(card.bands["handoffs"]) == list(bands["handoffs"])


def test_decision_timeliness(world, people, admin, office):
    policy(admin, office, "Standard", 240, code="default", decision=540)  # one working day
    start = ny("2026-11-16 10:00")  # Monday: due Tuesday 10:00
    leads = [world.lead(start - timedelta(hours=1), people["t2"]) for _ in range(4)]
    for lead in leads:
        world.hand_off(lead, start, people["sdr"])
    world.decide(leads[0], "accepted", ny("2026-11-17 10:00"), people["sdr"])               # on time (edge)
    world.decide(leads[1], "rejected", ny("2026-11-17 10:01"), people["sdr"], reason="bad_fit")  # late
    period = Period(date(2026, 11, 1), date(2026, 11, 30), NY_TZ)
    row = sla.decision_timeliness(period, as_of=ny("2026-11-17 09:00")).iloc[0]
    assert (row.on_time, row.late, row.overdue, row.pending) == (0, 0, 0, 4)
    row = sla.decision_timeliness(period, as_of=ny("2026-11-18 09:00")).iloc[0]
    assert (row.on_time, row.late, row.overdue, row.pending) == (1, 1, 2, 0)
    assert row.on_time_rate == pytest.approx(0.25)


def test_scorecard_decision_counts_on_time_at_the_due_minute_late_overdue_pending(world, people, admin, office):
    """The scorecard counts decisions in its own grouped pass (sla_scorecard), not through
    sla_decision_timeliness: the busy week above has no decisions, so a swapped on-time / late or
    a decision at the due minute counted late went unnoticed. One hand-off of each kind; both
    queries must give the same exact counts."""
    policy(admin, office, "Standard", 240, code="default", decision=540)  # one working day
    start = ny("2026-11-16 10:00")  # Monday: due Tuesday 10:00
    early, edge, late, overdue = (world.lead(start - timedelta(hours=1), people["t2"]) for _ in range(4))
    for lead in (early, edge, late, overdue):
        world.hand_off(lead, start, people["sdr"])
    world.decide(early, "accepted", ny("2026-11-16 15:00"), people["sdr"])                   # on time
    world.decide(edge, "accepted", ny("2026-11-17 10:00"), people["sdr"])                    # on time: the due minute
    world.decide(late, "rejected", ny("2026-11-17 10:01"), people["sdr"], reason="bad_fit")  # late by a minute
    # `overdue` is never decided; one more hand-off on Wednesday is not due yet (Thursday 10:00): pending.
    pending = world.lead(ny("2026-11-18 09:00"), people["t2"])
    world.hand_off(pending, ny("2026-11-18 10:00"), people["sdr"])
    period = Period(date(2026, 11, 1), date(2026, 11, 30), NY_TZ)
    as_of = ny("2026-11-18 11:00")
    card = sla.scorecard(period, as_of=as_of).decisions
    assert (card.on_time, card.late, card.overdue, card.pending) == (2, 1, 1, 1)
    assert card.on_time_rate == pytest.approx(2 / 4)                 # pending is not yet known either way
    row = sla.decision_timeliness(period, as_of=as_of).iloc[0]
    assert (row.on_time, row.late, row.overdue, row.pending) == (2, 1, 1, 1)
    assert row.on_time_rate == pytest.approx(2 / 4)


# --------------------------------------------------------------------------- the rep's open list, slipping, reassign


def test_open_handoffs_most_urgent_first(world, people, admin, office):
    policy(admin, office, "Standard", 240, code="default")
    sdr = make_user("sdr", people["sdr_team"], people["sdr"])
    now = ny("2026-11-18 11:00")
    a = world.lead(now, people["t2"])
    world.hand_off(a, ny("2026-11-18 10:00"), people["sdr"])                 # touch due 14:00
    b = world.lead(now, people["t2"])
    world.hand_off(b, ny("2026-11-17 09:00"), people["sdr"])                 # touch overdue (13:00 yesterday)
    c = world.lead(now, people["t2"])
    world.hand_off(c, ny("2026-11-16 09:00"), people["sdr"])
    world.touch(c, ny("2026-11-16 09:10"), people["sdr"])                    # touched; decision due Tue 18:00
    d = world.lead(now, people["t2"])
    world.hand_off(d, ny("2026-11-16 09:00"), people["sdr"])
    world.decide(d, "accepted", ny("2026-11-16 09:05"), people["sdr"])       # accepted, untouched
    e = world.lead(now, people["t2"])
    world.hand_off(e, ny("2026-11-16 09:00"), people["sdr"])
    world.touch(e, ny("2026-11-16 09:30"), people["sdr"])
    world.decide(e, "accepted", ny("2026-11-16 10:00"), people["sdr"])       # done: not open
    other = world.lead(now, people["t2"])
    world.hand_off(other, ny("2026-11-18 10:30"), people["sdr2"])            # someone else's
    frame = sla.open_handoffs(sdr, as_of=now)
    assert list(frame["lead_id"]) == [d, b, c, a]
    assert list(frame["status"]) == ["accepted", "awaiting", "awaiting", "awaiting"]
    # 18 business hours from Monday 09:00 end at Tuesday's closing, not Wednesday's opening.
    assert frame.set_index("lead_id").loc[c, "next_due_at"] == pd.Timestamp(ny("2026-11-17 18:00"))
    assert pd.isna(frame.set_index("lead_id").loc[c, "touch_due_at"])


def test_slipping_lists_overdue_decisions_and_untouched_accepts(world, people, admin, office):
    policy(admin, office, "Standard", 240, code="default", decision=540)
    as_of = ny("2026-11-20 12:00")
    overdue = world.lead(as_of, people["t1"])
    world.hand_off(overdue, ny("2026-11-17 09:00"), people["sdr"])           # decision due Tue 18:00
    fresh = world.lead(as_of, people["t2"])
    world.hand_off(fresh, ny("2026-11-20 10:00"), people["sdr"])             # not due yet
    silent = world.lead(as_of, people["t2"])
    world.hand_off(silent, ny("2026-11-17 09:00"), people["ae"])
    world.decide(silent, "accepted", ny("2026-11-17 09:30"), people["ae"])   # accepted, never touched
    worked = world.lead(as_of, people["t2"])
    world.hand_off(worked, ny("2026-11-17 09:00"), people["ae"])
    world.decide(worked, "accepted", ny("2026-11-17 09:30"), people["ae"])
    world.touch(worked, ny("2026-11-17 10:00"), people["ae"])
    lead_user = make_user("sales_lead", people["ae_team"])
    frame = sla.slipping(lead_user, as_of=as_of)
    assert dict(zip(frame["lead_id"], frame["kind"])) == {overdue: "decision_overdue",
                                                          silent: "untouched_after_accept"}
    row = frame.set_index("lead_id").loc[overdue]
    assert row["age_minutes"] == pytest.approx(3 * 1440 + 180)
    assert row["overdue_minutes"] == pytest.approx(2 * 1440 + 18 * 60)
    assert "accept or reject" in row["action"]
    assert "never contacted" in frame.set_index("lead_id").loc[silent, "action"]
    assert list(sla.slipping(lead_user, as_of=as_of, team_ids=(people["ae_team"],))["lead_id"]) == [silent]
    assert list(sla.slipping(lead_user, as_of=as_of, kinds=("decision_overdue",))["lead_id"]) == [overdue]
    # Most recently slipped first; a limit keeps those (the details are read for them only).
    slipped = frame.set_index("lead_id")["overdue_minutes"]
    assert list(frame["lead_id"]) == list(slipped.sort_values().index)
    first = sla.slipping(lead_user, as_of=as_of, limit=1)
    assert list(first["lead_id"]) == [slipped.idxmin()] == [overdue]
    assert sla.slipping(lead_user, as_of=as_of, max_overdue_days=1).empty   # both slipped > 1 day ago
    # The counts cover every slipping lead, past the list's limit, with the same filters.
    summary = sla.slipping_summary(lead_user, as_of=as_of)
    assert (summary.total, summary.recent) == (2, 2)
    assert summary.kind("decision_overdue") == (1, pytest.approx(2 * 1440 + 18 * 60))
    assert summary.kind("untouched_after_accept")[0] == 1
    assert summary.max_age_minutes == pytest.approx(frame["age_minutes"].max())
    assert dict(zip(summary.by_owner["owner_id"], summary.by_owner["leads"])) == {people["sdr"]: 1, people["ae"]: 1}
    assert sla.slipping_summary(lead_user, as_of=as_of, team_ids=(people["ae_team"],)).total == 1
    assert sla.slipping_summary(lead_user, as_of=as_of, max_overdue_days=1).total == 0
    later = sla.slipping_summary(lead_user, as_of=ny("2026-11-25 12:00"))
    assert (later.total, later.recent) == (3, 1)   # the fresh one slipped since; the others 7+ days ago
    assert len(first) == 1 and sla.slipping_summary(lead_user, as_of=as_of).total == 2


def test_slipping_at_a_past_moment_reads_decisions_and_touches_as_they_were_then(world, people, admin, office):
    """The list for a moment already past (a frozen meeting) shows what was slipping then: a lead
    decided and touched only afterwards was overdue then (listed), one accepted before but touched
    afterwards was accepted-untouched then (listed), and one accepted only afterwards was neither
    (it was undecided, not yet due). Dates a year back, so the moment is past whatever today is."""
    policy(admin, office, "Standard", 240, code="default", decision=540, effective=date(2025, 1, 1))
    as_of = ny("2025-11-21 14:00")                                              # a Friday
    decided_late = world.lead(ny("2025-11-18 08:00"), people["t2"])
    world.hand_off(decided_late, ny("2025-11-18 09:00"), people["sdr"])         # decision due Tue 18:00
    world.decide(decided_late, "accepted", ny("2025-11-21 16:00"), people["sdr"])
    world.touch(decided_late, ny("2025-11-21 16:30"), people["sdr"])
    touched_late = world.lead(ny("2025-11-21 08:00"), people["t2"])
    world.hand_off(touched_late, ny("2025-11-21 09:00"), people["ae"])          # touch due 13:00
    world.decide(touched_late, "accepted", ny("2025-11-21 09:30"), people["ae"])
    world.touch(touched_late, ny("2025-11-21 15:00"), people["ae"])
    accepted_late = world.lead(ny("2025-11-21 08:00"), people["t2"])
    world.hand_off(accepted_late, ny("2025-11-21 09:00"), people["ae"])         # touch due 13:00, decision 18:00
    world.decide(accepted_late, "accepted", ny("2025-11-21 15:00"), people["ae"])   # never touched
    lead_user = make_user("sales_lead", people["ae_team"])

    then = sla.slipping(lead_user, as_of=as_of)
    assert dict(zip(then["lead_id"], then["kind"])) == {decided_late: "decision_overdue",
                                                        touched_late: "untouched_after_accept"}
    overdue = then.set_index("lead_id")["overdue_minutes"]
    assert overdue[decided_late] == pytest.approx(3 * 1440 - 4 * 60)           # Tue 18:00 → Fri 14:00
    assert overdue[touched_late] == pytest.approx(60)                          # 13:00 → 14:00
    assert sla.slipping_summary(lead_user, as_of=as_of).total == 2
    # Today the first two are done; the lead accepted after that moment has been untouched since.
    now = sla.slipping(lead_user)
    assert dict(zip(now["lead_id"], now["kind"])) == {accepted_late: "untouched_after_accept"}


def test_reassign_writes_an_event_and_audits(world, people, admin, office, app_db):
    policy(admin, office, "Standard", 240, code="default")
    lead = world.lead(ny("2026-11-16 08:00"), people["t2"])
    hid = world.hand_off(lead, ny("2026-11-16 09:00"), people["sdr"])
    lead_user = make_user("sales_lead", people["sdr_team"])
    with pytest.raises(sla.StaleEdit):  # the user saw another owner
        sla.reassign(lead_user, [hid], people["sdr2"], {hid: people["ae"]})
    assert world.handoff_row(hid)["owner_id"] == people["sdr"]
    assert sla.reassign(lead_user, [hid], people["sdr2"], {hid: people["sdr"]}, "Sam is out") == 1
    assert world.handoff_row(hid)["owner_id"] == people["sdr2"]
    with app_db.connect() as conn:
        ev = conn.execute(sa.text("select * from lead_event where lead_id = :l and event_type = 'reassigned'"),
                          {"l": lead}).mappings().one()
        log = conn.execute(sa.text("select * from audit_log where action = 'handoff.reassign'")).mappings().one()
    assert (ev["owner_id"], ev["actor_user_id"], ev["comment"]) == (people["sdr2"], lead_user.id, "Sam is out")
    assert log["old"]["owner_id"] == people["sdr"] and log["new"]["owner_id"] == people["sdr2"]
    assert log["new"]["lead_event_id"] == ev["id"] and log["actor_user_id"] == lead_user.id
    # the admin's log names the lead and the reps (it said "handoff 6149", "owner id: 20 → 18")
    from queries import audit

    entry = audit.search().query("action == 'handoff.reassign'").iloc[0]
    with app_db.connect() as conn:
        lead_name = conn.execute(sa.text("select first_name || ' ' || last_name from lead where id = :l"),
                                 {"l": lead}).scalar()
    assert audit.subject_text(entry.entity, entry.entity_id, entry.subject_username, entry.old, entry.new,
                              entry.entity_title) == f"handoff “{lead_name}”"
    names = {"owner_id": {people["sdr"]: "Sam SDR", people["sdr2"]: "Sid SDR"}}
    assert audit.describe_change(entry.old, entry.new, names) == "owner: Sam SDR → Sid SDR"
    world.decide(lead, "rejected", ny("2026-11-17 09:00"), people["sdr2"], reason="duplicate")
    with pytest.raises(sla.SlaError, match="decided"):
        sla.reassign(lead_user, [hid], people["sdr"], {hid: people["sdr2"]})


def test_an_outcome_counts_for_the_rep_who_held_the_lead_when_it_was_settled(world, people, admin, office):
    """A reassignment moves the lead, not its past: a breach stays with the rep who held the lead at
    its deadline, a touch in time with the rep who made it, a late decision with the rep who held it
    at the due time (migration 0019). Lead acceptance and the lists to act on follow the owner now."""
    policy(admin, office, "Standard", 240, business=False, decision=1080, decision_business=False, code="default")
    sdr, sdr2 = people["sdr"], people["sdr2"]

    def lead(hour="08:00"):
        return world.lead(ny(f"2026-11-16 {hour}"), people["t2"])

    # A: untouched past its 13:00 deadline, then reassigned; the new owner touches it late
    a = lead()
    world.hand_off(a, ny("2026-11-16 09:00"), sdr)
    world.event(a, "reassigned", ny("2026-11-16 15:00"), owner_id=sdr2)
    world.touch(a, ny("2026-11-16 16:00"), sdr2)
    # B: reassigned inside its window; the new owner touches it in time
    b = lead()
    world.hand_off(b, ny("2026-11-16 09:00"), sdr)
    world.event(b, "reassigned", ny("2026-11-16 10:00"), owner_id=sdr2)
    world.touch(b, ny("2026-11-16 11:00"), sdr2)
    # C: touched in time, then handed on
    c = lead()
    world.hand_off(c, ny("2026-11-16 09:00"), sdr)
    world.touch(c, ny("2026-11-16 10:00"), sdr)
    world.event(c, "reassigned", ny("2026-11-16 12:00"), owner_id=sdr2)
    # D: reassigned inside its window, then a call the first rep made before that is logged late
    d = lead()
    hid_d = world.hand_off(d, ny("2026-11-16 09:00"), sdr)
    world.event(d, "reassigned", ny("2026-11-16 10:00"), owner_id=sdr2)
    assert world.handoff_row(hid_d)["sla_owner_id"] == sdr2      # pending: the new owner may touch it
    world.touch(d, ny("2026-11-16 09:30"), sdr)
    assert world.handoff_row(hid_d)["sla_owner_id"] == sdr       # settled by the first rep's call
    # E: no decision by its due time (Tue 03:00), reassigned, accepted by the new owner
    e = lead()
    hid_e = world.hand_off(e, ny("2026-11-16 09:00"), sdr)
    world.touch(e, ny("2026-11-16 09:10"), sdr)
    world.event(e, "reassigned", ny("2026-11-17 10:00"), owner_id=sdr2)
    world.decide(e, "accepted", ny("2026-11-17 11:00"), sdr2)
    row = world.handoff_row(hid_e)
    assert (row["owner_id"], row["sla_owner_id"], row["decision_owner_id"]) == (sdr2, sdr, sdr)

    week = Period(date(2026, 11, 16), date(2026, 11, 22), NY_TZ)
    as_of = ny("2026-11-20 12:00")

    def compliance(rep):
        r = metrics.sla_compliance(week, Filters(owner_ids=[rep]), as_of=as_of).iloc[0]
        return int(r.met), int(r.breached_late), int(r.breached_untouched)

    assert compliance(sdr) == (3, 1, 0)        # C, D, E in time; A late on Sam's watch
    assert compliance(sdr2) == (1, 0, 0)       # B
    by_owner = metrics.first_touch(week, dim="owner", as_of=as_of).set_index("dim_key")
    assert by_owner.loc[str(sdr), "touched"] == 4 and by_owner.loc[str(sdr2), "touched"] == 1
    timely = sla.decision_timeliness(week, Filters(owner_ids=[sdr]), as_of=as_of).iloc[0]
    assert (timely.late, timely.on_time) == (1, 0)                                    # E
    assert sla.decision_timeliness(week, Filters(owner_ids=[sdr2]), as_of=as_of).iloc[0].late == 0
    # acceptance and what to act on: the owner now
    assert metrics.acceptance(week, Filters(owner_ids=[sdr2]), as_of=as_of).iloc[0].handed_off == 5
    assert metrics.acceptance(week, Filters(owner_ids=[sdr]), as_of=as_of).empty

    # the rep's own page, the scorecard and the breach list say the same
    lead_user = make_user("sales_lead", people["sdr_team"])
    standing = sla.rep_standing(lead_user, week, week, sdr, as_of=as_of)
    assert (standing.me_period.met, standing.me_period.breached) == (3, 1)
    breaches = sla.rep_breaches(lead_user, week, sdr, as_of=as_of)
    assert list(breaches["lead_id"]) == [a] and list(breaches["now_with"]) == ["Sid SDR"]
    assert sla.rep_breaches(lead_user, week, sdr2, as_of=as_of).empty
    card = sla.scorecard(week, as_of=as_of).by_rep.set_index("dim_key")
    assert (card.loc[str(sdr), "met"], card.loc[str(sdr), "breached"]) == (3, 1)
    assert (card.loc[str(sdr2), "met"], card.loc[str(sdr2), "breached"]) == (1, 0)
    assert sla.scorecard(week, Filters(owner_ids=[sdr]), as_of=as_of).decisions.late == 1
    # the drill-down behind Sam's breaches lists A, now with Sid
    drill = scoreboard.records("sla_breached", week, Filters(owner_ids=[sdr]), viewer=admin, as_of=as_of).rows
    assert list(drill["lead_id"]) == [a] and list(drill["owner"]) == ["Sam SDR"]
    with world.engine.connect() as conn:   # the set-based refresh agrees with the triggers
        assert conn.execute(sa.text("select refresh_handoff_owners(null)")).scalar() == 0


# --------------------------------------------------------------------------- permissions


def test_a_rep_cannot_see_another_reps_lead_level_data(world, people, admin, office):
    policy(admin, office, "Standard", 240, code="default")
    for rep in (people["sdr"], people["sdr2"]):
        lead = world.lead(ny("2026-11-16 08:00"), people["t2"])
        world.hand_off(lead, ny("2026-11-16 09:00"), rep)
    sdr = make_user("sdr", people["sdr_team"], people["sdr"])
    period = Period(date(2026, 11, 1), date(2026, 11, 30), NY_TZ)
    as_of = ny("2026-11-20 12:00")
    for call in (lambda: sla.open_handoffs(sdr, people["sdr2"], as_of=as_of),
                 lambda: sla.rep_breaches(sdr, period, people["sdr2"], as_of=as_of),
                 lambda: sla.rep_standing(sdr, period, sla.week_of(date(2026, 11, 16), NY_TZ), people["sdr2"]),
                 lambda: sla.untouched(sdr, period, as_of=as_of)):
        with pytest.raises(sla.NotAllowed):
            call()
    # Their own data, and in the slipping list only their own leads whatever they ask for.
    assert set(sla.open_handoffs(sdr, as_of=as_of)["lead_id"]) == \
        {sql_scalar(world.engine, "select lead_id from handoff where owner_id = :r", {"r": people["sdr"]})}
    mine = sla.slipping(sdr, as_of=ny("2026-12-20 12:00"), owner_ids=(people["sdr2"],))
    assert set(mine["owner_id"]) == {people["sdr"]}
    theirs = sla.slipping_summary(sdr, as_of=ny("2026-12-20 12:00"), owner_ids=(people["sdr2"],))
    assert theirs.total == 1 and list(theirs.by_owner["owner_id"]) == [people["sdr"]]
    # Writes need their role.
    with pytest.raises(sla.NotAllowed):
        policy(sdr, office, "Mine", 5, tiers=[1])
    with pytest.raises(sla.NotAllowed):
        sla.reassign(sdr, [1], people["sdr"], {})
    with pytest.raises(sla.NotAllowed):
        sla.save_commitment(sdr, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 100))
    # A user without a rep record gets an explanation, not someone else's data.
    ae_less = make_user("ae", people["ae_team"])
    with pytest.raises(sla.SlaError, match="not linked"):
        sla.open_handoffs(ae_less)


# --------------------------------------------------------------------------- commitments and definitions


def test_commitments_validate_prorate_and_refuse_overlaps(admin):
    q4 = sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 920, 55, 0.9, 85))
    with pytest.raises(sla.SlaError, match="overlap"):
        sla.save_commitment(admin, sla.CommitmentInput(date(2026, 12, 1), date(2027, 2, 28), 300))
    with pytest.raises(sla.SlaError, match="ends before"):
        sla.save_commitment(admin, sla.CommitmentInput(date(2026, 12, 1), date(2026, 11, 1), 300))
    for volume in (-1, 0):   # 0 MQLs promises nothing (it was accepted)
        with pytest.raises(sla.SlaError, match="whole number, 1 or more"):
            sla.save_commitment(admin, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), volume))
    row = sla.commitments().iloc[0]
    assert (row.mql_volume, row.min_acceptance_rate, row.decision_target_rate) == (920, 0.55, 0.85)
    # A month inside the quarter gets its share of the days.
    nov = sla.commitment_for(Period(date(2026, 11, 1), date(2026, 11, 30), NY_TZ))
    assert nov.mql_volume == pytest.approx(920 * 30 / 92) and nov.prorated and nov.coverage == 1
    half = sla.commitment_for(Period(date(2026, 12, 1), date(2027, 1, 31), NY_TZ))
    assert half.coverage == pytest.approx(31 / 62)
    assert half.daily == pytest.approx((920 / 92,) * 31 + (0.0,) * 31)   # committed per day of the period
    assert sla.commitment_for(Period(date(2027, 1, 1), date(2027, 1, 31), NY_TZ)) is None
    with pytest.raises(sla.StaleEdit):
        sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 1000), q4, 7)
    sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 1000), q4, 1)
    assert sla.commitments().iloc[0].mql_volume == 1000


def test_delivery_is_measured_on_the_days_commitments_cover(admin):
    """December–January against a Q4 commitment (920 over 92 days): January's MQLs don't count
    against December's volume, and today counts by the share of it gone."""
    sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 920))
    period = Period(date(2026, 12, 1), date(2027, 1, 31), NY_TZ)
    agreement = sla.commitment_for(period)
    days = pd.DataFrame({"bucket": pd.to_datetime([date(2026, 12, 1), date(2026, 12, 16), date(2027, 1, 5)]),
                         "mqls": [100, 40, 500]})
    mid_december = sla.delivery(period, agreement, days, ny("2026-12-16 12:00"))
    assert mid_december.delivered == 140 and mid_december.expected_by_now == pytest.approx(10 * 15.5)
    after = sla.delivery(period, agreement, days, ny("2027-01-20 12:00"))
    assert (after.delivered, after.committed, after.expected_by_now) == (140, pytest.approx(310), pytest.approx(310))
    assert after.status == "off_track"               # 140 of 310, though 640 MQLs came in the period
    assert sla.delivery(period, None, days, ny("2027-01-20 12:00")) is None


def test_two_policies_cannot_share_a_rank(admin, office):
    """A webinar policy saved on rank 10 beside 'Strategic accounts' took its Tier 1 webinar leads,
    the tie settled by an internal code nobody sees."""
    policy(admin, office, "Strategic accounts", 30, rank=10, tiers=[1])
    policy(admin, office, "Standard", 240, code="default")
    with pytest.raises(sla.SlaError, match=r"“Strategic accounts” already has rank 10.*taken: 10\)"):
        policy(admin, office, "Webinar follow-up", 90, rank=10, sources=["webinar"])
    policy(admin, office, "Webinar follow-up", 90, rank=11, sources=["webinar"])
    # a retired policy's rank is free again from its retirement on
    code = sla.policy_versions().set_index("name").loc["Strategic accounts", "code"]
    sla.retire_policy(admin, code, date(2026, 6, 1), 1, NY_TZ)
    policy(admin, office, "Enterprise", 60, rank=10, segments=["5000+"], effective=date(2026, 6, 1))


def test_each_lead_changes_only_their_own_sides_terms(people, admin):
    """The commitment is two promises: a sales lead could cut marketing's MQL volume (and the
    other way round) with nobody from that team involved."""
    marketing, sales = make_user("marketing_lead"), make_user("sales_lead", people["ae_team"])
    q4 = sla.save_commitment(sales, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 900, 0.55, 0.9, 0.85))

    def terms(**changes):
        base = dict(start_date=date(2026, 10, 1), end_date=date(2026, 12, 31), mql_volume=900,
                    min_acceptance_rate=0.55, follow_up_target_rate=0.9, decision_target_rate=0.85)
        return sla.CommitmentInput(**{**base, **changes})

    with pytest.raises(sla.NotAllowed, match="The MQL volume is marketing's promise: a marketing lead"):
        sla.save_commitment(sales, terms(mql_volume=500), q4, 1)
    with pytest.raises(sla.NotAllowed, match="The follow-up target and the on-time decision target are sales'"):
        sla.save_commitment(marketing, terms(follow_up_target_rate=0.5, decision_target_rate=0.5), q4, 1)
    assert sla.commitments().iloc[0].mql_volume == 900           # nothing saved
    v = sla.commitments().iloc[0].version
    sla.save_commitment(marketing, terms(mql_volume=950, min_acceptance_rate=0.6, note="webinars"), q4, v)
    sla.save_commitment(sales, terms(mql_volume=950, min_acceptance_rate=0.6, follow_up_target_rate=0.92), q4, v + 1)
    sla.save_commitment(admin, terms(mql_volume=1000, decision_target_rate=0.9), q4, v + 2)
    row = sla.commitments().iloc[0]
    assert (row.mql_volume, row.min_acceptance_rate, row.follow_up_target_rate, row.decision_target_rate) == \
        (1000, 0.55, 0.9, 0.9)


def test_definitions_summary_lists_the_terms_in_force(world, people, admin, office):
    v1 = policy(admin, office, "Strategic", 60, rank=10, tiers=[1], effective=date(2026, 1, 1))
    code = sla.policy_versions().set_index("id").loc[v1, "code"]
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1], effective=date(2026, 6, 1), code=code, expected=1)
    policy(admin, office, "Standard", 240, code="default", effective=date(2026, 1, 1))
    sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 900, 0.55))
    terms = sla.definitions_summary(ny("2026-11-20 12:00"), NY_TZ)
    assert list(terms.policies["policy"]) == ["Strategic", "Standard"]
    first = terms.policies.iloc[0]
    assert (first["version"], first["effective_from"], first["first_touch_window"]) == \
        (2, date(2026, 6, 1), "30 business minutes")
    assert first["applies_to"] == "Tier 1"
    assert terms.policies.iloc[1]["decision_window"] == "18 business hours (2 working days)"
    assert "Mon–Fri 09:00–18:00 America/New_York" in terms.calendars[0]
    assert "900 MQLs" in terms.commitment and "55%" in terms.commitment
    assert any("Strategic v1" in v for v in terms.versions)
    assert "default policy" in terms.fallback


# --------------------------------------------------------------------------- demo data


def test_demo_seed_is_deterministic_idempotent_and_refreshes(world, people, app_db):
    from seeds import demo_sla

    rng = random.Random(3)
    for _ in range(40):
        moment = ny("2026-05-04 08:00") + timedelta(minutes=rng.randrange(0, 180 * 1440))
        lead = world.lead(moment - timedelta(hours=1), rng.choice([people["t1"], people["t2"]]),
                          source=rng.choice(["paid_search", "webinar"]), priority=rng.choice(["high", "normal"]))
        world.hand_off(lead, moment, people["sdr"])
        world.touch(lead, moment + timedelta(minutes=rng.randrange(1, 3000)), people["sdr"])
    world.setting("demo_seed", {"anchor": "2026-11-20"})

    def snapshot():
        with app_db.connect() as conn:
            return [conn.execute(sa.text(s)).all() for s in (
                "select code, version, name, first_touch_minutes, effective_at from sla_policy order by code, version",
                "select day, name from business_holiday order by day",
                "select start_date, end_date, mql_volume from sla_commitment order by start_date",
                "select id, sla_policy_id, sla_deadline_at, decision_due_at, minutes_to_first_touch from handoff "
                "order by id")]

    with app_db.begin() as conn:
        demo_sla.load(conn)
    first = snapshot()
    with app_db.begin() as conn:
        demo_sla.load(conn)
    assert snapshot() == first
    policies, holidays, commitments, handoffs = first
    assert {p.code for p in policies} == {"strategic_accounts", "high_priority", "paid_channels", "default"}
    assert (date(2026, 11, 26), "Thanksgiving Day") in holidays and (date(2026, 11, 27), "Day after Thanksgiving") \
        in holidays
    assert (date(2026, 7, 3), "Independence Day (observed)") in holidays
    assert not any(name.startswith("Columbus") for _, name in holidays)
    assert all(h.sla_policy_id is not None for h in handoffs)
    assert commitments and all(c.mql_volume > 0 for c in commitments)
    with app_db.connect() as conn:   # every demo policy version is in the audit log, once, when it took effect
        audited = conn.execute(sa.text(
            "select count(*), count(*) filter (where a.at = p.effective_at) from audit_log a "
            "join sla_policy p on p.code = a.entity_id and p.version = (a.new ->> 'version')::integer "
            "where a.action = 'sla_policy.version'")).one()
    assert audited == (len(policies), len(policies))


def test_leads_are_reassigned_only_to_reps_who_work_leads(world, people):
    """The CRO's rep record (no open hand-offs) came first in the list and was preselected."""
    cro = world.rep(people["ae_team"], "Carla CRO")
    lead_rep = world.rep(people["ae_team"], "Lee Lead")
    make_user("executive", people["ae_team"], cro)
    make_user("sales_lead", people["ae_team"], lead_rep)
    make_user("ae", people["ae_team"], people["ae"])
    metrics.clear_caches()
    offered = set(sla.reassign_targets()["id"])
    assert cro not in offered and lead_rep not in offered
    assert {people["ae"], people["sdr"], people["sdr2"]} <= offered   # a rep without a user stays offered too


def test_the_audit_says_what_a_policy_version_and_new_hours_changed(app_db, admin, office):
    """A new policy version was logged as 'version: 1 → 2' beside every field of the new version
    (as if all were new), and working hours saved over the same start date as new hours with
    nothing before: the admin could not tell which window or which hours changed."""
    from queries import audit

    pid = policy(admin, office, "Strategic", 60, rank=10, tiers=[1])
    code = sql_scalar(app_db, "select code from sla_policy where id = :i", {"i": pid})
    policy(admin, office, "Strategic", 30, rank=10, tiers=[1], code=code, expected=1, effective=date(2026, 3, 1))
    entry = audit.search().query("action == 'sla_policy.version'").iloc[0]   # the newest
    assert set(entry.old) == set(entry.new) == {"first_touch_minutes", "effective_at", "version", "id"}
    change = audit.describe_change(entry.old, entry.new)
    assert "first touch minutes: 60 → 30" in change and "version: 1 → 2" in change
    assert "calendar id" not in change and "tiers" not in change

    monday = {1: ("08:00", "12:00")}
    sla.save_schedule(admin, office, date(2026, 12, 1), monday, _cal_version(office), NY_TZ)
    sla.save_schedule(admin, office, date(2026, 12, 1), {1: ("08:00", "16:00")}, _cal_version(office), NY_TZ)
    hours = audit.search().query("action == 'calendar.hours'")
    assert audit.describe_change(hours.iloc[0].old, hours.iloc[0].new) == "hours: Mon 08:00–12:00 → Mon 08:00–16:00"
    assert hours.iloc[1].old is None   # the first save of that date replaced nothing
    sla.delete_schedule(admin, office, date(2026, 12, 1), _cal_version(office), NY_TZ)
    removed = audit.search().query("action == 'calendar.hours_removed'").iloc[0]
    assert audit.describe_change(removed.old, removed.new) == \
        "effective from: 2026-12-01 → removed; hours: Mon 08:00–16:00 → removed"


def test_a_lead_cannot_delete_the_other_sides_promise(world, people, admin):
    """Each side owns its terms of a commitment, but either lead could delete the whole commitment,
    then record a new one with any terms: a sales lead could set marketing's MQL volume that way.
    Deleting now needs every side the commitment holds to be the actor's (admins: all)."""
    from queries import audit

    marketing_lead, sales_lead = make_user("marketing_lead"), make_user("sales_lead")
    both = sla.save_commitment(admin, sla.CommitmentInput(date(2026, 10, 1), date(2026, 12, 31), 900, 0.5, 0.9, 0.8))
    only_marketing = sla.save_commitment(marketing_lead, sla.CommitmentInput(date(2027, 1, 1), date(2027, 3, 31), 500))
    before = len(audit.search())
    for lead, commitment in ((sales_lead, both), (marketing_lead, both), (sales_lead, only_marketing)):
        with pytest.raises(sla.NotAllowed, match="would remove .* promise too"):
            sla.delete_commitment(lead, commitment, 1)
    assert len(sla.commitments()) == 2 and len(audit.search()) == before
    rows = sla.commitments().set_index("id")
    assert sla.delete_blocked_by(sales_lead, rows.loc[both]) == ["marketing"]
    assert sla.delete_blocked_by(admin, rows.loc[both]) == []
    sla.delete_commitment(marketing_lead, only_marketing, 1)   # all it holds is marketing's
    sla.delete_commitment(admin, both, 1)
    sla.commitments.clear()
    assert sla.commitments().empty
