#!/usr/bin/env bash
# What the tests need from Debian, installed once (idempotent, quick when already there):
# vsftpd and pure-ftpd for the transport contract suite, OpenSSH's sshd for the SFTP transport,
# Chromium for the audit report, libfaketime for the clock tests (a PC a day fast or slow).
# `npm test` runs this first; without root it explains and lets the tests run (the real-server
# and Chromium tests then fail, naming this script).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: not root, so Debian's vsftpd, pure-ftpd, openssh-server and chromium cannot be installed here;" >&2
  echo "install-test-deps: run 'sudo bash scripts/install-test-deps.sh' once, or expect those tests to fail" >&2
  exit 0
fi
bash "$here/install-ftp-servers.sh" || exit 1
bash "$here/install-ssh-server.sh" || exit 1
bash "$here/install-chromium.sh" || exit 1
# libfaketime (test/cli/clocks.test.ts runs the real binary with LD_PRELOAD and FAKETIME=±1d).
if [ ! -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] && [ ! -e /usr/lib/faketime/libfaketime.so.1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; } || exit 1
fi
# Ceph (mon, osd, radosgw) for the S3 transport's tests.
bash "$here/install-ceph.sh" || exit 1
