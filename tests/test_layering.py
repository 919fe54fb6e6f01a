"""The architecture as a test: one-way layers, one transport, one exception tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "sense_energy_driver"

# Lower layers first; a module may import from its own layer or any lower one, never higher.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "const",
            "errors",
            "models",
            "restmodels",
            "redact",
            "backoff",
            "totp",
            "host",
            "netaddress",
        }
    ),
    frozenset({"transport"}),
    frozenset(
        {
            "api",
            "session",
            "retry",
            "config",
            "frames",
            "samples",
            "loops",
            "supervisor",
            "eager",
            "proxy",
        }
    ),
    frozenset({"timing", "monitor", "history", "hostport", "commands"}),
    frozenset({"realtime", "feedreader", "poller", "energy", "fallback", "retraining", "writer"}),
    frozenset({"source"}),
    frozenset({"parts"}),
    frozenset({"handlers", "login", "driver", "__init__"}),
    frozenset({"standalone_errors", "manifest", "standalone"}),
    frozenset({"web", "mqtt"}),  # serve the standalone host's values: a page, a broker
    frozenset({"cli", "__main__"}),
)
LAYER_OF = {name: level for level, names in enumerate(LAYERS) for name in names}
# Not held to the one exception tree: the simulator is a server of its own, web has its own
# request errors that never leave it.
OUTSIDE_THE_TREE = {"simulator", "web"}
# Errors of the standalone host, its files and the CLI derive from StandaloneError.
STANDALONE_SIDE = {"standalone_errors", "manifest", "standalone", "mqtt", "cli"}


def _unit(path: Path) -> str:
    """The layer unit a file belongs to: its top-level module or subpackage name."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _nodes(tree: ast.AST, *, runtime_only: bool) -> list[ast.AST]:
    """Every node, leaving out `if TYPE_CHECKING:` blocks when only runtime imports count."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if runtime_only and isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Top-level names this file imports: 'httpx', or '.driver' for `from .driver import x`."""
    found: set[str] = set()
    unit_depth = len(path.relative_to(PACKAGE).parts) - 1
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _nodes(tree, runtime_only=runtime_only):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                module = node.module or ""
                if module.startswith("sense_energy_driver."):
                    found.add("." + module.split(".")[1])
                else:
                    found.add(module.split(".")[0])
            elif node.level > unit_depth:  # leaves its own subpackage: a sibling unit
                if node.module:
                    found.add("." + node.module.split(".")[0])
                else:
                    found |= {"." + alias.name for alias in node.names}
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_transport_imports_httpx_or_websockets(path: Path) -> None:
    unit = _unit(path)
    if unit in ("transport", "simulator"):  # the simulator is a server, not a layer of ours
        return
    # Type-only imports (the driver accepts a shared httpx.AsyncClient) add no runtime dependency.
    network = _imports(path, runtime_only=True) & {"httpx", "websockets"}
    assert not network, f"{path.name} imports a network library"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_import_only_downwards(path: Path) -> None:
    unit = _unit(path)
    if unit == "simulator":
        return
    own = LAYER_OF[unit]  # a KeyError here means a new module needs a layer above
    upward = {
        name[1:]
        for name in _imports(path)
        if name.startswith(".") and LAYER_OF.get(name[1:], -1) > own
    }
    assert not upward, f"{path.relative_to(PACKAGE)} imports a higher layer: {sorted(upward)}"


def test_the_simulator_shares_no_driver_code() -> None:
    allowed = {"models", "restmodels", "const"}
    for path in (PACKAGE / "simulator").rglob("*.py"):
        reached = {n[1:] for n in _imports(path) if n.startswith(".")} - {"simulator"}
        assert reached <= allowed, f"simulator/{path.name} imports {sorted(reached - allowed)}"


def _defined_exceptions(path: Path) -> list[ast.ClassDef]:
    """Classes a file defines whose name says they are errors."""
    return [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Problem"))
    ]


def test_exceptions_form_one_tree() -> None:
    """Every exception the package's own modules define derives from SenseError; those of the
    standalone host, its files and the CLI from StandaloneError."""
    import importlib

    from sense_energy_driver import errors
    from sense_energy_driver.standalone_errors import StandaloneError

    checked = 0
    for path in _sources():
        unit = _unit(path)
        if unit in OUTSIDE_THE_TREE or path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                assert not bases & {"Exception", "BaseException", "ValueError", "RuntimeError"}, (
                    f"{path.name}: {node.name} is outside the SenseError tree"
                )
        if unit in STANDALONE_SIDE:
            parts = path.relative_to(PACKAGE).with_suffix("").parts
            module = importlib.import_module(".".join(("sense_energy_driver", *parts)))
            for node in _defined_exceptions(path):
                cls = getattr(module, node.name)
                if issubclass(cls, Exception):
                    assert issubclass(cls, StandaloneError), f"{path.name}: {node.name}"
                    checked += 1
    assert checked >= 10  # DeviceFileError, StoreError, ManifestError, UsageError, ...
    assert all(
        issubclass(cls, errors.SenseError)
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, Exception)
    )
