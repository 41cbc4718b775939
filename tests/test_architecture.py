"""No module uses another module's private (`_`-prefixed) names.

import-linter (`make lint`) checks the arrows between modules; this checks what crosses them: a name
that starts with an underscore belongs to the module that defines it. Another module may neither
import it (`from complaints.services import _lock`) nor reach it through the module
(`services._lock(...)`). Dunders (`__version__`) and gettext's `_` are not private names.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hotel_crm", "rooms", "guests", "complaints")


def _is_private(name: str) -> bool:
    return name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_project_module(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _source_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module a `from ... import` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_uses(path: Path) -> list[str]:
    """Every use, in the file at `path`, of a private name that another project module defines."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    # Local names bound to a project module: `from complaints import services`, `import rooms.models as m`.
    module_aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_project_module(alias.name) and alias.asname:
                    module_aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, path.name == "__init__.py")
            if not _is_project_module(source) or source == module:
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{module}:{node.lineno} imports {source}.{alias.name}")
                else:
                    module_aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and module_aliases[node.value.id] != module
            and _names_a_module(module_aliases[node.value.id])
        ):
            found.append(f"{module}:{node.lineno} uses {module_aliases[node.value.id]}.{node.attr}")
    return found


def _names_a_module(dotted: str) -> bool:
    """Whether `dotted` is a module of the project (not a class or function imported from one)."""
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_the_walk_sees_every_app():
    modules = {_module_name(path).split(".")[0] for path in _source_files()}
    assert modules == set(PACKAGES)


def test_the_check_finds_both_kinds_of_private_use(tmp_path, monkeypatch):
    """The check itself: an import of a private name and a reach through a module both count."""
    package = tmp_path / "complaints"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("def _lock():\n    pass\n")
    offender = package / "guest_voice.py"
    offender.write_text(
        "from complaints import services\n"
        "from complaints.services import _lock\n"
        "from .services import _lock as lock\n"
        "from django.utils.translation import gettext as _\n"
        "services._lock()\n"
        "services.__name__\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert private_uses(offender) == [
        "complaints.guest_voice:2 imports complaints.services._lock",
        "complaints.guest_voice:3 imports complaints.services._lock",
        "complaints.guest_voice:5 uses complaints.services._lock",
    ]


def test_no_module_uses_another_modules_private_names():
    found = [use for path in _source_files() for use in private_uses(path)]
    assert found == [], "\n".join(["Private names used outside their module:", *found])
