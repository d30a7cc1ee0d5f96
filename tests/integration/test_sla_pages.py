"""AppTest for each Follow-up SLA page, through app.py's sign-in gate, on hand-built data (exact
numbers) and on the seeded demo data with the demo SLA terms (realistic volume)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from components import format as fmt
from queries import metrics, sla, users
from queries.users import UserInput
from tests.apptest import open_page
from tests.factories import World

pytestmark = pytest.mark.one_backend  # page tests: see tests/conftest.py

PASSWORD = "correct horse battery"


def _office_tz() -> str:
    """The company time zone for the hand-built office: New York, unless New York's clock is
    within 8 hours after the start of a week or quarter -- then Tokyo (14 hours apart, so one of
    the two always has the last 8 hours in its current week and quarter). The fixture's hand-offs
    are up to 5 hours old and the assertions read "this week" and "this quarter"."""
    now = datetime.now(timezone.utc)
    for name in ("America/New_York", "Asia/Tokyo"):
        local = now.astimezone(ZoneInfo(name))
        earlier = local - timedelta(hours=8)
        if (earlier.isocalendar()[:2] == local.isocalendar()[:2]
                and (earlier.year, (earlier.month - 1) // 3) == (local.year, (local.month - 1) // 3)):
            return name
    raise AssertionError("unreachable: New York and Tokyo are 14 hours apart")


OFFICE_TZ = _office_tz()
SLA_PAGES = ("my_sla", "sla_scorecard", "sla_two_sided", "slipping", "sla_policies")


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def office(app_db, cookie_key):
    """Two SDRs and an AE, users for each role, a 24/7 calendar with a 60-minute default policy (so
    deadlines relative to *now* are easy to reason about), and a commitment for this quarter."""
    world = World(app_db)
    world.setting("company_timezone", OFFICE_TZ)
    sdr_team = world.team("sales_development", code="sdr")
    ae_team = world.team("sales", code="sales")
    mkt_team = world.team("marketing", code="marketing")
    ids = {"sdr": world.rep(sdr_team, "Sam Seller"), "sdr2": world.rep(sdr_team, "Sid Other"),
           "ae": world.rep(ae_team, "Ada Closer"), "sdr_team": sdr_team, "ae_team": ae_team}
    for username, roles, team, rep in (("sdr", ["sdr"], sdr_team, ids["sdr"]), ("sdr2", ["sdr"], sdr_team, ids["sdr2"]),
                                       ("sales_lead", ["sales_lead"], sdr_team, None),
                                       ("marketing_lead", ["marketing_lead"], mkt_team, None),
                                       ("executive", ["executive"], None, None), ("marketer", ["marketer"], mkt_team, None)):
        users.create(None, UserInput(username, username.replace("_", " ").title(), f"{username}@example.com", roles,
                                     team_id=team, rep_id=rep), PASSWORD)
    admin = users.by_username("sales_lead")
    cal = sla.create_calendar(admin, "Always open", OFFICE_TZ, "00:00", "23:59")
    sla.save_schedule(admin, cal, date(2000, 1, 1), {d: ("00:00", "23:59") for d in range(1, 8)}, 1, OFFICE_TZ)
    sla.save_policy(admin, sla.PolicyInput("Standard", 60, False, 24 * 60, False, date(2020, 1, 1), code="default",
                                           is_default=True), None, OFFICE_TZ)
    today = datetime.now(timezone.utc).astimezone(sla.zone(OFFICE_TZ)).date()
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    q_end = (date(q_start.year + (q_start.month + 2) // 12, (q_start.month + 2) % 12 + 1, 1) - timedelta(days=1))
    sla.save_commitment(admin, sla.CommitmentInput(q_start, q_end, 300, 0.5, 0.9, 0.8))
    account = world.account(tier=2)
    now = now_utc()

    def handed(rep, minutes_ago, touch_after=None, decide=None, name=None):
        lead = world.lead(now - timedelta(minutes=minutes_ago + 5), account)
        if name:
            world.execute("update lead set first_name = :n, last_name = '' where id = :l", {"n": name, "l": lead})
        world.hand_off(lead, now - timedelta(minutes=minutes_ago), rep)
        if touch_after is not None:
            world.touch(lead, now - timedelta(minutes=minutes_ago - touch_after), rep)
        if decide:
            world.decide(lead, decide, now - timedelta(minutes=minutes_ago - 1), rep,
                         reason="bad_fit" if decide == "rejected" else None)
        return lead

    ids["leads"] = {
        "fresh": handed(ids["sdr"], 10, name="Freshly Handed"),            # due in 50 min
        "met": handed(ids["sdr"], 120, touch_after=20, name="Quickly Called"),
        "late": handed(ids["sdr"], 300, touch_after=90, name="Called Late"),
        "silent": handed(ids["sdr"], 200, decide="accepted", name="Never Called"),  # accepted, untouched, breached
        "other": handed(ids["sdr2"], 15, name="Someone Elses"),
    }
    return ids


def table_text(at: AppTest) -> str:
    out = []
    for df in at.dataframe:
        value = df.value
        data = getattr(value, "data", value)  # a Styler or a DataFrame
        out.append(data.to_csv())
    return "\n".join(out)


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label or m.label.startswith(label + " · ")]
    assert found, (label, [m.label for m in at.metric])
    return found[0]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in ("success", "warning", "error", "info"):
        parts += [e.value for e in getattr(at, kind)]
    return "\n".join(parts)


# --------------------------------------------------------------------------- My SLA


def test_my_sla_shows_the_reps_own_standing_and_live_list(office):
    at = open_page("sdr", "my_sla")
    # One glance: the banner states this week's compliance against the team and the target.
    banner = [e.value for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)][0]
    assert "this week" in banner and "target 90%" in banner and "open hand-off" in banner
    # met + late + silent have a known outcome: 1 of 3 contacted in time (the fresh one is pending).
    assert metric(at, "This quarter").value == "33%"
    assert metric(at, "Breaches").value == "2"
    text = table_text(at)
    assert "Someone Elses" not in text            # another rep's lead never appears
    assert "Freshly Handed" in text and "Never Called" in text
    assert "Quickly Called" in text and "Called Late" in text   # touched, but awaiting a decision
    assert "in 4" in text or "in 5" in text        # countdown to Freshly Handed's deadline (~50 min)
    assert "overdue" in text                       # Never Called: accepted, never contacted
    assert not [s for s in at.selectbox if s.label == "Rep"]  # reps cannot pick another rep, anywhere


def test_my_sla_says_why_a_lead_rejected_without_a_contact_is_a_breach(office, app_db):
    """A rep who rejected a duplicate without calling reads "Never contacted" among their breaches:
    the caption says a rejection does not stop the first-touch clock."""
    world = World(app_db)
    now = now_utc()
    lead = world.lead(now - timedelta(minutes=305), world.account(tier=2))
    world.hand_off(lead, now - timedelta(minutes=300), office["sdr"])
    world.decide(lead, "rejected", now - timedelta(minutes=290), office["sdr"], reason="duplicate")
    at = open_page("sdr", "my_sla")
    assert metric(at, "Breaches").value == "3"       # Called Late, Never Called, and the rejected one
    assert any("1 of them was rejected without a contact: the SLA measures the first contact, and a rejection does "
               "not stop its clock" in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_sales_lead_picks_a_rep_on_my_sla(office):
    at = open_page("sales_lead", "my_sla")
    picker = [s for s in at.main.selectbox if s.label == "Rep"][0]
    picker.set_value(office["sdr2"]).run()
    assert not at.exception, at.exception
    assert "Someone Elses" in table_text(at)
    assert "Freshly Handed" not in table_text(at)
    assert any(m.value.startswith("# SLA · Sid Other") for m in at.markdown)


def _walk(node):
    """The elements and widgets under an AppTest block in the order they are drawn."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for key in sorted(children):
        yield from _walk(children[key])


def _key(element):
    return getattr(element, "key", None)


def test_a_leads_rep_picker_is_at_the_top_of_my_sla_beside_the_heading(office):
    """In the sidebar the Rep picker came after the navigation and the period, below the fold of a
    1366×768 screen: a lead did not see it. It is in the page body's first row now, beside the
    heading; a rep's page has no picker."""
    at = open_page("sales_lead", "my_sla")
    assert not [s for s in at.sidebar.selectbox if s.label == "Rep"]
    drawn = list(_walk(at.main))
    picker = next(i for i, e in enumerate(drawn) if _key(e) == "mysla_rep")
    heading = next(i for i, e in enumerate(drawn) if e.type == "markdown" and e.value.startswith("# "))
    first_tile = next(i for i, e in enumerate(drawn) if e.type == "metric")
    assert max(picker, heading) < first_tile       # both above everything else the page draws
    heading_column, picker_column = at.main.columns[:2]                    # one row: heading | picker
    assert any(e.type == "markdown" and e.value.startswith("# ") for e in _walk(heading_column))
    assert [_key(e) for e in _walk(picker_column)] == ["mysla_rep"]
    at.selectbox(key="mysla_rep").set_value(office["sdr2"]).run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("# SLA · Sid Other") for m in at.markdown)

    rep = open_page("sdr", "my_sla")
    assert not [e for e in _walk(rep.main) if _key(e) == "mysla_rep"]
    assert next(e for e in _walk(rep.main) if e.type == "markdown" and e.value.startswith("# ")).value == "# My SLA"
    assert not [e for c in rep.main.columns for e in _walk(c) if e.type == "markdown" and e.value.startswith("# ")]


def _csv_spy(monkeypatch) -> list[bytes]:
    """Every CSV a page run writes (widgets.csv_bytes, which every download goes through)."""
    from components import widgets

    written, real = [], widgets.csv_bytes

    def spy(frame, tz):
        data = real(frame, tz)
        written.append(data)
        return data
    monkeypatch.setattr(widgets, "csv_bytes", spy)
    return written


def _csv_rows(data: bytes) -> list[dict]:
    import csv
    import io

    assert data.startswith(b"\xef\xbb\xbf")      # Excel's byte-order mark, kept
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(OFFICE_TZ))


def test_my_sla_breaches_csv_names_the_company_time_zone(office, monkeypatch):
    """The breaches CSV wrote "2026-11-20 09:14" under "Handed off": UTC or the company's time? It is
    the company's, and the header says so, as on Leads slipping through."""
    written = _csv_spy(monkeypatch)
    at = open_page("sdr", "my_sla")
    assert at.get("download_button")
    [data] = written
    late = {r["Lead"].strip(): r for r in _csv_rows(data)}["Called Late"]
    assert "Handed off" not in late and "Deadline" not in late
    handed = _local(late[f"Handed off ({OFFICE_TZ})"])
    assert abs(handed - (now_utc() - timedelta(minutes=300))) < timedelta(minutes=2)   # local time, not UTC
    assert _local(late[f"Deadline ({OFFICE_TZ})"]) - handed == timedelta(minutes=60)


def test_my_sla_period_comes_from_the_link_and_stays_in_it(office):
    """The chosen period was lost on reload (not in the URL); last month and last quarter were missing."""
    at = open_page("sdr", "my_sla", query={"period": "last_month"})
    assert at.selectbox(key="mysla_period").value == "last_month"
    assert any("breaches · last month" in m.value for m in at.markdown)
    at.selectbox(key="mysla_period").set_value("last_quarter").run()
    assert at.query_params.get("period") in ("last_quarter", ["last_quarter"])


@pytest.mark.parametrize("asked, shown", [("custom", "Custom dates"), ("last_12_months", "Last 12 months")])
def test_my_sla_says_when_a_links_period_is_not_offered(office, asked, shown):
    """A scoreboard link's period (custom dates, last 12 months) silently became this quarter."""
    at = open_page("sdr", "my_sla", query={"period": asked, "from": "2026-01-01", "to": "2026-02-01"})
    assert at.selectbox(key="mysla_period").value == "this_quarter"
    notes = [w.value for w in at.warning]
    assert any(f"period “{shown}”" in n and "shows This quarter" in n for n in notes), notes
    assert "from" not in at.query_params and "to" not in at.query_params
    at.run()                                         # the link was rewritten: the note goes
    assert not any("this page does not offer" in w.value for w in at.warning)


def test_my_sla_a_valid_period_in_the_link_says_nothing_and_garbage_is_shown_as_typed(office):
    at = open_page("sdr", "my_sla", query={"period": "last_month"})
    assert not any("this page does not offer" in w.value for w in at.warning)
    at.query_params["period"] = "*garbage*"          # (open_page's first stop, the scoreboard, would drop it)
    at.run()
    assert any("period “\\*garbage\\*”" in w.value and "shows Last month" in w.value   # what it does show
               for w in at.warning), [w.value for w in at.warning]


def test_my_sla_for_a_user_without_a_rep_record_explains(office, app_db):
    users.create(None, UserInput("ae", "Ae Nobody", "ae@example.com", ["ae"], team_id=office["ae_team"]), PASSWORD)
    at = open_page("ae", "my_sla")
    assert any("not linked to a rep record" in i.value for i in at.info)


def test_a_reps_name_shows_as_typed_on_their_sla_page(office, world):
    """A rep's name comes from the CRM: "**Max** :red[Power]" was drawn bold and red in the page's
    heading and caption when a lead opened that rep's SLA."""
    odd = world.rep(office["ae_team"], "**Max** :red[Power]")
    at = open_page("sales_lead", "my_sla")
    at.selectbox(key="mysla_rep").set_value(odd).run()
    assert not at.exception, at.exception
    heading = next(m.value for m in at.markdown if m.value.startswith("# "))
    assert heading == "# SLA · " + fmt.md_text("**Max** :red[Power]"), heading
    assert "**Max**" not in heading and "**Max**" not in at.caption[0].value


def test_a_lead_whose_own_rep_record_holds_nothing_is_told_to_pick_a_rep(office, world):
    """A sales lead with a rep record of their own but no hand-offs opens My SLA on it: "Nothing open"
    and "No breaches" alone read as a clean record, not an empty one."""
    lead_rep = world.rep(office["ae_team"], "Lou Lead")
    users.create(None, UserInput("lou", "Lou Lead", "lou@example.com", ["sales_lead"], team_id=office["ae_team"],
                                 rep_id=lead_rep), PASSWORD)
    at = open_page("lou", "my_sla")
    assert at.selectbox(key="mysla_rep").value == lead_rep
    assert any("You hold no hand-offs yourself" in i.value for i in at.info)
    # QA: below it, green "Nothing open: every hand-off is contacted" and "No breaches" still praised
    # an empty record; they say plainly that there is nothing
    assert not at.success, [s.value for s in at.success]
    assert any(i.value == "No open hand-offs." for i in at.info)
    assert any("so none breached" in i.value for i in at.info)
    at.selectbox(key="mysla_rep").set_value(office["sdr"]).run()   # a rep who holds some: no note
    assert not at.exception, at.exception
    assert not any("You hold no hand-offs yourself" in i.value for i in at.info)
    assert not any("so none breached" in i.value for i in at.info)


# --------------------------------------------------------------------------- scorecard


def test_scorecard_numbers_and_lead_level_lists(office):
    at = open_page("sales_lead", "sla_scorecard")
    assert metric(at, "In time").value == "33%"      # 1 met of 3 known (the two fresh ones are pending)
    assert metric(at, "Breaches").value == "2"
    assert len(at.get("plotly_chart")) == 4
    text = table_text(at)
    assert "Sam Seller" in text and "Sid Other" in text   # per-rep table
    n_reps = len(at.dataframe[1].value)
    assert any(c.value.startswith(f"{n_reps} reps, lowest compliance first;") for c in at.caption)
    assert "Never Called" in text                          # the untouched lead behind the breach
    spec = json.loads(at.get("plotly_chart")[2].proto.spec)  # touch vs window
    assert "window" in spec["layout"]["title"]["text"]


def test_scorecard_with_nothing_in_the_period_says_so(office):
    at = open_page("sales_lead", "sla_scorecard")
    at.selectbox(key="flt_period").set_value("last_year" if "last_year" in at.selectbox(key="flt_period").options
                                             else "last_quarter").run()
    assert not at.exception, at.exception
    assert any("No hand-offs" in i.value for i in at.info)


# --------------------------------------------------------------------------- two-sided


def test_two_sided_shows_both_halves_against_the_agreement(office):
    at = open_page("marketing_lead", "sla_two_sided")
    text = all_text(at)
    assert "The agreement for this period" in text and "MQLs" in text
    assert metric(at, "MQLs delivered").value == "5"
    assert metric(at, "Contacted in time").value == "33%"
    assert metric(at, "Accepted by sales").value == "20%"  # 1 accepted of 5 handed off
    assert "Marketing" in text and "Sales" in text
    assert len(at.get("plotly_chart")) == 4


def test_two_sided_says_so_when_the_filters_hold_mqls_but_no_hand_off(office, app_db):
    # marketing delivered MQLs from a source sales was never handed: sales' half has nothing to do,
    # which is not "too early to say" (its tiles showed "—" with no word why)
    world = World(app_db)
    lead = world.lead(now_utc() - timedelta(hours=2), world.account(tier=2), source="event")
    world.event(lead, "mql", now_utc() - timedelta(hours=1))
    metrics.clear_caches()
    at = open_page("marketing_lead", "sla_two_sided", query={"source": "event"})
    text = all_text(at)
    assert metric(at, "MQLs delivered").value == "1"
    assert metric(at, "Contacted in time").value == "—"
    assert "No hand-offs" in text and "Too early to say" not in text
    assert "No lead was handed to sales in" in text and "with these filters: nothing to follow up or decide" in text
    assert "None handed to sales yet, so no acceptance rate" in text
    # the whole selection keeps its status from the numbers
    at = open_page("marketing_lead", "sla_two_sided")
    assert "No hand-offs" not in all_text(at)


def test_two_sided_draws_mqls_from_the_data_in_a_period_from_years_before_it(office):
    """The MQL chart of a 2017-2026 period drew a flat line at 0 for years, ticked "01 Jan" each year."""
    today = datetime.now(timezone.utc).astimezone(sla.zone(OFFICE_TZ)).date()
    at = open_page("marketing_lead", "sla_two_sided",
                   query={"period": "custom", "from": "2017-01-01", "to": today.isoformat()})
    pace = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "MQLs delivered" in json.dumps(c.proto.spec))
    first = pd.Timestamp(pace["layout"]["xaxis"]["range"][0])
    assert first >= pd.Timestamp(today) - pd.Timedelta(days=2)   # the office's data is from today
    assert any("The MQL chart starts on" in c.value and "01 Jan 2017" in c.value for c in at.caption)


def test_two_sided_without_a_commitment_warns(office, app_db):
    World(app_db).execute("delete from sla_commitment")
    metrics.clear_caches()
    at = open_page("marketer", "sla_two_sided")
    assert any("No commitment covers" in w.value for w in at.warning)
    assert any("Ask a team lead" in w.value for w in at.warning)


# --------------------------------------------------------------------------- slipping


def test_slipping_csv_names_the_zone_once_in_each_time_header(office, monkeypatch):
    """Leads slipping through named the zone itself; it now comes from the helper every CSV uses,
    and the header says it once."""
    written = _csv_spy(monkeypatch)
    open_page("sales_lead", "slipping")
    [data] = written
    row = {r["Lead"].strip(): r for r in _csv_rows(data)}["Never Called"]
    assert [c for c in row if OFFICE_TZ in c] == [f"Handed off ({OFFICE_TZ})", f"Was due ({OFFICE_TZ})"]
    handed = _local(row[f"Handed off ({OFFICE_TZ})"])
    assert abs(handed - (now_utc() - timedelta(minutes=200))) < timedelta(minutes=2)
    assert _local(row[f"Was due ({OFFICE_TZ})"]) - handed == timedelta(minutes=60)


def test_slipping_lists_and_reassigns_in_one_click(office, app_db):
    at = open_page("sales_lead", "slipping")
    text = table_text(at)
    assert "Never Called" in text and "Accepted, never contacted" in text
    assert "Freshly Handed" not in text   # still inside its windows
    # what to do is in view on a 1366 px screen: right after the lead and its owner
    shown = at.dataframe[0].value
    assert list(getattr(shown, "data", shown).columns[:5]) == ["Situation", "Overdue (days)", "Lead", "Owner",
                                                               "What to do"]
    assert at.get("download_button")
    # Select the row, pick the new owner, click Reassign.
    at.session_state["slip_table_0"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    owner = at.selectbox(key="slip_new_owner")
    assert owner.value is None                                   # nobody preselected
    assert [b for b in at.button if b.label == "Reassign"][0].disabled
    owner.set_value(office["sdr2"])
    at.text_input(key="slip_note").input("Sam is on holiday").run()
    [b for b in at.button if b.label == "Reassign"][0].click().run()
    assert not at.exception, at.exception
    assert any("Reassigned 1 lead" in s.value for s in at.success)
    with app_db.connect() as conn:
        owner_now = conn.execute(sa.text("select owner_id from handoff where lead_id = :l"),
                                 {"l": office["leads"]["silent"]}).scalar()
        logged = conn.execute(sa.text("select count(*) from audit_log where action = 'handoff.reassign'")).scalar()
    assert owner_now == office["sdr2"] and logged == 1
    # the selection is cleared: its row numbers would now point at other leads
    assert at.session_state["slip_table_gen"] == 1
    assert any("Select one or more leads in the table" in c.value for c in at.caption)
    assert not any(c.value.startswith("Selected: ") for c in at.caption)


def test_slipping_is_read_only_for_marketing(office):
    at = open_page("marketing_lead", "slipping")
    assert "Never Called" in table_text(at)
    assert not [b for b in at.button if b.label == "Reassign"]
    assert not any(m.value == "#### Reassign" for m in at.markdown)


def _link_notes(at) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith("This link asks for")]


def _follow(at, query: dict):
    """The page at a link with ``query`` (only): open_page's first stop, the scoreboard, rewrites the
    link with its own period, which the real app's navigation drops on the way to another page."""
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


#: A scoreboard link's filters, as a shared link carries them to a page without the filter bar.
SHARED_LINK = {"period": "last_quarter", "team": "3,3", "source": "paid_search", "tier": "1"}


@pytest.mark.parametrize("username, page, shows", [
    ("sales_lead", "slipping", "It lists every lead slipping through as of now"),
    ("sdr", "my_handoffs", "It lists the open hand-offs as they stand now"),
])
def test_pages_without_the_filter_bar_name_the_links_filters_they_leave_out(office, username, page, shows):
    """QA: /slipping?period=last_quarter&team=3 showed every slipping lead as of now, and
    /my_handoffs?period=… the hand-offs as they stand, without a word about the link's filters."""
    at = _follow(open_page(username, page), {})
    assert not _link_notes(at)                       # no link filters: no note
    link = dict(SHARED_LINK, team=f"{office['ae_team']},{office['ae_team']}")
    notes = _link_notes(_follow(at, link))
    # Leads slipping through takes the link's team into its own Team picker (test below)
    team = "" if page == "slipping" else f"team {office['ae_team']}; "
    assert notes[0].startswith(f"This link asks for the period 'Last quarter'; {team}source paid\\_search; tier 1, "
                               "which this page doesn't take from a link, so those parts were left out."), notes
    assert len(notes) == 1, notes
    note = notes[0]
    assert shows in note
    at.run()                                         # the link is as it was: the note stays on reruns
    assert len(_link_notes(at)) == 1
    # one part, the dates of a custom period, and a crafted value shown as typed, never as Markdown
    [note] = _link_notes(_follow(at, {"from": "2026-01-01", "to": "*bold*"}))
    assert "asks for the dates from=2026\\-01\\-01, to=\\*bold\\*, which" in note and "that part was left out" in note


def test_slipping_takes_the_links_team_and_owner_into_its_pickers(office):
    """A shared link to Leads slipping through (?team=…&owner=…, the filter bar's words) presets its
    own Team and Owner pickers, and a choice made there is written back into the link."""
    at = open_page("sales_lead", "slipping", query={"team": office["sdr_team"], "owner": office["sdr"]})
    assert at.multiselect(key="slip_team").value == [office["sdr_team"]]
    assert at.multiselect(key="slip_owner").value == [office["sdr"]]
    assert "Never Called" in table_text(at) and not _link_notes(at)
    [slipping] = [m for m in at.metric if m.label == "Slipping leads"]
    assert slipping.proto.delta_description.endswith(" · 1 owner"), slipping.proto.delta_description  # was "1 owners"
    # the other SDR has nothing slipping: the link's owner filters the list
    at = open_page("sales_lead", "slipping", query={"owner": office["sdr2"]})
    assert at.multiselect(key="slip_owner").value == [office["sdr2"]]
    assert not at.dataframe and any("No lead is slipping through" in i.value for i in at.info)
    # a pick in the sidebar goes into the link, so the page's own address can be shared
    at.multiselect(key="slip_owner").set_value([office["sdr"]]).run()
    assert at.query_params["owner"] == str(office["sdr"]) and "Never Called" in table_text(at)
    at.multiselect(key="slip_owner").set_value([]).run()
    assert "owner" not in at.query_params


def test_slipping_says_which_of_the_links_owners_it_does_not_offer(office):
    """An owner outside the link's team (or a marketer) is named, and the rest still applied. (Values
    that are no id at all: tests/unit/test_filters_link.py; open_page's first stop, the scoreboard,
    drops them from the link before this page would see them.)"""
    at = open_page("sales_lead", "slipping", query={"team": office["sdr_team"], "owner": f"{office['ae']},{office['sdr']}"})
    assert at.multiselect(key="slip_team").value == [office["sdr_team"]]
    assert at.multiselect(key="slip_owner").value == [office["sdr"]]   # the AE is not in the SDR team
    [note] = _link_notes(at)
    assert note.startswith(f"This link asks for owner {office['ae']}, which is not among this page's choices (sales "
                           "and sales-development teams and their reps), so that part was left out."), note
    at.run()                                         # stays on reruns while the pickers hold what the link asked
    assert len(_link_notes(at)) == 1
    at.multiselect(key="slip_team").set_value([]).run()   # the reader picks: the link is theirs now
    assert not _link_notes(at) and "team" not in at.query_params


def test_my_sla_names_the_links_filters_it_leaves_out_beside_its_period(office):
    """My SLA reads the link's period (and says when it cannot); a team, source or tier was dropped
    without a word."""
    at = _follow(open_page("sdr", "my_sla"), {"period": "last_month", "team": "3", "tier": "2"})
    [note] = _link_notes(at)
    assert note.startswith("This link asks for team 3; tier 2, which this page doesn't take from a link"), note
    assert "period" not in note                      # its own period: read, not left out
    assert not any("this page does not offer" in w.value for w in at.warning)


@pytest.mark.parametrize("username, page", [("marketing_lead", "definitions"), ("sales_lead", "sla_policies"),
                                            ("sales_lead", "criteria"), ("executive", "meeting")])
def test_other_pages_without_the_filter_bar_say_so_too(office, username, page):
    [note] = _link_notes(_follow(open_page(username, page), {"owner": "7"}))
    assert note.startswith("This link asks for owner 7, which this page doesn't take from a link, so that part was "
                           "left out."), note


def test_every_page_has_the_filter_bar_or_names_the_link_filters_it_leaves_out():
    """A new page without either would drop a shared link's filters without a word."""
    from pathlib import Path

    pages = sorted((Path(__file__).resolve().parents[2] / "pages").glob("*.py"))
    silent = [p.name for p in pages if "filter_bar(" not in p.read_text() and "link_filters_ignored(" not in p.read_text()]
    assert len(pages) > 10 and silent == [], silent


# --------------------------------------------------------------------------- policies


def create_wall_clock_policy(at: AppTest, name: str, *, tier: int, minutes: int, effective: date) -> str:
    """Fill the new-policy form (first touch within ``minutes``, wall-clock) and save it; returns
    the form's widget-key prefix."""
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input(name)
    at.multiselect(key=f"{k}tiers").set_value([tier])
    at.number_input(key=f"{k}ft_value").set_value(minutes)
    at.selectbox(key=f"{k}ft_unit").set_value("minutes")
    at.radio(key=f"{k}ft_basis").set_value("wall-clock time")
    at.radio(key=f"{k}dec_basis").set_value("wall-clock time")
    at.date_input(key=f"{k}effective").set_value(effective)
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert not at.exception, at.exception
    return k


def test_policies_form_creates_a_version_and_remeasures(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    assert "Standard" in table_text(at)
    k = create_wall_clock_policy(at, "Tier 2 fast lane", tier=2, minutes=15, effective=date(2020, 1, 1))
    assert any("Saved Tier 2 fast lane version 1" in s.value and "re-measured" in s.value for s in at.success)
    with app_db.connect() as conn:
        rows = conn.execute(sa.text("select p.name, count(*) from handoff h join sla_policy p on p.id = h.sla_policy_id "
                                    "group by p.name")).all()
        audit_rows = conn.execute(sa.text("select count(*) from audit_log where action = 'sla_policy.version'")).scalar()
    assert dict(rows) == {"Tier 2 fast lane": 5}
    assert audit_rows == 2  # the fixture's default policy and this one
    assert "Tier 2 fast lane" in table_text(at)
    # the new-policy form is empty again (its values looked unsaved, and a second click said the
    # name was taken)
    assert at.text_input(key=f"{k}name").value == "" and at.multiselect(key=f"{k}tiers").value == []


@pytest.mark.one_backend
def test_a_first_policy_saved_for_later_shows_while_the_company_defaults_still_apply(app_db, cookie_key):
    """With no policy in force, the page said only "No SLA policy is in force" and hid the first
    policy scheduled for next week; read-only viewers were told to "add a default policy below"."""
    for username, roles in (("sales_lead", ["sales_lead"]), ("executive", ["executive"])):
        users.create(None, UserInput(username, username.title(), f"{username}@example.com", roles), PASSWORD)
    sla.save_policy(users.by_username("sales_lead"),
                    sla.PolicyInput("Standard", 60, False, 24 * 60, False, date.today() + timedelta(days=7),
                                    code="default", is_default=True), None, "UTC")
    for username, editor in (("sales_lead", True), ("executive", False)):
        at = open_page(username, "sla_policies")
        notes = [i.value for i in at.info]
        assert any(n.startswith("No SLA policy is in force: every hand-off gets the company defaults, 4 hours "
                                "to first touch") for n in notes), notes
        assert any("Scheduled changes** (the company defaults are what applies today)" in n and "Standard v1" in n
                   for n in notes), notes
        assert any("Add a default policy below" in n for n in notes) is editor, notes


def test_a_policy_saved_for_later_is_listed_where_the_other_lead_looks(office, app_db):
    """A version taking effect tomorrow showed only in the collapsed version history: the policies
    page and the Definitions page list it as a scheduled change."""
    at = open_page("sales_lead", "sla_policies")
    create_wall_clock_policy(at, "Tier 1 fast lane", tier=1, minutes=20, effective=date.today() + timedelta(days=3))
    note = " ".join(i.value for i in at.info)
    assert "Scheduled changes" in note and "Tier 1 fast lane v1 — first touch within 20 min" in note
    defs = open_page("marketing_lead", "definitions")
    assert not defs.exception, defs.exception
    assert any("Scheduled changes" in m.value and "Tier 1 fast lane v1" in m.value for m in defs.markdown)


def test_a_stale_policy_save_keeps_the_editors_input(office, app_db):
    """Two leads edit the same policy: the second save is refused and what they typed stays in
    the form (it came back with the other lead's values and an empty 'why')."""
    with app_db.connect() as conn:
        code = conn.execute(sa.text("select code from sla_policy where name = 'Standard'")).scalar()
    sales, marketing = open_page("sales_lead", "sla_policies"), open_page("marketing_lead", "sla_policies")
    for at in (sales, marketing):
        at.selectbox(key="slapol_pick").set_value(code).run()
    k1, k2 = f"slapol_{code}_1_", f"slapol_{code}_2_"
    marketing.number_input(key=f"{k1}ft_value").set_value(2)
    marketing.selectbox(key=f"{k1}ft_unit").set_value("hours")
    [b for b in marketing.button if b.label == "Save as a new version"][0].click().run()
    assert any("version 2" in m.value for m in marketing.success)
    assert "Standard (v2)" in marketing.selectbox(key="slapol_pick").options   # the picker names the new version

    sales.number_input(key=f"{k1}ft_value").set_value(3)
    sales.selectbox(key=f"{k1}ft_unit").set_value("hours")
    sales.text_input(key=f"{k1}note").input("sales view")
    [b for b in sales.button if b.label == "Save as a new version"][0].click().run()
    assert not sales.exception
    assert any("Someone saved version 2" in e.value and "your input is kept" in e.value for e in sales.error)
    assert sales.number_input(key=f"{k2}ft_value").value == 3       # on version 2's form: still theirs
    assert sales.text_input(key=f"{k2}note").value == "sales view"
    [b for b in sales.button if b.label == "Save as a new version"][0].click().run()
    assert any("version 3" in m.value for m in sales.success)
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select first_touch_minutes, note from sla_policy where code = :c and version = 3"),
                            {"c": code}).one() == (180, "sales view")


def test_a_decision_due_before_the_first_touch_is_pointed_out(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("Tier 1 quick decide")
    at.multiselect(key=f"{k}tiers").set_value([1])
    at.number_input(key=f"{k}ft_value").set_value(8)
    at.selectbox(key=f"{k}ft_unit").set_value("hours")
    at.number_input(key=f"{k}dec_value").set_value(1)
    at.selectbox(key=f"{k}dec_unit").set_value("hours")
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    [saved] = [m.value for m in at.success if "Saved Tier 1 quick decide" in m.value]
    assert "Note: the decision is due within 1 business hour, before the first touch (8 business hours)" in saved


def test_policies_form_refuses_bad_input_and_keeps_it(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("No conditions")
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert not at.exception
    assert any("Say which leads this policy covers" in e.value for e in at.error)
    assert at.text_input(key=f"{k}name").value == "No conditions"
    # a first-touch window of 0 gets its message (the field refused it silently)
    at.multiselect(key=f"{k}tiers").set_value([1])
    at.number_input(key=f"{k}ft_value").set_value(0)
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert any("first-touch window must be a whole number of minutes between 1" in e.value for e in at.error), \
        [e.value for e in at.error]
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy")).scalar() == 1


def test_one_save_lists_every_problem_of_a_policy(office, app_db):
    """A blank name, a zero first-touch window, a fractional decision window and no conditions took
    four saves to find out, one message each."""
    at = open_page("marketing_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("   ")
    at.number_input(key=f"{k}ft_value").set_value(0)
    at.number_input(key=f"{k}dec_value").set_value(0.3)
    at.selectbox(key=f"{k}dec_unit").set_value("minutes")
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error]
    for part in ("Give the policy a name", "first-touch window must be a whole number of minutes",
                 "decision window must come to whole minutes", "Say which leads this policy covers"):
        assert part in error, error
    assert "decision window must be a whole number" not in error   # the stand-in is not reported
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy")).scalar() == 1


def test_policies_are_read_only_for_executives(office):
    at = open_page("executive", "sla_policies")
    assert "Standard" in table_text(at)
    assert not [b for b in at.button if b.label in ("Create policy", "Save as a new version")]
    assert "read-only" in " ".join(c.value for c in at.caption)


def test_commitment_form_validates(office, app_db):
    at = open_page("marketing_lead", "sla_policies")
    at.selectbox(key="slapol_com_pick").set_value("__new__").run()
    k = "slapol_com___new___0_"
    quarter = sla.commitments().iloc[0]
    at.date_input(key=f"{k}start").set_value(quarter.start_date)
    at.date_input(key=f"{k}end").set_value(quarter.end_date)
    at.number_input(key=f"{k}volume").set_value(500)
    [b for b in at.button if b.label == "Save commitment"][0].click().run()
    assert any("overlap" in e.value for e in at.error)


def test_the_delete_button_is_offered_only_to_who_may_delete_every_side(office, app_db):
    """A sales lead deleting a commitment removed marketing's promise (and could then record a new
    one with any MQL volume): the page explains instead of offering the button; the server refuses
    too (tests/integration/test_sla.py)."""
    quarter = sla.commitments().iloc[0]
    at = open_page("sales_lead", "sla_policies")
    at.selectbox(key="slapol_com_pick").set_value(int(quarter.id)).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == "Delete this commitment"]
    assert any("It holds marketing’s promise" in c.value for c in at.caption)


# --------------------------------------------------------------------------- on the seeded demo data


@pytest.fixture
def demo_sla_db(seeded_app_db_rw, cookie_key):
    from seeds import demo_sla

    with seeded_app_db_rw.begin() as conn:
        demo_sla.load(conn)
    return seeded_app_db_rw


@pytest.mark.parametrize("username,page", [("sdr", "my_sla"), ("ae", "my_sla"), ("sales_lead", "sla_scorecard"),
                                           ("marketing_lead", "sla_two_sided"), ("executive", "slipping"),
                                           ("sales_lead", "sla_policies")])
def test_pages_render_on_demo_data(demo_sla_db, username, page):
    at = open_page(username, page)
    assert not at.error, [e.value for e in at.error]
    assert at.metric or at.dataframe


# --------------------------------------------------------------------------- double clicks


def _click(at: AppTest, label: str) -> AppTest:
    [b for b in at.button if b.label == label][0].click().run()
    assert not at.exception, at.exception
    return at


def test_a_double_clicked_policy_form_saves_once_and_says_saved(office, app_db):
    """A double click reached the server as two submissions of the policy form: the first saved, the
    second said in red that "another policy is already called" the new policy's name, or that
    "someone saved version 2" (its own first one). Here the first submission is the direct save
    with the form's key; the click is the second: it saves nothing and says saved."""
    lead = users.by_username("sales_lead")
    at = open_page("sales_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("Fast lane")
    at.multiselect(key=f"{k}tiers").set_value([1])
    at.radio(key=f"{k}ft_basis").set_value("wall-clock time")
    at.radio(key=f"{k}dec_basis").set_value("wall-clock time")
    first = sla.PolicyInput("Fast lane", 240, False, 1080, False, at.date_input(key=f"{k}effective").value, rank=50,
                            tiers=[1], calendar_id=at.selectbox(key=f"{k}calendar").value)
    sla.save_policy(lead, first, None, OFFICE_TZ, submission=at.session_state["slapol_policy___new____sub_0"])
    _click(at, "Create policy")
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Saved Fast lane." for s in at.success), all_text(at)
    assert at.button(key="FormSubmitter:slapol___new___0_form_1-Create policy")   # a new form, with a new key
    assert at.session_state["slapol_policy___new____sub_1"] != at.session_state["slapol_policy___new____sub_0"]
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy where name = 'Fast lane'")).scalar() == 1
        code = conn.execute(sa.text("select code from sla_policy where name = 'Standard'")).scalar()
    # a new version of a policy
    at.selectbox(key="slapol_pick").set_value(code).run()
    k = f"slapol_{code}_1_"
    at.number_input(key=f"{k}ft_value").set_value(2)
    at.selectbox(key=f"{k}ft_unit").set_value("hours")
    sla.save_policy(lead, sla.PolicyInput("Standard", 120, False, 24 * 60, False, at.date_input(key=f"{k}effective").value,
                                          code=code, is_default=True), 1, OFFICE_TZ,
                    submission=at.session_state[f"slapol_policy_{code}__sub_0"])
    _click(at, "Save as a new version")
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Saved Standard." for s in at.success), all_text(at)
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy where code = :c"), {"c": code}).scalar() == 2


def test_double_clicked_calendar_forms_save_once_and_say_saved(office, app_db):
    """The calendar's forms, each submitted twice: the first submission is the direct write with the
    form's key, the click the second. Each said "Someone changed this calendar while you were
    editing" (its own first one had bumped the version), a new calendar "Another calendar already
    has that name"; now each saves once and says saved."""
    lead = users.by_username("sales_lead")
    at = open_page("sales_lead", "sla_policies")
    cal_id, version = _calendar_keys()

    def audits(action):
        with app_db.connect() as conn:
            return conn.execute(sa.text("select count(*) from audit_log where action = :a"), {"a": action}).scalar()

    def said(text):
        assert not at.error, [e.value for e in at.error]
        assert any(s.value.startswith(text) for s in at.success), all_text(at)

    # weekly hours
    k = f"slapol_hours_{cal_id}_{version}_"
    at.date_input(key=f"{k}from").set_value(date(2027, 1, 4))
    hours = {d: ("00:00", "23:59") for d in range(1, 8)}
    sla.save_schedule(lead, cal_id, date(2027, 1, 4), hours, version, OFFICE_TZ,
                      submission=at.session_state[f"slapol_hours_{cal_id}__sub_0"])
    _click(at, "Save working hours")
    said("Working hours saved from 04 Jan 2027.")
    assert audits("calendar.hours") == 2   # the fixture's, and this one
    # a closed day
    cal_id, version = _calendar_keys()
    k = f"slapol_hol_{cal_id}_{version}_"
    at.date_input(key=f"{k}day").set_value(date(2027, 1, 8))
    at.text_input(key=f"{k}name").input("Offsite")
    sla.save_holidays(lead, cal_id, {date(2027, 1, 8): "Offsite"}, version, OFFICE_TZ,
                      submission=at.session_state[f"slapol_holiday_{cal_id}__sub_0"])
    _click(at, "Add")
    said("Holiday added: Fri 08 Jan 2027.")
    assert audits("calendar.holidays_added") == 1
    # an import of public holidays
    cal_id, version = _calendar_keys()
    k = f"slapol_hol_{cal_id}_{version}_"
    country, year = at.text_input(key=f"{k}country").value, int(at.number_input(key=f"{k}year").value)
    sla.save_holidays(lead, cal_id, sla.public_holidays(country, [year]), version, OFFICE_TZ, rename=True,
                      submission=at.session_state[f"slapol_import_{cal_id}__sub_0"])
    _click(at, "Import")
    said("Imported the public holidays")
    assert audits("calendar.holidays_added") == 2
    # name and time zone
    cal_id, version = _calendar_keys()
    at.text_input(key=f"slapol_calname_{cal_id}_{version}").input("Head office")
    sla.save_calendar(lead, cal_id, "Head office", OFFICE_TZ, version,
                      submission=at.session_state[f"slapol_calmeta_{cal_id}__sub_0"])
    _click(at, "Save")
    said("Calendar saved.")
    assert audits("calendar.update") == 1
    # a new calendar
    at.text_input(key="slapol_newcal_name").input("Branch")
    sla.create_calendar(lead, "Branch", OFFICE_TZ, submission=at.session_state["slapol_newcal__sub_0"])
    _click(at, "Create calendar (Monday–Friday)")
    said("Calendar created.")
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from business_calendar where name = 'Branch'")).scalar() == 1
    with app_db.connect() as conn:   # each write once: one version more than before the rename
        assert conn.execute(sa.text("select version from business_calendar where id = :i"), {"i": cal_id}).scalar() \
            == version + 1


def test_double_clicked_retire_and_remove_buttons_act_once_and_say_done(office, app_db):
    """Retiring a policy, removing a holiday and removing a version of the weekly hours, each
    posted twice: the first post is the direct write with the button's key, the click the second
    (it comes with the version the page was drawn at). Each said in red "Someone saved version 2 of
    this policy" or "Someone changed this calendar while you were editing" for a change that had
    worked; now each acts once and says done."""
    lead = users.by_username("sales_lead")
    cal_id, version = _calendar_keys()
    sla.save_policy(lead, sla.PolicyInput("Fast lane", 30, False, 600, False, date(2020, 1, 1), rank=10, tiers=[1],
                                          calendar_id=cal_id), None, OFFICE_TZ)
    today = datetime.now(timezone.utc).astimezone(sla.zone(OFFICE_TZ)).date()
    closed = date(today.year, 12, 31)
    sla.save_holidays(lead, cal_id, {closed: "Year end"}, version, OFFICE_TZ)
    sla.save_schedule(lead, cal_id, date(2027, 1, 4), {d: ("08:00", "16:00") for d in range(1, 6)}, version + 1,
                      OFFICE_TZ)
    with app_db.connect() as conn:
        code = conn.execute(sa.text("select code from sla_policy where name = 'Fast lane'")).scalar()
    at = open_page("sales_lead", "sla_policies")

    def audits(action):
        with app_db.connect() as conn:
            return conn.execute(sa.text("select count(*) from audit_log where action = :a"), {"a": action}).scalar()

    def said(text):
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert any(s.value.startswith(text) for s in at.success), all_text(at)

    # retiring the policy
    at.selectbox(key="slapol_pick").set_value(code).run()
    retire_on = at.date_input(key=f"slapol_{code}_1_retire_on").value
    sla.retire_policy(lead, code, retire_on, 1, OFFICE_TZ, submission=at.session_state[f"slapol_retire_{code}__sub_0"])
    at.button(key=f"slapol_{code}_1_retire").click().run()
    said(f"Retired from {retire_on:%a %d %b %Y}.")
    assert audits("sla_policy.retire") == 1
    # removing the holiday
    cal_id, version = _calendar_keys()
    k = f"slapol_hol_{cal_id}_{version}_"
    assert at.selectbox(key=f"{k}remove_pick").value == closed
    sla.remove_holiday(lead, cal_id, closed, version, OFFICE_TZ, submission=at.session_state[f"slapol_holrm_{cal_id}__sub_0"])
    at.button(key=f"{k}remove").click().run()
    said("Holiday removed.")
    assert audits("calendar.holiday_removed") == 1
    # removing the later version of the weekly hours
    cal_id, version = _calendar_keys()
    k = f"slapol_hours_{cal_id}_{version}_"
    assert at.selectbox(key=f"{k}remove_pick").value == date(2027, 1, 4)
    sla.delete_schedule(lead, cal_id, date(2027, 1, 4), version, OFFICE_TZ,
                        submission=at.session_state[f"slapol_hoursrm_{cal_id}__sub_0"])
    at.button(key=f"{k}remove").click().run()
    said("Removed that version of the working hours.")
    assert audits("calendar.hours_removed") == 1
    assert _calendar_keys()[1] == version + 1


def test_a_double_clicked_commitment_form_or_delete_saves_once_and_says_saved(office, app_db):
    """"Save commitment" posted twice: a new commitment was stored and the second post said in red
    "Another commitment already covers part of these dates"; a change said "Someone changed this
    commitment while you were editing"; "Delete this commitment" twice, "That commitment was already
    deleted." The first post here is the direct write with the form's (button's) key, the click the
    second: one write, and the form says saved."""
    users.create(None, UserInput("admin", "Admin", "admin@example.com", ["admin"]), PASSWORD)   # may delete both sides
    lead = users.by_username("admin")
    at = open_page("admin", "sla_policies")

    def count():
        with app_db.connect() as conn:
            return conn.execute(sa.text("select count(*) from sla_commitment")).scalar()

    def said(text):
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert any(s.value == text for s in at.success), all_text(at)

    # a new commitment, for the next free quarter the form offers
    at.selectbox(key="slapol_com_pick").set_value("__new__").run()
    k = "slapol_com___new___0_"
    start, end = at.date_input(key=f"{k}start").value, at.date_input(key=f"{k}end").value
    sla.save_commitment(lead, sla.CommitmentInput(start, end, 300, 0.55, 0.9, 0.85),
                        submission=at.session_state["slapol_commitment___new____sub_0"])
    at.button(key=f"FormSubmitter:{k}form_0-Save commitment").click().run()
    said(f"Commitment saved for {start:%d %b %Y} – {end:%d %b %Y}.")
    assert count() == 2
    # the form now shows the commitment created (a click on the redrawn "New commitment…" form
    # proposed the same dates again and was refused in red)
    with app_db.connect() as conn:
        created = conn.execute(sa.text("select id from sla_commitment where start_date = :s"), {"s": start}).scalar()
    assert at.selectbox(key="slapol_com_pick").value == created
    at.button(key=f"FormSubmitter:slapol_com_{created}_1_form_0-Save commitment").click().run()   # that click
    said(f"Commitment saved for {start:%d %b %Y} – {end:%d %b %Y}.")
    with app_db.connect() as conn:   # the same terms again: no new version
        assert conn.execute(sa.text("select version from sla_commitment where id = :i"), {"i": created}).scalar() == 1
    assert at.session_state["slapol_commitment___new____gen"] == 1   # the next new one is a new form, with a new key
    # a change of the fixture's commitment
    quarter = sla.commitments().sort_values("start_date").iloc[0]
    cid = int(quarter.id)
    at.selectbox(key="slapol_com_pick").set_value(cid).run()
    k = f"slapol_com_{cid}_1_"
    at.number_input(key=f"{k}volume").set_value(400)
    sla.save_commitment(lead, sla.CommitmentInput(quarter.start_date, quarter.end_date, 400, 0.5, 0.9, 0.8), cid, 1,
                        submission=at.session_state[f"slapol_commitment_{cid}__sub_0"])
    at.button(key=f"FormSubmitter:{k}form_0-Save commitment").click().run()
    said(f"Commitment saved for {quarter.start_date:%d %b %Y} – {quarter.end_date:%d %b %Y}.")
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select (mql_volume, version)::text from sla_commitment where id = :i"),
                            {"i": cid}).scalar() == "(400,2)"
    # deleting it (the page now shows version 2)
    k = f"slapol_com_{cid}_2_"
    at.checkbox(key=f"{k}delete_sure").check().run()
    sla.delete_commitment(lead, cid, 2, submission=at.session_state[f"slapol_comdel_{cid}__sub_0"])
    at.button(key=f"{k}delete").click().run()
    said("Commitment deleted.")
    assert count() == 1


# --------------------------------------------------------------------------- attacking the forms


def _calendar_keys() -> tuple[int, int]:
    metrics.clear_caches()
    cals = sla.calendars_frame()
    return int(cals["id"].iloc[0]), int(cals["version"].iloc[0])


def _save_hours(at: AppTest, hours: dict[int, tuple[str, str] | None], start: date) -> AppTest:
    cal_id, version = _calendar_keys()
    k = f"slapol_hours_{cal_id}_{version}_"
    for d in range(1, 8):
        at.checkbox(key=f"{k}on{d}").set_value(hours.get(d) is not None)
        if hours.get(d):
            at.text_input(key=f"{k}start{d}").input(hours[d][0])
            at.text_input(key=f"{k}end{d}").input(hours[d][1])
    at.date_input(key=f"{k}from").set_value(start)
    [b for b in at.button if b.label == "Save working hours"][0].click().run()
    assert not at.exception, at.exception
    return at


def test_working_hours_until_midnight_are_accepted_and_shown_as_24_00(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    _save_hours(at, {d: ("00:00", "24:00") for d in range(1, 6)}, date(2020, 1, 1))
    assert any("Working hours saved" in s.value for s in at.success), [e.value for e in at.error]
    with app_db.connect() as conn:
        monday = conn.execute(sa.text("select minutes from business_day where day = '2026-11-16'")).scalar()
        saturday = conn.execute(sa.text("select minutes from business_day where day = '2026-11-14'")).scalar()
    assert (monday, saturday) == (24 * 60, 0)
    assert "Mon–Fri 00:00–24:00" in all_text(at) + table_text(at)
    cal_id, version = _calendar_keys()
    assert at.text_input(key=f"slapol_hours_{cal_id}_{version}_end1").value == "24:00"  # not 00:00


@pytest.mark.parametrize("start,end,message", [
    ("24:00", "24:00", "24:00 can only end a day"),
    ("09:00", "24:30", "not a time of day"),
    ("", "17:00", "not a time of day"),
    ("   ", "17:00", "not a time of day"),
    ("18:00", "09:00", "before it starts"),
    ("09:00", "09:00", "the day ends when it starts (09:00)"),   # was "ends (09:00) before it starts (09:00)"
    ("٠٩:٠٠", "17:00:00", "not a time of day"),
    ("<b>9</b>", "17:00", "not a time of day"),
])
def test_bad_working_hours_are_refused_and_nothing_changes(office, app_db, start, end, message):
    with app_db.connect() as conn:
        before = conn.execute(sa.text("select count(*), sum(minutes) from business_day")).one()
    at = open_page("sales_lead", "sla_policies")
    _save_hours(at, {1: (start, end), 2: ("09:00", "17:00")}, date(2026, 1, 1))
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*), sum(minutes) from business_day")).one() == before


def _create_policy(at: AppTest, name: str, tiers=(2,)) -> AppTest:
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input(name)
    at.multiselect(key=f"{k}tiers").set_value(list(tiers))
    at.radio(key=f"{k}ft_basis").set_value("wall-clock time")
    at.radio(key=f"{k}dec_basis").set_value("wall-clock time")
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", ["standard", "  STANDARD ", "Ｓｔａｎｄａｒｄ"])
def test_a_policy_name_already_taken_is_refused_and_kept(office, app_db, name):
    at = _create_policy(open_page("sales_lead", "sla_policies"), name)
    assert any("already called “Standard”" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="slapol___new___0_name").value == name
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy")).scalar() == 1


@pytest.mark.parametrize("name,shown", [
    ("🚀 Fast lane", "🚀 Fast lane"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("**bold** [x](http://evil)", "**bold** [x](http://evil)"),
    ("Tier   2    fast", "Tier 2 fast"),
])
def test_unusual_policy_names_are_stored_as_typed(office, app_db, name, shown):
    at = _create_policy(open_page("sales_lead", "sla_policies"), name)
    assert not at.error, [e.value for e in at.error]
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select name from sla_policy where code <> 'default'")).scalar() == shown
    assert shown in table_text(at)


def test_a_policy_name_shows_as_typed_in_the_preview_and_the_definitions(office):
    """A policy named ":red[VIP] $fast$" showed in red with LaTeX on the 'Try a lead' preview and on
    Definitions (the rest of the page escaped it)."""

    lead = users.by_username("sales_lead")
    name = "VIP :red[now] $fast$"
    sla.save_policy(lead, sla.PolicyInput(name, 30, False, 600, False, date(2020, 1, 2), rank=10, tiers=[2]),
                    None, OFFICE_TZ)
    for page in ("sla_policies", "definitions"):
        at = open_page("sales_lead", page)
        assert not at.exception, at.exception
        shown = " ".join(m.value for m in at.markdown)
        assert fmt.md_text(name) in shown, (page, shown)
        assert f"**{name}**" not in shown and f" {name}**" not in shown, page
        if page == "definitions":   # numbered in the order tried, not by rank ("10. VIP…" read as a list number)
            assert f"1. **{fmt.md_text(name)}**" in shown and "Otherwise, **" in shown and "(the default)" in shown
            assert "10. **" not in shown


def test_one_number_for_one_thing_on_every_page_on_demo_data(demo_sla_db):
    """The product's promise, read off the screens for this quarter: the scoreboard, the two-sided
    SLA, the team scorecard, My SLA, the meeting's SLA slide and the shared goals show the same
    value for the same metric, whatever each page calls it."""
    from components import format as fmt
    from components import sla_tiles
    from queries import goals, meetings, metrics, settings
    from queries.periods import local_today, preset_period

    def shown(at: AppTest) -> dict[str, str]:
        return {m.label: m.value for m in at.metric}

    board = shown(open_page("executive", "scoreboard"))
    two_page = open_page("marketing_lead", "sla_two_sided")
    two = shown(two_page)
    card_page = open_page("sales_lead", "sla_scorecard")
    card = shown(card_page)
    mine = shown(open_page("sdr", "my_sla"))
    tz = settings.company_timezone()
    as_of = metrics.now_minute()
    quarter = preset_period("this_quarter", local_today(tz, as_of), tz)
    sides = sla_tiles.sla_sides(meetings.compute_section("sla", quarter, as_of))
    slide = {t.key: t.value for side in sides.values() for t in side.tiles}

    assert board["MQLs delivered"] == two["MQLs delivered"] == slide["mqls_delivered"]
    assert board["Lead acceptance"] == two["Accepted by sales"] == slide["mql_acceptance"]
    assert board["SLA compliance"] == two["Contacted in time"] == card["In time"] == slide["follow_up"]
    assert board["Median first touch"] == card["Median to touch"] == slide["median_touch"]
    assert two["Decided on time"] == card["Decided on time"] == slide["decided_on_time"]
    # the two-sided page and the SLA slide word them alike (components.sla_tiles): labels, deltas and
    # captions of the four tiles both show, each side's status, and the counts under them (the slide
    # adds the median first touch and its p90)
    page_tiles = {m.label: (m.value, m.proto.delta, m.proto.delta_description) for m in two_page.metric}
    for side in sides.values():
        for t in side.tiles:
            if t.key != "median_touch":
                assert page_tiles[t.label] == (t.value, t.delta or "", t.caption), t.key
        assert side.status_label in " ".join(m.value for m in two_page.markdown), side.key
        assert "  \n".join(n for n in side.notes if not n.startswith("p90")) in [c.value for c in two_page.caption]

    # the goals linked to these metrics, over the same quarter and no scope
    by_metric = {e.goal.metric: e.progress.value for e in goals.evaluated(quarter, as_of=as_of, record_snapshots=False)
                 if e.goal.scope.is_empty and (e.goal.start, e.goal.end) == (quarter.start, quarter.end)}
    assert by_metric, "the demo data has this quarter's goals"
    for metric, text in (("sla_compliance", board["SLA compliance"]), ("acceptance_rate", board["Lead acceptance"])):
        if metric in by_metric:
            assert fmt.pct(by_metric[metric]) == text, metric
    if "mqls_delivered" in by_metric:
        assert fmt.number(by_metric["mqls_delivered"]) == board["MQLs delivered"]
    if "median_first_touch" in by_metric:
        assert fmt.duration(by_metric["median_first_touch"]) == board["Median first touch"]

    # the rep's own quarter on My SLA is their row on the scorecard
    reps = card_page.dataframe[1].value
    sdr = users.by_username("sdr")
    row = reps[reps["Rep"] == sla.rep_info(sdr.rep_id).full_name].iloc[0]
    assert mine["This quarter"] == f"{row['Compliance']:.0f}%"


@pytest.mark.parametrize("field, value, message", [
    ("rank", 5000, "The rank must be between 1 and 999"),
    ("ft_value", -5, "first-touch window must be a whole number of minutes between 1"),
    ("effective", date(2040, 1, 1), "The date it takes effect (01 Jan 2040) must be between"),
])
def test_a_policy_value_past_the_old_field_limits_gets_the_apps_message(office, app_db, field, value, message):
    """Rank 5000 or a first touch of -5 made Save do nothing (the field only turned red), and a date
    past the field's ten years was swapped for tomorrow: the fields now pass them to the save."""
    at = open_page("sales_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("Tier 1 fast lane")
    at.multiselect(key=f"{k}tiers").set_value([1])
    widget = at.date_input(key=f"{k}effective") if field == "effective" else at.number_input(key=f"{k}{field}")
    widget.set_value(value)
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert widget.value in (value, (value,))   # kept for correcting (AppTest gives a date field's as a tuple)
    with app_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sla_policy")).scalar() == 1


def test_a_commitment_rate_over_100_is_refused_not_stored_as_a_fraction(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    k = next(n.key for n in at.number_input if n.key.startswith("slapol_com_") and n.key.endswith("_fu"))[:-2]
    at.number_input(key=f"{k}fu").set_value(150.0)
    at.button(key=f"FormSubmitter:{k}form_0-Save commitment").click().run()
    assert not at.exception, at.exception
    assert any("Rates are percentages between 0 and 100." in e.value for e in at.error), [e.value for e in at.error]
    with app_db.connect() as conn:
        assert float(conn.execute(sa.text("select follow_up_target_rate from sla_commitment")).scalar()) == 0.9
