#!/usr/bin/env bash
# Creates .venv (Python 3.10 + the locked TFX 1.16 stack + this package, editable) unless it is already complete.
# Usage: bash requirements/make_venv.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
STAMP="$VENV/.dcai-installed"
LOCK=requirements/lock.txt

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(sha256sum "$LOCK" setup.py | sha256sum | cut -c1-16)" ]; then
  exit 0   # already installed from this lock and setup.py
fi

find_python310() {
  local candidate
  for candidate in "${DCAI_PYTHON:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/"3.10*/bin/python \
                   /usr/bin/python3.10 /usr/local/bin/python3.10 python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! PY=$(find_python310); then
  echo "error: tfx-dcai needs Python 3.10 (the TFX 1.16 stack supports 3.9-3.10) and none was found; install it (e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10') or set DCAI_PYTHON=/path/to/python3.10." >&2
  exit 3
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv (the installer used for the lock) with $PY -m pip --user" >&2
  "$PY" -m pip install --quiet --user uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi

echo "creating $VENV with $PY and installing $LOCK (about a minute)" >&2
export UV_PYTHON_DOWNLOADS=never
rm -rf "$VENV"
uv venv --quiet --seed -p "$PY" "$VENV"     # --seed: TFX's Trainer installs the module file with pip
uv pip install --quiet -p "$VENV/bin/python" -r "$LOCK"
uv pip install --quiet -p "$VENV/bin/python" --no-deps -e .
sha256sum "$LOCK" setup.py | sha256sum | cut -c1-16 > "$STAMP"
