#!/usr/bin/env bash
# Every test the project has, in the order that fails fastest:
# type check, lint, unit + backend tests (SQLite and PostgreSQL), the install
# test (SKIP_INSTALL_TEST=1 skips it), end-to-end.
#
# PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, defaulting
# to the local server on 127.0.0.1:5432 (user postgres, trust auth). With
# CI=true a missing server fails the backend tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

# A fresh machine has only Node and npm: install what the tests need first.
bash scripts/setup.sh

export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"

step() { printf '\n== %s ==\n' "$*"; }
started=$(date +%s)

# Emits declarations to dist-types/ as it checks: the API reports and the
# plugin build below read them.
step "type check (tsc)"
yarn tsc

step "lint"
yarn backstage-cli repo lint

step "generated client and types match the OpenAPI document (\`yarn openapi:generate\` regenerates)"
node scripts/openapi/generate.mjs --check

step "API reports current (report.api.md per plugin; \`yarn api-reports\` regenerates)"
yarn backstage-repo-tools api-reports --ci --include 'plugins/*' -o ae-missing-release-tag,ae-wrong-input-file-type --allow-all-warnings

step "packed plugins: dist/, types, migrations, config schema, no src/ entry point"
SKIP_TSC=1 bash scripts/pack-plugins.sh

step "unit, frontend and backend tests (SQLite and PostgreSQL)"
CI=true yarn backstage-cli repo test --watchAll=false

# A fresh Backstage scaffold with the packed plugins and docs/install.md's own
# commands, in Chromium. Its own ports (3100/7107), so it runs before the demo's
# e2e (3000/7007) and never beside it.
if [ "${SKIP_INSTALL_TEST:-}" = "1" ]; then
  step "install test skipped (SKIP_INSTALL_TEST=1)"
else
  step "install test: fresh scaffold, packed plugins, the install guide's steps"
  install_started=$(date +%s)
  bash scripts/install-test/run.sh
  printf 'Install test took %ss\n' "$(( $(date +%s) - install_started ))"
fi

if [ "${SKIP_E2E:-}" = "1" ]; then
  step "end-to-end tests skipped (SKIP_E2E=1)"
else
  step "end-to-end tests (Debian Chromium)"
  yarn playwright test
fi

printf '\nAll tests passed in %ss\n' "$(( $(date +%s) - started ))"
