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
