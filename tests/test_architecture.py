"""The direction of imports, checked on every run: the contracts in ``pyproject.toml``
(``[tool.importlinter]``: the core imports no app, no web layer and no Django; apps import only
downward) and no private name (``_name``) imported from another app, the core or the web layer.
By hand: ``.venv/bin/lint-imports``."""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Private names still shared, each to go with the work of issue 19 that removes it (a new one fails):
# the grants of a user (to a public helper of accounts), the page helpers (to ntm/web), a scope's
# label and the catalogue's file list (public in the core).
KNOWN_PRIVATE: set[tuple[str, str]] = set()


def test_the_import_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    here = os.getcwd()
    os.chdir(ROOT)  # the configuration (pyproject.toml) and the package are found from the project's root
    try:
        code = lint_imports(no_cache=True, no_logo=True)
    finally:
        os.chdir(here)
    assert code == 0, capsys.readouterr().out


def _home(module: str) -> str:
    """The part of the project a module belongs to: an app (``ntm.apps.units``) or a top package."""
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["ntm", "apps"] else ".".join(parts[:2])


def private_imports(root: Path = ROOT) -> list[tuple[str, str]]:
    """(file, module.name) of every ``from ntm… import _name`` whose module lies in another app or
    top package than the importing file."""
    found = []
    for path in sorted((root / "ntm").rglob("*.py")):
        rel = path.relative_to(root)
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("ntm."):
                for alias in node.names:
                    if alias.name.startswith("_") and _home(node.module) != _home(module):
                        found.append((rel.as_posix(), f"{node.module}.{alias.name}"))
    return found


def test_no_private_name_is_imported_across_apps():
    assert set(private_imports()) - KNOWN_PRIVATE == set()


def test_a_private_import_across_apps_is_found(tmp_path):
    pkg = tmp_path / "ntm" / "apps" / "plans"
    pkg.mkdir(parents=True)
    (pkg / "views.py").write_text("from ntm.apps.units.views import _hidden\nfrom ntm.apps.plans.models import _own\n")
    assert private_imports(tmp_path) == [("ntm/apps/plans/views.py", "ntm.apps.units.views._hidden")]
