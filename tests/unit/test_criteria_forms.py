"""Qualification criteria's pure helpers: who may approve, what a proposal's texts say, which
versions a replay offers, the propose form's starting values, and a version's rules as a table
(components/criteria_forms.py, components/criteria_view.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from components import criteria_forms as cf
from components.criteria_view import rules_frame
from queries.access import User
from queries.criteria_rules import Criteria
from queries.qualification import Version

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def version(vid: int, status: str = "proposed", *, side: str = "marketing", by: int = 1,
            effective: datetime = NOW + timedelta(days=10), criteria: Criteria = Criteria()) -> Version:
    return Version(id=vid, number=vid, title=f"T{vid}", rationale=None, criteria=criteria, effective_at=effective,
                   status=status, proposed_by_user_id=by, proposed_by_name="P", proposed_side=side,
                   proposed_at=NOW - timedelta(days=1), approved_by_name=None, approved_side=None, approved_at=None,
                   superseded_by_id=None, superseded_at=None, withdrawn_by_name=None, withdrawn_at=None,
                   withdrawn_note=None, version=1)


def lead(uid: int, role: str) -> User:
    return User(id=uid, username=f"u{uid}", display_name="U", email="u@example.com", roles=frozenset({role}))


def test_only_a_lead_of_the_other_side_who_did_not_propose_it_approves():
    v = version(1, side="marketing", by=1)
    assert cf.may_approve(lead(2, "sales_lead"), v, "sales")
    assert not cf.may_approve(lead(3, "marketing_lead"), v, "marketing")    # the same side
    assert not cf.may_approve(lead(1, "sales_lead"), v, "sales")            # its author
    assert not cf.may_approve(lead(2, "sales_lead"), v, None)               # speaks for no side
    assert cf.other_side("marketing") == "sales" and cf.other_side("sales") == "marketing"


def test_a_proposal_dated_in_the_past_takes_effect_on_approval():
    assert cf.effective_text(version(1), NOW, "UTC") == "Takes effect on 30 Nov 2026"
    past = version(1, effective=NOW - timedelta(days=2))
    assert cf.effective_text(past, NOW, "UTC") == ("Proposed to take effect on 18 Nov 2026: approving makes it "
                                                   "effective now")


def test_changes_are_read_against_the_version_a_proposal_would_replace():
    current, ahead = version(1, "active"), version(2, "active", effective=NOW + timedelta(days=3))
    assert cf.against_text(current, current, "UTC") == "the version in force"
    assert cf.against_text(ahead, current, "UTC") == "v2, in force from 23 Nov 2026, which it would replace"
    assert cf.against_text(None, None, "UTC") == "no version"


def test_a_replay_offers_every_version_but_the_one_in_force_proposals_first():
    versions = [version(1, "superseded"), version(2, "active"), version(3, "withdrawn"), version(4), version(5)]
    assert [v.id for v in cf.replay_candidates(versions, versions[1])] == [5, 4, 3, 1]
    assert [v.id for v in cf.replay_candidates(versions[:1], None)] == [1]


def test_a_custom_range_of_one_day_replays_that_day():
    assert cf.period_pair(None) is None
    assert cf.period_pair((date(2026, 1, 5),)) == (date(2026, 1, 5), date(2026, 1, 5))
    assert cf.period_pair([date(2026, 1, 5), date(2026, 2, 1)]) == (date(2026, 1, 5), date(2026, 2, 1))


def test_the_propose_form_starts_from_the_base_version_on_the_first_of_next_month():
    base = Criteria(tiers=(1, 2), min_score=40, industries=("Software",))
    defaults = cf.form_defaults(base, date(2026, 12, 31))
    assert set(defaults) == set(cf.FORM_KEYS)
    assert defaults["cr_tiers"] == [1, 2] and defaults["cr_min_score"] == 40
    assert defaults["cr_industries"] == ["Software"] and defaults["cr_countries"] == []
    assert defaults["cr_effective"] == date(2027, 1, 1) and defaults["cr_title"] == ""
    assert cf.form_defaults(base, date(2026, 1, 31))["cr_effective"] == date(2026, 2, 1)


def test_the_propose_form_says_which_version_it_starts_from():
    current, ahead = version(1, "active"), version(2, "active", effective=NOW + timedelta(days=3))
    tail = "Empty lists do not restrict (any). Replay the draft before proposing it."
    assert cf.starts_from_text(current, current, "UTC") == "Starts from v1 (in force). " + tail
    assert cf.starts_from_text(ahead, current, "UTC") == ("Starts from v2, approved to take effect on 23 Nov 2026. "
                                                          + tail)
    assert cf.starts_from_text(None, None, "UTC") == tail


def test_a_versions_rules_read_as_a_table():
    frame = rules_frame(Criteria(tiers=(1,), excluded_sources=("webinar",)), {"webinar": "Webinars"})
    assert list(frame.columns) == ["Rule", "Requirement"]
    assert frame["Requirement"].str.contains("Webinars").any()
