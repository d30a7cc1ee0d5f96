"""The sign-in rate limit: how many failed passwords pause sign-in for a username, or from a client
(a network address), and for how long.

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

Per client, against password spraying (one common password tried on many usernames):

- The client is the address the attempt came from (:func:`client_key`): the connection's, or with
  ``ALIGNBOARD_CLIENT_IP_HEADER`` set, the one the operator's proxy put in that header. An IPv6
  client is its /64 (one host usually holds a whole /64). No address known (a localhost run, a
  test) means no client limit: only the per-username one applies.
- Every counted failure also counts for its client: while ``CLIENT_MAX_FAILURES`` of them, across
  any usernames, lie within the last ``WINDOW``, password sign-in *from that client* is refused for
  every username, unchecked and uncounted, until the ``CLIENT_MAX_FAILURES``-th newest leaves the
  window. The message names the network or device, never an account.
- A successful sign-in (or a password reset) deletes that username's failures, and with them their
  share of the client's count: colleagues behind one office address who mistype and then get in do
  not add up to a pause; a sprayer, whose guesses fail, does.
"""

from __future__ import annotations

import math
import ipaddress
from collections.abc import Sequence
from datetime import datetime, timedelta

#: Failed password attempts within ``WINDOW`` that pause password sign-in for a username.
MAX_FAILURES = 5
#: The sliding window the failures are counted in; also the longest a pause lasts.
WINDOW = timedelta(minutes=15)
#: Failed password attempts, across any usernames, within ``WINDOW`` that pause password sign-in from
#: one client (address, or IPv6 /64).
CLIENT_MAX_FAILURES = 30
#: The prefix an IPv6 client is keyed by: a home or office line is usually given a whole /64.
IPV6_CLIENT_PREFIX = 64
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


def _wait(until: datetime, now: datetime) -> str:
    """How long until ``until``, in whole minutes rounded up ("1 minute", "14 minutes")."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def paused_message(until: datetime, now: datetime) -> str:
    """What the sign-in form says for a paused username (the same whether it has an account or not)."""
    if until <= now:
        return ("Sign-in with a password was paused for this username after too many failed attempts. "
                "You can try again now.")
    wait = _wait(until, now)
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


# --------------------------------------------------------------------------- the client


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One address as a proxy writes it -- ``203.0.113.7``, ``2001:db8::1``, also with a port
    (``203.0.113.7:4711``, ``[2001:db8::1]:4711``) -- or None when it is not exactly one address."""
    text = text.strip()
    if not text or len(text) > 64 or "%" in text:   # a zone (fe80::1%eth0) names no client
        return None
    if text.startswith("["):                      # [v6] or [v6]:port
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        text = inside
    elif text.count(":") == 1:                    # v4:port (an IPv6 address has at least two colons)
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped                  # ::ffff:203.0.113.7 is the IPv4 client
    return address


def client_key(address: str | None) -> str | None:
    """The key a client's failures are counted under: an IPv4 address as is, an IPv6 address's /64
    network (``2001:db8:1:2::/64``); None when ``address`` is not one valid address."""
    parsed = _address(address) if isinstance(address, str) else None
    if parsed is None:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def client_from_request(ip_address: str | None, header_values: Sequence[str] = (),
                        header_name: str | None = None) -> str | None:
    """The client an attempt came from, as its :func:`client_key`.

    ``header_name`` (``ALIGNBOARD_CLIENT_IP_HEADER``; unset: None) names a header the operator's
    proxy sets; ``header_values`` are that header's lines in the request, in order. The right-most
    entry counts -- the one the proxy nearest the app appended; whatever the browser sent itself
    stands to its left -- and only if it is one valid address. Otherwise (no header configured,
    missing, junk) the connection's ``ip_address``; None when that is unknown too (localhost)."""
    if header_name:
        entries = [e for line in header_values for e in str(line).split(",")]
        if entries:
            key = client_key(entries[-1])
            if key is not None:
                return key
    return client_key(ip_address)


def client_paused_message(until: datetime, now: datetime) -> str:
    """What the sign-in form says while sign-in is paused from the client (any username alike)."""
    if until <= now:
        return ("Sign-in with a password was paused for your network or device after too many failed "
                "attempts. You can try again now.")
    wait = _wait(until, now)
    return (f"Too many failed sign-ins from your network or device: signing in with a password from here is "
            f"paused for every username. Try again in {wait}.")
