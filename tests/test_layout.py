"""The layout keeps its arrows (STYLE.md habit 14, issue 10 item 7): no two
modules import each other, directly or through others, and the core never
imports ``setupwizard.ui`` or ``setupwizard.cli``.

Every import counts, also one inside a function: a lazy import still makes
the two modules depend on each other. Only ``if TYPE_CHECKING:`` blocks are
left out (they never run). Read with ``ast``, nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "setupwizard"
#: the layers on top of the core (and ``python -m setupwizard``, which runs
#: the command line); everything else in the package is core
TOP_LAYERS = ("setupwizard.ui", "setupwizard.cli", "setupwizard.__main__")

#: Known offenders, in files other engineers are rewriting right now (issue
#: 10: the discovery port, the diagnostics port). Each entry is one import
#: arrow (importer, imported). After merging their branches the lead empties
#: these sets; test_allow_lists_are_not_stale fails for an entry that no
#: longer exists, so the lists only ever shrink.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()
KNOWN_CORE_TO_UI: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom, at any depth, outside ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's own modules that ``name`` imports."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # "from pkg import sub" imports the module pkg.sub when there is one
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known
                       else module for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]  # "import a.b.c" -> nearest module
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    arrows = sorted(f"{a} -> {b}" for a in component for b in graph[a] & members)
    return "\n  ".join(arrows)


def _in_top_layer(name: str) -> bool:
    return any(name == layer or name.startswith(layer + ".") for layer in TOP_LAYERS)


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    # cli/main.py imports each command inside run_command()
    assert "setupwizard.cli.discover" in graph["setupwizard.cli.main"]
    # the package's own __init__ imports inside a function
    assert "setupwizard.discovery" in graph["setupwizard"]
    assert "setupwizard.text" in graph["setupwizard.ui.terminal"]


def test_no_import_cycles():
    graph = {name: {t for t in targets if (name, t) not in KNOWN_CYCLE_EDGES}
             for name, targets in import_graph().items()}
    found = cycles(graph)
    assert not found, "modules that import each other (move the shared part down):\n  " + \
        "\n\n  ".join(_describe(c, graph) for c in found)


def test_the_core_never_imports_ui_or_cli():
    offenders = sorted(
        (name, target) for name, targets in import_graph().items() if not _in_top_layer(name)
        for target in targets if _in_top_layer(target)
        and (name, target) not in KNOWN_CORE_TO_UI)
    assert not offenders, "the core imports the UI or the CLI (arrows point down):\n  " + \
        "\n  ".join(f"{a} -> {b}" for a, b in offenders)


def test_allow_lists_are_not_stale():
    graph = import_graph()
    stale = sorted(edge for edge in KNOWN_CYCLE_EDGES | KNOWN_CORE_TO_UI
                   if edge[1] not in graph.get(edge[0], ()))
    assert not stale, f"remove from the allow-lists in tests/test_layout.py: {stale}"


def test_ui_does_not_import_cli():
    offenders = sorted((name, target) for name, targets in import_graph().items()
                       if name.startswith("setupwizard.ui")
                       for target in targets if target.startswith("setupwizard.cli"))
    assert not offenders, offenders


def test_cycles_finds_a_circle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
