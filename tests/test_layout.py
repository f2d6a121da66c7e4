"""The library's layout as a student reads it: modules in layers with no import cycle, leaf modules that import
nothing of gencore, no private name imported across modules, no import hidden in a function to dodge a cycle,
and every module short enough to read after its notebook."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gencore"
LEAVES = ["gencore.validate", "gencore.checkpoint", "gencore.history", "gencore.distributed", "gencore.blocks"]
LONGEST = 500          # lines: a module is read after its notebook


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _target(module: str, node: ast.ImportFrom) -> str:
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(imported gencore module, imported names, the node, whether it sits inside a function) of every import."""
    tree = ast.parse(MODULES[module].read_text())
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _target(module, node)
            if target.split(".")[0] == "gencore":
                yield target, [a.name for a in node.names], node, id(node) in in_function
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "gencore":
                    yield alias.name, [], node, id(node) in in_function


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module in MODULES:
        deps = set()
        for target, names, _, _ in _imports(module):
            if target in MODULES:
                deps.add(target)
            deps.update(f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES)
        deps.discard(module)
        deps.discard("gencore")          # the package's __init__ (setup, current) is imported by every module
        graph[module] = deps
    return graph


def test_the_modules_form_layers_without_an_import_cycle():
    graph, order, done = _graph(), [], set()

    def visit(module, path):
        if module in path:
            cycle = path[path.index(module):] + [module]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for dep in sorted(graph[module]):
            visit(dep, path + [module])
        done.add(module)
        order.append(module)

    for module in sorted(graph):
        visit(module, [])
    assert order.index("gencore.validate") < order.index("gencore.train") < order.index("gencore.cache") \
        < order.index("gencore.vae") < order.index("gencore.course.cli")


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaf_modules_import_nothing_of_gencore(leaf):
    assert [t for t, *_ in _imports(leaf)] == [], f"{leaf} must not import gencore's modules"


def test_no_private_name_is_imported_from_another_module():
    private = [f"{module}: from {target} import {name}" for module in MODULES
               for target, names, _, _ in _imports(module) for name in names
               if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_no_import_of_gencore_hides_in_a_function():
    hidden = [f"{module}, line {node.lineno}: {target}" for module in MODULES
              for target, _, node, inside in _imports(module) if inside]
    assert hidden == []


def test_every_module_is_short_enough_to_read():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > LONGEST}
    assert long == {}, f"modules over {LONGEST} lines: {long}"


def test_the_lecture_modules_and_the_course_tools_live_apart():
    course = {name.rsplit(".", 1)[1] for name in MODULES if name.startswith("gencore.course.")}
    assert {"build", "book", "grade", "cli", "zoo"} <= course
    assert not any(f"gencore.{tool}" in MODULES for tool in ("build", "book", "grade", "cli", "zoo"))


def test_every_integration_test_named_in_conftest_exists():
    import conftest

    tests = Path(__file__).resolve().parent
    for entry in sorted(conftest.INTEGRATION_TESTS):
        file, name = entry.split("::")
        name, _, case = name.partition("[")
        text = (tests / file).read_text()
        assert f"def {name}(" in text, f"{entry} names no test"
        while case and " " not in case.split("-", 1)[0]:       # a parametrised case: its id's leading fields
            case = case.split("-", 1)[1]                       # (numbers, kinds) go; its description stays
        assert case[:-1] in text, f"{entry} names no case of {name}"
    for file in conftest.INTEGRATION_FILES:
        assert (tests / file).exists()
