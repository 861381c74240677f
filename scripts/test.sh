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
  apt-get update -qq
  # the packages try to start a system Dovecot; in containers that is refused, which is fine
  apt-get install -y -qq $missing >/dev/null
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
