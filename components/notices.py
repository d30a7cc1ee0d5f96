"""A save's message, shown next to the button that was pressed.

Every save runs in its button's callback, before the next run draws the page. The callback leaves
its message under a *slot* (:func:`leave`); the form that owns the button draws that slot just under
its submit button (:func:`show`, inside the ``st.form`` or the bordered container), once, on the run
that follows. The message used to be drawn at the top of the page: a reader scrolled down to the
button (every long form, on a 1366×768 screen) saw nothing change and pressed again.

The message sits in a container keyed ``notice_<slot>`` (CSS class ``st-key-notice_<slot>``:
tests find it there) and a line of JavaScript in the page scrolls it into view when it is not
(``block: "nearest"``: a message already in view does not move the page). Like the sign-in
cookie's script (components/auth.py) it reports nothing back, so it starts no run.

Slots are named after the form, never after a version or a load counter in its widget keys: the
form after a save may be drawn with new widgets, and the message must still find it.
"""

from __future__ import annotations

import json

import streamlit as st

#: Session State key prefix of a message waiting to be shown.
_PENDING = "_notice_"
#: The key prefix of the container a message is drawn in (CSS class ``st-key-notice_<slot>``).
CONTAINER = "notice_"
_KINDS = {"success": (st.success, ":material/check_circle:"), "error": (st.error, ":material/error:"),
          "warning": (st.warning, ":material/warning:"), "info": (st.info, ":material/info:")}
#: Session State key of a counter that makes each message's script new (Streamlit runs a script
#: again only when its element is new).
_SHOWN = "_notice_shown"


def leave(slot: str, kind: str, text: str, *notes: str, icon: str | None = None) -> None:
    """Keep ``text`` (markdown, already escaped where it carries typed names) for the next run's
    :func:`show` of ``slot``; ``notes`` are warnings under it (saved, but something the user will
    miss). ``kind``: success, error, warning or info. Safe in a callback."""
    if kind not in _KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    st.session_state[_PENDING + slot] = (kind, text, tuple(notes), icon)


def pending(slot: str) -> bool:
    """Whether a message waits for ``slot``."""
    return _PENDING + slot in st.session_state


def forget(slot: str) -> None:
    st.session_state.pop(_PENDING + slot, None)


def show(slot: str, where=None) -> bool:
    """Draw (once) the message left for ``slot``, where the call is (``where``: a column or container),
    and scroll it into view. True when there was one."""
    message = st.session_state.pop(_PENDING + slot, None)
    if message is None:
        return False
    kind, text, notes, icon = message
    container = f"{CONTAINER}{slot}"
    with (where or st).container(key=container):
        render, default_icon = _KINDS[kind]
        render(text, icon=icon or default_icon)
        for note in notes:
            st.warning(note, icon=":material/info:")
        scroll_into_view(container)
    return True


def scroll_into_view(container: str) -> None:
    """Scroll the keyed container ``container`` into view once the page is laid out (only as far as
    it takes to show it whole): a message or a question where the person is not looking."""
    n = st.session_state[_SHOWN] = st.session_state.get(_SHOWN, 0) + 1
    selector = json.dumps(f".st-key-{container}")
    # after the frame that lays the message out; "nearest": only as far as it takes to show it whole
    st.html(f"<script>/* notice {n} */ setTimeout(() => {{ const el = document.querySelector({selector}); "
            "if (el) el.scrollIntoView({block: 'nearest'}); }, 60);</script>", unsafe_allow_javascript=True)
