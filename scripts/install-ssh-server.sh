#!/usr/bin/env bash
# Installs Debian's OpenSSH server for the SFTP integration tests (test/support/sshServer.ts),
# which start their own private sshd in the foreground on 127.0.0.1. Idempotent: does nothing
# that is already done. Must run as root (apt-get install). Never leaves the packaged ssh
# service enabled or running: the tests do not want a daemon on port 22.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ssh-server: must run as root (apt-get install)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another process may be installing at the same moment: wait for dpkg's lock instead of failing.
apt_options=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=300)

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if [ "${#missing[@]}" -gt 0 ]; then
  # policy-rc.d exit 101 keeps apt from starting the ssh service while installing.
  policy=/usr/sbin/policy-rc.d
  created_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=yes
  fi
  updated=no
  # apt-cache finds nothing before the first update on a fresh machine.
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    updated=yes
  fi
  if ! apt-get install "${apt_options[@]}" "${missing[@]}"; then
    if [ "$updated" = yes ]; then exit 1; fi
    apt-get update -qq
    apt-get install "${apt_options[@]}" "${missing[@]}"
  fi
  if [ "$created_policy" = yes ]; then rm -f "$policy"; fi
fi

# The packaged service is not wanted; `systemctl disable` also works where systemd is not running.
if command -v systemctl >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then systemctl stop ssh.service ssh.socket >/dev/null 2>&1 || true; fi
  systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
fi
if command -v update-rc.d >/dev/null 2>&1; then
  update-rc.d ssh disable >/dev/null 2>&1 || true
fi

/usr/sbin/sshd -V 2>&1 | grep -q OpenSSH || {
  echo "install-ssh-server: /usr/sbin/sshd does not run" >&2
  exit 1
}
echo "install-ssh-server: $(/usr/sbin/sshd -V 2>&1 | head -n 1)"
