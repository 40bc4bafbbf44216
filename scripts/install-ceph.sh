#!/usr/bin/env bash
# Installs Debian's Ceph for the S3 integration tests (test/support/cephS3.ts): a monitor, an
# OSD and radosgw, which the tests run as a one-node cluster on 127.0.0.1 in a temporary folder.
# Idempotent: does nothing when the binaries are there. Must run as root (apt). No Ceph service
# is started or left enabled: the tests start their own daemons in the foreground.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ceph: must run as root (apt-get install)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
. "$(dirname "${BASH_SOURCE[0]}")/apt-install-quietly.sh"
packages=(ceph-mon ceph-osd radosgw ceph-common)
missing=()
for binary in /usr/bin/ceph-mon /usr/bin/ceph-osd /usr/bin/radosgw /usr/bin/radosgw-admin /usr/bin/ceph-authtool /usr/bin/monmaptool /usr/bin/ceph; do
  [ -x "$binary" ] || { missing=("${packages[@]}"); break; }
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install_quietly "${missing[@]}"
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable ceph.target ceph-mon.target ceph-osd.target ceph-radosgw.target >/dev/null 2>&1 || true
  fi
fi
echo "install-ceph: ceph $(dpkg-query -W -f='${Version}' radosgw) (ceph-mon, ceph-osd, radosgw)"
