#!/usr/bin/env bash
# Installs the real FTP servers the integration tests run (test/support/ftpServers.ts):
#   - vsftpd and openssl with apt;
#   - pure-ftpd unpacked into .vendor/pure-ftpd (it conflicts with vsftpd as an apt package).
# Idempotent: does nothing that is already done. Must run as root (apt, and the tests create
# a system user for vsftpd). Never leaves vsftpd's Debian service enabled on port 21.
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor_dir="$root_dir/.vendor/pure-ftpd"

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ftp-servers: must run as root (apt-get install, useradd)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=no
apt_update_once() {
  if [ "$apt_updated" = no ]; then
    apt-get update -qq
    apt_updated=yes
  fi
}

missing=()
[ -x /usr/sbin/vsftpd ] || missing+=(vsftpd)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
  # policy-rc.d exit 101 keeps apt from starting vsftpd's service on port 21 while installing.
  policy=/usr/sbin/policy-rc.d
  created_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=yes
  fi
  # apt-cache finds nothing before the first update on a fresh machine.
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then apt_update_once; fi
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    apt_update_once
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if [ "$created_policy" = yes ]; then rm -f "$policy"; fi
fi

# The tests start their own vsftpd in the foreground; the packaged service is not wanted
# (it would hold port 21). `systemctl disable` also works where systemd is not running.
if command -v systemctl >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then systemctl stop vsftpd >/dev/null 2>&1 || true; fi
  systemctl disable vsftpd >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/vsftpd ]; then
  /etc/init.d/vsftpd stop >/dev/null 2>&1 || true
fi
if command -v update-rc.d >/dev/null 2>&1; then
  update-rc.d vsftpd disable >/dev/null 2>&1 || true
fi

if [ ! -x "$vendor_dir/usr/sbin/pure-ftpd" ] || [ ! -x "$vendor_dir/usr/bin/pure-pw" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download pure-ftpd pure-ftpd-common >/dev/null 2>&1); then
    apt_update_once
    (cd "$tmp" && apt-get download pure-ftpd pure-ftpd-common)
  fi
  rm -rf "$vendor_dir"
  mkdir -p "$vendor_dir"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$vendor_dir"; done
fi

"$vendor_dir/usr/sbin/pure-ftpd" --help >/dev/null 2>&1 || {
  echo "install-ftp-servers: $vendor_dir/usr/sbin/pure-ftpd does not run" >&2
  exit 1
}
echo "install-ftp-servers: vsftpd $(dpkg-query -W -f='${Version}' vsftpd), pure-ftpd in $vendor_dir, $(openssl version)"
