"""Leads slipping through: the one-click reassign form under the list (sales leads and admins).
The rep picker puts the current owner's teammates with the fewest open hand-offs first; the save
(queries.sla.reassign) refuses a lead whose owner changed since the list was read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import format as fmt
from components import notices
from components.widgets import clear_selection
from queries import sla
from queries.access import User


def target_order(picked: pd.DataFrame, targets: pd.DataFrame) -> list[int]:
    """Who may take the picked leads, in the picker's order: the first lead's team by fewest open
    hand-offs (then name), then everyone else by name; the leads' current owners left out."""
    team_of_first = int(picked.iloc[0]["team_id"])
    pool = targets[~targets["id"].isin(picked["owner_id"])]
    same_team = pool[pool["team_id"] == team_of_first].sort_values(["open_handoffs", "full_name"])
    first = [int(i) for i in same_team["id"]]
    return first + [int(i) for i in pool.sort_values("full_name")["id"] if int(i) not in set(first)]


def render(user: User, picked: pd.DataFrame, *, flash: str, table: str) -> None:
    """The form for the rows ``picked`` in the list (a selection of ``table``'s rows); messages go to
    the components.notices slot ``flash``."""
    st.markdown("#### Reassign")
    if picked.empty:
        st.caption("Select one or more leads in the table, pick a rep, and reassign them in one click. The new owner "
                   "inherits the deadlines, so the leads stay on this list until someone acts.")
        notices.show(flash)   # reassigned: the selection and its form went; the message stays by the heading
        return
    targets = sla.reassign_targets()
    labels = {int(r.id): f"{r.full_name} · {r.team_name} · {r.open_handoffs} open" for r in targets.itertuples()}

    def do_reassign(handoff_ids, owners_seen):
        new_owner = st.session_state.get("slip_new_owner")
        if new_owner is None:
            notices.leave(flash, "error", "Pick the rep who should take these leads.")
            return
        try:
            moved = sla.reassign(user, handoff_ids, new_owner, owners_seen, st.session_state.get("slip_note", ""))
            notices.leave(flash, "success", f"Reassigned {moved} lead{'s' if moved != 1 else ''} to "
                                            f"{fmt.md_text(labels[new_owner].split(' · ')[0])}.")
            st.session_state["slip_note"] = ""
            st.session_state["slip_new_owner"] = None
            clear_selection(table)   # the moved leads' row numbers now point at others
        except sla.SlaError as err:
            notices.leave(flash, "error", str(err))

    with st.container(border=True):
        c1, c2, c3 = st.columns([1.3, 1.6, 0.8], vertical_alignment="bottom")
        c1.selectbox(f"New owner for {len(picked)} selected lead{'s' if len(picked) != 1 else ''}",
                     target_order(picked, targets), format_func=labels.get, key="slip_new_owner", index=None,
                     placeholder="Choose a rep…",
                     help="Teammates of the current owner with the fewest open hand-offs come first.")
        c2.text_input("Note for the new owner (optional)", key="slip_note", max_chars=300)
        c3.button("Reassign", type="primary", icon=":material/swap_horiz:", width="stretch",
                  disabled=st.session_state.get("slip_new_owner") is None,
                  on_click=do_reassign, args=([int(h) for h in picked["handoff_id"]],
                                              {int(h): int(o) for h, o in zip(picked["handoff_id"],
                                                                              picked["owner_id"])}))
        st.caption("Selected: " + ", ".join(f"{r.lead_name} ({r.owner})" for r in picked.head(8).itertuples())
                   + (f" and {len(picked) - 8} more" if len(picked) > 8 else ""))
        notices.show(flash)   # a refusal, under the button (the selection stays)
