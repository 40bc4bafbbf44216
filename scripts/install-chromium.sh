#!/usr/bin/env bash
# Installs Debian's chromium for the audit report's rendering test (test/audit/htmlReport.test.ts
# screenshots the page headless). Idempotent: does nothing when /usr/bin/chromium already runs;
# runs apt-get update only when apt does not know the package yet, or the install fails on a
# stale package list. Must run as root (apt-get install).
set -euo pipefail

if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "install-chromium: $(/usr/bin/chromium --version) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: must run as root (apt-get install)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
updated=no
if ! apt-cache show chromium >/dev/null 2>&1; then
  apt-get update -qq
  updated=yes
fi
if ! apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; then
  if [ "$updated" = yes ]; then exit 1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi

/usr/bin/chromium --version >/dev/null 2>&1 || {
  echo "install-chromium: /usr/bin/chromium was installed but does not run" >&2
  exit 1
}
echo "install-chromium: $(/usr/bin/chromium --version)"
