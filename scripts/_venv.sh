# Sourced by scripts/demo and scripts/test: make .venv and install the project with the given extras.
# Reinstalls only when pyproject.toml changed since the last install, so repeat runs start at once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed (tried '$python_bin'; set PYTHON=...)" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi
extras="$1"
stamp=".venv/.installed-$extras"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install --quiet -e ".[$extras]"
    echo "$want" > "$stamp"
fi
