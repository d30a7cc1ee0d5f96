"""The sign-in rate limit's policy (queries/sign_in_policy.py): pure functions, no database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

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


# --------------------------------------------------------------------------- per client (password spraying)


def test_the_client_limit_is_the_documented_policy():
    assert policy.CLIENT_MAX_FAILURES == 30 and policy.IPV6_CLIENT_PREFIX == 64
    assert policy.CLIENT_MAX_FAILURES > MAX_FAILURES      # one username's pause never pauses its network


def test_the_client_pause_uses_the_same_window_rule_with_its_own_limit():
    failures = [NOW - timedelta(seconds=20 * i) for i in range(1, 30)]     # 29 within the last 10 minutes
    assert policy.paused_until(failures, NOW, max_failures=policy.CLIENT_MAX_FAILURES) is None
    failures.append(NOW - timedelta(minutes=14))
    assert policy.paused_until(failures, NOW, max_failures=policy.CLIENT_MAX_FAILURES) == NOW + timedelta(minutes=1)


def test_an_ipv4_client_is_its_address():
    assert policy.client_key("203.0.113.7") == "203.0.113.7"
    assert policy.client_key(" 203.0.113.7 ") == "203.0.113.7"
    assert policy.client_key("203.0.113.7:51234") == "203.0.113.7"          # a proxy that appends the port
    assert policy.client_key("::ffff:203.0.113.7") == "203.0.113.7"        # IPv4-mapped: the same client


def test_an_ipv6_client_is_its_64():
    assert policy.client_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert policy.client_key("2001:db8:1:2::99") == policy.client_key("2001:db8:1:2:ffff::1")   # one /64
    assert policy.client_key("2001:db8:1:3::1") != policy.client_key("2001:db8:1:2::1")
    assert policy.client_key("[2001:db8:1:2::1]:443") == "2001:db8:1:2::/64"
    assert policy.client_key("2001:DB8:1:2::1") == "2001:db8:1:2::/64"      # one spelling per client


@pytest.mark.parametrize("junk", [
    None, "", " ", "unknown", "203.0.113", "203.0.113.7.8", "203.0.113.256", "0203.0.113.7", "203.0.113.7 evil",
    "203.0.113.7, 198.51.100.1", "203.0.113.7:", "203.0.113.7:http", "[2001:db8::1", "[2001:db8::1]x",
    "fe80::1%eth0", "2001:db8::/64", "1" * 100, "' or 1=1 --", "\x00", "for=203.0.113.7",
])
def test_anything_but_one_address_is_no_client(junk):
    assert policy.client_key(junk) is None


def test_without_a_header_setting_the_connection_is_the_client():
    assert policy.client_from_request("198.51.100.9") == "198.51.100.9"
    assert policy.client_from_request("198.51.100.9", ["203.0.113.7"]) == "198.51.100.9"   # header not trusted
    assert policy.client_from_request(None) is None          # localhost (Streamlit gives no address): no client
    assert policy.client_from_request("2001:db8:5:6::7") == "2001:db8:5:6::/64"


def test_x_forwarded_for_takes_the_right_most_entry_the_proxy_appended():
    xff = "X-Forwarded-For"
    proxy = "10.0.0.2"
    assert policy.client_from_request(proxy, ["203.0.113.7"], xff) == "203.0.113.7"
    # whatever the browser sent stands to the left of what the proxy appended
    assert policy.client_from_request(proxy, ["1.2.3.4, 5.6.7.8, 203.0.113.7"], xff) == "203.0.113.7"
    assert policy.client_from_request(proxy, ["1.2.3.4", "203.0.113.7"], xff) == "203.0.113.7"   # header lines in order
    assert policy.client_from_request(proxy, ["1.2.3.4,203.0.113.7:4711"], xff) == "203.0.113.7"
    assert policy.client_from_request(proxy, ["1.2.3.4, 2001:db8:9:9::1"], xff) == "2001:db8:9:9::/64"


def test_a_missing_or_junk_header_falls_back_to_the_connection():
    xff, proxy = "X-Forwarded-For", "10.0.0.2"
    assert policy.client_from_request(proxy, [], xff) == proxy
    assert policy.client_from_request(proxy, [""], xff) == proxy
    assert policy.client_from_request(proxy, ["203.0.113.7, junk"], xff) == proxy   # the right-most entry or nothing
    assert policy.client_from_request(proxy, ["203.0.113.7,"], xff) == proxy
    assert policy.client_from_request(proxy, ["203.0.113.7 198.51.100.1"], xff) == proxy
    assert policy.client_from_request(None, ["junk"], xff) is None
    assert policy.client_from_request(proxy, ["203.0.113.9"], "X-Real-IP") == "203.0.113.9"
    assert policy.client_from_request(proxy, ["nonsense"], "X-Real-IP") == proxy


def test_the_client_paused_message_names_the_network_not_an_account():
    text = policy.client_paused_message(NOW + timedelta(minutes=4, seconds=1), NOW)
    assert "your network or device" in text and "Try again in 5 minutes" in text
    assert "every username" in text and "account" not in text and "reset" not in text
    assert "Try again in 1 minute." in policy.client_paused_message(NOW + timedelta(seconds=3), NOW)
    assert "try again now" in policy.client_paused_message(NOW, NOW)
