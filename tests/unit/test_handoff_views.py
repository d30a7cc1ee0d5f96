"""My hand-offs' pure builders: whose hand-offs a user may list, the inbox tables, the card labels,
and the bulk form's messages (components/handoff_views.py)."""

from __future__ import annotations

import pandas as pd

from components import handoff_views as hv
from queries.access import User
from queries.handoffs import Outcome


def user(*roles: str, team_id: int | None = 3) -> User:
    return User(id=1, username="u", display_name="U", email="u@example.com", roles=frozenset(roles), team_id=team_id)


def test_scopes_follow_the_roles():
    assert hv.scopes(user("sdr")) == {"mine": "Mine"}
    assert hv.scopes(user("sales_lead")) == {"mine": "Mine", "team": "My team"}
    assert hv.scopes(user("sales_lead", team_id=None)) == {"mine": "Mine"}    # no team to show
    assert hv.scopes(user("admin", "sales_lead")) == {"all": "Everyone"}


def rows(**extra) -> pd.DataFrame:
    at = pd.Timestamp("2026-11-20T09:30Z")
    frame = pd.DataFrame({
        "handoff_id": [11, 12], "lead_name": ["Ana", "Ben"], "account_name": ["Acme", "Bolt"],
        "owner_name": ["Sam", "Sam"], "decision_status": ["overdue", "rejected"],
        "decision_due_at": [at, at], "touch_status": ["not touched, breached", "touched in time"],
        "handed_off_at": [at - pd.Timedelta(hours=2)] * 2, "source": ["webinar", "paid_search"],
        "tier": [1, 2], "score": [80, 55], "decided_at": [pd.NaT, at], "rejection_reason": [None, "bad_fit"],
        "recycled_at": [pd.NaT, at]})
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_the_inbox_table_reads_status_words_and_local_times():
    table = hv.inbox_table(rows(), "Europe/Berlin")
    assert list(table.columns) == ["Lead", "Company", "Owner", "Status", "Decide by", "First touch", "Handed off",
                                   "Source", "Tier", "Score"]
    assert table["Status"].tolist() == ["Overdue", "Rejected"]
    assert table["First touch"].tolist() == ["Breached", "In time"]
    assert table["Decide by"].iloc[0] == pd.Timestamp("2026-11-20 10:30")   # Berlin, no zone on screen


def test_the_decided_table_puts_when_and_why_first():
    table = hv.decided_table(rows().iloc[[1]], "UTC")
    assert list(table.columns)[:5] == ["Lead", "Company", "Status", "Reason", "Decided"]
    assert "Decide by" not in table.columns
    assert table["Reason"].tolist() == ["Bad fit · recycled"]
    assert table["Decided"].iloc[0] == pd.Timestamp("2026-11-20 09:30")
    accepted = rows(rejection_reason=[None, None], recycled_at=[pd.NaT, pd.NaT]).iloc[[1]]
    assert hv.decided_table(accepted, "UTC")["Reason"].tolist() == [""]


def test_card_labels_tell_namesakes_apart_by_number():
    frame = rows(lead_name=["Ana", "Ana"], account_name=["Acme", "Acme"], decision_status=["open", "open"])
    assert hv.card_labels(frame) == {11: "Ana · Acme · Open · #11", 12: "Ana · Acme · Open · #12"}
    assert hv.card_labels(rows()) == {11: "Ana · Acme · Overdue", 12: "Ben · Bolt · Rejected"}


def test_the_bulk_message_counts_and_names_the_skipped():
    ok = Outcome(1, True, "Accepted Ana.", "Ana")
    assert hv.bulk_message([ok], "accepted") == ("success", "Accepted 1 of 1 hand-offs.")
    skipped = [ok, Outcome(2, False, "Ben was already decided.", "Ben"), Outcome(3, False, "Not yours.", "Cy"),
               Outcome(4, False, "No such hand-off.")]
    kind, text = hv.bulk_message(skipped, "rejected")
    assert kind == "warning"
    assert text == ("Rejected 1 of 4 hand-offs. Skipped 3: Ben was already decided. Cy — Not yours. "
                    "Hand-off #4 — No such hand-off.")


def test_hand_offs_gone_from_the_bulk_selection_are_named_by_lead():
    labels = {11: "Ana · Acme · Open", 12: "Ben · Bolt · Overdue"}
    assert hv.gone_text([11], labels) == ("Ana was decided or reassigned since you picked it, so the selection no "
                                          "longer holds it.")
    assert hv.gone_text([12, 99], labels) == ("Ben, Hand-off #99 were decided or reassigned since you picked them, "
                                              "so the selection no longer holds them.")


def test_the_untouched_tile_points_to_the_accepted_leads_not_contacted_yet():
    """My SLA's open count is the inbox's awaiting plus these; with none, no caption."""
    assert hv.accepted_untouched_caption(0) is None
    assert hv.accepted_untouched_caption(12) == "+ 12 accepted, not contacted (My SLA)"
    assert hv.accepted_untouched_caption(1234) == "+ 1,234 accepted, not contacted (My SLA)"


def test_the_bulk_question_says_the_count_and_the_decision():
    assert hv.bulk_question("rejected", 22, "bad_fit", True).startswith(
        "**Reject 22 hand-offs as 'Bad fit' and recycle them to nurture?**")
    assert hv.bulk_question("rejected", 6, "no_budget", False).startswith("**Reject 6 hand-offs as 'No budget'?**")
    assert hv.bulk_question("accepted", 1_200, None, False).startswith("**Accept 1,200 hand-offs?**")
    assert "cannot be undone" in hv.bulk_question("accepted", 6, None, False)
    assert hv.BULK_CONFIRM_ABOVE == 5
