"""Demo sign-in accounts: one user per role, linked to a fitting rep record."""

from __future__ import annotations

import sqlalchemy as sa

from components.auth import DEMO_PASSWORD
from queries.users import hash_password
from queries.sqlfiles import q

#: username/role -> (display title, team function, preferred rep title words)
DEMO_ROLES = {
    "admin": ("Admin", None, ()),
    "executive": ("Executive", "sales", ("cro", "chief")),
    "marketing_lead": ("Marketing lead", "marketing", ("head", "director", "vp", "lead", "manager")),
    "sales_lead": ("Sales lead", "sales", ("vp", "head", "director", "lead", "manager")),
    "marketer": ("Marketer", "marketing", ()),
    "sdr": ("SDR", "sales_development", ()),
    "ae": ("AE", "sales", ()),
}


def create(conn: sa.Connection) -> None:
    """Insert the demo users (idempotent: existing usernames are left alone)."""
    pw_hash = hash_password(DEMO_PASSWORD)  # one bcrypt hash for all: ~0.2 s instead of 1.4 s
    reps = conn.execute(q("reps_list")).mappings().all()
    used: set[int] = set()
    for role, (label, function, words) in DEMO_ROLES.items():
        rep = _pick(reps, function, words, used, lead=bool(words))
        if rep is not None:
            used.add(rep["id"])
        conn.execute(q("user_insert_if_absent"), {
            "username": role, "display_name": rep["full_name"] if rep else f"Demo {label}",
            "email": f"{role}@demo.alignboard.example", "password_hash": pw_hash, "roles": [role],
            "team_id": rep["team_id"] if rep else None, "rep_id": rep["id"] if rep else None})


def _pick(reps, function, words, used, lead):
    if function is None:
        return None
    candidates = [r for r in reps if r["team_function"] == function and r["active"] and r["id"] not in used]
    if words:
        for word in words:
            for r in candidates:
                if word in (r["title"] or "").lower().split():
                    return r
        return candidates[0] if candidates else None
    plain = [r for r in candidates if not any(w in (r["title"] or "").lower()
                                              for w in ("head", "manager", "vp", "cro", "chief", "director"))]
    return (plain or candidates or [None])[0]
