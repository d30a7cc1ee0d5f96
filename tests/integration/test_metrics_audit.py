"""An audit of the metric layer against the shared definitions (/work/shared/metrics.md): hand-built
rows on real PostgreSQL, written through the real triggers, for the edge cases the other metric
tests leave open. Each expected number is worked out by hand in the test, from the definition."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queries import metrics
from queries.filters import Filters
from queries.periods import Period
from tests.factories import at, one

NY = ZoneInfo("America/New_York")
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31), "UTC")
Q2 = Period(date(2026, 4, 1), date(2026, 6, 30), "UTC")
AS_OF = at("2026-07-01 00:00")


@pytest.fixture
def people(world):
    sdr_team = world.team("sales_development", code="sdr")
    ae_team = world.team("sales", code="sales")
    return {
        "sdr": world.rep(sdr_team, "Sam SDR"),
        "ae": world.rep(ae_team, "Ada AE"),
        "account": world.account(tier=1),
    }


# --------------------------------------------------------------------------- opportunity metrics


def test_sales_cycle_is_the_median_over_deals_won_in_the_period_only(world, people):
    """Sales cycle = median days from created to closed-won, deals won in the period: a lost deal
    (100 days) and a deal won after the period (1 day) are not in it; fractions of a day count
    (36 h = 1.5 days); an even count takes the mean of the two middle values: (1.5 + 10) / 2."""
    account, ae = people["account"], people["ae"]
    world.opportunity(account, ae, 100, at("2026-02-01 00:00"), stage="closed_won", closed_at=at("2026-02-02 12:00"))
    world.opportunity(account, ae, 200, at("2025-12-25 09:00"), stage="closed_won", closed_at=at("2026-01-04 09:00"))
    world.opportunity(account, ae, 400, at("2025-11-01 09:00"), stage="closed_lost", closed_at=at("2026-02-09 09:00"),
                      lost_reason="price")
    world.opportunity(account, ae, 800, at("2026-03-30 09:00"), stage="closed_won", closed_at=at("2026-04-01 09:00"))
    deals = metrics.closed_deals(Q1).iloc[0]
    assert deals.median_cycle_days == pytest.approx(5.75)
    assert (deals.won, deals.lost, deals.revenue) == (2, 1, 300)


def test_win_rate_counts_closed_deals_only_by_close_date(world, people):
    """Win rate = won ÷ (won + lost), by close date: deals still open, or created in the period and
    closed after it, are not in the denominator (won ÷ all opportunities would read 1 ÷ 4)."""
    account, ae = people["account"], people["ae"]
    world.opportunity(account, ae, 100, at("2026-01-10 09:00"), stage="closed_won", closed_at=at("2026-02-10 09:00"))
    world.opportunity(account, ae, 100, at("2026-01-10 09:00"), stage="closed_lost", closed_at=at("2026-02-11 09:00"),
                      lost_reason="price")
    world.opportunity(account, ae, 100, at("2026-01-10 09:00"))                                  # open
    world.opportunity(account, ae, 100, at("2026-01-10 09:00"), stage="closed_won", closed_at=at("2026-04-10 09:00"))
    q1 = metrics.closed_deals(Q1).iloc[0]
    assert (q1.won, q1.lost) == (1, 1) and q1.win_rate == pytest.approx(0.5)
    q2 = metrics.closed_deals(Q2).iloc[0]
    assert (q2.won, q2.lost, q2.win_rate) == (1, 0, 1.0)


def test_revenue_follows_the_company_time_zone_across_a_dst_day(world, people):
    """Revenue by close date in the company zone: 8 March 2026 in New York has 23 hours; a deal
    closed at 23:30 local on 7 March (04:30 UTC on the 8th) is the 7th's, one closed at 23:30 local
    on the 8th (03:30 UTC on the 9th) is the 8th's."""
    account, ae = people["account"], people["ae"]
    for amount, closed in ((1, at("2026-03-07 23:30", NY)), (10, at("2026-03-08 00:00", NY)),
                           (100, at("2026-03-08 23:30", NY)), (1000, at("2026-03-09 00:00", NY))):
        world.opportunity(account, ae, amount, closed - timedelta(days=5), stage="closed_won", closed_at=closed)
    day = Period(date(2026, 3, 8), date(2026, 3, 8), "America/New_York")
    assert metrics.closed_deals(day).iloc[0].revenue == 110
    week = Period(date(2026, 3, 2), date(2026, 3, 15), "America/New_York")
    by_day = metrics.closed_deals(week, grain="day").set_index("bucket")["revenue"].to_dict()
    assert by_day == {datetime(2026, 3, 7): 1, datetime(2026, 3, 8): 110, datetime(2026, 3, 9): 1000}
    assert metrics.closed_deals(Period(date(2026, 3, 8), date(2026, 3, 8), "UTC")).iloc[0].revenue == 1 + 10


def test_open_pipeline_at_the_instant_of_creation_and_of_closing(world, people):
    """Open at as_of = created at or before it and not closed by then: a deal created at as_of is
    open, one closed at as_of is not, one closed a moment later still is (at its current amount)."""
    account, ae = people["account"], people["ae"]
    moment = at("2026-02-01 12:00")
    world.opportunity(account, ae, 1, moment)                                                  # created at as_of
    world.opportunity(account, ae, 10, moment + timedelta(microseconds=1))                     # created after
    world.opportunity(account, ae, 100, at("2026-01-01 09:00"), stage="closed_won", closed_at=moment)
    world.opportunity(account, ae, 1000, at("2026-01-01 09:00"), stage="closed_lost",
                      closed_at=moment + timedelta(seconds=1), lost_reason="price")
    row = metrics.open_pipeline(moment).iloc[0]
    assert (row.opportunities, row.amount) == (2, 1001)


def test_coverage_inputs_at_the_edges_of_the_period(world, people):
    """Coverage's numerator: open at as_of with the expected close date in the period (the last day
    included, the next day not; a deal created after as_of or closed by then left out, a deal won
    after as_of still open). Its won-so-far: closed-won in the period by as_of, whatever its
    expected close date."""
    account, ae = people["account"], people["ae"]
    as_of = at("2026-02-15 00:00")
    opp = world.opportunity
    opp(account, ae, 1, at("2026-01-05 09:00"), expected_close=date(2026, 3, 31))            # last day: in
    opp(account, ae, 2, at("2026-01-05 09:00"), expected_close=date(2026, 4, 1))             # next day: out
    opp(account, ae, 4, at("2026-01-05 09:00"), expected_close=date(2026, 1, 1))             # first day: in
    opp(account, ae, 8, at("2026-02-20 09:00"), expected_close=date(2026, 3, 1))             # after as_of: out
    opp(account, ae, 16, at("2026-01-05 09:00"), expected_close=date(2026, 3, 1), stage="closed_won",
        closed_at=at("2026-03-01 09:00"))                                                      # won later: open
    opp(account, ae, 32, at("2026-01-05 09:00"), expected_close=date(2026, 3, 1), stage="closed_lost",
        closed_at=at("2026-02-01 09:00"), lost_reason="price")                                 # lost: out
    opp(account, ae, 64, at("2025-12-01 09:00"), expected_close=date(2025, 12, 31), stage="closed_won",
        closed_at=at("2026-02-14 23:59"))                                                      # won so far
    opp(account, ae, 128, at("2025-12-01 09:00"), expected_close=date(2025, 12, 31), stage="closed_won",
        closed_at=at("2025-12-31 23:59"))                                                      # won last year
    row = metrics.coverage_inputs(Q1, as_of=as_of).iloc[0]
    assert (row.open_in_period, row.won_so_far) == (1 + 4 + 16, 64)


def test_marketing_sourced_is_by_first_touch_channel_and_adds_up(world, people):
    """Marketing-sourced = the originating lead's first-touch channel is a marketing one: webinar
    and paid search are, partner / referral / SDR outbound are not, nor are lead-less deals. Each
    deal counts once, so the split by source adds up to the total."""
    account, ae = people["account"], people["ae"]
    amounts = {"webinar": 1, "paid_search": 2, "partner": 4, "referral": 8, "sdr_outbound": 16, None: 32}
    for source, amount in amounts.items():
        lead = world.lead(at("2026-01-02 09:00"), account, source=source) if source else None
        world.opportunity(account, ae, amount, at("2026-01-10 09:00"), stage="closed_won",
                          closed_at=at("2026-02-10 09:00"), lead_id=lead)
    deals = metrics.closed_deals(Q1).iloc[0]
    assert (deals.revenue, deals.marketing_sourced_revenue) == (63, 3)
    created = metrics.pipeline_created(Q1).iloc[0]
    assert (created.amount, created.marketing_sourced_amount, created.marketing_sourced_opportunities) == (63, 3, 2)
    by_source = metrics.closed_deals(Q1, dim="source")
    assert by_source.revenue.sum() == 63 and by_source.marketing_sourced_revenue.sum() == 3
    assert one(by_source, dim_key="none").revenue == 32


# --------------------------------------------------------------------------- lead metrics


def test_mqls_delivered_counts_a_lead_once_per_period_and_once_per_bucket(world, people):
    """A lead that qualifies twice in one quarter (recycled and re-qualified) is one MQL of the
    quarter but one in each month it qualified in; a lead whose first MQL was before the period and
    that qualifies again in it counts in it. The pace chart's per-day counts (each lead on its first
    MQL day in the period) add up to the period's total."""
    account = people["account"]
    twice, before, once = (world.lead(at("2025-12-01 09:00"), account) for _ in range(3))
    world.event(twice, "mql", at("2026-01-10 09:00"))
    world.event(twice, "mql", at("2026-03-10 09:00"))
    world.event(before, "mql", at("2025-12-15 09:00"))
    world.event(before, "mql", at("2026-03-10 09:00"))
    world.event(once, "mql", at("2026-02-10 09:00"))
    assert list(metrics.mqls_delivered(Q1)["mqls"]) == [3]
    by_month = metrics.mqls_delivered(Q1, grain="month").set_index("bucket")["mqls"].to_dict()
    assert by_month == {datetime(2026, 1, 1): 1, datetime(2026, 2, 1): 1, datetime(2026, 3, 1): 2}
    days = metrics.mql_first_days(Q1)
    assert days["mqls"].sum() == 3
    assert days.set_index("bucket")["mqls"].to_dict() == {datetime(2026, 1, 10): 1, datetime(2026, 2, 10): 1,
                                                          datetime(2026, 3, 10): 1}


def test_a_touch_after_as_of_is_not_a_touch_yet(world, people):
    """Time to first touch as of a moment: a hand-off touched after as_of is untouched then, and its
    minutes are not in the median or p90; a touch at the hand-off's own instant is 0 minutes."""
    start = at("2026-02-02 09:00")
    leads = [world.lead(start - timedelta(hours=1), people["account"]) for _ in range(3)]
    for lead in leads:
        world.hand_off(lead, start, people["sdr"])
    world.touch(leads[0], start, people["sdr"])                               # 0 minutes
    world.touch(leads[1], start + timedelta(minutes=20), people["sdr"])       # 20 minutes
    world.touch(leads[2], start + timedelta(minutes=500), people["sdr"])      # after as_of below
    row = metrics.first_touch(Q1, as_of=start + timedelta(minutes=30)).iloc[0]
    assert (row.handed_off, row.touched, row.untouched) == (3, 2, 1)
    assert (row.median_minutes, row.p90_minutes) == (pytest.approx(10), pytest.approx(18))
    row = metrics.first_touch(Q1, as_of=AS_OF).iloc[0]
    assert (row.touched, row.untouched, row.median_minutes) == (3, 0, pytest.approx(20))


def test_touch_bands_start_at_their_lower_edge(world, people):
    """The first-touch distribution's bands are [lower, upper): a touch at exactly 5 minutes is in
    the 5-15 band, at 4 minutes in the < 5 band, at 3 days (4320) in the last band."""
    start = at("2026-02-02 09:00")
    for minutes in (4, 5, 4320):
        lead = world.lead(start - timedelta(hours=1), people["account"])
        world.hand_off(lead, start, people["sdr"])
        world.touch(lead, start + timedelta(minutes=minutes), people["sdr"])
    bands = metrics.first_touch_distribution(Q1, as_of=AS_OF).set_index("band")
    counts = bands["handoffs"].to_dict()
    assert counts[0] == 1 and counts[1] == 1 and counts[len(metrics.TOUCH_BANDS)] == 1
    assert bands.loc[1, "lower_minutes"] == 5 and bands.loc[len(metrics.TOUCH_BANDS), "lower_minutes"] == 4320
    assert sum(counts.values()) == 3


def test_rejection_reasons_follow_the_hand_off_cohort_not_the_rejection_date(world, people):
    """A lead handed off on 31 March and rejected on 2 April is a Q1 rejection (its hand-off
    cohort), so Q1's reasons add up to Q1's "rejected" beside the acceptance rate; Q2 has none."""
    lead = world.lead(at("2026-03-30 09:00"), people["account"])
    world.hand_off(lead, at("2026-03-31 22:00"), people["sdr"])
    world.decide(lead, "rejected", at("2026-04-02 09:00"), people["sdr"], reason="no_budget")
    q1 = metrics.rejection_reasons(Q1, as_of=AS_OF)
    assert list(q1["reason"]) == ["no_budget"] and list(q1["rejected"]) == [1]
    assert metrics.acceptance(Q1, as_of=AS_OF).iloc[0].rejected == q1["rejected"].sum()
    assert metrics.rejection_reasons(Q2, as_of=AS_OF).empty
    assert metrics.acceptance(Q2, as_of=AS_OF).empty
    # As of the end of Q1 the same hand-off was still awaiting a decision.
    end_q1 = metrics.acceptance(Q1, as_of=Q1.end_at).iloc[0]
    assert (end_q1.rejected, end_q1.awaiting) == (0, 1)
    assert metrics.rejection_reasons(Q1, as_of=Q1.end_at).empty


def test_funnel_cohort_is_the_creation_date_in_the_company_time_zone(world, people):
    """The funnel's cohort is the lead's creation in the company zone: a lead created 23:30 on
    31 March in New York (03:30 UTC, 1 April) is a Q1 lead there, with its later stages (reached
    in April) counted as reached; a lead created in Q1 that reaches nothing still counts as created."""
    account = people["account"]
    late = world.lead(at("2026-03-31 23:30", NY), account)
    world.lead(at("2026-02-01 09:00", NY), account)                      # reaches nothing
    world.hand_off(late, at("2026-04-03 09:00", NY), people["sdr"])
    world.decide(late, "accepted", at("2026-04-03 10:00", NY), people["sdr"])
    q1_ny = Period(date(2026, 1, 1), date(2026, 3, 31), "America/New_York")
    funnel = metrics.funnel(q1_ny)
    assert list(funnel["reached"]) == [2, 1, 1, 0, 0]
    assert list(funnel["cumulative_rate"]) == pytest.approx([1, 0.5, 0.5, 0, 0])
    assert list(metrics.funnel(Q1)["reached"]) == [1, 0, 0, 0, 0]          # the UTC quarter


def test_campaign_attribution_is_lifetime_and_counts_each_lead_once(world, people):
    """Cost per MQL / SQL and ROI: a campaign's leads that became MQLs whenever they did (one before
    the period, one qualifying twice: one MQL each), its leads with an opportunity, and revenue won
    from them even after the period. A campaign that ended the day before the period is not shown;
    one ending on its first day is."""
    account, ae = people["account"], people["ae"]
    camp = world.campaign("webinar", spend=600, start=date(2025, 10, 1), end=date(2026, 1, 1), name="Autumn")
    world.campaign("webinar", spend=50, start=date(2025, 10, 1), end=date(2025, 12, 31), name="Ended")
    early, twice, none = (world.lead(at("2025-11-01 09:00"), account, campaign_id=camp) for _ in range(3))
    world.event(early, "mql", at("2025-11-02 09:00"))
    world.event(twice, "mql", at("2026-01-01 09:00"))
    world.event(twice, "mql", at("2026-02-01 09:00"))
    world.opportunity(account, ae, 1200, at("2026-02-05 09:00"), lead_id=twice, stage="closed_won",
                      closed_at=at("2026-05-05 09:00"))
    got = metrics.campaign_performance(Q1)
    assert list(got["campaign"]) == ["Autumn"]
    row = one(got, campaign="Autumn")
    assert (row.leads, row.mqls, row.sqls, row.won_revenue) == (3, 2, 1, 1200)
    assert (row.cost_per_mql, row.cost_per_sql, row.roi) == (300, 600, 2)


def test_a_campaign_filter_leaves_out_deals_without_a_lead(world, people):
    """Opportunities without a lead have no source or campaign: under a campaign or source filter
    they drop out of every opportunity metric; without one they are counted."""
    account, ae = people["account"], people["ae"]
    camp = world.campaign("webinar", spend=100, name="Webinar")
    lead = world.lead(at("2026-01-02 09:00"), account, campaign_id=camp)
    world.opportunity(account, ae, 10, at("2026-01-10 09:00"), lead_id=lead)
    world.opportunity(account, ae, 20, at("2026-01-10 09:00"))
    assert metrics.pipeline_created(Q1).iloc[0].amount == 30
    assert metrics.open_pipeline(AS_OF).iloc[0].amount == 30
    for filters in (Filters(campaign_ids=[camp]), Filters(sources=["webinar"])):
        assert metrics.pipeline_created(Q1, filters).iloc[0].amount == 10
        assert metrics.open_pipeline(AS_OF, filters).iloc[0].amount == 10


# --------------------------------------------------------------------------- pages name the metric as docs/metrics.md does


@pytest.mark.one_backend
def test_pages_say_time_to_first_touch_is_in_business_minutes_where_the_policy_says_so(world, people, monkeypatch):
    """docs/metrics.md: minutes to first touch are business minutes when the hand-off's SLA policy
    counts business hours (every demo policy does). The scoreboard tile and the definitions page
    said only "time from hand-off to a rep's first call ...", read as wall-clock time."""
    from queries import users
    from queries.users import UserInput
    from tests.apptest import open_page

    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-02-02 09:00"), people["sdr"])
    world.touch(lead, at("2026-02-02 09:40"), people["sdr"])
    users.create(None, UserInput("executive", "Eve Executive", "eve@example.com", ["executive"]),
                 "correct horse battery")

    board = open_page("executive", "scoreboard", query={"period": "custom", "from": "2026-01-01", "to": "2026-03-31"})
    tile = {m.label: m for m in board.metric}["Median first touch"]
    assert tile.value == "40 min"
    assert "business minutes where the lead's SLA policy counts business hours" in tile.proto.help
    assert "Handed off: hand-offs to sales" in {m.label: m for m in board.metric}["MQLs delivered"].proto.help

    definitions = open_page("executive", "definitions")
    text = " ".join(m.value for m in definitions.markdown)
    assert "**Median first touch**" in text
    assert "in business minutes where the lead's SLA policy counts business hours" in text


# --------------------------------------------------------------------------- more boundaries


def test_fall_back_day_has_25_hours_and_its_repeated_hour_belongs_to_it(world, people):
    """1 November 2026 (US fall back) has 25 hours in New York: 01:30 happens twice (05:30 and 06:30
    UTC), both on the 1st; 23:59 local (04:59 UTC on the 2nd) is still the 1st; 00:00 on the 2nd is
    not. Every hand-off metric and the day buckets agree."""
    day = Period(date(2026, 11, 1), date(2026, 11, 1), "America/New_York")
    assert day.end_at - day.start_at == timedelta(hours=25)
    moments = {"edt 01:30": at("2026-11-01 05:30"), "est 01:30": at("2026-11-01 06:30"),
               "last minute": at("2026-11-02 04:59"), "next day": at("2026-11-02 05:00"),
               "day before": at("2026-11-01 03:59")}
    for moment in moments.values():
        lead = world.lead(moment - timedelta(minutes=5), people["account"])
        world.hand_off(lead, moment, people["sdr"])
        world.touch(lead, moment + timedelta(minutes=10), people["sdr"])
    as_of = at("2026-12-01 00:00")
    assert metrics.acceptance(day, as_of=as_of).iloc[0].handed_off == 3
    touch = metrics.first_touch(day, as_of=as_of).iloc[0]
    assert (touch.handed_off, touch.touched, touch.median_minutes) == (3, 3, pytest.approx(10))
    assert metrics.sla_compliance(day, as_of=as_of).iloc[0].met == 3
    assert list(metrics.mqls_delivered(day)["mqls"]) == [3]
    around = Period(date(2026, 10, 31), date(2026, 11, 2), "America/New_York")
    by_day = metrics.acceptance(around, grain="day", as_of=as_of).set_index("bucket")["handed_off"].to_dict()
    assert by_day == {datetime(2026, 10, 31): 1, datetime(2026, 11, 1): 3, datetime(2026, 11, 2): 1}


def test_rates_without_a_denominator_are_empty_not_zero(world, people):
    """docs/metrics.md: a rate with no denominator is "—", never 0 %. A cohort whose one lead never
    qualified: its MQL step rate is 0 ÷ 1 = 0, every later step rate has no denominator. A period
    whose deals are all open has no win rate row; hand-offs all pending have no compliance rate."""
    world.lead(at("2026-02-01 09:00"), people["account"])
    funnel = metrics.funnel(Q1)
    assert list(funnel["reached"]) == [1, 0, 0, 0, 0]
    assert funnel["step_rate"].iloc[1] == 0
    assert funnel["step_rate"].iloc[2:].isna().all() and funnel["step_rate"].iloc[0] != funnel["step_rate"].iloc[0]
    assert list(funnel["cumulative_rate"]) == [1, 0, 0, 0, 0]
    world.opportunity(people["account"], people["ae"], 100, at("2026-02-01 09:00"))
    assert metrics.closed_deals(Q1).empty
    lead = world.lead(at("2026-02-01 09:00"), people["account"])
    world.hand_off(lead, at("2026-03-31 23:00"), people["sdr"])
    row = metrics.sla_compliance(Q1, as_of=at("2026-03-31 23:30")).iloc[0]
    assert (row.pending, row.met, row.breached) == (1, 0, 0) and row.compliance_rate != row.compliance_rate


def test_breakdowns_add_up_to_the_total(world, people):
    """docs/metrics.md: a breakdown's counts add up to the total (by owner after a reassignment, by
    campaign with leads that have none, by tier and team), and a rate is recomputed per group."""
    other_team = world.team("sales_development", code="sdr_emea")
    emea = world.rep(other_team, "Eli EMEA")
    camp = world.campaign("webinar", name="Webinar")
    tier3 = world.account(tier=3)
    plan = [(people["account"], camp, people["sdr"], "accepted"), (people["account"], None, people["sdr"], "rejected"),
            (tier3, camp, emea, "accepted"), (tier3, None, emea, None)]
    for account, campaign, owner, decision in plan:
        lead = world.lead(at("2026-02-01 09:00"), account, campaign_id=campaign)
        world.hand_off(lead, at("2026-02-02 09:00"), owner)
        if decision:
            world.decide(lead, decision, at("2026-02-02 10:00"), owner, reason="bad_fit" if decision == "rejected"
                         else None)
    lead = world.lead(at("2026-02-01 09:00"), tier3)
    world.hand_off(lead, at("2026-02-03 09:00"), people["sdr"])
    world.event(lead, "reassigned", at("2026-02-03 10:00"), owner_id=emea)   # counted under its new owner
    total = metrics.acceptance(Q1, as_of=AS_OF).iloc[0]
    assert (total.handed_off, total.accepted, total.rejected, total.awaiting) == (5, 2, 1, 2)
    for dim in ("owner", "team", "campaign", "tier", "source"):
        parts = metrics.acceptance(Q1, dim=dim, as_of=AS_OF)
        assert parts[["handed_off", "accepted", "rejected", "awaiting"]].sum().tolist() == [5, 2, 1, 2], dim
        assert (parts.acceptance_rate == parts.accepted / parts.handed_off).all(), dim
    by_owner = metrics.acceptance(Q1, dim="owner", as_of=AS_OF).set_index("dim_label")
    assert by_owner.handed_off.to_dict() == {"Eli EMEA": 3, "Sam SDR": 2}
    assert by_owner.acceptance_rate.to_dict() == {"Eli EMEA": pytest.approx(1 / 3), "Sam SDR": pytest.approx(0.5)}
    by_campaign = metrics.acceptance(Q1, dim="campaign", as_of=AS_OF).set_index("dim_label").handed_off.to_dict()
    assert by_campaign == {"No campaign": 3, "Webinar": 2}


def test_the_opportunities_goal_metric_is_not_called_sqls(world, people):
    """docs/metrics.md: an SQL is a lead with an opportunity (the funnel, cost per SQL: a lead with
    two deals is one SQL; a sales-created deal is none). The goal metric "Opportunities created"
    counts every opportunity, so it must not be named after SQLs: here 3 opportunities, 1 SQL."""
    from queries import goals

    account, ae = people["account"], people["ae"]
    lead = world.lead(at("2026-01-05 09:00"), account)
    world.opportunity(account, ae, 10, at("2026-01-10 09:00"), lead_id=lead)
    world.opportunity(account, ae, 20, at("2026-02-10 09:00"), lead_id=lead)
    world.opportunity(account, ae, 30, at("2026-02-10 09:00"))
    spec = goals.METRICS["opportunities_created"]
    value = getattr(metrics, spec.source)(Q1).iloc[0][spec.value]
    sqls = one(metrics.funnel(Q1), stage="SQL").reached
    assert (value, sqls) == (3, 1)
    assert "SQL" not in spec.label and "SQL" not in spec.help
    assert "without a lead" in spec.help


@pytest.mark.one_backend
def test_weekly_review_names_its_rejections_by_hand_off_week(world, people, monkeypatch):
    """Rejection reasons count the rejected hand-offs of the period (hand-off cohort), so the weekly
    review's table holds this week's hand-offs rejected so far, beside the "Rejected" tile: a lead
    handed off nine days ago and rejected today is last week's. The heading says so."""
    from datetime import timezone

    from queries import users
    from queries.users import UserInput
    from tests.apptest import open_page

    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for handed, reason in ((now - timedelta(days=9), "no_budget"), (now - timedelta(hours=2), "bad_fit")):
        lead = world.lead(handed - timedelta(hours=1), people["account"])
        world.hand_off(lead, handed, people["sdr"])
        world.decide(lead, "rejected", now - timedelta(hours=1), people["sdr"], reason=reason)
    users.create(None, UserInput("executive", "Eve Executive", "eve@example.com", ["executive"]),
                 "correct horse battery")
    page = open_page("executive", "feedback")
    assert {m.label: m for m in page.metric}["Rejected"].value == "1"
    assert any(m.value == "**Why sales rejected this week's hand-offs**" for m in page.markdown)
    table = next(d.value for d in page.dataframe if "Reason" in d.value.columns)
    assert table["Reason"].tolist() == ["Bad fit"] and table["Rejected"].tolist() == [1]
