"""The layers the brief asks for, held by reading the imports: queries/ (data and domain) never
imports components/ or pages/, components/ never imports pages/, and only queries/ (plus the shell's
error handling and the seeds/bench/tools scripts) talks to the database drivers."""

from __future__ import annotations

import ast
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
