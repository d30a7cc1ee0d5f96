"""Named SQL queries loaded from ``queries/sql/*.sql`` (aiosql-style).

A file holds blocks that start with ``-- name: some_query``; the comment lines right after the
name become the query's doc. Blocks whose name starts with ``_`` are *fragments*: other blocks
include them with ``{{ _fragment }}``, in parentheses (an expression or a subquery), except a
fragment named ``_…_columns``: a select list, included as it stands. Expansion happens once, at
load time, from these committed files only: values always travel as bound parameters (``:name``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

SQL_DIR = Path(__file__).resolve().parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.M)
_INCLUDE = re.compile(r"\{\{\s*(_\w+)\s*\}\}")


@dataclass(frozen=True)
class Query:
    name: str
    doc: str
    sql: str

    @property
    def text(self) -> sa.TextClause:
        return sa.text(self.sql)


def _parse(path: Path) -> dict[str, tuple[str, str]]:
    content = path.read_text()
    marks = list(_NAME.finditer(content))
    blocks = {}
    for i, m in enumerate(marks):
        body = content[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(content)].strip("\n")
        doc_lines, sql_lines, in_doc = [], [], True
        for line in body.splitlines():
            if in_doc and line.startswith("--"):
                doc_lines.append(line[2:].strip())
            else:
                in_doc = False
                sql_lines.append(line)
        if m.group(1) in blocks:
            raise ValueError(f"{path.name}: query '{m.group(1)}' is defined twice")
        blocks[m.group(1)] = (" ".join(doc_lines).strip(), "\n".join(sql_lines).strip().rstrip(";"))
    return blocks


@lru_cache(maxsize=1)
def _all() -> dict[str, Query]:
    raw: dict[str, tuple[str, str]] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for name, block in _parse(path).items():
            if name in raw:
                raise ValueError(f"query '{name}' is defined in two files")
            raw[name] = block

    def expand(sql: str, seen: tuple[str, ...]) -> str:
        def sub(m: re.Match) -> str:
            frag = m.group(1)
            if frag not in raw:
                raise ValueError(f"unknown fragment '{frag}'")
            if frag in seen:
                raise ValueError(f"fragment cycle: {' -> '.join(seen + (frag,))}")
            body = expand(raw[frag][1], seen + (frag,))
            return body if frag.endswith("_columns") else "(\n" + body + "\n)"

        return _INCLUDE.sub(sub, sql)

    return {name: Query(name, doc, expand(sql, (name,))) for name, (doc, sql) in raw.items()}


def get(name: str) -> Query:
    try:
        return _all()[name]
    except KeyError:
        raise KeyError(f"no SQL query named '{name}' in {SQL_DIR}") from None


def names() -> list[str]:
    return sorted(n for n in _all() if not n.startswith("_"))


def q(name: str) -> sa.TextClause:
    """The named query as a SQLAlchemy text clause, ready for ``conn.execute(q(name), params)``."""
    return get(name).text


def frame(name: str, params: dict | None = None, conn: sa.Connection | None = None) -> pd.DataFrame:
    """The named query's rows as a DataFrame (columns as the query names them, untyped). On ``conn``
    when given (a write's transaction), else on a pooled connection of the app's engine."""
    if conn is None:
        from queries.db import get_engine

        with get_engine().connect() as own:
            return frame(name, params, own)
    result = conn.execute(q(name), params or {})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
