"""The revenue plan: each quarter's revenue target (what pipeline coverage is measured against),
listed for everyone and set by executives and admins (``queries.plan``)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import format as fmt
from components import notices
from components.widgets import data_table
from queries import plan
from queries.access import User
from queries.goal_math import input_text

QUARTER = "plan_quarter"
AMOUNT = "plan_amount"
EXPECTED = "plan_expected"      # the target the form was loaded with (compare-and-set)
MESSAGE = "plan_message"        # the save's message for the next run, under the form (components.notices)


def _quarter_of(label: str) -> plan.Quarter:
    q, year = label.removeprefix("Q").split()
    return plan.Quarter(int(year), int(q))


def _load() -> None:
    """The chosen quarter's stored target into the form."""
    current = plan.target(_quarter_of(st.session_state[QUARTER]))
    st.session_state[AMOUNT] = input_text(current, "currency")
    st.session_state[EXPECTED] = current


def _save(user: User, currency: str) -> None:
    quarter = _quarter_of(st.session_state[QUARTER])
    try:
        new = plan.set_target(user, quarter, st.session_state.get(AMOUNT, ""),
                              expected=st.session_state.get(EXPECTED))
    except plan.StalePlan as e:
        st.session_state[EXPECTED] = plan.target(quarter)   # the next save compares with what is stored now
        notices.leave(MESSAGE, "error", str(e))
        return
    except plan.PlanError as e:
        notices.leave(MESSAGE, "error", str(e))
        return
    st.session_state[AMOUNT] = input_text(new, "currency")
    st.session_state[EXPECTED] = new
    notices.leave(MESSAGE, "success", f"{quarter.label} target removed." if new is None else
                  f"{quarter.label} target set to {fmt.money(new, currency, compact=False)}.")


def revenue_plan(user: User, today: date, currency: str) -> None:
    """The plan table and, for those who may change it, the form."""
    frame = plan.table(today)
    st.caption("Pipeline coverage on the scoreboard compares open pipeline with what is left of the quarter's "
               "target; a month or custom period takes the share of each quarter its days cover.")
    view = frame.assign(Quarter=frame["quarter"] + frame["current"].map({True: " (this quarter)", False: ""}),
                        Dates=[f"{s:%d %b} – {e:%d %b %Y}" for s, e in zip(frame["start"], frame["end"])],
                        Target=[fmt.money(t, currency, compact=False) if t == t else "not set"
                                for t in frame["target"]])
    data_table(view[["Quarter", "Dates", "Target"]], width="content", key="plan_table")
    if not user.can("plan.edit"):
        st.caption("Executives and admins set the plan.")
        return
    labels = list(frame["quarter"])
    if st.session_state.get(QUARTER) not in labels:
        st.session_state[QUARTER] = frame.loc[frame["current"], "quarter"].iloc[0]
        _load()
    cols = st.columns([1, 2, 1], vertical_alignment="bottom")
    cols[0].selectbox("Quarter", labels, key=QUARTER, on_change=_load)
    cols[1].text_input("Revenue target", key=AMOUNT, placeholder="e.g. 4.2M or 4,200,000 (empty: no target)",
                       help="Bookings the company plans to close in the quarter: 4.2M, 850k or 4,200,000.")
    cols[2].button("Save target", type="primary", on_click=_save, args=(user, currency), key="plan_save",
                   width="stretch")
    notices.show(MESSAGE)
