"""Which client a sign-in attempt is counted under (components.auth.client_key): Streamlit's
``st.context`` read with the ``ALIGNBOARD_CLIENT_IP_HEADER`` setting; no database."""

from __future__ import annotations


import pytest
import streamlit as st
from streamlit.runtime.context import StreamlitHeaders

from components import auth


@pytest.fixture
def request_from(monkeypatch):
    """Pretend the session's request came from ``ip`` with ``headers`` (name, value pairs)."""

    def pretend(ip, headers=()):
        context = type(st.context)
        monkeypatch.setattr(context, "ip_address", property(lambda self: ip))
        monkeypatch.setattr(context, "headers", property(lambda self: StreamlitHeaders(list(headers))))

    return pretend


def test_without_the_setting_the_connections_address_is_the_client(request_from, monkeypatch):
    monkeypatch.delenv(auth.CLIENT_IP_HEADER_SETTING, raising=False)
    request_from("198.51.100.9", [("X-Forwarded-For", "203.0.113.7")])   # a header nobody vouched for
    assert auth.client_key() == "198.51.100.9"
    request_from(None)                                                     # localhost: no client
    assert auth.client_key() is None


def test_with_the_setting_the_right_most_forwarded_address_is_the_client(request_from, monkeypatch):
    monkeypatch.setenv(auth.CLIENT_IP_HEADER_SETTING, "X-Forwarded-For")
    request_from("10.0.0.2", [("X-Forwarded-For", "1.2.3.4, 203.0.113.7"), ("x-forwarded-for", "203.0.113.8")])
    assert auth.client_key() == "203.0.113.8"                      # the last line's last entry
    request_from("10.0.0.2", [("X-Forwarded-For", "203.0.113.7, <script>")])
    assert auth.client_key() == "10.0.0.2"                         # junk: the proxy's own address
    request_from(None, [("X-Forwarded-For", "2001:db8:aa:bb::1")])  # proxy on the same host: Streamlit says None
    assert auth.client_key() == "2001:db8:aa:bb::/64"
    request_from(None)
    assert auth.client_key() is None


def test_a_blank_setting_is_no_setting(request_from, monkeypatch):
    monkeypatch.setenv(auth.CLIENT_IP_HEADER_SETTING, "  ")
    request_from("198.51.100.9", [("X-Real-IP", "203.0.113.7")])
    assert auth.client_key() == "198.51.100.9"
    monkeypatch.setenv(auth.CLIENT_IP_HEADER_SETTING, "X-Real-IP")
    assert auth.client_key() == "203.0.113.7"
