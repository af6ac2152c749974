#!/usr/bin/env bash
# Files per route, for docs/architecture.md: for a few routes, the non-test files in
# plugins/*/src that name the route's path or call the service method its handler calls,
# and how many backend folders those files sit in. A proxy for "how many places does a
# change to this route touch".
cd "$(dirname "$0")/.." || exit 1
while IFS='|' read -r route method; do
  path=${route#* }
  files=$(grep -rlE --include='*.ts' --include='*.tsx' -e "'${path}'" -e "\b${method}\(" plugins/*/src |
    grep -vE '\.test\.|__testUtils__|/generated/')
  n=$(printf '%s\n' "$files" | grep -c .)
  d=$(printf '%s\n' "$files" | grep '^plugins/api-access-backend/' | xargs -r -n1 dirname | sort -u | grep -c .)
  printf '%-32s %-17s files %2s  backend folders %s\n' "$route" "$method" "$n" "$d"
done <<'R'
POST /requests|create
POST /requests/:id/decisions|decide
POST /requests/:id/resubmit|resubmit
POST /grants/:id/renew|renew
POST /grants/:id/revoke|revoke
POST /grants/:id/credentials|issue
POST /grants/:id/certificates|issueCertificate
R
