"""The house's layout, guarded (issue 20, ENGINEERING.md "House style"): a blueprint is a thin face. It
imports forms, services, the web helpers and the domain's enums; never another blueprint (what two faces
share belongs in a service or a web helper), and never the database (``kiosk.extensions.db``,
``kiosk.database``, SQLAlchemy, ``db.session``): services are the only door to it.

The blueprint modules are found from the app (``app.blueprints``' import names), so the guard follows them
wherever they live; their sources are read with ``ast``, nothing is executed.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Modules a blueprint may not import, nor anything under them.
DATABASE_MODULES = ("sqlalchemy", "kiosk.database")
#: Names a blueprint may not import from a module (``from kiosk.extensions import db``).
DATABASE_NAMES = {"kiosk.extensions": {"db"}}


@dataclass(frozen=True)
class Imported:
    line: int
    module: str  # the module imported, or the one a name is imported from
    name: str | None = None  # the name imported from it, for ``from module import name``

    @property
    def as_module(self) -> str:
        """What ``from package import name`` names if ``name`` is a module: ``package.name``."""
        return f"{self.module}.{self.name}" if self.name else self.module


def _source(module: str) -> tuple[Path, ast.Module]:
    path = Path(importlib.util.find_spec(module).origin)
    return path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(module: str, tree: ast.Module) -> list[Imported]:
    """Every import in the module, relative ones resolved against its package."""
    package = module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Imported(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found += [Imported(node.lineno, base, alias.name) for alias in node.names]
    return found


def _is_under(module: str, roots) -> bool:
    return any(module == root or module.startswith(f"{root}.") for root in roots)


def _database_uses(module: str, tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) for each import of the database and each ``db.session``."""
    found = [(i.line, f"imports {i.as_module}") for i in _imports(module, tree)
             if _is_under(i.module, DATABASE_MODULES) or _is_under(i.as_module, DATABASE_MODULES)
             or i.name in DATABASE_NAMES.get(i.module, ())]
    return found + [(node.lineno, "uses db.session") for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and node.attr == "session"
                    and isinstance(node.value, ast.Name) and node.value.id == "db"]


@pytest.fixture(scope="module")
def blueprint_modules():
    from kiosk import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "layout"})
    modules = sorted({bp.import_name for bp in app.blueprints.values()})
    assert len(modules) > 5 and all(module.startswith("kiosk.") for module in modules)
    return modules


def test_no_blueprint_imports_another(blueprint_modules):
    others = set(blueprint_modules)
    found = []
    for module in blueprint_modules:
        path, tree = _source(module)
        for imported in _imports(module, tree):
            target = next((m for m in (imported.as_module, imported.module) if m in others - {module}), None)
            if target:
                found.append(f"{path.name}:{imported.line} imports {target}")
    assert found == [], "what two faces share belongs in a service or a web helper"


def test_no_blueprint_touches_the_database(blueprint_modules):
    found = []
    for module in blueprint_modules:
        path, tree = _source(module)
        found += [f"{path.name}:{line} {what}" for line, what in _database_uses(module, tree)]
    assert found == [], "a page's reads and writes are named functions of a service"


#: The layers below the web edge: they serve the faces and never reach back up into them.
BELOW_THE_WEB = ("kiosk.services", "kiosk.domain", "kiosk.models", "kiosk.worker")


def test_nothing_below_the_web_edge_imports_it():
    found = []
    for layer in BELOW_THE_WEB:
        for path in sorted(Path(importlib.util.find_spec(layer).origin).parent.rglob("*.py")):
            module = ".".join(path.relative_to(Path(importlib.util.find_spec("kiosk").origin).parent.parent)
                              .with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [f"{module}:{i.line} imports {i.as_module}" for i in _imports(module, tree)
                      if _is_under(i.module, ("kiosk.web",)) or _is_under(i.as_module, ("kiosk.web",))]
    assert found == [], "services, the domain, the models and the worker never import the web edge"


# ---- the guard itself ---------------------------------------------------------------------------------


def _offences(source: str) -> list[tuple[int, str]]:
    return _database_uses("kiosk.blueprints.face", ast.parse(source))


@pytest.mark.parametrize("source", [
    "from kiosk.extensions import db",
    "from kiosk.extensions import csrf, db as database",
    "import sqlalchemy",
    "from sqlalchemy import select",
    "from sqlalchemy.orm import joinedload",
    "from kiosk.database import begin_write",
    "from kiosk import database",
    "import kiosk.database",
    "from .. import database",
    "def view():\n    return db.session.get(User, 1)",
])
def test_the_guard_sees_each_way_to_the_database(source):
    assert _offences(source)


@pytest.mark.parametrize("source", [
    "from kiosk.extensions import csrf, limiter",
    "from kiosk.services import tasks",
    "from kiosk.domain.kpi import KpiCode",
    "from kiosk import labels",
])
def test_the_guard_lets_a_thin_face_be(source):
    assert _offences(source) == []


def test_the_guard_resolves_relative_imports_of_a_sibling():
    module = "kiosk.blueprints.supervisor"
    imported = _imports(module, ast.parse("from .tasks import action_forms\nfrom . import kiosk"))
    assert [i.as_module for i in imported] == [
        "kiosk.blueprints.tasks.action_forms", "kiosk.blueprints.kiosk"]
    assert [i.module for i in imported] == ["kiosk.blueprints.tasks", "kiosk.blueprints"]
