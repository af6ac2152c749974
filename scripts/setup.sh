#!/usr/bin/env bash
# Installs what a fresh Debian machine with Node 20 lacks: Debian's Chromium,
# nginx (with its njs module) and Caddy for the browser and gateway tests (skipped with
# SETUP_SKIP_CHROMIUM=1; nginx also by SETUP_SKIP_NGINX=1, Caddy by
# SETUP_SKIP_CADDY=1), a running
# PostgreSQL when one is installed but stopped, yarn, and the node modules.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
if [ "${SETUP_SKIP_CHROMIUM:-}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium)
fi
if [ "${SETUP_SKIP_CHROMIUM:-}" != 1 ] && [ "${SETUP_SKIP_NGINX:-}" != 1 ] && [ ! -x /usr/sbin/nginx ]; then
  packages+=(nginx)
fi
# The nginx recipe caches decisions under the key's SHA-256 and purges them with njs.
if [ "${SETUP_SKIP_CHROMIUM:-}" != 1 ] && [ "${SETUP_SKIP_NGINX:-}" != 1 ] && [ ! -f /usr/lib/nginx/modules/ngx_http_js_module.so ]; then
  packages+=(libnginx-mod-http-js)
fi
if [ "${SETUP_SKIP_CHROMIUM:-}" != 1 ] && [ "${SETUP_SKIP_CADDY:-}" != 1 ] && [ ! -x /usr/bin/caddy ]; then
  packages+=(caddy)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing Debian's ${packages[*]} for the browser and gateway tests"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
  # Debian starts the packaged nginx on port 80; the tests run their own.
  if [[ " ${packages[*]} " == *nginx* ]]; then
    $SUDO service nginx stop >/dev/null 2>&1 || $SUDO nginx -s quit 2>/dev/null || true
  fi
  # The same for Caddy (port 80 and its admin endpoint on 2019).
  if [[ " ${packages[*]} " == *" caddy "* ]]; then
    $SUDO service caddy stop >/dev/null 2>&1 || $SUDO caddy stop >/dev/null 2>&1 || true
  fi
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "Starting the local PostgreSQL server"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi

# yarn 1 from npm hands off to the yarn 4 release committed in .yarn/releases.
if ! command -v yarn >/dev/null 2>&1; then
  echo "Installing yarn (it hands off to .yarn/releases/yarn-4.13.0.cjs)"
  npm install -g yarn >/dev/null
fi

yarn install --immutable
