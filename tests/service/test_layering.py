"""Layering you can see: memory sits below the agent (it imports none of the agent's types,
nor anything above it), the service is the only layer the interfaces share, MCP does not
import the HTTP server, and no import cycle runs through memory, the service or the
interfaces. Read from the source (every import, ``TYPE_CHECKING`` ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

import recpilot

ROOT = Path(recpilot.__file__).parent
OURS = ("recpilot.memory", "recpilot.service", "recpilot.server", "recpilot.mcp_server")


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_memory_imports_nothing_above_it() -> None:
    above = ("recpilot.agent", "recpilot.service", "recpilot.server", "recpilot.mcp_server",
             "recpilot.cli", "recpilot.eval")  # fmt: skip
    for name, imported in _graph().items():
        if _under(name, "recpilot.memory"):
            wrong = sorted(m for m in imported if _under(m, *above))
            assert not wrong, f"{name} imports {wrong}"


def test_the_service_and_mcp_do_not_import_the_http_server() -> None:
    for name, imported in _graph().items():
        if _under(name, "recpilot.service", "recpilot.mcp_server"):
            wrong = sorted(m for m in imported if _under(m, "recpilot.server", "recpilot.cli"))
            assert not wrong, f"{name} imports {wrong}"


def test_no_import_cycle_runs_through_memory_service_or_interfaces() -> None:
    ours = [c for c in _cycles(_graph()) if any(_under(m, *OURS, "recpilot.cli") for m in c)]
    assert ours == []
