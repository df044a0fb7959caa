"""The layering rule (README "Layout"): a module imports only from its own unit and from lower layers; no two
units of one layer import each other (no family imports another), except the shared basics; nothing imports the
`zoo` facade, and no imports go round in a cycle. Every `import` counts, at the top of a module or inside a
function, except those under `if TYPE_CHECKING:`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. Each entry is a unit: a module, or a package with everything under it.
LAYERS = [
    ("basics", ["zoo.errors", "zoo.files", "zoo.tables", "zoo.shape_buckets", "zoo.lazy_exports",
                "zoo.deprecation", "zoo.precision", "zoo.distribute", "zoo.parameter_servers"]),
    ("data and serving", ["zoo.data", "zoo.serving"]),
    ("what the families share", ["zoo.training", "zoo.views", "zoo.pooling"]),
    ("families", ["zoo.static", "zoo.contextual", "zoo.custom"]),
    ("evaluations", ["zoo.evaluate"]),
    ("recipes", ["zoo.recipes"]),
    ("the tour", ["zoo.tour"]),
    ("the command", ["zoo.cli"]),
    ("the facade", ["zoo"]),
]
BASICS = 0


def module_files():
    """{module name: file} for zoo/ and recipes/ (installed as zoo.recipes)."""
    files = {}
    for folder, package in ((ROOT / "zoo", "zoo"), (ROOT / "recipes", "zoo.recipes")):
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join((package, *parts))] = path
    return files


def is_type_checking(node):
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_names(tree, module, is_package):
    """Every name an import statement of `tree` asks for, as absolute dotted names (`from a import b` -> a.b)."""
    names = []

    def visit(node):
        if is_type_checking(node):
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            names.extend(f"{source}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def resolve(name, modules):
    """The zoo module an imported name lands in: the longest known module that prefixes it, or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_graph():
    files = module_files()
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = {resolve(n, files) for n in imported_names(tree, module, path.name == "__init__.py")}
        graph[module] = sorted(t for t in targets if t and t != module)
    return graph, files


def unit_of(module):
    """(layer index, unit) of a module: the unit whose name is the longest prefix of it."""
    best = None
    for index, (_, units) in enumerate(LAYERS):
        for unit in units:
            if module == unit or module.startswith(unit + "."):
                if best is None or len(unit) > len(best[1]):
                    best = (index, unit)
    return best


def layering_errors(graph, files):
    errors = []
    for module, targets in graph.items():
        layer, unit = unit_of(module)
        for target in targets:
            target_layer, target_unit = unit_of(target)
            where = f"{files[module].relative_to(ROOT)} imports {target} ({files[target].relative_to(ROOT)})"
            if target_unit == "zoo" and unit != "zoo":
                errors.append(f"{where}: the facade; import the module that defines the name")
            elif target_layer > layer:
                errors.append(f"{where}: upward, from {LAYERS[layer][0]} to {LAYERS[target_layer][0]}")
            elif target_layer == layer and target_unit != unit and layer != BASICS:
                errors.append(f"{where}: sideways, {unit} and {target_unit} are both {LAYERS[layer][0]}")
    return errors


def cycles(graph):
    """Each strongly connected group of more than one module (Tarjan), as a sorted list."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def connect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_every_module_has_a_layer():
    graph, _ = import_graph()
    assert [m for m in graph if unit_of(m) is None] == []


def test_no_upward_or_sideways_imports():
    graph, files = import_graph()
    assert layering_errors(graph, files) == []


def test_no_import_cycles():
    graph, files = import_graph()
    described = [" -> ".join(str(files[m].relative_to(ROOT)) for m in group) for group in cycles(graph)]
    assert described == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": ["b"], "b": ["a"], "c": []}, [["a", "b"]]),
    ({"a": ["b"], "b": ["c"], "c": []}, []),
    ({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}, [["a", "b", "c"]]),
])
def test_cycles_finds_each_loop(graph, expected):
    assert cycles(graph) == expected


def test_the_rule_names_both_files_of_an_upward_import():
    files = {"zoo.data.stsb": ROOT / "zoo/data/stsb.py", "zoo.static.word2vec": ROOT / "zoo/static/word2vec.py",
             "zoo.custom.x": ROOT / "zoo/custom/x.py", "zoo": ROOT / "zoo/__init__.py"}
    graph = {"zoo.data.stsb": ["zoo.static.word2vec"], "zoo.static.word2vec": ["zoo.custom.x"],
             "zoo.custom.x": ["zoo"], "zoo": []}
    errors = layering_errors(graph, files)
    assert len(errors) == 3
    assert "zoo/data/stsb.py imports zoo.static.word2vec (zoo/static/word2vec.py): upward" in errors[0]
    assert "sideways" in errors[1] and "facade" in errors[2]


def test_imports_under_type_checking_do_not_count():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from zoo.cli import x\n"
                     "def f():\n    from .records import y\n")
    assert imported_names(tree, "zoo.data.stsb", False) == ["typing.TYPE_CHECKING", "zoo.data.records.y"]
