#!/usr/bin/env bash
# Install NTM Monitor and its pinned dependencies into ./.venv (idempotent; fast when up to date).
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  for c in "${PYTHON:-}" python3.11 python3; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$c"; return 0
    fi
  done
  echo "Cần Python ≥ 3.11 (python3.11). / Python 3.11 or newer is required." >&2
  exit 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(pick_python)
  if ! "$PY" -m venv .venv 2>/dev/null; then
    # Debian ships venv support separately (python3-venv).
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && "$PY" -m venv .venv
    else
      echo "Thiếu gói python3-venv: sudo apt-get install python3-venv" >&2; exit 1
    fi
  fi
fi

# System libraries: WeasyPrint (PDF) needs Pango; fonts with Vietnamese glyphs; Debian's Chromium
# drives the browser tests; pdftoppm renders PDF pages in tests. Installed when missing and we are root.
SYSTEM_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation fonts-liberation2 poppler-utils chromium"
missing=""
for pkg in $SYSTEM_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Cài gói hệ thống:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "Thiếu gói hệ thống:$missing — hãy chạy: sudo apt-get install$missing" >&2
  fi
fi

# Python packages: exactly the locked files (every one checked against its hash), then the project itself
# without resolving anything more (--no-deps). A lock that no longer matches pyproject.toml (a dependency
# added there without running scripts/lock.sh) stops the install instead of leaving a package out.
LOCK=${NTM_LOCK:-requirements-test.lock}
stamp=.venv/.ntm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$LOCK" -nt "$stamp" ]; then
  want=$(.venv/bin/python scripts/deps_digest.py)
  have=$(sed -n 's/^# pyproject-dependencies: //p' "$LOCK")
  if [ "$want" != "$have" ]; then
    echo "$LOCK không khớp với pyproject.toml: hãy chạy scripts/lock.sh rồi cài lại." >&2
    echo "$LOCK does not match pyproject.toml: run scripts/lock.sh, then install again." >&2
    exit 1
  fi
  echo "Cài đặt các thư viện vào .venv …"
  # the distribution was called "ntm" before it became "ntm-monitor": drop the old record of it
  .venv/bin/python -m pip uninstall -q -y --disable-pip-version-check ntm >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  touch "$stamp"
fi
