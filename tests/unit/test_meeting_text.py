"""Text in meeting mode shows as typed: no "nan" for a missing team or presenter, no Streamlit
shortcode (:material/…:, :smile:, :red[…]) turned into something else on the slide."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from components import format as fmt
from components import meeting_content as mc


def frame(rows, columns) -> pd.DataFrame:
    """As queries.sqlfiles.frame builds it: a NULL in a text column becomes NaN (pandas 3 strings)."""
    return pd.DataFrame(rows, columns=columns)


def test_text_or_treats_null_and_nan_as_missing():
    assert fmt.text_or(None) == "" and fmt.text_or(float("nan"), "—") == "—"
    assert fmt.text_or(pd.NA, "system") == "system" and fmt.text_or("", "x") == "x"
    assert fmt.text_or("EMEA") == "EMEA"


def test_an_owner_without_a_team_is_just_the_name(monkeypatch):
    from components import meeting_forms
    from queries import meetings

    owners = frame([("u", 1, "Demo Admin", None, None), ("u", 2, "Priya Shah", "Marketing", "marketing"),
                    ("r", 7, "Sam Rep", "EMEA Sales", "sales")], ["kind", "id", "name", "team", "function"])
    assert pd.isna(owners.loc[0, "team"])   # the NaN that read "Demo Admin · nan"
    monkeypatch.setattr(meetings, "owner_choices", lambda: owners)
    assert list(meeting_forms._owner_options().values()) == [
        "Demo Admin", "Priya Shah · Marketing", "Sam Rep · EMEA Sales (no user account)"]


def test_an_action_without_an_owner_name_shows_a_dash():
    from datetime import date

    actions = frame([(1, 1, "Call Acme", None, "2026-12-01", "open", "Weekly", pd.Timestamp("2026-11-23", tz="UTC"))],
                    ["id", "version", "body", "owner", "due_date", "status", "meeting_title", "meeting_at"])
    assert mc.action_lines(actions, date(2026, 11, 25), "UTC")[0].owner == fmt.DASH


@pytest.mark.parametrize("typed", [
    "Move it to :material/home: and :material/arrow_forward:",
    "Ship it :smile: :+1: :-1: :tada:",
    "Say :red[urgent] and :blue-background[calm] and :gray-badge[maybe]",
    ":streamlit: and :small[tiny] and :shimmer[x]",
    "At 09:34, Needs: a plan — see https://example.com/a:b",
])
def test_esc_leaves_no_shortcode_for_streamlit_and_shows_what_was_typed(typed):
    out = mc.esc(typed)
    # what Streamlit's markdown acts on in the source (StreamlitMarkdown: the ":material/" rewrite,
    # and the emoji plugin loaded when /:(?!material\/|streamlit:)[\w+-][\w_+-]*:/ matches); a
    # directive needs ":" + a name
    assert ":material/" not in out
    assert not re.search(r":(?!material\/|streamlit:)[\w+-][\w_+-]*:", out.replace("09:34", "")), out
    assert not re.search(r":[A-Za-z_+\-]", out), out
    assert html.unescape(out) == typed   # the browser shows exactly what was typed


def test_esc_keeps_times_and_line_breaks_readable():
    assert mc.esc("Live · as of 09:34") == "Live · as of 09:34"
    assert mc.esc("a\nb") == "a<br>b"


def test_decisions_and_actions_fill_the_first_screen_before_they_spill():
    """Six of each a screen; a list fills its column before it spills onto the next screen. Evened
    out, 4 decisions and 6 actions took two screens of 2 + 3, half of each empty."""
    per = mc.OUTCOMES_PER_SCREEN
    assert per == 6   # measured at 1280×720 under a header on three lines (tests/browser)
    assert mc.outcome_screens(0, 0) == [(range(0), range(0))]
    assert mc.outcome_screens(4, 6) == [(range(4), range(6))]   # the README's case: one screen
    screens = mc.outcome_screens(6, 7)
    assert screens == [(range(0, 6), range(0, 6)), (range(6, 6), range(6, 7))]
    assert mc.outcomes_screen_text(0, screens, 6, 7) == "Screen 1 of 2: decisions 1–6 of 6 · action items 1–6 of 7"
    assert mc.outcomes_screen_text(1, screens, 6, 7) == "Screen 2 of 2: action item 7 of 7"
    screens = mc.outcome_screens(1, 14)
    assert [len(d) for d, _ in screens] == [1, 0, 0] and [len(a) for _, a in screens] == [6, 6, 2]
    assert mc.outcomes_screen_text(2, screens, 1, 14) == "Screen 3 of 3: action items 13–14 of 14"
    for decisions, actions in ((0, 13), (7, 0), (12, 12), (13, 5), (5, 19)):
        screens = mc.outcome_screens(decisions, actions)
        assert len(screens) == max(1, -(-max(decisions, actions) // per))   # no more screens than needed
        for column, count in ((0, decisions), (1, actions)):
            shown = [i for screen in screens for i in screen[column]]
            assert shown == list(range(count))   # every one once, in order
            sizes = [len(screen[column]) for screen in screens]
            # full screens first: only the last screen with any of the list may hold fewer
            assert all(size == per for size in sizes[:max(0, -(-count // per) - 1)]), sizes
            assert all(size <= per for size in sizes), sizes


def test_md_text_keeps_material_shortcodes_as_typed():
    """Streamlit rewrites ":material/" to ":material_" in a markdown source before parsing, so an
    escaped colon alone still showed ":material_home:" (a row button's name, a title)."""
    safe = fmt.md_text("Go :material/home: now")
    assert ":material/" not in safe
    assert re.sub(r"\\(.)", r"\1", safe) == "Go :material/home: now"
