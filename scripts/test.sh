#!/usr/bin/env bash
# Install everything the tests need and run them: Debian packages for the
# real peers (dnsmasq, Dovecot), a virtualenv with the package and its test
# extras, then pytest. Extra arguments go to pytest (none: the whole suite, -n 2). Needs root for apt-get
# and for binding the lab's ports 53/80/443 on 127.x.y.z addresses.
set -euo pipefail
cd "$(dirname "$0")/.."

packages="dnsmasq-base dovecot-imapd dovecot-pop3d dovecot-submissiond python3-venv chromium"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "scripts/test.sh: needs root to install:$missing" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  # About 250 MB to download and 860 MB on disk on a fresh Debian 12, mostly
  # Chromium: say so, and let apt show its progress (one line per package,
  # no progress bars: they would fill CI logs).
  echo "scripts/test.sh: installing$missing (on a fresh system about 250 MB to download, 860 MB on disk; this takes a few minutes)" >&2
  apt-get update -q
  # the packages try to start a system Dovecot; in containers that is refused, which is fine
  apt-get install -y -q -o Dpkg::Progress-Fancy=0 $missing
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# no arguments: the whole suite on two workers (pytest-xdist), each with its own lab
if [ $# -eq 0 ]; then
  set -- -n 2
fi
exec .venv/bin/python -m pytest "$@"
