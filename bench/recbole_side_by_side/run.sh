#!/usr/bin/env bash
# RecBole 1.2.1 side by side with recpilot on the same random 8/1/1 split of MovieLens-100K.
#
#   bench/recbole_side_by_side/run.sh [--setup-only] [driver options, see driver.py --help]
#
# RecBole lives in its own virtual environment (/work/main/.bench-venv by default, override
# with BENCH_VENV): its pins (numpy<2, pandas<2.3, scipy<1.14) clash with recpilot's.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_VENV="${BENCH_VENV:-$ROOT/.bench-venv}"
OUR_PY="${OUR_PY:-$ROOT/.venv/bin/python}"

if [[ ! -x "$BENCH_VENV/bin/python" ]] || ! "$BENCH_VENV/bin/python" -c "import recbole" 2>/dev/null; then
    echo "creating RecBole venv at $BENCH_VENV" >&2
    python3 -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install -q --upgrade pip
    # torch 2.13 declares setuptools>=77 while RecBole 1.2.1 wants setuptools<70. Asking for
    # both at once fails to resolve, or makes pip fall back to an older CUDA torch (GBs), so:
    # torch and RecBole first, with torch pinned; then setuptools<70 alone (pip warns, works).
    "$BENCH_VENV/bin/pip" install -q torch==2.13.0
    "$BENCH_VENV/bin/pip" install -q torch==2.13.0 recbole==1.2.1 'numpy<2' 'pandas<2.3' \
        'scipy<1.14'
    "$BENCH_VENV/bin/pip" install -q 'setuptools<70' 2>&1 | grep -v "^WARNING: Location" || true
fi
if [[ "${1:-}" == "--setup-only" ]]; then
    exit 0
fi
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1
exec "$OUR_PY" "$HERE/driver.py" --recbole-python "$BENCH_VENV/bin/python" "$@"
