"""The layers import downward only, read from the source with ``ast`` (nothing is imported).

tradegym (layer 1, no torch) <- feature_nets (layer 2) <- agents (layer 3). Layer 1 may not
name an upper layer at all, neither in an import (at module level or inside a function) nor
in a ``"module:attr"`` / dotted-module string: upper layers plug in through entry-point
groups instead. The command line (``tradegym/cli/``) is the top floor and the one exception,
but it imports the layers only inside its command functions. Inside feature_nets, a wing
(forecast/, autoencoder/, gan/) never reaches another wing, by its new or its old flat name.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tradegym", "feature_nets", "agents")
UPPER = ("feature_nets", "agents")
SPEC = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_][\w.]*)?")
"""A string that is a module path or a ``module:attr`` spec as a whole (prose never matches)."""
WINGS = {
    # Each wing's package and the flat module names it had before it became one.
    "forecast": re.compile(r"feature_nets\.(forecast|forecasters|forecast_\w+)(\..*)?"),
    "autoencoder": re.compile(r"feature_nets\.(autoencoder\w*|compressed_obs)(\..*)?"),
    "gan": re.compile(r"feature_nets\.gan\w*(\..*)?"),
}


@dataclass(frozen=True)
class Ref:
    """A name of another module in a source file: an import or a spec string."""

    path: Path
    line: int
    target: str  # dotted; for ``from a import b``: ``a.b`` (b may be an attribute)
    how: str  # "import" or "string"

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.how} {self.target}"


def _modules() -> dict[str, Path]:
    """Every module of the three layers: dotted name -> file."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(node: ast.AST, module_level: bool) -> Iterator[ast.AST]:
    """All nodes below ``node``; with ``module_level``, only those that run at import."""
    for child in ast.iter_child_nodes(node):
        if module_level and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if module_level and isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.orelse:
                yield stmt
                yield from _nodes(stmt, module_level)
            continue
        yield child
        yield from _nodes(child, module_level)


def references(module: str, *, module_level: bool = False, strings: bool = True) -> list[Ref]:
    """The modules ``module`` names: imports (relative ones resolved) and spec strings."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in _nodes(ast.parse(path.read_text(), str(path)), module_level):
        if isinstance(node, ast.Import):
            out += [Ref(path, node.lineno, alias.name, "import") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            out += [Ref(path, node.lineno, base if a.name == "*" else f"{base}.{a.name}", "import")
                    for a in node.names]
        elif (strings and isinstance(node, ast.Constant) and isinstance(node.value, str)
              and SPEC.fullmatch(node.value) and node.value.split(".")[0].split(":")[0] in PACKAGES):
            out.append(Ref(path, node.lineno, node.value.partition(":")[0], "string"))
    return out


def _violations(modules: list[str], forbidden: re.Pattern[str] | tuple[str, ...], **kw: bool) -> list[str]:
    bad = []
    for module in modules:
        for ref in references(module, **kw):
            hit = (forbidden.fullmatch(ref.target) if isinstance(forbidden, re.Pattern)
                   else any(_under(ref.target, p) for p in forbidden))
            if hit:
                bad.append(str(ref))
    return bad


def test_layer_1_never_names_an_upper_layer() -> None:
    layer1 = [m for m in MODULES if _under(m, "tradegym") and not _under(m, "tradegym.cli")]
    bad = _violations(layer1, UPPER)
    assert not bad, ("tradegym (layer 1) names an upper layer; import downward only, and let the "
                     "upper layer plug in through an entry-point group (pyproject.toml):\n"
                     + "\n".join(bad))


def test_the_cli_imports_upper_layers_only_inside_commands() -> None:
    cli = [m for m in MODULES if _under(m, "tradegym.cli")]
    bad = _violations(cli, UPPER, module_level=True)
    assert not bad, "move these imports into the command functions:\n" + "\n".join(bad)


def test_cli_help_loads_no_learning_layer() -> None:
    code = ("import sys, contextlib, io\nfrom tradegym.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['--help']) == 0\n"
            "heavy = ['torch', 'stable_baselines3', 'feature_nets', 'ray', 'matplotlib']\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_feature_nets_never_names_agents() -> None:
    bad = _violations([m for m in MODULES if _under(m, "feature_nets")], ("agents",))
    assert not bad, "feature_nets (layer 2) names agents (layer 3):\n" + "\n".join(bad)


@pytest.mark.parametrize("wing", sorted(WINGS))
def test_a_wing_never_names_another_wing(wing: str) -> None:
    folder = ROOT / "feature_nets" / wing
    if not (folder / "__init__.py").is_file():
        pytest.skip(f"feature_nets/{wing}/ is not a package yet")
    members = [m for m in MODULES if _under(m, f"feature_nets.{wing}")]
    others = re.compile("|".join(f"(?:{p.pattern})" for w, p in WINGS.items() if w != wing))
    bad = _violations(members, others)
    assert not bad, (f"the {wing} wing names another wing; move what both need into the core "
                     "(encoders, extractors, fit, windows, runtime) or layer 1:\n" + "\n".join(bad))


def _moved() -> dict[str, str]:
    """feature_nets._moved.MOVED, read from the source (old module path -> new one)."""
    tree = ast.parse((ROOT / "feature_nets/_moved.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MOVED":
            return ast.literal_eval(node.value)
    return {}


def import_graph() -> dict[str, set[str]]:
    """Module-level imports between the layers' modules (what runs at ``import``)."""
    moved = _moved()
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for ref in references(module, module_level=True, strings=False):
            target = ref.target
            for old, new in moved.items():
                if _under(target, old):
                    target = new + target[len(old):]
            while target and target not in MODULES:  # ``from a import attr`` -> a
                target = target.rpartition(".")[0]
            if target and target != module:
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "module-level import cycles (import one side inside a function, or split " \
                      "the shared part out):\n" + "\n".join(" <-> ".join(c) for c in found)


# Sizes (STYLE 15): a module over 400 lines or a function body over 80 says why, or is split.
MODULE_LINES = 400
FUNCTION_LINES = 80


def _size_reasons_missing() -> list[str]:
    """Modules over 400 lines without a ``Size:`` docstring line; function bodies over 80 without ``# Size:``."""
    bad = []
    for path in MODULES.values():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text, str(path))
        where = path.relative_to(ROOT)
        doc = ast.get_docstring(tree) or ""
        if len(lines) > MODULE_LINES and not any(ln.strip().startswith("Size:") for ln in doc.splitlines()):
            bad.append(f"{where}: {len(lines)} lines and no 'Size: <reason>' line in its module docstring")
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = node.body
            has_doc = ast.get_docstring(node, clean=False) is not None
            code = body[1:] if has_doc else body
            if not code:
                continue
            size = (code[-1].end_lineno or code[-1].lineno) - code[0].lineno + 1
            after = (body[0].end_lineno or body[0].lineno) if has_doc else node.lineno
            # The reason goes on the line(s) between the docstring (or the signature) and the code.
            between = lines[after:code[0].lineno - 1]
            if size > FUNCTION_LINES and not any(ln.strip().startswith("# Size:") for ln in between):
                bad.append(f"{where}:{node.lineno}: {node.name} has a {size}-line body and no "
                           "'# Size: <reason>' comment after its docstring")
    return bad


def test_modules_stay_near_400_lines() -> None:
    bad = _size_reasons_missing()
    assert not bad, ("split these by idea (STYLE 15), or write why they stay whole:\n" + "\n".join(bad))
