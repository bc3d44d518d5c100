#!/usr/bin/env bash
# Install the PostgreSQL server binaries (Debian package) for the memory tests; idempotent
# and quiet. The tests start their own throwaway cluster (recpilot.testing.postgres).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
