"""The plugin's modules form no import cycle, and each one imports on its own (issue: 0.1 layout).

Two checks, because they catch different things:
- a static graph of every import between plugin modules, including imports inside functions
  (a "lazy" import only hides a cycle: tasks and services used to import each other that way);
- every module imported alone in a new process (``import_each.py``), which catches a module
  that works only when something else happened to be imported first.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.architecture.import_each import PACKAGES, ROOT, plugin_modules


def _module_path(name: str) -> Path:
    path = ROOT.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(name: str, modules: set[str]) -> set[str]:
    """Plugin modules imported anywhere in ``name`` (module level or inside functions)."""
    path = _module_path(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target.split(".")[0] in PACKAGES:
                found.add(target)
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_cycle_finder_finds_a_lazy_cycle():
    graph = {"lms.tasks": {"lms.services.x"}, "lms.services.x": {"lms.tasks"}, "lms.models": set()}
    assert import_cycles(graph) == [["lms.services.x", "lms.tasks"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_function_level_imports_are_edges(tmp_path):
    modules = set(plugin_modules())
    assert "lms.services.certificates" in modules
    assert "lms.worker.enqueue" in _imports("lms.services.certificates", modules)
    assert "lms.conf" in _imports("api.v1.views", modules)


def test_no_import_cycle_between_plugin_modules():
    modules = set(plugin_modules())
    graph = {name: _imports(name, modules) for name in modules}
    assert import_cycles(graph) == []


def test_every_plugin_module_imports_on_its_own_in_a_new_process():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "architecture" / "import_each.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["checked"]) == len(plugin_modules()) > 80
    assert report["failed"] == {}
