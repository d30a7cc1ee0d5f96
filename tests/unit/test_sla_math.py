"""Pace against a commitment and the status of each half of the SLA (queries/sla_math.py)."""

import pytest

from queries.sla_math import STATUS_LABELS, rate_status, sales_side_status, volume_pace


def test_volume_pace_projects_the_run_rate():
    p = volume_pace(delivered=300, committed=900, elapsed_share=0.25)
    assert p.expected_by_now == 225 and p.projected == 1200 and p.status == "on_track"
    assert p.vs_pace == pytest.approx(300 / 225 - 1)
    assert volume_pace(190, 900, 0.25).status == "off_track"    # projects 760 < 810
    assert volume_pace(205, 900, 0.25).status == "at_risk"      # projects 820 ≥ 810
    assert volume_pace(900, 900, 1.0).status == "on_track"       # exactly met at the end


def test_volume_pace_edges():
    assert volume_pace(0, 900, 0.0).status == "pending"
    assert volume_pace(10, 900, -1).elapsed_share == 0
    assert volume_pace(10, 0, 0.5).status == "on_track"          # nothing committed
    assert volume_pace(450, 900, 1.7).elapsed_share == 1.0       # clamped after the period
    assert volume_pace(0, 900, 0.0).vs_pace is None


@pytest.mark.parametrize("rate,target,status", [
    (0.91, 0.90, "on_track"), (0.90, 0.90, "on_track"), (0.86, 0.90, "at_risk"), (0.85, 0.90, "at_risk"),
    (0.84, 0.90, "off_track"), (None, 0.9, "pending"), (0.5, None, "pending"), (float("nan"), 0.9, "pending"),
])
def test_rate_status(rate, target, status):
    assert rate_status(rate, target) == status


def test_open_summary_counts_as_the_open_list_does():
    from datetime import datetime, timezone

    import pandas as pd

    from components.sla_views import BACKLOG_DAYS, open_summary, split_backlog

    now = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    hour = pd.Timedelta(hours=1)
    t = pd.Timestamp(now)
    old = t - pd.Timedelta(days=BACKLOG_DAYS + 1)
    frame = pd.DataFrame({   # due soon, overdue by an hour, overdue by 3 h, two in the backlog
        "decide_due_at": [t + 5 * hour, t - hour, pd.NaT, old, old - hour],
        "touch_due_at": [t + 2 * hour, pd.NaT, t - 3 * hour, pd.NaT, old],
    })
    frame["next_due_at"] = frame[["decide_due_at", "touch_due_at"]].min(axis=1)
    live, backlog = split_backlog(frame, now)
    assert (len(live), len(backlog)) == (3, 2)
    # the total overdue in brackets; after the colon, the open ones split (3 + 2 = 5)
    frame["status"] = ["awaiting", "awaiting", "accepted", "awaiting", "accepted"]
    assert open_summary(frame, now) == ("5 open hand-offs (4 overdue): 3 to act on (2 overdue), 2 in the backlog "
                                        f"(overdue for more than {BACKLOG_DAYS} days); the next deadline in 2 h. "
                                        "Of them, 3 await a decision and 2 were accepted but not contacted yet.")
    assert open_summary(frame.iloc[:3], now) == ("3 open hand-offs to act on (2 overdue); the next deadline in 2 h. "
                                                 "Of them, 2 await a decision and 1 was accepted but not contacted "
                                                 "yet.")
    assert open_summary(frame.iloc[:2], now) == ("2 open hand-offs to act on (1 overdue); the next deadline in 2 h. "
                                                 "All await a decision.")
    assert open_summary(frame.iloc[:1], now) == "1 open hand-off to act on; the next deadline in 2 h. It awaits a decision."
    assert open_summary(frame.iloc[3:], now) == ("2 open hand-offs (2 overdue): 0 to act on, 2 in the backlog "
                                                 f"(overdue for more than {BACKLOG_DAYS} days). Of them, 1 awaits a "
                                                 "decision and 1 was accepted but not contacted yet.")
    assert open_summary(frame.iloc[4:], now).endswith("in the backlog (overdue for more than "
                                                      f"{BACKLOG_DAYS} days). It was accepted but not contacted yet.")
    assert open_summary(frame.iloc[0:0], now) == "No open hand-offs."


def test_local_times_carry_the_year_outside_the_current_one():
    import pandas as pd

    from components.sla_views import datetime_column_format, local_time, local_times

    this_year = pd.Timestamp.now(tz="America/New_York").year
    now_ish = pd.Timestamp(f"{this_year}-03-02 14:30", tz="UTC")
    old = pd.Timestamp(f"{this_year - 1}-11-26 15:59", tz="UTC")
    assert local_time(now_ish, "America/New_York") == now_ish.tz_convert("America/New_York").strftime("%a %d %b, %H:%M")
    assert local_time(old, "America/New_York") == f"26 Nov {this_year - 1}, 10:59"
    shown = local_times(pd.Series([now_ish, old, pd.NaT]), "America/New_York")
    assert list(shown[1:]) == [f"26 Nov {this_year - 1}, 10:59", "—"] and str(this_year) not in shown[0]
    assert datetime_column_format(pd.Series([now_ish]), "America/New_York") == "D MMM, HH:mm"
    assert datetime_column_format(pd.Series([now_ish, old]), "America/New_York") == "D MMM YYYY, HH:mm"


def test_local_times_read_as_strftime_across_a_year():
    import pandas as pd

    from components.sla_views import local_times

    moments = pd.Series(pd.date_range("2025-01-01 00:07", periods=800, freq="11h", tz="UTC"))
    this_year = pd.Timestamp.now(tz="Asia/Tokyo").year
    local = moments.dt.tz_convert("Asia/Tokyo")
    want = [t.strftime("%a %d %b, %H:%M") if t.year == this_year else t.strftime("%d %b %Y, %H:%M") for t in local]
    assert list(local_times(moments, "Asia/Tokyo")) == want


def test_delivery_pace_counts_only_the_days_commitments_cover():
    """A period running past its commitments: June has none, July–August commit 600 (10/day).
    Measured over the whole period, June's MQLs counted against July's volume (+43% 'on track'
    where the covered days were behind)."""
    from datetime import date, timedelta

    from queries.sla_math import delivery_pace
    june = [date(2025, 6, 1) + timedelta(days=i) for i in range(30)]
    summer = [date(2025, 7, 1) + timedelta(days=i) for i in range(60)]
    committed = {d: 0.0 for d in june} | {d: 10.0 for d in summer}
    mqls = {d: 9.0 for d in june + summer[:30]}                 # 9 a day, as of 31 July
    elapsed = {d: 1.0 for d in june + summer[:30]}
    p = delivery_pace(mqls, committed, elapsed)
    assert (p.delivered, p.committed, p.expected_by_now) == (270, 600, 300)
    assert p.vs_pace == pytest.approx(-0.1) and p.status == "at_risk"   # projects 540 ≥ 90% of 600
    # covered by one commitment throughout: the same as the plain pace over the period
    whole = delivery_pace(mqls, {d: 10.0 for d in june + summer}, elapsed)
    plain = volume_pace(540, 900, 60 / 90)
    assert (whole.delivered, whole.expected_by_now, whole.status) == (plain.delivered, pytest.approx(600), plain.status)
    # half of today gone counts half of today's share; nothing committed → no pace
    assert delivery_pace({}, {date(2025, 7, 1): 10.0}, {date(2025, 7, 1): 0.5}).expected_by_now == 5
    assert delivery_pace(mqls, {d: 0.0 for d in june}, elapsed) is None


def test_nothing_measured_this_week_but_overdue_work_is_a_warning():
    """'No hand-off with a known outcome yet this week' sat in neutral blue above 16 overdue ones."""
    from types import SimpleNamespace

    import pandas as pd

    from components.sla_views import overdue_count, standing_message
    nothing = SimpleNamespace(compliance_rate=None)
    assert standing_message(nothing, nothing, 0.9, "No open hand-offs.")[0] == "none"
    assert standing_message(nothing, nothing, 0.9, "16 open hand-offs, 16 overdue.", overdue=16)[0] == "warn"
    now = pd.Timestamp("2026-11-24 12:00", tz="UTC")
    hour = pd.Timedelta(hours=1)
    frame = pd.DataFrame({"next_due_at": [now - hour, now + hour, now - 9 * 24 * hour]})
    assert overdue_count(frame, now.to_pydatetime()) == 2 and overdue_count(frame.iloc[0:0], now) == 0


def test_scheduled_policy_changes_are_listed_for_the_other_team():
    """A policy saved to take effect tomorrow was visible only in a collapsed version history; the
    SLA policies and Definitions pages now list it. A version saved again for the same start before
    it took effect never applied: left out, and named so in the history."""
    import pandas as pd

    from queries import sla

    ts = lambda text: pd.Timestamp(text, tz="UTC")   # noqa: E731
    versions = pd.DataFrame([
        dict(name="Standard follow-up", version=1, effective_at=ts("2026-01-01 05:00"),
             superseded_at=ts("2026-11-25 05:00"), retired=False, created_by=None, first_touch_minutes=240,
             first_touch_business=True, decision_minutes=1080, decision_business=True),
        dict(name="Standard follow-up", version=2, effective_at=ts("2026-11-25 05:00"), superseded_at=pd.NaT,
             retired=False, created_by="Naledi Tanaka", first_touch_minutes=120, first_touch_business=True,
             decision_minutes=1080, decision_business=True),
        dict(name="Paid channels", version=2, effective_at=ts("2026-11-26 05:00"),
             superseded_at=ts("2026-11-26 05:00"), retired=False, created_by="Naledi Tanaka",
             first_touch_minutes=60, first_touch_business=False, decision_minutes=600, decision_business=False),
        dict(name="Paid channels", version=3, effective_at=ts("2026-11-26 05:00"), superseded_at=pd.NaT,
             retired=True, created_by=None, first_touch_minutes=60, first_touch_business=False,
             decision_minutes=600, decision_business=False),
    ])
    lines = sla.scheduled_changes(versions, ts("2026-11-24 12:00").to_pydatetime(), "America/New_York")
    assert lines == (
        "From 25 Nov 2026: Standard follow-up v2 — first touch within 2 business hours, accept or reject "
        "within 18 business hours (saved by Naledi Tanaka).",
        "From 26 Nov 2026: Paid channels v3 is retired.")
    assert [sla.never_applied(v) for v in versions.itertuples()] == [False, False, True, False]
    assert sla.scheduled_changes(versions, ts("2026-11-27 00:00").to_pydatetime(), "America/New_York") == ()


@pytest.mark.parametrize("handoffs, compliance, decisions, status", [
    (0, "pending", "pending", "none"),        # nothing handed to sales: not "too early to say"
    (3, "pending", "pending", "pending"),     # hand-offs still inside their windows
    (3, "on_track", "pending", "on_track"),
    (3, "on_track", "off_track", "off_track"),
    (3, "at_risk", "on_track", "at_risk"),
])
def test_sales_side_status_is_the_worse_half_or_none_without_hand_offs(handoffs, compliance, decisions, status):
    assert sales_side_status(handoffs, compliance, decisions) == status
    assert STATUS_LABELS[status]


def test_what_to_do_about_a_slipping_lead_reads_whole_in_its_column():
    """'Contact the lead and accept or reject: no decision and no contact 3.2 days after the
    hand-off. The lead has been active 2× since the hand-off.' was cut at 1366 px; the list's
    Overdue and Age columns already say how long."""
    from queries.sla import action_for

    assert action_for("decision_overdue", touched=False) == "Contact, then accept or reject (not contacted yet)"
    assert action_for("decision_overdue", touched=True, activity=2) == \
        "Accept or reject (contacted, no decision; lead active 2× since)"
    assert action_for("untouched_after_accept", touched=False) == "Call or e-mail now (accepted, never contacted)"
    longest = max(len(action_for(kind, touched, 99)) for kind in ("decision_overdue", "untouched_after_accept")
                  for touched in (False, True))
    assert longest <= 80
