"""The package's shape: imports run one way, no module imports itself back, modules stay small.

Read from the source (no import runs), so the checks see function-level imports too: a lazy
import is still a dependency, and hiding a cycle inside a function does not make it go away.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first: a module may import its own layer and the layers below, never one above.
LAYERS: list[tuple[str, ...]] = [
    (
        "scribe.errors",
        "scribe.domain",
        "scribe.config",
        "scribe.config_groups",
        "scribe.config_stages",
        "scribe.config_masking",
        "scribe.artifacts",
        "scribe.messages",
        "scribe.formats",
        "scribe.captions",
        "scribe.retime",
        "scribe.observability",
    ),
    (
        "scribe.queues",
        "scribe.storage",
        "scribe.db",
        "scribe.migrations",
        "scribe.net",
        "scribe.lexicon",
        "scribe.observability.backlog",
        "scribe.tombstones",
    ),
    ("scribe.stages",),
    (
        "scribe.worker",
        "scribe.orchestrator",
        "scribe.transfer",
        "scribe.capacity",
        "scribe.retention",
        "scribe.revisions",
        "scribe.ingest",
        "scribe.services",
        "scribe.models_seed",
        "scribe.tombstone_sweep",
        "scribe.library",
    ),
    (
        "scribe",
        "scribe.api",
        "scribe.cli",
        "scribe.commands",
        "scribe.local_run",
        "scribe.supervisor",
        "scribe.client",
        "scribe.__main__",
    ),
]
# Workers never touch the database (DESIGN.md §1): no database credentials on GPU machines.
NO_DATABASE = ("scribe.stages", "scribe.worker")
DATABASE = ("scribe.db", "scribe.orchestrator", "scribe.migrations")
MAX_LINES = 450


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in (SRC / "scribe").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports, at any depth of its code."""
    known = modules()
    found: set[str] = set()
    for node in ast.walk(ast.parse(known[name].read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            inside = submodules & known.keys()
            found |= inside or ({node.module} & known.keys())
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names} & known.keys()
    return found - {name}


def layer(name: str) -> int:
    """The layer of a module: that of the longest prefix listed."""
    best, length = -1, -1
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > length:
                best, length = rank, len(prefix)
    assert best >= 0, f"{name} belongs to no layer: add it to LAYERS"
    return best


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer(name)


def test_imports_run_one_way() -> None:
    upward = sorted(
        f"{name} imports {dep}"
        for name in modules()
        for dep in imports_of(name)
        if layer(dep) > layer(name)
    )
    assert not upward, "imports against the layering:\n" + "\n".join(upward)


def test_stages_and_workers_never_reach_the_database() -> None:
    reaching = sorted(
        f"{name} imports {dep}"
        for name in modules()
        if within(name, NO_DATABASE)
        for dep in imports_of(name)
        if within(dep, DATABASE)
    )
    assert not reaching, "\n".join(reaching)


def test_no_circular_imports() -> None:
    """Tarjan's strongly connected components over the import graph: none larger than one."""
    graph = {name: imports_of(name) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package importing its own submodules (its __init__ re-exporting) is no cycle.
            if len(component) > 1 and not _package_and_children(component):
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert not cycles, "circular imports:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _package_and_children(component: list[str]) -> bool:
    shortest = min(component, key=len)
    return all(name == shortest or name.startswith(shortest + ".") for name in component) and (
        modules()[shortest].name == "__init__.py"
    )


def test_modules_stay_small() -> None:
    """One idea a module: none grows past MAX_LINES (about 400, with some room)."""
    long = sorted(
        f"{name}: {lines} lines"
        for name, path in modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    )
    assert not long, "\n".join(long)
