"""Company settings stored in PostgreSQL (shared by every app process)."""

from __future__ import annotations

import json
import os
import secrets

import streamlit as st

from queries.db import get_engine
from queries.periods import zone
from queries.sqlfiles import q

SETTINGS_TTL = 30
PLACEHOLDER_KEYS = {"", "changethis", "change-me", "changeme", "secret", "some_key", "your-cookie-key"}
MIN_COOKIE_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """Configuration the operator must fix; the message says how."""


@st.cache_data(ttl=SETTINGS_TTL, show_spinner=False)
def all_settings() -> dict:
    with get_engine().connect() as conn:
        return {k: v for k, v in conn.execute(q("settings_all")).all()}


def get(key: str, default=None):
    return all_settings().get(key, default)


def put(conn, key: str, value) -> None:
    """Write a setting inside the caller's transaction."""
    conn.execute(q("setting_put"), {"key": key, "value": json.dumps(value)})
    all_settings.clear()


def company_timezone() -> str:
    tz = get("company_timezone", "UTC")
    try:
        zone(tz)
    except ValueError:
        return "UTC"
    return tz


def currency() -> str:
    """The currency code amounts are shown in. A value stored before migration 0016 checked its shape
    (a number, an empty string) reads as USD instead of stopping every page."""
    value = get("currency", "USD")
    return value.strip().upper() if isinstance(value, str) and value.strip() else "USD"


def demo_mode() -> bool:
    return bool(get("demo_data", False))


def sla_first_touch_minutes() -> int:
    return int(get("sla_first_touch_minutes", 240))


def cookie_key() -> str:
    """The key that signs sign-in cookies.

    From ``ALIGNBOARD_COOKIE_KEY`` or ``[auth] cookie_key`` in secrets. On demo data without one,
    a random key is generated once and kept in the database (so every app process shares it).
    Outside demo mode a missing, placeholder or short key is refused.
    """
    key = os.environ.get("ALIGNBOARD_COOKIE_KEY") or _secret_cookie_key()
    if key:
        if key.strip().lower() in PLACEHOLDER_KEYS or len(key.encode()) < MIN_COOKIE_KEY_BYTES:
            raise ConfigError(
                f"The sign-in cookie key is a placeholder or shorter than {MIN_COOKIE_KEY_BYTES} bytes. "
                "Set ALIGNBOARD_COOKIE_KEY (or cookie_key under [auth] in .streamlit/secrets.toml) to a "
                "random value, e.g. the output of: python -c \"import secrets; print(secrets.token_urlsafe(48))\""
            )
        return key
    if demo_mode():
        return _demo_cookie_key()
    raise ConfigError(
        "No sign-in cookie key is set, and this database is not demo data. Set ALIGNBOARD_COOKIE_KEY "
        "(or cookie_key under [auth] in .streamlit/secrets.toml) to a random value of at least "
        f"{MIN_COOKIE_KEY_BYTES} bytes, e.g.: python -c \"import secrets; print(secrets.token_urlsafe(48))\""
    )


def _secret_cookie_key() -> str | None:
    try:
        auth = st.secrets.get("auth", {})
        key = auth.get("cookie_key") if hasattr(auth, "get") else None
    except Exception:
        return None
    return None if key is None else str(key)   # an unquoted number is still a (too short) key, not a crash


def _demo_cookie_key() -> str:
    existing = get("demo_cookie_key")
    if existing:
        return existing
    with get_engine().begin() as conn:  # first writer wins; every process then reads the same key
        conn.execute(q("setting_put_if_absent"),
                     {"key": "demo_cookie_key", "value": json.dumps(secrets.token_urlsafe(48))})
    all_settings.clear()
    return get("demo_cookie_key")


# --------------------------------------------------------------------------- command line

#: Settings an operator sets from the command line, with their check.
OPERATOR_SETTINGS = {
    "company_timezone": "an IANA time zone name, e.g. Europe/Berlin (periods, deadlines and business hours use it)",
    "currency": "a three-letter ISO currency code, e.g. EUR (how amounts are shown; no conversion)",
}


def _checked(key: str, value: str) -> str:
    value = (value or "").strip()
    if key == "company_timezone":
        try:
            zone(value)
        except ValueError:
            raise ConfigError(f"'{value}' is not a time zone: use an IANA name such as Europe/Berlin or "
                              "America/New_York.") from None
        return value
    if len(value) != 3 or not value.isalpha():
        raise ConfigError(f"'{value}' is not a currency code: use three letters such as USD, EUR or GBP.")
    if value.upper() in _NOT_ISO:   # three letters people say, which no amount, sign or CRM uses as the code
        raise ConfigError(f"'{value}' is not the ISO currency code: use {_NOT_ISO[value.upper()]}.")
    return value.upper()


#: Three-letter names for currencies that are not their ISO 4217 codes.
_NOT_ISO = {"YEN": "JPY", "RMB": "CNY", "NIS": "ILS", "UKP": "GBP", "STG": "GBP", "EUO": "EUR"}


def main(argv: list[str] | None = None) -> int:
    """``python -m queries.settings show`` / ``set company_timezone Europe/Berlin`` / ``set currency EUR``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m queries.settings",
                                     description="Show or change the company settings every app process reads.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="print the company time zone and currency")
    put_cmd = sub.add_parser("set", help="change one: " + "; ".join(f"{k}: {v}" for k, v in OPERATOR_SETTINGS.items()))
    put_cmd.add_argument("key", choices=sorted(OPERATOR_SETTINGS))
    put_cmd.add_argument("value")
    args = parser.parse_args(argv)
    from queries.db import DatabaseSetupError

    try:
        if args.command == "show":
            print(f"company_timezone: {company_timezone()}\ncurrency: {currency()}")
            return 0
        from queries import audit

        value = _checked(args.key, args.value)
        before = {"company_timezone": company_timezone, "currency": currency}[args.key]()
        with get_engine().begin() as conn:
            put(conn, args.key, value)
            audit.record(conn, None, "setting.set", "app_setting", args.key, {"value": before}, {"value": value})
        print(f"{args.key} set to {value}. Running app processes pick it up within {SETTINGS_TTL} s.")
        return 0
    except (ConfigError, DatabaseSetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
