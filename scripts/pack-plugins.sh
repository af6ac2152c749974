#!/usr/bin/env bash
# Builds the plugin packages and packs each with `yarn pack` (which runs its
# prepack: entry points and exports rewritten to dist/, config.d.ts compiled to
# config.schema.json, workspace: ranges replaced), then checks the tarballs with
# scripts/check-packs.mjs.
#
#   bash scripts/pack-plugins.sh [out dir]     # default: a fresh temporary dir
#
# Tarballs are <out>/<folder>.tgz for each plugins/<folder>. SKIP_TSC=1 skips
# `yarn tsc` when dist-types/ is already current (test-all.sh's type check
# emits it). Never run two packs of the same package at once: prepack rewrites
# its package.json in place until postpack restores it.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-$(mktemp -d /tmp/api-access-packs.XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

started=$(date +%s)
if [ "${SKIP_TSC:-}" != "1" ]; then
  # Declarations in dist-types/, which `package build` bundles into dist/*.d.ts.
  yarn tsc
fi
# Builds the plugins and libraries only (not the bundled app and backend).
yarn backstage-cli repo build >/dev/null

folders=()
for dir in plugins/*/; do
  [ -f "$dir/package.json" ] && folders+=("$(basename "$dir")")
done
rm -f "$out"/*.tgz
# Two at a time: prepack's type analysis is most of the time, on 2 cores.
printf '%s\n' "${folders[@]}" |
  xargs -P 2 -I{} bash -c 'cd "plugins/{}" && yarn pack --out "$0/{}.tgz" >"$0/{}.log" 2>&1 || { cat "$0/{}.log"; exit 1; }' "$out"
rm -f "$out"/*.log

node scripts/check-packs.mjs "$out"
printf 'Packed and checked %s packages in %ss: %s\n' "${#folders[@]}" "$(( $(date +%s) - started ))" "$out"
