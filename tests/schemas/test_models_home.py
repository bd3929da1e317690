"""One home for the request and response models: ``loadwatch.schemas``.

A model defined in a service or a router is a second home that the next engineer has to find;
this scan of the top floors (``services/``, ``api/``, ``cli/``, ``scheduler/``) finds any class
that is a Pydantic model outside ``schemas/``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil

import pytest
from pydantic import BaseModel

from loadwatch import schemas
from support.paths import REPO

SRC = REPO / "src" / "loadwatch"
FLOORS = ("services", "api", "cli", "scheduler")
PYDANTIC_BASES = {"BaseModel", "RootModel"}


def _model_classes(source: str) -> list[str]:
    """Names of the classes in ``source`` that are Pydantic models: based on pydantic's
    ``BaseModel``, on anything taken from ``loadwatch.schemas`` (every class there is a model),
    or on a class of the same source already found to be one."""
    tree = ast.parse(source)
    model_names = set(PYDANTIC_BASES)
    model_modules: set[str] = {"pydantic"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "loadwatch.schemas":  # its topic modules
                model_modules.update(a.asname or a.name for a in node.names)
            elif node.module.startswith("loadwatch.schemas."):
                model_names.update(a.asname or a.name for a in node.names)
            elif node.module == "loadwatch" and any(a.name == "schemas" for a in node.names):
                model_modules.add("schemas")
            elif node.module == "pydantic":
                model_names.update(
                    a.asname or a.name for a in node.names if a.name in PYDANTIC_BASES
                )
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "pydantic" or a.name.startswith("loadwatch.schemas"):
                    model_modules.add(a.asname or a.name)

    def is_model(base: ast.expr) -> bool:
        if isinstance(base, ast.Subscript):  # RootModel[list[int]], Generic models
            base = base.value
        if isinstance(base, ast.Name):
            return base.id in model_names
        if isinstance(base, ast.Attribute):
            return ast.unparse(base.value) in model_modules
        return False

    found: list[str] = []
    # Classes in source order, so a model based on a model defined above it is found too.
    classes = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)), key=lambda n: n.lineno
    )
    for cls in classes:
        if any(is_model(b) for b in cls.bases):
            found.append(cls.name)
            model_names.add(cls.name)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from pydantic import BaseModel\nclass A(BaseModel): pass", ["A"]),
        ("import pydantic\nclass A(pydantic.BaseModel): pass", ["A"]),
        ("from pydantic import BaseModel as B\nclass A(B): pass\nclass C(A): pass", ["A", "C"]),
        ("from loadwatch.schemas.base import Page\nclass L(Page):\n    data: list[int]", ["L"]),
        ("from loadwatch.schemas import flags\nclass F(flags.FlagOut): pass", ["F"]),
        ("from pydantic import RootModel\nclass R(RootModel[list[int]]): pass", ["R"]),
        ("def f():\n    from pydantic import BaseModel\n    class In(BaseModel): pass", ["In"]),
        # Not models: a dataclass, a Protocol, an Enum, a plain class.
        (
            "import enum\nfrom dataclasses import dataclass\nfrom typing import Protocol\n"
            "@dataclass\nclass D: x: int\nclass P(Protocol): pass\nclass E(enum.Enum): A = 1\n"
            "class K: pass",
            [],
        ),
    ],
)
def test_the_scan_tells_a_model(source: str, expected: list[str]) -> None:
    assert _model_classes(source) == expected


def test_no_model_is_defined_outside_the_schemas_package() -> None:
    files = [p for floor in FLOORS for p in (SRC / floor).rglob("*.py")]
    assert len(files) > 40  # the walk found the floors
    strays = {
        str(p.relative_to(SRC)): names
        for p in files
        if (names := _model_classes(p.read_text(encoding="utf-8")))
    }
    assert strays == {}


def _home_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.iter_modules(schemas.__path__, schemas.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_the_home_holds_the_models_by_topic() -> None:
    models = _home_models()
    # A sample across topics: the flag's one shape, an upload's report, the triage, a plan.
    for qualified in (
        "loadwatch.schemas.flags.FlagOut",
        "loadwatch.schemas.flags.EpisodeOut",
        "loadwatch.schemas.uploads.UploadResult",
        "loadwatch.schemas.dashboard.Dashboard",
        "loadwatch.schemas.rehab.PlanIn",
        "loadwatch.schemas.status.AthleteStatus",
        "loadwatch.schemas.activities.ActivityDetail",
    ):
        assert qualified in models
    # One name, one model: OpenAPI would otherwise publish module paths as schema names.
    short = [q.rsplit(".", 1)[1] for q in models]
    assert sorted({n for n in short if short.count(n) > 1}) == []


def test_the_home_does_not_reach_up_into_the_api() -> None:
    for path in (SRC / "schemas").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("loadwatch.api"), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("loadwatch.api") for a in node.names), path.name
