"""Users: sign-in credentials, the signed-in user's record, and the admin's writes (audited).

Also the command line for operators (no app needed)::

    python -m queries.users create-admin USERNAME --email you@example.com --name "Your Name"
    python -m queries.users set-password USERNAME

The password comes from ``ALIGNBOARD_ADMIN_PASSWORD``, or is asked twice in the terminal.
Exit codes: 0 done, 2 bad input (the message says what), 1 the database could not be used.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime

if __name__ == "__main__":  # the terminal command: keep Streamlit's "no runtime found" notes out of it
    import logging

    logging.getLogger("streamlit.runtime.caching.cache_data_api").disabled = True

import bcrypt
import pandas as pd
import sqlalchemy as sa
import streamlit as st

from queries import audit, sign_in_policy, sqlfiles
from queries.access import ROLES, User
from queries.db import get_engine
from queries.sqlfiles import q

USER_TTL = 30
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 refuses longer input
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a forward path


class UserError(ValueError):
    """A change the admin asked for that cannot be made; the message says why."""


class StaleEdit(UserError):
    """Someone else changed the user since it was loaded."""


# --------------------------------------------------------------------------- validation (pure)


def validate_password(password: str, username: str = "") -> str:
    if password is None or not password.strip():
        raise UserError("Enter a password.")
    if password != password.strip():
        # the sign-in form (streamlit-authenticator) strips what is typed: such a password could
        # be set but never used
        raise UserError("The password cannot start or end with a space (the sign-in form ignores those). "
                        "Spaces inside it are fine.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"The password must have at least {MIN_PASSWORD_CHARS} characters "
                        f"(it has {len(password)}).")
    size = len(password.encode("utf-8"))
    if size > MAX_PASSWORD_BYTES:
        multibyte = size != len(password)
        raise UserError(
            f"The password is too long: {size} bytes, and at most {MAX_PASSWORD_BYTES} can be used "
            f"(bcrypt's limit counts bytes, not characters)."
            + (f" It has {len(password)} characters, but accented letters, non-Latin scripts and emoji take "
               "2–4 bytes each; use fewer characters." if multibyte else " Use a shorter password.")
        )
    if "\x00" in password:
        raise UserError("The password cannot contain the NUL character.")
    if username and password.strip().lower() == username.strip().lower():
        raise UserError("The password must not be the username.")
    return password


def check_new_password(password: str, confirm: str, username: str = "") -> str:
    """A new password typed twice: the rules above apply, and both must match; both problems are
    said at once, as a list (a mismatch behind a short password took the admin a second round)."""
    problems = []
    try:
        validate_password(password, username)
    except UserError as err:
        problems.append(str(err))
    if password != confirm:
        problems.append("The two passwords do not match. Type the same password in both fields.")
    if problems:
        raise UserError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
    return password


def _require_admin(actor: User | None) -> None:
    """``actor`` None means the operator's command line or demo seeding (no signed-in user)."""
    if actor is not None and not current(actor).can("users.manage"):
        changed = " (your roles or your account changed since the page loaded; reload it)" \
            if actor.can("users.manage") else ""
        raise UserError(f"Only active administrators can manage users{changed}.")


def _lock_admins(conn: sa.Connection, actor: User | None) -> None:
    """Inside a user write's transaction: lock the active admins' rows and check that ``actor``
    is still one of them. Two admins demoting (or deactivating) each other at the same moment
    both passed the check made before their transactions, and the install was left without an
    admin; now the second waits for the first and is refused."""
    if actor is None:
        return
    admins = set(conn.execute(q("user_admins_lock")).scalars())
    if int(actor.id) not in admins:
        raise UserError("Only active administrators can manage users (your roles or your account changed a "
                        "moment ago; reload the page).")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode())
    except ValueError:
        return False


@dataclass
class UserInput:
    username: str
    display_name: str
    email: str
    roles: list[str]
    team_id: int | None = None
    rep_id: int | None = None
    active: bool = True

    def cleaned(self) -> "UserInput":
        """The input as stored, or UserError listing every problem at once (an empty form took a
        save per field to fill in)."""
        problems: list[str] = []
        username = (self.username or "").strip().lower()
        if not USERNAME_RE.match(username):
            problems.append("Usernames have 2–32 characters: lower-case letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit.")
        # one line, without NUL (PostgreSQL text cannot hold it; a paste can carry it)
        name = " ".join((self.display_name or "").replace("\x00", "").split())
        if not name:
            problems.append("Enter the person's name.")
        elif len(name) > MAX_NAME_CHARS:
            problems.append(f"The name can have at most {MAX_NAME_CHARS} characters (it has {len(name)}).")
        email = (self.email or "").strip()
        if not email.replace("\x00", ""):
            problems.append("Enter the person's e-mail address.")
        elif "\x00" in email or not EMAIL_RE.match(email):
            problems.append(f"'{email.replace(chr(0), '')}' is not an e-mail address.")
        elif len(email) > MAX_EMAIL_CHARS:
            problems.append(f"An e-mail address has at most {MAX_EMAIL_CHARS} characters (this one has "
                            f"{len(email)}).")
        roles = [r for r in ROLES if r in set(self.roles or [])]
        unknown = set(self.roles or []) - set(ROLES)
        if unknown:
            problems.append(f"Unknown role(s): {', '.join(sorted(unknown))}.")
        elif not roles:
            problems.append("Give the user at least one role.")
        if problems:
            raise UserError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
        return UserInput(username, name, email, roles, self.team_id, self.rep_id, self.active)


# --------------------------------------------------------------------------- reads


@st.cache_data(ttl=USER_TTL, show_spinner=False)
def credentials() -> dict:
    """Active users in streamlit-authenticator's format, cached (a signed-in session's runs).
    Callers must deep-copy before use."""
    return credentials_now()


def credentials_now() -> dict:
    """The same, read now: for signing in. A user just created, or a password just reset, in another
    app process (or with the command line) must be able to sign in at once, not after the cache's
    30 s ("Username or password is incorrect" for the first admin, whose sign-in page was open)."""
    with get_engine().connect() as conn:
        rows = conn.execute(q("user_credentials")).mappings().all()
    return {"usernames": {
        r["username"]: {"email": r["email"], "first_name": r["display_name"], "last_name": "",
                        "name": r["display_name"], "password": r["password_hash"], "roles": list(r["roles"])}
        for r in rows}}


@st.cache_data(ttl=USER_TTL, show_spinner=False)
def by_username(username: str) -> User | None:
    with get_engine().connect() as conn:
        row = conn.execute(q("user_by_username"), {"username": username}).mappings().first()
    if row is None:
        return None
    return User(id=row["id"], username=row["username"], display_name=row["display_name"], email=row["email"],
                roles=frozenset(row["roles"]), team_id=row["team_id"], team_name=row["team_name"],
                team_function=row["team_function"], rep_id=row["rep_id"], active=row["active"],
                password_changed_at=row["password_changed_at"])


def current(actor: User | None) -> User | None:
    """``actor`` as stored now — roles, team, rep, active — for a write's permission check. A form
    callback carries the ``User`` of the page it was clicked on, which may predate a demotion or a
    deactivation in another session (an admin demoted meanwhile could still add admins). Without
    roles when deactivated or deleted; None stays None (the command line). Uncached: one small read
    per write."""
    if actor is None:
        return None
    with get_engine().connect() as conn:
        row = conn.execute(q("user_by_id"), {"id": int(actor.id)}).mappings().first()
    if row is None or not row["active"]:
        return User(id=actor.id, username=actor.username, display_name=actor.display_name, email=actor.email,
                    roles=frozenset(), active=False)
    return User(id=row["id"], username=row["username"], display_name=row["display_name"], email=row["email"],
                roles=frozenset(row["roles"]), team_id=row["team_id"], team_name=row["team_name"],
                team_function=row["team_function"], rep_id=row["rep_id"], active=row["active"])


def count() -> int:
    with get_engine().connect() as conn:
        return conn.execute(q("user_count")).scalar_one()


def all_users(as_of: datetime | None = None) -> pd.DataFrame:
    """Every user, for the admin page (read as stored now: it checks changes made in any process).
    ``sign_in_paused_until``: when password sign-in opens again for a user paused after too many
    failed attempts (queries/sign_in_policy.py), else None; at ``as_of`` (default now)."""
    return sqlfiles.frame("users_list", {"as_of": as_of, **_policy_params()})


def _clear() -> None:
    credentials.clear()
    by_username.clear()


# --------------------------------------------------------------------------- writes (audited)


def _translate(exc: sa.exc.IntegrityError) -> UserError:
    text = str(exc.orig)
    if "app_user_username_key" in text:
        return UserError("That username is taken.")
    if "app_user_email_idx" in text:
        return UserError("Another user already has that e-mail address.")
    if "app_user_rep_id_key" in text:
        return UserError("That rep record already belongs to another user.")
    return UserError(f"The database refused the change: {text.splitlines()[0]}")


def create(actor: User | None, data: UserInput, password: str) -> int:
    _require_admin(actor)
    data = data.cleaned()
    validate_password(password, data.username)
    params = {**data.__dict__, "password_hash": hash_password(password)}
    params.pop("active")
    try:
        with get_engine().begin() as conn:
            _lock_admins(conn, actor)
            user_id = conn.execute(q("user_insert"), params).scalar_one()
            audit.record(conn, actor.id if actor else None, "user.create", "user", user_id, None,
                         {k: v for k, v in data.__dict__.items()})
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    _clear()
    return user_id


def update(actor: User, user_id: int, data: UserInput, version: int) -> int:
    """Apply an edit made on the row at ``version``; raises StaleEdit if it changed since."""
    _require_admin(actor)
    data = data.cleaned()
    if actor.id == user_id and ("admin" not in data.roles or not data.active):
        raise UserError("You cannot remove your own admin role or deactivate yourself; ask another admin.")
    try:
        with get_engine().begin() as conn:
            _lock_admins(conn, actor)
            old = conn.execute(q("user_row_for_update"), {"id": user_id}).mappings().first()
            if old is None:
                raise UserError("That user no longer exists.")
            if old["username"] != data.username:
                raise UserError("Usernames cannot be changed; create a new user instead.")
            new_version = conn.execute(q("user_update"), {**data.__dict__, "id": user_id,
                                                           "version": version}).scalar()
            if new_version is None:
                raise StaleEdit("Someone else changed this user while you were editing. Your changes were not "
                                "saved; reload the user to see the current values and apply them again.")
            audit.record(conn, actor.id, "user.update", "user", user_id,
                         {k: (list(v) if k == "roles" else v) for k, v in dict(old).items()
                          if k not in ("version", "id")},
                         {k: v for k, v in data.__dict__.items() if k != "username"} | {"username": data.username})
    except sa.exc.IntegrityError as exc:
        raise _translate(exc) from None
    _clear()
    return new_version


def reset_password(actor: User | None, user_id: int, username: str, password: str) -> int:
    """Set a new password; returns the user's new row version (the row changed)."""
    _require_admin(actor)
    validate_password(password, username)
    with get_engine().begin() as conn:
        _lock_admins(conn, actor)
        version = conn.execute(q("user_set_password"), {"id": user_id, "password_hash": hash_password(password)}).scalar()
        if version is None:
            raise UserError("That user no longer exists.")
        conn.execute(q("user_clear_sign_in_failures"), {"id": user_id})   # a reset lifts a sign-in pause
        audit.record(conn, actor.id if actor else None, "user.password_reset", "user", user_id, None,
                     {"password": "(changed)"})
    _clear()
    return version


# --------------------------------------------------------------------------- sign-in rate limit
# The policy and its constants: queries/sign_in_policy.py. Failures are rows in sign_in_failure,
# shared by every app process.


@dataclass(frozen=True)
class SignInAttempt:
    """A password attempt through the sign-in form, as :func:`start_sign_in` counted it."""

    username: str                     # as typed, normalised (sign_in_policy.normalise_username)
    at: datetime                      # when it was counted (the database's clock)
    failures: tuple[datetime, ...]    # the username's failures within the window, newest first; this
                                      # attempt's included unless refused
    paused_until: datetime | None     # refused without a check: password sign-in paused until then
    client: str | None = None         # the client it came from (sign_in_policy.client_key); None: unknown
    client_failures: tuple[datetime, ...] = ()   # the client's failures within the window, newest first,
                                                 # any username; this attempt's included unless refused
    paused_for: str | None = None     # what the refusal pauses: "username" or "client"

    @property
    def refused(self) -> bool:
        return self.paused_until is not None


@dataclass(frozen=True)
class SignInPause:
    """A pause a failed attempt started (:func:`sign_in_failed`): until when, and for what."""

    until: datetime
    paused_for: str                   # "username" (that username, from anywhere) or "client" (any username from it)


def _policy_params() -> dict:
    return {"window_seconds": int(sign_in_policy.WINDOW.total_seconds()),
            "max_failures": sign_in_policy.MAX_FAILURES}


def _client_params() -> dict:
    return {"window_seconds": int(sign_in_policy.WINDOW.total_seconds()),
            "client_max_failures": sign_in_policy.CLIENT_MAX_FAILURES}


def start_sign_in(typed_username: str, *, client: str | None = None,
                  as_of: datetime | None = None) -> SignInAttempt:
    """Count a password attempt for ``typed_username`` from ``client`` *before* its password is
    checked, or refuse it while sign-in is paused for that username or from that client (then
    nothing is counted). ``client``: a :func:`sign_in_policy.client_key`, or None when the address
    is unknown (no per-client limit).

    Counting first, one attempt per client and per username at a time (advisory locks held for this
    short transaction, not during the password check; the client's first, then the username's, by
    every attempt), means attempts sent at once from many sessions or app processes still check at
    most ``MAX_FAILURES`` passwords per username, and ``CLIENT_MAX_FAILURES`` from one client, per
    window between them. The row written stays as the failure unless :func:`sign_in_succeeded`
    deletes it. ``as_of``: the attempt's moment (tests); default the database's now."""
    username = sign_in_policy.normalise_username(typed_username)
    params = {"username": username, **_policy_params()}
    with get_engine().begin() as conn:
        if client is not None:
            conn.execute(q("sign_in_client_lock"), {"client": client})
        now = conn.execute(q("sign_in_begin"), {"username": username, "as_of": as_of}).scalar_one()
        client_recent: tuple[datetime, ...] = ()
        if client is not None:
            client_recent = tuple(conn.execute(q("sign_in_client_failures_recent"),
                                               {"client": client, "now": now, **_client_params()}).scalars())
        recent = tuple(conn.execute(q("sign_in_failures_recent"), {**params, "now": now}).scalars())
        # the client's pause first: its answer is the same whatever the username
        for paused_for, failures, limit in (("client", client_recent, sign_in_policy.CLIENT_MAX_FAILURES),
                                            ("username", recent, sign_in_policy.MAX_FAILURES)):
            paused = sign_in_policy.paused_until(list(failures), now, max_failures=limit)
            if paused is not None:
                return SignInAttempt(username, now, recent, paused, client, client_recent, paused_for)
        conn.execute(q("sign_in_failure_insert"), {**params, "client": client, "now": now})
    return SignInAttempt(username, now, (now, *recent), None, client,
                         (now, *client_recent) if client is not None else ())


def sign_in_succeeded(attempt: SignInAttempt) -> None:
    """The attempt's password was right: the username's failures (this attempt's row too) go."""
    with get_engine().begin() as conn:
        conn.execute(q("sign_in_failures_clear"), {"username": attempt.username})


def sign_in_failed(attempt: SignInAttempt) -> SignInPause | None:
    """The attempt's password was wrong (or the username has no account): its row stays as the
    failure. Returns the pause this failure started -- from the client if it paused that, else for
    the username -- or None.

    The failure that starts a pause is audited, without an actor: for a username, as
    ``user.sign_in_paused`` when it is an account's (typed text that names no account is not
    written to the audit log: people type their password into the username field; it is pruned
    from sign_in_failure with the window); for a client, as ``sign_in.client_paused`` about the
    client (entity ``client``, its key), whatever usernames it tried."""
    if attempt.refused:
        return None
    user_paused = sign_in_policy.paused_until(list(attempt.failures), attempt.at)
    client_paused = (sign_in_policy.paused_until(list(attempt.client_failures), attempt.at,
                                                 max_failures=sign_in_policy.CLIENT_MAX_FAILURES)
                     if attempt.client is not None else None)
    minutes = int(sign_in_policy.WINDOW.total_seconds() // 60)
    audit_user = user_paused is not None and len(attempt.failures) == sign_in_policy.MAX_FAILURES
    audit_client = (client_paused is not None
                    and len(attempt.client_failures) == sign_in_policy.CLIENT_MAX_FAILURES)
    if audit_user or audit_client:
        with get_engine().begin() as conn:
            if audit_user:
                row = conn.execute(q("user_by_username"), {"username": attempt.username}).mappings().first()
                if row is not None:
                    audit.record(conn, None, "user.sign_in_paused", "user", row["id"], None,
                                 {"failed_sign_ins": len(attempt.failures), "within_minutes": minutes,
                                  "paused_until": user_paused})
            if audit_client:
                audit.record(conn, None, "sign_in.client_paused", "client", attempt.client, None,
                             {"failed_sign_ins": len(attempt.client_failures), "within_minutes": minutes,
                              "paused_until": client_paused})
    if client_paused is not None:
        return SignInPause(client_paused, "client")
    return SignInPause(user_paused, "username") if user_paused is not None else None


def paused_clients(as_of: datetime | None = None) -> pd.DataFrame:
    """Clients password sign-in is paused from (columns ``client``, ``paused_until``), latest pause
    first; at ``as_of`` (default now). For the admin page, read as stored now."""
    return sqlfiles.frame("sign_in_paused_clients", {"as_of": as_of, **_client_params()})


@functools.cache
def decoy_hash() -> str:
    """A bcrypt hash, made once per process, of a random secret nobody knows: no password matches it."""
    return hash_password(secrets.token_urlsafe(32))


def check_sign_in_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash``; for a username without an account (None) the
    same bcrypt work against a decoy hash, so that a wrong username answers as slowly as a wrong
    password and the time taken does not tell whether an account exists."""
    matched = check_password(password, password_hash or decoy_hash())
    return matched and password_hash is not None


# --------------------------------------------------------------------------- command line


def _password_from_operator(username: str) -> str:
    """From ALIGNBOARD_ADMIN_PASSWORD, or typed twice in a terminal; validated."""
    env = os.environ.get("ALIGNBOARD_ADMIN_PASSWORD")
    if env is not None:
        return validate_password(env, username)
    if not sys.stdin.isatty():
        raise UserError("No password given: set ALIGNBOARD_ADMIN_PASSWORD, or run this in a terminal to type it.")
    import getpass

    first = getpass.getpass(f"New password for {username}: ")
    second = getpass.getpass("Type it again: ")
    return check_new_password(first, second, username)


def _user_id(username: str) -> int | None:
    with get_engine().connect() as conn:
        row = conn.execute(q("user_by_username"), {"username": username.strip().lower()}).mappings().first()
    return None if row is None else row["id"]


def main(argv: list[str] | None = None) -> int:
    from queries.db import DatabaseSetupError, run_migrations

    parser = argparse.ArgumentParser(
        prog="python -m queries.users",
        description="Manage Alignboard users from a terminal. The password is read from "
                    "ALIGNBOARD_ADMIN_PASSWORD, or asked twice.")
    sub = parser.add_subparsers(dest="command", required=True)
    create_cmd = sub.add_parser("create-admin", help="create an administrator")
    create_cmd.add_argument("username")
    create_cmd.add_argument("--email", required=True)
    create_cmd.add_argument("--name", required=True, help="the person's name, as shown in the app")
    reset_cmd = sub.add_parser("set-password", help="set a user's password (e.g. a locked-out admin)")
    reset_cmd.add_argument("username")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage; 2 = bad input
        return int(exc.code or 0)

    try:
        if args.command == "create-admin":
            data = UserInput(args.username, args.name, args.email, ["admin"]).cleaned()
            password = _password_from_operator(data.username)
            run_migrations(get_engine())
            user_id = create(None, data, password)
            print(f"Created administrator '{data.username}' (id {user_id}). Sign in with it in the app.")
        else:
            username = args.username.strip().lower()
            run_migrations(get_engine())
            user_id = _user_id(username)
            if user_id is None:
                raise UserError(f"There is no user '{username}'.")
            password = _password_from_operator(username)
            reset_password(None, user_id, username, password)
            print(f"Password for '{username}' changed.")
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except DatabaseSetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\ncancelled; nothing was changed.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
