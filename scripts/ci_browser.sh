#!/usr/bin/env bash
# Install Debian's Chromium for the web page's end-to-end tests (idempotent).
# Playwright for Python drives /usr/bin/chromium; never run 'playwright install' (its
# downloads are blocked here). Safe to call on every CI run: it does nothing when present.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
