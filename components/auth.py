"""Sign-in glue: streamlit-authenticator fed from PostgreSQL, and the signed-in user.

The authenticator only checks the password and manages the cookie. Who the user is (roles,
team, rep record, still active?) is read from the database on every run (cached briefly), so
an admin's change reaches every app process within ``users.USER_TTL`` seconds.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import extra_streamlit_components as stx
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model

from queries import settings, users
from queries.access import User

COOKIE_NAME = "alignboard_auth"
COOKIE_DAYS = 7
LOGIN_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}
DEMO_PASSWORD = "alignboard-demo"
_WRITE_COOKIE = "_auth_write_cookie"


class _CookieManager(stx.CookieManager):
    """The library's cookie writer without its cookie *reader*.

    streamlit-authenticator 0.4 reads the sign-in cookie from ``st.context.cookies``, yet builds a
    CookieManager on every run, which renders a "getAll" component that reports the browser's
    cookies a moment after each page load and so starts one more run. A "Sign in" click landing
    before that report had its run stopped by the report's run, and the click was lost (the form
    just stayed, filled in: 3–4 sign-ins in 25 on a busy server). Cookies are known from the
    request instead; writing and deleting still go through the library's components.
    """

    def __init__(self, key: str = "init"):  # noqa: ARG002 (the library's signature)
        from extra_streamlit_components.CookieManager import _component_func

        self.cookie_manager = _component_func
        self.cookies = dict(st.context.cookies)

    def delete(self, cookie, key="delete"):
        self.cookies.setdefault(cookie, "")  # the library's delete raises KeyError for an unknown cookie
        super().delete(cookie, key)


# Only streamlit-authenticator's cookie model uses the quiet manager (requirements.txt pins the
# library; tests/browser/test_shell_browser.py covers cookie sign-in, reload and sign-out).
cookie_model.stx = SimpleNamespace(CookieManager=_CookieManager)


def _authenticator() -> stauth.Authenticate:
    return stauth.Authenticate(
        copy.deepcopy(users.credentials()),  # the library mutates what it is given
        cookie_name=COOKIE_NAME,
        cookie_key=settings.cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,  # hashes come from the database
        login_sleep_time=0,  # the default 0.7 s pause on every signed-out run
    )


def current_user(form_container=None) -> User | None:
    """The signed-in, active user; or None, after rendering the sign-in form in ``form_container``."""
    authenticator = _authenticator()
    st.session_state["_authenticator"] = authenticator
    was_signed_in = bool(st.session_state.get("authentication_status"))
    try:
        with form_container or st.container():
            authenticator.login(location="main", fields=LOGIN_FIELDS, key="Login")
    except stauth.LoginError:
        # A cookie for a user who was deactivated (or removed) since it was issued.
        _forget(authenticator)
        st.warning("Your sign-in has expired or your account was deactivated. Sign in again, or ask an admin.")
        return None
    if st.session_state.get("authentication_status") is False:
        st.error("Username or password is incorrect.")
    if not st.session_state.get("authentication_status"):
        return None
    user = users.by_username(st.session_state["username"])
    if user is None or not user.active:
        _forget(authenticator)
        st.warning("Your account is not active. Ask an admin to reactivate it.")
        return None
    if not was_signed_in and not authenticator.cookie_controller.get_cookie():
        # Signed in through the form just now. The library wrote the cookie from inside the
        # sign-in screen, which the frame clears on success, so the browser never stored it and
        # a reload (deep link) would ask for the password again. Write it from the sidebar
        # instead (remember_sign_in), starting with a clean run.
        st.session_state[_WRITE_COOKIE] = True
        st.rerun()
    return user


def remember_sign_in() -> None:
    """After a sign-in through the form, keep writing the sign-in cookie on every run of this
    session (a zero-height component), so that it outlives quick reruns and a reload signs in."""
    authenticator = st.session_state.get("_authenticator")
    if authenticator is None or not st.session_state.get("authentication_status"):
        st.session_state[_WRITE_COOKIE] = False
        return
    if st.session_state.get(_WRITE_COOKIE):
        authenticator.cookie_controller.set_cookie()


def _forget(authenticator: stauth.Authenticate) -> None:
    try:
        authenticator.logout(location="unrendered")
    except Exception:  # already signed out
        pass
    for key in ("authentication_status", "username", "name", "roles"):
        st.session_state[key] = None
    st.session_state[_WRITE_COOKIE] = False


def sign_out(location: str = "sidebar") -> None:
    authenticator = st.session_state.get("_authenticator")
    if authenticator is not None:
        authenticator.logout(button_name="Sign out", location=location, key="sign_out",
                             use_container_width=True)
        remember_sign_in()  # after the button: a sign-out in this run must not re-write the cookie
