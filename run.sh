#!/usr/bin/env bash
# Set-up and entry points for a fresh machine with only Python 3.11 and pip:
#   ./run.sh demo   create .venv if needed, install, run the offline demo
#   ./run.sh test   create .venv if needed, install, run the test suite (pytest)
# Installing is skipped when requirements.lock and pyproject.toml have not changed.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'

export DO_NOT_TRACK=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120

stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

case "${1:-}" in
  demo) shift; exec .venv/bin/newsevents demo "$@" ;;
  test) shift; exec .venv/bin/python -m pytest -q "$@" ;;
  install) ;;
  *) echo "usage: ./run.sh demo|test|install" >&2; exit 2 ;;
esac
