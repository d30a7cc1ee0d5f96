"""Form submissions saved once (migration 0022). A form that appends a record (a goal's check-in)
is drawn with a fresh random key (:func:`new_key`) and passes it to its write; the write calls
:func:`claim` in its own transaction before inserting. A double click that reaches the server as a
second submission of the same form then finds the key claimed and saves nothing: the caller raises
:class:`AlreadySubmitted`, which the form reads as "saved" (the first submission was). The keys
live in PostgreSQL, so this holds across app processes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from queries.sqlfiles import q


class AlreadySubmitted(Exception):
    """This form on screen was submitted and saved already; nothing was saved again."""


def new_key() -> str:
    """A key for one form on screen (a new one for each fresh, empty form)."""
    return str(uuid.uuid4())


def claim(conn: sa.Connection, key: str | None, kind: str) -> None:
    """Claim ``key`` in the caller's transaction; raise :class:`AlreadySubmitted` when it was
    claimed before. ``None`` (a caller without a form: a script, a test) claims nothing."""
    if key is None:
        return
    try:
        uuid.UUID(str(key))
    except ValueError:
        raise ValueError(f"not a submission key: {key!r}") from None
    if conn.execute(q("form_submission_claim"), {"key": str(key), "kind": kind}).first() is None:
        raise AlreadySubmitted(kind)
