#!/usr/bin/env bash
# The shared servers a cluster runs on and its tests start as child processes: Redis, NATS and
# PostgreSQL (the coordinators' shared database), and the Chromium the page's tests drive, from
# Debian's packages. Installs the missing ones with apt-get when running as root; otherwise
# says which command to run. Nothing is started here: neither package's system service is used.
# Usage: install-servers.sh [--required]. Without --required (make setup) a machine that cannot
# install them only hears how to: `make run` needs none; with it (make run-cluster) that fails.
set -euo pipefail
required=false
[ "${1:-}" = "--required" ] && required=true
missing=()
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nats-server ] || missing+=(nats-server)
# Any version Debian ships (15 on bookworm); its binaries live under /usr/lib/postgresql/VERSION.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
# Driven by playwright-core in test/browser (Playwright downloads no browser of its own).
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-servers: ${missing[*]} missing (the cluster and its tests need them); install them with: sudo apt-get install -y ${missing[*]}" >&2
  if $required; then exit 1; fi
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; a failed update still lets a cached list install.
apt-get update -q >/dev/null || true
# policy-rc.d 101: the packages' services are not started (tests start their own servers;
# postgresql's default cluster is made but left stopped). A
# machine's own policy file is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "installed ${missing[*]}"
