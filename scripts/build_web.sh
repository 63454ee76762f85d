#!/usr/bin/env bash
# build_web.sh - builds the staff web app into web/dist: npm ci when the lock file changed, the
# API types regenerated from the server's own OpenAPI document (`crm openapi`), the type check
# (a field the API does not have fails it) and `vite build`. Argument: the crm binary to ask.
set -euo pipefail
cd "$(dirname "$0")/.."
crm=${1:-build/crm}

if [ ! -f web/node_modules/.package-lock.json ] ||
    [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# the types only change when the document does
"$crm" openapi >web/src/api/openapi.json.new
if ! cmp -s web/src/api/openapi.json.new web/src/api/openapi.json || [ ! -f web/src/api/schema.d.ts ]; then
    mv web/src/api/openapi.json.new web/src/api/openapi.json
    (cd web && npx openapi-typescript src/api/openapi.json -o src/api/schema.d.ts >/dev/null 2>&1)
else
    rm web/src/api/openapi.json.new
fi

cd web
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p tsconfig.e2e.json
npx vite build --logLevel warn
echo "built web/dist"
