"""Hand-built edge cases for each metric, on real PostgreSQL, written through the real triggers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from queries import metrics, sla, users
from queries.filters import Filters
from queries.periods import Period
from queries.users import UserInput
from tests.factories import at, one
from queries.access import User

EXEC = User(id=0, username="exec", display_name="Exec", email="exec@example.com", roles=frozenset({"executive"}))

NY = ZoneInfo("America/New_York")
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31), "UTC")
AS_OF = at("2026-06-01 00:00")


@pytest.fixture
def people(world):
    sdr_team = world.team("sales_development", code="sdr")
    ae_team = world.team("sales", code="sales")
    mkt_team = world.team("marketing", code="marketing")
    return {
        "sdr": world.rep(sdr_team, "Sam SDR"),
        "sdr2": world.rep(sdr_team, "Sid SDR"),
        "ae": world.rep(ae_team, "Ada AE"),
        "mkt": world.rep(mkt_team, "Mia Marketer"),
        "sdr_team": sdr_team,
        "ae_team": ae_team,
        "account": world.account(tier=1),
    }


# --------------------------------------------------------------------------- empty


def test_empty_database_gives_empty_frames_with_columns(app_db):
    cases = {"acceptance": metrics.acceptance, "first_touch": metrics.first_touch,
             "sla_compliance": metrics.sla_compliance, "funnel": metrics.funnel,
             "closed_deals": metrics.closed_deals, "pipeline_created": metrics.pipeline_created,
             "mqls_delivered": metrics.mqls_delivered, "rejection_reasons": metrics.rejection_reasons}
    for name, fn in cases.items():
        frame = fn(Q1)
        assert frame.empty, name
        assert list(frame.columns) == list(metrics.SCHEMAS[name]), name
    assert metrics.first_touch_distribution(Q1)["handoffs"].sum() == 0


def test_period_without_leads_is_empty_even_when_other_periods_have_data(world, people):
    lead = world.lead(at("2026-05-01 10:00"), people["account"])
    world.hand_off(lead, at("2026-05-01 11:00"), people["sdr"])
    assert metrics.acceptance(Q1).empty
    assert metrics.sla_compliance(Q1, as_of=AS_OF).empty
    coverage = metrics.coverage_inputs(Q1, as_of=AS_OF).iloc[0]
    assert coverage.open_in_period == 0 and coverage.won_so_far == 0


# --------------------------------------------------------------------------- acceptance


def test_acceptance_counts_awaiting_apart(world, people):
    leads = [world.lead(at("2026-02-01 09:00"), people["account"]) for _ in range(4)]
    for lead in leads:
        world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
    world.decide(leads[0], "accepted", at("2026-02-02 10:00"), people["sdr"])
    world.decide(leads[1], "accepted", at("2026-02-03 10:00"), people["sdr"])
    world.decide(leads[2], "rejected", at("2026-02-03 10:00"), people["sdr"], reason="bad_fit")
    row = metrics.acceptance(Q1).iloc[0]
    assert (row.handed_off, row.accepted, row.rejected, row.awaiting) == (4, 2, 1, 1)
    assert row.acceptance_rate == pytest.approx(0.5)


def test_rejected_then_recycled_lead(world, people):
    """Rejected in January, recycled, re-qualified in March and accepted: two hand-off cohorts."""
    lead = world.lead(at("2026-01-05 09:00"), people["account"])
    world.hand_off(lead, at("2026-01-06 09:00"), people["sdr"])
    world.decide(lead, "rejected", at("2026-01-07 09:00"), people["sdr"], reason="no_response")
    world.event(lead, "recycled", at("2026-01-20 09:00"))
    world.hand_off(lead, at("2026-03-10 09:00"), people["sdr2"])
    world.decide(lead, "accepted", at("2026-03-10 12:00"), people["sdr2"])

    by_month = metrics.acceptance(Q1, grain="month")
    jan, mar = one(by_month, bucket=datetime(2026, 1, 1)), one(by_month, bucket=datetime(2026, 3, 1))
    assert (jan.handed_off, jan.accepted, jan.rejected) == (1, 0, 1)
    assert (mar.handed_off, mar.accepted, mar.rejected) == (1, 1, 0)
    reasons = metrics.rejection_reasons(Q1)
    assert one(reasons, reason="no_response").recycled == 1
    # MQLs delivered counts the lead in each month it qualified; the funnel counts it once.
    mqls = metrics.mqls_delivered(Q1, grain="month")
    assert list(mqls["mqls"]) == [1, 1]
    funnel = metrics.funnel(Q1)
    assert list(funnel["reached"]) == [1, 1, 1, 0, 0]


def test_acceptance_and_rejections_as_known_at_a_past_moment(world, people):
    """Numbers for a moment already past (a meeting frozen then, a goal's daily snapshot) count the
    decisions made by then: a later decision is still awaiting, a later rejection or recycling is
    not counted yet; the record lists agree."""
    from queries import scoreboard

    leads = [world.lead(at("2026-02-01 09:00"), people["account"]) for _ in range(3)]
    for lead in leads:
        world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
    world.decide(leads[0], "accepted", at("2026-02-02 10:00"), people["sdr"])
    world.decide(leads[1], "rejected", at("2026-02-03 10:00"), people["sdr"], reason="bad_fit")
    world.event(leads[1], "recycled", at("2026-02-10 09:00"))
    world.decide(leads[2], "rejected", at("2026-02-05 10:00"), people["sdr"], reason="no_response")

    def counts(as_of):
        row = metrics.acceptance(Q1, as_of=as_of).iloc[0]
        reasons = metrics.rejection_reasons(Q1, as_of=as_of).set_index("reason")
        return ((row.handed_off, row.accepted, row.rejected, row.awaiting),
                reasons.rejected.to_dict(), reasons.recycled.to_dict())

    assert counts(at("2026-02-02 09:30")) == ((3, 0, 0, 3), {}, {})
    assert counts(at("2026-02-02 10:00")) == ((3, 1, 0, 2), {}, {})  # at the decision's minute: made
    assert counts(at("2026-02-04 00:00")) == ((3, 1, 1, 1), {"bad_fit": 1}, {"bad_fit": 0})
    assert counts(AS_OF) == ((3, 1, 2, 0), {"bad_fit": 1, "no_response": 1}, {"bad_fit": 1, "no_response": 0})
    assert metrics.acceptance(Q1).iloc[0].awaiting == 0  # default: as of now

    waiting = scoreboard.records("awaiting", Q1, as_of=at("2026-02-04 00:00"), viewer=EXEC).rows
    assert list(waiting.lead_id) == [leads[2]]
    assert waiting.decision.isna().all() and waiting.decided_at.isna().all()
    rejected = scoreboard.records("rejected", Q1, as_of=at("2026-02-04 00:00"), viewer=EXEC).rows
    assert list(rejected.lead_id) == [leads[1]] and rejected.recycled_at.isna().all()


def test_rejection_reason_shares_are_within_each_group(world, people):
    """Broken down by source, a reason's share is its count ÷ that source's rejections (each
    source's shares sum to 1), not ÷ all rejections in the bucket: webinar has 3 rejections
    (2 bad fit, 1 no response), paid search 1 (bad fit)."""
    for source, reason in (("webinar", "bad_fit"), ("webinar", "bad_fit"), ("webinar", "no_response"),
                           ("paid_search", "bad_fit")):
        lead = world.lead(at("2026-02-01 09:00"), people["account"], source=source)
        world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
        world.decide(lead, "rejected", at("2026-02-02 10:00"), people["sdr"], reason=reason)
    got = metrics.rejection_reasons(Q1, dim="source", as_of=AS_OF)
    shares = {(r.dim_key, r.reason): (r.rejected, r.share) for r in got.itertuples()}
    assert shares == {("webinar", "bad_fit"): (2, pytest.approx(2 / 3)),
                      ("webinar", "no_response"): (1, pytest.approx(1 / 3)),
                      ("paid_search", "bad_fit"): (1, pytest.approx(1.0))}
    assert got.groupby("dim_key")["share"].sum().to_dict() == {"paid_search": pytest.approx(1.0),
                                                               "webinar": pytest.approx(1.0)}


def test_cannot_decide_twice_and_history_is_append_only(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    world.decide(lead, "accepted", at("2026-02-01 11:00"), people["sdr"])
    with pytest.raises(sa.exc.DBAPIError) as err:
        world.decide(lead, "rejected", at("2026-02-01 12:00"), people["sdr"], reason="bad_fit")
    assert err.value.orig.sqlstate == "AB002"
    with pytest.raises(sa.exc.DBAPIError) as err:
        world.execute("update lead_event set occurred_at = now() where lead_id = :l", {"l": lead})
    assert err.value.orig.sqlstate == "AB010"
    # An accepted hand-off is not open any more, so a second hand-off is allowed; an open one is not.
    world.hand_off(lead, at("2026-02-02 10:00"), people["sdr"], mql=False)
    other = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(other, at("2026-02-01 10:00"), people["sdr"])
    with pytest.raises(sa.exc.DBAPIError) as err:
        world.hand_off(other, at("2026-02-01 11:00"), people["sdr2"], mql=False)
    assert err.value.orig.sqlstate == "AB001"


def test_database_constraints(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    with pytest.raises(sa.exc.IntegrityError):  # rejected needs a reason
        world.decide(lead, "rejected", at("2026-02-01 11:00"), people["sdr"])
    with pytest.raises(sa.exc.IntegrityError):  # 'other' needs a comment
        world.decide(lead, "rejected", at("2026-02-01 11:00"), people["sdr"], reason="other", comment="  ")
    with pytest.raises(sa.exc.IntegrityError):  # amounts are never negative
        world.opportunity(people["account"], people["ae"], -5, at("2026-02-01 09:00"))
    with pytest.raises(sa.exc.IntegrityError):  # closed needs a close time
        world.opportunity(people["account"], people["ae"], 5, at("2026-02-01 09:00"), stage="closed_won")
    with pytest.raises(sa.exc.IntegrityError):  # tier is 1..3
        world.account(tier=4)
    with pytest.raises(sa.exc.IntegrityError):  # decisions cannot precede the hand-off
        world.decide(lead, "accepted", at("2026-02-01 09:00"), people["sdr"])


def test_reassignment_moves_the_handoff_to_the_new_owner(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    world.event(lead, "reassigned", at("2026-02-01 12:00"), owner_id=people["sdr2"])
    by_owner = metrics.acceptance(Q1, dim="owner")
    assert list(by_owner["dim_label"]) == ["Sid SDR"]
    assert metrics.acceptance(Q1, Filters(owner_ids=[people["sdr"]])).empty


# --------------------------------------------------------------------------- first touch and SLA


def test_untouched_and_automated_and_early_touches_are_not_first_touches(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.touch(lead, at("2026-02-01 09:30"), people["sdr"])  # before the hand-off
    world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    world.touch(lead, at("2026-02-01 10:01"), None, "email", automated=True)  # automated send
    world.touch(lead, at("2026-02-01 10:02"), None, "web_visit")  # lead activity, not a rep touch
    untouched = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(untouched, at("2026-02-01 10:00"), people["sdr"])

    row = metrics.first_touch(Q1, as_of=AS_OF).iloc[0]
    assert (row.handed_off, row.touched, row.untouched) == (2, 0, 2)
    assert row.median_minutes != row.median_minutes  # NaN: no touched hand-offs, no median

    world.touch(lead, at("2026-02-01 10:45"), people["sdr"], "linkedin")
    world.touch(lead, at("2026-02-01 10:30"), people["sdr"], "call")  # logged late, happened first
    metrics.clear_caches()
    row = metrics.first_touch(Q1, as_of=AS_OF).iloc[0]
    assert (row.touched, row.untouched) == (1, 1)
    assert row.median_minutes == pytest.approx(30)


def test_deleting_a_touch_recomputes_first_touch(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    handoff = world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    first = world.touch(lead, at("2026-02-01 10:10"), people["sdr"])
    world.touch(lead, at("2026-02-01 11:00"), people["sdr"])
    assert world.handoff_row(handoff)["minutes_to_first_touch"] == 10
    world.execute("delete from activity where id = :i", {"i": first})
    assert world.handoff_row(handoff)["minutes_to_first_touch"] == 60


def test_touch_after_the_next_handoff_belongs_to_the_next_handoff(world, people):
    lead = world.lead(at("2026-01-05 09:00"), people["account"])
    first = world.hand_off(lead, at("2026-01-06 09:00"), people["sdr"])
    world.decide(lead, "rejected", at("2026-01-06 10:00"), people["sdr"], reason="bad_fit")
    second = world.hand_off(lead, at("2026-02-06 09:00"), people["sdr2"])
    world.touch(lead, at("2026-02-06 09:20"), people["sdr2"])
    assert world.handoff_row(first)["first_touch_at"] is None
    assert world.handoff_row(second)["minutes_to_first_touch"] == 20


@pytest.mark.parametrize("minutes,median,p90", [
    ([10, 20, 20, 30], 20.0, 27.0),        # ties in the middle
    ([10, 20, 30, 40], 25.0, 37.0),        # even count: interpolated
    ([5], 5.0, 5.0),
])
def test_median_and_p90_interpolate_like_percentile_cont(world, people, minutes, median, p90):
    for m in minutes:
        lead = world.lead(at("2026-02-01 08:00"), people["account"])
        world.hand_off(lead, at("2026-02-01 09:00"), people["sdr"])
        world.touch(lead, at("2026-02-01 09:00") + timedelta(minutes=m), people["sdr"])
    row = metrics.first_touch(Q1, as_of=AS_OF).iloc[0]
    assert row.median_minutes == pytest.approx(median)
    assert row.p90_minutes == pytest.approx(p90)


def test_sla_met_late_breached_and_pending(world, people):
    world.setting("sla_first_touch_minutes", 60)
    start = at("2026-03-31 20:00")
    cases = {"met": 59, "edge": 60, "late": 61, "untouched": None}
    for name, minutes in cases.items():
        lead = world.lead(start - timedelta(hours=1), people["account"])
        world.hand_off(lead, start, people["sdr"])
        if minutes is not None:
            world.touch(lead, start + timedelta(minutes=minutes), people["sdr"])
    # Before any touch and inside the window, every hand-off is pending.
    early = metrics.sla_compliance(Q1, as_of=start + timedelta(minutes=30)).iloc[0]
    assert (early.met, early.breached, early.pending) == (0, 0, 4)
    assert early.compliance_rate != early.compliance_rate  # NaN: no known outcome yet
    later = metrics.sla_compliance(Q1, as_of=start + timedelta(minutes=62)).iloc[0]
    assert (later.met, later.breached_late, later.breached_untouched, later.pending) == (2, 1, 1, 0)
    assert later.compliance_rate == pytest.approx(0.5)
    # The first-touch chart's bands count the touch at the deadline minute in time too, as met.
    bands = metrics.first_touch_distribution(Q1, as_of=start + timedelta(minutes=62))
    assert (bands["handoffs"].sum(), bands["in_time"].sum(), bands["past_deadline"].sum()) == (4, 2, 1)
    # Within the window, an untouched lead is pending rather than breached.
    mid = metrics.sla_compliance(Q1, as_of=start + timedelta(minutes=60)).iloc[0]
    assert (mid.met, mid.breached, mid.pending) == (2, 0, 2)


def test_deadline_uses_the_setting_in_force_at_handoff(world, people):
    world.setting("sla_first_touch_minutes", 30)
    lead = world.lead(at("2026-02-01 08:00"), people["account"])
    handoff = world.hand_off(lead, at("2026-02-01 09:00"), people["sdr"])
    world.setting("sla_first_touch_minutes", 120)
    assert world.handoff_row(handoff)["sla_deadline_at"] == at("2026-02-01 09:30")


# --------------------------------------------------------------------------- time zones and boundaries


def test_a_period_ends_before_local_midnight_for_mqls_the_funnel_and_pipeline(world, people):
    """Periods are [start_at, end_at): an MQL, a lead created and an opportunity created exactly at
    00:00 on 1 April in New York (04:00 UTC, so a UTC-only check would not see it) belong to April,
    not to March as well."""
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "America/New_York")
    april = Period(date(2026, 4, 1), date(2026, 4, 30), "America/New_York")
    midnight = at("2026-04-01 00:00", NY)
    assert march.end_at == midnight == april.start_at
    early = world.lead(at("2026-03-31 12:00", NY), people["account"])   # created in March, MQL at the edge
    world.event(early, "mql", midnight)
    world.lead(midnight, people["account"])                            # created at the edge
    world.opportunity(people["account"], people["ae"], 5000, midnight)  # created at the edge

    assert metrics.mqls_delivered(march).empty
    assert list(metrics.mqls_delivered(april)["mqls"]) == [1]
    assert list(metrics.funnel(march)["reached"]) == [1, 1, 0, 0, 0]   # only the lead created on the 31st
    assert list(metrics.funnel(april)["reached"]) == [1, 0, 0, 0, 0]
    assert metrics.pipeline_created(march).empty
    april_pipeline = metrics.pipeline_created(april).iloc[0]
    assert (april_pipeline.opportunities, april_pipeline.amount) == (1, 5000)


def test_period_boundary_follows_the_company_time_zone(world, people):
    """23:30 on 31 March in New York is 03:30 on 1 April in UTC."""
    lead = world.lead(at("2026-03-31 20:00", NY), people["account"])
    world.hand_off(lead, at("2026-03-31 23:30", NY), people["sdr"])
    march_ny = Period(date(2026, 3, 1), date(2026, 3, 31), "America/New_York")
    april_ny = Period(date(2026, 4, 1), date(2026, 4, 30), "America/New_York")
    march_utc = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    assert metrics.acceptance(march_ny).iloc[0].handed_off == 1
    assert metrics.acceptance(april_ny).empty
    assert metrics.acceptance(march_utc).empty
    # Buckets are cut in the company zone too.
    q = Period(date(2026, 1, 1), date(2026, 6, 30), "America/New_York")
    assert one(metrics.acceptance(q, grain="month"), handed_off=1).bucket == datetime(2026, 3, 1)
    q_utc = Period(date(2026, 1, 1), date(2026, 6, 30), "UTC")
    assert one(metrics.acceptance(q_utc, grain="month"), handed_off=1).bucket == datetime(2026, 4, 1)


def test_dst_change_day_is_a_23_hour_day(world, people):
    """8 March 2026 (US spring forward): the day has 23 hours; both ends are counted once."""
    day = Period(date(2026, 3, 8), date(2026, 3, 8), "America/New_York")
    assert (day.end_at - day.start_at) == timedelta(hours=23)
    inside = [at("2026-03-08 00:00", NY), at("2026-03-08 23:59", NY)]
    outside = [at("2026-03-07 23:59", NY), at("2026-03-09 00:00", NY)]
    for moment in inside + outside:
        lead = world.lead(moment - timedelta(minutes=1), people["account"])
        world.hand_off(lead, moment, people["sdr"])
    assert metrics.acceptance(day).iloc[0].handed_off == 2


# --------------------------------------------------------------------------- opportunities


def test_opportunity_without_a_lead_counts_as_sales_sourced(world, people):
    account = people["account"]
    lead = world.lead(at("2026-01-02 09:00"), account, source="webinar")
    world.opportunity(account, people["ae"], 1000, at("2026-01-10 09:00"), stage="closed_won",
                      closed_at=at("2026-02-10 09:00"), lead_id=lead)
    world.opportunity(account, people["ae"], 3000, at("2026-01-15 09:00"), stage="closed_won",
                      closed_at=at("2026-02-15 09:00"))
    world.opportunity(account, people["ae"], 500, at("2026-01-20 09:00"), stage="closed_lost",
                      closed_at=at("2026-03-01 09:00"), lost_reason="price")
    deals = metrics.closed_deals(Q1).iloc[0]
    assert (deals.won, deals.lost, deals.revenue, deals.marketing_sourced_revenue) == (2, 1, 4000, 1000)
    assert deals.win_rate == pytest.approx(2 / 3)
    assert deals.median_cycle_days == pytest.approx(31)
    created = metrics.pipeline_created(Q1).iloc[0]
    assert (created.amount, created.marketing_sourced_amount) == (4500, 1000)
    # A source filter keeps only opportunities whose originating lead matches.
    only_webinar = metrics.closed_deals(Q1, Filters(sources=["webinar"])).iloc[0]
    assert only_webinar.revenue == 1000
    by_source = metrics.closed_deals(Q1, dim="source")
    assert set(by_source["dim_label"]) == {"Webinar", "No lead (sales-created)"}
    # The funnel is about leads: the lead-less opportunity does not appear in it, and the won lead
    # counts as having reached every earlier stage.
    assert list(metrics.funnel(Q1)["reached"]) == [1, 1, 1, 1, 1]


def test_a_past_periods_closing_pipeline_is_measured_at_its_last_instant(world, people):
    """Half-open periods: a deal created at 00:00 on the next period's first day is not in this
    period's closing pipeline; one closed at that instant was still open when the period ended."""
    from queries import scoreboard

    account = people["account"]
    world.opportunity(account, people["ae"], 100, at("2026-03-31 23:59"))                    # open at the end
    world.opportunity(account, people["ae"], 200, at("2026-04-01 00:00"))                    # next quarter's
    world.opportunity(account, people["ae"], 400, at("2026-02-01 09:00"), stage="closed_lost",
                      closed_at=at("2026-04-01 00:00"), lost_reason="price")                 # closed next quarter
    world.opportunity(account, people["ae"], 800, at("2026-02-01 09:00"), stage="closed_won",
                      closed_at=at("2026-03-31 23:59:59"))                                   # closed in Q1
    sb = scoreboard.overview(Q1, as_of=at("2026-06-01 00:00")).scoreboard
    assert sb.open_pipeline == 500
    assert sb.open_as_of < Q1.end_at and sb.open_as_of.date() == date(2026, 3, 31)


def test_funnel_counts_later_stages_as_reached_earlier_ones(world, people):
    account = people["account"]
    leads = [world.lead(at("2026-02-01 09:00"), account) for _ in range(4)]
    world.event(leads[0], "mql", at("2026-02-02 09:00"))
    world.hand_off(leads[1], at("2026-02-02 09:00"), people["sdr"])
    world.decide(leads[1], "accepted", at("2026-02-02 10:00"), people["sdr"])
    world.opportunity(account, people["ae"], 10, at("2026-02-05 09:00"), lead_id=leads[1], stage="closed_won",
                      closed_at=at("2026-03-05 09:00"))
    funnel = metrics.funnel(Q1)
    assert list(funnel["reached"]) == [4, 2, 1, 1, 1]
    assert list(funnel["cumulative_rate"]) == pytest.approx([1, 0.5, 0.25, 0.25, 0.25])
    assert list(funnel["step_rate"].fillna(-1)) == pytest.approx([-1, 0.5, 0.5, 1, 1])


def test_open_pipeline_as_of_a_moment(world, people):
    account = people["account"]
    world.opportunity(account, people["ae"], 100, at("2026-01-01 09:00"))
    world.opportunity(account, people["ae"], 200, at("2026-01-01 09:00"), stage="closed_lost",
                      closed_at=at("2026-02-01 09:00"), lost_reason="price")
    world.opportunity(account, people["ae"], 400, at("2026-03-01 09:00"))
    assert metrics.open_pipeline(at("2025-12-31 00:00")).empty
    assert metrics.open_pipeline(at("2026-01-15 00:00")).iloc[0].amount == 300
    assert metrics.open_pipeline(at("2026-02-15 00:00")).iloc[0].amount == 100
    assert metrics.open_pipeline(at("2026-03-15 00:00")).iloc[0].amount == 500


def test_coverage_inputs(world, people):
    account = people["account"]
    world.opportunity(account, people["ae"], 100, at("2026-01-01 09:00"), expected_close=date(2026, 3, 15))
    world.opportunity(account, people["ae"], 900, at("2026-01-01 09:00"), expected_close=date(2026, 4, 15))
    world.opportunity(account, people["ae"], 50, at("2026-01-01 09:00"), stage="closed_won",
                      closed_at=at("2026-02-01 09:00"))
    row = metrics.coverage_inputs(Q1, as_of=at("2026-02-15 00:00")).iloc[0]
    assert (row.open_in_period, row.won_so_far) == (100, 50)


def test_campaign_cost_per_mql_and_roi(world, people):
    account = people["account"]
    camp = world.campaign("webinar", spend=1000, name="Spring webinar")
    leads = [world.lead(at("2026-02-01 09:00"), account, campaign_id=camp) for _ in range(3)]
    world.event(leads[0], "mql", at("2026-02-02 09:00"))
    world.event(leads[1], "mql", at("2026-02-02 09:00"))
    world.opportunity(account, people["ae"], 5000, at("2026-02-05 09:00"), lead_id=leads[0], stage="closed_won",
                      closed_at=at("2026-03-05 09:00"))
    row = one(metrics.campaign_performance(Q1), campaign="Spring webinar")
    assert (row.leads, row.mqls, row.sqls, row.won_revenue) == (3, 2, 1, 5000)
    assert (row.cost_per_mql, row.cost_per_sql, row.roi) == (500, 1000, 5)


def test_filters_by_segment_and_team(world, people):
    eu = world.account(tier=3, industry="Retail", country="DE", region="EMEA")
    us = people["account"]
    for account, owner in ((eu, people["sdr"]), (us, people["ae"])):
        lead = world.lead(at("2026-02-01 09:00"), account)
        world.hand_off(lead, at("2026-02-01 10:00"), owner)
    assert metrics.acceptance(Q1, Filters(countries=["DE"])).iloc[0].handed_off == 1
    assert metrics.acceptance(Q1, Filters(tiers=[1])).iloc[0].handed_off == 1
    assert metrics.acceptance(Q1, Filters(industries=["Retail"], tiers=[1])).empty
    assert metrics.acceptance(Q1, Filters(team_ids=[people["ae_team"]])).iloc[0].handed_off == 1
    assert sorted(metrics.acceptance(Q1, dim="tier")["dim_label"]) == ["Tier 1", "Tier 3"]
    # Lead metrics: a team filter matches leads handed to that team.
    assert metrics.funnel(Q1, Filters(team_ids=[people["sdr_team"]])).iloc[0].reached == 1


def test_an_acceptance_comment_is_not_a_rejection_comment(world, people):
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    handoff = world.hand_off(lead, at("2026-02-01 10:00"), people["sdr"])
    world.decide(lead, "accepted", at("2026-02-01 11:00"), people["sdr"], comment="Great fit, call booked")
    row = world.handoff_row(handoff)
    assert row["decision"] == "accepted" and row["rejection_comment"] is None


# --------------------------------------------------------------------------- hand-off copies of lead columns


def test_a_lead_corrected_after_its_hand_off_is_counted_under_its_new_source_and_segment(world, people):
    """Hand-offs keep copies of the lead's source, campaign and account (migration 0008); a CRM
    correction of the lead must move its hand-offs with it, in filters and in groups."""
    other = world.account(tier=3, industry="Retail")
    webinar = world.campaign("webinar")
    lead = world.lead(at("2026-02-02 10:00"), people["account"], source="webinar", campaign_id=webinar)
    world.hand_off(lead, at("2026-02-03 10:00"), people["sdr"])
    world.decide(lead, "accepted", at("2026-02-03 11:00"))
    assert one(metrics.acceptance(Q1, Filters(sources=("webinar",))), dim_key="total").accepted == 1

    world.execute("update lead set source = 'paid_search', campaign_id = null, account_id = :a where id = :l",
                  {"a": other, "l": lead})
    metrics.clear_caches()

    assert metrics.acceptance(Q1, Filters(sources=("webinar",))).empty
    assert one(metrics.acceptance(Q1, Filters(sources=("paid_search",), tiers=(3,))), dim_key="total").accepted == 1
    by_source = metrics.acceptance(Q1, dim="source")
    assert list(by_source.dim_key) == ["paid_search"]
    with world.engine.connect() as conn:
        row = conn.execute(sa.text("select source, campaign_id, account_id from handoff where lead_id = :l"),
                           {"l": lead}).one()
    assert tuple(row) == ("paid_search", None, other)


def test_an_opportunity_follows_its_lead_source_when_the_lead_or_the_link_is_corrected(world, people):
    """Opportunities keep copies of the originating lead's source and campaign (migration 0010):
    marketing-sourced revenue and the source filter follow a corrected lead or a re-pointed deal."""
    account = people["account"]
    webinar = world.campaign("webinar")
    lead = world.lead(at("2026-01-05 10:00"), account, source="webinar", campaign_id=webinar)
    outbound = world.lead(at("2026-01-05 10:00"), account, source="sdr_outbound")
    opp = world.opportunity(account, people["ae"], 1000, at("2026-01-10 09:00"), lead_id=lead,
                            stage="closed_won", closed_at=at("2026-02-10 09:00"))
    deals = metrics.closed_deals(Q1).iloc[0]
    assert (deals.revenue, deals.marketing_sourced_revenue) == (1000, 1000)
    assert metrics.closed_deals(Q1, Filters(campaign_ids=(webinar,))).iloc[0].revenue == 1000

    world.execute("update lead set source = 'partner', campaign_id = null where id = :l", {"l": lead})
    metrics.clear_caches()
    deals = metrics.closed_deals(Q1).iloc[0]
    assert (deals.revenue, deals.marketing_sourced_revenue) == (1000, 0)
    assert metrics.closed_deals(Q1, Filters(campaign_ids=(webinar,))).empty
    assert metrics.closed_deals(Q1, Filters(sources=("partner",))).iloc[0].revenue == 1000

    world.execute("update opportunity set lead_id = :l where id = :o", {"l": outbound, "o": opp})
    world.execute("update lead set source = 'webinar' where id = :l", {"l": lead})  # no longer its deal
    metrics.clear_caches()
    assert list(metrics.closed_deals(Q1, dim="source")["dim_key"]) == ["sdr_outbound"]
    world.execute("update opportunity set lead_id = null where id = :o", {"o": opp})
    metrics.clear_caches()
    assert list(metrics.closed_deals(Q1, dim="source")["dim_label"]) == ["No lead (sales-created)"]


# --------------------------------------------------------------------------- lead stage projections


def _stages(world, lead_id):
    with world.engine.connect() as conn:
        return tuple(conn.execute(sa.text("select sal_at, sql_at, won_at from lead where id = :l"),
                                  {"l": lead_id}).one())


def test_the_funnel_follows_crm_corrections_of_opportunities_and_decisions(world, people):
    """The funnel reads lead.sal_at / sql_at / won_at (migration 0009), kept by triggers: an
    opportunity re-pointed to another lead, re-staged or deleted moves the lead's stages with it."""
    account = people["account"]
    first, second = (world.lead(at("2026-02-01 09:00"), account) for _ in range(2))
    world.hand_off(first, at("2026-02-02 09:00"), people["sdr"])
    world.decide(first, "accepted", at("2026-02-02 10:00"), people["sdr"])
    assert _stages(world, first) == (at("2026-02-02 10:00"), None, None)
    opp = world.opportunity(account, people["ae"], 10, at("2026-02-05 09:00"), lead_id=first, stage="closed_won",
                            closed_at=at("2026-03-05 09:00"))
    world.opportunity(account, people["ae"], 20, at("2026-02-09 09:00"), lead_id=first)
    assert _stages(world, first) == (at("2026-02-02 10:00"), at("2026-02-05 09:00"), at("2026-03-05 09:00"))
    assert list(metrics.funnel(Q1)["reached"]) == [2, 1, 1, 1, 1]

    # the won deal belonged to the other lead: both leads change
    world.execute("update opportunity set lead_id = :l where id = :o", {"l": second, "o": opp})
    metrics.clear_caches()
    assert _stages(world, first) == (at("2026-02-02 10:00"), at("2026-02-09 09:00"), None)
    assert _stages(world, second) == (None, at("2026-02-05 09:00"), at("2026-03-05 09:00"))
    assert list(metrics.funnel(Q1)["reached"]) == [2, 2, 2, 2, 1]

    # the win is reopened, then the deal deleted
    world.execute("update opportunity set stage = 'negotiation', closed_at = null where id = :o", {"o": opp})
    assert _stages(world, second) == (None, at("2026-02-05 09:00"), None)
    world.execute("delete from opportunity where id = :o", {"o": opp})
    metrics.clear_caches()
    assert _stages(world, second) == (None, None, None)
    assert list(metrics.funnel(Q1)["reached"]) == [2, 1, 1, 1, 0]
    # and the schema's refresh finds nothing left to correct
    with world.engine.begin() as conn:
        before = conn.execute(sa.text("select count(*) from lead where sal_at is not null or sql_at is not null")).scalar()
        conn.execute(sa.text("select refresh_lead_stages(null)"))
        assert conn.execute(sa.text(
            "select count(*) from lead where sal_at is not null or sql_at is not null")).scalar() == before == 1


def _handoff_stages(world, lead_id):
    with world.engine.connect() as conn:
        return tuple(conn.execute(sa.text("select handed_off_at, sal_at, rejected_at from lead where id = :l"),
                                  {"l": lead_id}).one())


def test_hand_off_projections_follow_the_hand_offs(world, people):
    """lead.handed_off_at and rejected_at (migration 0012), read by the criteria replay, follow
    hand-offs through rejection, a second hand-off, acceptance and CRM corrections."""
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    assert _handoff_stages(world, lead) == (None, None, None)
    world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
    assert _handoff_stages(world, lead) == (at("2026-02-02 09:00"), None, None)  # awaiting
    world.decide(lead, "rejected", at("2026-02-02 11:00"), people["sdr"], reason="bad_fit")
    assert _handoff_stages(world, lead) == (at("2026-02-02 09:00"), None, at("2026-02-02 11:00"))
    world.hand_off(lead, at("2026-02-10 09:00"), people["sdr"], mql=False)
    world.decide(lead, "accepted", at("2026-02-10 12:00"), people["sdr"])
    assert _handoff_stages(world, lead) == (at("2026-02-02 09:00"), at("2026-02-10 12:00"), at("2026-02-02 11:00"))
    # a CRM sync corrects the first hand-off's decision, then dates the second one earlier
    with world.engine.connect() as conn:
        first, second = conn.execute(sa.text("select min(id), max(id) from handoff where lead_id = :l"),
                                     {"l": lead}).one()
    world.execute("update handoff set decision = 'accepted', rejection_reason = null, decided_at = :t where id = :h",
                  {"t": at("2026-02-02 10:00"), "h": first})
    assert _handoff_stages(world, lead) == (at("2026-02-02 09:00"), at("2026-02-02 10:00"), None)
    world.execute("update handoff set handed_off_at = :t where id = :h", {"t": at("2026-02-01 12:00"), "h": second})
    assert _handoff_stages(world, lead) == (at("2026-02-01 12:00"), at("2026-02-02 10:00"), None)
    with world.engine.begin() as conn:  # the schema's full refresh agrees with the triggers
        conn.execute(sa.text("select refresh_lead_stages(null)"))
    assert _handoff_stages(world, lead) == (at("2026-02-01 12:00"), at("2026-02-02 10:00"), None)


def test_projection_refreshes_touch_only_the_leads_they_are_given(world, people):
    """refresh_lead_stages and refresh_handoff_touch (migration 0014) refresh the listed leads,
    every lead for null, and nothing for an empty list (a write that touched no lead). They read
    every lead on each call before, whatever they were given: ~1 s per accept at 1M leads."""
    a = world.lead(at("2026-02-01 09:00"), people["account"])
    b = world.lead(at("2026-02-01 09:00"), people["account"])
    for lead in (a, b):
        world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
        world.touch(lead, at("2026-02-02 09:30"), people["sdr"])
        world.decide(lead, "accepted", at("2026-02-02 10:00"), people["sdr"])
    right = _handoff_stages(world, a)
    assert right == _handoff_stages(world, b) == (at("2026-02-02 09:00"), at("2026-02-02 10:00"), None)

    def corrupt():   # as a stray write would: the triggers fire on handoff/opportunity, not lead
        world.execute("update lead set sal_at = null, handed_off_at = null where id in (:a, :b)", {"a": a, "b": b})
        world.execute("alter table handoff disable trigger user")
        try:
            world.execute("update handoff set first_touch_at = null, minutes_to_first_touch = null "
                          "where lead_id in (:a, :b)", {"a": a, "b": b})
        finally:
            world.execute("alter table handoff enable trigger user")

    def touched(lead):
        with world.engine.connect() as conn:
            return conn.execute(sa.text("select first_touch_at from handoff where lead_id = :l"), {"l": lead}).scalar()

    corrupt()
    world.execute("select refresh_lead_stages(cast(:ids as bigint[])), refresh_handoff_touch(cast(:ids as bigint[]))",
                  {"ids": []})
    assert _handoff_stages(world, a)[:2] == (None, None) and touched(a) is None      # empty: nothing
    world.execute("select refresh_lead_stages(cast(:ids as bigint[])), refresh_handoff_touch(cast(:ids as bigint[]))",
                  {"ids": [a, a]})
    assert _handoff_stages(world, a) == right and touched(a) == at("2026-02-02 09:30")  # the listed lead
    assert _handoff_stages(world, b)[:2] == (None, None) and touched(b) is None       # and only it
    world.execute("select refresh_lead_stages(null), refresh_handoff_touch(null)")
    assert _handoff_stages(world, b) == right and touched(b) == at("2026-02-02 09:30")  # null: every lead


def test_stages_are_re_derived_only_when_an_update_moves_their_inputs(world, people):
    """Migration 0023: an SLA re-measure (deadlines, policy, minutes) or a deal's amount does not
    re-derive the lead's stages (at 1M leads a full re-measure spent 7.9 s doing so); a change of
    what the stages read (decision time, a deal's stage or close) still does. Seen through a lead
    row whose stages a stray write spoiled: only a re-derivation puts them back."""
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
    world.decide(lead, "accepted", at("2026-02-02 10:00"), people["sdr"])
    opp = world.opportunity(people["account"], people["ae"], 10_000, at("2026-02-05 09:00"), lead_id=lead,
                            stage="closed_won", closed_at=at("2026-03-05 09:00"))
    right = _stages(world, lead)
    assert right == (at("2026-02-02 10:00"), at("2026-02-05 09:00"), at("2026-03-05 09:00"))

    def spoil():
        world.execute("update lead set sal_at = null, sql_at = null, won_at = null where id = :l", {"l": lead})

    spoil()
    world.execute("update handoff set sla_deadline_at = sla_deadline_at + interval '1 hour', "
                  "decision_due_at = decision_due_at + interval '1 hour', sla_policy_id = null where lead_id = :l",
                  {"l": lead})
    world.execute("update opportunity set amount = 12000 where id = :o", {"o": opp})
    assert _stages(world, lead) == (None, None, None)        # nothing re-derived
    world.execute("update handoff set decided_at = decided_at where lead_id = :l", {"l": lead})
    assert _stages(world, lead) == (None, None, None)        # the same value is no change either
    world.execute("update handoff set decided_at = :t where lead_id = :l", {"t": at("2026-02-02 11:00"), "l": lead})
    assert _stages(world, lead) == (at("2026-02-02 11:00"), *right[1:])
    spoil()
    world.execute("update opportunity set closed_at = :t where id = :o", {"t": at("2026-03-06 09:00"), "o": opp})
    assert _stages(world, lead) == (at("2026-02-02 11:00"), at("2026-02-05 09:00"), at("2026-03-06 09:00"))


def test_statement_triggers_never_join_their_transition_tables(world):
    """PL/pgSQL keeps the plan of a statement's first call in a session: a join of new_rows and
    old_rows planned for a one-row update (an accept on a pooled connection) ran as a nested loop
    on the next large update: 20,000 deadlines re-measured in 80-104 s instead of 1.3 s at 1M leads,
    a full re-measure in hours. The triggers compare a UNION of the two instead (migration 0023)."""
    with world.engine.connect() as conn:
        bodies = dict(conn.execute(sa.text(
            "select p.proname, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and p.prosrc ~ 'new_rows' and p.prosrc ~ 'old_rows'")).all())
    assert {"lead_stages_after_update", "handoff_owners_after_update"} <= set(bodies)
    joined = [name for name, body in bodies.items()
              if re.search(r"\b(join|from)\s+(new|old)_rows\b[^;]*\bjoin\s+(new|old)_rows\b", body, re.I | re.S)
              or re.search(r"\b(new|old)_rows\s+\w+\s*,\s*(new|old)_rows\b", body, re.I)]
    # a company has a handful of calendars: a nested loop over their rows costs nothing
    assert joined == ["business_days_refresh"], joined


def test_the_stage_trigger_migration_goes_down_and_up(app_db):
    from alembic import command
    from alembic.config import Config

    from queries.db import ROOT

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))

    def triggers():
        with app_db.connect() as conn:
            return dict(conn.execute(sa.text(
                "select t.tgname, pg_get_triggerdef(t.oid) from pg_trigger t "
                "where t.tgname in ('handoff_stages_update', 'opportunity_stages_update')")).all())

    assert "lead_stages_after_update('handed_off_at', 'decision', 'decided_at')" in triggers()["handoff_stages_update"]
    with app_db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022")
    assert all(d.endswith("lead_stages_after_update()") for d in triggers().values()), triggers()
    with app_db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "lead_stages_after_update('created_at', 'stage', 'closed_at')" in triggers()["opportunity_stages_update"]


def test_a_hand_off_event_dated_before_the_latest_hand_off_is_refused(world, people):
    """A CRM sync that sends a lead's events out of order used to create a hand-off older than the
    latest: its decision then went to the latest (refused), and the lead stayed "awaiting a
    decision" for good, since events are append-only. It is refused (AB005), and nothing changes."""
    lead = world.lead(at("2026-07-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-07-20 09:00"), people["sdr"])
    world.decide(lead, "accepted", at("2026-07-20 10:00"), people["sdr"])
    with pytest.raises(sa.exc.DBAPIError) as err:
        world.hand_off(lead, at("2026-07-19 09:00"), people["sdr2"], mql=False)
    assert err.value.orig.sqlstate == "AB005"
    assert "order" in str(err.value.orig.diag.message_hint)
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from handoff where lead_id = :l"), {"l": lead}).scalar() == 1
    world.hand_off(lead, at("2026-07-21 09:00"), people["sdr2"], mql=False)   # in order: fine


def test_a_sync_upserts_by_crm_id(world, people):
    """docs/data-model.md: a sync keeps the CRM's id in crm_id and upserts by it (migration 0015);
    the app's own inserts keep working beside it, and a blank id is refused."""
    upsert = """insert into account (crm_id, name, industry, country, region, employee_band, tier)
                values ('0015g00000XyZ', :name, 'Software', 'DE', 'EMEA', '200-999', 2)
                on conflict (crm_id) do update set name = excluded.name returning id"""
    first = world.execute(upsert, {"name": "Acme GmbH"}).scalar()
    again = world.execute(upsert, {"name": "Acme Group GmbH"}).scalar()
    assert first == again
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("select name from account where crm_id = '0015g00000XyZ'")).scalar() \
            == "Acme Group GmbH"
    lead = world.lead(at("2026-02-01 09:00"), first)   # an app-side insert: no crm_id, no collision
    world.execute("update lead set crm_id = '00Q5g000001' where id = :l", {"l": lead})
    with pytest.raises(sa.exc.IntegrityError):
        world.execute("update lead set crm_id = ' ' where id = :l", {"l": lead})
    other = world.lead(at("2026-02-01 09:00"), first)
    with pytest.raises(sa.exc.IntegrityError):
        world.execute("update lead set crm_id = '00Q5g000001' where id = :l", {"l": other})


# --------------------------------------------------------------------------- audit against the shared definitions


def test_campaign_without_spend_has_no_cost_per_mql_sql_or_roi(world, people):
    """docs/metrics.md: "with zero spend, cost per MQL/SQL and ROI are empty" (as the campaign
    totals in queries/campaigns.py treat them), not $0 per MQL."""
    account = people["account"]
    camp = world.campaign("organic", spend=0, name="Organic, no spend")
    leads = [world.lead(at("2026-02-01 09:00"), account, source="organic", campaign_id=camp) for _ in range(2)]
    for lead in leads:
        world.event(lead, "mql", at("2026-02-02 09:00"))
    world.opportunity(account, people["ae"], 800, at("2026-02-05 09:00"), lead_id=leads[0], stage="closed_won",
                      closed_at=at("2026-03-05 09:00"))
    row = one(metrics.campaign_performance(Q1), campaign="Organic, no spend")
    assert (row.mqls, row.sqls, row.won_revenue) == (2, 1, 800)
    assert row.cost_per_mql != row.cost_per_mql  # NaN, not 0
    assert row.cost_per_sql != row.cost_per_sql
    assert row.roi != row.roi


def test_campaign_without_an_end_date_is_still_running(world, people):
    """A campaign with no end date (end_date null: always-on) overlaps every period from its start
    on; it used to be read as a one-day campaign on its start date and vanished after it."""
    account = people["account"]
    evergreen = world.campaign("content", spend=1200, start=date(2025, 6, 1), end=None, name="Evergreen guide")
    world.campaign("event", spend=500, start=date(2025, 6, 1), end=date(2025, 6, 1), name="One-day fair")
    world.campaign("content", spend=100, start=date(2026, 4, 1), end=None, name="Starts after Q1")
    lead = world.lead(at("2026-02-01 09:00"), account, source="content", campaign_id=evergreen)
    world.event(lead, "mql", at("2026-02-02 09:00"))
    got = metrics.campaign_performance(Q1)
    assert list(got["campaign"]) == ["Evergreen guide"]
    assert one(got, campaign="Evergreen guide").cost_per_mql == 1200


def test_campaign_sqls_are_leads_that_reached_sql_like_the_funnel(world, people):
    """SQL is a stage of the lead (its first opportunity): a lead with two opportunities is one
    SQL, in cost per SQL as in the funnel. Revenue still sums every won opportunity."""
    account = people["account"]
    camp = world.campaign("webinar", spend=900, name="Webinar")
    leads = [world.lead(at("2026-02-01 09:00"), account, campaign_id=camp) for _ in range(3)]
    for lead in leads:
        world.event(lead, "mql", at("2026-02-02 09:00"))
    world.opportunity(account, people["ae"], 1000, at("2026-02-05 09:00"), lead_id=leads[0], stage="closed_won",
                      closed_at=at("2026-03-01 09:00"))
    world.opportunity(account, people["ae"], 500, at("2026-02-20 09:00"), lead_id=leads[0], stage="closed_won",
                      closed_at=at("2026-03-10 09:00"))
    world.opportunity(account, people["ae"], 300, at("2026-02-06 09:00"), lead_id=leads[1])
    for filters in (Filters(), Filters(tiers=[1])):  # both read paths (campaign index / lead scope)
        row = one(metrics.campaign_performance(Q1, filters), campaign="Webinar")
        funnel = metrics.funnel(Q1, Filters(campaign_ids=[camp], tiers=filters.tiers))
        assert row.sqls == one(funnel, stage="SQL").reached == 2
        assert row.cost_per_sql == 450
        assert row.won_revenue == 1500 and row.roi == pytest.approx(1500 / 900)


def test_campaign_spend_is_allocated_to_a_tier_by_its_share_of_the_campaigns_leads(world, people):
    """QA: under a tier filter the whole spend was divided by the tier's MQLs (Tier 1 cost 4x the
    overall per MQL). Each tier now gets spend × its leads ÷ the campaign's leads, and the tiers'
    allocated spends add up to the whole spend."""
    tier1, tier3 = people["account"], world.account(tier=3, industry="Retail", country="DE", region="EMEA")
    camp = world.campaign("webinar", spend=900, name="Webinar")
    leads = [world.lead(at("2026-02-01 09:00"), account, campaign_id=camp) for account in (tier1, tier1, tier3)]
    for lead in leads:
        world.event(lead, "mql", at("2026-02-02 09:00"))
    world.opportunity(tier1, people["ae"], 1200, at("2026-02-05 09:00"), lead_id=leads[0], stage="closed_won",
                      closed_at=at("2026-03-05 09:00"))
    world.opportunity(tier3, people["ae"], 300, at("2026-02-05 09:00"), lead_id=leads[2])
    whole = one(metrics.campaign_performance(Q1), campaign="Webinar")
    assert (whole.spend, whole.allocated_spend, whole.spend_allocated) == (900, 900, False)
    assert (whole.cost_per_mql, whole.cost_per_sql, whole.roi) == (300, 450, pytest.approx(1200 / 900))
    first = one(metrics.campaign_performance(Q1, Filters(tiers=[1])), campaign="Webinar")
    third = one(metrics.campaign_performance(Q1, Filters(tiers=[3])), campaign="Webinar")
    assert (first.spend, first.allocated_spend, first.spend_allocated) == (900, 600, True)
    assert (first.mqls, first.cost_per_mql, first.cost_per_sql, first.roi) == (2, 300, 600, 2)
    assert (third.allocated_spend, third.cost_per_mql, third.cost_per_sql, third.roi) == (300, 300, 300, 0)
    assert first.allocated_spend + third.allocated_spend == whole.spend
    # every segment filter and the owner and team filters cut the same way; a third of 900 each
    germany = one(metrics.campaign_performance(Q1, Filters(countries=["DE"])), campaign="Webinar")
    assert germany.allocated_spend == 300 and germany.leads == 1
    world.execute("update lead set marketer_id = :m where id = :l", {"m": people["mkt"], "l": leads[1]})
    owned = one(metrics.campaign_performance(Q1, Filters(owner_ids=[people["mkt"]])), campaign="Webinar")
    assert (owned.leads, owned.allocated_spend, owned.spend_allocated) == (1, 300, True)
    # the source and campaign filters choose whole campaigns: nothing is allocated
    for filters in (Filters(sources=["webinar"]), Filters(campaign_ids=[camp])):
        row = one(metrics.campaign_performance(Q1, filters), campaign="Webinar")
        assert (row.allocated_spend, row.spend_allocated, row.cost_per_mql) == (900, False, 300)


def test_campaign_allocation_edges_no_leads_no_spend_no_leads_in_the_filter(world, people):
    """A campaign with no leads keeps its whole spend unfiltered (a return of 0, no cost per MQL)
    and under the source or campaign filters, and is allocated nothing under a segment filter (no
    cost, no return). Zero spend allocates zero. A campaign whose leads all fall outside the
    filter is still listed, with nothing allocated and nothing to divide."""
    tier1 = people["account"]
    empty = world.campaign("event", spend=500, name="No leads yet")
    free = world.campaign("webinar", spend=0, name="Free")
    elsewhere = world.campaign("webinar", spend=400, name="Only tier 1")
    for camp in (free, elsewhere):
        lead = world.lead(at("2026-02-01 09:00"), tier1, campaign_id=camp)
        world.event(lead, "mql", at("2026-02-02 09:00"))

    unfiltered = metrics.campaign_performance(Q1)
    row = one(unfiltered, campaign="No leads yet")
    assert (row.leads, row.allocated_spend, row.roi) == (0, 500, 0) and row.cost_per_mql != row.cost_per_mql
    for filters in (Filters(sources=["event"]), Filters(campaign_ids=[empty])):
        row = one(metrics.campaign_performance(Q1, filters), campaign="No leads yet")
        assert (row.allocated_spend, row.spend_allocated, row.roi) == (500, False, 0)
    row = one(unfiltered, campaign="Free")
    assert row.allocated_spend == 0 and row.roi != row.roi and row.cost_per_mql != row.cost_per_mql

    tier3 = metrics.campaign_performance(Q1, Filters(tiers=[3]))
    assert sorted(tier3["campaign"]) == ["Free", "No leads yet", "Only tier 1"]   # every campaign still listed
    for name in ("No leads yet", "Free", "Only tier 1"):
        row = one(tier3, campaign=name)
        assert (row.leads, row.mqls, row.allocated_spend, bool(row.spend_allocated)) == (0, 0, 0, True), name
        assert row.cost_per_mql != row.cost_per_mql and row.roi != row.roi, name   # NaN: nothing to divide
    tier1_rows = metrics.campaign_performance(Q1, Filters(tiers=[1]))
    assert one(tier1_rows, campaign="Only tier 1").allocated_spend == 400    # all its leads: all its spend
    assert one(tier1_rows, campaign="Free").allocated_spend == 0
    assert one(tier1_rows, campaign="No leads yet").allocated_spend == 0


def test_touch_vs_window_measures_against_the_window_in_force_at_handoff(world, people):
    """Without a policy the deadline comes from the company default in force at the hand-off
    (test_deadline_uses_the_setting_in_force_at_handoff). The touch-vs-window bands, the
    scorecard's bands and the breach list's window must use that same window, not today's
    setting: a lead touched at 50 of its 60 minutes is in the 75-100 % band, not 0-25 % of 240."""
    world.setting("sla_first_touch_minutes", 60)
    start = at("2026-02-02 09:00")
    met, late = (world.lead(start - timedelta(hours=1), people["account"]) for _ in range(2))
    world.hand_off(met, start, people["sdr"])
    world.hand_off(late, start, people["sdr"])
    world.touch(met, start + timedelta(minutes=50), people["sdr"])
    world.touch(late, start + timedelta(minutes=100), people["sdr"])
    world.setting("sla_first_touch_minutes", 240)  # the company later relaxes its default

    bands = sla.touch_vs_window(Q1, as_of=AS_OF).set_index("band")["handoffs"]
    assert bands[2] == 0 and bands[3] == 1   # 50 / 60 = 0.83: the 75-100 % band
    assert bands[5] == 1                     # 100 / 60 = 1.67: the 150-200 % band
    assert list(sla.scorecard(Q1, as_of=AS_OF).bands["handoffs"]) == list(sla.touch_vs_window(Q1, as_of=AS_OF)
                                                                          ["handoffs"])
    users.create(None, UserInput("sdr-audit", "SDR", "sdr-audit@example.com", ["sdr"], team_id=None,
                                 rep_id=people["sdr"]), "a long enough password 1")
    breach = sla.rep_breaches(users.by_username("sdr-audit"), Q1, as_of=AS_OF)
    assert list(breach["window_minutes"]) == [60]
