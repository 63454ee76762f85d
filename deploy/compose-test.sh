#!/usr/bin/env bash
# compose-test.sh - brings compose.yaml's stack up (the image of `make image`; where no registry
# is reachable, PostgreSQL from deploy/postgres/ on the local base image), and checks it as an
# operator would: the schema migrated, /readyz through the published port, a tenant made
# through the platform API and a sign-in, the worker's health; then takes it down with its
# volume. Not part of `make test`. Ends with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
export CRM_IMAGE=${CRM_IMAGE:-localhost/crm:latest} CRM_PORT=${CRM_PORT:-18080}
if docker info >/dev/null 2>&1; then
    compose=(docker compose -p crm-test)
    exec_=(docker exec)
    export POSTGRES_IMAGE=${POSTGRES_IMAGE:-postgres:15}
else
    command -v podman-compose >/dev/null || apt-get install -y -qq podman-compose >/dev/null
    compose=(podman-compose -p crm-test --podman-args="--runtime runc")
    exec_=(podman exec)
    if [ -z "${POSTGRES_IMAGE:-}" ]; then
        export POSTGRES_IMAGE=localhost/postgres:15
        podman --runtime runc build -q --format docker --ulimit nofile=20000:20000 \
            --ulimit nproc=32768:32768 --build-arg BASE_IMAGE=localhost/debian:12-slim \
            -t "$POSTGRES_IMAGE" deploy/postgres >/dev/null
    fi
fi
deploy/compose-secrets.sh >/dev/null
passed=0 failed=0
check() { # name, command...
    local name=$1; shift
    if "$@"; then echo "ok - $name"; passed=$((passed + 1)); else echo "not ok - $name"; failed=$((failed + 1)); fi
}
"${compose[@]}" up -d >/tmp/crm-compose-up.log 2>&1
base="http://127.0.0.1:$CRM_PORT"
ready() { for _ in $(seq 1 60); do curl -fs "$base/readyz" >/dev/null && return 0; sleep 1; done; return 1; }
check "the API answers /readyz on port $CRM_PORT (migrations current)" ready
key=$(cat deploy/secrets/platform_key)
slug="compose-$RANDOM"
made() {
    curl -fs -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "{\"name\": \"Compose Clinic\", \"slug\": \"$slug\", \"modules\": [\"clinic\"],
             \"admin_email\": \"admin@$slug.test\", \"admin_password\": \"compose-password-1\"}" \
        "$base/platform/v1/tenants" >/dev/null
}
check "a tenant is made through the platform API" made
signin() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"tenant\": \"$slug\", \"email\": \"admin@$slug.test\", \"password\": \"compose-password-1\"}" \
        "$base/api/v1/auth/login" | grep -q access_token
}
check "a sign-in" signin
worker() { "${exec_[@]}" crm-test_worker_1 crm healthcheck 2>/dev/null || "${exec_[@]}" crm-test-worker-1 crm healthcheck; }
check "the worker answers its health check" worker
"${compose[@]}" down -v >/tmp/crm-compose-down.log 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
