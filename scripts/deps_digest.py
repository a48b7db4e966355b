"""Print a digest of the dependency lists of pyproject.toml (runtime and extras, comments ignored).

scripts/lock.sh writes it into the lock files; scripts/install.sh compares it to tell a lock that no
longer matches pyproject.toml (a dependency added or changed without running scripts/lock.sh)."""

import hashlib
import json
import sys
import tomllib
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
lists = [
    sorted(project.get("dependencies", [])),
    {k: sorted(v) for k, v in sorted(project.get("optional-dependencies", {}).items())},
]
print(hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()[:16])
