# Sourced by the install scripts: `apt_install_quietly PACKAGE…` installs Debian packages without
# letting apt start their services (a policy-rc.d that exits 101, removed afterwards if this
# created it), updates the package lists first only when apt does not know the packages yet, and
# once more before a second try; waits for dpkg's lock when another install runs at the same time.
apt_install_quietly() {
  local policy=/usr/sbin/policy-rc.d created=no updated=no status=0
  local options=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=300)
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created=yes
  fi
  if ! apt-cache show "$@" >/dev/null 2>&1; then
    apt-get update -qq
    updated=yes
  fi
  if ! apt-get install "${options[@]}" "$@"; then
    if [ "$updated" = yes ]; then
      status=1
    else
      apt-get update -qq && apt-get install "${options[@]}" "$@" || status=1
    fi
  fi
  if [ "$created" = yes ]; then rm -f "$policy"; fi
  return "$status"
}
