#!/usr/bin/env bash
# Starts the demo: the Backstage app on http://localhost:3000 and its backend
# on :7007, an in-memory SQLite database, the example catalog, and a sign-in
# page that lets you be any persona. The first run installs dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_SKIP_CHROMIUM=1 bash scripts/setup.sh
exec yarn start
