"""The project's import graph: no circle, and every arrow points down the layers.

    python -m pytest tests/unit/test_import_graph.py -q

Layers, top to bottom: ``benchmarks`` → ``app`` → ``pages`` → ``showcase.<area>`` → ``showcase.core``.
An arrow may skip layers downwards, never go up; an area (``showcase.vision``) imports no other area,
a page area no other page area, and no module takes another module's private name (``_load_onnx``):
what two modules share is public, or lives in ``showcase/core`` (``pages/`` for the pages).
Every ``import`` counts, also one inside a function: a lazy import is still an arrow.
Read with the standard library's ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP = ("benchmarks", "pages", "showcase")

# Known exceptions (none today): each entry needs a reason beside it.
KNOWN_CIRCLES: set = set()
KNOWN_PRIVATE: set = set()


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """``{"pages.math.svd": path}`` for app.py and every module under the project's packages."""
    found = {"app": root / "app.py"}
    for top in TOP:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], list[str]]:
    """The project modules ``name`` imports, and the private names it takes from them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if (mod := _owner(a.name, modules)) is not None:
                    targets.add(mod)
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if _owner(base, modules) is None:
                continue
            for a in node.names:
                full = f"{base}.{a.name}"
                if full in modules:
                    targets.add(full)
                    aliases[a.asname or a.name] = full
                else:
                    targets.add(_owner(base, modules))
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        private.append(f"{name} imports {a.name} from {base}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            private.append(f"{name} uses {aliases[node.value.id]}.{node.attr}")
    targets.discard(name)
    return targets, private


def _owner(dotted: str, modules: dict[str, Path]) -> str | None:
    """The project module that ``dotted`` names, or the nearest package above it."""
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def layer(module: str) -> tuple[int, str]:
    """(height, area): benchmarks 4, app 3, pages 2, a showcase area 1, showcase.core 0."""
    parts = module.split(".")
    if parts[0] == "benchmarks":
        return 4, parts[1] if len(parts) > 2 else ""
    if parts[0] == "app":
        return 3, ""
    if parts[0] == "pages":
        return 2, parts[1] if len(parts) > 2 else ""
    if len(parts) > 2 and parts[1] != "core":
        return 1, parts[1]
    return 0, ""


def graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[str]]:
    modules = project_modules(root)
    edges, private = {}, []
    for name, path in modules.items():
        edges[name], taken = imports(name, path, modules)
        private += taken
    return edges, private


def bad_arrows(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for src, targets in edges.items():
        (h, area) = layer(src)
        for dst in sorted(targets):
            (h2, area2) = layer(dst)
            if h2 > h:
                bad.append(f"{src} -> {dst} points up")
            elif h2 == h and area and area2 and area != area2:
                bad.append(f"{src} -> {dst} crosses from area {area} to {area2}")
    return bad


def circles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]; counter[0] += 1
        stack.append(start); on_stack.add(start)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]; counter[0] += 1
                    stack.append(nxt); on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop(); on_stack.discard(member); component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


@functools.cache
def project_graph():
    return graph()


def test_the_import_graph_has_no_circle():
    edges, _ = project_graph()
    found = [sorted(c) for c in circles(edges) if frozenset(c) not in KNOWN_CIRCLES]
    assert not found, f"import circles: {found}"


def test_every_arrow_points_down_and_stays_in_its_area():
    edges, _ = project_graph()
    assert not bad_arrows(edges)


def test_no_module_takes_another_modules_private_names():
    _, private = project_graph()
    assert not [p for p in private if p not in KNOWN_PRIVATE]


def test_the_checks_see_a_circle_an_upward_arrow_and_a_private_name(tmp_path):
    # the walker itself, on a tiny project: pages.a <-> pages.b, showcase.core.x -> pages.a,
    # showcase.vision.v -> showcase.speech.s, and a private name taken
    for rel, text in {
        "app.py": "",
        "pages/__init__.py": "", "pages/a.py": "from pages import b\n",
        "pages/b.py": "def f():\n    import pages.a\n",
        "showcase/__init__.py": "", "showcase/core/__init__.py": "",
        "showcase/core/x.py": "import pages.a\n",
        "showcase/vision/__init__.py": "", "showcase/speech/__init__.py": "",
        "showcase/speech/s.py": "def _hidden(): pass\n",
        "showcase/vision/v.py": "from showcase.speech.s import _hidden\n",
        "benchmarks/__init__.py": "",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    edges, private = graph(tmp_path)
    assert [sorted(c) for c in circles(edges)] == [["pages.a", "pages.b"]]
    assert bad_arrows(edges) == ["showcase.core.x -> pages.a points up",
                                 "showcase.vision.v -> showcase.speech.s crosses from area vision to speech"]
    assert private == ["showcase.vision.v imports _hidden from showcase.speech.s"]
