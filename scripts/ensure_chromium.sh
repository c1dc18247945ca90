#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (Playwright drives it;
# it never downloads a browser of its own). Needs root, as on the project's machines.
set -eu
CHROMIUM=${BROKERAGE_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null | head -1
