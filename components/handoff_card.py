"""The hand-off card: everything a rep needs to decide on one lead, on one screen.

Renderers (they call st.*) fed by ``queries.handoffs.Card`` and the criteria in force; the page
stays thin. Sections: the SLA clock, where the lead came from, fit against the criteria, the
account, engagement and the activity timeline.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import format as fmt
from components.widgets import data_table, table_height
from queries import settings
from queries.criteria_rules import REGIONS, TIERS, Evaluation, LeadProfile, evaluate
from queries.handoffs import ENGAGEMENT_DAYS, Card
from queries.periods import zone
from queries.qualification import Version

ACTIVITY_LABELS = {"call": "Call", "email": "Email", "meeting": "Meeting", "linkedin": "LinkedIn message",
                   "form_fill": "Form fill", "webinar": "Webinar", "content_download": "Content download",
                   "email_click": "Email click", "web_visit": "Web visit"}
EVENT_LABELS = {"mql": "Became an MQL", "handed_off": "Handed off to sales", "accepted": "Accepted by sales",
                "rejected": "Rejected by sales", "recycled": "Recycled to nurture", "reassigned": "Reassigned"}
STAGE_LABELS = {"discovery": "Discovery", "qualification": "Qualification", "proposal": "Proposal",
                "negotiation": "Negotiation", "closed_won": "Won", "closed_lost": "Lost"}
STATUS_ICON = {"matched": ":green[:material/check_circle:]", "failed": ":red[:material/cancel:]",
               "any": ":gray[:material/remove:]"}


def local(ts, fmt_str: str = "%d %b %Y %H:%M") -> str:
    if ts is None or (isinstance(ts, float) and pd.isna(ts)) or ts is pd.NaT:
        return fmt.DASH
    tz = settings.company_timezone()
    return pd.Timestamp(ts).tz_convert(zone(tz)).strftime(fmt_str)


def age(minutes: float) -> str:
    """Durations for the SLA clock: minutes and hours precisely, long waits in whole days."""
    if pd.isna(minutes):
        return fmt.DASH
    if minutes >= 10 * 1440:
        return f"{minutes / 1440:,.0f} days"
    return fmt.duration(minutes)


def relative(minutes: float) -> str:
    """'in 3 h' / '2 h ago' for a signed number of minutes from now."""
    if pd.isna(minutes):
        return fmt.DASH
    return f"in {fmt.duration(minutes)}" if minutes >= 0 else f"{fmt.duration(-minutes)} ago"


def clock_text(facts: dict, as_of: datetime) -> tuple[str, str, str]:
    """(first-touch value, its caption, its colour) for the SLA clock."""
    now = pd.Timestamp(as_of)
    deadline = pd.Timestamp(facts["sla_deadline_at"])
    touched = facts["first_touch_at"]
    if touched is not None and pd.Timestamp(touched) <= now:
        minutes = float(facts["minutes_to_first_touch"] or 0)
        late = pd.Timestamp(touched) > deadline
        # the minutes are business minutes under a business-hours window: a Monday 09:15 call to a
        # Sunday lead read 'after 15 min'
        business = " in business hours" if facts.get("first_touch_business") else ""
        after = ("before the SLA clock had started running" if minutes == 0
                 else f"after {fmt.duration(minutes)}{business}")
        return ("Touched late" if late else "Touched in time",
                f"first touch {after} (deadline {local(deadline, '%d %b %H:%M')})",
                "red" if late else "green")
    left = (deadline - now).total_seconds() / 60
    if left < 0:
        return "Breached", f"untouched, deadline passed {age(-left)} ago", "red"
    return f"{age(left)} left", f"first touch due {local(deadline, '%d %b %H:%M')}", \
        "orange" if left < 60 else "blue"


def header(c: Card) -> None:
    f = c.facts
    name = fmt.md_text(f"{f['first_name']} {f['last_name']}")
    title = f" · {fmt.md_text(f['job_title'])}" if f.get("job_title") else ""
    st.markdown(f"### {name}{title} at {fmt.md_text(f['account_name'])}")
    badges = [f":blue-badge[{TIERS.get(int(f['tier']), f['tier'])}]", f":violet-badge[Score {f['score']}]"]
    if f["priority"] == "high":
        badges.append(":orange-badge[High priority]")
    if f["decision"] == "accepted":
        badges.append(":green-badge[Accepted]")
    elif f["decision"] == "rejected":
        badges.append(f":red-badge[Rejected: {fmt.reason_label(f['rejection_reason'])}]")
        if f["recycled_at"] is not None:
            badges.append(":gray-badge[Recycled to nurture]")
    if int(f["handoffs_of_lead"]) > 1:   # which one this is: an earlier one read as the latest
        badges.append(f":gray-badge[Hand-off {int(f['handoff_number'])} of {int(f['handoffs_of_lead'])} for this lead]")
    st.markdown(" ".join(badges) + f"  \n:gray[{fmt.md_text(f['email'])} · owner **{fmt.md_text(f['owner_name'])}**]")


def sla_clock(c: Card, as_of: datetime) -> None:
    f = c.facts
    now = pd.Timestamp(as_of)
    cols = st.columns(3)
    value, caption, color = clock_text(f, as_of)
    with cols[0], st.container(border=True):
        st.caption("First touch (SLA)")
        st.markdown(f"#### :{color}[{value}]")
        st.caption(caption)
    with cols[1], st.container(border=True):
        st.caption("Decision")
        if f["decision"] is None:
            left = (pd.Timestamp(f["decision_due_at"]) - now).total_seconds() / 60
            color = "red" if left < 0 else "orange" if left < 24 * 60 else "blue"
            text = f"overdue by {age(-left)}" if left < 0 else f"{age(left)} left"
            st.markdown(f"#### :{color}[{text}]")
            st.caption(f"accept or reject by {local(f['decision_due_at'], '%d %b %H:%M')}")
        else:
            st.markdown(f"#### {f['decision'].capitalize()}")
            by = f" by {fmt.md_text(f['decided_by_name'])}" if f.get("decided_by_name") else ""
            st.caption(f"{local(f['decided_at'])}{by}")
    with cols[2], st.container(border=True):
        st.caption("Handed off")
        waited = (now - pd.Timestamp(f["handed_off_at"])).total_seconds() / 60
        st.markdown(f"#### {age(waited)} ago")
        st.caption(f"{local(f['handed_off_at'])} to {fmt.md_text(f['owner_name'])}")


def _touch_line(label: str, touch: dict | None) -> str:
    if not touch:
        return f"**{label}:** {fmt.DASH}"
    what = ACTIVITY_LABELS.get(touch["what"], touch["what"])
    detail = f" — {fmt.md_text(touch['detail'])}" if touch.get("detail") else ""
    return f"**{label}:** {what}{detail} ({local(touch['occurred_at'], '%d %b %Y')})"


def origin(c: Card, versions_by_id: dict[int, Version]) -> None:
    f = c.facts
    st.markdown("**Where it came from**")
    source = fmt.md_text(f["source_label"]) + ("" if f["is_marketing"] else " (not a marketing channel)")
    lines = [f"**Source:** {source}"]
    if f["campaign_name"]:
        lines.append(f"**Campaign:** {fmt.md_text(f['campaign_name'])} ({fmt.md_text(f['campaign_channel'])}, from "
                     f"{pd.Timestamp(f['campaign_start']):%d %b %Y})")
    else:
        lines.append("**Campaign:** none")
    if f["marketer_name"]:
        lines.append(f"**Marketer:** {fmt.md_text(f['marketer_name'])}")
    lines.append(f"**Created:** {local(f['lead_created_at'], '%d %b %Y')}")
    mql = f"**MQL:** {local(f['mql_event_at'], '%d %b %Y %H:%M')}" if f["mql_event_at"] else "**MQL:** no MQL event"
    version = versions_by_id.get(f["mql_criteria_version_id"]) if f["mql_criteria_version_id"] else None
    if version is not None:
        mql += f" under criteria v{version.number}"
    lines.append(mql)
    lines.append(_touch_line("First marketing touch", c.first_touch))
    lines.append(_touch_line("Last marketing touch before hand-off", c.last_touch))
    st.markdown("  \n".join(lines))


def fit(c: Card, current: Version | None, source_labels: dict) -> Evaluation | None:
    """Fit against the criteria in force: each rule matched, failed, or not restricting."""
    f = c.facts
    if current is None:
        st.markdown("**Fit against the criteria**")
        st.caption("No qualification criteria are in force yet: the leads agree on them on the Criteria page.")
        return None
    profile = LeadProfile(industry=f["industry"], country=f["country"], region=f["region"],
                          employee_band=f["employee_band"], job_function=f["job_function"],
                          seniority=f["seniority"], tier=int(f["tier"]), score=int(f["score"]), source=f["source"])
    ev = evaluate(current.criteria, profile, source_labels=source_labels)
    verdict = ":green[meets every rule]" if ev.qualified else \
        f":red[fails {len(ev.failed)} rule{'s' if len(ev.failed) > 1 else ''}]"
    st.markdown(f"**Fit against criteria v{current.number}** (in force) — {verdict}")
    lines = []
    for r in ev.results:
        expected = "" if r.status == "any" else f" · needs {r.expected}"
        lines.append(f"{STATUS_ICON[r.status]} {r.label}: **{fmt.md_text(r.actual)}**{fmt.md_text(expected)}")
    st.markdown("  \n".join(lines))
    # the grey dash alone did not say that the criteria leave that rule open
    st.caption(f"{STATUS_ICON['matched']} meets the rule · {STATUS_ICON['failed']} fails it · "
               f"{STATUS_ICON['any']} the criteria accept any value")
    return ev


def account(c: Card, currency: str) -> None:
    f = c.facts
    st.markdown(f"**Account: {fmt.md_text(f['account_name'])}**")
    bits = [f["industry"], f"{fmt.country(f['country'])} ({REGIONS.get(f['region'], f['region'])})",
            f"{f['employee_band']} employees", TIERS.get(int(f["tier"]), f"Tier {f['tier']}")]
    owner = f" · account owner {f['account_owner_name']}" if f["account_owner_name"] else ""
    domain = f"{f['domain']} · " if f.get("domain") else ""
    st.caption(fmt.md_text(domain + " · ".join(str(b) for b in bits) + owner))
    deals, people = st.columns(2, gap="medium")  # the card's full width: each table gets half of it
    with deals:
        _open_opportunities(c, currency)
    with people:
        _contacts(c.contacts, c.contacts_count)


def _open_opportunities(c: Card, currency: str) -> None:
    open_opps = c.open_opportunities
    # the counts and sums are over every opportunity of the account, not only the rows listed
    st.markdown(f"**Open opportunities:** {fmt.number(c.open_count)}"
                + (f" worth {fmt.money(c.open_amount, currency)}" if c.open_count else "")
                + f" · **won to date:** {fmt.money(c.won_revenue, currency)}")
    if c.open_count > len(open_opps):
        st.caption(f"The {fmt.number(len(open_opps))} closing soonest are listed.")
    if len(open_opps):
        view = pd.DataFrame({
            "Opportunity": open_opps["name"], "Stage": open_opps["stage"].map(STAGE_LABELS),
            "Amount": open_opps["amount"].astype(float), "Expected close": open_opps["expected_close_date"],
            "Owner": open_opps["owner_name"]})
        data_table(view, height=table_height(len(view), 180),
                   column_config={"Amount": st.column_config.NumberColumn(format=fmt.money_column(currency)),
                                  "Expected close": st.column_config.DateColumn("Close date", format="D MMM YYYY",
                                                                                help="Expected close date")})


def _contacts(contacts: pd.DataFrame, total: int) -> None:
    st.markdown(f"**Other contacts at the account:** {fmt.number(total)}")
    if total > len(contacts):
        st.caption(f"The newest {fmt.number(len(contacts))} are listed.")
    if len(contacts):
        status = contacts["latest_decision"].map({"accepted": "Accepted", "rejected": "Rejected"})
        status = status.where(status.notna(), contacts["latest_handoff_at"].notna().map(
            {True: "Awaiting decision", False: None}))
        status = status.where(status.notna(), contacts["mql_at"].notna().map({True: "MQL", False: "Lead"}))
        view = pd.DataFrame({"Name": contacts["name"], "Title": contacts["job_title"], "Status": status})
        data_table(view, height=table_height(len(view), 215))


def timeline(c: Card, limit: int = 12) -> None:
    eng = c.engagement
    if eng:
        chips = " ".join(f":violet-badge[{ACTIVITY_LABELS.get(k, k)} × {v}]" for k, v in
                         sorted(eng.items(), key=lambda kv: -kv[1]))
        st.markdown(f"**Engagement in the {ENGAGEMENT_DAYS} days before hand-off:** {chips}")
    else:
        st.markdown(f"**Engagement in the {ENGAGEMENT_DAYS} days before hand-off:** none recorded")
    t = c.timeline
    if t.empty:
        st.caption("No activity recorded for this lead.")
        return
    what = [EVENT_LABELS.get(w, w) if k == "event" else ACTIVITY_LABELS.get(w, w) + (" (automated)" if auto else "")
            for k, w, auto in zip(t["kind"], t["what"], t["is_automated"])]
    detail = [fmt.reason_label(d.split(" · ")[0]) + (" · " + d.split(" · ", 1)[1] if " · " in d else "")
              if k == "event" and w == "rejected" and d else d
              for k, w, d in zip(t["kind"], t["what"], t["detail"].fillna(""))]
    kind = ["Rep touch" if touch else "Lifecycle" if k == "event" else "Engagement"
            for k, touch in zip(t["kind"], t["is_touch"])]
    view = pd.DataFrame({"When": [local(x) for x in t["occurred_at"]], "Type": kind, "What": what,
                         "Detail": detail, "Who": t["who"].fillna("")})
    data_table(view.head(limit), height=table_height(min(len(view), limit), 460))
    if len(view) > limit:
        with st.expander(f"All {len(view)} entries"):
            data_table(view)
