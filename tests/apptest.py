"""Open a page of the real app (app.py: sign-in gate, navigation, the page) in Streamlit's AppTest,
signed in as a user, for the integration tests. The session is marked signed in the way the
authenticator leaves it, so these tests exercise the frame and the page, not the login form (the
browser tests cover that)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(username: str, page: str, *, query: dict | None = None, timeout: float = 60) -> AppTest:
    """``pages/<page>.py`` rendered for ``username``, with ``query`` in the URL; fails on an exception."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    for key, value in (query or {}).items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, at.exception
    # The first stop (the scoreboard's filter bar) writes its period into the link; the real app's
    # navigation drops what a page wrote on the way to another, and a link to the page itself never
    # passes the scoreboard: the page sees only the link's own parameters (as the first stop left them).
    for key in [k for k in at.query_params if k not in (query or {})]:
        del at.query_params[key]
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def decoded(values) -> list:
    """Plotly 7 serialises arrays as {"dtype", "bdata"} (base64); plain lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


#: Widths (px) a table gets on a 1366 px screen with the sidebar open: the page's main column, inside
#: an expander there, and half of it (two st.columns with a large gap). Measured in chromium at
#: 1366×768: 904, 870 and 419.
PAGE_WIDTH_1366, EXPANDER_WIDTH_1366, HALF_WIDTH_1366 = 900, 865, 415


def fits_without_scrolling(table, width: int) -> bool:
    """Whether an ``st.dataframe`` (an AppTest element) cannot scroll sideways in ``width`` px: every
    column it shows has a set width, and they add up to no more than ``width``. (A column without
    one is as wide as its longest value; the browser check is tools/screenshots.py.)"""
    import json

    config = json.loads(table.proto.columns or "{}")
    shown = [str(c) for c in table.value.columns]
    widths = [config.get(c, {}).get("width") for c in shown]
    assert all(isinstance(w, int) for w in widths), dict(zip(shown, widths))
    return sum(widths) <= width
