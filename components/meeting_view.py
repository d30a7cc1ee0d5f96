"""Meeting mode on screen: the meeting list, the control room, and the presentation (full width,
no sidebar, large type, one agenda item per screen, live refresh, freeze, timer).

The view lives in the URL (``?meeting=<id>&section=<n>&present=1``), so a link opens the same
screen for anyone signed in. Section numbers come from queries.meetings (live or frozen) and are
turned into tiles and rows by components.meeting_content, which the export uses too.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from components import format as fmt
from components import kpi_tiles, meeting_charts, meeting_content, sla_charts, sla_tiles, theme
from components.goal_card import progress_bar_html
from components.meeting_content import (action_lines, decision_lines, esc, local_date_text,
                                        section_title)
from components.shell import database_guard, keep_fragment_current
from components.kpi_tiles import SIDE_TITLES, Tile
from components.widgets import empty_state, row_button, tile
from queries import meetings, settings
from queries.access import User
from queries.meeting_rules import (AUTO_ADVANCE, HEARTBEAT_SECONDS, LIVE_REFRESH_SECONDS, SECTIONS, STATUSES,
                                   MeetingError, advance_due, auto_tick_seconds, clock, frame_from_json,
                                   parse_meeting_id, step, timer_label, timer_state, timer_text, used_seconds)
from queries.periods import local_today

FLASH = "mtg_flash"
ERROR = "mtg_error"
AUTO = "mtg_auto"
FOLLOW = "mtg_follow"
LINKED_SECTION = "_mtg_linked_section"
ENTERED = "mtg_entered"
DIALOG = "mtg_dialog"
SHOWN = "mtg_shown"  # what the last full run rendered: (meeting id, version, frozen_at, section)
GOALS_SCREEN = "mtg_goals_screen"  # (agenda item id, screen index): the goals slide's screen this viewer shows

STATUS_BADGE = {"planned": "blue", "live": "green", "done": "gray", "cancelled": "red"}
#: Status words on the goal cards (text, so the darker tones: theme.GOOD_TEXT …)
TONE_COLORS = {"good": theme.GOOD_TEXT, "warn": theme.WARN_TEXT, "bad": theme.BAD_TEXT, "neutral": theme.PENDING_TEXT}
MAX_ACTIONS_ON_SCREEN = 8
#: Open actions shown on short screens (720p projectors): eight ran past the bottom of the screen.
ACTIONS_ON_SHORT_SCREEN = 6
SLIPPING_ON_SCREEN = 6
#: Slipping rows shown on short screens (720p projectors), so the section and its note fit one screen.
SLIPPING_ON_SHORT_SCREEN = 4


# --------------------------------------------------------------------------- the URL


@dataclass(frozen=True)
class Route:
    meeting_id: int | None
    section: str | None
    present: bool


def route() -> Route:
    qp = st.query_params
    # A link that names a section opens that section: its reader does not follow the presenter away
    # from it until they choose to (only the session's first meeting view can be such a link).
    st.session_state.setdefault(LINKED_SECTION, "section" in qp)
    return Route(parse_meeting_id(qp.get("meeting")), qp.get("section"), qp.get("present") == "1")


def go(meeting_id: int | None, section: int = 1, present: bool = False) -> None:
    """Point the URL at a meeting view (use as a button callback)."""
    qp = st.query_params
    for k in ("meeting", "section", "present"):
        if k in qp:
            del qp[k]
    if meeting_id is not None:
        qp["meeting"] = str(meeting_id)
        qp["section"] = str(section)
        if present:
            qp["present"] = "1"
    if present:
        # the projector opens a paged slide on its first screen: a screen chosen in the control room's
        # preview (or before leaving the presentation) opened it on the second, and auto-advance, which
        # pages first, then left the slide without the room seeing the first. Leaving the presentation
        # keeps the screen, so the preview shows what the room last saw.
        st.session_state.pop(GOALS_SCREEN, None)
    st.session_state[ENTERED] = time.monotonic()


def _go_section(n: int) -> None:
    st.query_params["section"] = str(n)
    st.session_state[ENTERED] = time.monotonic()
    st.session_state.pop(GOALS_SCREEN, None)   # a goals slide opens on its first screen


def goals_screen(item_id: int) -> int:
    """The screen of the goals slide (agenda item ``item_id``) this viewer shows (0: the first)."""
    shown = st.session_state.get(GOALS_SCREEN)
    return shown[1] if shown and shown[0] == item_id else 0


def _show_goals_screen(item_id: int, screen: int) -> None:
    st.session_state[GOALS_SCREEN] = (item_id, screen)
    st.session_state[ENTERED] = time.monotonic()   # auto-advance gives each screen its full time


def goals_screen_count(meeting: meetings.Meeting, item: meetings.AgendaItem) -> int:
    """How many screens the section takes on the projector: the goals slide pages through its
    goals, a slide of decisions and actions (the summary, a topic) through them; every other
    section is one screen. (The name is the goals slide's, which paged first.)"""
    if item.kind == "goals":
        return len(meeting_content.goal_screens(len(meetings.section_numbers(meeting, "goals")["goals"])))
    if item.kind in ("wrap_up", "topic"):
        decisions, acts = _outcome_frames(meeting, None if item.kind == "wrap_up" else item)
        return len(meeting_content.outcome_screens(len(decisions), len(acts)))
    return 1


def _outcome_frames(meeting: meetings.Meeting, item: meetings.AgendaItem | None):
    """This meeting's decisions and action items: all (the summary), or those under one agenda item."""
    decisions = meetings.decisions(meeting.id)
    acts = meetings.actions(meeting.id)
    if item is not None:
        decisions = decisions[decisions["agenda_item_id"] == item.id] if not decisions.empty else decisions
        acts = acts[acts["agenda_item_id"] == item.id] if not acts.empty else acts
    return decisions, acts


def _forward(n: int, count: int, item_id: int, screens: int, *, by_hand: bool = True) -> None:
    """Next (button, → key, auto-advance): the goals slide's next screen of goals while it has one,
    else the next section. Read when clicked, so a screen chosen with the slide's own paging
    buttons counts."""
    screen = goals_screen(item_id)
    if screen + 1 < screens:
        _show_goals_screen(item_id, screen + 1)
    elif by_hand:
        _go_section_by_hand(step(n, count, +1))
    else:
        _go_section(step(n, count, +1))


def _back(n: int, count: int, item_id: int) -> None:
    """Previous: the goals slide's previous screen of goals, else the previous section."""
    screen = goals_screen(item_id)
    if screen > 0:
        _show_goals_screen(item_id, screen - 1)
    else:
        _go_section_by_hand(step(n, count, -1))


def _go_section_by_hand(n: int) -> None:
    """A viewer moved themselves (button, arrow key, agenda): they stop following the presenter,
    who pulled them back within seconds; the toggle turns following on again."""
    if st.session_state.get(FOLLOW):
        st.session_state[FOLLOW] = False
    _go_section(n)


def flash(message: str) -> None:
    st.session_state[FLASH] = message


def fail(err: Exception) -> None:
    st.session_state[ERROR] = str(err)


def messages(*, toast: bool = False) -> None:
    """Show (once) what the last action did, or why it could not. ``toast``: a success as a toast
    (the presentation: a banner stayed above the slide until the next section, pushing it down —
    at 720p off the screen); an error stays a banner, it has to be read."""
    if st.session_state.get(ERROR):
        st.error(st.session_state.pop(ERROR), icon=":material/error:")
    if st.session_state.get(FLASH):
        if toast:
            st.toast(st.session_state.pop(FLASH), icon=":material/check_circle:")
        else:
            st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")


def tz() -> str:
    return settings.company_timezone()


# --------------------------------------------------------------------------- CSS


PRESENTATION_CSS = """
<style>
  section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  header[data-testid="stHeader"] { display: none !important; }
  .block-container, [data-testid="stMainBlockContainer"] {
      max-width: 100% !important; padding: 0.6rem 2.2rem 1.2rem 2.2rem !important; }
  /* blocks that only carry CSS or an invisible component take no room on the projector */
  [data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:has(style),
  [data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:has(iframe[height="0"]) { display: none; }
  [data-testid="stMetricValue"] { font-size: clamp(2.3rem, 3.3vw, 4.3rem) !important; line-height: 1.1; }
  [data-testid="stMetricLabel"] p { font-size: clamp(1.05rem, 1.35vw, 1.75rem) !important; }
  [data-testid="stMetricDelta"] { font-size: clamp(1rem, 1.15vw, 1.5rem) !important; }
  [data-testid="stMetricDelta"] + div, [data-testid="stCaptionContainer"] p { font-size: clamp(0.95rem, 1.05vw, 1.35rem) !important; }
  .mtg-big p, .mtg-big li { font-size: clamp(1.05rem, 1.3vw, 1.7rem); }
  .mtg-big td, .mtg-big th { font-size: clamp(0.95rem, 1.05vw, 1.4rem); }
  /* headers and short cells on one line ("Overdue by", an owner's name, "Decision overdue" wrapped at
     1280 px); the lead and what to do take the rest */
  .mtg-table th, .mtg-table td[data-col="owner"], .mtg-table td[data-col="situation"],
  .mtg-table td[data-col="overdue"] { white-space: nowrap; }
  .mtg-title { font-size: clamp(1.9rem, 2.7vw, 3.4rem); }
  /* at most six goal cards a screen (meeting_content.GOALS_PER_SCREEN): type for the back of the room */
  .mtg-goal .mtg-goal-value { font-size: clamp(1.7rem, 2.3vw, 3rem); }
  .mtg-goal .mtg-goal-title { font-size: clamp(1.15rem, 1.45vw, 1.9rem); }
  .mtg-goal .mtg-goal-note { font-size: clamp(0.95rem, 1.1vw, 1.4rem); }
  /* the check-in text is clipped on a word boundary in Python (meeting_content.clip) to about two
     lines; the clamp only guards a narrow window */
  .mtg-goal .mtg-checkin { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
  /* the asks between the teams, one line each (the Goals page has them in full) */
  .mtg-goal .mtg-needs, .mtg-goal .mtg-blockers { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .mtg-head-meta { font-size: clamp(.9rem, 1vw, 1.2rem); }
  .mtg-goals-screen { font-size: clamp(1.05rem, 1.3vw, 1.7rem); }
  /* action items and decisions, read from the back of the room like the tiles above them */
  .mtg-action { font-size: clamp(1.05rem, 1.3vw, 1.7rem); line-height: 1.35; }
  .mtg-more-short { display: none; }
  /* a decision's or action's text in two lines at most, who/when in one (the control room and the
     export have them whole): six of each a screen fit a 720p projector (meeting_content.OUTCOMES_PER_SCREEN) */
  .mtg-action .mtg-clamp { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
  .mtg-action .mtg-meta { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  [data-testid="stMainBlockContainer"] h4 { font-size: clamp(1.25rem, 1.6vw, 2.1rem) !important; }
  /* short screens (720p projectors): tighter, so one section still fits one screen */
  @media (max-height: 820px) {
    .block-container, [data-testid="stMainBlockContainer"] { padding-bottom: .3rem !important; }
    .mtg-title { font-size: clamp(1.6rem, 2.3vw, 2.4rem); }
    [data-testid="stMetricValue"] { font-size: clamp(2rem, 2.8vw, 3rem) !important; }
    /* one section's blocks closer together (the SLA slide ran 12 px past a 720 px screen) */
    [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { row-gap: .75rem; }
    .mtg-goal { padding: .4rem .7rem; margin-bottom: .45rem; }
    .mtg-goal .mtg-goal-value { font-size: 1.6rem; }
    .mtg-goal .mtg-goal-title { font-size: 1.15rem; }
    .mtg-goal .mtg-goal-note { font-size: .95rem; }
    .mtg-goal .mtg-checkin-text, .mtg-goal .mtg-blockers { display: none; }  /* on the Goals page */
    .mtg-goal .mtg-bar-wrap > div { margin: 3px 0 5px 0 !important; }
    .mtg-table tr.mtg-more { display: none; }
    [class*="st-key-mtg-more-"] { display: none !important; }
    .mtg-more-tall { display: none; } .mtg-more-short { display: inline !important; }
    .mtg-big td, .mtg-big th { padding-top: .25em; padding-bottom: .25em; }
    /* six decisions and six actions a screen fit under a header wrapped onto three lines */
    .mtg-action { margin: .1rem 0 .2rem 0; }
  }
</style>
"""

BASE_CSS = f"""
<style>
  .mtg-kicker {{ color: #475569; font-weight: 600; letter-spacing: .02em; }}
  /* agenda items: left-aligned like a list, long titles wrap instead of ending in "…" at 1366 px */
  [class*="st-key-mtg_goto_"] button, [class*="st-key-mtg_goto_"] button div {{
      justify-content: flex-start !important; text-align: left; }}
  [class*="st-key-mtg_goto_"] button * {{ white-space: normal !important; overflow: visible !important;
      text-overflow: clip !important; text-align: left; }}
  /* a tile's label wraps rather than being cut ("Done since last …") */
  [data-testid="stMetricLabel"] * {{ white-space: normal !important; overflow: visible !important;
      text-overflow: clip !important; }}
  /* a KPI's caption goes under its delta when both do not fit on one line (a delta that says what it
     compares with is long), instead of being squeezed to nothing */
  [data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) {{ flex-wrap: wrap; row-gap: .15rem; }}
  [data-testid="stMetricDeltaDescription"] {{ flex-shrink: 0; max-width: 100%; }}
  [data-testid="stMetricDelta"] {{ max-width: 100%; }}
  [data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] * {{ white-space: normal; overflow: visible;
      text-overflow: clip; }}
  .mtg-title {{ font-size: 1.9rem; font-weight: 750; color: #0F172A; line-height: 1.15; margin: 0;
                padding: 0 !important; }}
  .mtg-chip {{ display: inline-block; padding: .15em .65em; border-radius: 999px; font-weight: 650;
              margin-left: .4em; white-space: nowrap; }}
  .mtg-live {{ background: #DCFCE7; color: #166534; }}
  .mtg-frozen {{ background: #E0F2FE; color: #075985; }}
  .mtg-today {{ background: #FEF3C7; color: #92400E; }}
  .mtg-state-note {{ color: #92400E; font-weight: 600; }}
  .mtg-ok {{ background: #F1F5F9; color: #334155; }}
  .mtg-warn {{ background: #FEF3C7; color: #92400E; }}
  .mtg-over {{ background: #FEE2E2; color: #991B1B; }}
  .mtg-side {{ font-weight: 700; letter-spacing: .02em; }}
  .mtg-table {{ width: 100%; border-collapse: collapse; }}
  .mtg-table th {{ text-align: left; color: #475569; font-weight: 650; border-bottom: 2px solid #CBD5E1;
                  padding: .35em .5em; }}
  .mtg-table td {{ border-bottom: 1px solid #E2E8F0; padding: .4em .5em; vertical-align: top; }}
  .mtg-goal {{ border: 1px solid #E2E8F0; border-radius: .6rem; padding: .6rem .9rem; margin-bottom: .7rem;
              background: #FFFFFF; }}
  .mtg-goal-title {{ font-weight: 700; color: #0F172A; font-size: 1.05rem; }}
  .mtg-goal-value {{ font-weight: 750; font-size: 1.5rem; color: #0F172A; }}
  .mtg-goal-note {{ color: #475569; font-size: .9rem; }}
  /* "· At risk" in one piece after a goal's title (it broke to "· At / risk" at 1280 px) */
  .mtg-status {{ font-weight: 700; white-space: nowrap; }}
  .mtg-goals-screen {{ font-weight: 700; color: #0F172A; white-space: nowrap; }}
  .mtg-action {{ border-left: 5px solid {theme.PENDING}; padding: .3rem .8rem; margin: .15rem 0 .5rem 0; }}
  .mtg-overdue {{ color: {theme.BAD}; font-weight: 700; }}
  /* the scoreboard's preview below 1600 px (about 480 px wide at 1280): one side under the other, its
     tiles in rows of two; three sides of tiles 140 px wide wrapped "+66% vs previous period" onto
     three lines and "Median first touch" onto two, and the rows' heights differed */
  @media (min-width: 641px) and (max-width: 1599px) {{
    .st-key-mtg-scoreboard-preview [data-testid="stHorizontalBlock"] {{ flex-direction: column; }}
    .st-key-mtg-scoreboard-preview [data-testid="stColumn"] {{ width: 100% !important; flex: 1 1 auto !important; }}
    .st-key-mtg-scoreboard-preview [data-testid="stColumn"] > [data-testid="stVerticalBlock"] {{ flex-flow: row wrap; }}
    .st-key-mtg-scoreboard-preview [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > * {{
        flex: 0 0 calc(50% - .5rem); }}
    .st-key-mtg-scoreboard-preview [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
        > [data-testid="stElementContainer"] {{ flex-basis: 100%; }}
  }}
</style>
"""


# --------------------------------------------------------------------------- the meeting list


def meeting_list(user: User, frame: pd.DataFrame) -> None:
    """Upcoming and live meetings first, then past ones; open or present each."""
    zone = tz()
    today = local_today(zone)
    if frame.empty:
        empty_state("No meetings yet.", "A presenter (executive, team lead or admin) can plan the first one above."
                    if not user.can("meeting.present") else "Plan the first one above.")
        return
    now = pd.Timestamp.now(tz="UTC")
    upcoming = frame[(frame["status"] == "live") | ((frame["status"] == "planned") & (frame["scheduled_at"] >= now
                                                                                        - pd.Timedelta(hours=12)))]
    upcoming = upcoming.sort_values("scheduled_at")
    past = frame.drop(upcoming.index)
    for title, rows in (("Upcoming and live", upcoming), ("Earlier meetings", past)):
        if rows.empty:
            continue
        st.markdown(f"#### {title}")
        for r in rows.itertuples():
            with st.container(border=True, key=f"mtg_row_{r.id}"):
                # the outcome counts on a line of their own under the date: in a middle column a 1280 px
                # window wrapped them ("(4 / open)") with empty space beside them
                left, right = st.columns([5.5, 3.2], vertical_alignment="center")
                with left:
                    st.markdown(f"**{fmt.md_text(r.title)}** &nbsp; :{STATUS_BADGE[r.status]}-badge[{STATUSES[r.status]}]"
                                + (" &nbsp; :blue-badge[Frozen]" if pd.notna(r.frozen_at) else ""))
                    when = meeting_content.meeting_when_text(r.scheduled_at, r.started_at, zone, today)
                    st.caption(f"{when} · presenter {fmt.text_or(r.presenter, fmt.DASH)} · "
                               f"{r.planned_minutes}\u00a0min planned  \n"
                               f"{r.decisions} decision{'s' if r.decisions != 1 else ''} · {r.actions} action"
                               f"{'s' if r.actions != 1 else ''} ({r.open_actions}\u00a0open)")
                # a row that wraps: on a tablet the two buttons went under each other, not to "O…"
                with right, st.container(horizontal=True, gap="small", horizontal_alignment="right"):
                    about = r.title   # the row's buttons named for it (widgets.row_button)
                    row_button(st, "Open", about=about, detail=when, key=f"mtg_open_{r.id}", on_click=go,
                               args=(int(r.id),), icon=":material/folder_open:")
                    row_button(st, "Present", about=about, detail=when, key=f"mtg_present_{r.id}", on_click=go,
                               args=(int(r.id), 1, True), icon=":material/co_present:",
                               type="primary" if title == "Upcoming and live" else "secondary")


# --------------------------------------------------------------------------- shared pieces


def _side_head(side: str) -> None:
    st.markdown(f'<div class="mtg-side" style="color:{theme.SIDE_COLORS[side]}">{SIDE_TITLES[side]}</div>',
                unsafe_allow_html=True)


def _plot(fig, key: str) -> None:
    st.plotly_chart(fig, key=key, width="stretch", config={"displayModeBar": False})


def _html(markup: str) -> None:
    st.markdown(f'<div class="mtg-big">{markup}</div>', unsafe_allow_html=True)


def _table(frame: pd.DataFrame, headers: dict[str, str], *, key: str, short: int | None = None) -> None:
    """An HTML table in the section's large type; ``short``: rows kept on short screens (the others
    carry class mtg-more, hidden below 820 px of height)."""
    head = "".join(f"<th>{esc(headers[c])}</th>" for c in headers)
    body = "".join(("<tr class=\"mtg-more\">" if short is not None and i >= short else "<tr>")
                   + "".join(f'<td data-col="{c}">{meeting_content.cell(v)}</td>' for c, v in zip(headers, row)) + "</tr>"
                   for i, row in enumerate(frame[list(headers)].itertuples(index=False, name=None)))
    _html(f'<table class="mtg-table" id="{key}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def timer_chip(meeting: meetings.Meeting, item: meetings.AgendaItem, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    running = meeting.is_live and meeting.current_item_id == item.id
    used = used_seconds(item.used_seconds, meeting.current_item_since if running else None, now)
    state = timer_state(used, item.planned_minutes)
    label = timer_label(running, meeting.status, used, item.planned_minutes)
    return (f'<div style="text-align:right"><span class="mtg-chip mtg-{state}" data-testid="mtg-timer" '
            f'title="time used of the time planned">{label}</span></div>')


def numbers_state(meeting: meetings.Meeting, payload: dict) -> meeting_content.NumbersState:
    """Live, frozen, or — a meeting already held and never frozen — today's numbers, not the meeting's."""
    zone = tz()
    held = meeting.status == "done" and not meeting.is_frozen
    return meeting_content.numbers_state(payload, zone, frozen=meeting.is_frozen, today=local_today(zone),
                                         held_on=(meeting.started_at or meeting.scheduled_at) if held else None)


def state_chip(meeting: meetings.Meeting, payload: dict) -> str:
    state = numbers_state(meeting, payload)
    title = f' title="{esc(state.note)}"' if state.note else ""
    return f'<span class="mtg-chip mtg-{state.tone}"{title}>{esc(state.text)}</span>'


# --------------------------------------------------------------------------- section bodies


def section_body(user: User, meeting: meetings.Meeting, items: tuple, item: meetings.AgendaItem, *, big: bool) -> None:
    """One agenda item's content (numbers live or frozen, or the meeting's own records)."""
    kind = item.kind
    if SECTIONS[kind].data:
        payload = meetings.section_numbers(meeting, kind)
        # Slipping leads are every open hand-off past its deadline, whatever the period (as on
        # the Leads slipping through page); the other sections read the meeting's period.
        scope = ("Every open hand-off, of any period" if kind == "slipping" else
                 f'{payload["period"]["label"]}: {meeting_content.period_text(payload["period"], local_today(tz()))}')
        state = numbers_state(meeting, payload)
        # Today's numbers of a meeting already held: say so in words, not only in the chip's tooltip.
        note = f'<span class="mtg-state-note" style="margin-left:.6em">{esc(state.note)}</span>' \
            if state.tone == "today" else ""
        st.markdown(f'<div class="mtg-kicker" data-testid="mtg-as-of">{state_chip(meeting, payload)}'
                    f'<span style="margin-left:.6em">{esc(scope)}</span>{note}</div>', unsafe_allow_html=True)
        if kind == "goals":
            _goals(payload, user, big=big, item_id=item.id)
        else:
            {"scoreboard": _scoreboard, "acceptance": _acceptance, "sla": _sla,
             "slipping": _slipping}[kind](payload, user, big=big)
    elif kind == "open_actions":
        _open_actions(user, meeting, big=big)
    elif kind == "wrap_up":
        _outcomes(user, meeting, None, big=big, item_id=item.id)
    else:
        _outcomes(user, meeting, item, big=big, item_id=item.id)


def _scoreboard(p: dict, user: User, *, big: bool) -> None:
    if p["is_empty"]:
        empty_state(f"Nothing to show for {p['period']['text']}: no MQLs, hand-offs, opportunities or open pipeline.")
        return
    st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
    groups = kpi_tiles.scoreboard_tiles(p)
    # the control room's preview is about 480 px wide in a 1280 px window: three sides of tiles there
    # wrapped "+66% vs previous period" onto three lines (BASE_CSS then lays each side out in rows of two)
    box = nullcontext() if big else st.container(key="mtg-scoreboard-preview")
    with box:
        cols = st.columns(3, gap="medium")
    for col, side in zip(cols, ("marketing", "sales", "shared")):
        with col:
            _side_head(side)
            for t in groups[side]:
                tile(t)
    st.caption(meeting_content.scoreboard_note(p, local_today(tz())))


def _goals(p: dict, user: User, *, big: bool, item_id: int = 0) -> None:
    """The goals on screens of at most meeting_content.GOALS_PER_SCREEN (two rows of cards fit a 720p
    projector whole), with a line that says which goals of how many are shown and buttons to page
    (Next and → page through the goals before they leave the section)."""
    lines = meeting_content.goal_lines(p)
    if not lines:
        empty_state(f"No shared goals for {p['period']['text']}.", "Leads set them on the Shared goals page.")
        return
    screens = meeting_content.goal_screens(len(lines))
    index = min(goals_screen(item_id), len(screens) - 1)   # fewer goals since (live numbers)
    screen = screens[index]
    shown = [lines[i] for i in screen]
    # as many columns on every screen as on the first, so the cards keep their size while paging; two in
    # the control room's preview (about 400 px at 1280 px: three cut the cards to a word or two a line)
    cols = st.columns(3 if big and len(screens[0]) > 4 else 2, gap="medium" if big else "small")
    for i, g in enumerate(shown):
        with cols[i % len(cols)]:
            st.markdown(goal_card_html(g, big=big, columns=len(cols)), unsafe_allow_html=True)
    if len(screens) > 1:
        with st.container(horizontal=True, vertical_alignment="center", gap="small", key="mtg_goals_paging"):
            st.markdown(f'<div class="mtg-goals-screen" data-testid="mtg-goals-screen">'
                        f'{esc(meeting_content.goals_screen_text(screen, len(lines)))}</div>', unsafe_allow_html=True)
            if index > 0:
                before = screens[index - 1]
                st.button(f"Goals {meeting_content.goals_range_text(before)}", key="mtg_goals_back",
                          on_click=_show_goals_screen, args=(item_id, index - 1), icon=":material/arrow_back:")
            if index + 1 < len(screens):
                after = screens[index + 1]
                st.button(f"Next: goals {meeting_content.goals_range_text(after)}", key="mtg_goals_next",
                          on_click=_show_goals_screen, args=(item_id, index + 1), icon=":material/arrow_forward:",
                          icon_position="right", type="primary")
    st.caption(meeting_content.BAR_LEGEND)


#: Characters of a check-in's narrative on a goal card, by (presentation?, columns): about two lines
#: after "On track · Priya Shah, 3 days ago:" at 1280 px and up (meeting_content.clip cuts on a word).
CHECKIN_CHARS = {(True, 3): 80, (True, 2): 140, (False, 3): 100, (False, 2): 160}


def goal_card_html(g: meeting_content.GoalLine, *, big: bool = False, columns: int = 3) -> str:
    """A goal as one compact card: status, value of target, progress bar (the Shared goals page's:
    black line = target, dotted = even pace, ◇ = projected), owners, last check-in."""
    color = TONE_COLORS[g.tone]
    note_color = TONE_COLORS[g.data_tone]   # the bar shows the data, as on the Shared goals page
    bar = progress_bar_html(g.bar, height=14 if big else 10) if g.bar is not None else ""
    owners = ", ".join(f'<span style="color:{theme.SIDE_COLORS.get(o["side"], theme.NEUTRAL)};font-weight:600">'
                       f'{esc(o["name"])}</span>' for o in g.owners)
    kr = f" · key result of {esc(g.parent_title)}" if g.parent_title else ""
    if g.period_note:   # a quarter's goal in a month's meeting: its value is the quarter's so far
        kr = f" · {esc(g.period_note)} goal{kr}"
    if g.checkin_by:
        conf = meeting_content.confidence_label(g.checkin_confidence)
        text = meeting_content.clip(g.checkin_text, CHECKIN_CHARS[(big, min(max(columns, 2), 3))])
        checkin = (f"<b>{esc(conf)}</b> · {esc(g.checkin_by)}"
                   + (f'<span class="mtg-checkin-text">: {esc(text)}</span>' if text else ""))
    else:
        checkin = "No check-in yet."
    # the asks between the teams are what the meeting is for: on the projector too, outside the
    # clipped narrative (a short screen keeps the needs and drops the blockers)
    limit = 90 if big else 120
    asks = "".join(f'<div class="mtg-goal-note {cls}"><b>{label}:</b> {esc(meeting_content.clip(text, limit))}</div>'
                   for cls, label, text in (("mtg-needs", "Needs", g.needs),
                                            ("mtg-blockers", "Blocked by", g.blockers)) if text)
    return (f'<div class="mtg-goal" data-goal="{g.id}">'
            f'<div class="mtg-goal-title">{esc(g.title)} '
            f'<span class="mtg-status" style="color:{color}">· {esc(g.status_label)}</span></div>'
            f'<div><span class="mtg-goal-value" data-value>{esc(g.value)}</span> '
            f'<span class="mtg-goal-note">of {esc(g.target)} · {esc(g.attainment)}{kr}</span></div>'
            f'<div class="mtg-bar-wrap">{bar}</div>'
            + (f'<div class="mtg-goal-note" style="color:{note_color}">{esc(g.data_note.capitalize())}.</div>'
               if g.data_note else '')
            + f'<div class="mtg-goal-note">{owners}</div>'
            f'<div class="mtg-goal-note mtg-checkin">{checkin}</div>{asks}</div>')


def _halves(big: bool, spec=2):
    """Two halves side by side on the projector (``spec``: st.columns' widths); in the control room's
    preview (about 400 px at 1280 px) one under the other: halves of it cut tile values to "6." and
    charts' labels."""
    return st.columns(spec, gap="large") if big else (st.container(), st.container())


def _tile_cells(count: int, big: bool, gap: str = "medium") -> list:
    """Cells for ``count`` tiles: one row on the projector, rows of two in the control room's preview."""
    if big:
        return list(st.columns(count, gap=gap))
    cells = []
    for start in range(0, count, 2):
        cells += list(st.columns(2, gap="small"))[:count - start]
    return cells


def _acceptance(p: dict, user: User, *, big: bool) -> None:
    tiles = meeting_content.acceptance_tiles(p)
    st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
    for col, t in zip(_tile_cells(len(tiles), big), tiles):
        with col:
            tile(t)
    figs = meeting_charts_for("acceptance", p, big=big)
    left, right = _halves(big)
    with left:
        _plot(figs[0][1], "mtg_fig_sources")
    with right:
        _plot(figs[1][1], "mtg_fig_reasons")
    st.caption(meeting_content.acceptance_note(p, local_today(tz())))


def _sla(p: dict, user: User, *, big: bool) -> None:
    sides = sla_tiles.sla_sides(p)   # as on the two-sided SLA page, without its ⓘ helps
    st.markdown(theme.kpi_accent_css(), unsafe_allow_html=True)
    figs = dict(meeting_charts_for("sla", p, big=big))

    def tiles(side: str) -> None:
        st.markdown(sla_tiles.heading_html(sides[side], "mtg-side"), unsafe_allow_html=True)
        for col, t in zip(_tile_cells(len(sides[side].tiles), big, gap="small"), sides[side].tiles):
            with col:
                tile(t)
        st.caption("  \n".join(sides[side].notes))

    def chart(side: str) -> None:
        if side == "marketing":
            _plot(figs["mql_pace"], "mtg_fig_pace")
            starts_later = meeting_content.pace_chart_note(p)
            if starts_later:   # a period from before the data: the chart starts where the data does
                st.caption(starts_later)
        else:
            _plot(figs["compliance"], "mtg_fig_compliance")

    if not big:   # the control room's preview: one side under the other, each its tiles then its chart
        for side in sla_tiles.SIDES:
            tiles(side)
            chart(side)
    else:
        # the tiles' row in proportion to the tiles (two and three), so all five are as wide: in equal
        # halves the sales tiles were too narrow at 1280 px for "Contacted in time" and its ⓘ on one
        # line, and its number sat a line lower than its neighbours'. The charts under them take equal
        # halves: in two fifths of 1024 px the pace chart's title was cut ("MQLs delivered against the
        # commitr").
        widths = [len(sides[s].tiles) for s in sla_tiles.SIDES]
        for side, half in zip(sla_tiles.SIDES, _halves(big, widths)):
            with half:
                tiles(side)
        for side, half in zip(sla_tiles.SIDES, _halves(big)):
            with half:
                chart(side)
    if not p.get("commitment"):
        st.caption("No SLA commitment covers this period: set one on the SLA policies page to see pace and targets.")


def visible_slipping(user: User) -> int | None:
    """Lead-level rows a viewer may see: everyone's (None) or only their own (their rep id; -1 = none)."""
    if user.can("see_all_reps"):
        return None
    return user.rep_id if user.rep_id is not None else -1


def _slipping(p: dict, user: User, *, big: bool) -> None:
    tiles = meeting_content.slipping_tiles(p)
    for col, t in zip(_tile_cells(len(tiles), big), tiles):
        with col:
            tile(t)
    if p["total"] == 0:
        st.success("No lead is slipping through: every hand-off is decided in time and every accepted lead was "
                   "contacted.", icon=":material/check_circle:")
        return
    owner = visible_slipping(user)
    rows = meeting_content.slipping_rows(p, owner)
    # Side by side on the projector; one under the other in the control room's narrow preview, where
    # the owners' table overflowed its column and covered the leads' "What to do".
    left, right = st.columns([3, 1.2], gap="large") if big else (st.container(), st.container())
    with left:
        shown = rows.head(SLIPPING_ON_SCREEN)
        if owner is not None:
            st.caption(f"Lead-level rows: your own hand-offs among the {meetings.SLIPPING_ROWS} most recent slips "
                       "(the counts cover every team). All of yours are on My SLA.")
        if rows.empty:
            st.caption("None of your hand-offs is among them.")
        else:
            _table(shown, meeting_content.SLIPPING_HEADERS, key="mtg-slipping",
                   short=SLIPPING_ON_SHORT_SCREEN if big else None)
        if owner is None:
            st.caption(meeting_content.slipping_note(p, len(shown)))
    with right:
        if owner is None:  # per-rep counts: for those who may see every rep, as on the SLA pages
            owners = meeting_content.slipping_owners(p, top=6)   # and a row for the rest: it adds up to the tile
            _table(owners, {c: h for c, h in meeting_content.SLIPPING_OWNER_HEADERS.items() if c != "team"},
                   key="mtg-slipping-owners")
            st.caption(meeting_content.SLIPPING_OWNERS_ORDER)


def _can_update(user: User, line: meeting_content.ActionLine) -> bool:
    return meetings.may_update_action(user, {"owner_user_id": line.owner_user_id, "owner_rep_id": line.owner_rep_id})


def _set_status(user: User, action_id: int, status: str, version: int) -> None:
    try:
        meetings.set_action_status(user, action_id, status, version)
        flash("Action marked done." if status == "done" else "Action re-opened.")
    except MeetingError as err:
        fail(err)


def _withdraw(user: User, kind: str, outcome_id: int, version: int) -> None:
    try:
        meetings.withdraw(user, kind, outcome_id, version)
        flash(f"{kind.capitalize()} withdrawn: it no longer shows, and the audit log keeps it.")
    except MeetingError as err:
        fail(err)


def _action_rows(user: User, lines: list, *, key: str, limit: int | None = None, withdraw: bool = False,
                 short: int | None = None) -> None:
    """``short``: rows kept on short screens (the others sit in containers keyed mtg-more-…, hidden
    below 820 px of height, and the "And N more" line counts them)."""
    shown = lines[:limit] if limit else lines
    for index, a in enumerate(shown):
        border = {"overdue": theme.BAD, "today": theme.WARN, "done": theme.GOOD}.get(a.due_state, theme.PENDING)
        row = st.container(key=f"mtg-more-{key}-{a.id}") if short is not None and index >= short else nullcontext()
        with row:
            _action_row(user, a, border, key=key, withdraw=withdraw)
    tall = len(lines) - len(shown)
    if short is not None and len(lines) > short:
        low = len(lines) - min(short, len(shown))
        st.caption(f'<span class="mtg-more-tall">{_more_text(tall) if tall else ""}</span>'
                   f'<span class="mtg-more-short">{_more_text(low)}</span>', unsafe_allow_html=True)
    elif tall:
        st.caption(_more_text(tall))


def _more_text(n: int) -> str:
    return f"And {n} more open action{'s' if n != 1 else ''} (the control room lists them all)."


def _action_row(user: User, a, border: str, *, key: str, withdraw: bool) -> None:
    text, button = st.columns([5, 1.5], vertical_alignment="center")   # "Done" whole in a narrow pane
    with text:
        due_cls = "mtg-overdue" if a.due_state == "overdue" else ""
        owner_color = theme.SIDE_COLORS.get(a.owner_side, theme.NEUTRAL)
        link = f" · {esc(a.link)}" if a.link else ""
        # in words, not only the border's colour (and for viewers who get no Re-open button)
        done = (f'<span class="mtg-done-mark" style="color:{theme.GOOD_TEXT};font-weight:650">✓ Done</span> · '
                if a.status == "done" else "")
        _html(f'<div class="mtg-action" data-action="{a.id}" style="border-left-color:{border}">'
              f'<div class="mtg-clamp"><b>{esc(a.body)}</b></div>'
              f'<div class="mtg-meta">{done}<span style="color:{owner_color};font-weight:650">{esc(a.owner)}</span> · '
              f'<span class="{due_cls}">{esc(a.due)}</span> · <span style="color:#64748B">from {esc(a.meeting)}'
              f'{link}</span></div></div>')
    about, detail = a.body, f"{a.owner}, {a.due}"   # each row's buttons named for it (widgets.row_button)
    with button:
        if _can_update(user, a):
            if a.status == "open":
                row_button(st, "Done", about=about, detail=detail, key=f"{key}_done_{a.id}",
                           on_click=_set_status, args=(user, a.id, "done", a.version), icon=":material/check:",
                           width="stretch")
            else:
                row_button(st, "Re-open", about=about, detail=detail, key=f"{key}_reopen_{a.id}",
                           on_click=_set_status, args=(user, a.id, "open", a.version), type="tertiary", width="stretch")
        if withdraw:
            row_button(st, "Withdraw", about=about, detail=detail, key=f"{key}_withdraw_{a.id}",
                       on_click=_withdraw, args=(user, "action", a.id, a.version), type="tertiary", width="stretch",
                       help="Recorded by mistake: hide it (the audit log keeps it).")


def _open_actions(user: User, meeting: meetings.Meeting, *, big: bool) -> None:
    today = local_today(tz())
    lines = action_lines(meetings.open_actions(meeting), today, tz())
    done = action_lines(meetings.done_since_last(meeting), today, tz())
    overdue = sum(a.due_state == "overdue" for a in lines)
    for col, t in zip(st.columns(3, gap="medium"), (
            Tile("open_actions", "Open actions", fmt.number(len(lines)), good_when="neutral"),
            Tile("overdue_actions", "Overdue", fmt.number(overdue), good_when="neutral", side="sales"),
            Tile("done_actions", "Done since last meeting", fmt.number(len(done)), good_when="neutral",
                 side="marketing"))):
        with col:
            tile(t)
    if not lines:
        st.success("No open actions from earlier meetings.", icon=":material/task_alt:")
    else:
        _action_rows(user, lines, key="mtg_open", limit=MAX_ACTIONS_ON_SCREEN if big else None,
                     short=ACTIONS_ON_SHORT_SCREEN if big else None)


def _outcomes(user: User, meeting: meetings.Meeting, item: meetings.AgendaItem | None, *, big: bool,
              item_id: int = 0) -> None:
    """Decisions and actions of this meeting (all, or those recorded under one agenda item). On the
    projector at most meeting_content.OUTCOMES_PER_SCREEN of each a screen, each clamped to two lines
    (the control room and the export have them in full), with a paging line and buttons like the
    goals slide's (Next and → page through them before they leave the section)."""
    zone = tz()
    decisions, acts = _outcome_frames(meeting, item)
    d_lines = decision_lines(decisions, zone)
    a_lines = action_lines(acts, local_today(zone), zone)
    screens = meeting_content.outcome_screens(len(d_lines), len(a_lines)) if big else \
        [(range(len(d_lines)), range(len(a_lines)))]
    index = min(goals_screen(item_id), len(screens) - 1)   # fewer since (one withdrawn)
    d_shown, a_shown = screens[index]
    # Side by side on the projector; one under the other in the control room's narrow preview, where
    # halves of it cut the text to a few words a line and the buttons to "W…" and a bare check mark.
    left, right = st.columns(2, gap="large") if big else (st.container(), st.container())
    with left:
        st.markdown("#### Decisions")
        if not d_lines:
            st.caption("No decision recorded yet" + (" on this topic." if item else "."))
        elif not len(d_shown):
            st.caption(f"All {len(d_lines)} on earlier screens.")
        editable = not big and user.can("meeting.present")  # corrections in the control room, not on the projector
        for d in (d_lines[i] for i in d_shown):
            link = f' <span style="color:#64748B">· {esc(d.link)}</span>' if d.link else ""
            text, button = st.columns([5, 1.5], vertical_alignment="center") if editable else (st.container(), None)
            with text:
                _html(f'<div class="mtg-action" data-decision="{d.id}" style="border-left-color:{theme.SHARED}">'
                      f'<div class="mtg-clamp"><b>{esc(d.body)}</b>{link}</div>'
                      f'<div class="mtg-meta" style="color:#64748B">{esc(d.by)}, {esc(d.at)}</div></div>')
            if button is not None:
                row_button(button, "Withdraw", about=d.body, detail=f"{d.by}, {d.at}",
                           key=f"mtg_out_withdraw_decision_{d.id}", on_click=_withdraw,
                           args=(user, "decision", d.id, d.version), type="tertiary", width="stretch",
                           help="Recorded by mistake: hide it (the audit log keeps it).")
    with right:
        st.markdown("#### Action items")
        if not a_lines:
            st.caption("No action item recorded yet" + (" on this topic." if item else "."))
        elif not len(a_shown):
            st.caption(f"All {len(a_lines)} on earlier screens.")
        _action_rows(user, [a_lines[i] for i in a_shown], key=f"mtg_out_{item.id if item else 'all'}",
                     withdraw=editable)
    if len(screens) > 1:
        with st.container(horizontal=True, vertical_alignment="center", gap="small", key="mtg_outcomes_paging"):
            st.markdown(f'<div class="mtg-goals-screen" data-testid="mtg-outcomes-screen">'
                        f'{esc(meeting_content.outcomes_screen_text(index, screens, len(d_lines), len(a_lines)))}'
                        f'</div>', unsafe_allow_html=True)
            if index > 0:
                st.button(f"Screen {index}", key="mtg_outcomes_back", on_click=_show_goals_screen,
                          args=(item_id, index - 1), icon=":material/arrow_back:")
            if index + 1 < len(screens):
                st.button(f"Next: screen {index + 2} of {len(screens)}", key="mtg_outcomes_next",
                          on_click=_show_goals_screen, args=(item_id, index + 1), icon=":material/arrow_forward:",
                          icon_position="right", type="primary")


def meeting_charts_for(kind: str, p: dict, *, big: bool) -> list[tuple[str, object]]:
    """The figures of a section (the export draws the same ones)."""
    height = 340 if big else 380
    if kind == "acceptance":
        return [("sources", meeting_charts.acceptance_by_source_chart(meeting_content.sources_frame(p),
                                                                      p["total"].get("acceptance_rate"),
                                                                      minimum=p.get("min_acceptance_rate"),
                                                                      height=height, big=big)),
                ("reasons", meeting_charts.rejection_reasons_chart(meeting_content.reasons_frame(p), height=height,
                                                                   big=big))]
    if kind == "sla":
        period = p["period"]
        c = p.get("commitment") or {}
        as_of = pd.Timestamp(p["as_of"]).tz_convert(period["tz"]).to_pydatetime()
        start, end = pd.Timestamp(period["start"]).date(), pd.Timestamp(period["end"]).date()
        committed = c.get("daily")
        if committed is None and c.get("mql_volume"):   # frozen before per-day commitments were kept
            committed = [c["mql_volume"] / ((end - start).days + 1)] * ((end - start).days + 1)
        # lower on the projector than acceptance's: under two rows of tiles and their captions, a
        # meeting title that wraps the header onto two lines put the x-axis labels 7 px past a 720p screen
        height = height - (60 if big else 20)
        pace = sla_charts.mql_pace_chart(frame_from_json(p["mql_days"]), start, end, committed, as_of,
                                         height=height, shown_from=meeting_content.pace_chart_start(p))
        trend = sla_charts.compliance_trend_chart(frame_from_json(p["weekly_by_team"]),
                                                  target=c.get("follow_up_target_rate"),
                                                  title="Contacted in time, by team and week", height=height,
                                                  grain="week")
        if big:
            pace, trend = meeting_charts.for_projector(pace), meeting_charts.for_projector(trend)
        return [("mql_pace", pace), ("compliance", trend)]
    return []


# --------------------------------------------------------------------------- live parts


def live_body(user: User, meeting_id: int, item_id: int, *, big: bool) -> None:
    """The section body, rerun on its own every LIVE_REFRESH_SECONDS (the metric caches' TTL)."""

    @st.fragment(run_every=LIVE_REFRESH_SECONDS)
    def _body():
        with database_guard():   # reruns on its own, outside app.py's guard
            keep_fragment_current(user)
            _live(user, meeting_id, item_id, big=big)

    _body()


def _live(user: User, meeting_id: int, item_id: int, *, big: bool) -> None:
    meeting = meetings.get(meeting_id)
    items = meetings.agenda(meeting_id) if meeting else ()
    item = next((i for i in items if i.id == item_id), None)
    if meeting is None or item is None:
        st.warning("This agenda item was removed meanwhile. Go to another section, or reload.")
        return
    section_body(user, meeting, items, item, big=big)


def heartbeat(user: User, meeting: meetings.Meeting, item: meetings.AgendaItem, items: tuple) -> None:
    """Every few seconds: the timer ticks, and a change of shared state (frozen, unfrozen, agenda
    edited, the presenter moved while this viewer follows) reruns the whole screen."""

    @st.fragment(run_every=HEARTBEAT_SECONDS)
    def _beat():
        with database_guard():   # reruns on its own, outside app.py's guard
            keep_fragment_current(user)
            fresh = meetings.get(meeting.id)
        if fresh is None:
            return
        shown = (meeting.version, meeting.frozen_at, meeting.status)
        if (fresh.version, fresh.frozen_at, fresh.status) != shown:
            st.rerun(scope="app")
        if st.session_state.get(FOLLOW) and fresh.is_live and fresh.current_item_id not in (None, item.id):
            target = next((i.position for i in items if i.id == fresh.current_item_id), None)
            if target is not None:
                _go_section(target)
                st.rerun(scope="app")
        st.markdown(timer_chip(fresh, item), unsafe_allow_html=True)

    _beat()


def auto_advance(n: int, count: int, every: int, item_id: int = 0, screens: int = 1) -> None:
    """Move on after ``every`` seconds on screen: to the goals slide's next screen of goals while it
    has one, else to the next section (stops at the last one)."""
    if every <= 0 or (n >= count and screens <= 1):
        return

    @st.fragment(run_every=auto_tick_seconds(every))
    def _tick():
        auto_advance_tick(n, count, every, item_id, screens)

    _tick()


def auto_advance_tick(n: int, count: int, every: int, item_id: int = 0, screens: int = 1) -> None:
    """One auto-advance check. While the presenter has the decision or action dialog open, the room
    stays on the section being discussed (it moved on under the dialog, and the next tick moved
    again), and the section's time starts afresh, so it gets its full time once the dialog closes."""
    entered = st.session_state.get(ENTERED)
    now = time.monotonic()
    if entered is None or st.session_state.get(DIALOG):
        st.session_state[ENTERED] = now
    elif advance_due(entered, now, every):
        if goals_screen(item_id) + 1 >= screens and n >= count:
            return   # the last screen of the last section
        _forward(n, count, item_id, screens, by_hand=False)
        st.rerun(scope="app")


# --------------------------------------------------------------------------- presentation


def _freeze(user: User, meeting_id: int, version: int) -> None:
    try:
        _, at = meetings.freeze(user, meeting_id, version)
        flash(f"Numbers frozen as of {meeting_content.local_time(at, tz())} for everyone viewing this meeting.")
    except MeetingError as err:
        fail(err)


def _unfreeze(user: User, meeting_id: int, version: int) -> None:
    try:
        meetings.unfreeze(user, meeting_id, version)
        flash("Numbers are live again: they refresh every minute.")
    except MeetingError as err:
        fail(err)


def _open_dialog(kind: str) -> None:
    st.session_state[DIALOG] = kind


def track_position(user: User, meeting: meetings.Meeting, item: meetings.AgendaItem) -> bool:
    """The presenter is on ``item``: the agenda timer follows (see meetings.move_to). True when it
    moved: the meeting and agenda read before are then stale (reload them before rendering)."""
    if meetings.move_to(user, meeting, item.id):
        st.session_state[ENTERED] = time.monotonic()
        return True
    return False


def presentation(user: User, meeting: meetings.Meeting, items: tuple, n: int) -> None:
    from components import meeting_forms

    st.markdown(BASE_CSS + PRESENTATION_CSS, unsafe_allow_html=True)
    item = items[n - 1]
    presenter = user.can("meeting.present")
    if ENTERED not in st.session_state:
        st.session_state[ENTERED] = time.monotonic()

    bar = st.container(horizontal=True, vertical_alignment="center", gap="small", key="mtg_controls")
    with bar:
        # No arrow icons: the keyboard-shortcut hint Streamlit draws is the arrow already.
        # on the goals slide they page through its goals first (one screen of cards at a time)
        screens = goals_screen_count(meeting, item)
        st.button("Previous", key="mtg_prev", on_click=_back, args=(n, len(items), item.id),
                  disabled=n <= 1 and goals_screen(item.id) == 0, shortcut="Left")
        st.button("Next", key="mtg_next", on_click=_forward, args=(n, len(items), item.id, screens),
                  disabled=n >= len(items) and goals_screen(item.id) + 1 >= screens, shortcut="Right",
                  type="primary")
        st.markdown(f"**{n} / {len(items)}**")
        if presenter:
            if meeting.status == "done":
                pass   # an ended meeting's numbers are its record (meetings.ENDED)
            elif meeting.is_frozen:
                st.button("Unfreeze", key="mtg_unfreeze", on_click=_unfreeze, args=(user, meeting.id, meeting.version),
                          icon=":material/play_arrow:", help="Back to live numbers for everyone.")
            else:
                st.button("Freeze numbers", key="mtg_freeze", on_click=_freeze, args=(user, meeting.id, meeting.version),
                          icon=":material/ac_unit:", disabled=meeting.status == "cancelled",
                          help="Stop the numbers at this minute for everyone viewing this meeting.")
            st.button("Decision", key="mtg_add_decision", on_click=_open_dialog, args=("decision",),
                      icon=":material/gavel:")
            st.button("Action item", key="mtg_add_action", on_click=_open_dialog, args=("action",),
                      icon=":material/assignment_add:")
        else:
            # in a live meeting, follow by default, unless a link brought this viewer to a section
            st.session_state.setdefault(FOLLOW, meeting.is_live and not st.session_state.get(LINKED_SECTION))
            st.toggle("Follow the presenter", key=FOLLOW, help="Move to the section the presenter shows.")
        st.selectbox("Auto-advance", AUTO_ADVANCE, key=AUTO, label_visibility="collapsed", width=210,
                     format_func=lambda s: "Auto-advance: off" if s == 0 else f"Auto-advance: {s} s")
        st.button("Exit presentation", key="mtg_exit", on_click=go, args=(meeting.id, n, False),
                  icon=":material/close_fullscreen:", type="tertiary")

    messages(toast=True)
    head, chips = st.columns([2.6, 1.4], vertical_alignment="center")
    with head:
        st.markdown(f'<h1 class="mtg-title" id="mtg-section-title">{esc(section_title(item.kind, item.title))}</h1>',
                    unsafe_allow_html=True)
    with chips:
        heartbeat(user, meeting, item, items)
        # Never cut: the title wraps between words, the date stays in one piece.
        when = meeting_content.meeting_when_text(meeting.scheduled_at, meeting.started_at, tz(), local_today(tz()),
                                                 clock=False)
        st.markdown(f'<div class="mtg-kicker mtg-head-meta" data-testid="mtg-meeting-line" style="text-align:right">'
                    f'{esc(meeting.title)} · <span style="white-space:nowrap">{esc(when)}</span></div>',
                    unsafe_allow_html=True)
    live_body(user, meeting.id, item.id, big=True)
    auto_advance(n, len(items), int(st.session_state.get(AUTO) or 0), item.id, screens)
    if presenter and st.session_state.get(DIALOG):
        meeting_forms.record_dialog(user, meeting, items, item)
    st.session_state[SHOWN] = (meeting.id, meeting.version, meeting.frozen_at, n)


# --------------------------------------------------------------------------- control room


def control_room(user: User, meeting: meetings.Meeting, items: tuple, n: int) -> None:
    from components import meeting_export, meeting_forms

    st.markdown(BASE_CSS, unsafe_allow_html=True)
    zone = tz()
    today = local_today(zone)
    item = items[n - 1]
    presenter = user.can("meeting.present")
    st.button("All meetings", key="mtg_back", on_click=go, args=(None,), icon=":material/arrow_back:", type="tertiary")
    st.markdown(f"# {fmt.md_text(meeting.title)}")   # the page's heading
    badges = f":{STATUS_BADGE[meeting.status]}-badge[{STATUSES[meeting.status]}]"
    if meeting.is_frozen:
        frozen = (f"{meeting_content.local_time(meeting.frozen_at, zone)}, "
                  f"{local_date_text(meeting.frozen_at, zone, today, weekday=True)}")
        badges += f" :blue-badge[Frozen as of {frozen}]"
    elif meeting.status == "done":
        badges += " :orange-badge[Not frozen: the sections show today's numbers]"
    when = meeting_content.meeting_when_text(meeting.scheduled_at, meeting.started_at, zone, today)
    st.markdown(f"{badges} &nbsp; {when} · presenter "
                f"**{esc(meeting.presenter or '—')}** · numbers for "
                f"**{meeting_forms.PRESET_LABELS.get(meeting.period_preset, meeting.period_preset).lower()}**")
    messages()

    bar = st.container(horizontal=True, gap="small", key="mtg_room_controls")
    with bar:
        st.button("Present", key="mtg_start_present", on_click=go, args=(meeting.id, n, True), type="primary",
                  icon=":material/co_present:")
        if presenter:
            meeting_forms.status_buttons(user, meeting, item)
            if meeting.status == "done":
                pass   # an ended meeting's numbers are its record (meetings.ENDED)
            elif meeting.is_frozen:
                st.button("Unfreeze", key="mtg_unfreeze_room", on_click=_unfreeze,
                          args=(user, meeting.id, meeting.version), icon=":material/play_arrow:")
            elif meeting.status != "cancelled":
                st.button("Freeze numbers", key="mtg_freeze_room", on_click=_freeze,
                          args=(user, meeting.id, meeting.version), icon=":material/ac_unit:")
    if not presenter:
        st.caption("You can follow and export this meeting; presenters (executives, team leads, admins) run it.")

    agenda_col, preview_col = st.columns([1.3, 2], gap="medium")
    with agenda_col:
        st.markdown("#### Agenda")
        agenda_overview(meeting, items, n)
        if presenter:
            with st.expander("Edit the agenda", icon=":material/edit_note:"):
                meeting_forms.agenda_editor(user, meeting, items)
            with st.expander("Meeting details", icon=":material/event:"):
                meeting_forms.meeting_form(user, meeting)
        meeting_export.export_panel(user, meeting, items)
    with preview_col:
        nav = st.container(horizontal=True, vertical_alignment="center", gap="small")
        with nav:
            st.button("Previous", key="mtg_room_prev", on_click=_go_section_by_hand, args=(step(n, len(items), -1),),
                      disabled=n <= 1, icon=":material/arrow_back:")
            st.button("Next", key="mtg_room_next", on_click=_go_section_by_hand, args=(step(n, len(items), +1),),
                      disabled=n >= len(items), icon=":material/arrow_forward:", icon_position="right")
            st.markdown(f"**{n} / {len(items)} · {fmt.md_text(section_title(item.kind, item.title))}**")
        heartbeat(user, meeting, item, items)
        live_body(user, meeting.id, item.id, big=False)
        if presenter:
            st.divider()
            st.markdown("#### Record during the meeting")
            # One form at a time, at the column's full width (side by side their fields were cut).
            d, a = st.tabs(["Decision", "Action item"], key="mtg_record_tab", on_change="rerun")
            with d:
                meeting_forms.decision_form(user, meeting, items, item, key="mtg_room_decision")
            with a:
                meeting_forms.action_form(user, meeting, items, item, key="mtg_room_action")
    st.session_state[SHOWN] = (meeting.id, meeting.version, meeting.frozen_at, n)


def agenda_overview(meeting: meetings.Meeting, items: tuple, n: int) -> None:
    """The agenda with each item's time used against planned; click one to show it."""
    now = datetime.now(timezone.utc)
    total_planned = sum(i.planned_minutes for i in items)
    for i in items:
        running = meeting.is_live and meeting.current_item_id == i.id
        used = used_seconds(i.used_seconds, meeting.current_item_since if running else None, now)
        state = timer_state(used, i.planned_minutes)
        label = f"{i.position}. {fmt.md_text(section_title(i.kind, i.title))}"   # button labels are Markdown
        cols = st.columns([3, 2.2], vertical_alignment="center")
        cols[0].button(label, key=f"mtg_goto_{i.id}", on_click=_go_section_by_hand, args=(i.position,),
                       type="primary" if i.position == n else "tertiary", width="stretch", help=label)
        # Compact (the colour says 'over'; the full text is the tooltip), so it fits its column at 1280 px:
        # "Now · 12:34 / 10 min" spilled out of it; ▶ marks the item the timer runs on.
        now_text = "Now, the timer runs on this item: " if running else ""
        cols[1].markdown(f'<span class="mtg-chip mtg-{state}" data-running="{str(running).lower()}" '
                         f'style="white-space:nowrap;font-size:.85em;margin-left:0" '
                         f'title="{esc(now_text + timer_text(used, i.planned_minutes))}">{"▶ " if running else ""}'
                         f'{clock(used)} / {i.planned_minutes} min</span>', unsafe_allow_html=True)
    st.caption(f"{total_planned} minutes planned.")
