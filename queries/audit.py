"""The audit log: every change made through Alignboard, with who, what and when (old -> new)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from queries.db import get_engine
from queries.sqlfiles import q


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot audit a {type(value).__name__}")


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, default=_default, sort_keys=True)


def record(conn: sa.Connection, actor_user_id: int | None, action: str, entity: str, entity_id,
           old: dict | None = None, new: dict | None = None) -> None:
    """Append an audit entry inside the caller's transaction (so it commits with the change)."""
    if old is not None and new is not None:  # keep only what changed
        keys = {k for k in set(old) | set(new) if _json(old.get(k)) != _json(new.get(k))}
        old = {k: old.get(k) for k in sorted(keys)}
        new = {k: new.get(k) for k in sorted(keys)}
    conn.execute(q("audit_insert"), {"actor_user_id": actor_user_id, "action": action, "entity": entity,
                                     "entity_id": None if entity_id is None else str(entity_id),
                                     "old": _json(old), "new": _json(new)})


def recent(entity: str | None = None, entity_id=None, limit: int = 200) -> pd.DataFrame:
    with get_engine().connect() as conn:
        result = conn.execute(q("audit_recent"), {"entity": entity, "limit": limit,
                                                  "entity_id": None if entity_id is None else str(entity_id)})
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
