"""The layers the brief asks for, held by reading the imports: queries/ (data and domain) never
imports components/ or pages/, components/ never imports pages/, pages never import a database driver
(components/shell.py catches sqlalchemy's errors, nothing more), and no page or component holds a SQL
statement: SQL lives in queries/sql/*.sql."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):   # also imports inside functions, which a lazy import hides in
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def top_level(name: str) -> str:
    return name.split(".")[0]


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("path", files("queries"), ids=lambda p: p.name)
def test_queries_do_not_import_the_layers_above(path):
    above = {m for m in imported_modules(path) if top_level(m) in ("components", "pages", "app")}
    assert not above, f"queries/{path.name} imports {sorted(above)}: move what it needs into queries/"


@pytest.mark.parametrize("path", files("components"), ids=lambda p: p.name)
def test_components_do_not_import_pages(path):
    assert not {m for m in imported_modules(path) if top_level(m) in ("pages", "app")}


@pytest.mark.parametrize("path", files("pages") + [ROOT / "app.py"], ids=lambda p: p.name)
def test_pages_reach_the_database_only_through_queries(path):
    drivers = {m for m in imported_modules(path) if top_level(m) in ("sqlalchemy", "psycopg", "psycopg2")}
    assert not drivers, f"{path.name} imports {sorted(drivers)}: call a function in queries/ instead"


def test_the_check_sees_a_lazy_import(tmp_path):
    """A lazy import inside a function (how the old queries/sla.py reached components.format) counts."""
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from components import format as fmt\n    return fmt\n")
    assert "components" in imported_modules(sample)


_SQL = re.compile(r"^\s*(select\b.*\bfrom\b|select\s+\w+\(|insert\s+into\b|update\s+\w+(\s+\w+)?\s+set\b"
                  r"|delete\s+from\b|with\s+(recursive\s+)?\w+(\s*\([^)]*\))?\s+as\s+((not\s+)?materialized\s*)?\()",
                  re.IGNORECASE | re.DOTALL)
#: what a statement has and a sentence ("Select a lead from the list") has not
_SQL_MARK = re.compile(r"\bwhere\b|\bjoin\b|\bgroup\s+by\b|\border\s+by\b|\bvalues\s*\(|:[a-z_]+\b|%s|[*=]|\w\(",
                       re.IGNORECASE)


def is_sql(text: str) -> bool:
    return bool(_SQL.match(text) and _SQL_MARK.search(text))


def sql_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.value[:60] for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_sql(node.value)]


@pytest.mark.parametrize("path", files("pages") + files("components") + [ROOT / "app.py"], ids=lambda p: p.name)
def test_sql_lives_only_in_queries(path):
    """SQL is written once, in queries/ (named blocks in queries/sql/*.sql): no page or component
    holds a statement of its own."""
    assert not sql_literals(path), f"{path.name} holds SQL: {sql_literals(path)}"


def test_the_sql_check_sees_a_statement(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('Q = """select id\n  from lead where id = :id"""\nTEXT = "Select a lead from the list"\n')
    assert sql_literals(sample) == ["select id\n  from lead where id = :id"]
    for statement in ("SELECT * FROM handoff", "insert into goal (title) values (:t)",
                      "update goal g set title = :t where id = :id", "delete from goal_owner where goal_id = :g",
                      "with scoped as materialized (select 1) select * from scoped", "select pg_advisory_lock(:k)"):
        assert is_sql(statement), statement
    for words in ("Select rows to reassign them.", "Update the goal from here", "Delete from the agenda (this cannot "
                  "be undone)", "With this filter as shown, select a rep from the list"):
        assert not is_sql(words), words


@pytest.mark.parametrize("path", sorted((ROOT / "components").glob("*charts.py")) + [ROOT / "components" / "theme.py",
                                                                                      ROOT / "components" / "format.py"],
                         ids=lambda p: p.name)
def test_chart_builders_and_formats_do_not_touch_streamlit(path):
    """Chart builders return figures, formats return text: the page decides where they go."""
    assert not {m for m in imported_modules(path) if top_level(m) == "streamlit"}, path.name


@pytest.mark.parametrize("name", ["calc", "goal_math", "sla_math", "rating_math", "meeting_rules", "criteria_rules",
                                  "business_hours", "periods", "words"])
def test_pure_domain_modules_need_neither_database_nor_streamlit(name):
    """The pure rules (unit-tested without a database) stay pure."""
    found = {top_level(m) for m in imported_modules(ROOT / "queries" / f"{name}.py")}
    assert not found & {"streamlit", "sqlalchemy", "psycopg"}, (name, found)
