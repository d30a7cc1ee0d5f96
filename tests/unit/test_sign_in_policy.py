"""The sign-in rate limit's policy (queries/sign_in_policy.py): pure functions, no database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from queries import sign_in_policy as policy
from queries.sign_in_policy import MAX_FAILURES, WINDOW

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc)


def minutes_ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_the_constants_are_the_documented_policy():
    assert MAX_FAILURES == 5 and WINDOW == timedelta(minutes=15)


def test_usernames_are_keyed_as_the_form_compares_them():
    assert policy.normalise_username("  Admin ") == "admin"
    assert policy.normalise_username("ADMIN") == policy.normalise_username("admin")
    assert policy.normalise_username(None) == ""
    assert policy.normalise_username("x" * 1000) == "x" * policy.MAX_USERNAME_CHARS
    assert "\x00" not in policy.normalise_username("ad\x00min")        # PostgreSQL text holds no NUL
    assert policy.normalise_username("ad\x00min") != "admin"             # ...and it does not become admin


def test_fewer_failures_than_the_limit_leave_sign_in_open():
    assert policy.paused_until([], NOW) is None
    assert policy.paused_until(minutes_ago(1, 2, 3, 4), NOW) is None


def test_the_limit_within_the_window_pauses_until_the_oldest_counted_one_leaves_it():
    failures = minutes_ago(1, 2, 3, 4, 10)
    assert policy.paused_until(failures, NOW) == NOW - timedelta(minutes=10) + WINDOW   # 5 minutes from now
    # order does not matter
    assert policy.paused_until(list(reversed(failures)), NOW) == NOW + timedelta(minutes=5)


def test_only_the_newest_failures_count_when_there_are_more():
    # six failures: the pause lasts until the fifth newest leaves the window, not the sixth
    assert policy.paused_until(minutes_ago(1, 2, 3, 4, 5, 14), NOW) == NOW + timedelta(minutes=10)


def test_failures_that_left_the_window_do_not_count():
    assert policy.paused_until(minutes_ago(1, 2, 3, 4, 15), NOW) is None        # exactly the window ago: out
    assert policy.paused_until(minutes_ago(1, 2, 3, 4, 14.99), NOW) is not None
    assert policy.paused_until(minutes_ago(16, 20, 30, 40, 50), NOW) is None


def test_failures_after_now_are_ignored():
    """A failure stamped after ``now`` (another process's clock ahead of as_of in a test) counts from its own time."""
    assert policy.paused_until(minutes_ago(-1, 1, 2, 3), NOW) is None


def test_the_window_opens_at_the_moment_it_names():
    failures = minutes_ago(1, 2, 3, 4, 10)
    until = policy.paused_until(failures, NOW)
    assert policy.paused_until(failures, until - timedelta(seconds=1)) == until
    assert policy.paused_until(failures, until) is None


def test_limits_can_be_passed_in():
    assert policy.paused_until(minutes_ago(1, 2), NOW, max_failures=2, window=timedelta(minutes=5)) == \
        NOW + timedelta(minutes=3)


def test_the_paused_message_says_how_long_to_wait_and_that_an_admin_can_reset():
    text = policy.paused_message(NOW + timedelta(minutes=11, seconds=5), NOW)
    assert "Try again in 12 minutes" in text          # rounded up: never "0 minutes"
    assert "ask an admin to reset your password" in text
    assert "Try again in 1 minute," in policy.paused_message(NOW + timedelta(seconds=5), NOW)
    assert "try again now" in policy.paused_message(NOW - timedelta(seconds=1), NOW)


def test_the_failed_message_warns_when_few_attempts_are_left():
    assert policy.failed_message(0) == "Username or password is incorrect."
    assert policy.failed_message(2) == "Username or password is incorrect."
    assert "2 more failed attempts" in policy.failed_message(3)
    assert "1 more failed attempt and" in policy.failed_message(4)
    assert "up to 15 minutes" in policy.failed_message(4)
    assert policy.attempts_left(7) == 0
