"""My hand-offs: the leads handed to me (or my team), the hand-off card, accept / reject."""

import streamlit as st

from components import handoff_views
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import empty_state, page_header
from queries import dimensions, handoffs, metrics, qualification, settings

user = page_user("my_handoffs")
as_of = metrics.now_minute()
handoff_views.forget_other_users_drafts(user)

# --------------------------------------------------------------------------- whose hand-offs

scopes = handoff_views.scopes(user)
subtitle = ("Accept or reject each lead with a reason; the SLA clock runs from the hand-off. "
            f"Times in {settings.company_timezone()}.")
link_filters_ignored(shows=f"It lists the open hand-offs as they stand now and those decided in the last "
                           f"{handoffs.RECENT_DAYS} days.")
page_header("My hand-offs" if "mine" in scopes else "Hand-offs", subtitle)
scope = handoff_views.scope_picker(scopes)
owner_ids = handoffs.owner_scope(user, scope)
if owner_ids is None:
    empty_state("Your user is not linked to a rep record, so no hand-offs can be routed to you.",
                "Ask an admin to link your user to your rep record on the Users page.")
    st.stop()

frame = handoffs.inbox(owner_ids, as_of)
counts = handoffs.inbox_summary(owner_ids, as_of)   # over every hand-off: the list is capped
currency = settings.currency()
handoff_views.summary_tiles(counts)
if frame.empty:
    empty_state("No hand-offs are waiting for you, and none were decided in the last "
                f"{handoffs.RECENT_DAYS} days.", "New MQLs routed to you appear here.")
    st.stop()

# --------------------------------------------------------------------------- the inbox and the card

selection = handoff_views.inbox(frame, counts, settings.company_timezone(), hide_owner=scope == "mine")
labels = handoff_views.card_labels(frame)
handoff_id = handoff_views.card_picker(frame, selection, labels)
c = handoffs.card(handoff_id)
if c is None:
    empty_state("This hand-off no longer exists.", "Reload the page.")
    st.stop()

versions = qualification.versions()
channels = dimensions.channels()
handoff_views.card(c, as_of, versions, qualification.in_force_among(versions, as_of),
                   dict(zip(channels["code"], channels["label"])), currency)
handoff_views.decision_panel(user, handoff_id, c.facts,
                             handoffs.may_decide(user, c.facts["owner_id"], c.facts["owner_team_id"]))
handoff_views.engagement(c)

handoff_views.bulk_section(user, frame, labels)
