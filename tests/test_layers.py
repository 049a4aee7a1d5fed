"""The layers stay one-way (docs/architecture.md draws them).

    ui -> studio -> router / engines / store -> domain      (commands, cli, bootstrap: above all)

- each part of the package imports only the parts below it (`MAY_IMPORT`), read from the source
  (every import statement, also those inside functions or under TYPE_CHECKING);
- the engines never import nano (a describer registers itself; no module is named by string);
- no import cycle inside a package (store, engines, router, ui, nano, commands);
- router, store, studio, ui, cli and the commands import no torch, diffusers, transformers or Ray when
  imported (a fresh interpreter imports them all and lists what came in), and neither does
  resolving model names (`load_engine(settings)` before `load()`).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hidream_studio"
ROOT = PACKAGE.name

# part -> the parts it may import. A part is a top-level module or sub-package of hidream_studio.
SHARED = {"domain"}  # the plain contracts every layer speaks
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    "config": SHARED,
    "imageio": SHARED,
    "region": SHARED,  # region edits: mask, crop box and composite (PIL + numpy)
    "replies": SHARED,
    "conversation": SHARED | {"replies", "router"},  # chat-intent replies, beside replies.py
    "router": SHARED,
    "store": SHARED,
    "engines": SHARED | {"imageio"},
    "nano": SHARED | {"engines", "imageio"},
    "spaces_support": SHARED | {"engines"},
    "studio": SHARED | {"config", "imageio", "region", "replies", "conversation", "router", "engines", "store"},
    "ui": SHARED | {"config", "studio"},
    # The composition root and the command line sit above every layer.
    "bootstrap": {"*"},
    "cli": {"*"},
    "commands": {"*"},
    "__main__": {"*"},
}
NO_MODEL_CODE = ("router", "store", "studio", "ui", "cli", "commands")  # import no torch/diffusers/transformers
HEAVY = ("torch", "diffusers", "transformers", "ray")  # Ray only with --engine ray / engine-serve
DOTTED_NANO = re.compile(rf"{ROOT}\.nano([.:][\w.:]*)?")  # "hidream_studio.nano.x:fn", an import by name


def sources() -> list[Path]:
    """The package's modules (Alembic's migration scripts run inside Alembic, not as imports)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str | None:
    """'hidream_studio.store.export' -> 'store'; None for the package itself and outside modules."""
    pieces = module.split(".")
    return pieces[1] if pieces[0] == ROOT and len(pieces) > 1 else None


def imports_of(path: Path) -> set[str]:
    """Every hidream_studio module `path` imports, wherever the statement is (absolute names)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from . import x` / `from .store import export` name modules too
            found.update(f"{target}.{alias.name}" for alias in node.names)
    known = {module_name(p) for p in sources()}
    return {name for name in found if name.split(".")[0] == ROOT and name in known} - {module}


def named_by_string(path: Path) -> set[str]:
    """String constants that spell a nano module path ('hidream_studio.nano.instructions:fn')."""
    tree = ast.parse(path.read_text(), str(path))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_NANO.fullmatch(node.value)}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sources()}


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in edges.items():
        part = part_of(module)
        if part is None:
            continue
        if part not in MAY_IMPORT:
            found.append(f"{module}: the part {part!r} has no layer: add it to MAY_IMPORT in tests/test_layers.py")
            continue
        allowed = MAY_IMPORT[part]
        for target in sorted(targets):
            other = part_of(target)
            if other is None or other == part or "*" in allowed or other in allowed:
                continue
            found.append(f"{module} imports {target}: {part} may import only {sorted(allowed)}")
    return found


def cycles(edges: dict[str, set[str]], inside: str) -> list[list[str]]:
    """Import cycles among the modules of one part (each reported once, from its smallest module).
    A package's __init__ re-exporting its modules is not a cycle."""
    prefix = f"{ROOT}.{inside}"
    nodes = {m for m in edges if m == prefix or m.startswith(prefix + ".")}
    inner = {m: {t for t in edges[m] if t in nodes and t != prefix} for m in nodes if m != prefix}
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(inner.get(path[-1], ())):
            if nxt == path[0]:
                found.append(path[:])
            elif nxt not in path and nxt > path[0]:
                walk(path + [nxt])

    for start in sorted(inner):
        walk([start])
    return found


# ------------------------------------------------------------------------------------------ tests
def test_each_part_imports_only_the_layers_below_it():
    assert layer_violations(graph()) == []


def test_engines_never_import_nano():
    engines = [p for p in sources() if part_of(module_name(p)) == "engines"]
    imported = {module_name(p): sorted(t for t in imports_of(p) if part_of(t) == "nano") for p in engines}
    assert {m: t for m, t in imported.items() if t} == {}
    assert {module_name(p): sorted(named_by_string(p)) for p in engines if named_by_string(p)} == {}


@pytest.mark.parametrize("part", ["store", "engines", "router", "ui", "nano", "commands"])
def test_no_import_cycle_inside(part):
    assert cycles(graph(), part) == []


def test_the_rules_catch_what_they_are_for():
    """The checks themselves: a made-up graph with each kind of break is reported."""
    broken = {
        f"{ROOT}.router.core": {f"{ROOT}.store.store"},  # router reaching into the store
        f"{ROOT}.ui.blocks": {f"{ROOT}.engines.engine"},  # the page skipping the studio
        f"{ROOT}.store.store": {f"{ROOT}.store.export"},
        f"{ROOT}.store.export": {f"{ROOT}.store.store"},  # a cycle
        f"{ROOT}.widgets": set(),  # a new part with no layer
    }
    found = layer_violations(broken)
    assert any("router.core imports" in line for line in found)
    assert any("ui.blocks imports" in line for line in found)
    assert any("'widgets' has no layer" in line for line in found)
    assert cycles(broken, "store") == [[f"{ROOT}.store.export", f"{ROOT}.store.store"]]
    assert DOTTED_NANO.fullmatch(f"{ROOT}.nano.instructions:target_description")
    assert not DOTTED_NANO.fullmatch(f"see {ROOT}.nano.instructions for the describer")


def test_the_upper_layers_import_no_model_code():
    # A fresh interpreter: other tests in this process may already have imported torch.
    modules = [module_name(p) for p in sources() if part_of(module_name(p)) in NO_MODEL_CODE]
    code = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {modules!r}:
            importlib.import_module(name)
            heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r})
            if heavy:  # the first module that pulls one in is the one to fix
                print("HEAVY", name, "imports", heavy)
                break
        print("DONE")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(modules) > 20  # the walk found the modules (ui, store, router, commands, ...)
    assert proc.stdout.strip() == "DONE"


def test_resolving_model_names_imports_no_model_code(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from hidream_studio.config import Settings
        from hidream_studio.engines import load_engine
        for model, editor in (("tiny", None), ("tiny", "tiny-full"), ("nano", None), ("i1-fast", None)):
            engine = load_engine(Settings(home=Path({str(tmp_path)!r}), model=model, editor=editor, device="cpu"))
            assert engine.generator_spec is not None, model
            engine.defaults("generate"), engine.defaults("edit"), engine.aspect_ratios
        print("HEAVY", sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "HEAVY []"
