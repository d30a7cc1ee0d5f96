"""The frame around every page: database start-up, the sign-in screen, deep links, who is signed in."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from urllib.parse import urlparse

import sqlalchemy as sa
import streamlit as st

from components import auth
from components import format as fmt
from queries import db, settings, users
from queries.access import User

log = logging.getLogger(__name__)

_ENTRY_PATH = "_entry_path"

CSS = """
<style>
  /* KPI values shrink with the window rather than end in "…" ("$2.0…" on a tablet); labels wrap */
  [data-testid="stMetricValue"] { font-size: clamp(1.3rem, 2.3vw, 1.9rem); }
  [data-testid="stMetricLabel"] p { font-size: 0.95rem; font-weight: 600; color: #334155; }
  [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
                                    text-overflow: clip !important; }
  @media (max-width: 1100px) { .block-container { padding-left: 1.5rem; padding-right: 1.5rem; } }
  .block-container { padding-top: 2.2rem; padding-bottom: 2rem; }
  /* Tablets (768-1100 px): side-by-side columns that hold charts take the full width, one under
     the other. Side by side each chart was 300-340 px wide: titles, legends and tick labels had
     no room (sideways ticks, cut funnel labels). Streamlit itself stacks columns under 640 px. */
  /* Not in a meeting's presentation (its section title is an h1.mtg-title), which must fit one screen
     of an XGA (1024x768) projector. */
  @media (max-width: 1100px) {
    [data-testid="stMain"]:not(:has(h1.mtg-title))
      [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stPlotlyChart"]) {
      flex-wrap: wrap; }
    [data-testid="stMain"]:not(:has(h1.mtg-title))
      [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stPlotlyChart"])
      > [data-testid="stColumn"] { flex: 1 1 100% !important; min-width: 100% !important; width: 100% !important; }
  }
  /* Each page's title is its one h1 (widgets.page_header), drawn at the size of Streamlit's h2,
     which the titles used before; meeting mode's slide titles and the sign-in brand keep their own. */
  [data-testid="stMarkdownContainer"] h1:not(.mtg-title):not(.ab-brand) { font-size: 2.25rem; font-weight: 600;
                                                          padding: 1rem 0; line-height: 1.2; }
  /* a KPI tile's caption goes under its change when both do not fit on one line, instead of being
     cut to "19 aw…" in a narrow tile */
  [data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) { flex-wrap: wrap; row-gap: .15rem; }
  [data-testid="stMetricDeltaDescription"] { flex-shrink: 0; max-width: 100%; }
  /* ...and wraps there rather than ending in "…" in any tile, not only an owned one (theme.kpi_accent_css):
     "1,176 in the last 7 days · 40 o…" (Leads slipping through), "18,945 of 32,879 han…" (Campaign
     returns) at 1366 px */
  [data-testid="stMetric"] [data-testid="stMetricDeltaDescription"],
  [data-testid="stMetric"] [data-testid="stMetricDeltaDescription"] [data-testid="stCaptionContainer"],
  [data-testid="stMetric"] [data-testid="stMetricDeltaDescription"] [data-testid="stCaptionContainer"] p {
    white-space: normal; overflow: visible; text-overflow: clip; }
  /* a change that does not fit its tile wraps instead of being cut: "+15.4 pts vs t…" on My SLA at
     1280 px hid what the change is against */
  [data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"],
  [data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p { white-space: normal; text-overflow: clip; }
  /* widgets.icon_button: the label names the button for screen readers, the icon alone shows */
  div[class*="st-key-icon_only_"] button [data-testid="stMarkdownContainer"] {
    position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
    clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
  /* widgets.row_button: the row's words (in emphasis) name the button for screen readers, unseen */
  div[class*="st-key-row_named_"] button [data-testid="stMarkdownContainer"] em {
    position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
    clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
  /* components.notices: a save's message, scrolled into view with room around it; the element that
     holds its scrolling script takes no room */
  div[class*="st-key-notice_"] { scroll-margin: 1.5rem 0; }
  div[class*="st-key-notice_"] [data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) {
    display: none; }
  .ab-brand { font-size: 2.1rem; font-weight: 700; letter-spacing: -0.02em; margin-bottom: 0; }
  /* the sign-in screen's h1, drawn as the brand line it was (a <p>), over Streamlit's h1 style */
  [data-testid="stMarkdownContainer"] h1.ab-brand { font-size: 2.1rem; font-weight: 700; padding: 0;
                                                   line-height: 1.6; letter-spacing: -0.02em; }
  .ab-brand span.m { color: #7C3AED; } .ab-brand span.s { color: #0284C7; }
  .ab-tagline { color: #475569; font-size: 1.05rem; margin-top: 0.2rem; }
  /* The scoreboard's goal cards: a card's title is its link, bold and wrapping like the heading it
     replaced (a page link's label is cut with "…" on one line by default), flush with the card. */
  .st-key-goals_panel [data-testid="stPageLink"] a, .st-key-goals_panel [data-testid="stPageLink"] span,
  .st-key-goals_panel [data-testid="stPageLink"] p { white-space: normal !important; overflow: visible !important;
                                                     text-overflow: clip !important; }
  [class*="st-key-goalmini_"] [data-testid="stPageLink-NavLink"] { padding: 0 !important; margin: 0 !important; }
  [class*="st-key-goalmini_"] [data-testid="stPageLink-NavLink"] p { font-size: 1rem; line-height: 1.35; }
</style>
"""


@st.cache_resource(show_spinner="Starting the database…")
def _ready() -> str:
    """Connect, migrate, load demo data on the first start. Once per process."""
    return db.ensure_ready().describe()


_process_started = False


def first_run_of_process() -> bool:
    """True for the first script run of this server process, once (a process-wide flag about
    Streamlit's own start-up, not app state: see app.py)."""
    global _process_started
    if _process_started:
        return False
    _process_started = True
    return True


def boot() -> None:
    """Make sure the database is usable, or explain what to do and stop."""
    st.markdown(CSS, unsafe_allow_html=True)
    try:
        with database_guard():
            _ready()
        settings.cookie_key()
    except settings.ConfigError as err:
        st.error(f"**Alignboard is not configured for sign-in yet.** {err}", icon=":material/key:")
        st.stop()


@contextmanager
def database_guard():
    """Around the sign-in and the page: when the database goes away after start-up (server stopped
    or restarted, network), say so and what to do instead of Streamlit's redacted error box, and
    reconnect on the next run; a setup problem (start-up, or reconnecting) with its own explanation.
    Other errors pass through."""
    try:
        yield
    except db.DatabaseSetupError as err:   # reconnecting failed in a way start-up explains
        st.error(f"**{err.heading}** {err}", icon=":material/database:")
        st.stop()
    except sa.exc.DBAPIError as exc:
        if not db.connection_lost(exc):
            raise
        log.warning("database connection lost: %s", str(exc.orig or exc).strip().splitlines()[0])
        embedded = db.on_embedded_server()
        db.forget_connection()
        where = ("Alignboard starts its built-in database again if it stopped; if the page does not come back, "
                 "restart the app (the data stays in its data folder)." if embedded else
                 "Check that the PostgreSQL server in DATABASE_URL (or secrets.toml) is running and reachable.")
        st.error("**Alignboard lost its connection to the database.** This page could not be read; nothing "
                 f"was changed. Reload the page in a moment: it reconnects on its own. {where}",
                 icon=":material/database:")
        st.stop()


def remember_entry_path() -> None:
    """On a session's first run, keep the path the browser asked for (a deep link)."""
    if _ENTRY_PATH not in st.session_state:
        url = st.context.url or ""
        st.session_state[_ENTRY_PATH] = urlparse(url).path.strip("/").split("/")[-1] if url else ""


def sign_in() -> User | None:
    """The signed-in user, or the sign-in screen (returns None)."""
    remember_entry_path()
    screen = st.empty()
    with screen.container():
        left, middle, right = st.columns([1, 1.3, 1])
        with middle:
            st.markdown('<h1 class="ab-brand"><span class="m">Align</span><span class="s">board</span></h1>',
                        unsafe_allow_html=True)
            st.markdown('<p class="ab-tagline">One set of numbers for sales and marketing.</p>',
                        unsafe_allow_html=True)
            form = st.container()
            extra = st.container()
    user = auth.current_user(form)
    if user is not None:
        screen.empty()
        return user
    with extra:
        if users.count() == 0:
            st.warning("There are no users yet. Create the first administrator from a terminal:\n\n"
                       "`python -m queries.users create-admin USERNAME --email you@example.com --name \"Your Name\"`")
        elif settings.demo_mode():
            _demo_accounts()
    return None


def _demo_accounts() -> None:
    with st.expander("Demo accounts (this is demo data)", expanded=True, icon=":material/person:"):
        st.markdown(
            f"Every demo user's password is `{auth.DEMO_PASSWORD}`.\n\n"
            "| Username | Sees |\n|---|---|\n"
            "| `executive` | shared KPIs, goals, SLA scorecards, meeting mode |\n"
            "| `marketing_lead` / `sales_lead` | goals and criteria to agree, team SLAs |\n"
            "| `marketer` | campaigns, sales feedback, marketing's side of the SLA |\n"
            "| `sdr` / `ae` | their hand-offs and their own SLA |\n"
            "| `admin` | users, roles and the audit log |"
        )


def restore_deep_link(current: st.Page, allowed: dict[str, st.Page]) -> None:
    """After a reload, go to the page the link named if the user may see it (once per session)."""
    path = st.session_state.get(_ENTRY_PATH)
    if not path:
        return
    st.session_state[_ENTRY_PATH] = ""
    target = allowed.get(path)
    if target is not None and target.url_path != current.url_path:
        st.switch_page(target, query_params=st.query_params.to_dict())   # the link's own parameters too


def no_access(user: User, title: str, page_key: str) -> None:
    """What a signed-in user gets at the address of a page their roles do not include (a link a
    colleague shared): who it is for, instead of Streamlit's "Page not found". The page itself is
    not registered for them, so it never runs."""
    from queries.access import PAGE_ROLES, ROLES

    st.markdown("# Not available for your role")
    for_whom = ", ".join(ROLES[r] for r in ROLES if r in PAGE_ROLES[page_key])
    st.warning(f"**{title}** is for {for_whom}. Your roles ({user.role_labels}) do not include it; an admin can "
               "change your roles on the Users & audit page.", icon=":material/lock:")
    st.page_link("pages/scoreboard.py", label="Go to the scoreboard", icon=":material/leaderboard:")


def identity(user: User) -> None:
    with st.sidebar:  # right under the navigation menu, which draws its own separator line
        demo = " · demo data" if settings.demo_mode() else ""
        st.caption(f"Signed in as **{fmt.md_text(user.display_name)}**  \n{user.role_labels}"
                   f"{' · ' + user.team_name if user.team_name else ''}{demo}")
        auth.sign_out()


def user_changed(user: User) -> bool:
    """Whether ``user`` (what a page run loaded) differs from the user as stored now: deactivated,
    removed, or other roles, team or rep record (read through users.by_username: within
    ``users.USER_TTL`` seconds, at once in the process where the admin saved)."""
    return users.by_username(user.username) != user


def keep_fragment_current(user: User) -> None:
    """First line of a fragment that reruns on its own (``run_every``): those runs skip app.py, so
    nothing else would notice that the user was deactivated or lost a role while the page stays
    open — a demoted sales lead's My SLA kept refreshing another rep's leads, a deactivated
    viewer's meeting screen kept refreshing the numbers. On a change, rerun the whole app, which
    signs the user out or rebuilds their pages."""
    if user_changed(user):
        st.rerun(scope="app")


def page_user(page_key: str) -> User:
    """The signed-in user for a page, checked against the page's roles; stops the page otherwise.

    app.py already gates navigation; this also covers a page run on its own (tests, stale tabs).
    """
    from queries.access import may_see

    user = st.session_state.get("user")
    if user is None and st.session_state.get("authentication_status") and st.session_state.get("username"):
        user = users.by_username(st.session_state["username"])
    if user is None and not _process_started:
        # A deep link is this server process's first request: Streamlit, still in its legacy
        # multipage mode (see app.py), ran the page file itself. Keep the link, and go through
        # app.py's sign-in, which opens the page afterwards.
        remember_entry_path()
        st.switch_page("app.py", query_params=st.query_params.to_dict())
    if user is None or not user.active:
        st.warning("Sign in to see this page.")
        st.stop()
    if not may_see(user, page_key):
        st.warning("Your role does not include this page.")
        st.stop()
    return user
