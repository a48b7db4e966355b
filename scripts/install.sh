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

stamp=.venv/.ntm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Cài đặt các thư viện vào .venv …"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  touch "$stamp"
fi
