"""Supply chain: pyproject.toml declares exactly what the code imports (or runs), the hashed lock files
match it, and the CI's vulnerability check never reports "not checked" as "clean"."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# declared, but neither imported nor named in a settings string: what uses them instead
USED_OTHERWISE = {
    "gunicorn": "run as a program by `ntm serve`",
    "psycopg": "the PostgreSQL driver Django loads for a postgres:// DATABASE_URL",
    "vietnamadminunits": "its data files are read through importlib (ntm/core/units.py)",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned(spec: str) -> tuple[str, str]:
    name, _, version = spec.partition("==")
    return _norm(name.split("[")[0].strip()), version.strip()


def _modules(paths) -> set[str]:
    """Top-level modules imported by the files (absolute imports), and in the settings the modules named
    as strings (INSTALLED_APPS, MIDDLEWARE: "whitenoise.middleware.WhiteNoiseMiddleware")."""
    found = set()
    installed = md.packages_distributions()
    for p in paths:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                found.update(a.name.split(".")[0] for a in n.names)
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                found.add(n.module.split(".")[0])
            elif (
                p.name == "settings.py"
                and isinstance(n, ast.Constant)
                and isinstance(n.value, str)
                and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[A-Za-z_]\w*)*", n.value)
            ):
                if n.value.split(".")[0] in installed:
                    found.add(n.value.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"ntm", "__future__"}


def _distributions(modules: set[str]) -> set[str]:
    by_module = md.packages_distributions()
    return {_norm(d) for m in modules for d in by_module.get(m, [])}


def _code(tests: bool) -> list[Path]:
    files = [p for p in (ROOT / "ntm").rglob("*.py")]
    is_test = lambda p: "tests" in p.relative_to(ROOT).parts or p.name == "conftest.py"  # noqa: E731
    if tests:
        return [p for p in files if is_test(p)] + list((ROOT / "tests").rglob("*.py")) + [ROOT / "conftest.py"]
    return [p for p in files if not is_test(p)]


def test_runtime_dependencies_are_exactly_what_the_code_uses():
    declared = {_pinned(s)[0] for s in PROJECT["dependencies"]}
    used = _distributions(_modules(_code(tests=False)))
    assert used - declared == set(), "imported by ntm/ but not declared in pyproject.toml"
    unused = declared - used - set(USED_OTHERWISE)
    assert unused == set(), "declared in pyproject.toml but used nowhere (remove, or say in USED_OTHERWISE why)"
    assert all("==" in s for s in PROJECT["dependencies"]), "pins are exact"


def test_tests_import_only_declared_packages():
    declared = {_pinned(s)[0] for s in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]}
    used = _distributions(_modules(_code(tests=True)))
    assert used - declared == set()


def test_distribution_is_ntm_monitor_and_keeps_the_ntm_command():
    assert PROJECT["name"] == "ntm-monitor"  # "ntm" on the public index is another project
    assert PROJECT["scripts"]["ntm"] == "ntm.cli:main"
    assert "unidecode" not in {_pinned(s)[0] for s in PROJECT["dependencies"]}


def _locked(path: Path) -> dict[str, str]:
    """Package → version of a lock file."""
    return {
        _norm(m.group(1).split("[")[0]): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9][\w.\-\[\],]*)==([^\s\\;]+)", path.read_text(), re.M)
    }


def test_lock_files_match_pyproject_and_carry_hashes():
    digest = subprocess.run(
        [sys.executable, str(ROOT / "scripts/deps_digest.py"), str(ROOT)], capture_output=True, text=True, check=True
    ).stdout.strip()
    for name, specs in (
        ("requirements.lock", PROJECT["dependencies"]),
        ("requirements-test.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ):
        text = (ROOT / name).read_text()
        assert f"# pyproject-dependencies: {digest}" in text, f"{name} is stale: run scripts/lock.sh"
        locked = _locked(ROOT / name)
        for spec in specs:
            pkg, version = _pinned(spec)
            assert locked.get(pkg) == version, (name, pkg)
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert all("--hash=sha256:" in b for b in blocks if b.strip()), "every locked package has its hashes"
    assert _locked(ROOT / "requirements.lock")["django"] == "5.2.20"
    assert int(_locked(ROOT / "requirements.lock")["gunicorn"].split(".")[0]) >= 26


def test_vulnerability_check_fails_on_a_known_one_and_never_calls_not_checked_clean():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from audit_deps import judge
    finally:
        sys.path.pop(0)
    vulnerable = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": [{"id": "PYSEC-0000-0", "fix_versions": ["5.2.20"]}]},
            {"name": "rich", "version": "15.0.0", "vulns": []},
        ]
    }
    code, lines = judge(vulnerable)
    assert code == 1 and "django 5.2.19: PYSEC-0000-0 (fixed in: 5.2.20)" in lines[0]
    unreachable = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}
    code, lines = judge(unreachable)
    assert code == 0 and "NOT CHECKED" in lines[0]
    code, lines = judge(None, "ConnectionError: no route to host")
    assert code == 0 and "NOT CHECKED" in lines[0] and "no route" in lines[0]
    code, lines = judge({"dependencies": [{"name": "rich", "version": "15.0.0", "vulns": []}]})
    assert code == 0 and lines == ["No known vulnerability in 1 locked packages."]
