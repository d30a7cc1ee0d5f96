"""Sign-in glue: streamlit-authenticator fed from PostgreSQL, and the signed-in user.

The authenticator only checks the password and manages the cookie. Who the user is (roles,
team, rep record, still active?) is read from the database on every run (cached briefly), so
an admin's change reaches every app process within ``users.USER_TTL`` seconds.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model
from streamlit_authenticator.models.authentication_model import AuthenticationModel

from queries import settings, sign_in_policy, users
from queries.access import User

COOKIE_NAME = "alignboard_auth"
COOKIE_DAYS = 7
LOGIN_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}
DEMO_PASSWORD = "alignboard-demo"
_WRITE_COOKIE = "_auth_write_cookie"
_FORGET_COOKIE = "_auth_forget_cookie"
_NOTICE = "_auth_notice"   # why the session was signed out, shown once under the sign-in form
_SINCE = "_auth_since"     # when this session's sign-in was made (epoch seconds): older than a password change ends it
_REFUSAL = "_auth_refusal"  # why the last form sign-in was refused (_check_credentials), for the message
#: The setting naming a header the operator's reverse proxy sets to the client's address
#: (``X-Forwarded-For``, ``X-Real-IP``); unset, the connection's own address is the client.
CLIENT_IP_HEADER_SETTING = "ALIGNBOARD_CLIENT_IP_HEADER"


class _CookieManager:
    """streamlit-authenticator's cookie manager, without components that report back.

    The library builds an ``extra_streamlit_components.CookieManager`` on every run. Its
    components (a "getAll" reader on every page load, a "set" writer after sign-in) each report
    to the server a moment after they render, and that report starts one more run. Streamlit
    stops the run in progress when another starts, so a click landing just before a report had
    its run stopped and was lost: first the "Sign in" click (3–4 sign-ins in 25 on a busy
    server), then any click in the first second after the scoreboard appeared.

    Here cookies are read from the request (``st.context.cookies``) and written or deleted by a
    line of JavaScript in the page (``st.html``), which never reports back and so starts no run.
    The cookie is what the library's writer made: the value as is, path ``/``, an expiry date,
    ``SameSite=Strict``.
    """

    def __init__(self, key: str = "init"):  # noqa: ARG002 (the library's signature)
        self.cookies = dict(st.context.cookies)

    def get(self, cookie: str):
        return self.cookies.get(cookie)

    def set(self, cookie: str, val, key: str = "set", path: str = "/",  # noqa: ARG002
            expires_at: datetime | None = None, **_options) -> None:
        expires_at = expires_at or datetime.now() + timedelta(days=1)
        _write_cookie(cookie, str(val), path, expires_at)
        self.cookies[cookie] = val

    def delete(self, cookie: str, key: str = "delete") -> None:  # noqa: ARG002
        _write_cookie(cookie, "", "/", datetime(1970, 1, 1, tzinfo=timezone.utc))
        self.cookies.pop(cookie, None)


#: What a cookie name or value written by :func:`_write_cookie` may hold: the sign-in cookie's
#: name and its JWT (base64url parts joined by dots), nothing that could end the cookie or the script.
_COOKIE_TEXT = re.compile(r"[A-Za-z0-9._-]*")


def _write_cookie(name: str, value: str, path: str, expires_at: datetime) -> None:
    """Set (or, with a past ``expires_at``, delete) a cookie in the browser, from a script in the page."""
    if not (name and _COOKIE_TEXT.fullmatch(name) and _COOKIE_TEXT.fullmatch(value)):
        raise ValueError("cookie names and values are limited to letters, digits, '.', '_' and '-'")
    expires = format_datetime(expires_at.astimezone(timezone.utc), usegmt=True)
    cookie = f"{name}={value}; expires={expires}; path={path}; SameSite=Strict"
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


# Only streamlit-authenticator's cookie model uses the quiet manager (requirements.txt pins the
# library; tests/browser/test_shell_browser.py covers cookie sign-in, reload and sign-out).
cookie_model.stx = SimpleNamespace(CookieManager=_CookieManager)


def _authenticator() -> stauth.Authenticate:
    # Signed out, the form or the cookie is checked against the users as stored now (one small read
    # per signed-out run), so a user created or a password reset a moment ago in another process
    # works at once; a signed-in session's runs use the cached copy.
    signed_in = bool(st.session_state.get("authentication_status"))
    authenticator = stauth.Authenticate(
        copy.deepcopy(users.credentials() if signed_in else users.credentials_now()),  # the library mutates it
        cookie_name=COOKIE_NAME,
        cookie_key=settings.cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,  # hashes come from the database
        login_sleep_time=0,  # the default 0.7 s pause on every signed-out run
    )
    model = authenticator.authentication_controller.authentication_model
    model.check_credentials = lambda username, password: _check_credentials(model.credentials, username, password)
    return authenticator


# The library checks a password typed into the form -- and only that: a sign-in cookie, or a session
# already signed in, never reaches it -- through AuthenticationModel.check_credentials(username,
# password), with the username lower-cased and trimmed. _authenticator puts the rate-limited check
# below in its place on each instance (requirements.txt pins the library; the integration tests in
# tests/integration/test_sign_in_limit.py fail if the library stops calling it).
if not callable(getattr(AuthenticationModel, "check_credentials", None)):
    raise RuntimeError("streamlit-authenticator no longer checks passwords through "
                       "AuthenticationModel.check_credentials: the sign-in rate limit would not apply")

# The decoy hash an unknown username is checked against is made once per process (~0.25 s): make it
# now, in the background, so that the first unknown username's sign-in is not slower than the rest.
# Not a daemon: a process that exits while a daemon thread is inside bcrypt aborts ("FATAL: exception
# not rethrown", exit code 134); this one is waited for at exit (a quarter of a second at most).
threading.Thread(target=users.decoy_hash, name="alignboard-decoy-hash", daemon=False).start()


def client_key() -> str | None:
    """The client this session's sign-in attempts are counted under (sign_in_policy.client_from_request):
    the address in the ``ALIGNBOARD_CLIENT_IP_HEADER`` header when set and valid, else the
    connection's; None when neither is known (a localhost run, AppTest): no per-client limit then."""
    header = (os.environ.get(CLIENT_IP_HEADER_SETTING) or "").strip() or None
    lines: list[str] = []
    if header:
        headers = st.context.headers
        lines = headers.get_all(header) if hasattr(headers, "get_all") else [v for v in [headers.get(header)] if v]
    return sign_in_policy.client_from_request(st.context.ip_address, lines, header)


def _check_credentials(credentials: dict, username: str, password: str) -> bool:
    """The form's password check, rate-limited per username and per client in PostgreSQL
    (queries/sign_in_policy.py).

    The attempt is counted before the password is checked; while the username is paused, or sign-in
    from this client (:func:`client_key`) is, the password is not checked at all (the right one is
    refused too). A username without an account
    is counted and checked against a decoy hash like any other, so neither the answer nor the time
    it takes tells whether the account exists. Why it was refused goes to ``_REFUSAL``, for
    :func:`_refusal_message`."""
    if not password:   # never a right password, so not a guess: neither checked nor counted
        st.session_state[_REFUSAL] = {"empty_password": True}
        return False
    attempt = users.start_sign_in(username, client=client_key())
    if attempt.refused:
        st.session_state[_REFUSAL] = {"paused_until": attempt.paused_until, "paused_for": attempt.paused_for}
        return False
    account = credentials["usernames"].get(username)
    if users.check_sign_in_password(password, account["password"] if account else None):
        users.sign_in_succeeded(attempt)
        st.session_state[_REFUSAL] = None
        return True
    pause = users.sign_in_failed(attempt)
    st.session_state[_REFUSAL] = ({"paused_until": pause.until, "paused_for": pause.paused_for} if pause
                                  else {"failures": len(attempt.failures)})
    return False


def _refusal_message(now: datetime | None = None) -> str:
    """What the form says after a refused sign-in (the same for usernames with and without an account)."""
    refusal = st.session_state.get(_REFUSAL) or {}
    if refusal.get("empty_password"):
        return "Enter your password."
    if refusal.get("paused_until") is not None:
        message = (sign_in_policy.client_paused_message if refusal.get("paused_for") == "client"
                   else sign_in_policy.paused_message)
        return message(refusal["paused_until"], now or datetime.now(timezone.utc))
    return sign_in_policy.failed_message(refusal.get("failures", 0))


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
        st.session_state[_NOTICE] = ("Your sign-in has expired or your account was deactivated. Sign in again, "
                                     "or ask an admin.")
        st.rerun()
    if st.session_state.get("authentication_status") is False:
        st.error(_refusal_message())
    if not st.session_state.get("authentication_status"):
        notice = st.session_state.pop(_NOTICE, None)
        if notice:   # why this session was signed out, under the form (a fresh run drew the form)
            (form_container or st.container()).warning(notice)
        if st.session_state.get(_FORGET_COOKIE):
            # Signed out in this session: delete the cookie on every signed-out run until the
            # next sign-in, so that a reload does not sign in again whatever run came between.
            with form_container or st.container():
                authenticator.cookie_controller.delete_cookie()
        return None
    st.session_state[_FORGET_COOKIE] = False
    user = users.by_username(st.session_state["username"])
    if user is None or not user.active:
        # Deactivated while signed in: this run drew no form (the session was signed in when it
        # started), so start a signed-out run, which does, and say why there.
        _forget(authenticator)
        st.session_state[_NOTICE] = "Your account is not active. Ask an admin to reactivate it."
        st.rerun()
    if _signed_in_before_password_change(user, authenticator, was_signed_in):
        # The password was reset (say, an account someone else had used): sessions, and sign-in
        # cookies, from before that end here, as a deactivation would end them.
        _forget(authenticator)
        st.session_state[_NOTICE] = "Your password was changed. Sign in with the new password."
        st.rerun()
    if not was_signed_in and not authenticator.cookie_controller.get_cookie():
        # Signed in through the form just now. The library wrote the cookie from inside the
        # sign-in screen, which the frame clears on success, so the browser never stored it and
        # a reload (deep link) would ask for the password again. Write it from the sidebar
        # instead (remember_sign_in), starting with a clean run.
        st.session_state[_WRITE_COOKIE] = True
        st.rerun()
    return user


def _signed_in_before_password_change(user: User, authenticator: stauth.Authenticate, was_signed_in: bool) -> bool:
    """Whether this session's sign-in predates the user's last password change. The moment is kept
    from the session's first signed-in run: now for the form; for a sign-in cookie, when the cookie
    was written (its expiry less COOKIE_DAYS), so a cookie copied before a reset no longer works."""
    since = st.session_state.get(_SINCE)
    if since is None:
        token = None if was_signed_in else authenticator.cookie_controller.get_cookie()
        since = float(token["exp_date"]) - COOKIE_DAYS * 86400 if token and "exp_date" in token else time.time()
        st.session_state[_SINCE] = since
    changed = user.password_changed_at
    return changed is not None and changed.timestamp() > since


def password_changed_here(username: str) -> None:
    """The signed-in user just set their own password (the admin page): this session stays signed in
    (from the change as stored, so that no clock difference can sign it out)."""
    user = users.by_username(username)
    if user is not None and user.password_changed_at is not None:
        st.session_state[_SINCE] = max(time.time(), user.password_changed_at.timestamp())


def remember_sign_in() -> None:
    """After a sign-in through the form, keep writing the sign-in cookie on every run of this
    session (a script in the page), so that it outlives quick reruns and a reload signs in."""
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
    st.session_state.pop(_SINCE, None)
    st.session_state[_WRITE_COOKIE] = False
    st.session_state[_FORGET_COOKIE] = True


def sign_out(location: str = "sidebar") -> None:
    authenticator = st.session_state.get("_authenticator")
    if authenticator is not None:
        authenticator.logout(button_name="Sign out", location=location, key="sign_out",
                             use_container_width=True)
        if not st.session_state.get("authentication_status"):
            # Signed out just now: show the sign-in screen, which deletes the cookie (current_user).
            st.session_state.pop(_SINCE, None)
            st.session_state[_WRITE_COOKIE] = False
            st.session_state[_FORGET_COOKIE] = True
            st.rerun()
        remember_sign_in()
