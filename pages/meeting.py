"""Meeting mode: present the live numbers instead of slides.

Thin: reads the view from the URL (?meeting=<id>&section=<n>&present=1), loads the meeting and its
agenda, and renders the list, the control room or the presentation (components.meeting_view).
"""

import streamlit as st

from components import format as fmt
from components import meeting_forms, meeting_view
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import empty_state, page_header
from queries import meetings
from queries.meeting_rules import parse_section

user = page_user("meeting")
view = meeting_view.route()
link_filters_ignored(shows="A meeting shows the numbers of its own period.")

if view.meeting_id is None:
    page_header("Meeting mode", "Run the alignment meeting on the live numbers: agenda, freeze, decisions and "
                                "actions, and a file to mail afterwards.")
    meeting_view.messages()
    asked = st.query_params.get("meeting")
    if asked:   # a link whose meeting is not a meeting number: say so, not only show the list
        shown = asked if len(asked) <= 24 else asked[:23] + "…"
        st.warning(f"This link points to meeting “{fmt.md_text(shown)}”, which is not a meeting number. Pick a meeting "
                   "from the list below.", icon=":material/link_off:")
    if user.can("meeting.present"):
        with st.expander("Plan a meeting", icon=":material/add:"):
            meeting_forms.meeting_form(user, key="mtg_new")
    meeting_view.meeting_list(user, meetings.list_meetings())
    st.stop()

meeting = meetings.get(view.meeting_id)
items = meetings.agenda(view.meeting_id) if meeting else ()
if meeting is None or not items:
    page_header("Meeting mode")
    empty_state("This link points to a meeting that does not exist (any more).",
                "Pick a meeting from the list.")
    st.button("All meetings", on_click=meeting_view.go, args=(None,), icon=":material/arrow_back:")
    st.stop()

n = parse_section(view.section, len(items))
if view.section is not None and view.section != str(n):   # say so, and make the link say where it is
    st.toast(f"This link asks for section “{fmt.md_text(view.section[:12])}”; the agenda has {len(items)}, so it "
             f"opens at section {n}.", icon=":material/link_off:")
    st.query_params["section"] = str(n)
if meeting_view.track_position(user, meeting, items[n - 1]):
    # the timer moved to this item: render what is stored now (the agenda said "Now" on the item
    # the presenter had left, and the export booked its time to it)
    meeting = meetings.get(view.meeting_id) or meeting
    items = meetings.agenda(view.meeting_id) or items
if view.present:
    meeting_view.presentation(user, meeting, items, n)
else:
    meeting_view.control_room(user, meeting, items, n)
