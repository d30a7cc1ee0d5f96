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
