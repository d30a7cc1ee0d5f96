"""The sign-in rate limit: how many failed passwords pause sign-in for a username, and for how long.

Pure (no Streamlit, no database): the counting lives in PostgreSQL (``sign_in_failure``,
``queries.users.start_sign_in``), shared by every app process; this module decides from the
failures it reads.

The policy, per username as typed (lower-cased and trimmed, as the sign-in form compares it;
usernames without an account too, so the answer never tells whether an account exists):

- Each password attempt through the form is counted before the password is checked, so that
  attempts sent at once from many sessions or processes cannot check more than ``MAX_FAILURES``
  passwords in a window between them.
- While ``MAX_FAILURES`` failures lie within the last ``WINDOW``, further form sign-ins for that
  username are refused without checking the password -- the right one included -- until the
  oldest of them leaves the window. Refused attempts are not counted (waiting out the window is
  enough; a user retrying does not extend their own pause).
- A successful sign-in clears the username's failures; so does an admin's password reset.
- The pause is on password guessing only: a session already signed in, and a sign-in cookie,
  keep working.
- An empty password is not an attempt (it can never be right): it is neither checked nor counted.

So an attacker gets at most ``MAX_FAILURES`` guesses per username per ``WINDOW`` (480 a day at
5 per 15 minutes). The cost: anyone who knows a username can pause its password sign-in for the
window, again and again (README, Known limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Failed password attempts within ``WINDOW`` that pause password sign-in for a username.
MAX_FAILURES = 5
#: The sliding window the failures are counted in; also the longest a pause lasts.
WINDOW = timedelta(minutes=15)
#: Warn on a failed attempt when this many attempts or fewer are left before the pause.
WARN_WHEN_LEFT = 2
#: Longest username kept (an account's is at most 32 characters; longer text is cut, not stored whole).
MAX_USERNAME_CHARS = 64


def normalise_username(typed: str | None) -> str:
    """The key failures are counted under: lower-cased and trimmed as streamlit-authenticator compares
    it, cut to ``MAX_USERNAME_CHARS``, NUL (which PostgreSQL text cannot hold) replaced."""
    return (typed or "").strip().lower().replace("\x00", "\ufffd")[:MAX_USERNAME_CHARS]


def paused_until(failures: list[datetime], now: datetime, *, max_failures: int = MAX_FAILURES,
                 window: timedelta = WINDOW) -> datetime | None:
    """When password sign-in opens again for a username whose failures happened at ``failures``
    (any order), or None if it is open at ``now``: once ``max_failures`` of them lie within
    ``window`` before ``now``, until the ``max_failures``-th newest of those leaves the window."""
    recent = sorted((f for f in failures if now - window < f <= now), reverse=True)
    if len(recent) < max_failures:
        return None
    return recent[max_failures - 1] + window


def attempts_left(failures_in_window: int, *, max_failures: int = MAX_FAILURES) -> int:
    """Password attempts left before the pause, after ``failures_in_window`` failures."""
    return max(0, max_failures - failures_in_window)


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def paused_message(until: datetime, now: datetime) -> str:
    """What the sign-in form says for a paused username (the same whether it has an account or not)."""
    if until <= now:
        return ("Sign-in with a password was paused for this username after too many failed attempts. "
                "You can try again now.")
    minutes = _minutes(until, now)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (f"Too many failed sign-ins for this username: signing in with a password is paused for it. "
            f"Try again in {wait}, or ask an admin to reset your password, which lifts the pause at once.")


def failed_message(failures_in_window: int, *, max_failures: int = MAX_FAILURES,
                   window: timedelta = WINDOW) -> str:
    """What the form says after a wrong password (or an unknown username) that did not pause it."""
    left = attempts_left(failures_in_window, max_failures=max_failures)
    text = "Username or password is incorrect."
    if 0 < left <= WARN_WHEN_LEFT:
        minutes = int(window.total_seconds() // 60)
        text += (f" {left} more failed attempt{'s' if left != 1 else ''} and signing in with this username is "
                 f"paused for up to {minutes} minutes.")
    return text
