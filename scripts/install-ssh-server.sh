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
. "$(dirname "${BASH_SOURCE[0]}")/apt-install-quietly.sh"

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if [ "${#missing[@]}" -gt 0 ]; then apt_install_quietly "${missing[@]}"; fi

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
