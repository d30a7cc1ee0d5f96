"""My SLA's and the scorecard's view helpers (components.sla_views), pure parts."""

import pandas as pd


def test_breaches_caption_says_why_a_rejected_lead_is_a_breach():
    from components.sla_views import breaches_caption

    def frame(rows):
        return pd.DataFrame(rows, columns=["breach", "status"])

    plain = breaches_caption(frame([("late", "rejected"), ("untouched", "accepted"), ("untouched", "awaiting")]))
    assert plain == "Each breach with the lead behind it: late first contacts and leads never contacted, newest first."
    one = breaches_caption(frame([("untouched", "rejected"), ("late", "rejected")]))   # a late touch is a contact
    assert one.endswith(" 1 of them was rejected without a contact: the SLA measures the first contact, and a "
                        "rejection does not stop its clock (Definitions, SLA compliance).")
    assert " 2 of them were rejected without a contact" in breaches_caption(frame([("untouched", "rejected")] * 2))


def test_countdown_and_urgency_read_the_next_deadline():
    from datetime import datetime, timezone

    from components.sla_views import countdown, urgency

    now = datetime(2026, 11, 18, 16, 0, tzinfo=timezone.utc)
    assert countdown(pd.Timestamp("2026-11-18 19:00", tz="UTC"), now) == "in 3 h"
    assert countdown(pd.Timestamp("2026-11-18 15:30", tz="UTC"), now) == "overdue 30 min"
    assert countdown(pd.Timestamp("2026-11-15 16:00", tz="UTC"), now) == "overdue 3 days"
    assert countdown(pd.Timestamp("2026-11-18 16:00", tz="UTC"), now) == "in 0 s"     # at the deadline: not yet past
    assert countdown(pd.NaT, now) == countdown(None, now) == "—"
    assert urgency(pd.Timestamp("2026-11-18 15:59", tz="UTC"), now) == "overdue"
    assert urgency(pd.Timestamp("2026-11-18 17:00", tz="UTC"), now) == "due soon"       # within the hour, inclusive
    assert urgency(pd.Timestamp("2026-11-18 17:01", tz="UTC"), now) == "on time"
    assert urgency(pd.NaT, now) == urgency(None, now) == ""
